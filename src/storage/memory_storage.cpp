#include "storage/memory_storage.hpp"
#include "storage/customer_query.hpp"
#include "storage/event_query.hpp"
#include "storage/guarded_work.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace boka::detail {
namespace {

struct Tables {
  std::map<TenantId, Tenant> tenants;
  std::map<ResourceId, Resource> resources;
  std::map<ScheduleId, Schedule> schedules;
  std::map<PoolId, Pool> pools;
  std::map<ServiceId, Service> services;
  std::map<CustomerId, Customer> customers;
  std::map<ReservationId, Reservation> reservations;
  std::map<SeriesId, Series> series;
  std::map<WaitlistEntryId, WaitlistEntry> waitlist;
  // Indexes over `waitlist`, so a cancel's look at the queue does not scan every entry ever
  // made: the entries waiting now, and the entry holding each offer (offered or accepted).
  std::set<WaitlistEntryId> waiting;
  std::map<ReservationId, WaitlistEntryId> by_offer;
  std::map<std::pair<TenantId, std::string>, IdempotencyRecord> idempotency;
  std::map<UserId, StoredUser> users;
  std::map<SessionId, StoredSession> sessions;
  std::map<ApiKeyId, StoredApiKey> api_keys;
  // chain -> records by seq (from 1). A deque: a long chain grows without moving (a
  // vector's doubling copied, and page-faulted in, hundreds of MB on a long replay).
  std::map<TenantId, std::deque<AuditRecord>> audit;
  std::map<std::string, std::string, std::less<>> settings;
  // Events by id; the id is also the position (one writer at a time: insert order is commit
  // order). Per tenant, its event ids in order, so a tenant's feed does not scan others'.
  std::map<EventId, Event> events;
  std::map<TenantId, std::set<EventId>> events_by_tenant;
  std::map<WebhookEndpointId, StoredWebhookEndpoint> webhook_endpoints;
  std::map<WebhookDeliveryId, WebhookDelivery> deliveries;
  // The attempts of each delivery, in order.
  std::map<WebhookDeliveryId, std::vector<DeliveryAttempt>> attempts;
  std::map<FeedId, StoredFeed> feeds;
  // (tenant, name) -> JSON document (mail and payment settings, the mail cursors).
  std::map<std::pair<TenantId, std::string>, std::string, std::less<>> tenant_settings;
  std::map<EmailId, StoredEmail> emails;
  std::set<std::pair<TenantId, std::string>> email_keys;  // each tenant's dedupe keys
  std::set<std::pair<TenantId, std::string>> payment_events;
  // resource -> reservations with an allocation on it, so active_bookings does not scan
  // every reservation.
  // Sorted vectors: ids grow, so inserting is almost always an append.
  std::unordered_map<ResourceId, std::vector<ReservationId>> by_resource;
  // customer key ("id:<customer_id>" / "ref:<free text>") -> reservations for it, so the
  // per-customer limits' count (a list by customer) does not scan every reservation.
  std::unordered_map<std::string, std::vector<ReservationId>> by_customer;
  // One sequence per table, like SQL stores, so the same operations give the same ids on
  // every store.
  std::map<const void*, std::int64_t> next_id;
};

// Every filter field but the keyset, which each order applies its own way.
bool matches(const Reservation& r, const ReservationFilter& f) {
  if (f.resource) {
    bool on = std::any_of(r.allocations.begin(), r.allocations.end(),
                          [&](const Allocation& a) { return a.resource == *f.resource; });
    if (!on) return false;
  }
  if (f.pool) {
    bool from = std::any_of(r.allocations.begin(), r.allocations.end(),
                            [&](const Allocation& a) { return a.pool == *f.pool; });
    if (!from) return false;
  }
  if (f.from && !(r.end > *f.from)) return false;
  if (f.to && !(r.start < *f.to)) return false;
  if (!f.statuses.empty() &&
      std::find(f.statuses.begin(), f.statuses.end(), r.status) == f.statuses.end()) {
    return false;
  }
  if (f.customer && r.customer != *f.customer) return false;
  if (f.customer_id && r.customer_id != *f.customer_id) return false;
  if (f.series && r.series != *f.series) return false;
  if (f.service && r.service != *f.service) return false;
  return true;
}

// by_start's order and keyset: (start, id) ascending.
bool starts_before(const Reservation& a, const Reservation& b) {
  return a.start != b.start ? a.start < b.start : a.id < b.id;
}

// Queue order: priority descending, then joined_at, then id.
bool queue_before(const WaitlistEntry& a, const WaitlistEntry& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.joined_at != b.joined_at) return a.joined_at < b.joined_at;
  return a.id < b.id;
}

bool names_resource(const WaitlistEntry& e, ResourceId resource) {
  return std::any_of(e.allocations.begin(), e.allocations.end(),
                     [&](const AllocationRequest& a) { return a.resource == resource; });
}

bool names_pool(const WaitlistEntry& e, PoolId pool) {
  return std::any_of(e.allocations.begin(), e.allocations.end(),
                     [&](const AllocationRequest& a) { return a.pool == pool; });
}

bool matches(const WaitlistEntry& e, const WaitlistFilter& f) {
  if (f.resource && !names_resource(e, *f.resource)) return false;
  if (f.pool && !names_pool(e, *f.pool)) return false;
  if (f.customer && e.customer != *f.customer) return false;
  if (f.customer_id && e.customer_id != *f.customer_id) return false;
  if (!f.statuses.empty() &&
      std::find(f.statuses.begin(), f.statuses.end(), e.status) == f.statuses.end()) {
    return false;
  }
  return true;
}

// The entries of `out` in queue order, at most `limit` of them.
std::vector<WaitlistEntry> first_in_queue(std::vector<WaitlistEntry> out, int limit) {
  std::sort(out.begin(), out.end(), queue_before);
  if (static_cast<int>(out.size()) > limit)
    out.resize(static_cast<std::size_t>(std::max(limit, 0)));
  return out;
}

// Row access over Tables. Writes record an undo step so a failed transaction leaves the
// tables exactly as they were.
class MemoryTransaction final : public StorageTransaction {
 public:
  MemoryTransaction(Tables& t, bool writable) : t_(t), writable_(writable) {}

