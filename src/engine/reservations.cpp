// Reservations: reserve, hold/confirm, cancel, reschedule, complete, no-show, expiry.
//
// Every write follows one shape: work out which resources it touches, run a storage write
// transaction that locks them, decide on what was read under the lock (versioned index),
// write, bump the version of every touched resource, and install the new indexes only
// after the commit succeeded.
#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_set>

#include "codec/json_codec.hpp"
#include "engine/booking_steps.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"

namespace boka {

using detail::apply_to_resources;
using detail::assign;
using detail::covered;
using detail::IndexEntry;
using detail::install;
using detail::IntervalIndex;
using detail::kMaxReplans;
using detail::LoadedResource;
using detail::LoadedSet;
using detail::Replan;
using detail::reservation_entry;
using detail::ResolvedRequest;
using detail::StagedIndex;
using namespace detail::operation;

namespace detail {

Status plan_request_locks(StorageTransaction& txn, TenantId tenant,
                          const std::vector<AllocationRequest>& requests,
                          std::vector<ResourceId>& locks) {
  for (const AllocationRequest& a : requests) {
    if (a.resource) locks.push_back(*a.resource);
    if (a.pool) {
      BOKA_ASSIGN_OR_RETURN(auto pool, txn.find_pool(tenant, *a.pool));
      if (pool) locks.insert(locks.end(), pool->members.begin(), pool->members.end());
    }
  }
  return Status::Ok();
}

bool covered(const std::vector<ResolvedRequest>& resolved, const std::vector<ResourceId>& locks) {
  for (const auto& r : resolved) {
    for (const LoadedResource* c : r.candidates) {
      if (!std::binary_search(locks.begin(), locks.end(), c->resource.id)) return false;
    }
  }
  return true;
}

void install(detail::IndexCache& cache, const std::vector<StagedIndex>& staged) {
  for (const auto& s : staged) cache.put(s.resource, s.version, s.index);
}

Result<Tenant> active_tenant(StorageTransaction& txn, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto t, txn.find_tenant(tenant));
  if (!t) return NotFound("tenant " + std::to_string(tenant) + " not found");
  if (t->archived_at) {
    return ConflictError("tenant " + std::to_string(tenant) + " is archived and takes no changes");
  }
  return std::move(*t);
}

Status check_confirmable(const Reservation& hold,
                         const std::unordered_map<ResourceId, LoadedResource>& loaded,
                         const std::string& what) {
  for (const Allocation& a : hold.allocations) {
    const auto it = loaded.find(a.resource);
    if (it == loaded.end() || !it->second.index) continue;
    const IntervalIndex& index = *it->second.index;
    // The hold's own entry gives its occupied range (its own buffers included); its lead
    // is at most max_lead, so it starts at or after the booked start minus that.
    const std::int64_t booked = to_unix(hold.start);
    std::optional<IndexEntry> own;
    index.for_each_from(booked - index.max_lead(), [&](const IndexEntry& e) {
      if (e.start > booked) return false;
      if (e.reservation == hold.id) own = e;
      return !own;
    });
    if (!own) continue;
    // At kNever - 1 only entries that never lapse are active: the confirmed bookings.
    if (!index.fits(index.occupied(*own), own->quantity, it->second.resource.capacity,
                    kNever - 1, hold.id)) {
      return ConflictError(what + ": its place on resource " + std::to_string(a.resource) +
                           " was taken while its hold had lapsed (the clock was set back "
                           "since, or another host's clock is ahead); it cannot be confirmed");
    }
  }
  return Status::Ok();
}

std::string reservation_detail(const Reservation& r, const std::vector<std::string>& overridden) {
  std::string allocations = "[";
  for (const Allocation& a : r.allocations) {
    if (allocations.size() > 1) allocations += ',';
    allocations += "{\"resource\":";
    codec::detail::append_int(allocations, static_cast<std::int64_t>(a.resource));
    allocations += ",\"quantity\":";
    codec::detail::append_int(allocations, a.quantity);
    if (a.pool) {
      allocations += ",\"pool\":";
      codec::detail::append_int(allocations, static_cast<std::int64_t>(*a.pool));
    }
    allocations += '}';
  }
  allocations += ']';
  detail::JsonObject d;
  d.add("status", status_name(r.status))
      .add("start", to_unix(r.start))
      .add("end", to_unix(r.end))
      .add_text("allocations", allocations)
      .add("version", r.version);
  // Whom it is for only by reference (the customer record's id), never the free-text
  // reference, notes or metadata, which may hold personal data: erasing a customer then
  // leaves nothing personal in the trail (docs/customers.md).
  if (r.customer_id) d.add("customer_id", static_cast<std::int64_t>(*r.customer_id));
  if (r.service) d.add("service", static_cast<std::int64_t>(*r.service));
  if (r.price_minor) d.add("price_minor", *r.price_minor).add("currency", r.currency);
  if (r.hold_expires_at) d.add("hold_expires_at", to_unix(*r.hold_expires_at));
  if (!overridden.empty()) d.add("overridden", nlohmann::ordered_json(overridden));
  return d.str();
}

detail::AuditEntry reservation_entry(const Reservation& r, const char* action,
                                     const std::vector<std::string>& overridden) {
  detail::AuditEntry e;
  e.tenant = r.tenant;
  e.action = action;
  e.target = "reservation:" + std::to_string(r.id);
  e.detail_json = reservation_detail(r, overridden);
  return e;
}

}  // namespace detail

namespace {

bool request_error(Explanation::Reason r) {
  return r == Explanation::Reason::duration || r == Explanation::Reason::off_grid;
}

}  // namespace

