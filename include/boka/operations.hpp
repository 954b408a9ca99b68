// boka/operations.hpp: what running boka in production needs, in the library so that every
// host, the admin CLI and the bindings share it: health reports, backups of the embedded
// SQLite store (take, verify, restore, retention), and database statistics.
//
// The Engine calls that use these types are the Operations facet below (engine.operations():
// audit, health, backup, database_stats, read-only mode, heartbeats, metrics);
// verify_backup, restore_backup and apply_retention work on files alone, so they run with
// every server stopped.
// docs/operations.md maps the operations guide's tasks to these calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/audit.hpp"
#include "boka/metrics.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/storage.hpp"
#include "boka/time.hpp"

namespace boka {

// One of boka's tables: what Operations::database_stats reports and a backup manifest counts.
struct TableStats {
  std::string table;
  std::int64_t rows = 0;
  std::int64_t bytes = 0;  // data and indexes; 0 where the store cannot tell (memory)
};

// ---- health ------------------------------------------------------------------------------

enum class HealthStatus : int { ok = 0, degraded = 1, failing = 2 };
const char* health_status_name(HealthStatus status) noexcept;  // "ok", "degraded", "failing"

struct HealthOptions {
  // A last backup older than this (or none at all) is degraded. Zero: backups not checked.
  Seconds backup_max_age{26 * 3600};
  // Components expected to report a heartbeat (Operations::record_heartbeat), and how fresh it
  // must be. A missing or stale heartbeat is degraded.
  std::vector<std::string> heartbeats{"worker"};
  Seconds heartbeat_max_age{120};
  // Free space on the file store's file system below either bound is degraded.
  double min_free_disk_fraction = 0.05;
  std::int64_t min_free_disk_bytes = std::int64_t{1} << 30;
  // A storage round trip slower than this is degraded.
  Seconds storage_slow_after{1};
};

// One line of the report: "storage", "schema", "read_only", "disk", "backup",
// "heartbeat:worker".
struct HealthCheck {
  std::string name;
  HealthStatus status = HealthStatus::ok;
  std::string detail;  // human-readable; never a password (a URI's credentials are not shown)
};

// The last heartbeat of a component HealthOptions::heartbeats expects.
struct Heartbeat {
  std::string component;             // "worker"
  std::optional<Instant> last_seen;  // none: never reported
};

// The shells write it as a document through their codec (boka.h "HealthReport", docs/http.md).
struct HealthReport {
  HealthStatus status = HealthStatus::ok;  // the worst check
  Instant checked_at{};
  std::string dialect;   // "sqlite", "postgresql", "memory"
  std::string location;  // StorageInfo::location: the file, or host:port/db (never a password)
  int schema_version = 0;
  int expected_schema_version = 0;  // what this build migrates to
  bool storage_reachable = false;
  double storage_latency_seconds = 0;  // one read transaction, round trip
  bool read_only = false;
  std::string read_only_reason;
  std::optional<std::int64_t> disk_free_bytes;  // file stores only
  std::optional<std::int64_t> disk_total_bytes;
  std::optional<Instant> last_backup_at;
  std::vector<Heartbeat> heartbeats;  // in HealthOptions::heartbeats order
  std::vector<HealthCheck> checks;
};

// ---- backups ------------------------------------------------------------------------------

enum class BackupKind : int { manual = 0, daily = 1, weekly = 2, monthly = 3 };
const char* backup_kind_name(BackupKind kind) noexcept;  // "manual", "daily", ...
// nullopt for anything but the four names.
std::optional<BackupKind> parse_backup_kind(std::string_view name) noexcept;

// Written next to every backup as <backup>.manifest.json. Holds no secret. The file's format
// ("boka-backup/1", to_json and from_json) is the library's own and stays readable by later
// versions; the shells give the manifest as a document like any other (RFC 3339 created_at,
// tables as TableStats).
struct BackupManifest {
  std::string format = "boka-backup/1";
  std::string file;  // the backup's file name (same directory)
  BackupKind kind = BackupKind::manual;
  Instant created_at{};  // when the snapshot was taken (UTC)
  std::string source;    // the database file backed up
  int schema_version = 0;
  std::string sha256;  // hex SHA-256 of the backup file
  std::int64_t size_bytes = 0;
  std::vector<TableStats> tables;      // row counts in the snapshot
  std::vector<AuditHead> audit_heads;  // every chain's head in the snapshot
  std::string boka_version;

