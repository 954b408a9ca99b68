"""Shared helpers of the Python tests: UTC datetimes, an engine with a manual clock and a
tenant, temporary SQLite files."""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from typing import Optional

import boka

UTC = timezone.utc


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def temp_dir(test: unittest.TestCase) -> str:
    """A fresh directory, removed when the test ends (under $BOKA_TEST_TMPDIR if set)."""
    base = os.environ.get("BOKA_TEST_TMPDIR") or None
    path = tempfile.mkdtemp(prefix="boka-py-", dir=base)
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


class EngineTestCase(unittest.TestCase):
    """An engine over `uri` with a manual clock at `now`, and one tenant."""

    uri = "memory:"
    now = utc(2026, 1, 5, 8)  # a Monday

    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(self.uri, clock=self.clock)
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("acme").id

    def resource(
        self,
        name: str = "room",
        capacity: int = 1,
        zone: str = "UTC",
        schedule: Optional[int] = None,
        step: timedelta = hours(1),
        **policy: object,
    ) -> boka.Resource:
        return self.engine.create_resource(
            self.tenant,
            name=name,
            zone=zone,
            capacity=capacity,
            schedule=schedule,
            policy=boka.Policy(slot_step=step, **policy),  # type: ignore[arg-type]
        )

    def weekly(self, day: boka.Weekday, start_minute: int, end_minute: int) -> boka.Schedule:
        return self.engine.create_schedule(
            self.tenant,
            name=f"{day.name} {start_minute}-{end_minute}",
            weekly=[boka.WeeklyRule(day, [boka.LocalInterval(start_minute, end_minute)])],
        )

    def book(self, resource: int, start: datetime, end: datetime, quantity: int = 1,
             **kwargs: object) -> boka.Reservation:
        return self.engine.reserve(
            self.tenant, [boka.AllocationRequest.of_resource(resource, quantity)], start, end,
            **kwargs)  # type: ignore[arg-type]

    def starts(self, resource: int, start: datetime, end: datetime,
               duration: timedelta) -> list[datetime]:
        slots = self.engine.availability(
            self.tenant, [boka.AllocationRequest.of_resource(resource)], start, end, duration)
        return [s.start for s in slots]
