// boka/auth.hpp: users, sessions, TOTP MFA, API keys and the security reports.
//
// An embedder either lets boka authenticate (passwords, sessions, MFA, keys: the types
// here and the Engine calls that take them), or authenticates on its own and passes
// Principal::system() to every call. docs/auth.md is the guide; this header is the
// reference. Every type here is a plain value: no secrets (password hashes, token hashes,
// TOTP secrets) ever appear in them, except the one-time outputs marked "shown once".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boka/audit.hpp"
#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/time.hpp"

namespace boka {

// active: may log in. locked: too many failed logins (until locked_until, or until an
// admin unlocks it when locked_until is unset). disabled: may not log in at all.
enum class UserState : int { active = 0, locked = 1, disabled = 2 };
const char* user_state_name(UserState state) noexcept;
bool parse_user_state(std::string_view name, UserState* out) noexcept;

struct User {
  UserId id = 0;
  TenantId tenant = 0;
  std::string email;         // stored lower-cased; unique in its tenant
  std::string display_name;  // 0..200 bytes
  Role role = Role::customer;
  UserState state = UserState::active;
  bool mfa_enabled = false;
  Instant created_at{};
  std::optional<Instant> last_login_at;
  int failed_logins = 0;                  // since the last success, reset after a quiet period
  std::optional<Instant> last_failed_login_at;
  std::optional<Instant> locked_until;    // state locked: when a login may be tried again
  std::int64_t version = 0;
};

struct NewUser {
  std::string email;          // 3..254 bytes, one '@', no spaces or control characters
  std::string display_name;
  Role role = Role::customer;
  std::string password;       // 12..128 characters (code points) of valid UTF-8
};

// One login session. The token itself is never stored (only its SHA-256).
struct Session {
  SessionId id = 0;
  TenantId tenant = 0;
  UserId user = 0;
  Instant created_at{};
  Instant last_seen_at{};
  Instant idle_expires_at{};      // last activity + the idle timeout of the user's role
  Instant absolute_expires_at{};  // created + the absolute timeout
  bool mfa_passed = false;        // the user proved a second factor in this session
  bool mfa_pending = false;       // the user has MFA and has not passed it yet: the session
                                  // can only complete MFA (verify_mfa) or log out
  std::string source;             // client address given at login, or ""
};

// What login and verify_mfa return.
struct SessionGrant {
  std::string token;  // shown once: 43 characters of base64url (32 random bytes)
  Session session;
  Principal principal = Principal::system();  // the user, as this session
};

struct LoginRequest {
  TenantId tenant = 0;
  std::string email;
  std::string password;
  // Optional: a TOTP code or a recovery code, to pass MFA in the same call. Without it a
  // user with MFA gets an mfa_pending session and must call verify_mfa.
  std::string mfa_code;
  std::string source;  // client address, for the security log (0..100 bytes)
};

struct TotpEnrollment {
  std::string secret_base32;     // shown once: 20 random bytes, RFC 4648 base32
  std::string provisioning_uri;  // otpauth://totp/Issuer:email?secret=...&issuer=...
};

struct MfaEnabled {
  std::vector<std::string> recovery_codes;  // shown once: 10 single-use codes
  SessionGrant session;                     // a new session that has passed MFA
};

// A key acts with the smaller of its role and its creator's current role, and stops working
// when its creator is disabled or locked (an automatic lockout only while it lasts), when
// it expires, and when it or the key that created it is revoked (revocation cascades to
// every key created with it, transitively).
struct ApiKey {
  ApiKeyId id = 0;
  TenantId tenant = 0;               // the tenant the key acts in
  UserId created_by = 0;             // 0: created by the system principal
  TenantId created_by_tenant = 0;    // the creator's tenant (a superadmin may create keys in
                                     // other tenants); 0 with created_by 0
  ApiKeyId parent = 0;               // the key this key was created with, or 0
  std::string name;                  // 1..200 bytes, for people
  PermissionSet scopes = 0;
  Role role = Role::customer;        // the ceiling: the creator's role at creation
  Instant created_at{};
  std::optional<Instant> expires_at;
  std::optional<Instant> last_used_at;  // updated at most once a minute
  std::optional<Instant> revoked_at;
  bool emergency = false;            // an emergency superadmin key
};

struct NewApiKey {
  std::string name;
  PermissionSet scopes = 0;            // non-empty; within the creator's permissions
  std::optional<Seconds> expires_in;   // unset: never expires
};

struct CreatedApiKey {
  std::string key;  // shown once: "boka_<id>_<secret><check>"
  ApiKey info;
};

// What Engine::rotate_encryption_key did.
struct KeyRotation {
  std::string key_id;            // the current key, which everything re-sealed is now under
  std::int64_t resealed = 0;     // users whose secrets this call re-sealed
  std::int64_t remaining = 0;    // users with a secret under another key still
};

// A security event (login success/failure, lockout, MFA, sessions, keys). Never holds a
// secret. Kinds are stable strings, listed in docs/auth.md.
struct SecurityEvent {
  std::int64_t id = 0;
  TenantId tenant = 0;
  Instant at{};
  std::string kind;     // "login_failed", "lockout", "mfa_failed", ...
  UserId user = 0;      // 0 when unknown (a login attempt for an unknown email)
  std::string email;    // the login name involved, or ""
  std::string actor;    // Principal::name() of who acted, or "" for anonymous attempts
  std::string source;   // client address, or ""
  std::string detail;   // short human-readable detail, no secrets
  // The audit outcome: success, or how an attempt failed or was refused (a denied
  // force_logout is recorded with this kind too, as denied).
  AuditOutcome outcome = AuditOutcome::success;
};

struct MfaStats {
  struct PerRole {
    Role role = Role::customer;
    std::int64_t with_mfa = 0;
    std::int64_t without_mfa = 0;
  };
  std::vector<PerRole> by_role;  // one entry per role, customer first
  std::int64_t with_mfa = 0;     // totals over active and locked users (not disabled)
  std::int64_t without_mfa = 0;
};

// Authentication policy. The defaults follow OWASP ASVS level 2.
struct AuthOptions {
  // Argon2id cost for new password hashes. Stored hashes with a lower cost are re-hashed
  // at the next successful login.
  std::uint32_t argon2_memory_kib = 19456;
  std::uint32_t argon2_iterations = 2;
  std::uint32_t argon2_parallelism = 1;

  int lockout_threshold = 5;                   // failures before waits start
  Seconds lockout_initial_wait{1};             // doubles per further failure
  Seconds lockout_max_wait{900};
  Seconds failure_reset_after{12 * 3600};      // quiet period that resets the counter
  int max_failures_per_hour = 100;             // hard cap per account

  Seconds session_idle{30 * 60};
  Seconds session_absolute{12 * 3600};
  Seconds admin_session_idle{15 * 60};         // admin and superadmin
  Seconds admin_session_absolute{12 * 3600};

  std::string totp_issuer = "boka";            // the TOTP service name shown by apps
  int totp_max_failures = 5;                   // wrong codes before the factor locks
  Seconds totp_lockout{15 * 60};

  // Key for TOTP secrets at rest (AES-256-GCM): exactly 32 bytes, raw, 64 hex digits or
  // base64. Empty: MFA enrolment is refused (not_supported) until one is configured.
  std::string encryption_key;
  std::string encryption_key_id = "k1";        // stored with each sealed value
  // Older keys still needed to read values sealed before a rotation: {id, key}.
  std::vector<std::pair<std::string, std::string>> previous_encryption_keys;

  Seconds emergency_key_lifetime{3600};
};

}  // namespace boka
