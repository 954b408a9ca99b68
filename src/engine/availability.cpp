// Availability and explain: "when is this free?" and "why not then?".
#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "engine/booking_steps.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"

namespace boka {

using detail::LoadedResource;
using detail::Range;
using detail::ResolvedRequest;

namespace {

// Whether normalized `ranges` contain t, for t rising from call to call: `cursor` (0 at
// first) moves forward only, so a sweep over the grid costs linear time per candidate.
bool contains_rising(const std::vector<Range>& ranges, std::int64_t t, std::size_t& cursor) {
  while (cursor < ranges.size() && ranges[cursor].end <= t) ++cursor;
  return cursor < ranges.size() && ranges[cursor].begin <= t;
}

const LoadedResource* first_candidate(const std::vector<ResolvedRequest>& requests) {
  for (const auto& r : requests) {
    if (!r.candidates.empty()) return r.candidates.front();
  }
  return nullptr;
}

}  // namespace

std::vector<Slot> EngineImpl::slots(const std::vector<ResolvedRequest>& requests, std::int64_t from,
                                    std::int64_t to, std::int64_t duration,
                                    std::optional<std::int64_t> step, std::int64_t now,
                                    ReservationId exclude, std::size_t max_slots) const {
  std::vector<Slot> out;
  const LoadedResource* grid_owner = first_candidate(requests);
  if (grid_owner == nullptr || max_slots == 0) return out;

  // Valid starts per candidate, then per request (union over a pool), then for the whole
  // query (intersection over requests).
  std::vector<std::vector<std::vector<Range>>> per_candidate(requests.size());
  std::vector<Range> all;
  detail::OpenRangeMemo schedules;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::vector<Range> any;
    for (const LoadedResource* c : requests[i].candidates) {
      per_candidate[i].push_back(detail::valid_starts(c->view(requests[i].terms), from, to,
                                                      duration, requests[i].quantity, now, exclude,
                                                      &schedules));
      any = detail::unite(any, per_candidate[i].back());  // both normalized
    }
    all = i == 0 ? std::move(any) : detail::intersect(all, any);
    if (all.empty()) return out;
  }

  // A resource serves one request at most: direct resources claim theirs first, then each
  // pool takes its first free member that is still unclaimed. reserve() assigns the same way.
  std::unordered_set<ResourceId> direct;
  for (const auto& r : requests) {
    if (!r.pool && !r.candidates.empty()) direct.insert(r.candidates.front()->resource.id);
  }
  const std::int64_t grid_step = step.value_or(grid_owner->resource.policy.slot_step.count());
  // Grid points come in rising order, so each candidate's ranges are swept once.
  std::vector<std::vector<std::size_t>> cursors(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    cursors[i].assign(requests[i].candidates.size(), 0);
  }
  detail::for_each_grid_point(grid_owner->zone, grid_step, all, [&](std::int64_t t) {
    Slot slot;
    slot.start = from_unix(t);
    slot.end = from_unix(t + duration);
    std::unordered_set<ResourceId> used = direct;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      ResourceId picked{};
      const LoadedResource* picked_resource = nullptr;
      for (std::size_t c = 0; c < requests[i].candidates.size(); ++c) {
        const ResourceId id = requests[i].candidates[c]->resource.id;
        if (requests[i].pool && used.count(id)) continue;
        if (contains_rising(per_candidate[i][c], t, cursors[i][c])) {
          picked = id;
          picked_resource = requests[i].candidates[c];
          break;
        }
      }
      if (picked == 0) return true;  // no assignment at this start; try the next
      // The slot shows its times in the zone of the first request's resource.
      if (i == 0) slot.zone = picked_resource->resource.zone;
      used.insert(picked);
      slot.resources.push_back(picked);
    }
    out.push_back(std::move(slot));
    return out.size() < max_slots;
  });
  return out;
}

