// The waitlist (boka/waitlist.hpp): entries, and the offers the engine makes when capacity
// frees. docs/architecture.md, "Waitlist", has the decisions:
// - An offer is an ordinary held reservation for the entry's customer, made inside the
//   transaction that freed the capacity, under the same locks; so two offers can never take
//   one unit, and an offer is exactly as real as any hold (confirm makes it a booking).
// - Entries are tried in queue order (priority, join time, id) and every one that fits is
//   offered; one that does not fit is passed over, never one that fits.
// - The transaction that frees capacity locks, besides its own resources, those of the
//   waiting entries that could take it (planned before, verified under the lock: a set that
//   changed in between replans), so no entry is ever passed over for a lock it lacked.
#include <algorithm>
#include <set>

#include "engine/booking_steps.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"

namespace boka {

using detail::Actor;
using detail::FreedCapacity;
using detail::LoadedSet;
using detail::Replan;
using detail::ResolvedRequest;
using detail::StagedIndex;

namespace {

constexpr std::int64_t kFarFuture = detail::kLatestUnix;

std::string entry_target(WaitlistEntryId id) { return "waitlist:" + std::to_string(id); }

std::string entry_detail(const WaitlistEntry& e) {
  nlohmann::ordered_json allocations = nlohmann::ordered_json::array();
  for (const AllocationRequest& a : e.allocations) {
    nlohmann::ordered_json one = {{"quantity", a.quantity}};
    if (a.resource) one["resource"] = static_cast<std::int64_t>(*a.resource);
    if (a.pool) one["pool"] = static_cast<std::int64_t>(*a.pool);
    allocations.push_back(std::move(one));
  }
  detail::JsonObject d;
  d.add("status", waitlist_status_name(e.status))
      .add("earliest_start", to_unix(e.earliest_start))
      .add("latest_start", to_unix(e.latest_start))
      .add("duration", static_cast<std::int64_t>(e.duration.count()))
      .add("allocations", std::move(allocations))
      .add("priority", e.priority)
      .add("expires_at", to_unix(e.expires_at))
      .add("version", e.version);
  // By reference only (docs/customers.md): never the free-text customer.
  if (e.customer_id) d.add("customer_id", static_cast<std::int64_t>(*e.customer_id));
  if (e.offer) d.add("offer", static_cast<std::int64_t>(*e.offer));
  if (e.offer_expires_at) d.add("offer_expires_at", to_unix(*e.offer_expires_at));
  return d.str();
}

detail::AuditEntry entry_audit(const WaitlistEntry& e, const char* action) {
  detail::AuditEntry a;
  a.tenant = e.tenant;
  a.action = action;
  a.target = entry_target(e.id);
  a.detail_json = entry_detail(e);
  return a;
}

// The pools of `tenant` that have any of `resources` as a member.
Result<std::vector<PoolId>> pools_holding(StorageTransaction& txn, TenantId tenant,
                                          const std::vector<ResourceId>& resources) {
  BOKA_ASSIGN_OR_RETURN(auto pools, txn.list_pools(tenant));
  std::vector<PoolId> out;
  for (const Pool& p : pools) {
    if (p.archived_at) continue;
    for (ResourceId m : p.members) {
      if (std::find(resources.begin(), resources.end(), m) != resources.end()) {
        out.push_back(p.id);
        break;
      }
    }
  }
  return out;
}

Result<std::vector<WaitlistEntry>> candidates(StorageTransaction& txn, TenantId tenant,
                                              const FreedCapacity& freed) {
  BOKA_ASSIGN_OR_RETURN(auto pools, pools_holding(txn, tenant, freed.resources));
  return txn.waiting_entries(tenant, freed.resources, pools, from_unix(freed.from),
                             from_unix(freed.to), detail::kWaitlistScan);
}

bool is_mine(const Actor& actor, const WaitlistEntry& e) {
  return actor.owns(e.customer, e.customer_id);
}

}  // namespace

namespace detail {

Status plan_waitlist_locks(StorageTransaction& txn, TenantId tenant, const FreedCapacity& freed,
                           std::vector<ResourceId>& locks) {
  if (freed.empty()) return Status::Ok();
  BOKA_ASSIGN_OR_RETURN(auto entries, candidates(txn, tenant, freed));
  for (const WaitlistEntry& e : entries) {
    BOKA_RETURN_IF_ERROR(plan_request_locks(txn, tenant, e.allocations, locks));
  }
  return Status::Ok();
}

Status offer_freed(EngineImpl& impl, StorageTransaction& txn, const Actor& actor, TenantId tenant,
                   LoadedSet& set, const std::vector<ResourceId>& locks, const FreedCapacity& freed,
                   std::int64_t now, std::vector<StagedIndex>& staged, Replan& replan,
                   int* offers) {
  if (freed.empty()) return Status::Ok();
  BOKA_ASSIGN_OR_RETURN(auto entries, candidates(txn, tenant, freed));
  for (WaitlistEntry& e : entries) {
    if (to_unix(e.expires_at) <= now) continue;  // the sweep marks it expired
    std::vector<ResolvedRequest> resolved;
    Status loaded = impl.resolve(txn, tenant, e.allocations, set.loaded, resolved, &staged);
    if (!loaded.ok()) {
      // A resource or pool of the entry is gone: it cannot be offered anything.
      if (loaded.code() == Code::not_found || loaded.code() == Code::conflict) continue;
      return loaded;
    }
    if (!covered(resolved, locks)) return replan.abort();
    const std::int64_t d = e.duration.count();
    const std::int64_t earliest = to_unix(e.earliest_start);
    const std::int64_t latest = to_unix(e.latest_start);
    std::int64_t t = earliest;
    if (latest > earliest) {
      // The first start in the window where everything fits (on the resources' grid).
      auto found =
          impl.slots(resolved, earliest, latest + 1, d, std::nullopt, now, ReservationId{}, 1);
      if (found.empty()) continue;
      t = to_unix(found.front().start);
    }
    auto assigned = assign(impl, resolved, t, d, now, ReservationId{}, nullptr);
    if (!assigned.ok()) {
      if (assigned.status().code() == Code::conflict ||
          assigned.status().code() == Code::invalid_argument) {
        continue;  // does not fit: the next entry may
      }
      return assigned.status();
    }
    Reservation hold;
    hold.tenant = tenant;
    hold.status = ReservationStatus::held;
    hold.start = from_unix(t);
    hold.end = from_unix(t + d);
    hold.hold_expires_at = from_unix(now + impl.waitlist_offer_window.count());
    hold.allocations = std::move(*assigned);
    hold.customer = e.customer;
    hold.customer_id = e.customer_id;
    hold.metadata_json = e.metadata_json;
    hold.created_at = hold.updated_at = from_unix(now);
    hold.version = 1;
    BOKA_ASSIGN_OR_RETURN(hold.id, txn.insert_reservation(hold));
    BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, nullptr, &hold, now, staged));
    e.status = WaitlistStatus::offered;
    e.offer = hold.id;
    e.offer_expires_at = hold.hold_expires_at;
    e.updated_at = from_unix(now);
    e.version += 1;
    BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(e));
    BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(e, "waitlist.offer")));
    BOKA_RETURN_IF_ERROR(impl.emit_reservation(txn, actor, "reservation.held", hold));
    BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, "waitlist.offered", e));
    if (offers) ++*offers;
  }
  return Status::Ok();
}

