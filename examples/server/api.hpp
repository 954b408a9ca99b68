// boka-server's HTTP API: parse, one engine call, map the status. A function from a Request
// to a Response (http.hpp); http_server.hpp carries them over the network.
//
// Every route goes through one wrapper that sheds load past a bound of requests in
// handlers (503 + Retry-After), rate-limits per client address and per session or key
// (429 + Retry-After; shared by every server through Redis when BOKA_REDIS_URL is set:
// rate_limit.hpp), authenticates Bearer session tokens and API keys, turns every error
// into an application/problem+json document with the one status mapping below, counts
// http_requests_total and http_request_duration_seconds, and writes one JSON access-log
// line without secrets (never a header, body or query). Requests that reach no route (404,
// 405) or that the transport refuses (400, 413, 414, 431) are answered, counted and logged
// the same way. Every answer carries Cache-Control: no-store: several carry tokens, TOTP
// secrets, recovery codes or API keys, and no answer of this API is meant to be cached.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "boka/boka.hpp"
#include "config.hpp"
#include "http.hpp"
#include "json_codec.hpp"
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

// The routes and the wrapper around them. Thread-safe: handle() and refuse() may run on
// many threads at once. Holds references to the engine and the configuration, which must
// outlive it.
class Api {
 public:
  // Registers every route.
  Api(Engine& engine, const Config& config);
  // Answers `request`: the matching route through the wrapper (HEAD runs the GET route; the
  // transport sends no body), 404 when no route's path matches, 405 (with Allow) when only
  // the method does not. Never throws. May block on the engine.
  Response handle(Request request);
  // The problem document for a request the transport refused before it was complete
  // (`partial` holds what was read), counted and logged like any other answer. Never blocks
  // on the engine.
  Response refuse(const Request& partial, int status, const std::string& detail);
  // Requests currently in handlers (for shutdown logs).
  int inflight() const { return inflight_.load(); }

 private:
  struct Context;
  using Handler = std::function<void(Context&)>;
  enum class Auth { none, optional, required };
  // The login throttle: whether an attempt on `account` (tenant and email, or the session's
  // user) from the context's client may go ahead; if not, the 429 is already written.
  bool login_allowed(Context& ctx, const std::string& account);

  // What a route takes and answers, for the OpenAPI document: JSON Schemas (references to
  // the codec's components), null for no body.
  struct Io {
    codec::Json request;
    codec::Json response;
    int status = 200;
    bool body_optional = false;  // the request body may be left out
    const char* content_type = "application/json";
  };
  struct Route {
    std::string method, pattern, name;
    Auth auth = Auth::none;
    Io io;
    std::regex path;
    // The pattern's leading text without regex syntax ("/api/tenants/"): a path that does
    // not start with it cannot match, and is passed over without running the regex.
    std::string literal_prefix;
    Handler handler;
    Histogram* latency = nullptr;  // owned by the engine's metrics registry
  };
  void install();
  // The routes of each facet: health, metrics, OpenAPI; login, sessions, MFA, users, keys,
  // security reports; tenants, catalog (services too), availability, reservations; recurring
  // series; the waitlist; customer records.
  void install_operations();
  void install_auth();
  void install_booking();
  void install_series();
  void install_waitlist();
  void install_customers();
  void install_events();
  void install_webhooks();
  void install_feeds();
  void install_mail();
  void install_payments();
  // The web app (web.cpp): its pages and files (when BOKA_WEB_DIR is set), the public booking
  // API for anonymous visitors, and the staff and admin pages' routes.
  void install_web();
  void install_public();
  void install_admin_pages();
  // A reservation as its manage link shows it.
  codec::PublicBooking public_booking(const Reservation& r, const std::string& token);
  // The live customer record with `email` (lower-cased), else a new one made by `who`.
  CustomerId visitor_customer(TenantId tenant, const std::string& name, const std::string& email,
                              const std::string& phone, const std::string& zone,
                              const std::string& locale, const Principal& who);
  // Whether `limit` lets `key` go ahead; if not, the 429 is already written.
  bool visitor_allowed(Context& ctx, Limit& limit, const std::string& key, const char* what);
  // Answers a session grant (login, MFA): to a browser (?cookie=1, or a request that came
  // with the cookie) as the session cookie, with the token left out of the body.
  void reply_grant(Context& ctx, codec::Json grant);
  void route(const char* method, const std::string& pattern, const std::string& name, Auth auth,
             Io io, Handler handler);
  Response serve(const Route& route, Request& request);
  std::string client_address(const Request& request) const;
  // Counts the answer in http_requests_total, adds Cache-Control, writes the access log line.
  void finish(const Request& request, const std::string& method, const std::string& route,
              Response& response, std::chrono::steady_clock::time_point started,
              const std::string& client, const std::string& principal);
  std::string build_openapi() const;

  std::vector<Route> routes_;
  std::string openapi_;

  Engine& engine_;
  const Config& config_;
  std::shared_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<RedisLimitStore> shared_limits_;  // null without BOKA_REDIS_URL
  // The plain /api/health answer, shared by the requests of one second (docs/http.md,
  // "Health"): a load balancer polling many times a second costs one report a second.
  struct HealthAnswer {
    std::chrono::steady_clock::time_point at{};
    int status = 0;
    std::string body;
  };
  std::mutex health_mutex_;
  HealthAnswer health_answer_;
  Limit per_client_;
  Limit per_principal_;
  Limit login_per_account_;
  Limit login_per_address_;
  Limit public_per_address_;  // anonymous holds and waitlist joins per client address
  Limit public_per_email_;    // public bookings and waitlist joins per email address
  AccessLog log_;
  std::atomic<int> inflight_{0};
  std::atomic<std::uint64_t> request_ids_{0};
};

}  // namespace boka::server