  // The manifest file's text (boka-backup/1, docs/operations.md "SQLite backups").
  std::string to_json() const;
  // Reads a manifest file's text: invalid_argument naming the first missing or malformed
  // field.
  static Result<BackupManifest> from_json(std::string_view json);
};

struct BackupOptions {
  // Backups go to <directory>/<kind>/boka-<kind>-<YYYYMMDD-HHMMSS>.db, with the manifest
  // beside it. Created if missing.
  std::string directory;
  BackupKind kind = BackupKind::manual;
  // How many backups of this kind to keep after this one; older ones are deleted with their
  // manifests. 0: the default (daily 7, weekly 4, monthly 12, manual: keep all).
  int keep = 0;
  // Verify the new backup (as verify_backup) before returning. A backup that fails
  // verification is kept for inspection, and retention is skipped, so it deletes no good one.
  bool verify = false;
  // Called from the calling thread as pages are copied; may be empty.
  std::function<void(std::int64_t copied_pages, std::int64_t total_pages)> progress;
};

struct BackupVerification {
  bool ok = false;
  std::string integrity;  // PRAGMA integrity_check's answer ("ok")
  bool checksum_matches = false;
  bool counts_match = false;
  AuditVerification audit;            // the chains in the copy
  bool heads_match = false;           // the copy's chain heads are the manifest's
  std::vector<std::string> problems;  // empty when ok
};

struct BackupResult {
  std::string path;  // the backup file
  std::string manifest_path;
  BackupManifest manifest;
  std::vector<std::string> removed;                // backups deleted by retention
  std::optional<BackupVerification> verification;  // when options.verify
};

// Checks a backup file against its manifest: the SHA-256, SQLite's integrity_check, the
// schema version, the row counts, and the audit chains (every link, and heads equal to the
// manifest's). Reads only; never changes the file. not_found if the file or its manifest
// is missing; ok() with problems listed when the backup is damaged.
Result<BackupVerification> verify_backup(std::string_view backup_path);

struct RestoreOptions {
  // Replace an existing file at the target. Without it, restoring over an existing file is
  // refused. Stop every process using the target first: boka cannot see other processes'
  // connections, and a server still running on the old file keeps writing to it.
  bool overwrite = false;
};

// Restores a verified backup into `target_path`: verifies it first (a backup that fails
// verification is refused), copies it beside the target, then renames it into place, so
// the target is either the old file or the complete backup, never a mix. Removes the
// target's stale -wal and -shm files when overwriting. already_exists when the target
// exists and !overwrite; failed verification is storage with the problems listed.
Status restore_backup(std::string_view backup_path, std::string_view target_path,
                      const RestoreOptions& options = {});

// The backups of `kind` in `directory` (<directory>/<kind>/boka-<kind>-*.db), oldest first
// by the time in their names; empty when there are none (or no such folder).
Result<std::vector<std::string>> list_backups(std::string_view directory, BackupKind kind);

// Deletes the oldest backups of `kind` in `directory` (with their manifests) beyond the
// newest `keep`; returns the deleted paths. keep < 1 is invalid_argument.
Result<std::vector<std::string>> apply_retention(std::string_view directory, BackupKind kind,
                                                 int keep);

namespace detail {
struct EngineImpl;
}

// The Operations facet of an Engine (Engine::operations()): the audit trail, health,
// backups, read-only mode, heartbeats, database statistics and metrics. It belongs to its
// Engine: the reference stays valid as long as the Engine, and is not copied or moved.
//
// Thread-safety: every method may be called from any number of threads at once.
class Operations {
 public:
  Operations(const Operations&) = delete;
  Operations& operator=(const Operations&) = delete;

  // --- Audit trail (boka/audit.hpp) ---------------------------------------------------
  // Records of query.tenant's chain (audit:read in that tenant; the system chain, tenant 0,
  // needs audit:read system-wide), ordered by seq.
  Result<std::vector<AuditRecord>> audit_records(const Principal& who, const AuditQuery& query);
  // Walks one chain (`tenant`) or every chain (unset: system-wide audit:read) and reports the
  // first broken link. Reads in pages, so it runs beside live traffic; records appended
  // while it runs are checked up to the head it read first.
  Result<AuditVerification> verify_audit(const Principal& who,
                                         std::optional<TenantId> tenant = std::nullopt);
  // Checks the chains against heads recorded earlier and kept elsewhere (a backup
  // manifest's audit_heads, or heads exported to another system): each chain must still
  // hold that record with that hash. This finds what walking the chain cannot: records cut
  // off its end. Heads of tenants the principal may not read are refused (as verify_audit).
  // A failure names the first head that no longer matches (broken_tenant, broken_seq).
  Result<AuditVerification> check_audit_heads(const Principal& who,
                                              const std::vector<AuditHead>& known);

  // --- Health, backups, read-only mode; system:operations, system-wide ------------------
  // Storage reachability and latency, schema version, read-only state, disk space (file
  // stores), age of the last backup and the expected heartbeats; overall ok, degraded or
  // failing. A store that cannot be reached is failing, not an error.
  Result<HealthReport> health(const Principal& who, const HealthOptions& options = {});
  // Row counts and sizes of every table.
  Result<std::vector<TableStats>> database_stats(const Principal& who);
  // Read-only mode: while on, every call that would write fails with unavailable naming the
  // reason, and reads go on (sessions still authenticate, without extending their idle
  // expiry). Per engine, i.e. per process; recorded in the audit trail. A worker or second
  // host must be switched too (or started with EngineOptions::read_only).
  Status set_read_only(const Principal& who, bool on, std::string_view reason = {});
  // The reason read-only mode was switched on, or nullopt while writable.
  std::optional<std::string> read_only_reason() const;
  // Records that `component` ("worker") is alive now; health() reports its age.
  // Not audited (a heartbeat is not a change).
  Status record_heartbeat(const Principal& who, std::string_view component);
  // An online, consistent backup of the SQLite store (one read snapshot, so traffic goes
  // on) with its manifest; applies retention, and verifies when options.verify. The backup
  // holds every transaction committed before it started. not_supported on other stores
  // (PostgreSQL: pg_dump, see docs/operations.md).
  Result<BackupResult> backup(const Principal& who, const BackupOptions& options);

  // The registry holding the engine's metrics (EngineOptions::metrics if given).
  std::shared_ptr<MetricsRegistry> metrics() const;

  // What the store is: dialect, location, schema version (boka/storage.hpp).
  StorageInfo storage_info() const;

 private:
  friend class Engine;
  explicit Operations(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
