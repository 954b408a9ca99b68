"""Calendar feeds through Python (engine.feeds, boka.CalendarFeeds): a resource's feed made
with its token shown once, rendered by the token alone as iCalendar holding the booking,
listed, revoked (then NotFoundError), and a customer refused a resource's feed; on memory and
on a SQLite file."""

from __future__ import annotations

import os
import unittest

import boka
from _support import EngineTestCase, temp_dir, utc

R = boka.AllocationRequest.of_resource


class FeedsTest(EngineTestCase):
    def test_a_feed_by_its_token(self) -> None:
        room = self.engine.create_resource(self.tenant, name="Room 1", zone="Europe/Berlin").id
        r = self.engine.reserve(self.tenant, [R(room)], utc(2026, 1, 6, 9), utc(2026, 1, 6, 10))
        created = self.engine.feeds.create(self.tenant, kind=boka.FeedKind.RESOURCE, subject=room,
                                           name="Room 1")
        self.assertIsInstance(created, boka.CreatedFeed)
        self.assertTrue(created.token.startswith(f"bokf_{created.feed.id}_"))
        self.assertNotIn(created.token, repr(created))
        self.assertEqual(created.feed.kind, boka.FeedKind.RESOURCE)
        ics = self.engine.feeds.render(created.token)
        self.assertTrue(ics.startswith("BEGIN:VCALENDAR\r\n"))
        self.assertIn(f"UID:boka-reservation-{r.id}-t{self.tenant}\r\n", ics)
        self.assertIn("DTSTART;TZID=Europe/Berlin:20260106T100000\r\n", ics)
        self.assertEqual([f.id for f in self.engine.feeds.list(self.tenant)], [created.feed.id])
        revoked = self.engine.feeds.revoke(self.tenant, created.feed.id)
        self.assertIsNotNone(revoked.revoked_at)
        with self.assertRaises(boka.NotFoundError):
            self.engine.feeds.render(created.token)
        with self.assertRaises(boka.NotFoundError):
            self.engine.feeds.render("bokf_1_" + "a" * 43)
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.feeds.create(self.tenant, kind="room", subject=room)


class FeedsOnSqliteTest(FeedsTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "feeds.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
