#include "storage/sql/sql_prepared.hpp"

#include <cstdint>

namespace boka::detail {

PreparedStatements::~PreparedStatements() {
  for (auto& [text, st] : sqlite_hot) sqlite_api::sqlite3_finalize(st);
}

void PreparedStatementsDeleter::operator()(PreparedStatements* p) const { delete p; }

PreparedStatementsPtr make_prepared_statements(soci::session& sql) {
  return PreparedStatementsPtr(new PreparedStatements(sql));
}

sqlite_api::sqlite3* sqlite_db(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

SqliteCall::SqliteCall(PreparedStatements& p, const char* sql) : db_(sqlite_db(p.sql)) {
  auto& slot = p.sqlite_hot[sql];
  if (slot == nullptr) {
    const int rc =
        sqlite_api::sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
    if (rc != SQLITE_OK) {
      slot = nullptr;
      p.sqlite_hot.erase(sql);
      fail(rc);
    }
  }
  st_ = slot;
}

SqliteCall::~SqliteCall() {
  sqlite_api::sqlite3_reset(st_);
  sqlite_api::sqlite3_clear_bindings(st_);
}

SqliteCall& SqliteCall::bind(long long v) {
  return check(sqlite_api::sqlite3_bind_int64(st_, ++index_, v));
}

SqliteCall& SqliteCall::bind(const std::string& v) {
  // SQLITE_TRANSIENT (SQLite copies the text), spelled out: the macro names its type
  // outside the sqlite_api namespace SOCI puts the API in.
  const auto transient =
      reinterpret_cast<sqlite_api::sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
  return check(sqlite_api::sqlite3_bind_text(st_, ++index_, v.data(), static_cast<int>(v.size()),
                                             transient));
}

SqliteCall& SqliteCall::bind(const NullableInt& v) {
  if (v.ind == soci::i_ok) return bind(v.value);
  return check(sqlite_api::sqlite3_bind_null(st_, ++index_));
}

bool SqliteCall::step() {
  const int rc = sqlite_api::sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

long long SqliteCall::integer(int column) const {
  return sqlite_api::sqlite3_column_int64(st_, column);
}

std::string SqliteCall::text(int column) const {
  const auto* p = sqlite_api::sqlite3_column_text(st_, column);
  return p == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite_api::sqlite3_column_bytes(st_, column)));
}

NullableInt SqliteCall::nullable(int column) const {
  NullableInt v;
  if (sqlite_api::sqlite3_column_type(st_, column) != SQLITE_NULL) {
    v.value = integer(column);
    v.ind = soci::i_ok;
  }
  return v;
}

long long SqliteCall::changes() const { return sqlite_api::sqlite3_changes(db_); }

SqliteCall& SqliteCall::check(int rc) {
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

void SqliteCall::fail(int rc) const {
  throw soci::sqlite3_soci_error(sqlite_api::sqlite3_errmsg(db_), rc);
}

}  // namespace boka::detail
