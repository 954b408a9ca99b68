// boka/storage.hpp: opening a store. An embedder opens one by URI (open_storage) or, for
// SQLite, from typed options (open_sqlite_storage), and hands it to Engine::open; the store
// itself stays opaque here.
//
// The interface a store implements (Storage's methods, transactions, stored rows, the
// wrappers for fault injection) is in boka/storage_spi.hpp, for store authors and tests:
// neither boka/engine.hpp nor boka/boka.hpp includes it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "boka/status.hpp"

namespace boka {

// A store: rows, transactions and locks, shared by any number of engines and threads.
// Opaque to embedders, who only pass it around by std::shared_ptr; its interface is in
// boka/storage_spi.hpp.
class Storage;

// What a store is and where, as Operations::storage_info and health reports show it.
struct StorageInfo {
  std::string dialect;     // "memory", "sqlite", ...
  int schema_version = 0;  // 0 for stores without a schema
  std::string location;    // the file path, host:port/db for PostgreSQL, or "" (never a password)
  // The schema version this build of boka migrates the store to (0 for stores without a
  // schema); health reports a store whose schema_version differs as failing.
  int expected_schema_version = 0;
};

// How hard the SQLite store syncs on commit.
//   full (default): a committed transaction survives power loss (fsync of the WAL at
//        every commit; PRAGMA synchronous=FULL).
//   normal: survives a crash of the process, but the last transactions before a power
//        loss or OS crash may roll back (PRAGMA synchronous=NORMAL); several times faster.
enum class Durability : int { full = 0, normal = 1 };

// The SQLite store's options: the fields of a "sqlite:" URI, typed. Both ways of opening
// exist on purpose. The URI is what a host reads from its configuration (boka-server, the
// C ABI and Python take only URIs); these options are for an embedder that builds the store
// in code, where the compiler checks every name and a path needs no URI syntax. Both reach
// open_sqlite_storage, which checks them the same way.
struct SqliteOptions {
  std::string path;  // the database file; created if missing
  Durability durability = Durability::full;
  int busy_timeout_ms = 5000;  // 0..600000: how long to wait for another process's lock
  int pool_size = 4;           // 1..256 connections kept open for concurrent readers
  // Open an existing file read-only (a backup being verified): no migration (the schema
  // must be the one this build knows), every write is unavailable, the file is never
  // changed. A file in WAL mode needs its -shm to be creatable.
  bool read_only = false;
};

// Opens (and, unless read_only, creates and migrates) a SQLite store.
// Errors: invalid_argument for an empty path, a path with spaces or quotes, or an option
// out of range (the message names it); otherwise as open_storage.
// The caller owns the returned store; it may be shared between engines.
Result<std::shared_ptr<Storage>> open_sqlite_storage(const SqliteOptions& options);

// Opens a store from a URI:
//   "memory:"                      a fresh in-memory store (tests, ephemeral use)
//   "sqlite:path/to/file.db"       SQLite file, created if missing, schema migrated on open
//   "sqlite:file.db?durability=normal&busy_timeout_ms=5000&pool_size=4"
//   "sqlite:backup.db?mode=ro"      an existing file, read-only (no migration, writes refused)
//   "postgresql://user:password@host:5432/db?pool_size=8"  (a libpq URI; see
//                                   docs/postgresql.md for the options and the schema)
// Errors: invalid_argument for a malformed URI or option (the message names it),
// not_supported for a scheme this build lacks, storage/unavailable if the file cannot be
// opened, and storage when the database's schema is newer than this library knows.
// The caller owns the returned store; it may be shared between engines.
Result<std::shared_ptr<Storage>> open_storage(std::string_view uri);

}  // namespace boka
