// Calendar feeds (boka/feeds.hpp) on memory and on a SQLite file: tokens are capabilities
// (shown once, stored hashed, revocable, unknown ones look like revoked ones); who may make
// which feed; and what a feed holds: one VEVENT per booking with a stable UID, local times
// with a VTIMEZONE, a SEQUENCE that rises on reschedule, STATUS:CANCELLED for cancelled
// bookings and TENTATIVE for holds, and a series as one RRULE while its occurrences are as
// the rule made them (occurrence by occurrence once one moved). tests/e2e/feeds_test.py
// reads a feed back with an independent parser (python3-icalendar).
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <functional>
#include <string>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void on_both(const std::function<void(const std::string&)>& body) {
  SECTION("memory") { body("memory:"); }
  SECTION("sqlite") {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("boka-feeds-" + std::to_string(::getpid()) + ".db"))
                                 .string();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
    body("sqlite:" + path);
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  }
}

}  // namespace

TEST_CASE("feeds: a resource's bookings as iCalendar - UID, zone, SEQUENCE, STATUS") {
  on_both([](const std::string& uri) {
    Fixture f(uri, utc(2026, 3, 2, 8));
    const Resource room = f.resource("Room 1", 1, "Europe/Berlin");
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room.id)};
    req.start = utc(2026, 3, 3, 9);
    req.end = utc(2026, 3, 3, 10);
    const Reservation a = f.engine->reserve(sys(), f.tenant, req).value();
    req.start = utc(2026, 3, 4, 9);
    req.end = utc(2026, 3, 4, 10);
    req.hold_for = hours(1);
    const Reservation held = f.engine->reserve(sys(), f.tenant, req).value();
    const CreatedFeed feed =
        f.engine->feeds().create(sys(), f.tenant, FeedKind::resource, room.id, "Room 1").value();
    CHECK(feed.token.rfind("bokf_" + std::to_string(feed.feed.id) + "_", 0) == 0);

    std::string ics = f.engine->feeds().render(feed.token).value();
    CHECK(ics.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
    CHECK(count(ics, "BEGIN:VEVENT") == 2);
    const std::string uid =
        "UID:boka-reservation-" + std::to_string(a.id) + "-t" + std::to_string(f.tenant);
    CHECK(count(ics, uid) == 1);
    CHECK(count(ics, "BEGIN:VTIMEZONE") == 1);
    CHECK(count(ics, "TZID:Europe/Berlin") == 1);
    CHECK(count(ics, "DTSTART;TZID=Europe/Berlin:20260303T100000") == 1);  // 09:00Z, CET
    CHECK(count(ics, "STATUS:TENTATIVE") == 1);
    CHECK(count(ics, "SEQUENCE:1") == 2);
    CHECK(count(ics, "X-WR-CALNAME:Room 1") == 1);

    // A reschedule raises SEQUENCE; a cancellation stays in the feed as CANCELLED.
    REQUIRE(
        f.engine->reschedule(sys(), f.tenant, a.id, utc(2026, 3, 3, 12), utc(2026, 3, 3, 13)).ok());
    REQUIRE(f.engine->cancel(sys(), f.tenant, held.id).ok());
    ics = f.engine->feeds().render(feed.token).value();
    CHECK(count(ics, uid) == 1);
    CHECK(count(ics, "DTSTART;TZID=Europe/Berlin:20260303T130000") == 1);
    CHECK(count(ics, "SEQUENCE:2") == 2);
    CHECK(count(ics, "STATUS:CANCELLED") == 1);
  });
}