Result<bool> settle_offer(EngineImpl& impl, StorageTransaction& txn, const Actor& actor,
                          const Reservation& offer, WaitlistStatus next, std::int64_t now) {
  BOKA_ASSIGN_OR_RETURN(auto entry, txn.find_waitlist_entry_by_offer(offer.tenant, offer.id));
  if (!entry || entry->status != WaitlistStatus::offered) return false;
  entry->status = next;
  if (next != WaitlistStatus::accepted) entry->offer_expires_at.reset();
  entry->updated_at = from_unix(now);
  entry->version += 1;
  BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(*entry));
  const char* action = next == WaitlistStatus::accepted ? "waitlist.accept"
                       : next == WaitlistStatus::lapsed ? "waitlist.lapse"
                                                        : "waitlist.cancel";
  BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(*entry, action)));
  const char* event = next == WaitlistStatus::accepted ? "waitlist.accepted"
                      : next == WaitlistStatus::lapsed ? "waitlist.lapsed"
                                                       : "waitlist.cancelled";
  BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, event, *entry));
  return true;
}

}  // namespace detail

// ---- the facet -----------------------------------------------------------------------------

namespace {

Status validate_join(const WaitlistRequest& r, std::int64_t now, bool staff) {
  BOKA_RETURN_IF_ERROR(detail::validate_allocation_requests(r.allocations, "allocations"));
  if (r.latest_start < r.earliest_start) {
    return InvalidArgument("latest_start: must not be before earliest_start");
  }
  if (r.duration.count() <= 0 || r.duration.count() > 400LL * 86400) {
    return InvalidArgument("duration: must be 1 s .. 400 days");
  }
  if (to_unix(r.latest_start) <= now) {
    return InvalidArgument("latest_start: must be in the future");
  }
  if (to_unix(r.latest_start) - to_unix(r.earliest_start) > 400LL * 86400) {
    return InvalidArgument("latest_start: the window may span at most 400 days");
  }
  if (r.expires_at && (to_unix(*r.expires_at) <= now || *r.expires_at > r.latest_start)) {
    return InvalidArgument("expires_at: must be after now and at most latest_start");
  }
  if (r.priority < -1000 || r.priority > 1000) {
    return InvalidArgument("priority: must be -1000..1000");
  }
  if (r.priority != 0 && !staff) {
    return PermissionDenied("priority: only staff (reservations:all) may set a priority");
  }
  return detail::validate_booking_extras(std::nullopt, "", r.customer, r.metadata_json);
}

// Runs one waitlist write: plans locks (the entry's resources plus, for `freed`, the
// resources of entries that could take it), then runs `work` under them, then offers
// `freed` (as `work` leaves it) in the same transaction. Replans when locks fall short.
template <typename Work>
Status waitlist_write(EngineImpl& impl, const Actor& actor, TenantId tenant,
                      const std::vector<AllocationRequest>& own, FreedCapacity* freed, Work&& work,
                      int* offers) {
  for (int attempt = 0; attempt < detail::kMaxReplans; ++attempt) {
    std::vector<ResourceId> locks;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(detail::plan_request_locks(txn, tenant, own, locks));
          if (freed) BOKA_RETURN_IF_ERROR(detail::plan_waitlist_locks(txn, tenant, *freed, locks));
          return Status::Ok();
        }));
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    std::vector<StagedIndex> staged;
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    intent.after_commit = [&] { detail::install(impl.cache, staged); };
    Replan replan;
    Status st = impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      replan.reset();
      staged.clear();
      if (offers) *offers = 0;
      LoadedSet set;
      const std::int64_t now = impl.now();
      BOKA_RETURN_IF_ERROR(work(txn, set, locks, staged, replan, now));
      if (freed) {
        BOKA_RETURN_IF_ERROR(detail::offer_freed(impl, txn, actor, tenant, set, locks, *freed, now,
                                                 staged, replan, offers));
      }
      return Status::Ok();
    });
    if (replan.wanted(st)) continue;
    BOKA_RETURN_IF_ERROR(st);
    detail::install(impl.cache, staged);
    return Status::Ok();
  }
  return Unavailable("waitlist: its resources kept changing; retry");
}

}  // namespace

