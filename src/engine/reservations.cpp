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

std::string reservation_detail(const Reservation& r) {
  nlohmann::ordered_json allocations = nlohmann::ordered_json::array();
  for (const Allocation& a : r.allocations) {
    nlohmann::ordered_json one = {{"resource", a.resource}, {"quantity", a.quantity}};
    if (a.pool) one["pool"] = *a.pool;
    allocations.push_back(std::move(one));
  }
  detail::JsonObject d;
  d.add("status", status_name(r.status))
      .add("start", to_unix(r.start))
      .add("end", to_unix(r.end))
      .add("allocations", std::move(allocations))
      .add("version", r.version);
  if (!r.customer.empty()) d.add("customer", r.customer);
  if (r.hold_expires_at) d.add("hold_expires_at", to_unix(*r.hold_expires_at));
  return d.str();
}

detail::AuditEntry reservation_entry(const Reservation& r, const char* action) {
  detail::AuditEntry e;
  e.tenant = r.tenant;
  e.action = action;
  e.target = "reservation:" + std::to_string(r.id);
  e.detail_json = reservation_detail(r);
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
      auto check = detail::check_start(c->view(), t, d, r.quantity, now, exclude);
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
        if (a.resource == id) index->insert(detail::entry_of(*after, a));
      }
    }
    ++lr.resource.version;
    BOKA_RETURN_IF_ERROR(txn.update_resource(lr.resource));
    // Later steps of the same transaction (a waitlist offer) see the change.
    lr.index = index;
    staged.push_back(StagedIndex{id, lr.resource.version, std::move(index)});
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

Result<Reservation> EngineImpl::reserve_as(const detail::Actor& actor, TenantId tenant,
                                           const ReserveRequest& req,
                                           detail::WriteOutcome* outcome) {
  EngineImpl* impl_ = this;
  BOKA_RETURN_IF_ERROR(detail::validate_reserve_request(req));
  const std::string fingerprint =
      req.idempotency_key.empty() ? std::string() : detail::request_fingerprint(req);
  // Keys are scoped per principal: two customers may use "order-77" independently, and
  // one cannot learn whether another used a key, nor take it first.
  const std::string stored_key = req.idempotency_key.empty()
                                     ? std::string()
                                     : detail::idempotency_scope(actor) + req.idempotency_key;
  const bool has_pool = std::any_of(req.allocations.begin(), req.allocations.end(),
                                    [](const AllocationRequest& a) { return a.pool.has_value(); });
  for (int attempt = 0; attempt < kMaxReplans; ++attempt) {
    // Plan the locks: the named resources, plus every member of a named pool.
    std::vector<ResourceId> locks;
    if (has_pool) {  // a read only when there are pool members to look up
      BOKA_RETURN_IF_ERROR(
          impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) {
            return detail::plan_request_locks(txn, tenant, req.allocations, locks);
          }));
    } else {
      for (const auto& a : req.allocations) locks.push_back(*a.resource);
    }
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());

    Reservation out;
    std::vector<StagedIndex> staged;
    Status refused;  // a conflict, recorded in the transaction itself
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
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
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
        LoadedSet set;
        BOKA_RETURN_IF_ERROR(
            impl_->resolve(txn, tenant, req.allocations, set.loaded, set.resolved, &staged));
        if (!covered(set.resolved, locks)) return replan.abort();
        const std::int64_t t = to_unix(req.start);
        const std::int64_t d = to_unix(req.end) - t;
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
        r.end = req.end;
        if (req.hold_for) r.hold_expires_at = from_unix(now + req.hold_for->count());
        r.allocations = std::move(allocations);
        r.idempotency_key = req.idempotency_key;
        r.customer = req.customer;
        r.metadata_json = req.metadata_json;
        r.created_at = r.updated_at = from_unix(now);
        r.version = 1;
        wrote = true;
        BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_reservation(r));
        if (!req.idempotency_key.empty()) {
          BOKA_RETURN_IF_ERROR(
              txn.insert_idempotency(tenant, IdempotencyRecord{stored_key, fingerprint, r.id}));
        }
        BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, nullptr, &r, now, staged));
        BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor, reservation_entry(r, "reservation.reserve")));
        out = std::move(r);
        outcome->created = true;
        return Status::Ok();
      }();
      if (decided.ok()) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, out));
      return impl_->record_conflict(txn, actor, tenant, "reservation.reserve", "", decided, wrote,
                                    refused);
    });
    if (replan.wanted(st)) continue;
    BOKA_RETURN_IF_ERROR(st);
    install(impl_->cache, staged);
    if (!refused.ok()) {
      outcome->refusal_recorded = true;
      return refused;
    }
    return out;
  }
  return Unavailable("reserve: pool membership kept changing; retry");
}

