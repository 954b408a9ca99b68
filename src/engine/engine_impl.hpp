// Engine internals shared by the engine's translation units.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_chain.hpp"
#include "auth/crypto.hpp"
#include "availability/resource_view.hpp"
#include "boka/engine.hpp"
#include "boka/metrics.hpp"
#include "boka/storage_spi.hpp"
#include "conflict/interval_index.hpp"
#include "time/zone.hpp"

namespace boka::detail {

// The versioned per-resource index cache (docs/architecture.md, "Conflict check and the
// index cache"): an index is trusted only for the resource version it was built from.
// Writers build a copy, and install it after commit; readers take a shared_ptr and never
// see a change half-applied.
class IndexCache {
 public:
  std::shared_ptr<const IntervalIndex> get(ResourceId id, std::int64_t version) const;
  // Installs unless the cache already holds a newer version of the resource.
  void put(ResourceId id, std::int64_t version, std::shared_ptr<const IntervalIndex> index);

 private:
  struct Entry {
    std::int64_t version = 0;
    std::shared_ptr<const IntervalIndex> index;
  };
  mutable std::mutex mutex_;
  std::unordered_map<ResourceId, Entry> entries_;
};

// One resource as loaded inside a transaction, with everything a decision needs.
struct LoadedResource {
  Resource resource;
  std::optional<Schedule> schedule;
  Zone zone;
  std::shared_ptr<const IntervalIndex> index;

  ResourceView view(const BookingTerms& terms = {}) const {
    return ResourceView{&resource, schedule ? &*schedule : nullptr, zone, index.get(), terms};
  }
};

// Index changes to install once the transaction commits.
struct StagedIndex {
  ResourceId resource{};
  std::int64_t version = 0;
  std::shared_ptr<const IntervalIndex> index;
};

// Adds `s` to `staged` (installed in the cache after commit) and to the transaction's memo,
// where later writers of the same database transaction find it before the commit.
void stage(StorageTransaction& txn, std::vector<StagedIndex>& staged, StagedIndex s);

// A request resolved to candidate resources, as availability and reserve need it.
struct ResolvedRequest {
  std::vector<const LoadedResource*> candidates;  // one for a resource; members for a pool
  std::optional<PoolId> pool;
  int quantity = 1;
  BookingTerms terms;  // a service's buffers and notice, applied on every candidate
};

// The index entry of one allocation of a reservation on a resource with `policy`.
IndexEntry entry_of(const Reservation& r, const Allocation& a, const Policy& policy);
IndexEntry index_entry(ReservationId id, Instant start, Instant end, ReservationStatus status,
                       const std::optional<Instant>& hold_expires_at, int quantity,
                       Seconds buffer_before, Seconds buffer_after, const Policy& policy);

// A principal as verified against storage now: what it may do and where.
struct Actor {
  Principal::Kind kind = Principal::Kind::system;
  std::string name;        // Principal::name()
  TenantId tenant{};       // home tenant (0: system)
  UserId user{};           // the user, or an API key's creator (0: the system)
  TenantId user_tenant{};  // `user`'s tenant: differs from `tenant` for a key a
                           // superadmin created in another tenant
  SessionId session{};
  ApiKeyId api_key{};
  Role role = Role::superadmin;  // the role whose permissions apply (a key's ceiling)
  PermissionSet permissions = 0;
  bool all_tenants = false;  // system, superadmins, superadmin keys
  bool mfa_missing = false;  // an admin session without MFA: admin permissions withheld
  std::string source;        // Principal::source(): the client address, or ""

  // The live customer record linked to `user` when its role is customer (customer.hpp).
  std::optional<CustomerId> customer_record;

