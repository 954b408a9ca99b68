// The SQL stores' shared pieces: row access over a SOCI session, and error mapping.
#pragma once

#include <soci/soci.h>

#include <exception>
#include <memory>

#include "boka/storage.hpp"

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

// Row access inside a transaction the caller began on `sql`.
std::unique_ptr<StorageTransaction> make_sql_transaction(soci::session& sql, bool writable,
                                                         SqlErrorMapper map);

}  // namespace boka::detail
