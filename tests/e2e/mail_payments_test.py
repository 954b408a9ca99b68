#!/usr/bin/env python3
"""Customer mail and payments end to end with real processes: boka-server takes the settings
over HTTP, boka-worker sends through a real SMTP server (aiosmtpd, tests/support/smtp_sink.py,
run by Debian's /usr/bin/python3, which parses every message with Python's `email` package),
and a payment provider's notifications are signed here, with this test's own HMAC code, the
way Stripe signs them.

Mail: a booking's confirmation arrives once, in the customer's language, its dates in the
customer's zone (checked against zoneinfo), with the booking as an .ics whose DTSTART reads
back to the booked instant; restarting the worker, and killing it between rounds, sends
nothing twice; a message written while the SMTP server is down is sent exactly once when it
is back.

Payments: a customer's booking of a priced service is a hold awaiting payment that the customer
cannot confirm; forged and stale notifications are refused (403); a signed payment confirms it
(and the confirmation mail follows); the provider's retry is a duplicate; a refund; the
server's metrics count the transitions."""
import hashlib
import hmac
import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from harness import WORKER, Server, admin, check, rfc3339, scratch, start, wait_for

SOURCE = os.environ.get("BOKA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DEBIAN_PYTHON = os.environ.get("BOKA_DEBIAN_PYTHON", "/usr/bin/python3")
SINK = os.path.join(SOURCE, "tests", "support", "smtp_sink.py")
SECRET = "whsec_e2e_0123456789abcdef0123456789abcdef"
PASSWORD = "mail payments password 1"


class SmtpSink:
    """smtp_sink.py on `port` (0: a free one), writing into `directory`."""

    def __init__(self, directory, port=0):
        self.directory = directory
        args = [DEBIAN_PYTHON, SINK, directory] + (["--port", str(port)] if port else [])
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline()
        check(line.startswith("READY "), f"smtp_sink.py: {line!r}")
        self.port = int(line.split()[1])

    def stop(self):
        self.process.stdin.close()
        self.process.wait(15)

    def messages(self):
        names = sorted((n for n in os.listdir(self.directory) if n.endswith(".json")),
                       key=lambda n: int(n[4:-5]))
        return [json.load(open(os.path.join(self.directory, n))) for n in names]


def header(record, name):
    for n, v in record["message"]["headers"]:
        if n.lower() == name.lower():
            return v
    return None


def part(record, content_type):
    for p in record["message"]["parts"]:
        if p["content_type"] == content_type:
            return p
    return None


def stripe_signature(secret, t, body):
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def payment_event(event_id, event_type, reservation, amount, currency="eur", **extra):
    obj = {"id": "pi_" + event_id, "object": "payment_intent", "amount": amount,
           "amount_received": amount, "currency": currency,
           "metadata": {"boka_reservation_id": str(reservation)}, **extra}
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "data": {"object": obj}}).encode()


