// boka/storage_spi.hpp: the interface a store implements, for store authors and for tests
// that drive a store directly or inject faults. Embedders do not need it: they open a store
// by URI (boka/storage.hpp) and use the Engine. Neither boka/engine.hpp nor boka/boka.hpp
// includes this header, so the row-level interface can change without touching them.
//
// Storage does rows; the engine decides. No booking rule lives in a store, so every store
// enforces exactly the same rules. To write a store of your own, derive from Storage and
// StorageTransaction, then run the conformance suite (the boka::conformance CMake target)
// against it: see README.md, "Writing a store".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/audit.hpp"
#include "boka/auth.hpp"
#include "boka/customer.hpp"
#include "boka/events.hpp"
#include "boka/feeds.hpp"
#include "boka/function_ref.hpp"
#include "boka/ids.hpp"
#include "boka/mail.hpp"
#include "boka/operations.hpp"
#include "boka/payments.hpp"
#include "boka/pool.hpp"
#include "boka/reservation.hpp"
#include "boka/resource.hpp"
#include "boka/schedule.hpp"
#include "boka/series.hpp"
#include "boka/service.hpp"
#include "boka/status.hpp"
#include "boka/storage.hpp"
#include "boka/tenant.hpp"
#include "boka/time.hpp"
#include "boka/waitlist.hpp"
#include "boka/webhooks.hpp"

namespace boka {

// One allocation of a held or confirmed reservation, as the conflict check needs it.
struct Booking {
  ReservationId reservation{};
  Instant start{};
  Instant end{};
  int quantity = 1;
  ReservationStatus status = ReservationStatus::confirmed;
  std::optional<Instant> hold_expires_at;
  // The reservation's own buffers (Reservation::buffer_before/after: its service's); the
  // engine applies them where they are longer than the resource's.
  Seconds buffer_before{0};
  Seconds buffer_after{0};
};

// An idempotency key's record: which request used it first and what that produced.
struct IdempotencyRecord {
  std::string key;
  std::string request_fingerprint;  // hex SHA-256 of the canonical request
  ReservationId reservation{};
};

// A user as stored: the public view plus the secrets only the engine handles.
struct StoredUser {
  User user;                        // stores derive user.mfa_enabled from !totp_secret.empty()
  std::string password_hash;        // Argon2id PHC string
  std::string totp_secret;          // sealed TOTP secret (AES-256-GCM), or "" without MFA
  std::string totp_pending;         // sealed secret of an enrolment not yet confirmed, or ""
  std::int64_t totp_last_step = 0;  // the last accepted TOTP step (replay protection)
  int totp_failures = 0;
  std::optional<Instant> totp_locked_until;
  std::vector<std::string> recovery_code_hashes;  // hex SHA-256 of unused recovery codes
  std::optional<Instant> failure_window_start;    // the hour the hourly cap counts in
  int failures_in_window = 0;
};

struct StoredSession {
  Session session;
  std::string token_hash;         // hex SHA-256 of the token; unique
  std::int64_t idle_seconds = 0;  // the idle timeout this session was granted
  std::optional<Instant> revoked_at;
};

struct StoredApiKey {
  ApiKey key;
  std::string secret_hash;  // hex SHA-256 of the key's secret part
};

// Row access inside one transaction. Obtained only inside Storage::read / Storage::write
// callbacks and valid only until the callback returns; used from that one thread.
//
// Reads return std::nullopt for a row that does not exist or belongs to another tenant.
// In a read transaction, every insert/update returns Code::internal.
// Errors: Code::unavailable for transient failures (busy, lost connection), Code::storage
// otherwise. Unique violations (tenant name, idempotency key) return Code::already_exists.
// A webhook endpoint as stored: its secrets sealed with the engine's SecretBox (the store
// never sees them in clear), and deleted endpoints kept (their deliveries name them).
struct StoredWebhookEndpoint {
  WebhookEndpoint endpoint;
  std::string secret_sealed;
  std::string previous_secret_sealed;  // "" when no rotation is under way
  bool deleted = false;
};

// A calendar feed as stored: the SHA-256 (hex) of its token's secret, never the secret.
struct StoredFeed {
  CalendarFeed feed;
  std::string secret_hash;
};

// A message as stored: its content beside it, and the key that makes it once only (the
// event or the reminder it was written for).
struct StoredEmail {
  Email email;
  std::string dedupe_key;  // unique per tenant: "event:<id>" or "reminder:<reservation>:<start>"
  std::string text;
  std::string html;
  std::string ics;
};

// A payment provider's notification as taken (boka/payments.hpp): its id makes it once only.
struct PaymentEventRecord {
  TenantId tenant{};
  std::string provider_event_id;
  std::string type;
  PaymentOutcome outcome = PaymentOutcome::ignored;
  std::optional<ReservationId> reservation;
  Instant received_at{};
};

// An audit record appended without its place in the chain, as it waits for its seal.
struct UnsealedAuditRecord {
  std::int64_t id = 0;  // the store's, for delete_unsealed_audit; rises in append order
  AuditRecord record;   // seq 0, prev_hash and hash empty
};

// What the engine derived from a transaction's rows (a resource's conflict index at the
// version this transaction gave it), kept for later work in the same database transaction.
// A store that runs several callers' work in one transaction (SQLite's commit groups) owns
// one per transaction and hands it out through StorageTransaction::memo(): a later caller
// then starts from the index an earlier one left instead of rebuilding it from the rows.
//
// The store brackets each caller's work with open_layer() and keep_layer() (the work's
// savepoint was released) or drop_layer() (it was rolled back): what a rolled-back caller
// put is never found, since a later caller could give the same resource the same version
// with different rows. Discard the memo with its transaction. Not thread-safe: one
// transaction runs on one thread. Values are shared and immutable; the memo owns its
// references to them.
class TransactionMemo {
 public:
  // What was put for (resource, version) and kept, or put in the open layer; else null.
  std::shared_ptr<const void> find(ResourceId resource, std::int64_t version) const {
    for (const Layer* layer : {&open_, &kept_}) {
      for (auto it = layer->rbegin(); it != layer->rend(); ++it) {
        if (it->resource == resource && it->version == version) return it->value;
      }
    }
    return nullptr;
  }
  // Records `value` for (resource, version) in the open layer (kept at once when none is
  // open).
  void put(ResourceId resource, std::int64_t version, std::shared_ptr<const void> value) {
    Layer& to = layer_open_ ? open_ : kept_;
    // A transaction touches few resources; keep only the newest version of each.
    std::erase_if(to, [&](const Entry& e) { return e.resource == resource; });
    to.push_back(Entry{resource, version, std::move(value)});
  }
  void open_layer() {
    open_.clear();
    layer_open_ = true;
  }
  void keep_layer() {
    for (Entry& e : open_) {
      std::erase_if(kept_, [&](const Entry& k) { return k.resource == e.resource; });
      kept_.push_back(std::move(e));
    }
    open_.clear();
    layer_open_ = false;
  }
  void drop_layer() {
    open_.clear();
    layer_open_ = false;
  }

