// Row access shared by the SQL dialects: the statements that run the same on SQLite and
// PostgreSQL through SOCI (which turns :name placeholders into each dialect's own). The
// dialects derive from SqlTransaction and supply the hot path's row calls, where they part
// ways (docs/architecture.md, "SQL statements" and "PostgreSQL round trips"):
// SqliteTransaction (sqlite_transaction.cpp) and PgTransaction (postgresql_transaction.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/storage_spi.hpp"
#include "storage/sql/sql_connection.hpp"
#include "storage/sql/sql_prepared.hpp"
#include "storage/sql/sql_rows.hpp"

namespace boka::detail {

// One transaction the store began on `connection`, which must outlive it; used by one
// thread. Does not begin, commit or roll back: the store does.
//
// Left to each dialect: find_tenant, find_resource, update_resource, insert_reservation,
// lock_audit_head, append_audit and table_stats.
class SqlTransaction : public StorageTransaction {
 public:
  SqlTransaction(SqlConnection& connection, bool writable, SqlErrorMapper map)
      : connection_(connection),
        sql_(*connection.session),
        p_(*connection.prepared),
        writable_(writable),
        map_(map) {}

  // Tenants
  Result<TenantId> insert_tenant(const Tenant& x) override;
  Result<std::vector<Tenant>> list_tenants() override;
  Status update_tenant(const Tenant& x) override;

  // Resources
  Result<ResourceId> insert_resource(const Resource& x) override;
  Result<std::vector<Resource>> list_resources(TenantId tenant) override;

  // Schedules
  Result<ScheduleId> insert_schedule(const Schedule& x) override;
  Result<std::optional<Schedule>> find_schedule(TenantId tenant, ScheduleId id) override;
  Result<std::vector<Schedule>> list_schedules(TenantId tenant) override;
  Status update_schedule(const Schedule& x) override;

  // Pools
  Result<PoolId> insert_pool(const Pool& x) override;
  Result<std::optional<Pool>> find_pool(TenantId tenant, PoolId id) override;
  Result<std::vector<Pool>> list_pools(TenantId tenant) override;
  Status update_pool(const Pool& x) override;
  // Services: the allowed durations and allocation requests as JSON arrays
  // (storage/codec.hpp), the rest in columns.
  Result<ServiceId> insert_service(const Service& x) override;
  Result<std::optional<Service>> find_service(TenantId tenant, ServiceId id) override;
  Result<std::vector<Service>> list_services(TenantId tenant) override;
  Status update_service(const Service& x) override;
  // Customers. No unique index: the engine keeps emails, external refs and users unique
  // among live customers, as the contract lets it, so every store behaves alike.
  Result<CustomerId> insert_customer(const Customer& x) override;
  Result<std::optional<Customer>> find_customer(TenantId tenant, CustomerId id) override;
  Result<std::vector<Customer>> find_live_customers(TenantId tenant, std::string_view email,
                                                    std::string_view external_ref,
                                                    std::optional<UserId> user) override;
  // The query as LIKE patterns (storage/customer_query.hpp), over ascii_lower() columns.
  Result<std::vector<Customer>> list_customers(TenantId tenant, const CustomerFilter& f) override;
  Status update_customer(const Customer& x) override;
  Result<std::vector<Series>> list_customer_series(TenantId tenant, CustomerId customer) override;
  // Series rows: the keys and the customer record in columns, the rest as one JSON spec
  // (storage/codec.hpp).
  Result<SeriesId> insert_series(const Series& x) override;
  Result<std::optional<Series>> find_series(TenantId tenant, SeriesId id) override;
  Status update_series(const Series& x) override;
  // Waitlist entries: the allocation requests as one JSON array, and one waitlist_targets
  // row per resource and pool they name (what waiting_entries and the list filters select
  // by), rewritten with the entry by every update.
  Result<WaitlistEntryId> insert_waitlist_entry(const WaitlistEntry& x) override;
  Status update_waitlist_entry(const WaitlistEntry& x) override;
  Result<std::optional<WaitlistEntry>> find_waitlist_entry(TenantId tenant,
                                                           WaitlistEntryId id) override;
  Result<std::optional<WaitlistEntry>> find_waitlist_entry_by_offer(
      TenantId tenant, ReservationId reservation) override;
  Result<std::vector<WaitlistEntry>> list_waitlist(TenantId tenant,
                                                   const WaitlistFilter& f) override;
  Result<std::vector<WaitlistEntry>> waiting_entries(TenantId tenant,
                                                     const std::vector<ResourceId>& resources,
                                                     const std::vector<PoolId>& pools, Instant from,
                                                     Instant to, int limit) override;
  Result<std::vector<WaitlistEntry>> due_waitlist_entries(Instant now, int limit) override;
  Result<std::int64_t> count_waiting(std::optional<TenantId> tenant) override;

