// Webhooks through the engine (boka/webhooks.hpp) against a real HTTP receiver on
// 127.0.0.1 (cpp-httplib, in process) that checks every signature with its own HMAC code
// (OpenSSL directly, not boka's): events arrive in order with the Standard Webhooks
// headers; a failing receiver gets retries on the schedule, with later events of the same
// subject held back; out of attempts a delivery is dead, and a replay delivers it again
// with the same webhook-id; an endpoint failing for too long is disabled and audited;
// secret rotation signs with both secrets for the overlap; URLs that reach loopback,
// metadata or private addresses are refused unless allow-listed; and who may do what.
// On memory and on a SQLite file.
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// Standard Webhooks verification written from the specification, independently of boka:
// base64(HMAC-SHA256(base64-decoded key, "<id>.<timestamp>.<body>")).
std::string b64(const unsigned char* data, int n) {
  std::string out(static_cast<std::size_t>(4 * ((n + 2) / 3)), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, n);
  out.resize(static_cast<std::size_t>(written));
  return out;
}
std::string unb64(const std::string& text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return "";
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}
std::string expected_signature(const std::string& secret, const std::string& id,
                               const std::string& timestamp, const std::string& body) {
  const std::string key = unb64(secret.substr(std::string("whsec_").size()));
  const std::string message = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return "v1," + b64(mac, static_cast<int>(len));
}

struct Received {
  std::string id, timestamp, signature, body;
};

// A receiver on 127.0.0.1: records each POST and answers `status`.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      got_.push_back({req.get_header_value("webhook-id"), req.get_header_value("webhook-timestamp"),
                      req.get_header_value("webhook-signature"), req.body});
      res.status = status_;
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void answer(int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
  }
  std::vector<Received> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(got_, {});
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  int status_ = 200;
  std::vector<Received> got_;
};

// Whether one of the header's signatures is the one `secret` gives.
bool signed_by(const Received& r, const std::string& secret) {
  const std::string want = expected_signature(secret, r.id, r.timestamp, r.body);
  std::size_t start = 0;
  while (start <= r.signature.size()) {
    const std::size_t space = r.signature.find(' ', start);
    const std::string one = r.signature.substr(start, space - start);
    if (one == want) return true;
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return false;
}

struct Setup {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 8));
  std::unique_ptr<Engine> engine;
  TenantId tenant{};
  ResourceId room{};

  Setup(const std::string& uri, WebhookOptions webhooks = {}) {
    EngineOptions o;
    o.clock = clock;
    o.auth.encryption_key = kKeyHex;
    if (webhooks.allow_addresses.empty()) webhooks.allow_addresses = "127.0.0.1/32";
    o.webhooks = std::move(webhooks);
    engine = Engine::open(uri, o).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"}).value().id;
    Resource spec;
    spec.name = "room";
    spec.zone = "UTC";
    room = engine->create_resource(sys(), tenant, spec).value().id;
  }
  Reservation book(int hour) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = utc(2026, 3, 3, hour);
    req.end = utc(2026, 3, 3, hour + 1);
    req.customer = "Zoë";
    return engine->reserve(sys(), tenant, req).value();
  }
  CreatedWebhookEndpoint endpoint(const std::string& url, std::vector<std::string> types = {}) {
    WebhookEndpoint spec;
    spec.url = url;
    spec.event_types = std::move(types);
    spec.description = "CRM";
    return engine->webhooks().create_endpoint(sys(), tenant, spec).value();
  }
  DeliveryRound deliver() { return engine->webhooks().deliver(sys()).value(); }
};

std::string temp_db(const char* name) {
  return "sqlite:" +
         (std::filesystem::temp_directory_path() /
          (std::string("boka-webhooks-") + name + "-" + std::to_string(::getpid()) + ".db"))
             .string();
}

void for_both(const char* name, const std::function<void(const std::string&)>& body) {
  SECTION("memory") { body("memory:"); }
  SECTION("sqlite") {
    const std::string uri = temp_db(name);
    const std::string path = uri.substr(7);
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
    body(uri);
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  }
}

}  // namespace

