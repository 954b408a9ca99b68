#include "storage/sql/sql_auth.hpp"

#include "storage/sql/sql_rows.hpp"

#include <string>

namespace boka::detail::sql_auth {
namespace {

using soci::into;
using soci::use;
using Prep = soci::details::prepare_temp_type;

// Recovery code hashes are stored as one comma-separated text column: they are read and
// written only as a whole, with the user row.
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}
std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

struct UserRow {
  static constexpr const char* kColumns =
      "id, tenant_id, email, display_name, role, state, password_hash, created_at, "
      "last_login_at, failed_logins, last_failed_at, locked_until, failure_window_start, "
      "failures_in_window, totp_secret, totp_pending, totp_last_step, totp_failures, "
      "totp_locked_until, recovery_codes, version";
  long long id = 0, tenant = 0, created = 0, totp_step = 0, version = 0;
  int role = 0, state = 0, failed = 0, window_failures = 0, totp_failures = 0;
  std::string email, display, hash, totp, pending, recovery;
  NullableInt last_login, last_failed, locked_until, window_start, totp_locked;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(email), into(display), into(role), into(state), into(hash),
        into(created), into(last_login.value, last_login.ind), into(failed),
        into(last_failed.value, last_failed.ind), into(locked_until.value, locked_until.ind),
        into(window_start.value, window_start.ind), into(window_failures), into(totp),
        into(pending), into(totp_step), into(totp_failures),
        into(totp_locked.value, totp_locked.ind), into(recovery), into(version);
  }
  // Every column but id, in kColumns order.
  void use_fields(Prep& p) {
    p, use(tenant), use(email), use(display), use(role), use(state), use(hash), use(created),
        use(last_login.value, last_login.ind), use(failed), use(last_failed.value, last_failed.ind),
        use(locked_until.value, locked_until.ind), use(window_start.value, window_start.ind),
        use(window_failures), use(totp), use(pending), use(totp_step), use(totp_failures),
        use(totp_locked.value, totp_locked.ind), use(recovery), use(version);
  }
  void from(const StoredUser& x) {
    const User& u = x.user;
    id = u.id;
    tenant = u.tenant;
    email = u.email;
    display = u.display_name;
    role = static_cast<int>(u.role);
    state = static_cast<int>(u.state);
    hash = x.password_hash;
    created = to_unix(u.created_at);
    last_login = NullableInt(u.last_login_at);
    failed = u.failed_logins;
    last_failed = NullableInt(u.last_failed_login_at);
    locked_until = NullableInt(u.locked_until);
    window_start = NullableInt(x.failure_window_start);
    window_failures = x.failures_in_window;
    totp = x.totp_secret;
    pending = x.totp_pending;
    totp_step = x.totp_last_step;
    totp_failures = x.totp_failures;
    totp_locked = NullableInt(x.totp_locked_until);
    recovery = join(x.recovery_code_hashes);
    version = u.version;
  }
  StoredUser to() const {
    StoredUser x;
    User& u = x.user;
    u.id = UserId{id};
    u.tenant = TenantId{tenant};
    u.email = email;
    u.display_name = display;
    u.role = static_cast<Role>(role);
    u.state = static_cast<UserState>(state);
    u.mfa_enabled = !totp.empty();
    u.created_at = from_unix(created);
    u.last_login_at = last_login.instant();
    u.failed_logins = failed;
    u.last_failed_login_at = last_failed.instant();
    u.locked_until = locked_until.instant();
    u.version = version;
    x.password_hash = hash;
    x.failure_window_start = window_start.instant();
    x.failures_in_window = window_failures;
    x.totp_secret = totp;
    x.totp_pending = pending;
    x.totp_last_step = totp_step;
    x.totp_failures = totp_failures;
    x.totp_locked_until = totp_locked.instant();
    x.recovery_code_hashes = split(recovery);
    return x;
  }
};

