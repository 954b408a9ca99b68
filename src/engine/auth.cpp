// Engine: authentication (passwords, lockout, sessions, TOTP MFA, API keys), the
// authorization check every operation starts with, and the security reports.
//
// Secrets never reach a Status message or a security event: messages name the field
// ("password", "code"), never its value.
#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "core/sha256.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

using detail::Actor;
using detail::PrincipalFactory;

namespace {

constexpr const char* kBadLogin = "invalid email or password";
constexpr const char* kBadSession = "session is not valid; log in again";
constexpr const char* kBadKey = "invalid API key";
constexpr const char* kBadCode = "invalid MFA code";
constexpr std::int64_t kTouchEvery = 60;  // seconds between last-seen/last-used writes
constexpr std::size_t kMaxPasswordBytes = 1024;  // 128 code points of at most 4 bytes, and then some
constexpr int kRecoveryCodes = 10;

const PermissionSet kStaffPermissions = role_permissions(Role::staff);
const PermissionSet kAllPermissions = role_permissions(Role::superadmin);

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status validate_email(std::string_view email) {
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

Status validate_password(std::string_view password, const char* field) {
  const auto points = detail::utf8_code_points(password);
  if (!points) return InvalidArgument(std::string(field) + ": must be valid UTF-8");
  if (*points < 12 || *points > 128) {
    return InvalidArgument(std::string(field) + ": must be 12..128 characters, got " +
                           std::to_string(*points));
  }
  return Status::Ok();
}

Status validate_text(std::string_view text, const char* field, std::size_t max) {
  if (text.size() > max) {
    return InvalidArgument(std::string(field) + ": at most " + std::to_string(max) + " bytes");
  }
  if (!detail::utf8_code_points(text)) return InvalidArgument(std::string(field) + ": must be valid UTF-8");
  return Status::Ok();
}

// A failure of the store or the crypto, as opposed to a wrong code: it aborts the write.
bool store_failed(const Status& s) {
  return s.code() == Code::internal || s.code() == Code::unavailable || s.code() == Code::storage;
}

bool is_admin(Role r) { return static_cast<int>(r) >= static_cast<int>(Role::admin); }

std::string totp_associated(UserId id) { return "users/" + std::to_string(id) + "/totp"; }

bool session_live(const StoredSession& s, Instant now) {
  return !s.revoked_at && now < s.session.idle_expires_at && now < s.session.absolute_expires_at;
}

bool key_live(const StoredApiKey& k, Instant now) {
  return !k.key.revoked_at && (!k.key.expires_at || now < *k.key.expires_at);
}

// The tenant a key's creator belongs to (rows from before creator tenants were recorded
// name the key's own tenant).
TenantId creator_tenant(const ApiKey& k) {
  return k.created_by_tenant != 0 ? k.created_by_tenant : k.tenant;
}

// Whether a user's keys may act now: not when the user is disabled or locked (an
// automatic lockout only until it lapses).
bool creator_may_act(const std::optional<StoredUser>& u, Instant now) {
  if (!u || u->user.state == UserState::disabled) return false;
  if (u->user.state == UserState::locked) {
    return u->user.locked_until.has_value() && *u->user.locked_until <= now;
  }
  return true;
}

// Whether every key `k` was created with (its parent, the parent's parent, ...) is still
// unrevoked. Revocation cascades when it happens (revoke_api_key); this check also covers
// children in other tenants, which a tenant-scoped revocation cannot see.
constexpr int kMaxKeyDepth = 16;
Result<bool> ancestors_unrevoked(StorageTransaction& txn, const ApiKey& k) {
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
Seconds lockout_wait(const AuthOptions& o, int failures) {
  const int doublings = std::min(failures - o.lockout_threshold, 30);
  std::int64_t wait = o.lockout_initial_wait.count();
  for (int i = 0; i < doublings && wait < o.lockout_max_wait.count(); ++i) wait *= 2;
  return Seconds(std::min<std::int64_t>(wait, o.lockout_max_wait.count()));
}

// A recovery code is 15 random bytes (120 bits, above ASVS 2.6.2's 112, so an unsalted
// SHA-256 of it cannot be reversed by search), written as 24 base32 letters in four groups:
// "abcdef-ghijkl-mnopqr-stuvwx". Codes issued before (10 letters) still verify: the
// stored digest is of the normalized text either way.
constexpr int kRecoveryCodeBytes = 15;
std::string format_recovery_code(std::string_view bytes) {
  const std::string text = lower_ascii(detail::base32_encode(bytes));
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 6) {
    if (!out.empty()) out += '-';
    out += text.substr(i, 6);
  }
  return out;
}

std::string normalize_recovery_code(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '-' && c != ' ') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

// ---- configuration -------------------------------------------------------------------------

namespace detail {

Result<std::unique_ptr<AuthRuntime>> make_auth_runtime(const AuthOptions& o) {
  auto rt = std::make_unique<AuthRuntime>();
  rt->options = o;
  auto positive = [](Seconds s, const char* field) -> Status {
    if (s.count() <= 0) return InvalidArgument(std::string("auth.") + field + ": must be positive");
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(positive(o.lockout_initial_wait, "lockout_initial_wait"));
  BOKA_RETURN_IF_ERROR(positive(o.lockout_max_wait, "lockout_max_wait"));
  BOKA_RETURN_IF_ERROR(positive(o.failure_reset_after, "failure_reset_after"));
  BOKA_RETURN_IF_ERROR(positive(o.session_idle, "session_idle"));
  BOKA_RETURN_IF_ERROR(positive(o.session_absolute, "session_absolute"));
  BOKA_RETURN_IF_ERROR(positive(o.admin_session_idle, "admin_session_idle"));
  BOKA_RETURN_IF_ERROR(positive(o.admin_session_absolute, "admin_session_absolute"));
  BOKA_RETURN_IF_ERROR(positive(o.totp_lockout, "totp_lockout"));
  BOKA_RETURN_IF_ERROR(positive(o.emergency_key_lifetime, "emergency_key_lifetime"));
  if (o.lockout_threshold < 1) return InvalidArgument("auth.lockout_threshold: must be >= 1");
  if (o.max_failures_per_hour < 1) return InvalidArgument("auth.max_failures_per_hour: must be >= 1");
  if (o.totp_max_failures < 1) return InvalidArgument("auth.totp_max_failures: must be >= 1");
  if (o.argon2_iterations < 1 || o.argon2_parallelism < 1 || o.argon2_parallelism > 16 ||
      o.argon2_memory_kib < 8 * o.argon2_parallelism || o.argon2_memory_kib > (4u << 20)) {
    return InvalidArgument(
        "auth.argon2_*: need iterations >= 1, parallelism 1..16 and memory_kib between "
        "8 x parallelism and 4 GiB");
  }
  if (o.totp_issuer.empty() || o.totp_issuer.size() > 100 ||
      o.totp_issuer.find(':') != std::string::npos) {
    return InvalidArgument("auth.totp_issuer: must be 1..100 bytes without ':'");
  }
  rt->argon = Argon2Params{o.argon2_memory_kib, o.argon2_iterations, o.argon2_parallelism};
  for (const auto& [id, key] : o.previous_encryption_keys) {
    auto parsed = SecretBox::parse_key(key);
    if (!parsed.ok()) {
      return InvalidArgument("auth.previous_encryption_keys[" + id + "]: " +
                             parsed.status().message());
    }
    BOKA_RETURN_IF_ERROR(rt->box.add_key(id, std::move(*parsed)));
  }
  if (!o.encryption_key.empty()) {
    auto parsed = SecretBox::parse_key(o.encryption_key);
    if (!parsed.ok()) return InvalidArgument("auth.encryption_key: " + parsed.status().message());
    BOKA_RETURN_IF_ERROR(rt->box.add_key(o.encryption_key_id, std::move(*parsed)));
    BOKA_RETURN_IF_ERROR(rt->box.set_current(o.encryption_key_id));
  } else if (!o.previous_encryption_keys.empty()) {
    return InvalidArgument("auth.encryption_key: required when previous keys are configured");
  }
  return rt;
}

}  // namespace detail

// ---- verification and authorization --------------------------------------------------------

Result<Actor> EngineImpl::verify(const Principal& who) {
  Actor a;
  a.kind = who.kind();
  a.name = who.name();
  a.source = who.source();
  if (who.kind() == Principal::Kind::system) {
    a.role = Role::superadmin;
    a.permissions = kAllPermissions;
    a.all_tenants = true;
    return a;
  }
  const Instant t = clock->now();
  std::optional<StoredUser> user;
  std::optional<StoredSession> session;
  std::optional<StoredApiKey> key;
  bool key_chain_live = false;
  BOKA_RETURN_IF_ERROR(storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
    if (who.kind() == Principal::Kind::user) {
      BOKA_ASSIGN_OR_RETURN(session, txn.find_session(who.session()));
      if (session) {
        BOKA_ASSIGN_OR_RETURN(user, txn.find_user(session->session.tenant, session->session.user));
      }
    } else {
      BOKA_ASSIGN_OR_RETURN(key, txn.find_api_key(who.api_key()));
      if (key) {
        BOKA_ASSIGN_OR_RETURN(key_chain_live, ancestors_unrevoked(txn, key->key));
      }
      if (key && key->key.created_by != 0) {
        BOKA_ASSIGN_OR_RETURN(user, txn.find_user(creator_tenant(key->key), key->key.created_by));
      }
    }
    return Status::Ok();
  }));
  a.tenant = who.tenant();
  a.user = who.user();
  a.user_tenant = who.tenant();
  if (who.kind() == Principal::Kind::user) {
    if (!session || !session_live(*session, t) || session->session.user != who.user() ||
        session->session.tenant != who.tenant() || !user ||
        user->user.state == UserState::disabled) {
      return Unauthenticated(kBadSession);
    }
    a.session = session->session.id;
    a.role = user->user.role;
    if (session->session.mfa_pending) {
      a.permissions = 0;  // can only complete MFA or log out
    } else {
      a.permissions = role_permissions(a.role);
      if (is_admin(a.role) && !session->session.mfa_passed) {
        a.permissions &= kStaffPermissions;
        a.mfa_missing = true;
      }
    }
    a.all_tenants = a.role == Role::superadmin && !a.mfa_missing;
    return a;
  }
  if (!key || !key_live(*key, t) || !key_chain_live || key->key.tenant != who.tenant()) {
    return Unauthenticated(kBadKey);
  }
  Role ceiling = key->key.role;
  if (key->key.created_by != 0) {
    if (!creator_may_act(user, t)) return Unauthenticated(kBadKey);
    ceiling = std::min(ceiling, user->user.role);
    a.user_tenant = creator_tenant(key->key);
  }
  a.api_key = key->key.id;
  a.role = ceiling;
  a.permissions = key->key.scopes & role_permissions(ceiling);
  a.all_tenants = ceiling == Role::superadmin;
  return a;
}

Status EngineImpl::permit(const Actor& a, TenantId tenant, Permission p) {
  if (!a.can(p)) {
    std::string why = a.name + " lacks permission " + permission_name(p);
    if (a.mfa_missing && has_permission(role_permissions(a.role), p)) {
      why += " (admin actions need a session that passed MFA)";
    }
    return PermissionDenied(why);
  }
  if (tenant != a.tenant && !a.all_tenants) {
    return PermissionDenied(a.name + " may not act in tenant " + std::to_string(tenant));
  }
  return Status::Ok();
}

Result<Actor> EngineImpl::authorize(const Principal& who, TenantId tenant, Permission p) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, tenant, p));
  return actor;
}

