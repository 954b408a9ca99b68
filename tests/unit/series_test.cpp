// Recurring series through the engine (boka/series.hpp), on memory and on a real SQLite
// file: booking modes, local time across DST, holds, idempotency, pools, the change scopes
// and the availability check.
#include <catch2/catch.hpp>

#include <date/tz.h>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

#define store_uri(db)                                                                   \
  (GENERATE(as<std::string>{}, "memory", "sqlite") == "memory" ? std::string("memory:") \
                                                               : (db).uri())

RecurrenceRule weekly(int count, std::vector<Weekday> days = {}) {
  RecurrenceRule r;
  r.frequency = Frequency::weekly;
  r.count = count;
  for (Weekday d : days) r.by_day.push_back(WeekdayNum{d, 0});
  return r;
}

SeriesRequest series_on(ResourceId room, LocalDate first, int minute, Seconds duration,
                        RecurrenceRule rule) {
  SeriesRequest s;
  s.allocations = {AllocationRequest::of_resource(room)};
  s.first_date = first;
  s.start_minute = minute;
  s.duration = duration;
  s.rule = std::move(rule);
  return s;
}

std::vector<ReservationId> ids_of(const std::vector<Reservation>& rs) {
  std::vector<ReservationId> out;
  for (const auto& r : rs) out.push_back(r.id);
  return out;
}

}  // namespace

TEST_CASE("series: every Tuesday 09:00 Berlin stays 09:00 local across the spring change") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 3, 1, 8));
  auto room = f.resource("room", 1, "Europe/Berlin").id;
  // 2026-03-17 .. 2026-04-14: Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
  auto booked = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 3, 17}, 9 * 60, hours(1), weekly(5)));
  REQUIRE(booked.ok());
  REQUIRE(booked->reservations.size() == 5);
  CHECK(booked->skipped.empty());
  CHECK(booked->series.zone == "Europe/Berlin");
  const std::vector<Instant> want = {utc(2026, 3, 17, 8), utc(2026, 3, 24, 8), utc(2026, 3, 31, 7),
                                     utc(2026, 4, 7, 7), utc(2026, 4, 14, 7)};
  for (std::size_t i = 0; i < 5; ++i) {
    const Reservation& r = booked->reservations[i];
    CHECK(r.start == want[i]);
    CHECK(r.end == want[i] + hours(1));
    CHECK(r.series == booked->series.id);
    CHECK(r.status == ReservationStatus::confirmed);
    CHECK(r.zone == "Europe/Berlin");
  }
  CHECK(booked->reservations[2].occurrence_date == LocalDate{2026, 3, 31});
  // They are ordinary reservations: they block single bookings and are listed.
  auto clash = f.book(room, utc(2026, 3, 31, 7, 30), utc(2026, 3, 31, 8));
  REQUIRE(clash.status().code() == Code::conflict);
  CHECK(clash.status().conflict()->blocking_reservation_ids ==
        std::vector<ReservationId>{booked->reservations[2].id});
  auto listed = f.engine->series().occurrences(sys(), f.tenant, booked->series.id);
  REQUIRE(listed.ok());
  CHECK(ids_of(*listed) == ids_of(booked->reservations));
  auto stored = f.engine->series().get(sys(), f.tenant, booked->series.id);
  REQUIRE(stored.ok());
  CHECK(format_rrule(stored->rule) == "FREQ=WEEKLY;COUNT=5");
}

TEST_CASE("series: all_or_nothing refuses the whole series and names every conflict") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto a = f.book(room, utc(2026, 1, 13, 9, 30), utc(2026, 1, 13, 10, 30));  // 2nd Tuesday
  auto b = f.book(room, utc(2026, 1, 27, 8), utc(2026, 1, 27, 9, 15));       // 4th Tuesday
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto refused = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(6)));
  REQUIRE(refused.status().code() == Code::conflict);
  const ConflictInfo* info = refused.status().conflict();
  REQUIRE(info != nullptr);
  REQUIRE(info->occurrences.size() == 2);
  CHECK(info->occurrences[0].start == utc(2026, 1, 13, 9));
  CHECK(info->occurrences[0].blocking_reservation_ids == std::vector<ReservationId>{a->id});
  CHECK(info->occurrences[1].start == utc(2026, 1, 27, 9));
  CHECK(info->occurrences[1].blocking_reservation_ids == std::vector<ReservationId>{b->id});
  CHECK(info->blocking_reservation_ids == std::vector<ReservationId>{a->id, b->id});
  CHECK_THAT(refused.status().message(), Catch::Contains("2 of 6 occurrences"));
  CHECK_THAT(refused.status().message(), Catch::Contains("2026-01-13"));
  // Nothing was booked: the free Tuesdays are still free, and no series exists.
  ReservationFilter all;
  CHECK(f.engine->list_reservations(sys(), f.tenant, all)->size() == 2);
  CHECK(f.engine->series().get(sys(), f.tenant, SeriesId{1}).status().code() == Code::not_found);
}

