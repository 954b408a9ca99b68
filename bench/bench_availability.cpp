// Availability benchmarks.
//
//   BM_Availability/<store>/N  Engine::availability for one capacity-1 resource in
//                              Europe/Berlin (Mon-Fri 09:00-17:00, Sat 10:00-14:00, 15-minute
//                              grid) over 30 days, duration 30 minutes, with N existing
//                              reservations (0 or 1000). The ManualClock is fixed at
//                              2025-01-01T00:00Z.
//
// Setup (outside the timed loop) books N reservations from 2025-01-06 onward: durations
// 30/45/60 minutes with gaps of 0..45 minutes, each placed at the requested start or, when
// that is closed or taken, at the next free start the refusal names. So they respect opening
// hours and DST without the benchmark doing any zone arithmetic. They cover about five
// months; the 30-day query window (2025-02-03 .. 2025-03-05) holds a fifth of them.
//
//   BM_AvailabilityRange/<shape>/days:D/reservations:N
//                              Engine::availability over D = 1, 30 or 365 days from Monday
//                              2025-02-03 00:00 Europe/Berlin, with N = 100, 1,000 or 10,000
//                              existing reservations, on the memory store. Shapes:
//                                one_resource  one capacity-1 resource;
//                                all_of_10     10 capacity-1 resources that must all be free
//                                              (10 AllocationRequest::of_resource entries);
//                                pool_of_10    a pool of those 10 resources
//                                              (one AllocationRequest::of_pool);
//                                pool_of_50    a pool of 50 such resources, 30 days, 50,000
//                                              reservations (1,000 per member).
//                              Every resource: Europe/Berlin, capacity 1, 15-minute grid, and
//                              a weekday schedule Monday-Friday 09:00-17:00 (closed on
//                              weekends), so a 365-day query crosses both DST changes. The
//                              query asks for 30 minutes on a 15-minute step. ManualClock
//                              fixed at 2025-01-01T00:00Z.
//
// Setup for the range benchmarks (built once per D, N and resource count, outside the timed
// loop, and shared by all_of_10 and pool_of_10): the N reservations are spread evenly over
// the queried range, reservation i aimed at from + i * range / N on resource i mod R (R = 1
// or 10, so with 10 resources each holds N / 10). Durations are 30/45/60 minutes; when a
// resource is already busy at the aim, the next booking on it starts 0..45 minutes (random)
// after its previous one. Each is booked through Engine::reserve at the aim or, when that is
// closed or taken, at the next free start the refusal names. Where N does not fit into the
// range (e.g. 1 day with 1,000), the range ends up fully booked apart from the random gaps
// and the rest spill past its end. Counters: in_window = reservations starting inside the
// queried range, slots = slots returned.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include "boka/engine.hpp"

namespace {

constexpr std::int64_t kEpoch = 1735689600;         // 2025-01-01T00:00:00Z
constexpr std::int64_t kFirstBooking = 1736118000;  // 2025-01-06T00:00:00+01:00 (Monday)
constexpr std::int64_t kQueryFrom = 1738537200;     // 2025-02-03T00:00:00+01:00 (Monday)
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kDay = 86400;

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

enum class Store { memory, sqlite_normal };

struct Fixture {
  std::unique_ptr<boka::Engine> engine;
  boka::TenantId tenant{};
  boka::ResourceId resource{};
  std::string db_path;  // empty for memory:
  std::string error;    // set when setup failed
  std::int64_t in_window = 0;

  ~Fixture() {
    engine.reset();
    if (!db_path.empty()) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::remove((db_path + suffix).c_str());
      }
    }
  }
};

boka::LocalInterval minutes(int from_h, int from_m, int to_h, int to_m) {
  return boka::LocalInterval{from_h * 60 + from_m, to_h * 60 + to_m};
}

