#include <catch2/catch.hpp>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

Schedule on(Weekday day, int start_minute, int end_minute) {
  Schedule s;
  s.name = "hours";
  s.weekly.push_back({day, {{start_minute, end_minute}}});
  return s;
}

Schedule daily(int start_minute, int end_minute) {
  Schedule s;
  s.name = "daily";
  for (int d = 0; d < 7; ++d)
    s.weekly.push_back({static_cast<Weekday>(d), {{start_minute, end_minute}}});
  return s;
}

std::vector<Instant> starts(Fixture& f, ResourceId r, Instant from, Instant to, Seconds duration,
                            int quantity = 1) {
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(r, quantity)};
  q.from = from;
  q.to = to;
  q.duration = duration;
  auto slots = f.engine->availability(sys(), f.tenant, q);
  REQUIRE(slots.ok());
  std::vector<Instant> out;
  for (const Slot& s : *slots) out.push_back(s.start);
  return out;
}

Policy step(Seconds s) {
  Policy p;
  p.slot_step = s;
  return p;
}

}  // namespace

TEST_CASE("the slot grid follows local time across DST") {
  Fixture f("memory:", utc(2026, 1, 1));
  auto make = [&](const char* zone, const Schedule& s, Seconds grid) {
    auto sched = f.engine->create_schedule(sys(), f.tenant, s);
    REQUIRE(sched.ok());
    return f.resource(zone, 1, zone, sched->id, step(grid)).id;
  };
  SECTION("Europe/Berlin spring forward: 02:00 local does not exist") {
    auto r = make("Europe/Berlin", on(Weekday::sunday, 60, 240), hours(1));
    CHECK(starts(f, r, utc(2026, 3, 28), utc(2026, 3, 30), hours(1)) ==
          std::vector<Instant>{utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)});
  }
  SECTION("Europe/Berlin fall back: 02:00 local happens twice") {
    auto r = make("Europe/Berlin", on(Weekday::sunday, 60, 240), hours(1));
    CHECK(starts(f, r, utc(2026, 10, 24), utc(2026, 10, 26), hours(1)) ==
          std::vector<Instant>{utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), utc(2026, 10, 25, 1),
                               utc(2026, 10, 25, 2)});
  }
  SECTION("America/New_York spring forward and fall back") {
    auto r = make("America/New_York", on(Weekday::sunday, 0, 180), minutes(30));
    CHECK(starts(f, r, utc(2026, 3, 8), utc(2026, 3, 9), minutes(30)) ==
          std::vector<Instant>{utc(2026, 3, 8, 5), utc(2026, 3, 8, 5, 30), utc(2026, 3, 8, 6),
                               utc(2026, 3, 8, 6, 30)});
    CHECK(starts(f, r, utc(2026, 11, 1), utc(2026, 11, 2), minutes(30)).size() == 8);
  }
  SECTION("Australia/Lord_Howe moves by 30 minutes and the hourly grid stays on local hours") {
    auto r = make("Australia/Lord_Howe", on(Weekday::sunday, 0, 240), hours(1));
    CHECK(starts(f, r, utc(2026, 10, 3), utc(2026, 10, 4), hours(1)) ==
          std::vector<Instant>{utc(2026, 10, 3, 13, 30), utc(2026, 10, 3, 14, 30),
                               utc(2026, 10, 3, 16)});
  }
  SECTION("Asia/Kathmandu (+05:45): a 15-minute grid starts at :00 local") {
    auto r = make("Asia/Kathmandu", daily(9 * 60, 10 * 60), minutes(15));
    CHECK(starts(f, r, utc(2026, 6, 1), utc(2026, 6, 2), minutes(15)) ==
          std::vector<Instant>{utc(2026, 6, 1, 3, 15), utc(2026, 6, 1, 3, 30),
                               utc(2026, 6, 1, 3, 45), utc(2026, 6, 1, 4, 0)});
  }
  SECTION("Australia/Sydney (southern hemisphere) spring forward in October") {
    auto r = make("Australia/Sydney", on(Weekday::sunday, 0, 240), hours(1));
    CHECK(starts(f, r, utc(2026, 10, 3), utc(2026, 10, 4), hours(1)) ==
          std::vector<Instant>{utc(2026, 10, 3, 14), utc(2026, 10, 3, 15), utc(2026, 10, 3, 16)});
  }
}