  void rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
  }

  Result<TenantId> insert_tenant(const Tenant& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    for (const auto& [id, t] : t_.tenants) {
      if (t.name == x.name) return AlreadyExists("tenant.name: \"" + x.name + "\" is taken");
    }
    return insert_row(t_.tenants, x);
  }
  Result<std::optional<Tenant>> find_tenant(TenantId id) override {
    auto it = t_.tenants.find(id);
    if (it == t_.tenants.end()) return std::optional<Tenant>();
    return std::optional<Tenant>(it->second);
  }
  Result<std::vector<Tenant>> list_tenants() override { return values(t_.tenants, TenantId{}); }
  Status update_tenant(const Tenant& x) override {
    for (const auto& [id, t] : t_.tenants) {
      if (id != x.id && t.name == x.name) {
        return AlreadyExists("tenant.name: \"" + x.name + "\" is taken");
      }
    }
    return update_row(t_.tenants, x);
  }

  Result<ResourceId> insert_resource(const Resource& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.resources, x);
  }
  Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) override {
    return find_in(t_.resources, tenant, id);
  }
  Result<std::vector<Resource>> list_resources(TenantId tenant) override {
    return values(t_.resources, tenant);
  }
  Status update_resource(const Resource& x) override { return update_row(t_.resources, x); }

  Result<ScheduleId> insert_schedule(const Schedule& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.schedules, x);
  }
  Result<std::optional<Schedule>> find_schedule(TenantId tenant, ScheduleId id) override {
    return find_in(t_.schedules, tenant, id);
  }
  Result<std::vector<Schedule>> list_schedules(TenantId tenant) override {
    return values(t_.schedules, tenant);
  }
  Status update_schedule(const Schedule& x) override { return update_row(t_.schedules, x); }

  Result<PoolId> insert_pool(const Pool& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.pools, x);
  }
  Result<std::optional<Pool>> find_pool(TenantId tenant, PoolId id) override {
    return find_in(t_.pools, tenant, id);
  }
  Result<std::vector<Pool>> list_pools(TenantId tenant) override {
    return values(t_.pools, tenant);
  }
  Status update_pool(const Pool& x) override { return update_row(t_.pools, x); }

  Result<ServiceId> insert_service(const Service& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.services, x);
  }
  Result<std::optional<Service>> find_service(TenantId tenant, ServiceId id) override {
    return find_in(t_.services, tenant, id);
  }
  Result<std::vector<Service>> list_services(TenantId tenant) override {
    return values(t_.services, tenant);
  }
  Status update_service(const Service& x) override { return update_row(t_.services, x); }

  // Customers: scans, like the waitlist. Uniqueness is the engine's (the contract lets a
  // store leave it), so no store refuses a duplicate email and all behave alike.
  Result<CustomerId> insert_customer(const Customer& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.customers, x);
  }
  Result<std::optional<Customer>> find_customer(TenantId tenant, CustomerId id) override {
    return find_in(t_.customers, tenant, id);
  }
  Result<std::vector<Customer>> find_live_customers(TenantId tenant, std::string_view email,
                                                    std::string_view external_ref,
                                                    std::optional<UserId> user) override {
    std::vector<Customer> out;
    for (const auto& [id, c] : t_.customers) {
      if (c.tenant != tenant || !c.live()) continue;
      if ((!email.empty() && c.email == email) ||
          (!external_ref.empty() && c.external_ref == external_ref) || (user && c.user == user)) {
        out.push_back(c);
      }
    }
    return out;
  }
  Result<std::vector<Customer>> list_customers(TenantId tenant, const CustomerFilter& f) override {
    std::vector<Customer> out;
    for (auto it = t_.customers.upper_bound(f.after_id); it != t_.customers.end(); ++it) {
      if (static_cast<int>(out.size()) >= f.limit) break;
      const Customer& c = it->second;
      if (c.tenant != tenant || (!f.include_inactive && !c.live())) continue;
      if (customer_matches_query(c, f.query)) out.push_back(c);
    }
    return out;
  }
  Status update_customer(const Customer& x) override { return update_row(t_.customers, x); }
  Result<std::vector<Series>> list_customer_series(TenantId tenant, CustomerId customer) override {
    std::vector<Series> out;
    for (const auto& [id, s] : t_.series) {
      if (s.tenant == tenant && s.customer_id == customer) out.push_back(s);
    }
    return out;
  }

  Result<SeriesId> insert_series(const Series& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.series, x);
  }
  Result<std::optional<Series>> find_series(TenantId tenant, SeriesId id) override {
    return find_in(t_.series, tenant, id);
  }
  Status update_series(const Series& x) override { return update_row(t_.series, x); }

  // Waitlist: scans (the memory store is for tests and small deployments).
  Result<WaitlistEntryId> insert_waitlist_entry(const WaitlistEntry& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    BOKA_ASSIGN_OR_RETURN(auto id, insert_row(t_.waitlist, x));
    WaitlistEntry stored = x;
    stored.id = id;
    index_waitlist(nullptr, &stored);
    return id;
  }
  Status update_waitlist_entry(const WaitlistEntry& x) override {
    auto it = t_.waitlist.find(x.id);
    const std::optional<WaitlistEntry> old =
        it != t_.waitlist.end() ? std::optional<WaitlistEntry>(it->second) : std::nullopt;
    BOKA_RETURN_IF_ERROR(update_row(t_.waitlist, x));
    index_waitlist(old ? &*old : nullptr, &x);
    return Status::Ok();
  }
  // Moves an entry's index rows from `before` to `after` (either may be null), with undo.
  void index_waitlist(const WaitlistEntry* before, const WaitlistEntry* after) {
    const auto offer_of = [](const WaitlistEntry* e) -> std::optional<ReservationId> {
      if (e && e->offer &&
          (e->status == WaitlistStatus::offered || e->status == WaitlistStatus::accepted)) {
        return e->offer;
      }
      return std::nullopt;
    };
    const WaitlistEntryId id = after ? after->id : before->id;
    const bool was_waiting = before && before->status == WaitlistStatus::waiting;
    const bool is_waiting = after && after->status == WaitlistStatus::waiting;
    if (was_waiting != is_waiting) {
      if (is_waiting) {
        t_.waiting.insert(id);
        undo_.push_back([this, id] { t_.waiting.erase(id); });
      } else {
        t_.waiting.erase(id);
        undo_.push_back([this, id] { t_.waiting.insert(id); });
      }
    }
    const auto old_offer = offer_of(before), new_offer = offer_of(after);
    if (old_offer != new_offer) {
      if (old_offer) {
        t_.by_offer.erase(*old_offer);
        undo_.push_back([this, r = *old_offer, id] { t_.by_offer[r] = id; });
      }
      if (new_offer) {
        t_.by_offer[*new_offer] = id;
        undo_.push_back([this, r = *new_offer] { t_.by_offer.erase(r); });
      }
    }
  }
  Result<std::optional<WaitlistEntry>> find_waitlist_entry(TenantId tenant,
                                                           WaitlistEntryId id) override {
    return find_in(t_.waitlist, tenant, id);
  }
  Result<std::optional<WaitlistEntry>> find_waitlist_entry_by_offer(
      TenantId tenant, ReservationId reservation) override {
    auto at = t_.by_offer.find(reservation);
    if (at == t_.by_offer.end()) return std::optional<WaitlistEntry>();
    const WaitlistEntry& e = t_.waitlist.at(at->second);
    if (e.tenant != tenant) return std::optional<WaitlistEntry>();
    return std::optional<WaitlistEntry>(e);
  }
  Result<std::vector<WaitlistEntry>> list_waitlist(TenantId tenant,
                                                   const WaitlistFilter& f) override {
    std::vector<WaitlistEntry> out;
    for (const auto& [id, e] : t_.waitlist) {
      if (e.tenant == tenant && matches(e, f)) out.push_back(e);
    }
    return first_in_queue(std::move(out), f.limit);
  }
  Result<std::vector<WaitlistEntry>> waiting_entries(TenantId tenant,
                                                     const std::vector<ResourceId>& resources,
                                                     const std::vector<PoolId>& pools, Instant from,
                                                     Instant to, int limit) override {
    std::vector<WaitlistEntry> out;
    for (WaitlistEntryId id : t_.waiting) {
      const WaitlistEntry& e = t_.waitlist.at(id);
      if (e.tenant != tenant) continue;
      if (!(e.earliest_start < to && e.latest_start + e.duration > from)) continue;
      const bool named =
          std::any_of(resources.begin(), resources.end(),
                      [&](ResourceId r) { return names_resource(e, r); }) ||
          std::any_of(pools.begin(), pools.end(), [&](PoolId p) { return names_pool(e, p); });
      if (named) out.push_back(e);
    }
    return first_in_queue(std::move(out), limit);
  }
  Result<std::vector<WaitlistEntry>> due_waitlist_entries(Instant now, int limit) override {
    std::vector<std::pair<Instant, const WaitlistEntry*>> due;
    for (const auto& [id, e] : t_.waitlist) {
      if (e.status == WaitlistStatus::waiting && e.expires_at <= now) {
        due.emplace_back(e.expires_at, &e);
      } else if (e.status == WaitlistStatus::offered && e.offer_expires_at &&
                 *e.offer_expires_at <= now) {
        due.emplace_back(*e.offer_expires_at, &e);
      }
    }
    // Oldest deadline first; ties by id.
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second->id < b.second->id;
    });
    std::vector<WaitlistEntry> out;
    for (const auto& [at, e] : due) {
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back(*e);
    }
    return out;
  }
  Result<std::int64_t> count_waiting(std::optional<TenantId> tenant) override {
    if (!tenant) return static_cast<std::int64_t>(t_.waiting.size());
    std::int64_t n = 0;
    for (WaitlistEntryId id : t_.waiting) n += t_.waitlist.at(id).tenant == *tenant ? 1 : 0;
    return n;
  }

  Result<ReservationId> insert_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    BOKA_ASSIGN_OR_RETURN(auto id, insert_row(t_.reservations, x));
    link(id, x.allocations);
    link_customer(id, x);
    return id;
  }
  Status update_reservation(const Reservation& x) override {
    auto it = t_.reservations.find(x.id);
    if (it != t_.reservations.end()) {
      const Reservation old = it->second;
      BOKA_RETURN_IF_ERROR(update_row(t_.reservations, x));
      unlink(x.id, old.allocations);
      link(x.id, x.allocations);
      unlink_customer(x.id, old);
      link_customer(x.id, x);
      return Status::Ok();
    }
    return update_row(t_.reservations, x);
  }
  Result<std::optional<Reservation>> find_reservation(TenantId tenant, ReservationId id) override {
    return find_in(t_.reservations, tenant, id);
  }
  Result<std::vector<Reservation>> list_reservations(TenantId tenant,
                                                     const ReservationFilter& f) override {
    std::vector<Reservation> out;
    if (f.customer_id || f.customer) {
      // A customer's reservations through the customer index, in either order.
      const std::string key =
          f.customer_id ? "id:" + std::to_string(*f.customer_id) : "ref:" + *f.customer;
      auto ids = t_.by_customer.find(key);
      if (ids == t_.by_customer.end()) return out;
      for (ReservationId id : ids->second) {
        const Reservation& r = t_.reservations.at(id);
        if (r.tenant != tenant || !matches(r, f)) continue;
        if (f.order != ReservationOrder::by_start && id <= f.after_id) continue;
        out.push_back(r);
      }
      if (f.order == ReservationOrder::by_start) {
        std::sort(out.begin(), out.end(), starts_before);
        if (f.after_start) {
          Reservation last;
          last.start = *f.after_start;
          last.id = f.after_id;
          out.erase(out.begin(), std::upper_bound(out.begin(), out.end(), last, starts_before));
        }
      }
      if (static_cast<int>(out.size()) > f.limit)
        out.resize(static_cast<std::size_t>(std::max(f.limit, 0)));
      return out;
    }
    if (f.order == ReservationOrder::by_start) {
      // Every match, sorted; the keyset (after_start, after_id) applies only when
      // after_start is set.
      for (const auto& [id, r] : t_.reservations) {
        if (r.tenant == tenant && matches(r, f)) out.push_back(r);
      }
      std::sort(out.begin(), out.end(), starts_before);
      if (f.after_start) {
        Reservation last;
        last.start = *f.after_start;
        last.id = f.after_id;
        out.erase(out.begin(), std::upper_bound(out.begin(), out.end(), last, starts_before));
      }
      if (static_cast<int>(out.size()) > f.limit)
        out.resize(static_cast<std::size_t>(std::max(f.limit, 0)));
      return out;
    }
    for (auto it = t_.reservations.upper_bound(f.after_id); it != t_.reservations.end(); ++it) {
      if (static_cast<int>(out.size()) >= f.limit) break;
      if (it->second.tenant == tenant && matches(it->second, f)) out.push_back(it->second);
    }
    return out;
  }
  Result<std::vector<Booking>> active_bookings(ResourceId resource) override {
    std::vector<Booking> out;
    auto ids = t_.by_resource.find(resource);
    if (ids == t_.by_resource.end()) return out;
    for (ReservationId id : ids->second) {
      const Reservation& r = t_.reservations.at(id);
      if (r.status != ReservationStatus::held && r.status != ReservationStatus::confirmed) continue;
      for (const Allocation& a : r.allocations) {
        if (a.resource == resource) {
          out.push_back({r.id, r.start, r.end, a.quantity, r.status, r.hold_expires_at,
                         r.buffer_before, r.buffer_after});
        }
      }
    }
    return out;
  }
  Result<std::vector<Reservation>> expired_holds(Instant now, int limit) override {
    std::vector<Reservation> out;
    for (const auto& [id, r] : t_.reservations) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (r.status == ReservationStatus::held && r.hold_expires_at && *r.hold_expires_at <= now) {
        out.push_back(r);
      }
    }
    return out;
  }

  Status insert_idempotency(TenantId tenant, const IdempotencyRecord& rec) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto key = std::make_pair(tenant, rec.key);
    if (t_.idempotency.count(key)) {
      return AlreadyExists("idempotency_key: \"" + rec.key + "\" is already used");
    }
    t_.idempotency.emplace(key, rec);
    undo_.push_back([this, key] { t_.idempotency.erase(key); });
    return Status::Ok();
  }
  Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId tenant,
                                                            std::string_view key) override {
    auto it = t_.idempotency.find(std::make_pair(tenant, std::string(key)));
    if (it == t_.idempotency.end()) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(it->second);
  }

  // ---- authentication rows ---------------------------------------------------------------
  Result<UserId> insert_user(const StoredUser& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    for (const auto& [id, u] : t_.users) {
      if (u.user.tenant == x.user.tenant && u.user.email == x.user.email) {
        return AlreadyExists("user.email: \"" + x.user.email + "\" is taken");
      }
    }
    StoredUser row = x;
    row.user.mfa_enabled = !x.totp_secret.empty();  // derived, as the SQL stores derive it
    return insert_keyed(t_.users, row, [](StoredUser& r) -> UserId& { return r.user.id; });
  }
  Result<std::optional<StoredUser>> find_user(TenantId tenant, UserId id) override {
    auto it = t_.users.find(id);
    if (it == t_.users.end() || it->second.user.tenant != tenant) {
      return std::optional<StoredUser>();
    }
    return std::optional<StoredUser>(it->second);
  }
  Result<std::optional<StoredUser>> find_user_by_email(TenantId tenant,
                                                       std::string_view email) override {
    for (const auto& [id, u] : t_.users) {
      if (u.user.tenant == tenant && u.user.email == email) return std::optional<StoredUser>(u);
    }
    return std::optional<StoredUser>();
  }
  Result<std::vector<StoredUser>> list_users(TenantId tenant) override {
    std::vector<StoredUser> out;
    for (const auto& [id, u] : t_.users) {
      if (u.user.tenant == tenant) out.push_back(u);
    }
    return out;
  }
  Result<std::vector<StoredUser>> list_users_with_role(Role min_role) override {
    std::vector<StoredUser> out;
    for (const auto& [id, u] : t_.users) {
      if (static_cast<int>(u.user.role) >= static_cast<int>(min_role)) out.push_back(u);
    }
    return out;
  }
  Status update_user(const StoredUser& x) override {
    for (const auto& [id, u] : t_.users) {
      if (id != x.user.id && u.user.tenant == x.user.tenant && u.user.email == x.user.email) {
        return AlreadyExists("user.email: \"" + x.user.email + "\" is taken");
      }
    }
    StoredUser row = x;
    row.user.mfa_enabled = !x.totp_secret.empty();
    return update_keyed(t_.users, x.user.id, row);
  }

  Result<SessionId> insert_session(const StoredSession& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    for (const auto& [id, s] : t_.sessions) {
      if (s.token_hash == x.token_hash) return AlreadyExists("session token is not unique");
    }
    return insert_keyed(t_.sessions, x,
                        [](StoredSession& r) -> SessionId& { return r.session.id; });
  }
  Result<std::optional<StoredSession>> find_session_by_token(std::string_view hash) override {
    for (const auto& [id, s] : t_.sessions) {
      if (s.token_hash == hash) return std::optional<StoredSession>(s);
    }
    return std::optional<StoredSession>();
  }
  Result<std::optional<StoredSession>> find_session(SessionId id) override {
    auto it = t_.sessions.find(id);
    if (it == t_.sessions.end()) return std::optional<StoredSession>();
    return std::optional<StoredSession>(it->second);
  }
  Result<std::vector<StoredSession>> list_sessions(TenantId tenant, UserId user) override {
    std::vector<StoredSession> out;
    for (const auto& [id, s] : t_.sessions) {
      if (session_matches(s, tenant, user)) out.push_back(s);
    }
    return out;
  }
  Status update_session(const StoredSession& x) override {
    return update_keyed(t_.sessions, x.session.id, x);
  }
  Result<std::int64_t> revoke_sessions(TenantId tenant, UserId user, Instant at,
                                       SessionId keep) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::int64_t n = 0;
    for (auto& [id, s] : t_.sessions) {
      if (id == keep || !session_matches(s, tenant, user)) continue;
      StoredSession copy = s;
      copy.revoked_at = at;
      BOKA_RETURN_IF_ERROR(update_keyed(t_.sessions, id, copy));
      ++n;
    }
    return n;
  }
  Result<std::int64_t> delete_dead_sessions(Instant now, int limit) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::vector<SessionId> dead;
    for (const auto& [id, s] : t_.sessions) {
      if (static_cast<int>(dead.size()) >= limit) break;
      if (s.revoked_at || s.session.idle_expires_at <= now ||
          s.session.absolute_expires_at <= now) {
        dead.push_back(id);
      }
    }
    for (SessionId id : dead) {
      auto node = t_.sessions.extract(id);
      undo_.push_back(
          [this, row = std::move(node.mapped())] { t_.sessions.emplace(row.session.id, row); });
    }
    return static_cast<std::int64_t>(dead.size());
  }
  Result<std::int64_t> count_live_sessions(Instant now) override {
    std::int64_t n = 0;
    for (const auto& [id, s] : t_.sessions) {
      if (!s.revoked_at && s.session.idle_expires_at > now && s.session.absolute_expires_at > now) {
        ++n;
      }
    }
    return n;
  }

  Result<ApiKeyId> insert_api_key(const StoredApiKey& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_keyed(t_.api_keys, x, [](StoredApiKey& r) -> ApiKeyId& { return r.key.id; });
  }
  Result<std::optional<StoredApiKey>> find_api_key(ApiKeyId id) override {
    auto it = t_.api_keys.find(id);
    if (it == t_.api_keys.end()) return std::optional<StoredApiKey>();
    return std::optional<StoredApiKey>(it->second);
  }
  Result<std::vector<StoredApiKey>> list_api_keys(TenantId tenant) override {
    std::vector<StoredApiKey> out;
    for (const auto& [id, k] : t_.api_keys) {
      if (k.key.tenant == tenant) out.push_back(k);
    }
    return out;
  }
  Status update_api_key(const StoredApiKey& x) override {
    return update_keyed(t_.api_keys, x.key.id, x);
  }

  // Audit: one vector per chain. There is one writer at a time, so the head needs no
  // lock of its own.
  Result<AuditHead> lock_audit_head(TenantId tenant) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto it = t_.audit.find(tenant);
    if (it == t_.audit.end() || it->second.empty()) return AuditHead{tenant, 0, ""};
    return AuditHead{tenant, it->second.back().seq, it->second.back().hash};
  }
  Status append_audit(AuditRecord x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto& chain = t_.audit[x.tenant];
    if (x.seq != static_cast<std::int64_t>(chain.size()) + 1) {
      return AlreadyExists("audit record " + std::to_string(x.seq) + " of chain " +
                           std::to_string(x.tenant) + " is not next");
    }
    const TenantId tenant = x.tenant;
    chain.push_back(std::move(x));
    undo_.push_back([this, tenant] { t_.audit[tenant].pop_back(); });
    return Status::Ok();
  }
  Result<std::vector<AuditRecord>> list_audit(const AuditQuery& q) override {
    std::vector<AuditRecord> out;
    auto it = t_.audit.find(q.tenant);
    if (it == t_.audit.end()) return out;
    const auto& chain = it->second;
    const bool prefix = q.action && !q.action->empty() && q.action->back() == '.';
    for (std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(q.after_seq, 0));
         i < chain.size() && static_cast<int>(out.size()) < q.limit; ++i) {
      const AuditRecord& r = chain[i];
      if (q.actor && r.actor != *q.actor) continue;
      if (q.target && r.target != *q.target) continue;
      if (q.outcome && r.outcome != *q.outcome) continue;
      if (q.from && r.at < *q.from) continue;
      if (q.to && !(r.at < *q.to)) continue;
      if (q.action && (prefix ? r.action.rfind(*q.action, 0) != 0 : r.action != *q.action)) {
        continue;
      }
      out.push_back(r);
    }
    return out;
  }
  Result<std::vector<AuditHead>> audit_heads() override {
    std::vector<AuditHead> out;
    for (const auto& [tenant, chain] : t_.audit) {
      if (!chain.empty()) out.push_back(AuditHead{tenant, chain.back().seq, chain.back().hash});
    }
    return out;
  }

  Status insert_event(const Event& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    BOKA_ASSIGN_OR_RETURN(EventId id, insert_row(t_.events, x));
    t_.events.at(id).position = static_cast<std::int64_t>(id);
    t_.events_by_tenant[x.tenant].insert(id);
    undo_.push_back([this, tenant = x.tenant, id] { t_.events_by_tenant[tenant].erase(id); });
    return Status::Ok();
  }
  Result<std::vector<Event>> list_events(TenantId tenant, const EventQuery& q) override {
    std::vector<Event> out;
    auto ids = t_.events_by_tenant.find(tenant);
    if (ids == t_.events_by_tenant.end()) return out;
    for (auto it = ids->second.upper_bound(EventId(q.after));
         it != ids->second.end() && static_cast<int>(out.size()) < q.limit; ++it) {
      const Event& e = t_.events.at(*it);
      if (!q.subject.empty() && e.subject != q.subject) continue;
      if (!event_type_matches(q.types, e.type)) continue;
      out.push_back(e);
    }
    return out;
  }
  Result<std::optional<Event>> find_event(TenantId tenant, EventId id) override {
    return find_in(t_.events, tenant, id);
  }
  Result<std::int64_t> event_head(TenantId tenant) override {
    auto ids = t_.events_by_tenant.find(tenant);
    if (ids == t_.events_by_tenant.end() || ids->second.empty()) return std::int64_t{0};
    return static_cast<std::int64_t>(*ids->second.rbegin());
  }
  Result<bool> has_unpositioned_events() override { return false; }
  Result<std::int64_t> position_events(int) override { return std::int64_t{0}; }
  Result<std::int64_t> delete_events_before(Instant cutoff, int limit) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::int64_t n = 0;
    // Ids rise with time (one writer, one clock), so the oldest events come first; an event
    // stamped later than a newer one (a clock step back) waits for the next prune. Events a
    // pending webhook delivery still needs stay.
    std::set<EventId> needed;  // by a pending webhook delivery
    for (const auto& [id, d] : t_.deliveries) {
      if (d.status == DeliveryStatus::pending) needed.insert(d.event);
    }
    for (auto it = t_.events.begin();
         it != t_.events.end() && n < limit && it->second.occurred_at < cutoff;) {
      if (needed.count(it->first) > 0) {
        ++it;
        continue;
      }
      Event gone = std::move(it->second);
      it = t_.events.erase(it);
      t_.events_by_tenant[gone.tenant].erase(gone.id);
      undo_.push_back([this, gone]() mutable {
        t_.events_by_tenant[gone.tenant].insert(gone.id);
        t_.events.emplace(gone.id, std::move(gone));
      });
      ++n;
    }
    return n;
  }
  Result<std::int64_t> redact_customer_events(TenantId tenant, CustomerId customer,
                                              std::string_view payload) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::int64_t n = 0;
    auto ids = t_.events_by_tenant.find(tenant);
    if (ids == t_.events_by_tenant.end()) return n;
    for (EventId id : ids->second) {
      Event& e = t_.events.at(id);
      if (e.customer_id != customer || e.payload_json == payload) continue;
      undo_.push_back([this, id, old = e.payload_json] { t_.events.at(id).payload_json = old; });
      e.payload_json = std::string(payload);
      ++n;
    }
    return n;
  }

  // ---- webhooks
  Result<WebhookEndpointId> insert_webhook_endpoint(const StoredWebhookEndpoint& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_keyed(
        t_.webhook_endpoints, x,
        [](StoredWebhookEndpoint& r) -> WebhookEndpointId& { return r.endpoint.id; });
  }
  Result<std::optional<StoredWebhookEndpoint>> find_webhook_endpoint(
      TenantId tenant, WebhookEndpointId id) override {
    auto it = t_.webhook_endpoints.find(id);
    if (it == t_.webhook_endpoints.end() || it->second.endpoint.tenant != tenant) {
      return std::optional<StoredWebhookEndpoint>();
    }
    return std::optional<StoredWebhookEndpoint>(it->second);
  }
  Result<std::vector<StoredWebhookEndpoint>> list_webhook_endpoints(TenantId tenant) override {
    std::vector<StoredWebhookEndpoint> out;
    for (const auto& [id, e] : t_.webhook_endpoints) {
      if (e.endpoint.tenant == tenant && !e.deleted) out.push_back(e);
    }
    return out;
  }
  Result<std::vector<StoredWebhookEndpoint>> active_webhook_endpoints() override {
    std::vector<StoredWebhookEndpoint> out;
    for (const auto& [id, e] : t_.webhook_endpoints) {
      if (e.endpoint.active && !e.deleted) out.push_back(e);
    }
    return out;
  }
  Status update_webhook_endpoint(const StoredWebhookEndpoint& x) override {
    return update_keyed(t_.webhook_endpoints, x.endpoint.id, x);
  }
  Result<WebhookDeliveryId> insert_delivery(const WebhookDelivery& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_row(t_.deliveries, x);
  }
  Status update_delivery(const WebhookDelivery& x) override { return update_row(t_.deliveries, x); }
  Result<std::optional<WebhookDelivery>> find_delivery(TenantId tenant,
                                                       WebhookDeliveryId id) override {
    return find_in(t_.deliveries, tenant, id);
  }
  Result<std::vector<WebhookDelivery>> list_deliveries(TenantId tenant,
                                                       const DeliveryFilter& f) override {
    std::vector<WebhookDelivery> out;
    for (auto it = t_.deliveries.rbegin();
         it != t_.deliveries.rend() && static_cast<int>(out.size()) < f.limit; ++it) {
      const WebhookDelivery& d = it->second;
      if (d.tenant != tenant) continue;
      if (f.before_id != 0 && !(d.id < f.before_id)) continue;
      if (f.endpoint && d.endpoint != *f.endpoint) continue;
      if (f.status && d.status != *f.status) continue;
      if (f.event && d.event != *f.event) continue;
      out.push_back(d);
    }
    return out;
  }
  Result<std::vector<WebhookDelivery>> due_deliveries(Instant now, int limit) override {
    // The first pending delivery of each endpoint and subject, in feed order.
    std::map<std::pair<WebhookEndpointId, std::string>, const WebhookDelivery*> first;
    for (const auto& [id, d] : t_.deliveries) {
      if (d.status != DeliveryStatus::pending) continue;
      auto& slot = first[{d.endpoint, d.subject}];
      if (slot == nullptr || d.event_position < slot->event_position ||
          (d.event_position == slot->event_position && d.id < slot->id)) {
        slot = &d;
      }
    }
    std::vector<WebhookDelivery> out;
    for (const auto& [key, d] : first) {
      auto endpoint = t_.webhook_endpoints.find(d->endpoint);
      if (endpoint == t_.webhook_endpoints.end() || !endpoint->second.endpoint.active ||
          endpoint->second.deleted) {
        continue;
      }
      if (d->next_attempt_at <= now && (!d->leased_until || *d->leased_until <= now)) {
        out.push_back(*d);
      }
    }
    std::sort(out.begin(), out.end(), [](const WebhookDelivery& a, const WebhookDelivery& b) {
      return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                    : a.id < b.id;
    });
    if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    return out;
  }
  Result<bool> lease_delivery(WebhookDeliveryId id, Instant now, Instant until) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto it = t_.deliveries.find(id);
    if (it == t_.deliveries.end() || it->second.status != DeliveryStatus::pending ||
        (it->second.leased_until && *it->second.leased_until > now)) {
      return false;
    }
    undo_.push_back(
        [this, id, old = it->second.leased_until] { t_.deliveries.at(id).leased_until = old; });
    it->second.leased_until = until;
    return true;
  }
  Result<std::int64_t> end_deliveries(TenantId tenant, WebhookEndpointId endpoint,
                                      std::string_view reason) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::int64_t n = 0;
    for (auto& [id, d] : t_.deliveries) {
      if (d.tenant != tenant || d.endpoint != endpoint || d.status != DeliveryStatus::pending) {
        continue;
      }
      undo_.push_back([this, id = id, old = d] { t_.deliveries.at(id) = old; });
      d.status = DeliveryStatus::dead;
      d.last_error = std::string(reason);
      d.leased_until.reset();
      ++n;
    }
    return n;
  }
  Status insert_delivery_attempt(TenantId tenant, const DeliveryAttempt& a) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto d = t_.deliveries.find(a.delivery);
    if (d == t_.deliveries.end() || d->second.tenant != tenant) {
      return NotFound("delivery " + std::to_string(a.delivery) + " not found");
    }
    t_.attempts[a.delivery].push_back(a);
    undo_.push_back([this, id = a.delivery] { t_.attempts[id].pop_back(); });
    return Status::Ok();
  }
  Result<std::vector<DeliveryAttempt>> list_delivery_attempts(TenantId tenant,
                                                              WebhookDeliveryId id) override {
    auto d = t_.deliveries.find(id);
    if (d == t_.deliveries.end() || d->second.tenant != tenant) {
      return std::vector<DeliveryAttempt>();
    }
    auto it = t_.attempts.find(id);
    return it == t_.attempts.end() ? std::vector<DeliveryAttempt>() : it->second;
  }
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_deliveries() override {
    std::int64_t n = 0;
    std::optional<Instant> oldest;
    for (const auto& [id, d] : t_.deliveries) {
      if (d.status != DeliveryStatus::pending) continue;
      ++n;
      if (!oldest || d.created_at < *oldest) oldest = d.created_at;
    }
    return std::pair{n, oldest};
  }

  // ---- per-tenant settings
  Result<std::optional<std::string>> get_tenant_setting(TenantId tenant,
                                                        std::string_view name) override {
    auto it = t_.tenant_settings.find(std::pair{tenant, std::string(name)});
    if (it == t_.tenant_settings.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put_tenant_setting(TenantId tenant, std::string_view name,
                            std::string_view value) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (name.empty()) return InvalidArgument("setting name: must not be empty");
    auto key = std::pair{tenant, std::string(name)};
    std::optional<std::string> old;
    if (auto it = t_.tenant_settings.find(key); it != t_.tenant_settings.end()) old = it->second;
    t_.tenant_settings[key] = std::string(value);
    undo_.push_back([this, key, old] {
      if (old)
        t_.tenant_settings[key] = *old;
      else
        t_.tenant_settings.erase(key);
    });
    return Status::Ok();
  }
  Result<std::vector<TenantId>> tenants_with_setting(std::string_view name) override {
    std::vector<TenantId> out;
    for (const auto& [key, value] : t_.tenant_settings) {
      if (key.second == name) out.push_back(key.first);
    }
    return out;
  }

  // ---- mail
  Result<std::optional<EmailId>> insert_email(const StoredEmail& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto key = std::pair{x.email.tenant, x.dedupe_key};
    if (t_.email_keys.count(key) != 0) return std::optional<EmailId>();
    BOKA_ASSIGN_OR_RETURN(EmailId id, insert_keyed(t_.emails, x, [](StoredEmail& r) -> EmailId& {
                            return r.email.id;
                          }));
    t_.email_keys.insert(key);
    undo_.push_back([this, key] { t_.email_keys.erase(key); });
    return std::optional<EmailId>(id);
  }
  Status update_email(const Email& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto it = t_.emails.find(x.id);
    if (it == t_.emails.end() || it->second.email.tenant != x.tenant) {
      return NotFound("email " + std::to_string(x.id) + " does not exist");
    }
    Email old = it->second.email;
    Email& e = it->second.email;
    e.status = x.status;
    e.attempts = x.attempts;
    e.next_attempt_at = x.next_attempt_at;
    e.last_smtp_code = x.last_smtp_code;
    e.last_error = x.last_error;
    e.leased_until = x.leased_until;
    e.sent_at = x.sent_at;
    undo_.push_back([this, id = x.id, old] { t_.emails.at(id).email = old; });
    return Status::Ok();
  }
  Result<std::optional<StoredEmail>> find_email(TenantId tenant, EmailId id) override {
    auto it = t_.emails.find(id);
    if (it == t_.emails.end() || it->second.email.tenant != tenant) {
      return std::optional<StoredEmail>();
    }
    return std::optional<StoredEmail>(it->second);
  }
  Result<std::vector<Email>> list_emails(TenantId tenant, const EmailFilter& f) override {
    std::vector<Email> out;
    for (auto it = t_.emails.rbegin();
         it != t_.emails.rend() && static_cast<int>(out.size()) < f.limit; ++it) {
      const Email& e = it->second.email;
      if (e.tenant != tenant) continue;
      if (f.before_id != 0 && !(e.id < f.before_id)) continue;
      if (f.status && e.status != *f.status) continue;
      if (f.kind && e.kind != *f.kind) continue;
      if (f.reservation && e.reservation != *f.reservation) continue;
      if (f.customer && e.customer != f.customer) continue;
      out.push_back(e);
    }
    return out;
  }
  Result<std::vector<Email>> due_emails(Instant now, int limit) override {
    std::vector<Email> out;
    for (const auto& [id, x] : t_.emails) {
      const Email& e = x.email;
      if (e.status == EmailStatus::pending && e.next_attempt_at <= now &&
          (!e.leased_until || *e.leased_until <= now)) {
        out.push_back(e);
      }
    }
    std::sort(out.begin(), out.end(), [](const Email& a, const Email& b) {
      return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                    : a.id < b.id;
    });
    if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    return out;
  }
  Result<bool> lease_email(EmailId id, Instant now, Instant until) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto it = t_.emails.find(id);
    if (it == t_.emails.end() || it->second.email.status != EmailStatus::pending ||
        (it->second.email.leased_until && *it->second.email.leased_until > now)) {
      return false;
    }
    undo_.push_back([this, id, old = it->second.email.leased_until] {
      t_.emails.at(id).email.leased_until = old;
    });
    it->second.email.leased_until = until;
    return true;
  }
  Result<std::int64_t> redact_customer_emails(TenantId tenant, CustomerId customer) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    std::int64_t n = 0;
    for (auto& [id, x] : t_.emails) {
      if (x.email.tenant != tenant || x.email.customer != customer) continue;
      undo_.push_back([this, id = id, old = x] { t_.emails.at(id) = old; });
      x.email.to.clear();
      x.email.subject.clear();
      x.text.clear();
      x.html.clear();
      x.ics.clear();
      ++n;
    }
    return n;
  }
  Result<std::pair<std::int64_t, std::optional<Instant>>> pending_emails() override {
    std::int64_t n = 0;
    std::optional<Instant> oldest;
    for (const auto& [id, x] : t_.emails) {
      if (x.email.status != EmailStatus::pending) continue;
      ++n;
      if (!oldest || x.email.created_at < *oldest) oldest = x.email.created_at;
    }
    return std::pair{n, oldest};
  }

  // ---- payments
  Result<bool> insert_payment_event(const PaymentEventRecord& e) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto key = std::pair{e.tenant, e.provider_event_id};
    if (!t_.payment_events.insert(key).second) return false;
    undo_.push_back([this, key] { t_.payment_events.erase(key); });
    return true;
  }

  // ---- calendar feeds
  Result<FeedId> insert_feed(const StoredFeed& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return insert_keyed(t_.feeds, x, [](StoredFeed& r) -> FeedId& { return r.feed.id; });
  }
  Result<std::optional<StoredFeed>> find_feed(FeedId id) override {
    auto it = t_.feeds.find(id);
    if (it == t_.feeds.end()) return std::optional<StoredFeed>();
    return std::optional<StoredFeed>(it->second);
  }
  Result<std::vector<StoredFeed>> list_feeds(TenantId tenant) override {
    std::vector<StoredFeed> out;
    for (const auto& [id, f] : t_.feeds) {
      if (f.feed.tenant == tenant) out.push_back(f);
    }
    return out;
  }
  Status update_feed(const StoredFeed& x) override { return update_keyed(t_.feeds, x.feed.id, x); }

  Result<std::vector<TableStats>> table_stats() override {
    std::int64_t audit_rows = 0;
    for (const auto& [tenant, chain] : t_.audit)
      audit_rows += static_cast<std::int64_t>(chain.size());
    const auto n = [](const auto& table) { return static_cast<std::int64_t>(table.size()); };
    return std::vector<TableStats>{{"tenants", n(t_.tenants), 0},
                                   {"schedules", n(t_.schedules), 0},
                                   {"resources", n(t_.resources), 0},
                                   {"pools", n(t_.pools), 0},
                                   {"reservations", n(t_.reservations), 0},
                                   {"idempotency_keys", n(t_.idempotency), 0},
                                   {"users", n(t_.users), 0},
                                   {"sessions", n(t_.sessions), 0},
                                   {"api_keys", n(t_.api_keys), 0},
                                   {"audit_log", audit_rows, 0},
                                   {"settings", n(t_.settings), 0},
                                   {"series", n(t_.series), 0},
                                   {"waitlist_entries", n(t_.waitlist), 0},
                                   {"services", n(t_.services), 0},
                                   {"customers", n(t_.customers), 0},
                                   {"events", n(t_.events), 0},
                                   {"webhook_endpoints", n(t_.webhook_endpoints), 0},
                                   {"webhook_deliveries", n(t_.deliveries), 0},
                                   {"calendar_feeds", n(t_.feeds), 0},
                                   {"tenant_settings", n(t_.tenant_settings), 0},
                                   {"emails", n(t_.emails), 0},
                                   {"payment_events", n(t_.payment_events), 0}};
  }
  Result<std::optional<std::string>> get_setting(std::string_view name) override {
    if (name.empty()) return InvalidArgument("setting name: must not be empty");
    auto it = t_.settings.find(name);
    if (it == t_.settings.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put_setting(std::string_view name, std::string_view value) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (name.empty()) return InvalidArgument("setting name: must not be empty");
    std::string key(name);
    auto it = t_.settings.find(key);
    std::optional<std::string> old;
    if (it != t_.settings.end()) old = it->second;
    t_.settings[key] = std::string(value);
    undo_.push_back([this, key, old] {
      if (old)
        t_.settings[key] = *old;
      else
        t_.settings.erase(key);
    });
    return Status::Ok();
  }

 private:
  static bool session_matches(const StoredSession& s, TenantId tenant, UserId user) {
    if (s.revoked_at) return false;
    if (tenant != 0 && s.session.tenant != tenant) return false;
    return user == 0 || s.session.user == user;
  }

  // Inserts under the table's next id, written through `id_of` (the id may sit in a nested
  // struct); the undo step removes the row and gives the id back.
  template <typename Key, typename Row, typename IdOf>
  Result<Key> insert_keyed(std::map<Key, Row>& table, const Row& row, IdOf id_of) {
    std::int64_t& sequence = t_.next_id[&table];
    const Key id{++sequence};
    Row copy = row;
    id_of(copy) = id;
    table.emplace(id, std::move(copy));
    undo_.push_back([&table, &sequence, id] {
      table.erase(id);
      --sequence;
    });
    return id;
  }
  template <typename Key, typename Row>
  Status update_keyed(std::map<Key, Row>& table, Key id, const Row& row) {
    BOKA_RETURN_IF_ERROR(check_writable());
    auto it = table.find(id);
    if (it == table.end()) return NotFound("row " + std::to_string(id) + " does not exist");
    Row old = it->second;
    it->second = row;
    undo_.push_back([&table, id, old = std::move(old)] { table[id] = old; });
    return Status::Ok();
  }

  static bool add_id(std::vector<ReservationId>& ids, ReservationId id) {
    auto at = std::lower_bound(ids.begin(), ids.end(), id);
    if (at != ids.end() && *at == id) return false;
    ids.insert(at, id);
    return true;
  }
  static bool remove_id(std::vector<ReservationId>& ids, ReservationId id) {
    auto at = std::lower_bound(ids.begin(), ids.end(), id);
    if (at == ids.end() || *at != id) return false;
    ids.erase(at);
    return true;
  }
  void link(ReservationId id, const std::vector<Allocation>& allocations) {
    for (const Allocation& a : allocations) {
      if (add_id(t_.by_resource[a.resource], id)) {
        undo_.push_back([this, r = a.resource, id] { remove_id(t_.by_resource[r], id); });
      }
    }
  }
  void unlink(ReservationId id, const std::vector<Allocation>& allocations) {
    for (const Allocation& a : allocations) {
      if (remove_id(t_.by_resource[a.resource], id)) {
        undo_.push_back([this, r = a.resource, id] { add_id(t_.by_resource[r], id); });
      }
    }
  }

  // The customer keys a reservation is listed under.
  static std::vector<std::string> customer_keys(const Reservation& r) {
    std::vector<std::string> keys;
    if (r.customer_id) keys.push_back("id:" + std::to_string(*r.customer_id));
    if (!r.customer.empty()) keys.push_back("ref:" + r.customer);
    return keys;
  }
  void link_customer(ReservationId id, const Reservation& r) {
    for (std::string& key : customer_keys(r)) {
      if (add_id(t_.by_customer[key], id)) {
        undo_.push_back([this, key, id] { remove_id(t_.by_customer[key], id); });
      }
    }
  }
  void unlink_customer(ReservationId id, const Reservation& r) {
    for (std::string& key : customer_keys(r)) {
      if (remove_id(t_.by_customer[key], id)) {
        undo_.push_back([this, key, id] { add_id(t_.by_customer[key], id); });
      }
    }
  }

  Status check_writable() const {
    return writable_ ? Status::Ok() : InternalError("write attempted in a read transaction");
  }

  template <typename Key, typename Row>
  Result<Key> insert_row(std::map<Key, Row>& table, const Row& row) {
    return insert_keyed(table, row, [](Row& r) -> Key& { return r.id; });
  }

  template <typename Key, typename Row>
  Status update_row(std::map<Key, Row>& table, const Row& row) {
    return update_keyed(table, row.id, row);
  }

  template <typename Key, typename Row>
  static Result<std::optional<Row>> find_in(const std::map<Key, Row>& table, TenantId tenant,
                                            Key id) {
    auto it = table.find(id);
    if (it == table.end() || it->second.tenant != tenant) return std::optional<Row>();
    return std::optional<Row>(it->second);
  }

  template <typename Key, typename Row>
  static std::vector<Row> values(const std::map<Key, Row>& table, TenantId tenant) {
    std::vector<Row> out;
    for (const auto& [id, row] : table) {
      if constexpr (std::is_same_v<Row, Tenant>) {
        out.push_back(row);
      } else {
        if (row.tenant == tenant) out.push_back(row);
      }
    }
    return out;
  }

  Tables& t_;
  bool writable_;
  std::vector<std::function<void()>> undo_;
};

class MemoryStorage final : public Storage {
 public:
  Status read(const TxnScope&, Work work) override {
    std::shared_lock lock(mutex_);
    MemoryTransaction txn(tables_, /*writable=*/false);
    return run_guarded(work, txn);
  }

  Status write(const WriteIntent& intent, Work work) override {
    // One writer at a time: the whole store is the lock, which trivially covers every
    // resource in the intent and every named lock (intent.lock_names).
    std::unique_lock lock(mutex_);
    MemoryTransaction txn(tables_, /*writable=*/true);
    Status st = run_guarded(work, txn);
    if (!st.ok()) {
      txn.rollback();
    } else if (intent.after_commit) {
      intent.after_commit();  // before the next writer can take the lock
    }
    return st;
  }

  StorageInfo info() const override { return StorageInfo{"memory", 0, ""}; }

 private:
  std::shared_mutex mutex_;
  Tables tables_;
};

}  // namespace

std::shared_ptr<Storage> make_memory_storage() { return std::make_shared<MemoryStorage>(); }

}  // namespace boka::detail
