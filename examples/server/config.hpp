// boka-server's configuration, from environment variables named as in the operations guide
// (DATABASE_URL, ENCRYPTION_KEY, TOTP_SERVICE_NAME, PORT) plus boka's own BOKA_* settings.
// Every missing or invalid value is an error naming the variable; a secret's value is never
// echoed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "boka/engine.hpp"
#include "boka/status.hpp"

namespace boka::server {

struct Config {
  std::string database_url = "sqlite:boka.db";  // DATABASE_URL
  std::string encryption_key;                   // ENCRYPTION_KEY (32 bytes raw, hex or base64)
  std::string totp_service_name = "boka";       // TOTP_SERVICE_NAME
  std::string host = "127.0.0.1";               // LISTEN_ADDRESS host[:port]
  int port = 3000;                              // PORT, or LISTEN_ADDRESS's port
  int threads = 64;                             // BOKA_THREADS: handlers run at once
  // BOKA_MAX_INFLIGHT: requests in handlers at once; more get 503 + Retry-After. Must be
  // below BOKA_THREADS, or the worker pool's queue (unbounded) fills before shedding starts.
  int max_inflight = 48;
  std::size_t max_body_bytes = 1 << 20;         // BOKA_MAX_BODY_BYTES
  // BOKA_MAX_HEADER_BYTES: the request line and header fields together; more is 431 (414
  // when the request line alone is longer).
  std::size_t max_header_bytes = 16 << 10;
  int max_header_count = 100;                   // BOKA_MAX_HEADERS: header fields; more is 431
  int timeout_seconds = 10;                     // BOKA_TIMEOUT_SECONDS: read and write
  double rate_per_client = 100;                 // BOKA_RATE_LIMIT_PER_CLIENT (requests/s)
  double burst_per_client = 200;                // BOKA_RATE_BURST_PER_CLIENT
  double rate_per_principal = 200;              // BOKA_RATE_LIMIT_PER_KEY (per user or API key)
  double burst_per_principal = 400;             // BOKA_RATE_BURST_PER_KEY
  // BOKA_TRUSTED_PROXIES: peers whose X-Real-IP / X-Forwarded-For name the client (exact
  // addresses, comma-separated; "*" when only the proxy can reach the server at all).
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
  std::string access_log = "-";                 // BOKA_ACCESS_LOG: a file, or "-" for stdout
  bool demo = false;                            // BOKA_DEMO=1: a demo tenant and admin
  bool read_only = false;                       // BOKA_READ_ONLY=1
  int argon2_memory_kib = 0;                    // BOKA_ARGON2_MEMORY_KIB (0: the default)
  int argon2_iterations = 0;                    // BOKA_ARGON2_ITERATIONS (0: the default)
  int shutdown_grace_seconds = 30;              // BOKA_SHUTDOWN_GRACE_SECONDS
};

// Reads the configuration through `getenv` (std::getenv in main; a map in tests).
// invalid_argument naming the first variable that is malformed.
Result<Config> config_from_env(const std::function<const char*(const char*)>& getenv);

// The engine options the configuration asks for: the encryption key, TOTP issuer, Argon2id
// cost and the read-only switch. Shared by boka-server, boka-worker and boka-admin.
EngineOptions engine_options(const Config& config);

// A URI fit for logs: the password of a postgresql:// URI replaced by "***".
std::string redacted_uri(const std::string& uri);

}  // namespace boka::server