struct SessionRow {
  static constexpr const char* kColumns =
      "id, tenant_id, user_id, token_hash, created_at, last_seen_at, idle_expires_at, "
      "absolute_expires_at, idle_seconds, mfa_passed, mfa_pending, source, revoked_at";
  long long id = 0, tenant = 0, user = 0, created = 0, seen = 0, idle = 0, absolute = 0,
            idle_seconds = 0;
  int mfa = 0, pending = 0;
  std::string hash, source;
  NullableInt revoked;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(user), into(hash), into(created), into(seen), into(idle),
        into(absolute), into(idle_seconds), into(mfa), into(pending), into(source),
        into(revoked.value, revoked.ind);
  }
  void use_fields(Prep& p) {
    p, use(tenant), use(user), use(hash), use(created), use(seen), use(idle), use(absolute),
        use(idle_seconds), use(mfa), use(pending), use(source), use(revoked.value, revoked.ind);
  }
  void from(const StoredSession& x) {
    const Session& s = x.session;
    id = s.id;
    tenant = s.tenant;
    user = s.user;
    hash = x.token_hash;
    created = to_unix(s.created_at);
    seen = to_unix(s.last_seen_at);
    idle = to_unix(s.idle_expires_at);
    absolute = to_unix(s.absolute_expires_at);
    idle_seconds = x.idle_seconds;
    mfa = s.mfa_passed ? 1 : 0;
    pending = s.mfa_pending ? 1 : 0;
    source = s.source;
    revoked = NullableInt(x.revoked_at);
  }
  StoredSession to() const {
    StoredSession x;
    Session& s = x.session;
    s.id = SessionId{id};
    s.tenant = TenantId{tenant};
    s.user = UserId{user};
    s.created_at = from_unix(created);
    s.last_seen_at = from_unix(seen);
    s.idle_expires_at = from_unix(idle);
    s.absolute_expires_at = from_unix(absolute);
    s.mfa_passed = mfa != 0;
    s.mfa_pending = pending != 0;
    s.source = source;
    x.token_hash = hash;
    x.idle_seconds = idle_seconds;
    x.revoked_at = revoked.instant();
    return x;
  }
};

struct ApiKeyRow {
  static constexpr const char* kColumns =
      "id, tenant_id, created_by, name, secret_hash, scopes, role, created_at, expires_at, "
      "last_used_at, revoked_at, emergency, creator_tenant_id, parent_key_id";
  long long id = 0, tenant = 0, created_by = 0, scopes = 0, created = 0, creator_tenant = 0,
            parent = 0;
  int role = 0, emergency = 0;
  std::string name, hash;
  NullableInt expires, used, revoked;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(created_by), into(name), into(hash), into(scopes), into(role),
        into(created), into(expires.value, expires.ind), into(used.value, used.ind),
        into(revoked.value, revoked.ind), into(emergency), into(creator_tenant), into(parent);
  }
  void use_fields(Prep& p) {
    p, use(tenant), use(created_by), use(name), use(hash), use(scopes), use(role), use(created),
        use(expires.value, expires.ind), use(used.value, used.ind), use(revoked.value, revoked.ind),
        use(emergency), use(creator_tenant), use(parent);
  }
  void from(const StoredApiKey& x) {
    const ApiKey& k = x.key;
    id = k.id;
    tenant = k.tenant;
    created_by = k.created_by;
    name = k.name;
    hash = x.secret_hash;
    scopes = static_cast<long long>(k.scopes);
    role = static_cast<int>(k.role);
    created = to_unix(k.created_at);
    expires = NullableInt(k.expires_at);
    used = NullableInt(k.last_used_at);
    revoked = NullableInt(k.revoked_at);
    emergency = k.emergency ? 1 : 0;
    creator_tenant = k.created_by_tenant;
    parent = k.parent;
  }
  StoredApiKey to() const {
    StoredApiKey x;
    ApiKey& k = x.key;
    k.id = ApiKeyId{id};
    k.tenant = TenantId{tenant};
    k.created_by = UserId{created_by};
    k.name = name;
    k.scopes = static_cast<PermissionSet>(scopes);
    k.role = static_cast<Role>(role);
    k.created_at = from_unix(created);
    k.expires_at = expires.instant();
    k.last_used_at = used.instant();
    k.revoked_at = revoked.instant();
    k.emergency = emergency != 0;
    k.created_by_tenant = TenantId{creator_tenant};
    k.parent = ApiKeyId{parent};
    x.secret_hash = hash;
    return x;
  }
};

