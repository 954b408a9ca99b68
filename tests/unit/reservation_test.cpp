#include <catch2/catch.hpp>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

// Every behaviour here must hold on the embedded default as well as in memory. GENERATE
// must expand inside the test case, hence a macro.
#define store_uri(db)                                                                   \
  (GENERATE(as<std::string>{}, "memory", "sqlite") == "memory" ? std::string("memory:") \
                                                               : (db).uri())

ReserveRequest request(std::vector<AllocationRequest> allocations, Instant start, Instant end) {
  ReserveRequest r;
  r.allocations = std::move(allocations);
  r.start = start;
  r.end = end;
  return r;
}

Policy hourly() {
  Policy p;
  p.slot_step = hours(1);
  return p;
}

}  // namespace

TEST_CASE("reserve, conflict with blocking ids and next free start") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  auto first = f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 12));
  REQUIRE(first.ok());
  CHECK(first->status == ReservationStatus::confirmed);
  CHECK(first->allocations.size() == 1);
  auto refused = f.book(r, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12));
  REQUIRE(refused.status().code() == Code::conflict);
  REQUIRE(refused.status().conflict() != nullptr);
  CHECK(refused.status().conflict()->blocking_reservation_ids ==
        std::vector<ReservationId>{first->id});
  CHECK(refused.status().conflict()->next_free_start == utc(2026, 1, 6, 12));
  CHECK_THAT(refused.status().message(), Catch::Contains("allocations[0].resource"));
  // Touching ranges do not conflict.
  CHECK(f.book(r, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13)).ok());
  CHECK(f.book(r, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
}

TEST_CASE("multi-resource bookings are all-or-nothing") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto a = f.resource("a", 1, "UTC", std::nullopt, hourly()).id;
  auto b = f.resource("b", 1, "UTC", std::nullopt, hourly()).id;
  REQUIRE(f.book(b, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  auto both = f.engine->reserve(
      sys(), f.tenant,
      request({AllocationRequest::of_resource(a), AllocationRequest::of_resource(b)},
              utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)));
  CHECK(both.status().code() == Code::conflict);
  ReservationFilter on_a;
  on_a.resource = a;
  CHECK(f.engine->list_reservations(sys(), f.tenant, on_a)->empty());  // nothing partial
  auto later = f.engine->reserve(
      sys(), f.tenant,
      request({AllocationRequest::of_resource(a), AllocationRequest::of_resource(b)},
              utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)));
  REQUIRE(later.ok());
  CHECK(later->allocations.size() == 2);
}

TEST_CASE("a pool booking takes the first free member in pool order") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto a = f.resource("t1", 1, "UTC", std::nullopt, hourly()).id;
  auto b = f.resource("t2", 1, "UTC", std::nullopt, hourly()).id;
  auto pool = f.engine->create_pool(sys(), f.tenant, Pool{PoolId{}, TenantId{}, "tables", {b, a}});
  REQUIRE(pool.ok());
  auto book = [&] {
    return f.engine->reserve(
        sys(), f.tenant,
        request({AllocationRequest::of_pool(pool->id)}, utc(2026, 1, 6, 19), utc(2026, 1, 6, 21)));
  };
  auto one = book();
  REQUIRE(one.ok());
  CHECK(one->allocations[0].resource == b);
  CHECK(one->allocations[0].pool == pool->id);
  auto two = book();
  REQUIRE(two.ok());
  CHECK(two->allocations[0].resource == a);
  auto three = book();
  CHECK(three.status().code() == Code::conflict);
  CHECK(three.status().conflict()->next_free_start == utc(2026, 1, 6, 21));
}

