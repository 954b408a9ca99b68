// Row access on a PostgreSQL connection (PgTransaction), and the pipelined reservation
// write. Needs no libpq: the PostgreSQL store (the only translation unit that sees it) hands
// the pipeline runner over in PgWriteBatch.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"
#include "storage/sql/sql_connection.hpp"
#include "storage/sql/sql_rows.hpp"

namespace boka::detail {

// PostgreSQL write transactions are bound by round trips (a client waits for the network
// and the server on every statement), so a reservation write goes to the server as three
// batches of prepared statements (libpq pipeline mode) instead of ten single statements
// (docs/architecture.md, "PostgreSQL round trips"):
// 1. pg_begin_write: BEGIN, the tenant setting, the resource row locks, and reads of the
//    tenant row and the locked resource rows;
// 2. the new reservation (its id is needed);
// 3. pg_commit_write: the writes whose outcome is certain once those locks are held (a
//    locked resource row's update, the new reservation's allocations, its event and its
//    unsealed audit record), queued in `deferred`, then COMMIT.
// A change's audit record takes no chain lock: it is sealed into its chain after commit
// (docs/architecture.md, "Audit sealing"). lock_audit_head in a batched transaction (the
// sealer's are not batched) still sends the lock and head read as one round trip.
// Any other statement sends the queue first, so the transaction always reads its own
// writes. A batch belongs to one transaction on one connection; it is not thread-safe.
struct PgCall {
  const char* sql;                                 // a statement of boka's (prepared once)
  std::vector<std::optional<std::string>> params;  // text values; nullopt is NULL
};
// Sends calls as one pipeline and returns their results in order (PgRows, sql_rows.hpp);
// throws soci::postgresql_soci_error for the first call that failed. Defined by the
// PostgreSQL store.
using PgPipelineRunner = std::vector<PgRows> (*)(SqlConnection& connection,
                                                 const std::vector<PgCall>& calls);
struct PgWriteBatch {
  PgPipelineRunner run = nullptr;
  TenantId tenant{};
  std::optional<Tenant> tenant_row;          // read at BEGIN
  std::map<ResourceId, Resource> resources;  // the locked rows, read at BEGIN
  std::optional<AuditHead> audit_head;       // set once the chain's lock is held
  std::vector<PgCall> deferred;
};

// Row access inside a transaction the caller began on `connection`. `batch` (writes begun
// with pg_begin_write, else null) and `connection` must outlive the transaction, which is
// used by one thread. `map` maps PostgreSQL's exceptions.
std::unique_ptr<StorageTransaction> make_pg_transaction(SqlConnection& connection, bool writable,
                                                        SqlErrorMapper map,
                                                        PgWriteBatch* batch = nullptr);

// WriteIntent::lock_names as transaction-level advisory locks,
// pg_advisory_xact_lock(kNamedLockClass, key), key the 32-bit FNV-1a hash of the name.
// PostgreSQL keeps locks of the two-int form apart from those of the one-bigint form
// (boka's audit chain locks and its migration lock), and boka takes no other two-int
// lock, so a named lock can never wait for one of those; resources are locked by their
// rows, not by advisory locks. Two names may share a key: they then serialize more than
// needed, nothing worse. The hash is part of the protocol between hosts (two builds that
// hashed differently would not exclude each other): never change it.
inline constexpr int kNamedLockClass = 0x626F6B61;  // "boka"
// The keys of `names`, sorted and distinct: the order every writer takes them in, so
// writers never deadlock on them (name order could, when two names share a key).
std::vector<int> pg_named_lock_keys(const std::vector<std::string>& names);

// One round trip: BEGIN, `tenant` as the row level security scope, the row locks on
// `resources` (sorted, distinct), the named locks `named_locks` (pg_named_lock_keys), and
// the reads PgWriteBatch describes. Throws soci::postgresql_soci_error (map it with the
// store's mapper).
void pg_begin_write(SqlConnection& connection, TenantId tenant,
                    const std::vector<ResourceId>& resources, const std::vector<int>& named_locks,
                    PgWriteBatch& batch);
// One round trip: the batch's deferred writes, then COMMIT. A failing write aborts the rest
// (COMMIT included); the caller rolls back. Throws like pg_begin_write (SQLSTATE 08006 when
// the connection is gone, and then the outcome is unknown).
void pg_commit_write(SqlConnection& connection, PgWriteBatch& batch);

}  // namespace boka::detail