void setup(Fixture& f, Store store, int reservations) {
  const boka::Principal sys = boka::Principal::system();
  std::string uri = "memory:";
  if (store == Store::sqlite_normal) {
    f.db_path = "/tmp/boka_bench_" + std::to_string(::getpid()) + "_availability.db";
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((f.db_path + suffix).c_str());
    }
    uri = "sqlite:" + f.db_path + "?durability=normal";
  }
  auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
  auto opened = boka::Engine::open(uri, boka::EngineOptions{clock});
  if (!opened.ok()) {
    f.error = opened.status().to_string();
    return;
  }
  f.engine = std::move(opened).value();
  boka::Engine& e = *f.engine;

  boka::Tenant tenant_spec;
  tenant_spec.name = "bench";
  auto tenant = e.create_tenant(sys, tenant_spec);
  if (!tenant.ok()) {
    f.error = tenant.status().to_string();
    return;
  }
  f.tenant = tenant->id;

  boka::Schedule schedule_spec;
  schedule_spec.name = "office hours";
  for (auto day : {boka::Weekday::monday, boka::Weekday::tuesday, boka::Weekday::wednesday,
                   boka::Weekday::thursday, boka::Weekday::friday}) {
    schedule_spec.weekly.push_back(boka::WeeklyRule{day, {minutes(9, 0, 17, 0)}});
  }
  schedule_spec.weekly.push_back(
      boka::WeeklyRule{boka::Weekday::saturday, {minutes(10, 0, 14, 0)}});
  auto schedule = e.create_schedule(sys, f.tenant, schedule_spec);
  if (!schedule.ok()) {
    f.error = schedule.status().to_string();
    return;
  }

  boka::Resource resource_spec;
  resource_spec.name = "consulting room";
  resource_spec.zone = "Europe/Berlin";
  resource_spec.capacity = 1;
  resource_spec.policy.slot_step = boka::Seconds(15 * kMinute);
  resource_spec.schedule = schedule->id;
  auto resource = e.create_resource(sys, f.tenant, resource_spec);
  if (!resource.ok()) {
    f.error = resource.status().to_string();
    return;
  }
  f.resource = resource->id;

  SplitMix64 rng(0xA7A11AB1E);
  boka::ReserveRequest req;
  req.allocations = {boka::AllocationRequest::of_resource(f.resource)};
  std::int64_t t = kFirstBooking;
  for (int booked = 0; booked < reservations;) {
    const std::uint64_t r = rng.next();
    const std::int64_t duration = static_cast<std::int64_t>(2 + r % 3) * 15 * kMinute;
    req.start = boka::from_unix(t);
    req.end = boka::from_unix(t + duration);
    auto result = e.reserve(sys, f.tenant, req);
    if (result.ok()) {
      ++booked;
      if (t >= kQueryFrom && t < kQueryFrom + 30 * kDay) ++f.in_window;
      const std::int64_t gap = static_cast<std::int64_t>((r >> 32) % 4) * 15 * kMinute;
      t += duration + gap;
      continue;
    }
    const boka::ConflictInfo* info = result.status().conflict();
    if (result.status().code() != boka::Code::conflict || info == nullptr ||
        !info->next_free_start) {
      f.error = "setup reserve: " + result.status().to_string();
      return;
    }
    t = boka::to_unix(*info->next_free_start);
  }
}

