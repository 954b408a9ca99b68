"""The waitlist through Python (engine.waitlist, boka.Waitlist): joining when full, an
offer made by a cancel as a hold in the customer's name, accept, positions, list filters,
staff priority, lapse and pass-on on the sweep, expiry, the offer window engine option, bad
arguments naming the field, on memory and on a SQLite file."""

from __future__ import annotations

import dataclasses
import os
import unittest

import boka
from _support import EngineTestCase, hours, minutes, temp_dir, utc

R = boka.AllocationRequest.of_resource
TUESDAY_10 = utc(2026, 1, 6, 10)


class WaitlistTest(EngineTestCase):
    def join(self, room: int, customer: str, **kwargs: object) -> boka.WaitlistEntry:
        return self.engine.waitlist.join(self.tenant, [R(room)], TUESDAY_10, duration=hours(1),
                                         customer=customer, **kwargs)  # type: ignore[arg-type]

    def test_the_facet_and_its_types(self) -> None:
        self.assertIsInstance(self.engine.waitlist, boka.Waitlist)
        self.assertEqual(boka.WaitlistStatus("lapsed"), boka.WaitlistStatus.LAPSED)
        self.assertEqual(boka.WaitlistEntry.__module__, "boka")
        self.assertEqual(boka.Waitlist.__module__, "boka")

    def test_a_cancel_offers_the_slot_and_accept_books_it(self) -> None:
        room = self.resource().id
        taken = self.book(room, TUESDAY_10, TUESDAY_10 + hours(1))
        ann = self.join(room, "ann", metadata={"party": 2})
        self.assertIsInstance(ann, boka.WaitlistEntry)
        self.assertEqual((ann.status, ann.offer, ann.offer_expires_at), (boka.WaitlistStatus.WAITING, None, None))
        self.assertEqual((ann.earliest_start, ann.latest_start, ann.expires_at), (TUESDAY_10,) * 3)
        self.assertEqual((ann.duration, ann.customer, ann.metadata), (hours(1), "ann", {"party": 2}))
        self.assertEqual(ann.allocations, (R(room),))
        bob = self.join(room, "bob")
        where = self.engine.waitlist.get(self.tenant, bob.id)
        self.assertIsInstance(where, boka.WaitlistPosition)
        self.assertEqual((where.entry.id, where.position), (bob.id, 2))

        self.engine.cancel(self.tenant, taken.id)
        offered = self.engine.waitlist.get(self.tenant, ann.id)
        self.assertEqual((offered.entry.status, offered.position), (boka.WaitlistStatus.OFFERED, 0))
        self.assertEqual(offered.entry.offer_expires_at, self.now + minutes(15))
        assert offered.entry.offer is not None
        hold = self.engine.get_reservation(self.tenant, offered.entry.offer)
        self.assertEqual((hold.status, hold.customer, hold.metadata),
                         (boka.ReservationStatus.HELD, "ann", {"party": 2}))
        self.assertEqual(self.engine.waitlist.get(self.tenant, bob.id).position, 1)
        with self.assertRaises(boka.ConflictError):  # nobody else takes the offered slot
            self.book(room, TUESDAY_10, TUESDAY_10 + hours(1))

        self.assertEqual([e.customer for e in self.engine.waitlist.list(self.tenant)], ["ann", "bob"])
        self.assertEqual([e.id for e in self.engine.waitlist.list(self.tenant, statuses=["waiting"])], [bob.id])
        self.assertEqual([e.id for e in self.engine.waitlist.list(self.tenant, customer="ann")], [ann.id])
        self.assertEqual(len(self.engine.waitlist.list(self.tenant, resource=room + 100)), 0)

        with self.assertRaises(boka.ConflictError):
            self.engine.waitlist.accept(self.tenant, bob.id)
        booked = self.engine.waitlist.accept(self.tenant, ann.id)
        self.assertIsInstance(booked, boka.Reservation)
        self.assertEqual((booked.id, booked.status), (offered.entry.offer, boka.ReservationStatus.CONFIRMED))
        self.assertEqual(self.engine.waitlist.get(self.tenant, ann.id).entry.status, boka.WaitlistStatus.ACCEPTED)

        raised = self.engine.waitlist.set_priority(self.tenant, bob.id, 9)
        self.assertEqual(raised.priority, 9)
        left = self.engine.waitlist.cancel(self.tenant, bob.id)
        self.assertEqual(left.status, boka.WaitlistStatus.CANCELLED)
        with self.assertRaises(boka.ConflictError):
            self.engine.waitlist.cancel(self.tenant, bob.id)
        with self.assertRaises(boka.NotFoundError):
            self.engine.waitlist.get(self.tenant, 999)

    def test_a_lapsed_offer_passes_on_and_expired_entries_stop_waiting(self) -> None:
        room = self.resource().id
        taken = self.book(room, TUESDAY_10, TUESDAY_10 + hours(1))
        ann, bob = self.join(room, "ann"), self.join(room, "bob")
        carl = self.join(room, "carl", expires_at=utc(2026, 1, 5, 9))
        self.assertEqual(carl.expires_at, utc(2026, 1, 5, 9))
        self.engine.cancel(self.tenant, taken.id)
        self.assertEqual(self.engine.waitlist.sweep(), 0)
        self.clock.advance(minutes(16))
        self.assertEqual(self.engine.waitlist.sweep(), 1)
        self.assertEqual(self.engine.waitlist.get(self.tenant, ann.id).entry.status, boka.WaitlistStatus.LAPSED)
        self.assertEqual(self.engine.waitlist.get(self.tenant, bob.id).entry.status, boka.WaitlistStatus.OFFERED)
        self.clock.advance(hours(1))
        self.engine.waitlist.sweep(limit=10)
        self.assertEqual(self.engine.waitlist.get(self.tenant, carl.id).entry.status, boka.WaitlistStatus.EXPIRED)

    def test_joining_when_it_fits_offers_at_once_and_windows(self) -> None:
        room = self.resource().id
        self.book(room, TUESDAY_10, TUESDAY_10 + hours(1))
        # Any start 10:00..12:00: 11:00 is free, so it is offered at once.
        entry = self.join(room, "ann", latest_start=TUESDAY_10 + hours(2))
        self.assertEqual(entry.status, boka.WaitlistStatus.OFFERED)
        assert entry.offer is not None
        self.assertEqual(self.engine.get_reservation(self.tenant, entry.offer).start, TUESDAY_10 + hours(1))

    def test_bad_arguments_name_the_field(self) -> None:
        room = self.resource().id
        with self.assertRaises(boka.InvalidArgumentError) as window:
            self.join(room, "ann", latest_start=TUESDAY_10 - hours(1))
        self.assertIn("latest_start", str(window.exception))
        with self.assertRaises(boka.InvalidArgumentError) as priority:
            self.join(room, "ann", priority=5000)
        self.assertIn("priority", str(priority.exception))
        with self.assertRaises(TypeError) as duration:
            self.join(room, "ann", duration="1h")
        self.assertIn("duration", str(duration.exception))
        with self.assertRaises((ValueError, boka.InvalidArgumentError)) as status:
            self.engine.waitlist.list(self.tenant, statuses=["pending"])
        self.assertIn("statuses", str(status.exception))
        with self.assertRaises(boka.InvalidArgumentError) as limit:
            self.engine.waitlist.list(self.tenant, limit=0)
        self.assertIn("limit", str(limit.exception))
        self.assertEqual(self.engine.waitlist.list(self.tenant), [])

    def test_the_offer_window_is_an_engine_option(self) -> None:
        with self.assertRaises(boka.InvalidArgumentError) as bad:
            boka.Engine("memory:", clock=self.clock, waitlist_offer_window=minutes(0.5))
        self.assertIn("waitlist_offer_window", str(bad.exception))
        with boka.Engine("memory:", clock=self.clock, waitlist_offer_window=minutes(5)) as engine:
            tenant = engine.create_tenant("t").id
            room = engine.create_resource(tenant, name="r", zone="UTC", policy=boka.Policy(slot_step=hours(1))).id
            entry = engine.waitlist.join(tenant, [R(room)], TUESDAY_10, duration=hours(1), customer="ann")
            self.assertEqual(entry.offer_expires_at, self.now + minutes(5))

    def test_values_are_frozen_and_replaceable(self) -> None:
        room = self.resource().id
        entry = self.join(room, "ann")
        with self.assertRaises(dataclasses.FrozenInstanceError):
            entry.priority = 3  # type: ignore[misc]
        self.assertEqual(dataclasses.replace(entry, customer="y").customer, "y")


class WaitlistOnSqliteTest(WaitlistTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "waitlist.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
