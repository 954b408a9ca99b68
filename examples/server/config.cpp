#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <type_traits>

namespace boka::server {
namespace {

// The web app's files: the installed copy, else (running from a build tree) the source's.
std::string default_web_dir() {
  for (const char* dir : {BOKA_INSTALLED_WEB_DIR, BOKA_SOURCE_WEB_DIR}) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(dir) / "book.html", ec)) return dir;
  }
  return "";
}

Result<long long> parse_integer(const char* name, const std::string& value, long long lo,
                                long long hi) {
  long long out = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out < lo || out > hi) {
    return InvalidArgument(std::string(name) + ": must be an integer in " + std::to_string(lo) +
                           ".." + std::to_string(hi) + ", got \"" + value.substr(0, 40) + "\"");
  }
  return out;
}

// A rate in requests per second: "50", "50/s", or per minute, "5/min" (login budgets are
// naturally counted per minute).
Result<double> parse_rate(const char* name, const std::string& value) {
  std::string text = value;
  double per = 1;
  const auto ends_with = [&](const std::string& suffix) {
    return text.size() > suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("/min")) {
    text.resize(text.size() - 4);
    per = 60;
  } else if (ends_with("/s")) {
    text.resize(text.size() - 2);
  }
  double out = 0;
  std::istringstream in(text);
  in >> out;
  out /= per;
  if (!in || !in.eof() || !std::isfinite(out) || out <= 0 || out > 1e6) {
    return InvalidArgument(std::string(name) +
                           ": must be a rate in requests per second "
                           "(like 50 or 50/s) or per minute (like 5/min), got \"" +
                           value.substr(0, 40) + "\"");
  }
  return out;
}

// %XX escapes in a URL's user or password (a password may hold '@' or ':').
std::optional<std::string> percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return out;
}

Result<bool> parse_flag(const char* name, const std::string& value) {
  if (value == "1" || value == "true" || value == "yes") return true;
  if (value == "0" || value == "false" || value == "no" || value.empty()) return false;
  return InvalidArgument(std::string(name) + ": must be 1 or 0, got \"" + value.substr(0, 20) +
                         "\"");
}

}  // namespace

EngineOptions engine_options(const Config& config) {
  EngineOptions options;
  options.auth.encryption_key = config.encryption_key;
  options.auth.encryption_key_id = config.encryption_key_id;
  options.auth.previous_encryption_keys = config.previous_encryption_keys;
  options.auth.totp_issuer = config.totp_service_name;
  if (config.argon2_memory_kib > 0) options.auth.argon2_memory_kib = config.argon2_memory_kib;
  if (config.argon2_iterations > 0) options.auth.argon2_iterations = config.argon2_iterations;
  options.auth.credential_cache = Seconds(config.credential_cache_seconds);
  options.read_only = config.read_only;
  options.read_only_reason = "BOKA_READ_ONLY is set";
  options.event_retention = Seconds(static_cast<std::int64_t>(config.event_retention_days) * 86400);
  options.webhooks.allow_addresses = config.webhook_allow_addresses;
  options.webhooks.timeout_ms = config.webhook_timeout_ms;
  options.webhooks.lease = Seconds(config.webhook_lease_seconds);
  options.mail.smtp_url = config.smtp_url;
  options.mail.security = config.smtp_security;
  options.mail.username = config.smtp_username;
  options.mail.password = config.smtp_password;
  options.mail.ca_file = config.smtp_ca_file;
  options.mail.from_address = config.mail_from;
  options.mail.public_url = config.public_url;
  options.mail.timeout_ms = config.smtp_timeout_ms;
  // The lease outlives the longest submission.
  options.mail.lease = Seconds(std::max<std::int64_t>(120, config.smtp_timeout_ms / 1000 + 60));
  return options;
}

Status require_database(const Config& config) {
  if (!config.database_url.empty()) return Status::Ok();
  return InvalidArgument(
      "DATABASE_URL: not set; name the database (sqlite:/var/lib/boka/boka.db, "
      "postgresql://...)");
}

