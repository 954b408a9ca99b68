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

#include <memory>
#include <string>

#include "boka/storage.hpp"

namespace boka::detail {

struct SqliteOptions {
  std::string path;
  Durability durability = Durability::full;
  int busy_timeout_ms = 5000;
  int pool_size = 4;  // connections kept open for concurrent readers
  // mode=ro: open an existing file read-only (a backup being verified): no migration (the
  // schema must be the one this build knows), every write is unavailable, the file is
  // never changed. A file in WAL mode needs its -shm to be creatable.
  bool read_only = false;
};

Result<std::shared_ptr<Storage>> open_sqlite_storage(const SqliteOptions& options);

}  // namespace boka::detail