TEST_CASE("webhooks: events arrive signed, in order, as the event documents") {
  for_both("order", [](const std::string& uri) {
    Receiver rx;
    Setup s(uri);
    s.book(8);  // before the endpoint: not sent (no backlog)
    const CreatedWebhookEndpoint ep = s.endpoint(rx.url(), {"reservation.*"});
    CHECK(ep.secret.rfind("whsec_", 0) == 0);
    const Reservation r = s.book(10);
    REQUIRE(s.engine->cancel(sys(), s.tenant, r.id).ok());
    Customer c;
    c.display_name = "Not a reservation";
    REQUIRE(s.engine->customers().create(sys(), s.tenant, c).ok());  // filtered out

    const DeliveryRound round = s.deliver();
    CHECK(round.scheduled == 2);
    CHECK(round.delivered == 2);
    const auto got = rx.take();
    REQUIRE(got.size() == 2);
    const auto feed = s.engine->events().list(sys(), s.tenant, {}).value().events;
    std::vector<std::string> types;
    for (const Received& g : got) {
      INFO(g.body);
      CHECK(signed_by(g, ep.secret));
      CHECK(g.timestamp == std::to_string(to_unix(s.clock->now())));
      const auto body = nlohmann::json::parse(g.body);
      types.push_back(body["type"]);
      CHECK(g.id == "evt_" + std::to_string(body["id"].get<std::int64_t>()));
      CHECK(body["data"]["reservation"]["id"] == static_cast<std::int64_t>(r.id));
      CHECK(body["subject"] == "reservation:" + std::to_string(r.id));
    }
    CHECK(types == std::vector<std::string>{"reservation.created", "reservation.cancelled"});
    // A tampered body fails the receiver's own check.
    Received forged = got[0];
    forged.body += " ";
    CHECK_FALSE(signed_by(forged, ep.secret));

    const auto deliveries =
        s.engine->webhooks().list_deliveries(sys(), s.tenant, DeliveryFilter{}).value();
    REQUIRE(deliveries.size() == 2);
    for (const WebhookDelivery& d : deliveries) {
      CHECK(d.status == DeliveryStatus::delivered);
      CHECK(d.attempts == 1);
      CHECK(d.last_status_code == 200);
      CHECK(d.last_latency_ms.has_value());
      CHECK(d.delivered_at == s.clock->now());
      const auto attempts = s.engine->webhooks().list_attempts(sys(), s.tenant, d.id).value();
      REQUIRE(attempts.size() == 1);
      CHECK(attempts[0].status_code == 200);
      CHECK(attempts[0].error.empty());
    }
    // Nothing new: nothing sent.
    CHECK(s.deliver().attempted == 0);
    CHECK(rx.take().empty());
  });
}

TEST_CASE(
    "webhooks: a failing receiver gets retries on the schedule - the subject's later "
    "events wait - then the delivery is dead and a replay sends it again") {
  for_both("retry", [](const std::string& uri) {
    Receiver rx;
    WebhookOptions o;
    o.retry_schedule = {Seconds(10), Seconds(60)};  // three attempts
    Setup s(uri, o);
    const CreatedWebhookEndpoint ep = s.endpoint(rx.url());
    const Reservation r = s.book(10);
    rx.answer(503);
    DeliveryRound round = s.deliver();
    CHECK(round.failed == 1);
    REQUIRE(s.engine->cancel(sys(), s.tenant, r.id).ok());
    // The cancellation is scheduled but waits behind the failing creation of its subject.
    round = s.deliver();
    CHECK(round.scheduled == 1);
    CHECK(round.attempted == 0);
    auto pending = s.engine->webhooks().list_deliveries(sys(), s.tenant, DeliveryFilter{}).value();
    REQUIRE(pending.size() == 2);
    const WebhookDelivery first = pending[1];  // newest first
    CHECK(first.status == DeliveryStatus::pending);
    CHECK(first.last_status_code == 503);
    CHECK(first.last_error == "answered 503");
    CHECK(first.next_attempt_at >= s.clock->now() + Seconds(10));
    CHECK(first.next_attempt_at <= s.clock->now() + Seconds(12));  // 10 s + at most 20%
    CHECK(rx.take().size() == 1);

    s.clock->advance(Seconds(13));
    CHECK(s.deliver().failed == 1);  // second attempt
    s.clock->advance(Seconds(73));
    round = s.deliver();  // the third and last attempt; then the cancellation may go
    CHECK(round.dead == 1);
    CHECK(round.failed == 1);
    auto attempts = rx.take();
    REQUIRE(attempts.size() == 3);
    CHECK(attempts[0].id == attempts[1].id);  // retries keep the webhook-id
    CHECK(nlohmann::json::parse(attempts[2].body)["type"] == "reservation.cancelled");
    rx.answer(200);
    s.clock->advance(Seconds(13));
    round = s.deliver();
    CHECK(round.delivered == 1);
    auto got = rx.take();
    REQUIRE(got.size() == 1);
    CHECK(nlohmann::json::parse(got[0].body)["type"] == "reservation.cancelled");

    DeliveryFilter dead;
    dead.status = DeliveryStatus::dead;
    const auto dead_ones = s.engine->webhooks().list_deliveries(sys(), s.tenant, dead).value();
    REQUIRE(dead_ones.size() == 1);
    CHECK(dead_ones[0].attempts == 3);
    CHECK(s.engine->webhooks().list_attempts(sys(), s.tenant, dead_ones[0].id)->size() == 3);
    CHECK(s.engine->webhooks().replay_dead(sys(), s.tenant, ep.endpoint.id).value() == 1);
    CHECK(s.deliver().delivered == 1);
    got = rx.take();
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == attempts[0].id);  // the same webhook-id: receivers drop repeats
    CHECK(signed_by(got[0], ep.secret));
    // Any past event can be replayed, delivered or not.
    const auto replayed =
        s.engine->webhooks().replay(sys(), s.tenant, ep.endpoint.id, dead_ones[0].event).value();
    CHECK(replayed.replay);
    CHECK(s.deliver().delivered == 1);
    CHECK(s.engine->webhooks()
              .replay(sys(), s.tenant, ep.endpoint.id, EventId{999999})
              .status()
              .code() == Code::not_found);
  });
}

