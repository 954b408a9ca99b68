#include <catch2/catch.hpp>

#include "schedule/schedule_rules.hpp"
#include "support.hpp"

using namespace boka;
using boka::test::utc;
using detail::Range;

namespace {

detail::Zone zone(const char* name) { return detail::Zone::locate(name, "zone").value(); }

Schedule every_day(int start_minute, int end_minute) {
  Schedule s;
  s.name = "daily";
  for (int d = 0; d < 7; ++d)
    s.weekly.push_back({static_cast<Weekday>(d), {{start_minute, end_minute}}});
  return s;
}

std::int64_t total(const std::vector<Range>& ranges) {
  std::int64_t sum = 0;
  for (const Range& r : ranges) sum += r.end - r.begin;
  return sum;
}

std::int64_t u(Instant t) { return to_unix(t); }

}  // namespace

TEST_CASE("schedule expansion is exact across DST transitions") {
  const Schedule s = every_day(60, 240);  // 01:00-04:00 local
  SECTION("Europe/Berlin spring forward: 01:00-04:00 lasts two hours") {
    auto r = detail::open_ranges(&s, zone("Europe/Berlin"), u(utc(2026, 3, 28, 12)),
                                 u(utc(2026, 3, 29, 12)));
    REQUIRE(r.size() == 1);
    CHECK(r[0] == Range{u(utc(2026, 3, 29, 0)), u(utc(2026, 3, 29, 2))});
  }
  SECTION("Europe/Berlin fall back: 01:00-04:00 lasts four hours") {
    auto r = detail::open_ranges(&s, zone("Europe/Berlin"), u(utc(2026, 10, 24, 12)),
                                 u(utc(2026, 10, 25, 12)));
    REQUIRE(r.size() == 1);
    CHECK(r[0] == Range{u(utc(2026, 10, 24, 23)), u(utc(2026, 10, 25, 3))});
  }
  SECTION("America/New_York both transitions") {
    auto spring = detail::open_ranges(&s, zone("America/New_York"), u(utc(2026, 3, 8, 0)),
                                      u(utc(2026, 3, 9, 0)));
    CHECK(total(spring) == 2 * 3600);
    auto fall = detail::open_ranges(&s, zone("America/New_York"), u(utc(2026, 11, 1, 0)),
                                    u(utc(2026, 11, 2, 0)));
    CHECK(total(fall) == 4 * 3600);
  }
  SECTION("Australia/Lord_Howe shifts by 30 minutes") {
    // 2026-04-05 02:00 +11 -> 01:30 +10:30: 01:00-04:00 lasts 3.5 h.
    auto fall = detail::open_ranges(&s, zone("Australia/Lord_Howe"), u(utc(2026, 4, 4, 0)),
                                    u(utc(2026, 4, 5, 0)));
    CHECK(total(fall) == 3 * 3600 + 1800);
    // 2026-10-04 02:00 +10:30 -> 02:30 +11: 01:00-04:00 lasts 2.5 h.
    auto spring = detail::open_ranges(&s, zone("Australia/Lord_Howe"), u(utc(2026, 10, 3, 0)),
                                      u(utc(2026, 10, 4, 0)));
    CHECK(total(spring) == 2 * 3600 + 1800);
  }
  SECTION("a southern hemisphere zone: Australia/Sydney") {
    auto fall = detail::open_ranges(&s, zone("Australia/Sydney"), u(utc(2026, 4, 4, 0)),
                                    u(utc(2026, 4, 5, 0)));
    CHECK(total(fall) == 4 * 3600);
    auto spring = detail::open_ranges(&s, zone("Australia/Sydney"), u(utc(2026, 10, 3, 0)),
                                      u(utc(2026, 10, 4, 0)));
    CHECK(total(spring) == 2 * 3600);
  }
  SECTION("a whole day is 23 and 25 hours on transition days") {
    const Schedule all = every_day(0, 1440);
    auto spring = detail::open_ranges(&all, zone("Europe/Berlin"), u(utc(2026, 3, 28, 23)),
                                      u(utc(2026, 3, 29, 22)));
    CHECK(total(spring) == 23 * 3600);
    const Schedule sundays = [] {
      Schedule x;
      x.name = "sundays";
      x.weekly.push_back({Weekday::sunday, {{0, 1440}}});
      return x;
    }();
    auto fall = detail::open_ranges(&sundays, zone("Europe/Berlin"), u(utc(2026, 10, 20)),
                                    u(utc(2026, 10, 30)));
    REQUIRE(fall.size() == 1);
    CHECK(fall[0].end - fall[0].begin == 25 * 3600);
  }
}

