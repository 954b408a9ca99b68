#!/usr/bin/env python3
"""A business set up end to end over real HTTP on loopback: a live boka-server takes tenant
rules (a 48-hour cancel cutoff, two active bookings per customer), services (one customers may
book, one for staff only), customer records (one linked to a customer's login), and then: a
customer books by service and is refused a cancel within the cutoff (409 naming the rule and
its deadline), which staff override; a per-customer limit refuses a third booking (its rule
named) unless staff override; bookings are edited (notes by the customer, the time by staff,
not the customer link by the customer); listed sorted by start in keyset pages and by service;
two records of one person merged; the customer's data exported and erased. Every 2xx answer is
checked against the server's OpenAPI schemas by the harness."""
import os
import urllib.parse
from datetime import datetime, timedelta, timezone

from harness import Server, admin, check, rfc3339, scratch

PASSWORD = "customers password 1"
HOUR = 3600
DAY = 24 * HOUR


def problem(r, status, code):
    check(r.status == status, f"wanted {status}, got {r}")
    check(r.headers.get("Content-Type", "").startswith("application/problem+json"), f"{r.headers}")
    body = r.json()
    check(body["status"] == status and body["code"] == code, f"problem: {body}")
    return body


def q(value):
    """A query value, percent-encoded (RFC 3339 times carry ':' and maybe '+')."""
    return urllib.parse.quote(value, safe="")


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "salon", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    owner = server.client.with_token(key)  # a superadmin key: every permission
    t = f"/api/tenants/{tenant}"

    def login(email, role):
        r = owner.post(t + "/users", {"email": email, "password": PASSWORD, "role": role})
        check(r.status == 201, f"user: {r}")
        s = server.client.post("/api/auth/login", {"tenant": tenant, "email": email, "password": PASSWORD})
        check(s.status == 200, f"login: {s}")
        return r.json()["id"], server.client.with_token(s.json()["token"])

    # --- the catalog: a chair, the tenant's rules, two services
    r = owner.post(t + "/resources", {"name": "Chair 1", "zone": "UTC", "policy": {"slot_step": 900}})
    check(r.status == 201, f"resource: {r}")
    chair = r.json()["id"]
    check(r.json()["rules"] == {"cancel_cutoff": 0, "reschedule_cutoff": 0, "max_active_per_customer": 0,
                                "max_per_customer_per_day": 0}, f"no rules yet: {r.json()}")

    r = owner.get(t)
    check(r.status == 200 and r.json()["max_hold"] == 30 * DAY, f"tenant: {r}")
    version = r.json()["version"]
    rules = {"rules": {"cancel_cutoff": 2 * DAY, "max_active_per_customer": 2}, "max_hold": HOUR}
    body = problem(owner.put(t + "/rules", {**rules, "max_hold": 10, "expected_version": version}), 400,
                   "invalid_argument")
    check("max_hold" in body["detail"], f"names the field: {body}")
    problem(owner.put(t + "/rules", {**rules, "expected_version": version + 7}), 409, "conflict")
    problem(owner.put(t + "/rules", rules), 400, "invalid_argument")  # no expected_version
    r = owner.put(t + "/rules", {**rules, "expected_version": version})
    check(r.status == 200, f"rules: {r}")
    check(r.json()["rules"]["cancel_cutoff"] == 2 * DAY and r.json()["max_hold"] == HOUR, f"set: {r.json()}")

    haircut = {"name": "Haircut", "duration": 2700, "allocations": [{"resource": chair}], "buffer_after": 900,
               "price_minor": 3500, "currency": "EUR"}
    r = owner.post(t + "/services", haircut)
    check(r.status == 201, f"service: {r}")
    service = r.json()
    check((service["price_minor"], service["customer_bookable"], service["version"]) == (3500, True, 1),
          f"the service: {service}")
    r = owner.post(t + "/services", {"name": "Colour", "duration": 7200, "allocations": [{"resource": chair}],
                                     "customer_bookable": False})
    check(r.status == 201, f"staff-only service: {r}")
    colour = r.json()["id"]
    body = problem(owner.post(t + "/services", {**haircut, "currency": ""}), 400, "invalid_argument")
    check("service.currency" in body["detail"], f"names the field: {body}")
    r = owner.put(t + f"/services/{service['id']}", {**service, "description": "wash and cut"})
    check(r.status == 200 and r.json()["version"] == 2, f"service update: {r}")
    problem(owner.put(t + f"/services/{service['id']}", service), 409, "conflict")  # stale version

    # --- people: staff, a customer with a login linked to a record, another record
    _, dana = login("dana@salon.test", "staff")
    carl_user, carl = login("carl@salon.test", "customer")
    r = dana.post(t + "/customers", {"display_name": "Carl Jung", "email": "Carl@Salon.test", "user": carl_user})
    check(r.status == 201, f"customer: {r}")
    record = r.json()
    check((record["email"], record["user"]) == ("carl@salon.test", carl_user), f"the record: {record}")
    problem(dana.post(t + "/customers", {"display_name": "Carl 2", "email": "carl@salon.test"}), 409,
            "already_exists")
    body = problem(dana.post(t + "/customers", {"display_name": 5}), 400, "invalid_argument")
    check("customer.display_name" in body["detail"], f"names the field: {body}")
    r = dana.post(t + "/customers", {"display_name": "Carl J.", "phone": "+49 30 1234567"})
    check(r.status == 201, f"a second record of carl: {r}")
    duplicate = r.json()["id"]
    r = dana.get(t + "/customers?query=car&limit=1")
    check(r.status == 200 and [c["id"] for c in r.json()] == [record["id"]], f"first page: {r}")
    r = dana.get(t + f"/customers?query=car&after_id={record['id']}")
    check([c["id"] for c in r.json()] == [duplicate], f"next page: {r}")
    r = carl.get(t + "/customers")
    check([c["id"] for c in r.json()] == [record["id"]], f"carl sees his own record only: {r}")
    problem(carl.get(t + f"/customers/{duplicate}"), 404, "not_found")
    problem(dana.get(t + "/customers/999999"), 404, "not_found")

    # Carl sees the services he may book.
    r = carl.get(t + "/services")
    check([s["id"] for s in r.json()] == [service["id"]], f"customer's services: {r}")
    problem(carl.get(t + f"/services/{colour}"), 404, "not_found")

    # --- booking by service
    today = datetime.now(timezone.utc).date()

    def at(days, hour=10):
        d = today + timedelta(days=days)
        return int(datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc).timestamp())

    r = carl.post(t + "/availability", {"service": service["id"], "from": rfc3339(at(1)),
                                        "to": rfc3339(at(1, 12))})
    check(r.status == 200 and r.json()["slots"][0]["start"] == rfc3339(at(1)), f"availability: {r}")
    r = carl.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(1))})
    check(r.status == 201, f"carl books: {r}")
    soon = r.json()
    check(soon["end"] == rfc3339(at(1) + 2700), f"the service's duration: {soon}")
    check((soon["service"], soon["price_minor"], soon["currency"], soon["buffer_after"]) ==
          (service["id"], 3500, "EUR", 900), f"the service's terms: {soon}")
    check(soon["customer_id"] == record["id"], f"booked as his record: {soon}")
    r = carl.post(t + "/availability", {"service": service["id"], "from": rfc3339(at(1)),
                                        "to": rfc3339(at(1, 12))})
    check(r.json()["slots"][0]["start"] == rfc3339(at(1, 11)), f"the buffer keeps 10:45-11:00: {r}")
    problem(carl.post(t + "/reservations", {"service": colour, "start": rfc3339(at(2))}), 404, "not_found")
    problem(carl.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(2)),
                                            "customer_id": duplicate}), 403, "permission_denied")

    # --- the cancel cutoff: refused for carl, naming the rule and the deadline; staff override
    body = problem(carl.post(t + f"/reservations/{soon['id']}/cancel"), 409, "conflict")
    check(body["conflict"]["rule"] == "cancel_cutoff", f"the rule: {body}")
    check(body["conflict"]["deadline"] == rfc3339(at(1) - 2 * DAY), f"the deadline: {body}")
    problem(carl.post(t + f"/reservations/{soon['id']}/cancel", {"override_rules": True}), 403,
            "permission_denied")
    r = dana.post(t + f"/reservations/{soon['id']}/cancel", {"override_rules": True, "if_version": soon["version"]})
    check(r.status == 200 and r.json()["status"] == "cancelled", f"staff override: {r}")
    r = owner.get(f"/api/tenants/{tenant}/reservations/{soon['id']}")
    check(r.json()["status"] == "cancelled", f"cancelled: {r}")

    # --- the per-customer limit: two active bookings
    later = []
    for days in (3, 4):
        r = carl.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(days))})
        check(r.status == 201, f"carl books day {days}: {r}")
        later.append(r.json())
    body = problem(carl.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(5))}), 409,
                   "conflict")
    check(body["conflict"]["rule"] == "max_active_per_customer" and body["conflict"]["deadline"] is None,
          f"the limit: {body}")
    problem(carl.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(5)),
                                            "override_rules": True}), 403, "permission_denied")
    r = dana.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(5)),
                                        "customer_id": record["id"], "override_rules": True})
    check(r.status == 201, f"staff book past the limit: {r}")
    extra = r.json()

    # --- edits: notes by carl; the time by staff; not the customer link by carl
    first = later[0]
    r = carl.request("PATCH", t + f"/reservations/{first['id']}", {"notes": "short please",
                                                                  "if_version": first["version"]})
    check(r.status == 200 and r.json()["notes"] == "short please", f"carl's note: {r}")
    edited = r.json()
    problem(carl.request("PATCH", t + f"/reservations/{first['id']}", {"customer_id": duplicate}), 403,
            "permission_denied")
    problem(dana.request("PATCH", t + f"/reservations/{first['id']}", {"notes": "x", "if_version": 1}), 409,
            "conflict")
    body = problem(dana.request("PATCH", t + f"/reservations/{first['id']}", {}), 400, "invalid_argument")
    check("sets no field" in body["detail"], f"an empty edit: {body}")
    r = dana.request("PATCH", t + f"/reservations/{first['id']}", {"start": rfc3339(at(3, 14)),
                                                                  "if_version": edited["version"]})
    check(r.status == 200, f"moved: {r}")
    check((r.json()["start"], r.json()["end"]) == (rfc3339(at(3, 14)), rfc3339(at(3, 14) + 2700)),
          f"the length kept: {r.json()}")
    check(r.json()["notes"] == "short please", f"notes kept: {r.json()}")

    # --- listing: by start in keyset pages, by service, by customer record
    r = dana.get(t + f"/reservations?customer_id={record['id']}&order=by_start&limit=2")
    check(r.status == 200, f"page 1: {r}")
    page = r.json()
    check([x["id"] for x in page] == [soon["id"], first["id"]], f"by start: {page}")
    r = dana.get(t + f"/reservations?customer_id={record['id']}&order=by_start&limit=2"
                 f"&after_start={q(page[-1]['start'])}&after_id={page[-1]['id']}")
    check([x["id"] for x in r.json()] == [later[1]["id"], extra["id"]], f"page 2: {r}")
    problem(dana.get(t + f"/reservations?order=by_start&after_id={first['id']}"), 400, "invalid_argument")
    problem(dana.get(t + "/reservations?order=sideways"), 400, "invalid_argument")
    r = dana.get(t + f"/reservations?service={service['id']}&status=confirmed")
    check({x["id"] for x in r.json()} == {first["id"], later[1]["id"], extra["id"]}, f"by service: {r}")
    # Carl lists his own: those he made and those staff made for his record, in one keyset.
    r = carl.get(t + "/reservations?order=by_start")
    own = r.json()
    check([x["id"] for x in own] == [soon["id"], first["id"], later[1]["id"], extra["id"]],
          f"carl's own, by start: {r}")
    r = carl.get(t + f"/reservations?order=by_start&limit=2&after_start={q(own[1]['start'])}"
                 f"&after_id={own[1]['id']}")
    check([x["id"] for x in r.json()] == [later[1]["id"], extra["id"]], f"carl's page 2: {r}")
    r = carl.get(t + f"/reservations/{extra['id']}")
    check(r.status == 200, f"the booking staff made for him is his to read: {r}")
    r = carl.get(t + f"/customers/{record['id']}/bookings?order=by_start&status=confirmed")
    check([x["id"] for x in r.json()] == [first["id"], later[1]["id"], extra["id"]],
          f"his record's bookings: {r}")

    # --- merge: the second record's bookings move to carl's; it stays a tombstone
    r = dana.post(t + "/reservations", {"allocations": [{"resource": chair}], "start": rfc3339(at(6)),
                                        "end": rfc3339(at(6, 11)), "customer_id": duplicate})
    check(r.status == 201, f"booked for the duplicate: {r}")
    problem(dana.post(t + f"/customers/{record['id']}/merge", {}), 400, "invalid_argument")
    r = dana.post(t + f"/customers/{record['id']}/merge", {"absorbed": duplicate})
    check(r.status == 200 and r.json()["phone"] == "+49 30 1234567", f"merged: {r}")
    r = dana.get(t + f"/customers/{duplicate}")
    check(r.json()["merged_into"] == record["id"], f"a tombstone: {r}")
    r = dana.get(t + f"/customers/{record['id']}/bookings?order=by_start")
    check(len(r.json()) == 5, f"every booking of carl: {r}")
    tombstone = dana.get(t + f"/customers/{duplicate}").json()
    problem(dana.put(t + f"/customers/{duplicate}", {**tombstone, "display_name": "Carl J."}), 409, "conflict")
    r = dana.get(t + f"/customers/{record['id']}")
    current = r.json()
    r = dana.put(t + f"/customers/{record['id']}", {**current, "locale": "de"})
    check(r.status == 200 and r.json()["locale"] == "de", f"update: {r}")

    # --- export: everything about carl; carl may export his own, staff may not
    r = owner.get(t + f"/customers/{record['id']}/export")
    check(r.status == 200, f"export: {r}")
    exported = r.json()
    check(exported["format"] == "boka.customer-export/1", f"format: {exported}")
    check(exported["customer"]["email"] == "carl@salon.test", f"the record: {exported['customer']}")
    check(len(exported["reservations"]) == 5, f"the bookings: {exported['reservations']}")
    check("short please" in [x["notes"] for x in exported["reservations"]], "notes exported")
    r = carl.get(t + f"/customers/{record['id']}/export")
    check(r.status == 200 and r.json()["customer"]["id"] == record["id"], f"carl's own export: {r}")
    problem(dana.get(t + f"/customers/{record['id']}/export"), 403, "permission_denied")

    # --- erase: the personal data goes, the bookings stay (capacity and statistics)
    problem(carl.post(t + f"/customers/{record['id']}/erase"), 403, "permission_denied")
    problem(dana.post(t + f"/customers/{record['id']}/erase"), 403, "permission_denied")
    r = owner.post(t + f"/customers/{record['id']}/erase")
    check(r.status == 200 and r.json()["erased_at"] is not None, f"erased: {r}")
    check((r.json()["display_name"], r.json()["email"], r.json()["user"]) == ("", "", None), f"emptied: {r.json()}")
    r = owner.post(t + f"/customers/{record['id']}/erase")
    check(r.status == 200, f"erase is idempotent: {r}")
    r = owner.get(t + f"/reservations/{first['id']}")
    check((r.json()["status"], r.json()["notes"], r.json()["customer_id"]) == ("confirmed", "", record["id"]),
          f"the booking stays, without notes: {r.json()}")
    r = owner.get(t + f"/customers/{record['id']}/export")
    check("short please" not in r.body and "Carl Jung" not in r.body, "nothing personal left")

    # --- the event feed: every change above, in order, with the state after it; the
    # erased customer's earlier events redacted; staff may not read it.
    events, after = [], 0
    while True:
        r = owner.get(t + f"/events?after={after}&limit=7")
        check(r.status == 200, f"events: {r}")
        events += r.json()["events"]
        after = r.json()["next_after"]
        if not r.json()["more"]:
            break
    check(len({e["id"] for e in events}) == len(events) > 10, f"events: {len(events)}")
    check([e["position"] for e in events] == sorted(e["position"] for e in events), "in order")
    types = [e["type"] for e in events]
    for wanted in ("customer.created", "customer.merged", "customer.erased", "reservation.created",
                   "reservation.cancelled", "reservation.updated"):
        check(wanted in types, f"{wanted} in {types}")
    check("short please" not in str(events) and "Carl Jung" not in str(events),
          "the erased customer's personal data left the feed")
    erased_at = types.index("customer.erased")
    mine = [e for e in events[:erased_at] if e["customer_id"] == record["id"]]
    check(mine and all(e["data"] == {"redacted": True} for e in mine), f"redacted: {mine}")
    r = owner.get(t + "/events/head")
    check(r.status == 200 and r.json() == {"position": events[-1]["position"]}, f"head: {r}")
    r = owner.get(t + f"/events/{events[0]['id']}")
    check(r.status == 200 and r.json() == events[0], f"one event: {r}")
    r = owner.get(t + f"/events?types=reservation.cancelled&subject=reservation:{first['id']}")
    check(r.status == 200 and [e["type"] for e in r.json()["events"]] in ([], ["reservation.cancelled"]),
          f"filtered: {r}")
    check(r.json()["next_after"] == events[-1]["position"], f"a filtered reader moves to the head: {r}")
    problem(owner.get(t + "/events?types=reservation.deleted"), 400, "invalid_argument")
    problem(owner.get(t + "/events?limit=0"), 400, "invalid_argument")
    problem(owner.get(t + "/events/999999"), 404, "not_found")
    problem(dana.get(t + "/events"), 403, "permission_denied")

    # Archived services keep their bookings but take no new ones.
    r = owner.delete(t + f"/services/{service['id']}")
    check(r.status == 200 and r.json()["archived_at"] is not None, f"archived: {r}")
    problem(dana.post(t + "/reservations", {"service": service["id"], "start": rfc3339(at(8))}), 409, "conflict")
    r = owner.get(t + "/services?include_archived")
    check(len(r.json()) == 2, f"with the archived: {r}")

    check(server.process.poll() is None, "the server is up")
    check(server.stop() == 0, "clean exit")
    print("services and customers e2e: ok")


if __name__ == "__main__":
    main()