  bool can(Permission p) const { return has_permission(permissions, p); }
  // Customers' reservations carry this reference, or the id of their customer record.
  std::string customer_ref() const { return "user:" + std::to_string(user); }
  bool own_reservations_only() const { return !can(Permission::reservations_all); }
  // Whether a booking for `customer` (free text) / `customer_id` is the actor's to see and
  // change: every booking for actors with reservations:all; else their own, by reference
  // or by their linked customer record (a booking staff made for that record).
  bool owns(const std::string& customer, const std::optional<CustomerId>& customer_id) const {
    return !own_reservations_only() || customer == customer_ref() ||
           (customer_record && customer_id == customer_record);
  }
};

// Authentication configuration, parsed once at open.
struct AuthRuntime {
  AuthOptions options;
  SecretBox box;
  Argon2Params argon;
  // A hash of a random password, verified against when there is no real hash to check
  // (unknown user, locked account), so every failed login costs the same.
  std::once_flag dummy_once;
  std::string dummy_hash;
};

// The prefix that scopes an idempotency key to the principal that used it: "" for the
// system principal (an embedder that authenticates on its own scopes its own keys),
// "user:<id>/" for a user's sessions, "key:<id>/" for an API key.
inline std::string idempotency_scope(const Actor& a) {
  switch (a.kind) {
    case Principal::Kind::user: return "user:" + std::to_string(a.user) + "/";
    case Principal::Kind::api_key: return "key:" + std::to_string(a.api_key) + "/";
    default: return "";
  }
}

// A list filter as the actor may ask it: a customer sees only their own, so the filter's
// customer becomes theirs (permission_denied if it names someone else).
inline Status own_customer_filter(const Actor& actor, std::optional<std::string>& customer) {
  if (!actor.own_reservations_only()) return Status::Ok();
  if (customer && *customer != actor.customer_ref()) {
    return PermissionDenied("filter.customer: " + actor.name + " sees only \"" +
                            actor.customer_ref() + "\"");
  }
  customer = actor.customer_ref();
  return Status::Ok();
}

// A conflict shows blocking reservation ids only to actors who may see every reservation.
// (The Status form also clears each refused occurrence's ids.)
Result<Reservation> redact_conflict(Result<Reservation> result, const Actor& actor);
Status redact_conflict(const Status& status, const Actor& actor);

Result<std::unique_ptr<AuthRuntime>> make_auth_runtime(const AuthOptions& options);

// What an operation records in the audit trail; the chain fields (seq, hashes, time) are
// filled in by EngineImpl::audit.
struct AuditEntry {
  TenantId tenant{};   // the chain
  std::string action;  // "<object>.<verb>"
  std::string target;  // "<object>:<id>" or ""
  AuditOutcome outcome = AuditOutcome::success;
  std::string reason;
  std::string detail_json = "{}";
};

// What a sweep of lapsed holds did.
struct HoldSweep {
  int expired = 0;        // holds marked expired
  int offers_lapsed = 0;  // of which waitlist offers
};

// The record of a successful change to a catalog object (name and version in the detail).
AuditEntry changed(TenantId tenant, const char* action, const char* kind, std::int64_t id,
                   std::int64_t version, std::string_view name);
// The refusal of a write guarded by a version that is no longer current.
Status stale(const char* kind, std::int64_t id, std::int64_t given, std::int64_t current);
// Booking rules as an audit detail value.
nlohmann::ordered_json rules_json(const BookingRules& rules);

// What a write call reports besides its result.
struct WriteOutcome {
  bool created = false;           // a new reservation (not an idempotent replay)
  bool refusal_recorded = false;  // the refusal was recorded in the call's own transaction
};

// The record of a refused change.
AuditEntry refusal_entry(TenantId chain, std::string_view action, std::string_view target,
                         const Status& refusal, TenantId acted_in = {});

// The outcome a refusal with `code` is recorded as; nullopt for failures that are not
// refusals (unavailable, storage, internal), which are not recorded.
std::optional<AuditOutcome> refusal_outcome(Code code);
// A conflict for lack of capacity (not a booking rule's): counted in metrics, never
// audited, and decided in a transaction that is rolled back.
bool is_capacity_refusal(const Status& s);

// A small JSON object writer for audit details (never holds a secret). Writes compact
// text as it goes, byte for byte what an ordered_json object dumped with invalid UTF-8
// replaced would give, without building the tree (an audit record per change: the tree's
// allocations showed in every booking's profile). Each key is added once.
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, std::int64_t value);
  JsonObject& add(std::string_view key, int value) {
    return add(key, static_cast<std::int64_t>(value));
  }
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add(std::string_view key, const nlohmann::ordered_json& value);
  // `json_text` must be one complete JSON value, in compact form.
  JsonObject& add_text(std::string_view key, std::string_view json_text);
  // Compact UTF-8; invalid UTF-8 in a value is replaced, never a reason to fail a change.
  std::string str() const { return body_.empty() ? std::string("{}") : body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;  // "{" and the fields so far, without the closing brace
};

