// Signatures of outbound webhooks (Standard Webhooks, https://www.standardwebhooks.com) and
// verification of inbound payment webhooks signed the way Stripe signs them. The HMAC,
// base64 and constant-time compare are src/auth/crypto.hpp's.
//
// Thread-safety: every function is safe to call from any thread. Nothing here logs, and no
// error message ever contains a secret or a key; messages name the field at fault.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "boka/status.hpp"

namespace boka::delivery {

// ---- Standard Webhooks (what boka sends) -----------------------------------------------
// An endpoint's secret is "whsec_" + base64(key), the key 24 to 64 random bytes (the
// specification's range). Each delivery carries the headers webhook-id (msg_id),
// webhook-timestamp (Unix seconds) and webhook-signature: one or more space-separated
// "v1,<base64(HMAC-SHA256(key, "<msg_id>.<timestamp>.<body>"))>".

// A new secret: "whsec_" + base64 of 32 bytes from the CSPRNG. Code::internal if the
// generator fails.
Result<std::string> generate_webhook_secret();

// "v1,<base64 signature>" of one delivery under `secret`. invalid_argument naming "secret"
// if it is not "whsec_" followed by standard base64 of 24..64 bytes; naming "msg_id" if
// that is empty or holds a '.', a space or a control character (it is signed and sent as a
// header).
Result<std::string> webhook_signature(std::string_view secret, std::string_view msg_id,
                                      std::int64_t timestamp, std::string_view body);

// The webhook-signature header value: the signatures (each "v1,...") separated by single
// spaces. While a secret is rotated, a delivery is signed with the old and the new one.
std::string webhook_signature_header(const std::vector<std::string>& signatures);

// Checks a received delivery as a receiver would: ok when `signature_header` holds a "v1,"
// signature equal (constant-time) to the one `secret` gives, and |now - timestamp| <=
// tolerance_seconds (the specification suggests 300). Entries of other versions are
// skipped. invalid_argument for a malformed secret (as webhook_signature), msg_id or
// negative tolerance; unauthenticated "webhook-timestamp: ..." outside the tolerance, or
// "webhook-signature: ..." when no entry matches. Used by boka's tests and by users who
// receive boka's webhooks.
Status verify_webhook_signature(std::string_view secret, std::string_view msg_id,
                                std::int64_t timestamp, std::string_view body,
                                std::string_view signature_header, std::int64_t now,
                                std::int64_t tolerance_seconds = 300);

// ---- Stripe-style payment webhooks (what boka receives) --------------------------------
// Header "Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]" (other keys, such as v0, are
// ignored), <hex> = lowercase hex HMAC-SHA256(secret, "<t>.<body>"), the secret's text
// (including any "whsec_" prefix) being the HMAC key.

// ok when one v1 matches (constant-time) and |now - t| <= tolerance_seconds.
// invalid_argument "secret: ..." for an empty secret or "tolerance_seconds: ..." for a
// negative one; unauthenticated "Stripe-Signature: ..." for a malformed header (no t, two
// t, a t that is not a number, an element without '='), no v1 entry, no matching v1, or a
// timestamp outside the tolerance. Signatures are checked before the timestamp, so a
// forged header learns nothing about the clock.
Status verify_stripe_signature(std::string_view header, std::string_view body,
                               std::string_view secret, std::int64_t now,
                               std::int64_t tolerance_seconds);

// "t=<t>,v1=<hex>": the header a payment provider would send, for tests and the payment
// simulator.
std::string stripe_signature_header(std::string_view secret, std::int64_t t, std::string_view body);

}  // namespace boka::delivery
