// Payment state through the engine (boka/payments.hpp), with notifications signed the way
// Stripe signs them, by this test's own HMAC code (OpenSSL directly, not boka's): a
// customer's booking of a priced service waits for payment as a hold and cannot be
// confirmed by the customer; a paid notification confirms it once (a repeat is a
// duplicate), a wrong amount changes nothing, a payment after the hold lapsed is "late";
// refunds; forged, stale and unsigned notifications are refused; staff record payments by
// hand; payments_processed_total counts the transitions. On memory and on a SQLite file.
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <string>

#include "support.hpp"

using namespace boka;
using namespace boka::test;
using nlohmann::json;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kSecret = "whsec_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

// Stripe's scheme, from its documentation: "t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>".
std::string stripe_header(const std::string& secret, std::int64_t t, const std::string& body) {
  const std::string signed_payload = std::to_string(t) + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(), mac,
       &len);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  return "t=" + std::to_string(t) + ",v1=" + hex;
}

std::string intent_event(const std::string& id, const std::string& type, ReservationId r,
                         std::int64_t amount, const std::string& currency = "eur") {
  json o = {{"id", "pi_" + id},     {"object", "payment_intent"},
            {"amount", amount},     {"amount_received", amount},
            {"currency", currency}, {"metadata", {{"boka_reservation_id", std::to_string(r)}}}};
  return json{{"id", id}, {"object", "event"}, {"type", type}, {"data", {{"object", o}}}}.dump();
}

struct Shop {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 12, 1, 9));
  std::shared_ptr<MetricsRegistry> metrics = std::make_shared<MetricsRegistry>();
  std::unique_ptr<Engine> engine;
  TenantId tenant{};
  ServiceId massage{};
  CustomerId ana{};
  Principal customer = sys();
  Principal staff = sys();

  explicit Shop(const std::string& uri) {
    EngineOptions o;
    o.clock = clock;
    o.metrics = metrics;
    o.auth.encryption_key = kKeyHex;
    o.auth.argon2_memory_kib = 64;
    o.auth.argon2_iterations = 1;
    engine = Engine::open(uri, o).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "spa"}).value().id;
    Resource room;
    room.name = "Room";
    room.zone = "Europe/Berlin";
    const ResourceId r = engine->create_resource(sys(), tenant, room).value().id;
    Service s;
    s.name = "Massage";
    s.duration = Seconds(3600);
    s.allocations = {AllocationRequest::of_resource(r)};
    s.price_minor = 8000;
    s.currency = "EUR";
    s.customer_bookable = true;
    massage = engine->services().create(sys(), tenant, s).value().id;
    const std::string password = "correct horse battery";
    const UserId user =
        engine->auth()
            .create_user(sys(), tenant, NewUser{"ana@x.test", "", Role::customer, password})
            .value()
            .id;
    Customer c;
    c.display_name = "Ana";
    c.email = "ana@x.test";
    c.user = user;
    ana = engine->customers().create(sys(), tenant, c).value().id;
    customer = engine->auth().login(LoginRequest{tenant, "ana@x.test", password}).value().principal;
    engine->auth()
        .create_user(sys(), tenant, NewUser{"desk@x.test", "", Role::staff, password})
        .value();
    staff = engine->auth().login(LoginRequest{tenant, "desk@x.test", password}).value().principal;
  }

  PaymentSettings enable() {
    PaymentSettings s = engine->payments().settings(sys(), tenant).value();
    s.enabled = true;
    s.payment_window = Seconds(1800);
    return engine->payments().update_settings(sys(), tenant, s, std::string(kSecret)).value();
  }

  Result<Reservation> book(const Principal& who, Instant start) {
    ReserveRequest req;
    req.service = massage;
    req.start = start;
    return engine->reserve(who, tenant, req);
  }

  Result<PaymentNotice> notify(const std::string& body, std::int64_t at = 0,
                               const std::string& secret = kSecret) {
    const std::int64_t t = at != 0 ? at : to_unix(clock->now());
    return engine->payments().handle_notification(tenant, stripe_header(secret, t, body), body);
  }

  Reservation get(ReservationId id) { return engine->get_reservation(sys(), tenant, id).value(); }

  double processed(const std::string& outcome) {
    const std::string text = metrics->exposition();
    const std::string key = "payments_processed_total{outcome=\"" + outcome + "\"} ";
    const auto at = text.find(key);
    return at == std::string::npos ? -1 : std::stod(text.substr(at + key.size()));
  }
};

