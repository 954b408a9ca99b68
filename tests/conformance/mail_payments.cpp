// Storage conformance for per-tenant settings, outgoing mail and payment provider events
// (boka/mail.hpp, boka/payments.hpp, migration 11): settings are per tenant and roll back
// with their transaction; a message is written once per dedupe key, round trips with its
// content, filters, becomes due, is leased by one transaction only, is updated and redacted;
// a provider event is taken once; reservations keep their payment state. On every store.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

StoredEmail message(TenantId tenant, ReservationId reservation, std::string key, Instant at,
                    std::optional<CustomerId> customer = CustomerId{7}) {
  StoredEmail e;
  e.email.tenant = tenant;
  e.email.kind = MailKind::confirmation;
  e.email.reservation = reservation;
  e.email.customer = customer;
  e.email.event = EventId{42};
  e.email.to = "zoë@example.test";
  e.email.subject = "Réservation confirmée";
  e.email.locale = "fr";
  e.email.time_zone = "Europe/Paris";
  e.email.message_id = "<boka.1." + key + "@boka.test>";
  e.email.status = EmailStatus::pending;
  e.email.next_attempt_at = at;
  e.email.created_at = at;
  e.dedupe_key = std::move(key);
  e.text = "Bonjour Zoë,\r\nà bientôt.";
  e.html = "<p>Bonjour Zoë</p>";
  e.ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
  return e;
}

}  // namespace

TEST_CASE("conformance: tenant settings are per tenant and roll back") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_RETURN_IF_ERROR(t.put_tenant_setting(a, "mail", R"({"enabled":true})"));
              BOKA_RETURN_IF_ERROR(t.put_tenant_setting(a, "mail.cursor", "17"));
              return t.put_tenant_setting(b, "payments", "{}");
            }).ok());
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              return t.put_tenant_setting(a, "mail.cursor", "18");  // replaces
            }).ok());
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            BOKA_RETURN_IF_ERROR(t.put_tenant_setting(a, "mail.cursor", "99"));
            return Status(Code::conflict, "changed my mind");
          }).code() == Code::conflict);
    REQUIRE(s->read(TxnScope::tenant(a), [&](StorageTransaction& t) -> Status {
               CHECK(t.get_tenant_setting(a, "mail").value() == std::string(R"({"enabled":true})"));
               CHECK(t.get_tenant_setting(a, "mail.cursor").value() == std::string("18"));
               CHECK_FALSE(t.get_tenant_setting(a, "payments").value());
               return Status::Ok();
             }).ok());
    REQUIRE(s->read(TxnScope::all_tenants(), [&](StorageTransaction& t) -> Status {
               CHECK(t.tenants_with_setting("mail").value() == std::vector<TenantId>{a});
               CHECK(t.tenants_with_setting("payments").value() == std::vector<TenantId>{b});
               CHECK(t.tenants_with_setting("nothing").value().empty());
               return Status::Ok();
             }).ok());
  });
}