 private:
  struct Entry {
    ResourceId resource{};
    std::int64_t version = 0;
    std::shared_ptr<const void> value;
  };
  using Layer = std::vector<Entry>;
  Layer kept_, open_;
  bool layer_open_ = false;
};

class StorageTransaction {
 public:
  virtual ~StorageTransaction() = default;

  // The memo of the database transaction this work runs in (see TransactionMemo), or null
  // when the store keeps none (each caller's work its own transaction: nothing later in it
  // could reuse what the engine derived). Owned by the store; valid during the work.
  virtual TransactionMemo* memo() { return nullptr; }

  virtual Result<TenantId> insert_tenant(const Tenant& tenant) = 0;  // ignores tenant.id
  virtual Result<std::optional<Tenant>> find_tenant(TenantId id) = 0;
  virtual Result<std::vector<Tenant>> list_tenants() = 0;  // by id
  virtual Status update_tenant(const Tenant& tenant) = 0;  // every field by id

  virtual Result<ResourceId> insert_resource(const Resource& resource) = 0;
  virtual Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) = 0;
  virtual Result<std::vector<Resource>> list_resources(TenantId tenant) = 0;  // by id
  virtual Status update_resource(const Resource& resource) = 0;  // every field, incl. version

  virtual Result<ScheduleId> insert_schedule(const Schedule& schedule) = 0;
  virtual Result<std::optional<Schedule>> find_schedule(TenantId tenant, ScheduleId id) = 0;
  virtual Result<std::vector<Schedule>> list_schedules(TenantId tenant) = 0;
  virtual Status update_schedule(const Schedule& schedule) = 0;

  virtual Result<PoolId> insert_pool(const Pool& pool) = 0;
  virtual Result<std::optional<Pool>> find_pool(TenantId tenant, PoolId id) = 0;
  virtual Result<std::vector<Pool>> list_pools(TenantId tenant) = 0;
  virtual Status update_pool(const Pool& pool) = 0;

  // Services (boka/service.hpp).
  virtual Result<ServiceId> insert_service(const Service& service) = 0;  // ignores service.id
  virtual Result<std::optional<Service>> find_service(TenantId tenant, ServiceId id) = 0;
  virtual Result<std::vector<Service>> list_services(TenantId tenant) = 0;  // by id
  virtual Status update_service(const Service& service) = 0;  // every field, incl. version

  // Customers (boka/customer.hpp). Emails are stored as given (the engine lower-cases
  // them). Stores need not enforce uniqueness of email, external_ref or user (the engine
  // checks under its customer lock), but may (already_exists).
  virtual Result<CustomerId> insert_customer(const Customer& customer) = 0;  // ignores id
  virtual Result<std::optional<Customer>> find_customer(TenantId tenant, CustomerId id) = 0;
  // The live customers (neither merged nor erased) whose email equals `email` (when not
  // empty), or whose external_ref equals `external_ref` (when not empty), or whose user is
  // `user` (when set); by id.
  virtual Result<std::vector<Customer>> find_live_customers(TenantId tenant, std::string_view email,
                                                            std::string_view external_ref,
                                                            std::optional<UserId> user) = 0;
  // By id ascending, ids > filter.after_id, at most filter.limit. filter.query (already
  // lower-cased by the engine) matches a prefix of the lower-cased display name, of any
  // word of it (after a space), or of the email.
  virtual Result<std::vector<Customer>> list_customers(TenantId tenant,
                                                       const CustomerFilter& filter) = 0;
  virtual Status update_customer(const Customer& customer) = 0;  // every field
  // The series naming `customer` (Series::customer_id), by id.
  virtual Result<std::vector<Series>> list_customer_series(TenantId tenant,
                                                           CustomerId customer) = 0;

  // Inserts the reservation and its allocations; returns the new id.
  virtual Result<ReservationId> insert_reservation(const Reservation& reservation) = 0;
  // Rewrites every field and replaces the allocations.
  virtual Status update_reservation(const Reservation& reservation) = 0;
  virtual Result<std::optional<Reservation>> find_reservation(TenantId tenant,
                                                              ReservationId id) = 0;
  // Every filter field applies (see ReservationFilter), in filter.order with its keyset.
  virtual Result<std::vector<Reservation>> list_reservations(TenantId tenant,
                                                             const ReservationFilter& filter) = 0;
  // Every allocation on `resource` of a reservation whose stored status is held or
  // confirmed (expired-but-unswept holds included: the engine filters by time).
  virtual Result<std::vector<Booking>> active_bookings(ResourceId resource) = 0;
  // Reservations of any tenant with stored status held and hold_expires_at <= now.
  virtual Result<std::vector<Reservation>> expired_holds(Instant now, int limit) = 0;

