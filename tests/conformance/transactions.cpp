// Storage conformance for transactions: a write that fails, or a fault injected in the
// middle of one, keeps nothing, and a read transaction cannot write.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

TEST_CASE("conformance: a failed write keeps nothing - reads cannot write") {
  for_each_store([](std::shared_ptr<Storage> s) {
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto id, t.insert_tenant(tenant_row("a")));
      BOKA_RETURN_IF_ERROR(t.insert_resource(sample_resource(id)).status());
      return Status(Code::conflict, "changed my mind");
    });
    CHECK(st.code() == Code::conflict);
    CHECK(st.message() == "changed my mind");
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.list_tenants()->empty());
              CHECK(t.insert_tenant(tenant_row("b")).status().code() == Code::internal);
              return Status::Ok();
            }).ok());
    // The rolled-back name is free again.
    TenantId id{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(tenant_row("a")));
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
    auto engine =
        Engine::open(std::make_shared<FailingIdempotency>(inner), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "a"}).value();
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