TEST_CASE(
    "feeds: tokens are capabilities - revoked, wrong and malformed ones are refused "
    "alike - who may make which feed") {
  on_both([](const std::string& uri) {
    Fixture f(uri, utc(2026, 3, 2, 8));
    const Resource room = f.resource("Room 1");
    const CreatedFeed feed =
        f.engine->feeds().create(sys(), f.tenant, FeedKind::resource, room.id, "").value();
    REQUIRE(f.engine->feeds().render(feed.token).ok());
    std::string wrong = feed.token;
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    const auto refused = [&](const std::string& token) {
      auto got = f.engine->feeds().render(token);
      CHECK(got.status().code() == Code::not_found);
      CHECK(got.status().message() == "feed not found (unknown or revoked token)");
    };
    refused(wrong);
    refused("bokf_999_" + std::string(43, 'a'));
    refused("not a token");
    refused("");
    const CalendarFeed revoked = f.engine->feeds().revoke(sys(), f.tenant, feed.feed.id).value();
    CHECK(revoked.revoked_at.has_value());
    refused(feed.token);
    CHECK(f.engine->feeds().revoke(sys(), f.tenant, feed.feed.id)->revoked_at ==
          revoked.revoked_at);
    CHECK(f.engine->feeds().create(sys(), f.tenant, FeedKind::resource, 9999, "").status().code() ==
          Code::not_found);

    // A customer may have a feed of their own bookings, not of a resource or another user.
    NewUser cu;
    cu.email = "cora@example.com";
    cu.role = Role::customer;
    cu.password = "correct horse battery";
    const User cora = f.engine->auth().create_user(sys(), f.tenant, cu).value();
    LoginRequest login;
    login.tenant = f.tenant;
    login.email = cu.email;
    login.password = cu.password;
    const Principal me = f.engine->auth().login(login).value().principal;
    CHECK(f.engine->feeds().create(me, f.tenant, FeedKind::resource, room.id, "").status().code() ==
          Code::permission_denied);
    CHECK(f.engine->feeds().create(me, f.tenant, FeedKind::user, cora.id + 1, "").status().code() ==
          Code::permission_denied);
    const CreatedFeed mine =
        f.engine->feeds().create(me, f.tenant, FeedKind::user, cora.id, "My bookings").value();
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room.id)};
    req.start = utc(2026, 3, 3, 9);
    req.end = utc(2026, 3, 3, 10);
    REQUIRE(f.engine->reserve(me, f.tenant, req).ok());
    REQUIRE(f.engine
                ->reserve(sys(), f.tenant,
                          [&] {
                            ReserveRequest other = req;
                            other.start = utc(2026, 3, 3, 11);
                            other.end = utc(2026, 3, 3, 12);
                            return other;
                          }())
                .ok());
    CHECK(count(f.engine->feeds().render(mine.token).value(), "BEGIN:VEVENT") == 1);
    const auto listed = f.engine->feeds().list(me, f.tenant).value();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].id == mine.feed.id);
    CHECK(f.engine->feeds().list(sys(), f.tenant)->size() == 2);
  });
}

TEST_CASE(
    "feeds: a series is one RRULE while unchanged - occurrence by occurrence once one "
    "moved") {
  on_both([](const std::string& uri) {
    Fixture f(uri, utc(2026, 3, 2, 8));
    const Resource room = f.resource("Room 1", 1, "America/New_York");
    SeriesRequest req;
    req.allocations = {AllocationRequest::of_resource(room.id)};
    req.first_date = LocalDate{2026, 3, 3};
    req.start_minute = 9 * 60;
    req.duration = hours(1);
    req.rule = parse_rrule("FREQ=WEEKLY;COUNT=4").value();  // across the March 8 DST change
    const SeriesBooking booked = f.engine->series().book(sys(), f.tenant, req).value();
    const CreatedFeed feed =
        f.engine->feeds().create(sys(), f.tenant, FeedKind::resource, room.id, "").value();
    std::string ics = f.engine->feeds().render(feed.token).value();
    CHECK(count(ics, "BEGIN:VEVENT") == 1);
    CHECK(count(ics, "RRULE:FREQ=WEEKLY;COUNT=4") == 1);
    CHECK(count(ics, "DTSTART;TZID=America/New_York:20260303T090000") == 1);

    // Cancelling one occurrence keeps the rule, with an EXDATE.
    REQUIRE(f.engine->cancel(sys(), f.tenant, booked.reservations[1].id).ok());
    ics = f.engine->feeds().render(feed.token).value();
    CHECK(count(ics, "BEGIN:VEVENT") == 1);
    CHECK(count(ics, "EXDATE;TZID=America/New_York:20260310T090000") == 1);

    // Moving one breaks the pattern: every occurrence on its own.
    REQUIRE(f.engine
                ->reschedule(sys(), f.tenant, booked.reservations[2].id, utc(2026, 3, 17, 15),
                             utc(2026, 3, 17, 16))
                .ok());
    ics = f.engine->feeds().render(feed.token).value();
    CHECK(count(ics, "RRULE:") == 0);
    CHECK(count(ics, "BEGIN:VEVENT") == 4);
    CHECK(count(ics, "STATUS:CANCELLED") == 1);
  });
}