namespace {

// A store where, just before each reservation's write transaction, the pool moves to a
// member its plan did not lock, as another host's update_pool could between planning and
// locking. `moves` members are taken from `next`, one per write.
struct PoolMovedBeforeWrite : StorageWrapper {
  using StorageWrapper::StorageWrapper;
  Engine* engine = nullptr;
  TenantId tenant{};
  PoolId pool{};
  std::vector<ResourceId> next;
  bool moving = false;
  Status write(const WriteIntent& intent, Work work) override {
    if (!moving && intent.audit_chain && !next.empty()) {
      moving = true;
      Pool p = engine->get_pool(sys(), tenant, pool).value();
      p.members = {next.front()};
      next.erase(next.begin());
      const Status moved = engine->update_pool(sys(), tenant, p).status();
      moving = false;
      if (!moved.ok()) return moved;
    }
    return StorageWrapper::write(intent, work);
  }
};

}  // namespace

TEST_CASE("a pool that changes between planning and locking is planned again") {
  TempDb db;
  auto store = std::make_shared<PoolMovedBeforeWrite>(open_storage(store_uri(db)).value());
  auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5, 0));
  auto engine = Engine::open(store, EngineOptions{clock}).value();
  const TenantId tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"})->id;
  std::vector<ResourceId> tables;
  for (int i = 0; i < 7; ++i) {
    Resource spec;
    spec.name = "t" + std::to_string(i);
    spec.zone = "UTC";
    spec.capacity = 1;
    spec.policy = hourly();
    tables.push_back(engine->create_resource(sys(), tenant, spec)->id);
  }
  const PoolId pool =
      engine->create_pool(sys(), tenant, Pool{PoolId{}, TenantId{}, "tables", {tables[0]}})->id;
  store->engine = engine.get();
  store->tenant = tenant;
  store->pool = pool;
  auto book = [&] {
    return engine->reserve(
        sys(), tenant,
        request({AllocationRequest::of_pool(pool)}, utc(2026, 1, 6, 19), utc(2026, 1, 6, 20)));
  };

  SECTION("once: the booking takes the member the pool has when it is decided") {
    store->next = {tables[1]};
    auto booked = book();
    REQUIRE(booked.ok());
    REQUIRE(booked->allocations.size() == 1);
    CHECK(booked->allocations[0].resource == tables[1]);
    CHECK(booked->allocations[0].pool == pool);
  }
  SECTION("on every attempt: the booking gives up as a transient failure and keeps nothing") {
    store->next = {tables[1], tables[2], tables[3], tables[4], tables[5], tables[6]};
    auto refused = book();
    CHECK(refused.status().code() == Code::unavailable);
    CHECK_THAT(refused.status().message(), Catch::Contains("pool membership kept changing"));
    store->next.clear();
    CHECK(engine->list_reservations(sys(), tenant, ReservationFilter{})->empty());
  }
}

TEST_CASE("holds expire, confirm before expiry, refuse confirm after") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  ReserveRequest req =
      request({AllocationRequest::of_resource(r)}, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  req.hold_for = minutes(15);
  auto held = f.engine->reserve(sys(), f.tenant, req);
  REQUIRE(held.ok());
  CHECK(held->status == ReservationStatus::held);
  CHECK(held->hold_expires_at == utc(2026, 1, 5, 0, 15));
  CHECK(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).status().code() == Code::conflict);

  SECTION("confirm in time") {
    f.clock->advance(minutes(14));
    auto confirmed = f.engine->confirm(sys(), f.tenant, held->id, held->version);
    REQUIRE(confirmed.ok());
    CHECK(confirmed->status == ReservationStatus::confirmed);
    f.clock->advance(hours(1));
    CHECK(f.engine->get_reservation(sys(), f.tenant, held->id)->status ==
          ReservationStatus::confirmed);
  }
  SECTION("a lapsed hold frees the slot at once and cannot be confirmed") {
    f.clock->advance(minutes(15));
    CHECK(f.engine->get_reservation(sys(), f.tenant, held->id)->status ==
          ReservationStatus::expired);
    auto late = f.engine->confirm(sys(), f.tenant, held->id);
    CHECK(late.status().code() == Code::conflict);
    CHECK_THAT(late.status().message(), Catch::Contains("expired"));
    CHECK(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
    auto swept = f.engine->expire_holds(sys());
    REQUIRE(swept.ok());
    CHECK(*swept == 1);
    ReservationFilter expired;
    expired.statuses = {ReservationStatus::expired};
    CHECK(f.engine->list_reservations(sys(), f.tenant, expired)->size() == 1);
  }
}

