"""Time through the Python API: the DST scenarios of the C++ tests
(tests/unit/availability_test.cpp), aware datetimes in and out, naive ones refused,
timedelta durations, whole seconds."""

from __future__ import annotations

import unittest
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boka
from _support import UTC, EngineTestCase, hours, minutes, utc

BERLIN = ZoneInfo("Europe/Berlin")


class DstGridTest(EngineTestCase):
    """The slot grid follows local time across DST (the same cases as the C++ tests)."""

    now = utc(2026, 1, 1)

    def make(self, zone: str, schedule: boka.Schedule, step: timedelta) -> int:
        return self.resource(zone, zone=zone, schedule=schedule.id, step=step).id

    def daily(self, start_minute: int, end_minute: int) -> boka.Schedule:
        return self.engine.create_schedule(
            self.tenant, name="daily",
            weekly=[boka.WeeklyRule(day, [boka.LocalInterval(start_minute, end_minute)])
                    for day in boka.Weekday])

    def test_berlin_spring_forward_0200_does_not_exist(self) -> None:
        r = self.make("Europe/Berlin", self.weekly(boka.Weekday.SUNDAY, 60, 240), hours(1))
        starts = self.starts(r, utc(2026, 3, 28), utc(2026, 3, 30), hours(1))
        self.assertEqual(starts, [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)])
        # In local time: 01:00 CET, then 03:00 CEST; 02:00 never happens.
        self.assertEqual([s.astimezone(BERLIN).strftime("%H:%M %Z") for s in starts],
                         ["01:00 CET", "03:00 CEST"])

    def test_berlin_fall_back_0200_happens_twice(self) -> None:
        r = self.make("Europe/Berlin", self.weekly(boka.Weekday.SUNDAY, 60, 240), hours(1))
        starts = self.starts(r, utc(2026, 10, 24), utc(2026, 10, 26), hours(1))
        self.assertEqual(starts, [utc(2026, 10, 24, 23), utc(2026, 10, 25, 0),
                                  utc(2026, 10, 25, 1), utc(2026, 10, 25, 2)])
        local = [s.astimezone(BERLIN) for s in starts]
        self.assertEqual([(t.strftime("%H:%M %Z"), t.fold) for t in local],
                         [("01:00 CEST", 0), ("02:00 CEST", 0), ("02:00 CET", 1),
                          ("03:00 CET", 0)])

    def test_new_york_spring_forward_and_fall_back(self) -> None:
        r = self.make("America/New_York", self.weekly(boka.Weekday.SUNDAY, 0, 180), minutes(30))
        self.assertEqual(self.starts(r, utc(2026, 3, 8), utc(2026, 3, 9), minutes(30)),
                         [utc(2026, 3, 8, 5), utc(2026, 3, 8, 5, 30), utc(2026, 3, 8, 6),
                          utc(2026, 3, 8, 6, 30)])
        self.assertEqual(len(self.starts(r, utc(2026, 11, 1), utc(2026, 11, 2), minutes(30))), 8)

    def test_lord_howe_moves_by_30_minutes_and_the_grid_stays_on_local_hours(self) -> None:
        r = self.make("Australia/Lord_Howe", self.weekly(boka.Weekday.SUNDAY, 0, 240), hours(1))
        self.assertEqual(self.starts(r, utc(2026, 10, 3), utc(2026, 10, 4), hours(1)),
                         [utc(2026, 10, 3, 13, 30), utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 16)])

    def test_kathmandu_15_minute_grid_starts_at_local_hour(self) -> None:
        r = self.make("Asia/Kathmandu", self.daily(9 * 60, 10 * 60), minutes(15))
        self.assertEqual(self.starts(r, utc(2026, 6, 1), utc(2026, 6, 2), minutes(15)),
                         [utc(2026, 6, 1, 3, 15), utc(2026, 6, 1, 3, 30), utc(2026, 6, 1, 3, 45),
                          utc(2026, 6, 1, 4, 0)])

    def test_sydney_spring_forward_in_october(self) -> None:
        r = self.make("Australia/Sydney", self.weekly(boka.Weekday.SUNDAY, 0, 240), hours(1))
        self.assertEqual(self.starts(r, utc(2026, 10, 3), utc(2026, 10, 4), hours(1)),
                         [utc(2026, 10, 3, 14), utc(2026, 10, 3, 15), utc(2026, 10, 3, 16)])

    def test_local_inputs_with_fold_pick_the_right_instant(self) -> None:
        r = self.make("Europe/Berlin", self.weekly(boka.Weekday.SUNDAY, 60, 240), hours(1))
        first = datetime(2026, 10, 25, 2, tzinfo=BERLIN)           # 02:00 CEST = 00:00 UTC
        second = datetime(2026, 10, 25, 2, tzinfo=BERLIN, fold=1)  # 02:00 CET  = 01:00 UTC
        # Python adds to an aware datetime in wall time (first + 1 h is 03:00 CET, two real
        # hours later), so ends are computed in UTC.
        a = self.book(r, first, first.astimezone(UTC) + hours(1))
        b = self.book(r, second, second.astimezone(UTC) + hours(1))
        self.assertEqual((a.start, a.end), (utc(2026, 10, 25, 0), utc(2026, 10, 25, 1)))
        self.assertEqual((b.start, b.end), (utc(2026, 10, 25, 1), utc(2026, 10, 25, 2)))
        with self.assertRaises(boka.ConflictError):
            self.book(r, second, second.astimezone(UTC) + hours(1))