  // Series (boka/series.hpp): the row that groups a series' reservations (each occurrence
  // is an ordinary reservation whose `series` names it).
  virtual Result<SeriesId> insert_series(const Series& series) = 0;  // ignores series.id
  virtual Result<std::optional<Series>> find_series(TenantId tenant, SeriesId id) = 0;
  virtual Status update_series(const Series& series) = 0;  // every field, incl. version

  // Waitlist (boka/waitlist.hpp). Entries are returned in queue order: priority
  // descending, then joined_at, then id.
  virtual Result<WaitlistEntryId> insert_waitlist_entry(const WaitlistEntry& entry) = 0;
  virtual Status update_waitlist_entry(const WaitlistEntry& entry) = 0;  // every field
  virtual Result<std::optional<WaitlistEntry>> find_waitlist_entry(TenantId tenant,
                                                                   WaitlistEntryId id) = 0;
  // The entry whose offer is `reservation` (status offered or accepted), if any.
  virtual Result<std::optional<WaitlistEntry>> find_waitlist_entry_by_offer(
      TenantId tenant, ReservationId reservation) = 0;
  virtual Result<std::vector<WaitlistEntry>> list_waitlist(TenantId tenant,
                                                           const WaitlistFilter& filter) = 0;
  // Entries with status waiting that name any of `resources` directly or any of `pools`,
  // whose accepted starts overlap the freed range: earliest_start < to and
  // latest_start + duration > from. Queue order; at most `limit`.
  virtual Result<std::vector<WaitlistEntry>> waiting_entries(
      TenantId tenant, const std::vector<ResourceId>& resources, const std::vector<PoolId>& pools,
      Instant from, Instant to, int limit) = 0;
  // Entries of any tenant that are waiting with expires_at <= now, or offered with
  // offer_expires_at <= now; at most `limit`, oldest deadline first (then by id). Like
  // expired_holds, called in a transaction over every tenant (TxnScope::all_tenants(); on
  // PostgreSQL, row level security hides the other tenants' rows from any narrower scope).
  virtual Result<std::vector<WaitlistEntry>> due_waitlist_entries(Instant now, int limit) = 0;
  // How many entries are waiting, in `tenant` or (nullopt) in every tenant (the latter in a
  // transaction over every tenant, as due_waitlist_entries).
  virtual Result<std::int64_t> count_waiting(std::optional<TenantId> tenant) = 0;

