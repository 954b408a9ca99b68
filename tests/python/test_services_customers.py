"""Services, customers and booking rules through Python (engine.services, boka.Services;
engine.customers, boka.Customers; Engine.update_tenant_rules, update_reservation and the
override_rules keyword): a service booked by name with its duration, buffer and price;
customer records found, updated, merged, exported and erased; cutoffs and per-customer limits
refusing with ConflictError.rule and .deadline unless staff override; a customer acting as
themselves; edits; listing sorted by start with keyset pages; on memory and on a SQLite
file."""

from __future__ import annotations

import dataclasses
import os
import unittest

import boka
from _support import EngineTestCase, hours, minutes, temp_dir, utc

R = boka.AllocationRequest.of_resource
P = boka.AllocationRequest.of_pool
TUESDAY_10 = utc(2026, 1, 6, 10)
PASSWORD = "correct horse battery"
# Argon2id at its cheapest: the tests log users in.
FAST = boka.AuthOptions(argon2_memory_kib=64, argon2_iterations=1)


class ServicesCustomersTest(EngineTestCase):
    def setUp(self) -> None:
        self.clock = boka.ManualClock(self.now)
        self.engine = boka.Engine(self.uri, clock=self.clock, auth=FAST)
        self.addCleanup(self.engine.close)
        self.tenant = self.engine.create_tenant("salon").id

    def haircut(self, chair: int, **kwargs: object) -> boka.Service:
        return self.engine.services.create(
            self.tenant, name="Haircut", duration=minutes(45), allocations=[R(chair)],
            allowed_durations=[hours(1)], buffer_after=minutes(15), price_minor=3500,
            currency="EUR", **kwargs)  # type: ignore[arg-type]

    def set_rules(self, rules: boka.BookingRules, max_hold: object = None) -> boka.Tenant:
        tenant = self.engine.get_tenant(self.tenant)
        return self.engine.update_tenant_rules(
            self.tenant, rules=rules, max_hold=max_hold or tenant.max_hold,
            expected_version=tenant.version)

    def user(self, email: str, role: str) -> boka.Principal:
        self.engine.auth.create_user(self.tenant, email=email, password=PASSWORD, role=role)
        return self.engine.auth.login(self.tenant, email, PASSWORD).principal

    def test_the_facets_and_their_types(self) -> None:
        self.assertIsInstance(self.engine.services, boka.Services)
        self.assertIsInstance(self.engine.customers, boka.Customers)
        self.assertEqual(boka.ReservationOrder("by_start"), boka.ReservationOrder.BY_START)
        for cls in (boka.Services, boka.Customers, boka.Service, boka.Customer, boka.BookingRules):
            self.assertEqual(cls.__module__, "boka")
        tenant = self.engine.get_tenant(self.tenant)
        self.assertEqual((tenant.rules, tenant.max_hold), (boka.BookingRules(), hours(24 * 30)))
        self.assertEqual(self.resource().rules, boka.BookingRules())

    def test_a_service_is_booked_by_name(self) -> None:
        chair = self.resource("chair", step=minutes(15)).id
        service = self.haircut(chair, description="wash and cut")
        self.assertIsInstance(service, boka.Service)
        self.assertEqual((service.duration, service.allowed_durations, service.allocations),
                         (minutes(45), (hours(1),), (R(chair),)))
        self.assertEqual((service.price_minor, service.currency, service.customer_bookable,
                          service.rules, service.metadata, service.version),
                         (3500, "EUR", True, boka.BookingRules(), {}, 1))

        # No end: the service's duration; the reservation keeps its terms.
        booked = self.engine.reserve(self.tenant, [], TUESDAY_10, service=service.id, notes="first")
        self.assertEqual((booked.start, booked.end, booked.service), (TUESDAY_10, TUESDAY_10 + minutes(45), service.id))
        self.assertEqual((booked.price_minor, booked.currency, booked.buffer_before, booked.buffer_after, booked.notes),
                         (3500, "EUR", minutes(0), minutes(15), "first"))
        longer = self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(3), TUESDAY_10 + hours(4),
                                     service=service.id)
        self.assertEqual(longer.end - longer.start, hours(1))
        with self.assertRaises(boka.InvalidArgumentError) as length:
            self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(5), TUESDAY_10 + hours(5) + minutes(30),
                                service=service.id)
        self.assertIn("allows 2700, 3600 s", str(length.exception))

        # Availability of the service: its duration, after the booking and its buffer.
        slots = self.engine.availability(self.tenant, [], TUESDAY_10, TUESDAY_10 + hours(2),
                                         service=service.id)
        self.assertEqual(slots[0].start, TUESDAY_10 + hours(1))
        self.assertEqual(slots[0].end - slots[0].start, minutes(45))
        page = self.engine.availability_page(self.tenant, [], TUESDAY_10, TUESDAY_10 + hours(2),
                                             hours(1), service=service.id, limit=1)
        self.assertEqual((page.slots[0].start, page.truncated), (TUESDAY_10 + hours(1), True))
        with self.assertRaises(boka.ConflictError) as buffered:  # the buffer blocks a plain booking
            self.book(chair, TUESDAY_10 + minutes(45), TUESDAY_10 + hours(1))
        self.assertEqual(buffered.exception.blocking_reservation_ids, (booked.id,))
        self.assertEqual(buffered.exception.rule, "")

        self.assertEqual([r.id for r in self.engine.list_reservations(self.tenant, service=service.id)],
                         [booked.id, longer.id])

        # Updated with its version; a stale one is a conflict. Bookings keep their terms.
        cheaper = self.engine.services.update(self.tenant, dataclasses.replace(service, price_minor=3000))
        self.assertEqual((cheaper.price_minor, cheaper.version), (3000, 2))
        with self.assertRaises(boka.ConflictError):
            self.engine.services.update(self.tenant, service)
        self.assertEqual(self.engine.get_reservation(self.tenant, booked.id).price_minor, 3500)
        self.assertEqual(self.engine.services.get(self.tenant, service.id), cheaper)

        archived = self.engine.services.archive(self.tenant, service.id)
        self.assertEqual(archived.archived_at, self.now)
        self.assertEqual(self.engine.services.list(self.tenant), [])
        self.assertEqual([s.id for s in self.engine.services.list(self.tenant, include_archived=True)],
                         [service.id])
        with self.assertRaises(boka.ConflictError) as gone:
            self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(6), service=service.id)
        self.assertIn("archived", str(gone.exception))

    def test_bad_services_name_the_field(self) -> None:
        chair = self.resource("chair").id
        with self.assertRaises(boka.InvalidArgumentError) as currency:
            self.engine.services.create(self.tenant, name="x", duration=hours(1), allocations=[R(chair)],
                                        price_minor=100)
        self.assertIn("service.currency", str(currency.exception))
        with self.assertRaises(boka.InvalidArgumentError) as unknown:
            self.engine.services.create(self.tenant, name="x", duration=hours(1), allocations=[R(999)])
        self.assertIn("service.allocations[0]", str(unknown.exception))
        with self.assertRaises(TypeError) as duration:
            self.engine.services.create(self.tenant, name="x", duration=45,  # type: ignore[arg-type]
                                        allocations=[R(chair)])
        self.assertIn("duration", str(duration.exception))
        with self.assertRaises(TypeError) as rules:
            self.engine.services.create(self.tenant, name="x", duration=hours(1), allocations=[R(chair)],
                                        rules={"cancel_cutoff": 3600})  # type: ignore[arg-type]
        self.assertIn("rules: expected boka.BookingRules", str(rules.exception))
        with self.assertRaises(boka.NotFoundError):
            self.engine.services.get(self.tenant, 999)
        self.assertEqual(self.engine.services.list(self.tenant), [])

    def test_customer_records_merge_export_erase(self) -> None:
        room = self.resource(capacity=3).id
        customers = self.engine.customers
        ann = customers.create(self.tenant, display_name="Ann Lee", email="Ann@Example.com",
                               external_ref="crm-1", locale="de-DE")
        bob = customers.create(self.tenant, display_name="Bob Stone", phone="+49 30 1234567")
        self.assertIsInstance(ann, boka.Customer)
        self.assertEqual((ann.email, ann.user, ann.merged_into, ann.erased_at, ann.version, ann.live),
                         ("ann@example.com", None, None, None, 1, True))
        with self.assertRaises(boka.AlreadyExistsError) as taken:
            customers.create(self.tenant, display_name="Ann 2", email="ANN@example.com")
        self.assertIn("customer.email", str(taken.exception))
        with self.assertRaises(boka.InvalidArgumentError) as locale:
            customers.create(self.tenant, display_name="x", locale="not a tag")
        self.assertIn("customer.locale", str(locale.exception))

        self.assertEqual([c.id for c in customers.list(self.tenant, query="sto")], [bob.id])
        self.assertEqual([c.id for c in customers.list(self.tenant, query="ann@")], [ann.id])
        self.assertEqual([c.id for c in customers.list(self.tenant, after_id=ann.id, limit=1)], [bob.id])
        ann = customers.update(self.tenant, dataclasses.replace(ann, time_zone="Europe/Berlin"))
        self.assertEqual((ann.time_zone, ann.version), ("Europe/Berlin", 2))
        with self.assertRaises(boka.ConflictError):
            customers.update(self.tenant, dataclasses.replace(ann, version=1))
        self.assertEqual(customers.get(self.tenant, ann.id), ann)

        first = self.book(room, TUESDAY_10, TUESDAY_10 + hours(1), customer_id=ann.id,
                          notes="allergic to dust", metadata={"phone": "1"})
        self.book(room, TUESDAY_10 + hours(24), TUESDAY_10 + hours(25), customer_id=ann.id)
        self.book(room, TUESDAY_10 + hours(2), TUESDAY_10 + hours(3), customer_id=bob.id)
        self.book(room, TUESDAY_10 + hours(3), TUESDAY_10 + hours(4), customer="walk-in")
        self.assertEqual(first.customer_id, ann.id)
        self.assertEqual(len(customers.bookings(self.tenant, ann.id)), 2)
        self.assertEqual([r.id for r in customers.bookings(self.tenant, ann.id, order="by_start", limit=1)],
                         [first.id])

        kept = customers.merge(self.tenant, ann.id, bob.id)
        self.assertEqual((kept.id, kept.phone), (ann.id, "+49 30 1234567"))  # filled from bob's
        tombstone = customers.get(self.tenant, bob.id)
        self.assertEqual((tombstone.merged_into, tombstone.display_name, tombstone.live), (ann.id, "", False))
        self.assertEqual(len(customers.bookings(self.tenant, ann.id)), 3)
        self.assertEqual(len(customers.list(self.tenant, include_inactive=True)), 2)
        self.assertEqual(len(customers.list(self.tenant)), 1)

        exported = customers.export_data(self.tenant, ann.id)
        self.assertEqual(exported["format"], "boka.customer-export/1")
        self.assertEqual(exported["customer"]["display_name"], "Ann Lee")
        self.assertEqual(len(exported["reservations"]), 3)
        self.assertIn("allergic to dust", [r["notes"] for r in exported["reservations"]])

        erased = customers.erase(self.tenant, ann.id)
        self.assertEqual((erased.erased_at, erased.display_name, erased.email, erased.live),
                         (self.now, "", "", False))
        self.assertEqual(customers.erase(self.tenant, ann.id).erased_at, self.now)  # idempotent
        after = self.engine.get_reservation(self.tenant, first.id)
        self.assertEqual((after.customer_id, after.notes, after.metadata, after.status),
                         (ann.id, "", {}, boka.ReservationStatus.CONFIRMED))
        self.assertNotIn("Ann Lee", str(customers.export_data(self.tenant, ann.id)))
        with self.assertRaises(boka.ConflictError):
            self.book(room, TUESDAY_10 + hours(5), TUESDAY_10 + hours(6), customer_id=ann.id)

    def test_cutoffs_and_limits_refuse_unless_overridden(self) -> None:
        room = self.resource(capacity=3).id
        ann = self.engine.customers.create(self.tenant, display_name="Ann").id
        tenant = self.set_rules(boka.BookingRules(cancel_cutoff=hours(24), reschedule_cutoff=hours(24),
                                                  max_active_per_customer=1), max_hold=hours(1))
        self.assertEqual((tenant.rules.cancel_cutoff, tenant.rules.max_active_per_customer, tenant.max_hold),
                         (hours(24), 1, hours(1)))
        with self.assertRaises(boka.ConflictError):  # a stale version
            self.engine.update_tenant_rules(self.tenant, rules=boka.BookingRules(), max_hold=hours(1),
                                            expected_version=tenant.version - 1)
        with self.assertRaises(boka.InvalidArgumentError) as hold:
            self.engine.update_tenant_rules(self.tenant, rules=boka.BookingRules(), max_hold=minutes(0.5),
                                            expected_version=tenant.version)
        self.assertIn("max_hold", str(hold.exception))

        first = self.book(room, TUESDAY_10, TUESDAY_10 + hours(1), customer_id=ann)
        with self.assertRaises(boka.ConflictError) as limited:
            self.book(room, TUESDAY_10 + hours(24), TUESDAY_10 + hours(25), customer_id=ann)
        self.assertEqual((limited.exception.rule, limited.exception.deadline), ("max_active_per_customer", None))
        second = self.book(room, TUESDAY_10 + hours(24), TUESDAY_10 + hours(25), customer_id=ann,
                           override_rules=True)
        with self.assertRaises(boka.InvalidArgumentError) as too_long:
            self.book(room, TUESDAY_10 + hours(2), TUESDAY_10 + hours(3), hold_for=hours(2))
        self.assertIn("max_hold", str(too_long.exception))

        # Monday 11:00: the cancel deadline of Tuesday 10:00 (Monday 10:00) has passed.
        self.clock.advance(hours(3))
        with self.assertRaises(boka.ConflictError) as late:
            self.engine.cancel(self.tenant, first.id)
        self.assertEqual((late.exception.rule, late.exception.deadline), ("cancel_cutoff", utc(2026, 1, 5, 10)))
        self.assertIn("staff may override", str(late.exception))
        cancelled = self.engine.cancel(self.tenant, first.id, if_version=first.version, override_rules=True)
        self.assertEqual(cancelled.status, boka.ReservationStatus.CANCELLED)

        # Moving Wednesday's booking to Tuesday 09:00 is within a day of now.
        with self.assertRaises(boka.ConflictError) as moved:
            self.engine.reschedule(self.tenant, second.id, TUESDAY_10 - hours(1), TUESDAY_10)
        self.assertEqual(moved.exception.rule, "reschedule_cutoff")
        self.assertIsNotNone(moved.exception.deadline)
        self.assertEqual(self.engine.reschedule(self.tenant, second.id, TUESDAY_10 - hours(1), TUESDAY_10,
                                                override_rules=True).start, TUESDAY_10 - hours(1))

        # A resource's own limit counts within the resource.
        court = self.engine.create_resource(self.tenant, name="court", zone="UTC",
                                            policy=boka.Policy(slot_step=hours(1)),
                                            rules=boka.BookingRules(max_per_customer_per_day=1)).id
        self.set_rules(boka.BookingRules())
        self.book(court, TUESDAY_10 + hours(48), TUESDAY_10 + hours(49), customer="bob")
        with self.assertRaises(boka.ConflictError) as daily:
            self.book(court, TUESDAY_10 + hours(50), TUESDAY_10 + hours(51), customer="bob")
        self.assertEqual(daily.exception.rule, "max_per_customer_per_day")

    def test_a_customer_books_as_themselves_and_staff_override(self) -> None:
        chair = self.resource("chair", step=minutes(15)).id
        public = self.haircut(chair, rules=boka.BookingRules(cancel_cutoff=hours(48)))
        staff_only = self.engine.services.create(self.tenant, name="Colour", duration=hours(2),
                                                 allocations=[R(chair)], customer_bookable=False)
        carl = self.user("carl@example.com", "customer")
        dana = self.user("dana@example.com", "staff")
        users = {u.email: u.id for u in self.engine.auth.list_users(self.tenant)}
        record = self.engine.customers.create(self.tenant, display_name="Carl",
                                              user=users["carl@example.com"])
        other = self.engine.customers.create(self.tenant, display_name="Eve")
        self.assertEqual(self.engine.customers.get_by_user(self.tenant, users["carl@example.com"]).id,
                         record.id)

        # Carl sees the services he may book, and his own record only.
        self.assertEqual([s.id for s in self.engine.services.list(self.tenant, who=carl)], [public.id])
        with self.assertRaises(boka.NotFoundError):
            self.engine.services.get(self.tenant, staff_only.id, who=carl)
        self.assertEqual(self.engine.customers.get(self.tenant, record.id, who=carl).id, record.id)
        with self.assertRaises((boka.NotFoundError, boka.PermissionDeniedError)):
            self.engine.customers.get(self.tenant, other.id, who=carl)
        self.assertEqual([c.id for c in self.engine.customers.list(self.tenant, who=carl)], [record.id])
        self.assertEqual(self.engine.customers.export_data(self.tenant, record.id, who=carl)["customer"]["id"],
                         record.id)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.customers.erase(self.tenant, record.id, who=carl)

        # He books the service as his own record; he may not name another or override rules.
        mine = self.engine.reserve(self.tenant, [], TUESDAY_10, service=public.id, who=carl)
        self.assertEqual(mine.customer_id, record.id)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(2), service=public.id,
                                customer_id=other.id, who=carl)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(2), service=public.id,
                                override_rules=True, who=carl)
        with self.assertRaises(boka.NotFoundError):
            self.engine.reserve(self.tenant, [], TUESDAY_10 + hours(2), service=staff_only.id, who=carl)

        # Within the service's 48-hour cancel cutoff: refused for him, overridden by staff.
        with self.assertRaises(boka.ConflictError) as late:
            self.engine.cancel(self.tenant, mine.id, who=carl)
        self.assertEqual((late.exception.rule, late.exception.deadline),
                         ("cancel_cutoff", TUESDAY_10 - hours(48)))
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.cancel(self.tenant, mine.id, override_rules=True, who=carl)
        with self.assertRaises(boka.PermissionDeniedError):
            self.engine.update_reservation(self.tenant, mine.id, customer_id=other.id, who=carl)
        edited = self.engine.update_reservation(self.tenant, mine.id, notes="short please", who=carl)
        self.assertEqual(edited.notes, "short please")
        self.assertEqual(self.engine.cancel(self.tenant, mine.id, override_rules=True, who=dana).status,
                         boka.ReservationStatus.CANCELLED)
        audited = self.engine.operations.audit_records(self.tenant, target=f"reservation:{mine.id}",
                                                       action="reservation.cancel")
        self.assertIn("cancel_cutoff", [o for r in audited for o in r.detail.get("overridden", [])])

    def test_edits_and_sorted_pages(self) -> None:
        room = self.resource(capacity=2).id
        other_room = self.resource("other").id
        pool = self.engine.create_pool(self.tenant, name="rooms", members=[other_room]).id
        ann = self.engine.customers.create(self.tenant, display_name="Ann").id
        noon = self.book(room, TUESDAY_10 + hours(2), TUESDAY_10 + hours(3))
        nine = self.book(room, TUESDAY_10 - hours(1), TUESDAY_10, customer_id=ann)
        ten = self.book(room, TUESDAY_10, TUESDAY_10 + hours(1))
        pooled = self.engine.reserve(self.tenant, [P(pool)], TUESDAY_10 + hours(5), TUESDAY_10 + hours(6))

        page = self.engine.list_reservations(self.tenant, order="by_start", limit=2)
        self.assertEqual([r.id for r in page], [nine.id, ten.id])
        rest = self.engine.list_reservations(self.tenant, order=boka.ReservationOrder.BY_START,
                                             after_start=page[-1].start, after_id=page[-1].id)
        self.assertEqual([r.id for r in rest], [noon.id, pooled.id])
        self.assertEqual([r.id for r in self.engine.list_reservations(self.tenant, pool=pool)], [pooled.id])
        self.assertEqual([r.id for r in self.engine.list_reservations(self.tenant, customer_id=ann)], [nine.id])
        with self.assertRaises(boka.InvalidArgumentError) as keyset:
            self.engine.list_reservations(self.tenant, order="by_start", after_id=ten.id)
        self.assertIn("after_start", str(keyset.exception))
        with self.assertRaises(boka.InvalidArgumentError) as order:
            self.engine.list_reservations(self.tenant, order="sideways")
        self.assertIn("order", str(order.exception))

        edited = self.engine.update_reservation(self.tenant, noon.id, notes="window seat",
                                                metadata={"k": 1}, if_version=1)
        self.assertEqual((edited.notes, edited.metadata, edited.version), ("window seat", {"k": 1}, 2))
        with self.assertRaises(boka.ConflictError):
            self.engine.update_reservation(self.tenant, noon.id, notes="x", if_version=1)
        moved = self.engine.update_reservation(self.tenant, noon.id, start=TUESDAY_10 + hours(3))
        self.assertEqual((moved.start, moved.end, moved.notes), (TUESDAY_10 + hours(3), TUESDAY_10 + hours(4),
                                                                 "window seat"))
        self.assertEqual(self.engine.update_reservation(self.tenant, noon.id, quantity=2).allocations[0].quantity, 2)
        with self.assertRaises(boka.ConflictError) as full:
            self.engine.update_reservation(self.tenant, ten.id, start=TUESDAY_10 + hours(3))
        self.assertEqual(full.exception.blocking_reservation_ids, (noon.id,))
        placed = self.engine.update_reservation(self.tenant, ten.id, allocations=[R(other_room)])
        self.assertEqual([a.resource for a in placed.allocations], [other_room])
        linked = self.engine.update_reservation(self.tenant, ten.id, customer_id=ann)
        self.assertEqual(linked.customer_id, ann)
        self.assertIsNone(self.engine.update_reservation(self.tenant, ten.id, customer_id=0).customer_id)
        with self.assertRaises(boka.InvalidArgumentError) as nothing:
            self.engine.update_reservation(self.tenant, ten.id)
        self.assertIn("sets no field", str(nothing.exception))
        with self.assertRaises(boka.InvalidArgumentError) as quantity:
            self.engine.update_reservation(self.tenant, ten.id, quantity=0)
        self.assertIn("quantity", str(quantity.exception))

    def test_series_and_waitlist_name_customer_records(self) -> None:
        room = self.resource().id
        ann = self.engine.customers.create(self.tenant, display_name="Ann").id
        booking = self.engine.series.book(self.tenant, [R(room)], TUESDAY_10.date(), 600, hours(1),
                                          "FREQ=WEEKLY;COUNT=2", customer_id=ann)
        self.assertEqual(booking.series.customer_id, ann)
        self.assertEqual({r.customer_id for r in booking.reservations}, {ann})
        entry = self.engine.waitlist.join(self.tenant, [R(room)], TUESDAY_10, duration=hours(1),
                                          customer_id=ann)
        self.assertEqual(entry.customer_id, ann)
        self.assertEqual([e.id for e in self.engine.waitlist.list(self.tenant, customer_id=ann)], [entry.id])
        self.assertEqual(self.engine.waitlist.list(self.tenant, customer_id=ann + 1), [])

    def test_bad_arguments_name_the_field(self) -> None:
        with self.assertRaises(boka.InvalidArgumentError) as limit:
            self.engine.customers.list(self.tenant, limit=0)
        self.assertIn("limit", str(limit.exception))
        with self.assertRaises(TypeError) as rules:
            self.engine.update_tenant_rules(self.tenant, rules=None, max_hold=hours(1),  # type: ignore[arg-type]
                                            expected_version=1)
        self.assertIn("rules", str(rules.exception))
        with self.assertRaises(TypeError) as override:
            self.engine.cancel(self.tenant, 1, override_rules=1)  # type: ignore[arg-type]
        self.assertIn("override_rules", str(override.exception))
        with self.assertRaises(boka.NotFoundError):
            self.engine.customers.get(self.tenant, 999)

    def test_values_are_frozen_and_replaceable(self) -> None:
        ann = self.engine.customers.create(self.tenant, display_name="Ann")
        with self.assertRaises(dataclasses.FrozenInstanceError):
            ann.email = "x@example.com"  # type: ignore[misc]
        self.assertEqual(dataclasses.replace(ann, phone="1").phone, "1")
        rules = boka.BookingRules(cancel_cutoff=hours(2))
        self.assertEqual(dataclasses.replace(rules, max_active_per_customer=2).cancel_cutoff, hours(2))


class ServicesCustomersOnSqliteTest(ServicesCustomersTest):
    def setUp(self) -> None:
        self.uri = "sqlite:" + os.path.join(temp_dir(self), "services.db")
        super().setUp()


if __name__ == "__main__":
    unittest.main()
