// Conflict-check benchmarks.
//
//   BM_IntervalIndex_CheckInsert/<check>/n:N/capacity:C
//                                   the in-memory IntervalIndex alone: N requests from a
//                                   deterministic stream are checked against a capacity-C
//                                   resource (C = 1 or 8) and inserted when they fit, with
//                                   q = 1 at capacity 1 and q = 1..3 (from the stream) at
//                                   capacity 8. <check> is the test used:
//                                     max_usage  max_usage(window, now) + q <= C
//                                     fits       fits(window, q, C, now), the shortcut the
//                                                engine's check_start tries first
//                                   Both must accept the same requests. One iteration books
//                                   the whole stream into an empty index; time per request
//                                   is "per_request".
//   BM_IntervalIndex_Check/n:N/depth:D
//                                   one capacity check against an index already holding N
//                                   30-minute bookings, D of them stacked on every range
//                                   (D = 1: back to back on a capacity-1 resource; D = 8: a
//                                   full capacity-8 resource). The steady-state lookup cost.
//   BM_Reserve/<store>              end to end: Engine::reserve on one capacity-1 resource,
//                                   open 24/7, zone UTC, 15-minute grid, ManualClock fixed at
//                                   2025-01-01. One iteration is one reserve call; refusals
//                                   (Code::conflict) are expected and counted. accept_us and
//                                   conflict_us are the mean wall time of each outcome.
//                                   Stores: memory, SQLite durability=normal and full (files
//                                   in /tmp, removed afterwards), and PostgreSQL at the URI in
//                                   BOKA_BENCH_POSTGRES_URI (an already migrated database;
//                                   each run creates its own tenant there and leaves it);
//                                   without that variable the PostgreSQL case is skipped.
//
// Every benchmark draws from the same stream: starts on the 15-minute grid over 90 days from
// 2025-01-01T00:00Z, durations 15..120 minutes in 15-minute steps, quantities 1..3 (used only
// at capacity 8) (SplitMix64, fixed seed).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "boka/engine.hpp"
#include "conflict/interval_index.hpp"

namespace {

using boka::detail::IndexEntry;
using boka::detail::IntervalIndex;
using boka::detail::Range;

constexpr std::int64_t kEpoch = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t kStep = 15 * 60;
constexpr std::int64_t kGridSlots = 90 * 24 * 4;  // 90 days of 15-minute starts
constexpr std::uint64_t kSeed = 0x5EEDB0CA;

struct Request {
  std::int64_t start = 0;
  std::int64_t end = 0;
  int quantity = 1;  // 1..3; used where the capacity allows more than one unit
};

// SplitMix64: tiny, deterministic on every platform (unlike std:: distributions).
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

std::vector<Request> make_stream(std::size_t n) {
  SplitMix64 rng(kSeed);
  std::vector<Request> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = rng.next();
    const auto slot = static_cast<std::int64_t>(r % static_cast<std::uint64_t>(kGridSlots));
    const auto steps = static_cast<std::int64_t>(1 + (r >> 40) % 8);  // 15..120 min
    const int quantity = static_cast<int>(1 + (r >> 56) % 3);
    const std::int64_t start = kEpoch + slot * kStep;
    out.push_back({start, start + steps * kStep, quantity});
  }
  return out;
}

// ---- the interval index alone ------------------------------------------------------------

enum class Check { max_usage, fits };