  // Reservations
  Status update_reservation(const Reservation& x) override;
  Result<std::optional<Reservation>> find_reservation(TenantId tenant, ReservationId id) override;
  Result<std::vector<Reservation>> list_reservations(TenantId tenant,
                                                     const ReservationFilter& f) override;
  Result<std::vector<Booking>> active_bookings(ResourceId resource) override;
  Result<std::vector<Reservation>> expired_holds(Instant now, int limit) override;
  Status insert_idempotency(TenantId tenant, const IdempotencyRecord& rec) override;
  Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId tenant,
                                                            std::string_view key) override;

  // Authentication rows (storage/sql/sql_auth.cpp)
  Result<UserId> insert_user(const StoredUser& x) override;
  Result<std::optional<StoredUser>> find_user(TenantId tenant, UserId id) override;
  Result<std::optional<StoredUser>> find_user_by_email(TenantId tenant,
                                                       std::string_view email) override;
  Result<std::vector<StoredUser>> list_users(TenantId tenant) override;
  Result<std::vector<StoredUser>> list_users_with_role(Role min_role) override;
  Status update_user(const StoredUser& x) override;
  Result<SessionId> insert_session(const StoredSession& x) override;
  Result<std::optional<StoredSession>> find_session_by_token(std::string_view hash) override;
  Result<std::optional<StoredSession>> find_session(SessionId id) override;
  Result<std::vector<StoredSession>> list_sessions(TenantId tenant, UserId user) override;
  Status update_session(const StoredSession& x) override;
  Result<std::int64_t> revoke_sessions(TenantId tenant, UserId user, Instant at,
                                       SessionId keep) override;
  Result<std::int64_t> delete_dead_sessions(Instant now, int limit) override;
  Result<std::int64_t> count_live_sessions(Instant now) override;
  Result<ApiKeyId> insert_api_key(const StoredApiKey& x) override;
  Result<std::optional<StoredApiKey>> find_api_key(ApiKeyId id) override;
  Result<std::vector<StoredApiKey>> list_api_keys(TenantId tenant) override;
  Status update_api_key(const StoredApiKey& x) override;

  // Audit (the chain's head and appends are the dialects')
  Result<std::vector<AuditRecord>> list_audit(const AuditQuery& query) override;
  Result<std::vector<AuditHead>> audit_heads() override;
  Result<std::optional<std::string>> get_setting(std::string_view name) override;
  Status put_setting(std::string_view name, std::string_view value) override;

  // Events (storage/sql/sql_events.cpp). The feed's order is the column
  // position_column(): SQLite's ids (one writer at a time), PostgreSQL's positions.
  Status insert_event(const Event& event) override;
  Result<std::vector<Event>> list_events(TenantId tenant, const EventQuery& query) override;
  Result<std::optional<Event>> find_event(TenantId tenant, EventId id) override;
  Result<std::int64_t> event_head(TenantId tenant) override;
  Result<bool> has_unpositioned_events() override { return false; }
  Result<std::int64_t> position_events(int) override { return std::int64_t{0}; }
  Result<std::int64_t> delete_events_before(Instant cutoff, int limit) override;
  Result<std::int64_t> redact_customer_events(TenantId tenant, CustomerId customer,
                                              std::string_view payload_json) override;