// The engine's own metrics, registered once at open; hot paths update them lock-free.
struct EngineMetrics {
  // booking_transactions_total{operation, outcome}: index [operation][outcome]
  static constexpr int kOperations =
      7;                               // reserve confirm cancel reschedule complete no_show expire
  static constexpr int kOutcomes = 6;  // success denied conflict rejected failure error
  Counter* booking[kOperations][kOutcomes] = {};
  Counter* bookings_created = nullptr;
  // auth_logins_total{result}
  struct {
    Counter* success = nullptr;
    Counter* mfa_required = nullptr;
    Counter* failure = nullptr;
    Counter* rate_limited = nullptr;
  } logins;
  // auth_mfa_verifications_total{result}
  struct {
    Counter* success = nullptr;
    Counter* failure = nullptr;
  } mfa_checks;
  // payments_processed_total{outcome} by PaymentOutcome (paid, failed, refunded, late; null
  // for the others) and payment_notifications_total{outcome} (every outcome, and refused).
  Counter* payments[7] = {};
  Counter* payment_notices[7] = {};
  Counter* payment_refused = nullptr;
  // emails_total{outcome} (the pending count and lag are computed at scrape time).
  struct {
    Counter* sent = nullptr;
    Counter* failed = nullptr;
    Counter* dead = nullptr;
    Counter* skipped = nullptr;
  } mail;
  Histogram* conflict_check = nullptr;
  Histogram* availability = nullptr;
  Gauge* read_only = nullptr;
  // waitlist_offers_total{result} (waitlist_waiting_entries is computed at scrape time)
  struct {
    Counter* made = nullptr;
    Counter* accepted = nullptr;
    Counter* lapsed = nullptr;
  } waitlist;
  // webhook_deliveries_total{outcome} and webhook_delivery_seconds (the pending count and
  // the lag are computed at scrape time).
  struct {
    Counter* delivered = nullptr;
    Counter* failed = nullptr;
    Counter* dead = nullptr;
    Histogram* latency = nullptr;
  } webhooks;

  void booking_outcome(int operation, const Status& st);
};
Result<std::unique_ptr<EngineMetrics>> register_engine_metrics(MetricsRegistry& registry);

// The engine's read-only switch, shared with the gate in front of its store.
struct ReadOnlyState {
  std::atomic<bool> on{false};
  std::mutex mutex;
  std::string reason;  // guarded by mutex
};
// A store that refuses every write (unavailable, naming the reason) while `state` is on;
// reads pass through. Writes already past the gate when it closes finish normally.
std::shared_ptr<Storage> make_read_only_gate(std::shared_ptr<Storage> target,
                                             std::shared_ptr<ReadOnlyState> state);

// The engine's only way to make user and API-key principals.
struct PrincipalFactory {
  static Principal user(TenantId tenant, UserId user, SessionId session) {
    Principal p(Principal::Kind::user, "user:" + std::to_string(user));
    p.tenant_ = tenant;
    p.user_ = user;
    p.session_ = session;
    return p;
  }
  static Principal api_key(TenantId tenant, UserId creator, ApiKeyId key) {
    Principal p(Principal::Kind::api_key, "api_key:" + std::to_string(key));
    p.tenant_ = tenant;
    p.user_ = creator;
    p.api_key_ = key;
    return p;
  }
};

}  // namespace boka::detail

