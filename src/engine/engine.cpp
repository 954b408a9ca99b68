// Engine: opening, the index cache, loading, and management of tenants, resources,
// schedules and pools.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"
#include "schedule/schedule_rules.hpp"

namespace boka {
namespace detail {

std::shared_ptr<const IntervalIndex> IndexCache::get(ResourceId id, std::int64_t version) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.version != version) return nullptr;
  return it->second.index;
}

void stage(StorageTransaction& txn, std::vector<StagedIndex>& staged, StagedIndex s) {
  if (TransactionMemo* memo = txn.memo()) memo->put(s.resource, s.version, s.index);
  staged.push_back(std::move(s));
}

void IndexCache::put(ResourceId id, std::int64_t version,
                     std::shared_ptr<const IntervalIndex> index) {
  std::lock_guard lock(mutex_);
  Entry& e = entries_[id];
  if (e.index && e.version > version) return;
  e.version = version;
  e.index = std::move(index);
}

IndexEntry index_entry(ReservationId id, Instant start, Instant end, ReservationStatus status,
                       const std::optional<Instant>& hold_expires_at, int quantity,
                       Seconds buffer_before, Seconds buffer_after, const Policy& policy) {
  IndexEntry e;
  // A booking's own buffers (its service's) apply where longer than the resource's: the
  // entry is widened by the difference, so the index keeps one pair of buffers.
  const std::int64_t lead =
      std::max<std::int64_t>(0, buffer_before.count() - policy.buffer_before.count());
  const std::int64_t trail =
      std::max<std::int64_t>(0, buffer_after.count() - policy.buffer_after.count());
  e.start = to_unix(start) - lead;
  e.end = to_unix(end) + trail;
  e.lead = static_cast<std::int32_t>(lead);
  e.expires =
      status == ReservationStatus::held && hold_expires_at ? to_unix(*hold_expires_at) : kNever;
  e.reservation = id;
  e.quantity = quantity;
  return e;
}

IndexEntry entry_of(const Reservation& r, const Allocation& a, const Policy& policy) {
  return index_entry(r.id, r.start, r.end, r.status, r.hold_expires_at, a.quantity, r.buffer_before,
                     r.buffer_after, policy);
}

}  // namespace detail

using detail::LoadedResource;
using detail::ResolvedRequest;

Engine::Engine(std::unique_ptr<EngineImpl> impl)
    : impl_(std::move(impl)),
      auth_(impl_.get()),
      operations_(impl_.get()),
      series_(impl_.get()),
      waitlist_(impl_.get()),
      services_(impl_.get()),
      customers_(impl_.get()),
      events_(impl_.get()),
      webhooks_(impl_.get()),
      feeds_(impl_.get()),
      mail_(impl_.get()),
      payments_(impl_.get()),
      manage_links_(impl_.get()) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::open(std::string_view storage_uri, EngineOptions options) {
  BOKA_ASSIGN_OR_RETURN(auto storage, open_storage(storage_uri));
  return open(std::move(storage), std::move(options));
}

