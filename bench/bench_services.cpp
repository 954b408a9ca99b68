// What services and booking rules cost a booking (issue 17's closing figures):
//  - BM_ReservePlain: reserve one resource for an hour (the baseline);
//  - BM_ReserveService: the same through a service (read and re-read under the lock, its
//    buffers and notice applied, its price recorded);
//  - BM_ReserveLimited: the plain booking for a named customer in a tenant that limits
//    active bookings per customer (the customer's lock and the count of their bookings;
//    each customer has `range(0)` active bookings already).
// Every iteration books a fresh slot (50 resources x hourly starts), so none is refused.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "boka/boka.hpp"

namespace {

enum class Store { memory, sqlite_normal };

constexpr std::int64_t kEpoch = 1893456000;  // 2030-01-01T00:00:00Z

struct Shop {
  std::string path;
  std::unique_ptr<boka::Engine> engine;
  boka::TenantId tenant{};
  std::vector<boka::ResourceId> rooms;
  std::vector<boka::ServiceId> services;
  std::int64_t next = 0;
  const boka::Principal sys = boka::Principal::system();

  explicit Shop(Store store) {
    std::string uri = "memory:";
    if (store != Store::memory) {
      static std::atomic<int> counter{0};
      path = "/tmp/boka_bench_services_" + std::to_string(::getpid()) + "_" +
             std::to_string(++counter) + ".db";
      remove_files();
      uri = "sqlite:" + path + "?durability=normal";
    }
    auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(kEpoch));
    engine = boka::Engine::open(uri, boka::EngineOptions{clock}).value();
    tenant = engine->create_tenant(sys, boka::Tenant{boka::TenantId{}, "b"}).value().id;
    for (int i = 0; i < 50; ++i) {
      boka::Resource spec;
      spec.name = "room-" + std::to_string(i);
      spec.zone = "Europe/Berlin";
      rooms.push_back(engine->create_resource(sys, tenant, spec).value().id);
      boka::Service s;
      s.name = "service-" + std::to_string(i);
      s.duration = boka::Seconds(3600);
      s.allocations = {boka::AllocationRequest::of_resource(rooms.back())};
      s.buffer_after = boka::Seconds(900);
      s.price_minor = 3500;
      s.currency = "EUR";
      services.push_back(engine->services().create(sys, tenant, s).value().id);
    }
  }
  ~Shop() {
    engine.reset();
    if (!path.empty()) remove_files();
  }
  void remove_files() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  }
  // The next free slot: resource i % 50, two hours apart (room for a 15-minute buffer).
  std::pair<std::size_t, boka::Instant> slot() {
    const std::int64_t i = next++;
    return {static_cast<std::size_t>(i % 50), boka::from_unix(kEpoch + 86400 + (i / 50) * 7200)};
  }
};

void BM_ReservePlain(benchmark::State& state, Store store) {
  Shop shop(store);
  for (auto _ : state) {
    auto [room, start] = shop.slot();
    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(shop.rooms[room])};
    req.start = start;
    req.end = start + boka::Seconds(3600);
    auto r = shop.engine->reserve(shop.sys, shop.tenant, req);
    if (!r.ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      break;
    }
  }
}

void BM_ReserveService(benchmark::State& state, Store store) {
  Shop shop(store);
  for (auto _ : state) {
    auto [room, start] = shop.slot();
    boka::ReserveRequest req;
    req.service = shop.services[room];
    req.start = start;
    auto r = shop.engine->reserve(shop.sys, shop.tenant, req);
    if (!r.ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      break;
    }
  }
}

void BM_ReserveLimited(benchmark::State& state, Store store) {
  Shop shop(store);
  const int existing = static_cast<int>(state.range(0));
  boka::TenantRules rules;
  rules.rules.max_active_per_customer = existing + 1;
  auto tenant = shop.engine->get_tenant(shop.sys, shop.tenant).value();
  if (!shop.engine->update_tenant_rules(shop.sys, shop.tenant, rules, tenant.version).ok()) {
    state.SkipWithError("rules");
    return;
  }
  std::int64_t customer = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string who = "customer-" + std::to_string(++customer);
    for (int k = 0; k < existing; ++k) {  // the customer's bookings so far
      auto [room, start] = shop.slot();
      boka::ReserveRequest req;
      req.allocations = {boka::AllocationRequest::of_resource(shop.rooms[room])};
      req.start = start;
      req.end = start + boka::Seconds(3600);
      req.customer = who;
      if (!shop.engine->reserve(shop.sys, shop.tenant, req).ok()) state.SkipWithError("setup");
    }
    auto [room, start] = shop.slot();
    state.ResumeTiming();
    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(shop.rooms[room])};
    req.start = start;
    req.end = start + boka::Seconds(3600);
    req.customer = who;
    auto r = shop.engine->reserve(shop.sys, shop.tenant, req);
    if (!r.ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      break;
    }
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_ReservePlain, memory, Store::memory)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ReserveService, memory, Store::memory)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ReserveLimited, memory, Store::memory)
    ->Arg(0)
    ->Arg(5)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ReservePlain, sqlite_normal, Store::sqlite_normal)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ReserveService, sqlite_normal, Store::sqlite_normal)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ReserveLimited, sqlite_normal, Store::sqlite_normal)
    ->Arg(0)
    ->Arg(5)
    ->Unit(benchmark::kMicrosecond);
