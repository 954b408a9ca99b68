"""engine.auth: a Python script acts as a user and as an API key. Log in, enrol TOTP MFA
(codes from oathtool, on the real clock), create an API key and act with it, revoke it, log
out; and the refusals a script meets on the way."""

from __future__ import annotations

import dataclasses
import gc
import shutil
import subprocess
import unittest
from datetime import timedelta

import boka
from _support import temp_dir, utc

PASSWORD = "correct horse battery"
# Argon2id at its cheapest (the tests log in several times) and a key that seals TOTP secrets.
FAST = boka.AuthOptions(argon2_memory_kib=64, argon2_iterations=1, encryption_key="11" * 32)


def totp(secret: str, offset: str = "now") -> str:
    """The code of `secret` at `offset` ("now", "+30 seconds"), computed by oathtool."""
    return subprocess.run(["oathtool", "--totp", "-b", "-N", offset, secret], capture_output=True,
                          text=True, check=True).stdout.strip()


class AuthTest(unittest.TestCase):
    def setUp(self) -> None:
        if shutil.which("oathtool") is None:
            self.fail("oathtool is not installed (scripts/install-deps.sh installs it)")
        self.engine = boka.Engine("memory:", auth=FAST)
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("Clinic").id

    def test_a_script_logs_in_enrols_mfa_and_acts_with_an_api_key(self) -> None:
        auth = self.engine.auth
        ann = auth.create_user(self.tenant, email="Ann@Example.com", password=PASSWORD,
                               display_name="Ann", role=boka.Role.ADMIN)
        self.assertIsInstance(ann, boka.User)
        self.assertEqual((ann.email, ann.role, ann.state, ann.mfa_enabled),
                         ("ann@example.com", boka.Role.ADMIN, boka.UserState.ACTIVE, False))

        grant = auth.login(self.tenant, "ann@example.com", PASSWORD)
        self.assertIsInstance(grant, boka.SessionGrant)
        self.assertFalse(grant.mfa_pending)
        self.assertEqual((grant.session.user, grant.principal.kind), (ann.id, "user"))
        # An admin without MFA keeps staff's permissions: the catalog is out of reach.
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.create_resource(self.tenant, name="Room", zone="UTC", who=grant.principal)

        enrolment = auth.begin_totp_enrollment(who=grant.principal)
        self.assertTrue(enrolment.provisioning_uri.startswith("otpauth://totp/"))
        wrong = "000000" if totp(enrolment.secret) != "000000" else "111111"
        with self.assertRaises(boka.Error):
            auth.confirm_totp_enrollment(wrong, who=grant.principal)
        enabled = auth.confirm_totp_enrollment(totp(enrolment.secret), who=grant.principal)
        self.assertIsInstance(enabled, boka.MfaEnabled)
        self.assertEqual(len(enabled.recovery_codes), 10)
        self.assertTrue(enabled.session.mfa_passed)
        admin = enabled.principal
        room = self.engine.create_resource(self.tenant, name="Room", zone="Europe/Berlin", who=admin)
        # Enrolling ended the other sessions.
        with self.assertRaises(boka.UnauthenticatedError):
            auth.authenticate_session(grant.token)

        # The next login stops at MFA until a code is given.
        pending = auth.login(self.tenant, "ann@example.com", PASSWORD, source="10.0.0.7")
        self.assertTrue(pending.mfa_pending)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.list_resources(self.tenant, who=pending.principal)
        passed = auth.verify_mfa(pending.token, enabled.recovery_codes[0])
        self.assertFalse(passed.mfa_pending)
        self.assertEqual([r.id for r in self.engine.list_resources(self.tenant, who=passed.principal)],
                         [room.id])
        sessions = auth.list_sessions(self.tenant, user=ann.id, who=admin)
        self.assertTrue(all(isinstance(s, boka.Session) for s in sessions))
        self.assertIn(passed.session.id, [s.id for s in sessions])
        # user=None (the default) is every user the caller may manage; 0 is not an id.
        self.assertLessEqual({s.id for s in sessions},
                             {s.id for s in auth.list_sessions(self.tenant, who=admin)})
        with self.assertRaises(boka.InvalidArgumentError):
            auth.list_sessions(self.tenant, user=0, who=admin)

        created = auth.create_api_key(self.tenant, name="nightly import",
                                      scopes=["resources:read", "catalog:write"],
                                      expires_in=timedelta(days=1), who=admin)
        self.assertIsInstance(created, boka.CreatedApiKey)
        self.assertTrue(created.key.startswith("boka_"))
        self.assertEqual(created.scopes, ("resources:read", "catalog:write"))
        self.assertEqual(created.role, boka.Role.ADMIN)
        self.assertIsNotNone(created.expires_at)
        self.assertNotIn(created.key, repr(created))  # the secret stays out of logs

        key = auth.authenticate_api_key(created.key, source="10.0.0.8")
        self.assertEqual((key.kind, key.name), ("api_key", f"api_key:{created.id}"))
        pool = self.engine.create_pool(self.tenant, name="Rooms", members=[room.id], who=key)
        self.assertEqual(pool.members, (room.id,))
        with self.assertRaises(boka.PermissionDeniedError):  # outside its scopes
            auth.list_users(self.tenant, who=key)
        listed = auth.list_api_keys(self.tenant, who=admin)
        self.assertEqual([k.id for k in listed], [created.id])
        self.assertNotIsInstance(listed[0], boka.CreatedApiKey)

        revoked = auth.revoke_api_key(self.tenant, created.id, who=admin)
        self.assertIsNotNone(revoked.revoked_at)
        with self.assertRaises(boka.UnauthenticatedError):
            self.engine.list_resources(self.tenant, who=key)
        with self.assertRaises(boka.UnauthenticatedError):
            auth.authenticate_api_key(created.key)

        auth.logout(who=passed.principal)
        with self.assertRaises(boka.UnauthenticatedError):
            auth.authenticate_session(passed.token)

    def test_users_are_managed_and_refusals_name_the_field(self) -> None:
        auth = self.engine.auth
        bob = auth.create_user(self.tenant, email="bob@example.com", password=PASSWORD)
        self.assertEqual(bob.role, boka.Role.CUSTOMER)
        staff = auth.set_user_role(self.tenant, bob.id, "staff")
        self.assertEqual(staff.role, boka.Role.STAFF)
        disabled = auth.set_user_state(self.tenant, bob.id, boka.UserState.DISABLED)
        self.assertEqual(disabled.state, boka.UserState.DISABLED)
        self.assertEqual(auth.get_user(self.tenant, bob.id), disabled)
        self.assertEqual([u.id for u in auth.list_users(self.tenant)], [bob.id])
        with self.assertRaises(boka.UnauthenticatedError) as refused:
            auth.login(self.tenant, "bob@example.com", PASSWORD)
        self.assertIn("invalid email or password", str(refused.exception))

        with self.assertRaises(boka.InvalidArgumentError) as bad_role:
            auth.create_user(self.tenant, email="c@example.com", password=PASSWORD, role="owner")
        self.assertIn("role: \"owner\" is not one of customer, staff, admin, superadmin",
                      str(bad_role.exception))
        with self.assertRaises(boka.InvalidArgumentError) as bad_scope:
            auth.create_api_key(self.tenant, name="k", scopes=["everything"])
        self.assertIn("scopes[0]: \"everything\" is not a permission", str(bad_scope.exception))
        with self.assertRaises(TypeError):
            boka.Engine("memory:", auth={"encryption_key": "x"})  # type: ignore[arg-type]

    def test_enrolment_needs_an_encryption_key(self) -> None:
        with boka.Engine("memory:", auth=dataclasses.replace(FAST, encryption_key="")) as engine:
            tenant = engine.create_tenant("t").id
            engine.auth.create_user(tenant, email="d@example.com", password=PASSWORD)
            grant = engine.auth.login(tenant, "d@example.com", PASSWORD)
            with self.assertRaises(boka.NotSupportedError):
                engine.auth.begin_totp_enrollment(who=grant.principal)

    def test_a_cached_session_ends_at_once_on_logout(self) -> None:
        cached = dataclasses.replace(FAST, credential_cache=timedelta(seconds=30))
        with boka.Engine("memory:", auth=cached) as engine:
            tenant = engine.create_tenant("t").id
            engine.auth.create_user(tenant, email="c@example.com", password=PASSWORD)
            grant = engine.auth.login(tenant, "c@example.com", PASSWORD)
            who = engine.auth.authenticate_session(grant.token)
            engine.auth.authenticate_session(grant.token)  # served from the cache
            engine.auth.logout(who=who)
            with self.assertRaises(boka.UnauthenticatedError):
                engine.auth.authenticate_session(grant.token)
        with self.assertRaisesRegex(boka.InvalidArgumentError, "credential_cache"):
            boka.Engine("memory:", auth=dataclasses.replace(FAST, credential_cache=timedelta(minutes=2)))

    def test_the_facet_keeps_its_engine(self) -> None:
        engine = boka.Engine("memory:", auth=FAST)
        tenant = engine.create_tenant("t").id
        auth = engine.auth
        del engine  # the facet holds the engine open
        gc.collect()
        auth.create_user(tenant, email="e@example.com", password=PASSWORD)
        self.assertEqual([u.email for u in auth.list_users(tenant)], ["e@example.com"])


