// Credentials policy shared by the Auth facet's translation units: the messages that
// reveal nothing, password and email rules, lockout arithmetic, recovery-code format, key
// liveness, and AuthOps (password attempts reserved before verification, security events,
// the principal's own user). Internal to the engine layer.
//
// Secrets never reach a Status message or a security event: messages name the field
// ("password", "code"), never its value.
#pragma once

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/sha256.hpp"
#include "engine/engine_impl.hpp"

namespace boka::detail {

inline constexpr const char* kBadLogin = "invalid email or password";
inline constexpr const char* kBadSession = "session is not valid; log in again";
inline constexpr const char* kBadKey = "invalid API key";
inline constexpr const char* kBadCode = "invalid MFA code";
inline constexpr std::int64_t kTouchEvery = 60;  // seconds between last-seen/last-used writes
inline constexpr std::size_t kMaxPasswordBytes =
    1024;  // 128 code points of at most 4 bytes, and then some
inline constexpr int kRecoveryCodes = 10;

inline const PermissionSet kStaffPermissions = role_permissions(Role::staff);
inline const PermissionSet kAllPermissions = role_permissions(Role::superadmin);

inline std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline Status validate_email(std::string_view email) {
  if (email.size() < 3 || email.size() > 254) {
    return InvalidArgument("email: must be 3..254 bytes, got " + std::to_string(email.size()));
  }
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return InvalidArgument("email: must not contain spaces or control characters");
    }
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgument("email: must have the form local@domain");
  }
  return Status::Ok();
}

inline Status validate_password(std::string_view password, const char* field) {
  const auto points = detail::utf8_code_points(password);
  if (!points) return InvalidArgument(std::string(field) + ": must be valid UTF-8");
  if (*points < 12 || *points > 128) {
    return InvalidArgument(std::string(field) + ": must be 12..128 characters, got " +
                           std::to_string(*points));
  }
  return Status::Ok();
}

inline Status validate_text(std::string_view text, const char* field, std::size_t max) {
  if (text.size() > max) {
    return InvalidArgument(std::string(field) + ": at most " + std::to_string(max) + " bytes");
  }
  if (!detail::utf8_code_points(text))
    return InvalidArgument(std::string(field) + ": must be valid UTF-8");
  return Status::Ok();
}

// A failure of the store or the crypto, as opposed to a wrong code: it aborts the write.
inline bool store_failed(const Status& s) {
  return s.code() == Code::internal || s.code() == Code::unavailable || s.code() == Code::storage;
}

inline bool is_admin(Role r) { return static_cast<int>(r) >= static_cast<int>(Role::admin); }

inline std::string totp_associated(UserId id) { return "users/" + std::to_string(id) + "/totp"; }

inline bool session_live(const StoredSession& s, Instant now) {
  return !s.revoked_at && now < s.session.idle_expires_at && now < s.session.absolute_expires_at;
}

inline bool key_live(const StoredApiKey& k, Instant now) {
  return !k.key.revoked_at && (!k.key.expires_at || now < *k.key.expires_at);
}

// The tenant a key's creator belongs to (rows from before creator tenants were recorded
// name the key's own tenant).
inline TenantId creator_tenant(const ApiKey& k) {
  return k.created_by_tenant != 0 ? k.created_by_tenant : k.tenant;
}

// Whether a user's keys may act now: not when the user is disabled or locked (an
// automatic lockout only until it lapses).
inline bool creator_may_act(const std::optional<StoredUser>& u, Instant now) {
  if (!u || u->user.state == UserState::disabled) return false;
  if (u->user.state == UserState::locked) {
    return u->user.locked_until.has_value() && *u->user.locked_until <= now;
  }
  return true;
}

// Whether every key `k` was created with (its parent, the parent's parent, ...) is still
// unrevoked. Revocation cascades when it happens (revoke_api_key); this check also covers
// children in other tenants, which a tenant-scoped revocation cannot see.
inline constexpr int kMaxKeyDepth = 16;
inline Result<bool> ancestors_unrevoked(StorageTransaction& txn, const ApiKey& k) {
  ApiKeyId parent = k.parent;
  for (int depth = 0; parent != 0; ++depth) {
    if (depth == kMaxKeyDepth) return false;
    BOKA_ASSIGN_OR_RETURN(auto p, txn.find_api_key(parent));
    if (!p || p->key.revoked_at) return false;
    parent = p->key.parent;
  }
  return true;
}

