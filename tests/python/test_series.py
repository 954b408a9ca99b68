"""Recurring series through Python (engine.series, boka.RecurringBookings): booking in
local time across DST, a refusal naming every occurrence in ConflictError.occurrences,
skip_conflicts, check, holds, idempotency and confirm, cancel and reschedule by scope, bad
rules and arguments, on memory and on a SQLite file."""

from __future__ import annotations

import dataclasses
import os
import unittest
from datetime import date, timedelta

import boka
from _support import EngineTestCase, hours, minutes, temp_dir, utc

R = boka.AllocationRequest.of_resource


class SeriesTest(EngineTestCase):
    def tuesdays(self, room: int, count: int, **kwargs: object) -> boka.SeriesBooking:
        """Every Tuesday from 2026-01-06 at 09:00 local, one hour."""
        return self.engine.series.book(self.tenant, [R(room)], date(2026, 1, 6), 9 * 60, hours(1),
                                       f"FREQ=WEEKLY;COUNT={count}", **kwargs)  # type: ignore[arg-type]

    def test_the_facet_and_its_types(self) -> None:
        self.assertIsInstance(self.engine.series, boka.RecurringBookings)
        self.assertIsNot(boka.RecurringBookings, boka.Series)
        self.assertEqual(boka.SeriesMode("skip_conflicts"), boka.SeriesMode.SKIP_CONFLICTS)
        self.assertEqual(boka.SeriesScope.WHOLE_SERIES.value, "whole_series")
        self.assertEqual(boka.Series.__module__, "boka")

    def test_every_tuesday_in_berlin_keeps_its_local_time(self) -> None:
        room = self.resource(zone="Europe/Berlin").id
        # 2026-03-17 .. 2026-04-07: Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
        booked = self.engine.series.book(self.tenant, [R(room)], date(2026, 3, 17), 9 * 60, hours(1),
                                         "FREQ=WEEKLY;BYDAY=TU;COUNT=4", customer="team-7",
                                         metadata={"topic": "standup"})
        self.assertIsInstance(booked, boka.SeriesBooking)
        series = booked.series
        self.assertIsInstance(series, boka.Series)
        self.assertEqual((series.rule, series.zone, series.first_date, series.start_minute),
                         ("FREQ=WEEKLY;BYDAY=TU;COUNT=4", "Europe/Berlin", date(2026, 3, 17), 540))
        self.assertEqual((series.duration, series.exdates, series.split_from), (hours(1), (), None))
        self.assertEqual(series.allocations, (R(room),))
        self.assertEqual(series.metadata, {"topic": "standup"})
        self.assertEqual([r.start for r in booked.reservations],
                         [utc(2026, 3, 17, 8), utc(2026, 3, 24, 8), utc(2026, 3, 31, 7), utc(2026, 4, 7, 7)])
        self.assertEqual({r.local_start.hour for r in booked.reservations}, {9})
        self.assertEqual({r.series for r in booked.reservations}, {series.id})
        self.assertEqual([r.occurrence_date for r in booked.reservations],
                         [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7)])
        self.assertEqual({r.customer for r in booked.reservations}, {"team-7"})
        self.assertEqual(booked.skipped, ())
        self.assertEqual(self.engine.series.get(self.tenant, series.id), series)
        self.assertEqual(self.engine.series.occurrences(self.tenant, series.id), list(booked.reservations))
        self.assertEqual([r.id for r in self.engine.list_reservations(self.tenant, series=series.id)],
                         [r.id for r in booked.reservations])
        # A single booking is not an occurrence.
        single = self.book(room, utc(2026, 5, 5, 7), utc(2026, 5, 5, 8))
        self.assertIsNone(single.series)
        self.assertIsNone(single.occurrence_date)

    def test_a_refusal_names_every_occurrence(self) -> None:
        room = self.resource().id
        a = self.book(room, utc(2026, 1, 13, 9, 0), utc(2026, 1, 13, 10))
        b = self.book(room, utc(2026, 1, 27, 8), utc(2026, 1, 27, 10))
        with self.assertRaises(boka.ConflictError) as refused:
            self.tuesdays(room, 4)
        error = refused.exception
        self.assertIn("2 of 4 occurrences", error.message)
        self.assertEqual(len(error.occurrences), 2)
        first, second = error.occurrences
        self.assertIsInstance(first, boka.RefusedOccurrence)
        self.assertEqual((first.start, first.end), (utc(2026, 1, 13, 9), utc(2026, 1, 13, 10)))
        self.assertEqual(first.code, boka.Code.CONFLICT)
        self.assertEqual((first.blocking_reservation_ids, second.blocking_reservation_ids), ((a.id,), (b.id,)))
        self.assertTrue(first.reason)
        self.assertEqual(error.blocking_reservation_ids, (a.id, b.id))
        self.assertIsNone(error.next_free_start)
        self.assertEqual(len(self.engine.list_reservations(self.tenant)), 2)  # nothing stored

        # Which are free? check says, and stores nothing.
        answer = self.engine.series.check(self.tenant, [R(room)], date(2026, 1, 6), 9 * 60, hours(1),
                                          "FREQ=WEEKLY;COUNT=4")
        self.assertIsInstance(answer, boka.SeriesAvailability)
        self.assertEqual([o.date for o in answer.free], [date(2026, 1, 6), date(2026, 1, 20)])
        self.assertIsInstance(answer.free[0], boka.Occurrence)
        self.assertEqual([(t.date, t.blocking_reservation_ids) for t in answer.taken],
                         [(date(2026, 1, 13), (a.id,)), (date(2026, 1, 27), (b.id,))])
        self.assertIsInstance(answer.taken[0], boka.SkippedOccurrence)

        # skip_conflicts books the free ones; the others become EXDATEs.
        skipping = self.tuesdays(room, 4, mode=boka.SeriesMode.SKIP_CONFLICTS)
        self.assertEqual(len(skipping.reservations), 2)
        self.assertEqual([s.date for s in skipping.skipped], [date(2026, 1, 13), date(2026, 1, 27)])
        self.assertEqual(skipping.skipped[0].code, boka.Code.CONFLICT)
        self.assertEqual(skipping.series.exdates, (date(2026, 1, 13), date(2026, 1, 27)))
        # Nothing free at all: refused in skip_conflicts mode too ("skip_conflicts" by name).
        with self.assertRaises(boka.ConflictError) as none:
            self.tuesdays(room, 4, mode="skip_conflicts")
        self.assertEqual(len(none.exception.occurrences), 4)

    def test_holds_idempotency_and_confirm(self) -> None:
        room = self.resource().id
        held = self.tuesdays(room, 3, hold_for=minutes(15), idempotency_key="standup")
        self.assertEqual({r.status for r in held.reservations}, {boka.ReservationStatus.HELD})
        again = self.tuesdays(room, 3, hold_for=minutes(15), idempotency_key="standup")
        self.assertEqual(again.series.id, held.series.id)
        self.assertEqual([r.id for r in again.reservations], [r.id for r in held.reservations])
        with self.assertRaises(boka.AlreadyExistsError):
            self.tuesdays(room, 2, idempotency_key="standup")
        confirmed = self.engine.series.confirm(self.tenant, held.series.id)
        self.assertEqual({r.status for r in confirmed}, {boka.ReservationStatus.CONFIRMED})
        # A lapsed hold cannot be confirmed.
        other = self.engine.series.book(self.tenant, [R(room)], date(2026, 1, 7), 9 * 60, hours(1),
                                        "FREQ=DAILY;COUNT=2", hold_for=minutes(15))
        self.clock.advance(minutes(16))
        with self.assertRaises(boka.ConflictError) as late:
            self.engine.series.confirm(self.tenant, other.series.id)
        self.assertIn("expired", late.exception.message)
        with self.assertRaises(boka.NotFoundError):
            self.engine.series.get(self.tenant, other.series.id + 100)

    def test_cancel_by_scope(self) -> None:
        room = self.resource().id
        occ = self.tuesdays(room, 6).reservations
        one = self.engine.series.cancel(self.tenant, occ[1].id, boka.SeriesScope.THIS_OCCURRENCE)
        self.assertIsInstance(one, boka.SeriesChange)
        self.assertEqual([(r.id, r.status) for r in one.changed], [(occ[1].id, boka.ReservationStatus.CANCELLED)])
        self.assertEqual(one.series.exdates, (date(2026, 1, 13),))
        self.assertIsNone(one.split)
        following = self.engine.series.cancel(self.tenant, occ[3].id, "this_and_following")
        self.assertEqual([r.id for r in following.changed], [occ[3].id, occ[4].id, occ[5].id])
        self.assertEqual(following.series.rule, "FREQ=WEEKLY;UNTIL=20260126")
        whole = self.engine.series.cancel(self.tenant, occ[0].id, boka.SeriesScope.WHOLE_SERIES)
        self.assertEqual([r.id for r in whole.changed], [occ[0].id, occ[2].id])
        with self.assertRaises(boka.ConflictError):  # nothing left to cancel
            self.engine.series.cancel(self.tenant, occ[0].id, "whole_series")
        with self.assertRaises(boka.InvalidArgumentError) as bad:
            self.engine.series.cancel(self.tenant, occ[0].id, "sometimes")
        self.assertIn("scope: \"sometimes\" is not one of this_occurrence", str(bad.exception))

    def test_reschedule_by_scope(self) -> None:
        room = self.resource(zone="America/New_York", step=minutes(30)).id
        booked = self.tuesdays(room, 5)
        occ = booked.reservations
        blocker = self.book(room, utc(2026, 2, 3, 15, 30), utc(2026, 2, 3, 16))  # 10:30 EST
        with self.assertRaises(boka.ConflictError) as refused:
            self.engine.series.reschedule(self.tenant, occ[2].id, "this_and_following", start_minute=10 * 60)
        self.assertEqual([(o.start, o.blocking_reservation_ids) for o in refused.exception.occurrences],
                         [(utc(2026, 2, 3, 15), (blocker.id,))])
        self.assertEqual([r.start for r in self.engine.series.occurrences(self.tenant, booked.series.id)],
                         [r.start for r in occ])
        self.engine.cancel(self.tenant, blocker.id)
        moved = self.engine.series.reschedule(self.tenant, occ[2].id, boka.SeriesScope.THIS_AND_FOLLOWING,
                                              start_minute=10 * 60)
        assert moved.split is not None
        self.assertEqual((moved.split.split_from, moved.split.first_date, moved.split.rule),
                         (booked.series.id, date(2026, 1, 20), "FREQ=WEEKLY;COUNT=3"))
        self.assertEqual(moved.series.rule, "FREQ=WEEKLY;UNTIL=20260119")
        self.assertEqual([r.id for r in moved.changed], [r.id for r in occ[2:]])
        self.assertEqual([r.start - o.start for r, o in zip(moved.changed, occ[2:])], [hours(1)] * 3)
        # One occurrence alone to the Wednesday at 14:00 local: it keeps its RECURRENCE-ID.
        one = self.engine.series.reschedule(self.tenant, occ[1].id, "this_occurrence",
                                            first_date=date(2026, 1, 14), start_minute=14 * 60,
                                            duration=minutes(30))
        self.assertEqual((one.changed[0].start, one.changed[0].end), (utc(2026, 1, 14, 19), utc(2026, 1, 14, 19, 30)))
        self.assertEqual(one.changed[0].occurrence_date, date(2026, 1, 13))
        # A new rule for the rest: every Thursday, twice.
        thursdays = self.engine.series.reschedule(self.tenant, occ[3].id, "this_and_following",
                                                  first_date=date(2026, 1, 29),
                                                  rule="FREQ=WEEKLY;BYDAY=TH;COUNT=2")
        self.assertEqual([r.start for r in thursdays.changed], [utc(2026, 1, 29, 15), utc(2026, 2, 5, 15)])

    def test_bad_rules_and_arguments(self) -> None:
        room = self.resource().id

        def book(rule: object, **kwargs: object) -> boka.SeriesBooking:
            return self.engine.series.book(self.tenant, [R(room)], date(2026, 1, 6), 9 * 60, hours(1),
                                           rule, **kwargs)  # type: ignore[arg-type]

        with self.assertRaises(boka.InvalidArgumentError) as zero:
            book("FREQ=WEEKLY;INTERVAL=0;COUNT=3")
        self.assertTrue(str(zero.exception).startswith("rule: RRULE: INTERVAL=0"), str(zero.exception))
        with self.assertRaises(boka.NotSupportedError) as yearly:
            book("FREQ=YEARLY;COUNT=3")
        self.assertIn("rule: RRULE: FREQ=YEARLY", str(yearly.exception))
        with self.assertRaises(boka.InvalidArgumentError) as endless:
            book("FREQ=WEEKLY")
        self.assertIn("COUNT or UNTIL", str(endless.exception))
        with self.assertRaises(TypeError):
            book(None)
        with self.assertRaises(boka.InvalidArgumentError) as mode:
            book("FREQ=WEEKLY;COUNT=3", mode="most")
        self.assertIn("mode: \"most\" is not one of all_or_nothing", str(mode.exception))
        with self.assertRaises(TypeError) as when:
            self.engine.series.book(self.tenant, [R(room)], utc(2026, 1, 6), 540, hours(1),  # type: ignore[arg-type]
                                    "FREQ=WEEKLY;COUNT=3")
        self.assertIn("first_date: expected a datetime.date", str(when.exception))
        with self.assertRaises(boka.InvalidArgumentError) as minute:
            self.engine.series.book(self.tenant, [R(room)], date(2026, 1, 6), 1440, hours(1),
                                    "FREQ=WEEKLY;COUNT=3")
        self.assertIn("start_minute", str(minute.exception))
        occ = book("FREQ=WEEKLY;COUNT=2").reservations
        with self.assertRaises(boka.InvalidArgumentError) as reschedule_rule:
            self.engine.series.reschedule(self.tenant, occ[0].id, "this_and_following",
                                          rule="FREQ=WEEKLY;BYDAY=XX;COUNT=2")
        self.assertIn("rule: RRULE: BYDAY=XX", str(reschedule_rule.exception))
        with self.assertRaises(boka.NotSupportedError):
            self.engine.series.reschedule(self.tenant, occ[0].id, "this_and_following", rule="FREQ=HOURLY;COUNT=2")
        # Exdates by date; a bad one names its index.
        skipping = self.engine.series.book(self.tenant, [R(room)], date(2026, 1, 6), 12 * 60, hours(1),
                                           "FREQ=DAILY;COUNT=3", exdates=[date(2026, 1, 7)])
        self.assertEqual([r.occurrence_date for r in skipping.reservations], [date(2026, 1, 6), date(2026, 1, 8)])
        with self.assertRaises(TypeError) as exdate:
            book("FREQ=DAILY;COUNT=3", exdates=["2026-01-07"])
        self.assertIn("exdates[0]", str(exdate.exception))
        # Every refusal stored nothing: the two series above are all there is.
        self.assertEqual(len(self.engine.list_reservations(self.tenant)), 4)

    def test_values_are_frozen_and_replaceable(self) -> None:
        room = self.resource().id
        series = self.tuesdays(room, 2).series
        with self.assertRaises(dataclasses.FrozenInstanceError):
            series.rule = "FREQ=DAILY;COUNT=1"  # type: ignore[misc]
        self.assertEqual(dataclasses.replace(series, customer="y").customer, "y")


class SeriesOnSqliteTest(SeriesTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "series.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
