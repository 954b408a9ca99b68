// Services and booking rules through the engine (boka/service.hpp, boka/rules.hpp), on
// memory and on a real SQLite file: a service books its allocations for its duration with
// its price, its longer buffers and notice; cutoffs refuse late changes unless staff
// override them (audited); per-customer limits count per tenant, resource, service and day;
// the tenant's longest hold; and bad configuration is refused with nothing stored.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

#define store_uri(db)                                                                   \
  (GENERATE(as<std::string>{}, "memory", "sqlite") == "memory" ? std::string("memory:") \
                                                               : (db).uri())

// A shop: an engine with cheap password hashing, so tests can log users in.
struct Shop {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  TenantId tenant{};

  explicit Shop(const std::string& uri, Instant now = utc(2026, 3, 2, 8)) {
    clock = std::make_shared<ManualClock>(now);
    EngineOptions options{clock};
    options.auth.argon2_memory_kib = 64;
    options.auth.argon2_iterations = 1;
    engine = Engine::open(uri, options).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "salon"}).value().id;
  }

  Resource resource(const std::string& name, int capacity = 1, Policy policy = {},
                    BookingRules rules = {}) {
    Resource spec;
    spec.name = name;
    spec.zone = "Europe/Berlin";
    spec.capacity = capacity;
    spec.policy = policy;
    spec.rules = rules;
    auto r = engine->create_resource(sys(), tenant, spec);
    if (!r.ok()) throw std::runtime_error(r.status().to_string());
    return *r;
  }

  // A user of the tenant with `role`, logged in.
  Principal user(const std::string& email, Role role) {
    const std::string password = "correct horse battery";
    auto u = engine->auth().create_user(sys(), tenant, NewUser{email, "", role, password});
    if (!u.ok()) throw std::runtime_error(u.status().to_string());
    auto login = engine->auth().login(LoginRequest{tenant, email, password});
    if (!login.ok()) throw std::runtime_error(login.status().to_string());
    return login->principal;
  }

  Result<Reservation> book(const Principal& who, ResourceId room, Instant start, Instant end,
                           const std::string& customer = "") {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = start;
    req.end = end;
    req.customer = customer;
    return engine->reserve(who, tenant, req);
  }

  Result<Reservation> book_service(const Principal& who, ServiceId service, Instant start,
                                   const std::string& customer = "",
                                   std::optional<Instant> end = std::nullopt) {
    ReserveRequest req;
    req.service = service;
    req.start = start;
    if (end) req.end = *end;
    req.customer = customer;
    return engine->reserve(who, tenant, req);
  }

  std::vector<AuditRecord> audit(const std::string& action) {
    AuditQuery q;
    q.tenant = tenant;
    q.action = action;
    return engine->operations().audit_records(sys(), q).value();
  }
};

Service haircut(PoolId stylists, ResourceId chair) {
  Service s;
  s.name = "Haircut";
  s.duration = minutes(45);
  s.allowed_durations = {minutes(60)};
  s.allocations = {AllocationRequest::of_pool(stylists), AllocationRequest::of_resource(chair)};
  s.buffer_after = minutes(15);
  s.price_minor = 3500;
  s.currency = "EUR";
  return s;
}

}  // namespace

