// Runs a test body once per store of the conformance suite (conformance_stores()), each in
// its own Catch2 section named after the store; and the helpers the suite's files share.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include <boka/conformance.hpp>
#include "support.hpp"

namespace boka::conformance {

template <typename F>
void for_each_store(F&& f) {
  for (const auto& factory : conformance_stores()) {
    DYNAMIC_SECTION("store " << factory.name) { f(factory.make()); }
  }
}

// What the suite's files share: transactions over every tenant, sample rows, and appends
// to an audit chain. Test code: REQUIRE and CHECK report into the running test case.
namespace suite {

inline Status write(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.write(WriteIntent(TxnScope::all_tenants()), work);
}

inline Status read(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.read(TxnScope::all_tenants(), work);
}

inline Resource sample_resource(TenantId tenant) {
  Resource r;
  r.tenant = tenant;
  r.name = "Court 1";
  r.zone = "Europe/Berlin";
  r.capacity = 3;
  r.policy.slot_step = Seconds(1800);
  r.policy.min_notice = Seconds(3600);
  r.policy.max_horizon = Seconds(86400 * 30);
  r.policy.buffer_before = Seconds(300);
  r.policy.buffer_after = Seconds(600);
  r.policy.min_duration = Seconds(1800);
  r.policy.max_duration = Seconds(7200);
  r.policy.daily_limit = 4;
  r.metadata_json = R"({"floor":2})";
  r.created_at = test::utc(2026, 1, 1);
  r.version = 1;
  return r;
}

// A tenant row as the suite inserts it: version 1, booking rules and longest hold at their
// defaults.
inline Tenant tenant_row(std::string name, Instant created_at = {}) {
  Tenant t;
  t.name = std::move(name);
  t.created_at = created_at;
  t.version = 1;
  return t;
}

inline std::string hex64(char c) { return std::string(64, c); }

inline TenantId add_tenant(Storage& s, const std::string& name) {
  TenantId id{};
  Status st = write(s, [&](StorageTransaction& t) -> Status {
    BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(tenant_row(name, test::utc(2026, 1, 1))));
    return Status::Ok();
  });
  REQUIRE(st.ok());
  return id;
}

// A user with every optional unset, no MFA and no recovery codes.
inline StoredUser plain_user(TenantId tenant, const std::string& email,
                             Role role = Role::customer) {
  StoredUser u;
  u.user.tenant = tenant;
  u.user.email = email;
  u.user.display_name = "Plain " + email;
  u.user.role = role;
  u.user.state = UserState::active;
  u.user.mfa_enabled = false;
  u.user.created_at = test::utc(2026, 1, 2, 9);
  u.user.version = 1;
  u.password_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + email;
  return u;
}

// A user with every field set to a value other than its default.
inline StoredUser full_user(TenantId tenant, const std::string& email) {
  StoredUser u = plain_user(tenant, email, Role::superadmin);
  u.user.display_name = "Zoë Ünïcode, \"quoted\" 'name'";
  u.user.state = UserState::locked;
  u.user.mfa_enabled = true;
  u.user.created_at = test::utc(1969, 12, 31, 23, 59, 59);  // before the epoch
  u.user.last_login_at = test::utc(2026, 1, 3, 8, 1, 2);
  u.user.failed_logins = 6;
  u.user.last_failed_login_at = test::utc(2026, 1, 4, 7, 0, 1);
  u.user.locked_until = test::utc(2026, 1, 4, 7, 15, 1);
  u.user.version = 7;
  u.totp_secret = "k1:c2VhbGVkLXNlY3JldA";
  u.totp_pending = "k1:cGVuZGluZy1zZWNyZXQ";
  u.totp_last_step = 59'000'000'123LL;  // beyond 32 bits
  u.totp_failures = 3;
  u.totp_locked_until = test::utc(9999, 12, 31, 23, 59, 59);  // the library's last instant
  u.recovery_code_hashes = {hex64('a'), hex64('b'), hex64('c')};
  u.failure_window_start = test::utc(2026, 1, 4, 7);
  u.failures_in_window = 9;
  return u;
}

inline StoredSession sample_session(TenantId tenant, UserId user, const std::string& token_hash,
                                    Instant created, Seconds idle, Seconds absolute) {
  StoredSession s;
  s.session.tenant = tenant;
  s.session.user = user;
  s.session.created_at = created;
  s.session.last_seen_at = created;
  s.session.idle_expires_at = created + idle;
  s.session.absolute_expires_at = created + absolute;
  s.token_hash = token_hash;
  s.idle_seconds = idle.count();
  return s;
}

// Appends `r` as the next link of its chain (the store does not check hashes: any text).
inline Status append(StorageTransaction& t, AuditRecord& r) {
  BOKA_ASSIGN_OR_RETURN(auto head, t.lock_audit_head(r.tenant));
  r.seq = head.seq + 1;
  r.prev_hash = head.hash;
  r.hash = "hash-" + std::to_string(r.tenant) + "-" + std::to_string(r.seq);
  return t.append_audit(r);
}

inline AuditRecord record(TenantId tenant, Instant at, std::string actor, std::string action,
                          std::string target, AuditOutcome outcome = AuditOutcome::success) {
  AuditRecord r;
  r.tenant = tenant;
  r.at = at;
  r.actor = std::move(actor);
  r.action = std::move(action);
  r.target = std::move(target);
  r.outcome = outcome;
  return r;
}

}  // namespace suite
}  // namespace boka::conformance
