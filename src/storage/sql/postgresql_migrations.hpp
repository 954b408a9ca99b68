// Numbered schema migrations for the PostgreSQL dialect (same numbering as SQLite's).
// `{app_role}` in a statement is replaced by the role boka connects as at run time, when
// the migrating owner names one; statements containing it are skipped otherwise.
#pragma once

#include "storage/sql/sqlite_migrations.hpp"

namespace boka::detail {

const std::vector<Migration>& postgresql_migrations();

}  // namespace boka::detail
