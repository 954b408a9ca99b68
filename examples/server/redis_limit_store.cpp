#include "redis_limit_store.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

namespace boka::server {
namespace {

// GCRA, atomically. KEYS[1]: the bucket. ARGV[1]: the emission interval (microseconds per
// request, 1/rate); ARGV[2]: the tolerance (interval * burst: how far ahead of now the
// theoretical arrival time may run). Returns {1, 0} when allowed, {0, microseconds to wait}
// when refused. Refusals write nothing, so a client hammering a full bucket does not push
// its own recovery further away. Redis's TIME is the one clock every server shares.
constexpr const char* kGcraScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - tolerance - now
if wait > 0 then return {0, math.ceil(wait)} end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return {1, 0}
)lua";

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  char hex[2 * SHA_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return std::string(hex, 2 * SHA_DIGEST_LENGTH);
}

// One command with binary-safe arguments; the reply (owned by the caller) or nullptr.
redisReply* command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string transport_error(redisContext* c) {
  return c->err != 0 ? std::string(c->errstr) : std::string("no reply");
}

void log(const std::string& line) {
  std::fprintf(stderr, "boka-server: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

RedisLimitStore::RedisLimitStore(RedisUrl url, std::chrono::milliseconds timeout, int pool_size)
    : url_(std::move(url)),
      timeout_(timeout),
      pool_size_(std::max(pool_size, 1)),
      script_sha_(sha1_hex(kGcraScript)),
      down_since_(std::chrono::system_clock::now()) {}

RedisLimitStore::~RedisLimitStore() {
  for (redisContext* c : idle_) redisFree(c);
}

redisContext* RedisLimitStore::connect(std::string* error) const {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  redisContext* c = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
  if (c == nullptr) {
    *error = "cannot allocate a connection";
    return nullptr;
  }
  if (c->err != 0) {
    *error = "connect: " + std::string(c->errstr);
    redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  std::vector<std::vector<std::string>> setup;
  if (!url_.password.empty()) {
    setup.push_back(url_.username.empty()
                        ? std::vector<std::string>{"AUTH", url_.password}
                        : std::vector<std::string>{"AUTH", url_.username, url_.password});
  }
  if (url_.database != 0) setup.push_back({"SELECT", std::to_string(url_.database)});
  for (const auto& args : setup) {
    Reply r(command(c, args));
    // Redis's error replies never quote the password sent.
    if (!r || r->type == REDIS_REPLY_ERROR) {
      *error = args[0] + ": " + (r ? std::string(r->str, r->len) : transport_error(c));
      redisFree(c);
      return nullptr;
    }
  }
  return c;
}

redisContext* RedisLimitStore::acquire(std::string* error) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (!up_) {
      // Down: nobody touches the network until the backoff ends, then one caller probes.
      if (std::chrono::steady_clock::now() < retry_at_) return nullptr;
      retry_at_ = std::chrono::steady_clock::now() + backoff_;
    } else if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return c;
    } else if (open_ >= pool_size_) {
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) return nullptr;
      continue;
    }
    ++open_;
    lock.unlock();
    redisContext* c = connect(error);
    if (c == nullptr) {
      lock.lock();
      --open_;
      freed_.notify_one();
    }
    return c;
  }
}

void RedisLimitStore::release(redisContext* context) {
  std::lock_guard lock(mutex_);
  idle_.push_back(context);
  freed_.notify_one();
}