namespace detail {

Result<std::vector<Allocation>> assign(EngineImpl& impl,
                                       const std::vector<ResolvedRequest>& resolved, std::int64_t t,
                                       std::int64_t d, std::int64_t now, ReservationId exclude,
                                       const std::vector<ResourceId>* current) {
  std::vector<Allocation> out;
  std::unordered_set<ResourceId> used;
  for (const auto& r : resolved) {
    if (!r.pool) used.insert(r.candidates.front()->resource.id);
  }
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const ResolvedRequest& r = resolved[i];
    const std::string field = "allocations[" + std::to_string(i) + "]";
    std::vector<const LoadedResource*> order = r.candidates;
    if (r.pool && current && (*current)[i] != 0) {
      auto it = std::find_if(order.begin(), order.end(), [&](const LoadedResource* c) {
        return c->resource.id == (*current)[i];
      });
      if (it != order.end()) std::rotate(order.begin(), it, it + 1);
    }
    if (r.pool && order.empty()) {
      return ConflictError(field + ".pool: pool " + std::to_string(*r.pool) +
                           " is archived and takes no new bookings");
    }
    std::optional<detail::StartCheck> first_failure;
    const LoadedResource* first_failed = nullptr;
    std::vector<ReservationId> blocking;
    const LoadedResource* picked = nullptr;
    for (const LoadedResource* c : order) {
      if (r.pool && (used.count(c->resource.id) || c->resource.archived_at ||
                     c->resource.capacity < r.quantity)) {
        continue;
      }
      if (!r.pool && r.quantity > c->resource.capacity) {
        return InvalidArgument(field + ".quantity: " + std::to_string(r.quantity) +
                               " exceeds the capacity " + std::to_string(c->resource.capacity) +
                               " of resource " + std::to_string(c->resource.id));
      }
      auto check = detail::check_start(c->view(r.terms), t, d, r.quantity, now, exclude);
      if (check.ok()) {
        picked = c;
        break;
      }
      blocking.insert(blocking.end(), check.blocking.begin(), check.blocking.end());
      if (!first_failure) {
        first_failure = std::move(check);
        first_failed = c;
      }
    }
    if (picked != nullptr) {
      used.insert(picked->resource.id);
      out.push_back(Allocation{picked->resource.id, r.quantity, r.pool});
      continue;
    }
    if (!first_failure) {
      return ConflictError(field + ".pool: no member of pool " + std::to_string(*r.pool) +
                           " can take quantity " + std::to_string(r.quantity));
    }
    const Explanation::Finding& f = first_failure->findings.front();
    const std::string who =
        r.pool ? field + ".pool: no member of pool " + std::to_string(*r.pool) +
                     " is free; resource " + std::to_string(first_failed->resource.id)
               : field + ".resource: resource " + std::to_string(first_failed->resource.id);
    const std::string message =
        who + " (" + first_failed->resource.name + "): " + reason_name(f.reason) + ": " + f.detail;
    if (request_error(f.reason)) return InvalidArgument(message);
    if (f.reason == Explanation::Reason::archived) {
      return ConflictError(who + " is archived and takes no new bookings");
    }
    std::sort(blocking.begin(), blocking.end());
    blocking.erase(std::unique(blocking.begin(), blocking.end()), blocking.end());
    ConflictInfo info;
    info.blocking_reservation_ids = std::move(blocking);
    info.next_free_start = impl.next_free_start(resolved, t + 1, d, now, exclude);
    Status st = ConflictError(message);
    st.with_conflict(std::move(info));
    return st;
  }
  std::sort(out.begin(), out.end(),
            [](const Allocation& a, const Allocation& b) { return a.resource < b.resource; });
  return out;
}

Status apply_to_resources(StorageTransaction& txn, LoadedSet& set, const Reservation* before,
                          const Reservation* after, std::int64_t now,
                          std::vector<StagedIndex>& staged) {
  std::set<ResourceId> touched;
  if (before)
    for (const Allocation& a : before->allocations) touched.insert(a.resource);
  if (after)
    for (const Allocation& a : after->allocations) touched.insert(a.resource);
  const bool after_counts = after && (after->status == ReservationStatus::held ||
                                      after->status == ReservationStatus::confirmed);
  for (ResourceId id : touched) {
    auto it = set.loaded.find(id);
    if (it == set.loaded.end())
      return InternalError("resource " + std::to_string(id) + " not loaded");
    LoadedResource& lr = it->second;
    // Copy-on-write (readers keep the old index); the copy leaves history behind.
    auto index = std::make_shared<IntervalIndex>(
        lr.index->without_history(IntervalIndex::history_cutoff(now)));
    if (before) index->erase(before->id);
    if (after_counts) {
      for (const Allocation& a : after->allocations) {
        if (a.resource == id) index->insert(detail::entry_of(*after, a, lr.resource.policy));
      }
    }
    ++lr.resource.version;
    BOKA_RETURN_IF_ERROR(txn.update_resource(lr.resource));
    // Later steps of the same transaction (a waitlist offer) see the change.
    lr.index = index;
    detail::stage(txn, staged, StagedIndex{id, lr.resource.version, std::move(index)});
  }
  return Status::Ok();
}

}  // namespace detail

// ---- reserve -------------------------------------------------------------------------------

Result<Reservation> Engine::reserve(const Principal& who, TenantId tenant,
                                    const ReserveRequest& request) {
  detail::WriteOutcome outcome;
  auto result = impl_->refusal_audited(
      who, tenant, "reservation.reserve", "",
      [&]() -> Result<Reservation> {
        return impl_->reserve_checked(who, tenant, request, &outcome);
      },
      &outcome.refusal_recorded);
  impl_->metrics->booking_outcome(kReserve, EngineImpl::status_of(result));
  if (outcome.created) impl_->metrics->bookings_created->inc();
  return result;
}

Result<Reservation> EngineImpl::reserve_checked(const Principal& who, TenantId tenant,
                                                const ReserveRequest& request,
                                                detail::WriteOutcome* outcome) {
  EngineImpl* impl_ = this;
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  // A customer books for themselves: the reservation carries their reference.
  ReserveRequest own;
  if (actor.own_reservations_only()) {
    if (!request.customer.empty() && request.customer != actor.customer_ref()) {
      return PermissionDenied("customer: " + actor.name + " books only as \"" +
                              actor.customer_ref() + "\"");
    }
    own = request;
    own.customer = actor.customer_ref();
  }
  const ReserveRequest& req = actor.own_reservations_only() ? own : request;
  return detail::redact_conflict(impl_->reserve_as(actor, tenant, req, outcome), actor);
}

namespace {

bool names_pool(const std::vector<AllocationRequest>& requests) {
  return std::any_of(requests.begin(), requests.end(),
                     [](const AllocationRequest& a) { return a.pool.has_value(); });
}

}  // namespace

