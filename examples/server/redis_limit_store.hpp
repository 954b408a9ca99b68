// Rate limits shared by every boka-server pointed at one Redis (BOKA_REDIS_URL), through
// hiredis (Debian's libhiredis-dev).
//
// Each check is one atomic Lua script (GCRA: the key holds the "theoretical arrival time"
// of the next request, in Redis's own clock so hosts' clocks do not matter), run with
// EVALSHA and, when Redis answers NOSCRIPT (restarted, SCRIPT FLUSH), with EVAL, which also
// caches it again. A key expires once its bucket would be full again, so Redis holds only
// clients seen within their burst window.
//
// When Redis does not answer (connection refused, timeout, an error reply), check() returns
// nullopt and the caller limits locally. The store then stays "down" for a backoff (100 ms,
// doubling up to 5 s) during which no request touches the network; after it, one request
// probes with a fresh connection, and the next success brings it back "up". Transitions are
// logged to stderr (without the password).
//
// Thread-safety: every member may be called from any thread. Up to pool_size connections,
// each used by one thread at a time; a request that finds none free waits up to the command
// timeout, then falls back locally.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "rate_limit.hpp"

struct redisContext;

namespace boka::server {

class RedisLimitStore final : public SharedLimitStore {
 public:
  // Connects lazily (see probe()). `timeout` bounds connecting and each command.
  RedisLimitStore(RedisUrl url, std::chrono::milliseconds timeout, int pool_size);
  ~RedisLimitStore() override;
  RedisLimitStore(const RedisLimitStore&) = delete;
  RedisLimitStore& operator=(const RedisLimitStore&) = delete;

  std::optional<Verdict> check(const std::string& key, double per_second, double burst) override;

  // Connects and loads the script now; whether Redis answered. For start-up, so the log says
  // at once whether limits are shared; a failure only starts the backoff.
  bool probe();

  struct Health {
    bool up = false;
    std::string detail;  // the redacted URL and, when down, the last error and since when
  };
  Health health() const;

 private:
  // A connection to use, or nullptr (none free in time, or connecting failed).
  redisContext* acquire(std::string* error);
  void release(redisContext* context);
  // A fresh connection (AUTH, SELECT done) or nullptr with *error set.
  redisContext* connect(std::string* error) const;
  // Runs the script on `context`; nullopt with *error set when Redis did not answer properly.
  std::optional<Verdict> run(redisContext* context, const std::string& key, double per_second,
                             double burst, std::string* error);
  void mark_down(const std::string& error, redisContext* broken);
  void mark_up();

  const RedisUrl url_;
  const std::chrono::milliseconds timeout_;
  const int pool_size_;
  std::string script_sha_;

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<redisContext*> idle_;
  int open_ = 0;  // connections existing, idle or in use
  bool up_ = false;
  bool outage_logged_ = false;  // one log line per outage, not one per failed probe
  std::chrono::steady_clock::time_point retry_at_{};  // while down: when the next probe may run
  std::chrono::milliseconds backoff_{100};
  std::string last_error_ = "not connected yet";
  std::chrono::system_clock::time_point down_since_{};
};

}  // namespace boka::server
