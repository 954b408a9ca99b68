// A randomized model test: thousands of random operations checked against a brute-force
// oracle that knows nothing of indexes, sweeps or caches. Same outcomes, and usage within
// capacity at every instant; availability offers exactly the starts the oracle accepts.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "support.hpp"

namespace boka::model {

using namespace boka::test;

struct ModelResource {
  ResourceId id;
  int capacity;
  std::int64_t before, after;
};

struct ModelReservation {
  ReservationId id;
  ReservationStatus status;
  std::int64_t start, end;
  std::optional<std::int64_t> expires;
  std::vector<std::pair<std::size_t, int>> allocations;  // (resource index, quantity)
  bool active(std::int64_t now) const {
    return status == ReservationStatus::confirmed ||
           (status == ReservationStatus::held && expires && now < *expires);
  }
};

class Oracle {
 public:
  std::vector<ModelResource> resources;
  std::vector<ModelReservation> reservations;

  // Brute force: the usage at every instant where it can change inside the new range.
  bool fits(std::size_t ri, int qty, std::int64_t start, std::int64_t end, ReservationId exclude,
            std::int64_t now) const {
    const ModelResource& r = resources[ri];
    if (qty > r.capacity) return false;
    if (start < now) return false;  // min_notice is 0: a start may not lie in the past
    const std::int64_t ob = start - r.before, oe = end + r.after;
    std::vector<std::int64_t> points{ob};
    for (const auto& x : reservations) {
      if (x.id == exclude || !x.active(now)) continue;
      for (auto [i, q] : x.allocations) {
        if (i != ri) continue;
        const std::int64_t xb = x.start - r.before;
        if (xb > ob && xb < oe) points.push_back(xb);
      }
    }
    for (std::int64_t p : points) {
      int used = 0;
      for (const auto& x : reservations) {
        if (x.id == exclude || !x.active(now)) continue;
        for (auto [i, q] : x.allocations) {
          if (i == ri && x.start - r.before <= p && p < x.end + r.after) used += q;
        }
      }
      if (used + qty > r.capacity) return false;
    }
    return true;
  }

