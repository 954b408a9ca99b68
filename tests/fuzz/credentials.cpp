// Fuzz target: the credential formats boka reads (src/auth/crypto.hpp, include/boka/auth.hpp):
// Argon2id PHC strings, API keys, session tokens, TOTP codes, and the otpauth:// URIs boka
// writes for authenticator apps.
//
// Input: byte 0 picks the format; the rest is the text (for the otpauth URI: issuer,
// account and secret separated by NUL bytes). Properties, beyond "no crash":
//  - PHC: the parameter reader and the verifier agree on which strings are well formed,
//    and a malformed string's error does not quote it;
//  - API keys: a key that parses is exactly format_api_key of its id and secret (one
//    spelling per key), and the engine refuses an unknown key as unauthenticated;
//  - session tokens: any text is either a live session or unauthenticated, never another
//    error, and the message never quotes the token;
//  - TOTP: only a code of exactly `digits` ASCII digits can match;
//  - otpauth URIs: percent-decoding the label and parameters gives back the issuer,
//    account and secret exactly, whatever characters they hold.
#include <memory>
#include <string>
#include <vector>

#include "auth/crypto.hpp"
#include "boka/boka.hpp"
#include "fuzz_support.hpp"

using namespace boka;
using namespace boka::detail;

namespace {

Engine& engine() {
  static Engine* e = [] {
    EngineOptions options;
    options.auth.argon2_memory_kib = 8;
    options.auth.argon2_iterations = 1;
    auto opened = Engine::open("memory:", options);
    FUZZ_CHECK(opened.ok(), opened.status().message());
    return opened->release();  // lives as long as the process
  }();
  return *e;
}

void phc(const std::string& text) {
  const auto params = argon2id_params(text);
  // Verifying costs what the string asks for (by design: it is the engine's own stored
  // hash); only strings with a small cost are verified here, so the fuzzer stays fast.
  if (params && (params->memory_kib > 1024 || params->iterations > 3 || params->parallelism > 4)) {
    return;
  }
  auto verified = argon2id_verify("password", text);
  if (!params) {
    FUZZ_CHECK(!verified.ok(), "the verifier accepted a string argon2id_params refused");
    FUZZ_CHECK(!fuzz::quotes_secret(verified.status().message(), text),
               "the PHC string is quoted in the message");
  } else {
    FUZZ_CHECK(verified.ok() || verified.status().code() == Code::internal,
               verified.status().message());
  }
}

void api_key(const std::string& text) {
  if (auto parsed = parse_api_key(text)) {
    auto secret = base32_decode(parsed->secret);
    FUZZ_CHECK(secret.has_value(), "a parsed key's secret is base32");
    FUZZ_CHECK(format_api_key(parsed->id, *secret) == text, "one spelling per key");
  }
  auto principal = engine().auth().authenticate_api_key(text);
  FUZZ_CHECK(!principal.ok(), "an API key nobody created authenticated");
  FUZZ_CHECK(principal.status().code() == Code::unauthenticated ||
                 principal.status().code() == Code::invalid_argument,
             principal.status().message());
}

void session_token(const std::string& text) {
  auto principal = engine().auth().authenticate_session(text);
  FUZZ_CHECK(!principal.ok(), "a session token nobody issued authenticated");
  FUZZ_CHECK(principal.status().code() == Code::unauthenticated, principal.status().message());
  FUZZ_CHECK(!fuzz::quotes_secret(principal.status().message(), text),
             "the token is quoted in the message");
}

void totp_code(const std::string& text) {
  const std::string secret = "12345678901234567890";
  for (int digits : {6, 8}) {
    auto step = totp_match(HashAlgorithm::sha1, secret, text, 1000, 1, digits);
    if (step) {
      FUZZ_CHECK(text.size() == static_cast<std::size_t>(digits) &&
                     std::all_of(text.begin(), text.end(),
                                 [](char c) { return c >= '0' && c <= '9'; }),
                 "a code that is not `digits` digits matched");
      FUZZ_CHECK(hotp(HashAlgorithm::sha1, secret, *step, digits) == text, "matched the wrong step");
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding of a URI component; nullopt for a malformed escape or a
// character that a component must not hold unescaped.
std::optional<std::string> decode_component(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // "%" or "%X" at the end
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
               c == '~') {
      out.push_back(c);
    } else {
      return std::nullopt;  // a delimiter or a raw byte inside a component
    }
  }
  return out;
}

void otpauth(const std::string& text) {
  std::vector<std::string> parts(3);
  std::size_t p = 0;
  for (char c : text) {
    if (c == '\0' && p < 2) {
      ++p;
    } else {
      parts[p].push_back(c);
    }
  }
  const std::string& issuer = parts[0];
  const std::string& account = parts[1];
  const std::string& secret = parts[2];
  const std::string uri = totp_provisioning_uri(issuer, account, secret);
  const std::string prefix = "otpauth://totp/";
  FUZZ_CHECK(uri.rfind(prefix, 0) == 0, uri);
  const auto question = uri.find('?');
  FUZZ_CHECK(question != std::string::npos, uri);
  const std::string label = uri.substr(prefix.size(), question - prefix.size());
  // "Issuer:account", or just the account without an issuer (then no issuer parameter).
  const auto colon = label.find(':');
  if (issuer.empty()) {
    FUZZ_CHECK(colon == std::string::npos, "a label without issuer holds ':' " + uri);
    FUZZ_CHECK(decode_component(label) == account, "label account " + uri);
  } else {
    FUZZ_CHECK(colon != std::string::npos && label.find(':', colon + 1) == std::string::npos,
               "the label holds exactly one unescaped ':' " + uri);
    FUZZ_CHECK(decode_component(label.substr(0, colon)) == issuer, "label issuer " + uri);
    FUZZ_CHECK(decode_component(label.substr(colon + 1)) == account, "label account " + uri);
  }
  std::string query = uri.substr(question + 1);
  bool saw_secret = false, saw_issuer = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string pair = query.substr(0, amp);
    query = amp == std::string::npos ? "" : query.substr(amp + 1);
    const auto eq = pair.find('=');
    FUZZ_CHECK(eq != std::string::npos, "parameter without '=' " + uri);
    const auto value = decode_component(pair.substr(eq + 1));
    FUZZ_CHECK(value.has_value(), "parameter not percent-encoded " + uri);
    const std::string name = pair.substr(0, eq);
    if (name == "secret") {
      saw_secret = true;
      FUZZ_CHECK(base32_decode(*value) == secret, "secret " + uri);
    } else if (name == "issuer") {
      saw_issuer = true;
      FUZZ_CHECK(*value == issuer, "issuer parameter " + uri);
    }
  }
  FUZZ_CHECK(saw_secret && saw_issuer == !issuer.empty(), uri);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(boka::fuzz::as_text(data + 1, size - 1));
  switch (data[0] % 5) {
    case 0: phc(text); break;
    case 1: api_key(text); break;
    case 2: session_token(text); break;
    case 3: totp_code(text); break;
    default: otpauth(text); break;
  }
  return 0;
}