Result<std::unique_ptr<Engine>> Engine::open(std::shared_ptr<Storage> storage,
                                             EngineOptions options) {
  if (!storage) return InvalidArgument("storage: must not be null");
  auto impl = std::make_unique<EngineImpl>();
  impl->read_only = std::make_shared<detail::ReadOnlyState>();
  if (options.read_only) {
    impl->read_only->reason = options.read_only_reason.empty() ? std::string("opened read-only")
                                                               : options.read_only_reason;
    impl->read_only->on = true;
  }
  impl->seal_after_commit = storage->seals_audit_after_commit();
  impl->credentials.configure(options.auth.credential_cache);
  if (impl->credentials.enabled()) {
    storage = detail::make_credential_watch(std::move(storage), impl->credentials);
  }
  impl->storage = detail::make_read_only_gate(std::move(storage), impl->read_only);
  impl->clock = options.clock ? std::move(options.clock) : std::make_shared<SystemClock>();
  if (options.waitlist_offer_window < Seconds(60) ||
      options.waitlist_offer_window > Seconds(7 * 86400)) {
    return InvalidArgument("waitlist_offer_window: must be 1 min .. 7 days");
  }
  impl->waitlist_offer_window = options.waitlist_offer_window;
  if (options.event_retention < Seconds(3600) ||
      options.event_retention > Seconds(3650LL * 86400)) {
    return InvalidArgument("event_retention: must be 1 hour .. 3650 days");
  }
  impl->event_retention = options.event_retention;
  BOKA_RETURN_IF_ERROR(detail::configure_webhooks(*impl, options.webhooks));
  BOKA_RETURN_IF_ERROR(detail::configure_mail(*impl, options.mail));
  BOKA_ASSIGN_OR_RETURN(impl->auth, detail::make_auth_runtime(options.auth));
  impl->metrics_registry =
      options.metrics ? std::move(options.metrics) : std::make_shared<MetricsRegistry>();
  BOKA_ASSIGN_OR_RETURN(impl->metrics, detail::register_engine_metrics(*impl->metrics_registry));
  impl->metrics->read_only->set(options.read_only ? 1 : 0);
  // Computed at scrape time from storage. The registry may outlive the engine (a host's
  // shared registry), so the callback holds the store and clock, not the engine.
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "user_sessions_active", "Sessions live now in every tenant",
      [store = std::weak_ptr<Storage>(impl->storage), clock = impl->clock]() -> double {
        auto s = store.lock();
        if (!s) return std::nan("");
        std::int64_t n = 0;
        Status st = s->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(n, txn.count_live_sessions(clock->now()));
          return Status::Ok();
        });
        return st.ok() ? static_cast<double>(n) : std::nan("");
      }));
  // A queue's gauges (webhook deliveries, customer mail): how many wait, and the age of the
  // oldest, from one read of `count(txn)`.
  using QueueCount =
      Result<std::pair<std::int64_t, std::optional<Instant>>> (StorageTransaction::*)();
  const auto queue_gauge = [store = std::weak_ptr<Storage>(impl->storage), clock = impl->clock](
                               QueueCount count, bool age) {
    return [store, clock, count, age]() -> double {
      auto s = store.lock();
      if (!s) return std::nan("");
      std::pair<std::int64_t, std::optional<Instant>> p;
      Status st = s->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(p, (txn.*count)());
        return Status::Ok();
      });
      if (!st.ok()) return std::nan("");
      if (!age) return static_cast<double>(p.first);
      // At least 0: after the clock goes back, the oldest item may be dated after "now",
      // and a negative age would read as a queue ahead of time, not an empty lag.
      return p.second ? std::max(0.0, static_cast<double>((clock->now() - *p.second).count()))
                      : 0.0;
    };
  };
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "webhook_deliveries_pending", "Webhook deliveries waiting for a first or next attempt",
      queue_gauge(&StorageTransaction::pending_deliveries, false)));
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "webhook_delivery_lag_seconds",
      "Age of the oldest pending webhook delivery (0 when none waits)",
      queue_gauge(&StorageTransaction::pending_deliveries, true)));
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "emails_pending", "Customer emails waiting for a first or next attempt",
      queue_gauge(&StorageTransaction::pending_emails, false)));
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "email_lag_seconds", "Age of the oldest pending customer email (0 when none waits)",
      queue_gauge(&StorageTransaction::pending_emails, true)));
  BOKA_RETURN_IF_ERROR(impl->metrics_registry->gauge_callback(
      "waitlist_waiting_entries", "Waitlist entries waiting, in every tenant",
      [store = std::weak_ptr<Storage>(impl->storage)]() -> double {
        auto s = store.lock();
        if (!s) return std::nan("");
        std::int64_t n = 0;
        Status st = s->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(n, txn.count_waiting(std::nullopt));
          return Status::Ok();
        });
        return st.ok() ? static_cast<double>(n) : std::nan("");
      }));
  if (impl->seal_after_commit) impl->sealer = std::make_unique<detail::AuditSealer>(*impl);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