// "a, b, c" -> ":p1, :p2, :p3": placeholders for every column but the first (id).
std::string placeholders(const char* columns) {
  std::string out;
  int n = 0;
  for (const char* c = columns; *c; ++c) {
    if (*c != ',') continue;
    ++n;
    out += (n > 1 ? ", :p" : ":p") + std::to_string(n);
  }
  return out;
}
// "id, a, b" -> "a = :p1, b = :p2"
std::string assignments(const char* columns) {
  std::string text(columns), out;
  std::size_t start = text.find(',');
  int n = 0;
  while (start != std::string::npos) {
    std::size_t next = text.find(',', start + 1);
    std::string name =
        text.substr(start + 1, next == std::string::npos ? std::string::npos : next - start - 1);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    out += (n ? ", " : "") + name + " = :p" + std::to_string(n + 1);
    ++n;
    start = next;
  }
  return out;
}
std::string columns_without_id(const char* columns) {
  std::string text(columns);
  return text.substr(text.find(',') + 2);
}

template <typename Row>
long long insert_row(soci::session& sql, const char* table, Row& row) {
  long long id = 0;
  Prep p = (sql.prepare << std::string("INSERT INTO ") + table + " (" +
                               columns_without_id(Row::kColumns) + ") VALUES (" +
                               placeholders(Row::kColumns) + ") RETURNING id");
  row.use_fields(p);
  p, into(id);
  soci::statement st(p);
  st.execute(true);
  return id;
}

template <typename Row>
long long update_row(soci::session& sql, const char* table, Row& row) {
  Prep p = (sql.prepare << std::string("UPDATE ") + table + " SET " + assignments(Row::kColumns) +
                               " WHERE id = :id");
  row.use_fields(p);
  p, use(row.id);
  soci::statement st(p);
  st.execute(true);
  return st.get_affected_rows();
}

// Rows of `table` matching `where` (whose placeholders `bind` binds), ordered by id.
template <typename Row, typename Out, typename Bind>
std::vector<Out> select_rows(soci::session& sql, const char* table, const std::string& where,
                             Bind&& bind) {
  Row row;
  Prep p = (sql.prepare << std::string("SELECT ") + Row::kColumns + " FROM " + table + " " + where);
  row.into_all(p);
  bind(p);
  soci::statement st(p);
  st.execute();
  std::vector<Out> out;
  while (st.fetch()) out.push_back(row.to());
  return out;
}

