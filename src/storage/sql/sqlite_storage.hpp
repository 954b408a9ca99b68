// The SQL store's SQLite dialect, the embedded default: one database file, over SOCI, with
// the reservation path on the raw sqlite3 handle (sql_transaction.cpp, SqliteCall).
//
// SQLite specifics:
//  - WAL journal, so readers never block the writer and the writer never blocks readers.
//  - Writes run in BEGIN IMMEDIATE: the database write lock is taken before the first
//    read, which covers every resource in the intent (SQLite has no row locks) and makes
//    "read, decide, write" atomic across threads and processes.
//  - In-process writers queue before BEGIN IMMEDIATE, so threads do not spin on
//    SQLITE_BUSY, and a queue is committed as one group: one transaction, each writer's
//    work in its own savepoint, one COMMIT (one sync at durability=full); every writer
//    learns its own outcome only after that COMMIT. Other processes wait up to
//    busy_timeout_ms for the database lock, then get unavailable.
#pragma once

#include <string_view>

#include "boka/storage.hpp"

namespace boka::detail {

// Parses what follows "sqlite:" in a storage URI ("path?durability=full&pool_size=4"):
// the path and boka's options, nothing opened. invalid_argument naming the option at fault.
// Defined in open_storage.cpp; tests/fuzz/storage_uri_config.cpp fuzzes it.
Result<SqliteOptions> parse_sqlite_uri(std::string_view rest);

}  // namespace boka::detail

// Opened through boka::open_sqlite_storage (boka/storage.hpp), defined in sqlite_storage.cpp.
