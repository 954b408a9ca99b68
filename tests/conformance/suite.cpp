// Storage conformance: row round trips, tenant scoping, filters, uniqueness, rollback and
// read-only transactions; then the engine's observable behaviour on top of each store.
#include <catch2/catch.hpp>

#include "conformance.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::conformance::conformance_stores;

namespace {

template <typename F>
void for_each_store(F&& f) {
  for (const auto& factory : conformance_stores()) {
    DYNAMIC_SECTION("store " << factory.name) { f(factory.make()); }
  }
}

Status write(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.write(WriteIntent(TxnScope::all_tenants()), work);
}
Status read(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.read(TxnScope::all_tenants(), work);
}

Resource sample_resource(TenantId tenant) {
  Resource r;
  r.tenant = tenant;
  r.name = "Court 1";
  r.zone = "Europe/Berlin";
  r.capacity = 3;
  r.policy.slot_step = Seconds(1800);
  r.policy.min_notice = Seconds(3600);
  r.policy.max_horizon = Seconds(86400 * 30);
  r.policy.buffer_before = Seconds(300);
  r.policy.buffer_after = Seconds(600);
  r.policy.min_duration = Seconds(1800);
  r.policy.max_duration = Seconds(7200);
  r.policy.daily_limit = 4;
  r.metadata_json = R"({"floor":2})";
  r.created_at = utc(2026, 1, 1);
  r.version = 1;
  return r;
}

}  // namespace

