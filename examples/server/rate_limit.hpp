// boka-server's rate limits: local token buckets with bounded memory, and limits shared by
// every server through a store (Redis, redis_limit_store.hpp) that fall back to the local
// buckets whenever the store cannot answer.
//
// The logic here is pure apart from the clock, which is injected, so the unit tests
// (tests/unit/rate_limit_test.cpp) drive time by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "boka/metrics.hpp"

namespace boka::server {

// The clock the limiters read; steady_clock::now unless a test gives its own.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

// The bucket key for a client address: an IPv4 address as it is; an IPv6 address by its /64
// ("2001:db8:1:2::/64"), the block one host or subscriber is usually given, so cycling
// through one's own /64 does not buy fresh buckets. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) is its IPv4 address. Anything else (not an address) is returned as is.
std::string client_bucket(const std::string& address);

// Token buckets, one per key, each refilled at `per_second` up to `burst` tokens; a request
// takes one. At most `max_keys` buckets are kept: a new key past that forgets the least
// recently used bucket (whose client, if it comes back, starts with a full bucket, the same
// as a client that was idle long enough to refill). Thread-safe (one mutex; every call is
// O(1) amortized).
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst, std::size_t max_keys = 100000, SteadyNow now = {});
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Whether a request by `key` may go ahead now (and takes a token if so); if not,
  // *retry_after_seconds is set to the seconds until it may.
  bool allow(const std::string& key, double* retry_after_seconds);

  // Buckets held now (at most max_keys).
  std::size_t size() const;

 private:
  struct Bucket {
    std::string key;
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  const double rate_, burst_;
  const std::size_t max_keys_;
  const SteadyNow now_;
  mutable std::mutex mutex_;
  std::list<Bucket> recency_;  // most recently used first
  std::unordered_map<std::string, std::list<Bucket>::iterator> buckets_;
};

// A store that keeps limits for several servers at once. Implementations are thread-safe.
class SharedLimitStore {
 public:
  struct Verdict {
    bool allowed = false;
    double retry_after_seconds = 0;  // when refused
  };
  virtual ~SharedLimitStore() = default;
  // One atomic check-and-take for `key` (already a store key: see shared_key) under a
  // limit of `per_second`, `burst`. nullopt when the store could not answer in time: the
  // caller limits locally instead.
  virtual std::optional<Verdict> check(const std::string& key, double per_second, double burst) = 0;
};

// The store key of `key` under `scope` ("client", "key", "login_account", ...):
// "boka:rl:<scope>:<32 hex digits of SHA-256(key)>". Hashed so that a key's length is bounded
// whatever the client sends, and so that no email address or credential name is stored in
// clear in a shared service.
std::string shared_key(const std::string& scope, const std::string& key);

// One limit (per address, per credential, per login account, ...): through `store` when one
// is given and answers, through local buckets when there is none or it does not answer
// (each such fallback counts on `fallbacks`). Thread-safe. Does not own `store` or
// `fallbacks`, which must outlive it.
class Limit {
 public:
  Limit(std::string scope, double per_second, double burst, std::size_t max_keys,
        SharedLimitStore* store, Counter* fallbacks, SteadyNow now = {});

  // As RateLimiter::allow.
  bool allow(const std::string& key, double* retry_after_seconds);

  const std::string& scope() const { return scope_; }

 private:
  const std::string scope_;
  const double rate_, burst_;
  SharedLimitStore* const store_;
  Counter* const fallbacks_;
  RateLimiter local_;
};

}  // namespace boka::server
