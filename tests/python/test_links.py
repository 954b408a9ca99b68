"""Manage links through Python (engine.manage_links, boka.ManageLinks): a link issued for a
reservation resolves to it by the token alone, keeps its token out of repr, is refused once
revoked (UnauthenticatedError, like any altered token) while the new one works, and needs an
encryption key; on memory and on a SQLite file."""

from __future__ import annotations

import os
import unittest

import boka
from _support import EngineTestCase, temp_dir, utc

R = boka.AllocationRequest.of_resource
KEYED = boka.AuthOptions(argon2_memory_kib=64, argon2_iterations=1, encryption_key="11" * 32)


class ManageLinksTest(EngineTestCase):
    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(self.uri, clock=self.clock, auth=KEYED)
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("acme").id

    def test_issue_resolve_revoke(self) -> None:
        room = self.engine.create_resource(self.tenant, name="Room 1", zone="Europe/Berlin").id
        r = self.engine.reserve(self.tenant, [R(room)], utc(2026, 1, 6, 9), utc(2026, 1, 6, 10))
        link = self.engine.manage_links.issue(self.tenant, r.id)
        self.assertIsInstance(link, boka.ManageLink)
        self.assertTrue(link.token.startswith("bokm_"))
        self.assertNotIn(link.token, repr(link))
        self.assertEqual((link.tenant, link.reservation, link.generation), (self.tenant, r.id, 0))
        self.assertEqual(self.engine.manage_links.issue(self.tenant, r.id).token, link.token)
        self.assertEqual(self.engine.manage_links.resolve(link.token).reservation, r.id)
        renewed = self.engine.manage_links.revoke(self.tenant, r.id)
        self.assertEqual(renewed.generation, 1)
        with self.assertRaises(boka.UnauthenticatedError):
            self.engine.manage_links.resolve(link.token)
        self.assertEqual(self.engine.manage_links.resolve(renewed.token).reservation, r.id)
        altered = renewed.token[:-2] + ("A" if renewed.token[-2] != "A" else "B") + renewed.token[-1]
        with self.assertRaises(boka.UnauthenticatedError):
            self.engine.manage_links.resolve(altered)
        with self.assertRaises(boka.NotFoundError):
            self.engine.manage_links.issue(self.tenant, r.id + 100)

    def test_links_need_an_encryption_key(self) -> None:
        engine = boka.Engine("memory:", clock=boka.ManualClock(self.now))
        self.addCleanup(engine.close)
        tenant = engine.create_tenant("acme").id
        room = engine.create_resource(tenant, name="Room 1", zone="UTC").id
        r = engine.reserve(tenant, [R(room)], utc(2026, 1, 6, 9), utc(2026, 1, 6, 10))
        with self.assertRaises(boka.NotSupportedError):
            engine.manage_links.issue(tenant, r.id)


class ManageLinksOnSqliteTest(ManageLinksTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "links.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
