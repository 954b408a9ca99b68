#include "storage/sql/sqlite_backup.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "core/private_file.hpp"
#include "storage/sql/sql_audit.hpp"

namespace boka::detail {
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
Result<BackupSnapshot> read_facts(sqlite3* db) {
  BackupSnapshot f;
  BOKA_RETURN_IF_ERROR(query(db, "SELECT MAX(version) FROM boka_schema", [&](sqlite3_stmt* st) {
    f.schema_version = sqlite3_column_int(st, 0);
  }));
  for (const std::string& table : sql_audit::boka_tables()) {
    // A file at an older schema version lacks the tables added since (its manifest does
    // too); the schema version tells the verification which build can open it.
    bool exists = false;
    BOKA_RETURN_IF_ERROR(
        query(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '" + table + "'",
              [&](sqlite3_stmt*) { exists = true; }));
    if (!exists) continue;
    TableStats t{table, 0, 0};
    BOKA_RETURN_IF_ERROR(query(db, "SELECT COUNT(*) FROM " + table,
                               [&](sqlite3_stmt* st) { t.rows = sqlite3_column_int64(st, 0); }));
    f.tables.push_back(t);
  }
  BOKA_RETURN_IF_ERROR(query(db, sql_audit::kAuditHeadsSql, [&](sqlite3_stmt* st) {
    f.audit_heads.push_back(AuditHead{TenantId{sqlite3_column_int64(st, 0)},
                                      sqlite3_column_int64(st, 1), column_text(st, 2)});
  }));
  return f;
}

}  // namespace

bool manifest_may_omit(const std::string& table, int schema_version) {
  return schema_version < sql_audit::counted_since(table);
}

bool counts_table(const std::string& table) { return sql_audit::counted_since(table) >= 0; }

Result<BackupSnapshot> backup_sqlite_database(const std::string& source, const std::string& target,
                                              const BackupProgress& progress) {
  BOKA_ASSIGN_OR_RETURN(auto src, open_db(source, SQLITE_OPEN_READWRITE));
  // The read transaction that fixes the snapshot for the copy and the manifest.
  BOKA_RETURN_IF_ERROR(exec(src.get(), "BEGIN"));
  BOKA_ASSIGN_OR_RETURN(auto facts, read_facts(src.get()));
  {
    BOKA_RETURN_IF_ERROR(detail::create_private_file(target));
    BOKA_ASSIGN_OR_RETURN(auto dst, open_db(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
    if (b == nullptr) return sqlite_error(dst.get(), "backup init");
    int rc;
    do {
      rc = sqlite3_backup_step(b, 512);
      if (progress && (rc == SQLITE_OK || rc == SQLITE_DONE)) {
        const int total = sqlite3_backup_pagecount(b);
        progress(total - sqlite3_backup_remaining(b), total);
      }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      std::error_code ec;
      std::filesystem::remove(target, ec);
      return StorageError("backup of " + source + " failed: " + sqlite3_errstr(rc));
    }
    // A self-contained file: no -wal beside it, so it can be checksummed and opened read-only.
    std::string mode;
    BOKA_RETURN_IF_ERROR(query(dst.get(), "PRAGMA journal_mode = DELETE",
                               [&](sqlite3_stmt* st) { mode = column_text(st, 0); }));
    if (mode != "delete") return StorageError("backup: could not leave WAL mode (" + mode + ")");
  }
  (void)exec(src.get(), "COMMIT");
  facts.source = std::filesystem::absolute(source).string();
  return facts;
}

Result<SqliteFileCheck> check_sqlite_file(const std::string& path) {
  // immutable=1: no locks, no journal; the file is only read.
  BOKA_ASSIGN_OR_RETURN(
      auto db, open_db("file:" + path + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI));
  SqliteFileCheck check;
  Status st = query(db.get(), "PRAGMA integrity_check", [&](sqlite3_stmt* s) {
    if (!check.integrity.empty()) check.integrity += "; ";
    check.integrity += column_text(s, 0);
  });
  if (!st.ok()) check.integrity = st.message();
  auto facts = read_facts(db.get());
  if (facts.ok()) {
    check.facts = std::move(*facts);
    check.facts.source = path;
  } else {
    check.facts_error = facts.status();
  }
  return check;
}

}  // namespace boka::detail