StorageInfo Operations::storage_info() const { return impl_->storage->info(); }

// ---- loading -----------------------------------------------------------------------------

Result<LoadedResource> EngineImpl::load_resource(StorageTransaction& txn, TenantId tenant,
                                                 ResourceId id, const std::string& field,
                                                 std::vector<detail::StagedIndex>* staged) {
  BOKA_ASSIGN_OR_RETURN(auto row, txn.find_resource(tenant, id));
  if (!row) return NotFound(field + ": resource " + std::to_string(id) + " not found");
  BOKA_ASSIGN_OR_RETURN(auto zone, detail::Zone::locate(row->zone, field + ".zone"));
  std::optional<Schedule> schedule;
  if (row->schedule) {
    BOKA_ASSIGN_OR_RETURN(schedule, txn.find_schedule(tenant, *row->schedule));
    if (!schedule) {
      return StorageError("resource " + std::to_string(id) + " names schedule " +
                          std::to_string(*row->schedule) + ", which does not exist");
    }
  }
  // The transaction's memo first: an earlier writer of this commit group may have moved the
  // resource to this version, which the cache learns of only after the commit.
  std::shared_ptr<const detail::IntervalIndex> index;
  if (TransactionMemo* memo = txn.memo()) {
    index = std::static_pointer_cast<const detail::IntervalIndex>(memo->find(id, row->version));
  }
  if (!index) index = cache.get(id, row->version);
  if (!index) {
    BOKA_ASSIGN_OR_RETURN(auto bookings, txn.active_bookings(id));
    auto fresh = std::make_shared<detail::IntervalIndex>(row->policy.buffer_before.count(),
                                                         row->policy.buffer_after.count());
    const std::int64_t cutoff = detail::IntervalIndex::history_cutoff(now());
    for (const Booking& b : bookings) {
      const detail::IndexEntry e =
          detail::index_entry(b.reservation, b.start, b.end, b.status, b.hold_expires_at,
                              b.quantity, b.buffer_before, b.buffer_after, row->policy);
      if (e.end + row->policy.buffer_after.count() <= cutoff) continue;  // history
      fresh->insert(e);
    }
    index = fresh;
    if (staged != nullptr) {
      detail::stage(txn, *staged, detail::StagedIndex{id, row->version, index});
    } else {
      cache.put(id, row->version, index);
    }
  }
  return LoadedResource{std::move(*row), std::move(schedule), zone, std::move(index)};
}

Status EngineImpl::resolve(StorageTransaction& txn, TenantId tenant,
                           const std::vector<AllocationRequest>& requests,
                           std::unordered_map<ResourceId, LoadedResource>& loaded,
                           std::vector<ResolvedRequest>& resolved,
                           std::vector<detail::StagedIndex>* staged) {
  auto load = [&](ResourceId id, const std::string& field) -> Result<const LoadedResource*> {
    auto it = loaded.find(id);
    if (it == loaded.end()) {
      BOKA_ASSIGN_OR_RETURN(auto lr, load_resource(txn, tenant, id, field, staged));
      it = loaded.emplace(id, std::move(lr)).first;
    }
    return &it->second;
  };
  resolved.clear();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const AllocationRequest& a = requests[i];
    const std::string field = "allocations[" + std::to_string(i) + "]";
    ResolvedRequest rr;
    rr.quantity = a.quantity;
    if (a.resource) {
      BOKA_ASSIGN_OR_RETURN(auto lr, load(*a.resource, field + ".resource"));
      rr.candidates.push_back(lr);
    } else {
      BOKA_ASSIGN_OR_RETURN(auto pool, txn.find_pool(tenant, *a.pool));
      if (!pool) return NotFound(field + ".pool: pool " + std::to_string(*a.pool) + " not found");
      rr.pool = pool->id;
      if (!pool->archived_at) {
        for (ResourceId m : pool->members) {
          BOKA_ASSIGN_OR_RETURN(auto lr, load(m, field + ".pool member"));
          rr.candidates.push_back(lr);
        }
      }
    }
    resolved.push_back(std::move(rr));
  }
  return Status::Ok();
}

