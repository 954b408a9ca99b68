// Manage links (boka/links.hpp): a link names exactly its reservation, on every engine that
// shares the store and the encryption key; revoking ends every older link at once; forged,
// altered, truncated and other tenants' tokens are all refused the same way; customers cannot
// issue links; without an encryption key there are none; and confirmation mail carries the
// link under MailOptions::public_url. On memory and on a SQLite file.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

EngineOptions options(bool with_key = true) {
  EngineOptions o;
  if (with_key) o.auth.encryption_key = kKeyHex;
  o.auth.argon2_memory_kib = 64;
  o.auth.argon2_iterations = 1;
  o.mail.public_url = "https://book.example.com";
  return o;
}

struct Salon {
  std::unique_ptr<Engine> engine;
  TenantId tenant{};
  ResourceId chair{};

  Salon(const std::string& uri, const std::string& name, bool with_key = true) {
    auto e = Engine::open(uri, options(with_key));
    REQUIRE(e.ok());
    engine = std::move(*e);
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, name}).value().id;
    Resource r;
    r.name = "Chair";
    r.zone = "Europe/Berlin";
    chair = engine->create_resource(sys(), tenant, r).value().id;
  }

  ReservationId book(Instant start, std::optional<CustomerId> customer = std::nullopt) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(chair)};
    req.start = start;
    req.end = start + Seconds(3600);
    req.customer_id = customer;
    auto r = engine->reserve(sys(), tenant, req);
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return r->id;
  }
};

void for_both(const std::function<void(const std::string&)>& body) {
  SECTION("memory") { body("memory:"); }
  SECTION("sqlite") {
    TempDb db;
    body(db.uri());
  }
}

// Flips one character of the token at `at`, to another of the same alphabet.
std::string altered(std::string token, std::size_t at) {
  token[at] = token[at] == 'A' ? 'B' : 'A';
  return token;
}

}  // namespace

TEST_CASE("a manage link names its reservation until it is revoked", "[links]") {
  for_both([](const std::string& uri) {
    Salon salon(uri, "salon");
    const ReservationId first = salon.book(utc(2030, 3, 4, 9));
    const ReservationId second = salon.book(utc(2030, 3, 4, 11));
    auto& links = salon.engine->manage_links();

    auto link = links.issue(sys(), salon.tenant, first);
    INFO(link.status().to_string());
    REQUIRE(link.ok());
    CHECK(link->token.rfind("bokm_", 0) == 0);
    CHECK(link->token.size() == 76);
    // The same reservation gives the same link; another a different one.
    CHECK(links.issue(sys(), salon.tenant, first).value().token == link->token);
    const std::string other = links.issue(sys(), salon.tenant, second).value().token;
    CHECK(other != link->token);

    auto resolved = links.resolve(link->token);
    REQUIRE(resolved.ok());
    CHECK(resolved->tenant == salon.tenant);
    CHECK(resolved->reservation == first);
    CHECK(links.resolve(other).value().reservation == second);

    // Revoking ends the old link at once and hands out a new one that works.
    auto renewed = links.revoke(sys(), salon.tenant, first);
    REQUIRE(renewed.ok());
    CHECK(renewed->generation == 1);
    CHECK(renewed->token != link->token);
    auto stale = links.resolve(link->token);
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.status().code() == Code::unauthenticated);
    CHECK(links.resolve(renewed->token).value().reservation == first);
    CHECK(links.issue(sys(), salon.tenant, first).value().token == renewed->token);
    // The other reservation's link is untouched.
    CHECK(links.resolve(other).ok());

    // Both the key's creation and the revocation are in the tenant's audit trail.
    AuditQuery q{salon.tenant};
    q.action = "links.";
    const auto records = salon.engine->operations().audit_records(sys(), q).value();
    REQUIRE(records.size() == 2);
    CHECK(records[0].action == "links.key_created");
    CHECK(records[1].action == "links.revoked");
    CHECK(records[1].target == "reservation:" + std::to_string(first));
    CHECK(salon.engine->operations().verify_audit(sys(), salon.tenant).value().ok);
  });
}