Result<Actor> EngineImpl::authorize_global(const Principal& who, Permission p) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, actor.tenant, p));
  if (!actor.all_tenants) {
    return PermissionDenied(actor.name + ": " + permission_name(p) + " is system-wide");
  }
  return actor;
}

Result<Actor> EngineImpl::authorize_reservations(const Principal& who, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, tenant,
                              actor.can(Permission::reservations_all) ? Permission::reservations_all
                                                                      : Permission::reservations_own));
  return actor;
}

namespace detail {
Result<Reservation> redact_conflict(Result<Reservation> result, const Actor& actor) {
  if (result.ok() || !actor.own_reservations_only() || result.status().conflict() == nullptr) {
    return result;
  }
  Status st = result.status();
  ConflictInfo info = *st.conflict();
  info.blocking_reservation_ids.clear();
  Status redacted(st.code(), st.message());
  redacted.with_conflict(std::move(info));
  return redacted;
}
}  // namespace detail

// ---- helpers shared by the calls below -----------------------------------------------------

namespace {

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
    StoredUser user;                   // the row as the reservation left it
    std::optional<Seconds> imposed;    // the lock this attempt's count imposed, if any
    const char* refused = nullptr;     // why it was not admitted (for the audit trail)
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
    BOKA_RETURN_IF_ERROR(record(txn, u.user.tenant, "login_failed", u.user.id, u.user.email, "",
                                source, what));
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
      BOKA_RETURN_IF_ERROR(record(txn, tenant, "mfa_locked", u.user.id, u.user.email, actor,
                                  source,
                                  "locked for " + std::to_string(rt.options.totp_lockout.count()) +
                                      " s"));
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
    const Seconds absolute = admin ? rt.options.admin_session_absolute : rt.options.session_absolute;
    StoredSession s;
    s.session.tenant = u.user.tenant;
    s.session.user = u.user.id;
    s.session.created_at = t;
    s.session.last_seen_at = t;
    s.session.absolute_expires_at = t + absolute;
    if (absolute_cap) s.session.absolute_expires_at = std::min(s.session.absolute_expires_at, *absolute_cap);
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
    BOKA_RETURN_IF_ERROR(impl.storage->read(TxnScope::tenant(a.tenant), [&](StorageTransaction& txn) -> Status {
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

}  // namespace

// ---- users ---------------------------------------------------------------------------------

namespace {
// Admins manage users below admin; only superadmins (and the system) touch admins.
Status may_manage_role(const Actor& a, Role target) {
  if (is_admin(target) && a.role != Role::superadmin) {
    return PermissionDenied(a.name + ": only a superadmin manages " + role_name(target) + " users");
  }
  return Status::Ok();
}
}  // namespace

Result<User> Auth::create_user(const Principal& who, TenantId tenant, const NewUser& spec) {
  return impl_->refusal_audited(who, tenant, "auth.user_created", "", [&]() -> Result<User> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
    BOKA_RETURN_IF_ERROR(may_manage_role(a, spec.role));
    BOKA_RETURN_IF_ERROR(validate_email(spec.email));
    BOKA_RETURN_IF_ERROR(validate_text(spec.display_name, "display_name", 200));
    if (static_cast<int>(spec.role) < 0 || static_cast<int>(spec.role) > 3) {
      return InvalidArgument("role: unknown role " + std::to_string(static_cast<int>(spec.role)));
    }
    BOKA_RETURN_IF_ERROR(validate_password(spec.password, "password"));
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto hash, detail::argon2id_hash(spec.password, impl_->auth->argon));
    StoredUser u;
    u.user.tenant = tenant;
    u.user.email = lower_ascii(spec.email);
    u.user.display_name = spec.display_name;
    u.user.role = spec.role;
    u.user.state = UserState::active;
    u.user.created_at = ops.now();
    u.user.version = 1;
    u.password_hash = std::move(hash);
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
      BOKA_ASSIGN_OR_RETURN(u.user.id, txn.insert_user(u));
      return ops.record(txn, tenant, "user_created", u.user.id, u.user.email, a.name, a.source,
                        std::string("role ") + role_name(u.user.role));
    }));
    return u.user;
  });
}