void for_both(const std::function<void(const std::string&)>& body) {
  SECTION("memory") { body("memory:"); }
  SECTION("sqlite") {
    TempDb db;
    body(db.uri());
  }
}

}  // namespace

TEST_CASE("payments: a customer's booking waits for payment and the provider confirms it") {
  for_both([](const std::string& uri) {
    Shop shop(uri);
    // Off: a priced booking asks for no payment.
    const Reservation free_booking = shop.book(shop.customer, utc(2026, 12, 2, 9)).value();
    CHECK(free_booking.payment_status == PaymentStatus::none);
    CHECK(free_booking.status == ReservationStatus::confirmed);

    shop.enable();
    const Reservation r = shop.book(shop.customer, utc(2026, 12, 3, 9)).value();
    CHECK(r.status == ReservationStatus::held);
    CHECK(r.payment_status == PaymentStatus::pending);
    CHECK(r.price_minor == 8000);
    CHECK(r.currency == "EUR");
    CHECK(r.hold_expires_at == shop.clock->now() + Seconds(1800));
    // The customer cannot confirm it without paying.
    auto self = shop.engine->confirm(shop.customer, shop.tenant, r.id);
    CHECK(self.status().code() == Code::conflict);
    CHECK(self.status().message().find("awaits payment") != std::string::npos);

    const std::string paid = intent_event("evt_1", "payment_intent.succeeded", r.id, 8000);
    const PaymentNotice n = shop.notify(paid).value();
    CHECK(n.outcome == PaymentOutcome::paid);
    CHECK(n.reservation == r.id);
    CHECK(n.payment_status == PaymentStatus::paid);
    CHECK(n.reservation_status == ReservationStatus::confirmed);
    const Reservation after = shop.get(r.id);
    CHECK(after.status == ReservationStatus::confirmed);
    CHECK(after.payment_status == PaymentStatus::paid);
    CHECK(after.payment_reference == "pi_evt_1");
    CHECK(shop.processed("paid") == 1);

    // The provider delivers again (it retries until answered): nothing moves twice.
    const PaymentNotice again = shop.notify(paid).value();
    CHECK(again.outcome == PaymentOutcome::duplicate);
    CHECK(shop.processed("paid") == 1);
    CHECK(shop.get(r.id).version == after.version);

    // The event feed says so, and the audit trail.
    EventQuery q;
    q.types = {"reservation.paid"};
    CHECK(shop.engine->events().list(sys(), shop.tenant, q).value().events.size() == 1);
    AuditQuery a{shop.tenant};
    a.action = "payment.notification";
    CHECK(shop.engine->operations().audit_records(sys(), a).value().size() == 1);

    // A full refund.
    json refund = {{"id", "evt_2"},
                   {"type", "charge.refunded"},
                   {"data",
                    {{"object",
                      {{"id", "ch_1"},
                       {"amount", 8000},
                       {"currency", "eur"},
                       {"refunded", true},
                       {"payment_intent", "pi_evt_1"},
                       {"metadata", {{"boka_reservation_id", std::to_string(r.id)}}}}}}}};
    CHECK(shop.notify(refund.dump()).value().outcome == PaymentOutcome::refunded);
    CHECK(shop.get(r.id).payment_status == PaymentStatus::refunded);
    CHECK(shop.get(r.id).status == ReservationStatus::confirmed);  // the business decides
    CHECK(shop.processed("refunded") == 1);
  });
}

