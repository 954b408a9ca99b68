"""The exception tree: every class under boka.Error and its builtin, codes equal to the C++
and C ones, attributes of ConflictError, and the error each kind of mistake raises."""

from __future__ import annotations

import dataclasses
import pickle
import unittest

import boka
from boka import _native
from _support import EngineTestCase, hours, utc

EXPECTED = {
    # class: (code, C++ name, builtin it also derives from or None)
    boka.InvalidArgumentError: (1, "invalid_argument", ValueError),
    boka.NotFoundError: (2, "not_found", LookupError),
    boka.AlreadyExistsError: (3, "already_exists", None),
    boka.ConflictError: (4, "conflict", None),
    boka.UnauthenticatedError: (5, "unauthenticated", PermissionError),
    boka.PermissionDeniedError: (6, "permission_denied", PermissionError),
    boka.RateLimitedError: (7, "rate_limited", None),
    boka.UnavailableError: (8, "unavailable", OSError),
    boka.StorageError: (9, "storage", OSError),
    boka.InternalError: (10, "internal", RuntimeError),
    boka.NotSupportedError: (11, "not_supported", NotImplementedError),
}


class ExceptionTreeTest(unittest.TestCase):
    def test_one_class_per_code_rooted_at_error(self) -> None:
        self.assertEqual(sorted(code for code, _, _ in EXPECTED.values()),
                         [c.value for c in boka.Code if c is not boka.Code.OK])
        for cls, (code, name, builtin) in EXPECTED.items():
            with self.subTest(cls=cls.__name__):
                self.assertTrue(issubclass(cls, boka.Error))
                self.assertTrue(issubclass(cls, Exception))
                if builtin is not None:
                    self.assertTrue(issubclass(cls, builtin))
                self.assertEqual(cls.code, code)
                self.assertEqual(boka.Code(code).name.lower(), name)
                # The codes are the library's own: its name for the number agrees.
                self.assertEqual(_native.code_name(code), name)

    def test_codes_match_the_c_abi_numbers(self) -> None:
        self.assertEqual(int(boka.Code.OK), 0)
        self.assertEqual(int(boka.Code.CONFLICT), 4)
        self.assertEqual(int(boka.Code.NOT_SUPPORTED), 11)
        self.assertEqual(_native.code_name(12), "unknown")

    def test_builtin_except_clauses_catch_them(self) -> None:
        with self.assertRaises(ValueError):
            raise boka.InvalidArgumentError("x")
        with self.assertRaises(LookupError):
            raise boka.NotFoundError("x")
        with self.assertRaises(OSError):
            raise boka.UnavailableError("busy")

    def test_conflict_error_attributes_and_pickling(self) -> None:
        e = boka.ConflictError("taken", [3, 4], utc(2026, 1, 6, 11))
        self.assertEqual(e.blocking_reservation_ids, (3, 4))
        self.assertEqual(e.next_free_start, utc(2026, 1, 6, 11))
        self.assertEqual(str(e), "taken")
        self.assertEqual(e.message, "taken")
        copy = pickle.loads(pickle.dumps(e))
        self.assertIsInstance(copy, boka.ConflictError)
        self.assertEqual((copy.message, copy.blocking_reservation_ids, copy.next_free_start),
                         (e.message, e.blocking_reservation_ids, e.next_free_start))
        plain = boka.ConflictError("stale")
        self.assertEqual((plain.blocking_reservation_ids, plain.next_free_start), ((), None))

    def test_unknown_codes_become_internal_errors(self) -> None:
        from boka._errors import _from_status
        e = _from_status(99, "from the future")
        self.assertIsInstance(e, boka.InternalError)
        self.assertIn("99", str(e))


