// Storage conformance for series rows (boka/series.hpp): every field round trips, the rule
// field by field, an update replaces the row, and one tenant's series stay out of another's
// reads.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

Series weekly_series(TenantId tenant) {
  Series s;
  s.tenant = tenant;
  s.allocations = {AllocationRequest::of_resource(ResourceId{7}, 2), AllocationRequest{}};
  s.allocations[1].resource.reset();
  s.allocations[1].pool = PoolId{3};
  s.first_date = LocalDate{2026, 3, 3};
  s.start_minute = 9 * 60;
  s.duration = std::chrono::minutes(45);
  s.zone = "Europe/Berlin";
  s.rule.frequency = Frequency::monthly;
  s.rule.interval = 2;
  s.rule.by_day = {WeekdayNum{Weekday::tuesday, 2}, WeekdayNum{Weekday::friday, -1}};
  s.rule.until = RecurrenceRule::Until::at_local(LocalDate{2027, 3, 1}, 9, 0);
  s.rule.week_start = Weekday::sunday;
  s.exdates = {LocalDate{2026, 5, 12}, LocalDate{2026, 7, 14}};
  s.customer = "cust-9 'O\"Brien'";
  s.metadata_json = R"({"source":"web","n":1})";
  s.created_at = s.updated_at = utc(2026, 3, 1, 8);
  return s;
}

void check_same(const Series& got, const Series& want) {
  CHECK(got.tenant == want.tenant);
  REQUIRE(got.allocations.size() == want.allocations.size());
  for (std::size_t i = 0; i < got.allocations.size(); ++i) {
    CHECK(got.allocations[i].resource == want.allocations[i].resource);
    CHECK(got.allocations[i].pool == want.allocations[i].pool);
    CHECK(got.allocations[i].quantity == want.allocations[i].quantity);
  }
  CHECK(got.first_date == want.first_date);
  CHECK(got.start_minute == want.start_minute);
  CHECK(got.duration == want.duration);
  CHECK(got.zone == want.zone);
  CHECK(got.rule == want.rule);
  CHECK(format_rrule(got.rule) == format_rrule(want.rule));
  CHECK(got.exdates == want.exdates);
  CHECK(got.customer == want.customer);
  CHECK(got.metadata_json == want.metadata_json);
  CHECK(got.split_from == want.split_from);
  CHECK(got.created_at == want.created_at);
  CHECK(got.updated_at == want.updated_at);
  CHECK(got.version == want.version);
}

}  // namespace

TEST_CASE("conformance: every series field round trips and updates - other tenants see nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    SeriesId first{}, second{};
    Series want = weekly_series(TenantId{});
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a", utc(2026, 1, 1))));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b", utc(2026, 1, 1))));
              want.tenant = a;
              BOKA_ASSIGN_OR_RETURN(first, t.insert_series(want));
              Series split = want;
              split.rule.until.reset();
              split.rule.count = 4;
              split.split_from = first;
              BOKA_ASSIGN_OR_RETURN(second, t.insert_series(split));
              return Status::Ok();
            }).ok());
    CHECK(second > first);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_series(a, first);
              REQUIRE(found.ok());
              REQUIRE(found->has_value());
              check_same(**found, want);
              auto other = t.find_series(a, second);
              REQUIRE(other.ok());
              REQUIRE(other->has_value());
              CHECK((*other)->split_from == first);
              CHECK((*other)->rule.count == 4);
              CHECK_FALSE((*other)->rule.until.has_value());
              // Another tenant's id reads as absent.
              CHECK_FALSE(t.find_series(b, first)->has_value());
              CHECK_FALSE(t.find_series(a, SeriesId{second + 100})->has_value());
              return Status::Ok();
            }).ok());
    // An update replaces every field but the keys.
    Series changed = want;
    changed.id = first;
    changed.rule.until = RecurrenceRule::Until::on_date(LocalDate{2026, 9, 30});
    changed.exdates.clear();
    changed.customer = "cust-10";
    changed.updated_at = utc(2026, 4, 1);
    changed.version = 2;
    REQUIRE(
        write(*s, [&](StorageTransaction& t) -> Status { return t.update_series(changed); }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              check_same(t.find_series(a, first)->value(), changed);
              return Status::Ok();
            }).ok());
    // Updating a series that does not exist is not_found.
    Series missing = changed;
    missing.id = SeriesId{second + 100};
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_series(missing);
          }).code() == Code::not_found);
  });
}

TEST_CASE("conformance: reservations name their series - the filter finds a series' occurrences") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant{};
    ResourceId room{};
    SeriesId series{};
    std::vector<ReservationId> ids;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids.clear();
              BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(tenant)));
              BOKA_ASSIGN_OR_RETURN(series, t.insert_series(weekly_series(tenant)));
              for (int i = 0; i < 4; ++i) {
                Reservation r;
                r.tenant = tenant;
                r.start = utc(2026, 3, 3 + 7 * i, 8);
                r.end = utc(2026, 3, 3 + 7 * i, 9);
                r.allocations = {Allocation{room, 1, std::nullopt}};
                if (i < 3) {  // the fourth is a single booking
                  r.series = series;
                  r.occurrence_date = LocalDate{2026, 3, 3 + 7 * i};
                }
                r.created_at = r.updated_at = utc(2026, 3, 1);
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_reservation(r));
                ids.push_back(id);
              }
              return Status::Ok();
            }).ok());
    REQUIRE(
        read(*s, [&](StorageTransaction& t) -> Status {
          CHECK(t.find_reservation(tenant, ids[0]).value()->series == series);
          CHECK(t.find_reservation(tenant, ids[1]).value()->occurrence_date ==
                LocalDate{2026, 3, 10});
          CHECK_FALSE(t.find_reservation(tenant, ids[3]).value()->series.has_value());
          CHECK_FALSE(t.find_reservation(tenant, ids[3]).value()->occurrence_date.has_value());
          ReservationFilter f;
          f.series = series;
          auto of_series = t.list_reservations(tenant, f).value();
          REQUIRE(of_series.size() == 3);
          for (std::size_t i = 0; i < 3; ++i) {
            CHECK(of_series[i].id == ids[i]);
            CHECK(of_series[i].series == series);
            CHECK(of_series[i].occurrence_date == LocalDate{2026, 3, 3 + 7 * static_cast<int>(i)});
          }
          f.series = SeriesId{series + 100};
          CHECK(t.list_reservations(tenant, f)->empty());
          return Status::Ok();
        }).ok());
    // An update keeps the link, and can drop it (the occurrence leaves its series).
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              Reservation r = t.find_reservation(tenant, ids[2]).value().value();
              r.series.reset();
              r.occurrence_date.reset();
              r.version = 2;
              return t.update_reservation(r);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK_FALSE(t.find_reservation(tenant, ids[2]).value()->series.has_value());
              CHECK_FALSE(t.find_reservation(tenant, ids[2]).value()->occurrence_date.has_value());
              ReservationFilter f;
              f.series = series;
              CHECK(t.list_reservations(tenant, f)->size() == 2);
              return Status::Ok();
            }).ok());
  });
}
