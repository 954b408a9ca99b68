// boka/auth.hpp: users, sessions, TOTP MFA, API keys and the security reports.
//
// An embedder either lets boka authenticate (passwords, sessions, MFA, keys: the types
// here and the Auth facet, engine.auth()), or authenticates on its own and passes
// Principal::system() to every call. docs/auth.md is the guide; this header is the
// reference. Every type here is a plain value: no secrets (password hashes, token hashes,
// TOTP secrets) ever appear in them, except the one-time outputs marked "shown once".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boka/audit.hpp"
#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

// active: may log in. locked: too many failed logins (until locked_until, or until an
// admin unlocks it when locked_until is unset). disabled: may not log in at all.
enum class UserState : int { active = 0, locked = 1, disabled = 2 };
const char* user_state_name(UserState state) noexcept;
std::optional<UserState> parse_user_state(std::string_view name) noexcept;  // nullopt: unknown

struct User {
  UserId id{};
  TenantId tenant{};
  std::string email;         // stored lower-cased; unique in its tenant
  std::string display_name;  // 0..200 bytes
  Role role = Role::customer;
  UserState state = UserState::active;
  bool mfa_enabled = false;
  Instant created_at{};
  std::optional<Instant> last_login_at;
  int failed_logins = 0;  // since the last success, reset after a quiet period
  std::optional<Instant> last_failed_login_at;
  std::optional<Instant> locked_until;  // state locked: when a login may be tried again
  std::int64_t version = 0;
};

struct NewUser {
  std::string email;  // 3..254 bytes, one '@', no spaces or control characters
  std::string display_name;
  Role role = Role::customer;
  std::string password;  // 12..128 characters (code points) of valid UTF-8
};

// One login session. The token itself is never stored (only its SHA-256).
struct Session {
  SessionId id{};
  TenantId tenant{};
  UserId user{};
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
  TenantId tenant{};
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
  ApiKeyId id{};
  TenantId tenant{};             // the tenant the key acts in
  UserId created_by{};           // 0: created by the system principal
  TenantId created_by_tenant{};  // the creator's tenant (a superadmin may create keys in
                                 // other tenants); 0 with created_by 0
  ApiKeyId parent{};             // the key this key was created with, or 0
  std::string name;              // 1..200 bytes, for people
  PermissionSet scopes = 0;
  Role role = Role::customer;  // the ceiling: the creator's role at creation
  Instant created_at{};
  std::optional<Instant> expires_at;
  std::optional<Instant> last_used_at;  // updated at most once a minute
  std::optional<Instant> revoked_at;
  bool emergency = false;  // an emergency superadmin key
};

struct NewApiKey {
  std::string name;
  PermissionSet scopes = 0;           // non-empty; within the creator's permissions
  std::optional<Seconds> expires_in;  // unset: never expires
};

struct CreatedApiKey {
  std::string key;  // shown once: "boka_<id>_<secret><check>"
  ApiKey info;
};

// What Auth::rotate_encryption_key did.
struct KeyRotation {
  std::string key_id;          // the current key, which everything re-sealed is now under
  std::int64_t resealed = 0;   // users whose secrets this call re-sealed
  std::int64_t remaining = 0;  // users with a secret under another key still
};

// A security event (login success/failure, lockout, MFA, sessions, keys). Never holds a
// secret. Kinds are stable strings, listed in docs/auth.md.
struct SecurityEvent {
  std::int64_t id = 0;
  TenantId tenant{};
  Instant at{};
  std::string kind;    // "login_failed", "lockout", "mfa_failed", ...
  UserId user{};       // 0 when unknown (a login attempt for an unknown email)
  std::string email;   // the login name involved, or ""
  std::string actor;   // Principal::name() of who acted, or "" for anonymous attempts
  std::string source;  // client address, or ""
  std::string detail;  // short human-readable detail, no secrets
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

  int lockout_threshold = 5;        // failures before waits start
  Seconds lockout_initial_wait{1};  // doubles per further failure
  Seconds lockout_max_wait{900};
  Seconds failure_reset_after{12 * 3600};  // quiet period that resets the counter
  int max_failures_per_hour = 100;         // hard cap per account

  Seconds session_idle{30 * 60};
  Seconds session_absolute{12 * 3600};
  Seconds admin_session_idle{15 * 60};  // admin and superadmin
  Seconds admin_session_absolute{12 * 3600};

