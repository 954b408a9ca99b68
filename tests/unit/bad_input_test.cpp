// Bad input: each refused with a clear error naming what is wrong, and nothing written
// (checked by reading the store back), on the embedded SQLite default.
#include <catch2/catch.hpp>

#include <limits>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

struct BadInput {
  TempDb db;
  Fixture f{db.uri(), utc(2026, 1, 5, 0)};
  ResourceId room{};
  BadInput() {
    Policy p;
    p.slot_step = hours(1);
    room = f.resource("room", 2, "Europe/Berlin", std::nullopt, p).id;
  }
  std::size_t reservations() {
    auto all = f.engine->list_reservations(sys(), f.tenant, {});
    REQUIRE(all.ok());
    return all->size();
  }
  ReserveRequest req(Instant start, Instant end, int quantity = 1) {
    ReserveRequest r;
    r.allocations = {AllocationRequest::of_resource(room, quantity)};
    r.start = start;
    r.end = end;
    return r;
  }
};

void refused(const Status& st, Code code, const std::string& names) {
  INFO(st.to_string());
  CHECK(st.code() == code);
  CHECK_THAT(st.message(), Catch::Contains(names));
}

}  // namespace

TEST_CASE("end <= start is refused naming end") {
  BadInput b;
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 10)))
              .status(),
          Code::invalid_argument, "end");
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 9)))
              .status(),
          Code::invalid_argument, "must be after start");
  CHECK(b.reservations() == 0);
}

TEST_CASE("capacity or quantity <= 0 and quantity > capacity are refused") {
  BadInput b;
  Resource spec;
  spec.name = "zero";
  spec.zone = "UTC";
  spec.capacity = 0;
  refused(b.f.engine->create_resource(sys(), b.f.tenant, spec).status(), Code::invalid_argument,
          "resource.capacity");
  CHECK(b.f.engine->list_resources(sys(), b.f.tenant)->size() == 1);
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), 0))
              .status(),
          Code::invalid_argument, "allocations[0].quantity");
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), 3))
              .status(),
          Code::invalid_argument, "allocations[0].quantity");
  CHECK(b.reservations() == 0);
}

TEST_CASE("an unknown zone is refused naming resource.zone") {
  BadInput b;
  Resource spec;
  spec.name = "x";
  spec.zone = "Europe/Atlantis";
  refused(b.f.engine->create_resource(sys(), b.f.tenant, spec).status(), Code::invalid_argument,
          "resource.zone");
  CHECK(b.f.engine->list_resources(sys(), b.f.tenant)->size() == 1);
}

TEST_CASE("an unknown resource is refused naming the allocation") {
  BadInput b;
  ReserveRequest r = b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  r.allocations[0].resource = ResourceId{999};
  refused(b.f.engine->reserve(sys(), b.f.tenant, r).status(), Code::not_found,
          "allocations[0].resource");
  CHECK(b.reservations() == 0);
}

TEST_CASE("a range beyond the limit is refused") {
  BadInput b;
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(b.room)};
  q.from = utc(2026, 1, 1);
  q.to = utc(2027, 6, 1);
  q.duration = hours(1);
  refused(b.f.engine->availability(sys(), b.f.tenant, q).status(), Code::invalid_argument,
          "400 days");
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6), utc(2027, 6, 1))).status(),
          Code::invalid_argument, "end");
  CHECK(b.reservations() == 0);
}

TEST_CASE("a malformed storage URI is refused and leaks nothing") {
  for (const char* uri : {"", "sqlite:", "mysql://db", "sqlite:x.db?durability=maybe",
                          "sqlite:x.db?pool_size=0", "sqlite:x.db?color=blue"}) {
    auto e = Engine::open(uri);
    INFO(uri);
    CHECK(e.status().code() == Code::invalid_argument);
    CHECK_THAT(e.status().message(), Catch::Contains("storage URI"));
  }
  auto secret = Engine::open("postgersql://boka:hunter2@db/boka");
  CHECK(secret.status().code() == Code::invalid_argument);
  CHECK_THAT(secret.status().message(), !Catch::Contains("hunter2"));
}

TEST_CASE("SqliteOptions open the same store as a URI and are checked the same way") {
  test::TempDb db;
  SqliteOptions options;
  options.path = db.path();
  options.durability = Durability::normal;
  options.pool_size = 2;
  auto store = open_sqlite_storage(options);
  REQUIRE(store.ok());
  auto engine = Engine::open(*store).value();
  CHECK(engine->operations().storage_info().dialect == "sqlite");
  CHECK(engine->operations().storage_info().location == db.path());
  CHECK(engine->operations().storage_info().schema_version > 0);

  const auto refused_with = [](SqliteOptions bad, const char* what) {
    auto r = open_sqlite_storage(bad);
    INFO(what);
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK_THAT(r.status().message(), Catch::Contains(what));
  };
  SqliteOptions bad = options;
  bad.path = "";
  refused_with(bad, "path");
  bad.path = "has space.db";
  refused_with(bad, "spaces");
  bad = options;
  bad.pool_size = 0;
  refused_with(bad, "pool_size");
  bad = options;
  bad.busy_timeout_ms = -1;
  refused_with(bad, "busy_timeout_ms");
}

