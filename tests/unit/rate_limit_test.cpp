// boka-server's rate limits (examples/server/rate_limit.hpp) with a hand-driven clock, and
// the configuration that sets them up (BOKA_REDIS_URL, the login throttle).
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "config.hpp"
#include "rate_limit.hpp"

using namespace boka;
using namespace boka::server;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

struct HandClock {
  std::chrono::steady_clock::time_point now{};
  SteadyNow fn() {
    return [this] { return now; };
  }
};

// A shared store that answers as told, or not at all.
struct FakeStore : SharedLimitStore {
  std::optional<Verdict> answer;
  std::vector<std::string> keys;
  std::optional<Verdict> check(const std::string& key, double, double) override {
    keys.push_back(key);
    return answer;
  }
};

Result<Config> config_with(std::map<std::string, std::string> env) {
  env.emplace("DATABASE_URL", "sqlite:unused.db");
  return config_from_env([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("a bucket lets its burst through, then refuses until it refills") {
  HandClock hand;
  RateLimiter limiter(2, 3, 100, hand.fn());  // 2 per second, burst 3
  double retry = 0;
  CHECK(limiter.allow("a", &retry));
  CHECK(limiter.allow("a", &retry));
  CHECK(limiter.allow("a", &retry));
  CHECK_FALSE(limiter.allow("a", &retry));
  CHECK(retry == Approx(0.5));
  CHECK(limiter.allow("b", &retry));  // another key has its own bucket
  hand.now += milliseconds(500);
  CHECK(limiter.allow("a", &retry));
  CHECK_FALSE(limiter.allow("a", &retry));
  hand.now += seconds(60);  // refills up to the burst, not beyond
  for (int i = 0; i < 3; ++i) CHECK(limiter.allow("a", &retry));
  CHECK_FALSE(limiter.allow("a", &retry));
}

TEST_CASE("past max_keys the least recently used bucket is forgotten, not every bucket") {
  HandClock hand;
  RateLimiter limiter(1, 1, 3, hand.fn());
  double retry = 0;
  CHECK(limiter.allow("abuser", &retry));
  CHECK_FALSE(limiter.allow("abuser", &retry));  // empty
  // Spraying fresh keys while the abuser keeps asking: the abuser's bucket stays in use, so
  // it is never the one evicted, and it never refills for free.
  for (int i = 0; i < 1000; ++i) {
    CHECK(limiter.allow("sprayed-" + std::to_string(i), &retry));
    CHECK_FALSE(limiter.allow("abuser", &retry));
    CHECK(limiter.size() <= 3);
  }
  // The least recently used goes first: x, y, then z evicts the oldest spray and keeps x.
  RateLimiter small(1, 1, 2, hand.fn());
  CHECK(small.allow("x", &retry));
  CHECK(small.allow("y", &retry));
  CHECK_FALSE(small.allow("x", &retry));  // x is now the most recent (and empty)
  CHECK(small.allow("z", &retry));        // evicts y
  CHECK_FALSE(small.allow("x", &retry));  // x kept its state
  CHECK(small.allow("y", &retry));        // y starts again with a full bucket
  CHECK(small.size() == 2);
}

TEST_CASE("IPv6 clients share a bucket per /64, IPv4 per address") {
  CHECK(client_bucket("2001:db8:1:2::1") == "2001:db8:1:2::/64");
  CHECK(client_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");
  CHECK(client_bucket("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(client_bucket("::1") == "::/64");
  CHECK(client_bucket("fe80::1%eth0") == "fe80::/64");
  CHECK(client_bucket("::ffff:192.0.2.7") == "192.0.2.7");
  CHECK(client_bucket("192.0.2.7") == "192.0.2.7");
  CHECK(client_bucket("not:an:address") == "not:an:address");

  HandClock hand;
  RateLimiter limiter(1, 2, 100, hand.fn());
  double retry = 0;
  CHECK(limiter.allow(client_bucket("2001:db8::1"), &retry));
  CHECK(limiter.allow(client_bucket("2001:db8::2"), &retry));
  CHECK_FALSE(limiter.allow(client_bucket("2001:db8::3"), &retry));  // same /64: same bucket
  CHECK(limiter.allow(client_bucket("2001:db8:0:1::1"), &retry));    // the next /64
}

TEST_CASE("shared keys are prefixed, bounded and hold no key in clear") {
  const std::string email_key = "tenant 1 alice@example.com";
  const std::string k = shared_key("login_account", email_key);
  CHECK(k.rfind("boka:rl:login_account:", 0) == 0);
  CHECK(k.size() == std::string("boka:rl:login_account:").size() + 32);
  CHECK(k.find("alice") == std::string::npos);
  CHECK(shared_key("login_account", email_key) == k);
  CHECK(shared_key("login_account", "tenant 2 alice@example.com") != k);
  CHECK(shared_key("client", email_key) != k);
  CHECK(shared_key("client", std::string(100000, 'x')).size() ==
        std::string("boka:rl:client:").size() + 32);
}

TEST_CASE(
    "a limit follows its store, and limits locally (counting) when the store does not answer") {
  HandClock hand;
  FakeStore store;
  Counter fallbacks;
  Limit limit("client", 1, 2, 100, &store, &fallbacks, hand.fn());
  double retry = 0;

  store.answer = SharedLimitStore::Verdict{false, 7.5};
  CHECK_FALSE(limit.allow("192.0.2.1", &retry));  // the store's verdict, not the full local bucket
  CHECK(retry == 7.5);
  REQUIRE(store.keys.size() == 1);
  CHECK(store.keys[0] == shared_key("client", "192.0.2.1"));
  store.answer = SharedLimitStore::Verdict{true, 0};
  for (int i = 0; i < 10; ++i) CHECK(limit.allow("192.0.2.1", &retry));  // the store allows
  CHECK(fallbacks.value() == 0);

  store.answer.reset();  // unreachable
  CHECK(limit.allow("192.0.2.1", &retry));
  CHECK(limit.allow("192.0.2.1", &retry));
  CHECK_FALSE(limit.allow("192.0.2.1", &retry));  // the local bucket of 2
  CHECK(fallbacks.value() == 3);

  Limit alone("client", 1, 1, 100, nullptr, &fallbacks, hand.fn());
  CHECK(alone.allow("x", &retry));
  CHECK_FALSE(alone.allow("x", &retry));
  CHECK(fallbacks.value() == 3);  // no store configured: nothing to fall back from
}

TEST_CASE("BOKA_REDIS_URL is parsed, and its errors name the problem without the password") {
  auto plain = parse_redis_url("redis://127.0.0.1:6380/2");
  REQUIRE(plain.ok());
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6380);
  CHECK(plain->database == 2);
  CHECK(plain->password.empty());
  CHECK(plain->redacted() == "redis://127.0.0.1:6380/2");

  auto defaults = parse_redis_url("redis://cache");
  REQUIRE(defaults.ok());
  CHECK(defaults->port == 6379);
  CHECK(defaults->database == 0);

  auto secret = parse_redis_url("redis://:s3cr%40t@[::1]:6379/0");
  REQUIRE(secret.ok());
  CHECK(secret->host == "::1");
  CHECK(secret->password == "s3cr@t");
  CHECK(secret->username.empty());
  CHECK(secret->redacted() == "redis://:***@[::1]:6379/0");
  CHECK(redacted_uri("redis://:s3cr%40t@[::1]:6379/0").find("s3cr") == std::string::npos);

  auto user = parse_redis_url("redis://boka:pw@redis:6379");
  REQUIRE(user.ok());
  CHECK(user->username == "boka");
  CHECK(user->password == "pw");

  for (const auto& [url, expected] : std::map<std::string, std::string>{
           {"http://:hunter2@h:1/0", "redis://"},
           {"rediss://:hunter2@h:1/0", "TLS"},
           {"redis://:hunter2@:6379/0", "host"},
           {"redis://:hunter2@h:99999/0", "port"},
           {"redis://:hunter2@h:6379/zero", "database"},
           {"redis://:hunter2@h:6379/0?x=1", "query"},
           {"redis://:hunter2%zz@h:6379/0", "escape"},
           {"redis://hunter2@h:6379/0", "password"},
       }) {
    auto r = parse_redis_url(url);
    INFO(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK(r.status().message().find("BOKA_REDIS_URL") != std::string::npos);
    CHECK(r.status().message().find(expected) != std::string::npos);
    CHECK(r.status().message().find("hunter2") == std::string::npos);
  }
}

TEST_CASE("redacted_uri hides every reading of a URI's password and nothing else") {
  CHECK(redacted_uri("postgresql://boka:hunter2@db:5432/boka") ==
        "postgresql://boka:***@db:5432/boka");
  // An unencoded '@' in the password: libpq would split at the first '@', so the whole run
  // up to the last '@' before the path is hidden, not just "p".
  CHECK(redacted_uri("postgresql://boka:p@ss@db/boka") == "postgresql://boka:***@db/boka");
  // The fuzzer's finding: '@' before ':' in the user information, many '@' after it.
  const std::string found = "postgresq\xff@://a\xffhunl@:secret9!REVLOK,k4@://gres/x";
  CHECK(redacted_uri(found).find("secret9!") == std::string::npos);
  // A password in the query, in any position, with or without user information.
  CHECK(redacted_uri("postgresql://db/boka?sslmode=require&password=hunter2&pool_size=4") ==
        "postgresql://db/boka?sslmode=require&password=***&pool_size=4");
  CHECK(redacted_uri("postgresql://u:pw@db?password=hunter2") ==
        "postgresql://u:***@db?password=***");
  CHECK(redacted_uri("postgresql://us?er@db/boka?password=hunter2").find("hunter2") ==
        std::string::npos);
  // A mistyped URI (no "://") still hides what reads as a password.
  CHECK(redacted_uri("postgresql:/u:hunter2@db/boka?password=hunter3") ==
        "postgresql:***@db/boka?password=***");
  CHECK(redacted_uri("postgresql/:/u@db/boka?password=hunter2").find("hunter2") ==
        std::string::npos);
  // Nothing to hide: unchanged.
  for (const char* plain :
       {"sqlite:/var/lib/boka/boka.db", "sqlite:/srv/a:b@c.db?mode=ro", "postgresql://db/boka",
        "postgresql://boka@db/boka?application_name=x", "redis://cache:6379/0"}) {
    CHECK(redacted_uri(plain) == plain);
  }
}

TEST_CASE("the configuration reads the shared-limit and login-throttle settings") {
  auto defaults = config_with({});
  REQUIRE(defaults.ok());
  CHECK_FALSE(defaults->redis.has_value());
  CHECK(defaults->redis_timeout_ms == 50);
  CHECK(defaults->login_rate_per_account == Approx(10.0 / 60));

  auto set = config_with({{"BOKA_REDIS_URL", "redis://127.0.0.1:6379/0"},
                          {"BOKA_REDIS_TIMEOUT_MS", "200"},
                          {"BOKA_LOGIN_RATE_PER_ACCOUNT", "6/min"},
                          {"BOKA_LOGIN_BURST_PER_ADDRESS", "5"},
                          {"BOKA_RATE_LIMIT_MAX_KEYS", "5000"}});
  REQUIRE(set.ok());
  REQUIRE(set->redis.has_value());
  CHECK(set->redis->port == 6379);
  CHECK(set->redis_timeout_ms == 200);
  CHECK(set->login_rate_per_account == Approx(0.1));
  CHECK(set->login_burst_per_address == 5);
  CHECK(set->rate_limit_max_keys == 5000);

  auto bad = config_with({{"BOKA_REDIS_URL", "redis://:topsecret@host:notaport/0"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("BOKA_REDIS_URL port") != std::string::npos);
  CHECK(bad.status().message().find("topsecret") == std::string::npos);
  CHECK_FALSE(config_with({{"BOKA_REDIS_TIMEOUT_MS", "0"}}).ok());
  CHECK_FALSE(config_with({{"BOKA_LOGIN_BURST_PER_ACCOUNT", "0.5"}}).ok());

  auto no_database = config_from_env([](const char*) -> const char* { return nullptr; });
  REQUIRE(no_database.ok());
  CHECK(require_database(*no_database).message().find("DATABASE_URL") != std::string::npos);
  CHECK(require_database(*defaults).ok());
}