TEST_CASE("services: a service books one stylist from the pool and a chair, for its duration") {
  TempDb db;
  Shop shop(store_uri(db));
  auto ana = shop.resource("Ana").id;
  auto ben = shop.resource("Ben").id;
  auto chair1 = shop.resource("Chair 1", 2).id;
  auto stylists = shop.engine->create_pool(sys(), shop.tenant,
                                           Pool{PoolId{}, TenantId{}, "Stylists", {ana, ben}});
  REQUIRE(stylists.ok());
  auto created = shop.engine->services().create(sys(), shop.tenant, haircut(stylists->id, chair1));
  REQUIRE(created.ok());
  CHECK(created->version == 1);

  // No end: the service's duration.
  auto first = shop.book_service(sys(), created->id, utc(2026, 3, 3, 9));
  REQUIRE(first.ok());
  CHECK(first->end == utc(2026, 3, 3, 9, 45));
  CHECK(first->service == created->id);
  CHECK(first->price_minor == 3500);
  CHECK(first->currency == "EUR");
  REQUIRE(first->allocations.size() == 2);
  CHECK(first->allocations[0].resource == ana);
  CHECK(first->allocations[0].pool == stylists->id);
  CHECK(first->allocations[1].resource == chair1);
  // The same start again: Ana is taken, so Ben; the chair has room for two.
  auto second = shop.book_service(sys(), created->id, utc(2026, 3, 3, 9));
  REQUIRE(second.ok());
  CHECK(second->allocations[0].resource == ben);
  // A third: no stylist is free.
  CHECK(shop.book_service(sys(), created->id, utc(2026, 3, 3, 9)).status().code() ==
        Code::conflict);
  // An allowed longer duration, and one the service does not offer.
  CHECK(shop.book_service(sys(), created->id, utc(2026, 3, 4, 9), "", utc(2026, 3, 4, 10)).ok());
  auto odd =
      shop.book_service(sys(), created->id, utc(2026, 3, 4, 12), "", utc(2026, 3, 4, 12, 30));
  CHECK(odd.status().code() == Code::invalid_argument);
  CHECK_THAT(odd.status().message(), Catch::Contains("allows 2700, 3600 s"));
  // Allocations and a service together are refused.
  ReserveRequest both;
  both.service = created->id;
  both.allocations = {AllocationRequest::of_resource(chair1)};
  both.start = utc(2026, 3, 5, 9);
  CHECK(shop.engine->reserve(sys(), shop.tenant, both).status().code() == Code::invalid_argument);
}

TEST_CASE("services: a service's longer buffer keeps blocking its neighbours, across restarts") {
  TempDb db;
  const std::string uri = store_uri(db);
  Shop shop(uri);
  auto room = shop.resource("Room").id;
  Service s;
  s.name = "Deep clean";
  s.duration = hours(1);
  s.allocations = {AllocationRequest::of_resource(room)};
  s.buffer_after = minutes(30);
  s.buffer_before = minutes(15);
  auto clean = shop.engine->services().create(sys(), shop.tenant, s).value();
  REQUIRE(shop.book_service(sys(), clean.id, utc(2026, 3, 3, 10)).ok());

  // Plain bookings of the room meet the service's buffers, not the room's (none).
  CHECK(shop.book(sys(), room, utc(2026, 3, 3, 11), utc(2026, 3, 3, 11, 15)).status().code() ==
        Code::conflict);
  CHECK(shop.book(sys(), room, utc(2026, 3, 3, 9, 45), utc(2026, 3, 3, 10)).status().code() ==
        Code::conflict);
  CHECK(shop.book(sys(), room, utc(2026, 3, 3, 11, 30), utc(2026, 3, 3, 12)).ok());
  CHECK(shop.book(sys(), room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 9, 45)).ok());

  // Availability by service applies them too: before 10:00 only if 15 min stay clear.
  AvailabilityQuery q;
  q.service = clean.id;
  q.from = utc(2026, 3, 3, 12);
  q.to = utc(2026, 3, 3, 15);
  auto slots = shop.engine->availability(sys(), shop.tenant, q);
  REQUIRE(slots.ok());
  REQUIRE(!slots->empty());
  // The room is booked until 12:00 and the service needs 15 minutes clear before its start.
  CHECK(slots->front().start == utc(2026, 3, 3, 12, 15));
  CHECK(slots->front().end == utc(2026, 3, 3, 13, 15));

  // Changing the service later does not change what an existing booking occupies.
  clean.buffer_after = Seconds(0);
  REQUIRE(shop.engine->services().update(sys(), shop.tenant, clean).ok());
  // A fresh engine over the same store rebuilds its indexes from the stored bookings.
  if (uri != "memory:") {
    auto again = Engine::open(uri, EngineOptions{shop.clock}).value();
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = utc(2026, 3, 3, 11, 15);
    req.end = utc(2026, 3, 3, 11, 30);
    CHECK(again->reserve(sys(), shop.tenant, req).status().code() == Code::conflict);
  }
  CHECK(shop.book(sys(), room, utc(2026, 3, 3, 11, 15), utc(2026, 3, 3, 11, 30)).status().code() ==
        Code::conflict);
}