TEST_CASE("series: skip_conflicts books the free occurrences and lists the others as EXDATEs") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto a = f.book(room, utc(2026, 1, 13, 9, 30), utc(2026, 1, 13, 10, 30));
  REQUIRE(a.ok());
  auto req = series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(4));
  req.mode = SeriesMode::skip_conflicts;
  auto booked = f.engine->series().book(sys(), f.tenant, req);
  REQUIRE(booked.ok());
  CHECK(booked->reservations.size() == 3);
  REQUIRE(booked->skipped.size() == 1);
  CHECK(booked->skipped[0].occurrence.date == LocalDate{2026, 1, 13});
  CHECK(booked->skipped[0].code == Code::conflict);
  CHECK(booked->skipped[0].blocking_reservation_ids == std::vector<ReservationId>{a->id});
  CHECK_THAT(booked->skipped[0].reason, Catch::Contains("2026-01-13"));
  CHECK(booked->series.exdates == std::vector<LocalDate>{LocalDate{2026, 1, 13}});
  // When nothing at all is free, skip_conflicts refuses too.
  auto none = f.engine->series().book(sys(), f.tenant, req);
  REQUIRE(none.status().code() == Code::conflict);
  CHECK(none.status().conflict()->occurrences.size() == 4);
}

TEST_CASE("series: a series that overlaps itself is refused like two bookings would be") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  RecurrenceRule daily;
  daily.frequency = Frequency::daily;
  daily.count = 3;
  auto refused = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(25), daily));
  REQUIRE(refused.status().code() == Code::conflict);
  // The 2nd overlaps the 1st; the 3rd overlaps only the 2nd, which was not placed.
  REQUIRE(refused.status().conflict()->occurrences.size() == 1);
  CHECK(refused.status().conflict()->occurrences[0].start == utc(2026, 1, 7, 9));
  // Earlier occurrences of the same call are not reported as blocking ids (none exist yet).
  CHECK(refused.status().conflict()->blocking_reservation_ids.empty());
}

TEST_CASE("series: idempotency keys, holds and confirm work per series") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto req = series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(3));
  req.idempotency_key = "weekly-standup";
  req.hold_for = minutes(15);
  auto first = f.engine->series().book(sys(), f.tenant, req);
  REQUIRE(first.ok());
  for (const auto& r : first->reservations) CHECK(r.status == ReservationStatus::held);
  auto again = f.engine->series().book(sys(), f.tenant, req);
  REQUIRE(again.ok());
  CHECK(again->series.id == first->series.id);
  CHECK(ids_of(again->reservations) == ids_of(first->reservations));
  auto changed = req;
  changed.start_minute = 10 * 60;
  CHECK(f.engine->series().book(sys(), f.tenant, changed).status().code() == Code::already_exists);
  auto confirmed = f.engine->series().confirm(sys(), f.tenant, first->series.id);
  REQUIRE(confirmed.ok());
  REQUIRE(confirmed->size() == 3);
  for (const auto& r : *confirmed) CHECK(r.status == ReservationStatus::confirmed);
  // A second held series whose hold lapses cannot be confirmed, and frees its slots.
  auto other = series_on(room, LocalDate{2026, 1, 7}, 9 * 60, hours(1), weekly(2));
  other.hold_for = minutes(15);
  auto held = f.engine->series().book(sys(), f.tenant, other);
  REQUIRE(held.ok());
  f.clock->advance(minutes(16));
  auto late = f.engine->series().confirm(sys(), f.tenant, held->series.id);
  CHECK(late.status().code() == Code::conflict);
  CHECK_THAT(late.status().message(), Catch::Contains("expired"));
  CHECK(f.book(room, utc(2026, 1, 7, 9), utc(2026, 1, 7, 10)).ok());
}