std::optional<SharedLimitStore::Verdict> RedisLimitStore::run(redisContext* c,
                                                              const std::string& key,
                                                              double per_second, double burst,
                                                              std::string* error) {
  char interval[32], tolerance[32];
  const double interval_us = std::max(1.0, std::round(1e6 / per_second));
  std::snprintf(interval, sizeof interval, "%.0f", interval_us);
  std::snprintf(tolerance, sizeof tolerance, "%.0f", interval_us * burst);
  Reply r(command(c, {"EVALSHA", script_sha_, "1", key, interval, tolerance}));
  if (r && r->type == REDIS_REPLY_ERROR && std::string(r->str, r->len).rfind("NOSCRIPT", 0) == 0) {
    // Redis lost its script cache (restart, SCRIPT FLUSH, failover): EVAL caches it again.
    r.reset(command(c, {"EVAL", kGcraScript, "1", key, interval, tolerance}));
  }
  if (!r) {
    *error = transport_error(c);
    return std::nullopt;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    *error = std::string(r->str, std::min<std::size_t>(r->len, 200));
    return std::nullopt;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
      r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
    *error = "unexpected reply to the limit script";
    return std::nullopt;
  }
  Verdict v;
  v.allowed = r->element[0]->integer == 1;
  v.retry_after_seconds = static_cast<double>(r->element[1]->integer) / 1e6;
  return v;
}

void RedisLimitStore::mark_down(const std::string& error, redisContext* broken) {
  std::vector<redisContext*> stale;
  bool log_now = false;
  {
    std::lock_guard lock(mutex_);
    if (broken != nullptr) {
      stale.push_back(broken);
      --open_;
    }
    // The others were opened to the same server: drop them rather than fail on each in turn.
    open_ -= static_cast<int>(idle_.size());
    stale.insert(stale.end(), idle_.begin(), idle_.end());
    idle_.clear();
    last_error_ = error;
    if (up_) {
      up_ = false;
      down_since_ = std::chrono::system_clock::now();
      backoff_ = kFirstBackoff;
      outage_logged_ = false;
    } else {
      backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    }
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    log_now = !outage_logged_;
    outage_logged_ = true;
    freed_.notify_all();
  }
  for (redisContext* c : stale) redisFree(c);
  if (log_now) {
    log("redis " + url_.redacted() + " unreachable (" + error +
        "): rate limits are local to this "
        "server until it answers again");
  }
}

void RedisLimitStore::mark_up() {
  {
    std::lock_guard lock(mutex_);
    if (up_) return;
    up_ = true;
    backoff_ = kFirstBackoff;
    outage_logged_ = false;
  }
  log("redis " + url_.redacted() + " answers: rate limits are shared");
}

std::optional<SharedLimitStore::Verdict> RedisLimitStore::check(const std::string& key,
                                                                double per_second, double burst) {
  std::string error;
  redisContext* c = acquire(&error);
  if (c == nullptr) {
    if (!error.empty()) mark_down(error, nullptr);
    return std::nullopt;
  }
  auto verdict = run(c, key, per_second, burst, &error);
  if (!verdict) {
    mark_down(error, c);
    return std::nullopt;
  }
  release(c);
  mark_up();
  return verdict;
}

bool RedisLimitStore::probe() {
  std::string error;
  redisContext* c = acquire(&error);
  if (c == nullptr) {
    if (!error.empty()) mark_down(error, nullptr);
    return false;
  }
  // Loads the script, so the first requests run EVALSHA without a NOSCRIPT round trip.
  Reply r(command(c, {"SCRIPT", "LOAD", kGcraScript}));
  if (!r || r->type != REDIS_REPLY_STRING) {
    mark_down(r ? std::string(r->str ? r->str : "unexpected reply", r->str ? r->len : 16)
                : transport_error(c),
              c);
    return false;
  }
  release(c);
  mark_up();
  return true;
}

RedisLimitStore::Health RedisLimitStore::health() const {
  std::lock_guard lock(mutex_);
  Health h;
  h.up = up_;
  if (up_) {
    h.detail = url_.redacted() + ": rate limits shared";
    return h;
  }
  char since[32];
  const std::time_t t = std::chrono::system_clock::to_time_t(down_since_);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
  h.detail = url_.redacted() + ": unreachable since " + since + " (" + last_error_ +
             "); rate limits are local to this server";
  return h;
}

}  // namespace boka::server