TEST_CASE("payments: forged, stale and malformed notifications are refused and change nothing") {
  for_both([](const std::string& uri) {
    Shop shop(uri);
    const std::string body =
        intent_event("evt_9", "payment_intent.succeeded", ReservationId{1}, 8000);
    // No secret yet: refused like a bad signature, and so is an unknown tenant.
    CHECK(shop.notify(body).status().code() == Code::permission_denied);
    const std::int64_t t = to_unix(shop.clock->now());
    CHECK(shop.engine->payments()
              .handle_notification(TenantId{999}, stripe_header(kSecret, t, body), body)
              .status()
              .code() == Code::permission_denied);
    shop.enable();
    const Reservation r = shop.book(shop.customer, utc(2026, 12, 3, 9)).value();
    const std::string paid = intent_event("evt_3", "payment_intent.succeeded", r.id, 8000);

    auto& payments = shop.engine->payments();
    const auto denied = [&](const std::string& header, const std::string& b) {
      auto result = payments.handle_notification(shop.tenant, header, b);
      REQUIRE_FALSE(result.ok());
      CHECK(result.status().code() == Code::permission_denied);
      // One message for every refusal, and never the secret.
      CHECK(result.status().message().find("signature") != std::string::npos);
      CHECK(result.status().message().find(kSecret) == std::string::npos);
    };
    const std::int64_t now = to_unix(shop.clock->now());
    denied("", paid);
    denied("t=" + std::to_string(now) + ",v1=00", paid);
    denied(stripe_header("whsec_someone_else_entirely_0000", now, paid), paid);
    denied(stripe_header(kSecret, now - 301, paid), paid);  // outside the 300 s window
    // The body changed after signing.
    denied(stripe_header(kSecret, now, paid),
           intent_event("evt_3", "payment_intent.succeeded", r.id, 1));
    CHECK(shop.get(r.id).payment_status == PaymentStatus::pending);
    CHECK(shop.get(r.id).status == ReservationStatus::held);

    // Signed but not a provider event.
    auto junk = shop.notify("{\"hello\": 1}");
    CHECK(junk.status().code() == Code::invalid_argument);
    // A wrong amount or currency: taken, recorded, nothing paid.
    const PaymentNotice less =
        shop.notify(intent_event("evt_4", "payment_intent.succeeded", r.id, 100)).value();
    CHECK(less.outcome == PaymentOutcome::mismatch);
    const PaymentNotice dollars =
        shop.notify(intent_event("evt_5", "payment_intent.succeeded", r.id, 8000, "usd")).value();
    CHECK(dollars.outcome == PaymentOutcome::mismatch);
    CHECK(shop.get(r.id).payment_status == PaymentStatus::pending);
    CHECK(shop.processed("paid") == 0);
    // A type boka does not act on.
    CHECK(shop.notify(intent_event("evt_6", "customer.created", r.id, 0)).value().outcome ==
          PaymentOutcome::ignored);
  });
}

TEST_CASE("payments: a failed attempt keeps the hold, a payment after it lapsed is late") {
  for_both([](const std::string& uri) {
    Shop shop(uri);
    shop.enable();
    const Reservation r = shop.book(shop.customer, utc(2026, 12, 3, 9)).value();
    const PaymentNotice failed =
        shop.notify(intent_event("evt_f", "payment_intent.payment_failed", r.id, 8000)).value();
    CHECK(failed.outcome == PaymentOutcome::failed);
    CHECK(shop.get(r.id).payment_status == PaymentStatus::failed);
    CHECK(shop.get(r.id).status == ReservationStatus::held);  // the customer may try again

    shop.clock->set(shop.clock->now() + Seconds(1801));  // the hold lapses
    const PaymentNotice late =
        shop.notify(intent_event("evt_l", "payment_intent.succeeded", r.id, 8000)).value();
    CHECK(late.outcome == PaymentOutcome::late);
    const Reservation after = shop.get(r.id);
    CHECK(after.status == ReservationStatus::expired);
    CHECK(after.payment_status == PaymentStatus::paid);  // to be refunded by the business
    CHECK(shop.processed("late") == 1);
    CHECK(shop.processed("paid") == 0);
  });
}

TEST_CASE("payments: turned off, a tenant still takes the payments of holds it made") {
  for_both([](const std::string& uri) {
    Shop shop(uri);
    PaymentSettings s = shop.enable();
    const Reservation r = shop.book(shop.customer, utc(2026, 12, 3, 9)).value();
    s.enabled = false;
    REQUIRE(shop.engine->payments().update_settings(sys(), shop.tenant, s, std::nullopt).ok());
    // New bookings ask for nothing now...
    const Reservation later = shop.book(shop.customer, utc(2026, 12, 4, 9)).value();
    CHECK(later.payment_status == PaymentStatus::none);
    CHECK(later.status == ReservationStatus::confirmed);
    // ...but the customer who pays for the earlier hold is recorded and confirmed.
    const PaymentNotice n =
        shop.notify(intent_event("evt_off", "payment_intent.succeeded", r.id, 8000)).value();
    CHECK(n.outcome == PaymentOutcome::paid);
    CHECK(shop.get(r.id).status == ReservationStatus::confirmed);
    // A paid notification for a booking that asked for no payment is ignored, not a mismatch.
    CHECK(shop.notify(intent_event("evt_none", "payment_intent.succeeded", later.id, 1))
              .value()
              .outcome == PaymentOutcome::ignored);
  });
}

