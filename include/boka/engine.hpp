// boka/engine.hpp: the facade. Open an Engine over a store, then manage tenants,
// resources, schedules and pools, ask for availability, and reserve.
//
// Thread-safety: every Engine method may be called from any number of threads at once.
// Several Engines (in one process or several) may share one SQL database; the guarantees
// (no overbooking, nothing acknowledged and lost) hold across all of them.
//
// Errors: every call returns a Status or Result; no exception escapes. A refused booking is
// Code::conflict with ConflictInfo (blocking ids and the next start that would fit).
//
// Tenancy: every call names the tenant it acts in. An id that belongs to another tenant
// reads as not_found, so tenants cannot probe each other.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/audit.hpp"
#include "boka/auth.hpp"
#include "boka/availability.hpp"
#include "boka/ids.hpp"
#include "boka/metrics.hpp"
#include "boka/operations.hpp"
#include "boka/pool.hpp"
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/resource.hpp"
#include "boka/schedule.hpp"
#include "boka/status.hpp"
#include "boka/storage.hpp"
#include "boka/tenant.hpp"
#include "boka/time.hpp"

namespace boka {

struct EngineOptions {
  // The source of "now" for notice, horizon, hold expiry and timestamps. Null: SystemClock.
  std::shared_ptr<const Clock> clock;
  // Password, lockout, session, MFA and key policy; the encryption key for TOTP secrets.
  AuthOptions auth;
  // Where the engine registers its metrics (shared with the host's own). Null: a registry
  // of the engine's own (Engine::metrics()).
  std::shared_ptr<MetricsRegistry> metrics;
  // Start read-only (see Engine::set_read_only), e.g. while data is suspect.
  bool read_only = false;
  std::string read_only_reason;
};

// A booking request. All allocations are taken together over [start, end) or none is.
struct ReserveRequest {
  std::vector<AllocationRequest> allocations;  // 1..100; a resource may appear once
  Instant start{};
  Instant end{};                  // > start
  // Set: the reservation is held (counts against capacity) until now + hold_for, and must
  // be confirmed before then; after it, it stops counting and cannot be confirmed.
  std::optional<Seconds> hold_for;
  // Set: a retried request with the same key and the same content returns the original
  // reservation instead of booking twice; the same key with different content is refused
  // with already_exists. Keys are per tenant and per principal (each user, each API key,
  // and the system principal have keys of their own, so one customer cannot see or take
  // another's): 1..200 bytes of UTF-8 without control characters.
  std::string idempotency_key;
  std::string customer;               // free-form reference, 0..200 bytes
  std::string metadata_json = "{}";   // a JSON object, up to 64 KiB
};

// Authorization: every call checks its Principal first (deny by default). The system
// principal may do everything. A user acts with the permissions of its role in its own
// tenant only (a superadmin in every tenant); a customer sees and changes only its own
// reservations (those whose `customer` is "user:<id>"). An API key acts with its scopes,
// capped by its creator's current role. Admin-level permissions need a session that
// passed MFA. A refused call is permission_denied (or not_found for another tenant's or
// another customer's objects, so they cannot be probed); a session or key that is no
// longer valid is unauthenticated. docs/auth.md has the full matrix.
class Engine {
 public:
  // Opens the store at `storage_uri` (see open_storage) and an engine over it.
  // invalid_argument if options.auth is malformed (an encryption key that is not exactly
  // 32 bytes, a non-positive timeout, ...).
  static Result<std::unique_ptr<Engine>> open(std::string_view storage_uri,
                                              EngineOptions options = {});
  // An engine over a store the caller already opened (shared ownership).
  static Result<std::unique_ptr<Engine>> open(std::shared_ptr<Storage> storage,
                                              EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- Tenants ---------------------------------------------------------------------
  // Creates a tenant from spec.name (unique). Returns it with id, created_at and version.
  Result<Tenant> create_tenant(const Principal& who, const Tenant& spec);
  Result<Tenant> get_tenant(const Principal& who, TenantId id);
  Result<std::vector<Tenant>> list_tenants(const Principal& who);
  // Renames; tenant.version must equal the stored version (else conflict).
  Result<Tenant> update_tenant(const Principal& who, const Tenant& tenant);
  // Archived tenants keep everything but take no new bookings. Idempotent.
  Result<Tenant> archive_tenant(const Principal& who, TenantId id);

  // --- Resources -------------------------------------------------------------------
  // Validates name, zone (OS tzdb), capacity >= 1, policy and schedule (same tenant).
  Result<Resource> create_resource(const Principal& who, TenantId tenant, const Resource& spec);
  Result<Resource> get_resource(const Principal& who, TenantId tenant, ResourceId id);
  Result<std::vector<Resource>> list_resources(const Principal& who, TenantId tenant,
                                               bool include_archived = false);
  // Replaces name, zone, capacity, policy, schedule and metadata. resource.version must
  // equal the stored version. Lowering capacity below what active reservations use at some
  // instant is refused (conflict), naming the instant and the usage.
  Result<Resource> update_resource(const Principal& who, TenantId tenant,
                                   const Resource& resource);
  Result<Resource> archive_resource(const Principal& who, TenantId tenant, ResourceId id);

  // --- Schedules -------------------------------------------------------------------
  // Overlapping or inverted intervals, a weekday or date given twice, or an impossible
  // holiday are refused with invalid_argument naming the rule.
  Result<Schedule> create_schedule(const Principal& who, TenantId tenant, const Schedule& spec);
  Result<Schedule> get_schedule(const Principal& who, TenantId tenant, ScheduleId id);
  Result<std::vector<Schedule>> list_schedules(const Principal& who, TenantId tenant,
                                               bool include_archived = false);
  Result<Schedule> update_schedule(const Principal& who, TenantId tenant,
                                   const Schedule& schedule);
  // Refused (conflict) while an active resource still uses the schedule.
  Result<Schedule> archive_schedule(const Principal& who, TenantId tenant, ScheduleId id);

  // --- Pools -----------------------------------------------------------------------
  Result<Pool> create_pool(const Principal& who, TenantId tenant, const Pool& spec);
  Result<Pool> get_pool(const Principal& who, TenantId tenant, PoolId id);
  Result<std::vector<Pool>> list_pools(const Principal& who, TenantId tenant,
                                       bool include_archived = false);
  Result<Pool> update_pool(const Principal& who, TenantId tenant, const Pool& pool);
  Result<Pool> archive_pool(const Principal& who, TenantId tenant, PoolId id);

  // --- Availability ----------------------------------------------------------------
  // Every start on the grid in [query.from, query.to) where a reservation of
  // query.duration for all requests would be accepted now. Cost O((n + s) log n) for n
  // reservations and s slots. Archived resources and pools offer nothing.
  // At most query.limit slots: a query with more is invalid_argument (narrow the range,
  // widen the step, or page with availability_page). Queries past the work bounds in
  // AvailabilityQuery (grid points, resources considered) are invalid_argument too.
  Result<std::vector<Slot>> availability(const Principal& who, TenantId tenant,
                                         const AvailabilityQuery& query);
  // The same question, answered a page at a time: the first query.limit slots, and when
  // more follow, truncated and next_from (ask again with query.from = next_from).
  Result<SlotPage> availability_page(const Principal& who, TenantId tenant,
                                     const AvailabilityQuery& query);
  // Why a reservation of `duration` at `start` for `requests` would or would not be taken.
  // blocking_reservation_ids stays empty for principals that see only their own
  // reservations (customers), as a refused reserve hides them.
  Result<Explanation> explain(const Principal& who, TenantId tenant,
                              const std::vector<AllocationRequest>& requests, Instant start,
                              Seconds duration);

  // --- Reservations ----------------------------------------------------------------
  // Books all allocations or none. Checks, per resource: not archived, quantity within
  // capacity, inside opening hours, notice, horizon, duration bounds, slot grid, daily
  // limit, and capacity over [start - buffer_before, end + buffer_after). A pool allocation
  // takes the first member in pool order that passes every check.
  // A refusal for capacity is Code::conflict with ConflictInfo.
  Result<Reservation> reserve(const Principal& who, TenantId tenant, const ReserveRequest& req);

  // The calls below guard with if_version when it is set: a reservation whose version
  // differs is refused with conflict, so a client never overwrites a change it has not seen.

  // held -> confirmed. An expired hold is refused (conflict).
  Result<Reservation> confirm(const Principal& who, TenantId tenant, ReservationId id,
                              std::optional<std::int64_t> if_version = std::nullopt);
  // held|confirmed -> cancelled; frees the capacity at once.
  Result<Reservation> cancel(const Principal& who, TenantId tenant, ReservationId id,
                             std::optional<std::int64_t> if_version = std::nullopt);
  // Moves an active reservation to [new_start, new_end) in one transaction: every check of
  // reserve applies, and the reservation's own old range never blocks the new one. A pool
  // allocation keeps its member if free, else takes the first free member.
  Result<Reservation> reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                 Instant new_start, Instant new_end,
                                 std::optional<std::int64_t> if_version = std::nullopt);
  // confirmed -> completed / no_show, once the reservation has started.
  Result<Reservation> mark_completed(const Principal& who, TenantId tenant, ReservationId id,
                                     std::optional<std::int64_t> if_version = std::nullopt);
  Result<Reservation> mark_no_show(const Principal& who, TenantId tenant, ReservationId id,
                                   std::optional<std::int64_t> if_version = std::nullopt);