namespace {
Result<StoredUser> read_user(EngineImpl& impl, TenantId tenant, UserId id) {
  std::optional<StoredUser> u;
  BOKA_RETURN_IF_ERROR(impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(u, txn.find_user(tenant, id));
    return Status::Ok();
  }));
  if (!u) return NotFound("user " + std::to_string(id) + " not found");
  return std::move(*u);
}
}  // namespace

Result<User> Auth::get_user(const Principal& who, TenantId tenant, UserId id) {
  BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
  const bool self = a.kind == Principal::Kind::user && a.user == id && a.tenant == tenant;
  if (!self) {
    BOKA_RETURN_IF_ERROR(EngineImpl::permit(a, tenant, Permission::users_manage));
  }
  BOKA_ASSIGN_OR_RETURN(auto u, read_user(*impl_, tenant, id));
  return u.user;
}

Result<User> Auth::find_user_by_email(const Principal& who, TenantId tenant,
                                        std::string_view email) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::users_manage).status());
  const std::string key = lower_ascii(email);
  std::optional<StoredUser> u;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(u, txn.find_user_by_email(tenant, key));
    return Status::Ok();
  }));
  if (!u) return NotFound("user with that email not found in tenant " + std::to_string(tenant));
  return u->user;
}

namespace {
Status check_page(int limit) {
  if (limit < 1 || limit > 10000) {
    return InvalidArgument("limit: must be 1..10000, got " + std::to_string(limit));
  }
  return Status::Ok();
}
}  // namespace

Result<std::vector<User>> Auth::list_users(const Principal& who, TenantId tenant,
                                             UserId after_id, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::users_manage).status());
  BOKA_RETURN_IF_ERROR(check_page(limit));
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
    return Status::Ok();
  }));
  std::vector<User> out;
  for (auto& r : rows) {
    if (r.user.id <= after_id) continue;
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(r.user));
  }
  return out;
}

namespace {
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
      BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(tenant, id, ops.now(), 0));
      detail += "; " + std::to_string(n) + " sessions ended";
    }
    if (!kind.empty()) {
      BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, kind.c_str(), id, u.user.email, a.name, a.source, detail));
    }
    out = u.user;
    return Status::Ok();
  }));
  return out;
}
}  // namespace

Result<User> Auth::set_user_role(const Principal& who, TenantId tenant, UserId id, Role role) {
  return impl_->refusal_audited(who, tenant, "auth.role_changed", "user:" + std::to_string(id), [&]() -> Result<User> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
    if (static_cast<int>(role) < 0 || static_cast<int>(role) > 3) {
      return InvalidArgument("role: unknown role " + std::to_string(static_cast<int>(role)));
    }
    BOKA_RETURN_IF_ERROR(may_manage_role(a, role));
    return modify_user(*impl_, a, tenant, id,
                       [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
                         if (u.user.role == role) return Status::Ok();
                         end = static_cast<int>(role) < static_cast<int>(u.user.role);
                         kind = "role_changed";
                         detail = std::string(role_name(u.user.role)) + " -> " + role_name(role);
                         u.user.role = role;
                         return Status::Ok();
                       });
  });
}

Result<User> Auth::set_user_state(const Principal& who, TenantId tenant, UserId id,
                                    UserState state) {
  return impl_->refusal_audited(who, tenant, "auth.user_state_changed", "user:" + std::to_string(id), [&]() -> Result<User> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
    if (static_cast<int>(state) < 0 || static_cast<int>(state) > 2) {
      return InvalidArgument("state: unknown state " + std::to_string(static_cast<int>(state)));
    }
    return modify_user(*impl_, a, tenant, id,
                       [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
                         detail = std::string(user_state_name(u.user.state)) + " -> " +
                                  user_state_name(state);
                         switch (state) {
                           case UserState::active:
                             kind = u.user.state == UserState::locked ? "user_unlocked" : "user_state_changed";
                             u.user.failed_logins = 0;
                             u.user.locked_until.reset();
                             u.failure_window_start.reset();
                             u.failures_in_window = 0;
                             break;
                           case UserState::locked:  // an admin lock: until unlocked
                             kind = "user_locked";
                             u.user.locked_until.reset();
                             end = true;
                             break;
                           case UserState::disabled:
                             kind = "user_disabled";
                             end = true;
                             break;
                         }
                         u.user.state = state;
                         return Status::Ok();
                       });
  });
}