// The lock a further failure imposes: initial * 2^(failures - threshold), capped.
inline Seconds lockout_wait(const AuthOptions& o, int failures) {
  const int doublings = std::min(failures - o.lockout_threshold, 30);
  std::int64_t wait = o.lockout_initial_wait.count();
  for (int i = 0; i < doublings && wait < o.lockout_max_wait.count(); ++i) wait *= 2;
  return Seconds(std::min<std::int64_t>(wait, o.lockout_max_wait.count()));
}

// A recovery code is 15 random bytes (120 bits, above ASVS 2.6.2's 112, so an unsalted
// SHA-256 of it cannot be reversed by search), written as 24 base32 letters in four groups:
// "abcdef-ghijkl-mnopqr-stuvwx". Codes issued before (10 letters) still verify: the
// stored digest is of the normalized text either way.
inline constexpr int kRecoveryCodeBytes = 15;
inline std::string format_recovery_code(std::string_view bytes) {
  const std::string text = lower_ascii(detail::base32_encode(bytes));
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 6) {
    if (!out.empty()) out += '-';
    out += text.substr(i, 6);
  }
  return out;
}

inline std::string normalize_recovery_code(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '-' && c != ' ')
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

struct AuthOps {
  EngineImpl& impl;
  detail::AuthRuntime& rt;

  Instant now() const { return impl.clock->now(); }

  // Appends a security event to the audit trail as "auth.<kind>" (docs/auth.md lists the
  // kinds), targeting the user involved.
  Status record(StorageTransaction& txn, TenantId tenant, const char* kind, UserId user,
                std::string_view email, std::string_view actor, std::string_view source,
                std::string detail) {
    detail::AuditEntry e;
    e.tenant = tenant;
    e.action = std::string("auth.") + kind;
    if (user != 0) e.target = "user:" + std::to_string(user);
    const std::string_view k(kind);
    e.outcome = (k == "login_failed" || k == "mfa_failed" || k == "lockout" || k == "mfa_locked")
                    ? AuditOutcome::failure
                    : AuditOutcome::success;
    detail::JsonObject d;
    if (!email.empty()) d.add("email", email);
    if (!detail.empty()) d.add("detail", detail);
    e.detail_json = d.str();
    return impl.audit_as(txn, actor, source, std::move(e));
  }

  // Runs a write that records a security event even when the caller's request fails.
  Status write_tenant(TenantId tenant, Storage::Work work) {
    return impl.storage->write(WriteIntent(TxnScope::tenant(tenant)), work);
  }

  const std::string& dummy_hash() {
    std::call_once(rt.dummy_once, [&] {
      auto random = detail::random_bytes(24);
      auto hash = detail::argon2id_hash(random.ok() ? *random : std::string(24, 'x'), rt.argon);
      rt.dummy_hash = hash.ok() ? *hash : std::string();
    });
    return rt.dummy_hash;
  }
  // Costs one Argon2id verification, and tells nothing.
  void burn_one_hash(std::string_view password) {
    const std::string& h = dummy_hash();
    if (!h.empty()) (void)detail::argon2id_verify(password, h);
  }

  bool needs_rehash(const std::string& encoded) const {
    auto p = detail::argon2id_params(encoded);
    return !p || p->memory_kib < rt.argon.memory_kib || p->iterations < rt.argon.iterations ||
           p->parallelism < rt.argon.parallelism;
  }

  // Applies the quiet-period reset: 12 h after the last failure the counters start over,
  // and an automatic lock lapses.
  void reset_if_quiet(StoredUser& u) const {
    const Instant t = now();
    if (u.user.last_failed_login_at &&
        *u.user.last_failed_login_at + rt.options.failure_reset_after <= t) {
      u.user.failed_logins = 0;
      if (u.user.state == UserState::locked && u.user.locked_until) {
        u.user.state = UserState::active;
        u.user.locked_until.reset();
      }
    }
    if (u.failure_window_start && *u.failure_window_start + Seconds(3600) <= t) {
      u.failure_window_start.reset();
      u.failures_in_window = 0;
    }
  }