  // Webhooks (storage/sql/sql_webhooks.cpp)
  Result<WebhookEndpointId> insert_webhook_endpoint(const StoredWebhookEndpoint& e) override;
  Result<std::optional<StoredWebhookEndpoint>> find_webhook_endpoint(TenantId tenant,
                                                                     WebhookEndpointId id) override;
  Result<std::vector<StoredWebhookEndpoint>> list_webhook_endpoints(TenantId tenant) override;
  Result<std::vector<StoredWebhookEndpoint>> active_webhook_endpoints() override;
  Status update_webhook_endpoint(const StoredWebhookEndpoint& e) override;
  Result<WebhookDeliveryId> insert_delivery(const WebhookDelivery& d) override;
  Status update_delivery(const WebhookDelivery& d) override;
  Result<std::optional<WebhookDelivery>> find_delivery(TenantId tenant,
                                                       WebhookDeliveryId id) override;
  Result<std::vector<WebhookDelivery>> list_deliveries(TenantId tenant,
                                                       const DeliveryFilter& f) override;
  Result<std::vector<WebhookDelivery>> due_deliveries(Instant now, int limit) override;
  Result<bool> lease_delivery(WebhookDeliveryId id, Instant now, Instant until) override;
  Result<std::int64_t> end_deliveries(TenantId tenant, WebhookEndpointId endpoint,
                                      std::string_view reason) override;
  Status insert_delivery_attempt(TenantId tenant, const DeliveryAttempt& a) override;
  Result<std::vector<DeliveryAttempt>> list_delivery_attempts(TenantId tenant,
                                                              WebhookDeliveryId delivery) override;
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_deliveries() override;
  // Per-tenant settings, mail and payment events (storage/sql/sql_mail.cpp)
  Result<std::optional<std::string>> get_tenant_setting(TenantId tenant,
                                                        std::string_view name) override;
  Status put_tenant_setting(TenantId tenant, std::string_view name,
                            std::string_view value) override;
  Result<std::vector<TenantId>> tenants_with_setting(std::string_view name) override;
  Result<std::optional<EmailId>> insert_email(const StoredEmail& e) override;
  Status update_email(const Email& e) override;
  Result<std::optional<StoredEmail>> find_email(TenantId tenant, EmailId id) override;
  Result<std::vector<Email>> list_emails(TenantId tenant, const EmailFilter& f) override;
  Result<std::vector<Email>> due_emails(Instant now, int limit) override;
  Result<bool> lease_email(EmailId id, Instant now, Instant until) override;
  Result<std::int64_t> redact_customer_emails(TenantId tenant, CustomerId customer) override;
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_emails() override;
  Result<bool> insert_payment_event(const PaymentEventRecord& e) override;
  // Calendar feeds (storage/sql/sql_webhooks.cpp, beside the other outbound rows)
  Result<FeedId> insert_feed(const StoredFeed& f) override;
  Result<std::optional<StoredFeed>> find_feed(FeedId id) override;
  Result<std::vector<StoredFeed>> list_feeds(TenantId tenant) override;
  Status update_feed(const StoredFeed& f) override;

 protected:
  // The column that orders the event feed: "id" where an event's position is its id.
  virtual const char* position_column() const { return "id"; }
  // Runs before every statement run() sends: PostgreSQL sends the writes it queued, so every
  // statement sees the transaction's own writes.
  virtual Status before_statement() { return Status::Ok(); }
  // Whether row reads in this transaction lock what they return (the storage contract:
  // users and API keys read in a write transaction stay locked until it ends).
  virtual bool lock_rows() const { return false; }
  // SQL for `column` with its ASCII letters lower-cased and nothing else changed, as
  // lower_ascii_text (storage/customer_query.hpp) does: each dialect's own lower() folds
  // more or less than that.
  virtual std::string ascii_lower(const char* column) const = 0;

  // Runs f under the error mapper, after before_statement().
  template <typename F>
  auto run(const char* operation, F&& f) -> decltype(f()) {
    Status ready = before_statement();
    if (!ready.ok()) return ready;
    return guarded(map_, operation, std::forward<F>(f));
  }

  Status check_writable() const {
    return writable_ ? Status::Ok() : InternalError("write attempted in a read transaction");
  }
  static Status affected_one(long long rows, const char* kind, std::int64_t id);
  static Status expect_one(soci::statement& st, const char* kind, std::int64_t id);

  // One row of `table` by tenant and id through a prepared statement; nullopt if absent.
  template <typename Key, typename Convert>
  auto find_one(Cached<Key>& q, const char* columns, const char* table, TenantId tenant,
                std::int64_t id, Convert&& convert) -> std::optional<decltype(convert(q.b.row))> {
    auto& st = p_.get(
        q,
        std::string("SELECT ") + columns + " FROM " + table + " WHERE tenant_id = :t AND id = :id",
        [](Prep& p, auto& b) {
          b.row.into_all(p);
          p, soci::use(b.tenant), soci::use(b.id);
        });
    q.b.tenant = tenant;
    q.b.id = id;
    st.execute(true);
    std::optional<decltype(convert(q.b.row))> out;
    if (st.got_data()) out = convert(q.b.row);
    drain(st);
    return out;
  }

  // A reservation's allocations, through SOCI.
  void write_allocations(long long reservation, long long tenant,
                         const std::vector<Allocation>& allocations);

  SqlConnection& connection_;
  soci::session& sql_;
  PreparedStatements& p_;
  bool writable_;
  SqlErrorMapper map_;

 private:
  std::vector<Tenant> select_tenants(const char* where, long long key);
  std::vector<Resource> select_resources(const char* where, long long tenant, long long key);
  Result<std::vector<Schedule>> select_schedules(const char* and_where, long long tenant,
                                                 long long key);
  std::vector<Pool> select_pools(const char* and_where, long long tenant, long long key);
  void write_pool_members(long long pool, long long tenant, const std::vector<ResourceId>& members);
  std::vector<Reservation> select_reservations(TenantId tenant, const ReservationFilter& f);
  // Fills the allocations of `out`, the reservations a list read.
  void read_allocations(std::vector<Reservation>& out, bool ids_ascending);
};

}  // namespace boka::detail
