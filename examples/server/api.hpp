// boka-server's HTTP API over cpp-httplib: parse, one engine call, map the status.
//
// Every route goes through one wrapper that sheds load past a bound of requests in
// handlers (503 + Retry-After), rate-limits per client address and per session or key
// (429 + Retry-After; shared by every server through Redis when BOKA_REDIS_URL is set:
// rate_limit.hpp), authenticates Bearer session tokens and API keys, turns every error
// into an application/problem+json document with the one status mapping below, counts
// http_requests_total and http_request_duration_seconds, and writes one JSON access-log
// line without secrets (never a header, body or query).
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <httplib.h>

#include "boka/boka.hpp"
#include "config.hpp"
#include "rate_limit.hpp"
#include "redis_limit_store.hpp"

namespace boka::server {

// HTTP status for a boka error code (the one mapping; docs/http.md prints it).
int http_status(Code code);
const char* status_title(int status);  // "Conflict", ...

// One JSON line per request to a file or stdout. Thread-safe.
class AccessLog {
 public:
  explicit AccessLog(const std::string& target);
  ~AccessLog();
  void write(const std::string& line);

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

class Api {
 public:
  Api(Engine& engine, const Config& config);
  // Registers every route and the error handler on `server`.
  void install(httplib::Server& server);
  // Requests currently in handlers (for shutdown logs).
  int inflight() const { return inflight_.load(); }

 private:
  struct Context;
  using Handler = std::function<void(Context&)>;
  enum class Auth { none, optional, required };
  void route(httplib::Server& server, const char* method, const std::string& pattern,
             const std::string& name, Auth auth, Handler handler);
  std::string build_openapi() const;
  // The login throttle: whether an attempt on `account` (tenant and email, or the session's
  // user) from the context's client may go ahead; if not, the 429 is already written.
  bool login_allowed(Context& ctx, const std::string& account);

  struct RouteInfo {
    std::string method, pattern, name;
    Auth auth = Auth::none;
  };
  std::vector<RouteInfo> routes_;
  std::string openapi_;

  Engine& engine_;
  const Config& config_;
  std::shared_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<RedisLimitStore> shared_limits_;  // null without BOKA_REDIS_URL
  Limit per_client_;
  Limit per_principal_;
  Limit login_per_account_;
  Limit login_per_address_;
  AccessLog log_;
  std::atomic<int> inflight_{0};
  std::atomic<std::uint64_t> request_ids_{0};
};

}  // namespace boka::server
