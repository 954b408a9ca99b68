// Backups of the SQLite store: an online snapshot through SQLite's backup API, a manifest,
// verification, restore and retention.
//
// Consistency: the source connection opens a read transaction first and keeps it for the
// whole copy, so every step of the backup reads the same WAL snapshot while writers go on
// (WAL readers never block the writer). The copy therefore holds exactly the transactions
// committed before that read began, and the manifest's counts and audit heads are read in
// the same snapshot.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "boka/version.hpp"
#include "core/private_file.hpp"
#include "core/sha256.hpp"
#include "engine/audit_chain.hpp"
#include "engine/engine_impl.hpp"
#include "storage/sql/sql_audit.hpp"

namespace boka {

namespace fs = std::filesystem;

const char* backup_kind_name(BackupKind kind) noexcept {
  switch (kind) {
    case BackupKind::manual: return "manual";
    case BackupKind::daily: return "daily";
    case BackupKind::weekly: return "weekly";
    case BackupKind::monthly: return "monthly";
  }
  return "manual";
}

Result<BackupKind> parse_backup_kind(std::string_view name) {
  for (BackupKind k : {BackupKind::manual, BackupKind::daily, BackupKind::weekly, BackupKind::monthly}) {
    if (name == backup_kind_name(k)) return k;
  }
  return InvalidArgument("backup kind: must be daily, weekly, monthly or manual, got \"" +
                         std::string(name.substr(0, 32)) + "\"");
}

std::string BackupManifest::to_json() const {
  nlohmann::json j;
  j["format"] = format;
  j["file"] = file;
  j["kind"] = backup_kind_name(kind);
  j["created_at"] = to_unix(created_at);
  j["created_at_utc"] = format_utc(created_at);
  j["source"] = source;
  j["schema_version"] = schema_version;
  j["sha256"] = sha256;
  j["size_bytes"] = size_bytes;
  nlohmann::json counts = nlohmann::json::object();
  for (const TableStats& t : tables) counts[t.table] = t.rows;
  j["row_counts"] = counts;
  nlohmann::json heads = nlohmann::json::array();
  for (const AuditHead& h : audit_heads) {
    heads.push_back({{"tenant", h.tenant}, {"seq", h.seq}, {"hash", h.hash}});
  }
  j["audit_heads"] = heads;
  j["boka_version"] = boka_version;
  return j.dump(2) + "\n";
}

Result<BackupManifest> BackupManifest::from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("manifest: not a JSON object");
  BackupManifest m;
  const auto field = [&](const char* name, auto& out) -> Status {
    auto it = j.find(name);
    if (it == j.end()) return InvalidArgument(std::string("manifest: missing ") + name);
    try {
      it->get_to(out);
    } catch (const std::exception&) {
      return InvalidArgument(std::string("manifest: ") + name + " has the wrong type");
    }
    return Status::Ok();
  };
  std::string kind;
  long long created = 0;
  BOKA_RETURN_IF_ERROR(field("format", m.format));
  if (m.format != "boka-backup/1") {
    return InvalidArgument("manifest: format \"" + m.format.substr(0, 40) + "\" is not boka-backup/1");
  }
  BOKA_RETURN_IF_ERROR(field("file", m.file));
  BOKA_RETURN_IF_ERROR(field("kind", kind));
  BOKA_ASSIGN_OR_RETURN(m.kind, parse_backup_kind(kind));
  BOKA_RETURN_IF_ERROR(field("created_at", created));
  m.created_at = from_unix(created);
  BOKA_RETURN_IF_ERROR(field("source", m.source));
  BOKA_RETURN_IF_ERROR(field("schema_version", m.schema_version));
  BOKA_RETURN_IF_ERROR(field("sha256", m.sha256));
  BOKA_RETURN_IF_ERROR(field("size_bytes", m.size_bytes));
  BOKA_RETURN_IF_ERROR(field("boka_version", m.boka_version));
  std::map<std::string, std::int64_t> counts;
  BOKA_RETURN_IF_ERROR(field("row_counts", counts));
  for (const auto& [table, rows] : counts) m.tables.push_back(TableStats{table, rows, 0});
  auto heads = j.find("audit_heads");
  if (heads == j.end() || !heads->is_array()) return InvalidArgument("manifest: missing audit_heads");
  for (const auto& h : *heads) {
    AuditHead head;
    try {
      head.tenant = h.at("tenant").get<std::int64_t>();
      head.seq = h.at("seq").get<std::int64_t>();
      head.hash = h.at("hash").get<std::string>();
    } catch (const std::exception&) {
      return InvalidArgument("manifest: an audit head is malformed");
    }
    m.audit_heads.push_back(std::move(head));
  }
  return m;
}

