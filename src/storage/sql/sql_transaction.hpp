// The SQL stores' shared pieces: row access over a SOCI session, and error mapping.
#pragma once

#include <soci/soci.h>

#include <exception>
#include <memory>
#include <optional>

#include "boka/storage.hpp"

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
};

// Row access inside a transaction the caller began on `connection`.
std::unique_ptr<StorageTransaction> make_sql_transaction(SqlConnection& connection, bool writable,
                                                         SqlErrorMapper map);

}  // namespace boka::detail