  std::string totp_issuer = "boka";  // the TOTP service name shown by apps
  int totp_max_failures = 5;         // wrong codes before the factor locks
  Seconds totp_lockout{15 * 60};

  // Key for TOTP secrets at rest (AES-256-GCM): exactly 32 bytes, raw, 64 hex digits or
  // base64. Empty: MFA enrolment is refused (not_supported) until one is configured.
  std::string encryption_key;
  std::string encryption_key_id = "k1";  // stored with each sealed value
  // Older keys still needed to read values sealed before a rotation: {id, key}.
  std::vector<std::pair<std::string, std::string>> previous_encryption_keys;

  Seconds emergency_key_lifetime{3600};

  // How long this engine may use a session or API key it verified without reading the store
  // again (0..60 s; 0, the default, reads it on every call). Expiry is always exact: a
  // cached session still ends at its idle or absolute deadline. A revocation, logout,
  // role change or disabled user made through this engine takes effect at once; made
  // through another engine on the same store (another process or host), within this time.
  // boka-server sets 2 s (BOKA_CREDENTIAL_CACHE_SECONDS). docs/architecture.md,
  // "Credential cache".
  Seconds credential_cache{0};
};

namespace detail {
struct EngineImpl;
}

// The Auth facet of an Engine (Engine::auth()): users, login, sessions, TOTP MFA, API keys
// and the security reports. It belongs to its Engine: the reference stays valid as long
// as the Engine, and is not copied or moved.
//
// Thread-safety: every method may be called from any number of threads at once, like the
// Engine's own. Errors, tenancy and authorization follow the Engine's rules (engine.hpp).
class Auth {
 public:
  Auth(const Auth&) = delete;
  Auth& operator=(const Auth&) = delete;

  // --- Users -------------------------------------------------------------------------
  // Creates a user with an Argon2id password hash. Admins create users below admin;
  // a superadmin (or the system) any role. invalid_argument for a bad email, a password
  // outside 12..128 characters or invalid UTF-8; already_exists for a taken email.
  Result<User> create_user(const Principal& who, TenantId tenant, const NewUser& spec);
  Result<User> get_user(const Principal& who, TenantId tenant, UserId id);
  Result<User> find_user_by_email(const Principal& who, TenantId tenant, std::string_view email);
  // Users of `tenant` with id > after_id, by id, at most `limit` (1..10000): page with
  // after_id = the last id returned.
  Result<std::vector<User>> list_users(const Principal& who, TenantId tenant, UserId after_id = {},
                                       int limit = 1000);
  // Changes a user's role. Only a superadmin (or the system) grants or takes admin and
  // superadmin. Ends the user's sessions when the role goes down.
  Result<User> set_user_role(const Principal& who, TenantId tenant, UserId id, Role role);
  // active also unlocks (clears the failure counters); disabled ends every session.
  Result<User> set_user_state(const Principal& who, TenantId tenant, UserId id, UserState state);
  // The principal's own password; needs the current one. Ends every other session of the
  // user. unauthenticated if `current` is wrong (counted like a failed login).
  Status change_password(const Principal& who, std::string_view current,
                         std::string_view replacement);

  // --- Login and sessions ------------------------------------------------------------
  // Checks email and password (and mfa_code if given) and starts a session.
  // Unknown user, wrong password, disabled or locked account all return the same
  // unauthenticated "invalid email or password" after the same work (one Argon2id hash).
  // A wrong or missing MFA code for a user with MFA: see SessionGrant / verify_mfa.
  Result<SessionGrant> login(const LoginRequest& request);
  // Completes MFA for an mfa_pending session (or steps up any session) with a TOTP code or
  // a recovery code: ends the old session and returns a new token marked mfa_passed.
  // unauthenticated for a wrong code; rate_limited while the factor is locked.
  Result<SessionGrant> verify_mfa(std::string_view token, std::string_view code,
                                  std::string_view source = {});
  // The principal a session token stands for; extends its idle expiry. unauthenticated for
  // an unknown, expired or revoked token (same message for all).
  Result<Principal> authenticate_session(std::string_view token);
  // Ends the principal's own session.
  Status logout(const Principal& who);
  // Live sessions of `user` (nullopt: every user of the tenant, admins only). A user may
  // list their own.
  Result<std::vector<Session>> list_sessions(const Principal& who, TenantId tenant,
                                             std::optional<UserId> user);
  Status end_session(const Principal& who, TenantId tenant, SessionId session);
  // Ends every session of one user; returns how many.
  Result<std::int64_t> end_user_sessions(const Principal& who, TenantId tenant, UserId user);
  // Ends every session of a tenant (nullopt: of every tenant, superadmin or system only),
  // except the caller's own. Returns how many.
  Result<std::int64_t> force_logout_all(const Principal& who, std::optional<TenantId> tenant);
  // Deletes up to `limit` expired or revoked sessions (all tenants). For a worker.
  Result<std::int64_t> cleanup_sessions(const Principal& who, int limit = 10000);
  // Sessions live now in every tenant (the user_sessions_active gauge).
  Result<std::int64_t> count_active_sessions(const Principal& who);