  virtual Status insert_idempotency(TenantId tenant, const IdempotencyRecord& record) = 0;
  virtual Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId tenant,
                                                                    std::string_view key) = 0;

  // ---- authentication rows (see boka/auth.hpp). Emails are stored as given (the engine
  // lower-cases them); (tenant, email) is unique: already_exists.
  // In a write transaction, find_user, find_user_by_email and find_api_key lock the row they
  // return until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE), so a read-modify-
  // write of security state (failure counters, the TOTP replay step, recovery codes, a key's
  // revocation) never decides on a row another writer is changing. A store whose writers
  // are exclusive (SQLite, memory) already meets this.
  virtual Result<UserId> insert_user(const StoredUser& user) = 0;
  virtual Result<std::optional<StoredUser>> find_user(TenantId tenant, UserId id) = 0;
  virtual Result<std::optional<StoredUser>> find_user_by_email(TenantId tenant,
                                                               std::string_view email) = 0;
  virtual Result<std::vector<StoredUser>> list_users(TenantId tenant) = 0;  // by id
  // Users of every tenant visible to the transaction's scope with role >= `min_role`.
  virtual Result<std::vector<StoredUser>> list_users_with_role(Role min_role) = 0;
  virtual Status update_user(const StoredUser& user) = 0;

  virtual Result<SessionId> insert_session(const StoredSession& session) = 0;
  // By token hash, in any tenant the scope can see.
  virtual Result<std::optional<StoredSession>> find_session_by_token(
      std::string_view token_hash) = 0;
  virtual Result<std::optional<StoredSession>> find_session(SessionId id) = 0;
  // Sessions not revoked, of `tenant` (0: every tenant in scope) and `user` (0: every
  // user), by id. Expired but unrevoked sessions are included: the engine filters by time.
  virtual Result<std::vector<StoredSession>> list_sessions(TenantId tenant, UserId user) = 0;
  virtual Status update_session(const StoredSession& session) = 0;
  // Revokes (sets revoked_at) every unrevoked session of `tenant` (0: every tenant in
  // scope) and `user` (0: every user) except `keep`; returns how many.
  virtual Result<std::int64_t> revoke_sessions(TenantId tenant, UserId user, Instant at,
                                               SessionId keep) = 0;
  // Deletes up to `limit` sessions that are revoked or past either expiry at `now`.
  virtual Result<std::int64_t> delete_dead_sessions(Instant now, int limit) = 0;
  // Sessions unrevoked and unexpired at `now` in every tenant the scope can see.
  virtual Result<std::int64_t> count_live_sessions(Instant now) = 0;

  virtual Result<ApiKeyId> insert_api_key(const StoredApiKey& key) = 0;
  virtual Result<std::optional<StoredApiKey>> find_api_key(ApiKeyId id) = 0;  // any tenant in scope
  virtual Result<std::vector<StoredApiKey>> list_api_keys(TenantId tenant) = 0;  // by id
  virtual Status update_api_key(const StoredApiKey& key) = 0;

  // ---- audit trail (see boka/audit.hpp): one hash chain per tenant (0: system-wide).
  // Returns the head of `tenant`'s chain (its record with the highest seq; seq 0 and hash ""
  // when it is empty) and holds the chain until the transaction ends, so no other
  // transaction appends to it meanwhile (a store whose writers are not already exclusive
  // takes a lock per chain, after the resource locks).
  virtual Result<AuditHead> lock_audit_head(TenantId tenant) = 0;
  // Inserts `record` (every field as given). Call only after lock_audit_head(record.tenant)
  // in the same transaction, with seq = head.seq + 1. A seq already present in the chain is
  // already_exists.
  virtual Status append_audit(AuditRecord record) = 0;  // by value: a store may keep it
  // Records of query.tenant matching the query, by seq ascending, at most query.limit.
  virtual Result<std::vector<AuditRecord>> list_audit(const AuditQuery& query) = 0;
  // The head of every chain the scope can see, by tenant.
  virtual Result<std::vector<AuditHead>> audit_heads() = 0;

  // ---- audit records sealed after commit (Storage::seals_audit_after_commit) -------------
  // A store whose writers run concurrently (PostgreSQL) lets a change append its record
  // without the chain's lock: the record waits, unsealed, until a seal transaction links it
  // into its chain (docs/architecture.md, "Audit sealing"). Stores that seal inline need not
  // implement these; the defaults answer not_supported.
  //
  // Inserts `record` without its place in the chain (seq, prev_hash and hash are ignored).
  virtual Status append_unsealed_audit(AuditRecord record) {
    (void)record;
    return NotSupported("this store seals audit records inline");
  }
  // The chains with unsealed records the scope can see, ascending.
  virtual Result<std::vector<TenantId>> unsealed_audit_chains() { return std::vector<TenantId>{}; }
  // Up to `limit` unsealed records of `tenant`'s chain in the order they were appended, each
  // with the id delete_unsealed_audit takes. Call after lock_audit_head(tenant).
  virtual Result<std::vector<UnsealedAuditRecord>> list_unsealed_audit(TenantId tenant, int limit) {
    (void)tenant;
    (void)limit;
    return std::vector<UnsealedAuditRecord>{};
  }
  // Removes the unsealed records `ids` of `tenant` (sealed in this transaction).
  virtual Status delete_unsealed_audit(TenantId tenant, const std::vector<std::int64_t>& ids) {
    (void)tenant;
    (void)ids;
    return NotSupported("this store seals audit records inline");
  }
  // How many records wait to be sealed: in `tenant`'s chain, or in every chain the scope
  // can see (0 for a store that seals inline).
  virtual Result<std::int64_t> count_unsealed_audit(std::optional<TenantId> tenant) {
    (void)tenant;
    return std::int64_t{0};
  }

  // ---- events (boka/events.hpp, docs/events.md "Positions")
  // Stores `event` (ignores id and position), giving it an id: ids rise in the order events
  // are inserted, across all tenants, and are never given twice. A store whose write transactions
  // run one at a time (memory, SQLite) also gives it its position (the id does: commit order is
  // insert order there); a store with concurrent writers leaves it unpositioned for
  // position_events.
  virtual Status insert_event(const Event& event) = 0;
  // The tenant's positioned events with position > query.after, by position, at most
  // query.limit, matching query.types ("family.*" or exact) and query.subject.
  virtual Result<std::vector<Event>> list_events(TenantId tenant, const EventQuery& query) = 0;
  virtual Result<std::optional<Event>> find_event(TenantId tenant, EventId id) = 0;
  // The highest position of the tenant's events (0 if none).
  virtual Result<std::int64_t> event_head(TenantId tenant) = 0;
  // Whether some committed event has no position yet (always false on a store that gives
  // positions at insert).
  virtual Result<bool> has_unpositioned_events() = 0;
  // Gives up to `limit` committed unpositioned events (all tenants) positions after the
  // highest one given so far, in id order; returns how many. The engine calls it in an
  // all-tenants write transaction holding the lock name "boka:events:position", so one
  // positioner runs at a time (docs/events.md explains why id order among committed events
  // keeps every subject's order and never puts an event behind a reader). A store that
  // gives positions at insert returns 0.
  virtual Result<std::int64_t> position_events(int limit) = 0;
  // Deletes up to `limit` events (all tenants) that occurred before `cutoff` and that no
  // pending webhook delivery names, oldest first; returns how many.
  virtual Result<std::int64_t> delete_events_before(Instant cutoff, int limit) = 0;
  // Replaces the payload of every event of the tenant naming `customer` (Event::customer_id)
  // with `payload_json`; returns how many.
  virtual Result<std::int64_t> redact_customer_events(TenantId tenant, CustomerId customer,
                                                      std::string_view payload_json) = 0;

  // ---- webhooks (boka/webhooks.hpp)
  virtual Result<WebhookEndpointId> insert_webhook_endpoint(const StoredWebhookEndpoint& e) = 0;
  virtual Result<std::optional<StoredWebhookEndpoint>> find_webhook_endpoint(
      TenantId tenant, WebhookEndpointId id) = 0;  // deleted ones too
  // The tenant's endpoints that are not deleted, by id; all_tenants: every tenant's active,
  // undeleted endpoints (what the worker schedules for).
  virtual Result<std::vector<StoredWebhookEndpoint>> list_webhook_endpoints(TenantId tenant) = 0;
  virtual Result<std::vector<StoredWebhookEndpoint>> active_webhook_endpoints() = 0;
  virtual Status update_webhook_endpoint(const StoredWebhookEndpoint& e) = 0;  // every field
  virtual Result<WebhookDeliveryId> insert_delivery(const WebhookDelivery& d) = 0;
  virtual Status update_delivery(const WebhookDelivery& d) = 0;  // every field by id
  virtual Result<std::optional<WebhookDelivery>> find_delivery(TenantId tenant,
                                                               WebhookDeliveryId id) = 0;
  // Newest first (id descending), matching the filter.
  virtual Result<std::vector<WebhookDelivery>> list_deliveries(TenantId tenant,
                                                               const DeliveryFilter& filter) = 0;
  // All tenants: up to `limit` pending deliveries due at `now` (next_attempt_at <= now, no
  // lease or a lapsed one) of active, undeleted endpoints that have no pending delivery of
  // the same endpoint and subject with a lower event_position; by next_attempt_at, then id.
  virtual Result<std::vector<WebhookDelivery>> due_deliveries(Instant now, int limit) = 0;
  // Sets leased_until = until if the delivery is pending and not leased at `now`; false if
  // another worker holds it (or it is no longer pending). Atomic against concurrent calls.
  virtual Result<bool> lease_delivery(WebhookDeliveryId id, Instant now, Instant until) = 0;
  // The tenant's pending deliveries of `endpoint` become dead; returns how many.
  virtual Result<std::int64_t> end_deliveries(TenantId tenant, WebhookEndpointId endpoint,
                                              std::string_view reason) = 0;
  virtual Status insert_delivery_attempt(TenantId tenant, const DeliveryAttempt& a) = 0;
  virtual Result<std::vector<DeliveryAttempt>> list_delivery_attempts(
      TenantId tenant, WebhookDeliveryId delivery) = 0;  // by attempt
  // All tenants: how many deliveries are pending, and when the oldest of them was made.
  virtual Result<std::pair<std::int64_t, std::optional<Instant>>> pending_deliveries() = 0;

  // ---- calendar feeds (boka/feeds.hpp)
  virtual Result<FeedId> insert_feed(const StoredFeed& feed) = 0;  // ignores feed.id
  // By id in any tenant the scope can see (a token names no tenant, like an API key).
  virtual Result<std::optional<StoredFeed>> find_feed(FeedId id) = 0;
  virtual Result<std::vector<StoredFeed>> list_feeds(TenantId tenant) = 0;  // by id
  virtual Status update_feed(const StoredFeed& feed) = 0;                   // every field

  // ---- per-tenant settings (mail, payments): a named JSON document per tenant
  virtual Result<std::optional<std::string>> get_tenant_setting(TenantId tenant,
                                                                std::string_view name) = 0;
  virtual Status put_tenant_setting(TenantId tenant, std::string_view name,
                                    std::string_view value) = 0;
  // All tenants: those that have the setting `name`, by id.
  virtual Result<std::vector<TenantId>> tenants_with_setting(std::string_view name) = 0;

  // ---- mail (boka/mail.hpp)
  // Stores the message (ignores email.id); nullopt (and nothing written) when the tenant
  // already has one with the same dedupe_key.
  virtual Result<std::optional<EmailId>> insert_email(const StoredEmail& e) = 0;
  // The state fields by id: status, attempts, next_attempt_at, last_smtp_code, last_error,
  // leased_until, sent_at.
  virtual Status update_email(const Email& e) = 0;
  virtual Result<std::optional<StoredEmail>> find_email(TenantId tenant, EmailId id) = 0;
  virtual Result<std::vector<Email>> list_emails(TenantId tenant, const EmailFilter& f) = 0;
  // All tenants: up to `limit` pending messages due at `now` (next_attempt_at <= now, no
  // lease or a lapsed one), by next_attempt_at then id.
  virtual Result<std::vector<Email>> due_emails(Instant now, int limit) = 0;
  // Sets leased_until = until if the message is pending and not leased at `now`.
  virtual Result<bool> lease_email(EmailId id, Instant now, Instant until) = 0;
  // Blanks the address, subject and content of the customer's messages; returns how many.
  virtual Result<std::int64_t> redact_customer_emails(TenantId tenant, CustomerId customer) = 0;
  // All tenants: how many messages are pending, and when the oldest of them was written.
  virtual Result<std::pair<std::int64_t, std::optional<Instant>>> pending_emails() = 0;

  // ---- payments (boka/payments.hpp)
  // Records a provider event; false (nothing written) when the tenant has it already.
  virtual Result<bool> insert_payment_event(const PaymentEventRecord& e) = 0;

  // ---- operations
  // Row count and on-disk size (0 where the store cannot tell) of each of boka's tables.
  virtual Result<std::vector<TableStats>> table_stats() = 0;
  // System-wide named values (the worker's heartbeat, the last backup): "" names are
  // refused. Visible to every scope.
  virtual Result<std::optional<std::string>> get_setting(std::string_view name) = 0;
  virtual Status put_setting(std::string_view name, std::string_view value) = 0;
};