TEST_CASE("services: notice tightens, staff-only services are hidden from customers") {
  TempDb db;
  Shop shop(store_uri(db));
  auto room = shop.resource("Room").id;
  Service s;
  s.name = "Consultation";
  s.duration = hours(1);
  s.allocations = {AllocationRequest::of_resource(room)};
  s.min_notice = hours(24);
  auto consult = shop.engine->services().create(sys(), shop.tenant, s).value();
  s.name = "Internal";
  s.min_notice = Seconds(0);
  s.customer_bookable = false;
  auto internal = shop.engine->services().create(sys(), shop.tenant, s).value();

  auto late = shop.book_service(sys(), consult.id, utc(2026, 3, 2, 20));
  CHECK(late.status().code() == Code::conflict);
  CHECK_THAT(late.status().message(), Catch::Contains("min_notice (86400 s)"));
  CHECK(shop.book_service(sys(), consult.id, utc(2026, 3, 3, 9)).ok());
  // The room alone has no notice.
  CHECK(shop.book(sys(), room, utc(2026, 3, 2, 20), utc(2026, 3, 2, 21)).ok());

  const Principal carla = shop.user("carla@example.com", Role::customer);
  auto seen = shop.engine->services().list(carla, shop.tenant);
  REQUIRE(seen.ok());
  REQUIRE(seen->size() == 1);
  CHECK(seen->front().id == consult.id);
  CHECK(shop.engine->services().get(carla, shop.tenant, internal.id).status().code() ==
        Code::not_found);
  CHECK(shop.book_service(carla, internal.id, utc(2026, 3, 5, 9)).status().code() ==
        Code::not_found);
  CHECK(shop.book_service(sys(), internal.id, utc(2026, 3, 5, 9)).ok());
  // Customers may not configure services.
  CHECK(shop.engine->services().create(carla, shop.tenant, s).status().code() ==
        Code::permission_denied);
}

TEST_CASE("services: archived services take no bookings and keep theirs readable") {
  TempDb db;
  Shop shop(store_uri(db));
  auto room = shop.resource("Room").id;
  Service s;
  s.name = "Massage";
  s.duration = hours(1);
  s.allocations = {AllocationRequest::of_resource(room)};
  auto massage = shop.engine->services().create(sys(), shop.tenant, s).value();
  auto booked = shop.book_service(sys(), massage.id, utc(2026, 3, 3, 9)).value();
  auto archived = shop.engine->services().archive(sys(), shop.tenant, massage.id);
  REQUIRE(archived.ok());
  CHECK(archived->archived_at.has_value());
  CHECK(shop.engine->services().archive(sys(), shop.tenant, massage.id)->version ==
        archived->version);  // idempotent
  auto refused = shop.book_service(sys(), massage.id, utc(2026, 3, 4, 9));
  CHECK(refused.status().code() == Code::conflict);
  CHECK_THAT(refused.status().message(), Catch::Contains("archived"));
  auto read = shop.engine->get_reservation(sys(), shop.tenant, booked.id);
  REQUIRE(read.ok());
  CHECK(read->service == massage.id);
  CHECK(shop.engine->services().get(sys(), shop.tenant, massage.id).ok());
  CHECK(shop.engine->services().list(sys(), shop.tenant)->empty());
  CHECK(shop.engine->services().list(sys(), shop.tenant, true)->size() == 1);
  ReservationFilter f;
  f.service = massage.id;
  CHECK(shop.engine->list_reservations(sys(), shop.tenant, f)->size() == 1);
  // Availability of an archived service is empty, not an error.
  AvailabilityQuery q;
  q.service = massage.id;
  q.from = utc(2026, 3, 4);
  q.to = utc(2026, 3, 5);
  CHECK(shop.engine->availability(sys(), shop.tenant, q)->empty());
}