Result<Reservation> EngineImpl::reserve_as(const detail::Actor& actor, TenantId tenant,
                                           const ReserveRequest& req,
                                           detail::WriteOutcome* outcome) {
  EngineImpl* impl_ = this;
  BOKA_RETURN_IF_ERROR(detail::validate_reserve_request(req));
  if (req.override_rules && !actor.can(Permission::rules_override)) {
    return PermissionDenied("override_rules: " + actor.name + " lacks permission rules:override");
  }
  const std::string fingerprint =
      req.idempotency_key.empty() ? std::string() : detail::request_fingerprint(req);
  // Keys are scoped per principal: two customers may use "order-77" independently, and
  // one cannot learn whether another used a key, nor take it first.
  const std::string stored_key = req.idempotency_key.empty()
                                     ? std::string()
                                     : detail::idempotency_scope(actor) + req.idempotency_key;
  for (int attempt = 0; attempt < kMaxReplans; ++attempt) {
    // Plan: what the service (if any) takes, whom a customer books as, and the locks: the
    // named resources, every member of a named pool, and the customer's own lock.
    std::vector<AllocationRequest> requests = req.allocations;
    std::optional<Service> planned_service;
    std::optional<CustomerId> customer_id = req.customer_id;
    std::vector<ResourceId> locks;
    if (req.service || actor.own_reservations_only() || names_pool(req.allocations)) {
      BOKA_RETURN_IF_ERROR(
          impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
            if (req.service) {
              BOKA_ASSIGN_OR_RETURN(planned_service,
                                    detail::bookable_service(txn, tenant, *req.service, actor));
              requests = planned_service->allocations;
            }
            if (actor.own_reservations_only()) {
              BOKA_ASSIGN_OR_RETURN(customer_id,
                                    detail::linked_customer(txn, tenant, actor, req.customer_id));
            }
            return detail::plan_request_locks(txn, tenant, requests, locks);
          }));
    } else {
      for (const auto& a : requests) locks.push_back(*a.resource);
    }
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    const detail::CustomerKey key = detail::customer_key(customer_id, req.customer);

    Reservation out;
    std::vector<StagedIndex> staged;
    Status refused;  // a conflict, recorded in the transaction itself
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    if (!key.empty()) intent.lock_names.push_back(key.lock_name(tenant));
    intent.after_commit = [&] { install(impl_->cache, staged); };
    Replan replan;
    Status st = impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
      replan.reset();
      staged.clear();
      outcome->created = false;
      refused = Status::Ok();
      bool wrote = false;
      Status decided = [&]() -> Status {
        const std::int64_t now = impl_->now();
        if (!req.idempotency_key.empty()) {
          BOKA_ASSIGN_OR_RETURN(auto record, txn.find_idempotency(tenant, stored_key));
          if (record) {
            if (record->request_fingerprint != fingerprint) {
              return AlreadyExists("idempotency_key: \"" + req.idempotency_key +
                                   "\" was already used for a different request");
            }
            BOKA_ASSIGN_OR_RETURN(auto original, txn.find_reservation(tenant, record->reservation));
            if (!original) return StorageError("idempotency_key: its reservation is missing");
            out = EngineImpl::with_derived_status(std::move(*original), now);
            return Status::Ok();
          }
        }
        BOKA_ASSIGN_OR_RETURN(const Tenant tenant_row, detail::active_tenant(txn, tenant));
        if (req.hold_for && *req.hold_for > tenant_row.max_hold) {
          return InvalidArgument("hold_for: " + std::to_string(req.hold_for->count()) +
                                 " s is longer than the tenant's max_hold of " +
                                 std::to_string(tenant_row.max_hold.count()) + " s");
        }
        // What was planned must still hold under the locks; else plan again.
        std::optional<Service> service;
        if (req.service) {
          BOKA_ASSIGN_OR_RETURN(service,
                                detail::bookable_service(txn, tenant, *req.service, actor));
          if (!planned_service || service->version != planned_service->version) {
            return replan.abort();
          }
        }
        if (actor.own_reservations_only()) {
          BOKA_ASSIGN_OR_RETURN(auto linked,
                                detail::linked_customer(txn, tenant, actor, req.customer_id));
          if (linked != customer_id) return replan.abort();
        } else if (customer_id) {
          BOKA_RETURN_IF_ERROR(
              detail::check_customer_usable(txn, tenant, *customer_id, "customer_id"));
        }
        Instant end = req.end;
        if (service) {
          if (end == Instant{}) end = req.start + service->duration;
          BOKA_RETURN_IF_ERROR(detail::validate_range(req.start, end, "start", "end"));
          BOKA_RETURN_IF_ERROR(detail::check_service_duration(*service, end - req.start));
        }
        LoadedSet set;
        BOKA_RETURN_IF_ERROR(
            impl_->resolve(txn, tenant, requests, set.loaded, set.resolved, &staged));
        if (!covered(set.resolved, locks)) return replan.abort();
        if (service) {
          for (ResolvedRequest& r : set.resolved) r.terms = detail::terms_of(*service);
        }
        const std::int64_t t = to_unix(req.start);
        const std::int64_t d = to_unix(end) - t;
        const auto check_started = std::chrono::steady_clock::now();
        auto assigned = assign(*impl_, set.resolved, t, d, now, ReservationId{}, nullptr);
        impl_->metrics->conflict_check->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - check_started)
                .count());
        BOKA_ASSIGN_OR_RETURN(auto allocations, std::move(assigned));

        Reservation r;
        r.tenant = tenant;
        r.status = req.hold_for ? ReservationStatus::held : ReservationStatus::confirmed;
        r.start = req.start;
        r.end = end;
        if (req.hold_for) r.hold_expires_at = from_unix(now + req.hold_for->count());
        r.allocations = std::move(allocations);
        r.idempotency_key = req.idempotency_key;
        r.customer = req.customer;
        r.customer_id = customer_id;
        r.notes = req.notes;
        r.metadata_json = req.metadata_json;
        if (service) {
          r.service = service->id;
          r.price_minor = service->price_minor;
          r.currency = service->currency;
          r.buffer_before = service->buffer_before;
          r.buffer_after = service->buffer_after;
          if (service->price_minor && *service->price_minor > 0) {
            BOKA_ASSIGN_OR_RETURN(auto window, detail::payment_window(txn, tenant));
            if (window) {
              r.payment_status = PaymentStatus::pending;
              if (!actor.can(Permission::rules_override)) {
                // A customer's booking waits for its payment as a hold (docs/payments.md).
                const Seconds hold = req.hold_for ? std::min(*req.hold_for, *window) : *window;
                r.status = ReservationStatus::held;
                r.hold_expires_at = from_unix(now + hold.count());
              }
            }
          }
        }
        r.created_at = r.updated_at = from_unix(now);
        r.version = 1;
        std::vector<std::string> overridden;
        BOKA_ASSIGN_OR_RETURN(auto rules, detail::rules_for(txn, tenant, tenant_row, r.allocations,
                                                            r.service, set.loaded));
        BOKA_RETURN_IF_ERROR(detail::check_customer_limits(
            txn, tenant, rules, key, r, nullptr, set.loaded.at(r.allocations.front().resource).zone,
            now, req.override_rules, &overridden));
        wrote = true;
        BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_reservation(r));
        if (!req.idempotency_key.empty()) {
          BOKA_RETURN_IF_ERROR(
              txn.insert_idempotency(tenant, IdempotencyRecord{stored_key, fingerprint, r.id}));
        }
        BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, nullptr, &r, now, staged));
        BOKA_RETURN_IF_ERROR(
            impl_->audit(txn, actor, reservation_entry(r, "reservation.reserve", overridden)));
        BOKA_RETURN_IF_ERROR(impl_->emit_reservation(
            txn, actor,
            r.status == ReservationStatus::held ? "reservation.held" : "reservation.created", r));
        out = std::move(r);
        outcome->created = true;
        return Status::Ok();
      }();
      if (decided.ok()) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, out));
      return impl_->record_conflict(txn, actor, tenant, "reservation.reserve", "", decided, wrote,
                                    refused);
    });
    if (replan.wanted(st)) continue;
    if (!EngineImpl::capacity_refused(st, refused)) BOKA_RETURN_IF_ERROR(st);
    install(impl_->cache, staged);
    if (!refused.ok()) {
      outcome->refusal_recorded = true;
      return refused;
    }
    return out;
  }
  return Unavailable(
      "reserve: pool membership kept changing (or the service, or the customer's record); retry");
}