TEST_CASE("series: pool and multi-resource series place each occurrence on its own") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto t1 = f.resource("t1").id;
  auto t2 = f.resource("t2").id;
  auto projector = f.resource("projector").id;
  auto pool =
      f.engine->create_pool(sys(), f.tenant, Pool{PoolId{}, TenantId{}, "tables", {t1, t2}});
  REQUIRE(pool.ok());
  REQUIRE(f.book(t1, utc(2026, 1, 13, 9), utc(2026, 1, 13, 10)).ok());
  SeriesRequest req = series_on(projector, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(3));
  req.allocations.push_back(AllocationRequest::of_pool(pool->id));
  auto booked = f.engine->series().book(sys(), f.tenant, req);
  REQUIRE(booked.ok());
  REQUIRE(booked->reservations.size() == 3);
  const auto member = [](const Reservation& r, PoolId p) {
    for (const auto& a : r.allocations)
      if (a.pool == p) return a.resource;
    return ResourceId{};
  };
  CHECK(member(booked->reservations[0], pool->id) == t1);
  CHECK(member(booked->reservations[1], pool->id) == t2);  // t1 is taken that Tuesday
  CHECK(member(booked->reservations[2], pool->id) == t1);
  for (const auto& r : booked->reservations) CHECK(r.allocations.size() == 2);
}

TEST_CASE("series: cancel one occurrence, this and following, or the whole series") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto booked = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(6)));
  REQUIRE(booked.ok());
  const auto& occ = booked->reservations;
  // One occurrence: it becomes an EXDATE, and its slot is free again.
  auto one = f.engine->series().cancel(sys(), f.tenant, occ[1].id, SeriesScope::this_occurrence);
  REQUIRE(one.ok());
  REQUIRE(one->changed.size() == 1);
  CHECK(one->changed[0].status == ReservationStatus::cancelled);
  CHECK(one->series.exdates == std::vector<LocalDate>{LocalDate{2026, 1, 13}});
  CHECK(f.book(room, utc(2026, 1, 13, 9), utc(2026, 1, 13, 10)).ok());
  // This and following: the 4th, 5th and 6th; the rule ends the day before the 4th.
  auto following =
      f.engine->series().cancel(sys(), f.tenant, occ[3].id, SeriesScope::this_and_following);
  REQUIRE(following.ok());
  CHECK(ids_of(following->changed) == std::vector<ReservationId>{occ[3].id, occ[4].id, occ[5].id});
  REQUIRE(following->series.rule.until.has_value());
  CHECK(following->series.rule.until->date == LocalDate{2026, 1, 26});
  CHECK_FALSE(following->series.rule.count.has_value());
  CHECK(f.engine->get_reservation(sys(), f.tenant, occ[2].id)->status ==
        ReservationStatus::confirmed);
  // Whole series, once the first occurrence has passed: only what has not started.
  f.clock->set(utc(2026, 1, 7, 0));
  auto whole = f.engine->series().cancel(sys(), f.tenant, occ[2].id, SeriesScope::whole_series);
  REQUIRE(whole.ok());
  CHECK(ids_of(whole->changed) == std::vector<ReservationId>{occ[2].id});
  CHECK(f.engine->get_reservation(sys(), f.tenant, occ[0].id)->status ==
        ReservationStatus::confirmed);
  // Nothing left to cancel is a conflict; a single reservation is not a series.
  CHECK(f.engine->series()
            .cancel(sys(), f.tenant, occ[2].id, SeriesScope::whole_series)
            .status()
            .code() == Code::conflict);
  auto single = f.book(room, utc(2026, 2, 3, 9), utc(2026, 2, 3, 10));
  REQUIRE(single.ok());
  CHECK(f.engine->series()
            .cancel(sys(), f.tenant, single->id, SeriesScope::this_occurrence)
            .status()
            .code() == Code::invalid_argument);
}

TEST_CASE("series: reschedule this and following splits the series and moves all or nothing") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto booked = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(5)));
  REQUIRE(booked.ok());
  const auto occ = booked->reservations;
  // A blocker at 09:45 on the 5th Tuesday refuses a move to 09:30 of the 3rd and later.
  auto blocker = f.book(room, utc(2026, 2, 3, 10, 15), utc(2026, 2, 3, 11));
  REQUIRE(blocker.ok());
  SeriesReschedule later;
  later.start_minute = 9 * 60 + 30;
  auto refused = f.engine->series().reschedule(sys(), f.tenant, occ[2].id,
                                               SeriesScope::this_and_following, later);
  REQUIRE(refused.status().code() == Code::conflict);
  REQUIRE(refused.status().conflict()->occurrences.size() == 1);
  CHECK(refused.status().conflict()->occurrences[0].blocking_reservation_ids ==
        std::vector<ReservationId>{blocker->id});
  auto unchanged = f.engine->series().occurrences(sys(), f.tenant, booked->series.id);
  REQUIRE(unchanged.ok());
  REQUIRE(unchanged->size() == occ.size());
  for (std::size_t k = 0; k < occ.size(); ++k) CHECK((*unchanged)[k].start == occ[k].start);
  REQUIRE(f.engine->cancel(sys(), f.tenant, blocker->id).ok());
  // The move overlaps each occurrence's own old slot: its old placement never blocks it.
  auto moved = f.engine->series().reschedule(sys(), f.tenant, occ[2].id,
                                             SeriesScope::this_and_following, later);
  REQUIRE(moved.ok());
  REQUIRE(moved->split.has_value());
  CHECK(moved->split->split_from == booked->series.id);
  CHECK(moved->split->first_date == LocalDate{2026, 1, 20});
  CHECK(moved->split->rule.count == 3);  // COUNT=5 less the two before the split
  CHECK(moved->series.rule.until->date == LocalDate{2026, 1, 19});
  REQUIRE(moved->changed.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(moved->changed[k].id == occ[2 + k].id);  // same reservations, moved
    CHECK(moved->changed[k].start == occ[2 + k].start + minutes(30));
    CHECK(moved->changed[k].series == moved->split->id);
    CHECK(moved->changed[k].version == 2);
  }
  CHECK(f.engine->get_reservation(sys(), f.tenant, occ[1].id)->start == occ[1].start);
  // The old slots are free again.
  CHECK(f.book(room, utc(2026, 1, 20, 9), utc(2026, 1, 20, 9, 30)).ok());
}

