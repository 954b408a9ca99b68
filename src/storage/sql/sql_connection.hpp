// What the SQL stores hold per connection, and how they turn a driver's exception into a
// Status. The row access over a connection: sqlite_transaction.hpp and
// postgresql_transaction.hpp.
#pragma once

#include <soci/soci.h>

#include <exception>
#include <map>
#include <memory>
#include <string>

#include "boka/status.hpp"

namespace boka::detail {

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
// Defined in sql_prepared.hpp.
class PreparedStatements;
struct PreparedStatementsDeleter {
  void operator()(PreparedStatements* p) const;
};
using PreparedStatementsPtr = std::unique_ptr<PreparedStatements, PreparedStatementsDeleter>;
PreparedStatementsPtr make_prepared_statements(soci::session& sql);

// A pooled connection: a session and its prepared statements (destroyed first). Used by one
// thread at a time; the store's pool hands it out.
struct SqlConnection {
  std::unique_ptr<soci::session> session;
  PreparedStatementsPtr prepared;
  bool broken = false;  // set when its protocol state is unknown: the pool drops it
  // PostgreSQL pipelines: statement text -> the name it is prepared under on this connection.
  std::map<std::string, std::string> pipeline_names;
};

}  // namespace boka::detail