// ---- changes to an existing reservation ----------------------------------------------------

namespace {

enum class Change { confirm, cancel, reschedule, complete, no_show, edit };

const char* audit_action(Change c) {
  switch (c) {
    case Change::confirm: return "reservation.confirm";
    case Change::cancel: return "reservation.cancel";
    case Change::reschedule: return "reservation.reschedule";
    case Change::complete: return "reservation.complete";
    case Change::no_show: return "reservation.no_show";
    case Change::edit: return "reservation.update";
  }
  return "reservation.change";
}

// The event a change writes (docs/events.md, "Types").
const char* event_type(Change c) {
  switch (c) {
    case Change::confirm: return "reservation.confirmed";
    case Change::cancel: return "reservation.cancelled";
    case Change::reschedule: return "reservation.rescheduled";
    case Change::complete: return "reservation.completed";
    case Change::no_show: return "reservation.no_show";
    case Change::edit: return "reservation.updated";
  }
  return "reservation.updated";
}

const char* change_name(Change c) {
  switch (c) {
    case Change::confirm: return "confirm";
    case Change::cancel: return "cancel";
    case Change::reschedule: return "reschedule";
    case Change::complete: return "mark_completed";
    case Change::no_show: return "mark_no_show";
    case Change::edit: return "update_reservation";
  }
  return "change";
}

}  // namespace

struct ChangeRequest {
  Change change;
  ReservationId id;
  ChangeGuard guard;
  Instant new_start{};
  Instant new_end{};
  const ReservationUpdate* edit = nullptr;  // Change::edit
};

namespace {

// Whether an edit moves the reservation (time, placement or quantity) rather than only
// relabelling it (customer, notes, metadata).
bool moves(const ReservationUpdate& u) { return u.start || u.end || u.allocations || u.quantity; }

// The requests a move places: the new placement, the new quantity of a single allocation,
// or (time only) the reservation's own allocations; `current` gets the member each pool
// request keeps when it is free.
Result<std::vector<AllocationRequest>> move_requests(const Reservation& before,
                                                     const ReservationUpdate* edit,
                                                     std::vector<ResourceId>& current) {
  std::vector<AllocationRequest> requests;
  current.clear();
  if (edit && edit->allocations) {
    requests = *edit->allocations;
    for (const AllocationRequest& a : requests) {
      ResourceId keep{};
      if (a.pool) {
        for (const Allocation& b : before.allocations) {
          if (b.pool == a.pool) keep = b.resource;
        }
      }
      current.push_back(keep);
    }
    return requests;
  }
  for (const Allocation& a : before.allocations) {
    const int q = edit && edit->quantity ? *edit->quantity : a.quantity;
    requests.push_back(a.pool ? AllocationRequest::of_pool(*a.pool, q)
                              : AllocationRequest::of_resource(a.resource, q));
    current.push_back(a.resource);
  }
  return requests;
}

}  // namespace

// The capacity a change frees: a cancel or no-show frees the reservation's range; a
// reschedule or a move its old range (the new one may overlap it; an offer needs what is
// left).
static detail::FreedCapacity freed_by(const ChangeRequest& cr, const Reservation& r) {
  detail::FreedCapacity freed;
  const bool frees = cr.change == Change::cancel || cr.change == Change::reschedule ||
                     cr.change == Change::no_show || (cr.edit && moves(*cr.edit));
  if (!frees) return freed;
  for (const Allocation& a : r.allocations) freed.resources.push_back(a.resource);
  freed.from = to_unix(r.start);
  freed.to = to_unix(r.end);
  return freed;
}