namespace boka::detail {

// The webhook settings as the worker uses them: the parsed address allow-list and
// EngineOptions::webhooks (src/engine/webhooks.cpp). Immutable once the engine is open.
struct WebhookRuntime;
struct EngineImpl;

// What verifying a session or API key reads from the store (EngineImpl::verify,
// Auth::authenticate_session). Secrets (password hash, TOTP secrets, recovery codes) are
// dropped before a snapshot is kept.
struct CredentialSnapshot {
  std::optional<StoredSession> session;
  std::optional<StoredUser> user;
  std::optional<StoredApiKey> key;
  bool key_chain_live = false;
  std::optional<CustomerId> customer_record;
};

// The credential cache (AuthOptions::credential_cache; docs/architecture.md, "Credential
// cache"): snapshots kept for at most the ttl, keyed by what was verified ("s:<session
// id>", "k:<key id>", "t:<token hash>"). A snapshot is data as read; the caller still
// checks expiry against its clock on every use. Every write through this engine to
// sessions, users, API keys or customer records bumps the generation (CredentialWatch),
// which invalidates every snapshot read before it: a revocation here takes effect at
// once. Thread-safe.
class CredentialCache {
 public:
  void configure(Seconds ttl) { ttl_ = std::chrono::seconds(ttl.count()); }
  bool enabled() const { return ttl_.count() > 0; }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void invalidate() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  // The snapshot under `key`, if younger than the ttl and read at the current generation.
  std::optional<CredentialSnapshot> find(const std::string& key) const;
  // Keeps `snapshot`, read after generation() returned `read_at` (dropped if a write has
  // bumped it since: the read may predate that write's commit).
  void put(const std::string& key, std::uint64_t read_at, CredentialSnapshot snapshot);

 private:
  struct Entry {
    std::uint64_t generation = 0;
    std::chrono::steady_clock::time_point stored;
    CredentialSnapshot snapshot;
  };
  std::chrono::seconds ttl_{0};
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

// Wraps the store so that every write transaction touching credentials (sessions, users,
// API keys, customer records: what verify reads) invalidates `cache`, both when the row is
// written and again after the transaction ends (a reader that began between the two then
// cannot keep what it read). Installed only when the cache is enabled.
std::shared_ptr<Storage> make_credential_watch(std::shared_ptr<Storage> target,
                                               CredentialCache& cache);

// Seals unsealed audit records within a bounded delay (docs/architecture.md, "Audit
// sealing"): a thread that runs EngineImpl::seal_audit shortly after this engine appended
// a record (wake()), and at least once a second for records other engines left behind.
// The destructor stops and joins it. wake() is thread-safe.
class AuditSealer {
 public:
  explicit AuditSealer(EngineImpl& impl);
  ~AuditSealer();
  AuditSealer(const AuditSealer&) = delete;
  AuditSealer& operator=(const AuditSealer&) = delete;
  void wake();

