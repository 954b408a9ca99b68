// The internal crypto module (src/auth/crypto.hpp): published test vectors for the
// encodings, HMAC, HOTP and TOTP; oathtool as an independent TOTP implementation; tamper
// resistance of sealed secrets; argon2id password hashes; UTF-8 and API key validation.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "auth/crypto.hpp"

using namespace boka;
using namespace boka::detail;

namespace {

const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

// Cheap parameters so the suite stays fast; the defaults are exercised once.
const Argon2Params kCheap{256, 1, 1};

std::string fixed_bytes(std::size_t n, unsigned char first = 0) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(first + i));
  return out;
}

// Runs `command`, returns its stdout with the trailing newline removed; fails the test if the
// command cannot run or exits non-zero.
std::string run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int rc = pclose(pipe);
  INFO(command << " -> " << out);
  REQUIRE(rc == 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

SecretBox box_with(std::string_view id, unsigned char key_byte) {
  SecretBox box;
  REQUIRE(box.add_key(id, Bytes(32, static_cast<char>(key_byte))).ok());
  return box;
}

// The sealed value with byte `index` of its decoded nonce|ciphertext|tag flipped.
std::string flip_frame_byte(const std::string& sealed, std::size_t index) {
  const std::size_t body_at = sealed.rfind(':') + 1;
  auto frame = base64_decode(sealed.substr(body_at));
  REQUIRE(frame);
  REQUIRE(index < frame->size());
  (*frame)[index] = static_cast<char>((*frame)[index] ^ 0x01);
  return sealed.substr(0, body_at) + base64_encode(*frame);
}

}  // namespace

// ---- HOTP / TOTP -----------------------------------------------------------------------

TEST_CASE("HOTP matches the RFC 4226 Appendix D vectors", "[crypto]") {
  const std::vector<std::string> expected = {"755224", "287082", "359152", "969429", "338314",
                                             "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
    INFO("counter " << counter);
    CHECK(hotp(HashAlgorithm::sha1, kSeed20, counter) == expected[counter]);
  }
}

TEST_CASE("TOTP matches the RFC 6238 Appendix B vectors for SHA-1, SHA-256 and SHA-512",
          "[crypto]") {
  struct Vector {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const std::vector<Vector> vectors = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Vector& v : vectors) {
    INFO("time " << v.time);
    const std::uint64_t step = totp_step(v.time);
    CHECK(hotp(HashAlgorithm::sha1, kSeed20, step, 8) == v.sha1);
    CHECK(hotp(HashAlgorithm::sha256, kSeed32, step, 8) == v.sha256);
    CHECK(hotp(HashAlgorithm::sha512, kSeed64, step, 8) == v.sha512);
  }
  CHECK(totp_step(59) == 1);
  CHECK(totp_step(60) == 2);
  CHECK(totp_step(1111111109) == 0x23523EC);
}

TEST_CASE("TOTP codes agree with oathtool", "[crypto]") {
  if (std::system("command -v oathtool >/dev/null 2>&1") != 0) {
    FAIL("oathtool is not installed: run scripts/install-deps.sh (Debian package oathtool)");
  }
  const std::string secret = fixed_bytes(20, 0xA0);
  const std::string b32 = base32_encode(secret);
  for (std::int64_t t : {0LL, 59LL, 1111111109LL, 1700000000LL, 1767225599LL, 4102444800LL}) {
    INFO("time " << t);
    const std::string at = " --now=@" + std::to_string(t) + " ";
    CHECK(run_command("oathtool --totp -b" + at + b32) ==
          hotp(HashAlgorithm::sha1, secret, totp_step(t)));
    CHECK(run_command("oathtool --totp=sha256 -d 8 -b" + at + b32) ==
          hotp(HashAlgorithm::sha256, secret, totp_step(t), 8));
    CHECK(run_command("oathtool --totp=sha512 -d 7 -b" + at + b32) ==
          hotp(HashAlgorithm::sha512, secret, totp_step(t), 7));
  }
  CHECK(run_command("oathtool --totp -b --now=@1111111109 " + base32_encode(kSeed20)) == "081804");
}