static Result<Reservation> change_reservation(EngineImpl& impl, TenantId tenant,
                                              const ChangeRequest& cr, const detail::Actor& actor,
                                              bool* refusal_recorded) {
  int made = 0, accepted = 0;
  int* offers_made = &made;
  int* offers_accepted = &accepted;
  const auto count_offers = [&] {
    if (made > 0) impl.metrics->waitlist.made->inc(static_cast<std::uint64_t>(made));
    if (accepted > 0) impl.metrics->waitlist.accepted->inc(static_cast<std::uint64_t>(accepted));
  };
  const std::string what =
      std::string(change_name(cr.change)) + ": reservation " + std::to_string(cr.id);
  // Another customer's reservation reads as absent, so it cannot be probed.
  const auto not_mine = [&](const Reservation& r) {
    return !actor.owns(r.customer, r.customer_id);
  };
  if (cr.guard.override_rules && !actor.can(Permission::rules_override)) {
    return PermissionDenied("override_rules: " + actor.name + " lacks permission rules:override");
  }
  const ReservationUpdate* edit = cr.edit;
  const bool moving = cr.change == Change::reschedule || (edit && moves(*edit));
  if (edit && actor.own_reservations_only() && (edit->customer || edit->customer_id)) {
    return PermissionDenied("customer: " + actor.name + " may not change whom a booking is for");
  }
  for (int attempt = 0; attempt < kMaxReplans; ++attempt) {
    // Plan the locks: the reservation's resources, what a move may take (its pools'
    // members, a new placement), the waiting entries the freed capacity may go to, and
    // the customers whose limits the change counts against.
    std::vector<ResourceId> locks;
    std::optional<Reservation> planned;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(planned, txn.find_reservation(tenant, cr.id));
          if (!planned) return Status::Ok();
          for (const Allocation& a : planned->allocations) locks.push_back(a.resource);
          if (moving) {
            std::vector<ResourceId> current;
            BOKA_ASSIGN_OR_RETURN(auto requests, move_requests(*planned, edit, current));
            BOKA_RETURN_IF_ERROR(detail::plan_request_locks(txn, tenant, requests, locks));
          }
          // The waiting entries that the freed capacity may be offered to lock theirs.
          return detail::plan_waitlist_locks(txn, tenant, freed_by(cr, *planned), locks);
        }));
    if (!planned || not_mine(*planned)) return NotFound(what + " not found");
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    const detail::CustomerKey old_key =
        detail::customer_key(planned->customer_id, planned->customer);
    detail::CustomerKey new_key = old_key;
    if (edit && (edit->customer || edit->customer_id)) {
      std::optional<CustomerId> id = planned->customer_id;
      if (edit->customer_id) {
        id = *edit->customer_id > 0 ? edit->customer_id : std::nullopt;
      }
      new_key = detail::customer_key(id, edit->customer.value_or(planned->customer));
    }

    Reservation out;
    std::vector<StagedIndex> staged;
    Status refused;  // a conflict, recorded in the transaction itself
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    for (const detail::CustomerKey* k :
         std::initializer_list<const detail::CustomerKey*>{&old_key, &new_key}) {
      if (!k->empty()) intent.lock_names.push_back(k->lock_name(tenant));
    }
    intent.after_commit = [&] { install(impl.cache, staged); };
    Replan replan;
    Status st = impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      replan.reset();
      staged.clear();
      refused = Status::Ok();
      made = accepted = 0;
      bool wrote = false;
      Status decided = [&]() -> Status {
        const std::int64_t now = impl.now();
        BOKA_ASSIGN_OR_RETURN(auto found, txn.find_reservation(tenant, cr.id));
        if (!found || not_mine(*found)) return NotFound(what + " not found");
        const Reservation before = std::move(*found);
        for (const Allocation& a : before.allocations) {
          if (!std::binary_search(locks.begin(), locks.end(), a.resource)) {
            return replan.abort();
          }
        }
        if (detail::customer_key(before.customer_id, before.customer).lock_name(tenant) !=
            old_key.lock_name(tenant)) {
          return replan.abort();  // its customer changed since the plan
        }
        if (cr.guard.if_version && *cr.guard.if_version != before.version) {
          return ConflictError(what + ": version " + std::to_string(*cr.guard.if_version) +
                               " is stale (current " + std::to_string(before.version) +
                               "); re-read and retry");
        }
        const Reservation shown = EngineImpl::with_derived_status(before, now);
        const bool active = before.is_active(from_unix(now));
        Reservation after = before;
        LoadedSet set;
        // Load every resource the change can touch, so indexes and versions can be updated.
        for (const Allocation& a : before.allocations) {
          BOKA_ASSIGN_OR_RETURN(auto lr,
                                impl.load_resource(txn, tenant, a.resource, "allocation", &staged));
          set.loaded.emplace(a.resource, std::move(lr));
        }
        BOKA_ASSIGN_OR_RETURN(auto tenant_row, txn.find_tenant(tenant));
        if (!tenant_row) return NotFound("tenant " + std::to_string(tenant) + " not found");
        std::vector<std::string> overridden;
        BOKA_ASSIGN_OR_RETURN(auto old_rules,
                              detail::rules_for(txn, tenant, *tenant_row, before.allocations,
                                                before.service, set.loaded));
        const auto move_to = [&](Instant new_start, Instant new_end,
                                 const std::vector<AllocationRequest>& requests,
                                 const std::vector<ResourceId>& current) -> Status {
          if (!active) {
            return ConflictError(what + " is " + status_name(shown.status) +
                                 " and cannot be moved");
          }
          BOKA_RETURN_IF_ERROR(impl.check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(detail::check_cutoff(old_rules, detail::CutoffKind::reschedule,
                                                    before.start, now, cr.guard.override_rules,
                                                    &overridden));
          // A reservation keeps the terms it was booked with: its own buffers, and the
          // notice of its service while the service exists.
          detail::BookingTerms terms{before.buffer_before.count(), before.buffer_after.count(), 0};
          if (before.service) {
            BOKA_ASSIGN_OR_RETURN(auto service, txn.find_service(tenant, *before.service));
            if (service) {
              terms.min_notice = service->min_notice.count();
              if (new_end - new_start != before.end - before.start) {
                BOKA_RETURN_IF_ERROR(detail::check_service_duration(*service, new_end - new_start));
              }
            }
          }
          BOKA_RETURN_IF_ERROR(
              impl.resolve(txn, tenant, requests, set.loaded, set.resolved, &staged));
          if (!covered(set.resolved, locks)) return replan.abort();
          for (ResolvedRequest& r : set.resolved) r.terms = terms;
          const std::int64_t t = to_unix(new_start);
          const std::int64_t d = to_unix(new_end) - t;
          BOKA_ASSIGN_OR_RETURN(after.allocations,
                                assign(impl, set.resolved, t, d, now, before.id, &current));
          after.start = new_start;
          after.end = new_end;
          // Nor may it move to a start inside the cutoff of its new placement.
          BOKA_ASSIGN_OR_RETURN(auto new_rules,
                                detail::rules_for(txn, tenant, *tenant_row, after.allocations,
                                                  after.service, set.loaded));
          return detail::check_cutoff(new_rules, detail::CutoffKind::reschedule, new_start, now,
                                      cr.guard.override_rules, &overridden);
        };
        switch (cr.change) {
          case Change::confirm:
            if (shown.status == ReservationStatus::confirmed) {
              out = shown;  // confirming twice is harmless
              return Status::Ok();
            }
            if ((before.payment_status == PaymentStatus::pending ||
                 before.payment_status == PaymentStatus::failed) &&
                !actor.can(Permission::rules_override)) {
              // Confirmed by its payment (docs/payments.md), or by staff taking it by hand.
              return ConflictError(what + " awaits payment: it is confirmed when paid");
            }
            if (shown.status != ReservationStatus::held) {
              return ConflictError(
                  what + " is " + status_name(shown.status) +
                  (shown.status == ReservationStatus::expired
                       ? " (its hold lapsed at " + format_utc(*before.hold_expires_at) + ")"
                       : std::string()) +
                  " and cannot be confirmed");
            }
            // A hold reads as live whenever the clock is before its deadline, also when the
            // clock was set back after it lapsed and its place was given away: confirm only
            // what still fits beside the confirmed bookings.
            BOKA_RETURN_IF_ERROR(detail::check_confirmable(before, set.loaded, what));
            after.status = ReservationStatus::confirmed;
            after.hold_expires_at.reset();
            break;
          case Change::cancel:
            if (!active) {
              return ConflictError(what + " is " + status_name(shown.status) +
                                   " and cannot be cancelled");
            }
            // A hold (a waitlist offer among them) may always be let go: the cutoff
            // protects the business from late cancellations of confirmed bookings.
            if (before.status == ReservationStatus::confirmed) {
              BOKA_RETURN_IF_ERROR(detail::check_cutoff(old_rules, detail::CutoffKind::cancel,
                                                        before.start, now, cr.guard.override_rules,
                                                        &overridden));
            }
            after.status = ReservationStatus::cancelled;
            after.hold_expires_at.reset();
            break;
          case Change::complete:
          case Change::no_show:
            if (shown.status != ReservationStatus::confirmed) {
              return ConflictError(what + " is " + status_name(shown.status) +
                                   "; only a confirmed reservation can be marked");
            }
            if (now < to_unix(before.start)) {
              return ConflictError(what + " has not started yet (starts " +
                                   format_utc(before.start) + ")");
            }
            after.status = cr.change == Change::complete ? ReservationStatus::completed
                                                         : ReservationStatus::no_show;
            break;
          case Change::reschedule: {
            std::vector<ResourceId> current;
            BOKA_ASSIGN_OR_RETURN(auto requests, move_requests(before, nullptr, current));
            BOKA_RETURN_IF_ERROR(move_to(cr.new_start, cr.new_end, requests, current));
            break;
          }
          case Change::edit: {
            if (edit->customer) after.customer = *edit->customer;
            if (edit->customer_id) {
              after.customer_id =
                  *edit->customer_id > 0 ? edit->customer_id : std::optional<CustomerId>();
              if (after.customer_id) {
                BOKA_RETURN_IF_ERROR(detail::check_customer_usable(txn, tenant, *after.customer_id,
                                                                   "update.customer_id"));
              }
            }
            if (edit->notes) after.notes = *edit->notes;
            if (edit->metadata_json) after.metadata_json = *edit->metadata_json;
            if (moves(*edit)) {
              if (edit->quantity && before.allocations.size() != 1) {
                return InvalidArgument(
                    "update.quantity: only for a reservation with one allocation; this one has " +
                    std::to_string(before.allocations.size()) + " (pass update.allocations)");
              }
              Instant new_start = edit->start.value_or(before.start);
              Instant new_end = edit->end ? *edit->end : new_start + (before.end - before.start);
              BOKA_RETURN_IF_ERROR(
                  detail::validate_range(new_start, new_end, "update.start", "update.end"));
              std::vector<ResourceId> current;
              BOKA_ASSIGN_OR_RETURN(auto requests, move_requests(before, edit, current));
              BOKA_RETURN_IF_ERROR(move_to(new_start, new_end, requests, current));
            }
            break;
          }
        }
        // Per-customer limits: a move is counted where it lands, and a booking given to
        // another customer counts for them.
        const bool new_customer = new_key.lock_name(tenant) != old_key.lock_name(tenant);
        if ((moving || new_customer) && after.is_active(from_unix(now))) {
          BOKA_ASSIGN_OR_RETURN(auto rules,
                                detail::rules_for(txn, tenant, *tenant_row, after.allocations,
                                                  after.service, set.loaded));
          BOKA_RETURN_IF_ERROR(detail::check_customer_limits(
              txn, tenant, rules, new_key, after, new_customer ? nullptr : &before,
              set.loaded.at(after.allocations.front().resource).zone, now, cr.guard.override_rules,
              &overridden));
        }
        after.version = before.version + 1;
        after.updated_at = from_unix(now);
        wrote = true;
        BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
        BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, &before, &after, now, staged));
        detail::AuditEntry entry = reservation_entry(after, audit_action(cr.change), overridden);
        if (edit) {
          // Which fields an edit changed, never their values (notes and metadata may hold
          // personal data).
          nlohmann::ordered_json fields = nlohmann::ordered_json::array();
          if (after.customer != before.customer) fields.push_back("customer");
          if (after.customer_id != before.customer_id) fields.push_back("customer_id");
          if (after.notes != before.notes) fields.push_back("notes");
          if (after.metadata_json != before.metadata_json) fields.push_back("metadata");
          if (after.start != before.start || after.end != before.end) fields.push_back("time");
          if (after.allocations.size() != before.allocations.size() ||
              !std::equal(after.allocations.begin(), after.allocations.end(),
                          before.allocations.begin(), [](const Allocation& a, const Allocation& b) {
                            return a.resource == b.resource && a.quantity == b.quantity &&
                                   a.pool == b.pool;
                          })) {
            fields.push_back("allocations");
          }
          auto detail_json = nlohmann::ordered_json::parse(entry.detail_json);
          detail_json["changed"] = std::move(fields);
          entry.detail_json = detail_json.dump();
        }
        BOKA_RETURN_IF_ERROR(impl.audit(txn, actor, std::move(entry)));
        BOKA_RETURN_IF_ERROR(
            impl.emit_reservation(txn, actor, event_type(cr.change), after, &before));
        if (before.status == ReservationStatus::held &&
            (cr.change == Change::confirm || cr.change == Change::cancel)) {
          // A waitlist offer confirmed (accepted) or declined.
          const WaitlistStatus settled =
              cr.change == Change::confirm ? WaitlistStatus::accepted : WaitlistStatus::cancelled;
          BOKA_ASSIGN_OR_RETURN(bool was_offer,
                                detail::settle_offer(impl, txn, actor, before, settled, now));
          if (was_offer && cr.change == Change::confirm) ++*offers_accepted;
        }
        BOKA_RETURN_IF_ERROR(detail::offer_freed(impl, txn, actor, tenant, set, locks,
                                                 freed_by(cr, before), now, staged, replan,
                                                 offers_made));
        out = std::move(after);
        return Status::Ok();
      }();
      if (decided.ok()) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, out));
      return impl.record_conflict(txn, actor, tenant, audit_action(cr.change),
                                  "reservation:" + std::to_string(cr.id), decided, wrote, refused);
    });
    if (replan.wanted(st)) continue;
    if (!EngineImpl::capacity_refused(st, refused)) BOKA_RETURN_IF_ERROR(st);
    install(impl.cache, staged);
    if (!refused.ok()) {
      *refusal_recorded = true;
      return refused;
    }
    count_offers();
    return out;
  }
  return Unavailable(what + ": its resources kept changing; retry");
}