Result<WaitlistEntry> Waitlist::join(const Principal& who, TenantId tenant,
                                     const WaitlistRequest& request) {
  EngineImpl& impl = *impl_;
  int offers = 0;
  auto result =
      impl.refusal_audited(who, tenant, "waitlist.join", "", [&]() -> Result<WaitlistEntry> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl.authorize_reservations(who, tenant));
        WaitlistRequest req = request;
        if (actor.own_reservations_only()) {
          if (!req.customer.empty() && req.customer != actor.customer_ref()) {
            return PermissionDenied("customer: " + actor.name + " joins only as \"" +
                                    actor.customer_ref() + "\"");
          }
          req.customer = actor.customer_ref();
        }
        BOKA_RETURN_IF_ERROR(validate_join(req, impl.now(), !actor.own_reservations_only()));
        WaitlistEntry out;
        // Joining offers at once what is free now (the entry's own resources over its window):
        // a request that fits never waits behind nothing.
        // Joining offers what is free now over the entry's own resources and window, walking
        // the queue in order (an earlier entry that wants the same capacity comes first), so
        // its planning locks those entries' resources too.
        FreedCapacity here;
        BOKA_RETURN_IF_ERROR(
            impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) {
              return detail::plan_request_locks(txn, tenant, req.allocations, here.resources);
            }));
        std::sort(here.resources.begin(), here.resources.end());
        here.resources.erase(std::unique(here.resources.begin(), here.resources.end()),
                             here.resources.end());
        here.from = to_unix(req.earliest_start);
        here.to = to_unix(req.latest_start) + req.duration.count();
        WaitlistEntryId joined{};
        Status st = waitlist_write(
            impl, actor, tenant, req.allocations, &here,
            [&](StorageTransaction& txn, LoadedSet& set, const std::vector<ResourceId>& locks,
                std::vector<StagedIndex>& staged, Replan& replan, std::int64_t now) -> Status {
              BOKA_RETURN_IF_ERROR(impl.check_tenant_active(txn, tenant));
              std::optional<CustomerId> customer_id = req.customer_id;
              if (actor.own_reservations_only()) {
                BOKA_ASSIGN_OR_RETURN(customer_id,
                                      detail::linked_customer(txn, tenant, actor, req.customer_id));
              } else if (customer_id) {
                BOKA_RETURN_IF_ERROR(
                    detail::check_customer_usable(txn, tenant, *customer_id, "customer_id"));
              }
              std::vector<ResolvedRequest> resolved;
              BOKA_RETURN_IF_ERROR(
                  impl.resolve(txn, tenant, req.allocations, set.loaded, resolved, &staged));
              if (!detail::covered(resolved, locks)) return replan.abort();
              WaitlistEntry e;
              e.tenant = tenant;
              e.allocations = req.allocations;
              e.earliest_start = req.earliest_start;
              e.latest_start = req.latest_start;
              e.duration = req.duration;
              e.customer = req.customer;
              e.customer_id = customer_id;
              e.priority = req.priority;
              e.joined_at = e.updated_at = from_unix(now);
              e.expires_at = req.expires_at.value_or(req.latest_start);
              e.metadata_json = req.metadata_json;
              e.version = 1;
              BOKA_ASSIGN_OR_RETURN(e.id, txn.insert_waitlist_entry(e));
              BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(e, "waitlist.join")));
              BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, "waitlist.joined", e));
              joined = e.id;
              return Status::Ok();  // waitlist_write offers `here` next, in this transaction
            },
            &offers);
        BOKA_RETURN_IF_ERROR(st);
        BOKA_RETURN_IF_ERROR(
            impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto stored, txn.find_waitlist_entry(tenant, joined));
              if (!stored)
                return StorageError("waitlist entry " + std::to_string(joined) +
                                    " is missing after its join");
              out = std::move(*stored);
              return Status::Ok();
            }));
        return out;
      });
  if (offers > 0) impl.metrics->waitlist.made->inc(static_cast<std::uint64_t>(offers));
  return result;
}