TEST_CASE("totp_match accepts the steps within the window and nothing else", "[crypto]") {
  const std::uint64_t step = totp_step(1111111111);
  auto code_at = [](std::uint64_t s) { return hotp(HashAlgorithm::sha1, kSeed20, s); };
  auto match = [&](std::string_view code, int window) {
    return totp_match(HashAlgorithm::sha1, kSeed20, code, step, window);
  };
  for (std::uint64_t s : {step - 1, step, step + 1}) {
    INFO("step offset " << static_cast<std::int64_t>(s - step));
    CHECK(match(code_at(s), 1) == s);
  }
  CHECK_FALSE(match(code_at(step - 2), 1));
  CHECK_FALSE(match(code_at(step + 2), 1));
  CHECK(match(code_at(step + 2), 2) == step + 2);
  CHECK_FALSE(match(code_at(step + 1), 0));
  CHECK_FALSE(match(code_at(step), -1));
  CHECK_FALSE(totp_match(HashAlgorithm::sha1, "another secret", code_at(step), step, 1));

  // Eight digits against the RFC vector.
  CHECK(totp_match(HashAlgorithm::sha1, kSeed20, "14050471", step, 0, 8) == step);

  const std::string code = hotp(HashAlgorithm::sha1, kSeed20, step);
  for (const std::string& bad :
       {code.substr(0, 5), code + "0", " " + code.substr(1), code.substr(0, 5) + "a",
        std::string("12345\xd9", 6), std::string(), code.substr(0, 5) + std::string(1, '\0')}) {
    INFO("code '" << bad << "'");
    CHECK_FALSE(match(bad, 1));
  }
  // Step 0 with a window does not wrap around.
  CHECK(totp_match(HashAlgorithm::sha1, kSeed20, "755224", 0, 1) == std::uint64_t{0});
}

TEST_CASE("totp_provisioning_uri percent-encodes the label and issuer", "[crypto]") {
  CHECK(totp_provisioning_uri("Boka Inc", "alice@example.com", kSeed20) ==
        "otpauth://totp/Boka%20Inc:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=Boka%20Inc&algorithm=SHA1&digits=6&period=30");
  CHECK(totp_provisioning_uri("a:b&c", "x_y-z.~", "f") ==
        "otpauth://totp/"
        "a%3Ab%26c:x_y-z.~?secret=MY&issuer=a%3Ab%26c&algorithm=SHA1&digits=6&period=30");
  CHECK(totp_provisioning_uri("B\xc3\xb6ka", "b", "f") ==
        "otpauth://totp/B%C3%B6ka:b?secret=MY&issuer=B%C3%B6ka&algorithm=SHA1&digits=6&period=30");
}

// ---- digests ---------------------------------------------------------------------------