void BM_IntervalIndex_CheckInsert(benchmark::State& state, Check check) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int capacity = static_cast<int>(state.range(1));
  const std::vector<Request> stream = make_stream(n);
  constexpr std::int64_t kNow = kEpoch;
  std::int64_t accepted = 0;
  std::int64_t conflicts = 0;
  for (auto _ : state) {
    IntervalIndex index(0, 0);
    accepted = 0;
    conflicts = 0;
    std::int64_t next_id = 1;
    for (const Request& r : stream) {
      const int q = capacity == 1 ? 1 : r.quantity;
      // The same test as check_start: usage over the occupied range plus the request.
      const Range window{r.start - index.buffer_before(), r.end + index.buffer_after()};
      const bool fits = check == Check::max_usage ? index.max_usage(window, kNow) + q <= capacity
                                                  : index.fits(window, q, capacity, kNow);
      if (fits) {
        index.insert(
            IndexEntry{r.start, r.end, boka::detail::kNever, boka::ReservationId{next_id++}, q});
        ++accepted;
      } else {
        ++conflicts;
      }
    }
    benchmark::DoNotOptimize(index.size());
    benchmark::ClobberMemory();
  }
  const auto requests = static_cast<double>(state.iterations()) * static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(requests));
  state.counters["accepted"] = static_cast<double>(accepted);    // per stream of n
  state.counters["conflicts"] = static_cast<double>(conflicts);  // per stream of n
  state.counters["per_request"] =
      benchmark::Counter(requests, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK_CAPTURE(BM_IntervalIndex_CheckInsert, max_usage, Check::max_usage)
    ->ArgNames({"n", "capacity"})
    ->ArgsProduct({{1000, 8640, 50000}, {1, 8}});
BENCHMARK_CAPTURE(BM_IntervalIndex_CheckInsert, fits, Check::fits)
    ->ArgNames({"n", "capacity"})
    ->ArgsProduct({{1000, 8640, 50000}, {1, 8}});

void BM_IntervalIndex_Check(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  const auto depth = static_cast<std::int64_t>(state.range(1));
  IntervalIndex index(0, 0);
  // n 30-minute bookings starting at the epoch, `depth` of them on each 30-minute range.
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t s = kEpoch + (i / depth) * 2 * kStep;
    index.insert(IndexEntry{s, s + 2 * kStep, boka::detail::kNever, boka::ReservationId{i + 1}, 1});
  }
  // Probe windows spread over the whole occupied span, precomputed.
  SplitMix64 rng(kSeed);
  std::vector<Range> probes(4096);
  const auto span_slots = static_cast<std::uint64_t>(2 * ((n + depth - 1) / depth));
  for (Range& p : probes) {
    const std::uint64_t r = rng.next();
    const std::int64_t s = kEpoch + static_cast<std::int64_t>(r % span_slots) * kStep;
    p = {s, s + static_cast<std::int64_t>(1 + (r >> 40) % 8) * kStep};
  }
  const int capacity = static_cast<int>(depth);
  std::size_t i = 0;
  std::int64_t busy = 0;
  for (auto _ : state) {
    busy += index.max_usage(probes[i], kEpoch) + 1 > capacity;
    i = (i + 1) & (probes.size() - 1);
  }
  benchmark::DoNotOptimize(busy);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IntervalIndex_Check)
    ->ArgNames({"n", "depth"})
    ->ArgsProduct({{1000, 10000, 100000}, {1, 8}});

// ---- Engine::reserve end to end ----------------------------------------------------------

enum class Store { memory, sqlite_normal, sqlite_full, postgresql };

struct TempDb {
  std::string path;
  void remove_files() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((path + suffix).c_str());
    }
  }
};

// The store URI, or "" when the store is not configured (PostgreSQL without
// BOKA_BENCH_POSTGRES_URI).
std::string uri_of(Store store, TempDb& db) {
  if (store == Store::memory) return "memory:";
  if (store == Store::postgresql) {
    const char* uri = std::getenv("BOKA_BENCH_POSTGRES_URI");
    return uri != nullptr ? std::string(uri) : std::string();
  }
  const char* durability = store == Store::sqlite_full ? "full" : "normal";
  db.path = "/tmp/boka_bench_" + std::to_string(::getpid()) + "_reserve_" + durability + ".db";
  db.remove_files();
  return "sqlite:" + db.path + "?durability=" + durability;
}

