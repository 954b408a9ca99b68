#!/usr/bin/env python3
"""Calendar feeds end to end: a live boka-server makes a resource's feed over HTTP; the feed,
fetched by its secret URL with no session, is parsed by an independent parser (Debian's
python3-icalendar, run by /usr/bin/python3) and read back into the same instants the API
gives: one VEVENT per booking with a stable UID, SEQUENCE rising on reschedule,
STATUS:CANCELLED for a cancelled booking, and a weekly series as an RRULE whose expansion
(python3-dateutil) gives exactly the occurrences boka booked, across a DST change. A revoked
feed is 404, and the access log never holds the token."""
import json
import os
import subprocess
import sys
import urllib.request

from harness import Server, admin, check, rfc3339, scratch

DEBIAN_PYTHON = os.environ.get("BOKA_DEBIAN_PYTHON", "/usr/bin/python3")

# Runs under Debian's Python: parses the feed and prints what it read, as JSON.
PARSER = r"""
import json, sys
from datetime import timezone
import icalendar
from dateutil.rrule import rrulestr
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = []
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    end = ev.decoded("DTEND")
    item = {"uid": str(ev["UID"]), "start": int(start.timestamp()), "end": int(end.timestamp()),
            "status": str(ev.get("STATUS")), "sequence": int(ev.get("SEQUENCE", 0))}
    if "RRULE" in ev:
        rule = rrulestr(ev["RRULE"].to_ical().decode(), dtstart=start)
        exdates = set()
        ex = ev.get("EXDATE")
        for group in (ex if isinstance(ex, list) else [ex] if ex is not None else []):
            exdates |= {int(d.dt.timestamp()) for d in group.dts}
        item["occurrences"] = [int(d.timestamp()) for d in rule if int(d.timestamp()) not in exdates]
    out.append(item)
print(json.dumps(out))
"""


def parse_feed(path):
    script = os.path.join(os.path.dirname(path), "parse_feed.py")
    with open(script, "w") as f:
        f.write(PARSER)
    done = subprocess.run([DEBIAN_PYTHON, script, path], capture_output=True, text=True)
    check(done.returncode == 0, f"the parser failed: {done.stderr}")
    return {e["uid"]: e for e in json.loads(done.stdout)}


def unix(text):
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "studio", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    owner = server.client.with_token(key)
    t = f"/api/tenants/{tenant}"
    room = owner.post(t + "/resources", {"name": "Studio A", "zone": "America/New_York"}).json()["id"]

    # A booking, one to cancel, and a weekly series over the next DST change.
    day = 2 * 86400 + (int(__import__("time").time()) // 86400) * 86400 + 14 * 3600
    one = owner.post(t + "/reservations", {"allocations": [{"resource": room}],
                                           "start": rfc3339(day), "end": rfc3339(day + 3600)})
    check(one.status == 201, f"book: {one}")
    one = one.json()
    two = owner.post(t + "/reservations", {"allocations": [{"resource": room}],
                                           "start": rfc3339(day + 7200), "end": rfc3339(day + 10800)}).json()
    r = owner.post(t + f"/reservations/{two['id']}/cancel", {})
    check(r.status == 200, f"cancel: {r}")
    from datetime import datetime, timezone
    first = datetime.fromtimestamp(day + 86400, timezone.utc).date()
    series = owner.post(t + "/series", {"allocations": [{"resource": room}], "first_date": first.isoformat(),
                                        "start_minute": 8 * 60, "duration": 1800, "rule": "FREQ=WEEKLY;COUNT=6"})
    check(series.status == 201, f"series: {series}")
    series = series.json()

    r = owner.post(t + "/feeds", {"kind": "resource", "subject": room, "name": "Studio A"})
    check(r.status == 201, f"feed: {r}")
    token = r.json()["token"]
    feed_id = r.json()["feed"]["id"]
    url = f"http://127.0.0.1:{server.port}/api/feeds/{token}.ics"

    def fetch():
        with urllib.request.urlopen(url) as answer:
            check(answer.headers["Content-Type"].startswith("text/calendar"), f"{answer.headers}")
            body = answer.read()
        path = os.path.join(work, "feed.ics")
        with open(path, "wb") as f:
            f.write(body)
        return parse_feed(path)

    events = fetch()
    uid_one = f"boka-reservation-{one['id']}-t{tenant}"
    uid_two = f"boka-reservation-{two['id']}-t{tenant}"
    uid_series = f"boka-series-{series['series']['id']}-t{tenant}"
    check(set(events) == {uid_one, uid_two, uid_series}, f"uids: {list(events)}")
    check((events[uid_one]["start"], events[uid_one]["end"]) == (unix(one["start"]), unix(one["end"])),
          f"the same instants: {events[uid_one]} {one}")
    check(events[uid_one]["status"] == "CONFIRMED" and events[uid_one]["sequence"] == 1, f"{events[uid_one]}")
    check(events[uid_two]["status"] == "CANCELLED", f"{events[uid_two]}")
    booked = sorted(unix(x["start"]) for x in series["reservations"])
    check(events[uid_series]["occurrences"] == booked,
          f"the RRULE expands to what boka booked: {events[uid_series]['occurrences']} vs {booked}")

    # A reschedule raises SEQUENCE and moves the instants.
    r = owner.post(t + f"/reservations/{one['id']}/reschedule",
                   {"start": rfc3339(day + 4 * 3600), "end": rfc3339(day + 5 * 3600)})
    check(r.status == 200, f"reschedule: {r}")
    events = fetch()
    check(events[uid_one]["sequence"] == 2 and events[uid_one]["start"] == day + 4 * 3600, f"{events[uid_one]}")

    # Revoked: 404; the token never reached the access log.
    check(owner.post(t + f"/feeds/{feed_id}/revoke").status == 200, "revoke")
    try:
        urllib.request.urlopen(url)
        check(False, "a revoked feed answered")
    except urllib.error.HTTPError as e:
        check(e.code == 404, f"revoked: {e.code}")
    check(server.stop() == 0, "clean exit")
    with open(server.env["BOKA_ACCESS_LOG"]) as f:
        log = f.read()
    check(token not in log and "/api/feeds/(redacted).ics" in log, "no token in the access log")
    print("feeds e2e: ok")


if __name__ == "__main__":
    main()
