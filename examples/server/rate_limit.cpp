#include "rate_limit.hpp"

#include <arpa/inet.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace boka::server {

std::string client_bucket(const std::string& address) {
  if (address.find(':') == std::string::npos) return address;  // IPv4 (or not an address)
  unsigned char bytes[16];
  // A zone index (fe80::1%eth0) names an interface, not a different host.
  const std::string bare = address.substr(0, address.find('%'));
  if (inet_pton(AF_INET6, bare.c_str(), bytes) != 1) return address;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN];
  if (std::equal(kMapped, kMapped + 12, bytes)) {
    return inet_ntop(AF_INET, bytes + 12, text, sizeof text) ? std::string(text) : address;
  }
  std::fill(bytes + 8, bytes + 16, 0);
  if (inet_ntop(AF_INET6, bytes, text, sizeof text) == nullptr) return address;
  return std::string(text) + "/64";
}

RateLimiter::RateLimiter(double per_second, double burst, std::size_t max_keys, SteadyNow now)
    : rate_(per_second),
      burst_(burst),
      max_keys_(std::max<std::size_t>(max_keys, 1)),
      now_(now ? std::move(now) : SteadyNow([] { return std::chrono::steady_clock::now(); })) {}

bool RateLimiter::allow(const std::string& key, double* retry_after_seconds) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  Bucket* b = nullptr;
  if (auto it = buckets_.find(key); it != buckets_.end()) {
    recency_.splice(recency_.begin(), recency_, it->second);  // now the most recent
    b = &recency_.front();
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b->at).count());
    b->tokens = std::min(burst_, b->tokens + elapsed * rate_);
  } else {
    if (buckets_.size() >= max_keys_) {  // forget the least recently used
      buckets_.erase(recency_.back().key);
      recency_.pop_back();
    }
    recency_.push_front(Bucket{key, burst_, now});
    buckets_.emplace(key, recency_.begin());
    b = &recency_.front();
  }
  b->at = now;
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return true;
  }
  *retry_after_seconds = (1 - b->tokens) / rate_;
  return false;
}

std::size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

std::string shared_key(const std::string& scope, const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  // 128 bits: collisions (two clients sharing a bucket) stay out of reach even on purpose.
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return "boka:rl:" + scope + ":" + std::string(hex, 32);
}

Limit::Limit(std::string scope, double per_second, double burst, std::size_t max_keys,
             SharedLimitStore* store, Counter* fallbacks, SteadyNow now)
    : scope_(std::move(scope)),
      rate_(per_second),
      burst_(burst),
      store_(store),
      fallbacks_(fallbacks),
      local_(per_second, burst, max_keys, std::move(now)) {}

bool Limit::allow(const std::string& key, double* retry_after_seconds) {
  if (store_ != nullptr) {
    if (auto verdict = store_->check(shared_key(scope_, key), rate_, burst_)) {
      if (!verdict->allowed) *retry_after_seconds = verdict->retry_after_seconds;
      return verdict->allowed;
    }
    if (fallbacks_ != nullptr) fallbacks_->inc();
  }
  return local_.allow(key, retry_after_seconds);
}

}  // namespace boka::server
