// SHA-256 over OpenSSL, for request fingerprints (and later the audit chain).
#pragma once

#include <string>
#include <string_view>

namespace boka::detail {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace boka::detail