Result<WaitlistPosition> Waitlist::get(const Principal& who, TenantId tenant, WaitlistEntryId id) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  WaitlistPosition out;
  bool found = false;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(auto e, txn.find_waitlist_entry(tenant, id));
        if (!e || !is_mine(actor, *e)) return Status::Ok();
        found = true;
        out.entry = *e;
        out.position = 0;
        if (e->status != WaitlistStatus::waiting) return Status::Ok();
        // Competitors: entries naming any resource this one can use (its own, its pools'
        // members) or any pool holding one of them.
        std::vector<ResourceId> resources;
        BOKA_RETURN_IF_ERROR(detail::plan_request_locks(txn, tenant, e->allocations, resources));
        BOKA_ASSIGN_OR_RETURN(auto pools, pools_holding(txn, tenant, resources));
        BOKA_ASSIGN_OR_RETURN(
            auto queue,
            txn.waiting_entries(tenant, resources, pools, e->earliest_start,
                                from_unix(to_unix(e->latest_start) + e->duration.count()), 10000));
        int ahead = 0;
        for (const WaitlistEntry& q : queue) {
          if (q.id == e->id) break;
          ++ahead;
        }
        out.position = ahead + 1;
        return Status::Ok();
      }));
  if (!found) return NotFound("waitlist entry " + std::to_string(id) + " not found");
  return out;
}