TEST_CASE("services: bad configuration is refused, naming the field, with nothing stored") {
  TempDb db;
  Shop shop(store_uri(db));
  Policy horizon;
  horizon.max_horizon = hours(24 * 30);
  auto room = shop.resource("Room", 1, horizon).id;
  auto old_room = shop.resource("Old").id;
  auto pool =
      shop.engine->create_pool(sys(), shop.tenant, Pool{PoolId{}, TenantId{}, "P", {room}}).value();
  REQUIRE(shop.engine->archive_pool(sys(), shop.tenant, pool.id).ok());
  REQUIRE(shop.engine->archive_resource(sys(), shop.tenant, old_room).ok());
  Service good;
  good.name = "Good";
  good.duration = hours(1);
  good.allocations = {AllocationRequest::of_resource(room)};

  const auto refused = [&](Service s, const std::string& field) {
    auto r = shop.engine->services().create(sys(), shop.tenant, s);
    INFO(field << ": " << r.status().to_string());
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK_THAT(r.status().message(), Catch::Contains(field));
  };
  Service s = good;
  s.allocations = {AllocationRequest::of_pool(pool.id)};
  refused(s, "service.allocations[0].pool");
  s = good;
  s.allocations = {AllocationRequest::of_resource(old_room)};
  refused(s, "is archived");
  s = good;
  s.allocations = {AllocationRequest::of_resource(ResourceId{987654})};
  refused(s, "not found");
  s = good;
  s.price_minor = -1;
  s.currency = "EUR";
  refused(s, "service.price_minor");
  s = good;
  s.price_minor = 100;
  refused(s, "service.currency");
  s = good;
  s.currency = "eur";
  refused(s, "service.currency");
  s = good;
  s.rules.cancel_cutoff = hours(24 * 40);
  refused(s, "service.rules.cancel_cutoff");
  s = good;
  s.duration = Seconds(0);
  refused(s, "service.duration");
  s = good;
  s.allowed_durations = {hours(1)};
  refused(s, "service.allowed_durations[0]");
  s = good;
  s.buffer_after = hours(25);
  refused(s, "service.buffer_after");
  s = good;
  s.allocations.clear();
  refused(s, "service.allocations");
  s = good;
  s.name = "";
  refused(s, "service.name");
  CHECK(shop.engine->services().list(sys(), shop.tenant, true)->empty());
  // A resource's cutoff longer than its horizon too.
  Resource r;
  r.name = "Short horizon";
  r.zone = "UTC";
  r.policy.max_horizon = hours(12);
  r.rules.reschedule_cutoff = hours(24);
  auto bad = shop.engine->create_resource(sys(), shop.tenant, r);
  CHECK(bad.status().code() == Code::invalid_argument);
  CHECK_THAT(bad.status().message(), Catch::Contains("resource.rules.reschedule_cutoff"));
  // Update guards its version.
  auto made = shop.engine->services().create(sys(), shop.tenant, good).value();
  made.version = 7;
  CHECK(shop.engine->services().update(sys(), shop.tenant, made).status().code() == Code::conflict);
}

TEST_CASE("rules: the cancel cutoff refuses late cancels, staff may override, audited") {
  TempDb db;
  Shop shop(store_uri(db));
  BookingRules rules;
  rules.cancel_cutoff = hours(24);
  auto room = shop.resource("Room", 5, {}, rules).id;
  const Principal carla = shop.user("carla@example.com", Role::customer);
  const Principal sam = shop.user("sam@example.com", Role::staff);

  auto soon = shop.book(carla, room, utc(2026, 3, 3, 6), utc(2026, 3, 3, 7)).value();  // in 22 h
  auto later = shop.book(carla, room, utc(2026, 3, 4, 9), utc(2026, 3, 4, 10)).value();

  auto refused = shop.engine->cancel(carla, shop.tenant, soon.id);
  REQUIRE(refused.status().code() == Code::conflict);
  REQUIRE(refused.status().conflict() != nullptr);
  CHECK(refused.status().conflict()->rule == "cancel_cutoff");
  CHECK(refused.status().conflict()->deadline == utc(2026, 3, 2, 6));
  CHECK_THAT(refused.status().message(), Catch::Contains("2026-03-02T06:00:00Z"));
  CHECK_THAT(refused.status().message(), Catch::Contains("resource " + std::to_string(room)));
  CHECK(shop.engine->get_reservation(sys(), shop.tenant, soon.id)->status ==
        ReservationStatus::confirmed);
  // Outside the cutoff: fine.
  CHECK(shop.engine->cancel(carla, shop.tenant, later.id).ok());
  // A customer cannot override.
  CHECK(shop.engine->cancel(carla, shop.tenant, soon.id, ChangeGuard{std::nullopt, true})
            .status()
            .code() == Code::permission_denied);
  // Staff are bound too until they say so.
  CHECK(shop.engine->cancel(sam, shop.tenant, soon.id).status().code() == Code::conflict);
  auto overridden = shop.engine->cancel(sam, shop.tenant, soon.id, ChangeGuard{std::nullopt, true});
  REQUIRE(overridden.ok());
  CHECK(overridden->status == ReservationStatus::cancelled);
  auto records = shop.audit("reservation.cancel");
  REQUIRE(!records.empty());
  const AuditRecord& last = records.back();
  CHECK(last.outcome == AuditOutcome::success);
  CHECK(last.actor == sam.name());
  CHECK_THAT(last.detail_json, Catch::Contains("\"overridden\":[\"cancel_cutoff\"]"));

  // A hold may always be let go.
  ReserveRequest hold;
  hold.allocations = {AllocationRequest::of_resource(room)};
  hold.start = utc(2026, 3, 2, 12);
  hold.end = utc(2026, 3, 2, 13);
  hold.hold_for = minutes(10);
  auto held = shop.engine->reserve(carla, shop.tenant, hold).value();
  CHECK(shop.engine->cancel(carla, shop.tenant, held.id).ok());
}