// ---- changes to an existing reservation ----------------------------------------------------

namespace {

enum class Change { confirm, cancel, reschedule, complete, no_show };

const char* audit_action(Change c) {
  switch (c) {
    case Change::confirm: return "reservation.confirm";
    case Change::cancel: return "reservation.cancel";
    case Change::reschedule: return "reservation.reschedule";
    case Change::complete: return "reservation.complete";
    case Change::no_show: return "reservation.no_show";
  }
  return "reservation.change";
}

const char* change_name(Change c) {
  switch (c) {
    case Change::confirm: return "confirm";
    case Change::cancel: return "cancel";
    case Change::reschedule: return "reschedule";
    case Change::complete: return "mark_completed";
    case Change::no_show: return "mark_no_show";
  }
  return "change";
}

}  // namespace

struct ChangeRequest {
  Change change;
  ReservationId id;
  std::optional<std::int64_t> if_version;
  Instant new_start{};
  Instant new_end{};
};

// The capacity a change frees: a cancel or no-show frees the reservation's range; a
// reschedule its old range (the new one may overlap it; an offer needs what is left).
static detail::FreedCapacity freed_by(Change change, const Reservation& r) {
  detail::FreedCapacity freed;
  if (change != Change::cancel && change != Change::reschedule && change != Change::no_show) {
    return freed;
  }
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
    return actor.own_reservations_only() && r.customer != actor.customer_ref();
  };
  for (int attempt = 0; attempt < kMaxReplans; ++attempt) {
    // Plan the locks: the reservation's resources, plus its pools' members for a
    // reschedule (which may move a pool allocation to another member).
    std::vector<ResourceId> locks;
    std::optional<Reservation> planned;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(planned, txn.find_reservation(tenant, cr.id));
          if (!planned) return Status::Ok();
          for (const Allocation& a : planned->allocations) {
            locks.push_back(a.resource);
            if (cr.change == Change::reschedule && a.pool) {
              BOKA_ASSIGN_OR_RETURN(auto pool, txn.find_pool(tenant, *a.pool));
              if (pool) locks.insert(locks.end(), pool->members.begin(), pool->members.end());
            }
          }
          // The waiting entries that the freed capacity may be offered to lock theirs.
          return detail::plan_waitlist_locks(txn, tenant, freed_by(cr.change, *planned), locks);
        }));
    if (!planned || not_mine(*planned)) return NotFound(what + " not found");
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());

    Reservation out;
    std::vector<StagedIndex> staged;
    Status refused;  // a conflict, recorded in the transaction itself
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
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
        if (cr.if_version && *cr.if_version != before.version) {
          return ConflictError(what + ": version " + std::to_string(*cr.if_version) +
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
        switch (cr.change) {
          case Change::confirm:
            if (shown.status == ReservationStatus::confirmed) {
              out = shown;  // confirming twice is harmless
              return Status::Ok();
            }
            if (shown.status != ReservationStatus::held) {
              return ConflictError(
                  what + " is " + status_name(shown.status) +
                  (shown.status == ReservationStatus::expired
                       ? " (its hold lapsed at " + format_utc(*before.hold_expires_at) + ")"
                       : std::string()) +
                  " and cannot be confirmed");
            }
            after.status = ReservationStatus::confirmed;
            after.hold_expires_at.reset();
            break;
          case Change::cancel:
            if (!active) {
              return ConflictError(what + " is " + status_name(shown.status) +
                                   " and cannot be cancelled");
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
            if (!active) {
              return ConflictError(what + " is " + status_name(shown.status) +
                                   " and cannot be rescheduled");
            }
            BOKA_RETURN_IF_ERROR(impl.check_tenant_active(txn, tenant));
            std::vector<AllocationRequest> requests;
            std::vector<ResourceId> current;
            for (const Allocation& a : before.allocations) {
              requests.push_back(a.pool ? AllocationRequest::of_pool(*a.pool, a.quantity)
                                        : AllocationRequest::of_resource(a.resource, a.quantity));
              current.push_back(a.resource);
            }
            BOKA_RETURN_IF_ERROR(
                impl.resolve(txn, tenant, requests, set.loaded, set.resolved, &staged));
            if (!covered(set.resolved, locks)) return replan.abort();
            const std::int64_t t = to_unix(cr.new_start);
            const std::int64_t d = to_unix(cr.new_end) - t;
            BOKA_ASSIGN_OR_RETURN(after.allocations,
                                  assign(impl, set.resolved, t, d, now, before.id, &current));
            after.start = cr.new_start;
            after.end = cr.new_end;
            break;
          }
        }
        after.version = before.version + 1;
        after.updated_at = from_unix(now);
        wrote = true;
        BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
        BOKA_RETURN_IF_ERROR(apply_to_resources(txn, set, &before, &after, now, staged));
        BOKA_RETURN_IF_ERROR(
            impl.audit(txn, actor, reservation_entry(after, audit_action(cr.change))));
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
                                                 freed_by(cr.change, before), now, staged, replan,
                                                 offers_made));
        out = std::move(after);
        return Status::Ok();
      }();
      if (decided.ok()) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, out));
      return impl.record_conflict(txn, actor, tenant, audit_action(cr.change),
                                  "reservation:" + std::to_string(cr.id), decided, wrote, refused);
    });
    if (replan.wanted(st)) continue;
    BOKA_RETURN_IF_ERROR(st);
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
            change_reservation(*impl_, tenant, {Change::confirm, id, if_version}, actor, &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kConfirm, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::cancel(const Principal& who, TenantId tenant, ReservationId id,
                                   std::optional<std::int64_t> if_version) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::cancel), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant, {Change::cancel, id, if_version}, actor, &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kCancel, EngineImpl::status_of(result));
  return result;
}

