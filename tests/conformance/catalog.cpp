// Storage conformance for the catalog: tenants, resources, schedules and pools round trip
// field by field, names are unique, and one tenant's rows stay out of another's reads.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

TEST_CASE("conformance: tenants round trip and names are unique") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId id{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(tenant_row("acme", utc(2026, 1, 1))));
              return Status::Ok();
            }).ok());
    CHECK(id > 0);
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_tenant(tenant_row("acme", utc(2026, 1, 1))).status();
    });
    CHECK(dup.code() == Code::already_exists);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_tenant(id);
              REQUIRE(found.ok());
              REQUIRE(found->has_value());
              CHECK((*found)->name == "acme");
              CHECK((*found)->created_at == utc(2026, 1, 1));
              CHECK(t.list_tenants()->size() == 1);
              CHECK_FALSE(t.find_tenant(TenantId{id + 100})->has_value());
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: every resource field round trips - other tenants see nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId rid{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
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
    TenantId tenant{};
    ScheduleId sid{};
    PoolId pid{};
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
              BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(tenant_row("a")));
              sched.tenant = tenant;
              BOKA_ASSIGN_OR_RETURN(sid, t.insert_schedule(sched));
              members.clear();
              for (int i = 0; i < 3; ++i) {
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_resource(sample_resource(tenant)));
                members.push_back(id);
              }
              std::reverse(members.begin(), members.end());
              BOKA_ASSIGN_OR_RETURN(
                  pid, t.insert_pool(Pool{PoolId{}, tenant, "p", members, std::nullopt, 1}));
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