namespace detail {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, SqliteCloser>;

Status sqlite_error(sqlite3* db, const std::string& what) {
  return StorageError(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "cannot open"));
}

Result<Db> open_db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "open " + path);
  sqlite3_busy_timeout(raw, 10000);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    return StorageError(msg);
  }
  return Status::Ok();
}

// Runs a query and calls `row` for each result row.
template <typename Row>
Status query(sqlite3* db, const std::string& sql, Row&& row) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    return sqlite_error(db, "prepare");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? Status::Ok() : sqlite_error(db, "query");
}

std::string column_text(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

// What a manifest records about a database, read in the caller's current transaction.
struct Facts {
  int schema_version = 0;
  std::vector<TableStats> tables;
  std::vector<AuditHead> heads;
};

Result<Facts> read_facts(sqlite3* db) {
  Facts f;
  BOKA_RETURN_IF_ERROR(query(db, "SELECT MAX(version) FROM boka_schema", [&](sqlite3_stmt* st) {
    f.schema_version = sqlite3_column_int(st, 0);
  }));
  for (const std::string& table : sql_audit::boka_tables()) {
    TableStats t{table, 0, 0};
    BOKA_RETURN_IF_ERROR(query(db, "SELECT COUNT(*) FROM " + table, [&](sqlite3_stmt* st) {
      t.rows = sqlite3_column_int64(st, 0);
    }));
    f.tables.push_back(t);
  }
  BOKA_RETURN_IF_ERROR(query(db, sql_audit::kAuditHeadsSql,
                             [&](sqlite3_stmt* st) {
                               f.heads.push_back(AuditHead{sqlite3_column_int64(st, 0),
                                                           sqlite3_column_int64(st, 1),
                                                           column_text(st, 2)});
                             }));
  return f;
}

Result<std::pair<std::string, std::int64_t>> file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  Sha256 digest;
  std::array<char, 1 << 16> buf{};
  std::int64_t size = 0;
  while (in) {
    in.read(buf.data(), buf.size());
    const auto n = in.gcount();
    if (n > 0) {
      digest.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      size += n;
    }
  }
  if (in.bad()) return StorageError("error reading " + path);
  return std::make_pair(digest.hex_digest(), size);
}

// Makes a file's content (and, with `dir`, its directory entry) durable.
Status sync_path(const std::string& path, bool dir) {
  const int fd = ::open(path.c_str(), dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return StorageError("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : StorageError("fsync of " + path + " failed");
}

Status write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".partial";
  {
    BOKA_RETURN_IF_ERROR(create_private_file(tmp));
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return StorageError("cannot write " + tmp);
  }
  BOKA_RETURN_IF_ERROR(sync_path(tmp, false));
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return StorageError("cannot rename " + tmp + ": " + ec.message());
  return sync_path(fs::path(path).parent_path().string(), true);
}

std::string stamp(Instant t) {
  const std::string iso = format_utc(t);  // 2026-11-30T05:19:53Z
  std::string out;
  for (char c : iso.substr(0, 19)) {
    if (c >= '0' && c <= '9') out += c;
    else if (c == 'T') out += '-';
  }
  return out;  // 20261130-051953
}

int default_keep(BackupKind kind) {
  switch (kind) {
    case BackupKind::daily: return 7;
    case BackupKind::weekly: return 4;
    case BackupKind::monthly: return 12;
    case BackupKind::manual: return 0;
  }
  return 0;
}

}  // namespace

