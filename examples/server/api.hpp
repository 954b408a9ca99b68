// boka-server's HTTP API over cpp-httplib: parse, one engine call, map the status.
//
// Every route goes through one wrapper that sheds load past a bound of requests in
// handlers (503 + Retry-After), rate-limits per client address and per session or key
// (429 + Retry-After), authenticates Bearer session tokens and API keys, turns every error
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

namespace boka::server {

// HTTP status for a boka error code (the one mapping; docs/http.md prints it).
int http_status(Code code);
const char* status_title(int status);  // "Conflict", ...

// A token bucket per key (client address, principal). Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  // Whether a request by `key` may go ahead now; if not, the seconds until it may.
  bool allow(const std::string& key, double* retry_after_seconds);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

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

  struct RouteInfo {
    std::string method, pattern, name;
    Auth auth = Auth::none;
  };
  std::vector<RouteInfo> routes_;
  std::string openapi_;

  Engine& engine_;
  const Config& config_;
  std::shared_ptr<MetricsRegistry> metrics_;
  RateLimiter per_client_;
  RateLimiter per_principal_;
  AccessLog log_;
  std::atomic<int> inflight_{0};
  std::atomic<std::uint64_t> request_ids_{0};
};

}  // namespace boka::server
