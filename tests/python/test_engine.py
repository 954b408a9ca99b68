"""The engine through Python: the quickstart flow on memory and SQLite, the context
manager, management of tenants, resources, schedules and pools, and the reservation
lifecycle."""

from __future__ import annotations

import dataclasses
import os
import unittest
from datetime import date, timedelta

import boka
from _support import EngineTestCase, hours, minutes, temp_dir, utc

R = boka.AllocationRequest.of_resource


class QuickstartTest(unittest.TestCase):
    """The README's session: tenant, schedule, resource in Berlin, availability, booking,
    a refused second booking with its next free start."""

    def run_flow(self, uri: str) -> None:
        clock = boka.ManualClock(utc(2026, 1, 5, 8))
        with boka.Engine(uri, clock=clock) as engine:
            tenant = engine.create_tenant("Clinic")
            hours_ = engine.create_schedule(
                tenant.id, name="Weekdays",
                weekly=[boka.WeeklyRule(day, [boka.LocalInterval(9 * 60, 12 * 60),
                                              boka.LocalInterval(13 * 60, 17 * 60)])
                        for day in (boka.Weekday.MONDAY, boka.Weekday.TUESDAY,
                                    boka.Weekday.WEDNESDAY, boka.Weekday.THURSDAY,
                                    boka.Weekday.FRIDAY)])
            room = engine.create_resource(
                tenant.id, name="Room 1", zone="Europe/Berlin", schedule=hours_.id,
                policy=boka.Policy(slot_step=minutes(30), buffer_after=minutes(10)))
            monday = utc(2026, 1, 12)
            slots = engine.availability(tenant.id, [R(room.id)], monday, monday + timedelta(days=7),
                                        hours(1))
            # 09:00 Berlin is 08:00 UTC in winter; the last start is 16:00 local.
            self.assertEqual(slots[0].start, utc(2026, 1, 12, 8))
            self.assertEqual(slots[0].end, utc(2026, 1, 12, 9))
            self.assertEqual(slots[0].resources, (room.id,))
            self.assertEqual(len(slots), 5 * (5 + 7))
            booked = engine.reserve(tenant.id, [R(room.id)], slots[0].start, slots[0].end,
                                    idempotency_key="order-1234", customer="patient-17")
            self.assertEqual(booked.status, boka.ReservationStatus.CONFIRMED)
            self.assertEqual(booked.allocations, (boka.Allocation(room.id, 1, None),))
            # A retry with the same key returns the same reservation.
            again = engine.reserve(tenant.id, [R(room.id)], slots[0].start, slots[0].end,
                                   idempotency_key="order-1234", customer="patient-17")
            self.assertEqual(again.id, booked.id)
            with self.assertRaises(boka.ConflictError) as refused:
                engine.reserve(tenant.id, [R(room.id)], slots[0].start, slots[0].end)
            self.assertEqual(refused.exception.blocking_reservation_ids, (booked.id,))
            # 10 min buffer after 09:00-10:00, on a 30 min grid: 10:30 local.
            self.assertEqual(refused.exception.next_free_start, utc(2026, 1, 12, 9, 30))
            self.assertEqual(engine.get_reservation(tenant.id, booked.id), booked)

    def test_memory(self) -> None:
        self.run_flow("memory:")

    def test_sqlite_file(self) -> None:
        path = os.path.join(temp_dir(self), "quickstart.db")
        self.run_flow(f"sqlite:{path}")
        # Everything was committed to the file: a new engine reads it back.
        with boka.Engine(f"sqlite:{path}") as engine:
            info = engine.operations.storage_info()
            self.assertEqual((info.dialect, info.location), ("sqlite", path))
            self.assertGreater(info.schema_version, 0)
            (tenant,) = engine.list_tenants()
            self.assertEqual(tenant.name, "Clinic")
            self.assertEqual(len(engine.list_reservations(tenant.id)), 1)