Status EngineImpl::check_tenant_exists(StorageTransaction& txn, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto t, txn.find_tenant(tenant));
  if (!t) return NotFound("tenant " + std::to_string(tenant) + " not found");
  return Status::Ok();
}

Status EngineImpl::check_tenant_active(StorageTransaction& txn, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto t, txn.find_tenant(tenant));
  if (!t) return NotFound("tenant " + std::to_string(tenant) + " not found");
  if (t->archived_at) {
    return ConflictError("tenant " + std::to_string(tenant) + " is archived and takes no changes");
  }
  return Status::Ok();
}

Status EngineImpl::fill_zone(StorageTransaction& txn, TenantId tenant, Reservation& r,
                             std::unordered_map<ResourceId, std::string>* known) {
  if (r.allocations.empty()) return Status::Ok();
  const ResourceId first = r.allocations.front().resource;
  if (known != nullptr) {
    if (auto it = known->find(first); it != known->end()) {
      r.zone = it->second;
      return Status::Ok();
    }
  }
  BOKA_ASSIGN_OR_RETURN(auto resource, txn.find_resource(tenant, first));
  if (resource) r.zone = resource->zone;
  if (known != nullptr) (*known)[first] = r.zone;
  return Status::Ok();
}

Reservation EngineImpl::with_derived_status(Reservation r, std::int64_t now) {
  if (r.status == ReservationStatus::held && r.hold_expires_at &&
      to_unix(*r.hold_expires_at) <= now) {
    r.status = ReservationStatus::expired;
  }
  return r;
}

namespace detail {

// The record of a successful change to a catalog object.
detail::AuditEntry changed(TenantId tenant, const char* action, const char* kind, std::int64_t id,
                           std::int64_t version, std::string_view name) {
  detail::AuditEntry e;
  e.tenant = tenant;
  e.action = action;
  e.target = std::string(kind) + ":" + std::to_string(id);
  e.detail_json = detail::JsonObject().add("name", name).add("version", version).str();
  return e;
}

Status stale(const char* kind, std::int64_t id, std::int64_t given, std::int64_t current) {
  return ConflictError(std::string(kind) + " " + std::to_string(id) + ": version " +
                       std::to_string(given) + " is stale (current " + std::to_string(current) +
                       "); re-read and retry");
}

}  // namespace detail

using detail::changed;
using detail::stale;

// ---- tenants -------------------------------------------------------------------------------

Result<Tenant> Engine::create_tenant(const Principal& who, const Tenant& spec) {
  return impl_->refusal_audited(who, TenantId{}, "tenant.create", "", [&]() -> Result<Tenant> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::tenants_manage));
    BOKA_RETURN_IF_ERROR(detail::validate_name(spec.name, "tenant.name"));
    Tenant t;
    t.name = spec.name;
    t.created_at = impl_->clock->now();
    t.version = 1;
    Status st = impl_->storage->write(
        WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(t.id, txn.insert_tenant(t));
          // A tenant's own chain starts with its creation.
          return impl_->audit(txn, actor,
                              changed(t.id, "tenant.create", "tenant", t.id, t.version, t.name));
        });
    if (st.code() == Code::already_exists) {
      return AlreadyExists("tenant.name: a tenant named \"" + spec.name + "\" already exists");
    }
    BOKA_RETURN_IF_ERROR(st);
    return t;
  });
}

Result<Tenant> Engine::get_tenant(const Principal& who, TenantId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, id, Permission::resources_read).status());
  std::optional<Tenant> t;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(id), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(t, txn.find_tenant(id));
        return Status::Ok();
      }));
  if (!t) return NotFound("tenant " + std::to_string(id) + " not found");
  return *t;
}