  ModelReservation* find(ReservationId id) {
    for (auto& x : reservations) {
      if (x.id == id) return &x;
    }
    return nullptr;
  }
};

inline void run_model(const std::string& uri, int operations, std::uint64_t seed) {
  const Instant t0 = utc(2026, 1, 6);
  Fixture f(uri, t0 - hours(1));
  std::mt19937_64 rng(seed);
  auto below = [&](std::int64_t n) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
  };
  Oracle oracle;
  const int capacities[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) {
    Policy p;
    p.slot_step = minutes(15);
    if (i == 1) {
      p.buffer_before = minutes(15);
      p.buffer_after = minutes(30);
    }
    auto r = f.resource("r" + std::to_string(i), capacities[i], "UTC", std::nullopt, p);
    oracle.resources.push_back({r.id, r.capacity, p.buffer_before.count(), p.buffer_after.count()});
  }
  // Starts on the 15-minute grid within 48 h of now (some just before now, to be refused).
  auto random_range = [&] {
    const std::int64_t now = to_unix(f.clock->now());
    const std::int64_t start = now - now % 900 - 3600 + below(4 * 24 * 2) * 900;
    return std::make_pair(start, start + (1 + below(12)) * 900);
  };
  auto random_reservation = [&]() -> ModelReservation* {
    if (oracle.reservations.empty()) return nullptr;
    return &oracle.reservations[static_cast<std::size_t>(
        below(static_cast<std::int64_t>(oracle.reservations.size())))];
  };
  int accepted = 0, refused = 0;
  for (int op = 0; op < operations; ++op) {
    const std::int64_t now = to_unix(f.clock->now());
    const std::int64_t kind = below(100);
    INFO("operation " << op << " kind " << kind);
    if (kind < 50) {  // reserve or hold, one or two resources
      auto [start, end] = random_range();
      std::vector<std::pair<std::size_t, int>> allocs;
      const std::size_t first = static_cast<std::size_t>(below(3));
      allocs.push_back({first, 1 + static_cast<int>(below(capacities[first] + 1))});  // may exceed
      if (below(3) == 0) {
        const std::size_t second = (first + 1 + static_cast<std::size_t>(below(2))) % 3;
        allocs.push_back({second, 1 + static_cast<int>(below(capacities[second]))});
      }
      ReserveRequest req;
      req.start = from_unix(start);
      req.end = from_unix(end);
      for (auto [i, q] : allocs)
        req.allocations.push_back(AllocationRequest::of_resource(oracle.resources[i].id, q));
      const bool hold = below(3) == 0;
      if (hold) req.hold_for = Seconds((1 + below(8)) * 300);
      bool expect = true;
      for (auto [i, q] : allocs)
        expect = expect && oracle.fits(i, q, start, end, ReservationId{}, now);
      auto got = f.engine->reserve(sys(), f.tenant, req);
      INFO(got.status().to_string());
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        ++accepted;
        oracle.reservations.push_back(
            {got->id, got->status, start, end,
             hold ? std::optional<std::int64_t>(now + req.hold_for->count()) : std::nullopt,
             allocs});
      } else {
        ++refused;
        const bool too_many = std::any_of(allocs.begin(), allocs.end(),
                                          [&](auto a) { return a.second > capacities[a.first]; });
        CHECK(got.status().code() == (too_many ? Code::invalid_argument : Code::conflict));
      }
    } else if (kind < 60) {  // confirm
      ModelReservation* x = random_reservation();
      if (!x) continue;
      const bool expect = x->status == ReservationStatus::confirmed ||
                          (x->status == ReservationStatus::held && now < *x->expires);
      auto got = f.engine->confirm(sys(), f.tenant, x->id);
      REQUIRE(got.ok() == expect);
      if (got.ok()) x->status = ReservationStatus::confirmed;
    } else if (kind < 70) {  // cancel
      ModelReservation* x = random_reservation();
      if (!x) continue;
      const bool expect = x->active(now);
      auto got = f.engine->cancel(sys(), f.tenant, x->id);
      REQUIRE(got.ok() == expect);
      if (got.ok()) x->status = ReservationStatus::cancelled;
    } else if (kind < 85) {  // reschedule
      ModelReservation* x = random_reservation();
      if (!x) continue;
      auto [start, end] = random_range();
      bool expect = x->active(now);
      for (auto [i, q] : x->allocations)
        expect = expect && oracle.fits(i, q, start, end, x->id, now);
      auto got = f.engine->reschedule(sys(), f.tenant, x->id, from_unix(start), from_unix(end));
      INFO(got.status().to_string());
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        x->start = start;
        x->end = end;
      }
    } else if (kind < 97) {  // time passes; holds lapse on their own
      f.clock->advance(Seconds(below(20) * 60));
    } else {  // a worker sweeps lapsed holds
      REQUIRE(f.engine->expire_holds(sys()).ok());
      for (auto& x : oracle.reservations) {
        if (x.status == ReservationStatus::held && now >= *x.expires)
          x.status = ReservationStatus::expired;
      }
    }
  }
  CHECK(accepted > 100);  // both outcomes well exercised
  CHECK(refused > 100);

  // Invariant from the engine's own records: usage within capacity at every instant.
  const std::int64_t now = to_unix(f.clock->now());
  ReservationFilter all;
  all.limit = 10000;
  auto stored = f.engine->list_reservations(sys(), f.tenant, all);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == oracle.reservations.size());
  for (const Reservation& r : *stored) {
    ModelReservation* x = oracle.find(r.id);
    REQUIRE(x != nullptr);
    CHECK(to_unix(r.start) == x->start);
    CHECK(r.is_active(f.clock->now()) == x->active(now));
  }
  for (std::size_t ri = 0; ri < oracle.resources.size(); ++ri) {
    for (const Reservation& r : *stored) {
      if (!r.is_active(f.clock->now())) continue;
      for (const Allocation& a : r.allocations) {
        if (a.resource != oracle.resources[ri].id) continue;
        int used = 0;
        for (const Reservation& o : *stored) {
          if (!o.is_active(f.clock->now())) continue;
          for (const Allocation& b : o.allocations) {
            if (b.resource == a.resource &&
                to_unix(o.start) - oracle.resources[ri].before <=
                    to_unix(r.start) - oracle.resources[ri].before &&
                to_unix(r.start) - oracle.resources[ri].before <
                    to_unix(o.end) + oracle.resources[ri].after) {
              used += b.quantity;
            }
          }
        }
        CHECK(used <= oracle.resources[ri].capacity);
      }
    }
  }

  // Availability offers exactly what the oracle would accept.
  for (std::size_t ri = 0; ri < oracle.resources.size(); ++ri) {
    for (int qty = 1; qty <= capacities[ri]; ++qty) {
      const Seconds duration = minutes(15 * (1 + below(8)));
      AvailabilityQuery q;
      q.requests = {AllocationRequest::of_resource(oracle.resources[ri].id, qty)};
      q.from = from_unix(now);
      q.to = from_unix(now + 48 * 3600);
      q.duration = duration;
      auto slots = f.engine->availability(sys(), f.tenant, q);
      REQUIRE(slots.ok());
      std::set<std::int64_t> offered;
      for (const Slot& s : *slots) offered.insert(to_unix(s.start));
      for (std::int64_t t = to_unix(q.from) + (900 - to_unix(q.from) % 900) % 900;
           t < to_unix(q.to); t += 900) {
        INFO("resource " << ri << " qty " << qty << " start " << t);
        CHECK(offered.count(t) ==
              (oracle.fits(ri, qty, t, t + duration.count(), ReservationId{}, now) ? 1u : 0u));
      }
    }
  }
}

}  // namespace boka::model