template <typename T>
std::optional<T> first(std::vector<T> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

// ---- users -------------------------------------------------------------------------------
UserId insert_user(soci::session& sql, const StoredUser& user) {
  UserRow row;
  row.from(user);
  return UserId{insert_row(sql, "users", row)};
}
std::optional<StoredUser> find_user(soci::session& sql, TenantId tenant, UserId id, bool lock) {
  long long t = tenant, i = id;
  return first(select_rows<UserRow, StoredUser>(
      sql, "users", std::string("WHERE tenant_id = :t AND id = :i") + (lock ? " FOR UPDATE" : ""),
      [&](Prep& p) { p, use(t), use(i); }));
}
std::optional<StoredUser> find_user_by_email(soci::session& sql, TenantId tenant,
                                             std::string_view email, bool lock) {
  long long t = tenant;
  std::string e(email);
  return first(select_rows<UserRow, StoredUser>(
      sql, "users",
      std::string("WHERE tenant_id = :t AND email = :e") + (lock ? " FOR UPDATE" : ""),
      [&](Prep& p) { p, use(t), use(e); }));
}
std::vector<StoredUser> list_users(soci::session& sql, TenantId tenant) {
  long long t = tenant;
  return select_rows<UserRow, StoredUser>(sql, "users", "WHERE tenant_id = :t ORDER BY id",
                                          [&](Prep& p) { p, use(t); });
}
std::vector<StoredUser> list_users_with_role(soci::session& sql, Role min_role) {
  int r = static_cast<int>(min_role);
  return select_rows<UserRow, StoredUser>(sql, "users", "WHERE role >= :r ORDER BY tenant_id, id",
                                          [&](Prep& p) { p, use(r); });
}
long long update_user(soci::session& sql, const StoredUser& user) {
  UserRow row;
  row.from(user);
  return update_row(sql, "users", row);
}

// ---- sessions ----------------------------------------------------------------------------
SessionId insert_session(soci::session& sql, const StoredSession& session) {
  SessionRow row;
  row.from(session);
  return SessionId{insert_row(sql, "sessions", row)};
}
std::optional<StoredSession> find_session_by_token(soci::session& sql, std::string_view hash) {
  std::string h(hash);
  return first(select_rows<SessionRow, StoredSession>(sql, "sessions", "WHERE token_hash = :h",
                                                      [&](Prep& p) { p, use(h); }));
}
std::optional<StoredSession> find_session(soci::session& sql, SessionId id) {
  long long i = id;
  return first(select_rows<SessionRow, StoredSession>(sql, "sessions", "WHERE id = :i",
                                                      [&](Prep& p) { p, use(i); }));
}
std::vector<StoredSession> list_sessions(soci::session& sql, TenantId tenant, UserId user) {
  long long t0 = tenant, t1 = tenant, u0 = user, u1 = user;
  return select_rows<SessionRow, StoredSession>(
      sql, "sessions",
      "WHERE revoked_at IS NULL AND (:t0 = 0 OR tenant_id = :t1) AND "
      "(:u0 = 0 OR user_id = :u1) ORDER BY id",
      [&](Prep& p) { p, use(t0), use(t1), use(u0), use(u1); });
}
long long update_session(soci::session& sql, const StoredSession& session) {
  SessionRow row;
  row.from(session);
  return update_row(sql, "sessions", row);
}
std::int64_t revoke_sessions(soci::session& sql, TenantId tenant, UserId user, Instant at,
                             SessionId keep) {
  long long when = to_unix(at), t0 = tenant, t1 = tenant, u0 = user, u1 = user, k = keep;
  soci::statement st =
      (sql.prepare << "UPDATE sessions SET revoked_at = :at WHERE revoked_at IS NULL AND "
                      "(:t0 = 0 OR tenant_id = :t1) AND (:u0 = 0 OR user_id = :u1) AND id <> :k",
       use(when), use(t0), use(t1), use(u0), use(u1), use(k));
  st.execute(true);
  return st.get_affected_rows();
}
std::int64_t delete_dead_sessions(soci::session& sql, Instant now, int limit) {
  long long n0 = to_unix(now), n1 = n0, lim = limit;
  soci::statement st =
      (sql.prepare << "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE "
                      "revoked_at IS NOT NULL OR idle_expires_at <= :n0 OR "
                      "absolute_expires_at <= :n1 ORDER BY id LIMIT :lim)",
       use(n0), use(n1), use(lim));
  st.execute(true);
  return st.get_affected_rows();
}
std::int64_t count_live_sessions(soci::session& sql, Instant now) {
  long long n0 = to_unix(now), n1 = n0, count = 0;
  sql << "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND idle_expires_at > :n0 "
         "AND absolute_expires_at > :n1",
      use(n0), use(n1), into(count);
  return count;
}

// ---- API keys ----------------------------------------------------------------------------
ApiKeyId insert_api_key(soci::session& sql, const StoredApiKey& key) {
  ApiKeyRow row;
  row.from(key);
  return ApiKeyId{insert_row(sql, "api_keys", row)};
}
std::optional<StoredApiKey> find_api_key(soci::session& sql, ApiKeyId id, bool lock) {
  long long i = id;
  return first(select_rows<ApiKeyRow, StoredApiKey>(
      sql, "api_keys", std::string("WHERE id = :i") + (lock ? " FOR UPDATE" : ""),
      [&](Prep& p) { p, use(i); }));
}
std::vector<StoredApiKey> list_api_keys(soci::session& sql, TenantId tenant) {
  long long t = tenant;
  return select_rows<ApiKeyRow, StoredApiKey>(sql, "api_keys", "WHERE tenant_id = :t ORDER BY id",
                                              [&](Prep& p) { p, use(t); });
}
long long update_api_key(soci::session& sql, const StoredApiKey& key) {
  ApiKeyRow row;
  row.from(key);
  return update_row(sql, "api_keys", row);
}

// ---- security events ---------------------------------------------------------------------
}  // namespace boka::detail::sql_auth