void BM_Availability(benchmark::State& state, Store store) {
  const int reservations = static_cast<int>(state.range(0));
  Fixture f;
  setup(f, store, reservations);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const boka::Principal sys = boka::Principal::system();
  boka::AvailabilityQuery query;
  query.requests = {boka::AllocationRequest::of_resource(f.resource)};
  query.from = boka::from_unix(kQueryFrom);
  query.to = boka::from_unix(kQueryFrom + 30 * kDay);
  query.duration = boka::Seconds(30 * kMinute);

  std::size_t slots = 0;
  for (auto _ : state) {
    auto result = f.engine->availability(sys, f.tenant, query);
    if (!result.ok()) {
      state.SkipWithError(result.status().to_string().c_str());
      break;
    }
    slots = result->size();
    benchmark::DoNotOptimize(result->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["slots"] = static_cast<double>(slots);
  state.counters["in_window"] = static_cast<double>(f.in_window);
}
BENCHMARK_CAPTURE(BM_Availability, memory, Store::memory)
    ->Arg(0)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Availability, sqlite_normal, Store::sqlite_normal)
    ->Arg(0)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---- availability over 1 / 30 / 365 days, one resource, 10 resources, a pool of 10 ---------

constexpr std::int64_t kStep = 15 * kMinute;

enum class Shape { one_resource, all_of_10, pool_of_10, pool_of_50 };

struct RangeFixture {
  std::unique_ptr<boka::Engine> engine;
  boka::TenantId tenant{};
  std::vector<boka::ResourceId> resources;
  boka::PoolId pool{};
  std::int64_t in_window = 0;
  std::int64_t spilled = 0;  // booked after the end of the range
  std::string error;
};

void setup_range(RangeFixture& f, int days, int reservations, int resource_count) {
  const boka::Principal sys = boka::Principal::system();
  auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
  auto opened = boka::Engine::open("memory:", boka::EngineOptions{clock});
  if (!opened.ok()) {
    f.error = opened.status().to_string();
    return;
  }
  f.engine = std::move(opened).value();
  boka::Engine& e = *f.engine;

  boka::Tenant tenant_spec;
  tenant_spec.name = "bench";
  auto tenant = e.create_tenant(sys, tenant_spec);
  if (!tenant.ok()) {
    f.error = tenant.status().to_string();
    return;
  }
  f.tenant = tenant->id;

  boka::Schedule schedule_spec;
  schedule_spec.name = "weekdays 09-17";
  for (auto day : {boka::Weekday::monday, boka::Weekday::tuesday, boka::Weekday::wednesday,
                   boka::Weekday::thursday, boka::Weekday::friday}) {
    schedule_spec.weekly.push_back(boka::WeeklyRule{day, {minutes(9, 0, 17, 0)}});
  }
  auto schedule = e.create_schedule(sys, f.tenant, schedule_spec);
  if (!schedule.ok()) {
    f.error = schedule.status().to_string();
    return;
  }

  for (int i = 0; i < resource_count; ++i) {
    boka::Resource spec;
    spec.name = "desk " + std::to_string(i + 1);
    spec.zone = "Europe/Berlin";
    spec.capacity = 1;
    spec.policy.slot_step = boka::Seconds(kStep);
    spec.schedule = schedule->id;
    auto resource = e.create_resource(sys, f.tenant, spec);
    if (!resource.ok()) {
      f.error = resource.status().to_string();
      return;
    }
    f.resources.push_back(resource->id);
  }
  if (resource_count > 1) {
    boka::Pool pool_spec;
    pool_spec.name = "any desk";
    pool_spec.members = f.resources;
    auto pool = e.create_pool(sys, f.tenant, pool_spec);
    if (!pool.ok()) {
      f.error = pool.status().to_string();
      return;
    }
    f.pool = pool->id;
  }

  const std::int64_t from = kQueryFrom;
  const std::int64_t span = static_cast<std::int64_t>(days) * kDay;
  SplitMix64 rng(0x5B12EAD5);
  std::vector<std::int64_t> last_end(static_cast<std::size_t>(resource_count), 0);
  boka::ReserveRequest req;
  for (int i = 0; i < reservations; ++i) {
    const std::size_t r = static_cast<std::size_t>(i % resource_count);
    const std::uint64_t bits = rng.next();
    const std::int64_t duration = static_cast<std::int64_t>(2 + bits % 3) * kStep;
    const std::int64_t gap = static_cast<std::int64_t>((bits >> 32) % 4) * kStep;
    std::int64_t aim = from + (span * i / reservations) / kStep * kStep;
    std::int64_t t = std::max(aim, last_end[r] + gap);
    req.allocations = {boka::AllocationRequest::of_resource(f.resources[r])};
    for (;;) {
      req.start = boka::from_unix(t);
      req.end = boka::from_unix(t + duration);
      auto result = e.reserve(sys, f.tenant, req);
      if (result.ok()) break;
      const boka::ConflictInfo* info = result.status().conflict();
      if (result.status().code() != boka::Code::conflict || info == nullptr ||
          !info->next_free_start || boka::to_unix(*info->next_free_start) <= t) {
        f.error = "setup reserve: " + result.status().to_string();
        return;
      }
      t = boka::to_unix(*info->next_free_start);
    }
    last_end[r] = t + duration;
    if (t >= from && t < from + span) ++f.in_window;
    if (t >= from + span) ++f.spilled;
  }
}

// Built on the first call for its key and kept for the rest of the process, so the
// harness's repeated calls (to size the run, repetitions) and the all_of_10 and pool_of_10
// benchmarks reuse one fixture. All 18 together hold about 67,000 reservations in memory.
const RangeFixture& range_fixture(int days, int reservations, int resource_count) {
  static std::map<std::tuple<int, int, int>, std::unique_ptr<RangeFixture>> cache;
  auto& slot = cache[std::make_tuple(days, reservations, resource_count)];
  if (!slot) {
    slot = std::make_unique<RangeFixture>();
    setup_range(*slot, days, reservations, resource_count);
  }
  return *slot;
}

void BM_AvailabilityRange(benchmark::State& state, Shape shape) {
  const int days = static_cast<int>(state.range(0));
  const int reservations = static_cast<int>(state.range(1));
  const int resource_count =
      shape == Shape::one_resource ? 1 : (shape == Shape::pool_of_50 ? 50 : 10);
  const RangeFixture& f = range_fixture(days, reservations, resource_count);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const boka::Principal sys = boka::Principal::system();
  boka::AvailabilityQuery query;
  switch (shape) {
    case Shape::one_resource:
      query.requests = {boka::AllocationRequest::of_resource(f.resources.front())};
      break;
    case Shape::all_of_10:
      for (boka::ResourceId id : f.resources) {
        query.requests.push_back(boka::AllocationRequest::of_resource(id));
      }
      break;
    case Shape::pool_of_10:
    case Shape::pool_of_50: query.requests = {boka::AllocationRequest::of_pool(f.pool)}; break;
  }
  query.from = boka::from_unix(kQueryFrom);
  query.to = boka::from_unix(kQueryFrom + static_cast<std::int64_t>(days) * kDay);
  query.duration = boka::Seconds(30 * kMinute);
  query.step = boka::Seconds(kStep);

  std::size_t slots = 0;
  for (auto _ : state) {
    auto result = f.engine->availability(sys, f.tenant, query);
    if (!result.ok()) {
      state.SkipWithError(result.status().to_string().c_str());
      break;
    }
    slots = result->size();
    benchmark::DoNotOptimize(result->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["slots"] = static_cast<double>(slots);
  state.counters["in_window"] = static_cast<double>(f.in_window);
  state.counters["spilled"] = static_cast<double>(f.spilled);
}
BENCHMARK_CAPTURE(BM_AvailabilityRange, one_resource, Shape::one_resource)
    ->ArgNames({"days", "reservations"})
    ->ArgsProduct({{1, 30, 365}, {100, 1000, 10000}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AvailabilityRange, all_of_10, Shape::all_of_10)
    ->ArgNames({"days", "reservations"})
    ->ArgsProduct({{1, 30, 365}, {100, 1000, 10000}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AvailabilityRange, pool_of_10, Shape::pool_of_10)
    ->ArgNames({"days", "reservations"})
    ->ArgsProduct({{1, 30, 365}, {100, 1000, 10000}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
// Issue 20's target (bench/RESULTS.md): a 50-member pool, 30 days, 1,000 reservations per
// member (50,000 in all; the window holds what fits, the rest spill past it).
BENCHMARK_CAPTURE(BM_AvailabilityRange, pool_of_50, Shape::pool_of_50)
    ->ArgNames({"days", "reservations"})
    ->Args({30, 50000})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