TEST_CASE("cancel frees capacity - versions guard updates") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  auto booked = f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(booked.ok());
  auto stale = f.engine->cancel(sys(), f.tenant, booked->id, booked->version + 1);
  CHECK(stale.status().code() == Code::conflict);
  CHECK_THAT(stale.status().message(), Catch::Contains("stale"));
  auto cancelled = f.engine->cancel(sys(), f.tenant, booked->id, booked->version);
  REQUIRE(cancelled.ok());
  CHECK(cancelled->status == ReservationStatus::cancelled);
  CHECK(cancelled->version == booked->version + 1);
  CHECK(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  CHECK(f.engine->cancel(sys(), f.tenant, booked->id).status().code() == Code::conflict);
}

TEST_CASE("reschedule moves atomically and its own old range never blocks it") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  auto booked = f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 12));
  auto other = f.book(r, utc(2026, 1, 6, 14), utc(2026, 1, 6, 15));
  REQUIRE(booked.ok());
  REQUIRE(other.ok());
  auto moved =
      f.engine->reschedule(sys(), f.tenant, booked->id, utc(2026, 1, 6, 11), utc(2026, 1, 6, 13));
  REQUIRE(moved.ok());
  CHECK(moved->start == utc(2026, 1, 6, 11));
  CHECK(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());  // old start is free
  auto blocked =
      f.engine->reschedule(sys(), f.tenant, booked->id, utc(2026, 1, 6, 13), utc(2026, 1, 6, 15));
  CHECK(blocked.status().code() == Code::conflict);
  CHECK(blocked.status().conflict()->blocking_reservation_ids ==
        std::vector<ReservationId>{other->id});
  // The failed move left it where it was.
  CHECK(f.engine->get_reservation(sys(), f.tenant, booked->id)->start == utc(2026, 1, 6, 11));
}

TEST_CASE("completed and no-show only after the start") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  auto a = f.book(r, utc(2026, 1, 5, 10), utc(2026, 1, 5, 11));
  auto b = f.book(r, utc(2026, 1, 5, 12), utc(2026, 1, 5, 13));
  CHECK(f.engine->mark_completed(sys(), f.tenant, a->id).status().code() == Code::conflict);
  f.clock->set(utc(2026, 1, 5, 12, 30));
  CHECK(f.engine->mark_completed(sys(), f.tenant, a->id)->status == ReservationStatus::completed);
  CHECK(f.engine->mark_no_show(sys(), f.tenant, b->id)->status == ReservationStatus::no_show);
}

TEST_CASE("idempotency keys return the original or refuse a different request") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 2, "UTC", std::nullopt, hourly()).id;
  ReserveRequest req =
      request({AllocationRequest::of_resource(r)}, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  req.idempotency_key = "order-42";
  auto first = f.engine->reserve(sys(), f.tenant, req);
  auto again = f.engine->reserve(sys(), f.tenant, req);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again->id == first->id);
  CHECK(f.engine->list_reservations(sys(), f.tenant, {})->size() == 1);
  req.end = utc(2026, 1, 6, 12);
  auto different = f.engine->reserve(sys(), f.tenant, req);
  CHECK(different.status().code() == Code::already_exists);
  CHECK_THAT(different.status().message(), Catch::Contains("idempotency_key"));
}

