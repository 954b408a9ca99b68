#!/usr/bin/env python3
"""A business set up end to end, in Python (docs/business-setup.md): a hair salon with two
stylists in a pool and two chairs, a "Haircut" service (45 or 60 minutes, one stylist and one
chair, 15 minutes to clean up, EUR 35.00), booking rules (no cancelling within 24 hours, at
most two upcoming haircuts per customer), a customer record, and the day-to-day: booking by
service, a limit refusing a third booking, a late cancel refused and overridden by staff, an
edit, the list by start, an export and an erasure.

    python3 salon.py        (uses ./boka-salon-py.db, or $BOKA_EXAMPLE_DB)
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import boka


def main() -> int:
    path = os.environ.get("BOKA_EXAMPLE_DB", "boka-salon-py.db")
    with boka.Engine(f"sqlite:{path}") as engine:
        # --- The business, configured once (one tenant per run, so it can run again).
        tenant = engine.create_tenant(f"Salon {time.time_ns() // 1000}")
        t = tenant.id
        every_day = [boka.WeeklyRule(day, [boka.LocalInterval(9 * 60, 18 * 60)])
                     for day in boka.Weekday]
        opening = engine.create_schedule(t, name="Every day 9-18", weekly=every_day)
        ana = engine.create_resource(t, name="Ana (stylist)", zone="Europe/Berlin",
                                     schedule=opening.id)
        ben = engine.create_resource(t, name="Ben (stylist)", zone="Europe/Berlin",
                                     schedule=opening.id)
        chairs = engine.create_resource(t, name="Chairs", zone="Europe/Berlin", capacity=2,
                                        schedule=opening.id)
        stylists = engine.create_pool(t, name="Stylists", members=[ana.id, ben.id])
        haircut = engine.services.create(
            t, name="Haircut", duration=timedelta(minutes=45),
            allowed_durations=[timedelta(minutes=60)],
            allocations=[boka.AllocationRequest.of_pool(stylists.id),
                         boka.AllocationRequest.of_resource(chairs.id)],
            buffer_after=timedelta(minutes=15), price_minor=3500, currency="EUR",
            rules=boka.BookingRules(cancel_cutoff=timedelta(hours=24), max_active_per_customer=2))
        engine.update_tenant_rules(t, rules=boka.BookingRules(), max_hold=timedelta(minutes=15),
                                   expected_version=tenant.version)
        ada = engine.customers.create(t, display_name="Ada Lovelace", email="ada@example.com",
                                      phone="+44 20 7946 0000", locale="en-GB",
                                      time_zone="Europe/London")
        print(f"set up: service {haircut.id} ({haircut.name}), customer {ada.id}")

        # --- Day to day: the first free haircut of `length` at or after `start`.
        def next_slot(start: datetime, length: timedelta) -> boka.Slot:
            page = engine.availability_page(t, [], start, start + timedelta(days=7), length,
                                            service=haircut.id, limit=1)
            return page.slots[0]

        now = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
        first = engine.reserve(t, [], next_slot(now, timedelta(minutes=45)).start,
                               service=haircut.id, customer_id=ada.id, notes="first visit")
        print(f"booked reservation {first.id} at {first.start.isoformat()} for "
              f"{first.price_minor} {first.currency}")
        second = engine.reserve(t, [], next_slot(first.start + timedelta(hours=20),
                                                 timedelta(minutes=45)).start,
                                service=haircut.id, customer_id=ada.id)
        try:
            engine.reserve(t, [], next_slot(second.start + timedelta(hours=20),
                                            timedelta(minutes=45)).start,
                           service=haircut.id, customer_id=ada.id)
        except boka.ConflictError as refused:
            print(f"third booking refused: {refused} (rule {refused.rule})")

        # Cancelling within 24 hours of the start is refused, until staff override it.
        try:
            engine.cancel(t, first.id)
        except boka.ConflictError as late:
            print(f"late cancel refused: {late} (deadline {late.deadline.isoformat()})")
        cancelled = engine.cancel(t, first.id, override_rules=True)
        print(f"cancelled by staff override: reservation {cancelled.id}")

        # An edit: the longer cut at the next free hour, in one checked step.
        longer = next_slot(second.end, timedelta(minutes=60))
        moved = engine.update_reservation(t, second.id, start=longer.start, end=longer.end,
                                          notes="wants the 60-minute cut",
                                          if_version=second.version)
        print(f"moved reservation {moved.id} to {moved.start.isoformat()}")

        # The salon's bookings by start, a page at a time.
        page = engine.list_reservations(t, order="by_start", limit=10)
        for r in page:
            print(f"  {r.start.isoformat()}  {r.status.value:<9} reservation {r.id}")

        # Privacy: everything boka holds about Ada, then her erasure.
        exported = engine.customers.export_data(t, ada.id)
        print(f"export: {len(exported['reservations'])} reservations of {exported['customer']['display_name']}")
        erased = engine.customers.erase(t, ada.id)
        kept = engine.get_reservation(t, moved.id)
        verified = engine.operations.verify_audit()
        print(f"erased customer {erased.id}; reservation {kept.id} still {kept.status.value}; "
              f"audit trail {'verifies' if verified.ok else 'BROKEN'}")
        return 0 if verified.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
