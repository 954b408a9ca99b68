// The delivery layer's signatures (src/delivery/signing.hpp): the Standard Webhooks
// specification's published test vector, secret rotation, the receiver's checks, and
// Stripe-style payment webhook verification. No error message may contain a secret.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "auth/crypto.hpp"
#include "delivery/signing.hpp"

using namespace boka;
using namespace boka::delivery;

namespace {

// https://www.standardwebhooks.com, the specification's test vector.
const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const std::int64_t kTimestamp = 1614265330;
const std::string kBody = R"({"test": 2432232314})";
const std::string kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const std::string kStripeSecret = "whsec_test_stripe_0123456789abcdef";

}  // namespace

TEST_CASE("webhook_signature reproduces the Standard Webhooks test vector", "[delivery]") {
  Result<std::string> signature = webhook_signature(kSecret, kMsgId, kTimestamp, kBody);
  REQUIRE(signature.ok());
  CHECK(*signature == kSignature);
  CHECK(verify_webhook_signature(kSecret, kMsgId, kTimestamp, kBody, kSignature, kTimestamp, 300)
            .ok());
}

TEST_CASE("generate_webhook_secret makes distinct whsec_ secrets of 32 bytes", "[delivery]") {
  Result<std::string> a = generate_webhook_secret();
  Result<std::string> b = generate_webhook_secret();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
  REQUIRE(a->rfind("whsec_", 0) == 0);
  const auto key = detail::base64_decode(a->substr(6));
  REQUIRE(key.has_value());
  CHECK(key->size() == 32);
  // A generated secret signs and verifies.
  Result<std::string> signature = webhook_signature(*a, "msg_1", 100, "{}");
  REQUIRE(signature.ok());
  CHECK(verify_webhook_signature(*a, "msg_1", 100, "{}", *signature, 100).ok());
}

TEST_CASE("a malformed secret is refused by name, never echoed", "[delivery]") {
  const std::vector<std::string> bad = {
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",        // no prefix
      "whsec_",                                  // no key
      "whsec_not*base64*at*all*secretXYZ",       // not base64
      "whsec_c2hvcnQ=",                          // 5 bytes: too short
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w",  // url alphabet
  };
  for (const std::string& secret : bad) {
    INFO(secret);
    Result<std::string> signature = webhook_signature(secret, kMsgId, kTimestamp, kBody);
    REQUIRE_FALSE(signature.ok());
    CHECK(signature.status().code() == Code::invalid_argument);
    CHECK(signature.status().message().rfind("secret: ", 0) == 0);
    const std::string key_text = secret.substr(secret.rfind('_') + 1);
    if (key_text.size() > 4)
      CHECK(signature.status().message().find(key_text) == std::string::npos);
    const Status verified =
        verify_webhook_signature(secret, kMsgId, kTimestamp, kBody, kSignature, kTimestamp);
    CHECK(verified.code() == Code::invalid_argument);
  }
  Result<std::string> no_id = webhook_signature(kSecret, "", kTimestamp, kBody);
  CHECK(no_id.status().code() == Code::invalid_argument);
  CHECK(no_id.status().message().rfind("msg_id: ", 0) == 0);
  CHECK(webhook_signature(kSecret, "msg.1", kTimestamp, kBody).status().code() ==
        Code::invalid_argument);
}

TEST_CASE("rotation: a header with two signatures verifies under either secret", "[delivery]") {
  Result<std::string> other_secret = generate_webhook_secret();
  REQUIRE(other_secret.ok());
  Result<std::string> old_signature = webhook_signature(kSecret, kMsgId, kTimestamp, kBody);
  Result<std::string> new_signature = webhook_signature(*other_secret, kMsgId, kTimestamp, kBody);
  REQUIRE(old_signature.ok());
  REQUIRE(new_signature.ok());
  const std::string header = webhook_signature_header({*old_signature, *new_signature});
  CHECK(header == *old_signature + " " + *new_signature);
  CHECK(verify_webhook_signature(kSecret, kMsgId, kTimestamp, kBody, header, kTimestamp).ok());
  CHECK(
      verify_webhook_signature(*other_secret, kMsgId, kTimestamp, kBody, header, kTimestamp).ok());
  Result<std::string> third = generate_webhook_secret();
  REQUIRE(third.ok());
  CHECK(verify_webhook_signature(*third, kMsgId, kTimestamp, kBody, header, kTimestamp).code() ==
        Code::unauthenticated);
  CHECK(webhook_signature_header({}) == "");
}

