// The booking load that the thread and process race tests share.
#pragma once

#include <random>
#include <vector>

#include "boka/boka.hpp"

namespace boka::race {

inline const Instant kDay = Instant(Seconds(1893974400));  // 2030-01-07T00:00:00Z, in the future

// Books `count` random overlapping ranges (single and two-resource requests, some holds
// that are then confirmed, some reschedules) and returns the ids the engine acknowledged
// as booked (and confirmed, for holds). Every one of them must still be active at the end.
inline std::vector<ReservationId> book_randomly(Engine& engine, TenantId tenant,
                                                const std::vector<ResourceId>& resources,
                                                std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  std::vector<ReservationId> acknowledged;
  const Principal who = Principal::system();
  for (int i = 0; i < count; ++i) {
    ReserveRequest req;
    const std::size_t a = static_cast<std::size_t>(below(resources.size()));
    req.allocations = {AllocationRequest::of_resource(resources[a], 1)};
    if (below(4) == 0) {
      const std::size_t b = (a + 1) % resources.size();
      req.allocations.push_back(AllocationRequest::of_resource(resources[b], 1));
    }
    req.start = kDay + Seconds(below(32) * 900);
    req.end = req.start + Seconds((1 + below(6)) * 900);
    const bool hold = below(3) == 0;
    if (hold) req.hold_for = Seconds(3600);
    auto r = engine.reserve(who, tenant, req);
    if (!r.ok()) continue;
    ReservationId id = r->id;
    if (hold) {
      auto c = engine.confirm(who, tenant, id);
      if (!c.ok()) continue;  // never happens while the hold is live; counted by the test
    }
    acknowledged.push_back(id);
    if (below(5) == 0) {
      const Instant start = kDay + Seconds(below(32) * 900);
      (void)engine.reschedule(who, tenant, id, start, start + Seconds(900));
    }
  }
  return acknowledged;
}

}  // namespace boka::race

namespace boka::race {

// The waitlist churn: books, cancels some of its own bookings, joins the waitlist for
// random slots, and accepts any offer it finds. Returns the reservation ids it was told are
// booked: confirmed reservations and accepted offers. Each must still be confirmed at the
// end; the capacity sweep and the offer checks of the test do the rest.
inline std::vector<ReservationId> churn_waitlist(Engine& engine, TenantId tenant,
                                                 const std::vector<ResourceId>& resources,
                                                 std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  const Principal who = Principal::system();
  const std::string me = "churn-" + std::to_string(seed);
  std::vector<ReservationId> mine;  // confirmed, not cancelled by me
  std::vector<WaitlistEntryId> entries;
  for (int i = 0; i < count; ++i) {
    const ResourceId res = resources[static_cast<std::size_t>(below(resources.size()))];
    const Instant start = kDay + Seconds(below(8) * 3600);
    switch (below(4)) {
      case 0: {
        ReserveRequest req;
        req.allocations = {AllocationRequest::of_resource(res)};
        req.start = start;
        req.end = start + Seconds(3600);
        req.customer = me;
        if (auto r = engine.reserve(who, tenant, req); r.ok()) mine.push_back(r->id);
        break;
      }
      case 1: {
        if (mine.empty()) break;
        const std::size_t k = static_cast<std::size_t>(below(mine.size()));
        if (engine.cancel(who, tenant, mine[k]).ok())
          mine.erase(mine.begin() + static_cast<long>(k));
        break;
      }
      case 2: {
        WaitlistRequest w;
        w.allocations = {AllocationRequest::of_resource(res)};
        w.earliest_start = w.latest_start = start;
        w.duration = Seconds(3600);
        w.customer = me;
        if (auto e = engine.waitlist().join(who, tenant, w); e.ok()) entries.push_back(e->id);
        break;
      }
      default: {
        for (WaitlistEntryId id : entries) {
          auto e = engine.waitlist().get(who, tenant, id);
          if (e.ok() && e->entry.status == WaitlistStatus::offered) {
            if (auto r = engine.waitlist().accept(who, tenant, id); r.ok()) mine.push_back(r->id);
          }
        }
      }
    }
  }
  return mine;
}

}  // namespace boka::race

namespace boka::race {

// The per-customer limit load: books for a few customers (`customers`, customer records
// of the tenant) on random resources, cancels some of its own bookings, and returns the
// ids it was told are booked. The tenant's rules cap each customer's active bookings, and
// bookings of one customer land on different resources (different resource locks), so
// only the customer's own lock keeps two parallel requests from both passing. Every range
// lies in the future, so nothing ends during the run: the final count of each customer's
// active bookings must be within the limit.
inline std::vector<ReservationId> book_for_customers(Engine& engine, TenantId tenant,
                                                     const std::vector<ResourceId>& resources,
                                                     const std::vector<CustomerId>& customers,
                                                     std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  std::vector<ReservationId> acknowledged;
  const Principal who = Principal::system();
  for (int i = 0; i < count; ++i) {
    ReserveRequest req;
    const std::size_t a = static_cast<std::size_t>(below(resources.size()));
    req.allocations = {AllocationRequest::of_resource(resources[a], 1)};
    req.customer_id = customers[static_cast<std::size_t>(below(customers.size()))];
    req.start = kDay + Seconds(below(64) * 900);
    req.end = req.start + Seconds(900);
    auto r = engine.reserve(who, tenant, req);
    if (!r.ok()) continue;
    if (below(3) == 0) {
      if (engine.cancel(who, tenant, r->id).ok()) continue;
    }
    acknowledged.push_back(r->id);
  }
  return acknowledged;
}

}  // namespace boka::race