TEST_CASE("forged, altered and other tenants' manage links are refused alike", "[links]") {
  for_both([](const std::string& uri) {
    Salon salon(uri, "salon");
    const TenantId other_tenant =
        salon.engine->create_tenant(sys(), Tenant{TenantId{}, "barber"}).value().id;
    Resource r;
    r.name = "Chair";
    r.zone = "UTC";
    const ResourceId chair = salon.engine->create_resource(sys(), other_tenant, r).value().id;
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(chair)};
    req.start = utc(2030, 3, 4, 9);
    req.end = utc(2030, 3, 4, 10);
    const ReservationId theirs = salon.engine->reserve(sys(), other_tenant, req).value().id;
    const ReservationId ours = salon.book(utc(2030, 3, 4, 9));
    auto& links = salon.engine->manage_links();
    const std::string token = links.issue(sys(), salon.tenant, ours).value().token;
    const std::string their_token = links.issue(sys(), other_tenant, theirs).value().token;

    const auto refused = [&](const std::string& t) {
      auto r = links.resolve(t);
      if (r.ok()) return false;
      CHECK(r.status().code() == Code::unauthenticated);
      CHECK(r.status().message() == "invalid or revoked manage link");
      return true;
    };
    // Any changed character: in the tenant, the reservation, the generation, the signature.
    for (std::size_t at = 5; at < token.size(); ++at) {
      if (token[at] == '_') continue;
      INFO("position " << at);
      CHECK(refused(altered(token, at)));
    }
    CHECK(refused(""));
    CHECK(refused("bokm_"));
    CHECK(refused(token.substr(0, token.size() - 1)));
    CHECK(refused(token + "A"));
    CHECK(refused("bokf_" + token.substr(5)));
    // Another tenant's payload under this tenant's signature (and the reverse) is a forgery.
    const std::string spliced = their_token.substr(0, 33) + token.substr(33);
    CHECK(refused(spliced));
    CHECK(links.resolve(their_token).value().tenant == other_tenant);
    // Revoked in one tenant changes nothing in the other.
    REQUIRE(links.revoke(sys(), other_tenant, theirs).ok());
    CHECK(links.resolve(token).ok());
  });
}

TEST_CASE("manage links need staff rights and an encryption key", "[links]") {
  for_both([](const std::string& uri) {
    Salon salon(uri, "salon");
    const ReservationId booked = salon.book(utc(2030, 3, 4, 9));
    const std::string password = "correct horse battery";
    salon.engine->auth()
        .create_user(sys(), salon.tenant, NewUser{"ana@x.test", "", Role::customer, password})
        .value();
    const Principal ana = salon.engine->auth()
                              .login(LoginRequest{salon.tenant, "ana@x.test", password})
                              .value()
                              .principal;
    auto denied = salon.engine->manage_links().issue(ana, salon.tenant, booked);
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.status().code() == Code::permission_denied);
    auto missing = salon.engine->manage_links().issue(sys(), salon.tenant, ReservationId{9999});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().code() == Code::not_found);
  });
  SECTION("without an encryption key") {
    Salon salon("memory:", "salon", /*with_key=*/false);
    const ReservationId booked = salon.book(utc(2030, 3, 4, 9));
    auto none = salon.engine->manage_links().issue(sys(), salon.tenant, booked);
    REQUIRE_FALSE(none.ok());
    CHECK(none.status().code() == Code::not_supported);
  }
}

TEST_CASE("a second engine on the same file honours links and revocations", "[links]") {
  TempDb db;
  Salon salon(db.uri(), "salon");
  const ReservationId booked = salon.book(utc(2030, 3, 4, 9));
  const std::string token =
      salon.engine->manage_links().issue(sys(), salon.tenant, booked).value().token;
  auto second = Engine::open(db.uri(), options());
  REQUIRE(second.ok());
  CHECK((*second)->manage_links().resolve(token).value().reservation == booked);
  REQUIRE((*second)->manage_links().revoke(sys(), salon.tenant, booked).ok());
  CHECK_FALSE(salon.engine->manage_links().resolve(token).ok());
  // An engine with another encryption key cannot open the tenant's link key: no link works.
  EngineOptions other = options();
  other.auth.encryption_key = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
  auto stranger = Engine::open(db.uri(), other);
  REQUIRE(stranger.ok());
  const std::string current =
      salon.engine->manage_links().issue(sys(), salon.tenant, booked).value().token;
  CHECK((*stranger)->manage_links().resolve(current).status().code() == Code::unauthenticated);
}