std::string RedisUrl::redacted() const {
  std::string out = "redis://";
  if (!username.empty() || !password.empty())
    out += username + (password.empty() ? "" : ":***") + "@";
  const bool v6 = host.find(':') != std::string::npos;
  out +=
      (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(database);
  return out;
}

Result<RedisUrl> parse_redis_url(const std::string& url) {
  static const std::string kScheme = "redis://";
  const char* const kName = "BOKA_REDIS_URL";
  if (url.compare(0, kScheme.size(), kScheme) != 0) {
    // Only the scheme is quoted: the rest may hold a password.
    const auto colon = url.find("://");
    return InvalidArgument(
        std::string(kName) + ": must start with redis:// (like redis://127.0.0.1:6379/0), got " +
        (colon == std::string::npos
             ? std::string("no scheme")
             : "\"" + url.substr(0, std::min<std::size_t>(colon, 20)) + "://\"") +
        (url.rfind("rediss://", 0) == 0 ? " (TLS is not supported: keep Redis on a private network)"
                                        : ""));
  }
  RedisUrl r;
  std::string rest = url.substr(kScheme.size());
  if (const auto q = rest.find_first_of("?#"); q != std::string::npos) {
    return InvalidArgument(std::string(kName) + ": query parameters are not supported");
  }
  // The authority ends at the first '/' after the last '@' (a password may hold '/' only
  // percent-encoded, as in any URL).
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = colon == std::string::npos ? std::optional<std::string>("")
                                               : percent_decode(userinfo.substr(colon + 1));
    if (!user || !password)
      return InvalidArgument(std::string(kName) +
                             ": a malformed %XX escape in the user or password");
    r.username = *user;
    r.password = *password;
    if (colon == std::string::npos || r.password.empty()) {
      return InvalidArgument(std::string(kName) +
                             ": credentials must be :password@ or user:password@ "
                             "(redis://:secret@host:6379/0)");
    }
  }
  std::string authority = rest;
  std::string path;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos)
      return InvalidArgument(std::string(kName) + ": unbalanced '[' in the host");
    r.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return InvalidArgument(std::string(kName) + ": expected :port after ]");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string::npos) {
    r.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  } else {
    r.host = authority;
  }
  if (r.host.empty())
    return InvalidArgument(std::string(kName) + ": needs a host, like redis://127.0.0.1:6379/0");
  for (const char ch : r.host) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_' &&
        ch != ':') {
      return InvalidArgument(std::string(kName) + ": the host \"" + r.host.substr(0, 40) +
                             "\" is not a name or address");
    }
  }
  if (!port.empty()) {
    BOKA_ASSIGN_OR_RETURN(auto p, parse_integer("BOKA_REDIS_URL port", port, 1, 65535));
    r.port = static_cast<int>(p);
  }
  if (!path.empty()) {
    BOKA_ASSIGN_OR_RETURN(auto db,
                          parse_integer("BOKA_REDIS_URL database (the path)", path, 0, 1 << 20));
    r.database = static_cast<int>(db);
  }
  return r;
}

std::string redacted_uri(const std::string& uri) {
  const auto scheme = uri.find("://");
  // The user information ends at an '@' before the first '/'. libpq takes the first such
  // '@', a reader of RFC 3986 the last; a password with an unencoded '@' would show its tail
  // under the first reading, so everything up to the last '@' is hidden (found by
  // tests/fuzz/storage_uri_config.cpp). Text without "://" (a mistyped "postgresql:/u:pw@h")
  // is read the same way from its first ':', up to the query.
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto user_end = scheme == std::string::npos ? uri.find('?') : uri.find('/', start);
  const auto at = uri.rfind('@', user_end);
  const auto colon = uri.find(':', start);
  const bool file = uri.rfind("sqlite:", 0) == 0;  // a file name: an '@' in it is no user
  const bool has_userinfo = !file && at != std::string::npos && at >= start;
  std::string out = uri;
  if (has_userinfo && colon < at) out = uri.substr(0, colon + 1) + "***" + uri.substr(at);
  // libpq also reads "password=..." from the query. Any "password=" that follows a '?' or an
  // '&' is hidden up to the next '&', wherever the query was meant to start.
  for (auto p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    if (p == 0 || (out[p - 1] != '?' && out[p - 1] != '&')) continue;
    const auto end = std::min(out.find('&', p), out.size());
    out.replace(p + 9, end - p - 9, "***");
  }
  return out;
}