Result<std::vector<Tenant>> Engine::list_tenants(const Principal& who) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::tenants_manage).status());
  std::vector<Tenant> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(out, txn.list_tenants());
        return Status::Ok();
      }));
  return out;
}

Result<Tenant> Engine::update_tenant(const Principal& who, const Tenant& tenant) {
  return impl_->refusal_audited(
      who, tenant.id, "tenant.update", "tenant:" + std::to_string(tenant.id),
      [&]() -> Result<Tenant> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::tenants_manage));
        BOKA_RETURN_IF_ERROR(detail::validate_name(tenant.name, "tenant.name"));
        Tenant out;
        Status st = impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant.id)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_tenant(tenant.id));
              if (!cur) return NotFound("tenant " + std::to_string(tenant.id) + " not found");
              if (cur->version != tenant.version)
                return stale("tenant", tenant.id, tenant.version, cur->version);
              out = *cur;
              out.name = tenant.name;
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_tenant(out));
              return impl_->audit(
                  txn, actor,
                  changed(out.id, "tenant.update", "tenant", out.id, out.version, out.name));
            });
        if (st.code() == Code::already_exists) {
          return AlreadyExists("tenant.name: a tenant named \"" + tenant.name +
                               "\" already exists");
        }
        BOKA_RETURN_IF_ERROR(st);
        return out;
      });
}

Result<Tenant> Engine::archive_tenant(const Principal& who, TenantId id) {
  return impl_->refusal_audited(
      who, id, "tenant.archive", "tenant:" + std::to_string(id), [&]() -> Result<Tenant> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::tenants_manage));
        Tenant out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(id)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_tenant(id));
              if (!cur) return NotFound("tenant " + std::to_string(id) + " not found");
              out = *cur;
              if (out.archived_at) return Status::Ok();
              out.archived_at = impl_->clock->now();
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_tenant(out));
              return impl_->audit(
                  txn, actor,
                  changed(out.id, "tenant.archive", "tenant", out.id, out.version, out.name));
            }));
        return out;
      });
}

Result<Tenant> Engine::update_tenant_rules(const Principal& who, TenantId id,
                                           const TenantRules& rules,
                                           std::int64_t expected_version) {
  return impl_->refusal_audited(
      who, id, "tenant.rules", "tenant:" + std::to_string(id), [&]() -> Result<Tenant> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, id, Permission::catalog_write));
        BOKA_RETURN_IF_ERROR(detail::validate_tenant_rules(rules));
        Tenant out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(id)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_tenant(id));
              if (!cur) return NotFound("tenant " + std::to_string(id) + " not found");
              if (cur->version != expected_version)
                return stale("tenant", id, expected_version, cur->version);
              out = *cur;
              out.rules = rules.rules;
              out.max_hold = rules.max_hold;
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_tenant(out));
              detail::AuditEntry e =
                  changed(out.id, "tenant.rules", "tenant", out.id, out.version, out.name);
              e.detail_json = detail::JsonObject()
                                  .add("version", out.version)
                                  .add("rules", detail::rules_json(out.rules))
                                  .add("max_hold", static_cast<std::int64_t>(out.max_hold.count()))
                                  .str();
              return impl_->audit(txn, actor, std::move(e));
            }));
        return out;
      });
}

// ---- resources -----------------------------------------------------------------------------

namespace {

Status check_schedule_usable(StorageTransaction& txn, TenantId tenant,
                             const std::optional<ScheduleId>& id) {
  if (!id) return Status::Ok();
  BOKA_ASSIGN_OR_RETURN(auto s, txn.find_schedule(tenant, *id));
  if (!s) return NotFound("resource.schedule: schedule " + std::to_string(*id) + " not found");
  if (s->archived_at) {
    return ConflictError("resource.schedule: schedule " + std::to_string(*id) + " is archived");
  }
  return Status::Ok();
}

}  // namespace

