"""Threads: engine calls release the GIL, so other threads run (and call the engine) while
one waits for storage; many threads booking at once never overbook. (Named "race" so that
scripts/test.sh --tsan runs it under ThreadSanitizer too.)"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import unittest
from collections import Counter
from typing import Optional

import boka
from _support import UTC, hours, temp_dir, utc

R = boka.AllocationRequest.of_resource


class GilReleaseTest(unittest.TestCase):
    def test_other_threads_run_while_a_call_waits_for_storage(self) -> None:
        # A second connection (Python's own sqlite3) holds the database's write lock, so a
        # booking must wait inside the engine (busy timeout 60 s). While it waits, this thread
        # keeps running Python and reading through the same engine. Were the GIL held during
        # the call, nothing here could run until the booking gave up with UnavailableError.
        path = os.path.join(temp_dir(self), "gil.db")
        engine = boka.Engine(f"sqlite:{path}?busy_timeout_ms=60000",
                             clock=boka.ManualClock(utc(2026, 1, 5)))
        self.addCleanup(engine.close)
        tenant = engine.create_tenant("t").id
        room = engine.create_resource(tenant, name="room", zone="UTC").id

        blocker = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.addCleanup(blocker.close)
        blocker.execute("BEGIN IMMEDIATE")

        entering = threading.Event()
        outcome: dict[str, object] = {}

        def book() -> None:
            entering.set()
            try:
                outcome["reservation"] = engine.reserve(
                    tenant, [R(room)], utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
            except BaseException as e:  # reported below
                outcome["error"] = e

        writer = threading.Thread(target=book)
        writer.start()
        self.assertTrue(entering.wait(30))
        time.sleep(0.3)  # let the writer get into the engine call and start waiting

        reads = 0
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            self.assertEqual(engine.get_tenant(tenant).name, "t")  # readers are not blocked
            reads += 1
        self.assertGreater(reads, 0)
        self.assertTrue(writer.is_alive(), "the booking should still be waiting for the lock")
        self.assertNotIn("reservation", outcome)

        blocker.execute("ROLLBACK")  # let the booking through
        writer.join(60)
        self.assertFalse(writer.is_alive())
        self.assertNotIn("error", outcome, outcome.get("error"))
        booked = outcome["reservation"]
        assert isinstance(booked, boka.Reservation)
        self.assertEqual(booked.start, utc(2026, 1, 6, 10))


class ParallelBookingTest(unittest.TestCase):
    THREADS = 8
    SLOTS = 12
    CAPACITY = 3

    def run_race(self, uri_of: "list[str]") -> None:
        clock = boka.ManualClock(utc(2026, 1, 5))
        engines = [boka.Engine(uri, clock=clock) for uri in uri_of]
        for e in engines:
            self.addCleanup(e.close)
        tenant = engines[0].create_tenant("race").id
        room = engines[0].create_resource(tenant, name="room", zone="UTC", capacity=self.CAPACITY,
                                          policy=boka.Policy(slot_step=hours(1))).id
        day = utc(2026, 1, 6)
        barrier = threading.Barrier(self.THREADS)
        accepted: list[int] = []
        failures: list[BaseException] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            engine = engines[index % len(engines)]
            mine: list[int] = []
            try:
                barrier.wait(30)
                for i in range(self.SLOTS):
                    slot = (i + index * 5) % self.SLOTS
                    start = day + hours(slot)
                    try:
                        mine.append(engine.reserve(tenant, [R(room)], start, start + hours(1)).id)
                    except boka.ConflictError as refused:
                        if len(refused.blocking_reservation_ids) != self.CAPACITY:
                            raise AssertionError(f"slot {slot}: {refused.blocking_reservation_ids}")
                    engine.availability(tenant, [R(room)], day, day + hours(24), hours(1))
            except BaseException as e:
                with lock:
                    failures.append(e)
            with lock:
                accepted.extend(mine)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(self.THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(failures, [])
        self.assertEqual(len(accepted), self.SLOTS * self.CAPACITY)
        self.assertEqual(len(set(accepted)), len(accepted))
        stored = engines[-1].list_reservations(tenant, limit=10000)
        self.assertEqual(sorted(r.id for r in stored), sorted(accepted))
        per_slot = Counter(r.start for r in stored)
        self.assertEqual(set(per_slot.values()), {self.CAPACITY})
        self.assertEqual(len(per_slot), self.SLOTS)

    def test_one_engine_on_sqlite(self) -> None:
        path = os.path.join(temp_dir(self), "race.db")
        self.run_race([f"sqlite:{path}?durability=normal"])

    def test_two_engines_on_one_sqlite_file(self) -> None:
        path = os.path.join(temp_dir(self), "race2.db")
        uri = f"sqlite:{path}?durability=normal&busy_timeout_ms=60000"
        self.run_race([uri, uri])

    def test_memory_store(self) -> None:
        self.run_race(["memory:"])


class CloseWhileInUseTest(unittest.TestCase):
    def test_close_during_calls_on_other_threads_is_safe(self) -> None:
        engine = boka.Engine("memory:", clock=boka.ManualClock(utc(2026, 1, 5)))
        tenant = engine.create_tenant("t").id
        room = engine.create_resource(tenant, name="room", zone="UTC",
                                      policy=boka.Policy(slot_step=hours(1))).id
        stop = threading.Event()
        errors: list[Optional[BaseException]] = []

        def reader() -> None:
            try:
                while not stop.is_set():
                    engine.availability(tenant, [R(room)], utc(2026, 1, 6), utc(2026, 2, 6), hours(1))
            except boka.InvalidArgumentError as e:  # "the engine is closed": expected
                errors.append(None if "closed" in str(e) else e)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        engine.close()
        stop.set()
        for t in threads:
            t.join(60)
        self.assertTrue(all(e is None for e in errors), errors)
        self.assertTrue(engine.closed)


if __name__ == "__main__":
    unittest.main()