TEST_CASE("sha256 and hmac match published vectors", "[crypto]") {
  CHECK(hex_encode(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string data = "what do ya want for nothing?";
  CHECK(hex_encode(hmac(HashAlgorithm::sha1, "Jefe", data)) ==
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");  // RFC 2202 case 2
  CHECK(hex_encode(hmac(HashAlgorithm::sha256, "Jefe", data)) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");  // RFC 4231 case 2
  CHECK(hex_encode(hmac(HashAlgorithm::sha512, "Jefe", data)) ==
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  CHECK(hex_encode(hmac(HashAlgorithm::sha256, "", "")) ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("constant_time_equal compares contents and lengths", "[crypto]") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("random_bytes returns distinct bytes of the requested length", "[crypto]") {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  auto empty = random_bytes(0);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

// ---- encodings -------------------------------------------------------------------------

TEST_CASE("encodings match the RFC 4648 vectors", "[crypto]") {
  const std::vector<std::pair<std::string, std::string>> b64 = {{"", ""},
                                                                {"f", "Zg=="},
                                                                {"fo", "Zm8="},
                                                                {"foo", "Zm9v"},
                                                                {"foob", "Zm9vYg=="},
                                                                {"fooba", "Zm9vYmE="},
                                                                {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : b64) {
    INFO(plain);
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == plain);
  }
  const std::vector<std::pair<std::string, std::string>> b32 = {{"", ""},
                                                                {"f", "MY"},
                                                                {"fo", "MZXQ"},
                                                                {"foo", "MZXW6"},
                                                                {"foob", "MZXW6YQ"},
                                                                {"fooba", "MZXW6YTB"},
                                                                {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : b32) {
    INFO(plain);
    CHECK(base32_encode(plain) == encoded);
    CHECK(base32_decode(encoded) == plain);
  }
  CHECK(base32_decode("MZXW6YTBOI======") == std::string("foobar"));
  CHECK(base32_decode("mzxw 6ytb oi") == std::string("foobar"));
  CHECK(base32_decode("MY======") == std::string("f"));
  CHECK(hex_encode("foobar") == "666f6f626172");
  CHECK(hex_decode("666F6f626172") == std::string("foobar"));
  CHECK(hex_decode("") == std::string());
}

TEST_CASE("encodings round-trip every byte value", "[crypto]") {
  for (std::size_t n = 0; n <= 40; ++n) {
    INFO("length " << n);
    const std::string bytes = fixed_bytes(n, static_cast<unsigned char>(250 - 3 * n));
    CHECK(hex_decode(hex_encode(bytes)) == bytes);
    CHECK(base64_decode(base64_encode(bytes)) == bytes);
    CHECK(base64_decode(base64url_encode(bytes)) == bytes);
    CHECK(base32_decode(base32_encode(bytes)) == bytes);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(hex_decode(hex_encode(all)) == all);
  CHECK(base64_decode(base64_encode(all)) == all);
  CHECK(base32_decode(base32_encode(all)) == all);
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64_encode("\xfb\xff") == "+/8=");
}

TEST_CASE("malformed encodings are refused", "[crypto]") {
  for (const char* bad : {"abc", "0g", "zz", "12 3", "1-"}) {
    INFO(bad);
    CHECK_FALSE(hex_decode(bad));
  }
  for (const char* bad :
       {"Z", "Zg=", "Zg===", "Zm9v=", "Z===", "Zm9v!", "Zg==Zg==", "Z=g=", "+-8A", "Zh==", "Zm9"}) {
    INFO(bad);
    CHECK_FALSE(base64_decode(bad));
  }
  for (const char* bad : {"M", "MZX", "MZXW6Y", "MZ1Q", "MZ8Q", "MZ0Q", "MY=A", "M!"}) {
    INFO(bad);
    CHECK_FALSE(base32_decode(bad));
  }
  CHECK(base64_decode("Zm8") == std::string("fo"));  // padding is optional
}

// ---- sealed secrets --------------------------------------------------------------------

TEST_CASE("SecretBox round-trips and names its key", "[crypto]") {
  SecretBox box = box_with("k1", 7);
  CHECK(box.current_key_id() == "k1");
  for (const std::string& plain : {std::string(), std::string("hunter2"), fixed_bytes(300)}) {
    auto sealed = box.seal(plain, "tenant 1 user 42");
    REQUIRE(sealed.ok());
    CHECK(sealed->rfind("v1:k1:", 0) == 0);
    CHECK(SecretBox::key_id_of(*sealed) == "k1");
    auto opened = box.open(*sealed, "tenant 1 user 42");
    REQUIRE(opened.ok());
    CHECK(*opened == plain);
  }
  auto a = box.seal("same", "x");
  auto b = box.seal("same", "x");
  REQUIRE((a.ok() && b.ok()));
  CHECK(*a != *b);  // fresh nonce each time
  CHECK(SecretBox::key_id_of("garbage").empty());
  CHECK(SecretBox::key_id_of("v1:bad id:abc").empty());
  CHECK(SecretBox::key_id_of("v2:k1:abc").empty());
}

TEST_CASE("SecretBox refuses every flipped byte and other associated data", "[crypto]") {
  SecretBox box = box_with("k1", 7);
  auto sealed = box.seal("hunter2", "user 42");
  REQUIRE(sealed.ok());
  const std::size_t frame_size = 12 + 7 + 16;
  REQUIRE(base64_decode(sealed->substr(6))->size() == frame_size);
  for (std::size_t i = 0; i < frame_size; ++i) {
    INFO("flipped byte " << i);
    auto opened = box.open(flip_frame_byte(*sealed, i), "user 42");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::internal);
    CHECK(opened.status().message() == "stored secret failed authentication");
  }
  for (const char* other : {"user 43", "", "user 42 ", "user 4"}) {
    INFO("associated '" << other << "'");
    auto opened = box.open(*sealed, other);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::internal);
  }
  // Structural damage: truncation, another version, a re-encoding of the same bytes.
  const std::string body = sealed->substr(6);
  for (const std::string& bad :
       {sealed->substr(0, sealed->size() - 4), "v2" + sealed->substr(2), std::string("v1:k1:"),
        std::string("v1:k1:AAAA"), "v1:k1:" + base64url_encode(*base64_decode(body)), *sealed + "=",
        std::string("nonsense")}) {
    INFO(bad);
    auto opened = box.open(bad, "user 42");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::internal);
  }
  // Relabelling the value with another configured key id fails too.
  REQUIRE(box.add_key("k2", Bytes(32, '\x07')).ok());
  auto relabelled = box.open("v1:k2:" + body, "user 42");
  REQUIRE_FALSE(relabelled.ok());
  CHECK(relabelled.status().code() == Code::internal);
}

TEST_CASE("SecretBox key rotation keeps old values readable", "[crypto]") {
  SecretBox box = box_with("k1", 1);
  auto old_value = box.seal("old secret", "r1");
  REQUIRE(old_value.ok());
  REQUIRE(box.add_key("k2", Bytes(32, '\x02')).ok());
  CHECK(box.current_key_id() == "k1");  // adding does not switch
  REQUIRE(box.set_current("k2").ok());
  CHECK(box.current_key_id() == "k2");
  auto new_value = box.seal("new secret", "r2");
  REQUIRE(new_value.ok());
  CHECK(SecretBox::key_id_of(*new_value) == "k2");
  CHECK(SecretBox::key_id_of(*old_value) == "k1");
  CHECK(box.open(*old_value, "r1").value() == "old secret");
  CHECK(box.open(*new_value, "r2").value() == "new secret");

  CHECK(box.set_current("k3").code() == Code::not_found);
  CHECK(box.current_key_id() == "k2");

  // A box that lacks k1 cannot open the old value: unavailable, naming the key id.
  SecretBox only_k2 = box_with("k2", 2);
  auto missing = only_k2.open(*old_value, "r1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::unavailable);
  CHECK_THAT(missing.status().message(), Catch::Contains("k1"));
  CHECK(only_k2.open(*new_value, "r2").value() == "new secret");
}

TEST_CASE("SecretBox refuses bad key ids and keys", "[crypto]") {
  SecretBox box;
  CHECK(box.empty());
  auto unsealable = box.seal("x", "y");
  REQUIRE_FALSE(unsealable.ok());
  CHECK(unsealable.status().code() == Code::unavailable);
  for (const std::string& id : {std::string(), std::string(33, 'a'), std::string("a:b"),
                                std::string("a b"), std::string("k\xc3\xa9")}) {
    INFO("id '" << id << "'");
    CHECK(box.add_key(id, Bytes(32, 'k')).code() == Code::invalid_argument);
  }
  CHECK(box.add_key("k1", Bytes(31, 'k')).code() == Code::invalid_argument);
  CHECK(box.add_key("k1", Bytes(33, 'k')).code() == Code::invalid_argument);
  CHECK(box.empty());
  CHECK(box.add_key(std::string(32, 'a'), Bytes(32, 'k')).ok());
  CHECK(box.add_key("Key_2-b", Bytes(32, 'k')).ok());
  CHECK(box.add_key("Key_2-b", Bytes(32, 'k')).ok());  // same key again: harmless
  CHECK(box.add_key("Key_2-b", Bytes(32, 'j')).code() == Code::already_exists);
  CHECK(box.current_key_id() == std::string(32, 'a'));
}

TEST_CASE("SecretBox::parse_key accepts raw, hex and base64 32-byte keys", "[crypto]") {
  const Bytes key = fixed_bytes(32, 0xE0);
  CHECK(SecretBox::parse_key(key).value() == key);
  CHECK(SecretBox::parse_key(hex_encode(key)).value() == key);
  std::string upper_hex = hex_encode(key);
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(SecretBox::parse_key(upper_hex).value() == key);
  CHECK(SecretBox::parse_key(base64_encode(key)).value() == key);
  CHECK(SecretBox::parse_key(base64url_encode(key)).value() == key);
  CHECK(SecretBox::parse_key(base64_encode(key) + "\n").value() == key);
  // 32 printable characters that are neither 64 hex digits nor base64 of 32 bytes: raw.
  const std::string printable = "0123456789abcdef0123456789abcdef";
  CHECK(SecretBox::parse_key(printable).value() == printable);

  const std::string canary = "CANARY-not-a-valid-key-CANARY";
  for (const std::string& bad :
       {fixed_bytes(31), fixed_bytes(33), hex_encode(fixed_bytes(31)), hex_encode(fixed_bytes(33)),
        base64_encode(fixed_bytes(31)), base64_encode(fixed_bytes(33)), canary,
        std::string(64, 'g'), std::string(44, '!'), std::string()}) {
    INFO("length " << bad.size());
    auto parsed = SecretBox::parse_key(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid_argument);
    CHECK_THAT(parsed.status().message(),
               Catch::Contains("32 bytes") && Catch::Contains("hex") && Catch::Contains("base64"));
    if (!bad.empty()) CHECK(parsed.status().message().find(bad) == std::string::npos);
  }
  CHECK(SecretBox::parse_key(canary).status().message().find("CANARY") == std::string::npos);
}

// ---- passwords -------------------------------------------------------------------------

TEST_CASE("argon2id with the default parameters", "[crypto]") {
  auto hash = argon2id_hash("correct horse battery staple", Argon2Params{});
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(argon2id_verify("correct horse battery staple", *hash).value());
  CHECK_FALSE(argon2id_verify("correct horse battery stapl", *hash).value());
  auto params = argon2id_params(*hash);
  REQUIRE(params);
  CHECK(params->memory_kib == 19456);
  CHECK(params->iterations == 2);
  CHECK(params->parallelism == 1);
}

TEST_CASE("argon2id hashes verify, salt each hash and never truncate", "[crypto]") {
  auto a = argon2id_hash("pässwörd", kCheap);
  auto b = argon2id_hash("pässwörd", kCheap);
  REQUIRE((a.ok() && b.ok()));
  CHECK(a->rfind("$argon2id$v=19$m=256,t=1,p=1$", 0) == 0);
  CHECK(*a != *b);
  CHECK(argon2id_verify("pässwörd", *a).value());
  CHECK(argon2id_verify("pässwörd", *b).value());
  CHECK_FALSE(argon2id_verify("passwörd", *a).value());
  CHECK_FALSE(argon2id_verify("", *a).value());

  std::string long_password(200, 'x');
  for (std::size_t i = 0; i < long_password.size(); ++i) {
    long_password[i] = static_cast<char>('a' + i % 26);
  }
  auto long_hash = argon2id_hash(long_password, kCheap);
  REQUIRE(long_hash.ok());
  CHECK(argon2id_verify(long_password, *long_hash).value());
  std::string changed = long_password;
  changed.back() = '#';
  CHECK_FALSE(argon2id_verify(changed, *long_hash).value());
  CHECK_FALSE(argon2id_verify(long_password.substr(0, 199), *long_hash).value());
  CHECK_FALSE(argon2id_verify(long_password.substr(0, 72), *long_hash).value());

  auto empty = argon2id_hash("", kCheap);
  REQUIRE(empty.ok());
  CHECK(argon2id_verify("", *empty).value());
  CHECK_FALSE(argon2id_verify(" ", *empty).value());
  const std::string with_nul("a\0b", 3);
  auto nul = argon2id_hash(with_nul, kCheap);
  REQUIRE(nul.ok());
  CHECK(argon2id_verify(with_nul, *nul).value());
  CHECK_FALSE(argon2id_verify("a", *nul).value());
}

TEST_CASE("argon2id parameters parse and malformed hashes are refused", "[crypto]") {
  auto hash = argon2id_hash("pw", Argon2Params{1024, 3, 2});
  REQUIRE(hash.ok());
  auto params = argon2id_params(*hash);
  REQUIRE(params);
  CHECK(params->memory_kib == 1024);
  CHECK(params->iterations == 3);
  CHECK(params->parallelism == 2);
  CHECK(argon2id_verify("pw", *hash).value());

  const std::string salt_and_hash = hash->substr(hash->find("$", 25));
  CHECK(argon2id_params("$argon2id$v=19$m=1024,t=3,p=2" + salt_and_hash));
  for (const std::string& bad :
       {std::string(), std::string("not-a-hash"), "$argon2i$v=19$m=1024,t=3,p=2" + salt_and_hash,
        "$argon2id$v=16$m=1024,t=3,p=2" + salt_and_hash, "$argon2id$m=1024,t=3,p=2" + salt_and_hash,
        "$argon2id$v=19$t=3,m=1024,p=2" + salt_and_hash,
        "$argon2id$v=19$m=1024,t=0,p=2" + salt_and_hash,
        "$argon2id$v=19$m=01024,t=3,p=2" + salt_and_hash,
        "$argon2id$v=19$m=1024,t=3,p=2,x=1" + salt_and_hash,
        "$argon2id$v=19$m=99999999999,t=3,p=2" + salt_and_hash,
        "$argon2id$v=19$m=4,t=3,p=2" + salt_and_hash, std::string("$argon2id$v=19$m=1024,t=3,p=2"),
        *hash + "$", *hash + "=", hash->substr(0, hash->size() - 44),
        "$argon2id$v=19$m=1024,t=3,p=2$$" + hash->substr(hash->rfind('$') + 1)}) {
    INFO(bad);
    CHECK_FALSE(argon2id_params(bad));
    auto verified = argon2id_verify("pw", bad);
    REQUIRE_FALSE(verified.ok());
    CHECK(verified.status().code() == Code::internal);
    if (!bad.empty()) CHECK(verified.status().message().find(bad) == std::string::npos);
  }
  CHECK(argon2id_hash("pw", Argon2Params{4, 1, 1}).status().code() == Code::invalid_argument);
  CHECK(argon2id_hash("pw", Argon2Params{256, 0, 1}).status().code() == Code::invalid_argument);
  CHECK(argon2id_hash("pw", Argon2Params{256, 1, 0}).status().code() == Code::invalid_argument);
}

TEST_CASE("utf8_code_points counts valid UTF-8 and refuses invalid sequences", "[crypto]") {
  CHECK(utf8_code_points("") == std::size_t{0});
  CHECK(utf8_code_points("password") == std::size_t{8});
  CHECK(utf8_code_points("pässwörd") == std::size_t{8});
  CHECK(utf8_code_points("\xF0\x9F\x98\x80") == std::size_t{1});  // U+1F600
  CHECK(utf8_code_points("a\xE2\x82\xAC"
                         "b") == std::size_t{3});  // U+20AC
  CHECK(utf8_code_points(std::string("a\0b", 3)) == std::size_t{3});
  CHECK(utf8_code_points("\xC2\x80") == std::size_t{1});          // U+0080
  CHECK(utf8_code_points("\xED\x9F\xBF") == std::size_t{1});      // U+D7FF
  CHECK(utf8_code_points("\xEE\x80\x80") == std::size_t{1});      // U+E000
  CHECK(utf8_code_points("\xEF\xBF\xBF") == std::size_t{1});      // U+FFFF
  CHECK(utf8_code_points("\xF4\x8F\xBF\xBF") == std::size_t{1});  // U+10FFFF
  for (const char* bad : {
           "\x80",  // lone continuation
           "\xBF",
           "\xC0\xAF",          // overlong '/'
           "\xC1\xBF",          // overlong
           "\xE0\x80\xAF",      // overlong
           "\xE0\x9F\xBF",      // overlong
           "\xF0\x80\x80\xAF",  // overlong
           "\xF0\x8F\xBF\xBF",  // overlong
           "\xED\xA0\x80",      // surrogate U+D800
           "\xED\xBF\xBF",      // surrogate U+DFFF
           "\xF4\x90\x80\x80",  // U+110000
           "\xF5\x80\x80\x80",
           "\xFF",
           "\xFE",
           "\xC3",  // truncated
           "\xE2\x82",
           "\xF0\x9F\x98",
           "a\xC3(",  // bad continuation
           "\xE2(\xAC",
           "\xF0\x9F\x98\x28",
       }) {
    INFO(hex_encode(bad));
    CHECK_FALSE(utf8_code_points(bad));
  }
}

// ---- API keys --------------------------------------------------------------------------

TEST_CASE("API keys format and parse back", "[crypto]") {
  const std::string secret = fixed_bytes(32, 0x10);
  const std::string key = format_api_key(42, secret);
  CHECK(key.size() == 5 + 2 + 1 + 52 + 6);
  CHECK(key.rfind("boka_42_", 0) == 0);
  const std::string secret_text = key.substr(8, 52);
  auto parsed = parse_api_key(key);
  REQUIRE(parsed);
  CHECK(parsed->id == 42);
  CHECK(parsed->secret == secret_text);
  CHECK(base32_decode(parsed->secret) == secret);
  CHECK(key.substr(60) == [&] {
    std::string check = base32_encode(sha256(key.substr(0, 60))).substr(0, 6);
    for (char& c : check) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return check;
  }());

  auto random = random_bytes(32);
  REQUIRE(random.ok());
  const std::string big = format_api_key(9223372036854775807LL, *random);
  auto big_parsed = parse_api_key(big);
  REQUIRE(big_parsed);
  CHECK(big_parsed->id == 9223372036854775807LL);
  CHECK(base32_decode(big_parsed->secret) == *random);
}

TEST_CASE("API keys with any single character changed are refused", "[crypto]") {
  const std::string key = format_api_key(1234, fixed_bytes(32, 0x61));
  REQUIRE(parse_api_key(key));
  std::size_t tried = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    for (char replacement : {'a', 'q', '2', '7', '1', '_', 'Z'}) {
      if (key[i] == replacement) continue;
      std::string changed = key;
      changed[i] = replacement;
      INFO("position " << i << " -> " << replacement << ": " << changed);
      CHECK_FALSE(parse_api_key(changed));
      ++tried;
    }
  }
  CHECK(tried > 400);
}

TEST_CASE("malformed API keys are refused", "[crypto]") {
  const std::string key = format_api_key(7, fixed_bytes(32, 0x30));
  const std::string tail = key.substr(7);  // secret + check
  REQUIRE(parse_api_key(key));
  std::string upper = key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad : {std::string(),
                                 std::string("boka_"),
                                 "bok_7_" + tail,
                                 "Boka_7_" + tail,
                                 "xboka_7_" + tail,
                                 "boka_7" + tail,
                                 "boka__" + tail,
                                 "boka_07_" + tail,
                                 "boka_-7_" + tail,
                                 "boka_+7_" + tail,
                                 "boka_0_" + tail,
                                 "boka_x_" + tail,
                                 "boka_99999999999999999999_" + tail,
                                 upper,
                                 key.substr(0, key.size() - 1),
                                 key + "a",
                                 " " + key,
                                 key + "\n",
                                 format_api_key(0, fixed_bytes(32)),
                                 format_api_key(-5, fixed_bytes(32)),
                                 format_api_key(7, fixed_bytes(31)),
                                 format_api_key(7, fixed_bytes(33))}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_api_key(bad));
  }
}
