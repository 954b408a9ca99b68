#!/usr/bin/env python3
"""The waitlist over real HTTP on loopback: a live boka-server takes a customer onto the
waitlist of a full slot (waiting, with a position the customer can see), offers the slot to
the first entry when its booking is cancelled (the entry offered with its hold, in the
customer's name), confirms it on accept, lists by status, lets staff move an entry, cancels
an entry, and answers a bad window with a 400 problem naming the field, storing nothing.
Every 2xx answer is checked against the server's OpenAPI schemas by the harness."""
import os
from datetime import datetime, timedelta, timezone

from harness import Server, admin, check, rfc3339, scratch


def problem(r, status, code):
    check(r.status == status, f"wanted {status}, got {r}")
    check(r.headers.get("Content-Type", "").startswith("application/problem+json"), f"{r.headers}")
    body = r.json()
    check(body["status"] == status and body["code"] == code, f"problem: {body}")
    return body


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "waitlist", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    staff = server.client.with_token(key)
    t = f"/api/tenants/{tenant}"

    r = staff.post(t + "/resources", {"name": "Court", "zone": "UTC", "capacity": 1,
                                      "policy": {"slot_step": 3600}})
    check(r.status == 201, f"resource: {r}")
    court = r.json()["id"]

    # Two customers, each with a session.
    def customer(email):
        r = staff.post(t + "/users", {"email": email, "password": "waitlist password 1"})
        check(r.status == 201, f"user: {r}")
        r = server.client.post("/api/auth/login", {"tenant": tenant, "email": email,
                                                   "password": "waitlist password 1"})
        check(r.status == 200, f"login: {r}")
        return server.client.with_token(r.json()["token"])

    ann, bob = customer("ann@waitlist.test"), customer("bob@waitlist.test")

    # Tomorrow at 10:00 UTC, booked by staff: full.
    day = datetime.now(timezone.utc).date() + timedelta(days=1)
    start = int(datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc).timestamp())
    r = staff.post(t + "/reservations", {"allocations": [{"resource": court}], "start": rfc3339(start),
                                         "end": rfc3339(start + 3600)})
    check(r.status == 201, f"booking: {r}")
    taken = r.json()["id"]

    want = {"allocations": [{"resource": court}], "earliest_start": rfc3339(start),
            "latest_start": rfc3339(start), "duration": 3600}
    r = ann.post(t + "/waitlist", want)
    check(r.status == 201, f"ann joins: {r}")
    ann_entry = r.json()
    check(ann_entry["status"] == "waiting" and ann_entry["offer"] is None, f"waiting: {ann_entry}")
    check(ann_entry["customer"] != "", f"joined as herself: {ann_entry}")
    r = bob.post(t + "/waitlist", {**want, "metadata": {"note": "any court"}})
    check(r.status == 201, f"bob joins: {r}")
    bob_entry = r.json()

    # Each customer sees their own position; not the other's entry.
    r = bob.get(t + f"/waitlist/{bob_entry['id']}")
    check(r.status == 200 and r.json()["position"] == 2, f"bob's position: {r}")
    check(r.json()["entry"]["id"] == bob_entry["id"], f"the entry: {r.json()}")
    r = bob.get(t + f"/waitlist/{ann_entry['id']}")
    check(r.status in (403, 404), f"bob cannot see ann's entry: {r}")
    r = bob.get(t + "/waitlist")
    check(r.status == 200 and [e["id"] for e in r.json()] == [bob_entry["id"]], f"bob's list: {r}")
    r = staff.get(t + "/waitlist?status=waiting")
    check(r.status == 200 and [e["id"] for e in r.json()] == [ann_entry["id"], bob_entry["id"]],
          f"staff list in queue order: {r}")

    # A customer may not set a priority; a bad window is a 400 naming the field.
    problem(ann.post(t + "/waitlist", {**want, "priority": 5}), 403, "permission_denied")
    body = problem(ann.post(t + "/waitlist", {**want, "latest_start": rfc3339(start - 3600)}), 400,
                   "invalid_argument")
    check("latest_start" in body["detail"], f"names the field: {body}")
    body = problem(ann.post(t + "/waitlist", {**want, "duration": "1h"}), 400, "invalid_argument")
    check("waitlist.duration" in body["detail"], f"names the field: {body}")
    problem(staff.get(t + "/waitlist?status=pending"), 400, "invalid_argument")
    r = staff.get(t + "/waitlist")
    check(len(r.json()) == 2, f"nothing stored by the refusals: {r.json()}")

    # The booking is cancelled: the same transaction offers the slot to ann, as a hold.
    r = staff.post(t + f"/reservations/{taken}/cancel", {})
    check(r.status == 200, f"cancel: {r}")
    r = ann.get(t + f"/waitlist/{ann_entry['id']}")
    check(r.status == 200, f"ann's entry: {r}")
    offered = r.json()
    check(offered["entry"]["status"] == "offered" and offered["position"] == 0, f"offered: {offered}")
    check(offered["entry"]["offer_expires_at"] is not None, f"a deadline: {offered}")
    hold = ann.get(t + f"/reservations/{offered['entry']['offer']}")
    check(hold.status == 200 and hold.json()["status"] == "held", f"the hold is ann's: {hold}")
    check(hold.json()["customer"] == ann_entry["customer"], f"in her name: {hold.json()}")
    r = bob.get(t + f"/waitlist/{bob_entry['id']}")
    check(r.json()["position"] == 1 and r.json()["entry"]["status"] == "waiting", f"bob moves up: {r.json()}")

    # bob has no offer to accept; ann accepts hers: a confirmed booking.
    problem(bob.post(t + f"/waitlist/{bob_entry['id']}/accept"), 409, "conflict")
    r = ann.post(t + f"/waitlist/{ann_entry['id']}/accept")
    check(r.status == 200, f"accept: {r}")
    check(r.json()["id"] == offered["entry"]["offer"] and r.json()["status"] == "confirmed", f"booked: {r.json()}")
    r = ann.get(t + f"/waitlist/{ann_entry['id']}")
    check(r.json()["entry"]["status"] == "accepted", f"accepted: {r.json()}")

    # Staff move bob's entry; a customer may not; bob leaves the queue.
    problem(bob.post(t + f"/waitlist/{bob_entry['id']}/priority", {"priority": 3}), 403, "permission_denied")
    r = staff.post(t + f"/waitlist/{bob_entry['id']}/priority", {"priority": 3})
    check(r.status == 200 and r.json()["priority"] == 3, f"priority: {r}")
    problem(staff.post(t + f"/waitlist/{bob_entry['id']}/priority", {"priority": 5000}), 400, "invalid_argument")
    problem(staff.post(t + f"/waitlist/{bob_entry['id']}/priority", {}), 400, "invalid_argument")
    r = bob.post(t + f"/waitlist/{bob_entry['id']}/cancel")
    check(r.status == 200 and r.json()["status"] == "cancelled", f"bob leaves: {r}")
    problem(bob.post(t + f"/waitlist/{bob_entry['id']}/cancel"), 409, "conflict")
    problem(staff.get(t + "/waitlist/999999"), 404, "not_found")

    check(server.process.poll() is None, "the server is up")
    check(server.stop() == 0, "clean exit")
    print("waitlist e2e: ok")


if __name__ == "__main__":
    main()
