// What the C ABI costs over the C++ call it wraps: the same operations on the same kind of
// engine (memory store, manual clock), once through boka::Engine and once through
// libboka_c. bindings/bench/python_overhead.py measures the Python side the same way;
// docs/bindings.md has the figures.
//
//   build/release/bindings/bench/boka_bindings_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "boka/boka.h"
#include "boka/boka.hpp"

namespace {

constexpr std::int64_t kTuesday = 1767657600;  // 2026-01-06T00:00:00Z
constexpr std::int64_t kHour = 3600;

void check(int code, char* err) {
  if (code != BOKA_OK) {
    std::fprintf(stderr, "bench setup: %s\n", err ? err : boka_code_name(code));
    std::exit(1);
  }
}

std::int64_t id_of(const char* doc) {
  const char* at = std::strstr(doc, "\"id\":");
  return at ? std::strtoll(at + 5, nullptr, 10) : 0;
}

// One engine per API with a tenant, a room open around the clock on an hourly grid, and a
// booking at 10:00 on Tuesday (what get_reservation reads).
struct CppWorld {
  std::unique_ptr<boka::Engine> engine;
  boka::Principal who = boka::Principal::system();
  boka::TenantId tenant{};
  boka::ResourceId room{};
  boka::ReservationId booked{};

  CppWorld() {
    boka::EngineOptions options;
    options.clock = std::make_shared<boka::ManualClock>(boka::from_unix(kTuesday - 24 * kHour));
    engine = boka::Engine::open("memory:", options).value();
    boka::Tenant bench;
    bench.name = "bench";
    tenant = engine->create_tenant(who, bench).value().id;
    boka::Resource spec;
    spec.name = "room";
    spec.zone = "UTC";
    spec.capacity = 1000000;
    spec.policy.slot_step = std::chrono::hours(1);
    room = engine->create_resource(who, tenant, spec).value().id;
    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(room)};
    req.start = boka::from_unix(kTuesday + 10 * kHour);
    req.end = boka::from_unix(kTuesday + 11 * kHour);
    booked = engine->reserve(who, tenant, req).value().id;
  }
};

struct CWorld {
  boka_clock* clock = nullptr;
  boka_engine* engine = nullptr;
  boka_principal* who = nullptr;
  std::int64_t tenant = 0;
  std::int64_t room = 0;
  std::int64_t booked = 0;

  CWorld() {
    char* err = nullptr;
    char* doc = nullptr;
    check(boka_clock_create(kTuesday - 24 * kHour, &clock, &err), err);
    check(boka_engine_open_with_clock("memory:", clock, &engine, &err), err);
    check(boka_principal_system(&who, &err), err);
    check(boka_create_tenant(engine, who, R"({"name": "bench"})", &doc, &err), err);
    tenant = id_of(doc);
    boka_free(doc);
    check(boka_create_resource(engine, who, tenant,
                               R"({"name": "room", "zone": "UTC", "capacity": 1000000,
                                   "policy": {"slot_step": 3600}})",
                               &doc, &err),
          err);
    room = id_of(doc);
    boka_free(doc);
    check(boka_reserve(engine, who, tenant, room, kTuesday + 10 * kHour, kTuesday + 11 * kHour, 1,
                       &booked, nullptr, &err),
          err);
  }
  ~CWorld() {
    boka_engine_destroy(engine);
    boka_principal_destroy(who);
    boka_clock_destroy(clock);
  }
};

// --- get_reservation: a read returning one object ---------------------------------------

void BM_Cpp_GetReservation(benchmark::State& state) {
  CppWorld w;
  for (auto _ : state) {
    auto r = w.engine->get_reservation(w.who, w.tenant, w.booked);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Cpp_GetReservation);

void BM_C_GetReservationJson(benchmark::State& state) {
  CWorld w;
  for (auto _ : state) {
    char* doc = nullptr;
    check(boka_get_reservation(w.engine, w.who, w.tenant, w.booked, &doc, nullptr), nullptr);
    benchmark::DoNotOptimize(doc);
    boka_free(doc);
  }
}
BENCHMARK(BM_C_GetReservationJson);

// --- check one slot: explain, typed in C ------------------------------------------------

void BM_Cpp_Explain(benchmark::State& state) {
  CppWorld w;
  const std::vector<boka::AllocationRequest> req = {boka::AllocationRequest::of_resource(w.room)};
  for (auto _ : state) {
    auto why = w.engine->explain(w.who, w.tenant, req, boka::from_unix(kTuesday + 12 * kHour),
                                 std::chrono::hours(1));
    benchmark::DoNotOptimize(why);
  }
}
BENCHMARK(BM_Cpp_Explain);

void BM_C_CheckSlot(benchmark::State& state) {
  CWorld w;
  int available = 0;
  for (auto _ : state) {
    check(boka_check_slot(w.engine, w.who, w.tenant, w.room, kTuesday + 12 * kHour,
                          kTuesday + 13 * kHour, 1, &available, nullptr),
          nullptr);
    benchmark::DoNotOptimize(available);
  }
}
BENCHMARK(BM_C_CheckSlot);

// --- availability over one day: a list of 24 slots ---------------------------------------

void BM_Cpp_AvailabilityDay(benchmark::State& state) {
  CppWorld w;
  boka::AvailabilityQuery q;
  q.requests = {boka::AllocationRequest::of_resource(w.room)};
  q.from = boka::from_unix(kTuesday);
  q.to = boka::from_unix(kTuesday + 24 * kHour);
  q.duration = std::chrono::hours(1);
  for (auto _ : state) {
    auto slots = w.engine->availability(w.who, w.tenant, q);
    benchmark::DoNotOptimize(slots);
  }
}
BENCHMARK(BM_Cpp_AvailabilityDay);

void BM_C_AvailabilityDayJson(benchmark::State& state) {
  CWorld w;
  const std::string query = "{\"requests\": [{\"resource\": " + std::to_string(w.room) +
                            "}], \"from\": " + std::to_string(kTuesday) +
                            ", \"to\": " + std::to_string(kTuesday + 24 * kHour) +
                            ", \"duration\": 3600}";
  for (auto _ : state) {
    char* doc = nullptr;
    check(boka_availability(w.engine, w.who, w.tenant, query.c_str(), &doc, nullptr), nullptr);
    benchmark::DoNotOptimize(doc);
    boka_free(doc);
  }
}
BENCHMARK(BM_C_AvailabilityDayJson);

// --- reserve then cancel: the write path, typed in C -------------------------------------

void BM_Cpp_ReserveCancel(benchmark::State& state) {
  CppWorld w;
  boka::ReserveRequest req;
  req.allocations = {boka::AllocationRequest::of_resource(w.room)};
  req.start = boka::from_unix(kTuesday + 14 * kHour);
  req.end = boka::from_unix(kTuesday + 15 * kHour);
  for (auto _ : state) {
    auto r = w.engine->reserve(w.who, w.tenant, req);
    auto c = w.engine->cancel(w.who, w.tenant, r.value().id);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cpp_ReserveCancel);

void BM_C_ReserveCancel(benchmark::State& state) {
  CWorld w;
  for (auto _ : state) {
    std::int64_t id = 0;
    check(boka_reserve(w.engine, w.who, w.tenant, w.room, kTuesday + 14 * kHour,
                       kTuesday + 15 * kHour, 1, &id, nullptr, nullptr),
          nullptr);
    check(boka_cancel(w.engine, w.who, w.tenant, id, BOKA_ANY_VERSION, nullptr, nullptr), nullptr);
  }
}
BENCHMARK(BM_C_ReserveCancel);

}  // namespace