TEST_CASE("rules: the reschedule cutoff guards both the old and the new start") {
  TempDb db;
  Shop shop(store_uri(db));
  BookingRules rules;
  rules.reschedule_cutoff = hours(12);
  auto room = shop.resource("Room", 5, {}, rules).id;
  auto booked = shop.book(sys(), room, utc(2026, 3, 5, 9), utc(2026, 3, 5, 10)).value();
  // Moving into the cutoff window is refused too.
  auto into = shop.engine->reschedule(sys(), shop.tenant, booked.id, utc(2026, 3, 2, 15),
                                      utc(2026, 3, 2, 16));
  CHECK(into.status().code() == Code::conflict);
  CHECK(into.status().conflict()->rule == "reschedule_cutoff");
  auto moved = shop.engine->reschedule(sys(), shop.tenant, booked.id, utc(2026, 3, 3, 9),
                                       utc(2026, 3, 3, 10));
  REQUIRE(moved.ok());
  shop.clock->set(utc(2026, 3, 2, 22));  // 11 h before
  auto late = shop.engine->reschedule(sys(), shop.tenant, booked.id, utc(2026, 3, 6, 9),
                                      utc(2026, 3, 6, 10));
  CHECK(late.status().code() == Code::conflict);
  CHECK(late.status().conflict()->deadline == utc(2026, 3, 2, 21));
  // Editing notes is not a move: allowed at any time.
  ReservationUpdate notes;
  notes.notes = "bring the key";
  CHECK(shop.engine->update_reservation(sys(), shop.tenant, booked.id, notes).ok());
  ReservationUpdate move;
  move.start = utc(2026, 3, 6, 9);
  move.guard.override_rules = true;
  auto forced = shop.engine->update_reservation(sys(), shop.tenant, booked.id, move);
  REQUIRE(forced.ok());
  CHECK(forced->start == utc(2026, 3, 6, 9));
  CHECK(forced->end == utc(2026, 3, 6, 10));
}

TEST_CASE("rules: per-customer limits count per tenant, resource, service and local day") {
  TempDb db;
  Shop shop(store_uri(db));
  BookingRules per_room;
  per_room.max_per_customer_per_day = 1;
  auto court = shop.resource("Court", 10, {}, per_room).id;
  auto gym = shop.resource("Gym", 10).id;
  TenantRules tenant_rules;
  tenant_rules.rules.max_active_per_customer = 3;
  auto tenant = shop.engine->get_tenant(sys(), shop.tenant).value();
  REQUIRE(shop.engine->update_tenant_rules(sys(), shop.tenant, tenant_rules, tenant.version).ok());

  // One court booking per local day (Europe/Berlin): 23:30 UTC is already the next day.
  REQUIRE(shop.book(sys(), court, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), "dora").ok());
  auto same_day = shop.book(sys(), court, utc(2026, 3, 3, 15), utc(2026, 3, 3, 16), "dora");
  CHECK(same_day.status().code() == Code::conflict);
  CHECK(same_day.status().conflict()->rule == "max_per_customer_per_day");
  CHECK_THAT(same_day.status().message(), Catch::Contains("2026-03-03"));
  CHECK_THAT(same_day.status().message(), Catch::Contains("resource " + std::to_string(court)));
  CHECK(shop.book(sys(), court, utc(2026, 3, 3, 23, 30), utc(2026, 3, 4, 0), "dora").ok());
  // Someone else is not limited by dora's bookings; the gym has no daily limit.
  CHECK(shop.book(sys(), court, utc(2026, 3, 3, 15), utc(2026, 3, 3, 16), "emil").ok());
  CHECK(shop.book(sys(), gym, utc(2026, 3, 3, 15), utc(2026, 3, 3, 16), "dora").ok());
  // The tenant allows three active bookings per customer.
  auto fourth = shop.book(sys(), gym, utc(2026, 3, 5, 15), utc(2026, 3, 5, 16), "dora");
  CHECK(fourth.status().code() == Code::conflict);
  CHECK(fourth.status().conflict()->rule == "max_active_per_customer");
  CHECK_THAT(fourth.status().message(), Catch::Contains("the tenant allows at most 3"));
  // Staff may override, and the record says so.
  ReserveRequest forced;
  forced.allocations = {AllocationRequest::of_resource(gym)};
  forced.start = utc(2026, 3, 5, 15);
  forced.end = utc(2026, 3, 5, 16);
  forced.customer = "dora";
  forced.override_rules = true;
  auto made = shop.engine->reserve(sys(), shop.tenant, forced);
  REQUIRE(made.ok());
  CHECK_THAT(shop.audit("reservation.reserve").back().detail_json,
             Catch::Contains("max_active_per_customer"));
  // A cancelled or finished booking no longer counts.
  REQUIRE(shop.engine->cancel(sys(), shop.tenant, made->id).ok());
  CHECK(shop.book(sys(), gym, utc(2026, 3, 5, 15), utc(2026, 3, 5, 16), "dora").status().code() ==
        Code::conflict);
  shop.clock->set(utc(2026, 3, 4, 1));  // the 3 March bookings have ended
  CHECK(shop.book(sys(), gym, utc(2026, 3, 5, 15), utc(2026, 3, 5, 16), "dora").ok());
  // Bookings without a customer are never limited.
  for (int i = 0; i < 5; ++i) {
    CHECK(shop.book(sys(), gym, utc(2026, 3, 6, 9 + i), utc(2026, 3, 6, 10 + i)).ok());
  }
}