Status Auth::change_password(const Principal& who, std::string_view current,
                               std::string_view replacement) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  BOKA_RETURN_IF_ERROR(validate_password(replacement, "new_password"));
  BOKA_RETURN_IF_ERROR(ops.check_own_password(a, current, "wrong current password at password change",
                                              "current password is wrong"));
  BOKA_ASSIGN_OR_RETURN(auto hash, detail::argon2id_hash(replacement, impl_->auth->argon));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    found->password_hash = hash;
    ++found->user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(*found));
    BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(a.tenant, a.user, ops.now(), a.session));
    return ops.record(txn, a.tenant, "password_changed", a.user, found->user.email, a.name, a.source,
                      std::to_string(n) + " other sessions ended");
  });
}

// ---- login and sessions --------------------------------------------------------------------

Result<SessionGrant> Auth::login(const LoginRequest& req) {
  // Counted by result for auth_logins_total.
  auto result = [&]() -> Result<SessionGrant> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_RETURN_IF_ERROR(validate_text(req.source, "source", 100));
    const std::string email = lower_ascii(req.email);
    const bool sane = req.tenant > 0 && validate_email(email).ok() &&
                      req.password.size() <= kMaxPasswordBytes;
    // 1. Reserve the attempt under the user's row lock (AuthOps::reserve_attempt).
    AuthOps::Attempt attempt;
    if (sane) {
      BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
        attempt = AuthOps::Attempt{};
        BOKA_ASSIGN_OR_RETURN(auto tenant, txn.find_tenant(req.tenant));
        if (!tenant) return Status::Ok();  // nothing to record in a tenant that does not exist
        BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user_by_email(req.tenant, email));
        if (!found) {
          return ops.record(txn, req.tenant, "login_failed", 0, email, "", req.source, "unknown email");
        }
        return ops.reserve_attempt(txn, std::move(*found), req.source, "login", attempt);
      }));
    }
    if (!attempt.admitted) {
      ops.burn_one_hash(req.password.substr(0, kMaxPasswordBytes));
      return Unauthenticated(kBadLogin);
    }
    // 2. Verify the password outside any transaction.
    BOKA_ASSIGN_OR_RETURN(bool right, detail::argon2id_verify(req.password, attempt.user.password_hash));
    const UserId id = attempt.user.user.id;
    if (!right) {
      BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
        return ops.settle_failure(txn, attempt, req.source, "wrong password");
      }));
      return Unauthenticated(kBadLogin);
    }
    std::string rehash;
    if (ops.needs_rehash(attempt.user.password_hash)) {
      BOKA_ASSIGN_OR_RETURN(rehash, detail::argon2id_hash(req.password, impl_->auth->argon));
    }
    // 3. Settle the attempt, check the second factor and start the session, all under the
    // row lock, so one TOTP step or recovery code opens at most one session.
    SessionGrant grant;
    Status mfa_result;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
      mfa_result = Status::Ok();
      BOKA_ASSIGN_OR_RETURN(auto again, txn.find_user(req.tenant, id));
      if (!again) return Unauthenticated(kBadLogin);
      StoredUser u = std::move(*again);
      if (!AuthOps::may_complete(u)) return Unauthenticated(kBadLogin);  // disabled meanwhile
      ops.settle_success(u);
      const bool has_mfa = !u.totp_secret.empty();
      bool passed = false;
      if (has_mfa && !req.mfa_code.empty()) {
        mfa_result = ops.check_mfa_code(txn, u, req.mfa_code, req.source, "user:" + std::to_string(id));
        if (store_failed(mfa_result)) {
          return mfa_result;
        }
        passed = mfa_result.ok();
      }
      if (!rehash.empty()) u.password_hash = rehash;
      if (mfa_result.ok()) {
        u.user.last_login_at = ops.now();
        BOKA_RETURN_IF_ERROR(ops.start_session(txn, u, passed, has_mfa && !passed, req.source,
                                               std::nullopt, grant));
        BOKA_RETURN_IF_ERROR(ops.record(txn, req.tenant, "login_succeeded", id, u.user.email,
                                        grant.principal.name(), req.source,
                                        passed ? "with MFA" : has_mfa ? "MFA pending" : "password"));
      }
      ++u.user.version;
      return txn.update_user(u);  // commits the MFA failure counters too
    }));
    BOKA_RETURN_IF_ERROR(mfa_result);
    return grant;
  }();
  auto& logins = impl_->metrics->logins;
  if (result.ok()) {
    logins[result->session.mfa_pending ? 1 : 0]->inc();
  } else if (result.status().code() == Code::unauthenticated) {
    logins[2]->inc();
  } else if (result.status().code() == Code::rate_limited) {
    logins[3]->inc();
  }
  return result;
}

namespace {
// The live session and its enabled user for `token`, or unauthenticated.
Status find_token(StorageTransaction& txn, std::string_view token, Instant now,
                  std::optional<StoredSession>& session, std::optional<StoredUser>& user) {
  if (token.empty() || token.size() > 200) return Unauthenticated(kBadSession);
  BOKA_ASSIGN_OR_RETURN(session, txn.find_session_by_token(detail::sha256_hex(token)));
  if (!session || !session_live(*session, now)) return Unauthenticated(kBadSession);
  BOKA_ASSIGN_OR_RETURN(user, txn.find_user(session->session.tenant, session->session.user));
  if (!user || user->user.state == UserState::disabled) return Unauthenticated(kBadSession);
  return Status::Ok();
}
}  // namespace

Result<SessionGrant> Auth::verify_mfa(std::string_view token, std::string_view code,
                                        std::string_view source) {
  // Counted by result for auth_mfa_verifications_total.
  auto outcome = [&]() -> Result<SessionGrant> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_RETURN_IF_ERROR(validate_text(source, "source", 100));
    if (code.empty() || code.size() > 32) return Unauthenticated(kBadCode);
    std::optional<StoredSession> session;
    std::optional<StoredUser> user;
    BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
      return find_token(txn, token, ops.now(), session, user);
    }));
    if (user->totp_secret.empty()) {
      return ConflictError("MFA is not enabled for this user; enrol first");
    }
    const TenantId tenant = session->session.tenant;
    SessionGrant grant;
    Status result;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      result = Status::Ok();
      std::optional<StoredSession> s;
      std::optional<StoredUser> u;
      BOKA_RETURN_IF_ERROR(find_token(txn, token, ops.now(), s, u));
      const std::string actor = "user:" + std::to_string(u->user.id);
      result = ops.check_mfa_code(txn, *u, code, source, actor);
      if (store_failed(result)) {
        return result;
      }
      if (result.ok()) {
        s->revoked_at = ops.now();
        BOKA_RETURN_IF_ERROR(txn.update_session(*s));
        // Step-up never extends the absolute lifetime of the login.
        BOKA_RETURN_IF_ERROR(ops.start_session(txn, *u, true, false,
                                               source.empty() ? s->session.source : source,
                                               s->session.absolute_expires_at, grant));
        BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, "mfa_verified", u->user.id, u->user.email,
                                        actor, source, "new session " + std::to_string(grant.session.id)));
      }
      ++u->user.version;
      return txn.update_user(*u);
    }));
    BOKA_RETURN_IF_ERROR(result);
    return grant;
  }();
  if (outcome.ok()) {
    impl_->metrics->mfa_checks[0]->inc();
  } else if (outcome.status().code() == Code::unauthenticated ||
             outcome.status().code() == Code::rate_limited) {
    impl_->metrics->mfa_checks[1]->inc();
  }
  return outcome;
}