 private:
  void run();
  EngineImpl& impl_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wanted_ = false;
  std::thread thread_;
};

// Checks `options` and installs them on `impl` (invalid_argument naming the field).
Status configure_webhooks(EngineImpl& impl, const WebhookOptions& options);
// A wait of a retry schedule stretched by a random 0..20% (jitter), so receivers that failed
// together are not retried together (webhooks and mail; src/engine/webhooks.cpp).
Seconds with_jitter(Seconds wait);
// The same for EngineOptions::mail (src/engine/mail.cpp).
struct MailRuntime;
Status configure_mail(EngineImpl& impl, const MailOptions& options);
// The current manage-link token of `reservation` read in `txn` (boka/links.hpp), or nullopt
// when the tenant has no link key yet or there is no encryption key. Never creates the key.
Result<std::optional<std::string>> manage_token_in(EngineImpl& impl, StorageTransaction& txn,
                                                   TenantId tenant, ReservationId reservation);
// Re-seals every tenant's manage-link key that another encryption key sealed under the current
// one (Auth::rotate_encryption_key), each in a write of its own, audited as
// "links.key_resealed". Returns how many it re-sealed.
Result<std::int64_t> reseal_link_keys(EngineImpl& impl, const Actor& actor);
// The hold a customer's booking of a priced service gets while it waits for payment, when
// the tenant's payments are on; nullopt when they are off (src/engine/payments.cpp).
Result<std::optional<Seconds>> payment_window(StorageTransaction& txn, TenantId tenant);
// The iCalendar UID of a reservation, the same in its feeds and its emails (src/engine/feeds.cpp).
std::string reservation_uid(ReservationId id, TenantId tenant);
// invalid_argument naming `field` unless every entry is an event type or "family.*" of one
// (src/engine/events.cpp).
Status check_event_types(const std::vector<std::string>& types, const char* field);

// The engine's state, shared by the Engine and its facets (Auth, Operations), which hold a
// pointer to it; the Engine owns it.
struct EngineImpl {
  std::shared_ptr<Storage> storage;  // the caller's store behind the read-only gate
  std::shared_ptr<detail::ReadOnlyState> read_only;
  std::shared_ptr<MetricsRegistry> metrics_registry;
  std::unique_ptr<detail::EngineMetrics> metrics;
  std::shared_ptr<const Clock> clock;
  detail::IndexCache cache;
  std::unique_ptr<detail::AuthRuntime> auth;
  // How long a waitlist offer's hold lasts (EngineOptions::waitlist_offer_window).
  Seconds waitlist_offer_window{15 * 60};
  // How long events stay before Events::prune (EngineOptions::event_retention).
  Seconds event_retention{30LL * 86400};
  // Shared, not unique: the type is complete only in webhooks.cpp.
  std::shared_ptr<const WebhookRuntime> webhooks;
  std::shared_ptr<const MailRuntime> mail;

  std::int64_t now() const { return to_unix(clock->now()); }

  // Set at open from Storage::seals_audit_after_commit.
  bool seal_after_commit = false;
  // AuthOptions::credential_cache; its watch wraps `storage` when enabled.
  detail::CredentialCache credentials;

  // Loads a resource of `tenant` with schedule, zone and a current index (from the cache
  // when its version matches). not_found names `field`.
  //
  // An index built inside a write transaction may include uncommitted writes (a grouped
  // commit runs several callers' work in one transaction), so it goes to `staged` and is
  // installed only after the commit; reads (staged == nullptr) install it at once.
  Result<detail::LoadedResource> load_resource(StorageTransaction& txn, TenantId tenant,
                                               ResourceId id, const std::string& field,
                                               std::vector<detail::StagedIndex>* staged);

  // Loads every resource `requests` name (pool members included), keyed by id, and
  // resolves each request to its candidates. Archived pools are refused with conflict
  // when `for_booking`; for availability they resolve to no candidates.
  Status resolve(StorageTransaction& txn, TenantId tenant,
                 const std::vector<AllocationRequest>& requests,
                 std::unordered_map<ResourceId, detail::LoadedResource>& loaded,
                 std::vector<detail::ResolvedRequest>& resolved,
                 std::vector<detail::StagedIndex>* staged);

  // The first `max_slots` slots in [from, to) where every request fits; shared by
  // availability() and the next-free-start of a conflict.
  std::vector<Slot> slots(const std::vector<detail::ResolvedRequest>& requests, std::int64_t from,
                          std::int64_t to, std::int64_t duration, std::optional<std::int64_t> step,
                          std::int64_t now, ReservationId exclude, std::size_t max_slots) const;