// Takes the snapshot of `source` into the backup directory; returns the result without
// retention or verification.
Result<BackupResult> backup_sqlite_file(const std::string& source, const BackupOptions& options,
                                        Instant now) {
  if (options.directory.empty()) return InvalidArgument("directory: must not be empty");
  const fs::path dir = fs::path(options.directory) / backup_kind_name(options.kind);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return StorageError("cannot create backup directory " + dir.string() + ": " + ec.message());
  const std::string base = std::string("boka-") + backup_kind_name(options.kind) + "-" + stamp(now);
  fs::path target = dir / (base + ".db");
  for (int n = 2; fs::exists(target); ++n) target = dir / (base + "-" + std::to_string(n) + ".db");
  const std::string partial = target.string() + ".partial";
  fs::remove(partial, ec);

  BOKA_ASSIGN_OR_RETURN(auto src, open_db(source, SQLITE_OPEN_READWRITE));
  // The read transaction that fixes the snapshot for the copy and the manifest.
  BOKA_RETURN_IF_ERROR(exec(src.get(), "BEGIN"));
  BOKA_ASSIGN_OR_RETURN(auto facts, read_facts(src.get()));
  BackupResult result;
  {
    BOKA_RETURN_IF_ERROR(detail::create_private_file(partial));
    BOKA_ASSIGN_OR_RETURN(auto dst, open_db(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
    if (b == nullptr) return sqlite_error(dst.get(), "backup init");
    int rc;
    do {
      rc = sqlite3_backup_step(b, 512);
      if (options.progress && (rc == SQLITE_OK || rc == SQLITE_DONE)) {
        const int total = sqlite3_backup_pagecount(b);
        options.progress(total - sqlite3_backup_remaining(b), total);
      }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      fs::remove(partial, ec);
      return StorageError("backup of " + source + " failed: " + sqlite3_errstr(rc));
    }
    // A self-contained file: no -wal beside it, so it can be checksummed and opened read-only.
    std::string mode;
    BOKA_RETURN_IF_ERROR(query(dst.get(), "PRAGMA journal_mode = DELETE",
                               [&](sqlite3_stmt* st) { mode = column_text(st, 0); }));
    if (mode != "delete") return StorageError("backup: could not leave WAL mode (" + mode + ")");
  }
  (void)exec(src.get(), "COMMIT");
  src.reset();
  BOKA_RETURN_IF_ERROR(sync_path(partial, false));
  fs::rename(partial, target, ec);
  if (ec) return StorageError("cannot rename the backup into place: " + ec.message());
  BOKA_RETURN_IF_ERROR(sync_path(dir.string(), true));

  BackupManifest& m = result.manifest;
  m.file = target.filename().string();
  m.kind = options.kind;
  m.created_at = now;
  m.source = fs::absolute(source).string();
  m.schema_version = facts.schema_version;
  m.tables = facts.tables;
  m.audit_heads = facts.heads;
  m.boka_version = version_string();
  BOKA_ASSIGN_OR_RETURN(auto digest, file_sha256(target.string()));
  m.sha256 = digest.first;
  m.size_bytes = digest.second;
  result.path = target.string();
  result.manifest_path = target.string() + ".manifest.json";
  BOKA_RETURN_IF_ERROR(write_file_atomically(result.manifest_path, m.to_json()));
  return result;
}

}  // namespace detail

Result<BackupVerification> verify_backup(std::string_view backup_path) {
  const std::string path(backup_path);
  if (!fs::exists(path)) return NotFound("backup " + path + " does not exist");
  const std::string manifest_path = path + ".manifest.json";
  std::ifstream in(manifest_path);
  if (!in) return NotFound("manifest " + manifest_path + " does not exist");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BackupVerification v;
  auto manifest = BackupManifest::from_json(text);
  if (!manifest.ok()) {
    v.problems.push_back(manifest.status().message());
    return v;
  }
  const BackupManifest& m = *manifest;
  BOKA_ASSIGN_OR_RETURN(auto digest, detail::file_sha256(path));
  v.checksum_matches = digest.first == m.sha256 && digest.second == m.size_bytes;
  if (!v.checksum_matches) {
    v.problems.push_back("checksum: the file's SHA-256 or size differs from the manifest");
  }
  {
    // immutable=1: no locks, no journal; the file is only read.
    auto db = detail::open_db("file:" + path + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    if (!db.ok()) {
      v.problems.push_back(db.status().message());
      return v;
    }
    Status st = detail::query(db->get(), "PRAGMA integrity_check", [&](sqlite3_stmt* s) {
      if (!v.integrity.empty()) v.integrity += "; ";
      v.integrity += detail::column_text(s, 0);
    });
    if (!st.ok()) v.integrity = st.message();
    if (v.integrity != "ok") v.problems.push_back("integrity_check: " + v.integrity);
    auto facts = detail::read_facts(db->get());
    if (!facts.ok()) {
      v.problems.push_back("cannot read the backup's tables: " + facts.status().message());
    } else {
      if (facts->schema_version != m.schema_version) {
        v.problems.push_back("schema version " + std::to_string(facts->schema_version) +
                             " differs from the manifest's " + std::to_string(m.schema_version));
      }
      v.counts_match = true;
      for (const TableStats& t : facts->tables) {
        auto it = std::find_if(m.tables.begin(), m.tables.end(),
                               [&](const TableStats& x) { return x.table == t.table; });
        if (it == m.tables.end() || it->rows != t.rows) {
          v.counts_match = false;
          v.problems.push_back("row count of " + t.table + " differs from the manifest");
        }
      }
    }
  }
  if (v.problems.empty()) {
    // The chains, through the store itself (read-only), so the same code checks them as in
    // a live database.
    auto store = open_storage("sqlite:" + path + "?mode=ro&pool_size=1");
    if (!store.ok()) {
      v.problems.push_back("cannot open the backup: " + store.status().message());
      return v;
    }
    Status error;
    v.audit = detail::verify_chains(**store, std::nullopt, &error);
    if (!error.ok()) {
      v.problems.push_back("audit: " + error.message());
    } else if (!v.audit.ok) {
      v.problems.push_back("audit: chain " + std::to_string(v.audit.broken_tenant) + " record " +
                           std::to_string(v.audit.broken_seq) + ": " + v.audit.problem);
    }
    v.heads_match = v.audit.heads.size() == m.audit_heads.size() &&
                    std::equal(v.audit.heads.begin(), v.audit.heads.end(), m.audit_heads.begin(),
                               [](const AuditHead& a, const AuditHead& b) {
                                 return a.tenant == b.tenant && a.seq == b.seq && a.hash == b.hash;
                               });
    if (v.audit.ok && error.ok() && !v.heads_match) {
      v.problems.push_back("audit: the chain heads differ from the manifest's");
    }
  }
  v.ok = v.problems.empty();
  return v;
}

Status restore_backup(std::string_view backup_path, std::string_view target_path,
                      const RestoreOptions& options) {
  const std::string backup(backup_path), target(target_path);
  if (target.empty()) return InvalidArgument("target: must not be empty");
  std::error_code ec;
  if (fs::exists(target) && !options.overwrite) {
    return AlreadyExists("target " + target + " exists; restoring over it needs the overwrite "
                         "flag, and every process using it must be stopped first");
  }
  if (fs::exists(target) && fs::equivalent(backup, target, ec)) {
    return InvalidArgument("target: is the backup itself");
  }
  BOKA_ASSIGN_OR_RETURN(auto v, verify_backup(backup));
  if (!v.ok) {
    std::string all;
    for (const auto& p : v.problems) all += (all.empty() ? "" : "; ") + p;
    return StorageError("backup " + backup + " fails verification, not restored: " + all);
  }
  const fs::path dest = fs::absolute(target);
  fs::create_directories(dest.parent_path(), ec);
  const std::string staging = dest.string() + ".restoring";
  fs::remove(staging, ec);
  fs::copy_file(backup, staging, fs::copy_options::overwrite_existing, ec);
  if (ec) return StorageError("cannot copy the backup beside the target: " + ec.message());
  // A restored database is private to its owner, whatever mode the backup file has.
  fs::permissions(staging, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return StorageError("cannot make the restored file private: " + ec.message());
  BOKA_RETURN_IF_ERROR(detail::sync_path(staging, false));
  // A stale WAL beside the restored file would be replayed into it: remove it first.
  fs::remove(dest.string() + "-wal", ec);
  fs::remove(dest.string() + "-shm", ec);
  fs::remove(dest.string() + "-journal", ec);
  fs::rename(staging, dest, ec);
  if (ec) return StorageError("cannot move the restored file into place: " + ec.message());
  return detail::sync_path(dest.parent_path().string(), true);
}

Result<std::vector<std::string>> list_backups(std::string_view directory, BackupKind kind) {
  const fs::path dir = fs::path(std::string(directory)) / backup_kind_name(kind);
  std::vector<std::string> backups;
  std::error_code ec;
  const std::string prefix = std::string("boka-") + backup_kind_name(kind) + "-";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 3 && name.substr(name.size() - 3) == ".db") {
      backups.push_back(entry.path().string());
    }
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return StorageError("cannot list " + dir.string() + ": " + ec.message());
  }
  // Names carry the UTC time (boka-<kind>-YYYYMMDD-HHMMSS[-N].db, -N for a second backup in
  // the same second): order by time, then N.
  const auto key = [&prefix](const std::string& path) {
    std::string name = fs::path(path).filename().string();
    name = name.substr(prefix.size(), name.size() - prefix.size() - 3);
    const std::string time = name.substr(0, 15);
    long n = 1;
    if (name.size() > 16 && name[15] == '-') n = std::strtol(name.c_str() + 16, nullptr, 10);
    return std::make_pair(time, n);
  };
  std::sort(backups.begin(), backups.end(),
            [&](const std::string& x, const std::string& y) { return key(x) < key(y); });
  return backups;
}

Result<std::vector<std::string>> apply_retention(std::string_view directory, BackupKind kind,
                                                 int keep) {
  if (keep < 1) return InvalidArgument("keep: must be at least 1");
  BOKA_ASSIGN_OR_RETURN(auto backups, list_backups(directory, kind));
  std::vector<std::string> removed;
  std::error_code ec;
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < backups.size(); ++i) {
    fs::remove(backups[i], ec);
    fs::remove(backups[i] + ".manifest.json", ec);
    removed.push_back(backups[i]);
  }
  return removed;
}