Result<Reservation> Engine::confirm(const Principal& who, TenantId tenant, ReservationId id,
                                    std::optional<std::int64_t> if_version) {
  return impl_->confirm_reservation(who, tenant, id, if_version);
}

Result<Reservation> EngineImpl::confirm_reservation(const Principal& who, TenantId tenant,
                                                    ReservationId id,
                                                    std::optional<std::int64_t> if_version) {
  EngineImpl* impl_ = this;
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::confirm), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant,
                               {Change::confirm, id, ChangeGuard{if_version, false}}, actor,
                               &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kConfirm, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::cancel(const Principal& who, TenantId tenant, ReservationId id,
                                   std::optional<std::int64_t> if_version) {
  return cancel(who, tenant, id, ChangeGuard{if_version, false});
}

Result<Reservation> Engine::cancel(const Principal& who, TenantId tenant, ReservationId id,
                                   const ChangeGuard& guard) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::cancel), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant, {Change::cancel, id, guard}, actor, &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kCancel, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                       Instant new_start, Instant new_end,
                                       std::optional<std::int64_t> if_version) {
  return reschedule(who, tenant, id, new_start, new_end, ChangeGuard{if_version, false});
}

Result<Reservation> Engine::reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                       Instant new_start, Instant new_end,
                                       const ChangeGuard& guard) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::reschedule), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        BOKA_RETURN_IF_ERROR(detail::validate_range(new_start, new_end, "new_start", "new_end"));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant, {Change::reschedule, id, guard, new_start, new_end},
                               actor, &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kReschedule, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::update_reservation(const Principal& who, TenantId tenant,
                                               ReservationId id, const ReservationUpdate& update) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::edit), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        BOKA_RETURN_IF_ERROR(detail::validate_reservation_update(update));
        ChangeRequest cr{Change::edit, id, update.guard};
        cr.edit = &update;
        return detail::redact_conflict(change_reservation(*impl_, tenant, cr, actor, &recorded),
                                       actor);
      },
      &recorded);
  // A move is a reschedule as the booking metrics count it.
  if (moves(update)) impl_->metrics->booking_outcome(kReschedule, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::mark_completed(const Principal& who, TenantId tenant, ReservationId id,
                                           std::optional<std::int64_t> if_version) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::complete), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::reservations_all));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant,
                               {Change::complete, id, ChangeGuard{if_version, false}}, actor,
                               &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kComplete, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::mark_no_show(const Principal& who, TenantId tenant, ReservationId id,
                                         std::optional<std::int64_t> if_version) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::no_show), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::reservations_all));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant,
                               {Change::no_show, id, ChangeGuard{if_version, false}}, actor,
                               &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kNoShow, EngineImpl::status_of(result));
  return result;
}

