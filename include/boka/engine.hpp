// boka/engine.hpp: the facade. Open an Engine over a store, then manage tenants,
// resources, schedules and pools, ask for availability, and reserve. Users and
// credentials are the Auth facet (engine.auth(), boka/auth.hpp); the audit trail, health,
// backups and metrics the Operations facet (engine.operations(), boka/operations.hpp).
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
#include "boka/customer.hpp"
#include "boka/events.hpp"
#include "boka/feeds.hpp"
#include "boka/ids.hpp"
#include "boka/links.hpp"
#include "boka/mail.hpp"
#include "boka/metrics.hpp"
#include "boka/operations.hpp"
#include "boka/payments.hpp"
#include "boka/pool.hpp"
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/resource.hpp"
#include "boka/rules.hpp"
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

namespace detail {
struct EngineImpl;
}

// How the worker delivers webhooks (Webhooks::deliver, docs/webhooks.md).
struct WebhookOptions {
  // Addresses endpoints may resolve to although they are not public (loopback, private,
  // link-local, ...): comma-separated CIDRs ("127.0.0.1/32,10.1.0.0/16"). Empty: public
  // addresses only.
  std::string allow_addresses;
  int connect_timeout_ms = 5000;            // 1 .. 60,000
  int timeout_ms = 10000;                   // the whole attempt: 1 .. 120,000
  std::int64_t max_response_bytes = 16384;  // of the answer kept: 0 .. 1 MiB
  // The waits after each failed attempt, each stretched by a random 0..20% (jitter). After
  // the last one fails, the delivery is dead. The default (5 s, 5 min, 30 min, 2 h, 5 h,
  // 10 h, 10 h: eight attempts over about 27.5 hours) is Standard Webhooks' schedule.
  std::vector<Seconds> retry_schedule = {Seconds(5),    Seconds(300),   Seconds(1800),
                                         Seconds(7200), Seconds(18000), Seconds(36000),
                                         Seconds(36000)};
  // An endpoint whose every delivery failed for this long is disabled (1 hour .. 30 days).
  Seconds disable_after{5 * 86400};
  // How long a worker holds a delivery it is attempting; longer than timeout_ms.
  Seconds lease{120};
};

// How the worker submits customer mail (Mail::send, docs/mail.md). The SMTP server is the
// operator's, shared by every tenant.
struct MailOptions {
  // "smtp://host[:port]" (25 by default; 587 is the usual submission port) or
  // "smtps://host[:port]" (465) with security implicit. "": no mail is sent (Mail::send is
  // refused; tenants may still keep settings and preview).
  std::string smtp_url;
  enum class Security {
    none,                 // plaintext throughout; no credentials allowed
    starttls_if_offered,  // STARTTLS when offered (strippable: no credentials allowed)
    starttls_required,    // STARTTLS or no mail; the default
    implicit,             // TLS from the first byte (smtps://)
  };
  Security security = Security::starttls_required;
  std::string username;  // "": no AUTH
  std::string password;  // never logged, never in an error or a message
  std::string ca_file;   // PEM certificates to trust instead of the system's; "": system's
  // The envelope sender and the From address of every message ("bookings@example.com");
  // tenants set only the display name. Required with smtp_url.
  std::string from_address;
  int connect_timeout_ms = 10000;  // 1 .. 60,000
  int timeout_ms = 60000;          // one submission: 1 .. 300,000
  // The waits after each failed attempt (a 4xx answer or no answer), each stretched by a
  // random 0..20%; a 5xx answer ends the message at once. The default is webhooks' (eight
  // attempts over about 27.5 hours).
  std::vector<Seconds> retry_schedule = {Seconds(5),    Seconds(300),   Seconds(1800),
                                         Seconds(7200), Seconds(18000), Seconds(36000),
                                         Seconds(36000)};
  // How long a worker holds a message it is sending; longer than timeout_ms.
  Seconds lease{120};
  // The web app's origin ("https://book.example.com", no path): set, messages about a
  // booking carry its manage link, public_url + "/manage/" + token (boka/links.hpp), as
  // {{manage_url}}. Filled once the tenant has a link key (its first link, e.g. the web
  // app's first booking) and only with AuthOptions::encryption_key. "": no link.
  std::string public_url;
};

