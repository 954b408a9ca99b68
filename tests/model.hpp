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

// The model grown by series and the waitlist: random reserves, small daily series in both
// modes, cancels, joins, accepts, time passing and sweeps, against the same brute-force
// oracle plus a queue oracle that replays the offer rule (docs/waitlist.md): after every
// freeing, the waiting entries that name a freed resource over an overlapping window are
// tried in queue order and each that fits gets a hold. After every operation the engine's
// entries must match the oracle's exactly (status, and the offered start), so offers go in
// order, to fitting entries only; the final sweep checks capacity with the holds counted.
struct ModelEntry {
  WaitlistEntryId id;
  std::size_t resource;
  int quantity;
  std::int64_t start, duration, expires;
  WaitlistStatus status = WaitlistStatus::waiting;
  ReservationId offer{};
};

inline void run_queue_model(const std::string& uri, int operations, std::uint64_t seed) {
  const Instant t0 = utc(2026, 1, 6);
  Fixture f(uri, t0 - hours(1));
  std::mt19937_64 rng(seed);
  auto below = [&](std::int64_t n) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
  };
  Oracle oracle;
  const int capacities[] = {1, 2};
  for (int i = 0; i < 2; ++i) {
    Policy p;
    p.slot_step = minutes(15);
    auto r = f.resource("q" + std::to_string(i), capacities[i], "UTC", std::nullopt, p);
    oracle.resources.push_back({r.id, r.capacity, 0, 0});
  }
  std::vector<ModelEntry> entries;  // in join order (every priority is 0)
  std::int64_t placeholder = -1;
  std::vector<std::size_t> just_offered;
  constexpr std::int64_t kWindow = 15 * 60;  // EngineOptions::waitlist_offer_window default

  // The offer rule, replayed.
  auto offer_freed = [&](std::size_t ri, std::int64_t from, std::int64_t to, std::int64_t now) {
    int scanned = 0;
    for (std::size_t k = 0; k < entries.size() && scanned < 20; ++k) {
      ModelEntry& e = entries[k];
      if (e.status != WaitlistStatus::waiting || e.resource != ri) continue;
      if (!(e.start < to && e.start + e.duration > from)) continue;
      ++scanned;
      if (e.expires <= now) continue;
      if (!oracle.fits(ri, e.quantity, e.start, e.start + e.duration, ReservationId{}, now)) {
        continue;
      }
      e.status = WaitlistStatus::offered;
      e.offer = ReservationId{placeholder--};
      oracle.reservations.push_back({e.offer,
                                     ReservationStatus::held,
                                     e.start,
                                     e.start + e.duration,
                                     now + kWindow,
                                     {{ri, e.quantity}}});
      just_offered.push_back(k);
    }
  };
  auto entry_of_offer = [&](ReservationId id) -> ModelEntry* {
    for (auto& e : entries)
      if (e.offer == id && e.status == WaitlistStatus::offered) return &e;
    return nullptr;
  };
  // Learns the ids of the offers just made, and compares every entry with the engine's.
  auto sync = [&] {
    for (std::size_t k : just_offered) {
      auto got = f.engine->waitlist().get(sys(), f.tenant, entries[k].id);
      REQUIRE(got.ok());
      REQUIRE(got->entry.status == WaitlistStatus::offered);
      REQUIRE(got->entry.offer.has_value());
      ModelReservation* x = oracle.find(entries[k].offer);
      REQUIRE(x != nullptr);
      x->id = *got->entry.offer;
      entries[k].offer = *got->entry.offer;
      auto hold = f.engine->get_reservation(sys(), f.tenant, *got->entry.offer);
      REQUIRE(hold.ok());
      CHECK(to_unix(hold->start) == entries[k].start);
    }
    just_offered.clear();
    WaitlistFilter all;
    all.limit = 10000;
    auto listed = f.engine->waitlist().list(sys(), f.tenant, all);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == entries.size());
    std::map<WaitlistEntryId, const WaitlistEntry*> by_id;
    for (const auto& e : *listed) by_id[e.id] = &e;
    for (const auto& e : entries) {
      INFO("entry " << e.id);
      REQUIRE(by_id.count(e.id));
      CHECK(by_id[e.id]->status == e.status);
      if (e.status == WaitlistStatus::offered || e.status == WaitlistStatus::accepted) {
        CHECK(by_id[e.id]->offer == e.offer);
      }
    }
  };

  int series_ok = 0, offers = 0;
  for (int op = 0; op < operations; ++op) {
    const std::int64_t now = to_unix(f.clock->now());
    const std::int64_t kind = below(100);
    INFO("operation " << op << " kind " << kind);
    const std::size_t ri = static_cast<std::size_t>(below(2));
    const std::int64_t grid_now = now - now % 900;
    if (kind < 25) {  // a single booking
      const std::int64_t start = grid_now - 900 + below(4 * 36) * 900;
      const std::int64_t end = start + (1 + below(8)) * 900;
      const int q = 1 + static_cast<int>(below(capacities[ri]));
      ReserveRequest req;
      req.allocations = {AllocationRequest::of_resource(oracle.resources[ri].id, q)};
      req.start = from_unix(start);
      req.end = from_unix(end);
      const bool expect = oracle.fits(ri, q, start, end, ReservationId{}, now);
      auto got = f.engine->reserve(sys(), f.tenant, req);
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        oracle.reservations.push_back(
            {got->id, ReservationStatus::confirmed, start, end, std::nullopt, {{ri, q}}});
      }
    } else if (kind < 40) {  // a small daily series, either mode
      SeriesRequest s;
      const int q = 1 + static_cast<int>(below(capacities[ri]));
      s.allocations = {AllocationRequest::of_resource(oracle.resources[ri].id, q)};
      const date::sys_days today = date::floor<date::days>(f.clock->now());
      const date::year_month_day ymd(today + date::days(below(2)));
      s.first_date = LocalDate{static_cast<int>(ymd.year()),
                               static_cast<int>(static_cast<unsigned>(ymd.month())),
                               static_cast<int>(static_cast<unsigned>(ymd.day()))};
      s.start_minute = static_cast<int>(below(96)) * 15;
      s.duration = Seconds((1 + below(8)) * 900);
      s.rule.frequency = Frequency::daily;
      s.rule.count = 2 + static_cast<int>(below(3));
      s.mode = below(2) == 0 ? SeriesMode::all_or_nothing : SeriesMode::skip_conflicts;
      // The oracle places occurrence after occurrence, each seeing the earlier ones.
      const std::int64_t first =
          to_unix(Instant(date::sys_days(ymd).time_since_epoch())) + s.start_minute * 60;
      std::vector<std::int64_t> fitting;
      const std::size_t before = oracle.reservations.size();
      for (int i = 0; i < *s.rule.count; ++i) {
        const std::int64_t start = first + i * 86400;
        if (oracle.fits(ri, q, start, start + s.duration.count(), ReservationId{}, now)) {
          fitting.push_back(start);
          oracle.reservations.push_back({ReservationId{placeholder--},
                                         ReservationStatus::confirmed,
                                         start,
                                         start + s.duration.count(),
                                         std::nullopt,
                                         {{ri, q}}});
        }
      }
      oracle.reservations.resize(before);
      const bool expect = s.mode == SeriesMode::all_or_nothing
                              ? fitting.size() == static_cast<std::size_t>(*s.rule.count)
                              : !fitting.empty();
      auto got = f.engine->series().book(sys(), f.tenant, s);
      INFO(got.status().to_string());
      REQUIRE(got.ok() == expect);
      if (!got.ok()) {
        CHECK(got.status().code() == Code::conflict);
        continue;
      }
      ++series_ok;
      REQUIRE(got->reservations.size() == fitting.size());
      for (std::size_t i = 0; i < fitting.size(); ++i) {
        CHECK(to_unix(got->reservations[i].start) == fitting[i]);
        oracle.reservations.push_back({got->reservations[i].id,
                                       ReservationStatus::confirmed,
                                       fitting[i],
                                       fitting[i] + s.duration.count(),
                                       std::nullopt,
                                       {{ri, q}}});
      }
    } else if (kind < 55) {  // cancel anything (an offer hold too: a declined offer)
      if (oracle.reservations.empty()) continue;
      ModelReservation& x = oracle.reservations[static_cast<std::size_t>(
          below(static_cast<std::int64_t>(oracle.reservations.size())))];
      const bool expect = x.active(now);
      auto got = f.engine->cancel(sys(), f.tenant, x.id);
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        if (ModelEntry* e = entry_of_offer(x.id); e && x.status == ReservationStatus::held) {
          e->status = WaitlistStatus::cancelled;
        }
        x.status = ReservationStatus::cancelled;
        for (auto [r, q] : x.allocations) offer_freed(r, x.start, x.end, now);
      }
    } else if (kind < 72) {  // join the waitlist for an exact start
      const std::int64_t start = grid_now - 900 + below(4 * 36) * 900;
      WaitlistRequest w;
      const int q = 1 + static_cast<int>(below(capacities[ri]));
      w.allocations = {AllocationRequest::of_resource(oracle.resources[ri].id, q)};
      w.earliest_start = w.latest_start = from_unix(start);
      w.duration = Seconds((1 + below(8)) * 900);
      w.customer = "c" + std::to_string(below(5));
      auto got = f.engine->waitlist().join(sys(), f.tenant, w);
      REQUIRE(got.ok() == (start > now));
      if (!got.ok()) continue;
      entries.push_back({got->id, ri, q, start, w.duration.count(), start});
      offer_freed(ri, start, start + w.duration.count(), now);
    } else if (kind < 80) {  // accept an offer
      std::vector<std::size_t> offered;
      for (std::size_t k = 0; k < entries.size(); ++k)
        if (entries[k].status == WaitlistStatus::offered) offered.push_back(k);
      if (offered.empty()) continue;
      ModelEntry& e = entries[offered[static_cast<std::size_t>(
          below(static_cast<std::int64_t>(offered.size())))]];
      ModelReservation* x = oracle.find(e.offer);
      REQUIRE(x != nullptr);
      const bool expect = x->active(now);
      auto got = f.engine->waitlist().accept(sys(), f.tenant, e.id);
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        x->status = ReservationStatus::confirmed;
        e.status = WaitlistStatus::accepted;
        ++offers;
      }
    } else if (kind < 93) {  // time passes
      f.clock->advance(Seconds(below(20) * 60));
    } else {  // the worker: expire waiting entries, then (if an offer is due) every lapsed hold
      auto got = f.engine->waitlist().sweep(sys());
      REQUIRE(got.ok());
      bool offers_due = false;
      for (auto& e : entries) {
        if (e.status == WaitlistStatus::waiting && e.expires <= now) {
          e.status = WaitlistStatus::expired;
        }
        if (e.status == WaitlistStatus::offered && oracle.find(e.offer)->expires <= now) {
          offers_due = true;
        }
      }
      if (offers_due) {
        std::vector<ModelReservation*> lapsed;
        for (auto& x : oracle.reservations)
          if (x.status == ReservationStatus::held && *x.expires <= now) lapsed.push_back(&x);
        std::sort(lapsed.begin(), lapsed.end(), [](auto* a, auto* b) { return a->id < b->id; });
        std::vector<ReservationId> ids;
        for (auto* x : lapsed) ids.push_back(x->id);
        for (ReservationId id : ids) {  // offers may grow the vector: look each up again
          ModelReservation* x = oracle.find(id);
          if (ModelEntry* e = entry_of_offer(id)) e->status = WaitlistStatus::lapsed;
          x->status = ReservationStatus::expired;
          const auto [r, q] = x->allocations.front();
          const std::int64_t from = x->start, to = x->end;
          offer_freed(r, from, to, now);
        }
      }
    }
    sync();
  }
  CHECK(series_ok > 10);
  CHECK(offers > 5);
  // Capacity, holds (offers) included, at every instant of the engine's own records.
  const Instant at = f.clock->now();
  ReservationFilter all;
  all.limit = 10000;
  auto stored = f.engine->list_reservations(sys(), f.tenant, all);
  REQUIRE(stored.ok());
  for (std::size_t ri = 0; ri < oracle.resources.size(); ++ri) {
    std::vector<std::pair<std::int64_t, int>> events;
    for (const Reservation& r : *stored) {
      if (!r.is_active(at)) continue;
      for (const Allocation& a : r.allocations) {
        if (a.resource != oracle.resources[ri].id) continue;
        events.emplace_back(to_unix(r.start), a.quantity);
        events.emplace_back(to_unix(r.end), -a.quantity);
      }
    }
    std::sort(events.begin(), events.end());
    int usage = 0;
    for (auto [t, d] : events) CHECK((usage += d) <= oracle.resources[ri].capacity);
  }
}