// ---- reads ---------------------------------------------------------------------------------

Result<Reservation> Engine::get_reservation(const Principal& who, TenantId tenant,
                                            ReservationId id) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  std::optional<Reservation> r;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(r, txn.find_reservation(tenant, id));
        if (r) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, *r));
        return Status::Ok();
      }));
  if (!r || !actor.owns(r->customer, r->customer_id)) {
    return NotFound("reservation " + std::to_string(id) + " not found");
  }
  return EngineImpl::with_derived_status(std::move(*r), impl_->now());
}

Result<std::vector<Reservation>> Engine::list_reservations(const Principal& who, TenantId tenant,
                                                           const ReservationFilter& request) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  return impl_->list_reservations_as(actor, tenant, request);
}

Result<std::vector<Reservation>> EngineImpl::list_reservations_as(
    const detail::Actor& actor, TenantId tenant, const ReservationFilter& request) {
  EngineImpl* impl_ = this;
  ReservationFilter filter = request;
  BOKA_RETURN_IF_ERROR(detail::own_customer_filter(actor, filter.customer));
  if (filter.limit < 1 || filter.limit > 10000) {
    return InvalidArgument("filter.limit: must be 1..10000, got " + std::to_string(filter.limit));
  }
  if (filter.from && filter.to && *filter.to <= *filter.from) {
    return InvalidArgument("filter.to: must be after filter.from");
  }
  if (filter.order != ReservationOrder::by_id && filter.order != ReservationOrder::by_start) {
    return InvalidArgument("filter.order: must be by_id or by_start");
  }
  if (filter.order == ReservationOrder::by_start && filter.after_id > 0 && !filter.after_start) {
    return InvalidArgument(
        "filter.after_start: required with filter.after_id when ordering by_start (pass the "
        "start and id of the previous page's last reservation)");
  }
  if (filter.order == ReservationOrder::by_id && filter.after_start) {
    return InvalidArgument("filter.after_start: only with order by_start");
  }
  // Status filters apply to the derived status: a lapsed hold is "expired", not "held".
  ReservationFilter stored = filter;
  const auto wants = [&](ReservationStatus s) {
    return std::find(filter.statuses.begin(), filter.statuses.end(), s) != filter.statuses.end();
  };
  if (wants(ReservationStatus::expired) && !wants(ReservationStatus::held)) {
    stored.statuses.push_back(ReservationStatus::held);
  }
  std::vector<Reservation> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_reservations(tenant, stored));
        if (actor.own_reservations_only() && actor.customer_record &&
            (!request.customer_id || request.customer_id == actor.customer_record)) {
          // A customer's own are also those made for their record under another reference:
          // the union of both queries, each already past the cursor and in order, holds the
          // page's first `limit` rows.
          ReservationFilter by_record = stored;
          by_record.customer.reset();
          by_record.customer_id = actor.customer_record;
          BOKA_ASSIGN_OR_RETURN(auto more, txn.list_reservations(tenant, by_record));
          for (Reservation& r : more) {
            if (r.customer != actor.customer_ref()) rows.push_back(std::move(r));
          }
          const bool by_start = stored.order == ReservationOrder::by_start;
          std::sort(rows.begin(), rows.end(), [&](const Reservation& a, const Reservation& b) {
            if (by_start && a.start != b.start) return a.start < b.start;
            return a.id < b.id;
          });
          if (rows.size() > static_cast<std::size_t>(stored.limit)) {
            rows.resize(static_cast<std::size_t>(stored.limit));
          }
        }
        std::unordered_map<ResourceId, std::string> zones;
        for (Reservation& r : rows)
          BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r, &zones));
        return Status::Ok();
      }));
  const std::int64_t now = impl_->now();
  std::vector<Reservation> out;
  out.reserve(rows.size());
  for (Reservation& r : rows) {
    Reservation shown = EngineImpl::with_derived_status(std::move(r), now);
    if (filter.statuses.empty() || wants(shown.status)) out.push_back(std::move(shown));
  }
  return out;
}

