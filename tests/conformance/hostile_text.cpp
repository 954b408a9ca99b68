// Every value reaches SQL as a bound parameter, never as statement text: on every store, text
// full of SQL metacharacters round-trips byte for byte, and a login whose email or password
// is an injection attempt is just a failed login.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::conformance::for_each_store;

namespace {

const std::string kHostile = "x'); DROP TABLE reservations; -- \" OR '1'='1 $1 :p1 ? %s \\ ;";

}  // namespace

TEST_CASE("conformance: SQL metacharacters are data - they round-trip and inject nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    EngineOptions options;
    options.clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 9, 0));
    options.auth.argon2_memory_kib = 64;
    options.auth.argon2_iterations = 1;
    auto engine = Engine::open(s, options).value();
    auto tenant = engine->create_tenant(sys(), Tenant{TenantId{}, kHostile});
    REQUIRE(tenant.ok());
    CHECK(engine->get_tenant(sys(), tenant->id)->name == kHostile);
    Resource spec;
    spec.name = kHostile;
    spec.zone = "UTC";
    spec.metadata_json = R"({"floor":"x'); --"})";
    auto resource = engine->create_resource(sys(), tenant->id, spec);
    REQUIRE(resource.ok());
    CHECK(engine->get_resource(sys(), tenant->id, resource->id)->name == kHostile);

    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(resource->id)};
    req.start = utc(2026, 3, 3, 9);
    req.end = utc(2026, 3, 3, 10);
    req.customer = kHostile;
    req.idempotency_key = kHostile;
    req.metadata_json = R"({"note":"x'); DROP TABLE users; --"})";
    auto booked = engine->reserve(sys(), tenant->id, req);
    REQUIRE(booked.ok());
    auto again = engine->get_reservation(sys(), tenant->id, booked->id);
    REQUIRE(again.ok());
    CHECK(again->customer == kHostile);
    CHECK(again->idempotency_key == kHostile);
    CHECK(again->metadata_json == req.metadata_json);
    CHECK(engine->reserve(sys(), tenant->id, req)->id ==
          booked->id);  // the key matches itself only
    ReservationFilter by_customer;
    by_customer.customer = kHostile;
    CHECK(engine->list_reservations(sys(), tenant->id, by_customer)->size() == 1);
    by_customer.customer = "' OR '1'='1";
    CHECK(engine->list_reservations(sys(), tenant->id, by_customer)->empty());

    auto user = engine->auth().create_user(
        sys(), tenant->id,
        NewUser{"ann@example.com", kHostile, Role::staff, "correct horse battery"});
    REQUIRE(user.ok());
    CHECK(engine->auth().get_user(sys(), tenant->id, user->id)->display_name == kHostile);
    for (const auto& [email, password] : std::vector<std::pair<std::string, std::string>>{
             {"ann@example.com' --", "anything at all"},
             {"x@y' OR '1'='1", "' OR '1'='1' OR '"},
             {"ann@example.com", "' OR '1'='1' -- x"}}) {
      auto r = engine->auth().login(LoginRequest{tenant->id, email, password, "", ""});
      CHECK(r.status().code() == Code::unauthenticated);
    }
    CHECK(engine->auth()
              .login(LoginRequest{tenant->id, "ann@example.com", "correct horse battery", "", ""})
              .ok());
  });
}