  // A held reservation past its expiry reads with status expired even before a sweep.
  Result<Reservation> get_reservation(const Principal& who, TenantId tenant, ReservationId id);
  Result<std::vector<Reservation>> list_reservations(const Principal& who, TenantId tenant,
                                                     const ReservationFilter& filter);
  // Marks up to `limit` lapsed holds (all tenants) expired; returns how many. For a worker.
  Result<int> expire_holds(const Principal& who, int limit = 1000);


  // --- Users -------------------------------------------------------------------------
  // Creates a user with an Argon2id password hash. Admins create users below admin;
  // a superadmin (or the system) any role. invalid_argument for a bad email, a password
  // outside 12..128 characters or invalid UTF-8; already_exists for a taken email.
  Result<User> create_user(const Principal& who, TenantId tenant, const NewUser& spec);
  Result<User> get_user(const Principal& who, TenantId tenant, UserId id);
  Result<User> find_user_by_email(const Principal& who, TenantId tenant, std::string_view email);
  // Users of `tenant` with id > after_id, by id, at most `limit` (1..10000): page with
  // after_id = the last id returned.
  Result<std::vector<User>> list_users(const Principal& who, TenantId tenant, UserId after_id = 0,
                                       int limit = 1000);
  // Changes a user's role. Only a superadmin (or the system) grants or takes admin and
  // superadmin. Ends the user's sessions when the role goes down.
  Result<User> set_user_role(const Principal& who, TenantId tenant, UserId id, Role role);
  // active also unlocks (clears the failure counters); disabled ends every session.
  Result<User> set_user_state(const Principal& who, TenantId tenant, UserId id,
                              UserState state);
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
  // Live sessions of `user` (0: every user of the tenant, admins only). A user may list
  // their own.
  Result<std::vector<Session>> list_sessions(const Principal& who, TenantId tenant, UserId user);
  Status end_session(const Principal& who, TenantId tenant, SessionId session);
  // Ends every session of one user; returns how many.
  Result<std::int64_t> end_user_sessions(const Principal& who, TenantId tenant, UserId user);
  // Ends every session of a tenant (0: of every tenant, superadmin or system only),
  // except the caller's own. Returns how many.
  Result<std::int64_t> force_logout_all(const Principal& who, TenantId tenant);
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
                                            ApiKeyId after_id = 0, int limit = 1000);
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
  // Re-seals TOTP secrets (enrolled and pending) that an older encryption key sealed under
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
                                                     std::string_view kind = {},
                                                     int limit = 1000);
  Result<std::vector<User>> locked_accounts(const Principal& who, TenantId tenant);
  Result<MfaStats> mfa_stats(const Principal& who, TenantId tenant);
  // Admins and superadmins of `tenant` (0: every tenant, superadmin or system only).
  Result<std::vector<User>> list_admins(const Principal& who, TenantId tenant);
  // Demotes an admin or superadmin to staff and ends their sessions. Superadmin or system.
  Result<User> revoke_admin(const Principal& who, TenantId tenant, UserId id);

  // --- Audit trail (boka/audit.hpp) ---------------------------------------------------
  // Records of query.tenant's chain (audit:read in that tenant; the system chain, tenant 0,
  // needs audit:read system-wide), ordered by seq.
  Result<std::vector<AuditRecord>> audit_records(const Principal& who, const AuditQuery& query);
  // Walks one chain (`tenant`) or every chain (unset: system-wide audit:read) and reports the
  // first broken link. Reads in pages, so it runs beside live traffic; records appended
  // while it runs are checked up to the head it read first.
  Result<AuditVerification> verify_audit(const Principal& who,
                                         std::optional<TenantId> tenant = std::nullopt);
  // Checks the chains against heads recorded earlier and kept elsewhere (a backup
  // manifest's audit_heads, or heads exported to another system): each chain must still
  // hold that record with that hash. This finds what walking the chain cannot: records cut
  // off its end. Heads of tenants the principal may not read are refused (as verify_audit).
  // A failure names the first head that no longer matches (broken_tenant, broken_seq).
  Result<AuditVerification> check_audit_heads(const Principal& who,
                                              const std::vector<AuditHead>& known);

  // --- Operations (boka/operations.hpp); system:operations, system-wide ----------------
  // Storage reachability and latency, schema version, read-only state, disk space (file
  // stores), age of the last backup and the expected heartbeats; overall ok, degraded or
  // failing. A store that cannot be reached is failing, not an error.
  Result<HealthReport> health(const Principal& who, const HealthOptions& options = {});
  // Row counts and sizes of every table.
  Result<std::vector<TableStats>> database_stats(const Principal& who);
  // Read-only mode: while on, every call that would write fails with unavailable naming the
  // reason, and reads go on (sessions still authenticate, without extending their idle
  // expiry). Per engine, i.e. per process; recorded in the audit trail. A worker or second
  // host must be switched too (or started with EngineOptions::read_only).
  Status set_read_only(const Principal& who, bool on, std::string_view reason = {});
  // The reason read-only mode was switched on, or nullopt while writable.
  std::optional<std::string> read_only_reason() const;
  // Records that `component` ("worker") is alive now; health() reports its age.
  // Not audited (a heartbeat is not a change).
  Status record_heartbeat(const Principal& who, std::string_view component);
  // An online, consistent backup of the SQLite store (one read snapshot, so traffic goes
  // on) with its manifest; applies retention, and verifies when options.verify. The backup
  // holds every transaction committed before it started. not_supported on other stores
  // (PostgreSQL: pg_dump, see docs/operations.md).
  Result<BackupResult> backup(const Principal& who, const BackupOptions& options);

  // The registry holding the engine's metrics (EngineOptions::metrics if given).
  std::shared_ptr<MetricsRegistry> metrics() const;

  StorageInfo storage_info() const;

  // Internal: the implementation, opaque to users (named here only so boka's own
  // translation units can share it).
  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace boka