TEST_CASE("confirmation mail carries the manage link under the public URL", "[links][mail]") {
  for_both([](const std::string& uri) {
    Salon salon(uri, "salon");
    Customer c;
    c.display_name = "Ana";
    c.email = "ana@x.test";
    const CustomerId ana = salon.engine->customers().create(sys(), salon.tenant, c).value().id;
    const ReservationId booked = salon.book(utc(2030, 3, 4, 9), ana);
    // Before the tenant has a link key, the message has no link (and makes no key).
    auto before = salon.engine->mail().preview(sys(), salon.tenant, MailKind::confirmation, booked);
    INFO(before.status().to_string());
    REQUIRE(before.ok());
    CHECK(before->text.find("/manage/") == std::string::npos);
    const std::string token =
        salon.engine->manage_links().issue(sys(), salon.tenant, booked).value().token;
    auto after = salon.engine->mail().preview(sys(), salon.tenant, MailKind::confirmation, booked);
    REQUIRE(after.ok());
    CHECK(after->text.find("https://book.example.com/manage/" + token) != std::string::npos);
    CHECK(after->html.find("https://book.example.com/manage/" + token) != std::string::npos);
  });
}

TEST_CASE("a public URL with a path or a query is refused", "[links][mail]") {
  for (const char* bad : {"book.example.com", "https://book.example.com/app", "ftp://x.test",
                          "https://x.test?a=1", "https://"}) {
    EngineOptions o = options();
    o.mail.public_url = bad;
    auto e = Engine::open("memory:", o);
    INFO(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().code() == Code::invalid_argument);
    CHECK(e.status().message().find("mail.public_url") != std::string::npos);
  }
}

TEST_CASE("links survive an encryption key rotation - mail goes without a link it cannot make",
          "[links]") {
  TempDb db;
  std::string token;
  ReservationId booked{};
  TenantId tenant{};
  {
    Salon salon(db.uri(), "salon");  // sealed under k1
    tenant = salon.tenant;
    Customer c;
    c.display_name = "Ana";
    c.email = "ana@x.test";
    const CustomerId ana = salon.engine->customers().create(sys(), tenant, c).value().id;
    booked = salon.book(utc(2030, 3, 4, 9), ana);
    token = salon.engine->manage_links().issue(sys(), tenant, booked).value().token;
  }
  const std::string k2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
  {
    // k2 current, k1 still readable: the link works, and the rotation re-seals its key.
    EngineOptions o = options();
    o.auth.encryption_key = k2;
    o.auth.encryption_key_id = "k2";
    o.auth.previous_encryption_keys = {{"k1", kKeyHex}};
    auto e = Engine::open(db.uri(), o);
    REQUIRE(e.ok());
    CHECK((*e)->manage_links().resolve(token).value().reservation == booked);
    auto rotated = (*e)->auth().rotate_encryption_key(sys());
    INFO(rotated.status().to_string());
    REQUIRE(rotated.ok());
    AuditQuery q{tenant};
    q.action = "links.key_resealed";
    CHECK((*e)->operations().audit_records(sys(), q).value().size() == 1);
  }
  {
    // k1 gone: the same link still works.
    EngineOptions o = options();
    o.auth.encryption_key = k2;
    o.auth.encryption_key_id = "k2";
    auto e = Engine::open(db.uri(), o);
    REQUIRE(e.ok());
    CHECK((*e)->manage_links().resolve(token).value().reservation == booked);
    CHECK((*e)->manage_links().issue(sys(), tenant, booked).value().token == token);
  }
  {
    // An engine whose key cannot open the link key writes the message without the link.
    EngineOptions o = options();
    o.auth.encryption_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    o.auth.encryption_key_id = "k3";
    auto e = Engine::open(db.uri(), o);
    REQUIRE(e.ok());
    auto message = (*e)->mail().preview(sys(), tenant, MailKind::confirmation, booked);
    INFO(message.status().to_string());
    REQUIRE(message.ok());
    CHECK(message->text.find("/manage/") == std::string::npos);
  }
}
