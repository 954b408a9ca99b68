// What a series and the waitlist cost (issue 16's closing figures):
//  - BM_SeriesBook52: booking a 52-week series (one call, one transaction, 52 reservations)
//    on a fresh resource, per store;
//  - BM_CancelPromotes/0 and /1: cancelling a reservation with no waiter, and with one
//    waiting entry that the cancel's own transaction offers the freed slot to.
// Setup (a resource, the booking to cancel, the entry) runs with the timer paused.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "boka/boka.hpp"

namespace {

enum class Store { memory, sqlite_normal, sqlite_full };

constexpr std::int64_t kEpoch = 1893456000;  // 2030-01-01T00:00:00Z

struct Bench {
  std::string path;
  std::shared_ptr<boka::ManualClock> clock;
  std::unique_ptr<boka::Engine> engine;
  boka::TenantId tenant{};
  int resources = 0;

  explicit Bench(Store store) {
    std::string uri = "memory:";
    if (store != Store::memory) {
      static std::atomic<int> counter{0};
      path = "/tmp/boka_bench_series_" + std::to_string(::getpid()) + "_" +
             std::to_string(++counter) + ".db";
      remove_files();
      uri = "sqlite:" + path +
            (store == Store::sqlite_full ? "?durability=full" : "?durability=normal");
    }
    clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
    engine = boka::Engine::open(uri, boka::EngineOptions{clock}).value();
    tenant = engine->create_tenant(boka::Principal::system(), boka::Tenant{boka::TenantId{}, "b"})
                 .value()
                 .id;
  }
  ~Bench() {
    engine.reset();
    if (!path.empty()) remove_files();
  }
  void remove_files() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  }
  boka::ResourceId resource() {
    boka::Resource spec;
    spec.name = "room-" + std::to_string(++resources);
    spec.zone = "Europe/Berlin";
    return engine->create_resource(boka::Principal::system(), tenant, spec).value().id;
  }
};

void BM_SeriesBook52(benchmark::State& state, Store store) {
  Bench b(store);
  boka::SeriesRequest req;
  req.first_date = {2030, 1, 8};
  req.start_minute = 9 * 60;
  req.duration = boka::Seconds(3600);
  req.rule = boka::parse_rrule("FREQ=WEEKLY;COUNT=52").value();
  for (auto _ : state) {
    state.PauseTiming();
    req.allocations = {boka::AllocationRequest::of_resource(b.resource())};
    state.ResumeTiming();
    auto booked = b.engine->series().book(boka::Principal::system(), b.tenant, req);
    if (!booked.ok() || booked->reservations.size() != 52) {
      state.SkipWithError(booked.ok() ? "not 52 occurrences" : booked.status().to_string().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 52);  // occurrences per second
}

void BM_CancelPromotes(benchmark::State& state, Store store) {
  Bench b(store);
  const bool waiter = state.range(0) == 1;
  const boka::Principal sys = boka::Principal::system();
  std::int64_t offers = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const boka::ResourceId room = b.resource();
    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(room)};
    req.start = boka::from_unix(kEpoch + 86400 + 10 * 3600);
    req.end = req.start + boka::Seconds(3600);
    const auto booked = b.engine->reserve(sys, b.tenant, req).value();
    boka::WaitlistEntryId entry{};
    if (waiter) {
      boka::WaitlistRequest w;
      w.allocations = req.allocations;
      w.earliest_start = w.latest_start = req.start;
      w.duration = boka::Seconds(3600);
      w.customer = "waiter";
      entry = b.engine->waitlist().join(sys, b.tenant, w).value().id;
    }
    state.ResumeTiming();
    auto cancelled = b.engine->cancel(sys, b.tenant, booked.id);
    if (!cancelled.ok()) {
      state.SkipWithError(cancelled.status().to_string().c_str());
      break;
    }
    if (waiter) {
      state.PauseTiming();
      if (b.engine->waitlist().get(sys, b.tenant, entry)->entry.status ==
          boka::WaitlistStatus::offered) {
        ++offers;
      }
      state.ResumeTiming();
    }
  }
  state.counters["offers"] = static_cast<double>(offers);
}

}  // namespace

BENCHMARK_CAPTURE(BM_SeriesBook52, memory, Store::memory)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SeriesBook52, sqlite_normal, Store::sqlite_normal)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SeriesBook52, sqlite_full, Store::sqlite_full)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CancelPromotes, memory, Store::memory)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CancelPromotes, sqlite_normal, Store::sqlite_normal)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CancelPromotes, sqlite_full, Store::sqlite_full)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