Result<Principal> Auth::authenticate_session(std::string_view token) {
  AuthOps ops{*impl_, *impl_->auth};
  std::optional<StoredSession> session;
  std::optional<StoredUser> user;
  const Instant t = ops.now();
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
    return find_token(txn, token, t, session, user);
  }));
  // In read-only mode the session still authenticates; its idle expiry is not extended.
  if (t - session->session.last_seen_at >= Seconds(kTouchEvery) &&
      !impl_->read_only->on.load(std::memory_order_relaxed)) {
    const TenantId tenant = session->session.tenant;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(session->session.id));
      if (!s || !session_live(*s, t)) return Unauthenticated(kBadSession);
      s->session.last_seen_at = t;
      s->session.idle_expires_at =
          std::min(t + Seconds(s->idle_seconds), s->session.absolute_expires_at);
      return txn.update_session(*s);
    }));
  }
  return PrincipalFactory::user(session->session.tenant, session->session.user,
                                session->session.id);
}

Status Auth::logout(const Principal& who) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, true));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(a.session));
    if (!s) return Unauthenticated(kBadSession);
    s->revoked_at = ops.now();
    BOKA_RETURN_IF_ERROR(txn.update_session(*s));
    return ops.record(txn, a.tenant, "logout", a.user, "", a.name, s->session.source,
                      "session " + std::to_string(a.session));
  });
}

namespace {
// A user may act on their own sessions; anyone else needs users:manage in the tenant.
Status may_touch_sessions_of(const Actor& a, TenantId tenant, UserId user) {
  if (a.kind == Principal::Kind::user && a.tenant == tenant && user == a.user && a.permissions != 0) {
    return Status::Ok();
  }
  return EngineImpl::permit(a, tenant, Permission::users_manage);
}
bool is_self(const Actor& a, TenantId tenant, UserId user) {
  return a.kind == Principal::Kind::user && a.tenant == tenant && a.user == user;
}
}  // namespace

Result<std::vector<Session>> Auth::list_sessions(const Principal& who, TenantId tenant,
                                                   UserId user) {
  BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
  BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, user == 0 ? -1 : user));
  std::vector<StoredSession> rows;
  std::unordered_map<UserId, Role> roles;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_sessions(tenant, user));
    if (!is_self(a, tenant, user)) {
      BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(tenant));
      for (const StoredUser& u : users) roles[u.user.id] = u.user.role;
    }
    return Status::Ok();
  }));
  // The same rule as for changing a user: only a superadmin sees admins' sessions.
  auto manageable = [&](UserId id) {
    if (is_self(a, tenant, id)) return Status::Ok();
    auto role = roles.find(id);
    return may_manage_role(a, role == roles.end() ? Role::superadmin : role->second);
  };
  if (user != 0) BOKA_RETURN_IF_ERROR(manageable(user));
  const Instant t = impl_->clock->now();
  std::vector<Session> out;
  for (auto& r : rows) {
    if (session_live(r, t) && manageable(r.session.user).ok()) out.push_back(std::move(r.session));
  }
  return out;
}

Status Auth::end_session(const Principal& who, TenantId tenant, SessionId session) {
  return impl_->refusal_audited(who, tenant, "auth.session_ended", "session:" + std::to_string(session), [&]() -> Status {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
    return ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(session));
      if (!s || s->session.tenant != tenant) {
        BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, -1));
        return NotFound("session " + std::to_string(session) + " not found");
      }
      BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, s->session.user));
      if (!is_self(a, tenant, s->session.user)) {
        BOKA_ASSIGN_OR_RETURN(auto owner, txn.find_user(tenant, s->session.user));
        if (owner) BOKA_RETURN_IF_ERROR(may_manage_role(a, owner->user.role));
      }
      if (s->revoked_at) return Status::Ok();
      s->revoked_at = ops.now();
      BOKA_RETURN_IF_ERROR(txn.update_session(*s));
      return ops.record(txn, tenant, "session_ended", s->session.user, "", a.name, a.source,
                        "session " + std::to_string(session));
    });
  });
}

Result<std::int64_t> Auth::end_user_sessions(const Principal& who, TenantId tenant, UserId user) {
  return impl_->refusal_audited(who, tenant, "auth.sessions_ended", "user:" + std::to_string(user), [&]() -> Result<std::int64_t> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
    BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, user));
    std::int64_t n = 0;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto u, txn.find_user(tenant, user));
      if (!u) return NotFound("user " + std::to_string(user) + " not found");
      if (a.user != user) {
        BOKA_RETURN_IF_ERROR(may_manage_role(a, u->user.role));
      }
      BOKA_ASSIGN_OR_RETURN(n, txn.revoke_sessions(tenant, user, ops.now(), 0));
      return ops.record(txn, tenant, "sessions_ended", user, u->user.email, a.name, a.source,
                        std::to_string(n) + " sessions");
    }));
    return n;
  });
}

Result<std::int64_t> Auth::force_logout_all(const Principal& who, TenantId tenant) {
  return impl_->refusal_audited(who, tenant, "auth.force_logout", "", [&]() -> Result<std::int64_t> {
    AuthOps ops{*impl_, *impl_->auth};
    // tenant 0: every tenant, which only a principal acting across tenants may ask for.
    BOKA_ASSIGN_OR_RETURN(auto a, tenant == 0 ? impl_->authorize_global(who, Permission::users_manage)
                                              : impl_->authorize(who, tenant, Permission::users_manage));
    std::int64_t n = 0;
    const TxnScope scope = tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(tenant);
    BOKA_RETURN_IF_ERROR(impl_->storage->write(WriteIntent(scope), [&](StorageTransaction& txn) -> Status {
      if (a.role == Role::superadmin) {
        BOKA_ASSIGN_OR_RETURN(n, txn.revoke_sessions(tenant, 0, ops.now(), a.session));
      } else {
        // Below superadmin, the same rule as for changing a user: the sessions of users the
        // actor may manage, and the actor's own other sessions.
        n = 0;
        BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(tenant));
        for (const StoredUser& u : users) {
          if (!may_manage_role(a, u.user.role).ok() && !is_self(a, tenant, u.user.id)) continue;
          BOKA_ASSIGN_OR_RETURN(auto ended, txn.revoke_sessions(tenant, u.user.id, ops.now(), a.session));
          n += ended;
        }
      }
      std::vector<TenantId> tenants;
      if (tenant != 0) {
        tenants.push_back(tenant);
      } else {
        BOKA_ASSIGN_OR_RETURN(auto all, txn.list_tenants());
        for (const Tenant& t : all) tenants.push_back(t.id);
      }
      for (TenantId t : tenants) {
        BOKA_RETURN_IF_ERROR(ops.record(txn, t, "force_logout", 0, "", a.name, a.source,
                                        tenant == 0 ? "every tenant" : "this tenant"));
      }
      return Status::Ok();
    }));
    return n;
  });
}