TEST_CASE("series: reschedule one occurrence to another day keeps it in the series") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room", 1, "America/New_York").id;
  auto booked = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(3)));
  REQUIRE(booked.ok());
  SeriesReschedule to_wednesday;
  to_wednesday.first_date = LocalDate{2026, 1, 14};
  to_wednesday.start_minute = 14 * 60;
  auto moved = f.engine->series().reschedule(sys(), f.tenant, booked->reservations[1].id,
                                             SeriesScope::this_occurrence, to_wednesday);
  REQUIRE(moved.ok());
  REQUIRE(moved->changed.size() == 1);
  CHECK(moved->changed[0].start == utc(2026, 1, 14, 19));  // 14:00 EST
  CHECK(moved->changed[0].series == booked->series.id);
  CHECK(moved->changed[0].occurrence_date == LocalDate{2026, 1, 13});  // its RECURRENCE-ID
  CHECK_FALSE(moved->split.has_value());
}

TEST_CASE("series: which of these Tuesdays are free at 09:00?") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto a = f.book(room, utc(2026, 1, 20, 8, 30), utc(2026, 1, 20, 9, 30));
  REQUIRE(a.ok());
  auto answer = f.engine->series().check(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(10)));
  REQUIRE(answer.ok());
  CHECK(answer->free.size() == 9);
  REQUIRE(answer->taken.size() == 1);
  CHECK(answer->taken[0].occurrence.date == LocalDate{2026, 1, 20});
  CHECK(answer->taken[0].blocking_reservation_ids == std::vector<ReservationId>{a->id});
  // Checking stores nothing.
  CHECK(f.engine->list_reservations(sys(), f.tenant, ReservationFilter{})->size() == 1);
}

TEST_CASE("series: caps and bad rules are clear errors and store nothing") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  Policy month;
  month.max_horizon = hours(24 * 30);
  auto room = f.resource("room", 1, "UTC", std::nullopt, month).id;
  auto too_far = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(10)));
  CHECK(too_far.status().code() == Code::conflict);
  CHECK_THAT(too_far.status().message(), Catch::Contains("horizon"));
  auto open = f.resource("open").id;
  RecurrenceRule daily;
  daily.frequency = Frequency::daily;
  daily.count = 1001;
  auto too_many = f.engine->series().book(
      sys(), f.tenant, series_on(open, LocalDate{2026, 1, 6}, 9 * 60, hours(1), daily));
  CHECK(too_many.status().code() == Code::invalid_argument);
  CHECK_THAT(too_many.status().message(), Catch::Contains("1000"));
  auto zero = weekly(3);
  zero.interval = 0;
  auto bad = f.engine->series().book(
      sys(), f.tenant, series_on(open, LocalDate{2026, 1, 6}, 9 * 60, hours(1), zero));
  CHECK(bad.status().code() == Code::invalid_argument);
  CHECK_THAT(bad.status().message(), Catch::Contains("INTERVAL"));
  auto endless = weekly(3);
  endless.count.reset();
  auto no_end = f.engine->series().book(
      sys(), f.tenant, series_on(open, LocalDate{2026, 1, 6}, 9 * 60, hours(1), endless));
  CHECK(no_end.status().code() == Code::invalid_argument);
  CHECK_THAT(no_end.status().message(), Catch::Contains("COUNT or UNTIL"));
  auto minute = series_on(open, LocalDate{2026, 1, 6}, 1440, hours(1), weekly(3));
  CHECK_THAT(f.engine->series().book(sys(), f.tenant, minute).status().message(),
             Catch::Contains("start_minute"));
  CHECK(f.engine->list_reservations(sys(), f.tenant, ReservationFilter{})->empty());
}

