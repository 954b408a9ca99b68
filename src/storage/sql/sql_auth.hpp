// Authentication rows (users, sessions, API keys) for the SQL stores.
// The same statements run on SQLite and PostgreSQL. These functions throw SOCI's
// exceptions; SqlTransaction maps them to a Status (guarded()).
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::detail::sql_auth {

// `lock`: SELECT ... FOR UPDATE (PostgreSQL write transactions only; SQLite has no row
// locks and needs none, its writer holds the whole database). Security state (failure
// counters, TOTP replay step, recovery codes) is read, changed and written back, so two
// concurrent writers must not both decide on the same row version.
UserId insert_user(soci::session& sql, const StoredUser& user);
std::optional<StoredUser> find_user(soci::session& sql, TenantId tenant, UserId id, bool lock);
std::optional<StoredUser> find_user_by_email(soci::session& sql, TenantId tenant,
                                             std::string_view email, bool lock);
std::vector<StoredUser> list_users(soci::session& sql, TenantId tenant);
std::vector<StoredUser> list_users_with_role(soci::session& sql, Role min_role);
long long update_user(soci::session& sql, const StoredUser& user);  // affected rows

SessionId insert_session(soci::session& sql, const StoredSession& session);
std::optional<StoredSession> find_session_by_token(soci::session& sql, std::string_view hash);
std::optional<StoredSession> find_session(soci::session& sql, SessionId id);
std::vector<StoredSession> list_sessions(soci::session& sql, TenantId tenant, UserId user);
long long update_session(soci::session& sql, const StoredSession& session);
std::int64_t revoke_sessions(soci::session& sql, TenantId tenant, UserId user, Instant at,
                             SessionId keep);
std::int64_t delete_dead_sessions(soci::session& sql, Instant now, int limit);
std::int64_t count_live_sessions(soci::session& sql, Instant now);

ApiKeyId insert_api_key(soci::session& sql, const StoredApiKey& key);
std::optional<StoredApiKey> find_api_key(soci::session& sql, ApiKeyId id, bool lock);
std::vector<StoredApiKey> list_api_keys(soci::session& sql, TenantId tenant);
long long update_api_key(soci::session& sql, const StoredApiKey& key);

}  // namespace boka::detail::sql_auth