Result<Resource> Engine::create_resource(const Principal& who, TenantId tenant,
                                         const Resource& spec) {
  return impl_->refusal_audited(who, tenant, "resource.create", "", [&]() -> Result<Resource> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
    BOKA_RETURN_IF_ERROR(detail::validate_resource(spec));
    Resource r = spec;
    r.tenant = tenant;
    r.created_at = impl_->clock->now();
    r.archived_at.reset();
    r.version = 1;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(check_schedule_usable(txn, tenant, r.schedule));
          BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_resource(r));
          return impl_->audit(
              txn, actor, changed(tenant, "resource.create", "resource", r.id, r.version, r.name));
        }));
    return r;
  });
}

Result<Resource> Engine::get_resource(const Principal& who, TenantId tenant, ResourceId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::resources_read).status());
  std::optional<Resource> r;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(r, txn.find_resource(tenant, id));
        return Status::Ok();
      }));
  if (!r) return NotFound("resource " + std::to_string(id) + " not found");
  return *r;
}

Result<std::vector<Resource>> Engine::list_resources(const Principal& who, TenantId tenant,
                                                     bool include_archived) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::resources_read).status());
  std::vector<Resource> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_resources(tenant));
        return Status::Ok();
      }));
  if (!include_archived)
    std::erase_if(out, [](const Resource& r) { return r.archived_at.has_value(); });
  return out;
}

Result<Resource> Engine::update_resource(const Principal& who, TenantId tenant,
                                         const Resource& resource) {
  return impl_->refusal_audited(
      who, tenant, "resource.update", "resource:" + std::to_string(resource.id),
      [&]() -> Result<Resource> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        BOKA_RETURN_IF_ERROR(detail::validate_resource(resource));
        Resource out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant), {resource.id}),
            [&](StorageTransaction& txn) -> Status {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              std::vector<detail::StagedIndex> discarded;  // the update bumps the version anyway
              BOKA_ASSIGN_OR_RETURN(
                  auto cur, impl_->load_resource(txn, tenant, resource.id, "resource", &discarded));
              if (cur.resource.version != resource.version) {
                return stale("resource", resource.id, resource.version, cur.resource.version);
              }
              BOKA_RETURN_IF_ERROR(check_schedule_usable(txn, tenant, resource.schedule));
              if (resource.capacity < cur.resource.capacity) {
                // Usage under the new buffers, which are what the new row will enforce.
                detail::IntervalIndex probe(resource.policy.buffer_before.count(),
                                            resource.policy.buffer_after.count());
                cur.index->for_each_from(std::numeric_limits<std::int64_t>::min(),
                                         [&](const detail::IndexEntry& e) {
                                           probe.insert(e);
                                           return true;
                                         });
                // From now on: past usage does not hold the capacity up.
                const auto over = probe.ranges_above({impl_->now(), detail::kNever / 2},
                                                     resource.capacity, impl_->now());
                if (!over.empty()) {
                  const int used = probe.max_usage(over.front(), impl_->now());
                  return ConflictError("resource.capacity: " + std::to_string(resource.capacity) +
                                       " is below the " + std::to_string(used) +
                                       " units that reservations use at " +
                                       format_utc(from_unix(over.front().begin)));
                }
              }
              out = cur.resource;
              out.name = resource.name;
              out.zone = resource.zone;
              out.capacity = resource.capacity;
              out.policy = resource.policy;
              out.schedule = resource.schedule;
              out.metadata_json = resource.metadata_json;
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_resource(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "resource.update", "resource", out.id, out.version, out.name));
            }));
        // More capacity, longer hours or a looser policy may let a waiting entry in.
        impl_->offer_after_catalog_change(actor, tenant, {out.id});
        return out;
      });
}

Result<Resource> Engine::archive_resource(const Principal& who, TenantId tenant, ResourceId id) {
  return impl_->refusal_audited(
      who, tenant, "resource.archive", "resource:" + std::to_string(id), [&]() -> Result<Resource> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        Resource out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant), {id}), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_resource(tenant, id));
              if (!cur) return NotFound("resource " + std::to_string(id) + " not found");
              out = *cur;
              if (out.archived_at) return Status::Ok();
              out.archived_at = impl_->clock->now();
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_resource(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "resource.archive", "resource", out.id, out.version, out.name));
            }));
        return out;
      });
}