// The tenant a transaction acts for. Stores with row level security (PostgreSQL) let the
// transaction see and write only that tenant's rows, so a query that forgets its tenant
// filter still cannot cross tenants. all_tenants() is for system-wide work only: creating
// and listing tenants, sweeping lapsed holds.
class TxnScope {
 public:
  static TxnScope tenant(TenantId id) { return TxnScope(id); }
  static TxnScope all_tenants() { return TxnScope(TenantId{}); }
  bool is_all() const { return tenant_ == 0; }
  TenantId tenant_id() const { return tenant_; }  // 0 for all_tenants()

 private:
  explicit TxnScope(TenantId t) : tenant_(t) {}
  TenantId tenant_;
};

// What a write transaction will touch. The store locks these resources for the whole
// transaction in a fixed order, so two writers never decide on stale data and never
// deadlock. Writes that touch no resource (a new tenant) pass an empty list.
struct WriteIntent {
  WriteIntent(TxnScope s, std::vector<ResourceId> locks = {})
      : scope(s), lock_resources(std::move(locks)) {}
  TxnScope scope;
  std::vector<ResourceId> lock_resources;  // any order; duplicates allowed
  // Named locks, taken after the resources in name order and held to the end: the engine
  // names a customer ("customer:<tenant>:<id>") so that two bookings for one customer on
  // different resources still decide one after the other (per-customer limits). Any order;
  // duplicates allowed. A store whose writers are exclusive (SQLite, memory) may ignore it.
  std::vector<std::string> lock_names;
  // Called once the transaction has committed, before the store begins another write
  // transaction in this process (the engine installs the conflict indexes the write built,
  // so the next writer finds them). Must not throw or call back into the store. A store
  // may ignore it: the engine repeats the same installation after write() returns, which
  // is only slower (the next writer may rebuild an index).
  std::function<void()> after_commit;
  // The audit chain this write will append to, when the caller knows it in advance (a
  // reservation write appends to its tenant's chain). A store may use it to send the
  // chain's lock and head read together with other statements (PostgreSQL: fewer round
  // trips). Stores may ignore it; lock_audit_head must work either way.
  std::optional<TenantId> audit_chain;
};