  // --- TOTP MFA (RFC 6238: SHA-1, 6 digits, 30 s, +-1 step) -----------------------------
  // Starts enrolment for the principal's own user: a fresh secret, sealed at rest.
  // not_supported without AuthOptions::encryption_key.
  Result<TotpEnrollment> begin_totp_enrollment(const Principal& who);
  // Confirms enrolment with a current code: MFA is on, 10 recovery codes are returned once,
  // every session of the user ends and a new MFA-passed session is returned.
  Result<MfaEnabled> confirm_totp_enrollment(const Principal& who, std::string_view code);
  // Turns MFA off (needs the password); ends every session of the user.
  Status disable_totp(const Principal& who, std::string_view password);

  // --- API keys -----------------------------------------------------------------------
  // Creates a key in `tenant`, shown once. Scopes must be within the creator's own
  // permissions. Admins (with MFA) and superadmins; the system.
  Result<CreatedApiKey> create_api_key(const Principal& who, TenantId tenant,
                                       const NewApiKey& spec);
  // Keys of `tenant` with id > after_id, by id, at most `limit` (1..10000).
  Result<std::vector<ApiKey>> list_api_keys(const Principal& who, TenantId tenant,
                                            ApiKeyId after_id = {}, int limit = 1000);
  // Takes effect on the key's next use.
  Result<ApiKey> revoke_api_key(const Principal& who, TenantId tenant, ApiKeyId id);
  // The principal a key stands for. A mistyped key (bad checksum) is refused before any
  // lookup. unauthenticated for unknown, expired or revoked keys (same message).
  Result<Principal> authenticate_api_key(std::string_view key, std::string_view source = {});
  // A superadmin key in `tenant` with every permission, expiring after `lifetime`
  // (default AuthOptions::emergency_key_lifetime, at most 24 h). Always recorded as a
  // security event. System principal or a superadmin with MFA.
  Result<CreatedApiKey> generate_emergency_key(const Principal& who, TenantId tenant,
                                               std::optional<Seconds> lifetime = {});
  // Re-seals TOTP secrets (enrolled and pending), and every tenant's manage-link key
  // (boka/links.hpp; all of them in every call), that an older encryption key sealed under
  // the current one (AuthOptions::encryption_key), at most `limit` users per call (1..100000)
  // in tenant and user order, each tenant's batch in one write with one audit record
  // ("auth.encryption_key_rotated"). Resumable: call again until `remaining` is 0, then the
  // old key can leave AuthOptions::previous_encryption_keys. A secret under a key that is
  // not configured is unavailable, naming its key id. System-wide system:operations.
  Result<KeyRotation> rotate_encryption_key(const Principal& who, int limit = 1000);

  // --- Security reports ---------------------------------------------------------------
  // Security events of `tenant` in [from, to), optionally of one kind ("login_failed").
  Result<std::vector<SecurityEvent>> security_events(const Principal& who, TenantId tenant,
                                                     Instant from, Instant to,
                                                     std::string_view kind = {}, int limit = 1000);
  Result<std::vector<User>> locked_accounts(const Principal& who, TenantId tenant);
  Result<MfaStats> mfa_stats(const Principal& who, TenantId tenant);
  // Admins and superadmins of `tenant` (nullopt: every tenant, superadmin or system only).
  Result<std::vector<User>> list_admins(const Principal& who, std::optional<TenantId> tenant);
  // Demotes an admin or superadmin to staff and ends their sessions. Superadmin or system.
  Result<User> revoke_admin(const Principal& who, TenantId tenant, UserId id);

 private:
  friend class Engine;
  explicit Auth(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
