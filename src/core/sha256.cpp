#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <array>

namespace boka::detail {
namespace {

// Fetched once: EVP_sha256() would make every digest look the algorithm up (under a lock),
// which the audit chain does on every change.
const EVP_MD* sha256_md() {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kSha256 != nullptr ? kSha256 : EVP_sha256();
}

std::string hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(length) * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, sha256_md(), nullptr);
  return hex(digest.data(), length);
}

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(ctx_->ctx, sha256_md(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(ctx_->ctx, data.data(), data.size());
}

std::string Sha256::hex_digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_->ctx, digest.data(), &length);
  return hex(digest.data(), length);
}

}  // namespace boka::detail