struct EngineOptions {
  // The source of "now" for notice, horizon, hold expiry and timestamps. Null: SystemClock.
  std::shared_ptr<const Clock> clock;
  // Password, lockout, session, MFA and key policy; the encryption key for TOTP secrets.
  AuthOptions auth;
  // Where the engine registers its metrics (shared with the host's own). Null: a registry
  // of the engine's own (Operations::metrics()).
  std::shared_ptr<MetricsRegistry> metrics;
  // Start read-only (see Operations::set_read_only), e.g. while data is suspect.
  bool read_only = false;
  std::string read_only_reason;
  // How long a waitlist offer holds its capacity for the entry (boka/waitlist.hpp):
  // 1 min .. 7 days.
  Seconds waitlist_offer_window{15 * 60};
  // How long events stay in the feed before Events::prune deletes them (boka/events.hpp):
  // 1 hour .. 3650 days. Consumers that fall further behind miss events.
  Seconds event_retention{30LL * 86400};
  WebhookOptions webhooks;
  MailOptions mail;
};

// A booking request. All allocations are taken together over [start, end) or none is.
struct ReserveRequest {
  std::vector<AllocationRequest> allocations;  // 1..100; a resource may appear once
  // Set: book this service (boka/service.hpp) instead: allocations must be empty (the
  // service's are taken), end may be left unset for the service's duration (else end -
  // start must be a duration the service allows), its buffers and notice apply, and the
  // reservation records the service and its price. Customers may book only services that
  // are customer_bookable.
  std::optional<ServiceId> service;
  Instant start{};
  Instant end{};  // > start; with a service, unset (the epoch) means start + its duration
  // Set: the reservation is held (counts against capacity) until now + hold_for, and must
  // be confirmed before then; after it, it stops counting and cannot be confirmed.
  std::optional<Seconds> hold_for;
  // Set: a retried request with the same key and the same content returns the original
  // reservation instead of booking twice; the same key with different content is refused
  // with already_exists. Keys are per tenant and per principal (each user, each API key,
  // and the system principal have keys of their own, so one customer cannot see or take
  // another's): 1..200 bytes of UTF-8 without control characters.
  std::string idempotency_key;
  std::string customer;  // free-form reference, 0..200 bytes
  // The customer record it is for (boka/customer.hpp): live, in the tenant. A customer
  // principal books as the record linked to their user (set automatically).
  std::optional<CustomerId> customer_id;
  std::string notes;                 // 0..4,096 bytes
  std::string metadata_json = "{}";  // a JSON object, up to 64 KiB
  // Pass over the per-customer limits (boka/rules.hpp). Needs "rules:override"; the audit
  // record names every limit passed over.
  bool override_rules = false;
};

// An edit of a reservation (Engine::update_reservation): unset fields keep their value.
struct ReservationUpdate {
  std::optional<std::string> customer;       // the free-text reference, 0..200 bytes
  std::optional<CustomerId> customer_id;     // link to this customer; CustomerId{} unlinks
  std::optional<std::string> notes;          // 0..4,096 bytes
  std::optional<std::string> metadata_json;  // a JSON object, up to 64 KiB
  // A new time: start alone keeps the length; end alone changes only the length.
  std::optional<Instant> start;
  std::optional<Instant> end;
  // A new placement (another resource, another pool member, another quantity), given as
  // requests like ReserveRequest::allocations (1..100). A pool request keeps the current
  // member when it is free.
  std::optional<std::vector<AllocationRequest>> allocations;
  // Shorthand for a reservation with one allocation: its new quantity (>= 1).
  std::optional<int> quantity;
  ChangeGuard guard;
};

// The rules of a tenant (Tenant::rules, Tenant::max_hold), set with update_tenant_rules.
struct TenantRules {
  BookingRules rules;
  Seconds max_hold{Seconds(30LL * 24 * 3600)};  // 1 minute .. 30 days
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
  // Sets the tenant's booking rules and longest hold (boka/rules.hpp). Needs
  // "catalog:write" in the tenant (its admins configure them). expected_version guards as
  // update_tenant's does. Existing bookings are not re-checked.
  Result<Tenant> update_tenant_rules(const Principal& who, TenantId id, const TenantRules& rules,
                                     std::int64_t expected_version);

  // --- Resources -------------------------------------------------------------------
  // Validates name, zone (OS tzdb), capacity >= 1, policy and schedule (same tenant).
  Result<Resource> create_resource(const Principal& who, TenantId tenant, const Resource& spec);
  Result<Resource> get_resource(const Principal& who, TenantId tenant, ResourceId id);
  Result<std::vector<Resource>> list_resources(const Principal& who, TenantId tenant,
                                               bool include_archived = false);
  // Replaces name, zone, capacity, policy, schedule and metadata. resource.version must
  // equal the stored version. Lowering capacity below what active reservations use at some
  // instant is refused (conflict), naming the instant and the usage.
  Result<Resource> update_resource(const Principal& who, TenantId tenant, const Resource& resource);
  Result<Resource> archive_resource(const Principal& who, TenantId tenant, ResourceId id);

