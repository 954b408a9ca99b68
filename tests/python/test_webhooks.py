"""Webhooks through Python (engine.webhooks, boka.Webhooks) against a receiver on loopback
(http.server) that verifies signatures with its own hmac code: an endpoint created with its
secret shown once; a booking delivered signed with the event document as body; a failing
receiver retried on the schedule and dead-lettered, then replayed under the same webhook-id;
deliveries and attempts read back as typed values; bad URLs and options refused; on memory
and on a SQLite file."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
import threading
import unittest
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boka
from _support import EngineTestCase, temp_dir, utc

R = boka.AllocationRequest.of_resource
KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


class Receiver:
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    want = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(want, s) for s in headers["webhook-signature"].split(" "))


class WebhooksTest(EngineTestCase):
    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(
            self.uri, clock=self.clock, auth=boka.AuthOptions(encryption_key=KEY),
            webhooks=boka.WebhookOptions(allow_addresses="127.0.0.1/32",
                                         retry_schedule=(timedelta(seconds=30),)))
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("salon").id
        self.room = self.engine.create_resource(self.tenant, name="Chair", zone="UTC").id
        self.rx = Receiver()
        self.addCleanup(self.rx.close)

    def book(self, hour: int) -> boka.Reservation:
        return self.engine.reserve(self.tenant, [R(self.room)], utc(2026, 1, 6, hour),
                                   utc(2026, 1, 6, hour + 1))

    def test_signed_deliveries_retries_dead_letters_and_replays(self) -> None:
        hooks = self.engine.webhooks
        self.assertIsInstance(hooks, boka.Webhooks)
        created = hooks.create_endpoint(self.tenant, url=self.rx.url, event_types=["reservation.*"])
        self.assertIsInstance(created, boka.CreatedWebhookEndpoint)
        self.assertTrue(created.secret.startswith("whsec_"))
        self.assertNotIn(created.secret, repr(created))
        endpoint = created.endpoint
        self.assertEqual(hooks.list_endpoints(self.tenant), [endpoint])

        r = self.book(9)
        done = hooks.deliver()
        self.assertIsInstance(done, boka.DeliveryRound)
        self.assertEqual((done.scheduled, done.delivered), (1, 1))
        headers, body = self.rx.got.pop()
        self.assertTrue(verified(created.secret, headers, body))
        event = json.loads(body)
        self.assertEqual((event["type"], event["data"]["reservation"]["id"]),
                         ("reservation.created", r.id))
        self.assertEqual(headers["webhook-id"], f"evt_{event['id']}")

        self.rx.status = 500
        self.engine.cancel(self.tenant, r.id)
        self.assertEqual(hooks.deliver().failed, 1)
        self.clock.advance(timedelta(seconds=40))
        self.assertEqual(hooks.deliver().dead, 1)
        dead = hooks.list_deliveries(self.tenant, endpoint=endpoint.id, status=boka.DeliveryStatus.DEAD)
        self.assertEqual(len(dead), 1)
        self.assertIsInstance(dead[0], boka.WebhookDelivery)
        self.assertEqual((dead[0].attempts, dead[0].last_status_code), (2, 500))
        attempts = hooks.list_attempts(self.tenant, dead[0].id)
        self.assertEqual([a.attempt for a in attempts], [1, 2])
        self.assertIsInstance(attempts[0], boka.DeliveryAttempt)

        self.rx.status = 200
        self.rx.got.clear()
        self.assertEqual(hooks.replay_dead(self.tenant, endpoint.id), 1)
        self.assertEqual(hooks.deliver().delivered, 1)
        headers, body = self.rx.got.pop()
        self.assertEqual(headers["webhook-id"], f"evt_{dead[0].event}")
        self.assertTrue(verified(created.secret, headers, body))

        rotated = hooks.rotate_secret(self.tenant, endpoint.id, overlap=timedelta(0))
        hooks.replay(self.tenant, endpoint.id, dead[0].event)
        hooks.deliver()
        headers, body = self.rx.got.pop()
        self.assertTrue(verified(rotated.secret, headers, body))
        self.assertFalse(verified(created.secret, headers, body))

        off = dataclasses.replace(hooks.get_endpoint(self.tenant, endpoint.id), active=False)
        self.assertFalse(hooks.update_endpoint(self.tenant, off).active)
        hooks.delete_endpoint(self.tenant, endpoint.id)
        self.assertEqual(hooks.list_endpoints(self.tenant), [])

    def test_refusals(self) -> None:
        with self.assertRaises(boka.InvalidArgumentError) as metadata:
            self.engine.webhooks.create_endpoint(self.tenant, url="http://169.254.169.254/")
        self.assertIn("169.254.169.254", str(metadata.exception))
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.webhooks.create_endpoint(self.tenant, url=self.rx.url,
                                                 event_types=["nothing.happened"])
        with self.assertRaises(boka.InvalidArgumentError):
            boka.Engine("memory:", webhooks=boka.WebhookOptions(allow_addresses="not a cidr"))
        plain = boka.Engine("memory:")
        self.addCleanup(plain.close)
        tenant = plain.create_tenant("b").id
        with self.assertRaises(boka.NotSupportedError):
            plain.webhooks.create_endpoint(tenant, url="https://example.com/hook")


class WebhooksOnSqliteTest(WebhooksTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "webhooks.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