Result<std::int64_t> Auth::cleanup_sessions(const Principal& who, int limit) {
  return impl_->refusal_audited(who, 0, "auth.sessions_cleaned", "", [&]() -> Result<std::int64_t> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize_global(who, Permission::system_operations));
    if (limit < 1 || limit > 1000000) return InvalidArgument("limit: must be 1..1000000");
    std::int64_t n = 0;
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_RETURN_IF_ERROR(impl_->storage->write(WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(n, txn.delete_dead_sessions(impl_->clock->now(), limit));
      if (n == 0) return Status::Ok();  // nothing changed, nothing to record
      return ops.record(txn, 0, "sessions_cleaned", 0, "", a.name, a.source,
                        std::to_string(n) + " expired or revoked sessions deleted");
    }));
    return n;
  });
}

Result<std::int64_t> Auth::count_active_sessions(const Principal& who) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  std::int64_t n = 0;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(n, txn.count_live_sessions(impl_->clock->now()));
    return Status::Ok();
  }));
  return n;
}

// ---- TOTP ------------------------------------------------------------------------------------

Result<TotpEnrollment> Auth::begin_totp_enrollment(const Principal& who) {
  return impl_->refusal_audited(who, who.tenant(), "auth.mfa_enrollment_started", "user:" + std::to_string(who.user()), [&]() -> Result<TotpEnrollment> {
    AuthOps ops{*impl_, *impl_->auth};
    if (impl_->auth->box.empty()) {
      return NotSupported("MFA needs an encryption key: set AuthOptions::encryption_key");
    }
    BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
    BOKA_ASSIGN_OR_RETURN(auto secret, detail::random_bytes(20));
    TotpEnrollment out;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto u, txn.find_user(a.tenant, a.user));
      if (!u) return Unauthenticated(kBadSession);
      if (!u->totp_secret.empty()) return ConflictError("MFA is already enabled; disable it first");
      BOKA_ASSIGN_OR_RETURN(u->totp_pending, impl_->auth->box.seal(secret, totp_associated(a.user)));
      ++u->user.version;
      BOKA_RETURN_IF_ERROR(txn.update_user(*u));
      out.secret_base32 = detail::base32_encode(secret);
      out.provisioning_uri = detail::totp_provisioning_uri(impl_->auth->options.totp_issuer,
                                                           u->user.email, secret);
      return ops.record(txn, a.tenant, "mfa_enrollment_started", a.user, u->user.email, a.name, a.source, "");
    }));
    return out;
  });
}

Result<MfaEnabled> Auth::confirm_totp_enrollment(const Principal& who, std::string_view code) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  std::vector<std::string> codes;
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    BOKA_ASSIGN_OR_RETURN(auto raw, detail::random_bytes(kRecoveryCodeBytes));
    codes.push_back(format_recovery_code(raw));
    hashes.push_back(detail::sha256_hex(normalize_recovery_code(codes.back())));
  }
  MfaEnabled out;
  Status result;
  BOKA_RETURN_IF_ERROR(ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    result = Status::Ok();
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    StoredUser u = std::move(*found);
    if (u.totp_pending.empty()) return ConflictError("no MFA enrolment in progress; begin one first");
    // Check the code against the pending secret with the same replay and failure rules.
    StoredUser trial = u;
    trial.totp_secret = u.totp_pending;
    trial.recovery_code_hashes.clear();  // a recovery code cannot confirm an enrolment
    result = ops.check_mfa_code(txn, trial, code, a.source, a.name);
    if (store_failed(result)) {
      return result;
    }
    u.totp_failures = trial.totp_failures;
    u.totp_locked_until = trial.totp_locked_until;
    if (result.ok()) {
      u.totp_secret = u.totp_pending;
      u.totp_pending.clear();
      u.totp_last_step = trial.totp_last_step;
      u.recovery_code_hashes = hashes;
      u.user.mfa_enabled = true;
      BOKA_RETURN_IF_ERROR(txn.revoke_sessions(a.tenant, a.user, ops.now(), 0).status());
      BOKA_RETURN_IF_ERROR(ops.start_session(txn, u, true, false, a.source, std::nullopt, out.session));
      BOKA_RETURN_IF_ERROR(ops.record(txn, a.tenant, "mfa_enabled", a.user, u.user.email, a.name,
                                      a.source, "other sessions ended"));
    }
    ++u.user.version;
    return txn.update_user(u);
  }));
  BOKA_RETURN_IF_ERROR(result);
  out.recovery_codes = std::move(codes);
  return out;
}

Status Auth::disable_totp(const Principal& who, std::string_view password) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  BOKA_ASSIGN_OR_RETURN(auto u, ops.self(a));
  if (u.totp_secret.empty()) return ConflictError("MFA is not enabled");
  BOKA_RETURN_IF_ERROR(ops.check_own_password(a, password, "wrong password at MFA removal",
                                              "password is wrong"));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    found->totp_secret.clear();
    found->totp_pending.clear();
    found->recovery_code_hashes.clear();
    found->totp_failures = 0;
    found->totp_locked_until.reset();
    found->user.mfa_enabled = false;
    ++found->user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(*found));
    BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(a.tenant, a.user, ops.now(), 0));
    return ops.record(txn, a.tenant, "mfa_disabled", a.user, found->user.email, a.name, a.source,
                      std::to_string(n) + " sessions ended");
  });
}

// ---- API keys ------------------------------------------------------------------------------

namespace {
Result<CreatedApiKey> insert_key(AuthOps& ops, const Actor& a, TenantId tenant, ApiKey info,
                                 const char* event) {
  BOKA_ASSIGN_OR_RETURN(auto raw, detail::random_bytes(32));
  // The secret part is fixed before the id exists; the key text adds the id and checksum.
  const std::string sample = detail::format_api_key(1, raw);
  auto parsed = detail::parse_api_key(sample);
  if (!parsed) return InternalError("API key formatting failed");
  StoredApiKey row;
  row.key = std::move(info);
  row.key.tenant = tenant;
  row.key.created_at = ops.now();
  row.secret_hash = detail::sha256_hex(parsed->secret);
  CreatedApiKey out;
  BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_RETURN_IF_ERROR(ops.impl.check_tenant_exists(txn, tenant));
    BOKA_ASSIGN_OR_RETURN(row.key.id, txn.insert_api_key(row));
    std::string detail = "key " + std::to_string(row.key.id) + " \"" + row.key.name + "\"";
    if (row.key.expires_at) detail += ", expires " + format_utc(*row.key.expires_at);
    return ops.record(txn, tenant, event, a.user, "", a.name, a.source, detail);
  }));
  out.key = detail::format_api_key(row.key.id, raw);
  out.info = row.key;
  return out;
}
}  // namespace

