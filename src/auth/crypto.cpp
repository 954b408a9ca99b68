#include "auth/crypto.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <climits>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

namespace boka::detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kSealVersion = "v1";
constexpr std::size_t kMaxKeyIdLength = 32;

constexpr std::uint32_t kSaltBytes = 16;
constexpr std::uint32_t kHashBytes = 32;

constexpr std::string_view kApiKeyPrefix = "boka_";
constexpr std::size_t kApiSecretChars = 52;  // 32 bytes in unpadded base32
constexpr std::size_t kApiCheckChars = 6;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c, bool& saw_std, bool& saw_url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '/') {
    saw_std = true;
    return c == '+' ? 62 : 63;
  }
  if (c == '-' || c == '_') {
    saw_url = true;
    return c == '-' ? 62 : 63;
  }
  return -1;
}

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

std::string base64_with(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) v |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::string to_lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const EVP_MD* digest_of(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha1: return EVP_sha1();
    case HashAlgorithm::sha256: return EVP_sha256();
    case HashAlgorithm::sha512: return EVP_sha512();
  }
  return nullptr;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      static constexpr char kUpperHex[] = "0123456789ABCDEF";
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kUpperHex[b >> 4]);
      out.push_back(kUpperHex[b & 0xF]);
    }
  }
  return out;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// The sealed value's own prefix ("v1:<key id>:") is authenticated with the caller's data, so
// a value cannot be relabelled to another key id or format version. The key id cannot
// contain ':', so the concatenation is unambiguous.
std::string associated_data(std::string_view key_id, std::string_view associated) {
  std::string aad;
  aad.reserve(kSealVersion.size() + key_id.size() + 2 + associated.size());
  aad.append(kSealVersion).append(":").append(key_id).append(":").append(associated);
  return aad;
}

Status authentication_failed() { return InternalError("stored secret failed authentication"); }

// "v1:<key id>:<body>" split into its key id and body; false if the frame is malformed.
bool split_sealed(std::string_view sealed, std::string_view& key_id, std::string_view& body) {
  if (sealed.size() <= kSealVersion.size() + 1 ||
      sealed.substr(0, kSealVersion.size()) != kSealVersion || sealed[kSealVersion.size()] != ':') {
    return false;
  }
  const std::string_view rest = sealed.substr(kSealVersion.size() + 1);
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  key_id = rest.substr(0, colon);
  body = rest.substr(colon + 1);
  return valid_key_id(key_id);
}

// A strictly decimal, positive uint32 without sign or leading zeros.
std::optional<std::uint32_t> parse_u32(std::string_view text) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// argon2's own encoding: standard base64 alphabet, no padding.
std::optional<Bytes> phc_base64_decode(std::string_view text) {
  for (char c : text) {
    if (c == '=' || c == '-' || c == '_') return std::nullopt;
  }
  return base64_decode(text);
}

std::string_view take_field(std::string_view& rest) {
  const std::size_t dollar = rest.find('$');
  std::string_view field = rest.substr(0, dollar);
  rest = dollar == std::string_view::npos ? std::string_view() : rest.substr(dollar + 1);
  return field;
}

}  // namespace

// ---- randomness and comparison ---------------------------------------------------------

Result<Bytes> random_bytes(std::size_t n) {
  try {
    if (n > static_cast<std::size_t>(INT_MAX)) {
      return InvalidArgument("random_bytes: at most " + std::to_string(INT_MAX) + " bytes");
    }
    Bytes out(n, '\0');
    if (n > 0 && RAND_bytes(bytes_of(out), static_cast<int>(n)) != 1) {
      return InternalError("the random number generator failed");
    }
    return out;
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory generating random bytes");
  }
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- encodings -------------------------------------------------------------------------

std::string hex_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xF]);
  }
  return out;
}

std::optional<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::string base64_encode(std::string_view bytes) { return base64_with(bytes, kBase64Std, true); }

std::string base64url_encode(std::string_view bytes) {
  return base64_with(bytes, kBase64Url, false);
}

