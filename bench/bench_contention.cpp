// Contention benchmarks.
//
//   BM_Contention/<store>/real_time/threads:T
//       T threads (T = 1 as the baseline, T = 2 contending) call Engine::reserve on ONE
//       shared engine. Stores: memory, and SQLite durability=normal (a file in /tmp, removed
//       afterwards). All threads book into the same 4 capacity-1 resources at a time (zone
//       UTC, open around the clock, 15-minute grid, ManualClock fixed at 2025-01-01T00:00Z),
//       drawing requests from one shared sequence: request k (k from a shared atomic
//       counter) goes to resource hash(k) mod 4 of group k / 4096 and starts 0..31 slots
//       after slot k of the 15-minute grid, for 15..60 minutes. So both threads book the same
//       resources around the same moving front of time, competing for the same resource
//       locks and index entries, and each run sees about the same refusal rate however long
//       it is. Every 4,096 requests the sequence moves on to the next group of 4 fresh
//       resources (64 groups, made in setup, reused round robin), so a resource never holds
//       more than about 700 bookings per pass: the cost of a reserve grows with the bookings
//       already on its resource, and a longer run must not measure a fuller resource.
//
//       One iteration is one reserve call. With T threads, Google Benchmark reports the wall
//       time divided by the total iterations of all threads (time per reserve of the whole
//       process; lower with 2 threads means more throughput). accepted and conflicts are
//       summed over the threads; any other outcome fails the benchmark.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "boka/engine.hpp"

namespace {

constexpr std::int64_t kEpoch = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t kStep = 15 * 60;
constexpr int kResources = 4;                   // contended at a time
constexpr std::uint64_t kGroupRequests = 4096;  // requests per group of kResources
constexpr int kGroups = 64;
constexpr std::uint64_t kSeed = 0xC0FFEE5EED;

// SplitMix64's output function: request k's random bits, whichever thread draws it.
std::uint64_t mix(std::uint64_t k) {
  std::uint64_t z = kSeed + (k + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

enum class Store { memory, sqlite_normal };

// Shared by the threads of one run. Thread 0 builds it before the loop (Google Benchmark
// starts every thread's loop behind one barrier, so the others see it) and tears it down
// after the loop (behind the closing barrier).
struct Shared {
  std::unique_ptr<boka::Engine> engine;
  boka::TenantId tenant{};
  std::vector<boka::ResourceId> resources;
  std::string db_path;  // empty for memory:
  std::atomic<std::uint64_t> next{0};

  void remove_files() const {
    if (db_path.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((db_path + suffix).c_str());
    }
  }
};

Shared g_shared;

std::string setup(Store store) {
  Shared& s = g_shared;
  const boka::Principal sys = boka::Principal::system();
  std::string uri = "memory:";
  s.db_path.clear();
  if (store == Store::sqlite_normal) {
    s.db_path = "/tmp/boka_bench_" + std::to_string(::getpid()) + "_contention.db";
    s.remove_files();
    uri = "sqlite:" + s.db_path + "?durability=normal";
  }
  s.next.store(0);
  s.resources.clear();
  auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
  auto opened = boka::Engine::open(uri, boka::EngineOptions{clock});
  if (!opened.ok()) return opened.status().to_string();
  boka::Engine& e = **opened;
  boka::Tenant tenant_spec;
  tenant_spec.name = "bench";
  auto tenant = e.create_tenant(sys, tenant_spec);
  if (!tenant.ok()) return tenant.status().to_string();
  s.tenant = tenant->id;
  for (int i = 0; i < kGroups * kResources; ++i) {
    boka::Resource spec;
    spec.name = "court " + std::to_string(i + 1);
    spec.zone = "UTC";
    spec.capacity = 1;
    spec.policy.slot_step = boka::Seconds(kStep);
    auto resource = e.create_resource(sys, s.tenant, spec);
    if (!resource.ok()) return resource.status().to_string();
    s.resources.push_back(resource->id);
  }
  s.engine = std::move(opened).value();
  return {};
}

void teardown() {
  g_shared.engine.reset();
  g_shared.remove_files();
}

void BM_Contention(benchmark::State& state, Store store) {
  if (state.thread_index() == 0) {
    const std::string error = setup(store);
    if (!error.empty()) {
      teardown();
      state.SkipWithError(error.c_str());
    }
  }
  const boka::Principal sys = boka::Principal::system();
  Shared& s = g_shared;
  boka::ReserveRequest req;
  std::int64_t accepted = 0;
  std::int64_t conflicts = 0;
  // KeepRunning rather than a range-for: after SkipWithError it ends the loop through the
  // closing barrier, so a failing thread never leaves the other one waiting there.
  while (state.KeepRunning()) {
    if (!s.engine) {
      state.SkipWithError("setup failed (see thread 0)");
      continue;
    }
    const std::uint64_t k = s.next.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t bits = mix(k);
    const std::uint64_t group = (k / kGroupRequests) % kGroups;
    const auto resource = s.resources[group * kResources + bits % kResources];
    const auto slot = static_cast<std::int64_t>(k + (bits >> 8) % 32);
    const auto steps = static_cast<std::int64_t>(1 + (bits >> 16) % 4);
    req.allocations = {boka::AllocationRequest::of_resource(resource)};
    req.start = boka::from_unix(kEpoch + slot * kStep);
    req.end = boka::from_unix(kEpoch + (slot + steps) * kStep);
    auto booked = s.engine->reserve(sys, s.tenant, req);
    if (booked.ok()) {
      ++accepted;
    } else if (booked.status().code() == boka::Code::conflict) {
      ++conflicts;
    } else {
      state.SkipWithError(booked.status().to_string().c_str());
      continue;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["accepted"] = static_cast<double>(accepted);
  state.counters["conflicts"] = static_cast<double>(conflicts);
  if (state.thread_index() == 0) teardown();
}
BENCHMARK_CAPTURE(BM_Contention, memory, Store::memory)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Contention, sqlite_normal, Store::sqlite_normal)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
