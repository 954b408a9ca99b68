#include "config.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>
#include <type_traits>

namespace boka::server {
namespace {

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

Result<double> parse_rate(const char* name, const std::string& value) {
  std::string text = value;
  if (text.size() > 2 && text.substr(text.size() - 2) == "/s") text.resize(text.size() - 2);
  double out = 0;
  std::istringstream in(text);
  in >> out;
  if (!in || !in.eof() || !std::isfinite(out) || out <= 0 || out > 1e6) {
    return InvalidArgument(std::string(name) + ": must be a rate in requests per second "
                           "(like 50 or 50/s), got \"" + value.substr(0, 40) + "\"");
  }
  return out;
}

Result<bool> parse_flag(const char* name, const std::string& value) {
  if (value == "1" || value == "true" || value == "yes") return true;
  if (value == "0" || value == "false" || value == "no" || value.empty()) return false;
  return InvalidArgument(std::string(name) + ": must be 1 or 0, got \"" + value.substr(0, 20) + "\"");
}

}  // namespace

EngineOptions engine_options(const Config& config) {
  EngineOptions options;
  options.auth.encryption_key = config.encryption_key;
  options.auth.totp_issuer = config.totp_service_name;
  if (config.argon2_memory_kib > 0) options.auth.argon2_memory_kib = config.argon2_memory_kib;
  if (config.argon2_iterations > 0) options.auth.argon2_iterations = config.argon2_iterations;
  options.read_only = config.read_only;
  options.read_only_reason = "BOKA_READ_ONLY is set";
  return options;
}

std::string redacted_uri(const std::string& uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string::npos) return uri;
  const auto at = uri.find('@', scheme + 3);
  const auto colon = uri.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

Result<Config> config_from_env(const std::function<const char*(const char*)>& getenv) {
  Config c;
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const char* v = getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (auto v = get("DATABASE_URL")) {
    if (v->empty()) return InvalidArgument("DATABASE_URL: must not be empty (sqlite:boka.db, postgresql://...)");
    c.database_url = *v;
  }
  if (auto v = get("ENCRYPTION_KEY")) c.encryption_key = *v;  // checked by the engine, never echoed
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
        if (host[close + 1] != ':') return InvalidArgument("LISTEN_ADDRESS: expected :port after ]");
        port = host.substr(close + 2);
      }
      host = host.substr(1, close - 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string::npos &&
                                                   host.find(':') == colon) {
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
  BOKA_RETURN_IF_ERROR(integer("BOKA_ARGON2_MEMORY_KIB", c.argon2_memory_kib, 8, 4 << 20));
  BOKA_RETURN_IF_ERROR(integer("BOKA_ARGON2_ITERATIONS", c.argon2_iterations, 1, 100));
  BOKA_RETURN_IF_ERROR(integer("BOKA_SHUTDOWN_GRACE_SECONDS", c.shutdown_grace_seconds, 0, 3600));
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
  if (auto v = get("BOKA_DEMO")) {
    BOKA_ASSIGN_OR_RETURN(c.demo, parse_flag("BOKA_DEMO", *v));
  }
  if (auto v = get("BOKA_READ_ONLY")) {
    BOKA_ASSIGN_OR_RETURN(c.read_only, parse_flag("BOKA_READ_ONLY", *v));
  }
  return c;
}

}  // namespace boka::server
