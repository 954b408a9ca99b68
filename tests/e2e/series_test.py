#!/usr/bin/env python3
"""Recurring series over real HTTP on loopback: a live boka-server books a weekly series
(one transaction, local time in the resource's zone), refuses an all_or_nothing series with
a 409 problem naming every occurrence that does not fit (and stores nothing), returns the
original booking to a retry with the same Idempotency-Key, checks which occurrences are
free, confirms a held series, cancels and reschedules by scope (a split), skips conflicts
on request, and answers a bad RRULE with a 400 problem naming the part, storing nothing.
Every 2xx answer is checked against the server's OpenAPI schemas by the harness."""
import os
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from harness import Server, admin, check, rfc3339, scratch

BERLIN = ZoneInfo("Europe/Berlin")


def at(day, minute, zone=BERLIN):
    """The UTC instant of `minute` after local midnight on `day` in `zone`, as RFC 3339."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return rfc3339(int(local.timestamp()))


def problem(r, status, code):
    check(r.status == status, f"wanted {status}, got {r}")
    check(r.headers.get("Content-Type", "").startswith("application/problem+json"), f"{r.headers}")
    body = r.json()
    check(body["status"] == status and body["code"] == code, f"problem: {body}")
    return body


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "series", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    c = server.client.with_token(key)
    t = f"/api/tenants/{tenant}"

    r = c.post(t + "/resources", {"name": "Room", "zone": "Europe/Berlin"})
    check(r.status == 201, f"resource: {r}")
    room = r.json()["id"]

    # Four Tuesdays at 09:00 Berlin, the first at least two weeks from now.
    today = datetime.now(BERLIN).date() + timedelta(days=14)
    first = today + timedelta(days=(1 - today.weekday()) % 7)  # Monday is 0: Tuesday is 1
    days = [first + timedelta(weeks=k) for k in range(4)]
    request = {"allocations": [{"resource": room}], "first_date": first.isoformat(),
               "start_minute": 9 * 60, "duration": 3600, "rule": "FREQ=WEEKLY;COUNT=4"}

    def reservations(**query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        r = c.get(t + "/reservations" + (f"?{q}" if q else ""))
        check(r.status == 200, f"list: {r}")
        return r.json()

    # --- which Tuesdays are free: all four; checking stores nothing.
    r = c.post(t + "/series/check", request)
    check(r.status == 200, f"check: {r}")
    free = r.json()
    check([o["date"] for o in free["free"]] == [d.isoformat() for d in days] and free["taken"] == [],
          f"check: {free}")
    check(free["free"][0]["start"] == at(days[0], 9 * 60), f"09:00 Berlin in UTC: {free['free'][0]}")
    check(reservations() == [], "check stored nothing")

    # --- two Tuesdays taken: all_or_nothing is a 409 naming both, and nothing is stored.
    blockers = []
    for d in (days[1], days[3]):
        b = c.post(t + "/reservations", {"allocations": [{"resource": room}], "start": at(d, 9 * 60 + 30),
                                         "end": at(d, 10 * 60 + 30)})
        check(b.status == 201, f"blocker: {b}")
        blockers.append(b.json()["id"])
    body = problem(c.post(t + "/series", request), 409, "conflict")
    refused = body["conflict"]["occurrences"]
    check([o["start"] for o in refused] == [at(days[1], 9 * 60), at(days[3], 9 * 60)],
          f"the refused occurrences: {refused}")
    check([o["blocking_reservation_ids"] for o in refused] == [[blockers[0]], [blockers[1]]],
          f"each names its blocker: {refused}")
    check(all(o["code"] == "conflict" and o["reason"] for o in refused), f"codes and reasons: {refused}")
    check(sorted(body["conflict"]["blocking"]) == sorted(blockers), f"blocking: {body['conflict']}")
    check(days[1].isoformat() in body["detail"] and days[3].isoformat() in body["detail"],
          f"the detail names the dates: {body['detail']}")
    check(len(reservations()) == 2, "a refused series stores nothing")
    r = c.post(t + "/series/check", request)
    check([o["date"] for o in r.json()["taken"]] == [days[1].isoformat(), days[3].isoformat()],
          f"check names the taken ones: {r}")

    # --- skip_conflicts books the free two and lists the others as EXDATEs.
    r = c.post(t + "/series", {**request, "mode": "skip_conflicts"})
    check(r.status == 201, f"skip_conflicts: {r}")
    skipping = r.json()
    check([x["date"] for x in skipping["skipped"]] == [days[1].isoformat(), days[3].isoformat()],
          f"skipped: {skipping['skipped']}")
    check(skipping["series"]["exdates"] == [days[1].isoformat(), days[3].isoformat()],
          f"exdates: {skipping['series']}")
    check(len(skipping["reservations"]) == 2, f"booked: {skipping['reservations']}")
    r = c.post(t + f"/reservations/{skipping['reservations'][0]['id']}/series-cancel", {"scope": "whole_series"})
    check(r.status == 200 and len(r.json()["changed"]) == 2, f"cancel the skipping series: {r}")
    for b in blockers:
        check(c.post(t + f"/reservations/{b}/cancel").status == 200, "cancel a blocker")

    # --- a bad RRULE: 400 naming the field and the part; a part boka does not support: 501.
    before = len(reservations())
    body = problem(c.post(t + "/series", {**request, "rule": "FREQ=WEEKLY;INTERVAL=0;COUNT=4"}), 400,
                   "invalid_argument")
    check("series.rule" in body["detail"] and "INTERVAL=0" in body["detail"], f"detail: {body['detail']}")
    body = problem(c.post(t + "/series", {**request, "rule": "FREQ=WEEKLY;COUNT=4;BYSECOND=5"}), 501,
                   "not_supported")
    check("BYSECOND" in body["detail"], f"detail: {body['detail']}")
    body = problem(c.post(t + "/series", {**request, "rule": "FREQ=WEEKLY"}), 400, "invalid_argument")
    check("COUNT or UNTIL" in body["detail"], f"no end: {body['detail']}")
    body = problem(c.post(t + "/series", {**request, "first_date": "next tuesday"}), 400, "invalid_argument")
    check("series.first_date" in body["detail"], f"bad date: {body['detail']}")
    check(len(reservations()) == before, "bad requests stored nothing")

    # --- booked with an Idempotency-Key, held; a retry returns the original.
    held = {**request, "hold_for": 600}
    r = c.post(t + "/series", held, headers={"Idempotency-Key": "tuesdays-1"})
    check(r.status == 201, f"book: {r}")
    booking = r.json()
    series = booking["series"]
    occ = booking["reservations"]
    check(len(occ) == 4 and booking["skipped"] == [], f"booked: {booking}")
    check(series["rule"] == "FREQ=WEEKLY;COUNT=4" and series["zone"] == "Europe/Berlin", f"series: {series}")
    check(all(o["series"] == series["id"] and o["status"] == "held" for o in occ), f"held occurrences: {occ}")
    check([o["occurrence_date"] for o in occ] == [d.isoformat() for d in days], f"occurrence dates: {occ}")
    check([o["start"] for o in occ] == [at(d, 9 * 60) for d in days], f"starts: {occ}")
    again = c.post(t + "/series", held, headers={"Idempotency-Key": "tuesdays-1"})
    check(again.status == 201 and again.json()["series"]["id"] == series["id"] and
          [o["id"] for o in again.json()["reservations"]] == [o["id"] for o in occ], f"retry: {again}")
    problem(c.post(t + "/series", {**held, "start_minute": 10 * 60}, headers={"Idempotency-Key": "tuesdays-1"}),
            409, "already_exists")
    problem(c.post(t + "/series", {**held, "idempotency_key": "other"}, headers={"Idempotency-Key": "tuesdays-1"}),
            400, "invalid_argument")
    check(len([x for x in reservations() if x["series"] == series["id"]]) == 4, "one series, four occurrences")

    # --- read it back; confirm every held occurrence.
    r = c.get(t + f"/series/{series['id']}")
    check(r.status == 200 and r.json() == series, f"get: {r}")
    r = c.get(t + f"/series/{series['id']}/occurrences")
    check(r.status == 200 and [o["id"] for o in r.json()] == [o["id"] for o in occ], f"occurrences: {r}")
    check([x["id"] for x in reservations(series=series["id"])] == [o["id"] for o in occ], "?series= filter")
    r = c.post(t + f"/series/{series['id']}/confirm")
    check(r.status == 200 and all(o["status"] == "confirmed" for o in r.json()), f"confirm: {r}")
    problem(c.get(t + "/series/999999"), 404, "not_found")

    # --- cancel one occurrence: its date becomes an EXDATE, its slot is free again.
    r = c.post(t + f"/reservations/{occ[1]['id']}/series-cancel", {"scope": "this_occurrence"})
    check(r.status == 200, f"cancel one: {r}")
    change = r.json()
    check([x["id"] for x in change["changed"]] == [occ[1]["id"]] and change["changed"][0]["status"] == "cancelled",
          f"changed: {change}")
    check(change["series"]["exdates"] == [days[1].isoformat()] and change["split"] is None, f"series: {change}")
    body = problem(c.post(t + f"/reservations/{occ[1]['id']}/series-cancel", {"scope": "sometimes"}), 400,
                   "invalid_argument")
    check("cancel.scope" in body["detail"], f"bad scope: {body['detail']}")
    problem(c.post(t + f"/reservations/{occ[1]['id']}/series-cancel", {}), 400, "invalid_argument")

    # --- reschedule this and following an hour later: the series splits, the same
    # reservations move; a blocker on the last Tuesday at 10:30 refuses it first (409 naming it).
    b = c.post(t + "/reservations", {"allocations": [{"resource": room}], "start": at(days[3], 10 * 60 + 30),
                                     "end": at(days[3], 11 * 60)})
    check(b.status == 201, f"blocker: {b}")
    move = {"scope": "this_and_following", "start_minute": 10 * 60}
    body = problem(c.post(t + f"/reservations/{occ[2]['id']}/series-reschedule", move), 409, "conflict")
    check([o["start"] for o in body["conflict"]["occurrences"]] == [at(days[3], 10 * 60)] and
          body["conflict"]["occurrences"][0]["blocking_reservation_ids"] == [b.json()["id"]],
          f"the refused move: {body['conflict']}")
    r = c.get(t + f"/series/{series['id']}/occurrences")
    check([o["start"] for o in r.json()] == [o["start"] for o in occ], "a refused move changes nothing")
    check(c.post(t + f"/reservations/{b.json()['id']}/cancel").status == 200, "cancel the blocker")
    r = c.post(t + f"/reservations/{occ[2]['id']}/series-reschedule", move)
    check(r.status == 200, f"reschedule: {r}")
    change = r.json()
    split = change["split"]
    check(split is not None and split["split_from"] == series["id"] and split["first_date"] == days[2].isoformat(),
          f"split: {split}")
    check(change["series"]["rule"].startswith("FREQ=WEEKLY;UNTIL="), f"the old part ends: {change['series']}")
    check([x["id"] for x in change["changed"]] == [occ[2]["id"], occ[3]["id"]], f"moved: {change['changed']}")
    check([x["start"] for x in change["changed"]] == [at(days[2], 10 * 60), at(days[3], 10 * 60)],
          f"an hour later: {change['changed']}")
    check(all(x["series"] == split["id"] for x in change["changed"]), "the moved ones belong to the split")
    body = problem(c.post(t + f"/reservations/{occ[2]['id']}/series-reschedule",
                          {"scope": "this_occurrence", "rule": "FREQ=FORTNIGHTLY"}), 400, "invalid_argument")
    check("reschedule.rule" in body["detail"] and "FREQ" in body["detail"], f"bad rule: {body['detail']}")

    # --- one occurrence alone to the Wednesday: it keeps its RECURRENCE-ID.
    wednesday = days[3] + timedelta(days=1)
    r = c.post(t + f"/reservations/{occ[3]['id']}/series-reschedule",
               {"scope": "this_occurrence", "first_date": wednesday.isoformat(), "start_minute": 14 * 60})
    check(r.status == 200, f"move one: {r}")
    moved = r.json()["changed"][0]
    check(moved["start"] == at(wednesday, 14 * 60) and moved["occurrence_date"] == days[3].isoformat(),
          f"moved one: {moved}")

    # --- the whole (split) series: every occurrence not yet started.
    r = c.post(t + f"/reservations/{occ[2]['id']}/series-cancel", {"scope": "whole_series"})
    check(r.status == 200, f"cancel whole: {r}")
    check(sorted(x["id"] for x in r.json()["changed"]) == sorted([occ[2]["id"], occ[3]["id"]]) and
          all(x["status"] == "cancelled" for x in r.json()["changed"]), f"whole: {r.json()['changed']}")
    left = {x["id"]: x["status"] for x in reservations(series=series["id"])}
    check(left == {occ[0]["id"]: "confirmed", occ[1]["id"]: "cancelled"}, f"the old part: {left}")

    # A single reservation is not a series.
    single = [x for x in reservations() if x["series"] is None][0]
    problem(c.post(t + f"/reservations/{single['id']}/series-cancel", {"scope": "this_occurrence"}), 400,
            "invalid_argument")

    check(server.process.poll() is None, "the server is up")
    check(server.stop() == 0, "clean exit")
    print("series e2e: ok")


if __name__ == "__main__":
    main()