class AcrossTheTenantTest(unittest.TestCase):
    """The calls an operator or a worker makes across users and sessions, and the security
    reports; on a manual clock (no TOTP here)."""

    def setUp(self) -> None:
        self.clock = boka.ManualClock(utc(2026, 1, 5, 8))
        self.engine = boka.Engine("memory:", clock=self.clock, auth=FAST)
        self.addCleanup(self.engine.close)
        self.auth = self.engine.auth
        self.tenant = self.engine.create_tenant("Clinic").id
        self.other = self.engine.create_tenant("Other").id
        self.auth.create_user(self.tenant, email="cora@example.com", password=PASSWORD)
        self.cora = self.auth.login(self.tenant, "cora@example.com", PASSWORD).principal

    def user(self, email: str, role: str = "customer", tenant: int = 0) -> boka.User:
        return self.auth.create_user(tenant or self.tenant, email=email, password=PASSWORD,
                                     role=role)

    def login(self, email: str, tenant: int = 0) -> boka.SessionGrant:
        return self.auth.login(tenant or self.tenant, email, PASSWORD)

    def assert_ended(self, grant: boka.SessionGrant) -> None:
        with self.assertRaises(boka.UnauthenticatedError):
            self.auth.authenticate_session(grant.token)

    def test_find_user_by_email(self) -> None:
        ann = self.user("Ann@Example.com")
        self.assertEqual(self.auth.find_user_by_email(self.tenant, "ann@example.com"), ann)
        self.assertEqual(self.auth.find_user_by_email(self.tenant, "ANN@example.COM").id, ann.id)
        with self.assertRaises(boka.NotFoundError):
            self.auth.find_user_by_email(self.tenant, "anne@example.com")
        with self.assertRaises(boka.NotFoundError):  # another tenant's users stay apart
            self.auth.find_user_by_email(self.other, "ann@example.com")
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.find_user_by_email(self.tenant, "ann@example.com", who=self.cora)

    def test_sessions_are_ended_forced_out_counted_and_cleaned_up(self) -> None:
        self.user("ann@example.com")
        bob = self.user("bob@example.com")
        self.user("eve@example.com", tenant=self.other)
        ann1, ann2 = self.login("ann@example.com"), self.login("ann@example.com")
        bob1 = self.login("bob@example.com")
        eve1 = self.login("eve@example.com", self.other)
        self.assertEqual(self.auth.count_active_sessions(), 5)  # with cora's

        # One user's sessions end, and only theirs.
        self.assertEqual(self.auth.end_user_sessions(self.tenant, bob.id), 1)
        self.assert_ended(bob1)
        self.auth.authenticate_session(ann1.token)
        self.assertEqual(self.auth.count_active_sessions(), 4)
        # A customer may not end someone else's, nor force anyone out.
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.end_user_sessions(self.tenant, ann1.session.user, who=self.cora)
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.force_logout_all(self.tenant, who=self.cora)

        # Force logout of one tenant leaves the other alone; None ends every tenant's.
        self.assertEqual(self.auth.force_logout_all(self.tenant), 3)
        for grant in (ann1, ann2):
            self.assert_ended(grant)
        self.auth.authenticate_session(eve1.token)
        self.assertEqual(self.auth.force_logout_all(None), 1)
        self.assert_ended(eve1)
        self.assertEqual(self.auth.count_active_sessions(), 0)
        with self.assertRaises(boka.InvalidArgumentError):
            self.auth.force_logout_all(0)

        # The worker's sweep deletes the dead sessions (all five), once.
        live = self.login("ann@example.com")
        self.assertEqual(self.auth.cleanup_sessions(), 5)
        self.assertEqual(self.auth.cleanup_sessions(limit=10), 0)
        self.auth.authenticate_session(live.token)
        self.assertEqual(self.auth.count_active_sessions(), 1)
        for call in (self.auth.count_active_sessions, self.auth.cleanup_sessions):
            with self.assertRaises(boka.PermissionDeniedError):
                call(who=live.principal)

    def test_failed_logins_lock_an_account_and_show_in_the_reports(self) -> None:
        dan = self.user("dan@example.com")
        self.clock.advance(timedelta(minutes=1))  # the events before are out of the window
        start = self.clock.now()
        for _ in range(5):  # lockout_threshold
            with self.assertRaises(boka.UnauthenticatedError):
                self.auth.login(self.tenant, "dan@example.com", "wrong horse battery", source="192.0.2.9")
        with self.assertRaises(boka.UnauthenticatedError):
            self.auth.login(self.tenant, "nobody@example.com", PASSWORD)
        self.clock.advance(timedelta(seconds=1))
        end = self.clock.now()

        locked = self.auth.locked_accounts(self.tenant)
        self.assertEqual([u.id for u in locked], [dan.id])
        self.assertEqual(locked[0].state, boka.UserState.LOCKED)
        self.assertEqual(self.auth.locked_accounts(self.other), [])

        failed = self.auth.security_events(self.tenant, start, end, kind="login_failed")
        self.assertEqual(len(failed), 6)
        self.assertTrue(all(isinstance(e, boka.SecurityEvent) for e in failed))
        first = failed[0]
        self.assertEqual((first.kind, first.user, first.email, first.source, first.outcome),
                         ("login_failed", dan.id, "dan@example.com", "192.0.2.9",
                          boka.AuditOutcome.FAILURE))
        self.assertEqual((first.tenant, first.at), (self.tenant, start))
        self.assertEqual((failed[-1].user, failed[-1].email), (0, "nobody@example.com"))
        self.assertEqual([e.id for e in failed], sorted(e.id for e in failed))
        lockouts = self.auth.security_events(self.tenant, start, end, kind="lockout")
        self.assertEqual([(e.kind, e.user) for e in lockouts], [("lockout", dan.id)])
        every = self.auth.security_events(self.tenant, start, end)
        self.assertEqual(len(every), 7)
        self.assertEqual(len(self.auth.security_events(self.tenant, start, end, limit=2)), 2)
        with self.assertRaises(boka.InvalidArgumentError):
            self.auth.security_events(self.tenant, end, start)

        # An admin unlocks the account; a customer sees none of the reports.
        self.auth.set_user_state(self.tenant, dan.id, "active")
        self.assertEqual(self.auth.locked_accounts(self.tenant), [])
        for report in (lambda who: self.auth.security_events(self.tenant, start, end, who=who),
                       lambda who: self.auth.locked_accounts(self.tenant, who=who),
                       lambda who: self.auth.mfa_stats(self.tenant, who=who)):
            with self.assertRaises(boka.PermissionDeniedError):
                report(self.cora)

    def test_admins_are_listed_and_revoked(self) -> None:
        root = self.user("root@example.com", "superadmin")
        ann = self.user("ann@example.com", "admin")
        self.user("staff@example.com", "staff")
        far = self.user("far@example.com", "admin", tenant=self.other)
        self.assertEqual([u.id for u in self.auth.list_admins(self.tenant)], [root.id, ann.id])
        self.assertEqual(sorted(u.id for u in self.auth.list_admins()),
                         sorted([root.id, ann.id, far.id]))
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.list_admins(self.tenant, who=self.cora)
        # An admin (without MFA: staff's rights) may not demote another.
        ann_session = self.login("ann@example.com")
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.revoke_admin(self.tenant, root.id, who=ann_session.principal)

        demoted = self.auth.revoke_admin(self.tenant, ann.id)
        self.assertIsInstance(demoted, boka.User)
        self.assertEqual((demoted.id, demoted.role), (ann.id, boka.Role.STAFF))
        self.assert_ended(ann_session)  # demotion ends the sessions
        self.assertEqual([u.id for u in self.auth.list_admins(self.tenant)], [root.id])
        with self.assertRaises(boka.ConflictError):
            self.auth.revoke_admin(self.tenant, ann.id)  # not an admin any more
        revoked = self.auth.security_events(self.tenant, utc(2026, 1, 1), utc(2026, 2, 1),
                                            kind="admin_revoked")
        # The refusals are security events too, with their outcome.
        self.assertEqual([(e.user, e.outcome) for e in revoked],
                         [(root.id, boka.AuditOutcome.DENIED), (ann.id, boka.AuditOutcome.SUCCESS),
                          (ann.id, boka.AuditOutcome.CONFLICT)])

    def test_the_emergency_key_acts_as_a_superadmin_until_it_expires(self) -> None:
        created = self.auth.generate_emergency_key(self.tenant, lifetime=timedelta(minutes=10))
        self.assertIsInstance(created, boka.CreatedApiKey)
        self.assertTrue(created.emergency)
        self.assertEqual(created.role, boka.Role.SUPERADMIN)
        self.assertEqual(created.expires_at, self.clock.now() + timedelta(minutes=10))
        key = self.auth.authenticate_api_key(created.key, source="192.0.2.1")
        self.assertEqual(key.kind, "api_key")
        # A superadmin: it reaches every tenant.
        self.assertEqual(self.auth.list_users(self.other, who=key), [])
        self.engine.create_tenant("Made in an emergency", who=key)
        used = self.auth.security_events(self.tenant, utc(2026, 1, 1), utc(2026, 2, 1),
                                         kind="emergency_key_used")
        self.assertEqual([e.source for e in used], ["192.0.2.1"])
        default = self.auth.generate_emergency_key(self.tenant)  # AuthOptions' lifetime: 1 h
        self.assertEqual(default.expires_at, self.clock.now() + timedelta(hours=1))
        with self.assertRaises(boka.InvalidArgumentError):
            self.auth.generate_emergency_key(self.tenant, lifetime=timedelta(days=2))
        with self.assertRaises(boka.PermissionDeniedError):
            self.auth.generate_emergency_key(self.tenant, who=self.cora)
        self.clock.advance(timedelta(minutes=10))
        with self.assertRaises(boka.UnauthenticatedError):
            self.auth.authenticate_api_key(created.key)


