// Storage conformance through the engine: the same operations, scripted and random, give
// the same answers and ids on every store as on boka's in-memory store.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::conformance_stores;
using boka::conformance::for_each_store;

namespace {

// The stores whose transcripts must agree: boka's in-memory store as the reference, then
// every store under test, so that a run on a single store still compares it with something.
std::vector<conformance::StoreFactory> reference_and_stores() {
  std::vector<conformance::StoreFactory> all{
      {"memory (reference)", [] { return open_storage("memory:").value(); }}};
  for (auto& factory : conformance_stores()) all.push_back(std::move(factory));
  return all;
}

}  // namespace

TEST_CASE("conformance: the engine gives the same answers and ids on every store") {
  std::vector<std::string> transcripts;
  for (const auto& factory : reference_and_stores()) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
    auto engine = Engine::open(factory.make(), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "a"}).value();
    Resource spec;
    spec.name = "room";
    spec.zone = "America/New_York";
    spec.capacity = 2;
    auto room = engine->create_resource(sys(), tenant.id, spec).value();
    std::string out;
    for (int i = 0; i < 40; ++i) {
      const Instant start = utc(2026, 1, 6, 10) + minutes(15 * ((i * 7) % 16));
      ReserveRequest req;
      req.allocations = {AllocationRequest::of_resource(room.id, 1 + i % 2)};
      req.start = start;
      req.end = start + minutes(15 * (1 + i % 5));
      auto r = engine->reserve(sys(), tenant.id, req);
      out += r.ok() ? "ok " + std::to_string(r->id) : std::string(code_name(r.status().code()));
      if (!r.ok() && r.status().conflict() && r.status().conflict()->next_free_start) {
        out += "@" + format_utc(*r.status().conflict()->next_free_start);
      }
      if (r.ok() && i % 3 == 0) out += engine->cancel(sys(), tenant.id, r->id).ok() ? "c" : "!";
      out += "\n";
    }
    transcripts.push_back(out);
  }
  for (std::size_t i = 1; i < transcripts.size(); ++i) CHECK(transcripts[i] == transcripts[0]);
}

TEST_CASE("conformance: one random operation sequence gives identical results on every store") {
  std::vector<std::string> transcripts;
  for (const auto& factory : reference_and_stores()) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
    auto engine = Engine::open(factory.make(), EngineOptions{clock}).value();
    Tenant t;
    t.name = "a";
    const TenantId tenant = engine->create_tenant(sys(), t)->id;
    std::vector<ResourceId> rooms;
    for (int i = 0; i < 4; ++i) {
      Resource spec;
      spec.name = "r" + std::to_string(i);
      spec.zone = i % 2 ? "Europe/Berlin" : "America/New_York";
      spec.capacity = 1 + i % 3;
      spec.policy.buffer_after = i == 3 ? minutes(15) : Seconds(0);
      rooms.push_back(engine->create_resource(sys(), tenant, spec)->id);
    }
    const PoolId pool =
        engine->create_pool(sys(), tenant, Pool{PoolId{}, TenantId{}, "p", {rooms[2], rooms[0]}})
            ->id;
    std::uint64_t state = 12345;  // splitmix64: the same sequence on every store
    auto below = [&](std::uint64_t n) {
      std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return static_cast<std::int64_t>((z ^ (z >> 31)) % n);
    };
    std::vector<ReservationId> made;
    std::string out;
    auto outcome = [&](const Result<Reservation>& r) {
      if (!r.ok()) {
        std::string s = code_name(r.status().code());
        if (r.status().conflict() && r.status().conflict()->next_free_start) {
          s += "@" + format_utc(*r.status().conflict()->next_free_start);
        }
        return s;
      }
      std::string s = std::to_string(r->id) + ":" + status_name(r->status) + ":" +
                      format_utc(r->start) + ":v" + std::to_string(r->version);
      for (const auto& a : r->allocations)
        s += ":" + std::to_string(a.resource) + "x" + std::to_string(a.quantity);
      return s;
    };
    for (int op = 0; op < 300; ++op) {
      const std::int64_t kind = below(10);
      const Instant start = utc(2026, 1, 6, 8) + minutes(15 * below(40));
      const Instant end = start + minutes(15 * (1 + below(8)));
      if (kind < 5) {
        ReserveRequest req;
        req.start = start;
        req.end = end;
        if (below(4) == 0) {
          req.allocations = {AllocationRequest::of_pool(pool)};
        } else {
          const auto i = static_cast<std::size_t>(below(4));
          req.allocations = {
              AllocationRequest::of_resource(rooms[i], 1 + static_cast<int>(below(2)))};
          if (below(3) == 0)
            req.allocations.push_back(AllocationRequest::of_resource(rooms[(i + 1) % 4]));
        }
        if (below(3) == 0) req.hold_for = minutes(5 + 5 * below(4));
        auto r = engine->reserve(sys(), tenant, req);
        if (r.ok()) made.push_back(r->id);
        out += "reserve " + outcome(r);
      } else if (!made.empty() && kind < 9) {
        const ReservationId id = made[static_cast<std::size_t>(below(made.size()))];
        switch (kind) {
          case 5: out += "confirm " + outcome(engine->confirm(sys(), tenant, id)); break;
          case 6: out += "cancel " + outcome(engine->cancel(sys(), tenant, id)); break;
          case 7:
            out += "move " + outcome(engine->reschedule(sys(), tenant, id, start, end));
            break;
          default: out += "get " + outcome(engine->get_reservation(sys(), tenant, id)); break;
        }
      } else {
        clock->advance(minutes(below(10)));
        out += "tick";
      }
      out += "\n";
    }
    auto swept = engine->expire_holds(sys());
    out += "swept " + std::to_string(swept.ok() ? *swept : -1) + "\n";
    transcripts.push_back(out);
  }
  REQUIRE(transcripts.size() >= 2);
  CHECK(transcripts[0].find("reserve conflict") != std::string::npos);
  for (std::size_t i = 1; i < transcripts.size(); ++i) CHECK(transcripts[i] == transcripts[0]);
}