// ---- schedules -----------------------------------------------------------------------------

Result<Schedule> Engine::create_schedule(const Principal& who, TenantId tenant,
                                         const Schedule& spec) {
  return impl_->refusal_audited(who, tenant, "schedule.create", "", [&]() -> Result<Schedule> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
    BOKA_RETURN_IF_ERROR(detail::validate_schedule(spec));
    Schedule s = spec;
    s.tenant = tenant;
    s.archived_at.reset();
    s.version = 1;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_ASSIGN_OR_RETURN(s.id, txn.insert_schedule(s));
          return impl_->audit(
              txn, actor, changed(tenant, "schedule.create", "schedule", s.id, s.version, s.name));
        }));
    return s;
  });
}

Result<Schedule> Engine::get_schedule(const Principal& who, TenantId tenant, ScheduleId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::schedules_read).status());
  std::optional<Schedule> s;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(s, txn.find_schedule(tenant, id));
        return Status::Ok();
      }));
  if (!s) return NotFound("schedule " + std::to_string(id) + " not found");
  return *s;
}

Result<std::vector<Schedule>> Engine::list_schedules(const Principal& who, TenantId tenant,
                                                     bool include_archived) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::schedules_read).status());
  std::vector<Schedule> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_schedules(tenant));
        return Status::Ok();
      }));
  if (!include_archived)
    std::erase_if(out, [](const Schedule& s) { return s.archived_at.has_value(); });
  return out;
}

namespace {

// Resources of `tenant` that use schedule `id`.
Result<std::vector<Resource>> users_of_schedule(StorageTransaction& txn, TenantId tenant,
                                                ScheduleId id) {
  BOKA_ASSIGN_OR_RETURN(auto all, txn.list_resources(tenant));
  std::erase_if(all, [&](const Resource& r) { return r.schedule != id; });
  return all;
}

}  // namespace

Result<Schedule> Engine::update_schedule(const Principal& who, TenantId tenant,
                                         const Schedule& schedule) {
  return impl_->refusal_audited(
      who, tenant, "schedule.update", "schedule:" + std::to_string(schedule.id),
      [&]() -> Result<Schedule> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        BOKA_RETURN_IF_ERROR(detail::validate_schedule(schedule));
        Schedule out;
        // Indexes do not depend on schedules (only on bookings and buffers), so a schedule change
        // needs no resource lock: every decision reads the schedule in its own transaction.
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_schedule(tenant, schedule.id));
              if (!cur) return NotFound("schedule " + std::to_string(schedule.id) + " not found");
              if (cur->version != schedule.version) {
                return stale("schedule", schedule.id, schedule.version, cur->version);
              }
              out = schedule;
              out.tenant = tenant;
              out.archived_at = cur->archived_at;
              out.version = cur->version + 1;
              BOKA_RETURN_IF_ERROR(txn.update_schedule(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "schedule.update", "schedule", out.id, out.version, out.name));
            }));
        // Longer opening hours may let waiting entries in on every resource that uses it.
        std::vector<ResourceId> users;
        Status listed =
            impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto resources, txn.list_resources(tenant));
              for (const Resource& r : resources) {
                if (r.schedule == out.id && !r.archived_at) users.push_back(r.id);
              }
              return Status::Ok();
            });
        if (listed.ok()) impl_->offer_after_catalog_change(actor, tenant, std::move(users));
        return out;
      });
}

