#include "api.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <new>
#include <optional>

#include "api_internal.hpp"
#include "json_codec.hpp"
#include "schema.hpp"
#include "web.hpp"

namespace boka::server {

using codec::Form;
using codec::InputError;
using codec::Json;
using codec::Mode;

int http_status(Code code) {
  switch (code) {
    case Code::ok: return 200;
    case Code::invalid_argument: return 400;
    case Code::unauthenticated: return 401;
    case Code::permission_denied: return 403;
    case Code::not_found: return 404;
    case Code::already_exists: return 409;
    case Code::conflict: return 409;
    case Code::rate_limited: return 429;
    case Code::not_supported: return 501;
    case Code::unavailable: return 503;
    case Code::storage:
    case Code::internal: return 500;
  }
  return 500;
}

const char* status_title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Client Error" : "Server Error";
  }
}

// ---- the access log ----------------------------------------------------

AccessLog::AccessLog(const std::string& target) {
  if (target == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(target.c_str(), "a");
    owned_ = file_ != nullptr;
    if (file_ == nullptr) file_ = stdout;
  }
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

void AccessLog::write(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

std::optional<std::int64_t> query_int(const Request& req, const char* name) {
  const std::string* found = req.param(name);
  if (found == nullptr) return std::nullopt;
  const std::string& v = *found;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(name);
    return n;
  } catch (const std::exception&) {
    throw InputError(std::string("query ") + name + ": expected an integer, got \"" +
                     v.substr(0, 30) + "\"");
  }
}

int page_limit(const Request& req, int fallback) {
  const auto v = query_int(req, "limit");
  if (!v) return fallback;
  if (*v < 1 || *v > kMaxPage) {
    throw InputError("query limit: must be 1.." + std::to_string(kMaxPage) + ", got " +
                     std::to_string(*v));
  }
  return static_cast<int>(*v);
}

PathId page_after(const Request& req) {
  const auto v = query_int(req, "after_id");
  if (v && *v < 0) throw InputError("query after_id: must be >= 0");
  return PathId{v.value_or(0)};
}

namespace {

bool query_flag(const Request& req, const char* name) {
  const std::string* v = req.param(name);
  if (v == nullptr) return false;
  return v->empty() || *v == "1" || *v == "true";
}

// A comma-separated query value ("held,confirmed") as a JSON array of its non-empty parts.
Json comma_list(const std::string& all) {
  Json out = Json::array();
  for (std::size_t start = 0; start <= all.size();) {
    const auto comma = all.find(',', start);
    const std::string one =
        all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!one.empty()) out.push_back(one);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The reservation filter a list route's query names, field by field as in the document
// (times RFC 3339, status comma-separated), read by the codec so its errors name the field.
// with_customer: whether the query may name the customer (not under /customers/{id}).
ReservationFilter reservation_filter_of(const Request& req, bool with_customer) {
  Json f = Json::object();
  for (const char* name : {"resource", "pool", "series", "service", "after_id"}) {
    if (auto v = query_int(req, name)) f[name] = *v;
  }
  for (const char* name : {"from", "to", "order", "after_start"}) {
    if (const std::string* v = req.param(name)) f[name] = *v;
  }
  if (with_customer) {
    if (auto v = query_int(req, "customer_id")) f["customer_id"] = *v;
    if (const std::string* v = req.param("customer")) f["customer"] = *v;
  }
  f["limit"] = page_limit(req, 100);
  if (const std::string* status = req.param("status")) f["statuses"] = comma_list(*status);
  return codec::filter_from_json(f);
}

// rate_limit_fallbacks_total{limit}: checks a shared limit answered locally (Redis down).
Counter* fallback_counter(MetricsRegistry& metrics, const char* limit) {
  auto c = metrics.counter("rate_limit_fallbacks_total",
                           "Rate-limit checks answered by this server's own buckets because Redis "
                           "did not answer (BOKA_REDIS_URL set)",
                           {{"limit", limit}});
  return c.ok() ? *c : nullptr;
}

}  // namespace

// ---- the wrapper every route goes through ---------------------------------------------------

namespace {

// The method as a metrics label: the client chooses it, so only the known ones are kept.
std::string method_label(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "other";
}

}  // namespace

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

Json problem_document(int status, const std::string& code, const std::string& detail) {
  Json p = Json::object();
  p["type"] = "https://boka.dev/problems/" + code;
  p["title"] = status_title(status);
  p["status"] = status;
  p["code"] = code;
  p["detail"] = detail;
  return p;
}

namespace {

Response problem_response(int status, const std::string& code, const std::string& detail) {
  Response res;
  res.status = status;
  res.set_content(codec::dump(problem_document(status, code, detail)), "application/problem+json");
  return res;
}

// Requests answered 503 because an allocation failed: one line at once, then one a minute.
ThrottledLog out_of_memory_log{std::chrono::seconds(60)};
constexpr const char* kOutOfMemoryLine = "out of memory: requests are answered 503 (unavailable)";
constexpr const char* kOutOfMemoryDetail = "the server is out of memory; retry shortly";

// Longer paths match no route; std::regex also recurses once per character matched.
constexpr std::size_t kMaxPathBytes = 2048;

}  // namespace

Api::Api(Engine& engine, const Config& config)
    : engine_(engine),
      config_(config),
      metrics_(engine.operations().metrics()),
      shared_limits_(config.redis
                         ? std::make_unique<RedisLimitStore>(
                               *config.redis, std::chrono::milliseconds(config.redis_timeout_ms),
                               config.redis_pool_size)
                         : nullptr),
      per_client_("client", config.rate_per_client, config.burst_per_client,
                  config.rate_limit_max_keys, shared_limits_.get(),
                  fallback_counter(*metrics_, "client")),
      per_principal_("key", config.rate_per_principal, config.burst_per_principal,
                     config.rate_limit_max_keys, shared_limits_.get(),
                     fallback_counter(*metrics_, "key")),
      login_per_account_("login_account", config.login_rate_per_account,
                         config.login_burst_per_account, config.rate_limit_max_keys,
                         shared_limits_.get(), fallback_counter(*metrics_, "login_account")),
      login_per_address_("login_address", config.login_rate_per_address,
                         config.login_burst_per_address, config.rate_limit_max_keys,
                         shared_limits_.get(), fallback_counter(*metrics_, "login_address")),
      public_per_address_("public_address", config.public_holds_per_hour / 3600,
                          config.public_holds_per_hour, config.rate_limit_max_keys,
                          shared_limits_.get(), fallback_counter(*metrics_, "public_address")),
      public_per_email_("public_email", config.public_bookings_per_day / 86400,
                        config.public_bookings_per_day, config.rate_limit_max_keys,
                        shared_limits_.get(), fallback_counter(*metrics_, "public_email")),
      log_(config.access_log) {
  if (shared_limits_) shared_limits_->probe();  // logs at once whether limits are shared
  install();
}

bool Api::login_allowed(Context& ctx, const std::string& account) {
  double retry = 0;
  const char* refused = nullptr;
  if (!login_per_address_.allow(client_bucket(ctx.client), &retry)) {
    refused = "too many login attempts from this address; retry later";
  } else if (!login_per_account_.allow(account, &retry)) {
    refused = "too many login attempts for this account; retry later";
  }
  if (refused == nullptr) return true;
  ctx.problem(429, "rate_limited", refused);
  ctx.res.set_header("Retry-After",
                     std::to_string(std::max(1L, static_cast<long>(std::ceil(retry)))));
  return false;
}

void Api::route(const char* method, const std::string& pattern, const std::string& name, Auth auth,
                Io io, Handler handler) {
  // The route's latency histogram, found once here rather than on every request.
  auto found = metrics_->histogram("http_request_duration_seconds", "HTTP request latency by route",
                                   latency_buckets(), {{"method", method}, {"route", name}});
  const std::string literal =
      pattern.substr(0, std::min(pattern.size(), pattern.find_first_of("\\^$.|?*+()[]{}")));
  routes_.push_back(Route{method, pattern, name, auth, std::move(io), std::regex(pattern), literal,
                          std::move(handler), found.ok() ? *found : nullptr});
}

std::string Api::client_address(const Request& req) const {
  // Behind a trusted proxy (nginx), the client is the one it names.
  const bool via_proxy =
      std::any_of(config_.trusted_proxies.begin(), config_.trusted_proxies.end(),
                  [&](const std::string& p) { return p == "*" || p == req.remote_address; });
  if (!via_proxy) return req.remote_address;
  std::string forwarded;
  if (const std::string* real_ip = req.header("X-Real-IP")) forwarded = *real_ip;
  if (forwarded.empty()) {
    if (const std::string* xff = req.header("X-Forwarded-For")) forwarded = *xff;
    if (const auto comma = forwarded.rfind(','); comma != std::string::npos) {
      forwarded = forwarded.substr(comma + 1);
    }
    forwarded.erase(0, forwarded.find_first_not_of(' '));
  }
  if (!forwarded.empty() && forwarded.size() <= 64) return forwarded;
  return req.remote_address;
}

Response Api::handle(Request request) {
  const auto started = std::chrono::steady_clock::now();
  try {
    if (request.path.size() > kMaxPathBytes) {
      Response res = problem_response(
          414, "invalid_argument",
          "the request path is longer than " + std::to_string(kMaxPathBytes) + " bytes");
      finish(request, method_label(request.method), "unmatched", res, started,
             client_address(request), "");
      return res;
    }
    std::string allowed;  // the methods of the routes whose path matches
    // HEAD is GET without the body, which the transport leaves out.
    const std::string& method = request.method == "HEAD" ? std::string("GET") : request.method;
    for (const Route& r : routes_) {
      if (request.path.compare(0, r.literal_prefix.size(), r.literal_prefix) != 0) continue;
      std::smatch match;
      if (!std::regex_match(request.path, match, r.path)) continue;
      if (r.method == method) {
        request.captures.assign(match.begin(), match.end());
        return serve(r, request);
      }
      if (allowed.find(r.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + r.method;
    }
    Response res = allowed.empty()
                       ? problem_response(404, "not_found", "no such route")
                       : problem_response(405, "invalid_argument", "this route takes " + allowed);
    if (!allowed.empty()) res.set_header("Allow", allowed);
    finish(request, method_label(request.method), "unmatched", res, started,
           client_address(request), "");
    return res;
  } catch (const std::bad_alloc&) {
    // Only the log or the metrics could throw here (out of memory); the route's own errors
    // are answered inside serve(). If this answer cannot be allocated either, the transport
    // closes the connection without one.
    out_of_memory_log.write(kOutOfMemoryLine);
    Response res = problem_response(503, "unavailable", kOutOfMemoryDetail);
    res.set_header("Retry-After", "1");
    return res;
  } catch (const std::exception&) {
    return problem_response(500, "internal", "the server failed to handle the request");
  }
}

Response Api::refuse(const Request& partial, int status, const std::string& detail) {
  const auto started = std::chrono::steady_clock::now();
  Response res = problem_response(status, status >= 500 ? "internal" : "invalid_argument", detail);
  finish(partial, method_label(partial.method), "refused", res, started, client_address(partial),
         "");
  return res;
}

Response Api::serve(const Route& route, Request& req) {
  const auto started = std::chrono::steady_clock::now();
  Response res;
  Context ctx{req, res, engine_, client_address(req), "", std::nullopt};
  const int now_inflight = ++inflight_;
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { --n; }
  } leave{inflight_};
  double retry = 0;
  if (now_inflight > config_.max_inflight) {
    ctx.problem(503, "unavailable",
                "the server is at capacity (" + std::to_string(config_.max_inflight) +
                    " requests in progress); retry shortly");
  } else if (!per_client_.allow(client_bucket(ctx.client), &retry)) {
    ctx.problem(429, "rate_limited", "too many requests from this address; retry later");
    res.set_header("Retry-After", std::to_string(static_cast<long>(std::ceil(retry))));
  } else if (!req.query_error.empty()) {
    ctx.problem(400, "invalid_argument", req.query_error);
  } else {
    try {
      // Authentication: a Bearer session token or API key.
      const std::string* header = req.header("Authorization");
      bool authenticated = false;
      if (header != nullptr && !header->empty()) {
        if (header->rfind("Bearer ", 0) != 0 || header->size() > 7 + 300) {
          ctx.problem(401, "unauthenticated",
                      "Authorization: expected \"Bearer <token or API key>\"");
        } else {
          ctx.token = header->substr(7);
          auto p = ctx.token.rfind("boka_", 0) == 0
                       ? engine_.auth().authenticate_api_key(ctx.token, ctx.client)
                       : engine_.auth().authenticate_session(ctx.token);
          if (!p.ok()) {
            ctx.problem(p.status());
          } else {
            ctx.principal = p->with_source(ctx.client);
            authenticated = true;
          }
        }
      } else if (auto cookie = session_cookie(req)) {
        // A browser's session (docs/web.md). Routes that need no credential ignore a stale
        // one, so an expired cookie never locks a visitor out of the public pages.
        auto p = engine_.auth().authenticate_session(*cookie);
        if (p.ok()) {
          ctx.token = *cookie;
          ctx.via_cookie = true;
          ctx.principal = p->with_source(ctx.client);
          authenticated = true;
          res.set_header("X-CSRF-Token", csrf_token_for(*cookie));
          // Every state change carries the token the pages were given: a cross-site request
          // rides on the cookie but cannot know it.
          const std::string* csrf = req.header("X-CSRF-Token");
          if (req.method != "GET" && req.method != "HEAD" &&
              (csrf == nullptr || !csrf_token_matches(*cookie, *csrf))) {
            ctx.problem(403, "permission_denied",
                        "missing or wrong X-CSRF-Token: a browser session's changes must carry "
                        "the token its pages were given");
          }
        } else if (route.auth == Auth::required) {
          ctx.problem(p.status());
          clear_session_cookie(res);
        }
      } else if (route.auth == Auth::required) {
        ctx.problem(401, "unauthenticated",
                    "this route needs Authorization: Bearer <token or API key>");
      }
      // A route anyone may call takes its JSON body only as application/json: a cross-site
      // page can send text/plain without asking, but application/json needs a CORS preflight,
      // which this server never grants (no login CSRF, no visitor's browser booking for
      // another site).
      const std::string* type = req.header("Content-Type");
      if (res.status < 400 && route.auth == Auth::none && !route.io.request.is_null() &&
          !req.body.empty() &&
          (type == nullptr || lowercase(type->substr(0, type->find(';'))) != "application/json")) {
        ctx.problem(415, "invalid_argument",
                    "Content-Type: this route takes its body as application/json");
      }
      const bool refused = res.status >= 400;
      if (!refused && authenticated && !per_principal_.allow(ctx.principal->name(), &retry)) {
        ctx.problem(429, "rate_limited", "too many requests with this credential; retry later");
        res.set_header("Retry-After", std::to_string(static_cast<long>(std::ceil(retry))));
      } else if (!refused) {
        route.handler(ctx);
      }
    } catch (const InputError& e) {
      ctx.problem(http_status(e.code()), code_name(e.code()), e.what());
    } catch (const StatusError& e) {
      ctx.problem(e.status);
    } catch (const std::bad_alloc&) {
      // Out of memory (an address-space or container limit, a burst of large answers):
      // usually passing, so 503 with Retry-After like other overload rather than a 500. As
      // after a timeout, a booking may have been stored before the allocation failed: a
      // retry with its Idempotency-Key is safe (docs/http.md).
      res.headers.clear();
      out_of_memory_log.write(kOutOfMemoryLine);
      ctx.problem(503, "unavailable", kOutOfMemoryDetail);
    } catch (const std::exception&) {
      // Never the exception's text: it may quote the request, or say nothing useful.
      res.headers.clear();
      ctx.problem(500, "internal", "the server failed to handle the request");
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (route.latency != nullptr) route.latency->observe(seconds);
  finish(req, route.method, route.name, res, started, ctx.client,
         ctx.principal ? ctx.principal->name() : "");
  return res;
}

void Api::finish(const Request& req, const std::string& method, const std::string& route,
                 Response& res, std::chrono::steady_clock::time_point started,
                 const std::string& client, const std::string& principal) {
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string status = std::to_string(res.status);
  if (auto c = metrics_->counter("http_requests_total", "HTTP requests by route and status",
                                 {{"method", method}, {"route", route}, {"status", status}});
      c.ok()) {
    (*c)->inc();
  }
  char when[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  // The path without its query (queries carry no secret here, but keep logs lean).
  Json line = Json::object();
  line["time"] = when;
  line["id"] = ++request_ids_;
  line["client"] = client;
  line["method"] = method;
  // A calendar feed's or a manage link's path holds its capability token: logged without it.
  std::string path = req.path.substr(0, 200);
  if (route == "feeds.render") {
    path = "/api/feeds/(redacted).ics";
  } else if (path.rfind("/manage/", 0) == 0) {
    path = "/manage/(redacted)";
  } else if (path.rfind("/api/public/bookings/", 0) == 0) {
    const auto end = path.find('/', std::string("/api/public/bookings/").size());
    path = "/api/public/bookings/(redacted)" + (end == std::string::npos ? "" : path.substr(end));
  }
  line["path"] = path;
  line["route"] = route;
  line["status"] = res.status;
  line["ms"] = seconds * 1000.0;
  line["bytes"] = res.body.size();
  line["principal"] = principal;
  // Invalid UTF-8 (a forwarded address, a raw path) is replaced, never a reason to throw.
  log_.write(codec::dump(line));
}

// ---- routes ---------------------------------------------------------------------------------

namespace {

// The length limits of the single strings a body carries, checked before any engine work.
void check_length(const std::string& value, const std::string& path, std::size_t max) {
  if (value.size() > max)
    throw InputError(path + ": longer than " + std::to_string(max) + " bytes");
}

// The Idempotency-Key header, as HTTP clients send it, in place of (or agreeing with) the
// body's idempotency_key.
void take_idempotency_header(const Request& req, std::string& key) {
  const std::string* found = req.header("Idempotency-Key");
  if (found == nullptr || found->empty()) return;
  if (!key.empty() && key != *found) {
    throw InputError("Idempotency-Key: differs from the body's idempotency_key");
  }
  key = *found;
}

}  // namespace

// Routes are grouped as the library's API is: the operations facet, the auth facet, and
// the booking core (tenants, the catalog, availability, reservations).
void Api::install() {
  install_operations();
  install_auth();
  install_booking();
  install_series();
  install_waitlist();
  install_customers();
  install_events();
  install_webhooks();
  install_feeds();
  install_mail();
  install_payments();
  install_admin_pages();
  install_public();
  install_web();
  openapi_ = build_openapi();
}

void Api::install_operations() {
  // --- the operations guide's routes
  // {"status"} alone, or with ?detailed the whole HealthReport document.
  const Json health_status = Json{
      {"type", "object"},
      {"required", Json::array({"status"})},
      {"additionalProperties", false},
      {"properties", Json{{"status", Json{{"type", "string"},
                                          {"enum", Json::array({"ok", "degraded", "failing"})}}}}}};
  const Json health_doc = Json{{"anyOf", Json::array({health_status, doc<HealthReport>()})}};
  route("GET", "/api/health", "health", Auth::optional, {kNone, health_doc}, [this](Context& c) {
    const bool detailed = c.req.param("detailed") != nullptr;
    if (!detailed) {
      std::lock_guard<std::mutex> lock(health_mutex_);
      if (health_answer_.status != 0 &&
          std::chrono::steady_clock::now() - health_answer_.at < std::chrono::seconds(1)) {
        c.res.status = health_answer_.status;
        c.res.set_content(health_answer_.body, "application/json");
        return;
      }
    }
    auto h = engine_.operations().health(Principal::system());
    if (!h.ok()) return c.problem(h.status());
    if (shared_limits_) {  // the shared rate limits: degraded (not failing) while local
      const auto redis = shared_limits_->health();
      h->checks.push_back(
          HealthCheck{"redis", redis.up ? HealthStatus::ok : HealthStatus::degraded, redis.detail});
      if (!redis.up && h->status == HealthStatus::ok) h->status = HealthStatus::degraded;
    }
    const int status = h->status == HealthStatus::failing ? 503 : 200;
    if (!detailed) {
      Json j = Json::object();
      j["status"] = health_status_name(h->status);
      {
        std::lock_guard<std::mutex> lock(health_mutex_);
        health_answer_ = HealthAnswer{std::chrono::steady_clock::now(), status, codec::dump(j)};
      }
      return c.send(status, j);
    }
    // The detailed report names files and components: a client on this host (the address
    // nginx forwards, not nginx's own) or an operator only.
    const bool local = c.client == "127.0.0.1" || c.client == "::1";
    if (!local) {
      if (!c.principal)
        return c.problem(401, "unauthenticated",
                         "?detailed needs an operator's credential from off the host");
      auto ops = engine_.operations().database_stats(c.who());  // a cheap system:operations check
      if (!ops.ok()) return c.problem(ops.status());
    }
    c.send(status, codec::to_json(*h));
  });
  route("GET", "/api/metrics", "metrics", Auth::none,
        {kNone, Json{{"type", "string"}}, 200, false, "text/plain"}, [this](Context& c) {
          c.res.status = 200;
          c.res.set_content(metrics_->exposition(), "text/plain; version=0.0.4; charset=utf-8");
        });
  route("GET", "/api/openapi.json", "openapi", Auth::none, {kNone, Json{{"type", "object"}}},
        [this](Context& c) {
          c.res.status = 200;
          c.res.set_content(openapi_, "application/json");
        });
}

void Api::install_auth() {
  const auto T = std::string(R"(/api/tenants/(\d+))");

  // --- security reports and keys across a tenant
  route("GET", "/api/admin/security/mfa-stats", "admin.mfa_stats", Auth::required,
        {kNone, doc<MfaStats>()},
        [this](Context& c) { c.reply(engine_.auth().mfa_stats(c.who(), c.admin_tenant())); });
  route("GET", "/api/admin/security/locked-accounts", "admin.locked_accounts", Auth::required,
        {kNone, list_of<User>()},
        [this](Context& c) { c.reply(engine_.auth().locked_accounts(c.who(), c.admin_tenant())); });
  route("GET", "/api/admin/api-keys", "admin.api_keys", Auth::required, {kNone, list_of<ApiKey>()},
        [this](Context& c) {
          c.reply(engine_.auth().list_api_keys(c.who(), c.admin_tenant(), page_after(c.req),
                                               page_limit(c.req, 100)));
        });
  route("DELETE", R"(/api/admin/api-keys/(\d+))", "admin.revoke_api_key", Auth::required,
        {kNone, doc<ApiKey>()}, [this](Context& c) {
          c.reply(engine_.auth().revoke_api_key(c.who(), c.admin_tenant(), c.id(1)));
        });

  // --- authentication
  route("POST", "/api/auth/login", "auth.login", Auth::none,
        {doc<LoginRequest>(Form::input), doc<SessionGrant>()}, [this](Context& c) {
          LoginRequest l = codec::login_request_from_json(c.body());
          l.source =
              c.client.substr(0, 100);  // the client as this server sees it, never the body's
          if (!login_allowed(c, "tenant " + std::to_string(l.tenant) + " " + lowercase(l.email)))
            return;
          auto grant = engine_.auth().login(l);
          if (!grant.ok()) return c.problem(grant.status());
          reply_grant(c, codec::to_json(*grant));
        });
  route("POST", "/api/auth/mfa/verify", "auth.mfa_verify", Auth::required,
        {doc<codec::MfaCode>(Form::input), doc<SessionGrant>()}, [this](Context& c) {
          const auto m = c.body_as<codec::MfaCode>("mfa");
          check_length(m.code, "mfa.code", 64);
          if (!login_allowed(c, "tenant " + std::to_string(c.who().tenant()) + " user " +
                                    std::to_string(c.who().user()))) {
            return;
          }
          auto grant = engine_.auth().verify_mfa(c.token, m.code, c.client.substr(0, 100));
          if (!grant.ok()) return c.problem(grant.status());
          reply_grant(c, codec::to_json(*grant));
        });
  route("POST", "/api/auth/mfa/enroll", "auth.mfa_enroll", Auth::required,
        {kNone, doc<TotpEnrollment>()},
        [this](Context& c) { c.reply(engine_.auth().begin_totp_enrollment(c.who())); });
  route("POST", "/api/auth/mfa/confirm", "auth.mfa_confirm", Auth::required,
        {doc<codec::MfaCode>(Form::input), doc<MfaEnabled>()}, [this](Context& c) {
          const auto m = c.body_as<codec::MfaCode>("mfa");
          check_length(m.code, "mfa.code", 64);
          auto enabled = engine_.auth().confirm_totp_enrollment(c.who(), m.code);
          if (!enabled.ok()) return c.problem(enabled.status());
          reply_grant(c, codec::to_json(*enabled));
        });
  route("POST", "/api/auth/logout", "auth.logout", Auth::required, {kNone, kNone, 204},
        [this](Context& c) {
          c.reply(engine_.auth().logout(c.who()));
          if (c.via_cookie) clear_session_cookie(c.res);
        });
  route("POST", "/api/auth/password", "auth.password", Auth::required,
        {doc<codec::PasswordChange>(Form::input), kNone, 204}, [this](Context& c) {
          const auto p = c.body_as<codec::PasswordChange>("password");
          check_length(p.current, "password.current", 1024);
          check_length(p.new_password, "password.new", 1024);
          c.reply(engine_.auth().change_password(c.who(), p.current, p.new_password));
        });
  route("GET", "/api/auth/sessions", "auth.sessions", Auth::required, {kNone, list_of<Session>()},
        [this](Context& c) {
          const UserId user{query_int(c.req, "user").value_or(c.who().user())};
          c.reply(engine_.auth().list_sessions(
              c.who(), c.admin_tenant(), user == 0 ? std::nullopt : std::optional<UserId>(user)));
        });
  route("DELETE", R"(/api/auth/sessions/(\d+))", "auth.end_session", Auth::required,
        {kNone, kNone, 204}, [this](Context& c) {
          c.reply(engine_.auth().end_session(c.who(), c.admin_tenant(), c.id(1)));
        });

  // --- users and API keys of a tenant
  route("POST", T + "/users", "users.create", Auth::required,
        {doc<NewUser>(Form::input), doc<User>(), 201}, [this](Context& c) {
          c.reply(engine_.auth().create_user(c.who(), c.id(1), codec::new_user_from_json(c.body())),
                  201);
        });
  route("GET", T + "/users", "users.list", Auth::required, {kNone, list_of<User>()},
        [this](Context& c) {
          c.reply(engine_.auth().list_users(c.who(), c.id(1), page_after(c.req),
                                            page_limit(c.req, 100)));
        });
  route("POST", T + "/api-keys", "keys.create", Auth::required,
        {doc<NewApiKey>(Form::input), doc<CreatedApiKey>(), 201}, [this](Context& c) {
          c.reply(engine_.auth().create_api_key(c.who(), c.id(1),
                                                codec::new_api_key_from_json(c.body())),
                  201);
        });
}

void Api::install_booking() {
  const auto T = std::string(R"(/api/tenants/(\d+))");

  // --- tenants
  route("POST", "/api/tenants", "tenants.create", Auth::required,
        {doc<Tenant>(Form::input), doc<Tenant>(), 201}, [this](Context& c) {
          c.reply(engine_.create_tenant(c.who(), c.body_as<Tenant>("tenant")), 201);
        });
  route("GET", "/api/tenants", "tenants.list", Auth::required, {kNone, list_of<Tenant>()},
        [this](Context& c) { c.reply(engine_.list_tenants(c.who())); });
  route("GET", T, "tenants.get", Auth::required, {kNone, doc<Tenant>()},
        [this](Context& c) { c.reply(engine_.get_tenant(c.who(), c.id(1))); });
  route("PUT", T + "/rules", "tenants.rules", Auth::required,
        {doc<codec::TenantRulesRequest>(Form::input), doc<Tenant>()}, [this](Context& c) {
          const auto r = c.body_as<codec::TenantRulesRequest>("rules");
          c.reply(engine_.update_tenant_rules(c.who(), c.id(1), r.rules, r.expected_version));
        });

  // --- the catalog: resources, schedules, pools, one set of routes per kind
  const auto catalog = [this, T](const std::string& kind, auto tag, auto create, auto list,
                                 auto get, auto update, auto archive) {
    using Doc = typename decltype(tag)::type;
    const std::string path = T + "/" + kind + "s";
    const std::string one = path + R"(/(\d+))";
    route("POST", path, kind + "s.create", Auth::required, {doc<Doc>(Form::input), doc<Doc>(), 201},
          [this, kind, create](Context& c) {
            c.reply(create(engine_, c.who(), c.id(1), c.body_as<Doc>(kind)), 201);
          });
    route("GET", path, kind + "s.list", Auth::required, {kNone, list_of<Doc>()},
          [this, list](Context& c) {
            c.reply(list(engine_, c.who(), c.id(1), query_flag(c.req, "include_archived")));
          });
    route("GET", one, kind + "s.get", Auth::required, {kNone, doc<Doc>()},
          [this, get](Context& c) { c.reply(get(engine_, c.who(), c.id(1), c.id(2))); });
    route(
        "PUT", one, kind + "s.update", Auth::required, {doc<Doc>(Form::update), doc<Doc>()},
        [this, kind, update](Context& c) {
          Json b = c.body();
          b["id"] = c.id(2).value;  // the path's id wins
          c.reply(update(engine_, c.who(), c.id(1), codec::from_json<Doc>(b, kind, Mode::update)));
        });
    route("DELETE", one, kind + "s.archive", Auth::required, {kNone, doc<Doc>()},
          [this, archive](Context& c) { c.reply(archive(engine_, c.who(), c.id(1), c.id(2))); });
  };
  catalog(
      "resource", codec::Tag<Resource>{},
      [](Engine& e, const Principal& p, TenantId t, const Resource& x) {
        return e.create_resource(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, bool a) { return e.list_resources(p, t, a); },
      [](Engine& e, const Principal& p, TenantId t, ResourceId id) {
        return e.get_resource(p, t, id);
      },
      [](Engine& e, const Principal& p, TenantId t, const Resource& x) {
        return e.update_resource(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, ResourceId id) {
        return e.archive_resource(p, t, id);
      });
  catalog(
      "schedule", codec::Tag<Schedule>{},
      [](Engine& e, const Principal& p, TenantId t, const Schedule& x) {
        return e.create_schedule(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, bool a) { return e.list_schedules(p, t, a); },
      [](Engine& e, const Principal& p, TenantId t, ScheduleId id) {
        return e.get_schedule(p, t, id);
      },
      [](Engine& e, const Principal& p, TenantId t, const Schedule& x) {
        return e.update_schedule(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, ScheduleId id) {
        return e.archive_schedule(p, t, id);
      });
  catalog(
      "pool", codec::Tag<Pool>{},
      [](Engine& e, const Principal& p, TenantId t, const Pool& x) {
        return e.create_pool(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, bool a) { return e.list_pools(p, t, a); },
      [](Engine& e, const Principal& p, TenantId t, PoolId id) { return e.get_pool(p, t, id); },
      [](Engine& e, const Principal& p, TenantId t, const Pool& x) {
        return e.update_pool(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, PoolId id) {
        return e.archive_pool(p, t, id);
      });
  catalog(
      "service", codec::Tag<Service>{},
      [](Engine& e, const Principal& p, TenantId t, const Service& x) {
        return e.services().create(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, bool a) { return e.services().list(p, t, a); },
      [](Engine& e, const Principal& p, TenantId t, ServiceId id) {
        return e.services().get(p, t, id);
      },
      [](Engine& e, const Principal& p, TenantId t, const Service& x) {
        return e.services().update(p, t, x);
      },
      [](Engine& e, const Principal& p, TenantId t, ServiceId id) {
        return e.services().archive(p, t, id);
      });

  // --- availability
  route("POST", T + "/availability", "availability", Auth::required,
        {doc<AvailabilityQuery>(Form::input), doc<SlotPage>()}, [this](Context& c) {
          // One page: at most the query's limit (default 1000 here, at most 10000), with where
          // to go on. The engine bounds the work (grid points, resources) before doing it.
          Json body = c.body();
          if (!body.contains("limit")) body["limit"] = kMaxPage;
          c.reply(engine_.availability_page(c.who(), c.id(1), codec::query_from_json(body)));
        });
  route("POST", T + "/availability/explain", "availability.explain", Auth::required,
        {doc<codec::ExplainRequest>(Form::input), doc<Explanation>()}, [this](Context& c) {
          const auto x = codec::explain_request_from_json(c.body());
          c.reply(engine_.explain(c.who(), c.id(1), x.requests, x.start, x.duration));
        });

  // --- reservations
  route("POST", T + "/reservations", "reservations.reserve", Auth::required,
        {doc<ReserveRequest>(Form::input), doc<Reservation>(), 201}, [this](Context& c) {
          ReserveRequest r = codec::reserve_request_from_json(c.body());
          take_idempotency_header(c.req, r.idempotency_key);
          c.reply(engine_.reserve(c.who(), c.id(1), r), 201);
        });
  route("GET", T + "/reservations", "reservations.list", Auth::required,
        {kNone, list_of<Reservation>()}, [this](Context& c) {
          c.reply(engine_.list_reservations(c.who(), c.id(1), reservation_filter_of(c.req, true)));
        });
  route("GET", T + R"(/reservations/(\d+))", "reservations.get", Auth::required,
        {kNone, doc<Reservation>()},
        [this](Context& c) { c.reply(engine_.get_reservation(c.who(), c.id(1), c.id(2))); });
  const auto change = [this, T](const char* verb, auto call) {
    route("POST", T + R"(/reservations/(\d+)/)" + verb, std::string("reservations.") + verb,
          Auth::required, {doc<codec::VersionGuard>(Form::input), doc<Reservation>(), 200, true},
          [this, call](Context& c) {
            const auto guard = codec::from_json<codec::VersionGuard>(c.body_or_empty(), "change");
            c.reply(call(engine_, c.who(), c.id(1), c.id(2), guard.if_version));
          });
  };
  change("confirm", [](Engine& e, const Principal& p, TenantId t, ReservationId id,
                       std::optional<std::int64_t> v) { return e.confirm(p, t, id, v); });
  // A cancel takes the whole ChangeGuard: staff may pass over the cancel cutoff.
  route("POST", T + R"(/reservations/(\d+)/cancel)", "reservations.cancel", Auth::required,
        {doc<ChangeGuard>(Form::input), doc<Reservation>(), 200, true}, [this](Context& c) {
          const auto guard = codec::from_json<ChangeGuard>(c.body_or_empty(), "cancel");
          c.reply(engine_.cancel(c.who(), c.id(1), c.id(2), guard));
        });
  change("complete", [](Engine& e, const Principal& p, TenantId t, ReservationId id,
                        std::optional<std::int64_t> v) { return e.mark_completed(p, t, id, v); });
  change("no_show", [](Engine& e, const Principal& p, TenantId t, ReservationId id,
                       std::optional<std::int64_t> v) { return e.mark_no_show(p, t, id, v); });
  route("POST", T + R"(/reservations/(\d+)/reschedule)", "reservations.reschedule", Auth::required,
        {doc<codec::RescheduleRequest>(Form::input), doc<Reservation>()}, [this](Context& c) {
          const auto r = c.body_as<codec::RescheduleRequest>("reschedule");
          c.reply(engine_.reschedule(c.who(), c.id(1), c.id(2), r.start, r.end, r.guard));
        });
  route("PATCH", T + R"(/reservations/(\d+))", "reservations.update", Auth::required,
        {doc<ReservationUpdate>(Form::input), doc<Reservation>()}, [this](Context& c) {
          c.reply(engine_.update_reservation(c.who(), c.id(1), c.id(2),
                                             codec::reservation_update_from_json(c.body())));
        });
}

// Recurring series (boka/series.hpp): booked, checked and read under /series; changed by
// scope from one of their reservations, beside the single-reservation changes.
void Api::install_series() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  const std::string one = T + R"(/series/(\d+))";

  route("POST", T + "/series", "series.book", Auth::required,
        {doc<SeriesRequest>(Form::input), doc<SeriesBooking>(), 201}, [this](Context& c) {
          SeriesRequest r = codec::series_request_from_json(c.body());
          take_idempotency_header(c.req, r.idempotency_key);
          c.reply(engine_.series().book(c.who(), c.id(1), r), 201);
        });
  route("POST", T + "/series/check", "series.check", Auth::required,
        {doc<SeriesRequest>(Form::input), doc<SeriesAvailability>()}, [this](Context& c) {
          c.reply(
              engine_.series().check(c.who(), c.id(1), codec::series_request_from_json(c.body())));
        });
  route("GET", one, "series.get", Auth::required, {kNone, doc<Series>()},
        [this](Context& c) { c.reply(engine_.series().get(c.who(), c.id(1), c.id(2))); });
  route("GET", one + "/occurrences", "series.occurrences", Auth::required,
        {kNone, list_of<Reservation>()},
        [this](Context& c) { c.reply(engine_.series().occurrences(c.who(), c.id(1), c.id(2))); });
  route("POST", one + "/confirm", "series.confirm", Auth::required, {kNone, list_of<Reservation>()},
        [this](Context& c) { c.reply(engine_.series().confirm(c.who(), c.id(1), c.id(2))); });

  const std::string occurrence = T + R"(/reservations/(\d+))";
  route("POST", occurrence + "/series-cancel", "reservations.series_cancel", Auth::required,
        {doc<codec::SeriesCancelRequest>(Form::input), doc<SeriesChange>()}, [this](Context& c) {
          const auto r = c.body_as<codec::SeriesCancelRequest>("cancel");
          c.reply(engine_.series().cancel(c.who(), c.id(1), c.id(2), r.scope,
                                          ChangeGuard{std::nullopt, r.override_rules}));
        });
  route("POST", occurrence + "/series-reschedule", "reservations.series_reschedule", Auth::required,
        {doc<codec::SeriesRescheduleRequest>(Form::input), doc<SeriesChange>()},
        [this](Context& c) {
          const auto r = c.body_as<codec::SeriesRescheduleRequest>("reschedule");
          c.reply(engine_.series().reschedule(c.who(), c.id(1), c.id(2), r.scope, r.change,
                                              ChangeGuard{std::nullopt, r.override_rules}));
        });
}

// The waitlist (boka/waitlist.hpp): joined, listed and read under /waitlist; an entry is
// cancelled, accepted (its offer confirmed) or moved in its queue (staff) by its id.
void Api::install_waitlist() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  const std::string one = T + R"(/waitlist/(\d+))";

  route("POST", T + "/waitlist", "waitlist.join", Auth::required,
        {doc<WaitlistRequest>(Form::input), doc<WaitlistEntry>(), 201}, [this](Context& c) {
          c.reply(engine_.waitlist().join(c.who(), c.id(1),
                                          codec::waitlist_request_from_json(c.body())),
                  201);
        });
  route("GET", T + "/waitlist", "waitlist.list", Auth::required, {kNone, list_of<WaitlistEntry>()},
        [this](Context& c) {
          // The query names the filter's fields; status is a comma-separated list.
          Json f = Json::object();
          for (const char* name : {"resource", "pool"}) {
            if (auto v = query_int(c.req, name)) f[name] = *v;
          }
          if (const std::string* v = c.req.param("customer")) f["customer"] = *v;
          if (auto v = query_int(c.req, "customer_id")) f["customer_id"] = *v;
          f["limit"] = page_limit(c.req, 100);
          if (const std::string* status = c.req.param("status"))
            f["statuses"] = comma_list(*status);
          c.reply(engine_.waitlist().list(c.who(), c.id(1), codec::waitlist_filter_from_json(f)));
        });
  route("GET", one, "waitlist.get", Auth::required, {kNone, doc<WaitlistPosition>()},
        [this](Context& c) { c.reply(engine_.waitlist().get(c.who(), c.id(1), c.id(2))); });
  route("POST", one + "/cancel", "waitlist.cancel", Auth::required, {kNone, doc<WaitlistEntry>()},
        [this](Context& c) { c.reply(engine_.waitlist().cancel(c.who(), c.id(1), c.id(2))); });
  route("POST", one + "/accept", "waitlist.accept", Auth::required, {kNone, doc<Reservation>()},
        [this](Context& c) { c.reply(engine_.waitlist().accept(c.who(), c.id(1), c.id(2))); });
  route("POST", one + "/priority", "waitlist.set_priority", Auth::required,
        {doc<codec::WaitlistPriorityRequest>(Form::input), doc<WaitlistEntry>()},
        [this](Context& c) {
          const auto r = c.body_as<codec::WaitlistPriorityRequest>("priority");
          c.reply(engine_.waitlist().set_priority(c.who(), c.id(1), c.id(2), r.priority));
        });
}

// Customer records (boka/customer.hpp): created, listed and read under /customers; each one
// updated, merged, exported and erased by its id, and its bookings listed.
void Api::install_customers() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  const std::string one = T + R"(/customers/(\d+))";

  route("POST", T + "/customers", "customers.create", Auth::required,
        {doc<Customer>(Form::input), doc<Customer>(), 201}, [this](Context& c) {
          c.reply(engine_.customers().create(c.who(), c.id(1), c.body_as<Customer>("customer")),
                  201);
        });
  route("GET", T + "/customers", "customers.list", Auth::required, {kNone, list_of<Customer>()},
        [this](Context& c) {
          Json f = Json::object();
          if (const std::string* v = c.req.param("query")) f["query"] = *v;
          f["include_inactive"] = query_flag(c.req, "include_inactive");
          f["after_id"] = page_after(c.req).value;
          f["limit"] = page_limit(c.req, 100);
          c.reply(engine_.customers().list(c.who(), c.id(1), codec::customer_filter_from_json(f)));
        });
  route("GET", one, "customers.get", Auth::required, {kNone, doc<Customer>()},
        [this](Context& c) { c.reply(engine_.customers().get(c.who(), c.id(1), c.id(2))); });
  route("PUT", one, "customers.update", Auth::required,
        {doc<Customer>(Form::update), doc<Customer>()}, [this](Context& c) {
          Json b = c.body();
          b["id"] = c.id(2).value;  // the path's id wins
          c.reply(engine_.customers().update(c.who(), c.id(1),
                                             codec::customer_from_json(b, Mode::update)));
        });
  route("GET", one + "/bookings", "customers.bookings", Auth::required,
        {kNone, list_of<Reservation>()}, [this](Context& c) {
          c.reply(engine_.customers().bookings(c.who(), c.id(1), c.id(2),
                                               reservation_filter_of(c.req, false)));
        });
  route("POST", one + "/merge", "customers.merge", Auth::required,
        {doc<codec::CustomerMergeRequest>(Form::input), doc<Customer>()}, [this](Context& c) {
          const auto r = c.body_as<codec::CustomerMergeRequest>("merge");
          c.reply(engine_.customers().merge(c.who(), c.id(1), c.id(2), r.absorbed));
        });
  route("GET", one + "/export", "customers.export", Auth::required,
        {kNone, Json{{"$ref", "#/components/schemas/CustomerExport"}}}, [this](Context& c) {
          auto exported = engine_.customers().export_data(c.who(), c.id(1), c.id(2));
          if (!exported.ok()) return c.problem(exported.status());
          // The engine's document as it wrote it, not parsed again: an export may hold more
          // values than a request body may.
          c.res.status = 200;
          c.res.set_content(*exported, "application/json");
        });
  route("POST", one + "/erase", "customers.erase", Auth::required, {kNone, doc<Customer>()},
        [this](Context& c) { c.reply(engine_.customers().erase(c.who(), c.id(1), c.id(2))); });
}

// The event feed (boka/events.hpp): read in order with a cursor, one event by id, and the
// feed's head (where a consumer that wants only what happens from now on starts).
void Api::install_events() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  route("GET", T + "/events", "events.list", Auth::required, {kNone, doc<EventPage>()},
        [this](Context& c) {
          Json q = Json::object();
          if (const auto after = query_int(c.req, "after")) q["after"] = *after;
          q["limit"] = page_limit(c.req, 100);
          if (const std::string* v = c.req.param("types")) q["types"] = comma_list(*v);
          if (const std::string* v = c.req.param("subject")) q["subject"] = *v;
          c.reply(engine_.events().list(c.who(), c.id(1), codec::event_query_from_json(q)));
        });
  route("GET", T + "/events/head", "events.head", Auth::required,
        {kNone, Json{{"$ref", "#/components/schemas/EventHead"}}}, [this](Context& c) {
          auto head = engine_.events().head(c.who(), c.id(1));
          if (!head.ok()) return c.problem(head.status());
          c.send(200, Json{{"position", *head}});
        });
  route("GET", T + R"(/events/(\d+))", "events.get", Auth::required, {kNone, doc<Event>()},
        [this](Context& c) { c.reply(engine_.events().get(c.who(), c.id(1), c.id(2))); });
}

// Webhook endpoints (boka/webhooks.hpp): managed per tenant, their deliveries read, failed
// or past events replayed. The worker (boka-worker) makes the deliveries.
void Api::install_webhooks() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  const std::string one = T + R"(/webhooks/(\d+))";
  route("POST", T + "/webhooks", "webhooks.create", Auth::required,
        {doc<WebhookEndpoint>(Form::input), doc<CreatedWebhookEndpoint>(), 201},
        [this](Context& c) {
          c.reply(engine_.webhooks().create_endpoint(c.who(), c.id(1),
                                                     c.body_as<WebhookEndpoint>("endpoint")),
                  201);
        });
  route("GET", T + "/webhooks", "webhooks.list", Auth::required,
        {kNone, list_of<WebhookEndpoint>()},
        [this](Context& c) { c.reply(engine_.webhooks().list_endpoints(c.who(), c.id(1))); });
  route(
      "GET", one, "webhooks.get", Auth::required, {kNone, doc<WebhookEndpoint>()},
      [this](Context& c) { c.reply(engine_.webhooks().get_endpoint(c.who(), c.id(1), c.id(2))); });
  route("PUT", one, "webhooks.update", Auth::required,
        {doc<WebhookEndpoint>(Form::update), doc<WebhookEndpoint>()}, [this](Context& c) {
          Json b = c.body();
          b["id"] = c.id(2).value;  // the path's id wins
          c.reply(engine_.webhooks().update_endpoint(
              c.who(), c.id(1), codec::from_json<WebhookEndpoint>(b, "endpoint", Mode::update)));
        });
  route("DELETE", one, "webhooks.delete", Auth::required, {kNone, kNone, 204}, [this](Context& c) {
    c.reply(engine_.webhooks().delete_endpoint(c.who(), c.id(1), c.id(2)));
  });
  route("POST", one + "/rotate-secret", "webhooks.rotate_secret", Auth::required,
        {doc<codec::WebhookRotateRequest>(Form::input), doc<CreatedWebhookEndpoint>()},
        [this](Context& c) {
          const auto r = c.body_as<codec::WebhookRotateRequest>("rotation");
          c.reply(engine_.webhooks().rotate_secret(c.who(), c.id(1), c.id(2), r.overlap));
        });
  route("GET", one + "/deliveries", "webhooks.deliveries", Auth::required,
        {kNone, list_of<WebhookDelivery>()}, [this](Context& c) {
          DeliveryFilter f;
          f.endpoint = WebhookEndpointId{c.id(2).value};
          if (const std::string* v = c.req.param("status")) {
            f.status = codec::detail::enum_from_json<DeliveryStatus>(Json(*v), "query status");
          }
          if (const auto e = query_int(c.req, "event")) f.event = EventId{*e};
          if (const auto b = query_int(c.req, "before_id")) f.before_id = WebhookDeliveryId{*b};
          f.limit = page_limit(c.req, 100);
          c.reply(engine_.webhooks().list_deliveries(c.who(), c.id(1), f));
        });
  route("POST", one + "/replay", "webhooks.replay", Auth::required,
        {doc<codec::WebhookReplayRequest>(Form::input), doc<WebhookDelivery>(), 201},
        [this](Context& c) {
          const auto r = c.body_as<codec::WebhookReplayRequest>("replay");
          c.reply(engine_.webhooks().replay(c.who(), c.id(1), c.id(2), r.event), 201);
        });
  route("POST", one + "/replay-dead", "webhooks.replay_dead", Auth::required,
        {kNone, Json{{"$ref", "#/components/schemas/Count"}}}, [this](Context& c) {
          auto n = engine_.webhooks().replay_dead(c.who(), c.id(1), c.id(2));
          if (!n.ok()) return c.problem(n.status());
          c.send(200, Json{{"count", *n}});
        });
  route("GET", T + R"(/webhook-deliveries/(\d+))", "webhooks.delivery", Auth::required,
        {kNone, doc<WebhookDelivery>()}, [this](Context& c) {
          c.reply(engine_.webhooks().get_delivery(c.who(), c.id(1), c.id(2)));
        });
  route("GET", T + R"(/webhook-deliveries/(\d+)/attempts)", "webhooks.attempts", Auth::required,
        {kNone, list_of<DeliveryAttempt>()}, [this](Context& c) {
          c.reply(engine_.webhooks().list_attempts(c.who(), c.id(1), c.id(2)));
        });
}

// Calendar feeds (boka/feeds.hpp): made and revoked per tenant; read by anyone holding the
// token, which the path carries (a calendar application cannot send a header).
void Api::install_feeds() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  route("POST", T + "/feeds", "feeds.create", Auth::required,
        {doc<codec::FeedRequest>(Form::input), doc<CreatedFeed>(), 201}, [this](Context& c) {
          const auto r = c.body_as<codec::FeedRequest>("feed");
          c.reply(engine_.feeds().create(c.who(), c.id(1), r.kind, r.subject, r.name), 201);
        });
  route("GET", T + "/feeds", "feeds.list", Auth::required, {kNone, list_of<CalendarFeed>()},
        [this](Context& c) { c.reply(engine_.feeds().list(c.who(), c.id(1))); });
  route("POST", T + R"(/feeds/(\d+)/revoke)", "feeds.revoke", Auth::required,
        {kNone, doc<CalendarFeed>()},
        [this](Context& c) { c.reply(engine_.feeds().revoke(c.who(), c.id(1), c.id(2))); });
  route("GET", R"(/api/feeds/([A-Za-z0-9_-]{1,200})\.ics)", "feeds.render", Auth::none,
        {kNone, Json{{"type", "string"}}, 200, false, "text/calendar"}, [this](Context& c) {
          auto text = engine_.feeds().render(c.req.captures.at(1));
          if (!text.ok()) return c.problem(text.status());
          c.res.status = 200;
          c.res.set_content(*text, "text/calendar; charset=utf-8");
        });
}

// Customer mail (boka/mail.hpp): settings and templates, previews, the messages written and
// their content, and a retry of a dead one. The worker (boka-worker) sends them.
void Api::install_mail() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  route("GET", T + "/mail/settings", "mail.settings", Auth::required, {kNone, doc<MailSettings>()},
        [this](Context& c) { c.reply(engine_.mail().settings(c.who(), c.id(1))); });
  route("PUT", T + "/mail/settings", "mail.update_settings", Auth::required,
        {doc<MailSettings>(Form::update), doc<MailSettings>()}, [this](Context& c) {
          c.reply(engine_.mail().update_settings(
              c.who(), c.id(1), c.body_as<MailSettings>("settings", Mode::update)));
        });
  route("POST", T + "/mail/preview", "mail.preview", Auth::required,
        {doc<codec::MailPreviewRequest>(Form::input), doc<EmailContent>()}, [this](Context& c) {
          const auto r = c.body_as<codec::MailPreviewRequest>("preview");
          c.reply(engine_.mail().preview(c.who(), c.id(1), r.kind, r.reservation, r.settings));
        });
  route("GET", T + "/mail/messages", "mail.list", Auth::required, {kNone, list_of<Email>()},
        [this](Context& c) {
          EmailFilter f;
          if (const std::string* v = c.req.param("status")) {
            f.status = codec::detail::enum_from_json<EmailStatus>(Json(*v), "query status");
          }
          if (const std::string* v = c.req.param("kind")) {
            f.kind = codec::detail::enum_from_json<MailKind>(Json(*v), "query kind");
          }
          if (const auto r = query_int(c.req, "reservation")) f.reservation = ReservationId{*r};
          if (const auto r = query_int(c.req, "customer")) f.customer = CustomerId{*r};
          if (const auto b = query_int(c.req, "before_id")) f.before_id = EmailId{*b};
          f.limit = page_limit(c.req, 100);
          c.reply(engine_.mail().list(c.who(), c.id(1), f));
        });
  route("GET", T + R"(/mail/messages/(\d+))", "mail.get", Auth::required, {kNone, doc<Email>()},
        [this](Context& c) { c.reply(engine_.mail().get(c.who(), c.id(1), c.id(2))); });
  route("GET", T + R"(/mail/messages/(\d+)/content)", "mail.content", Auth::required,
        {kNone, doc<EmailContent>()},
        [this](Context& c) { c.reply(engine_.mail().content(c.who(), c.id(1), c.id(2))); });
  route("POST", T + R"(/mail/messages/(\d+)/retry)", "mail.retry", Auth::required,
        {kNone, doc<Email>()},
        [this](Context& c) { c.reply(engine_.mail().retry(c.who(), c.id(1), c.id(2))); });
}

// Payments (boka/payments.hpp): settings with the provider's signing secret, the provider's
// signed notifications (no session: the signature is the credential), and payments staff
// record by hand.
void Api::install_payments() {
  const auto T = std::string(R"(/api/tenants/(\d+))");
  route("GET", T + "/payments/settings", "payments.settings", Auth::required,
        {kNone, doc<PaymentSettings>()},
        [this](Context& c) { c.reply(engine_.payments().settings(c.who(), c.id(1))); });
  route(
      "PUT", T + "/payments/settings", "payments.update_settings", Auth::required,
      {doc<codec::PaymentSettingsRequest>(Form::input), doc<PaymentSettings>()},
      [this](Context& c) {
        const auto r = c.body_as<codec::PaymentSettingsRequest>("payments");
        c.reply(engine_.payments().update_settings(c.who(), c.id(1), r.settings, r.signing_secret));
      });
  route("POST", T + "/payments/notifications", "payments.notification", Auth::none,
        {Json{{"$ref", "#/components/schemas/ProviderEvent"}}, doc<PaymentNotice>()},
        [this](Context& c) {
          const std::string* sig = c.req.header("Stripe-Signature");
          c.reply(engine_.payments().handle_notification(c.id(1), sig ? *sig : std::string(),
                                                         c.req.body));
        });
  route("POST", T + R"(/reservations/(\d+)/payment)", "payments.record", Auth::required,
        {doc<codec::PaymentRecordRequest>(Form::input), doc<Reservation>()}, [this](Context& c) {
          const auto r = c.body_as<codec::PaymentRecordRequest>("payment");
          c.reply(engine_.payments().record(c.who(), c.id(1), c.id(2), r.to, r.reference));
        });
}

// The OpenAPI document, built from the routes as registered and the codec's field lists, so
// it cannot drift from either.
std::string Api::build_openapi() const {
  Json paths = Json::object();
  const Json problem =
      Json{{"description", "a problem document (RFC 9457)"},
           {"content", Json{{"application/problem+json",
                             Json{{"schema", Json{{"$ref", "#/components/schemas/Problem"}}}}}}}};
  for (const Route& r : routes_) {
    if (r.pattern.rfind("/api/", 0) != 0) continue;  // the web app's pages and files
    // Each (\d+) group becomes a path parameter: {tenant} first under /api/tenants/, else {id}.
    const bool under_tenant = r.pattern.rfind("/api/tenants/", 0) == 0;
    static const std::string kGroup = R"((\d+))";
    std::string path;
    Json params = Json::array();
    std::size_t group = 0;
    for (std::size_t i = 0; i < r.pattern.size();) {
      if (r.pattern.compare(i, kGroup.size(), kGroup) == 0) {
        const std::string name = under_tenant && group == 0 ? "tenant" : "id";
        path += "{" + name + "}";
        Json p = Json::object();
        p["name"] = name;
        p["in"] = "path";
        p["required"] = true;
        p["schema"] = Json{{"type", "integer"}, {"format", "int64"}};
        params.push_back(p);
        ++group;
        i += kGroup.size();
      } else if (r.pattern[i] == '(') {
        // A text group: a business slug, or a capability token (named by the segment before).
        const auto close = r.pattern.find(')', i);
        const bool slug =
            path.size() >= 12 && path.compare(path.size() - 12, 12, "/businesses/") == 0;
        const std::string name = slug ? "slug" : "token";
        path += "{" + name + "}";
        Json p = Json::object();
        p["name"] = name;
        p["in"] = "path";
        p["required"] = true;
        p["schema"] = Json{{"type", "string"},
                           {"pattern", "^" + r.pattern.substr(i + 1, close - i - 1) + "$"}};
        params.push_back(p);
        i = close + 1;
      } else if (r.pattern[i] == '\\') {
        ++i;  // an escaped character ("\\.ics") stands for itself
      } else {
        path += r.pattern[i++];
      }
    }
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](char ch) { return static_cast<char>(std::tolower(ch)); });
    Json op = Json::object();
    op["operationId"] = r.name;
    op["summary"] = r.name;
    if (!params.empty()) op["parameters"] = params;
    if (!r.io.request.is_null()) {
      op["requestBody"] =
          Json{{"required", !r.io.body_optional},
               {"content", Json{{"application/json", Json{{"schema", r.io.request}}}}}};
    }
    Json success = Json{{"description", "success"}};
    if (!r.io.response.is_null()) {
      success["content"] = Json{{r.io.content_type, Json{{"schema", r.io.response}}}};
    }
    op["responses"] =
        Json{{std::to_string(r.io.status), success}, {"4XX", problem}, {"5XX", problem}};
    if (r.auth == Auth::required) {
      op["security"] = Json::array({Json{{"bearer", Json::array()}}});
    } else if (r.auth == Auth::optional) {
      op["security"] = Json::array({Json{{"bearer", Json::array()}}, Json::object()});
    }
    paths[path][method] = op;
  }
  Json schemas = codec::schema_components();
  // The export of a customer (Customers::export_data) is the engine's own document, not a
  // field list of the codec: its top level is fixed, the records inside are plain objects.
  const Json object = Json{{"type", "object"}};
  const Json objects = Json{{"type", "array"}, {"items", object}};
  schemas["CustomerExport"] = Json{
      {"type", "object"},
      {"description",
       "Everything boka holds about a customer: the record, every reservation, series and "
       "waitlist entry naming it, the audit records about it and the mail sent to it"},
      {"required", Json::array({"format", "exported_at", "tenant", "customer", "reservations",
                                "series", "waitlist_entries", "audit", "emails"})},
      {"properties", Json{{"format", Json{{"type", "string"}, {"const", "boka.customer-export/1"}}},
                          {"exported_at", Json{{"type", "string"}, {"format", "date-time"}}},
                          {"tenant", Json{{"type", "integer"}, {"format", "int64"}}},
                          {"customer", object},
                          {"reservations", objects},
                          {"series", objects},
                          {"waitlist_entries", objects},
                          {"audit", objects},
                          {"emails", objects}}}};
  schemas["Count"] =
      Json{{"type", "object"},
           {"description", "How many objects a call changed"},
           {"required", Json::array({"count"})},
           {"additionalProperties", false},
           {"properties", Json{{"count", Json{{"type", "integer"}, {"format", "int64"}}}}}};
  // The feed's head (Events::head): one number, not a struct of the codec.
  schemas["EventHead"] =
      Json{{"type", "object"},
           {"description", "The highest position of the tenant's event feed (0 if none)"},
           {"required", Json::array({"position"})},
           {"additionalProperties", false},
           {"properties", Json{{"position", Json{{"type", "integer"}, {"format", "int64"}}}}}};
  // A payment provider's event as it sends it (Stripe's event object): boka reads id, type
  // and data.object, and keeps the raw bytes for the signature.
  schemas["ProviderEvent"] = Json{
      {"type", "object"},
      {"description", "A payment provider's event (docs/payments.md), signed in Stripe-Signature"},
      {"required", Json::array({"id", "type", "data"})},
      {"properties", Json{{"id", Json{{"type", "string"}}},
                          {"type", Json{{"type", "string"}}},
                          {"data", Json{{"type", "object"}}}}}};
  schemas["Problem"] =
      Json{{"type", "object"},
           {"required", Json::array({"type", "title", "status", "code", "detail"})},
           {"properties", Json{{"type", Json{{"type", "string"}}},
                               {"title", Json{{"type", "string"}}},
                               {"status", Json{{"type", "integer"}}},
                               {"code", Json{{"type", "string"}}},
                               {"detail", Json{{"type", "string"}}},
                               {"conflict", codec::schema_ref<ConflictInfo>(Form::output)}}}};
  Json doc = Json::object();
  doc["openapi"] = "3.1.0";
  doc["info"] = Json{{"title", "boka-server"},
                     {"version", version_string()},
                     {"description",
                      "The example HTTP host over the boka booking library. Instants are "
                      "RFC 3339 text (UTC out, any offset in), durations integer seconds; "
                      "bodies are the JSON documents of include/boka/boka.h."}};
  doc["paths"] = paths;
  doc["components"] =
      Json{{"securitySchemes",
            Json{{"bearer", Json{{"type", "http"},
                                 {"scheme", "bearer"},
                                 {"description", "a session token or an API key (boka_...)"}}}}},
           {"schemas", schemas}};
  return doc.dump(2);
}

}  // namespace boka::server