std::optional<Instant> EngineImpl::next_free_start(const std::vector<ResolvedRequest>& requests,
                                                   std::int64_t from, std::int64_t duration,
                                                   std::int64_t now, ReservationId exclude) const {
  // Widen the window step by step: most conflicts have a free start within the day, and a
  // year-long search on every refusal would cost more than the refusal itself.
  static constexpr std::int64_t kWindows[] = {86400, 7 * 86400, 31 * 86400, 366 * 86400};
  std::int64_t begin = from;
  for (std::int64_t window : kWindows) {
    const std::int64_t end = from + window;
    auto found = slots(requests, begin, end, duration, std::nullopt, now, exclude, 1);
    if (!found.empty()) return found.front().start;
    begin = end;
  }
  return std::nullopt;
}

Result<SlotPage> Engine::availability_page(const Principal& who, TenantId tenant,
                                           const AvailabilityQuery& query) {
  const auto started = std::chrono::steady_clock::now();
  auto result = impl_->availability_checked(who, tenant, query);
  impl_->metrics->availability->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return result;
}

Result<std::vector<Slot>> Engine::availability(const Principal& who, TenantId tenant,
                                               const AvailabilityQuery& query) {
  BOKA_ASSIGN_OR_RETURN(auto page, availability_page(who, tenant, query));
  if (page.truncated) {
    return InvalidArgument("query: more than " + std::to_string(query.limit) +
                           " slots between from and to; narrow the range, widen the step, or "
                           "ask availability_page for one page at a time");
  }
  return std::move(page.slots);
}

Result<SlotPage> EngineImpl::availability_checked(const Principal& who, TenantId tenant,
                                                  const AvailabilityQuery& query) {
  EngineImpl* impl_ = this;
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::availability_read));
  if (query.service) {
    if (!query.requests.empty()) {
      return InvalidArgument(
          "query.requests: must be empty when query.service is set (the service's are asked)");
    }
  } else {
    BOKA_RETURN_IF_ERROR(detail::validate_allocation_requests(query.requests, "query.requests"));
  }
  BOKA_RETURN_IF_ERROR(detail::validate_range(query.from, query.to, "query.from", "query.to"));
  if (query.service && query.duration.count() == 0) {
    // The service's own duration, read below.
  } else if (query.duration.count() <= 0 || query.duration > AvailabilityQuery::kMaxRange) {
    return InvalidArgument("query.duration: must be 1 s .. 400 days, got " +
                           std::to_string(query.duration.count()) + " s");
  }
  if (query.step && (query.step->count() < 60 || 86400 % query.step->count() != 0)) {
    return InvalidArgument("query.step: must divide 24 h and be at least 60 s");
  }
  if (query.limit < 1 || query.limit > AvailabilityQuery::kMaxSlots) {
    return InvalidArgument("query.limit: must be 1.." +
                           std::to_string(AvailabilityQuery::kMaxSlots) + ", got " +
                           std::to_string(query.limit));
  }
  const std::int64_t now = impl_->now();
  SlotPage out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        std::unordered_map<ResourceId, LoadedResource> loaded;
        std::vector<ResolvedRequest> resolved;
        const std::vector<AllocationRequest>* requests = &query.requests;
        Seconds duration = query.duration;
        std::optional<Service> service;
        if (query.service) {
          auto found = detail::bookable_service(txn, tenant, *query.service, actor);
          // An archived service offers nothing, as an archived resource does.
          if (found.status().code() == Code::conflict) return Status::Ok();
          BOKA_ASSIGN_OR_RETURN(service, std::move(found));
          requests = &service->allocations;
          if (duration.count() == 0) duration = service->duration;
          BOKA_RETURN_IF_ERROR(detail::check_service_duration(*service, duration));
        }
        BOKA_RETURN_IF_ERROR(impl_->resolve(txn, tenant, *requests, loaded, resolved, nullptr));
        if (service) {
          for (ResolvedRequest& r : resolved) r.terms = detail::terms_of(*service);
        }
        std::optional<std::int64_t> step;
        if (query.step) step = query.step->count();
        // Bound the work before doing it: the grid the answer is laid on, and the resources
        // whose free ranges are computed over it.
        if (const LoadedResource* owner = first_candidate(resolved)) {
          const std::int64_t grid = step.value_or(owner->resource.policy.slot_step.count());
          const std::int64_t points =
              (to_unix(query.to) - to_unix(query.from)) / std::max<std::int64_t>(grid, 1);
          std::int64_t considered = 0;
          for (const auto& r : resolved)
            considered += static_cast<std::int64_t>(r.candidates.size());
          if (points > AvailabilityQuery::kMaxGridPoints) {
            return InvalidArgument("query: " + std::to_string(points) + " grid points (" +
                                   std::to_string(grid) +
                                   " s steps between from and to), at most " +
                                   std::to_string(AvailabilityQuery::kMaxGridPoints) +
                                   "; narrow the range or widen the step");
          }
          if (points * considered > AvailabilityQuery::kMaxWork) {
            return InvalidArgument("query: " + std::to_string(considered) + " resources over " +
                                   std::to_string(points) +
                                   " grid points is more work than one "
                                   "query may ask (" +
                                   std::to_string(AvailabilityQuery::kMaxWork) +
                                   " resource-points); narrow the range or ask fewer resources");
          }
        }
        const auto limit = static_cast<std::size_t>(query.limit);
        out.slots = impl_->slots(resolved, to_unix(query.from), to_unix(query.to), duration.count(),
                                 step, now, ReservationId{}, limit + 1);
        if (out.slots.size() > limit) {
          out.truncated = true;
          out.next_from = out.slots[limit].start;
          out.slots.resize(limit);
        }
        return Status::Ok();
      }));
  return out;
}