// What Storage::backup copied, read in the same snapshot as the copy: what a backup's
// manifest records, so that a later verification can compare the copy with it.
struct BackupSnapshot {
  std::string source;  // what was copied (the database file, absolute)
  int schema_version = 0;
  std::vector<TableStats> tables;      // row counts (bytes 0)
  std::vector<AuditHead> audit_heads;  // every chain's head
};

// Called as a backup copies: pages copied so far and in all. May be empty.
using BackupProgress = std::function<void(std::int64_t copied_pages, std::int64_t total_pages)>;

// A store. Implementations are safe for concurrent use from any number of threads; SQL
// stores also from several processes.
class Storage {
 public:
  virtual ~Storage() = default;

  using Work = FunctionRef<Status(StorageTransaction&)>;

  // Runs `work` in a read transaction, limited to `scope`, that sees one consistent
  // snapshot.
  virtual Status read(const TxnScope& scope, Work work) = 0;

  // Runs `work` in a write transaction with intent.lock_resources locked. Commits if
  // `work` returns ok and the commit succeeds; otherwise rolls back and nothing is kept.
  // The store may run `work` more than once after a serialization failure or a busy
  // database, so `work` must reset any state it keeps outside the transaction at its start.
  // Returns `work`'s error, or the commit's.
  virtual Status write(const WriteIntent& intent, Work work) = 0;

  virtual StorageInfo info() const = 0;

  // Whether the engine appends audit records unsealed (append_unsealed_audit) and links them
  // into their chains after commit, instead of taking the chain's lock in every change. True
  // where writers of one tenant would otherwise serialize on the chain from the append to
  // the commit's flush (PostgreSQL); false where writers are exclusive anyway (memory,
  // SQLite), which seal inline at no cost.
  virtual bool seals_audit_after_commit() const { return false; }

  // Copies the whole database into the new file `target` as one consistent snapshot, taken
  // while writers go on: the copy holds exactly the transactions committed before it began.
  // The file is created private to its owner and is complete when this returns ok; the
  // caller names it, syncs it, writes the manifest and applies retention (Operations::backup).
  // The default answers not_supported: a store whose database has tools of its own
  // (PostgreSQL: pg_dump) or nothing to keep (memory) need not override it.
  virtual Result<BackupSnapshot> backup(const std::string& target, const BackupProgress& progress) {
    (void)target;
    (void)progress;
    const std::string dialect = info().dialect;
    return NotSupported("backup: boka backs up its SQLite store only; for " + dialect +
                        " use the database's own tools (pg_dump, see docs/operations.md)");
  }
};

// Forwards every call to another store: override one method to inject a fault in tests
// (LevelDB's EnvWrapper pattern). Does not own `target` unless given a shared_ptr.
class StorageWrapper : public Storage {
 public:
  explicit StorageWrapper(std::shared_ptr<Storage> target) : target_(std::move(target)) {}
  Status read(const TxnScope& scope, Work work) override { return target_->read(scope, work); }
  Status write(const WriteIntent& intent, Work work) override {
    return target_->write(intent, work);
  }
  StorageInfo info() const override { return target_->info(); }
  bool seals_audit_after_commit() const override { return target_->seals_audit_after_commit(); }
  Result<BackupSnapshot> backup(const std::string& target,
                                const BackupProgress& progress) override {
    return target_->backup(target, progress);
  }
  Storage& target() { return *target_; }

 private:
  std::shared_ptr<Storage> target_;
};