  // Whether a password may be tried now (not disabled, not within a lock, under the cap).
  bool may_try(const StoredUser& u) const {
    const Instant t = now();
    if (u.user.state == UserState::disabled) return false;
    if (u.user.state == UserState::locked && (!u.user.locked_until || t < *u.user.locked_until)) {
      return false;
    }
    return u.failures_in_window < rt.options.max_failures_per_hour;
  }

  // A password attempt is reserved before the password is verified, in a write that holds
  // the user's row: it is counted as a failure in advance, and imposes the lockout its
  // count reaches. Verification (Argon2id, tens of milliseconds) then runs outside any
  // transaction, and settle() records how it went. So a burst of parallel guesses gets
  // exactly lockout_threshold verifications before the lock, on every store, instead of
  // every guess that read the counter before the first failure was written back.
  struct Attempt {
    bool admitted = false;
    StoredUser user;                 // the row as the reservation left it
    std::optional<Seconds> imposed;  // the lock this attempt's count imposed, if any
    const char* refused = nullptr;   // why it was not admitted (for the audit trail)
  };

  // Reserves an attempt on `u` (read in `txn`, so locked): refuses a disabled or locked
  // account or one past its hourly cap (recording login_failed with `what`), else counts
  // the attempt and writes the row back.
  Status reserve_attempt(StorageTransaction& txn, StoredUser u, std::string_view source,
                         const char* what, Attempt& out) {
    out = Attempt{};
    reset_if_quiet(u);
    if (!may_try(u)) {
      out.refused = u.user.state == UserState::disabled ? "account disabled" : "account locked";
      std::string detail = std::string(out.refused) + " (" + what + ")";
      return record(txn, u.user.tenant, "login_failed", u.user.id, u.user.email, "", source,
                    std::move(detail));
    }
    const Instant t = now();
    ++u.user.failed_logins;
    u.user.last_failed_login_at = t;
    if (!u.failure_window_start) u.failure_window_start = t;
    ++u.failures_in_window;
    if (u.user.failed_logins >= rt.options.lockout_threshold) {
      out.imposed = lockout_wait(rt.options, u.user.failed_logins);
      u.user.state = UserState::locked;
      u.user.locked_until = t + *out.imposed;
    }
    ++u.user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(u));
    out.admitted = true;
    out.user = std::move(u);
    return Status::Ok();
  }

  // Records a reserved attempt whose password was wrong (the count was taken in advance),
  // and the lockout it imposed.
  Status settle_failure(StorageTransaction& txn, const Attempt& at, std::string_view source,
                        const char* what) {
    const StoredUser& u = at.user;
    BOKA_RETURN_IF_ERROR(
        record(txn, u.user.tenant, "login_failed", u.user.id, u.user.email, "", source, what));
    if (!at.imposed) return Status::Ok();
    return record(txn, u.user.tenant, "lockout", u.user.id, u.user.email, "", source,
                  "locked for " + std::to_string(at.imposed->count()) + " s after " +
                      std::to_string(u.user.failed_logins) + " failures");
  }

  // Takes back a reserved attempt whose password was right, on `u` re-read in the
  // transaction: the counters start over and an automatic lock ends (an admin lock or a
  // disabled account stays; the caller refuses those).
  void settle_success(StoredUser& u) const {
    u.user.failed_logins = 0;
    if (u.failures_in_window > 0) --u.failures_in_window;
    if (u.user.state == UserState::locked && u.user.locked_until) {
      u.user.state = UserState::active;
      u.user.locked_until.reset();
    }
  }

  // Whether a user may complete a login whose attempt was admitted: not disabled and not
  // locked by an admin since (an automatic lock imposed meanwhile does not undo an
  // admitted attempt with the right password).
  static bool may_complete(const StoredUser& u) {
    return u.user.state == UserState::active ||
           (u.user.state == UserState::locked && u.user.locked_until.has_value());
  }

  // A password check of a logged-in user (password change, MFA removal) under the same
  // reservation rule as login. Returns ok when `password` is right; unauthenticated with
  // `wrong` when it is wrong or the account may not try now.
  Status check_own_password(const Actor& a, std::string_view password, const char* what,
                            const char* wrong) {
    Attempt at;
    BOKA_RETURN_IF_ERROR(write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
      if (!found) return Unauthenticated(kBadSession);
      return reserve_attempt(txn, std::move(*found), a.source, what, at);
    }));
    if (!at.admitted) {
      burn_one_hash(password.substr(0, kMaxPasswordBytes));
      return Unauthenticated(wrong);
    }
    bool right = false;
    if (password.size() <= kMaxPasswordBytes) {
      BOKA_ASSIGN_OR_RETURN(right, detail::argon2id_verify(password, at.user.password_hash));
    }
    BOKA_RETURN_IF_ERROR(write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
      if (!right) return settle_failure(txn, at, a.source, what);
      BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
      if (!found) return Unauthenticated(kBadSession);
      settle_success(*found);
      ++found->user.version;
      return txn.update_user(*found);
    }));
    return right ? Status::Ok() : Unauthenticated(wrong);
  }

  // Checks a TOTP or recovery code against `u` (re-read in the transaction) and updates its
  // replay and failure state. Returns ok, unauthenticated (wrong) or rate_limited (locked).
  // The user's row is updated either way; the caller commits.
  Status check_mfa_code(StorageTransaction& txn, StoredUser& u, std::string_view code,
                        std::string_view source, const std::string& actor) {
    const Instant t = now();
    const TenantId tenant = u.user.tenant;
    if (u.totp_locked_until && t < *u.totp_locked_until) {
      return RateLimited("MFA is locked after repeated wrong codes; try again in " +
                         std::to_string((*u.totp_locked_until - t).count()) + " s");
    }
    bool ok = false;
    std::string how;
    const bool looks_totp = code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) {
                              return c >= '0' && c <= '9';
                            });
    if (looks_totp) {
      BOKA_ASSIGN_OR_RETURN(auto secret, rt.box.open(u.totp_secret, totp_associated(u.user.id)));
      const std::uint64_t step = detail::totp_step(to_unix(t));
      auto matched = detail::totp_match(detail::HashAlgorithm::sha1, secret, code, step, 1);
      if (matched && static_cast<std::int64_t>(*matched) > u.totp_last_step) {
        u.totp_last_step = static_cast<std::int64_t>(*matched);
        ok = true;
        how = "totp";
      } else if (matched) {
        how = "replayed code";
      }
    } else {
      const std::string digest = detail::sha256_hex(normalize_recovery_code(code));
      for (auto it = u.recovery_code_hashes.begin(); it != u.recovery_code_hashes.end(); ++it) {
        if (detail::constant_time_equal(*it, digest)) {
          u.recovery_code_hashes.erase(it);
          ok = true;
          how = "recovery code";
          break;
        }
      }
    }
    if (ok) {
      u.totp_failures = 0;
      u.totp_locked_until.reset();
      if (how == "recovery code") {
        BOKA_RETURN_IF_ERROR(record(txn, tenant, "recovery_code_used", u.user.id, u.user.email,
                                    actor, source,
                                    std::to_string(u.recovery_code_hashes.size()) + " left"));
      }
      return Status::Ok();
    }
    ++u.totp_failures;
    BOKA_RETURN_IF_ERROR(record(txn, tenant, "mfa_failed", u.user.id, u.user.email, actor, source,
                                how.empty() ? "wrong code" : how));
    if (u.totp_failures >= rt.options.totp_max_failures) {
      u.totp_locked_until = t + rt.options.totp_lockout;
      u.totp_failures = 0;
      BOKA_RETURN_IF_ERROR(
          record(txn, tenant, "mfa_locked", u.user.id, u.user.email, actor, source,
                 "locked for " + std::to_string(rt.options.totp_lockout.count()) + " s"));
    }
    return Unauthenticated(kBadCode);
  }

  // Inserts a new session for `u`; fills `grant`.
  Status start_session(StorageTransaction& txn, const StoredUser& u, bool mfa_passed,
                       bool mfa_pending, std::string_view source,
                       std::optional<Instant> absolute_cap, SessionGrant& grant) {
    BOKA_ASSIGN_OR_RETURN(auto raw, detail::random_bytes(32));
    const Instant t = now();
    const bool admin = is_admin(u.user.role);
    const Seconds idle = admin ? rt.options.admin_session_idle : rt.options.session_idle;
    const Seconds absolute =
        admin ? rt.options.admin_session_absolute : rt.options.session_absolute;
    StoredSession s;
    s.session.tenant = u.user.tenant;
    s.session.user = u.user.id;
    s.session.created_at = t;
    s.session.last_seen_at = t;
    s.session.absolute_expires_at = t + absolute;
    if (absolute_cap)
      s.session.absolute_expires_at = std::min(s.session.absolute_expires_at, *absolute_cap);
    s.session.idle_expires_at = std::min(t + idle, s.session.absolute_expires_at);
    s.session.mfa_passed = mfa_passed;
    s.session.mfa_pending = mfa_pending;
    s.session.source = std::string(source);
    s.idle_seconds = idle.count();
    grant.token = detail::base64url_encode(raw);
    s.token_hash = detail::sha256_hex(grant.token);
    BOKA_ASSIGN_OR_RETURN(s.session.id, txn.insert_session(s));
    grant.session = s.session;
    grant.principal = PrincipalFactory::user(u.user.tenant, u.user.id, s.session.id);
    return Status::Ok();
  }

  // The user a principal acts as (user principals only).
  Result<StoredUser> self(const Actor& a) {
    if (a.kind != Principal::Kind::user) {
      return PermissionDenied(a.name + ": only a logged-in user can do this");
    }
    std::optional<StoredUser> u;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(a.tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(u, txn.find_user(a.tenant, a.user));
          return Status::Ok();
        }));
    if (!u) return Unauthenticated(kBadSession);
    return std::move(*u);
  }

  Result<Actor> verify_self(const Principal& who, bool allow_mfa_pending) {
    BOKA_ASSIGN_OR_RETURN(auto a, impl.verify(who));
    if (a.kind != Principal::Kind::user) {
      return PermissionDenied(a.name + ": only a logged-in user can do this");
    }
    if (!allow_mfa_pending && a.permissions == 0) {
      return PermissionDenied(a.name + ": complete MFA first (verify_mfa)");
    }
    return a;
  }
};

