// Internal cryptographic building blocks for authentication: everything that touches
// OpenSSL or libargon2 lives behind this header, so the rest of the library never handles
// raw key material or calls a crypto API directly.
//
// Thread-safety: every function is safe to call from any thread (OpenSSL 3 and libargon2
// keep no shared mutable state for these calls). Nothing here logs, and no error message
// ever contains an input secret, key, password or code.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/status.hpp"

namespace boka::detail {

using Bytes = std::string;  // binary data; std::string so it moves and compares cheaply

// ---- randomness and comparison ---------------------------------------------------------
// `n` bytes from OpenSSL's CSPRNG (RAND_bytes). Code::internal if the generator fails
// (it never returns weak bytes).
Result<Bytes> random_bytes(std::size_t n);

// Constant-time equality (CRYPTO_memcmp) for secrets and digests. Different lengths are
// unequal; the length itself is not secret.
bool constant_time_equal(std::string_view a, std::string_view b);

// ---- encodings -------------------------------------------------------------------------
std::string hex_encode(std::string_view bytes);             // lowercase
std::optional<Bytes> hex_decode(std::string_view text);     // either case
std::string base64_encode(std::string_view bytes);          // standard, padded
std::optional<Bytes> base64_decode(std::string_view text);  // standard or url, padding optional
std::string base64url_encode(std::string_view bytes);       // no padding
std::string base32_encode(std::string_view bytes);          // RFC 4648, upper, no padding
std::optional<Bytes> base32_decode(
    std::string_view text);  // case-insensitive, padding/spaces ignored

// ---- digests, HMAC, one-time passwords -------------------------------------------------
enum class HashAlgorithm { sha1, sha256, sha512 };

Bytes sha256(std::string_view data);  // 32 raw bytes
Bytes hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message);

// RFC 4226 HOTP: the `digits`-digit (6..8) code for `counter`, zero-padded.
std::string hotp(HashAlgorithm algorithm, std::string_view secret, std::uint64_t counter,
                 int digits = 6);

// RFC 6238 TOTP step for Unix time `unix_seconds` (period 30 s, T0 = 0).
std::uint64_t totp_step(std::int64_t unix_seconds, int period_seconds = 30);

// The step among [step-window, step+window] whose code equals `code` (constant-time
// compare of each candidate), or nullopt. `code` must be exactly `digits` ASCII digits.
std::optional<std::uint64_t> totp_match(HashAlgorithm algorithm, std::string_view secret,
                                        std::string_view code, std::uint64_t step, int window,
                                        int digits = 6);

// otpauth://totp/Issuer:account?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded (RFC 3986 unreserved characters kept); `secret`
// is the raw secret, base32-encoded into the URI.
std::string totp_provisioning_uri(std::string_view issuer, std::string_view account,
                                  std::string_view secret);

// ---- authenticated encryption of secrets at rest ---------------------------------------
// A set of 32-byte AES-256-GCM keys by id, one of them current. Values are sealed with the
// current key and opened with whichever key id they name, so keys can be rotated: add the
// new key, make it current, and re-seal old values at leisure.
class SecretBox {
 public:
  // Parses a configured key: exactly 32 bytes given raw, as 64 hex digits, or as base64 of
  // 32 bytes. invalid_argument naming the accepted forms (never echoing the value).
  static Result<Bytes> parse_key(std::string_view configured);

  // `key_id`: 1..32 characters of [A-Za-z0-9_-]. invalid_argument otherwise or if the key
  // is not 32 bytes. The first key added becomes current.
  Status add_key(std::string_view key_id, Bytes key);
  Status set_current(std::string_view key_id);  // not_found for an unknown id
  bool empty() const { return keys_.empty(); }
  const std::string& current_key_id() const { return current_; }

  // "v1:<key id>:<base64(nonce(12) | ciphertext | tag(16))>", with a fresh random nonce;
  // `associated` (e.g. the record id) is authenticated but not stored.
  Result<std::string> seal(std::string_view plaintext, std::string_view associated) const;
  // Reverses seal. Any change to the value, the key, or `associated` fails with
  // Code::internal "stored secret failed authentication"; an unknown key id fails with
  // Code::unavailable naming the key id (ids are not secret).
  Result<Bytes> open(std::string_view sealed, std::string_view associated) const;
  // The key id a sealed value names, or "" if malformed.
  static std::string key_id_of(std::string_view sealed);

 private:
  std::map<std::string, Bytes, std::less<>> keys_;
  std::string current_;
};

// ---- passwords -------------------------------------------------------------------------
struct Argon2Params {
  std::uint32_t memory_kib = 19456;  // m
  std::uint32_t iterations = 2;      // t
  std::uint32_t parallelism = 1;     // p
};

// Argon2id PHC string ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>") with a 16-byte
// random salt and a 32-byte hash. The password is hashed byte for byte, never truncated.
Result<std::string> argon2id_hash(std::string_view password, const Argon2Params& params);
// True if `password` matches the PHC string `encoded` (argon2id only). A malformed stored
// string is Code::internal (without the string in the message).
Result<bool> argon2id_verify(std::string_view password, std::string_view encoded);
// The parameters in a PHC string, or nullopt if it is not a well-formed argon2id string.
std::optional<Argon2Params> argon2id_params(std::string_view encoded);

// Number of Unicode code points in valid UTF-8 text, or nullopt if `text` is not valid
// UTF-8 (overlongs, surrogates and values above U+10FFFF are invalid).
std::optional<std::size_t> utf8_code_points(std::string_view text);

// ---- API key format --------------------------------------------------------------------
// "boka_<id>_<secret><check>": id in decimal, secret = 32 random bytes in lowercase
// base32 (52 characters), check = 6 lowercase base32 characters of SHA-256 over
// "boka_<id>_<secret>", so a mistyped key is refused before any lookup.
std::string format_api_key(std::int64_t id, std::string_view secret_bytes);
struct ParsedApiKey {
  std::int64_t id = 0;
  std::string secret;  // the 52-character secret text as given (hash this to look it up)
};
// nullopt if the text is not a well-formed key with a valid checksum.
std::optional<ParsedApiKey> parse_api_key(std::string_view text);

}  // namespace boka::detail
