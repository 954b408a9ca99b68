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

PASSWORD = "correct horse battery"
# Argon2id at its cheapest (the tests log in several times) and a key that seals TOTP secrets.
FAST = boka.AuthOptions(argon2_memory_kib=64, argon2_iterations=1, encryption_key="11" * 32)


def totp(secret: str) -> str:
    return subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True, text=True,
                          check=True).stdout.strip()


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

    def test_the_facet_keeps_its_engine(self) -> None:
        engine = boka.Engine("memory:", auth=FAST)
        tenant = engine.create_tenant("t").id
        auth = engine.auth
        del engine  # the facet holds the engine open
        gc.collect()
        auth.create_user(tenant, email="e@example.com", password=PASSWORD)
        self.assertEqual([u.email for u in auth.list_users(tenant)], ["e@example.com"])


if __name__ == "__main__":
    unittest.main()