Result<BackupResult> Engine::backup(const Principal& who, const BackupOptions& options) {
  return impl_->refusal_audited(who, 0, "ops.backup", "", [&]() -> Result<BackupResult> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::system_operations));
    const StorageInfo info = impl_->storage->info();
    if (info.dialect != "sqlite") {
      return NotSupported("backup: boka backs up its SQLite store only; for " + info.dialect +
                          " use the database's own tools (pg_dump, see docs/operations.md)");
    }
    if (options.keep < 0) return InvalidArgument("keep: must be >= 0");
    BOKA_ASSIGN_OR_RETURN(auto result, detail::backup_sqlite_file(info.location, options, impl_->clock->now()));
    // The backup is recorded (audit, and the heartbeat health reads) after it is taken, so
    // the record is not in the backup itself. In read-only mode nothing can be recorded.
    if (!impl_->read_only->on.load()) {
      detail::AuditEntry e;
      e.tenant = 0;
      e.action = "ops.backup";
      e.target = "backup:" + result.manifest.file;
      e.detail_json = detail::JsonObject()
                          .add("kind", backup_kind_name(options.kind))
                          .add("sha256", result.manifest.sha256)
                          .add("size_bytes", result.manifest.size_bytes)
                          .str();
      const std::string at = std::to_string(to_unix(result.manifest.created_at));
      BOKA_RETURN_IF_ERROR(impl_->storage->write(WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(txn.put_setting("heartbeat.backup", at));
        return impl_->audit(txn, actor, e);
      }));
    }
    // Verified first: a backup that fails verification must not push a good one out.
    if (options.verify) {
      BOKA_ASSIGN_OR_RETURN(auto v, verify_backup(result.path));
      result.verification = std::move(v);
      if (!result.verification->ok) return result;  // retention skipped; the caller sees why
    }
    const int keep = options.keep > 0 ? options.keep : detail::default_keep(options.kind);
    if (keep > 0) {
      BOKA_ASSIGN_OR_RETURN(result.removed, apply_retention(options.directory, options.kind, keep));
    }
    return result;
  });
}

}  // namespace boka