// Strict: one alphabet per text, padding only at the end and only as much as the length
// needs, and the unused low bits of the last character zero, so each byte string has exactly
// one accepted encoding per alphabet and padding choice.
std::optional<Bytes> base64_decode(std::string_view text) {
  std::size_t data_len = text.size();
  while (data_len > 0 && text[data_len - 1] == '=') --data_len;
  const std::size_t padding = text.size() - data_len;
  if (padding > 2) return std::nullopt;
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  if (data_len % 4 == 1) return std::nullopt;
  if (padding > 0 && (data_len % 4) + padding != 4) return std::nullopt;

  bool saw_std = false;
  bool saw_url = false;
  Bytes out;
  out.reserve(data_len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    const int v = base64_value(text[i], saw_std, saw_url);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (saw_std && saw_url) return std::nullopt;
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32[(acc << (5 - bits)) & 31]);
  return out;
}

// Lenient where people copy secrets by hand (case, spaces, padding) and in the unused low
// bits of the last character, which some authenticator secret generators leave non-zero;
// lengths that cannot hold whole bytes are refused.
std::optional<Bytes> base32_decode(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '=' || text[end - 1] == ' ')) --end;
  Bytes out;
  out.reserve(end * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == ' ') continue;
    const int v = base32_value(text[i]);
    if (v < 0) return std::nullopt;
    ++chars;
    acc = (acc << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  switch (chars % 8) {
    case 1:
    case 3:
    case 6: return std::nullopt;
    default: return out;
  }
}

// ---- digests, HMAC, one-time passwords -------------------------------------------------

Bytes sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return Bytes();
  }
  return Bytes(reinterpret_cast<const char*>(digest.data()), length);
}

Bytes hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message) {
  const EVP_MD* md = digest_of(algorithm);
  if (md == nullptr || key.size() > static_cast<std::size_t>(INT_MAX)) return Bytes();
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  // OpenSSL's MAC API reads a null key as "no key given" and fails, so an empty key must still
  // be a valid pointer.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()), bytes_of(message), message.size(), mac.data(),
           &length) == nullptr) {
    return Bytes();
  }
  return Bytes(reinterpret_cast<const char*>(mac.data()), length);
}

std::string hotp(HashAlgorithm algorithm, std::string_view secret, std::uint64_t counter,
                 int digits) {
  if (digits < 6 || digits > 8) return std::string();
  std::array<char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<char>(counter & 0xFF);
    counter >>= 8;
  }
  const Bytes mac = hmac(algorithm, secret, std::string_view(message.data(), message.size()));
  if (mac.size() < 20) return std::string();
  // RFC 4226 5.3 dynamic truncation (RFC 6238 applies it unchanged to SHA-256/512).
  const std::size_t offset = static_cast<unsigned char>(mac.back()) & 0x0F;
  const std::uint32_t binary =
      ((std::uint32_t{static_cast<unsigned char>(mac[offset])} & 0x7F) << 24) |
      (std::uint32_t{static_cast<unsigned char>(mac[offset + 1])} << 16) |
      (std::uint32_t{static_cast<unsigned char>(mac[offset + 2])} << 8) |
      std::uint32_t{static_cast<unsigned char>(mac[offset + 3])};
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::uint32_t code = binary % modulus;
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && code > 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + code % 10);
    code /= 10;
  }
  return out;
}

std::uint64_t totp_step(std::int64_t unix_seconds, int period_seconds) {
  // Instants before 1970 and non-positive periods have no meaningful step; 0 keeps the
  // arithmetic defined (such a code will simply not match a current one).
  if (unix_seconds < 0 || period_seconds <= 0) return 0;
  return static_cast<std::uint64_t>(unix_seconds) / static_cast<std::uint64_t>(period_seconds);
}