// The value of a metric line "name value" in the exposition text.
double metric(Engine& engine, const std::string& name) {
  const std::string text = engine.operations().metrics()->exposition();
  const auto at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + name.size() + 2));
}

TEST_CASE("webhooks: the delivery lag is the oldest pending delivery's age, and 0 - never "
          "negative - after the clock goes back") {
  for_both("lag", [](const std::string& uri) {
    Receiver rx;
    Setup s(uri);
    s.endpoint(rx.url());
    CHECK(metric(*s.engine, "webhook_delivery_lag_seconds") == 0);  // none waits
    s.book(10);
    rx.answer(503);
    CHECK(s.deliver().failed == 1);  // scheduled at 08:00, pending for a retry
    s.clock->set(s.clock->now() + Seconds(600));
    CHECK(metric(*s.engine, "webhook_delivery_lag_seconds") == 600);
    CHECK(metric(*s.engine, "webhook_deliveries_pending") == 1);
    // The clock goes back two hours: the delivery is not 6,600 s younger than now.
    s.clock->set(s.clock->now() - Seconds(7800));
    CHECK(metric(*s.engine, "webhook_delivery_lag_seconds") == 0);
    CHECK(metric(*s.engine, "webhook_deliveries_pending") == 1);
  });
}

TEST_CASE("webhooks: an endpoint failing for disable_after is disabled and audited") {
  for_both("disable", [](const std::string& uri) {
    Receiver rx;
    rx.answer(500);
    WebhookOptions o;
    o.retry_schedule = {Seconds(600)};
    o.disable_after = Seconds(3600);
    Setup s(uri, o);
    const CreatedWebhookEndpoint ep = s.endpoint(rx.url());
    for (int i = 0; i < 8; ++i) {
      s.book(8 + i);
      s.deliver();
      s.clock->advance(Seconds(660));
    }
    const WebhookEndpoint now =
        s.engine->webhooks().get_endpoint(sys(), s.tenant, ep.endpoint.id).value();
    CHECK_FALSE(now.active);
    CHECK(now.disabled_reason.find("every delivery failed since") == 0);
    AuditQuery q;
    q.tenant = s.tenant;
    q.action = "webhook.disable";
    CHECK(s.engine->operations().audit_records(sys(), q)->size() == 1);
    // Disabled: nothing is attempted, nothing is scheduled.
    rx.take();
    s.book(20);
    const DeliveryRound round = s.deliver();
    CHECK(round.attempted == 0);
    CHECK(round.scheduled == 0);
    // Enabled again, it catches up with what happened meanwhile.
    rx.answer(200);
    WebhookEndpoint again = now;
    again.active = true;
    again = s.engine->webhooks().update_endpoint(sys(), s.tenant, again).value();
    CHECK(again.disabled_reason.empty());
    CHECK_FALSE(again.failing_since);
    CHECK(s.deliver().delivered >= 1);
  });
}