Result<std::vector<WaitlistEntry>> Waitlist::list(const Principal& who, TenantId tenant,
                                                  const WaitlistFilter& request) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  WaitlistFilter filter = request;
  BOKA_RETURN_IF_ERROR(detail::own_customer_filter(actor, filter.customer));
  if (filter.limit < 1 || filter.limit > 10000) {
    return InvalidArgument("filter.limit: must be 1..10000, got " + std::to_string(filter.limit));
  }
  std::vector<WaitlistEntry> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_waitlist(tenant, filter));
        if (actor.own_reservations_only() && actor.customer_record &&
            (!request.customer_id || request.customer_id == actor.customer_record)) {
          // Also the entries made for the customer's record under another reference, in the
          // same queue order (Actor::owns).
          WaitlistFilter by_record = filter;
          by_record.customer.reset();
          by_record.customer_id = actor.customer_record;
          BOKA_ASSIGN_OR_RETURN(auto more, txn.list_waitlist(tenant, by_record));
          for (WaitlistEntry& e : more) {
            if (e.customer != actor.customer_ref()) out.push_back(std::move(e));
          }
          std::sort(out.begin(), out.end(), [](const WaitlistEntry& a, const WaitlistEntry& b) {
            if (a.priority != b.priority) return a.priority > b.priority;
            if (a.joined_at != b.joined_at) return a.joined_at < b.joined_at;
            return a.id < b.id;
          });
          if (out.size() > static_cast<std::size_t>(filter.limit)) {
            out.resize(static_cast<std::size_t>(filter.limit));
          }
        }
        return Status::Ok();
      }));
  return out;
}

