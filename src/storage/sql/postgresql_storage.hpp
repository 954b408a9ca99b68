// The SQL store's PostgreSQL dialect, for several boka hosts sharing one database.
//
//  - Writes run in READ COMMITTED and first lock the intent's resource rows with
//    SELECT ... FOR UPDATE in id order: two writers touching a resource serialize on its
//    row, every read after the lock sees the latest committed bookings, and lock order
//    rules out deadlocks between boka writers. Serialization failures and deadlocks
//    (SQLSTATE 40001, 40P01) are retried a bounded number of times, then unavailable.
//  - Reads run in REPEATABLE READ, READ ONLY: one snapshot, never a serialization failure.
//  - Every transaction sets boka.tenant (transaction-local) for row level security.
//  - A connection that dies fails its call with unavailable (PostgreSQL rolls the
//    transaction back) and is dropped; the next call opens a fresh one.
#pragma once

#include <memory>
#include <string>

#include "boka/storage_spi.hpp"

namespace boka::detail {

struct PostgresOptions {
  std::string libpq_uri;  // libpq keyword=value string, boka's own options removed
  std::string location;   // host:port/db, for messages (never the password)
  int pool_size = 4;      // connections at most; callers wait for a free one
  std::string app_role;   // when set, migrations grant the run-time privileges to it
  int acquire_timeout_ms = 10000;
};

// Opens the store: applies missing migrations (needs the schema owner's rights), or checks
// that the schema is current (any role), and refuses a newer schema.
Result<std::shared_ptr<Storage>> open_postgresql_storage(const PostgresOptions& options);

// Parses "postgresql://user:password@host:port/db?pool_size=8&app_role=boka_app&..."; boka's
// options are taken out, everything else is passed to libpq.
Result<PostgresOptions> parse_postgresql_uri(std::string_view uri);

}  // namespace boka::detail
