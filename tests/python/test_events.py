"""The event feed through Python (engine.events, boka.Events): a reservation's life read back
as typed events with the reservation's state in `data`; paging with the cursor; type,
family and subject filters; who may read (an API key scoped events:read, not staff); bad
queries; retention and pruning with a manual clock; erasure redacting earlier events; on
memory and on a SQLite file."""

from __future__ import annotations

import os
import unittest
from datetime import timedelta

import boka
from _support import EngineTestCase, hours, temp_dir, utc

R = boka.AllocationRequest.of_resource
FAST = boka.AuthOptions(argon2_memory_kib=64, argon2_iterations=1)


class EventsTest(EngineTestCase):
    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(self.uri, clock=self.clock, auth=FAST,
                                  event_retention=timedelta(days=2))
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("salon").id
        self.room = self.engine.create_resource(self.tenant, name="Chair 1", zone="Europe/Berlin").id

    def book(self, hour: int, day: int = 6, **kwargs: object) -> boka.Reservation:
        return self.engine.reserve(self.tenant, [R(self.room)], utc(2026, 1, day, hour),
                                   utc(2026, 1, day, hour + 1), **kwargs)  # type: ignore[arg-type]

    def test_a_reservations_life_in_order_with_its_state(self) -> None:
        self.assertIsInstance(self.engine.events, boka.Events)
        start = self.engine.events.head(self.tenant)
        r = self.book(9, hold_for=hours(1), customer="Zoë", notes="window seat")
        self.engine.confirm(self.tenant, r.id)
        self.engine.reschedule(self.tenant, r.id, utc(2026, 1, 6, 12), utc(2026, 1, 6, 13))
        self.engine.cancel(self.tenant, r.id)
        page = self.engine.events.list(self.tenant, after=start)
        self.assertIsInstance(page, boka.EventPage)
        self.assertFalse(page.more)
        self.assertEqual([e.type for e in page.events],
                         ["reservation.held", "reservation.confirmed",
                          "reservation.rescheduled", "reservation.cancelled"])
        self.assertEqual({e.subject for e in page.events}, {f"reservation:{r.id}"})
        positions = [e.position for e in page.events]
        self.assertEqual(positions, sorted(set(positions)))
        self.assertEqual(page.next_after, positions[-1])
        held, _, moved, cancelled = page.events
        self.assertIsInstance(held, boka.Event)
        self.assertEqual(held.actor, "system")
        self.assertEqual(held.occurred_at, self.now)
        # data is the reservation as the shells show it, at that step.
        self.assertEqual(held.data["reservation"]["status"], "held")
        self.assertEqual(held.data["reservation"]["customer"], "Zoë")
        self.assertEqual(held.data["reservation"]["notes"], "window seat")
        self.assertEqual(held.data["reservation"]["zone"], "Europe/Berlin")
        self.assertEqual(moved.data["reservation"]["start"], "2026-01-06T12:00:00Z")
        self.assertEqual(moved.data["reservation"]["local_start"], "2026-01-06T13:00:00+01:00")
        self.assertEqual(cancelled.data["reservation"]["status"], "cancelled")
        self.assertEqual(self.engine.events.get(self.tenant, cancelled.id), cancelled)
        self.assertEqual(self.engine.events.head(self.tenant), cancelled.position)

    def test_pages_and_filters(self) -> None:
        made = [self.book(h) for h in (8, 10, 12, 14, 16)]
        self.engine.cancel(self.tenant, made[1].id)
        seen: list[boka.Event] = []
        after = 0
        while True:
            page = self.engine.events.list(self.tenant, after=after, limit=2)
            seen.extend(page.events)
            after = page.next_after
            if not page.more:
                break
        self.assertEqual(len(seen), 6)
        self.assertEqual(len({e.id for e in seen}), 6)

        cancels = self.engine.events.list(self.tenant, types=["reservation.cancelled"])
        self.assertEqual([e.subject for e in cancels.events], [f"reservation:{made[1].id}"])
        # A filtered reader that read everything is moved to the head: no rescans.
        self.assertEqual(cancels.next_after, seen[-1].position)
        family = self.engine.events.list(self.tenant, types=["reservation.*"])
        self.assertEqual(len(family.events), 6)
        one = self.engine.events.list(self.tenant, subject=f"reservation:{made[1].id}")
        self.assertEqual([e.type for e in one.events],
                         ["reservation.created", "reservation.cancelled"])
        with self.assertRaises(boka.InvalidArgumentError) as unknown:
            self.engine.events.list(self.tenant, types=["reservation.deleted"])
        self.assertIn('types: "reservation.deleted" is not an event type', str(unknown.exception))
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.events.list(self.tenant, limit=0)
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.events.list(self.tenant, after=-1)
        with self.assertRaises(boka.NotFoundError):
            self.engine.events.get(self.tenant, 999999)

    def test_who_may_read(self) -> None:
        self.book(9)
        key = self.engine.auth.create_api_key(self.tenant, name="crm sync", scopes=["events:read"])
        integration = self.engine.auth.authenticate_api_key(key.key)
        self.assertEqual(len(self.engine.events.list(self.tenant, who=integration).events), 1)
        self.engine.auth.create_user(self.tenant, email="sam@example.com",
                                     password="correct horse battery", role="staff")
        staff = self.engine.auth.login(self.tenant, "sam@example.com",
                                       "correct horse battery").principal
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.events.list(self.tenant, who=staff)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.events.prune(who=integration)

    def test_retention_and_pruning(self) -> None:
        old = self.book(9)
        self.clock.advance(timedelta(days=3))
        new = self.book(11, day=9)
        self.assertEqual(self.engine.events.prune(), 1)
        left = self.engine.events.list(self.tenant).events
        self.assertEqual([e.subject for e in left], [f"reservation:{new.id}"])
        self.assertNotEqual(old.id, new.id)
        self.assertEqual(self.engine.events.prune(), 0)
        with self.assertRaises(boka.InvalidArgumentError):
            boka.Engine(self.uri, event_retention=timedelta(minutes=5))

    def test_erasure_redacts_earlier_events(self) -> None:
        c = self.engine.customers.create(self.tenant, display_name="Zoë Example",
                                         email="zoe@example.com")
        r = self.book(9, customer_id=c.id, notes="allergic to lavender")
        before = self.engine.events.head(self.tenant)
        self.engine.customers.erase(self.tenant, c.id)
        events = self.engine.events.list(self.tenant).events
        for e in events:
            text = repr(e.data)
            self.assertNotIn("zoe@example.com", text)
            self.assertNotIn("lavender", text)
            if e.position <= before:
                self.assertEqual(e.data, {"redacted": True})
        self.assertEqual([e.type for e in events if e.position > before],
                         ["customer.erased", "reservation.updated"])
        self.assertEqual(events[-1].subject, f"reservation:{r.id}")
        self.assertEqual(events[-1].customer_id, c.id)


class EventsOnSqliteTest(EventsTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "events.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
