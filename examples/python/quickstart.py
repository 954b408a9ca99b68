#!/usr/bin/env python3
"""boka from Python: opens the default SQLite file, creates a tenant and a room in
Europe/Berlin with weekday opening hours, prints a week of availability (in Berlin time),
books the first slot, and shows a refused second booking with its next free start.

    python3 quickstart.py        (uses ./boka-example-py.db, or $BOKA_EXAMPLE_DB)
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boka

BERLIN = ZoneInfo("Europe/Berlin")


def main() -> int:
    path = os.environ.get("BOKA_EXAMPLE_DB", "boka-example-py.db")
    with boka.Engine(f"sqlite:{path}") as engine:
        # One tenant per run, so the example can run again on the same file.
        tenant = engine.create_tenant(f"Python example clinic {time.time_ns() // 1000}")
        weekdays = [boka.Weekday.MONDAY, boka.Weekday.TUESDAY, boka.Weekday.WEDNESDAY,
                    boka.Weekday.THURSDAY, boka.Weekday.FRIDAY]
        hours = engine.create_schedule(
            tenant.id, name="Weekdays 9-17, lunch 12-13",
            weekly=[boka.WeeklyRule(day, [boka.LocalInterval(9 * 60, 12 * 60),
                                          boka.LocalInterval(13 * 60, 17 * 60)])
                    for day in weekdays])
        room = engine.create_resource(
            tenant.id, name="Treatment room 1", zone="Europe/Berlin", schedule=hours.id,
            policy=boka.Policy(slot_step=timedelta(hours=1)))

        # Next Monday, 00:00 UTC.
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        monday = today + timedelta(days=7 - today.weekday())
        request = [boka.AllocationRequest.of_resource(room.id)]
        slots = engine.availability(tenant.id, request, monday, monday + timedelta(days=7),
                                    timedelta(hours=1))
        print(f"{len(slots)} free one-hour slots in the week from {monday:%Y-%m-%d}:")
        for slot in slots:
            print(f"  {slot.start.astimezone(BERLIN):%a %Y-%m-%d %H:%M %Z}  ({slot.start:%H:%M} UTC)")
        if not slots:
            print("no slots", file=sys.stderr)
            return 1

        first = slots[0]
        booked = engine.reserve(tenant.id, request, first.start, first.end, customer="patient-17")
        print(f"booked reservation {booked.id} at {booked.start.isoformat()}")

        try:
            engine.reserve(tenant.id, request, first.start, first.end)
        except boka.ConflictError as refused:
            print(f"second booking refused: {refused}")
            print(f"blocking reservations: {list(refused.blocking_reservation_ids)}")
            if refused.next_free_start is not None:
                print(f"next free start: {refused.next_free_start.isoformat()}")
            return 0
        print("the second booking should have been refused", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
