#!/usr/bin/env python3
"""Webhooks end to end with real processes: a boka-server manages an endpoint over HTTP,
boka-worker delivers, and a receiver on loopback (Python's http.server) checks every
signature with its own code (hmac, from the Standard Webhooks specification). Bookings and a
cancellation arrive signed and in order; killing the worker mid-delivery loses nothing, and
the only repeat is the same webhook-id again; a replay sends an event once more under its id;
a rotated secret signs beside the old one; URLs reaching metadata addresses are refused;
staff may not manage webhooks; the server's metrics show nothing left pending."""
import base64
import hashlib
import hmac
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import WORKER, Server, admin, check, rfc3339, scratch, start, wait_for

PASSWORD = "webhooks password 1"


def signature_ok(secret, msg_id, timestamp, body, header):
    key = base64.b64decode(secret[len("whsec_"):])
    want = "v1," + base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(want, s) for s in header.split(" "))


class Receiver:
    """Records every delivery; `hang` makes the next one wait (a receiver slower than the
    worker's life)."""

    def __init__(self):
        self.got = []  # (webhook-id, type, subject, headers, body)
        self.lock = threading.Lock()
        self.hang = threading.Event()
        self.release = threading.Event()
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                doc = json.loads(body)
                with receiver.lock:
                    receiver.got.append((self.headers["webhook-id"], doc["type"], doc["subject"],
                                         dict(self.headers), body))
                if receiver.hang.is_set():
                    receiver.release.wait(60)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except BrokenPipeError:  # the worker that sent it was killed meanwhile
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def take(self):
        with self.lock:
            out, self.got = self.got, []
        return out


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "salon", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    env = {"BOKA_WEBHOOK_ALLOW_ADDRESSES": "127.0.0.1/32", "BOKA_WEBHOOK_TIMEOUT_MS": "20000",
           "BOKA_WEBHOOK_LEASE_SECONDS": "25"}
    server = Server(db, log_dir=work, env=env).start()
    owner = server.client.with_token(key)
    t = f"/api/tenants/{tenant}"
    rx = Receiver()

    worker_env = {**server.env, "BOKA_WORKER_INTERVAL_SECONDS": "1"}

    def worker_once():
        p = start([WORKER], env={**worker_env, "BOKA_WORKER_ONCE": "1"},
                  log=os.path.join(work, "worker.log"))
        check(p.wait(60) == 0, "worker round")

    # --- the endpoint
    r = owner.post(t + "/webhooks", {"url": "http://169.254.169.254/latest/meta-data/"})
    check(r.status == 400 and "169.254.169.254" in r.json()["detail"], f"metadata refused: {r}")
    r = owner.post(t + "/webhooks", {"url": rx.url, "event_types": ["reservation.*"],
                                     "description": "CRM"})
    check(r.status == 201, f"endpoint: {r}")
    endpoint, secret = r.json()["endpoint"], r.json()["secret"]
    check(secret.startswith("whsec_"), "a secret")
    r = owner.get(t + "/webhooks")
    check(r.status == 200 and secret not in r.body and r.json()[0]["id"] == endpoint["id"], f"list: {r}")
    staff = owner.post(t + "/users", {"email": "sam@salon.test", "password": PASSWORD, "role": "staff"})
    check(staff.status == 201, f"staff: {staff}")
    s = server.client.post("/api/auth/login", {"tenant": tenant, "email": "sam@salon.test", "password": PASSWORD})
    sam = server.client.with_token(s.json()["token"])
    check(sam.get(t + "/webhooks").status == 403, "staff may not manage webhooks")

    # --- bookings, delivered signed and in order
    r = owner.post(t + "/resources", {"name": "Chair 1", "zone": "UTC"})
    chair = r.json()["id"]
    day = (int(time.time()) // 3600 + 48) * 3600  # a whole hour two days ahead

    def book(hours):
        r = owner.post(t + "/reservations", {"allocations": [{"resource": chair}],
                                             "start": rfc3339(day + hours * 3600),
                                             "end": rfc3339(day + (hours + 1) * 3600)})
        check(r.status == 201, f"book: {r}")
        return r.json()

    first = book(9)
    second = book(11)
    check(owner.post(t + f"/reservations/{first['id']}/cancel", {}).status == 200, "cancel")
    worker_once()
    got = rx.take()
    check([(g[1], g[2]) for g in got] == [
        ("reservation.created", f"reservation:{first['id']}"),
        ("reservation.created", f"reservation:{second['id']}"),
        ("reservation.cancelled", f"reservation:{first['id']}")], f"in order: {[g[:3] for g in got]}")
    for msg_id, _, _, headers, body in got:
        check(signature_ok(secret, msg_id, headers["webhook-timestamp"], body, headers["webhook-signature"]),
              f"signature of {msg_id}")
        check(abs(int(headers["webhook-timestamp"]) - time.time()) < 60, "a fresh timestamp")
        check(msg_id == "evt_" + str(json.loads(body)["id"]), "webhook-id is the event id")
        check(not signature_ok(secret, msg_id, headers["webhook-timestamp"], body + b" ",
                               headers["webhook-signature"]), "a changed body fails")

    # --- the worker killed mid-delivery: nothing lost, the repeat has the same webhook-id
    rx.hang.set()
    third = book(13)
    worker = start([WORKER], env=worker_env, log=os.path.join(work, "worker-killed.log"))
    wait_for(lambda: len(rx.got) == 1, "the delivery to reach the hanging receiver", timeout=30)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    rx.hang.clear()
    rx.release.set()
    time.sleep(0.5)
    hung = rx.take()
    check([g[2] for g in hung] == [f"reservation:{third['id']}"], f"the hung one: {hung}")
    r = owner.get(t + f"/webhooks/{endpoint['id']}/deliveries?status=pending")
    check(r.status == 200 and len(r.json()) == 1 and r.json()[0]["leased_until"] is not None,
          f"still pending, leased by the dead worker: {r}")
    worker = start([WORKER], env=worker_env, log=os.path.join(work, "worker-again.log"))
    wait_for(lambda: len(rx.got) >= 1, "the delivery again after the lease", timeout=60)
    again = rx.take()
    check([g[0] for g in again] == [hung[0][0]], f"the same webhook-id, once more: {again} {hung}")
    wait_for(lambda: owner.get(t + f"/webhooks/{endpoint['id']}/deliveries?status=pending").json() == [],
             "nothing pending", timeout=30)

    # --- replay, rotation
    delivered = owner.get(t + f"/webhooks/{endpoint['id']}/deliveries?status=delivered").json()
    check(len(delivered) == 4, f"four delivered: {delivered}")
    oldest = delivered[-1]
    r = owner.get(t + f"/webhook-deliveries/{oldest['id']}/attempts")
    check(r.status == 200 and r.json()[0]["status_code"] == 200, f"attempts: {r}")
    r = owner.post(t + f"/webhooks/{endpoint['id']}/rotate-secret", {"overlap": 3600})
    check(r.status == 200 and r.json()["secret"] != secret, f"rotated: {r}")
    new_secret = r.json()["secret"]
    r = owner.post(t + f"/webhooks/{endpoint['id']}/replay", {"event": oldest["event"]})
    check(r.status == 201 and r.json()["replay"] is True, f"replay: {r}")
    wait_for(lambda: len(rx.got) >= 1, "the replay", timeout=30)
    replayed = rx.take()
    msg_id, _, _, headers, body = replayed[0]
    check(msg_id == f"evt_{oldest['event']}", f"the replay keeps the id: {msg_id}")
    check(signature_ok(secret, msg_id, headers["webhook-timestamp"], body, headers["webhook-signature"])
          and signature_ok(new_secret, msg_id, headers["webhook-timestamp"], body,
                           headers["webhook-signature"]), "signed with both secrets during the overlap")

    worker.send_signal(signal.SIGTERM)
    check(worker.wait(30) == 0, "the worker stops cleanly")
    metrics = server.client.get("/api/metrics").body.splitlines()
    check("webhook_deliveries_pending 0" in metrics, f"nothing pending: {[m for m in metrics if 'webhook' in m]}")
    check("webhook_delivery_lag_seconds 0" in metrics, "no lag")
    check(server.stop() == 0, "clean exit")
    print("webhooks e2e: ok")


if __name__ == "__main__":
    main()