// The model grown by services and booking rules: plain bookings and bookings of a service
// (longer buffers, more notice, allowed durations), for a few customers, under a tenant
// limit, a resource's daily limit and cancel cutoff, and a service's limit; cancels,
// reschedules and staff overrides; time passing so bookings end and stop counting. The
// oracle keeps each booking's own buffers and decides capacity, notice, cutoffs and limits
// by brute force; availability of the service must offer exactly what the oracle accepts.
struct RuleBooking {
  ReservationId id;
  ReservationStatus status = ReservationStatus::confirmed;
  std::int64_t start = 0, end = 0;
  std::size_t resource = 0;
  int quantity = 1;
  std::string customer;
  bool service = false;
  bool active() const { return status == ReservationStatus::confirmed; }
};

inline void run_rules_model(const std::string& uri, int operations, std::uint64_t seed) {
  const Instant t0 = utc(2026, 1, 6);
  Fixture f(uri, t0 - hours(1));
  std::mt19937_64 rng(seed);
  auto below = [&](std::int64_t n) {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
  };
  constexpr int kCapacity[] = {2, 3};
  constexpr std::int64_t kResourceBefore[] = {0, 900};  // r1 has buffers of its own
  constexpr std::int64_t kResourceAfter[] = {0, 900};
  constexpr std::int64_t kCutoff = 2 * 3600;  // r1's cancel cutoff
  constexpr int kTenantActive = 4, kDaily = 2, kServiceActive = 2;
  constexpr std::int64_t kServiceBefore = 0, kServiceAfter = 1800, kServiceNotice = 3600;
  std::vector<ResourceId> ids;
  for (int i = 0; i < 2; ++i) {
    Resource spec;
    spec.name = "r" + std::to_string(i);
    spec.zone = "UTC";
    spec.capacity = kCapacity[i];
    spec.policy.buffer_before = Seconds(kResourceBefore[i]);
    spec.policy.buffer_after = Seconds(kResourceAfter[i]);
    if (i == 1) {
      spec.rules.cancel_cutoff = Seconds(kCutoff);
      spec.rules.max_per_customer_per_day = kDaily;
    }
    ids.push_back(f.engine->create_resource(sys(), f.tenant, spec).value().id);
  }
  TenantRules tr;
  tr.rules.max_active_per_customer = kTenantActive;
  REQUIRE(
      f.engine
          ->update_tenant_rules(sys(), f.tenant, tr, f.engine->get_tenant(sys(), f.tenant)->version)
          .ok());
  Service sv;
  sv.name = "Treatment";
  sv.duration = minutes(45);
  sv.allowed_durations = {minutes(60)};
  sv.allocations = {AllocationRequest::of_resource(ids[0])};
  sv.buffer_before = Seconds(kServiceBefore);
  sv.buffer_after = Seconds(kServiceAfter);
  sv.min_notice = Seconds(kServiceNotice);
  sv.rules.max_active_per_customer = kServiceActive;
  const ServiceId service = f.engine->services().create(sys(), f.tenant, sv).value().id;

  std::vector<RuleBooking> booked;
  const auto before_of = [&](const RuleBooking& b) {
    return std::max(kResourceBefore[b.resource], b.service ? kServiceBefore : 0);
  };
  const auto after_of = [&](const RuleBooking& b) {
    return std::max(kResourceAfter[b.resource], b.service ? kServiceAfter : 0);
  };
  // Capacity by brute force, each booking with its own buffers.
  const auto fits = [&](const RuleBooking& n, ReservationId exclude, std::int64_t now) {
    if (n.start < now + (n.service ? kServiceNotice : 0)) return false;
    const std::int64_t ob = n.start - before_of(n), oe = n.end + after_of(n);
    std::vector<std::int64_t> points{ob};
    for (const auto& x : booked) {
      if (x.id == exclude || !x.active() || x.resource != n.resource) continue;
      const std::int64_t xb = x.start - before_of(x);
      if (xb > ob && xb < oe) points.push_back(xb);
    }
    for (std::int64_t p : points) {
      int used = 0;
      for (const auto& x : booked) {
        if (x.id == exclude || !x.active() || x.resource != n.resource) continue;
        if (x.start - before_of(x) <= p && p < x.end + after_of(x)) used += x.quantity;
      }
      if (used + n.quantity > kCapacity[n.resource]) return false;
    }
    return true;
  };
  // The per-customer limits, for a new booking (moved == nullptr) or a move.
  const auto within_limits = [&](const RuleBooking& n, const RuleBooking* moved, std::int64_t now) {
    if (n.customer.empty()) return true;
    int active = 0, same_day_r1 = 0, of_service = 0;
    for (const auto& x : booked) {
      if (!x.active() || x.end <= now || x.customer != n.customer) continue;
      if (moved != nullptr && x.id == moved->id) continue;
      ++active;
      if (x.resource == 1 && n.resource == 1 && x.start / 86400 == n.start / 86400) ++same_day_r1;
      if (x.service) ++of_service;
    }
    if (moved == nullptr && active >= kTenantActive) return false;
    if (n.resource == 1 && same_day_r1 >= kDaily &&
        !(moved != nullptr && moved->start / 86400 == n.start / 86400)) {
      return false;
    }
    if (n.service && moved == nullptr && of_service >= kServiceActive) return false;
    return true;
  };
  const auto random_customer = [&]() -> std::string {
    const auto k = below(4);
    return k == 3 ? std::string() : "c" + std::to_string(k);
  };
  const auto pick = [&]() -> RuleBooking* {
    if (booked.empty()) return nullptr;
    return &booked[static_cast<std::size_t>(below(static_cast<std::int64_t>(booked.size())))];
  };

  int accepted = 0, refused_by_rule = 0, overrides = 0, cutoff_refusals = 0;
  for (int op = 0; op < operations; ++op) {
    const std::int64_t now = to_unix(f.clock->now());
    const std::int64_t grid_now = now - now % 900;
    const std::int64_t kind = below(100);
    INFO("operation " << op << " kind " << kind);
    if (kind < 45) {  // book: a plain booking on r0 or r1, or the service (on r0)
      RuleBooking n;
      n.service = below(3) == 0;
      n.resource = n.service ? 0 : static_cast<std::size_t>(below(2));
      n.quantity = n.service ? 1 : 1 + static_cast<int>(below(kCapacity[n.resource]));
      n.customer = random_customer();
      n.start = grid_now - 900 + below(4 * 30) * 900;
      n.end = n.start + (n.service ? (below(2) == 0 ? 2700 : 3600) : (1 + below(6)) * 900);
      const bool override_rules = below(10) == 0;
      ReserveRequest req;
      if (n.service) {
        req.service = service;
      } else {
        req.allocations = {AllocationRequest::of_resource(ids[n.resource], n.quantity)};
      }
      req.start = from_unix(n.start);
      req.end = from_unix(n.end);
      req.customer = n.customer;
      req.override_rules = override_rules;
      const bool capacity = fits(n, ReservationId{}, now);
      const bool limits = within_limits(n, nullptr, now);
      auto got = f.engine->reserve(sys(), f.tenant, req);
      INFO(got.status().to_string());
      REQUIRE(got.ok() == (capacity && (limits || override_rules)));
      if (got.ok()) {
        ++accepted;
        if (!limits) ++overrides;
        n.id = got->id;
        CHECK(got->service.has_value() == n.service);
        booked.push_back(n);
      } else {
        CHECK(got.status().code() == Code::conflict);
        if (capacity) {
          ++refused_by_rule;
          REQUIRE(got.status().conflict() != nullptr);
          CHECK((got.status().conflict()->rule == "max_active_per_customer" ||
                 got.status().conflict()->rule == "max_per_customer_per_day"));
        }
      }
    } else if (kind < 60) {  // cancel, sometimes overriding
      RuleBooking* x = pick();
      if (!x) continue;
      const bool override_rules = below(4) == 0;
      const bool late = x->resource == 1 && now >= x->start - kCutoff;
      const bool expect = x->active() && (!late || override_rules);
      auto got =
          f.engine->cancel(sys(), f.tenant, x->id, ChangeGuard{std::nullopt, override_rules});
      INFO(got.status().to_string());
      REQUIRE(got.ok() == expect);
      if (got.ok()) x->status = ReservationStatus::cancelled;
      if (!got.ok() && x->active()) {
        ++cutoff_refusals;
        CHECK(got.status().conflict()->rule == "cancel_cutoff");
        CHECK(to_unix(*got.status().conflict()->deadline) == x->start - kCutoff);
      }
    } else if (kind < 75) {  // reschedule to another start, keeping the length
      RuleBooking* x = pick();
      if (!x) continue;
      RuleBooking n = *x;
      n.start = grid_now - 900 + below(4 * 30) * 900;
      n.end = n.start + (x->end - x->start);
      const bool expect = x->active() && fits(n, x->id, now) && within_limits(n, x, now);
      auto got = f.engine->reschedule(sys(), f.tenant, x->id, from_unix(n.start), from_unix(n.end));
      INFO(got.status().to_string());
      REQUIRE(got.ok() == expect);
      if (got.ok()) {
        x->start = n.start;
        x->end = n.end;
      }
    } else {  // time passes
      f.clock->advance(Seconds(below(30) * 60));
    }
  }
  CHECK(accepted > 100);
  CHECK(refused_by_rule > 10);
  CHECK(overrides > 0);
  CHECK(cutoff_refusals > 0);

  // The engine's own records agree with the oracle's.
  ReservationFilter all;
  all.limit = 10000;
  auto stored = f.engine->list_reservations(sys(), f.tenant, all);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == booked.size());
  std::map<ReservationId, const Reservation*> by_id;
  for (const Reservation& r : *stored) by_id[r.id] = &r;
  for (const RuleBooking& b : booked) {
    REQUIRE(by_id.count(b.id));
    CHECK(to_unix(by_id[b.id]->start) == b.start);
    CHECK(by_id[b.id]->status == b.status);
  }
  // Availability of the service offers exactly what the oracle accepts (capacity, the
  // service's buffers and notice; limits are per customer and not part of it).
  const std::int64_t now = to_unix(f.clock->now());
  for (Seconds duration : {minutes(45), minutes(60)}) {
    AvailabilityQuery q;
    q.service = service;
    q.from = from_unix(now);
    q.to = from_unix(now + 30 * 3600);
    q.duration = duration;
    auto slots = f.engine->availability(sys(), f.tenant, q);
    REQUIRE(slots.ok());
    std::set<std::int64_t> offered;
    for (const Slot& sl : *slots) offered.insert(to_unix(sl.start));
    for (std::int64_t t = now + (900 - now % 900) % 900; t < to_unix(q.to); t += 900) {
      RuleBooking n;
      n.service = true;
      n.start = t;
      n.end = t + duration.count();
      INFO("service start " << t << " duration " << duration.count());
      CHECK(offered.count(t) == (fits(n, ReservationId{}, now) ? 1u : 0u));
    }
  }
}

}  // namespace boka::model