def main():
    work = scratch()
    mail_dir = os.path.join(work, "mail")
    os.makedirs(mail_dir)
    sink = SmtpSink(mail_dir)
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "Salon Lindenhof", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    mail_env = {"BOKA_SMTP_URL": f"smtp://127.0.0.1:{sink.port}", "BOKA_SMTP_SECURITY": "none",
                "BOKA_MAIL_FROM": "bookings@lindenhof.test", "BOKA_SMTP_TIMEOUT_MS": "10000"}
    server = Server(db, log_dir=work, env=mail_env).start()
    owner = server.client.with_token(key)
    t = f"/api/tenants/{tenant}"
    worker_env = {**server.env, "BOKA_WORKER_INTERVAL_SECONDS": "1"}
    worker_runs = [0]

    def worker_once():
        worker_runs[0] += 1
        p = start([WORKER], env={**worker_env, "BOKA_WORKER_ONCE": "1"},
                  log=os.path.join(work, f"worker-{worker_runs[0]}.log"))
        check(p.wait(60) == 0, "worker round")

    # --- the catalogue: a chair in Berlin, a priced service, a customer in New York
    chair = owner.post(t + "/resources", {"name": "Chair 1", "zone": "Europe/Berlin"}).json()["id"]
    r = owner.post(t + "/services", {"name": "Coupe", "duration": 3600,
                                     "allocations": [{"resource": chair}], "price_minor": 4250,
                                     "currency": "EUR", "customer_bookable": True})
    check(r.status == 201, f"service: {r}")
    service = r.json()["id"]
    r = owner.post(t + "/users", {"email": "ana@example.test", "password": PASSWORD,
                                  "role": "customer"})
    check(r.status == 201, f"customer user: {r}")
    r = owner.post(t + "/customers", {"display_name": "Ana Lima", "email": "ana@example.test",
                                      "locale": "fr-CA", "time_zone": "America/New_York",
                                      "user": r.json()["id"]})
    check(r.status == 201, f"customer: {r}")
    ana = r.json()["id"]
    login = server.client.post("/api/auth/login", {"tenant": tenant, "email": "ana@example.test",
                                                   "password": PASSWORD})
    check(login.status == 200, f"login: {login}")
    customer = server.client.with_token(login.json()["token"])

    # --- mail settings: a bad template is refused naming its place; then on
    r = owner.get(t + "/mail/settings")
    check(r.status == 200 and r.json()["version"] == 0 and not r.json()["enabled"], f"defaults: {r}")
    settings = {**r.json(), "enabled": True, "reply_to": "desk@lindenhof.test",
                "templates": [{"kind": "reminder", "subject": "x", "text": "{{start.dat}}"}]}
    r = owner.put(t + "/mail/settings", settings)
    check(r.status == 400 and "templates[0].text" in r.json()["detail"], f"bad template: {r}")
    settings["templates"] = []
    r = owner.put(t + "/mail/settings", settings)
    check(r.status == 200 and r.json()["enabled"] and r.json()["version"] == 1, f"enabled: {r}")

    # --- a booking for Ana: the confirmation, in French, at New York time, with the .ics
    day = (int(time.time()) // 86400 + 3) * 86400  # midnight UTC three days ahead
    start_at = day + 14 * 3600
    r = owner.post(t + "/reservations", {"service": service, "start": rfc3339(start_at),
                                         "customer_id": ana})
    check(r.status == 201, f"book: {r}")
    booking = r.json()
    worker_once()
    got = sink.messages()
    check(len(got) == 1, f"one message: {len(got)}")
    m = got[0]
    check(m["rcpt_tos"] == ["ana@example.test"], f"to Ana: {m['rcpt_tos']}")
    check(m["mail_from"] == "bookings@lindenhof.test", f"envelope sender: {m['mail_from']}")
    check(header(m, "From") == "Salon Lindenhof <bookings@lindenhof.test>", f"From: {header(m, 'From')}")
    check(header(m, "Reply-To") == "desk@lindenhof.test", "Reply-To")
    local = datetime.fromtimestamp(start_at, ZoneInfo("America/New_York"))
    french_months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"]
    day_text = f"{local.day} {french_months[local.month - 1]} {local.year}"
    subject = header(m, "Subject")
    check("Coupe" in subject and day_text in subject, f"a French subject with the date: {subject}")
    text = part(m, "text/plain")["text"]
    check(local.strftime("%H:%M") in text, f"New York time {local:%H:%M} in the text: {text}")
    berlin = datetime.fromtimestamp(start_at, ZoneInfo("Europe/Berlin"))
    check(berlin.strftime("%H:%M") not in text, "not the salon's time")
    check("42,50" in text, f"the price, the French way: {text}")
    ics = part(m, "text/calendar")
    check(ics is not None and ics["filename"] == "booking.ics", "an .ics attachment")
    cal = ics["text"]
    check(f"UID:boka-reservation-{booking['id']}-t{tenant}" in cal, "the feed's UID")
    stamp = [line for line in cal.split("\r\n") if line.startswith("DTSTART;TZID=America/New_York:")]
    check(len(stamp) == 1, f"DTSTART in New York time: {cal}")
    read_back = datetime.strptime(stamp[0].split(":", 1)[1], "%Y%m%dT%H%M%S").replace(
        tzinfo=ZoneInfo("America/New_York"))
    check(int(read_back.timestamp()) == start_at, f"the .ics reads back to the booked instant: {read_back}")
    r = owner.get(t + "/mail/messages")
    check(r.status == 200 and len(r.json()) == 1, f"one message recorded: {r}")
    record = r.json()[0]
    check(record["status"] == "sent" and record["kind"] == "confirmation" and record["attempts"] == 1,
          f"sent: {record}")
    check(header(m, "Message-ID") == record["message_id"], "the Message-ID recorded")

    # --- nothing twice: another round, a restarted worker, a worker killed between rounds
    worker_once()
    worker = start([WORKER], env=worker_env, log=os.path.join(work, "worker-long.log"))
    time.sleep(3)  # a few rounds
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    worker_once()
    check(len(sink.messages()) == 1, f"still one message: {len(sink.messages())}")
    check(len(owner.get(t + "/mail/messages").json()) == 1, "still one record")

    # --- the SMTP server down: the message waits, and goes once when it is back
    sink.stop()
    r = owner.post(t + "/reservations", {"service": service, "start": rfc3339(start_at + 7200),
                                         "customer_id": ana})
    check(r.status == 201, f"second booking: {r}")
    worker_once()
    pending = owner.get(t + "/mail/messages?status=pending").json()
    check(len(pending) == 1 and pending[0]["attempts"] == 1 and pending[0]["last_error"],
          f"waiting after a failed attempt: {pending}")
    sink = SmtpSink(mail_dir, port=sink.port)
    time.sleep(7)  # the first retry waits 5 s (+ up to 20%)
    worker_once()
    worker_once()
    check(len(sink.messages()) == 2, f"sent once when the server is back: {len(sink.messages())}")
    check(owner.get(t + "/mail/messages?status=pending").json() == [], "nothing pending")

    # --- payments: off, then on with the provider's secret
    r = owner.put(t + "/payments/settings", {"settings": {"enabled": True, "payment_window": 1800,
                                                          "tolerance": 300, "version": 0}})
    check(r.status == 400, f"no secret, no payments: {r}")
    r = owner.put(t + "/payments/settings", {"settings": {"enabled": True, "payment_window": 1800,
                                                          "tolerance": 300, "version": 0},
                                             "signing_secret": SECRET})
    check(r.status == 200 and r.json()["has_secret"] and SECRET not in r.body, f"payments on: {r}")

    r = customer.post(t + "/reservations", {"service": service, "start": rfc3339(day + 86400 + 10 * 3600)})
    check(r.status == 201, f"Ana books: {r}")
    held = r.json()
    check(held["status"] == "held" and held["payment_status"] == "pending"
          and held["price_minor"] == 4250, f"held for payment: {held}")
    r = customer.post(t + f"/reservations/{held['id']}/confirm", {})
    check(r.status == 409 and "awaits payment" in r.json()["detail"], f"no confirming unpaid: {r}")

    notify = t + "/payments/notifications"
    paid = payment_event("evt_e2e_1", "payment_intent.succeeded", held["id"], 4250)
    now = int(time.time())
    for sig in ["", "t=%d,v1=00" % now, stripe_signature("whsec_not_the_secret_at_all_000", now, paid),
                stripe_signature(SECRET, now - 3600, paid)]:
        r = server.client.request("POST", notify, raw=paid, headers={"Stripe-Signature": sig})
        check(r.status == 403 and SECRET not in r.body, f"refused: {sig!r}: {r}")
    check(owner.get(t + f"/reservations/{held['id']}").json()["payment_status"] == "pending",
          "nothing moved")

    r = server.client.request("POST", notify, raw=paid,
                              headers={"Stripe-Signature": stripe_signature(SECRET, now, paid)})
    check(r.status == 200 and r.json()["outcome"] == "paid"
          and r.json()["reservation_status"] == "confirmed", f"paid: {r}")
    after = owner.get(t + f"/reservations/{held['id']}").json()
    check(after["status"] == "confirmed" and after["payment_status"] == "paid"
          and after["payment_reference"] == "pi_evt_e2e_1", f"confirmed and paid: {after}")
    r = server.client.request("POST", notify, raw=paid,
                              headers={"Stripe-Signature": stripe_signature(SECRET, now + 1, paid)})
    check(r.status == 200 and r.json()["outcome"] == "duplicate", f"the retry is a duplicate: {r}")

    # The paid booking's confirmation mail follows.
    worker_once()
    got = sink.messages()
    check(len(got) == 3 and got[-1]["rcpt_tos"] == ["ana@example.test"], f"its confirmation: {len(got)}")

    refund = json.dumps({"id": "evt_e2e_2", "type": "charge.refunded", "data": {"object": {
        "id": "ch_1", "amount": 4250, "currency": "eur", "refunded": True,
        "payment_intent": "pi_evt_e2e_1", "metadata": {"boka_reservation_id": str(held["id"])}}}}).encode()
    r = server.client.request("POST", notify, raw=refund,
                              headers={"Stripe-Signature": stripe_signature(SECRET, int(time.time()), refund)})
    check(r.status == 200 and r.json()["outcome"] == "refunded", f"refunded: {r}")

    metrics = server.client.get("/api/metrics").body.splitlines()
    check('payments_processed_total{outcome="paid"} 1' in metrics, f"one payment counted: "
          f"{[x for x in metrics if 'payment' in x]}")
    check('payments_processed_total{outcome="refunded"} 1' in metrics, "one refund counted")
    check('payment_notifications_total{outcome="refused"} 4' in metrics, "four refused")
    check('payment_notifications_total{outcome="duplicate"} 1' in metrics, "one duplicate")
    check("emails_pending 0" in metrics, "no mail pending")

    sink.stop()
    check(server.stop() == 0, "clean exit")
    print("mail and payments e2e: ok")


if __name__ == "__main__":
    main()