TEST_CASE("conformance: a message is written once, leased once, updated and redacted") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant t0 = utc(2026, 3, 2, 8);
    EmailId first{}, second{}, theirs{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto one,
                                    t.insert_email(message(a, ReservationId{1}, "event:1", t0)));
              BOKA_ASSIGN_OR_RETURN(
                  auto two, t.insert_email(message(a, ReservationId{2}, "event:2", t0 + Seconds(60),
                                                   CustomerId{8})));
              // The same key again: nothing written. Another tenant may use it.
              BOKA_ASSIGN_OR_RETURN(auto again,
                                    t.insert_email(message(a, ReservationId{9}, "event:1", t0)));
              CHECK_FALSE(again);
              BOKA_ASSIGN_OR_RETURN(auto other,
                                    t.insert_email(message(b, ReservationId{1}, "event:1", t0)));
              REQUIRE(one);
              REQUIRE(two);
              REQUIRE(other);
              first = *one;
              second = *two;
              theirs = *other;
              return Status::Ok();
            }).ok());
    CHECK(second > first);

    REQUIRE(s->read(TxnScope::tenant(a), [&](StorageTransaction& t) -> Status {
               auto found = t.find_email(a, first).value();
               REQUIRE(found);
               CHECK(found->email.to == "zoë@example.test");
               CHECK(found->email.subject == "Réservation confirmée");
               CHECK(found->email.kind == MailKind::confirmation);
               CHECK(found->email.reservation == ReservationId{1});
               CHECK(found->email.customer == CustomerId{7});
               CHECK(found->email.event == EventId{42});
               CHECK(found->email.locale == "fr");
               CHECK(found->email.time_zone == "Europe/Paris");
               CHECK(found->email.message_id == "<boka.1.event:1@boka.test>");
               CHECK(found->email.status == EmailStatus::pending);
               CHECK(found->email.created_at == t0);
               CHECK_FALSE(found->email.leased_until);
               CHECK_FALSE(found->email.last_smtp_code);
               CHECK(found->dedupe_key == "event:1");
               CHECK(found->text == "Bonjour Zoë,\r\nà bientôt.");
               CHECK(found->html == "<p>Bonjour Zoë</p>");
               CHECK(found->ics == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
               CHECK_FALSE(t.find_email(a, theirs).value());  // another tenant's
               // Newest first, with filters and a keyset.
               auto all = t.list_emails(a, EmailFilter{}).value();
               REQUIRE(all.size() == 2);
               CHECK(all[0].id == second);
               EmailFilter f;
               f.customer = CustomerId{8};
               CHECK(t.list_emails(a, f).value().size() == 1);
               f = {};
               f.reservation = ReservationId{1};
               CHECK(t.list_emails(a, f).value().front().id == first);
               f = {};
               f.before_id = second;
               CHECK(t.list_emails(a, f).value().front().id == first);
               f = {};
               f.status = EmailStatus::sent;
               CHECK(t.list_emails(a, f).value().empty());
               f = {};
               f.kind = MailKind::reminder;
               CHECK(t.list_emails(a, f).value().empty());
               return Status::Ok();
             }).ok());

    // Due: by time; a lease keeps another worker off until it lapses.
    REQUIRE(s->read(TxnScope::all_tenants(), [&](StorageTransaction& t) -> Status {
               auto due = t.due_emails(t0, 10).value();
               CHECK(due.size() == 2);  // a's first and b's
               CHECK(t.due_emails(t0 + Seconds(60), 10).value().size() == 3);
               CHECK(t.due_emails(t0 + Seconds(60), 1).value().size() == 1);
               auto pending = t.pending_emails().value();
               CHECK(pending.first == 3);
               CHECK(pending.second == t0);
               return Status::Ok();
             }).ok());
    bool leased = false;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(leased, t.lease_email(first, t0, t0 + Seconds(120)));
              return Status::Ok();
            }).ok());
    CHECK(leased);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(leased,
                                    t.lease_email(first, t0 + Seconds(10), t0 + Seconds(130)));
              return Status::Ok();
            }).ok());
    CHECK_FALSE(leased);  // held by the first lease
    REQUIRE(s->read(TxnScope::all_tenants(), [&](StorageTransaction& t) -> Status {
               auto due = t.due_emails(t0 + Seconds(60), 10).value();
               CHECK(due.size() == 2);  // the leased one is not due
               return Status::Ok();
             }).ok());
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(leased,
                                    t.lease_email(first, t0 + Seconds(121), t0 + Seconds(240)));
              return Status::Ok();
            }).ok());
    CHECK(leased);  // the first lease lapsed

    // The record of an attempt; a sent message is no longer due nor leasable.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              auto cur = t.find_email(a, first).value();
              Email e = cur->email;
              e.status = EmailStatus::sent;
              e.attempts = 1;
              e.last_smtp_code = 250;
              e.last_error = "";
              e.leased_until.reset();
              e.sent_at = t0 + Seconds(122);
              e.to = "someone.else@example.test";  // not a state field: kept as written
              return t.update_email(e);
            }).ok());
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(leased,
                                    t.lease_email(first, t0 + Seconds(500), t0 + Seconds(600)));
              auto e = t.find_email(a, first).value()->email;
              CHECK(e.status == EmailStatus::sent);
              CHECK(e.attempts == 1);
              CHECK(e.last_smtp_code == 250);
              CHECK(e.sent_at == t0 + Seconds(122));
              CHECK(e.to == "zoë@example.test");
              return Status::Ok();
            }).ok());
    CHECK_FALSE(leased);

    // Redaction: the customer's messages lose address, subject and content; others stay.
    std::int64_t redacted = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(redacted, t.redact_customer_emails(a, CustomerId{7}));
              return Status::Ok();
            }).ok());
    CHECK(redacted == 1);
    REQUIRE(s->read(TxnScope::tenant(a), [&](StorageTransaction& t) -> Status {
               auto gone = t.find_email(a, first).value();
               CHECK(gone->email.to.empty());
               CHECK(gone->email.subject.empty());
               CHECK(gone->text.empty());
               CHECK(gone->html.empty());
               CHECK(gone->ics.empty());
               CHECK(gone->email.status == EmailStatus::sent);
               CHECK(t.find_email(a, second).value()->text == "Bonjour Zoë,\r\nà bientôt.");
               return Status::Ok();
             }).ok());
    REQUIRE(s->read(TxnScope::tenant(b), [&](StorageTransaction& t) -> Status {
               CHECK(t.find_email(b, theirs).value()->email.to == "zoë@example.test");
               return Status::Ok();
             }).ok());
  });
}