// Forwards every row call to another transaction, for fault injection inside a
// transaction (fail the third insert, say). Does not own `target`.
class StorageTransactionWrapper : public StorageTransaction {
 public:
  explicit StorageTransactionWrapper(StorageTransaction& target) : t_(target) {}
  TransactionMemo* memo() override { return t_.memo(); }
  Result<TenantId> insert_tenant(const Tenant& x) override { return t_.insert_tenant(x); }
  Result<std::optional<Tenant>> find_tenant(TenantId id) override { return t_.find_tenant(id); }
  Result<std::vector<Tenant>> list_tenants() override { return t_.list_tenants(); }
  Status update_tenant(const Tenant& x) override { return t_.update_tenant(x); }
  Result<ResourceId> insert_resource(const Resource& x) override { return t_.insert_resource(x); }
  Result<std::optional<Resource>> find_resource(TenantId t, ResourceId id) override {
    return t_.find_resource(t, id);
  }
  Result<std::vector<Resource>> list_resources(TenantId t) override { return t_.list_resources(t); }
  Status update_resource(const Resource& x) override { return t_.update_resource(x); }
  Result<ScheduleId> insert_schedule(const Schedule& x) override { return t_.insert_schedule(x); }
  Result<std::optional<Schedule>> find_schedule(TenantId t, ScheduleId id) override {
    return t_.find_schedule(t, id);
  }
  Result<std::vector<Schedule>> list_schedules(TenantId t) override { return t_.list_schedules(t); }
  Status update_schedule(const Schedule& x) override { return t_.update_schedule(x); }
  Result<PoolId> insert_pool(const Pool& x) override { return t_.insert_pool(x); }
  Result<std::optional<Pool>> find_pool(TenantId t, PoolId id) override {
    return t_.find_pool(t, id);
  }
  Result<std::vector<Pool>> list_pools(TenantId t) override { return t_.list_pools(t); }
  Status update_pool(const Pool& x) override { return t_.update_pool(x); }
  Result<ServiceId> insert_service(const Service& x) override { return t_.insert_service(x); }
  Result<std::optional<Service>> find_service(TenantId t, ServiceId id) override {
    return t_.find_service(t, id);
  }
  Result<std::vector<Service>> list_services(TenantId t) override { return t_.list_services(t); }
  Status update_service(const Service& x) override { return t_.update_service(x); }
  Result<CustomerId> insert_customer(const Customer& x) override { return t_.insert_customer(x); }
  Result<std::optional<Customer>> find_customer(TenantId t, CustomerId id) override {
    return t_.find_customer(t, id);
  }
  Result<std::vector<Customer>> find_live_customers(TenantId t, std::string_view email,
                                                    std::string_view external_ref,
                                                    std::optional<UserId> user) override {
    return t_.find_live_customers(t, email, external_ref, user);
  }
  Result<std::vector<Customer>> list_customers(TenantId t, const CustomerFilter& f) override {
    return t_.list_customers(t, f);
  }
  Status update_customer(const Customer& x) override { return t_.update_customer(x); }
  Result<std::vector<Series>> list_customer_series(TenantId t, CustomerId c) override {
    return t_.list_customer_series(t, c);
  }
  Result<ReservationId> insert_reservation(const Reservation& x) override {
    return t_.insert_reservation(x);
  }
  Status update_reservation(const Reservation& x) override { return t_.update_reservation(x); }
  Result<SeriesId> insert_series(const Series& x) override { return t_.insert_series(x); }
  Result<std::optional<Series>> find_series(TenantId t, SeriesId id) override {
    return t_.find_series(t, id);
  }
  Status update_series(const Series& x) override { return t_.update_series(x); }
  Result<WaitlistEntryId> insert_waitlist_entry(const WaitlistEntry& x) override {
    return t_.insert_waitlist_entry(x);
  }
  Status update_waitlist_entry(const WaitlistEntry& x) override {
    return t_.update_waitlist_entry(x);
  }
  Result<std::optional<WaitlistEntry>> find_waitlist_entry(TenantId t,
                                                           WaitlistEntryId id) override {
    return t_.find_waitlist_entry(t, id);
  }
  Result<std::optional<WaitlistEntry>> find_waitlist_entry_by_offer(TenantId t,
                                                                    ReservationId r) override {
    return t_.find_waitlist_entry_by_offer(t, r);
  }
  Result<std::vector<WaitlistEntry>> list_waitlist(TenantId t, const WaitlistFilter& f) override {
    return t_.list_waitlist(t, f);
  }
  Result<std::vector<WaitlistEntry>> waiting_entries(TenantId t,
                                                     const std::vector<ResourceId>& resources,
                                                     const std::vector<PoolId>& pools, Instant from,
                                                     Instant to, int limit) override {
    return t_.waiting_entries(t, resources, pools, from, to, limit);
  }
  Result<std::vector<WaitlistEntry>> due_waitlist_entries(Instant now, int limit) override {
    return t_.due_waitlist_entries(now, limit);
  }
  Result<std::int64_t> count_waiting(std::optional<TenantId> t) override {
    return t_.count_waiting(t);
  }
  Result<std::optional<Reservation>> find_reservation(TenantId t, ReservationId id) override {
    return t_.find_reservation(t, id);
  }
  Result<std::vector<Reservation>> list_reservations(TenantId t,
                                                     const ReservationFilter& f) override {
    return t_.list_reservations(t, f);
  }
  Result<std::vector<Booking>> active_bookings(ResourceId r) override {
    return t_.active_bookings(r);
  }
  Result<std::vector<Reservation>> expired_holds(Instant now, int limit) override {
    return t_.expired_holds(now, limit);
  }
  Status insert_idempotency(TenantId t, const IdempotencyRecord& r) override {
    return t_.insert_idempotency(t, r);
  }
  Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId t,
                                                            std::string_view key) override {
    return t_.find_idempotency(t, key);
  }

  Result<UserId> insert_user(const StoredUser& x) override { return t_.insert_user(x); }
  Result<std::optional<StoredUser>> find_user(TenantId t, UserId id) override {
    return t_.find_user(t, id);
  }
  Result<std::optional<StoredUser>> find_user_by_email(TenantId t, std::string_view e) override {
    return t_.find_user_by_email(t, e);
  }
  Result<std::vector<StoredUser>> list_users(TenantId t) override { return t_.list_users(t); }
  Result<std::vector<StoredUser>> list_users_with_role(Role r) override {
    return t_.list_users_with_role(r);
  }
  Status update_user(const StoredUser& x) override { return t_.update_user(x); }
  Result<SessionId> insert_session(const StoredSession& x) override { return t_.insert_session(x); }
  Result<std::optional<StoredSession>> find_session_by_token(std::string_view h) override {
    return t_.find_session_by_token(h);
  }
  Result<std::optional<StoredSession>> find_session(SessionId id) override {
    return t_.find_session(id);
  }
  Result<std::vector<StoredSession>> list_sessions(TenantId t, UserId u) override {
    return t_.list_sessions(t, u);
  }
  Status update_session(const StoredSession& x) override { return t_.update_session(x); }
  Result<std::int64_t> revoke_sessions(TenantId t, UserId u, Instant at, SessionId keep) override {
    return t_.revoke_sessions(t, u, at, keep);
  }
  Result<std::int64_t> delete_dead_sessions(Instant now, int limit) override {
    return t_.delete_dead_sessions(now, limit);
  }
  Result<std::int64_t> count_live_sessions(Instant now) override {
    return t_.count_live_sessions(now);
  }
  Result<ApiKeyId> insert_api_key(const StoredApiKey& x) override { return t_.insert_api_key(x); }
  Result<std::optional<StoredApiKey>> find_api_key(ApiKeyId id) override {
    return t_.find_api_key(id);
  }
  Result<std::vector<StoredApiKey>> list_api_keys(TenantId t) override {
    return t_.list_api_keys(t);
  }
  Status update_api_key(const StoredApiKey& x) override { return t_.update_api_key(x); }
  Result<AuditHead> lock_audit_head(TenantId t) override { return t_.lock_audit_head(t); }
  Status append_audit(AuditRecord r) override { return t_.append_audit(std::move(r)); }
  Result<std::vector<AuditRecord>> list_audit(const AuditQuery& q) override {
    return t_.list_audit(q);
  }
  Result<std::vector<AuditHead>> audit_heads() override { return t_.audit_heads(); }
  Status append_unsealed_audit(AuditRecord r) override {
    return t_.append_unsealed_audit(std::move(r));
  }
  Result<std::vector<TenantId>> unsealed_audit_chains() override {
    return t_.unsealed_audit_chains();
  }
  Result<std::vector<UnsealedAuditRecord>> list_unsealed_audit(TenantId t, int limit) override {
    return t_.list_unsealed_audit(t, limit);
  }
  Status delete_unsealed_audit(TenantId t, const std::vector<std::int64_t>& ids) override {
    return t_.delete_unsealed_audit(t, ids);
  }
  Result<std::int64_t> count_unsealed_audit(std::optional<TenantId> t) override {
    return t_.count_unsealed_audit(t);
  }
  Status insert_event(const Event& e) override { return t_.insert_event(e); }
  Result<std::vector<Event>> list_events(TenantId t, const EventQuery& q) override {
    return t_.list_events(t, q);
  }
  Result<std::optional<Event>> find_event(TenantId t, EventId id) override {
    return t_.find_event(t, id);
  }
  Result<std::int64_t> event_head(TenantId t) override { return t_.event_head(t); }
  Result<bool> has_unpositioned_events() override { return t_.has_unpositioned_events(); }
  Result<std::int64_t> position_events(int limit) override { return t_.position_events(limit); }
  Result<std::int64_t> delete_events_before(Instant cutoff, int limit) override {
    return t_.delete_events_before(cutoff, limit);
  }
  Result<std::int64_t> redact_customer_events(TenantId t, CustomerId c,
                                              std::string_view payload) override {
    return t_.redact_customer_events(t, c, payload);
  }
  Result<WebhookEndpointId> insert_webhook_endpoint(const StoredWebhookEndpoint& e) override {
    return t_.insert_webhook_endpoint(e);
  }
  Result<std::optional<StoredWebhookEndpoint>> find_webhook_endpoint(
      TenantId t, WebhookEndpointId id) override {
    return t_.find_webhook_endpoint(t, id);
  }
  Result<std::vector<StoredWebhookEndpoint>> list_webhook_endpoints(TenantId t) override {
    return t_.list_webhook_endpoints(t);
  }
  Result<std::vector<StoredWebhookEndpoint>> active_webhook_endpoints() override {
    return t_.active_webhook_endpoints();
  }
  Status update_webhook_endpoint(const StoredWebhookEndpoint& e) override {
    return t_.update_webhook_endpoint(e);
  }
  Result<WebhookDeliveryId> insert_delivery(const WebhookDelivery& d) override {
    return t_.insert_delivery(d);
  }
  Status update_delivery(const WebhookDelivery& d) override { return t_.update_delivery(d); }
  Result<std::optional<WebhookDelivery>> find_delivery(TenantId t, WebhookDeliveryId id) override {
    return t_.find_delivery(t, id);
  }
  Result<std::vector<WebhookDelivery>> list_deliveries(TenantId t,
                                                       const DeliveryFilter& f) override {
    return t_.list_deliveries(t, f);
  }
  Result<std::vector<WebhookDelivery>> due_deliveries(Instant now, int limit) override {
    return t_.due_deliveries(now, limit);
  }
  Result<bool> lease_delivery(WebhookDeliveryId id, Instant now, Instant until) override {
    return t_.lease_delivery(id, now, until);
  }
  Result<std::int64_t> end_deliveries(TenantId t, WebhookEndpointId e,
                                      std::string_view reason) override {
    return t_.end_deliveries(t, e, reason);
  }
  Status insert_delivery_attempt(TenantId t, const DeliveryAttempt& a) override {
    return t_.insert_delivery_attempt(t, a);
  }
  Result<std::vector<DeliveryAttempt>> list_delivery_attempts(TenantId t,
                                                              WebhookDeliveryId d) override {
    return t_.list_delivery_attempts(t, d);
  }
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_deliveries() override {
    return t_.pending_deliveries();
  }
  Result<std::optional<std::string>> get_tenant_setting(TenantId t, std::string_view n) override {
    return t_.get_tenant_setting(t, n);
  }
  Status put_tenant_setting(TenantId t, std::string_view n, std::string_view v) override {
    return t_.put_tenant_setting(t, n, v);
  }
  Result<std::vector<TenantId>> tenants_with_setting(std::string_view n) override {
    return t_.tenants_with_setting(n);
  }
  Result<std::optional<EmailId>> insert_email(const StoredEmail& e) override {
    return t_.insert_email(e);
  }
  Status update_email(const Email& e) override { return t_.update_email(e); }
  Result<std::optional<StoredEmail>> find_email(TenantId t, EmailId id) override {
    return t_.find_email(t, id);
  }
  Result<std::vector<Email>> list_emails(TenantId t, const EmailFilter& f) override {
    return t_.list_emails(t, f);
  }
  Result<std::vector<Email>> due_emails(Instant now, int limit) override {
    return t_.due_emails(now, limit);
  }
  Result<bool> lease_email(EmailId id, Instant now, Instant until) override {
    return t_.lease_email(id, now, until);
  }
  Result<std::int64_t> redact_customer_emails(TenantId t, CustomerId c) override {
    return t_.redact_customer_emails(t, c);
  }
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_emails() override {
    return t_.pending_emails();
  }
  Result<bool> insert_payment_event(const PaymentEventRecord& e) override {
    return t_.insert_payment_event(e);
  }
  Result<FeedId> insert_feed(const StoredFeed& f) override { return t_.insert_feed(f); }
  Result<std::optional<StoredFeed>> find_feed(FeedId id) override { return t_.find_feed(id); }
  Result<std::vector<StoredFeed>> list_feeds(TenantId t) override { return t_.list_feeds(t); }
  Status update_feed(const StoredFeed& f) override { return t_.update_feed(f); }
  Result<std::vector<TableStats>> table_stats() override { return t_.table_stats(); }
  Result<std::optional<std::string>> get_setting(std::string_view n) override {
    return t_.get_setting(n);
  }
  Status put_setting(std::string_view n, std::string_view v) override {
    return t_.put_setting(n, v);
  }

 private:
  StorageTransaction& t_;
};

}  // namespace boka
