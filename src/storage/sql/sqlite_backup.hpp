// SQLite's side of backups: an online snapshot through SQLite's backup API, and the checks
// a verification makes on a copy. The backup policy (names, manifests, retention) is
// src/ops/backup.cpp's; this file only knows SQLite.
#pragma once

#include <string>

#include "boka/storage_spi.hpp"

namespace boka::detail {

// Copies the database at `source` into the new file `target` (SqliteStorage::backup; see
// Storage::backup). Consistency: the source connection opens a read transaction first and
// keeps it for the whole copy, so every step reads the same WAL snapshot while writers go
// on (WAL readers never block the writer), and the snapshot's counts and audit heads are
// read in it too. The copy leaves WAL mode, so it is one self-contained file.
Result<BackupSnapshot> backup_sqlite_database(const std::string& source, const std::string& target,
                                              const BackupProgress& progress);

// Whether a manifest written at `schema_version` may lack the row count of `table`, a table
// the backup has: true for a table boka began to count at a later schema version (older
// boka builds wrote their manifests without it), so such a backup still verifies.
bool manifest_may_omit(const std::string& table, int schema_version);
// Whether this build counts `table` (one of boka's tables) in table_stats and manifests.
bool counts_table(const std::string& table);

// What a verification reads from a backup file, opened immutable (no locks, no journal).
// Its facts count the boka tables the file has: an older schema lacks the later ones.
struct SqliteFileCheck {
  std::string integrity;  // PRAGMA integrity_check's answer ("ok"), or the error reading it
  Status facts_error;     // why `facts` could not be read (ok when they were)
  BackupSnapshot facts;
};
// An error only when the file cannot be opened at all.
Result<SqliteFileCheck> check_sqlite_file(const std::string& path);

}  // namespace boka::detail