Result<Reservation> Engine::reschedule(const Principal& who, TenantId tenant, ReservationId id,
                                       Instant new_start, Instant new_end,
                                       std::optional<std::int64_t> if_version) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, audit_action(Change::reschedule), "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        BOKA_RETURN_IF_ERROR(detail::validate_range(new_start, new_end, "new_start", "new_end"));
        return detail::redact_conflict(
            change_reservation(*impl_, tenant,
                               {Change::reschedule, id, if_version, new_start, new_end}, actor,
                               &recorded),
            actor);
      },
      &recorded);
  impl_->metrics->booking_outcome(kReschedule, EngineImpl::status_of(result));
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
            change_reservation(*impl_, tenant, {Change::complete, id, if_version}, actor,
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
            change_reservation(*impl_, tenant, {Change::no_show, id, if_version}, actor, &recorded),
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
  if (!r || (actor.own_reservations_only() && r->customer != actor.customer_ref())) {
    return NotFound("reservation " + std::to_string(id) + " not found");
  }
  return EngineImpl::with_derived_status(std::move(*r), impl_->now());
}

Result<std::vector<Reservation>> Engine::list_reservations(const Principal& who, TenantId tenant,
                                                           const ReservationFilter& request) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  ReservationFilter filter = request;
  BOKA_RETURN_IF_ERROR(detail::own_customer_filter(actor, filter.customer));
  if (filter.limit < 1 || filter.limit > 10000) {
    return InvalidArgument("filter.limit: must be 1..10000, got " + std::to_string(filter.limit));
  }
  if (filter.from && filter.to && *filter.to <= *filter.from) {
    return InvalidArgument("filter.to: must be after filter.from");
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
