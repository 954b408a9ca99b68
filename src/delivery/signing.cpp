#include "delivery/signing.hpp"
#include "delivery/text.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "auth/crypto.hpp"

namespace boka::delivery {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMinKeyBytes = 24;
constexpr std::size_t kMaxKeyBytes = 64;
constexpr std::size_t kGeneratedKeyBytes = 32;

// The key bytes of a "whsec_<base64>" secret. The messages describe the expected form and
// never quote the value.
Result<std::string> secret_key(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
    return InvalidArgument("secret: must start with \"whsec_\"");
  }
  const std::string_view encoded = secret.substr(kSecretPrefix.size());
  for (char c : encoded) {
    // Standard alphabet only: the specification's secrets are standard base64.
    if (c == '-' || c == '_') {
      return InvalidArgument("secret: the text after \"whsec_\" must be standard base64");
    }
  }
  std::optional<std::string> key = detail::base64_decode(encoded);
  if (!key) return InvalidArgument("secret: the text after \"whsec_\" must be standard base64");
  if (key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) {
    return InvalidArgument("secret: the key must be 24 to 64 bytes (base64 after \"whsec_\")");
  }
  return std::move(*key);
}

Status check_msg_id(std::string_view msg_id) {
  if (msg_id.empty()) return InvalidArgument("msg_id: must not be empty");
  for (char c : msg_id) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.' || c == ' ' || u < 0x20 || u == 0x7f) {
      return InvalidArgument("msg_id: must not contain '.', spaces or control characters");
    }
  }
  return Status::Ok();
}

std::string signature_of(std::string_view key, std::string_view msg_id, std::int64_t timestamp,
                         std::string_view body) {
  std::string content;
  content.reserve(msg_id.size() + body.size() + 24);
  content.append(msg_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return detail::base64_encode(detail::hmac(detail::HashAlgorithm::sha256, key, content));
}

std::string stripe_hex(std::string_view secret, std::int64_t t, std::string_view body) {
  std::string content = std::to_string(t);
  content.append(".").append(body);
  return detail::hex_encode(detail::hmac(detail::HashAlgorithm::sha256, secret, content));
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // no sign, no spaces
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// |a - b| without overflow.
std::uint64_t distance(std::int64_t a, std::int64_t b) {
  return a >= b ? static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b)
                : static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
}

}  // namespace

Result<std::string> generate_webhook_secret() {
  BOKA_ASSIGN_OR_RETURN(const std::string key, detail::random_bytes(kGeneratedKeyBytes));
  return std::string(kSecretPrefix) + detail::base64_encode(key);
}

Result<std::string> webhook_signature(std::string_view secret, std::string_view msg_id,
                                      std::int64_t timestamp, std::string_view body) {
  BOKA_ASSIGN_OR_RETURN(const std::string key, secret_key(secret));
  BOKA_RETURN_IF_ERROR(check_msg_id(msg_id));
  return "v1," + signature_of(key, msg_id, timestamp, body);
}

std::string webhook_signature_header(const std::vector<std::string>& signatures) {
  std::string header;
  for (const std::string& signature : signatures) {
    if (!header.empty()) header += ' ';
    header += signature;
  }
  return header;
}

Status verify_webhook_signature(std::string_view secret, std::string_view msg_id,
                                std::int64_t timestamp, std::string_view body,
                                std::string_view signature_header, std::int64_t now,
                                std::int64_t tolerance_seconds) {
  BOKA_ASSIGN_OR_RETURN(const std::string key, secret_key(secret));
  BOKA_RETURN_IF_ERROR(check_msg_id(msg_id));
  if (tolerance_seconds < 0) return InvalidArgument("tolerance_seconds: must not be negative");
  const std::string expected = signature_of(key, msg_id, timestamp, body);

  bool matched = false;
  bool saw_v1 = false;
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    saw_v1 = true;
    // Every entry is compared, so the time taken does not say which one matched.
    if (detail::constant_time_equal(entry.substr(comma + 1), expected)) matched = true;
  }
  if (!saw_v1) return Unauthenticated("webhook-signature: no \"v1,\" signature");
  if (!matched) return Unauthenticated("webhook-signature: no signature matches");
  if (distance(now, timestamp) > static_cast<std::uint64_t>(tolerance_seconds)) {
    return Unauthenticated("webhook-timestamp: " + std::to_string(timestamp) + " is more than " +
                           std::to_string(tolerance_seconds) + " s away from now (" +
                           std::to_string(now) + ")");
  }
  return Status::Ok();
}

Status verify_stripe_signature(std::string_view header, std::string_view body,
                               std::string_view secret, std::int64_t now,
                               std::int64_t tolerance_seconds) {
  if (secret.empty()) return InvalidArgument("secret: must not be empty");
  if (tolerance_seconds < 0) return InvalidArgument("tolerance_seconds: must not be negative");

  std::optional<std::int64_t> t;
  std::vector<std::string_view> v1;
  std::string_view rest = header;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view element = trim(rest.substr(0, comma));
    const std::size_t equals = element.find('=');
    if (equals == std::string_view::npos) {
      return Unauthenticated("Stripe-Signature: malformed (expected t=<unix>,v1=<hex>)");
    }
    const std::string_view key = element.substr(0, equals);
    const std::string_view value = element.substr(equals + 1);
    if (key == "t") {
      if (t) return Unauthenticated("Stripe-Signature: more than one t");
      t = parse_int64(value);
      if (!t) return Unauthenticated("Stripe-Signature: t is not a Unix timestamp");
    } else if (key == "v1") {
      v1.push_back(value);
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (!t) return Unauthenticated("Stripe-Signature: no timestamp (t=)");
  if (v1.empty()) return Unauthenticated("Stripe-Signature: no v1 signature");

  const std::string expected = stripe_hex(secret, *t, body);
  bool matched = false;
  for (std::string_view candidate : v1) {
    std::string lower(candidate);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (detail::constant_time_equal(lower, expected)) matched = true;
  }
  if (!matched) return Unauthenticated("Stripe-Signature: no v1 signature matches");
  if (distance(now, *t) > static_cast<std::uint64_t>(tolerance_seconds)) {
    return Unauthenticated("Stripe-Signature: timestamp " + std::to_string(*t) +
                           " is outside the tolerance of " + std::to_string(tolerance_seconds) +
                           " s (now " + std::to_string(now) + ")");
  }
  return Status::Ok();
}

std::string stripe_signature_header(std::string_view secret, std::int64_t t,
                                    std::string_view body) {
  return "t=" + std::to_string(t) + ",v1=" + stripe_hex(secret, t, body);
}

}  // namespace boka::delivery
