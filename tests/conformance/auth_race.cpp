// Security state under concurrency, on every store: parallel bursts of logins, MFA codes,
// recovery codes and wrong passwords against one user, started together from real threads,
// then the invariants a user of the policy relies on. PostgreSQL runs writes at READ
// COMMITTED, so these fail there unless every auth write holds the user's row.
#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <thread>

#include "auth/crypto.hpp"
#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::conformance::for_each_store;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kPassword = "correct horse battery";

struct Burst {
  std::atomic<int> ok{0}, unauthenticated{0}, rate_limited{0}, other{0};
  void count(const Status& s) {
    if (s.ok())
      ++ok;
    else if (s.code() == Code::unauthenticated)
      ++unauthenticated;
    else if (s.code() == Code::rate_limited)
      ++rate_limited;
    else {
      UNSCOPED_INFO("unexpected: " << s.to_string());
      ++other;
    }
  }
};

// Runs `call(i)` on `n` threads released together.
template <typename F>
void race(int n, F&& call) {
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      call(i);
    });
  }
  for (auto& t : threads) t.join();
}

struct AuthWorld {
  // Time stands still during a burst: every lock the burst imposes is still in force when
  // its last request arrives, so the counts below are exact.
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 9, 0));
  std::unique_ptr<Engine> engine;
  AuthOptions options;
  TenantId tenant{};
  UserId user{};
  std::string secret_base32;
  std::vector<std::string> recovery_codes;

  AuthWorld(std::shared_ptr<Storage> storage, bool with_mfa, int round = 0) {
    options.argon2_memory_kib = 64;  // tests only
    options.argon2_iterations = 1;
    options.encryption_key = kKeyHex;
    auto e = Engine::open(std::move(storage), EngineOptions{clock, options});
    REQUIRE(e.ok());
    engine = std::move(e).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme " + std::to_string(round)})->id;
    auto u = engine->auth().create_user(sys(), tenant,
                                        NewUser{"ann@example.com", "Ann", Role::staff, kPassword});
    REQUIRE(u.ok());
    user = u->id;
    if (!with_mfa) return;
    auto g = engine->auth().login(request(""));
    REQUIRE(g.ok());
    auto begun = engine->auth().begin_totp_enrollment(g->principal);
    REQUIRE(begun.ok());
    secret_base32 = begun->secret_base32;
    auto done = engine->auth().confirm_totp_enrollment(g->principal, code());
    REQUIRE(done.ok());
    recovery_codes = done->recovery_codes;
    clock->advance(Seconds(30));  // the enrolment used this step's code
  }

  LoginRequest request(const std::string& mfa_code, const std::string& password = kPassword) const {
    return LoginRequest{tenant, "ann@example.com", password, mfa_code, "198.51.100.7"};
  }
  std::string code() const {
    const auto step = detail::totp_step(to_unix(clock->now()));
    return detail::hotp(detail::HashAlgorithm::sha1, *detail::base32_decode(secret_base32), step);
  }
  // Security events of one kind since the world began, whose detail contains `detail`.
  std::size_t events(const char* kind, const std::string& detail = "") const {
    auto all = engine->auth().security_events(sys(), tenant, utc(2026, 1, 1),
                                              clock->now() + Seconds(1), kind);
    REQUIRE(all.ok());
    std::size_t n = 0;
    for (const auto& e : *all) n += e.detail.find(detail) != std::string::npos ? 1 : 0;
    return n;
  }
  User row() const { return engine->auth().get_user(sys(), tenant, user).value(); }
};

}  // namespace

// A race is won or lost in a window of microseconds, so each of these runs several rounds,
// each with a user of its own (a lost round's failures must not lock the next one out).
constexpr int kRounds = 5;

TEST_CASE("auth race: one TOTP code opens exactly one session, however many logins race it") {
  for_each_store([](std::shared_ptr<Storage> s) {
    for (int round = 0; round < kRounds; ++round) {
      AuthWorld w(s, /*with_mfa=*/true, round);
      const std::string code = w.code();
      Burst burst;
      std::atomic<int> passed{0};
      race(12, [&](int) {
        auto g = w.engine->auth().login(w.request(code));
        burst.count(g.status());
        if (g.ok() && g->session.mfa_passed) ++passed;
      });
      INFO("round " << round);
      CHECK(burst.other == 0);
      CHECK(burst.ok == 1);
      CHECK(passed == 1);
    }
  });
}

