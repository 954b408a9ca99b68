#!/usr/bin/env python3
"""What the Python binding costs per call: the operations of overhead_bench.cpp, timed
through the boka package (memory store, manual clock). Subtract the C++ figures of
boka_bindings_bench to get the overhead; docs/bindings.md has both.

    PYTHONPATH=build/release/bindings/python/package python3 bindings/bench/python_overhead.py
"""

from __future__ import annotations

import timeit
from datetime import datetime, timedelta, timezone

import boka

TUESDAY = datetime(2026, 1, 6, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def main() -> None:
    engine = boka.Engine("memory:", clock=boka.ManualClock(TUESDAY - timedelta(days=1)))
    tenant = engine.create_tenant("bench").id
    room = engine.create_resource(tenant, name="room", zone="UTC", capacity=1_000_000,
                                  policy=boka.Policy(slot_step=HOUR)).id
    request = [boka.AllocationRequest.of_resource(room)]
    booked = engine.reserve(tenant, request, TUESDAY + 10 * HOUR, TUESDAY + 11 * HOUR).id

    def reserve_cancel() -> None:
        r = engine.reserve(tenant, request, TUESDAY + 14 * HOUR, TUESDAY + 15 * HOUR)
        engine.cancel(tenant, r.id)

    cases = {
        "get_reservation": lambda: engine.get_reservation(tenant, booked),
        "explain (one slot)": lambda: engine.explain(tenant, request, TUESDAY + 12 * HOUR, HOUR),
        "availability (one day, 24 slots)":
            lambda: engine.availability(tenant, request, TUESDAY, TUESDAY + 24 * HOUR, HOUR),
        "reserve + cancel": reserve_cancel,
    }
    for name, fn in cases.items():
        number = 2000
        best = min(timeit.repeat(fn, number=number, repeat=5)) / number
        print(f"{name:34s} {best * 1e6:8.2f} us/call")
    engine.close()


if __name__ == "__main__":
    main()