Result<CreatedApiKey> Auth::create_api_key(const Principal& who, TenantId tenant,
                                             const NewApiKey& spec) {
  return impl_->refusal_audited(who, tenant, "auth.api_key_created", "", [&]() -> Result<CreatedApiKey> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::keys_manage));
    if (spec.name.empty()) return InvalidArgument("name: must not be empty");
    BOKA_RETURN_IF_ERROR(validate_text(spec.name, "name", 200));
    if (spec.scopes == 0) return InvalidArgument("scopes: must name at least one permission");
    if (spec.scopes & ~kAllPermissions) return InvalidArgument("scopes: contains unknown permission bits");
    if (const PermissionSet beyond = spec.scopes & ~a.permissions) {
      return PermissionDenied("scopes: " + a.name + " does not hold " +
                              permission_names(beyond).front() +
                              " and cannot grant it");
    }
    if (spec.expires_in && (spec.expires_in->count() <= 0 || spec.expires_in->count() > 10LL * 366 * 86400)) {
      return InvalidArgument("expires_in: must be 1 s..10 years");
    }
    ApiKey info;
    info.created_by = a.kind == Principal::Kind::system ? 0 : a.user;
    info.created_by_tenant = info.created_by == 0 ? 0 : a.user_tenant;
    info.parent = a.api_key;  // a key made with a key dies with it
    info.name = spec.name;
    info.scopes = spec.scopes;
    info.role = a.role;
    if (spec.expires_in) info.expires_at = ops.now() + *spec.expires_in;
    return insert_key(ops, a, tenant, std::move(info), "api_key_created");
  });
}

Result<std::vector<ApiKey>> Auth::list_api_keys(const Principal& who, TenantId tenant,
                                                  ApiKeyId after_id, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::keys_manage).status());
  BOKA_RETURN_IF_ERROR(check_page(limit));
  std::vector<StoredApiKey> rows;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_api_keys(tenant));
    return Status::Ok();
  }));
  std::vector<ApiKey> out;
  for (auto& r : rows) {
    if (r.key.id <= after_id) continue;
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(r.key));
  }
  return out;
}

Result<ApiKey> Auth::revoke_api_key(const Principal& who, TenantId tenant, ApiKeyId id) {
  return impl_->refusal_audited(who, tenant, "auth.api_key_revoked", "api_key:" + std::to_string(id), [&]() -> Result<ApiKey> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::keys_manage));
    ApiKey out;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto k, txn.find_api_key(id));
      if (!k || k->key.tenant != tenant) return NotFound("API key " + std::to_string(id) + " not found");
      if (!k->key.revoked_at) {
        const Instant t = ops.now();
        k->key.revoked_at = t;
        BOKA_RETURN_IF_ERROR(txn.update_api_key(*k));
        BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, "api_key_revoked", k->key.created_by, "",
                                        a.name, a.source, "key " + std::to_string(id)));
        // Every key created with it, transitively, in this tenant. (Children in other
        // tenants are refused at use by the ancestor check in verify.)
        BOKA_ASSIGN_OR_RETURN(auto all, txn.list_api_keys(tenant));
        std::unordered_set<ApiKeyId> revoked{id};
        for (bool grew = true; grew;) {
          grew = false;
          for (StoredApiKey& child : all) {
            if (child.key.parent == 0 || !revoked.count(child.key.parent) ||
                revoked.count(child.key.id)) {
              continue;
            }
            revoked.insert(child.key.id);
            grew = true;
            if (child.key.revoked_at) continue;
            child.key.revoked_at = t;
            BOKA_RETURN_IF_ERROR(txn.update_api_key(child));
            BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, "api_key_revoked", child.key.created_by, "",
                                            a.name, a.source,
                                            "key " + std::to_string(child.key.id) + " with its parent key " +
                                                std::to_string(child.key.parent)));
          }
        }
      }
      out = k->key;
      return Status::Ok();
    }));
    return out;
  });
}

Result<Principal> Auth::authenticate_api_key(std::string_view key, std::string_view source) {
  AuthOps ops{*impl_, *impl_->auth};
  auto parsed = detail::parse_api_key(key);
  if (!parsed) return Unauthenticated(kBadKey);  // mistyped: refused before any lookup
  const std::string digest = detail::sha256_hex(parsed->secret);
  std::optional<StoredApiKey> row;
  std::optional<StoredUser> creator;
  const Instant t = ops.now();
  bool chain_live = false;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(row, txn.find_api_key(parsed->id));
    if (row) {
      BOKA_ASSIGN_OR_RETURN(chain_live, ancestors_unrevoked(txn, row->key));
    }
    if (row && row->key.created_by != 0) {
      BOKA_ASSIGN_OR_RETURN(creator, txn.find_user(creator_tenant(row->key), row->key.created_by));
    }
    return Status::Ok();
  }));
  if (!row || !detail::constant_time_equal(row->secret_hash, digest) || !key_live(*row, t) ||
      !chain_live) {
    return Unauthenticated(kBadKey);
  }
  if (row->key.created_by != 0 && !creator_may_act(creator, t)) {
    return Unauthenticated(kBadKey);
  }
  // last_used_at is written at most once a minute; an emergency key's every use is recorded.
  // In read-only mode last_used_at is not written, but an emergency key, whose every use
  // must be recorded, is refused (the write fails with unavailable).
  const bool writable = !impl_->read_only->on.load(std::memory_order_relaxed);
  if (row->key.emergency ||
      (writable && (!row->key.last_used_at || t - *row->key.last_used_at >= Seconds(kTouchEvery)))) {
    const TenantId tenant = row->key.tenant;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto k, txn.find_api_key(row->key.id));
      if (!k || !key_live(*k, t)) return Unauthenticated(kBadKey);
      k->key.last_used_at = t;
      BOKA_RETURN_IF_ERROR(txn.update_api_key(*k));
      if (k->key.emergency) {  // every use of an emergency key is on the record
        return ops.record(txn, tenant, "emergency_key_used", k->key.created_by, "",
                          "api_key:" + std::to_string(k->key.id), source, "");
      }
      return Status::Ok();
    }));
  }
  return PrincipalFactory::api_key(row->key.tenant, row->key.created_by, row->key.id);
}