// Admins manage users below admin; only superadmins (and the system) touch admins.
inline Status may_manage_role(const Actor& a, Role target) {
  if (is_admin(target) && a.role != Role::superadmin) {
    return PermissionDenied(a.name + ": only a superadmin manages " + role_name(target) + " users");
  }
  return Status::Ok();
}

inline Status check_page(int limit) {
  if (limit < 1 || limit > 10000) {
    return InvalidArgument("limit: must be 1..10000, got " + std::to_string(limit));
  }
  return Status::Ok();
}
// Read-modify-write of one user under `a`'s authority; `change` edits the row and returns
// the event to record ("" for none). Sessions of the user end when `end_sessions`.
template <typename Change>
Result<User> modify_user(EngineImpl& impl, const Actor& a, TenantId tenant, UserId id,
                         Change&& change) {
  AuthOps ops{impl, *impl.auth};
  User out;
  BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(tenant, id));
    if (!found) return NotFound("user " + std::to_string(id) + " not found");
    StoredUser u = std::move(*found);
    BOKA_RETURN_IF_ERROR(may_manage_role(a, u.user.role));
    bool end_sessions = false;
    std::string kind, detail;
    BOKA_RETURN_IF_ERROR(change(u, end_sessions, kind, detail));
    ++u.user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(u));
    if (end_sessions) {
      BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(tenant, id, ops.now(), SessionId{}));
      detail += "; " + std::to_string(n) + " sessions ended";
    }
    if (!kind.empty()) {
      BOKA_RETURN_IF_ERROR(
          ops.record(txn, tenant, kind.c_str(), id, u.user.email, a.name, a.source, detail));
    }
    out = u.user;
    return Status::Ok();
  }));
  return out;
}

}  // namespace boka::detail