TEST_CASE("list reservations by resource, range, status and customer") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto a = f.resource("a", 5, "UTC", std::nullopt, hourly()).id;
  auto b = f.resource("b", 5, "UTC", std::nullopt, hourly()).id;
  for (int h = 8; h < 18; ++h) {
    ReserveRequest req = request({AllocationRequest::of_resource(h % 2 ? a : b)},
                                 utc(2026, 1, 6, h), utc(2026, 1, 6, h + 1));
    req.customer = h < 12 ? "alice" : "bob";
    REQUIRE(f.engine->reserve(sys(), f.tenant, req).ok());
  }
  ReservationFilter filter;
  filter.resource = a;
  CHECK(f.engine->list_reservations(sys(), f.tenant, filter)->size() == 5);
  filter = {};
  filter.from = utc(2026, 1, 6, 10);
  filter.to = utc(2026, 1, 6, 12);
  CHECK(f.engine->list_reservations(sys(), f.tenant, filter)->size() == 2);
  filter = {};
  filter.customer = "alice";
  CHECK(f.engine->list_reservations(sys(), f.tenant, filter)->size() == 4);
  filter = {};
  filter.limit = 3;
  auto page1 = f.engine->list_reservations(sys(), f.tenant, filter);
  filter.after_id = page1->back().id;
  auto page2 = f.engine->list_reservations(sys(), f.tenant, filter);
  CHECK(page1->size() == 3);
  CHECK(page2->front().id > page1->back().id);
}

TEST_CASE("tenants cannot see each other's objects") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("room", 1, "UTC", std::nullopt, hourly()).id;
  auto booked = f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  auto other = f.engine->create_tenant(sys(), Tenant{TenantId{}, "globex"});
  REQUIRE(other.ok());
  CHECK(f.engine->get_resource(sys(), other->id, r).status().code() == Code::not_found);
  CHECK(f.engine->get_reservation(sys(), other->id, booked->id).status().code() == Code::not_found);
  CHECK(f.engine->cancel(sys(), other->id, booked->id).status().code() == Code::not_found);
  ReserveRequest req =
      request({AllocationRequest::of_resource(r)}, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13));
  CHECK(f.engine->reserve(sys(), other->id, req).status().code() == Code::not_found);
}

TEST_CASE("management: update with versions, archive keeps history") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto res = f.resource("room", 1, "UTC", std::nullopt, hourly());
  auto booked = f.book(res.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(booked.ok());
  auto current = f.engine->get_resource(sys(), f.tenant, res.id);
  Resource renamed = *current;
  renamed.name = "Room 1";
  auto updated = f.engine->update_resource(sys(), f.tenant, renamed);
  REQUIRE(updated.ok());
  CHECK(updated->name == "Room 1");
  CHECK(f.engine->update_resource(sys(), f.tenant, renamed).status().code() == Code::conflict);
  auto archived = f.engine->archive_resource(sys(), f.tenant, res.id);
  REQUIRE(archived.ok());
  CHECK(archived->archived_at.has_value());
  CHECK(f.engine->list_resources(sys(), f.tenant)->empty());
  CHECK(f.engine->list_resources(sys(), f.tenant, true)->size() == 1);
  CHECK(f.engine->get_reservation(sys(), f.tenant, booked->id)->status ==
        ReservationStatus::confirmed);

  auto sched = f.engine->create_schedule(sys(), f.tenant, [] {
    Schedule s;
    s.name = "hours";
    s.weekly.push_back({Weekday::monday, {{540, 1020}}});
    return s;
  }());
  REQUIRE(sched.ok());
  Schedule changed = *sched;
  changed.weekly[0].intervals = {{600, 1020}};
  auto sched2 = f.engine->update_schedule(sys(), f.tenant, changed);
  REQUIRE(sched2.ok());
  CHECK(f.engine->get_schedule(sys(), f.tenant, sched->id)->weekly[0].intervals[0].start_minute ==
        600);
  CHECK(f.engine->list_tenants(sys())->size() == 1);
}