class ContextManagerTest(unittest.TestCase):
    def test_with_closes_the_engine(self) -> None:
        with boka.Engine("memory:") as engine:
            self.assertFalse(engine.closed)
            engine.create_tenant("t")
        self.assertTrue(engine.closed)
        with self.assertRaisesRegex(boka.InvalidArgumentError, "the engine is closed"):
            engine.list_tenants()
        with self.assertRaisesRegex(boka.InvalidArgumentError, "the engine is closed"):
            engine.operations.storage_info()
        engine.close()  # idempotent

    def test_with_closes_on_an_exception_and_lets_it_through(self) -> None:
        with self.assertRaises(KeyError):
            with boka.Engine("memory:") as engine:
                raise KeyError("boom")
        self.assertTrue(engine.closed)

    def test_close_releases_the_sqlite_file(self) -> None:
        path = os.path.join(temp_dir(self), "closed.db")
        engine = boka.Engine(f"sqlite:{path}")
        engine.create_tenant("t")
        engine.close()
        # The file is complete and closed: it can be removed and recreated.
        os.remove(path)
        for suffix in ("-wal", "-shm"):
            self.assertFalse(os.path.exists(path + suffix), suffix)
        with boka.Engine(f"sqlite:{path}") as fresh:
            self.assertEqual(fresh.list_tenants(), [])

    def test_open_errors(self) -> None:
        with self.assertRaisesRegex(boka.InvalidArgumentError, "nosuch"):
            boka.Engine("nosuch:thing")
        with self.assertRaises(boka.StorageError):
            boka.Engine("sqlite:/nonexistent-dir/x/y.db")

    def test_principal(self) -> None:
        system = boka.Principal.system()
        self.assertEqual((system.kind, system.name), ("system", "system"))
        with boka.Engine("memory:") as engine:
            tenant = engine.create_tenant("t", who=system)
            self.assertEqual(engine.get_tenant(tenant.id, who=system), tenant)
            with self.assertRaisesRegex(TypeError, "who: expected boka.Principal or None, got str"):
                engine.get_tenant(tenant.id, who="root")  # type: ignore[arg-type]