TEST_CASE("verify_webhook_signature refuses what a receiver must refuse", "[delivery]") {
  auto verify = [](std::string_view msg_id, std::int64_t timestamp, std::string_view body,
                   std::string_view header, std::int64_t now) {
    return verify_webhook_signature(kSecret, msg_id, timestamp, body, header, now, 300);
  };
  SECTION("a changed body, id or timestamp") {
    CHECK(verify(kMsgId, kTimestamp, R"({"test": 2432232315})", kSignature, kTimestamp).code() ==
          Code::unauthenticated);
    CHECK(verify("msg_other", kTimestamp, kBody, kSignature, kTimestamp).code() ==
          Code::unauthenticated);
    CHECK(verify(kMsgId, kTimestamp + 1, kBody, kSignature, kTimestamp).code() ==
          Code::unauthenticated);
  }
  SECTION("a timestamp outside the tolerance, either way") {
    CHECK(verify(kMsgId, kTimestamp, kBody, kSignature, kTimestamp + 300).ok());
    CHECK(verify(kMsgId, kTimestamp, kBody, kSignature, kTimestamp - 300).ok());
    const Status late = verify(kMsgId, kTimestamp, kBody, kSignature, kTimestamp + 301);
    CHECK(late.code() == Code::unauthenticated);
    CHECK(late.message().rfind("webhook-timestamp: ", 0) == 0);
    CHECK(verify(kMsgId, kTimestamp, kBody, kSignature, kTimestamp - 301).code() ==
          Code::unauthenticated);
  }
  SECTION("headers without a usable v1 entry") {
    for (std::string header : {"", "v1,", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                               "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                               "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                               "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}) {
      INFO(header);
      const Status status = verify(kMsgId, kTimestamp, kBody, header, kTimestamp);
      CHECK(status.code() == Code::unauthenticated);
      CHECK(status.message().rfind("webhook-signature: ", 0) == 0);
    }
    // Other versions beside a valid v1 are skipped.
    CHECK(verify(kMsgId, kTimestamp, kBody, "v1a,abc " + kSignature, kTimestamp).ok());
  }
}

TEST_CASE("verify_stripe_signature accepts a provider's header and refuses forgeries",
          "[delivery]") {
  const std::string body = R"({"id":"evt_1","type":"payment_intent.succeeded"})";
  const std::int64_t t = 1700000000;
  const std::string header = stripe_signature_header(kStripeSecret, t, body);
  REQUIRE(header.rfind("t=1700000000,v1=", 0) == 0);
  CHECK(header.size() == std::string("t=1700000000,v1=").size() + 64);

  CHECK(verify_stripe_signature(header, body, kStripeSecret, t + 10, 300).ok());
  // Several v1 entries (Stripe rolls its secrets) and a v0 are fine; upper-case hex too.
  const std::string hex = header.substr(header.find("v1=") + 3);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_stripe_signature(
            "t=1700000000,v1=" + std::string(64, '0') + ",v1=" + hex + ",v0=deadbeef", body,
            kStripeSecret, t, 300)
            .ok());
  CHECK(verify_stripe_signature("t=1700000000, v1=" + upper, body, kStripeSecret, t, 300).ok());

  auto refused = [&](const std::string& h, const std::string& b, std::int64_t now,
                     std::string_view expected_text) {
    INFO(h);
    const Status status = verify_stripe_signature(h, b, kStripeSecret, now, 300);
    CHECK(status.code() == Code::unauthenticated);
    CHECK(status.message().rfind("Stripe-Signature: ", 0) == 0);
    CHECK(status.message().find(expected_text) != std::string::npos);
    CHECK(status.message().find(kStripeSecret) == std::string::npos);
    CHECK(status.message().find("0123456789abcdef") == std::string::npos);
  };
  refused(header, body + " ", t, "no v1 signature matches");
  refused(header, body, t + 301, "outside the tolerance");
  refused(header, body, t - 301, "outside the tolerance");
  refused("v1=" + hex, body, t, "no timestamp");
  refused("t=1700000000", body, t, "no v1 signature");
  refused("t=1700000000,t=1700000000,v1=" + hex, body, t, "more than one t");
  refused("t=17000x0000,v1=" + hex, body, t, "not a Unix timestamp");
  refused("t=-1,v1=" + hex, body, t, "not a Unix timestamp");
  refused("t=1700000000;v1=" + hex, body, t, "not a Unix timestamp");
  refused("", body, t, "malformed");
  refused("t=1700000000,v1" + hex, body, t, "malformed");
  // The timestamp is signed: moving it breaks the signature.
  refused("t=1700000001,v1=" + hex, body, t, "no v1 signature matches");
  // Another secret's signature.
  refused(stripe_signature_header("whsec_other", t, body), body, t, "no v1 signature matches");

  const Status empty_secret = verify_stripe_signature(header, body, "", t, 300);
  CHECK(empty_secret.code() == Code::invalid_argument);
  CHECK(empty_secret.message().rfind("secret: ", 0) == 0);
  CHECK(verify_stripe_signature(header, body, kStripeSecret, t, -1).code() ==
        Code::invalid_argument);
}