TEST_CASE("series: monthly last Friday across DST in Lord Howe and New York keeps local time") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  for (const std::string zone : {"Australia/Lord_Howe", "America/New_York"}) {
    auto room = f.resource("room " + zone, 1, zone).id;
    RecurrenceRule last_friday;
    last_friday.frequency = Frequency::monthly;
    last_friday.by_day = {WeekdayNum{Weekday::friday, -1}};
    last_friday.count = 12;
    auto booked = f.engine->series().book(
        sys(), f.tenant,
        series_on(room, LocalDate{2026, 1, 30}, 18 * 60 + 30, minutes(90), last_friday));
    REQUIRE(booked.ok());
    REQUIRE(booked->reservations.size() == 12);
    auto tz = date::locate_zone(zone);
    for (const auto& r : booked->reservations) {
      const auto local = date::make_zoned(tz, r.start).get_local_time();
      const auto day = date::floor<date::days>(local);
      CHECK(local - day == std::chrono::hours(18) + std::chrono::minutes(30));
      CHECK(date::weekday(day) == date::Friday);
      const date::year_month_day ymd(day);
      // The last Friday: a week later is the next month.
      CHECK(date::year_month_day(day + date::days(7)).month() != ymd.month());
    }
  }
}

TEST_CASE(
    "series: weekly across Lord Howe's half-hour shift until a local date, and 5th Tuesdays") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto lord_howe = f.resource("island", 1, "Australia/Lord_Howe").id;
  // 2026-04-05: Lord Howe moves from UTC+11 to UTC+10:30. UNTIL is a local date, inclusive.
  auto until_april = series_on(lord_howe, LocalDate{2026, 3, 22}, 9 * 60, hours(1), weekly(1));
  until_april.rule.count.reset();
  until_april.rule.until = RecurrenceRule::Until::on_date(LocalDate{2026, 4, 12});
  auto booked = f.engine->series().book(sys(), f.tenant, until_april);
  REQUIRE(booked.ok());
  REQUIRE(booked->reservations.size() == 4);                     // 22 and 29 March, 5 and 12 April
  CHECK(booked->reservations[1].start == utc(2026, 3, 28, 22));  // 09:00 +11
  CHECK(booked->reservations[2].start == utc(2026, 4, 4, 22, 30));  // 09:00 +10:30
  CHECK(booked->reservations[3].occurrence_date == LocalDate{2026, 4, 12});
  // Months with a fifth Tuesday only: March, June, September and December 2026.
  auto room = f.resource("room", 1, "America/New_York").id;
  RecurrenceRule fifth;
  fifth.frequency = Frequency::monthly;
  fifth.by_day = {WeekdayNum{Weekday::tuesday, 5}};
  fifth.until = RecurrenceRule::Until::on_date(LocalDate{2026, 12, 31});
  auto tuesdays = f.engine->series().book(
      sys(), f.tenant, series_on(room, LocalDate{2026, 3, 31}, 10 * 60, hours(1), fifth));
  REQUIRE(tuesdays.ok());
  std::vector<LocalDate> dates;
  for (const auto& r : tuesdays->reservations) dates.push_back(*r.occurrence_date);
  CHECK(dates == std::vector<LocalDate>{LocalDate{2026, 3, 31}, LocalDate{2026, 6, 30},
                                        LocalDate{2026, 9, 29}, LocalDate{2026, 12, 29}});
  CHECK(tuesdays->reservations[0].start == utc(2026, 3, 31, 14));   // 10:00 EDT
  CHECK(tuesdays->reservations[3].start == utc(2026, 12, 29, 15));  // 10:00 EST
}

TEST_CASE("series: a rule whose EXDATEs leave no occurrence is refused and stores nothing") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 1, 0));
  auto room = f.resource("room").id;
  auto req = series_on(room, LocalDate{2026, 1, 6}, 9 * 60, hours(1), weekly(1));
  req.exdates = {LocalDate{2026, 1, 6}};
  req.idempotency_key = "nothing-left";
  auto refused = f.engine->series().book(sys(), f.tenant, req);
  CHECK(refused.status().code() == Code::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("exdates"));
  CHECK(f.engine->series().check(sys(), f.tenant, req).status().code() == Code::invalid_argument);
  CHECK(f.engine->series().get(sys(), f.tenant, SeriesId{1}).status().code() == Code::not_found);
}