class DatetimeConversionTest(EngineTestCase):
    def test_results_are_aware_utc_datetimes(self) -> None:
        room = self.resource()
        booked = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        for value in (booked.start, booked.end, booked.created_at, booked.updated_at,
                      room.created_at):
            self.assertIsInstance(value, datetime)
            self.assertIs(value.tzinfo, timezone.utc)
        self.assertEqual(booked.created_at, self.now)
        self.assertEqual(booked.start, utc(2026, 1, 6, 10))

    def test_any_aware_zone_is_accepted_and_means_the_same_instant(self) -> None:
        room = self.resource()
        start = datetime(2026, 1, 6, 11, tzinfo=BERLIN)  # 10:00 UTC in winter
        plus_two = timezone(timedelta(hours=2))
        booked = self.book(room.id, start, datetime(2026, 1, 6, 13, tzinfo=plus_two))
        self.assertEqual(booked.start, utc(2026, 1, 6, 10))
        self.assertEqual(booked.end, utc(2026, 1, 6, 11))

    def test_naive_datetimes_are_refused_with_a_clear_error(self) -> None:
        room = self.resource()
        naive = datetime(2026, 1, 6, 10)
        with self.assertRaises(boka.InvalidArgumentError) as caught:
            self.book(room.id, naive, utc(2026, 1, 6, 11))
        self.assertIsInstance(caught.exception, ValueError)
        self.assertEqual(caught.exception.code, boka.Code.INVALID_ARGUMENT)
        message = str(caught.exception)
        self.assertTrue(message.startswith("start: datetime.datetime(2026, 1, 6, 10, 0) is naive"),
                        message)
        self.assertIn("timezone-aware", message)
        # Everywhere an instant goes in.
        r = [boka.AllocationRequest.of_resource(room.id)]
        calls = [
            lambda: self.engine.availability(self.tenant, r, naive, utc(2026, 1, 7), hours(1)),
            lambda: self.engine.availability(self.tenant, r, utc(2026, 1, 6), naive, hours(1)),
            lambda: self.engine.explain(self.tenant, r, naive, hours(1)),
            lambda: self.engine.reschedule(self.tenant, 1, naive, utc(2026, 1, 7)),
            lambda: self.engine.list_reservations(self.tenant, start=naive),
            lambda: boka.ManualClock(naive),
            lambda: self.clock.set(naive),
        ]
        for call in calls:
            with self.assertRaisesRegex(boka.InvalidArgumentError, "is naive"):
                call()
        # Nothing was booked by the refused calls.
        self.assertEqual(self.engine.list_reservations(self.tenant), [])

    def test_a_tzinfo_without_an_offset_counts_as_naive(self) -> None:
        class NoOffset(timezone.__base__):  # type: ignore[misc, name-defined]
            def utcoffset(self, dt: object) -> None:
                return None

            def dst(self, dt: object) -> None:
                return None

            def tzname(self, dt: object) -> str:
                return "?"

        room = self.resource()
        with self.assertRaisesRegex(boka.InvalidArgumentError, "naive"):
            self.book(room.id, datetime(2026, 1, 6, 10, tzinfo=NoOffset()), utc(2026, 1, 6, 11))

    def test_instants_and_durations_are_whole_seconds(self) -> None:
        room = self.resource()
        with self.assertRaisesRegex(boka.InvalidArgumentError, "start: boka instants are whole seconds"):
            self.book(room.id, utc(2026, 1, 6, 10).replace(microsecond=5), utc(2026, 1, 6, 11))
        with self.assertRaisesRegex(boka.InvalidArgumentError, "hold_for: boka counts whole seconds"):
            self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11),
                      hold_for=timedelta(seconds=1.5))

    def test_durations_are_timedeltas(self) -> None:
        room = self.resource(step=minutes(30), buffer_after=minutes(10), max_horizon=timedelta(days=90))
        self.assertEqual(room.policy.slot_step, timedelta(minutes=30))
        self.assertEqual(room.policy.buffer_after, timedelta(minutes=10))
        self.assertEqual(room.policy.max_horizon, timedelta(days=90))
        held = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11),
                         hold_for=timedelta(minutes=15))
        self.assertEqual(held.hold_expires_at, self.now + timedelta(minutes=15))
        with self.assertRaisesRegex(TypeError, "duration: expected a datetime.timedelta, got int"):
            self.engine.availability(self.tenant, [boka.AllocationRequest.of_resource(room.id)],
                                     utc(2026, 1, 6), utc(2026, 1, 7), 3600)  # type: ignore[arg-type]
        with self.assertRaisesRegex(boka.InvalidArgumentError, "longer than 10000 years"):
            self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11),
                      hold_for=timedelta(days=999_999_999))

    def test_wrong_types_are_type_errors(self) -> None:
        room = self.resource()
        with self.assertRaisesRegex(TypeError, "start: expected a timezone-aware datetime.datetime, got str"):
            self.book(room.id, "2026-01-06T10:00:00Z", utc(2026, 1, 6, 11))  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "start: expected a timezone-aware datetime.datetime, got int"):
            self.book(room.id, 1767693600, utc(2026, 1, 6, 11))  # type: ignore[arg-type]

    def test_extreme_aware_datetimes_are_refused_not_overflowed(self) -> None:
        room = self.resource()
        far_east = timezone(timedelta(hours=14))
        with self.assertRaisesRegex(boka.InvalidArgumentError, "outside the years 0001..9999"):
            self.book(room.id, datetime(1, 1, 1, tzinfo=far_east), utc(2026, 1, 6, 11))
        with self.assertRaises(boka.InvalidArgumentError):
            self.clock.advance(timedelta(days=3_000_000))

    def test_manual_clock_drives_now(self) -> None:
        room = self.resource(min_notice=hours(2))
        self.assertEqual(self.clock.now(), self.now)
        # Notice: 09:00 is too soon at 08:00, fine once the clock is set back.
        with self.assertRaises(boka.ConflictError):
            self.book(room.id, utc(2026, 1, 5, 9), utc(2026, 1, 5, 10))
        self.clock.set(utc(2026, 1, 5, 6))
        self.assertEqual(self.book(room.id, utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)).start,
                         utc(2026, 1, 5, 9))
        self.clock.advance(timedelta(minutes=30))
        self.assertEqual(self.clock.now(), utc(2026, 1, 5, 6, 30))


if __name__ == "__main__":
    unittest.main()