TEST_CASE("several intervals per weekday, overrides and holidays") {
  Schedule s;
  s.name = "clinic";
  s.weekly.push_back({Weekday::monday, {{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}});
  s.weekly.push_back({Weekday::thursday, {{9 * 60, 17 * 60}}});
  s.overrides.push_back({LocalDate{2026, 1, 12}, {}});                    // a Monday: closed
  s.overrides.push_back({LocalDate{2026, 1, 15}, {{10 * 60, 11 * 60}}});  // a Thursday: short
  HolidayRule thanksgiving;
  thanksgiving.name = "Thanksgiving";
  thanksgiving.kind = HolidayRule::Kind::nth_weekday;
  thanksgiving.month = 11;
  thanksgiving.nth = 4;
  thanksgiving.weekday = Weekday::thursday;
  HolidayRule memorial;
  memorial.name = "Memorial Day";
  memorial.kind = HolidayRule::Kind::last_weekday;
  memorial.month = 5;
  memorial.weekday = Weekday::monday;
  HolidayRule new_year;
  new_year.name = "New Year";
  new_year.kind = HolidayRule::Kind::fixed_date;
  new_year.month = 1;
  new_year.day_of_month = 1;
  s.holidays = {thanksgiving, memorial, new_year};
  REQUIRE(detail::validate_schedule(s).ok());
  const auto z = zone("UTC");

  auto day = [&](int y, int m, int d) {
    return detail::open_ranges(&s, z, u(utc(y, m, d)), u(utc(y, m, d) + std::chrono::hours(24)));
  };
  CHECK(day(2026, 1, 5) == std::vector<Range>{{u(utc(2026, 1, 5, 9)), u(utc(2026, 1, 5, 12))},
                                              {u(utc(2026, 1, 5, 13)), u(utc(2026, 1, 5, 17))}});
  CHECK(day(2026, 1, 6).empty());   // Tuesday: no rule
  CHECK(day(2026, 1, 12).empty());  // closed by override
  CHECK(day(2026, 1, 15) == std::vector<Range>{{u(utc(2026, 1, 15, 10)), u(utc(2026, 1, 15, 11))}});
  CHECK(day(2026, 11, 26).empty());  // 4th Thursday of November 2026
  CHECK_FALSE(day(2026, 11, 19).empty());
  CHECK(day(2026, 5, 25).empty());  // last Monday of May 2026
  CHECK_FALSE(day(2026, 5, 18).empty());
  CHECK(day(2029, 1, 1).empty());    // New Year on a Monday
  CHECK(day(2027, 11, 25).empty());  // the rule recurs: 4th Thursday of November 2027
}

TEST_CASE("overlapping or inverted schedule rules are refused naming the rule") {
  Schedule s;
  s.name = "bad";
  SECTION("inverted") {
    s.weekly.push_back({Weekday::monday, {{600, 540}}});
    auto st = detail::validate_schedule(s);
    CHECK(st.code() == Code::invalid_argument);
    CHECK_THAT(st.message(), Catch::Contains("schedule.weekly[monday].intervals[0]"));
  }
  SECTION("overlapping") {
    s.weekly.push_back({Weekday::friday, {{540, 720}, {700, 800}}});
    auto st = detail::validate_schedule(s);
    CHECK(st.code() == Code::invalid_argument);
    CHECK_THAT(st.message(),
               Catch::Contains("schedule.weekly[friday]") && Catch::Contains("overlap"));
  }
  SECTION("weekday twice") {
    s.weekly.push_back({Weekday::friday, {{540, 720}}});
    s.weekly.push_back({Weekday::friday, {{800, 900}}});
    CHECK_THAT(detail::validate_schedule(s).message(), Catch::Contains("given twice"));
  }
  SECTION("override on an impossible date") {
    s.overrides.push_back({LocalDate{2026, 2, 30}, {}});
    CHECK_THAT(detail::validate_schedule(s).message(), Catch::Contains("2026-02-30"));
  }
  SECTION("holiday on a day the month lacks") {
    HolidayRule h;
    h.name = "x";
    h.month = 4;
    h.day_of_month = 31;
    s.holidays.push_back(h);
    CHECK_THAT(detail::validate_schedule(s).message(),
               Catch::Contains("schedule.holidays[0].day_of_month"));
  }
  SECTION("touching intervals are fine") {
    s.weekly.push_back({Weekday::friday, {{540, 720}, {720, 800}}});
    CHECK(detail::validate_schedule(s).ok());
  }
}
