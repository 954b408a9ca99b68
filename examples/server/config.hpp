// boka-server's configuration, from environment variables named as in the operations guide
// (DATABASE_URL, ENCRYPTION_KEY, TOTP_SERVICE_NAME, PORT) plus boka's own BOKA_* settings.
// Every missing or invalid value is an error naming the variable; a secret's value is never
// echoed.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boka/engine.hpp"
#include "boka/status.hpp"

namespace boka::server {

// Where the shared rate limits live: BOKA_REDIS_URL, redis://[[user]:password@]host[:port][/db].
struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string username;  // empty: the default user (AUTH password)
  std::string password;  // empty: no AUTH; never logged (see redacted())
  int database = 0;      // SELECTed on every connection
  // "redis://host:port/db", with "***" for a password: fit for logs and health details.
  std::string redacted() const;
};

// Parses BOKA_REDIS_URL. invalid_argument naming what is wrong (scheme, host, port,
// database, percent escape); the message never quotes the password.
Result<RedisUrl> parse_redis_url(const std::string& url);

struct Config {
  // DATABASE_URL. Required by every program (no default database file appears by accident):
  // empty means unset, and each main refuses to start (exit 2) naming the variable.
  std::string database_url;
  std::string encryption_key;            // ENCRYPTION_KEY (32 bytes raw, hex or base64)
  std::string encryption_key_id = "k1";  // ENCRYPTION_KEY_ID: stored with each sealed value
  // PREVIOUS_ENCRYPTION_KEYS: "id:key,id:key" (keys as hex or base64), still needed to read
  // values sealed before a rotation (boka-admin rotate-encryption-key re-seals them).
  std::vector<std::pair<std::string, std::string>> previous_encryption_keys;
  std::string totp_service_name = "boka";  // TOTP_SERVICE_NAME
  std::string host = "127.0.0.1";          // LISTEN_ADDRESS host[:port]
  int port = 3000;                         // PORT, or LISTEN_ADDRESS's port
  int threads = 64;                        // BOKA_THREADS: handlers run at once
  // BOKA_MAX_INFLIGHT: requests in handlers at once; more get 503 + Retry-After. Must be
  // below BOKA_THREADS, or the worker pool's queue (unbounded) fills before shedding starts.
  int max_inflight = 48;
  std::size_t max_body_bytes = 1 << 20;  // BOKA_MAX_BODY_BYTES
  // BOKA_MAX_HEADER_BYTES: the request line and header fields together; more is 431 (414
  // when the request line alone is longer).
  std::size_t max_header_bytes = 16 << 10;
  int max_header_count = 100;  // BOKA_MAX_HEADERS: header fields; more is 431
  int timeout_seconds = 10;    // BOKA_TIMEOUT_SECONDS: read and write
  // BOKA_BODY_TIMEOUT_SECONDS: a request body must arrive whole within this time of its
  // header, however it trickles (each step of it also within BOKA_TIMEOUT_SECONDS).
  int body_timeout_seconds = 60;
  double rate_per_client = 100;      // BOKA_RATE_LIMIT_PER_CLIENT (requests/s)
  double burst_per_client = 200;     // BOKA_RATE_BURST_PER_CLIENT
  double rate_per_principal = 200;   // BOKA_RATE_LIMIT_PER_KEY (per user or API key)
  double burst_per_principal = 400;  // BOKA_RATE_BURST_PER_KEY
  // The login throttle on POST /api/auth/login and /api/auth/mfa/verify, counted for every
  // attempt (right or wrong), on top of the engine's lockout after repeated failures.
  double login_rate_per_account = 10.0 / 60;  // BOKA_LOGIN_RATE_PER_ACCOUNT (per tenant and email)
  double login_burst_per_account = 10;        // BOKA_LOGIN_BURST_PER_ACCOUNT
  double login_rate_per_address = 1;          // BOKA_LOGIN_RATE_PER_ADDRESS (per client address)
  double login_burst_per_address = 30;        // BOKA_LOGIN_BURST_PER_ADDRESS
  // BOKA_RATE_LIMIT_MAX_KEYS: buckets each local limiter keeps; past it the least recently
  // used bucket is forgotten.
  std::size_t rate_limit_max_keys = 100000;
  // BOKA_REDIS_URL: set, the limits above are shared by every server pointed at that Redis.
  std::optional<RedisUrl> redis;
  int redis_timeout_ms = 50;  // BOKA_REDIS_TIMEOUT_MS: connect and each command
  int redis_pool_size = 8;    // BOKA_REDIS_POOL_SIZE: connections per server
  // BOKA_TRUSTED_PROXIES: peers whose X-Real-IP / X-Forwarded-For name the client (exact
  // addresses, comma-separated; "*" when only the proxy can reach the server at all).
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
  std::string access_log = "-";  // BOKA_ACCESS_LOG: a file, or "-" for stdout
  bool demo = false;             // BOKA_DEMO=1: a demo tenant and admin
  bool read_only = false;        // BOKA_READ_ONLY=1
  int argon2_memory_kib = 0;     // BOKA_ARGON2_MEMORY_KIB (0: the default)
  int argon2_iterations = 0;     // BOKA_ARGON2_ITERATIONS (0: the default)
  // BOKA_CREDENTIAL_CACHE_SECONDS: AuthOptions::credential_cache (0 reads every time)
  int credential_cache_seconds = 2;
  int shutdown_grace_seconds = 30;  // BOKA_SHUTDOWN_GRACE_SECONDS
  // BOKA_WEBHOOK_ALLOW_ADDRESSES: CIDRs webhook endpoints may reach although not public
  // (WebhookOptions::allow_addresses).
  std::string webhook_allow_addresses;
  int webhook_timeout_ms = 10000;   // BOKA_WEBHOOK_TIMEOUT_MS: one attempt, 1..120000
  int webhook_lease_seconds = 120;  // BOKA_WEBHOOK_LEASE_SECONDS: a worker's hold on an attempt
  int event_retention_days =
      30;  // BOKA_EVENT_RETENTION_DAYS (1..3650): EngineOptions::event_retention
  // Customer mail (MailOptions, docs/mail.md): BOKA_SMTP_URL ("smtp://host:587"; unset: no
  // mail), BOKA_SMTP_SECURITY (none, starttls_if_offered, starttls_required, implicit),
  // BOKA_SMTP_USERNAME, BOKA_SMTP_PASSWORD (never logged), BOKA_SMTP_CA_FILE, BOKA_MAIL_FROM
  // (the sender address, required with BOKA_SMTP_URL), BOKA_SMTP_TIMEOUT_MS.
  std::string smtp_url;
  MailOptions::Security smtp_security = MailOptions::Security::starttls_required;
  std::string smtp_username;
  std::string smtp_password;
  std::string smtp_ca_file;
  std::string mail_from;
  int smtp_timeout_ms = 60000;
  // The web app (docs/web.md). BOKA_WEB_DIR: the directory of its pages and files (default:
  // the installed share/boka/web, else the source tree's web/); "" serves no pages.
  std::string web_dir;
  // BOKA_PUBLIC_URL: the origin visitors reach ("https://book.example.com"); messages carry
  // manage links under it (MailOptions::public_url).
  std::string public_url;
  int public_hold_seconds = 600;  // BOKA_PUBLIC_HOLD_SECONDS (60..3600): a visitor's hold
  // BOKA_PUBLIC_HOLDS_PER_HOUR: holds and waitlist joins one client address may make per
  // hour (a burst of as many); BOKA_PUBLIC_BOOKINGS_PER_DAY: public bookings and waitlist
  // joins per email address per day.
  double public_holds_per_hour = 30;
  double public_bookings_per_day = 10;
  // BOKA_BACKUP_DIR: where POST /api/admin/backups writes (the admin page's "Back up now");
  // "": the server makes no backups (scripts/backup.sh does).
  std::string backup_dir;
};