// ---- expiry --------------------------------------------------------------------------------

Result<int> Engine::expire_holds(const Principal& who, int limit) {
  return impl_->refusal_audited(who, TenantId{}, "reservation.expire", "", [&]() -> Result<int> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::system_operations));
    if (limit < 1 || limit > 100000) return InvalidArgument("limit: must be 1..100000");
    BOKA_ASSIGN_OR_RETURN(auto swept, impl_->expire_holds_as(actor, limit));
    return swept.expired;
  });
}

Result<detail::HoldSweep> EngineImpl::expire_holds_as(const detail::Actor& actor, int limit) {
  EngineImpl* impl_ = this;
  detail::HoldSweep swept;
  std::vector<Reservation> lapsed;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(lapsed, txn.expired_holds(from_unix(impl_->now()), limit));
        return Status::Ok();
      }));
  for (const Reservation& r : lapsed) {
    detail::FreedCapacity freed;
    for (const Allocation& a : r.allocations) freed.resources.push_back(a.resource);
    freed.from = to_unix(r.start);
    freed.to = to_unix(r.end);
    for (int attempt = 0; attempt < kMaxReplans; ++attempt) {
      std::vector<ResourceId> locks = freed.resources;
      BOKA_RETURN_IF_ERROR(
          impl_->storage->read(TxnScope::tenant(r.tenant), [&](StorageTransaction& txn) {
            return detail::plan_waitlist_locks(txn, r.tenant, freed, locks);
          }));
      std::sort(locks.begin(), locks.end());
      locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
      std::vector<StagedIndex> staged;
      bool changed = false, was_offer = false;
      int made = 0;
      WriteIntent intent(TxnScope::tenant(r.tenant), locks);
      intent.audit_chain = r.tenant;
      intent.after_commit = [&] { install(impl_->cache, staged); };
      Replan replan;
      Status st = impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
        replan.reset();
        staged.clear();
        changed = was_offer = false;
        made = 0;
        const std::int64_t now = impl_->now();
        BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_reservation(r.tenant, r.id));
        if (!cur || cur->status != ReservationStatus::held || !cur->hold_expires_at ||
            to_unix(*cur->hold_expires_at) > now) {
          return Status::Ok();  // confirmed or cancelled meanwhile
        }
        LoadedSet set;
        for (const Allocation& a : cur->allocations) {
          BOKA_ASSIGN_OR_RETURN(
              auto lr, impl_->load_resource(txn, r.tenant, a.resource, "allocation", &staged));
          set.loaded.emplace(a.resource, std::move(lr));
        }
        Reservation after = *cur;
        after.status = ReservationStatus::expired;
        after.version = cur->version + 1;
        after.updated_at = from_unix(now);
        BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
        BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, &*cur, &after, now, staged));
        BOKA_RETURN_IF_ERROR(
            impl_->audit(txn, actor, reservation_entry(after, "reservation.expire")));
        BOKA_RETURN_IF_ERROR(impl_->emit_reservation(txn, actor, "reservation.expired", after));
        // A lapsed waitlist offer passes to the next entry, like any freed capacity.
        BOKA_ASSIGN_OR_RETURN(
            was_offer, detail::settle_offer(*impl_, txn, actor, *cur, WaitlistStatus::lapsed, now));
        BOKA_RETURN_IF_ERROR(detail::offer_freed(*impl_, txn, actor, r.tenant, set, locks, freed,
                                                 now, staged, replan, &made));
        changed = true;
        return Status::Ok();
      });
      if (replan.wanted(st)) continue;
      BOKA_RETURN_IF_ERROR(st);
      install(impl_->cache, staged);
      if (changed) {
        ++swept.expired;
        impl_->metrics->booking_outcome(kExpire, Status::Ok());
      }
      if (was_offer) {
        ++swept.offers_lapsed;
        impl_->metrics->waitlist.lapsed->inc();
      }
      if (made > 0) impl_->metrics->waitlist.made->inc(static_cast<std::uint64_t>(made));
      break;
    }
  }
  return swept;
}

}  // namespace boka