TEST_CASE("tenants and pools: update, archive, and archived ones take no bookings") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto a = f.resource("a", 1, "UTC", std::nullopt, hourly()).id;
  auto b = f.resource("b", 1, "UTC", std::nullopt, hourly()).id;
  auto pool = f.engine->create_pool(sys(), f.tenant, Pool{PoolId{}, TenantId{}, "p", {a}});
  REQUIRE(pool.ok());
  Pool grown = *pool;
  grown.members = {a, b};
  grown.name = "p2";
  auto updated = f.engine->update_pool(sys(), f.tenant, grown);
  REQUIRE(updated.ok());
  CHECK(f.engine->get_pool(sys(), f.tenant, pool->id)->members == std::vector<ResourceId>{a, b});
  CHECK(f.engine->update_pool(sys(), f.tenant, grown).status().code() == Code::conflict);  // stale
  Pool unknown_member = *updated;
  unknown_member.members = {a, ResourceId{12345}};
  auto refused = f.engine->update_pool(sys(), f.tenant, unknown_member);
  CHECK(refused.status().code() == Code::not_found);
  CHECK_THAT(refused.status().message(), Catch::Contains("pool.members[1]"));

  REQUIRE(f.engine->archive_pool(sys(), f.tenant, pool->id).ok());
  CHECK(f.engine->list_pools(sys(), f.tenant)->empty());
  auto via_pool = f.engine->reserve(
      sys(), f.tenant,
      request({AllocationRequest::of_pool(pool->id)}, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)));
  CHECK(via_pool.status().code() == Code::conflict);
  CHECK_THAT(via_pool.status().message(), Catch::Contains("archived"));

  auto tenant = f.engine->get_tenant(sys(), f.tenant);
  Tenant renamed = *tenant;
  renamed.name = "acme2";
  REQUIRE(f.engine->update_tenant(sys(), renamed).ok());
  CHECK(f.engine->get_tenant(sys(), f.tenant)->name == "acme2");
  Tenant taken;
  taken.name = "acme2";
  CHECK(f.engine->create_tenant(sys(), taken).status().code() == Code::already_exists);
  REQUIRE(f.engine->archive_tenant(sys(), f.tenant).ok());
  auto after = f.book(a, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  CHECK(after.status().code() == Code::conflict);
  CHECK_THAT(after.status().message(), Catch::Contains("tenant"));
}

TEST_CASE("a schedule in use cannot be archived - changing it changes availability") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  Schedule s;
  s.name = "hours";
  s.weekly.push_back({Weekday::tuesday, {{9 * 60, 10 * 60}}});
  auto sched = f.engine->create_schedule(sys(), f.tenant, s);
  REQUIRE(sched.ok());
  auto r = f.resource("room", 1, "UTC", sched->id, hourly()).id;
  CHECK(f.book(r, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)).status().code() == Code::conflict);
  Schedule longer = *sched;
  longer.weekly[0].intervals = {{9 * 60, 12 * 60}};
  REQUIRE(f.engine->update_schedule(sys(), f.tenant, longer).ok());
  CHECK(f.book(r, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)).ok());
  CHECK(f.engine->archive_schedule(sys(), f.tenant, sched->id).status().code() == Code::conflict);
}

TEST_CASE("past usage does not hold capacity up, and history does not weigh on new bookings") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 0));
  auto r = f.resource("hall", 2, "UTC", std::nullopt, hourly());
  REQUIRE(f.book(r.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), 2).ok());
  Resource lower = *f.engine->get_resource(sys(), f.tenant, r.id);
  lower.capacity = 1;
  CHECK(f.engine->update_resource(sys(), f.tenant, lower).status().code() == Code::conflict);
  f.clock->set(utc(2026, 2, 1));  // weeks later: the booking is history
  lower = *f.engine->get_resource(sys(), f.tenant, r.id);
  lower.capacity = 1;
  auto updated = f.engine->update_resource(sys(), f.tenant, lower);
  REQUIRE(updated.ok());
  CHECK(updated->capacity == 1);
  // The old reservation is still there, untouched.
  CHECK(f.engine->list_reservations(sys(), f.tenant, {})->size() == 1);
  CHECK(f.book(r.id, utc(2026, 2, 2, 10), utc(2026, 2, 2, 11)).ok());
}