// Reads the configuration through `getenv` (std::getenv in main; a map in tests).
// invalid_argument naming the first variable that is malformed. An unset DATABASE_URL is not
// an error here (boka-admin may name the database with --database): see require_database.
Result<Config> config_from_env(const std::function<const char*(const char*)>& getenv);

// The engine options the configuration asks for: the encryption key, TOTP issuer, Argon2id
// cost and the read-only switch. Shared by boka-server, boka-worker and boka-admin.
EngineOptions engine_options(const Config& config);

// invalid_argument naming DATABASE_URL when the configuration has none: what boka-server and
// boka-worker (and boka-admin without --database) answer before touching any file.
Status require_database(const Config& config);

// The command line of boka-server and boka-worker, whose configuration is the environment:
// -h/--help prints `usage` and returns 0; any other argument is a usage error (2) naming it;
// no arguments: nullopt, go on.
std::optional<int> environment_only_arguments(int argc, char** argv, const char* program,
                                              const char* usage);

// A URI fit for logs: the password of a postgresql:// or redis:// URI replaced by "***",
// both in the user information (everything from the first ':' after "://" to the last '@'
// before the path, so a password with an unencoded '@' is hidden whole) and as a
// "password=" query parameter. Other text is returned unchanged. Thread-safe (pure).
std::string redacted_uri(const std::string& uri);

}  // namespace boka::server