std::optional<std::uint64_t> totp_match(HashAlgorithm algorithm, std::string_view secret,
                                        std::string_view code, std::uint64_t step, int window,
                                        int digits) {
  if (digits < 6 || digits > 8 || window < 0) return std::nullopt;
  if (code.size() != static_cast<std::size_t>(digits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  constexpr std::uint64_t kMaxStep = std::numeric_limits<std::uint64_t>::max();
  const auto w = static_cast<std::uint64_t>(window);
  const std::uint64_t first = step >= w ? step - w : 0;
  const std::uint64_t last = step <= kMaxStep - w ? step + w : kMaxStep;
  // Every candidate is computed and compared, so the time taken does not reveal which step
  // matched. The earliest matching step wins: a caller that refuses steps at or before the
  // last one used then also refuses a replayed code that happens to collide with a later step.
  std::optional<std::uint64_t> match;
  for (std::uint64_t s = first;; ++s) {
    const std::string candidate = hotp(algorithm, secret, s, digits);
    if (constant_time_equal(candidate, code) && !match) match = s;
    if (s == last) break;
  }
  return match;
}

std::string totp_provisioning_uri(std::string_view issuer, std::string_view account,
                                  std::string_view secret) {
  std::string uri = "otpauth://totp/";
  if (!issuer.empty()) uri += percent_encode(issuer) + ":";
  uri += percent_encode(account);
  uri += "?secret=" + base32_encode(secret);
  if (!issuer.empty()) uri += "&issuer=" + percent_encode(issuer);
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

// ---- authenticated encryption of secrets at rest ---------------------------------------

Result<Bytes> SecretBox::parse_key(std::string_view configured) {
  try {
    // Text forms may arrive with a trailing newline from a file or an environment variable.
    // A raw key is taken exactly as given: its bytes are arbitrary. The forms cannot be
    // confused: hex is 64 characters, base64 of 32 bytes 43 or 44, a raw key 32 bytes.
    std::string_view text = configured;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t')) {
      text.remove_suffix(1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    if (text.size() == 2 * kKeyBytes) {
      if (auto key = hex_decode(text)) return std::move(*key);
    }
    if (text.size() == 43 || text.size() == 44) {
      if (auto key = base64_decode(text); key && key->size() == kKeyBytes) return std::move(*key);
    }
    if (configured.size() == kKeyBytes) return Bytes(configured);
    return InvalidArgument("encryption key must be 32 bytes: raw, 64 hex digits, or base64 (got " +
                           std::to_string(configured.size()) + " bytes of text)");
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory parsing the encryption key");
  }
}

Status SecretBox::add_key(std::string_view key_id, Bytes key) {
  try {
    if (!valid_key_id(key_id)) {
      return InvalidArgument("encryption key id must be 1..32 characters of [A-Za-z0-9_-]");
    }
    if (key.size() != kKeyBytes) {
      return InvalidArgument("encryption key '" + std::string(key_id) + "' must be 32 bytes, got " +
                             std::to_string(key.size()));
    }
    if (auto it = keys_.find(key_id); it != keys_.end()) {
      if (constant_time_equal(it->second, key)) return Status::Ok();
      // Replacing a key would make every value sealed with it unreadable.
      return AlreadyExists("encryption key id '" + std::string(key_id) +
                           "' is already configured with a different key");
    }
    keys_.emplace(std::string(key_id), std::move(key));
    if (current_.empty()) current_ = std::string(key_id);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory adding an encryption key");
  }
}

Status SecretBox::set_current(std::string_view key_id) {
  try {
    auto it = keys_.find(key_id);
    if (it == keys_.end()) {
      return NotFound("encryption key id '" + std::string(key_id) + "' is not configured");
    }
    current_ = it->first;
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory selecting an encryption key");
  }
}

Result<std::string> SecretBox::seal(std::string_view plaintext, std::string_view associated) const {
  try {
    auto it = keys_.find(current_);
    if (it == keys_.end()) return Unavailable("no encryption key is configured");
    if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - kNonceBytes - kTagBytes ||
        associated.size() > static_cast<std::size_t>(INT_MAX) - 64) {
      return InvalidArgument("secret too large to seal");
    }
    BOKA_ASSIGN_OR_RETURN(Bytes nonce, random_bytes(kNonceBytes));
    const std::string aad = associated_data(current_, associated);

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return InternalError("out of memory sealing a secret");
    Bytes frame(kNonceBytes + plaintext.size() + kTagBytes, '\0');
    std::memcpy(frame.data(), nonce.data(), kNonceBytes);
    unsigned char* out = bytes_of(frame) + kNonceBytes;
    int len = 0;
    bool ok =
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                            nullptr) == 1 &&
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(it->second), bytes_of(nonce)) == 1;
    ok = ok && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad),
                                 static_cast<int>(aad.size())) == 1;
    int written = 0;
    if (ok && !plaintext.empty()) {
      ok = EVP_EncryptUpdate(ctx.get(), out, &len, bytes_of(plaintext),
                             static_cast<int>(plaintext.size())) == 1;
      written = len;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), out + written, &len) == 1;
    written += ok ? len : 0;
    ok = ok && static_cast<std::size_t>(written) == plaintext.size() &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                             out + written) == 1;
    if (!ok) return InternalError("sealing a secret failed");
    return std::string(kSealVersion) + ":" + current_ + ":" + base64_encode(frame);
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory sealing a secret");
  }
}