class RaisedErrorsTest(EngineTestCase):
    def test_refused_booking_carries_blockers_and_next_free_start(self) -> None:
        room = self.resource(capacity=2)
        a = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        b = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 12))
        with self.assertRaises(boka.ConflictError) as caught:
            self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        e = caught.exception
        self.assertEqual(e.code, boka.Code.CONFLICT)
        self.assertEqual(e.blocking_reservation_ids, (a.id, b.id))
        self.assertEqual(e.next_free_start, utc(2026, 1, 6, 11))
        self.assertIn("capacity", e.message)
        self.assertEqual(type(e).__module__, "boka")

    def test_stale_version_is_a_conflict_without_details(self) -> None:
        room = self.resource()
        booked = self.book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        with self.assertRaises(boka.ConflictError) as caught:
            self.engine.cancel(self.tenant, booked.id, if_version=booked.version + 1)
        self.assertEqual(caught.exception.blocking_reservation_ids, ())
        self.assertIsNone(caught.exception.next_free_start)
        self.assertIn("stale", str(caught.exception))

    def test_not_found_is_a_lookup_error(self) -> None:
        with self.assertRaises(LookupError) as caught:
            self.engine.get_reservation(self.tenant, 999)
        self.assertIsInstance(caught.exception, boka.NotFoundError)
        self.assertIn("999", str(caught.exception))
        with self.assertRaisesRegex(boka.NotFoundError, "tenant 999 not found"):
            self.engine.get_tenant(999)

    def test_other_tenants_ids_read_as_not_found(self) -> None:
        other = self.engine.create_tenant("globex").id
        theirs = self.engine.create_resource(other, name="theirs", zone="UTC")
        with self.assertRaises(boka.NotFoundError):
            self.engine.get_resource(self.tenant, theirs.id)

    def test_already_exists(self) -> None:
        with self.assertRaisesRegex(boka.AlreadyExistsError, 'a tenant named "acme" already exists'):
            self.engine.create_tenant("acme")

    def test_invalid_values_name_the_field(self) -> None:
        with self.assertRaisesRegex(boka.InvalidArgumentError,
                                    "resource.capacity: must be 1..1000000, got 0"):
            self.engine.create_resource(self.tenant, name="r", zone="UTC", capacity=0)
        with self.assertRaisesRegex(boka.InvalidArgumentError, "resource.zone"):
            self.engine.create_resource(self.tenant, name="r", zone="Mars/Olympus")
        room = self.resource()
        with self.assertRaisesRegex(boka.InvalidArgumentError, "must be after start"):
            self.book(room.id, utc(2026, 1, 6, 11), utc(2026, 1, 6, 10))
        with self.assertRaisesRegex(boka.InvalidArgumentError, "allocations: must hold 1..100"):
            self.engine.reserve(self.tenant, [], utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))

    def test_wrong_python_types_are_type_errors_naming_the_parameter(self) -> None:
        room = self.resource()
        with self.assertRaisesRegex(TypeError, r"allocations\[0\]: expected boka.AllocationRequest, got int"):
            self.engine.reserve(self.tenant, [room.id], utc(2026, 1, 6, 10),  # type: ignore[list-item]
                                utc(2026, 1, 6, 11))
        with self.assertRaisesRegex(TypeError, "allocations: expected a sequence, got AllocationRequest"):
            self.engine.reserve(self.tenant, boka.AllocationRequest.of_resource(room.id),  # type: ignore[arg-type]
                                utc(2026, 1, 6, 10), utc(2026, 1, 6, 11))
        with self.assertRaisesRegex(TypeError, "policy: expected boka.Policy, got dict"):
            self.engine.create_resource(self.tenant, name="r", zone="UTC",
                                        policy={"slot_step": hours(1)})  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "metadata: expected a dict, got list"):
            self.engine.create_resource(self.tenant, name="r", zone="UTC", metadata=[1])  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "capacity: expected an int, got bool"):
            self.engine.create_resource(self.tenant, name="r", zone="UTC", capacity=True)
        with self.assertRaisesRegex(boka.InvalidArgumentError, "capacity: 4294967296 is out of range"):
            self.engine.create_resource(self.tenant, name="r", zone="UTC", capacity=2**32)
        with self.assertRaisesRegex(TypeError, "name: expected a str, got bytes"):
            self.engine.create_tenant(b"bytes")  # type: ignore[arg-type]
        with self.assertRaisesRegex(boka.InvalidArgumentError, r"statuses\[0\]: \"booked\" is not one of held, confirmed, cancelled, expired, completed, no_show"):
            self.engine.list_reservations(self.tenant, statuses=["booked"])
        with self.assertRaises(TypeError):  # pybind11's own check of an id argument
            self.engine.get_tenant("1")  # type: ignore[arg-type]

    def test_results_are_frozen_dataclasses(self) -> None:
        room = self.resource()
        self.assertTrue(dataclasses.is_dataclass(room))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            room.capacity = 3  # type: ignore[misc]
        self.assertEqual(len({room, self.engine.get_resource(self.tenant, room.id)}), 1)  # hashable
        bigger = self.engine.update_resource(self.tenant, dataclasses.replace(room, capacity=3))
        self.assertEqual((bigger.capacity, bigger.version), (3, room.version + 1))
        self.assertEqual(bigger, self.engine.get_resource(self.tenant, room.id))
        with self.assertRaisesRegex(boka.ConflictError, "stale"):
            self.engine.update_resource(self.tenant, dataclasses.replace(room, capacity=4))


if __name__ == "__main__":
    unittest.main()