  // --- Schedules -------------------------------------------------------------------
  // Overlapping or inverted intervals, a weekday or date given twice, or an impossible
  // holiday are refused with invalid_argument naming the rule.
  Result<Schedule> create_schedule(const Principal& who, TenantId tenant, const Schedule& spec);
  Result<Schedule> get_schedule(const Principal& who, TenantId tenant, ScheduleId id);
  Result<std::vector<Schedule>> list_schedules(const Principal& who, TenantId tenant,
                                               bool include_archived = false);
  Result<Schedule> update_schedule(const Principal& who, TenantId tenant, const Schedule& schedule);
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
  // held|confirmed -> cancelled; frees the capacity at once. Within the cancel cutoff of
  // its start (boka/rules.hpp) refused with conflict naming the deadline (ConflictInfo::rule
  // and deadline), unless guard.override_rules.
  Result<Reservation> cancel(const Principal& who, TenantId tenant, ReservationId id,
                             std::optional<std::int64_t> if_version = std::nullopt);
  Result<Reservation> cancel(const Principal& who, TenantId tenant, ReservationId id,
                             const ChangeGuard& guard);
  // Moves an active reservation to [new_start, new_end) in one transaction: every check of
  // reserve applies, and the reservation's own old range never blocks the new one. A pool
  // allocation keeps its member if free, else takes the first free member. The reschedule
  // cutoff applies as the cancel cutoff does to cancel.
  Result<Reservation> reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                 Instant new_start, Instant new_end,
                                 std::optional<std::int64_t> if_version = std::nullopt);
  Result<Reservation> reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                 Instant new_start, Instant new_end, const ChangeGuard& guard);
  // Edits an active reservation in one transaction (versioned and audited): its customer,
  // notes and metadata, and/or its time, placement and quantity. A change of time,
  // placement or quantity goes through every check of reserve (the reservation's own old
  // placement never blocks the new one), the reschedule cutoff and the per-customer limits;
  // an edit of customer, notes or metadata alone is allowed at any time, also on finished
  // reservations. Customers may not change the customer fields.
  Result<Reservation> update_reservation(const Principal& who, TenantId tenant, ReservationId id,
                                         const ReservationUpdate& update);
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

  // --- Facets ------------------------------------------------------------------------
  // Users, login, sessions, MFA, API keys and security reports (boka/auth.hpp).
  Auth& auth() noexcept { return auth_; }
  // The audit trail, health, backups, read-only mode, heartbeats, statistics and metrics
  // (boka/operations.hpp).
  Operations& operations() noexcept { return operations_; }
  // Recurring series booked as ordinary reservations (boka/series.hpp).
  RecurringBookings& series() noexcept { return series_; }
  // The waitlist that offers freed capacity to waiting customers (boka/waitlist.hpp).
  Waitlist& waitlist() noexcept { return waitlist_; }
  // Services, the appointment types bookings may name (boka/service.hpp).
  Services& services() noexcept { return services_; }
  // Customer records, their bookings, merging, export and erasure (boka/customer.hpp).
  Customers& customers() noexcept { return customers_; }
  // The event feed, boka's transactional outbox (boka/events.hpp).
  Events& events() noexcept { return events_; }
  // Webhook endpoints and their deliveries (boka/webhooks.hpp).
  Webhooks& webhooks() noexcept { return webhooks_; }
  // iCalendar feeds of bookings behind secret, revocable URLs (boka/feeds.hpp).
  CalendarFeeds& feeds() noexcept { return feeds_; }
  // Customer email: settings, templates, the messages and the worker's round (boka/mail.hpp).
  Mail& mail() noexcept { return mail_; }
  // Payment state and the payment provider's notifications (boka/payments.hpp).
  Payments& payments() noexcept { return payments_; }
  // Signed, revocable links to one reservation for customers without an account
  // (boka/links.hpp).
  ManageLinks& manage_links() noexcept { return manage_links_; }

 private:
  explicit Engine(std::unique_ptr<detail::EngineImpl> impl);
  std::unique_ptr<detail::EngineImpl> impl_;
  Auth auth_;
  Operations operations_;
  RecurringBookings series_;
  Waitlist waitlist_;
  Services services_;
  Customers customers_;
  Events events_;
  Webhooks webhooks_;
  CalendarFeeds feeds_;
  Mail mail_;
  Payments payments_;
  ManageLinks manage_links_;
};

}  // namespace boka