Result<WaitlistEntry> Waitlist::cancel(const Principal& who, TenantId tenant, WaitlistEntryId id) {
  EngineImpl& impl = *impl_;
  int offers = 0;
  auto result = impl.refusal_audited(
      who, tenant, "waitlist.cancel", entry_target(id), [&]() -> Result<WaitlistEntry> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl.authorize_reservations(who, tenant));
        // Planned outside: the offer (if any) to release, and what it frees.
        std::optional<WaitlistEntry> planned;
        std::optional<Reservation> offer;
        BOKA_RETURN_IF_ERROR(
            impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(planned, txn.find_waitlist_entry(tenant, id));
              if (planned && planned->offer && planned->status == WaitlistStatus::offered) {
                BOKA_ASSIGN_OR_RETURN(offer, txn.find_reservation(tenant, *planned->offer));
              }
              return Status::Ok();
            }));
        if (!planned || !is_mine(actor, *planned)) {
          return NotFound("waitlist entry " + std::to_string(id) + " not found");
        }
        FreedCapacity freed;
        std::vector<AllocationRequest> own;
        if (offer) {
          for (const Allocation& a : offer->allocations) {
            freed.resources.push_back(a.resource);
            own.push_back(AllocationRequest::of_resource(a.resource, a.quantity));
          }
          freed.from = to_unix(offer->start);
          freed.to = to_unix(offer->end);
        }
        WaitlistEntry out;
        BOKA_RETURN_IF_ERROR(waitlist_write(
            impl, actor, tenant, own, offer ? &freed : nullptr,
            [&](StorageTransaction& txn, LoadedSet& set, const std::vector<ResourceId>& locks,
                std::vector<StagedIndex>& staged, Replan& replan, std::int64_t now) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto e, txn.find_waitlist_entry(tenant, id));
              if (!e) return NotFound("waitlist entry " + std::to_string(id) + " not found");
              if (e->status != WaitlistStatus::waiting && e->status != WaitlistStatus::offered) {
                return ConflictError("waitlist entry " + std::to_string(id) + " is " +
                                     waitlist_status_name(e->status) + " and cannot be cancelled");
              }
              if (e->status == WaitlistStatus::offered && e->offer) {
                BOKA_ASSIGN_OR_RETURN(auto hold, txn.find_reservation(tenant, *e->offer));
                if (hold && hold->status == ReservationStatus::held &&
                    hold->is_active(from_unix(now))) {
                  for (const Allocation& a : hold->allocations) {
                    if (!std::binary_search(locks.begin(), locks.end(), a.resource)) {
                      return replan.abort();
                    }
                    if (!set.loaded.count(a.resource)) {
                      BOKA_ASSIGN_OR_RETURN(auto lr, impl.load_resource(txn, tenant, a.resource,
                                                                        "allocation", &staged));
                      set.loaded.emplace(a.resource, std::move(lr));
                    }
                  }
                  Reservation after = *hold;
                  after.status = ReservationStatus::cancelled;
                  after.hold_expires_at.reset();
                  after.version += 1;
                  after.updated_at = from_unix(now);
                  BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
                  BOKA_RETURN_IF_ERROR(
                      detail::apply_to_resources(txn, set, &*hold, &after, now, staged));
                  BOKA_RETURN_IF_ERROR(impl.audit(
                      txn, actor, detail::reservation_entry(after, "reservation.cancel")));
                  BOKA_RETURN_IF_ERROR(
                      impl.emit_reservation(txn, actor, "reservation.cancelled", after));
                }
              }
              e->status = WaitlistStatus::cancelled;
              e->offer_expires_at.reset();
              e->updated_at = from_unix(now);
              e->version += 1;
              BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(*e));
              BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(*e, "waitlist.cancel")));
              BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, "waitlist.cancelled", *e));
              out = *e;
              return Status::Ok();
            },
            &offers));
        return out;
      });
  if (offers > 0) impl.metrics->waitlist.made->inc(static_cast<std::uint64_t>(offers));
  return result;
}

Result<Reservation> Waitlist::accept(const Principal& who, TenantId tenant, WaitlistEntryId id) {
  BOKA_ASSIGN_OR_RETURN(auto position, get(who, tenant, id));
  const WaitlistEntry& e = position.entry;
  if (e.status != WaitlistStatus::offered || !e.offer) {
    return ConflictError("waitlist entry " + std::to_string(id) + " is " +
                         waitlist_status_name(e.status) + " and holds no offer to accept");
  }
  // Confirming the hold settles the entry (accepted) in the same transaction.
  return impl_->confirm_reservation(who, tenant, *e.offer, std::nullopt);
}

