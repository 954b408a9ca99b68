#include <catch2/catch.hpp>

#include "support.hpp"
#include "time/zone.hpp"

using namespace boka;
using boka::test::utc;

namespace {
detail::LocalSeconds local(int y, int mo, int d, int h, int mi) {
  return detail::LocalSeconds(date::local_days(date::year(y) / mo / d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}
detail::Zone zone(const char* name) { return detail::Zone::locate(name, "zone").value(); }
}  // namespace

TEST_CASE("a local time in the spring-forward gap moves forward by the gap") {
  // Europe/Berlin 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist.
  CHECK(zone("Europe/Berlin").to_utc(local(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 30));
  // America/New_York 2026-03-08: 02:00 EST -> 03:00 EDT.
  CHECK(zone("America/New_York").to_utc(local(2026, 3, 8, 2, 15)) == utc(2026, 3, 8, 7, 15));
  // Australia/Lord_Howe 2026-10-04: 02:00 +10:30 -> 02:30 +11; 02:10 does not exist.
  CHECK(zone("Australia/Lord_Howe").to_utc(local(2026, 10, 4, 2, 10)) == utc(2026, 10, 3, 15, 40));
}

TEST_CASE("an ambiguous local time takes the earlier instant") {
  // Europe/Berlin 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens twice.
  CHECK(zone("Europe/Berlin").to_utc(local(2026, 10, 25, 2, 30)) == utc(2026, 10, 25, 0, 30));
  // America/New_York 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
  CHECK(zone("America/New_York").to_utc(local(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 5, 30));
  // Australia/Sydney (southern hemisphere) 2026-04-05: 03:00 AEDT -> 02:00 AEST.
  CHECK(zone("Australia/Sydney").to_utc(local(2026, 4, 5, 2, 30)) == utc(2026, 4, 4, 15, 30));
}

TEST_CASE("odd offsets convert exactly") {
  CHECK(zone("Asia/Kathmandu").to_utc(local(2026, 6, 1, 9, 0)) == utc(2026, 6, 1, 3, 15));
  CHECK(zone("Asia/Kathmandu").to_local(utc(2026, 6, 1, 3, 15)) == local(2026, 6, 1, 9, 0));
}

TEST_CASE("unknown zones are refused naming the field") {
  auto z = detail::Zone::locate("Mars/Olympus_Mons", "resource.zone");
  REQUIRE_FALSE(z.ok());
  CHECK(z.status().code() == Code::invalid_argument);
  CHECK_THAT(z.status().message(),
             Catch::Contains("resource.zone") && Catch::Contains("Mars/Olympus_Mons"));
}