Result<Schedule> Engine::archive_schedule(const Principal& who, TenantId tenant, ScheduleId id) {
  return impl_->refusal_audited(
      who, tenant, "schedule.archive", "schedule:" + std::to_string(id), [&]() -> Result<Schedule> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        Schedule out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_schedule(tenant, id));
              if (!cur) return NotFound("schedule " + std::to_string(id) + " not found");
              out = *cur;
              if (out.archived_at) return Status::Ok();
              BOKA_ASSIGN_OR_RETURN(auto users, users_of_schedule(txn, tenant, id));
              std::erase_if(users, [](const Resource& r) { return r.archived_at.has_value(); });
              if (!users.empty()) {
                return ConflictError("schedule " + std::to_string(id) + " is used by resource " +
                                     std::to_string(users.front().id) +
                                     "; move it to another schedule first");
              }
              out.archived_at = impl_->clock->now();
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_schedule(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "schedule.archive", "schedule", out.id, out.version, out.name));
            }));
        return out;
      });
}

// ---- pools ---------------------------------------------------------------------------------

namespace {

Status check_members(StorageTransaction& txn, TenantId tenant, const Pool& p) {
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    BOKA_ASSIGN_OR_RETURN(auto r, txn.find_resource(tenant, p.members[i]));
    if (!r) {
      return NotFound("pool.members[" + std::to_string(i) + "]: resource " +
                      std::to_string(p.members[i]) + " not found");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Pool> Engine::create_pool(const Principal& who, TenantId tenant, const Pool& spec) {
  return impl_->refusal_audited(who, tenant, "pool.create", "", [&]() -> Result<Pool> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
    BOKA_RETURN_IF_ERROR(detail::validate_pool_shape(spec));
    Pool p = spec;
    p.tenant = tenant;
    p.archived_at.reset();
    p.version = 1;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(check_members(txn, tenant, p));
          BOKA_ASSIGN_OR_RETURN(p.id, txn.insert_pool(p));
          return impl_->audit(txn, actor,
                              changed(tenant, "pool.create", "pool", p.id, p.version, p.name));
        }));
    return p;
  });
}

Result<Pool> Engine::get_pool(const Principal& who, TenantId tenant, PoolId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::resources_read).status());
  std::optional<Pool> p;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(p, txn.find_pool(tenant, id));
        return Status::Ok();
      }));
  if (!p) return NotFound("pool " + std::to_string(id) + " not found");
  return *p;
}

Result<std::vector<Pool>> Engine::list_pools(const Principal& who, TenantId tenant,
                                             bool include_archived) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::resources_read).status());
  std::vector<Pool> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_pools(tenant));
        return Status::Ok();
      }));
  if (!include_archived)
    std::erase_if(out, [](const Pool& p) { return p.archived_at.has_value(); });
  return out;
}

Result<Pool> Engine::update_pool(const Principal& who, TenantId tenant, const Pool& pool) {
  return impl_->refusal_audited(
      who, tenant, "pool.update", "pool:" + std::to_string(pool.id), [&]() -> Result<Pool> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        BOKA_RETURN_IF_ERROR(detail::validate_pool_shape(pool));
        Pool out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_pool(tenant, pool.id));
              if (!cur) return NotFound("pool " + std::to_string(pool.id) + " not found");
              if (cur->version != pool.version)
                return stale("pool", pool.id, pool.version, cur->version);
              BOKA_RETURN_IF_ERROR(check_members(txn, tenant, pool));
              out = *cur;
              out.name = pool.name;
              out.members = pool.members;
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_pool(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "pool.update", "pool", out.id, out.version, out.name));
            }));
        return out;
      });
}

Result<Pool> Engine::archive_pool(const Principal& who, TenantId tenant, PoolId id) {
  return impl_->refusal_audited(
      who, tenant, "pool.archive", "pool:" + std::to_string(id), [&]() -> Result<Pool> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        Pool out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_pool(tenant, id));
              if (!cur) return NotFound("pool " + std::to_string(id) + " not found");
              out = *cur;
              if (out.archived_at) return Status::Ok();
              out.archived_at = impl_->clock->now();
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_pool(out));
              return impl_->audit(
                  txn, actor,
                  changed(tenant, "pool.archive", "pool", out.id, out.version, out.name));
            }));
        return out;
      });
}

}  // namespace boka
