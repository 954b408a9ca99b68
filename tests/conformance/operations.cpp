// Storage conformance for what the operations calls read: settings and table statistics.
#include <catch2/catch.hpp>

#include <map>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

TEST_CASE("conformance: settings round trip - overwrite - roll back") {
  for_each_store([](std::shared_ptr<Storage> s) {
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.worker", "100"));
              return t.put_setting("heartbeat.worker", "200");
            }).ok());
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.worker", "300"));
      BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.backup", "300"));
      return Status(Code::conflict, "no");
    });
    CHECK(st.code() == Code::conflict);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.get_setting("heartbeat.worker").value() == std::optional<std::string>("200"));
              CHECK_FALSE(t.get_setting("heartbeat.backup").value().has_value());
              CHECK(t.get_setting("").status().code() == Code::invalid_argument);
              CHECK(t.put_setting("x", "y").code() == Code::internal);  // a read transaction
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: table_stats counts the rows of every table") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    add_tenant(*s, "b");
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_RETURN_IF_ERROR(t.insert_user(plain_user(a, "ann@example.com")).status());
              AuditRecord r = record(a, utc(2026, 5, 1, 9), "system", "x.y", "");
              BOKA_RETURN_IF_ERROR(append(t, r));
              AuditRecord r2 = record(a, utc(2026, 5, 1, 9), "system", "x.y", "");
              BOKA_RETURN_IF_ERROR(append(t, r2));
              // Series and waitlist rows are counted too (since schema version 6).
              Series series;
              series.tenant = a;
              series.allocations = {AllocationRequest::of_resource(ResourceId{1})};
              BOKA_RETURN_IF_ERROR(t.insert_series(series).status());
              WaitlistEntry entry;
              entry.tenant = a;
              entry.allocations = {AllocationRequest::of_resource(ResourceId{1}),
                                   AllocationRequest::of_pool(PoolId{1})};
              BOKA_RETURN_IF_ERROR(t.insert_waitlist_entry(entry).status());
              BOKA_RETURN_IF_ERROR(t.insert_waitlist_entry(entry).status());
              // And services and customers (since schema version 7).
              Service service;
              service.tenant = a;
              service.name = "cut";
              service.duration = Seconds(3600);
              service.allocations = {AllocationRequest::of_resource(ResourceId{1})};
              BOKA_RETURN_IF_ERROR(t.insert_service(service).status());
              Customer customer;
              customer.tenant = a;
              customer.display_name = "Ann";
              BOKA_RETURN_IF_ERROR(t.insert_customer(customer).status());
              return t.insert_customer(customer).status();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto stats = t.table_stats().value();
              std::map<std::string, std::int64_t> rows;
              for (const auto& x : stats) {
                rows[x.table] = x.rows;
                CHECK(x.bytes >= 0);
              }
              CHECK(rows["tenants"] == 2);
              CHECK(rows["users"] == 1);
              CHECK(rows["audit_log"] == 2);
              CHECK(rows["reservations"] == 0);
              CHECK(rows["series"] == 1);
              CHECK(rows["waitlist_entries"] == 2);
              CHECK(rows["services"] == 1);
              CHECK(rows["customers"] == 2);
              // A store may keep side tables of its own (the SQL stores' waitlist_targets).
              if (rows.count("waitlist_targets")) CHECK(rows["waitlist_targets"] == 4);
              return Status::Ok();
            }).ok());
  });
}
