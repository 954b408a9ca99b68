"""Customer mail and payments through Python (engine.mail, boka.Mail; engine.payments,
boka.Payments): settings round trip with dataclasses.replace, bad templates refused naming
their place, a preview in the customer's language and zone, a round against an SMTP server that
is down (the message waits with its error), send refused without SMTP; a payment notification
signed here with hmac (Stripe's scheme) confirms a customer's held booking once, forged ones
raise PermissionDeniedError, staff record a refund. On memory and on a SQLite file."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import unittest

import boka
from _support import EngineTestCase, hours, temp_dir, utc

KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
SECRET = "whsec_python_0123456789abcdef0123"
FAST = boka.AuthOptions(encryption_key=KEY, argon2_memory_kib=64, argon2_iterations=1)


def signed(body: bytes, t: int, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class MailPaymentsTest(EngineTestCase):
    now = utc(2026, 12, 1, 9)

    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(
            self.uri, clock=self.clock, auth=FAST,
            mail=boka.MailOptions(smtp_url="smtp://127.0.0.1:1", security=boka.SmtpSecurity.NONE,
                                  from_address="bookings@boka.test"))
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("Salon").id
        chair = self.engine.create_resource(self.tenant, name="Chair", zone="Europe/Berlin").id
        self.service = self.engine.services.create(
            self.tenant, name="Corte", duration=hours(1), allocations=[boka.AllocationRequest.of_resource(chair)],
            price_minor=3000, currency="EUR", customer_bookable=True).id
        self.user = self.engine.auth.create_user(self.tenant, email="ana@x.test", password="python password 1",
                                                 role=boka.Role.CUSTOMER).id
        self.ana = self.engine.customers.create(
            self.tenant, display_name="Ana", email="ana@x.test", locale="es",
            time_zone="America/Mexico_City", user=self.user).id

    def test_mail_settings_preview_and_a_round(self) -> None:
        mail = self.engine.mail
        s = mail.settings(self.tenant)
        self.assertIsInstance(s, boka.MailSettings)
        self.assertEqual((s.version, s.enabled), (0, False))
        with self.assertRaises(boka.InvalidArgumentError) as e:
            mail.update_settings(self.tenant, dataclasses.replace(s, templates=[
                boka.MailTemplate(boka.MailKind.CONFIRMATION, subject="x", text="{{#notes}}")]))
        self.assertIn("templates[0].text", str(e.exception))
        s = mail.update_settings(self.tenant, dataclasses.replace(s, enabled=True))
        self.assertEqual((s.version, s.enabled), (1, True))

        # 15:00 in Berlin is 08:00 in Mexico City.
        r = self.engine.reserve(self.tenant, [], utc(2026, 12, 8, 14), service=self.service,
                                customer_id=self.ana)
        preview = mail.preview(self.tenant, kind=boka.MailKind.CONFIRMATION, reservation=r.id)
        self.assertIsInstance(preview, boka.EmailContent)
        self.assertEqual(preview.to, "ana@x.test")
        self.assertIn("martes, 8 de diciembre de 2026", preview.subject)
        self.assertIn("8:00", preview.text)
        self.assertIn("BEGIN:VCALENDAR", preview.ics)

        # The SMTP server is down: the message is written and waits with its error.
        round_ = mail.send()
        self.assertIsInstance(round_, boka.MailRound)
        self.assertEqual((round_.written, round_.attempted, round_.failed), (1, 1, 1))
        [email] = mail.list(self.tenant, status=boka.EmailStatus.PENDING)
        self.assertEqual(email.kind, boka.MailKind.CONFIRMATION)
        self.assertEqual(email.attempts, 1)
        self.assertTrue(email.last_error)
        self.assertEqual(mail.get(self.tenant, email.id), email)
        self.assertEqual(mail.content(self.tenant, email.id).subject, preview.subject)
        with self.assertRaises(boka.ConflictError):
            mail.retry(self.tenant, email.id)

    def test_send_needs_an_smtp_server(self) -> None:
        bare = boka.Engine("memory:", clock=self.clock)
        self.addCleanup(bare.close)
        with self.assertRaises(boka.NotSupportedError):
            bare.mail.send()

    def test_a_signed_payment_confirms_a_held_booking(self) -> None:
        payments = self.engine.payments
        settings = payments.settings(self.tenant)
        settings = payments.update_settings(self.tenant, dataclasses.replace(settings, enabled=True),
                                            signing_secret=SECRET)
        self.assertTrue(settings.has_secret)
        grant = self.engine.auth.login(self.tenant, "ana@x.test", "python password 1")
        r = self.engine.reserve(self.tenant, [], utc(2026, 12, 8, 14), service=self.service,
                                who=grant.principal)
        self.assertEqual(r.status, boka.ReservationStatus.HELD)
        self.assertEqual(r.payment_status, boka.PaymentStatus.PENDING)

        body = json.dumps({"id": "evt_py", "type": "payment_intent.succeeded", "data": {"object": {
            "id": "pi_py", "amount": 3000, "currency": "eur",
            "metadata": {"boka_reservation_id": str(r.id)}}}}).encode()
        t = int(self.clock.now().timestamp())
        with self.assertRaises(boka.PermissionDeniedError):
            payments.handle_notification(self.tenant, signature_header=signed(body, t, "whsec_wrong_wrong_wrong_0"),
                                         body=body)
        notice = payments.handle_notification(self.tenant, signature_header=signed(body, t), body=body)
        self.assertIsInstance(notice, boka.PaymentNotice)
        self.assertEqual(notice.outcome, boka.PaymentOutcome.PAID)
        self.assertEqual(notice.reservation_status, boka.ReservationStatus.CONFIRMED)
        again = payments.handle_notification(self.tenant, signature_header=signed(body, t), body=body.decode())
        self.assertEqual(again.outcome, boka.PaymentOutcome.DUPLICATE)
        refunded = payments.record(self.tenant, r.id, to=boka.PaymentStatus.REFUNDED, reference="desk")
        self.assertEqual(refunded.payment_status, boka.PaymentStatus.REFUNDED)
        self.assertEqual(refunded.payment_reference, "desk")


class MailPaymentsOnSqliteTest(MailPaymentsTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "mail.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
