// Numbered schema migrations for the SQLite dialect. Migration n takes a database at
// schema version n-1 to n. Append only: a released migration never changes.
#pragma once

#include <string>
#include <vector>

namespace boka::detail {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace boka::detail