TEST_CASE("rules: a service's limit counts only that service's bookings") {
  TempDb db;
  Shop shop(store_uri(db));
  auto room = shop.resource("Room", 10).id;
  Service s;
  s.name = "Trial lesson";
  s.duration = hours(1);
  s.allocations = {AllocationRequest::of_resource(room)};
  s.rules.max_active_per_customer = 1;
  auto trial = shop.engine->services().create(sys(), shop.tenant, s).value();
  REQUIRE(shop.book_service(sys(), trial.id, utc(2026, 3, 3, 9), "fay").ok());
  auto again = shop.book_service(sys(), trial.id, utc(2026, 3, 4, 9), "fay");
  CHECK(again.status().code() == Code::conflict);
  CHECK_THAT(again.status().message(), Catch::Contains("service " + std::to_string(trial.id)));
  // Plain bookings of the same room are not the service's.
  CHECK(shop.book(sys(), room, utc(2026, 3, 4, 9), utc(2026, 3, 4, 10), "fay").ok());
}

TEST_CASE("rules: the tenant's longest hold, and who may set the tenant's rules") {
  TempDb db;
  Shop shop(store_uri(db));
  auto room = shop.resource("Room").id;
  const Principal sam = shop.user("sam@example.com", Role::staff);
  auto tenant = shop.engine->get_tenant(sys(), shop.tenant).value();
  CHECK(tenant.max_hold == hours(24 * 30));
  TenantRules rules;
  rules.max_hold = minutes(10);
  CHECK(shop.engine->update_tenant_rules(sam, shop.tenant, rules, tenant.version).status().code() ==
        Code::permission_denied);
  rules.max_hold = Seconds(30);
  auto bad = shop.engine->update_tenant_rules(sys(), shop.tenant, rules, tenant.version);
  CHECK(bad.status().code() == Code::invalid_argument);
  CHECK_THAT(bad.status().message(), Catch::Contains("max_hold"));
  rules.max_hold = minutes(10);
  CHECK(shop.engine->update_tenant_rules(sys(), shop.tenant, rules, tenant.version + 5)
            .status()
            .code() == Code::conflict);
  auto set = shop.engine->update_tenant_rules(sys(), shop.tenant, rules, tenant.version);
  REQUIRE(set.ok());
  CHECK(set->max_hold == minutes(10));
  CHECK(shop.engine->get_tenant(sys(), shop.tenant)->max_hold == minutes(10));
  ReserveRequest hold;
  hold.allocations = {AllocationRequest::of_resource(room)};
  hold.start = utc(2026, 3, 3, 9);
  hold.end = utc(2026, 3, 3, 10);
  hold.hold_for = minutes(11);
  auto long_hold = shop.engine->reserve(sys(), shop.tenant, hold);
  CHECK(long_hold.status().code() == Code::invalid_argument);
  CHECK_THAT(long_hold.status().message(), Catch::Contains("max_hold"));
  hold.hold_for = minutes(10);
  CHECK(shop.engine->reserve(sys(), shop.tenant, hold).ok());
}
