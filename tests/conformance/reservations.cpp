// Storage conformance for reservations: rows and allocations round trip, and the list
// filters, active bookings and lapsed holds return what the engine decides on.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

TEST_CASE("conformance: reservations, allocations, filters, bookings and holds") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant{};
    ResourceId r1{}, r2{};
    std::vector<ReservationId> ids;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids.clear();
              BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(tenant)));
              BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(tenant)));
              for (int i = 0; i < 6; ++i) {
                Reservation r;
                r.tenant = tenant;
                r.status =
                    i == 0 ? ReservationStatus::held
                           : (i == 5 ? ReservationStatus::cancelled : ReservationStatus::confirmed);
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
              CHECK_FALSE(t.find_idempotency(TenantId{tenant + 1}, "k1")->has_value());
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
