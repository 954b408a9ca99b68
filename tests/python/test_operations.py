"""The audit trail and operations through Python, on real SQLite files: audit records after
a reservation and a conflict, chain verification and heads, metrics text, health reports
and heartbeats, database statistics, read-only mode, and backups taken, verified, damaged,
restored, opened and rotated. The C tests (tests/c/c_api_test.c) check the same."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import time
import unittest
from datetime import datetime, timedelta

import boka
from _support import EngineTestCase, hours, minutes, temp_dir, utc

R = boka.AllocationRequest.of_resource
# The test machine's disk space is not what these tests check.
RELAXED = boka.HealthOptions(min_free_disk_bytes=0, min_free_disk_fraction=0.0)


class SqliteTestCase(EngineTestCase):
    """An engine over a fresh SQLite file, a manual clock at Monday 08:00 UTC, one tenant
    and a one-hour room."""

    def setUp(self) -> None:
        self.dir = temp_dir(self)
        self.path = os.path.join(self.dir, "live.db")
        self.uri = f"sqlite:{self.path}"
        super().setUp()
        self.room = self.resource("room").id
        self.start = utc(2026, 1, 6, 10)


class AuditTest(SqliteTestCase):
    def test_a_reservation_and_a_rejection_are_recorded(self) -> None:
        booked = self.book(self.room, self.start, self.start + hours(1))
        # Refused for lack of capacity: counted in the metrics, not an audit event.
        with self.assertRaises(boka.ConflictError):
            self.book(self.room, self.start, self.start + hours(1))
        with self.assertRaises(boka.InvalidArgumentError):
            self.book(self.room, self.start + hours(1), self.start)

        records = self.engine.operations.audit_records(self.tenant, action="reservation.reserve")
        self.assertEqual([r.outcome for r in records],
                         [boka.AuditOutcome.SUCCESS, boka.AuditOutcome.REJECTED])
        ok, refused = records
        self.assertIsInstance(ok, boka.AuditRecord)
        self.assertEqual((ok.tenant, ok.actor, ok.target), (self.tenant, "system",
                                                           f"reservation:{booked.id}"))
        self.assertEqual(ok.at, self.now)
        self.assertEqual(ok.at.utcoffset(), timedelta(0))  # aware, in UTC
        self.assertIsInstance(ok.detail, dict)
        self.assertEqual(ok.reason, "")
        self.assertNotEqual(refused.reason, "")
        self.assertEqual(refused.prev_hash, ok.hash)
        self.assertEqual(refused.seq, ok.seq + 1)
        self.assertEqual(len(ok.hash), 64)

        # The whole chain starts with the tenant's creation; filters and pages.
        chain = self.engine.operations.audit_records(self.tenant)
        self.assertEqual(chain[0].seq, 1)
        self.assertEqual(chain[0].prev_hash, "")
        self.assertEqual([r.seq for r in chain], list(range(1, len(chain) + 1)))
        self.assertEqual(self.engine.operations.audit_records(self.tenant, outcome="rejected"), [refused])
        self.assertEqual(self.engine.operations.audit_records(self.tenant, outcome="conflict"), [])
        self.assertEqual(self.engine.operations.audit_records(self.tenant, action="reservation."), records)
        self.assertEqual(self.engine.operations.audit_records(self.tenant, target=ok.target), [ok])
        self.assertEqual(self.engine.operations.audit_records(self.tenant, after_seq=refused.seq), [])
        self.assertEqual(self.engine.operations.audit_records(self.tenant, after_seq=0, limit=1), chain[:1])
        self.assertEqual(
            self.engine.operations.audit_records(self.tenant, start=self.now + minutes(1)), [])
        self.assertEqual(
            self.engine.operations.audit_records(self.tenant, start=self.now, end=self.now + minutes(1)),
            chain)

    def test_chains_verify_and_heads_are_checked(self) -> None:
        self.book(self.room, self.start, self.start + hours(1))
        with self.assertRaises(boka.ConflictError):
            self.book(self.room, self.start, self.start + hours(1))
        one = self.engine.operations.verify_audit(self.tenant)
        self.assertIsInstance(one, boka.AuditVerification)
        self.assertTrue(one.ok)
        self.assertEqual((one.chains, one.broken_tenant, one.broken_seq, one.problem),
                         (1, 0, 0, ""))
        (head,) = one.heads
        self.assertEqual(head.tenant, self.tenant)
        self.assertEqual(head.seq, one.records)
        every = self.engine.operations.verify_audit()
        self.assertTrue(every.ok)
        self.assertIn(head, every.heads)

        self.assertTrue(self.engine.operations.check_audit_heads([head]).ok)
        self.assertTrue(self.engine.operations.check_audit_heads(every.heads).ok)
        forged = dataclasses.replace(head, hash=("1" if head.hash[0] == "0" else "0") + head.hash[1:])
        checked = self.engine.operations.check_audit_heads([forged])
        self.assertFalse(checked.ok)
        self.assertEqual((checked.broken_tenant, checked.broken_seq), (self.tenant, head.seq))
        self.assertNotEqual(checked.problem, "")

    def test_mistakes(self) -> None:
        with self.assertRaises(boka.InvalidArgumentError) as bad:
            self.engine.operations.audit_records(self.tenant, outcome="lost")
        self.assertIn('"lost" is not one of success, denied, conflict, rejected, failure',
                      str(bad.exception))
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.operations.audit_records(self.tenant, start=datetime(2026, 1, 5))  # naive
        with self.assertRaises(boka.InvalidArgumentError):
            self.engine.operations.audit_records(self.tenant, limit=0)
        with self.assertRaises(TypeError) as wrong:
            self.engine.operations.check_audit_heads([(1, 1, "abc")])  # type: ignore[list-item]
        self.assertIn("heads[0]: expected boka.AuditHead", str(wrong.exception))
        with self.assertRaises(TypeError):
            self.engine.operations.audit_records(self.tenant, actor=3)  # type: ignore[arg-type]


class MetricsHealthStatsTest(SqliteTestCase):
    def test_metrics_text_counts_bookings(self) -> None:
        self.book(self.room, self.start, self.start + hours(1))
        with self.assertRaises(boka.ConflictError):
            self.book(self.room, self.start, self.start + hours(1))
        text = self.engine.operations.metrics_text()
        self.assertIn("# TYPE booking_transactions_total counter\n", text)
        self.assertIn('booking_transactions_total{operation="reserve",outcome="success"} 1\n', text)
        self.assertIn('booking_transactions_total{operation="reserve",outcome="conflict"} 1\n', text)
        self.assertIn("boka_read_only 0\n", text)

    def test_database_stats(self) -> None:
        self.book(self.room, self.start, self.start + hours(1))
        stats = {t.table: t for t in self.engine.operations.database_stats()}
        self.assertIsInstance(stats["reservations"], boka.TableStats)
        self.assertEqual(stats["reservations"].rows, 1)
        self.assertEqual(stats["tenants"].rows, 1)
        self.assertGreater(stats["reservations"].bytes, 0)

    def test_health_and_heartbeats(self) -> None:
        report = self.engine.operations.health(RELAXED)
        self.assertIsInstance(report, boka.HealthReport)
        self.assertEqual(report.status, boka.HealthStatus.DEGRADED)
        self.assertEqual(report.checked_at, self.now)
        self.assertEqual((report.dialect, report.location), ("sqlite", self.path))
        self.assertTrue(report.storage_reachable)
        self.assertEqual(report.schema_version, report.expected_schema_version)
        self.assertFalse(report.read_only)
        self.assertGreater(report.disk_total_bytes or 0, 0)
        self.assertIsNone(report.last_backup_at)
        self.assertEqual(report.heartbeats, (boka.Heartbeat("worker", None),))
        checks = {c.name: c for c in report.checks}
        self.assertEqual(checks["heartbeat:worker"],
                         boka.HealthCheck("heartbeat:worker", boka.HealthStatus.DEGRADED,
                                          "never reported"))
        self.assertEqual(checks["backup"].detail, "no backup recorded")

        self.engine.operations.record_heartbeat("worker")
        fresh = dataclasses.replace(RELAXED, backup_max_age=timedelta(0),
                                    heartbeat_max_age=minutes(1))
        report = self.engine.operations.health(fresh)
        self.assertEqual(report.status, boka.HealthStatus.OK, report.checks)
        self.assertEqual(report.heartbeats, (boka.Heartbeat("worker", self.now),))
        self.assertNotIn("backup", {c.name for c in report.checks})
        self.clock.advance(minutes(2))
        report = self.engine.operations.health(fresh)
        self.assertEqual(report.status, boka.HealthStatus.DEGRADED)
        self.assertEqual({c.name: c.detail for c in report.checks}["heartbeat:worker"],
                         "last seen 2 min ago")
        # No heartbeats expected: only the store, schema, mode and disk.
        quiet = dataclasses.replace(fresh, heartbeats=())
        self.assertEqual(self.engine.operations.health(quiet).status, boka.HealthStatus.OK)

        with self.assertRaises(boka.InvalidArgumentError) as bad:
            self.engine.operations.record_heartbeat("Night Worker")
        self.assertIn("component: 1..64 characters", str(bad.exception))
        with self.assertRaises(TypeError):
            self.engine.operations.health({"heartbeats": []})  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.engine.operations.health(dataclasses.replace(RELAXED, min_free_disk_fraction="5%"))  # type: ignore[arg-type]


class ReadOnlyTest(SqliteTestCase):
    def test_switched_on_and_off(self) -> None:
        self.assertIsNone(self.engine.operations.read_only_reason())
        self.engine.operations.set_read_only(True, "maintenance window")
        self.assertEqual(self.engine.operations.read_only_reason(), "maintenance window")
        with self.assertRaises(boka.UnavailableError) as refused:
            self.book(self.room, self.start, self.start + hours(1))
        self.assertIsInstance(refused.exception, OSError)
        self.assertIn("boka is in read-only mode (maintenance window); writes are refused",
                      str(refused.exception))
        with self.assertRaises(boka.UnavailableError):
            self.engine.create_tenant("other")
        # Reads go on.
        self.assertEqual(len(self.engine.list_tenants()), 1)
        self.assertIn("boka_read_only 1\n", self.engine.operations.metrics_text())
        report = self.engine.operations.health(RELAXED)
        self.assertTrue(report.read_only)
        self.assertEqual(report.read_only_reason, "maintenance window")

        self.engine.operations.set_read_only(False)
        self.assertIsNone(self.engine.operations.read_only_reason())
        self.book(self.room, self.start, self.start + hours(1))
        switches = self.engine.operations.audit_records(0, action="ops.")
        self.assertEqual([r.action for r in switches], ["ops.read_only_on", "ops.read_only_off"])
        self.assertEqual(switches[0].detail, {"reason": "maintenance window"})

    def test_opened_read_only(self) -> None:
        with boka.Engine(self.uri, clock=self.clock, read_only=True,
                         read_only_reason="restore drill") as second:
            self.assertEqual(second.operations.read_only_reason(), "restore drill")
            with self.assertRaises(boka.UnavailableError) as refused:
                second.create_tenant("other")
            self.assertIn("read-only mode (restore drill)", str(refused.exception))
            self.assertEqual(len(second.list_tenants()), 1)
        with boka.Engine(self.uri, read_only=True) as third:
            self.assertIsNotNone(third.operations.read_only_reason())
        with self.assertRaises(TypeError):
            boka.Engine(self.uri, read_only_reason=None)  # type: ignore[arg-type]


class BackupTest(SqliteTestCase):
    def test_backup_verify_restore_and_read(self) -> None:
        kept = self.book(self.room, self.start, self.start + hours(1))
        backups = os.path.join(self.dir, "backups")
        result = self.engine.operations.backup(backups, kind="daily", keep=2, verify=True)
        self.assertIsInstance(result, boka.BackupResult)
        self.assertEqual(result.path,
                         os.path.join(backups, "daily", "boka-daily-20260105-080000.db"))
        self.assertEqual(result.manifest_path, result.path + ".manifest.json")
        self.assertTrue(os.path.exists(result.manifest_path))
        self.assertEqual(result.removed, ())
        manifest = result.manifest
        self.assertEqual((manifest.format, manifest.kind, manifest.created_at, manifest.source),
                         ("boka-backup/1", boka.BackupKind.DAILY, self.now, self.path))
        self.assertEqual(manifest.file, "boka-daily-20260105-080000.db")
        self.assertEqual({t.table: t.rows for t in manifest.tables}["reservations"], 1)
        self.assertIn(self.tenant, {h.tenant for h in manifest.audit_heads})
        assert result.verification is not None
        self.assertTrue(result.verification.ok)
        self.assertEqual(result.verification.problems, ())

        later = self.book(self.room, self.start + hours(1), self.start + hours(2))
        verified = boka.verify_backup(result.path)
        self.assertIsInstance(verified, boka.BackupVerification)
        self.assertTrue(verified.ok)
        self.assertEqual(verified.integrity, "ok")
        self.assertTrue(verified.checksum_matches and verified.counts_match and verified.heads_match)
        self.assertTrue(verified.audit.ok)

        target = os.path.join(self.dir, "restored.db")
        boka.restore_backup(result.path, target)
        with self.assertRaises(boka.AlreadyExistsError) as exists:
            boka.restore_backup(result.path, target)
        self.assertIn("overwrite", str(exists.exception))
        boka.restore_backup(result.path, target, overwrite=True)
        with boka.Engine(f"sqlite:{target}") as restored:
            self.assertEqual(restored.get_reservation(self.tenant, kept.id), kept)
            with self.assertRaises(boka.NotFoundError):
                restored.get_reservation(self.tenant, later.id)
            self.assertTrue(restored.operations.verify_audit().ok)
            # The manifest's heads are the restored chains' heads.
            self.assertTrue(restored.operations.check_audit_heads(manifest.audit_heads).ok)

        # The backup is in the system chain and in the health report.
        (recorded,) = self.engine.operations.audit_records(0, action="ops.backup")
        self.assertEqual(recorded.outcome, boka.AuditOutcome.SUCCESS)
        self.assertEqual(self.engine.operations.health(RELAXED).last_backup_at, self.now)

    def test_retention_and_damage(self) -> None:
        backups = os.path.join(self.dir, "backups")
        first = self.engine.operations.backup(backups, kind=boka.BackupKind.DAILY, keep=2)
        self.assertIsNone(first.verification)
        self.clock.advance(timedelta(days=1))
        second = self.engine.operations.backup(backups, kind="daily", keep=2)
        self.clock.advance(timedelta(days=1))
        third = self.engine.operations.backup(backups, kind="daily", keep=2)
        self.assertEqual(third.removed, (first.path,))
        self.assertFalse(os.path.exists(first.path))
        self.assertEqual(boka.apply_retention(backups, "daily", 1), [second.path])
        self.assertEqual(boka.apply_retention(backups, boka.BackupKind.DAILY, 1), [])
        self.assertTrue(os.path.exists(third.path))
        with self.assertRaises(boka.InvalidArgumentError):
            boka.apply_retention(backups, "daily", 0)
        with self.assertRaises(boka.InvalidArgumentError) as bad:
            boka.apply_retention(backups, "hourly", 1)
        self.assertIn('kind: "hourly" is not one of manual, daily, weekly, monthly',
                      str(bad.exception))

        with open(third.path, "ab") as f:
            f.write(b"tampered")
        damaged = boka.verify_backup(third.path)
        self.assertFalse(damaged.ok)
        self.assertFalse(damaged.checksum_matches)
        self.assertNotEqual(damaged.problems, ())
        target = os.path.join(self.dir, "never.db")
        with self.assertRaises(boka.StorageError):
            boka.restore_backup(third.path, target)
        self.assertFalse(os.path.exists(target))

    def test_mistakes_and_other_stores(self) -> None:
        with self.assertRaises(boka.NotFoundError):
            boka.verify_backup(os.path.join(self.dir, "no-such-backup.db"))
        with self.assertRaises(boka.InvalidArgumentError) as bad:
            self.engine.operations.backup(self.dir, kind="hourly")
        self.assertIn('kind: "hourly" is not one of manual, daily, weekly, monthly',
                      str(bad.exception))
        with self.assertRaises(TypeError):
            self.engine.operations.backup(self.dir, verify="yes")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            boka.verify_backup(None)  # type: ignore[arg-type]
        with boka.Engine("memory:") as memory:
            with self.assertRaises(boka.NotSupportedError):
                memory.operations.backup(self.dir)


class GilReleaseTest(unittest.TestCase):
    def test_a_backup_waiting_for_storage_lets_other_threads_run(self) -> None:
        # As in test_race: Python's own sqlite3 holds the write lock, so the backup (which
        # records itself in a write transaction after the copy) waits inside the engine.
        # Meanwhile this thread keeps running Python and reading through the same engine.
        directory = temp_dir(self)
        path = os.path.join(directory, "gil.db")
        engine = boka.Engine(f"sqlite:{path}?busy_timeout_ms=60000",
                             clock=boka.ManualClock(utc(2026, 1, 5)))
        self.addCleanup(engine.close)
        tenant = engine.create_tenant("t").id

        blocker = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.addCleanup(blocker.close)
        blocker.execute("BEGIN IMMEDIATE")
        entering = threading.Event()
        outcome: dict[str, object] = {}

        def back_up() -> None:
            entering.set()
            try:
                outcome["result"] = engine.operations.backup(os.path.join(directory, "backups"))
            except BaseException as e:  # reported below
                outcome["error"] = e

        worker = threading.Thread(target=back_up)
        worker.start()
        self.assertTrue(entering.wait(30))
        time.sleep(0.3)
        reads = 0
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            self.assertEqual(engine.get_tenant(tenant).name, "t")
            self.assertEqual(engine.operations.health(RELAXED).dialect, "sqlite")
            reads += 1
        self.assertGreater(reads, 0)
        self.assertTrue(worker.is_alive(), "the backup should still be waiting for the lock")
        blocker.execute("ROLLBACK")
        worker.join(60)
        self.assertFalse(worker.is_alive())
        self.assertNotIn("error", outcome, outcome.get("error"))
        result = outcome["result"]
        assert isinstance(result, boka.BackupResult)
        self.assertTrue(boka.verify_backup(result.path).ok)


if __name__ == "__main__":
    unittest.main()