Result<Explanation> Engine::explain(const Principal& who, TenantId tenant,
                                    const std::vector<AllocationRequest>& requests, Instant start,
                                    Seconds duration) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::availability_read));
  BOKA_RETURN_IF_ERROR(detail::validate_allocation_requests(requests, "requests"));
  if (duration.count() <= 0 || duration > AvailabilityQuery::kMaxRange) {
    return InvalidArgument("duration: must be 1 s .. 400 days");
  }
  BOKA_RETURN_IF_ERROR(
      detail::validate_range(start, start + duration, "start", "start + duration"));
  const std::int64_t now = impl_->now();
  Explanation out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        std::unordered_map<ResourceId, LoadedResource> loaded;
        std::vector<ResolvedRequest> resolved;
        BOKA_RETURN_IF_ERROR(impl_->resolve(txn, tenant, requests, loaded, resolved, nullptr));
        const std::int64_t t = to_unix(start);
        std::unordered_set<ResourceId> used;
        for (const auto& r : resolved) {
          if (!r.pool && !r.candidates.empty()) used.insert(r.candidates.front()->resource.id);
        }
        out.available = true;
        for (std::size_t i = 0; i < resolved.size(); ++i) {
          const ResolvedRequest& r = resolved[i];
          if (r.candidates.empty()) {
            out.available = false;
            out.findings.push_back({ResourceId{}, Explanation::Reason::archived,
                                    "pool " + std::to_string(r.pool.value_or(PoolId{})) +
                                        " is archived or has no members"});
            continue;
          }
          std::vector<Explanation::Finding> findings;
          std::vector<ReservationId> blocking;
          bool fits = false;
          for (const LoadedResource* c : r.candidates) {
            if (r.pool && used.count(c->resource.id)) continue;
            auto check = detail::check_start(c->view(r.terms), t, duration.count(), r.quantity, now,
                                             ReservationId{});
            if (check.ok()) {
              fits = true;
              if (r.pool) used.insert(c->resource.id);
              break;
            }
            findings.insert(findings.end(), check.findings.begin(), check.findings.end());
            blocking.insert(blocking.end(), check.blocking.begin(), check.blocking.end());
          }
          if (!fits) {
            out.available = false;
            out.findings.insert(out.findings.end(), findings.begin(), findings.end());
            out.blocking_reservation_ids.insert(out.blocking_reservation_ids.end(),
                                                blocking.begin(), blocking.end());
          }
        }
        std::sort(out.blocking_reservation_ids.begin(), out.blocking_reservation_ids.end());
        out.blocking_reservation_ids.erase(
            std::unique(out.blocking_reservation_ids.begin(), out.blocking_reservation_ids.end()),
            out.blocking_reservation_ids.end());
        return Status::Ok();
      }));
  // As for a refused reserve: only who may see every reservation learns which ones block.
  if (actor.own_reservations_only()) out.blocking_reservation_ids.clear();
  return out;
}

}  // namespace boka