  // The earliest start at or after `from` where the request would fit, searching up to a
  // year ahead (less if every candidate's horizon ends sooner).
  std::optional<Instant> next_free_start(const std::vector<detail::ResolvedRequest>& requests,
                                         std::int64_t from, std::int64_t duration, std::int64_t now,
                                         ReservationId exclude) const;

  // Verifies `who` against storage (session or key still valid, user enabled, current
  // role) and returns what it may do. unauthenticated if the credential is no longer valid.
  Result<detail::Actor> verify(const Principal& who);
  // verify, then require permission `p` in `tenant` (deny by default).
  Result<detail::Actor> authorize(const Principal& who, TenantId tenant, Permission p);
  static Status permit(const detail::Actor& actor, TenantId tenant, Permission p);
  // reservations:all, or reservations:own (then only the actor's own reservations).
  Result<detail::Actor> authorize_reservations(const Principal& who, TenantId tenant);
  // availability() without its timing.
  Result<SlotPage> availability_checked(const Principal& who, TenantId tenant,
                                        const AvailabilityQuery& query);
  // reserve() from authorization on.
  Result<Reservation> reserve_checked(const Principal& who, TenantId tenant,
                                      const ReserveRequest& request, detail::WriteOutcome* outcome);
  // reserve() after authorization, with the request as the actor may make it.
  Result<Reservation> reserve_as(const detail::Actor& actor, TenantId tenant,
                                 const ReserveRequest& req, detail::WriteOutcome* outcome);
  // Engine::list_reservations after authorization (a customer sees only their own).
  Result<std::vector<Reservation>> list_reservations_as(const detail::Actor& actor, TenantId tenant,
                                                        const ReservationFilter& filter);
  // Engine::confirm after its arguments (Waitlist::accept confirms through it too).
  Result<Reservation> confirm_reservation(const Principal& who, TenantId tenant, ReservationId id,
                                          std::optional<std::int64_t> if_version);
  // Expires up to `limit` lapsed holds (all tenants) as `actor`: each in its own
  // transaction, which also lapses a waitlist offer and passes the capacity on.
  Result<detail::HoldSweep> expire_holds_as(const detail::Actor& actor, int limit);
  // After a committed catalog change that may have freed capacity on `resources` (capacity
  // raised, schedule extended): offers it to waiting entries in a transaction of its own.
  // Best effort; failures leave the entries waiting.
  void offer_after_catalog_change(const detail::Actor& actor, TenantId tenant,
                                  std::vector<ResourceId> resources);
  // For system-wide operations (tenants, sweeps): permission `p` across every tenant.
  Result<detail::Actor> authorize_global(const Principal& who, Permission p);

  Status check_tenant_active(StorageTransaction& txn, TenantId tenant);
  Status check_tenant_exists(StorageTransaction& txn, TenantId tenant);

  // Appends one audit record in `txn` as `actor` or, for the anonymous and pre-principal
  // security events, as `actor_name`/`source`: linked into its chain at once (locking the
  // chain head until commit), or, on a store that seals after commit, appended unsealed
  // for the sealer (docs/architecture.md, "Audit sealing").
  Status audit(StorageTransaction& txn, const detail::Actor& actor, detail::AuditEntry entry);
  Status audit_as(StorageTransaction& txn, std::string_view actor_name, std::string_view source,
                  detail::AuditEntry entry);
  // Links every committed unsealed record into its chain: one write transaction per chain
  // (and per 1,000 records), each holding the chain's lock, so one sealer works on a chain
  // at a time across threads, processes and hosts. A no-op on stores that seal inline, and
  // in read-only mode. Reads of the trail call it first, so they see every committed change.
  Status seal_audit();
  // Writes an event (boka/events.hpp) in `txn`, the change's own transaction, as `actor`:
  // `payload_json` is the subject's state after the change (docs/events.md). The
  // emit_* forms build it from the object with the shells' codec (src/engine/events.cpp);
  // emit_reservation fills the reservation's zone first.
  Status emit(StorageTransaction& txn, const detail::Actor& actor, TenantId tenant,
              std::string type, std::string subject, std::optional<CustomerId> customer,
              std::string payload_json);
  // `previous` (a move): its start and end go in the payload as "previous".
  Status emit_reservation(StorageTransaction& txn, const detail::Actor& actor, const char* type,
                          Reservation r, const Reservation* previous = nullptr);
  Status emit_series(StorageTransaction& txn, const detail::Actor& actor, const char* type,
                     const Series& s, const std::vector<ReservationId>& reservations);
  Status emit_waitlist(StorageTransaction& txn, const detail::Actor& actor, const char* type,
                       const WaitlistEntry& e);
  Status emit_customer(StorageTransaction& txn, const detail::Actor& actor, const char* type,
                       const Customer& c);
  // Gives committed events their positions when the store leaves that for later
  // (PostgreSQL): in a write transaction of its own, under the positioner's lock. Returns
  // without writing when nothing waits.
  Status position_events();

