// Taking a backup through a store (Storage::backup) and what Operations::backup applies after.
#pragma once

#include "boka/operations.hpp"
#include "boka/storage_spi.hpp"

namespace boka::detail {

// Has `storage` copy itself into <options.directory>/<kind>/boka-<kind>-<YYYYMMDD-HHMMSS>.db
// (-2, -3, ... for a second backup in the same second), makes the file durable and writes
// its manifest beside it. No retention, no verification. A store that does not back up
// answers not_supported and leaves no directory behind.
Result<BackupResult> take_backup(Storage& storage, const BackupOptions& options, Instant now);

// How many backups of `kind` retention keeps when BackupOptions::keep is 0 (0: all).
int default_keep(BackupKind kind);

}  // namespace boka::detail