Result<Config> config_from_env(const std::function<const char*(const char*)>& getenv) {
  Config c;
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const char* v = getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (auto v = get("DATABASE_URL")) {
    if (v->empty())
      return InvalidArgument("DATABASE_URL: must not be empty (sqlite:boka.db, postgresql://...)");
    c.database_url = *v;
  }
  if (auto v = get("ENCRYPTION_KEY")) c.encryption_key = *v;  // checked by the engine, never echoed
  const auto valid_key_id = [](const std::string& id) {
    return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
    });
  };
  if (auto v = get("ENCRYPTION_KEY_ID")) {
    if (!valid_key_id(*v))
      return InvalidArgument("ENCRYPTION_KEY_ID: 1..32 characters of A-Z a-z 0-9 _ -");
    c.encryption_key_id = *v;
  }
  if (auto v = get("PREVIOUS_ENCRYPTION_KEYS")) {
    // "id:key,id:key". Messages name the entry by position and id, never the key.
    std::size_t start = 0, n = 0;
    while (start <= v->size()) {
      const std::size_t comma = std::min(v->find(',', start), v->size());
      const std::string item = v->substr(start, comma - start);
      ++n;
      const std::size_t colon = item.find(':');
      const std::string id = colon == std::string::npos ? std::string() : item.substr(0, colon);
      if (colon == std::string::npos || !valid_key_id(id) || colon + 1 == item.size()) {
        return InvalidArgument("PREVIOUS_ENCRYPTION_KEYS: entry " + std::to_string(n) +
                               " must be <id>:<key> (id of A-Z a-z 0-9 _ -, key as hex or base64)");
      }
      c.previous_encryption_keys.emplace_back(id, item.substr(colon + 1));
      start = comma + 1;
    }
  }
  if (auto v = get("TOTP_SERVICE_NAME")) {
    if (v->empty() || v->size() > 100 || v->find(':') != std::string::npos) {
      return InvalidArgument("TOTP_SERVICE_NAME: 1..100 characters without ':'");
    }
    c.totp_service_name = *v;
  }
  if (auto v = get("LISTEN_ADDRESS")) {
    // host, host:port, or [v6]:port
    std::string host = *v;
    std::string port;
    if (!host.empty() && host.front() == '[') {
      const auto close = host.find(']');
      if (close == std::string::npos) return InvalidArgument("LISTEN_ADDRESS: unbalanced '['");
      if (close + 1 < host.size()) {
        if (host[close + 1] != ':')
          return InvalidArgument("LISTEN_ADDRESS: expected :port after ]");
        port = host.substr(close + 2);
      }
      host = host.substr(1, close - 1);
    } else if (const auto colon = host.rfind(':');
               colon != std::string::npos && host.find(':') == colon) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty()) return InvalidArgument("LISTEN_ADDRESS: needs a host, like 127.0.0.1:3000");
    c.host = host;
    if (!port.empty()) {
      BOKA_ASSIGN_OR_RETURN(auto p, parse_integer("LISTEN_ADDRESS", port, 0, 65535));
      c.port = static_cast<int>(p);
    }
  }
  if (auto v = get("PORT")) {
    BOKA_ASSIGN_OR_RETURN(auto p, parse_integer("PORT", *v, 0, 65535));
    c.port = static_cast<int>(p);
  }
  const auto integer = [&](const char* name, auto& out, long long lo, long long hi) -> Status {
    if (auto v = get(name)) {
      BOKA_ASSIGN_OR_RETURN(auto n, parse_integer(name, *v, lo, hi));
      out = static_cast<std::remove_reference_t<decltype(out)>>(n);
    }
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(integer("BOKA_THREADS", c.threads, 1, 1024));
  BOKA_RETURN_IF_ERROR(integer("BOKA_MAX_INFLIGHT", c.max_inflight, 1, 100000));
  BOKA_RETURN_IF_ERROR(integer("BOKA_MAX_BODY_BYTES", c.max_body_bytes, 1024, 64LL << 20));
  BOKA_RETURN_IF_ERROR(integer("BOKA_MAX_HEADER_BYTES", c.max_header_bytes, 1024, 1 << 20));
  BOKA_RETURN_IF_ERROR(integer("BOKA_MAX_HEADERS", c.max_header_count, 8, 10000));
  BOKA_RETURN_IF_ERROR(integer("BOKA_TIMEOUT_SECONDS", c.timeout_seconds, 1, 3600));
  BOKA_RETURN_IF_ERROR(integer("BOKA_BODY_TIMEOUT_SECONDS", c.body_timeout_seconds, 1, 3600));
  BOKA_RETURN_IF_ERROR(integer("BOKA_ARGON2_MEMORY_KIB", c.argon2_memory_kib, 8, 4 << 20));
  BOKA_RETURN_IF_ERROR(integer("BOKA_ARGON2_ITERATIONS", c.argon2_iterations, 1, 100));
  BOKA_RETURN_IF_ERROR(integer("BOKA_CREDENTIAL_CACHE_SECONDS", c.credential_cache_seconds, 0, 60));
  BOKA_RETURN_IF_ERROR(integer("BOKA_SHUTDOWN_GRACE_SECONDS", c.shutdown_grace_seconds, 0, 3600));
  BOKA_RETURN_IF_ERROR(integer("BOKA_EVENT_RETENTION_DAYS", c.event_retention_days, 1, 3650));
  if (auto v = get("BOKA_WEBHOOK_ALLOW_ADDRESSES")) c.webhook_allow_addresses = *v;
  BOKA_RETURN_IF_ERROR(integer("BOKA_WEBHOOK_TIMEOUT_MS", c.webhook_timeout_ms, 1, 120000));
  BOKA_RETURN_IF_ERROR(integer("BOKA_WEBHOOK_LEASE_SECONDS", c.webhook_lease_seconds, 2, 3600));
  if (static_cast<std::int64_t>(c.webhook_lease_seconds) * 1000 <= c.webhook_timeout_ms) {
    return InvalidArgument(
        "BOKA_WEBHOOK_LEASE_SECONDS: must be longer than BOKA_WEBHOOK_TIMEOUT_MS");
  }
  if (auto v = get("BOKA_SMTP_URL")) c.smtp_url = *v;
  if (auto v = get("BOKA_SMTP_SECURITY")) {
    using S = MailOptions::Security;
    const std::pair<const char*, S> names[] = {{"none", S::none},
                                               {"starttls_if_offered", S::starttls_if_offered},
                                               {"starttls_required", S::starttls_required},
                                               {"implicit", S::implicit}};
    bool known = false;
    for (const auto& [name, s] : names) {
      if (*v == name) {
        c.smtp_security = s;
        known = true;
      }
    }
    if (!known) {
      return InvalidArgument(
          "BOKA_SMTP_SECURITY: none, starttls_if_offered, starttls_required or implicit");
    }
  }
  if (auto v = get("BOKA_SMTP_USERNAME")) c.smtp_username = *v;
  if (auto v = get("BOKA_SMTP_PASSWORD")) c.smtp_password = *v;
  if (auto v = get("BOKA_SMTP_CA_FILE")) c.smtp_ca_file = *v;
  if (auto v = get("BOKA_MAIL_FROM")) c.mail_from = *v;
  BOKA_RETURN_IF_ERROR(integer("BOKA_SMTP_TIMEOUT_MS", c.smtp_timeout_ms, 1, 300000));
  if (!c.smtp_url.empty() && c.mail_from.empty()) {
    return InvalidArgument("BOKA_MAIL_FROM: required with BOKA_SMTP_URL (the sender address)");
  }
  const auto rate = [&](const char* name, double& out) -> Status {
    if (auto v = get(name)) {
      BOKA_ASSIGN_OR_RETURN(out, parse_rate(name, *v));
    }
    return Status::Ok();
  };
  if (c.max_inflight >= c.threads) {
    return InvalidArgument("BOKA_MAX_INFLIGHT: must be below BOKA_THREADS (" +
                           std::to_string(c.threads) + "), or load shedding never starts");
  }
  BOKA_RETURN_IF_ERROR(rate("BOKA_RATE_LIMIT_PER_CLIENT", c.rate_per_client));
  BOKA_RETURN_IF_ERROR(rate("BOKA_RATE_BURST_PER_CLIENT", c.burst_per_client));
  BOKA_RETURN_IF_ERROR(rate("BOKA_RATE_LIMIT_PER_KEY", c.rate_per_principal));
  BOKA_RETURN_IF_ERROR(rate("BOKA_RATE_BURST_PER_KEY", c.burst_per_principal));
  BOKA_RETURN_IF_ERROR(rate("BOKA_LOGIN_RATE_PER_ACCOUNT", c.login_rate_per_account));
  BOKA_RETURN_IF_ERROR(rate("BOKA_LOGIN_BURST_PER_ACCOUNT", c.login_burst_per_account));
  BOKA_RETURN_IF_ERROR(rate("BOKA_LOGIN_RATE_PER_ADDRESS", c.login_rate_per_address));
  BOKA_RETURN_IF_ERROR(rate("BOKA_LOGIN_BURST_PER_ADDRESS", c.login_burst_per_address));
  // A bucket smaller than one request would refuse everything.
  for (const auto& [name, burst] :
       {std::pair{"BOKA_RATE_BURST_PER_CLIENT", c.burst_per_client},
        std::pair{"BOKA_RATE_BURST_PER_KEY", c.burst_per_principal},
        std::pair{"BOKA_LOGIN_BURST_PER_ACCOUNT", c.login_burst_per_account},
        std::pair{"BOKA_LOGIN_BURST_PER_ADDRESS", c.login_burst_per_address}}) {
    if (burst < 1)
      return InvalidArgument(std::string(name) +
                             ": must be at least 1 (a bucket of whole requests)");
  }
  BOKA_RETURN_IF_ERROR(integer("BOKA_RATE_LIMIT_MAX_KEYS", c.rate_limit_max_keys, 100, 100000000));
  if (auto v = get("BOKA_REDIS_URL"); v && !v->empty()) {
    BOKA_ASSIGN_OR_RETURN(c.redis, parse_redis_url(*v));
  }
  BOKA_RETURN_IF_ERROR(integer("BOKA_REDIS_TIMEOUT_MS", c.redis_timeout_ms, 1, 10000));
  BOKA_RETURN_IF_ERROR(integer("BOKA_REDIS_POOL_SIZE", c.redis_pool_size, 1, 256));
  if (auto v = get("BOKA_TRUSTED_PROXIES")) {
    c.trusted_proxies.clear();
    std::istringstream in(*v);
    for (std::string item; std::getline(in, item, ',');) {
      if (!item.empty()) c.trusted_proxies.push_back(item);
    }
  }
  if (auto v = get("BOKA_ACCESS_LOG")) {
    if (v->empty()) return InvalidArgument("BOKA_ACCESS_LOG: a file path, or - for stdout");
    c.access_log = *v;
  }
  c.web_dir = default_web_dir();
  if (auto v = get("BOKA_WEB_DIR")) c.web_dir = *v;
  if (auto v = get("BOKA_PUBLIC_URL")) {
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }
  BOKA_RETURN_IF_ERROR(integer("BOKA_PUBLIC_HOLD_SECONDS", c.public_hold_seconds, 60, 3600));
  BOKA_RETURN_IF_ERROR(rate("BOKA_PUBLIC_HOLDS_PER_HOUR", c.public_holds_per_hour));
  BOKA_RETURN_IF_ERROR(rate("BOKA_PUBLIC_BOOKINGS_PER_DAY", c.public_bookings_per_day));
  if (c.public_holds_per_hour < 1 || c.public_bookings_per_day < 1) {
    return InvalidArgument(
        "BOKA_PUBLIC_HOLDS_PER_HOUR, BOKA_PUBLIC_BOOKINGS_PER_DAY: must be at least 1");
  }
  if (auto v = get("BOKA_BACKUP_DIR")) c.backup_dir = *v;
  if (auto v = get("BOKA_DEMO")) {
    BOKA_ASSIGN_OR_RETURN(c.demo, parse_flag("BOKA_DEMO", *v));
  }
  if (auto v = get("BOKA_READ_ONLY")) {
    BOKA_ASSIGN_OR_RETURN(c.read_only, parse_flag("BOKA_READ_ONLY", *v));
  }
  return c;
}

std::optional<int> environment_only_arguments(int argc, char** argv, const char* program,
                                              const char* usage) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf("%s", usage);
      return 0;
    }
    std::fprintf(stderr,
                 "%s: unknown argument \"%s\" (configuration is read from the environment)\n%s",
                 program, arg.substr(0, 40).c_str(), usage);
    return 2;
  }
  return std::nullopt;
}

}  // namespace boka::server