class MfaReportsAndKeyRotationTest(unittest.TestCase):
    """MFA statistics and re-sealing TOTP secrets under a new key: TOTP codes from oathtool,
    on the real clock, and SQLite files that several engines open in turn."""

    OLD_KEY = "11" * 32
    NEW_KEY = "22" * 32

    def setUp(self) -> None:
        if shutil.which("oathtool") is None:
            self.fail("oathtool is not installed (scripts/install-deps.sh installs it)")
        self.uri = "sqlite:" + temp_dir(self) + "/auth.db"

    def open(self, key: str, key_id: str, previous: tuple[tuple[str, str], ...] = ()) -> boka.Engine:
        engine = boka.Engine(self.uri, auth=dataclasses.replace(
            FAST, encryption_key=key, encryption_key_id=key_id, previous_encryption_keys=previous))
        self.addCleanup(engine.close)
        return engine

    def enrol(self, engine: boka.Engine, tenant: int, email: str) -> str:
        grant = engine.auth.login(tenant, email, PASSWORD)
        enrolment = engine.auth.begin_totp_enrollment(who=grant.principal)
        engine.auth.confirm_totp_enrollment(totp(enrolment.secret), who=grant.principal)
        return enrolment.secret

    def test_mfa_stats_count_an_enrolled_user(self) -> None:
        engine = self.open(self.OLD_KEY, "k1")
        tenant = engine.create_tenant("Clinic").id
        for email, role in (("ann@example.com", "admin"), ("bob@example.com", "staff"),
                            ("cy@example.com", "customer"), ("di@example.com", "customer")):
            engine.auth.create_user(tenant, email=email, password=PASSWORD, role=role)
        before = engine.auth.mfa_stats(tenant)
        self.assertEqual((before.with_mfa, before.without_mfa), (0, 4))
        self.enrol(engine, tenant, "bob@example.com")
        stats = engine.auth.mfa_stats(tenant)
        self.assertIsInstance(stats, boka.MfaStats)
        self.assertEqual((stats.with_mfa, stats.without_mfa), (1, 3))
        self.assertTrue(all(isinstance(r, boka.MfaStatsByRole) for r in stats.by_role))
        self.assertEqual([(r.role, r.with_mfa, r.without_mfa) for r in stats.by_role],
                         [(boka.Role.CUSTOMER, 0, 2), (boka.Role.STAFF, 1, 0),
                          (boka.Role.ADMIN, 0, 1), (boka.Role.SUPERADMIN, 0, 0)])

    def test_rotation_reseals_totp_secrets_under_the_new_key(self) -> None:
        first = self.open(self.OLD_KEY, "k1")
        tenant = first.create_tenant("Clinic").id
        first.auth.create_user(tenant, email="ann@example.com", password=PASSWORD)
        first.auth.create_user(tenant, email="cy@example.com", password=PASSWORD)
        secret = self.enrol(first, tenant, "ann@example.com")  # sealed under k1
        first.close()

        # Under the new key alone, before any rotation, ann's secret cannot be read.
        unrotated = self.open(self.NEW_KEY, "k2")
        with self.assertRaisesRegex(boka.UnavailableError, "k1"):
            unrotated.auth.login(tenant, "ann@example.com", PASSWORD,
                                 mfa_code=totp(secret, "+30 seconds"))
        unrotated.close()

        # With the old key kept for reading, the rotation re-seals it under k2, once.
        rotating = self.open(self.NEW_KEY, "k2", (("k1", self.OLD_KEY),))
        customer = rotating.auth.login(tenant, "cy@example.com", PASSWORD).principal
        with self.assertRaises(boka.PermissionDeniedError):
            rotating.auth.rotate_encryption_key(who=customer)
        done = rotating.auth.rotate_encryption_key()
        self.assertIsInstance(done, boka.KeyRotation)
        self.assertEqual((done.key_id, done.resealed, done.remaining), ("k2", 1, 0))
        again = rotating.auth.rotate_encryption_key(limit=10)
        self.assertEqual((again.key_id, again.resealed, again.remaining), ("k2", 0, 0))
        rotating.close()

        # Now the old key can go: ann's TOTP works under the new key alone.
        after = self.open(self.NEW_KEY, "k2")
        grant = after.auth.login(tenant, "ann@example.com", PASSWORD,
                                 mfa_code=totp(secret, "+30 seconds"))
        self.assertTrue(grant.session.mfa_passed)
        after.close()
        with self.assertRaises(boka.NotSupportedError):  # no key configured at all
            self.open("", "k1").auth.rotate_encryption_key()

if __name__ == "__main__":
    unittest.main()