Result<WaitlistEntry> Waitlist::set_priority(const Principal& who, TenantId tenant,
                                             WaitlistEntryId id, int priority) {
  EngineImpl& impl = *impl_;
  return impl.refusal_audited(
      who, tenant, "waitlist.priority", entry_target(id), [&]() -> Result<WaitlistEntry> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl.authorize(who, tenant, Permission::reservations_all));
        if (priority < -1000 || priority > 1000) {
          return InvalidArgument("priority: must be -1000..1000");
        }
        WaitlistEntry out;
        BOKA_RETURN_IF_ERROR(impl.storage->write(
            [&] {
              WriteIntent intent(TxnScope::tenant(tenant));
              intent.audit_chain = tenant;
              return intent;
            }(),
            [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto e, txn.find_waitlist_entry(tenant, id));
              if (!e) return NotFound("waitlist entry " + std::to_string(id) + " not found");
              if (e->status != WaitlistStatus::waiting) {
                return ConflictError("waitlist entry " + std::to_string(id) + " is " +
                                     waitlist_status_name(e->status) +
                                     "; only a waiting entry has a place in the queue");
              }
              e->priority = priority;
              e->updated_at = from_unix(impl.now());
              e->version += 1;
              BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(*e));
              BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(*e, "waitlist.priority")));
              BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, "waitlist.reprioritized", *e));
              out = *e;
              return Status::Ok();
            }));
        return out;
      });
}

Result<int> Waitlist::sweep(const Principal& who, int limit) {
  EngineImpl& impl = *impl_;
  return impl.refusal_audited(who, TenantId{}, "waitlist.sweep", "", [&]() -> Result<int> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl.authorize_global(who, Permission::system_operations));
    if (limit < 1 || limit > 100000) return InvalidArgument("limit: must be 1..100000");
    std::vector<WaitlistEntry> due;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(due, txn.due_waitlist_entries(from_unix(impl.now()), limit));
          return Status::Ok();
        }));
    int changed = 0;
    // Offers past their window: expiring their hold lapses them and passes the capacity on
    // (Engine::expire_holds does the same for every lapsed hold).
    bool offers_due = false;
    for (const WaitlistEntry& e : due) {
      if (e.status == WaitlistStatus::offered) {
        offers_due = true;
        continue;
      }
      bool expired = false;
      BOKA_RETURN_IF_ERROR(impl.storage->write(
          [&] {
            WriteIntent intent(TxnScope::tenant(e.tenant));
            intent.audit_chain = e.tenant;
            return intent;
          }(),
          [&](StorageTransaction& txn) -> Status {
            expired = false;
            BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_waitlist_entry(e.tenant, e.id));
            const std::int64_t now = impl.now();
            if (!cur || cur->status != WaitlistStatus::waiting || to_unix(cur->expires_at) > now) {
              return Status::Ok();
            }
            cur->status = WaitlistStatus::expired;
            cur->updated_at = from_unix(now);
            cur->version += 1;
            BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(*cur));
            BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, entry_audit(*cur, "waitlist.expire")));
            BOKA_RETURN_IF_ERROR(impl.emit_waitlist(txn, actor, "waitlist.expired", *cur));
            expired = true;
            return Status::Ok();
          }));
      if (expired) ++changed;
    }
    if (offers_due) {
      BOKA_ASSIGN_OR_RETURN(auto lapsed, impl.expire_holds_as(actor, limit));
      changed += lapsed.offers_lapsed;
    }
    return changed;
  });
}

// ---- offers after a catalog change ---------------------------------------------------------

void EngineImpl::offer_after_catalog_change(const Actor& actor, TenantId tenant,
                                            std::vector<ResourceId> resources) {
  if (resources.empty()) return;
  FreedCapacity freed;
  freed.resources = std::move(resources);
  freed.from = now();
  freed.to = kFarFuture;
  int offers = 0;
  // Best effort: the catalog change has committed; a failure here leaves the entries
  // waiting for the next freeing or sweep, and is not the catalog call's failure.
  (void)waitlist_write(
      *this, actor, tenant, {}, &freed,
      [&](StorageTransaction&, LoadedSet&, const std::vector<ResourceId>&,
          std::vector<StagedIndex>&, Replan&, std::int64_t) { return Status::Ok(); },
      &offers);
  if (offers > 0) metrics->waitlist.made->inc(static_cast<std::uint64_t>(offers));
}

}  // namespace boka