TEST_CASE("webhooks: a rotated secret signs beside the old one for the overlap") {
  for_both("rotate", [](const std::string& uri) {
    Receiver rx;
    Setup s(uri);
    const CreatedWebhookEndpoint first = s.endpoint(rx.url());
    const CreatedWebhookEndpoint second =
        s.engine->webhooks()
            .rotate_secret(sys(), s.tenant, first.endpoint.id, Seconds(3600))
            .value();
    CHECK(second.secret != first.secret);
    s.book(9);
    s.deliver();
    auto got = rx.take();
    REQUIRE(got.size() == 1);
    CHECK(signed_by(got[0], first.secret));
    CHECK(signed_by(got[0], second.secret));
    s.clock->advance(Seconds(3601));
    s.book(12);
    s.deliver();
    got = rx.take();
    REQUIRE(got.size() == 1);
    CHECK_FALSE(signed_by(got[0], first.secret));
    CHECK(signed_by(got[0], second.secret));
    // No secret in what the API and the audit trail show.
    AuditQuery q;
    q.tenant = s.tenant;
    q.action = "webhook.";
    const auto records = s.engine->operations().audit_records(sys(), q).value();
    for (const AuditRecord& a : records) {
      CHECK(a.detail_json.find("whsec_") == std::string::npos);
    }
  });
}

TEST_CASE(
    "webhooks: URLs reaching loopback, metadata or private addresses are refused "
    "unless allow-listed - bad specs name the field - who may manage") {
  Receiver rx;
  EngineOptions o;
  o.auth.encryption_key = kKeyHex;
  auto engine = Engine::open("memory:", o).value();
  const TenantId tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"}).value().id;
  const auto refused = [&](const std::string& url) {
    WebhookEndpoint spec;
    spec.url = url;
    auto got = engine->webhooks().create_endpoint(sys(), tenant, spec);
    INFO(url << ": " << got.status().to_string());
    CHECK(got.status().code() == Code::invalid_argument);
    CHECK(got.status().message().rfind("url", 0) == 0);
    return got.status().message();
  };
  CHECK(refused(rx.url()).find("127.0.0.1") != std::string::npos);
  refused("http://169.254.169.254/latest/meta-data/");
  refused("http://10.0.0.8/hook");
  refused("http://[::1]:8080/hook");
  refused("ftp://example.com/hook");
  refused("http://user:pass@example.com/hook");
  WebhookEndpoint spec;
  spec.url = "https://1.1.1.1/hook";  // a public address: accepted
  spec.event_types = {"reservation.exploded"};
  auto bad = engine->webhooks().create_endpoint(sys(), tenant, spec);
  CHECK(bad.status().code() == Code::invalid_argument);
  CHECK(bad.status().message().rfind("event_types: \"reservation.exploded\"", 0) == 0);
  spec.event_types = {"reservation.*"};
  CHECK(engine->webhooks().create_endpoint(sys(), tenant, spec).ok());

  // Staff may not manage webhooks; without an encryption key there are none.
  NewUser sam;
  sam.email = "sam@example.com";
  sam.role = Role::staff;
  sam.password = "correct horse battery";
  REQUIRE(engine->auth().create_user(sys(), tenant, sam).ok());
  LoginRequest login;
  login.tenant = tenant;
  login.email = sam.email;
  login.password = sam.password;
  auto staff = engine->auth().login(login).value();
  CHECK(engine->webhooks().list_endpoints(staff.principal, tenant).status().code() ==
        Code::permission_denied);
  auto plain = Engine::open("memory:").value();
  const TenantId t2 = plain->create_tenant(sys(), Tenant{TenantId{}, "b"}).value().id;
  CHECK(plain->webhooks().create_endpoint(sys(), t2, spec).status().code() == Code::not_supported);
  // Bad options are refused when the engine opens.
  EngineOptions wrong;
  wrong.webhooks.allow_addresses = "127.0.0.1/33";
  CHECK(Engine::open("memory:", wrong).status().message().rfind("webhooks.allow_addresses", 0) ==
        0);
}