  // Records a refused change (one record, in a transaction of its own, best effort: a
  // store failure here leaves the refusal unrecorded and is not reported). A refusal by
  // authorization goes to the principal's home chain (so it cannot create chains for
  // tenants that do not exist); others to `tenant` when it exists.
  void audit_refusal(const Principal& who, TenantId tenant, std::string_view action,
                     std::string_view target, const Status& refusal);
  // Runs `op` (a call that changes state) and records its refusal, if it is refused and
  // `op` has not recorded it already (*already_recorded).
  template <typename F>
  auto refusal_audited(const Principal& who, TenantId tenant, std::string_view action,
                       std::string_view target, F&& op, const bool* already_recorded = nullptr)
      -> decltype(op()) {
    auto result = op();
    if (!result.ok() && !(already_recorded != nullptr && *already_recorded)) {
      audit_refusal(who, tenant, action, target, status_of(result));
    }
    return result;
  }
  // Inside a write transaction, after the decision `decided`: a conflict reached before
  // anything was written is kept in `refused`. A booking rule's conflict is recorded right
  // here (one transaction instead of a rolled-back one and a second for the record) and the
  // transaction commits just the record; a capacity conflict is not audited and is returned,
  // so the transaction rolls back (the caller then sees it in both the write's status and
  // `refused`; see capacity_refused). Anything else is returned as is.
  Status record_conflict(StorageTransaction& txn, const detail::Actor& actor, TenantId tenant,
                         std::string_view action, std::string_view target, const Status& decided,
                         bool wrote, Status& refused);
  // After a booking write whose callback went through record_conflict: true when the write
  // rolled back a capacity refusal (its status is that refusal, kept in `refused`), as
  // opposed to failing on its own.
  static bool capacity_refused(const Status& write_status, const Status& refused) {
    return !refused.ok() && write_status.code() == Code::conflict && is_capacity_refusal(refused);
  }
  static const Status& status_of(const Status& s) { return s; }
  template <typename T>
  static Status status_of(const Result<T>& r) {
    return r.status();
  }

  // Reads the stored reservation and derives its status as of now (a lapsed hold reads as
  // expired).
  static Reservation with_derived_status(Reservation r, std::int64_t now);
  // Sets r.zone to the zone of its first allocation's resource (allocations are sorted by
  // resource id), the zone the shells show its local times in. `known` (optional) caches
  // zones across the reservations of one read.
  static Status fill_zone(StorageTransaction& txn, TenantId tenant, Reservation& r,
                          std::unordered_map<ResourceId, std::string>* known = nullptr);

  // The background sealer on stores that seal after commit (else null). Declared last, so
  // it stops before anything it uses is destroyed.
  std::unique_ptr<detail::AuditSealer> sealer;
};

}  // namespace boka::detail

namespace boka {
// The engine's translation units name it without the detail:: prefix.
using detail::EngineImpl;
}  // namespace boka