Result<Bytes> SecretBox::open(std::string_view sealed, std::string_view associated) const {
  try {
    std::string_view key_id;
    std::string_view body;
    if (!split_sealed(sealed, key_id, body)) return authentication_failed();
    auto it = keys_.find(key_id);
    if (it == keys_.end()) {
      return Unavailable("encryption key '" + std::string(key_id) +
                         "' named by a stored secret is not configured");
    }
    auto frame = base64_decode(body);
    // Only seal's own encoding is accepted, so any change to the text is refused, not only
    // changes to the bytes it encodes.
    if (!frame || frame->size() < kNonceBytes + kTagBytes || base64_encode(*frame) != body ||
        frame->size() > static_cast<std::size_t>(INT_MAX) ||
        associated.size() > static_cast<std::size_t>(INT_MAX) - 64) {
      return authentication_failed();
    }
    const std::string aad = associated_data(key_id, associated);
    const std::size_t ciphertext_size = frame->size() - kNonceBytes - kTagBytes;
    unsigned char* nonce = bytes_of(*frame);
    unsigned char* ciphertext = nonce + kNonceBytes;
    unsigned char* tag = ciphertext + ciphertext_size;

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return InternalError("out of memory opening a secret");
    Bytes plaintext(ciphertext_size, '\0');
    int len = 0;
    bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                                  nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(it->second), nonce) == 1;
    ok = ok && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad),
                                 static_cast<int>(aad.size())) == 1;
    int written = 0;
    if (ok && ciphertext_size > 0) {
      ok = EVP_DecryptUpdate(ctx.get(), bytes_of(plaintext), &len, ciphertext,
                             static_cast<int>(ciphertext_size)) == 1;
      written = len;
    }
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                                   tag) == 1;
    ok = ok && EVP_DecryptFinal_ex(ctx.get(), bytes_of(plaintext) + written, &len) == 1;
    if (!ok) {
      OPENSSL_cleanse(plaintext.data(), plaintext.size());
      return authentication_failed();
    }
    return plaintext;
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory opening a secret");
  }
}

std::string SecretBox::key_id_of(std::string_view sealed) {
  std::string_view key_id;
  std::string_view body;
  if (!split_sealed(sealed, key_id, body)) return std::string();
  return std::string(key_id);
}

// ---- passwords -------------------------------------------------------------------------

Result<std::string> argon2id_hash(std::string_view password, const Argon2Params& params) {
  try {
    if (params.iterations < ARGON2_MIN_TIME || params.parallelism < ARGON2_MIN_LANES ||
        params.parallelism > ARGON2_MAX_LANES || params.memory_kib < 8 * params.parallelism) {
      return InvalidArgument(
          "argon2id parameters: need t >= 1, 1 <= p <= " + std::to_string(ARGON2_MAX_LANES) +
          " and m >= 8 * p KiB, got m=" + std::to_string(params.memory_kib) +
          ",t=" + std::to_string(params.iterations) + ",p=" + std::to_string(params.parallelism));
    }
    if (password.size() > ARGON2_MAX_PWD_LENGTH) return InvalidArgument("password too long");
    BOKA_ASSIGN_OR_RETURN(Bytes salt, random_bytes(kSaltBytes));
    const std::size_t length =
        argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism, kSaltBytes,
                          kHashBytes, Argon2_id);
    std::string encoded(length, '\0');
    const int rc = ::argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                           password.data(), password.size(), salt.data(),
                                           salt.size(), kHashBytes, encoded.data(), encoded.size());
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
      return InternalError("out of memory hashing a password");
    }
    if (rc != ARGON2_OK) {
      return InternalError(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
    }
    encoded.resize(std::strlen(encoded.c_str()));
    return encoded;
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory hashing a password");
  }
}

Result<bool> argon2id_verify(std::string_view password, std::string_view encoded) {
  try {
    if (!argon2id_params(encoded)) {
      return InternalError("stored password hash is not a well-formed argon2id string");
    }
    if (password.size() > ARGON2_MAX_PWD_LENGTH) return false;
    const std::string terminated(encoded);  // libargon2 wants a C string
    const int rc = ::argon2id_verify(terminated.c_str(), password.data(), password.size());
    if (rc == ARGON2_OK) return true;
    if (rc == ARGON2_VERIFY_MISMATCH) return false;
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
      return InternalError("out of memory verifying a password");
    }
    return InternalError(std::string("argon2id verification failed: ") + argon2_error_message(rc));
  } catch (const std::bad_alloc&) {
    return InternalError("out of memory verifying a password");
  }
}

