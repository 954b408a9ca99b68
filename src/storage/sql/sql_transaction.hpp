// The SQL stores' shared pieces: row access over a SOCI session, and error mapping.
#pragma once

#include <soci/soci.h>

#include <exception>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::detail {

// A nullable integer column (an optional instant or id), bound with its indicator.
struct NullableInt {
  long long value = 0;
  soci::indicator ind = soci::i_null;
  NullableInt() = default;
  explicit NullableInt(const std::optional<Instant>& t)
      : value(t ? to_unix(*t) : 0), ind(t ? soci::i_ok : soci::i_null) {}
  explicit NullableInt(const std::optional<std::int64_t>& v)
      : value(v ? *v : 0), ind(v ? soci::i_ok : soci::i_null) {}
  std::optional<Instant> instant() const {
    return ind == soci::i_ok ? std::optional<Instant>(from_unix(value)) : std::nullopt;
  }
  std::optional<std::int64_t> integer() const {
    return ind == soci::i_ok ? std::optional<std::int64_t>(value) : std::nullopt;
  }
};

// Turns a dialect's exception into a Status. Messages never quote bound values.
using SqlErrorMapper = Status (*)(const std::exception& error, const char* operation);

// Runs f, mapping any exception it throws with `map`.
template <typename F>
auto guarded(SqlErrorMapper map, const char* operation, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return map(e, operation);
  }
}

// The hot path's statements (find a tenant or resource, insert a reservation and its
// allocations, bump a resource version, ...), prepared on first use and kept for the life
// of one connection: on PostgreSQL each execution is then one round trip instead of
// prepare, execute and deallocate; on SQLite nothing is parsed twice. Belongs to one
// session, which must outlive it; used by one thread at a time, like its session.
class PreparedStatements;
struct PreparedStatementsDeleter {
  void operator()(PreparedStatements* p) const;
};
using PreparedStatementsPtr = std::unique_ptr<PreparedStatements, PreparedStatementsDeleter>;
PreparedStatementsPtr make_prepared_statements(soci::session& sql);

// A pooled connection: a session and its prepared statements (destroyed first).
struct SqlConnection {
  std::unique_ptr<soci::session> session;
  PreparedStatementsPtr prepared;
  bool postgresql = false;  // the dialect, for the few statements that differ (table sizes)
  bool broken = false;      // set when its protocol state is unknown: the pool drops it
  // PostgreSQL pipelines: statement text -> the name it is prepared under on this connection.
  std::map<std::string, std::string> pipeline_names;
};

// PostgreSQL write transactions are bound by round trips (a client waits for the network
// and the server on every statement), so a reservation write goes to the server as three
// batches of prepared statements (libpq pipeline mode) instead of ten single statements
// (docs/architecture.md, "PostgreSQL round trips"):
// 1. pg_begin_write: BEGIN, the tenant setting, the resource row locks, and reads of the
//    tenant row and the locked resource rows;
// 2. the new reservation (its id is needed), with the audit chain's lock and head read;
//    a write that inserts nothing sends the lock and head alone;
// 3. pg_commit_write: the writes whose outcome is certain once those locks are held (a
//    locked resource row's update, the new reservation's allocations, appends to the locked
//    chain), queued in `deferred`, then COMMIT.
// Any other statement sends the queue first, so the transaction always reads its own
// writes. A batch belongs to one transaction on one connection; it is not thread-safe.
struct PgCall {
  const char* sql;                                // a statement of boka's (prepared once)
  std::vector<std::optional<std::string>> params; // text values; nullopt is NULL
};
// A pipeline's results: one per call, each its rows of text cells (nullopt for NULL).
struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
};
// Sends calls as one pipeline and returns their results in order; throws
// soci::postgresql_soci_error for the first call that failed. Defined by the PostgreSQL
// store (the only translation unit that sees libpq).
using PgPipelineRunner = std::vector<PgRows> (*)(SqlConnection& connection,
                                                  const std::vector<PgCall>& calls);
struct PgWriteBatch {
  PgPipelineRunner run = nullptr;
  TenantId tenant = 0;
  std::optional<Tenant> tenant_row;          // read at BEGIN
  std::map<ResourceId, Resource> resources;  // the locked rows, read at BEGIN
  std::optional<AuditHead> audit_head;       // set once the chain's lock is held
  std::vector<PgCall> deferred;
};

// SQLite: runs `sql` (a statement without parameters or rows: BEGIN IMMEDIATE, COMMIT,
// SAVEPOINT ...) through the connection's cached raw statements (no parse per call). Throws
// soci::sqlite3_soci_error.
void sqlite_execute(SqlConnection& connection, const char* sql);

// Row access inside a transaction the caller began on `connection`. `batch` (PostgreSQL
// writes begun with pg_begin_write, else null) must outlive the transaction.
std::unique_ptr<StorageTransaction> make_sql_transaction(SqlConnection& connection, bool writable,
                                                         SqlErrorMapper map,
                                                         PgWriteBatch* batch = nullptr);

// PostgreSQL, one round trip: BEGIN, `tenant` as the row level security scope, the row
// locks on `resources` (sorted, distinct), and the reads PgWriteBatch describes. Throws
// soci::postgresql_soci_error (map it with the store's mapper).
void pg_begin_write(SqlConnection& connection, TenantId tenant,
                    const std::vector<ResourceId>& resources, PgWriteBatch& batch);
// PostgreSQL, one round trip: the batch's deferred writes, then COMMIT. A failing write
// aborts the rest (COMMIT included); the caller rolls back. Throws like pg_begin_write
// (SQLSTATE 08006 when the connection is gone, and then the outcome is unknown).
void pg_commit_write(SqlConnection& connection, PgWriteBatch& batch);

}  // namespace boka::detail