TEST_CASE("payments: staff book confirmed and record payments by hand") {
  for_both([](const std::string& uri) {
    Shop shop(uri);
    shop.enable();
    // Staff may confirm at once (payment at the desk), with the payment still pending.
    const Reservation desk = shop.book(shop.staff, utc(2026, 12, 4, 9)).value();
    CHECK(desk.status == ReservationStatus::confirmed);
    CHECK(desk.payment_status == PaymentStatus::pending);
    const Reservation cash =
        shop.engine->payments()
            .record(shop.staff, shop.tenant, desk.id, PaymentStatus::paid, "receipt 0042")
            .value();
    CHECK(cash.payment_status == PaymentStatus::paid);
    CHECK(cash.payment_reference == "receipt 0042");
    // paid -> paid is no transition.
    auto twice =
        shop.engine->payments().record(shop.staff, shop.tenant, desk.id, PaymentStatus::paid, "");
    CHECK(twice.status().code() == Code::conflict);

    // A customer's hold paid at the desk is confirmed.
    const Reservation held = shop.book(shop.customer, utc(2026, 12, 5, 9)).value();
    const Reservation paid = shop.engine->payments()
                                 .record(shop.staff, shop.tenant, held.id, PaymentStatus::paid, "")
                                 .value();
    CHECK(paid.status == ReservationStatus::confirmed);
    CHECK(paid.payment_status == PaymentStatus::paid);
    // Customers record nothing.
    auto self = shop.engine->payments().record(shop.customer, shop.tenant, held.id,
                                               PaymentStatus::refunded, "");
    CHECK(self.status().code() == Code::permission_denied);
    // Paid by hand after the hold lapsed: recorded, the booking stays lapsed, no error.
    auto lapsing_booked = shop.book(shop.customer, utc(2026, 12, 6, 9));
    INFO(lapsing_booked.status().to_string());
    REQUIRE(lapsing_booked.ok());
    const Reservation lapsing = *lapsing_booked;
    shop.clock->set(shop.clock->now() + Seconds(1801));
    // (The staff session is idle past its limit by now; the system principal records it.)
    auto recorded =
        shop.engine->payments().record(sys(), shop.tenant, lapsing.id, PaymentStatus::paid, "");
    INFO(recorded.status().to_string());
    REQUIRE(recorded.ok());
    const Reservation late = *recorded;
    CHECK(late.payment_status == PaymentStatus::paid);
    CHECK(late.status == ReservationStatus::expired);

    CHECK(shop.processed("paid") == 3);
  });
}

TEST_CASE("payments: settings are checked, the secret is sealed and never shown") {
  Shop shop("memory:");
  auto& payments = shop.engine->payments();
  PaymentSettings s = payments.settings(sys(), shop.tenant).value();
  CHECK_FALSE(s.enabled);
  CHECK_FALSE(s.has_secret);
  s.enabled = true;
  auto no_secret = payments.update_settings(sys(), shop.tenant, s, std::nullopt);
  CHECK(no_secret.status().code() == Code::invalid_argument);
  auto short_secret = payments.update_settings(sys(), shop.tenant, s, std::string("short"));
  CHECK(short_secret.status().code() == Code::invalid_argument);
  PaymentSettings bad = s;
  bad.payment_window = Seconds(5);
  CHECK(payments.update_settings(sys(), shop.tenant, bad, std::string(kSecret)).status().code() ==
        Code::invalid_argument);
  const PaymentSettings saved =
      payments.update_settings(sys(), shop.tenant, s, std::string(kSecret)).value();
  CHECK(saved.has_secret);
  CHECK(saved.version == 1);
  // Staff may not change them.
  CHECK(payments.settings(shop.staff, shop.tenant).status().code() == Code::permission_denied);
  // The audit record says the secret changed, never what it is.
  AuditQuery a{shop.tenant};
  a.action = "payments.settings";
  const auto records = shop.engine->operations().audit_records(sys(), a).value();
  REQUIRE_FALSE(records.empty());
  CHECK(records.back().detail_json.find(kSecret) == std::string::npos);
  CHECK(records.back().detail_json.find("\"secret_changed\":true") != std::string::npos);
}