TEST_CASE("availability respects capacity, quantity, buffers and holds") {
  Fixture f("memory:", utc(2026, 1, 5, 0));
  const Instant day = utc(2026, 1, 6);
  SECTION("capacity and quantity") {
    auto r = f.resource("court", 2, "UTC", std::nullopt, step(hours(1))).id;
    REQUIRE(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
    auto one = starts(f, r, day, day + hours(24), hours(1), 1);
    auto two = starts(f, r, day, day + hours(24), hours(1), 2);
    CHECK(one.size() == 24);
    CHECK(two.size() == 23);
    CHECK(std::find(two.begin(), two.end(), utc(2026, 1, 6, 10)) == two.end());
  }
  SECTION("buffers keep a gap after each booking") {
    Policy p = step(minutes(15));
    p.buffer_after = minutes(15);
    auto r = f.resource("room", 1, "UTC", std::nullopt, p).id;
    REQUIRE(f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
    auto s = starts(f, r, utc(2026, 1, 6, 8), utc(2026, 1, 6, 13), hours(1));
    // Before: a 1 h booking plus its 15 min buffer must end by 10:00, so the last start is 08:45.
    CHECK(std::find(s.begin(), s.end(), utc(2026, 1, 6, 8, 45)) != s.end());
    CHECK(std::find(s.begin(), s.end(), utc(2026, 1, 6, 9)) == s.end());
    CHECK(std::find(s.begin(), s.end(), utc(2026, 1, 6, 11)) == s.end());
    CHECK(std::find(s.begin(), s.end(), utc(2026, 1, 6, 11, 15)) != s.end());
  }
  SECTION("a live hold blocks; a lapsed hold stops blocking without a sweep") {
    auto r = f.resource("desk", 1, "UTC", std::nullopt, step(hours(1))).id;
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(r)};
    req.start = utc(2026, 1, 6, 10);
    req.end = utc(2026, 1, 6, 11);
    req.hold_for = minutes(10);
    REQUIRE(f.engine->reserve(sys(), f.tenant, req).ok());
    CHECK(starts(f, r, day, day + hours(24), hours(1)).size() == 23);
    f.clock->advance(minutes(10));
    CHECK(starts(f, r, day, day + hours(24), hours(1)).size() == 24);
  }
}

TEST_CASE("notice, horizon and daily limit shape the offer") {
  Fixture f("memory:", utc(2026, 1, 5, 10));
  Policy p = step(hours(1));
  p.min_notice = hours(2);
  p.max_horizon = hours(24 * 2);
  p.daily_limit = 2;
  auto r = f.resource("chair", 1, "Europe/Berlin", std::nullopt, p).id;
  auto s = starts(f, r, utc(2026, 1, 5), utc(2026, 1, 9), hours(1));
  REQUIRE_FALSE(s.empty());
  CHECK(s.front() == utc(2026, 1, 5, 12));  // now + 2 h notice
  CHECK(s.back() == utc(2026, 1, 7, 10));   // now + 48 h horizon
  REQUIRE(f.book(r, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
  REQUIRE(f.book(r, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13)).ok());
  // Two bookings on the Berlin day of 2026-01-06 (23:00Z on the 5th .. 23:00Z on the 6th).
  auto after = starts(f, r, utc(2026, 1, 5), utc(2026, 1, 9), hours(1));
  for (Instant t : after) {
    CHECK_FALSE((t >= utc(2026, 1, 5, 23) && t < utc(2026, 1, 6, 23)));
  }
  CHECK(std::find(after.begin(), after.end(), utc(2026, 1, 5, 22)) != after.end());
}

TEST_CASE("several resources must all be free - a pool needs any member") {
  Fixture f("memory:", utc(2026, 1, 5, 0));
  auto a = f.resource("a", 1, "UTC", std::nullopt, step(hours(1))).id;
  auto b = f.resource("b", 1, "UTC", std::nullopt, step(hours(1))).id;
  auto pool = f.engine->create_pool(sys(), f.tenant, Pool{PoolId{}, TenantId{}, "tables", {a, b}});
  REQUIRE(pool.ok());
  REQUIRE(f.book(a, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  AvailabilityQuery q;
  q.from = utc(2026, 1, 6, 9);
  q.to = utc(2026, 1, 6, 12);
  q.duration = hours(1);
  q.requests = {AllocationRequest::of_resource(a), AllocationRequest::of_resource(b)};
  auto both = f.engine->availability(sys(), f.tenant, q);
  REQUIRE(both.ok());
  REQUIRE(both->size() == 2);
  CHECK((*both)[0].start == utc(2026, 1, 6, 9));
  CHECK((*both)[1].start == utc(2026, 1, 6, 11));
  q.requests = {AllocationRequest::of_pool(pool->id)};
  auto any = f.engine->availability(sys(), f.tenant, q);
  REQUIRE(any.ok());
  REQUIRE(any->size() == 3);
  CHECK((*any)[1].resources == std::vector<ResourceId>{b});  // a is taken at 10:00
  CHECK((*any)[0].resources == std::vector<ResourceId>{a});  // first member when free
  REQUIRE(f.book(b, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  any = f.engine->availability(sys(), f.tenant, q);
  REQUIRE(any.ok());
  CHECK(any->size() == 2);
}

TEST_CASE("a year of availability is answered - longer ranges are refused") {
  Fixture f("memory:", utc(2026, 1, 1));
  auto sched = f.engine->create_schedule(sys(), f.tenant, daily(9 * 60, 17 * 60));
  auto r = f.resource("room", 1, "Europe/Berlin", sched->id, step(minutes(30))).id;
  auto year = starts(f, r, utc(2026, 1, 1), utc(2027, 1, 1), hours(1));
  CHECK(year.size() == 365 * 15);
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(r)};
  q.from = utc(2026, 1, 1);
  q.to = utc(2027, 2, 10);
  q.duration = hours(1);
  auto refused = f.engine->availability(sys(), f.tenant, q);
  CHECK(refused.status().code() == Code::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("query.to"));
}

TEST_CASE("explain says why a start is not offered") {
  Fixture f("memory:", utc(2026, 1, 5, 8));
  auto sched = f.engine->create_schedule(sys(), f.tenant, daily(9 * 60, 17 * 60));
  Policy p = step(minutes(30));
  p.min_notice = hours(2);
  auto r = f.resource("room", 1, "UTC", sched->id, p).id;
  auto booked = f.book(r, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(booked.ok());
  auto why = [&](Instant t) {
    auto e = f.engine->explain(sys(), f.tenant, {AllocationRequest::of_resource(r)}, t, hours(1));
    REQUIRE(e.ok());
    return *e;
  };
  auto reasons = [](const Explanation& e) {
    std::vector<Explanation::Reason> out;
    for (const auto& x : e.findings) out.push_back(x.reason);
    return out;
  };
  CHECK(why(utc(2026, 1, 6, 12)).available);
  CHECK(reasons(why(utc(2026, 1, 6, 18))) == std::vector{Explanation::Reason::closed});
  CHECK(reasons(why(utc(2026, 1, 5, 9))) == std::vector{Explanation::Reason::notice});
  CHECK(reasons(why(utc(2026, 1, 6, 12, 10))) == std::vector{Explanation::Reason::off_grid});
  const Explanation blocked = why(utc(2026, 1, 6, 10, 30));
  CHECK(reasons(blocked) == std::vector{Explanation::Reason::capacity});
  CHECK(blocked.blocking_reservation_ids == std::vector<ReservationId>{booked->id});
}

TEST_CASE("availability is bounded - slots per answer, grid points, resources times points") {
  Fixture f("memory:", utc(2026, 1, 1));
  Policy minute = step(Seconds(60));
  auto r = f.resource("open all day", 1, "UTC", std::nullopt, minute).id;
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(r)};
  q.duration = minutes(30);
  // 400 days on a 60-second grid is 576,000 grid points: refused before any work.
  q.from = utc(2026, 1, 1);
  q.to = q.from + AvailabilityQuery::kMaxRange;
  auto too_fine = f.engine->availability_page(sys(), f.tenant, q);
  CHECK(too_fine.status().code() == Code::invalid_argument);
  CHECK_THAT(too_fine.status().message(), Catch::Contains("576000 grid points"));
  // A wider step makes the same range acceptable.
  q.step = minutes(15);
  auto page = f.engine->availability_page(sys(), f.tenant, q);
  REQUIRE(page.ok());
  CHECK(page->slots.size() == static_cast<std::size_t>(AvailabilityQuery::kMaxSlots));
  CHECK(page->truncated);
  // More than the limit: availability refuses rather than cutting the answer short.
  auto whole = f.engine->availability(sys(), f.tenant, q);
  CHECK(whole.status().code() == Code::invalid_argument);
  CHECK_THAT(whole.status().message(), Catch::Contains("availability_page"));
  // The limit is checked.
  q.limit = 0;
  CHECK(f.engine->availability_page(sys(), f.tenant, q).status().code() == Code::invalid_argument);
  q.limit = AvailabilityQuery::kMaxSlots + 1;
  CHECK(f.engine->availability_page(sys(), f.tenant, q).status().code() == Code::invalid_argument);
  // Many resources over many points is refused as work.
  AvailabilityQuery wide;
  wide.from = utc(2026, 1, 1);
  wide.to = wide.from + hours(24 * 120);
  wide.duration = minutes(30);
  wide.step = Seconds(60);  // 172,800 points: under the grid bound
  Pool many;
  many.name = "many";
  for (int i = 0; i < 120; ++i) {
    many.members.push_back(f.resource("r" + std::to_string(i), 1, "UTC", std::nullopt, minute).id);
  }
  wide.requests = {AllocationRequest::of_pool(f.engine->create_pool(sys(), f.tenant, many)->id)};
  auto work = f.engine->availability_page(sys(), f.tenant, wide);
  CHECK(work.status().code() == Code::invalid_argument);
  CHECK_THAT(work.status().message(), Catch::Contains("resources over"));
}

TEST_CASE(
    "availability pages: next_from continues where a page stopped - nothing lost or repeated") {
  Fixture f("memory:", utc(2026, 1, 1));
  auto sched = f.engine->create_schedule(sys(), f.tenant, daily(9 * 60, 17 * 60));
  auto r = f.resource("room", 1, "Europe/Berlin", sched->id, step(minutes(30))).id;
  REQUIRE(f.book(r, utc(2026, 1, 5, 9), utc(2026, 1, 5, 11)).ok());  // 10:00-12:00 Berlin
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(r)};
  q.from = utc(2026, 1, 1);
  q.to = utc(2026, 4, 1);  // across the DST change of March 29
  q.duration = hours(1);
  const auto everything = f.engine->availability(sys(), f.tenant, q).value();
  q.limit = 7;
  std::vector<Slot> paged;
  int pages = 0;
  for (;;) {
    auto page = f.engine->availability_page(sys(), f.tenant, q);
    REQUIRE(page.ok());
    ++pages;
    CHECK(page->slots.size() <= 7u);
    paged.insert(paged.end(), page->slots.begin(), page->slots.end());
    if (!page->truncated) {
      CHECK_FALSE(page->next_from);
      break;
    }
    REQUIRE(page->next_from);
    CHECK(*page->next_from > page->slots.back().start);
    q.from = *page->next_from;
  }
  REQUIRE(paged.size() == everything.size());
  for (std::size_t i = 0; i < paged.size(); ++i) CHECK(paged[i].start == everything[i].start);
  CHECK(pages == static_cast<int>((everything.size() + 6) / 7));
}
