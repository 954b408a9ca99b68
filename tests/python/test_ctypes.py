"""The C ABI (libboka_c) driven from Python's ctypes: a second FFI, independent of pybind11,
for the reserve and availability paths. The library path comes from $BOKA_C_LIBRARY
(CTest sets it); without it the tests are skipped."""

from __future__ import annotations

import ctypes
import json
import os
import unittest
from datetime import datetime, timezone
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p
from typing import Any, Optional

LIBRARY = os.environ.get("BOKA_C_LIBRARY")

BOKA_OK, BOKA_INVALID_ARGUMENT, BOKA_NOT_FOUND, BOKA_CONFLICT = 0, 1, 2, 4
BOKA_UNAUTHENTICATED, BOKA_PERMISSION_DENIED = 5, 6
BOKA_ALL_TENANTS = -1
TUESDAY = 1767657600  # 2026-01-06T00:00:00Z
HOUR = 3600


def rfc3339(t: int) -> str:
    """An instant as the JSON documents carry it (RFC 3339, UTC)."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Conflict(ctypes.Structure):
    _fields_ = [
        ("has_next_free_start", c_int),
        ("next_free_start", c_int64),
        ("blocking_count", c_size_t),
        ("blocking_ids", POINTER(c_int64)),
    ]


def load(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    # Strings the library returns are malloc'd: take them as void* so ctypes does not copy
    # and lose the pointer that boka_free needs.
    out = POINTER(c_void_p)
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "boka_version": (c_char_p, []),
        "boka_code_name": (c_char_p, [c_int]),
        "boka_free": (None, [c_void_p]),
        "boka_conflict_clear": (None, [POINTER(Conflict)]),
        "boka_principal_system": (c_int, [POINTER(c_void_p), out]),
        "boka_principal_destroy": (None, [c_void_p]),
        "boka_clock_create": (c_int, [c_int64, POINTER(c_void_p), out]),
        "boka_clock_destroy": (None, [c_void_p]),
        "boka_engine_open_with_clock": (c_int, [c_char_p, c_void_p, POINTER(c_void_p), out]),
        "boka_engine_destroy": (None, [c_void_p]),
        "boka_create_tenant": (c_int, [c_void_p, c_void_p, c_char_p, out, out]),
        "boka_create_resource": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_availability": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_check_slot": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_int64, c_int64,
                                    c_int, POINTER(c_int), out]),
        "boka_reserve": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_int64, c_int64, c_int,
                                 POINTER(c_int64), POINTER(Conflict), out]),
        "boka_reserve_json": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out,
                                      POINTER(Conflict), out]),
        "boka_cancel": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_int64, out, out]),
        "boka_get_reservation": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_engine_open_with_options": (c_int, [c_char_p, c_void_p, c_char_p, POINTER(c_void_p), out]),
        "boka_list_resources": (c_int, [c_void_p, c_void_p, c_int64, c_int, out, out]),
        "boka_auth_create_user": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_auth_login": (c_int, [c_void_p, c_char_p, out, POINTER(c_void_p), out]),
        "boka_auth_begin_totp_enrollment": (c_int, [c_void_p, c_void_p, out, out]),
        "boka_auth_confirm_totp_enrollment": (c_int, [c_void_p, c_void_p, c_char_p, out,
                                                      POINTER(c_void_p), out]),
        "boka_auth_create_api_key": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_auth_authenticate_api_key": (c_int, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p), out]),
        "boka_auth_revoke_api_key": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_auth_logout": (c_int, [c_void_p, c_void_p, out]),
        "boka_auth_authenticate_session": (c_int, [c_void_p, c_char_p, POINTER(c_void_p), out]),
        "boka_availability_page": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_clock_advance": (None, [c_void_p, c_int64]),
        "boka_clock_now": (c_int64, [c_void_p]),
        "boka_auth_find_user_by_email": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_auth_end_user_sessions": (c_int, [c_void_p, c_void_p, c_int64, c_int64,
                                                POINTER(c_int64), out]),
        "boka_auth_force_logout_all": (c_int, [c_void_p, c_void_p, c_int64, POINTER(c_int64), out]),
        "boka_auth_cleanup_sessions": (c_int, [c_void_p, c_void_p, c_int, POINTER(c_int64), out]),
        "boka_auth_count_active_sessions": (c_int, [c_void_p, c_void_p, POINTER(c_int64), out]),
        "boka_auth_generate_emergency_key": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_auth_rotate_encryption_key": (c_int, [c_void_p, c_void_p, c_int, out, out]),
        "boka_auth_security_events": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_int64, c_char_p,
                                              c_int, out, out]),
        "boka_auth_locked_accounts": (c_int, [c_void_p, c_void_p, c_int64, out, out]),
        "boka_auth_mfa_stats": (c_int, [c_void_p, c_void_p, c_int64, out, out]),
        "boka_auth_list_admins": (c_int, [c_void_p, c_void_p, c_int64, out, out]),
        "boka_auth_revoke_admin": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_series_book": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out, out]),
        "boka_series_occurrences": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_series_cancel": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_char_p, out, out]),
        "boka_series_reschedule": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_char_p, c_char_p,
                                           out, out, out]),
        "boka_waitlist_join": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_waitlist_get": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_waitlist_list": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_waitlist_cancel": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_waitlist_accept": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_waitlist_set_priority": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_int, out, out]),
        "boka_waitlist_sweep": (c_int, [c_void_p, c_void_p, c_int, POINTER(c_int), out]),
        "boka_service_create": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_customer_create": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out]),
        "boka_customer_export": (c_int, [c_void_p, c_void_p, c_int64, c_int64, out, out]),
        "boka_get_tenant": (c_int, [c_void_p, c_void_p, c_int64, out, out]),
        "boka_update_tenant_rules": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, c_int64, out,
                                             out]),
        "boka_reserve_with_conflict": (c_int, [c_void_p, c_void_p, c_int64, c_char_p, out, out,
                                               out]),
        "boka_cancel_guarded": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_char_p, out, out,
                                        out]),
        "boka_update_reservation": (c_int, [c_void_p, c_void_p, c_int64, c_int64, c_char_p, out,
                                            out, out]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class CError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@unittest.skipUnless(LIBRARY, "BOKA_C_LIBRARY is not set (the C ABI is not built)")
class CtypesTest(unittest.TestCase):
    def setUp(self) -> None:
        assert LIBRARY is not None
        self.lib = load(LIBRARY)
        self.clock = c_void_p()
        self.engine = c_void_p()
        self.who = c_void_p()
        self.checked(self.lib.boka_clock_create, TUESDAY - 24 * HOUR, byref(self.clock))
        self.addCleanup(self.lib.boka_clock_destroy, self.clock)
        self.checked(self.lib.boka_engine_open_with_clock, b"memory:", self.clock, byref(self.engine))
        self.addCleanup(self.lib.boka_engine_destroy, self.engine)
        self.checked(self.lib.boka_principal_system, byref(self.who))
        self.addCleanup(self.lib.boka_principal_destroy, self.who)
        self.tenant = self.json_call(self.lib.boka_create_tenant, self.engine, self.who,
                                     b'{"name": "ctypes"}')["id"]

    # --- calling conventions: code, then char** errmsg last -----------------------------

    def take(self, p: c_void_p) -> Optional[str]:
        """The text of a library-owned string, released with boka_free."""
        if not p.value:
            return None
        try:
            return ctypes.string_at(p.value).decode()
        finally:
            self.lib.boka_free(p)

    def checked(self, fn: Any, *args: Any) -> None:
        err = c_void_p()
        code = fn(*args, byref(err))
        message = self.take(err)
        if code != BOKA_OK:
            raise CError(code, message or "")
        self.assertIsNone(message)

    def json_call(self, fn: Any, *args: Any) -> Any:
        out = c_void_p()
        self.checked(fn, *args, byref(out))
        text = self.take(out)
        assert text is not None
        return json.loads(text)

    def room(self, capacity: int) -> int:
        spec = json.dumps({"name": "room", "zone": "UTC", "capacity": capacity,
                           "policy": {"slot_step": HOUR}}).encode()
        return self.json_call(self.lib.boka_create_resource, self.engine, self.who, self.tenant,
                              spec)["id"]

    def availability(self, room: int, start: int, end: int) -> list[dict[str, Any]]:
        query = json.dumps({"requests": [{"resource": room}], "from": rfc3339(start), "to": rfc3339(end),
                            "duration": HOUR}).encode()
        return self.json_call(self.lib.boka_availability, self.engine, self.who, self.tenant, query)

    def reserve(self, room: int, start: int, conflict: Conflict, quantity: int = 1) -> int:
        rid = c_int64(-1)
        self.checked(self.lib.boka_reserve, self.engine, self.who, self.tenant, room, start,
                     start + HOUR, quantity, byref(rid), byref(conflict))
        return rid.value

    # --- tests ---------------------------------------------------------------------------

    def test_a_user_and_an_api_key_act_through_the_c_abi(self) -> None:
        """Log in, enrol TOTP (codes from oathtool, on the real clock), create an API key
        and act as it, revoke it, log out: the principals the C ABI hands out."""
        import shutil
        import subprocess
        if shutil.which("oathtool") is None:
            self.fail("oathtool is not installed (scripts/install-deps.sh installs it)")
        engine = c_void_p()
        options = json.dumps({"auth": {"argon2_memory_kib": 64, "argon2_iterations": 1,
                                       "encryption_key": "11" * 32}}).encode()
        self.checked(self.lib.boka_engine_open_with_options, b"memory:", None, options, byref(engine))
        self.addCleanup(self.lib.boka_engine_destroy, engine)
        tenant = self.json_call(self.lib.boka_create_tenant, engine, self.who, b'{"name": "auth"}')["id"]
        user = self.json_call(self.lib.boka_auth_create_user, engine, self.who, tenant, json.dumps(
            {"email": "ann@example.com", "password": "correct horse battery", "role": "admin"}).encode())
        self.assertEqual(user["role"], "admin")
        login = json.dumps({"tenant": tenant, "email": "ann@example.com",
                            "password": "correct horse battery"}).encode()

        def principal_call(fn: Any, *args: Any) -> tuple[Any, c_void_p]:
            out, who = c_void_p(), c_void_p()
            self.checked(fn, *args, byref(out), byref(who))
            text = self.take(out)
            assert text is not None and who.value
            self.addCleanup(self.lib.boka_principal_destroy, who)
            return json.loads(text), who

        grant, ann = principal_call(self.lib.boka_auth_login, engine, login)
        self.assertFalse(grant["mfa_pending"])
        enrolment = self.json_call(self.lib.boka_auth_begin_totp_enrollment, engine, ann)
        code = subprocess.run(["oathtool", "--totp", "-b", enrolment["secret"]], capture_output=True,
                              text=True, check=True).stdout.strip()
        enabled, ann_mfa = principal_call(self.lib.boka_auth_confirm_totp_enrollment, engine, ann,
                                          code.encode())
        self.assertEqual(len(enabled["recovery_codes"]), 10)
        self.assertTrue(enabled["session"]["mfa_passed"])
        created = self.json_call(self.lib.boka_auth_create_api_key, engine, ann_mfa, tenant, json.dumps(
            {"name": "script", "scopes": ["resources:read", "catalog:write"]}).encode())
        self.assertTrue(created["key"].startswith("boka_"))
        key = c_void_p()
        self.checked(self.lib.boka_auth_authenticate_api_key, engine, created["key"].encode(), None, byref(key))
        self.addCleanup(self.lib.boka_principal_destroy, key)
        self.json_call(self.lib.boka_create_resource, engine, key, tenant, b'{"name": "Room", "zone": "UTC"}')
        self.assertEqual(len(self.json_call(self.lib.boka_list_resources, engine, key, tenant, 0)), 1)
        self.json_call(self.lib.boka_auth_revoke_api_key, engine, ann_mfa, tenant, created["id"])
        with self.assertRaises(CError) as refused:
            self.json_call(self.lib.boka_list_resources, engine, key, tenant, 0)
        self.assertEqual(refused.exception.code, 5)  # BOKA_UNAUTHENTICATED
        self.checked(self.lib.boka_auth_logout, engine, ann_mfa)
        gone = c_void_p()
        with self.assertRaises(CError) as logged_out:
            self.checked(self.lib.boka_auth_authenticate_session, engine, enabled["token"].encode(), byref(gone))
        self.assertEqual(logged_out.exception.code, 5)
        self.assertIsNone(gone.value)

    def test_sessions_reports_admins_and_emergency_keys_through_the_c_abi(self) -> None:
        """The calls across a tenant: find a user, end and force out sessions, count and
        clean them up, the security reports after a lockout, demote an admin, an emergency
        key that authenticates; a customer is refused each."""
        engine = c_void_p()
        options = json.dumps({"auth": {"argon2_memory_kib": 64, "argon2_iterations": 1}}).encode()
        self.checked(self.lib.boka_engine_open_with_options, b"memory:", self.clock, options,
                     byref(engine))
        self.addCleanup(self.lib.boka_engine_destroy, engine)
        tenant = self.json_call(self.lib.boka_create_tenant, engine, self.who, b'{"name": "t"}')["id"]
        password = "correct horse battery"

        def user(email: str, role: str = "customer") -> int:
            return self.json_call(self.lib.boka_auth_create_user, engine, self.who, tenant,
                                  json.dumps({"email": email, "password": password,
                                              "role": role}).encode())["id"]

        def login(email: str, secret: str = password) -> tuple[str, c_void_p]:
            out, who = c_void_p(), c_void_p()
            self.checked(self.lib.boka_auth_login, engine, json.dumps(
                {"tenant": tenant, "email": email, "password": secret}).encode(), byref(out),
                byref(who))
            self.addCleanup(self.lib.boka_principal_destroy, who)
            return json.loads(self.take(out) or "")["token"], who

        def count(fn: Any, *args: Any) -> int:
            n = c_int64(-1)
            self.checked(fn, *args, byref(n))
            return n.value

        def live(token: str) -> bool:
            p = c_void_p()
            try:
                self.checked(self.lib.boka_auth_authenticate_session, engine, token.encode(), byref(p))
            except CError:
                return False
            self.lib.boka_principal_destroy(p)
            return True

        ann = user("Ann@Example.com")
        bob = user("bob@example.com")
        self.assertEqual(self.json_call(self.lib.boka_auth_find_user_by_email, engine, self.who,
                                        tenant, b"ann@example.com")["id"], ann)
        with self.assertRaises(CError) as unknown:
            self.json_call(self.lib.boka_auth_find_user_by_email, engine, self.who, tenant, b"x@y.z")
        self.assertEqual(unknown.exception.code, BOKA_NOT_FOUND)

        ann_token, customer = login("ann@example.com")
        bob_token, _ = login("bob@example.com")
        self.assertEqual(count(self.lib.boka_auth_count_active_sessions, engine, self.who), 2)
        self.assertEqual(count(self.lib.boka_auth_end_user_sessions, engine, self.who, tenant, bob), 1)
        self.assertFalse(live(bob_token))
        self.assertTrue(live(ann_token))
        refusals = [
            (self.lib.boka_auth_count_active_sessions, ()),
            (self.lib.boka_auth_force_logout_all, (tenant,)),
            (self.lib.boka_auth_cleanup_sessions, (100,)),
        ]
        for fn, args in refusals:
            with self.assertRaises(CError) as denied:
                count(fn, engine, customer, *args)
            self.assertEqual(denied.exception.code, BOKA_PERMISSION_DENIED)
        for fn in (self.lib.boka_auth_locked_accounts, self.lib.boka_auth_mfa_stats,
                   self.lib.boka_auth_list_admins):
            with self.assertRaises(CError) as denied:
                self.json_call(fn, engine, customer, tenant)
            self.assertEqual(denied.exception.code, BOKA_PERMISSION_DENIED)
        self.assertEqual(count(self.lib.boka_auth_force_logout_all, engine, self.who,
                               BOKA_ALL_TENANTS), 1)
        self.assertFalse(live(ann_token))
        self.assertEqual(count(self.lib.boka_auth_count_active_sessions, engine, self.who), 0)
        self.assertEqual(count(self.lib.boka_auth_cleanup_sessions, engine, self.who, 100), 2)

        # Five wrong passwords: a locked account, five failed logins, MFA stats.
        self.lib.boka_clock_advance(self.clock, 60)
        start = self.lib.boka_clock_now(self.clock)
        for _ in range(5):
            with self.assertRaises(CError):
                login("bob@example.com", "wrong horse battery")
        self.lib.boka_clock_advance(self.clock, 1)
        end = self.lib.boka_clock_now(self.clock)
        locked = self.json_call(self.lib.boka_auth_locked_accounts, engine, self.who, tenant)
        self.assertEqual([(u["id"], u["state"]) for u in locked], [(bob, "locked")])
        events = self.json_call(self.lib.boka_auth_security_events, engine, self.who, tenant, start,
                                end, b"login_failed", 100)
        self.assertEqual(len(events), 5)
        self.assertEqual(list(events[0]), ["id", "tenant", "at", "kind", "user", "email", "actor",
                                           "source", "detail", "outcome"])
        self.assertEqual((events[0]["user"], events[0]["email"], events[0]["outcome"], events[0]["at"]),
                         (bob, "bob@example.com", "failure", rfc3339(start)))
        kinds = [e["kind"] for e in self.json_call(self.lib.boka_auth_security_events, engine,
                                                   self.who, tenant, start, end, None, 100)]
        self.assertEqual(kinds, ["login_failed"] * 5 + ["lockout"])
        stats = self.json_call(self.lib.boka_auth_mfa_stats, engine, self.who, tenant)
        self.assertEqual((stats["with_mfa"], stats["without_mfa"]), (0, 2))
        self.assertEqual([r["role"] for r in stats["by_role"]],
                         ["customer", "staff", "admin", "superadmin"])

        # An admin demoted; an emergency key that authenticates.
        admin = user("adm@example.com", "admin")
        self.assertEqual([u["id"] for u in self.json_call(self.lib.boka_auth_list_admins, engine,
                                                          self.who, BOKA_ALL_TENANTS)], [admin])
        demoted = self.json_call(self.lib.boka_auth_revoke_admin, engine, self.who, tenant, admin)
        self.assertEqual(demoted["role"], "staff")
        self.assertEqual(self.json_call(self.lib.boka_auth_list_admins, engine, self.who, tenant), [])
        created = self.json_call(self.lib.boka_auth_generate_emergency_key, engine, self.who, tenant, 600)
        self.assertTrue(created["emergency"])
        key = c_void_p()
        self.checked(self.lib.boka_auth_authenticate_api_key, engine, created["key"].encode(), None,
                     byref(key))
        self.addCleanup(self.lib.boka_principal_destroy, key)
        self.assertEqual(len(self.json_call(self.lib.boka_auth_locked_accounts, engine, key, tenant)), 1)
        with self.assertRaises(CError) as no_key:
            self.json_call(self.lib.boka_auth_rotate_encryption_key, engine, self.who, 10)
        self.assertEqual(no_key.exception.code, 11)  # BOKA_NOT_SUPPORTED: no encryption key

    def test_availability_page(self) -> None:
        room = self.room(capacity=1)
        query = {"requests": [{"resource": room}], "from": rfc3339(TUESDAY),
                 "to": rfc3339(TUESDAY + 24 * HOUR), "duration": HOUR, "limit": 10}
        page = self.json_call(self.lib.boka_availability_page, self.engine, self.who, self.tenant,
                              json.dumps(query).encode())
        self.assertEqual(list(page), ["slots", "truncated", "next_from"])
        self.assertEqual(len(page["slots"]), 10)
        self.assertEqual((page["truncated"], page["next_from"]), (True, rfc3339(TUESDAY + 10 * HOUR)))
        rest = self.json_call(self.lib.boka_availability_page, self.engine, self.who, self.tenant,
                              json.dumps(dict(query, **{"from": page["next_from"], "limit": 100})).encode())
        self.assertEqual((len(rest["slots"]), rest["truncated"], rest["next_from"]), (14, False, None))
        self.assertEqual(page["slots"] + rest["slots"],
                         self.availability(room, TUESDAY, TUESDAY + 24 * HOUR))

    def test_version_and_codes(self) -> None:
        self.assertEqual(self.lib.boka_version(), b"0.1.0")
        self.assertEqual(self.lib.boka_code_name(BOKA_CONFLICT), b"conflict")
        self.assertEqual(self.lib.boka_code_name(99), b"unknown")

    def test_availability_then_reserve_until_full(self) -> None:
        room = self.room(capacity=2)
        day = self.availability(room, TUESDAY, TUESDAY + 24 * HOUR)
        self.assertEqual([s["start"] for s in day], [rfc3339(TUESDAY + h * HOUR) for h in range(24)])
        self.assertEqual(day[0], {"start": "2026-01-06T00:00:00Z", "end": "2026-01-06T01:00:00Z",
                                  "zone": "UTC", "local_start": "2026-01-06T00:00:00Z",
                                  "local_end": "2026-01-06T01:00:00Z", "resources": [room]})

        conflict = Conflict()
        start = TUESDAY + 10 * HOUR
        first = self.reserve(room, start, conflict)
        second = self.reserve(room, start, conflict)
        self.assertGreater(second, first)
        self.assertEqual((conflict.blocking_count, conflict.has_next_free_start), (0, 0))

        available = c_int(-1)
        self.checked(self.lib.boka_check_slot, self.engine, self.who, self.tenant, room, start,
                     start + HOUR, 1, byref(available))
        self.assertEqual(available.value, 0)

        with self.assertRaises(CError) as refused:
            self.reserve(room, start, conflict)
        self.assertEqual(refused.exception.code, BOKA_CONFLICT)
        self.assertIn("capacity", refused.exception.message)
        self.assertEqual(conflict.blocking_count, 2)
        self.assertEqual([conflict.blocking_ids[i] for i in range(2)], [first, second])
        self.assertEqual((conflict.has_next_free_start, conflict.next_free_start),
                         (1, start + HOUR))
        self.lib.boka_conflict_clear(byref(conflict))
        self.assertEqual((conflict.blocking_count, bool(conflict.blocking_ids)), (0, False))

        # The full hour is gone from availability; cancelling brings it back.
        starts = [s["start"] for s in self.availability(room, TUESDAY, TUESDAY + 24 * HOUR)]
        self.assertNotIn(rfc3339(start), starts)
        cancelled = self.json_call(self.lib.boka_cancel, self.engine, self.who, self.tenant,
                                   first, 0)
        self.assertEqual(cancelled["status"], "cancelled")
        starts = [s["start"] for s in self.availability(room, TUESDAY, TUESDAY + 24 * HOUR)]
        self.assertIn(rfc3339(start), starts)

    def test_reserve_json_and_read_back(self) -> None:
        room = self.room(capacity=1)
        # Any offset reads as the instant it names: 10:00+01:00 is 09:00 UTC.
        request = json.dumps({"allocations": [{"resource": room}], "start": "2026-01-06T10:00:00+01:00",
                              "end": "2026-01-06T05:00:00-05:00", "customer": "c-7",
                              "metadata": {"note": "ü"}}).encode()
        out = c_void_p()
        conflict = Conflict()
        self.checked(self.lib.boka_reserve_json, self.engine, self.who, self.tenant, request,
                     byref(out), byref(conflict))
        booked = json.loads(self.take(out) or "")
        self.assertEqual(booked["status"], "confirmed")
        self.assertEqual((booked["start"], booked["end"]), (rfc3339(TUESDAY + 9 * HOUR), rfc3339(TUESDAY + 10 * HOUR)))
        self.assertEqual(booked["allocations"], [{"resource": room, "quantity": 1, "pool": None}])
        self.assertEqual(booked["metadata"], {"note": "ü"})
        read = self.json_call(self.lib.boka_get_reservation, self.engine, self.who, self.tenant,
                              booked["id"])
        self.assertEqual(read, booked)
        with self.assertRaises(CError) as refused:
            self.checked(self.lib.boka_reserve_json, self.engine, self.who, self.tenant, request,
                         byref(out), byref(conflict))
        self.assertEqual(refused.exception.code, BOKA_CONFLICT)
        self.assertIsNone(out.value)
        self.assertEqual(conflict.blocking_count, 1)
        self.assertEqual(conflict.blocking_ids[0], booked["id"])
        self.lib.boka_conflict_clear(byref(conflict))

    def test_series_book_refuse_and_change(self) -> None:
        room = self.room(capacity=1)
        blocker = self.reserve(room, TUESDAY + 7 * 24 * HOUR + 9 * HOUR, Conflict())
        request = {"allocations": [{"resource": room}], "first_date": "2026-01-06", "start_minute": 540,
                   "duration": HOUR, "rule": "FREQ=WEEKLY;COUNT=3"}
        out, conflict = c_void_p(), c_void_p()
        # Refused: the Conflict document names the occurrence and its blocker; nothing booked.
        with self.assertRaises(CError) as refused:
            self.checked(self.lib.boka_series_book, self.engine, self.who, self.tenant,
                         json.dumps(request).encode(), byref(out), byref(conflict))
        self.assertEqual(refused.exception.code, BOKA_CONFLICT)
        self.assertIsNone(out.value)
        details = json.loads(self.take(conflict) or "")
        self.assertEqual([(o["start"], o["blocking_reservation_ids"]) for o in details["occurrences"]],
                         [("2026-01-13T09:00:00Z", [blocker])])
        self.assertEqual(details["blocking"], [blocker])
        # skip_conflicts: two booked, the refused date an EXDATE.
        self.checked(self.lib.boka_series_book, self.engine, self.who, self.tenant,
                     json.dumps({**request, "mode": "skip_conflicts"}).encode(), byref(out), byref(conflict))
        self.assertIsNone(conflict.value)
        booking = json.loads(self.take(out) or "")
        self.assertEqual(booking["series"]["exdates"], ["2026-01-13"])
        self.assertEqual([r["occurrence_date"] for r in booking["reservations"]], ["2026-01-06", "2026-01-20"])
        self.assertEqual([s["date"] for s in booking["skipped"]], ["2026-01-13"])
        first = booking["reservations"][0]["id"]
        # The whole series an hour later; then cancelled from its first occurrence on.
        self.checked(self.lib.boka_series_reschedule, self.engine, self.who, self.tenant, first,
                     b"whole_series", b'{"start_minute": 600}', byref(out), byref(conflict))
        moved = json.loads(self.take(out) or "")
        self.assertEqual([r["start"] for r in moved["changed"]],
                         ["2026-01-06T10:00:00Z", "2026-01-20T10:00:00Z"])
        change = self.json_call(self.lib.boka_series_cancel, self.engine, self.who, self.tenant, first,
                                b"this_and_following")
        self.assertEqual({r["status"] for r in change["changed"]}, {"cancelled"})
        with self.assertRaises(CError) as bad:
            self.checked(self.lib.boka_series_book, self.engine, self.who, self.tenant,
                         json.dumps({**request, "rule": "FREQ=WEEKLY;BYDAY=XX;COUNT=3"}).encode(), None, None)
        self.assertEqual(bad.exception.code, BOKA_INVALID_ARGUMENT)
        self.assertIn("series.rule: RRULE: BYDAY=XX", bad.exception.message)

    def test_waitlist_join_offer_accept(self) -> None:
        room = self.room(capacity=1)
        start = TUESDAY + 10 * HOUR
        taken = self.reserve(room, start, Conflict())

        def join(customer: str, **extra: Any) -> Any:
            request = {"allocations": [{"resource": room}], "earliest_start": rfc3339(start),
                       "latest_start": rfc3339(start), "duration": HOUR, "customer": customer, **extra}
            return self.json_call(self.lib.boka_waitlist_join, self.engine, self.who, self.tenant,
                                  json.dumps(request).encode())

        ann, bob = join("ann"), join("bob", priority=-1)
        self.assertEqual((ann["status"], ann["offer"]), ("waiting", None))
        self.assertEqual(self.json_call(self.lib.boka_waitlist_get, self.engine, self.who, self.tenant,
                                        bob["id"])["position"], 2)
        self.checked(self.lib.boka_cancel, self.engine, self.who, self.tenant, taken, 0, None)
        got = self.json_call(self.lib.boka_waitlist_get, self.engine, self.who, self.tenant, ann["id"])
        self.assertEqual((got["entry"]["status"], got["position"]), ("offered", 0))
        hold = self.json_call(self.lib.boka_get_reservation, self.engine, self.who, self.tenant,
                              got["entry"]["offer"])
        self.assertEqual((hold["status"], hold["customer"]), ("held", "ann"))
        listed = self.json_call(self.lib.boka_waitlist_list, self.engine, self.who, self.tenant,
                                b'{"statuses": ["waiting"]}')
        self.assertEqual([e["customer"] for e in listed], ["bob"])
        booked = self.json_call(self.lib.boka_waitlist_accept, self.engine, self.who, self.tenant, ann["id"])
        self.assertEqual((booked["id"], booked["status"]), (got["entry"]["offer"], "confirmed"))
        raised = self.json_call(self.lib.boka_waitlist_set_priority, self.engine, self.who, self.tenant,
                                bob["id"], 3)
        self.assertEqual(raised["priority"], 3)
        left = self.json_call(self.lib.boka_waitlist_cancel, self.engine, self.who, self.tenant, bob["id"])
        self.assertEqual(left["status"], "cancelled")
        changed = c_int(-1)
        self.checked(self.lib.boka_waitlist_sweep, self.engine, self.who, 100, byref(changed))
        self.assertEqual(changed.value, 0)
        with self.assertRaises(CError) as bad:
            join("eve", latest_start=rfc3339(start - HOUR))
        self.assertEqual(bad.exception.code, BOKA_INVALID_ARGUMENT)
        self.assertIn("latest_start", bad.exception.message)

    def test_service_customer_rules_and_edit(self) -> None:
        # A chair on a 15-minute grid: a 45-minute service fits it.
        chair = self.json_call(self.lib.boka_create_resource, self.engine, self.who, self.tenant,
                               b'{"name": "chair", "zone": "UTC", "policy": {"slot_step": 900}}')["id"]
        service = self.json_call(self.lib.boka_service_create, self.engine, self.who, self.tenant,
                                 json.dumps({"name": "Haircut", "duration": 2700,
                                             "allocations": [{"resource": chair}],
                                             "price_minor": 3500, "currency": "EUR"}).encode())
        ann = self.json_call(self.lib.boka_customer_create, self.engine, self.who, self.tenant,
                             b'{"display_name": "Ann", "email": "ann@example.com"}')
        tenant = self.json_call(self.lib.boka_get_tenant, self.engine, self.who, self.tenant)
        self.json_call(self.lib.boka_update_tenant_rules, self.engine, self.who, self.tenant,
                       b'{"rules": {"cancel_cutoff": 172800, "max_active_per_customer": 1},'
                       b' "max_hold": 3600}', tenant["version"])
        out, conflict = c_void_p(), c_void_p()
        request = {"service": service["id"], "start": rfc3339(TUESDAY + 10 * HOUR),
                   "customer_id": ann["id"]}
        self.checked(self.lib.boka_reserve_with_conflict, self.engine, self.who, self.tenant,
                     json.dumps(request).encode(), byref(out), byref(conflict))
        booked = json.loads(self.take(out) or "")
        self.assertEqual((booked["end"], booked["price_minor"], booked["customer_id"]),
                         ("2026-01-06T10:45:00Z", 3500, ann["id"]))
        # A second active booking for ann: refused by the limit, named in the document.
        with self.assertRaises(CError) as limited:
            self.checked(self.lib.boka_reserve_with_conflict, self.engine, self.who, self.tenant,
                         json.dumps({**request, "start": rfc3339(TUESDAY + 12 * HOUR)}).encode(),
                         byref(out), byref(conflict))
        self.assertEqual(limited.exception.code, BOKA_CONFLICT)
        self.assertEqual(json.loads(self.take(conflict) or "")["rule"], "max_active_per_customer")
        # Within two days of the start: the cancel deadline has passed.
        with self.assertRaises(CError) as late:
            self.checked(self.lib.boka_cancel_guarded, self.engine, self.who, self.tenant,
                         booked["id"], None, byref(out), byref(conflict))
        self.assertEqual(late.exception.code, BOKA_CONFLICT)
        refused = json.loads(self.take(conflict) or "")
        self.assertEqual((refused["rule"], refused["deadline"]),
                         ("cancel_cutoff", "2026-01-04T10:00:00Z"))
        # The conflict output is optional (NULL); the reservation comes before it.
        self.checked(self.lib.boka_update_reservation, self.engine, self.who, self.tenant,
                     booked["id"], b'{"notes": "first visit"}', byref(out), None)
        edited = json.loads(self.take(out) or "")
        self.assertEqual((edited["notes"], edited["version"]), ("first visit", 2))
        self.checked(self.lib.boka_cancel_guarded, self.engine, self.who, self.tenant, booked["id"],
                     b'{"if_version": 2, "override_rules": true}', byref(out), None)
        self.assertEqual(json.loads(self.take(out) or "")["status"], "cancelled")
        exported = self.json_call(self.lib.boka_customer_export, self.engine, self.who, self.tenant,
                                  ann["id"])
        self.assertEqual(exported["customer"]["email"], "ann@example.com")
        self.assertEqual([r["notes"] for r in exported["reservations"]], ["first visit"])

    def test_error_codes_and_messages(self) -> None:
        room = self.room(capacity=1)
        with self.assertRaises(CError) as bad:
            self.json_call(self.lib.boka_availability, self.engine, self.who, self.tenant, b"{")
        self.assertEqual(bad.exception.code, BOKA_INVALID_ARGUMENT)
        self.assertIn("query_json: not valid JSON", bad.exception.message)
        with self.assertRaises(CError) as missing:
            self.reserve(999, TUESDAY, Conflict())
        self.assertEqual(missing.exception.code, BOKA_NOT_FOUND)
        self.assertIn("resource 999 not found", missing.exception.message)
        with self.assertRaises(CError) as null:
            self.checked(self.lib.boka_reserve, None, self.who, self.tenant, room, TUESDAY,
                         TUESDAY + HOUR, 1, None, None)
        self.assertEqual((null.exception.code, null.exception.message),
                         (BOKA_INVALID_ARGUMENT, "engine: is NULL"))


if __name__ == "__main__":
    unittest.main()
