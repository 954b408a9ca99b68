// Backups: names, manifests, verification, restore and retention. The copy itself is the
// store's (Storage::backup; SQLite's is src/storage/sql/sqlite_backup.cpp), taken in one
// snapshot while traffic goes on; Operations::backup (src/engine/operations.cpp) records it and
// applies verification and retention from here.
#include "ops/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "audit/audit_chain.hpp"
#include "boka/version.hpp"
#include "core/private_file.hpp"
#include "core/sha256.hpp"
#include "storage/sql/sqlite_backup.hpp"

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

std::optional<BackupKind> parse_backup_kind(std::string_view name) noexcept {
  for (BackupKind k :
       {BackupKind::manual, BackupKind::daily, BackupKind::weekly, BackupKind::monthly}) {
    if (name == backup_kind_name(k)) return k;
  }
  return std::nullopt;
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
    return InvalidArgument("manifest: format \"" + m.format.substr(0, 40) +
                           "\" is not boka-backup/1");
  }
  BOKA_RETURN_IF_ERROR(field("file", m.file));
  BOKA_RETURN_IF_ERROR(field("kind", kind));
  const auto parsed_kind = parse_backup_kind(kind);
  if (!parsed_kind) {
    return InvalidArgument("manifest: kind must be daily, weekly, monthly or manual, got \"" +
                           kind.substr(0, 32) + "\"");
  }
  m.kind = *parsed_kind;
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
  if (heads == j.end() || !heads->is_array())
    return InvalidArgument("manifest: missing audit_heads");
  for (const auto& h : *heads) {
    AuditHead head;
    try {
      head.tenant = h.at("tenant").get<TenantId>();
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
    if (c >= '0' && c <= '9')
      out += c;
    else if (c == 'T')
      out += '-';
  }
  return out;  // 20261130-051953
}

// Removes a database file and the files SQLite may keep beside it. A copy that failed
// half-way can leave its -wal and -shm (the copy is in WAL mode until it is switched to a
// rollback journal), and a stale -wal beside a new file of the same name would be read
// into it as if it were that file's.
void remove_database_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

}  // namespace

int default_keep(BackupKind kind) {
  switch (kind) {
    case BackupKind::daily: return 7;
    case BackupKind::weekly: return 4;
    case BackupKind::monthly: return 12;
    case BackupKind::manual: return 0;
  }
  return 0;
}

Result<BackupResult> take_backup(Storage& storage, const BackupOptions& options, Instant now) {
  if (options.directory.empty()) return InvalidArgument("directory: must not be empty");
  const fs::path dir = fs::path(options.directory) / backup_kind_name(options.kind);
  std::error_code ec;
  const bool root_existed = fs::exists(options.directory, ec);
  const bool existed = fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec)
    return StorageError("cannot create backup directory " + dir.string() + ": " + ec.message());
  const std::string base = std::string("boka-") + backup_kind_name(options.kind) + "-" + stamp(now);
  fs::path target = dir / (base + ".db");
  for (int n = 2; fs::exists(target); ++n) target = dir / (base + "-" + std::to_string(n) + ".db");
  const std::string partial = target.string() + ".partial";
  remove_database_files(partial);  // what an earlier attempt that crashed may have left

  const auto facts = storage.backup(partial, options.progress);
  if (!facts.ok()) {
    // Found by the fault sweep (tests/fault/sqlite_faults_test.cpp): a failed lock while the
    // copy left WAL mode kept its -wal and -shm.
    remove_database_files(partial);
    // Leave no empty directory behind for a store that does not back up.
    if (!existed) fs::remove(dir, ec);
    if (!root_existed) fs::remove(options.directory, ec);
    return facts.status();
  }
  BackupResult result;
  BOKA_RETURN_IF_ERROR(sync_path(partial, false));
  fs::rename(partial, target, ec);
  if (ec) return StorageError("cannot rename the backup into place: " + ec.message());
  BOKA_RETURN_IF_ERROR(sync_path(dir.string(), true));

  BackupManifest& m = result.manifest;
  m.file = target.filename().string();
  m.kind = options.kind;
  m.created_at = now;
  m.source = facts->source;
  m.schema_version = facts->schema_version;
  m.tables = facts->tables;
  m.audit_heads = facts->audit_heads;
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
    auto check = detail::check_sqlite_file(path);
    if (!check.ok()) {
      v.problems.push_back(check.status().message());
      return v;
    }
    v.integrity = check->integrity;
    if (v.integrity != "ok") v.problems.push_back("integrity_check: " + v.integrity);
    if (!check->facts_error.ok()) {
      v.problems.push_back("cannot read the backup's tables: " + check->facts_error.message());
    } else {
      const BackupSnapshot& facts = check->facts;
      if (facts.schema_version != m.schema_version) {
        v.problems.push_back("schema version " + std::to_string(facts.schema_version) +
                             " differs from the manifest's " + std::to_string(m.schema_version));
      }
      v.counts_match = true;
      for (const TableStats& t : facts.tables) {
        auto it = std::find_if(m.tables.begin(), m.tables.end(),
                               [&](const TableStats& x) { return x.table == t.table; });
        // A table the manifest's boka did not count yet: nothing to compare it with.
        if (it == m.tables.end() && detail::manifest_may_omit(t.table, m.schema_version)) {
          continue;
        }
        if (it == m.tables.end() || it->rows != t.rows) {
          v.counts_match = false;
          v.problems.push_back("row count of " + t.table + " differs from the manifest");
        }
      }
      // A table of boka's the manifest counts must be in the backup.
      for (const TableStats& t : m.tables) {
        const bool present = std::any_of(facts.tables.begin(), facts.tables.end(),
                                         [&](const TableStats& x) { return x.table == t.table; });
        if (!present && detail::counts_table(t.table)) {
          v.counts_match = false;
          v.problems.push_back("table " + t.table + " of the manifest is missing from the backup");
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
    return AlreadyExists("target " + target +
                         " exists; restoring over it needs the overwrite "
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

}  // namespace boka