// Tenant names are unique per store; a shared PostgreSQL database outlives the process, so
// every run names its tenant after the process, the wall clock and a counter.
std::string unique_tenant_name(const char* what) {
  static std::atomic<int> counter{0};
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return std::string("bench-") + what + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(wall) + "-" + std::to_string(++counter);
}

void BM_Reserve(benchmark::State& state, Store store) {
  // Long enough that a run at --benchmark_min_time=0.2 rarely wraps; when it does, the next
  // pass books into a fresh resource (set up with the timer paused).
  constexpr std::size_t kStreamLength = 8640;
  const std::vector<Request> stream = make_stream(kStreamLength);
  const boka::Principal sys = boka::Principal::system();
  TempDb db;
  {
    const std::string uri = uri_of(store, db);
    if (uri.empty()) {
      state.SkipWithError("BOKA_BENCH_POSTGRES_URI not set");
      return;
    }
    auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
    auto opened = boka::Engine::open(uri, boka::EngineOptions{clock});
    if (!opened.ok()) {
      state.SkipWithError(opened.status().to_string().c_str());
      return;
    }
    boka::Engine& engine = **opened;
    boka::Tenant tenant_spec;
    tenant_spec.name = unique_tenant_name("reserve");
    auto tenant = engine.create_tenant(sys, tenant_spec);
    if (!tenant.ok()) {
      state.SkipWithError(tenant.status().to_string().c_str());
      return;
    }
    int resources_made = 0;
    auto new_resource = [&]() -> boka::Result<boka::Resource> {
      boka::Resource spec;
      spec.name = "room-" + std::to_string(++resources_made);
      spec.zone = "UTC";
      spec.capacity = 1;
      spec.policy.slot_step = boka::Seconds(kStep);
      return engine.create_resource(sys, tenant->id, spec);
    };
    auto resource = new_resource();
    if (!resource.ok()) {
      state.SkipWithError(resource.status().to_string().c_str());
      return;
    }

    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(resource->id)};
    std::size_t next = 0;
    std::int64_t accepted = 0;
    std::int64_t conflicts = 0;
    // Wall time per outcome, so stores can be compared even though a short run covers an
    // earlier (emptier, more accepting) part of the stream than a long one.
    std::chrono::steady_clock::duration accept_time{}, conflict_time{};
    for (auto _ : state) {
      if (next == stream.size()) {
        state.PauseTiming();
        resource = new_resource();
        if (!resource.ok()) {
          state.SkipWithError(resource.status().to_string().c_str());
          break;
        }
        req.allocations = {boka::AllocationRequest::of_resource(resource->id)};
        next = 0;
        state.ResumeTiming();
      }
      const Request& r = stream[next++];
      req.start = boka::from_unix(r.start);
      req.end = boka::from_unix(r.end);
      const auto t0 = std::chrono::steady_clock::now();
      auto booked = engine.reserve(sys, tenant->id, req);
      const auto took = std::chrono::steady_clock::now() - t0;
      if (booked.ok()) {
        ++accepted;
        accept_time += took;
      } else if (booked.status().code() == boka::Code::conflict) {
        ++conflicts;
        conflict_time += took;
      } else {
        state.SkipWithError(booked.status().to_string().c_str());
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["accepted"] = static_cast<double>(accepted);
    state.counters["conflicts"] = static_cast<double>(conflicts);
    using Micros = std::chrono::duration<double, std::micro>;
    if (accepted > 0) {
      state.counters["accept_us"] = Micros(accept_time).count() / static_cast<double>(accepted);
    }
    if (conflicts > 0) {
      state.counters["conflict_us"] =
          Micros(conflict_time).count() / static_cast<double>(conflicts);
    }
  }
  if (!db.path.empty()) db.remove_files();
}
BENCHMARK_CAPTURE(BM_Reserve, memory, Store::memory)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Reserve, sqlite_normal, Store::sqlite_normal)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Reserve, sqlite_full, Store::sqlite_full)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Reserve, postgresql, Store::postgresql)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