TEST_CASE("conformance: a payment provider's event is taken once per tenant") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    PaymentEventRecord e;
    e.tenant = a;
    e.provider_event_id = "evt_1";
    e.type = "payment_intent.succeeded";
    e.outcome = PaymentOutcome::paid;
    e.reservation = ReservationId{3};
    e.received_at = utc(2026, 3, 2);
    bool first = false, again = true, other = false;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(first, t.insert_payment_event(e));
              BOKA_ASSIGN_OR_RETURN(again, t.insert_payment_event(e));
              PaymentEventRecord theirs = e;
              theirs.tenant = b;
              BOKA_ASSIGN_OR_RETURN(other, t.insert_payment_event(theirs));
              return Status::Ok();
            }).ok());
    CHECK(first);
    CHECK_FALSE(again);
    CHECK(other);
    // Rolled back: the id is free again.
    e.provider_event_id = "evt_2";
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            BOKA_RETURN_IF_ERROR(t.insert_payment_event(e).status());
            return Status(Code::conflict, "changed my mind");
          }).code() == Code::conflict);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(first, t.insert_payment_event(e));
              return Status::Ok();
            }).ok());
    CHECK(first);
  });
}

TEST_CASE("conformance: a payment confirms a held booking through the engine, on every store") {
  for_each_store([](std::shared_ptr<Storage> store) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 8));
    EngineOptions options{clock};
    options.auth.encryption_key = std::string(64, 'a');
    auto engine = Engine::open(std::move(store), options).value();
    const Principal& sys = Principal::system();
    const TenantId tenant = engine->create_tenant(sys, Tenant{TenantId{}, "spa"}).value().id;
    Resource room;
    room.name = "Room";
    room.zone = "UTC";
    const ResourceId r = engine->create_resource(sys, tenant, room).value().id;
    Service s;
    s.name = "Massage";
    s.duration = Seconds(3600);
    s.allocations = {AllocationRequest::of_resource(r)};
    s.price_minor = 8000;
    s.currency = "EUR";
    const ServiceId massage = engine->services().create(sys, tenant, s).value().id;
    PaymentSettings p = engine->payments().settings(sys, tenant).value();
    p.enabled = true;
    REQUIRE(engine->payments()
                .update_settings(sys, tenant, p, std::string("whsec_conformance_0123456789"))
                .ok());
    ReserveRequest req;
    req.service = massage;
    req.start = utc(2026, 3, 3, 9);
    req.hold_for = Seconds(600);
    const Reservation held = engine->reserve(sys, tenant, req).value();
    CHECK(held.status == ReservationStatus::held);
    CHECK(held.payment_status == PaymentStatus::pending);
    // Paid at the desk: recorded, the hold confirmed, the state read back from the store.
    const Reservation paid =
        engine->payments().record(sys, tenant, held.id, PaymentStatus::paid, "receipt 7").value();
    CHECK(paid.status == ReservationStatus::confirmed);
    const Reservation read = engine->get_reservation(sys, tenant, held.id).value();
    CHECK(read.payment_status == PaymentStatus::paid);
    CHECK(read.payment_reference == "receipt 7");
    CHECK(read.status == ReservationStatus::confirmed);
    // A signed notification that does not verify changes nothing.
    auto forged = engine->payments().handle_notification(tenant, "t=1,v1=00", "{}");
    CHECK(forged.status().code() == Code::permission_denied);
  });
}