TEST_CASE("overlapping schedule rules are refused and nothing is stored") {
  BadInput b;
  Schedule s;
  s.name = "bad";
  s.weekly.push_back({Weekday::monday, {{540, 720}, {700, 800}}});
  refused(b.f.engine->create_schedule(sys(), b.f.tenant, s).status(), Code::invalid_argument,
          "schedule.weekly[monday]");
  CHECK(b.f.engine->list_schedules(sys(), b.f.tenant)->empty());
}

TEST_CASE("rescheduling a cancelled reservation is refused") {
  BadInput b;
  auto r = b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)));
  REQUIRE(r.ok());
  REQUIRE(b.f.engine->cancel(sys(), b.f.tenant, r->id).ok());
  refused(b.f.engine->reschedule(sys(), b.f.tenant, r->id, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13))
              .status(),
          Code::conflict, "cancelled");
  auto after = b.f.engine->get_reservation(sys(), b.f.tenant, r->id);
  CHECK(after->start == utc(2026, 1, 6, 10));
  CHECK(after->status == ReservationStatus::cancelled);
}

TEST_CASE("confirming an expired hold is refused") {
  BadInput b;
  ReserveRequest req = b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  req.hold_for = minutes(5);
  auto r = b.f.engine->reserve(sys(), b.f.tenant, req);
  REQUIRE(r.ok());
  b.f.clock->advance(minutes(6));
  refused(b.f.engine->confirm(sys(), b.f.tenant, r->id).status(), Code::conflict, "expired");
  CHECK(b.f.engine->get_reservation(sys(), b.f.tenant, r->id)->status ==
        ReservationStatus::expired);
}

TEST_CASE("lowering capacity below what reservations use is refused") {
  BadInput b;
  REQUIRE(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), 2))
              .ok());
  auto cur = b.f.engine->get_resource(sys(), b.f.tenant, b.room);
  Resource lower = *cur;
  lower.capacity = 1;
  refused(b.f.engine->update_resource(sys(), b.f.tenant, lower).status(), Code::conflict,
          "resource.capacity");
  CHECK(b.f.engine->get_resource(sys(), b.f.tenant, b.room)->capacity == 2);
}

TEST_CASE("booking an archived resource is refused") {
  BadInput b;
  REQUIRE(b.f.engine->archive_resource(sys(), b.f.tenant, b.room).ok());
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)))
              .status(),
          Code::conflict, "archived");
  CHECK(b.reservations() == 0);
}

TEST_CASE("malformed metadata and off-grid starts are refused") {
  BadInput b;
  ReserveRequest r = b.req(utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  r.metadata_json = "{not json";
  refused(b.f.engine->reserve(sys(), b.f.tenant, r).status(), Code::invalid_argument,
          "metadata_json");
  r.metadata_json = "[1,2]";
  refused(b.f.engine->reserve(sys(), b.f.tenant, r).status(), Code::invalid_argument,
          "JSON object");
  refused(
      b.f.engine->reserve(sys(), b.f.tenant, b.req(utc(2026, 1, 6, 10, 7), utc(2026, 1, 6, 11, 7)))
          .status(),
      Code::invalid_argument, "off_grid");
  CHECK(b.reservations() == 0);
}

TEST_CASE("a newer schema is refused with a clear message") {
  TempDb db;
  { REQUIRE(Engine::open(db.uri()).ok()); }
  // Simulate a database written by a future boka.
  std::string cmd = "sqlite3 " + db.path() + " \"INSERT INTO boka_schema VALUES (999, 0)\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto e = Engine::open(db.uri());
  CHECK(e.status().code() == Code::storage);
  CHECK_THAT(e.status().message(),
             Catch::Contains("schema version 999") && Catch::Contains("newer"));
}

TEST_CASE("instants outside 1900..9999 and absurd durations are refused naming the field") {
  BadInput b;
  const Instant far = from_unix(std::numeric_limits<std::int64_t>::max() / 2);
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(far, far + hours(1))).status(),
          Code::invalid_argument, "start: must lie between 1900-01-01 and 9999-12-31");
  refused(b.f.engine->reserve(sys(), b.f.tenant, b.req(from_unix(-4000000000), utc(2026, 1, 6)))
              .status(),
          Code::invalid_argument, "start");
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(b.room)};
  q.from = utc(2026, 1, 6);
  q.to = utc(2026, 1, 7);
  q.duration = Seconds(std::numeric_limits<std::int64_t>::max() / 4);
  refused(b.f.engine->availability(sys(), b.f.tenant, q).status(), Code::invalid_argument,
          "query.duration");
  refused(b.f.engine->explain(sys(), b.f.tenant, q.requests, far, hours(1)).status(),
          Code::invalid_argument, "start");
  CHECK(b.reservations() == 0);
}