class ManagementTest(EngineTestCase):
    def test_tenants(self) -> None:
        t = self.engine.get_tenant(self.tenant)
        self.assertEqual((t.name, t.version, t.archived_at), ("acme", 1, None))
        renamed = self.engine.update_tenant(dataclasses.replace(t, name="Acme Inc"))
        self.assertEqual((renamed.name, renamed.version), ("Acme Inc", 2))
        self.assertEqual([x.name for x in self.engine.list_tenants()], ["Acme Inc"])
        archived = self.engine.archive_tenant(self.tenant)
        self.assertEqual(archived.archived_at, self.now)
        with self.assertRaises(boka.ConflictError):
            self.resource()

    def test_resources(self) -> None:
        room = self.engine.create_resource(
            self.tenant, name="Court 1", zone="Europe/Berlin", capacity=4,
            policy=boka.Policy(slot_step=minutes(30), min_notice=hours(1), daily_limit=5),
            metadata={"surface": "clay", "lights": True, "nested": {"a": [1, 2]}})
        self.assertEqual(room.metadata, {"surface": "clay", "lights": True, "nested": {"a": [1, 2]}})
        self.assertEqual(room.policy, boka.Policy(slot_step=minutes(30), min_notice=hours(1),
                                                  daily_limit=5))
        self.assertEqual((room.tenant, room.capacity, room.schedule), (self.tenant, 4, None))
        plain = self.engine.create_resource(self.tenant, name="Desk", zone="UTC")
        self.assertEqual((plain.capacity, plain.policy, plain.metadata), (1, boka.Policy(), {}))
        self.assertEqual([r.name for r in self.engine.list_resources(self.tenant)],
                         ["Court 1", "Desk"])
        self.engine.archive_resource(self.tenant, plain.id)
        self.assertEqual([r.name for r in self.engine.list_resources(self.tenant)], ["Court 1"])
        self.assertEqual(len(self.engine.list_resources(self.tenant, include_archived=True)), 2)

    def test_schedules_round_trip(self) -> None:
        s = self.engine.create_schedule(
            self.tenant, name="Clinic",
            weekly=[boka.WeeklyRule(boka.Weekday.TUESDAY, [boka.LocalInterval(540, 1020)])],
            overrides=[boka.DateOverride(date(2026, 12, 24), [boka.LocalInterval(540, 720)]),
                       boka.DateOverride(date(2026, 12, 31))],
            holidays=[boka.HolidayRule.fixed_date("Christmas", 12, 25),
                      boka.HolidayRule.nth_weekday("Thanksgiving", 4, boka.Weekday.THURSDAY, 11),
                      boka.HolidayRule.last_weekday("Memorial", boka.Weekday.MONDAY, 5),
                      boka.HolidayRule("Labour", "fixed_date", 5, day_of_month=1)])  # type: ignore[arg-type]
        self.assertEqual(s.weekly, (boka.WeeklyRule(boka.Weekday.TUESDAY,
                                                    (boka.LocalInterval(540, 1020),)),))
        self.assertEqual(s.overrides[1], boka.DateOverride(date(2026, 12, 31), ()))
        self.assertEqual(s.holidays[1].kind, boka.HolidayKind.NTH_WEEKDAY)
        self.assertEqual(s.holidays[3].kind, boka.HolidayKind.FIXED_DATE)
        self.assertEqual(self.engine.get_schedule(self.tenant, s.id), s)
        # The result is its own update: nothing changes but the version.
        same = self.engine.update_schedule(self.tenant, s)
        self.assertEqual(dataclasses.replace(same, version=s.version), s)
        self.assertEqual([x.id for x in self.engine.list_schedules(self.tenant)], [s.id])
        with self.assertRaisesRegex(boka.InvalidArgumentError, "schedule.weekly"):
            self.engine.create_schedule(self.tenant, name="bad", weekly=[
                boka.WeeklyRule(boka.Weekday.MONDAY, [boka.LocalInterval(600, 540)])])
        with self.assertRaisesRegex(TypeError, r"overrides\[0\].date: expected a datetime.date, got datetime.datetime"):
            self.engine.create_schedule(self.tenant, name="x", overrides=[
                boka.DateOverride(utc(2026, 12, 24))])  # type: ignore[arg-type]

    def test_christmas_closes_the_day(self) -> None:
        s = self.engine.create_schedule(
            self.tenant, name="daily",
            weekly=[boka.WeeklyRule(d, [boka.LocalInterval(540, 1020)]) for d in boka.Weekday],
            holidays=[boka.HolidayRule.fixed_date("Christmas", 12, 25)])
        room = self.resource(zone="Europe/Berlin", schedule=s.id)
        self.assertEqual(self.starts(room.id, utc(2026, 12, 25), utc(2026, 12, 26), hours(1)), [])
        self.assertEqual(len(self.starts(room.id, utc(2026, 12, 24), utc(2026, 12, 25), hours(1))), 8)
        archived_while_used = self.assertRaises(boka.ConflictError)
        with archived_while_used:
            self.engine.archive_schedule(self.tenant, s.id)

    def test_pools_pick_the_first_free_member(self) -> None:
        a = self.resource("A")
        b = self.resource("B")
        pool = self.engine.create_pool(self.tenant, name="Desks", members=[b.id, a.id])
        self.assertEqual(pool.members, (b.id, a.id))
        request = [boka.AllocationRequest.of_pool(pool.id)]
        start, end = utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)
        first = self.engine.reserve(self.tenant, request, start, end)
        second = self.engine.reserve(self.tenant, request, start, end)
        self.assertEqual(first.allocations, (boka.Allocation(b.id, 1, pool.id),))
        self.assertEqual(second.allocations, (boka.Allocation(a.id, 1, pool.id),))
        with self.assertRaises(boka.ConflictError):
            self.engine.reserve(self.tenant, request, start, end)
        slots = self.engine.availability(self.tenant, request, start, start + hours(3), hours(1))
        self.assertEqual([s.start for s in slots], [utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)])
        self.assertEqual(slots[0].resources, (b.id,))
        reordered = self.engine.update_pool(self.tenant, dataclasses.replace(pool, members=[a.id, b.id]))
        self.assertEqual((reordered.members, reordered.version), ((a.id, b.id), 2))
        self.assertEqual(self.engine.get_pool(self.tenant, pool.id), reordered)
        self.engine.archive_pool(self.tenant, pool.id)
        self.assertEqual(self.engine.list_pools(self.tenant), [])
        self.assertEqual(len(self.engine.list_pools(self.tenant, include_archived=True)), 1)