std::optional<Argon2Params> argon2id_params(std::string_view encoded) {
  try {
    std::string_view rest = encoded;
    if (take_field(rest) != "" || take_field(rest) != "argon2id" || take_field(rest) != "v=19") {
      return std::nullopt;
    }
    const std::string_view costs = take_field(rest);
    const std::string_view salt = take_field(rest);
    const std::string_view hash = take_field(rest);
    if (!rest.empty() || encoded.back() == '$') return std::nullopt;

    Argon2Params params;
    std::string_view c = costs;
    const std::array<std::pair<std::string_view, std::uint32_t*>, 3> fields{
        {{"m=", &params.memory_kib}, {"t=", &params.iterations}, {"p=", &params.parallelism}}};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::size_t comma = c.find(',');
      const std::string_view field = c.substr(0, comma);
      if (field.substr(0, 2) != fields[i].first) return std::nullopt;
      const auto value = parse_u32(field.substr(2));
      if (!value || *value == 0) return std::nullopt;
      *fields[i].second = *value;
      const bool is_last = i + 1 == fields.size();
      if ((comma == std::string_view::npos) != is_last) return std::nullopt;
      c = is_last ? std::string_view() : c.substr(comma + 1);
    }
    if (params.parallelism > ARGON2_MAX_LANES || params.memory_kib < 8 * params.parallelism) {
      return std::nullopt;
    }
    const auto salt_bytes = phc_base64_decode(salt);
    const auto hash_bytes = phc_base64_decode(hash);
    if (!salt_bytes || salt_bytes->size() < ARGON2_MIN_SALT_LENGTH || !hash_bytes ||
        hash_bytes->size() < ARGON2_MIN_OUTLEN) {
      return std::nullopt;
    }
    return params;
  } catch (const std::bad_alloc&) {
    return std::nullopt;
  }
}

std::optional<std::size_t> utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned char lo = 0x80;  // range of the first continuation byte (Unicode table 3-7)
    unsigned char hi = 0xBF;
    if (b < 0x80) {
      extra = 0;
    } else if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return std::nullopt;  // continuation byte, 0xC0/0xC1 overlong lead, or 0xF5..0xFF
    }
    if (text.size() - i - 1 < extra) return std::nullopt;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return std::nullopt;
    }
    i += 1 + extra;
    ++count;
  }
  return count;
}

// ---- API key format --------------------------------------------------------------------

namespace {

std::string api_key_check(std::string_view body) {
  return to_lower_ascii(base32_encode(sha256(body))).substr(0, kApiCheckChars);
}

}  // namespace

std::string format_api_key(std::int64_t id, std::string_view secret_bytes) {
  std::string body = std::string(kApiKeyPrefix) + std::to_string(id) + "_" +
                     to_lower_ascii(base32_encode(secret_bytes));
  return body + api_key_check(body);
}

std::optional<ParsedApiKey> parse_api_key(std::string_view text) {
  try {
    if (text.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) return std::nullopt;
    const std::string_view after_prefix = text.substr(kApiKeyPrefix.size());
    const std::size_t underscore = after_prefix.find('_');
    if (underscore == std::string_view::npos) return std::nullopt;
    const std::string_view id_text = after_prefix.substr(0, underscore);
    if (id_text.empty() || id_text.size() > 19 || id_text[0] == '0') return std::nullopt;
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || id <= 0) {
      return std::nullopt;
    }
    const std::string_view tail = after_prefix.substr(underscore + 1);
    if (tail.size() != kApiSecretChars + kApiCheckChars) return std::nullopt;
    for (char c : tail) {
      if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return std::nullopt;
    }
    const std::string_view secret = tail.substr(0, kApiSecretChars);
    // Only the canonical encoding of 32 bytes (unused low bits zero) is a key.
    const auto secret_bytes = base32_decode(secret);
    if (!secret_bytes || secret_bytes->size() != kKeyBytes ||
        to_lower_ascii(base32_encode(*secret_bytes)) != secret) {
      return std::nullopt;
    }
    const std::string_view body = text.substr(0, text.size() - kApiCheckChars);
    if (!constant_time_equal(api_key_check(body), tail.substr(kApiSecretChars))) {
      return std::nullopt;
    }
    return ParsedApiKey{id, std::string(secret)};
  } catch (const std::bad_alloc&) {
    return std::nullopt;
  }
}

}  // namespace boka::detail
