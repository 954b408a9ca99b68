// SHA-256 over OpenSSL, for request fingerprints, the audit chain and backup checksums.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace boka::detail {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

// A digest fed in pieces (a file read in blocks). One owner, one thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex_digest();  // lower-case hex; call once, after the last update

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace boka::detail