TEST_CASE("auth race: one recovery code passes MFA exactly once") {
  for_each_store([](std::shared_ptr<Storage> s) {
    for (int round = 0; round < kRounds; ++round) {
      AuthWorld w(s, /*with_mfa=*/true, round);
      // Eight sessions waiting for their second factor, then one recovery code for all.
      std::vector<std::string> pending;
      for (int i = 0; i < 8; ++i) {
        auto g = w.engine->auth().login(w.request(""));
        REQUIRE(g.ok());
        REQUIRE(g->session.mfa_pending);
        pending.push_back(g->token);
      }
      const std::string recovery = w.recovery_codes.front();
      Burst burst;
      race(8, [&](int i) {
        burst.count(w.engine->auth().verify_mfa(pending[i], recovery, "198.51.100.7").status());
      });
      INFO("round " << round);
      CHECK(burst.other == 0);
      CHECK(burst.ok == 1);
      CHECK(w.events("recovery_code_used") == 1);
    }
  });
}

TEST_CASE("auth race: parallel wrong MFA codes get exactly the policy's checks before the lock") {
  for_each_store([](std::shared_ptr<Storage> s) {
    AuthWorld w(std::move(s), /*with_mfa=*/true);
    auto g = w.engine->auth().login(w.request(""));
    REQUIRE(g.ok());
    REQUIRE(g->session.mfa_pending);
    const std::string token = g->token;
    const std::string right = w.code();
    const std::string wrong = right == "000000" ? "000001" : "000000";
    Burst burst;
    race(40, [&](int) {
      burst.count(w.engine->auth().verify_mfa(token, wrong, "198.51.100.7").status());
    });
    CHECK(burst.other == 0);
    CHECK(burst.ok == 0);
    CHECK(burst.unauthenticated == w.options.totp_max_failures);
    CHECK(burst.rate_limited == 40 - w.options.totp_max_failures);
    CHECK(w.events("mfa_failed") == static_cast<std::size_t>(w.options.totp_max_failures));
    CHECK(w.events("mfa_locked") == 1);
    // Locked: even the right code waits for the lock to lapse.
    CHECK(w.engine->auth().verify_mfa(token, right).status().code() == Code::rate_limited);
  });
}

TEST_CASE("auth race: parallel wrong passwords - exactly the threshold is verified and counted") {
  for_each_store([](std::shared_ptr<Storage> s) {
    AuthWorld w(std::move(s), /*with_mfa=*/false);
    Burst burst;
    race(40, [&](int i) {
      burst.count(
          w.engine->auth().login(w.request("", "wrong password " + std::to_string(i))).status());
    });
    const int threshold = w.options.lockout_threshold;
    CHECK(burst.other == 0);
    CHECK(burst.ok == 0);
    CHECK(burst.unauthenticated == 40);  // one answer for all: wrong, or locked
    CHECK(w.events("login_failed", "wrong password") == static_cast<std::size_t>(threshold));
    CHECK(w.events("login_failed", "account locked") == static_cast<std::size_t>(40 - threshold));
    CHECK(w.events("lockout") == 1);
    const User u = w.row();
    CHECK(u.failed_logins == threshold);  // the counter equals the failures, none lost
    CHECK(u.state == UserState::locked);
    // A second burst after the lock lapses: one more verification each time a lock ends.
    w.clock->advance(Seconds(2));
    Burst again;
    race(29, [&](int i) {
      again.count(
          w.engine->auth().login(w.request("", "still wrong " + std::to_string(i))).status());
    });
    CHECK(w.events("login_failed", "wrong password") == static_cast<std::size_t>(threshold + 1));
    CHECK(w.row().failed_logins == threshold + 1);
    // The right password, once the lock lapses, logs in and resets the counter.
    w.clock->advance(Seconds(60));
    auto g = w.engine->auth().login(w.request(""));
    REQUIRE(g.ok());
    CHECK(w.row().failed_logins == 0);
    CHECK(w.row().state == UserState::active);
  });
}
