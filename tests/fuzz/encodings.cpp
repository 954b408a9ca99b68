// Fuzz target: the text encodings of secrets and keys (src/auth/crypto.hpp): hex, base64
// (standard and url), base32, the configured encryption key (SecretBox::parse_key), sealed
// values (SecretBox::open), and the two UTF-8 validators (the library's and boka-server's).
//
// Properties, beyond "no crash, no sanitizer report":
//  - every encoder round-trips the input bytes: decode(encode(b)) == b;
//  - a decoder that accepts text gives bytes that encode back to that text, modulo what the
//    format leaves free (case for hex and base32; padding and alphabet for base64);
//  - parse_key accepts only 32-byte keys, and its message never quotes the text;
//  - opening a value nobody sealed fails, with no exception and no crash;
//  - the library's UTF-8 check and boka-server's agree on every input.
#include <algorithm>
#include <cctype>
#include <string>

#include "auth/crypto.hpp"
#include "fuzz_support.hpp"
#include "http.hpp"

using namespace boka::detail;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const SecretBox& box() {
  static const SecretBox b = [] {
    SecretBox out;
    (void)out.add_key("k1", std::string(32, 'k'));
    return out;
  }();
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(boka::fuzz::as_text(data, size));

  // Encoders, on the raw bytes.
  FUZZ_CHECK(hex_decode(hex_encode(text)) == text, "hex round trip");
  FUZZ_CHECK(base64_decode(base64_encode(text)) == text, "base64 round trip");
  FUZZ_CHECK(base64_decode(base64url_encode(text)) == text, "base64url round trip");
  FUZZ_CHECK(base32_decode(base32_encode(text)) == text, "base32 round trip");

  // Decoders, on the text.
  if (auto bytes = hex_decode(text)) {
    FUZZ_CHECK(hex_encode(*bytes) == lower(text), "hex text is the encoding of its bytes");
  }
  if (auto bytes = base64_decode(text)) {
    // Whatever spelling was accepted, it names exactly these bytes: re-encoding is stable.
    FUZZ_CHECK(base64_decode(base64_encode(*bytes)) == bytes, "base64 decode is stable");
    FUZZ_CHECK(bytes->size() <= text.size(), "base64 never grows");
  }
  if (auto bytes = base32_decode(text)) {
    FUZZ_CHECK(base32_decode(base32_encode(*bytes)) == bytes, "base32 decode is stable");
    FUZZ_CHECK(bytes->size() <= text.size(), "base32 never grows");
  }

  // The configured encryption key.
  auto key = SecretBox::parse_key(text);
  if (key.ok()) {
    FUZZ_CHECK(key->size() == 32, "a parsed key has 32 bytes");
  } else {
    FUZZ_CHECK(!boka::fuzz::quotes_secret(key.status().message(), text),
               "the key's text is quoted in the message");
  }

  // A sealed value nobody sealed: the key id and nonce may parse, the tag never verifies.
  auto opened = box().open(text, "associated");
  FUZZ_CHECK(!opened.ok(), "a forged sealed value opened");
  (void)SecretBox::key_id_of(text);

  // Two UTF-8 validators, written apart: they must agree.
  FUZZ_CHECK(utf8_code_points(text).has_value() == boka::server::valid_utf8(text),
             "utf8_code_points and server::valid_utf8 disagree");
  return 0;
}