class ReservationLifecycleTest(EngineTestCase):
    def test_hold_confirm_expire(self) -> None:
        room = self.resource()
        held = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), hold_for=minutes(10))
        self.assertEqual(held.status, boka.ReservationStatus.HELD)
        self.assertEqual(held.hold_expires_at, self.now + minutes(10))
        confirmed = self.engine.confirm(self.tenant, held.id, if_version=held.version)
        self.assertEqual((confirmed.status, confirmed.hold_expires_at), ("confirmed", None))
        lapsing = self.book(room.id, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13), hold_for=minutes(1))
        self.clock.advance(minutes(2))
        self.assertEqual(self.engine.get_reservation(self.tenant, lapsing.id).status,
                         boka.ReservationStatus.EXPIRED)
        with self.assertRaises(boka.ConflictError):
            self.engine.confirm(self.tenant, lapsing.id)
        self.book(room.id, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13))  # the slot is free again
        self.assertEqual(self.engine.expire_holds(), 1)
        self.assertEqual(self.engine.expire_holds(limit=10), 0)

    def test_cancel_reschedule_complete_no_show(self) -> None:
        room = self.resource(capacity=1)
        r = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11), customer="c-1",
                      metadata={"channel": "web"})
        self.assertEqual((r.customer, r.metadata), ("c-1", {"channel": "web"}))
        moved = self.engine.reschedule(self.tenant, r.id, utc(2026, 1, 6, 14), utc(2026, 1, 6, 16))
        self.assertEqual((moved.start, moved.end, moved.version), (utc(2026, 1, 6, 14),
                                                                  utc(2026, 1, 6, 16), 2))
        other = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        with self.assertRaises(boka.ConflictError) as caught:
            self.engine.reschedule(self.tenant, r.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        self.assertEqual(caught.exception.blocking_reservation_ids, (other.id,))
        cancelled = self.engine.cancel(self.tenant, other.id)
        self.assertEqual(cancelled.status, boka.ReservationStatus.CANCELLED)
        self.clock.set(utc(2026, 1, 6, 15))
        done = self.engine.mark_completed(self.tenant, r.id)
        self.assertEqual(done.status, boka.ReservationStatus.COMPLETED)
        late = self.book(room.id, utc(2026, 1, 7, 10), utc(2026, 1, 7, 11))
        self.clock.set(utc(2026, 1, 7, 10, 30))
        self.assertEqual(self.engine.mark_no_show(self.tenant, late.id).status, "no_show")

    def test_list_reservations_filters_and_pages(self) -> None:
        a = self.resource("a")
        b = self.resource("b")
        ids = [self.book(a.id, utc(2026, 1, 6, h), utc(2026, 1, 6, h + 1), customer=f"c{h % 2}").id
               for h in range(8, 12)]
        other = self.book(b.id, utc(2026, 1, 6, 8), utc(2026, 1, 6, 9)).id
        self.engine.cancel(self.tenant, ids[0])
        listed = self.engine.list_reservations
        self.assertEqual([r.id for r in listed(self.tenant)], ids + [other])
        self.assertEqual([r.id for r in listed(self.tenant, resource=b.id)], [other])
        self.assertEqual([r.id for r in listed(self.tenant, customer="c1")], [ids[1], ids[3]])
        self.assertEqual([r.id for r in listed(self.tenant, statuses=[boka.ReservationStatus.CANCELLED])],
                         [ids[0]])
        self.assertEqual([r.id for r in listed(self.tenant, statuses=["confirmed"], resource=a.id)],
                         ids[1:])
        self.assertEqual([r.id for r in listed(self.tenant, start=utc(2026, 1, 6, 9, 30),
                                               end=utc(2026, 1, 6, 10, 30))], ids[1:3])
        page = listed(self.tenant, limit=2)
        rest = listed(self.tenant, after_id=page[-1].id)
        self.assertEqual([r.id for r in page + rest], ids + [other])
        with self.assertRaisesRegex(boka.InvalidArgumentError, "filter.limit"):
            listed(self.tenant, limit=0)

    def test_explain(self) -> None:
        s = self.weekly(boka.Weekday.TUESDAY, 9 * 60, 17 * 60)
        room = self.resource(schedule=s.id)
        booked = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        why = self.engine.explain(self.tenant, [R(room.id)], utc(2026, 1, 6, 10), hours(1))
        self.assertFalse(why.available)
        self.assertEqual([(f.resource, f.reason) for f in why.findings],
                         [(room.id, boka.Reason.CAPACITY)])
        self.assertEqual(why.blocking_reservation_ids, (booked.id,))
        closed = self.engine.explain(self.tenant, [R(room.id)], utc(2026, 1, 6, 20), hours(1))
        self.assertEqual(closed.findings[0].reason, boka.Reason.CLOSED)
        self.assertTrue(self.engine.explain(self.tenant, [R(room.id)], utc(2026, 1, 6, 11), hours(1)).available)

    def test_availability_page_answers_a_page_at_a_time(self) -> None:
        room = self.resource()  # open around the clock, a one-hour grid
        self.book(room.id, utc(2026, 1, 6, 2), utc(2026, 1, 6, 3))
        day = (utc(2026, 1, 6), utc(2026, 1, 7))
        first = self.engine.availability_page(self.tenant, [R(room.id)], *day, hours(1), limit=5)
        self.assertIsInstance(first, boka.SlotPage)
        self.assertIsInstance(first.slots[0], boka.Slot)
        # The booked hour is skipped; the page stops after five slots and says where to go on.
        self.assertEqual([s.start.hour for s in first.slots], [0, 1, 3, 4, 5])
        self.assertTrue(first.truncated)
        self.assertEqual(first.next_from, utc(2026, 1, 6, 6))
        rest = self.engine.availability_page(self.tenant, [R(room.id)], first.next_from, day[1],
                                             hours(1))
        self.assertFalse(rest.truncated)
        self.assertIsNone(rest.next_from)
        self.assertEqual([s.start for s in first.slots + rest.slots],
                         self.starts(room.id, *day, hours(1)))
        self.assertEqual(len(rest.slots), 18)
        # limit is 1..10000, as in availability().
        with self.assertRaisesRegex(boka.InvalidArgumentError, "limit"):
            self.engine.availability_page(self.tenant, [R(room.id)], *day, hours(1), limit=0)

    def test_multi_resource_bookings_are_all_or_nothing(self) -> None:
        room = self.resource("room")
        chair = self.resource("chair", capacity=3)
        both = [R(room.id), R(chair.id, 2)]
        r = self.engine.reserve(self.tenant, both, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        self.assertEqual({(a.resource, a.quantity) for a in r.allocations},
                         {(room.id, 1), (chair.id, 2)})
        with self.assertRaises(boka.ConflictError):
            self.engine.reserve(self.tenant, both, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        # The chair alone still has one unit: the refused request took nothing.
        self.book(chair.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))


if __name__ == "__main__":
    unittest.main()