Result<CreatedApiKey> Auth::generate_emergency_key(const Principal& who, TenantId tenant,
                                                     std::optional<Seconds> lifetime) {
  return impl_->refusal_audited(who, tenant, "auth.emergency_key_created", "", [&]() -> Result<CreatedApiKey> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::system_operations));
    if (a.kind == Principal::Kind::api_key) {
      return PermissionDenied(a.name + ": an API key cannot mint an emergency key");
    }
    const Seconds life = lifetime.value_or(impl_->auth->options.emergency_key_lifetime);
    if (life.count() <= 0 || life.count() > 86400) return InvalidArgument("lifetime: must be 1 s..24 h");
    ApiKey info;
    info.created_by = a.kind == Principal::Kind::system ? 0 : a.user;
    info.created_by_tenant = info.created_by == 0 ? 0 : a.user_tenant;
    info.name = "emergency";
    info.scopes = kAllPermissions;
    info.role = Role::superadmin;
    info.emergency = true;
    info.expires_at = ops.now() + life;
    return insert_key(ops, a, tenant, std::move(info), "emergency_key_created");
  });
}

// ---- encryption key rotation ---------------------------------------------------------------

Result<KeyRotation> Auth::rotate_encryption_key(const Principal& who, int limit) {
  return impl_->refusal_audited(who, 0, "auth.encryption_key_rotated", "", [&]() -> Result<KeyRotation> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize_global(who, Permission::system_operations));
    if (limit < 1 || limit > 100000) return InvalidArgument("limit: must be 1..100000");
    const detail::SecretBox& box = impl_->auth->box;
    if (box.empty()) {
      return NotSupported("no encryption key is configured: set AuthOptions::encryption_key");
    }
    AuthOps ops{*impl_, *impl_->auth};
    KeyRotation out;
    out.key_id = box.current_key_id();
    auto stale = [&](const StoredUser& u) {
      const auto old = [&](const std::string& sealed) {
        return !sealed.empty() && detail::SecretBox::key_id_of(sealed) != out.key_id;
      };
      return old(u.totp_secret) || old(u.totp_pending);
    };
    // Which users need it, per tenant (read), then each tenant's batch in one write that
    // re-reads and locks every row it changes.
    std::vector<std::pair<TenantId, std::vector<UserId>>> work;
    BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
      work.clear();
      out.remaining = 0;
      BOKA_ASSIGN_OR_RETURN(auto tenants, txn.list_tenants());
      std::int64_t taken = 0;
      for (const Tenant& t : tenants) {
        BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(t.id));
        std::vector<UserId> ids;
        for (const StoredUser& u : users) {
          if (!stale(u)) continue;
          if (taken < limit) {
            ids.push_back(u.user.id);
            ++taken;
          } else {
            ++out.remaining;
          }
        }
        if (!ids.empty()) work.emplace_back(t.id, std::move(ids));
      }
      return Status::Ok();
    }));
    for (const auto& [tenant, ids] : work) {
      std::int64_t done = 0;
      BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
        done = 0;
        for (UserId id : ids) {
          BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(tenant, id));
          if (!found || !stale(*found)) continue;  // changed meanwhile
          const std::string associated = totp_associated(id);
          for (std::string* sealed : {&found->totp_secret, &found->totp_pending}) {
            if (sealed->empty() || detail::SecretBox::key_id_of(*sealed) == out.key_id) continue;
            BOKA_ASSIGN_OR_RETURN(auto plain, box.open(*sealed, associated));
            BOKA_ASSIGN_OR_RETURN(*sealed, box.seal(plain, associated));
          }
          ++found->user.version;
          BOKA_RETURN_IF_ERROR(txn.update_user(*found));
          ++done;
        }
        if (done == 0) return Status::Ok();
        return ops.record(txn, tenant, "encryption_key_rotated", 0, "", a.name, a.source,
                          std::to_string(done) + " users' TOTP secrets re-sealed under key " +
                              out.key_id);
      }));
      out.resealed += done;
    }
    return out;
  });
}

// ---- reports -------------------------------------------------------------------------------

Result<std::vector<User>> Auth::locked_accounts(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::security_read).status());
  AuthOps ops{*impl_, *impl_->auth};
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
    return Status::Ok();
  }));
  std::vector<User> out;
  for (StoredUser& u : rows) {
    ops.reset_if_quiet(u);  // an automatic lock past the quiet period has lapsed
    if (u.user.state == UserState::locked) out.push_back(std::move(u.user));
  }
  return out;
}

Result<MfaStats> Auth::mfa_stats(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::security_read).status());
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
    return Status::Ok();
  }));
  MfaStats stats;
  for (int r = 0; r <= 3; ++r) stats.by_role.push_back(MfaStats::PerRole{static_cast<Role>(r), 0, 0});
  for (const StoredUser& u : rows) {
    if (u.user.state == UserState::disabled) continue;
    auto& slot = stats.by_role[static_cast<std::size_t>(u.user.role)];
    if (u.user.mfa_enabled) {
      ++slot.with_mfa;
      ++stats.with_mfa;
    } else {
      ++slot.without_mfa;
      ++stats.without_mfa;
    }
  }
  return stats;
}

Result<std::vector<User>> Auth::list_admins(const Principal& who, TenantId tenant) {
  // tenant 0: every tenant, which only a principal acting across tenants may ask for.
  BOKA_RETURN_IF_ERROR((tenant == 0 ? impl_->authorize_global(who, Permission::users_manage)
                                     : impl_->authorize(who, tenant, Permission::users_manage))
                           .status());
  std::vector<StoredUser> rows;
  const TxnScope scope = tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(tenant);
  BOKA_RETURN_IF_ERROR(impl_->storage->read(scope, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_users_with_role(Role::admin));
    return Status::Ok();
  }));
  std::vector<User> out;
  for (auto& r : rows) {
    if (tenant == 0 || r.user.tenant == tenant) out.push_back(std::move(r.user));
  }
  return out;
}

Result<User> Auth::revoke_admin(const Principal& who, TenantId tenant, UserId id) {
  return impl_->refusal_audited(who, tenant, "auth.admin_revoked", "user:" + std::to_string(id), [&]() -> Result<User> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
    if (a.role != Role::superadmin) return PermissionDenied(a.name + ": only a superadmin revokes admins");
    return modify_user(*impl_, a, tenant, id,
                       [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
                         if (!is_admin(u.user.role)) {
                           return ConflictError("user " + std::to_string(id) + " is " +
                                                role_name(u.user.role) + ", not an admin");
                         }
                         kind = "admin_revoked";
                         detail = std::string(role_name(u.user.role)) + " -> staff";
                         u.user.role = Role::staff;
                         end = true;
                         return Status::Ok();
                       });
  });
}

}  // namespace boka