TEST_CASE("conformance: tenants round trip and names are unique") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId id = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(Tenant{0, "acme", utc(2026, 1, 1), std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    CHECK(id > 0);
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_tenant(Tenant{0, "acme", utc(2026, 1, 1), std::nullopt, 1}).status();
    });
    CHECK(dup.code() == Code::already_exists);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto found = t.find_tenant(id);
      REQUIRE(found.ok());
      REQUIRE(found->has_value());
      CHECK((*found)->name == "acme");
      CHECK((*found)->created_at == utc(2026, 1, 1));
      CHECK(t.list_tenants()->size() == 1);
      CHECK_FALSE(t.find_tenant(id + 100)->has_value());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: every resource field round trips - other tenants see nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a = 0, b = 0;
    ResourceId rid = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{0, "b", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(rid, t.insert_resource(sample_resource(a)));
      return Status::Ok();
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_resource(a, rid).value().value();
      const Resource want = sample_resource(a);
      CHECK(r.name == want.name);
      CHECK(r.zone == want.zone);
      CHECK(r.capacity == 3);
      CHECK(r.policy.slot_step == want.policy.slot_step);
      CHECK(r.policy.min_notice == want.policy.min_notice);
      CHECK(r.policy.max_horizon == want.policy.max_horizon);
      CHECK(r.policy.buffer_before == want.policy.buffer_before);
      CHECK(r.policy.buffer_after == want.policy.buffer_after);
      CHECK(r.policy.min_duration == want.policy.min_duration);
      CHECK(r.policy.max_duration == want.policy.max_duration);
      CHECK(r.policy.daily_limit == 4);
      CHECK(r.metadata_json == want.metadata_json);
      CHECK_FALSE(r.schedule.has_value());
      CHECK_FALSE(r.archived_at.has_value());
      CHECK_FALSE(t.find_resource(b, rid)->has_value());
      CHECK(t.list_resources(b)->empty());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: schedules and pools round trip with rules and member order") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant = 0;
    ScheduleId sid = 0;
    PoolId pid = 0;
    std::vector<ResourceId> members;
    Schedule sched;
    sched.name = "hours";
    sched.weekly.push_back({Weekday::monday, {{540, 720}, {780, 1020}}});
    sched.overrides.push_back({LocalDate{2026, 12, 24}, {{540, 720}}});
    HolidayRule h;
    h.name = "Thanksgiving";
    h.kind = HolidayRule::Kind::nth_weekday;
    h.month = 11;
    h.nth = 4;
    h.weekday = Weekday::thursday;
    sched.holidays.push_back(h);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      sched.tenant = tenant;
      BOKA_ASSIGN_OR_RETURN(sid, t.insert_schedule(sched));
      members.clear();
      for (int i = 0; i < 3; ++i) {
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_resource(sample_resource(tenant)));
        members.push_back(id);
      }
      std::reverse(members.begin(), members.end());
      BOKA_ASSIGN_OR_RETURN(pid, t.insert_pool(Pool{0, tenant, "p", members, std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto got = t.find_schedule(tenant, sid).value().value();
      REQUIRE(got.weekly.size() == 1);
      CHECK(got.weekly[0].intervals.size() == 2);
      CHECK(got.weekly[0].intervals[1].end_minute == 1020);
      REQUIRE(got.overrides.size() == 1);
      CHECK(got.overrides[0].date == LocalDate{2026, 12, 24});
      REQUIRE(got.holidays.size() == 1);
      CHECK(got.holidays[0].name == "Thanksgiving");
      CHECK(got.holidays[0].kind == HolidayRule::Kind::nth_weekday);
      CHECK(got.holidays[0].weekday == Weekday::thursday);
      auto pool = t.find_pool(tenant, pid).value().value();
      CHECK(pool.members == members);
      return Status::Ok();
    }).ok());
    // Replacing members keeps exactly the new list.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      return t.update_pool(Pool{pid, tenant, "p2", {members[1]}, std::nullopt, 2});
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto pool = t.find_pool(tenant, pid).value().value();
      CHECK(pool.name == "p2");
      CHECK(pool.members == std::vector<ResourceId>{members[1]});
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: reservations, allocations, filters, bookings and holds") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant = 0;
    ResourceId r1 = 0, r2 = 0;
    std::vector<ReservationId> ids;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      ids.clear();
      BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(tenant)));
      BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(tenant)));
      for (int i = 0; i < 6; ++i) {
        Reservation r;
        r.tenant = tenant;
        r.status = i == 0 ? ReservationStatus::held : (i == 5 ? ReservationStatus::cancelled : ReservationStatus::confirmed);
        if (i == 0) r.hold_expires_at = utc(2026, 1, 1, 0, 10);
        r.start = utc(2026, 1, 2, 8 + i);
        r.end = utc(2026, 1, 2, 9 + i);
        r.allocations = {Allocation{r1, 1, std::nullopt}};
        if (i % 2 == 1) r.allocations.push_back(Allocation{r2, 2, std::nullopt});
        r.customer = i < 3 ? "alice" : "bob";
        r.metadata_json = R"({"i":)" + std::to_string(i) + "}";
        r.created_at = r.updated_at = utc(2026, 1, 1);
        r.version = 1;
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_reservation(r));
        ids.push_back(id);
      }
      return t.insert_idempotency(tenant, IdempotencyRecord{"k1", "f1", ids[1]});
    }).ok());
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_idempotency(tenant, IdempotencyRecord{"k1", "f2", ids[2]});
    });
    CHECK(dup.code() == Code::already_exists);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto one = t.find_reservation(tenant, ids[1]).value().value();
      CHECK(one.start == utc(2026, 1, 2, 9));
      REQUIRE(one.allocations.size() == 2);
      CHECK(one.allocations[1].resource == r2);
      CHECK(one.allocations[1].quantity == 2);
      CHECK(one.metadata_json == R"({"i":1})");
      ReservationFilter f;
      f.resource = r2;
      CHECK(t.list_reservations(tenant, f)->size() == 3);
      f = {};
      f.customer = "bob";
      CHECK(t.list_reservations(tenant, f)->size() == 3);
      f = {};
      f.from = utc(2026, 1, 2, 9);
      f.to = utc(2026, 1, 2, 11);
      CHECK(t.list_reservations(tenant, f)->size() == 2);
      f = {};
      f.statuses = {ReservationStatus::held, ReservationStatus::cancelled};
      CHECK(t.list_reservations(tenant, f)->size() == 2);
      f = {};
      f.after_id = ids[2];
      f.limit = 2;
      auto page = t.list_reservations(tenant, f).value();
      REQUIRE(page.size() == 2);
      CHECK(page[0].id == ids[3]);
      CHECK(t.active_bookings(r1)->size() == 5);  // the cancelled one is not active
      CHECK(t.active_bookings(r2)->size() == 2);  // i = 1, 3; i = 5 is cancelled
      auto holds = t.expired_holds(utc(2026, 1, 1, 0, 10), 10).value();
      REQUIRE(holds.size() == 1);
      CHECK(holds[0].id == ids[0]);
      CHECK(t.expired_holds(utc(2026, 1, 1, 0, 9), 10)->empty());
      auto key = t.find_idempotency(tenant, "k1").value();
      REQUIRE(key.has_value());
      CHECK(key->reservation == ids[1]);
      CHECK_FALSE(t.find_idempotency(tenant + 1, "k1")->has_value());
      return Status::Ok();
    }).ok());
    // update_reservation replaces allocations.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_reservation(tenant, ids[1]).value().value();
      r.allocations = {Allocation{r2, 1, std::nullopt}};
      r.status = ReservationStatus::cancelled;
      r.version = 2;
      return t.update_reservation(r);
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_reservation(tenant, ids[1]).value().value();
      CHECK(r.allocations.size() == 1);
      CHECK(r.status == ReservationStatus::cancelled);
      CHECK(r.version == 2);
      CHECK(t.active_bookings(r1)->size() == 4);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: a failed write keeps nothing - reads cannot write") {
  for_each_store([](std::shared_ptr<Storage> s) {
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto id, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_RETURN_IF_ERROR(t.insert_resource(sample_resource(id)).status());
      return Status(Code::conflict, "changed my mind");
    });
    CHECK(st.code() == Code::conflict);
    CHECK(st.message() == "changed my mind");
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_tenants()->empty());
      CHECK(t.insert_tenant(Tenant{0, "b", {}, std::nullopt, 1}).status().code() == Code::internal);
      return Status::Ok();
    }).ok());
    // The rolled-back name is free again.
    TenantId id = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    CHECK(id > 0);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_tenants()->size() == 1);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: a fault injected mid-transaction leaves nothing behind") {
  for_each_store([](std::shared_ptr<Storage> inner) {
    // Fails the allocation-bearing insert's follow-up: the idempotency record.
    class FailingIdempotency : public StorageWrapper {
     public:
      using StorageWrapper::StorageWrapper;
      Status write(const WriteIntent& intent, Work work) override {
        return StorageWrapper::write(intent, [&](StorageTransaction& t) -> Status {
          struct Txn : StorageTransactionWrapper {
            using StorageTransactionWrapper::StorageTransactionWrapper;
            Status insert_idempotency(TenantId, const IdempotencyRecord&) override {
              return Status(Code::unavailable, "injected fault");
            }
          } wrapped(t);
          return work(wrapped);
        });
      }
    };
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 1));
    auto engine = Engine::open(std::make_shared<FailingIdempotency>(inner), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{0, "a"}).value();
    Resource spec;
    spec.name = "room";
    spec.zone = "UTC";
    auto room = engine->create_resource(sys(), tenant.id, spec).value();
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room.id)};
    req.start = utc(2026, 1, 2, 10);
    req.end = utc(2026, 1, 2, 11);
    req.idempotency_key = "k";
    auto got = engine->reserve(sys(), tenant.id, req);
    CHECK(got.status().code() == Code::unavailable);
    CHECK(engine->list_reservations(sys(), tenant.id, {})->empty());
    // The engine's cached index must not have kept the failed booking either.
    req.idempotency_key.clear();
    CHECK(engine->reserve(sys(), tenant.id, req).ok());
  });
}

TEST_CASE("conformance: the engine gives the same answers and ids on every store") {
  std::vector<std::string> transcripts;
  for (const auto& factory : conformance_stores()) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
    auto engine = Engine::open(factory.make(), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{0, "a"}).value();
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
  for (const auto& factory : conformance_stores()) {
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
    const PoolId pool = engine->create_pool(sys(), tenant, Pool{0, 0, "p", {rooms[2], rooms[0]}})->id;
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
      for (const auto& a : r->allocations) s += ":" + std::to_string(a.resource) + "x" + std::to_string(a.quantity);
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
          req.allocations = {AllocationRequest::of_resource(rooms[i], 1 + static_cast<int>(below(2)))};
          if (below(3) == 0) req.allocations.push_back(AllocationRequest::of_resource(rooms[(i + 1) % 4]));
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
          case 7: out += "move " + outcome(engine->reschedule(sys(), tenant, id, start, end)); break;
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
