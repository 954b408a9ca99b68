// Authentication and authorization through the Engine: passwords and lockout, sessions,
// TOTP MFA, API keys, reports, and the authorization matrix. Every test scans the error
// messages and security events it produced for the secrets it used.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "auth/crypto.hpp"
#include "core/sha256.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

AuthOptions cheap_options() {
  AuthOptions o;
  o.argon2_memory_kib = 64;  // tests only: the default is 19456
  o.argon2_iterations = 1;
  o.encryption_key = kKeyHex;
  o.totp_issuer = "Boka Test";
  return o;
}

struct AuthFixture {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 9, 0));
  std::shared_ptr<Storage> storage;
  std::unique_ptr<Engine> engine;
  TenantId tenant{}, other{};
  std::vector<std::string> secrets;   // every secret this test handed to or got from boka
  std::vector<std::string> messages;  // every error message it saw

  explicit AuthFixture(std::string uri = "memory:", AuthOptions options = cheap_options()) {
    storage = open_storage(uri).value();
    reopen(options);
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"})->id;
    other = engine->create_tenant(sys(), Tenant{TenantId{}, "globex"})->id;
    secrets.push_back(kKeyHex);
  }
  void reopen(AuthOptions options) {
    auto e = Engine::open(storage, EngineOptions{clock, options});
    REQUIRE(e.ok());
    engine = std::move(e).value();
  }

  ~AuthFixture() {
    // No secret in any message or audit record (security events included) this test produced.
    std::vector<std::string> texts = messages;
    for (TenantId t : {TenantId{0}, tenant, other}) {
      AuditQuery q;
      q.tenant = t;
      q.limit = 10000;
      auto records = engine->operations().audit_records(sys(), q);
      if (!records.ok()) continue;
      for (const auto& r : *records) {
        texts.push_back(r.actor + "|" + r.action + "|" + r.target + "|" + r.reason + "|" +
                        r.source + "|" + r.detail_json);
      }
    }
    // And the chains are intact.
    auto verified = engine->operations().verify_audit(sys());
    CHECK((verified.ok() && verified->ok));
    for (const std::string& secret : secrets) {
      if (secret.size() < 6) continue;
      for (const std::string& text : texts) {
        INFO("a secret leaked into: " << text);
        CHECK(text.find(secret) == std::string::npos);
      }
    }
  }

  Status note(Status s) {
    if (!s.ok()) messages.push_back(s.message());
    return s;
  }
  template <typename T>
  Result<T> note(Result<T> r) {
    if (!r.ok()) messages.push_back(r.status().message());
    return r;
  }

  void advance(Seconds s) { clock->set(clock->now() + s); }

  User user(const std::string& email, Role role,
            const std::string& password = "correct horse battery", TenantId in = {}) {
    secrets.push_back(password);
    auto u =
        engine->auth().create_user(sys(), in ? in : tenant, NewUser{email, "Name", role, password});
    INFO(u.status().to_string());
    REQUIRE(u.ok());
    return *u;
  }

  Result<SessionGrant> login(const std::string& email, const std::string& password,
                             const std::string& code = "", TenantId in = {}) {
    secrets.push_back(password);
    if (!code.empty()) secrets.push_back(code);
    auto g = note(engine->auth().login(
        LoginRequest{in ? in : tenant, email, password, code, "198.51.100.7"}));
    if (g.ok()) secrets.push_back(g->token);
    return g;
  }
  SessionGrant login_ok(const std::string& email,
                        const std::string& password = "correct horse battery") {
    auto g = login(email, password);
    INFO(g.status().to_string());
    REQUIRE(g.ok());
    return *g;
  }

  // The current TOTP code for a base32 secret, from the RFC 6238 implementation.
  std::string code_for(const std::string& secret_base32, Seconds offset = Seconds(0)) {
    auto secret = detail::base32_decode(secret_base32);
    REQUIRE(secret);
    const auto step = detail::totp_step(to_unix(clock->now() + offset));
    std::string code = detail::hotp(detail::HashAlgorithm::sha1, *secret, step);
    secrets.push_back(code);
    return code;
  }

  // Logs in, enrols TOTP and returns the MFA-passed grant and the secret.
  std::pair<SessionGrant, std::string> enrol(
      const std::string& email, const std::string& password = "correct horse battery") {
    SessionGrant g = login_ok(email, password);
    auto e = engine->auth().begin_totp_enrollment(g.principal);
    INFO(e.status().to_string());
    REQUIRE(e.ok());
    secrets.push_back(e->secret_base32);
    auto done = engine->auth().confirm_totp_enrollment(g.principal, code_for(e->secret_base32));
    INFO(done.status().to_string());
    REQUIRE(done.ok());
    for (const auto& c : done->recovery_codes) secrets.push_back(c);
    secrets.push_back(done->session.token);
    advance(Seconds(30));  // the enrolment code's step is used; move to the next
    return {done->session, e->secret_base32};
  }

  Resource resource(TenantId in) {
    Resource spec;
    spec.name = "Room";
    spec.zone = "UTC";
    auto r = engine->create_resource(sys(), in, spec);
    REQUIRE(r.ok());
    return *r;
  }
};

std::vector<SecurityEvent> events_of(AuthFixture& f, const std::string& kind) {
  return *f.engine->auth().security_events(sys(), f.tenant, utc(2000, 1, 1), utc(2100, 1, 1), kind);
}

}  // namespace

// ---- passwords and login -------------------------------------------------------------------

TEST_CASE("auth: login starts a session - logout ends it", "[auth]") {
  AuthFixture f;
  User u = f.user("Ana@Example.com", Role::staff);
  CHECK(u.email == "ana@example.com");
  SessionGrant g = f.login_ok("ANA@example.com");
  CHECK(g.token.size() == 43);
  CHECK(g.session.user == u.id);
  CHECK_FALSE(g.session.mfa_pending);
  auto p = f.engine->auth().authenticate_session(g.token);
  REQUIRE(p.ok());
  CHECK(p->kind() == Principal::Kind::user);
  CHECK(p->user() == u.id);
  CHECK(p->tenant() == f.tenant);
  CHECK(f.engine->auth().get_user(*p, f.tenant, u.id)->email == "ana@example.com");
  REQUIRE(f.engine->auth().logout(*p).ok());
  CHECK(f.note(f.engine->auth().authenticate_session(g.token)).status().code() ==
        Code::unauthenticated);
  // A principal from before the logout stops working on its next call.
  CHECK(f.note(f.engine->auth().get_user(*p, f.tenant, u.id)).status().code() ==
        Code::unauthenticated);
  CHECK(events_of(f, "login_succeeded").size() == 1);
  CHECK(events_of(f, "logout").size() == 1);
}

TEST_CASE("auth: a new token at every login - tokens are stored only as hashes", "[auth]") {
  TempDb db;
  std::string token_a, token_b;
  {
    AuthFixture f(db.uri());
    f.user("ana@example.com", Role::staff, "a long passphrase 1");
    token_a = f.login_ok("ana@example.com", "a long passphrase 1").token;
    token_b = f.login_ok("ana@example.com", "a long passphrase 1").token;
    CHECK(token_a != token_b);
    CHECK(f.engine->auth().authenticate_session(token_a).ok());
    CHECK(f.engine->auth().authenticate_session(token_b).ok());
  }
  std::ifstream in(db.path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ifstream wal(db.path() + "-wal", std::ios::binary);
  bytes.append(std::istreambuf_iterator<char>(wal), {});
  CHECK(bytes.find(token_a) == std::string::npos);
  CHECK(bytes.find("a long passphrase 1") == std::string::npos);
  CHECK(bytes.find(detail::sha256_hex(token_a)) != std::string::npos);
}

TEST_CASE("auth: unknown user, wrong password, disabled and locked accounts fail alike", "[auth]") {
  AuthFixture f;
  User u = f.user("ana@example.com", Role::staff);
  f.user("dis@example.com", Role::staff);
  User dis = *f.engine->auth().find_user_by_email(sys(), f.tenant, "dis@example.com");
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, dis.id, UserState::disabled).ok());
  const auto unknown = f.login("nobody@example.com", "correct horse battery");
  const auto wrong = f.login("ana@example.com", "wrong horse battery!");
  const auto disabled = f.login("dis@example.com", "correct horse battery");
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, u.id, UserState::locked).ok());
  const auto locked = f.login("ana@example.com", "correct horse battery");
  const auto other_tenant = f.login("ana@example.com", "correct horse battery", "", f.other);
  for (const auto* r : {&unknown, &wrong, &disabled, &locked, &other_tenant}) {
    CHECK(r->status().code() == Code::unauthenticated);
    CHECK(r->status().message() == unknown.status().message());
  }
  CHECK(events_of(f, "login_failed").size() == 4);
  // An admin unlock lets the right password in again.
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, u.id, UserState::active).ok());
  CHECK(f.login("ana@example.com", "correct horse battery").ok());
}

TEST_CASE("auth: password policy - 12 to 128 characters of UTF-8, never truncated", "[auth]") {
  AuthFixture f;
  auto make = [&](const std::string& email, const std::string& pw) {
    f.secrets.push_back(pw);
    return f.note(
        f.engine->auth().create_user(sys(), f.tenant, NewUser{email, "", Role::customer, pw}));
  };
  CHECK(make("a@x.io", "elevenchars").status().code() == Code::invalid_argument);
  CHECK(make("b@x.io", "twelve chars").ok());
  CHECK(make("c@x.io", std::string(128, 'p')).ok());
  CHECK(make("d@x.io", std::string(129, 'p')).status().code() == Code::invalid_argument);
  // 12 code points, 24 bytes: counted as characters, not bytes.
  CHECK(make("e@x.io", "ääääääääääää").ok());
  CHECK(make("f@x.io", "äääääääääää").status().code() == Code::invalid_argument);
  CHECK(make("g@x.io", std::string("bad utf8 \xc3\x28 here")).status().code() ==
        Code::invalid_argument);
  CHECK(make("not-an-email", "twelve chars").status().code() == Code::invalid_argument);
  CHECK(make("b@x.io", "twelve chars").status().code() == Code::already_exists);
  // 128 characters, the last one matters.
  const std::string long_pw = std::string(127, 'q') + "1";
  REQUIRE(make("h@x.io", long_pw).ok());
  CHECK(f.login("h@x.io", std::string(127, 'q') + "2").status().code() == Code::unauthenticated);
  CHECK(f.login("h@x.io", long_pw).ok());
}

TEST_CASE("auth: lockout waits double from 1 s to 900 s - the counter resets after 12 h",
          "[auth]") {
  AuthFixture f;
  User u = f.user("ana@example.com", Role::staff);
  const std::string bad = "wrong password!!";
  for (int i = 1; i <= 4; ++i) {
    CHECK(f.login("ana@example.com", bad).status().code() == Code::unauthenticated);
    CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->state == UserState::active);
  }
  // The fifth failure locks for 1 s, then 2, 4, ... each further failure doubling.
  std::int64_t expected = 1;
  for (int failure = 5; failure <= 16; ++failure) {
    CHECK(f.login("ana@example.com", bad).status().code() == Code::unauthenticated);
    User now = *f.engine->auth().get_user(sys(), f.tenant, u.id);
    CHECK(now.state == UserState::locked);
    CHECK(now.failed_logins == failure);
    REQUIRE(now.locked_until);
    CHECK((*now.locked_until - f.clock->now()).count() == expected);
    // During the wait even the right password is refused, and the wait does not grow.
    CHECK(f.login("ana@example.com", "correct horse battery").status().code() ==
          Code::unauthenticated);
    CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->failed_logins == failure);
    f.advance(Seconds(expected));
    expected = std::min<std::int64_t>(expected * 2, 900);
  }
  CHECK(expected == 900);
  CHECK(events_of(f, "lockout").size() == 12);
  CHECK(f.engine->auth().locked_accounts(sys(), f.tenant)->size() == 1);
  // 12 quiet hours reset the counter: one more failure does not lock.
  f.advance(hours(12));
  CHECK(f.engine->auth().locked_accounts(sys(), f.tenant)->empty());
  CHECK(f.login("ana@example.com", bad).status().code() == Code::unauthenticated);
  User after = *f.engine->auth().get_user(sys(), f.tenant, u.id);
  CHECK(after.failed_logins == 1);
  CHECK(after.state == UserState::active);
  CHECK(f.login("ana@example.com", "correct horse battery").ok());
  CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->failed_logins == 0);
}

TEST_CASE("auth: never more than 100 failures an hour per account", "[auth]") {
  AuthOptions o = cheap_options();
  o.lockout_threshold = 1000;  // isolate the hourly cap from the doubling waits
  AuthFixture f("memory:", o);
  f.user("ana@example.com", Role::staff);
  for (int i = 0; i < 100; ++i) {
    f.advance(Seconds(1));
    REQUIRE(f.login("ana@example.com", "wrong password!!").status().code() ==
            Code::unauthenticated);
  }
  CHECK(events_of(f, "login_failed").size() == 100);
  // The 101st attempt in the hour is refused unchecked, even with the right password.
  CHECK(f.login("ana@example.com", "correct horse battery").status().code() ==
        Code::unauthenticated);
  f.advance(hours(1));
  CHECK(f.login("ana@example.com", "correct horse battery").ok());
}

TEST_CASE("auth: a stored hash below the policy is re-hashed at login", "[auth]") {
  AuthFixture f;
  User u = f.user("ana@example.com", Role::staff);
  auto stored_params = [&] {
    std::optional<detail::Argon2Params> p;
    REQUIRE(f.storage
                ->read(TxnScope::all_tenants(),
                       [&](StorageTransaction& t) -> Status {
                         auto row = t.find_user(f.tenant, u.id);
                         p = detail::argon2id_params((*row)->password_hash);
                         return Status::Ok();
                       })
                .ok());
    return *p;
  };
  CHECK(stored_params().memory_kib == 64);
  AuthOptions stronger = cheap_options();
  stronger.argon2_memory_kib = 128;
  stronger.argon2_iterations = 2;
  f.reopen(stronger);
  f.login_ok("ana@example.com");
  CHECK(stored_params().memory_kib == 128);
  CHECK(stored_params().iterations == 2);
  f.login_ok("ana@example.com");  // and the new hash verifies
}

TEST_CASE("auth: changing the password needs the current one and ends other sessions", "[auth]") {
  AuthFixture f;
  f.user("ana@example.com", Role::staff);
  SessionGrant a = f.login_ok("ana@example.com");
  SessionGrant b = f.login_ok("ana@example.com");
  f.secrets.push_back("brand new passphrase");
  CHECK(f.note(f.engine->auth().change_password(a.principal, "not the password",
                                                "brand new passphrase"))
            .code() == Code::unauthenticated);
  CHECK(f.note(f.engine->auth().change_password(a.principal, "correct horse battery", "short"))
            .code() == Code::invalid_argument);
  REQUIRE(f.engine->auth()
              .change_password(a.principal, "correct horse battery", "brand new passphrase")
              .ok());
  CHECK(f.engine->auth().authenticate_session(a.token).ok());
  CHECK(f.engine->auth().authenticate_session(b.token).status().code() == Code::unauthenticated);
  CHECK(f.login("ana@example.com", "correct horse battery").status().code() ==
        Code::unauthenticated);
  CHECK(f.login("ana@example.com", "brand new passphrase").ok());
  CHECK(f.note(f.engine->auth().change_password(sys(), "x", "brand new passphrase")).code() ==
        Code::permission_denied);
}

// ---- sessions ------------------------------------------------------------------------------

TEST_CASE("auth: sessions expire when idle (30 min, admins 15) and after 12 h in any case",
          "[auth]") {
  AuthFixture f;
  f.user("staff@example.com", Role::staff);
  f.user("admin@example.com", Role::admin);
  SessionGrant s = f.login_ok("staff@example.com");
  SessionGrant a = f.login_ok("admin@example.com");
  CHECK(s.session.idle_expires_at == f.clock->now() + minutes(30));
  CHECK(a.session.idle_expires_at == f.clock->now() + minutes(15));
  CHECK(s.session.absolute_expires_at == f.clock->now() + hours(12));
  f.advance(minutes(14));
  CHECK(f.engine->auth().authenticate_session(s.token).ok());
  CHECK(f.engine->auth().authenticate_session(a.token).ok());  // activity extends the idle expiry
  f.advance(minutes(14));
  CHECK(f.engine->auth().authenticate_session(a.token).ok());
  f.advance(minutes(15));  // 15 minutes idle: the admin session is gone, staff's not
  CHECK(f.engine->auth().authenticate_session(a.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().authenticate_session(s.token).ok());
  f.advance(minutes(31));
  CHECK(f.engine->auth().authenticate_session(s.token).status().code() == Code::unauthenticated);
  // Absolute: kept busy every 20 minutes, still over after 12 h.
  SessionGrant busy = f.login_ok("staff@example.com");
  for (int i = 0; i < 35; ++i) {
    f.advance(minutes(20));
    REQUIRE(f.engine->auth().authenticate_session(busy.token).ok());
  }
  f.advance(minutes(20));  // 12 h
  CHECK(f.engine->auth().authenticate_session(busy.token).status().code() == Code::unauthenticated);
}

TEST_CASE("auth: users list and end their sessions - admins end anyone's, or everyone's",
          "[auth]") {
  AuthFixture f;
  User ana = f.user("ana@example.com", Role::customer);
  User bob = f.user("bob@example.com", Role::customer);
  User eve = f.user("eve@example.com", Role::customer, "correct horse battery", f.other);
  SessionGrant a1 = f.login_ok("ana@example.com");
  SessionGrant a2 = f.login_ok("ana@example.com");
  SessionGrant b1 = f.login_ok("bob@example.com");
  SessionGrant e1 = *f.login("eve@example.com", "correct horse battery", "", f.other);
  auto mine = f.engine->auth().list_sessions(a1.principal, f.tenant, ana.id);
  REQUIRE(mine.ok());
  CHECK(mine->size() == 2);
  CHECK(f.note(f.engine->auth().list_sessions(a1.principal, f.tenant, bob.id)).status().code() ==
        Code::permission_denied);
  CHECK(f.note(f.engine->auth().end_session(a1.principal, f.tenant, b1.session.id)).code() ==
        Code::permission_denied);
  REQUIRE(f.engine->auth().end_session(a1.principal, f.tenant, a2.session.id).ok());
  CHECK(f.engine->auth().authenticate_session(a2.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().count_active_sessions(sys()).value() == 3);
  CHECK(f.engine->auth().end_user_sessions(sys(), f.tenant, bob.id).value() == 1);
  CHECK(f.engine->auth().authenticate_session(b1.token).status().code() == Code::unauthenticated);
  // Force logout of one tenant leaves the other alone; of all tenants ends everything.
  CHECK(f.engine->auth().force_logout_all(sys(), f.tenant).value() == 1);
  CHECK(f.engine->auth().authenticate_session(a1.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().authenticate_session(e1.token).ok());
  CHECK(f.engine->auth().force_logout_all(sys(), std::nullopt).value() == 1);
  CHECK(f.engine->auth().authenticate_session(e1.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().count_active_sessions(sys()).value() == 0);
  CHECK(events_of(f, "force_logout").size() == 2);
  // Cleanup removes dead sessions.
  SessionGrant live = f.login_ok("ana@example.com");
  CHECK(f.engine->auth().cleanup_sessions(sys()).value() == 4);
  CHECK(f.engine->auth().cleanup_sessions(sys()).value() == 0);
  CHECK(f.engine->auth().authenticate_session(live.token).ok());
  (void)eve;
}

TEST_CASE("auth: disabling a user or demoting them ends their sessions at once", "[auth]") {
  AuthFixture f;
  User ana = f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  Principal p = *f.engine->auth().authenticate_session(g.token);
  ReservationFilter all;
  CHECK(f.engine->list_reservations(p, f.tenant, all).ok());
  REQUIRE(f.engine->auth().set_user_role(sys(), f.tenant, ana.id, Role::customer).ok());
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  SessionGrant g2 = f.login_ok("ana@example.com");
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, ana.id, UserState::disabled).ok());
  CHECK(f.note(f.engine->list_reservations(g2.principal, f.tenant, all)).status().code() ==
        Code::unauthenticated);
}

// ---- TOTP MFA ------------------------------------------------------------------------------

TEST_CASE("auth: TOTP enrolment, MFA login, step-up to a new token", "[auth]") {
  AuthFixture f;
  User ana = f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  auto e = f.engine->auth().begin_totp_enrollment(g.principal);
  REQUIRE(e.ok());
  f.secrets.push_back(e->secret_base32);
  CHECK(detail::base32_decode(e->secret_base32)->size() == 20);
  CHECK(e->provisioning_uri ==
        "otpauth://totp/Boka%20Test:ana%40example.com?secret=" + e->secret_base32 +
            "&issuer=Boka%20Test&algorithm=SHA1&digits=6&period=30");
  CHECK(f.note(f.engine->auth().confirm_totp_enrollment(g.principal, "000000")).status().code() ==
        Code::unauthenticated);
  auto done = f.engine->auth().confirm_totp_enrollment(g.principal, f.code_for(e->secret_base32));
  REQUIRE(done.ok());
  CHECK(done->recovery_codes.size() == 10);
  CHECK(std::set<std::string>(done->recovery_codes.begin(), done->recovery_codes.end()).size() ==
        10);
  CHECK(done->session.session.mfa_passed);
  for (const auto& c : done->recovery_codes) f.secrets.push_back(c);
  // Enrolling ended the old session.
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().get_user(sys(), f.tenant, ana.id)->mfa_enabled);
  f.advance(Seconds(30));

  // Password alone: an MFA-pending session that can do nothing but verify.
  SessionGrant pending = f.login_ok("ana@example.com");
  CHECK(pending.session.mfa_pending);
  ReservationFilter all;
  CHECK(f.note(f.engine->list_reservations(pending.principal, f.tenant, all)).status().code() ==
        Code::permission_denied);
  auto wrong = f.note(f.engine->auth().verify_mfa(pending.token, "123456"));
  CHECK(wrong.status().code() == Code::unauthenticated);
  auto up = f.engine->auth().verify_mfa(pending.token, f.code_for(e->secret_base32));
  REQUIRE(up.ok());
  f.secrets.push_back(up->token);
  CHECK(up->token != pending.token);
  CHECK(up->session.mfa_passed);
  CHECK(up->session.absolute_expires_at == pending.session.absolute_expires_at);
  CHECK(f.engine->auth().authenticate_session(pending.token).status().code() ==
        Code::unauthenticated);
  CHECK(f.engine->list_reservations(up->principal, f.tenant, all).ok());
  // Password and code in one call.
  f.advance(Seconds(30));
  auto both = f.login("ana@example.com", "correct horse battery", f.code_for(e->secret_base32));
  REQUIRE(both.ok());
  CHECK(both->session.mfa_passed);
  CHECK(events_of(f, "mfa_enabled").size() == 1);
  CHECK(events_of(f, "mfa_failed").size() == 2);
}

TEST_CASE("auth: a TOTP code is accepted once - older steps after newer ones are refused",
          "[auth]") {
  AuthFixture f;
  f.user("ana@example.com", Role::staff);
  auto [grant, secret] = f.enrol("ana@example.com");
  f.advance(Seconds(30));  // two steps past the enrolment code
  // +-1 step is accepted ...
  const std::string previous = f.code_for(secret, Seconds(-30));
  const std::string current = f.code_for(secret);
  const std::string next = f.code_for(secret, Seconds(30));
  const std::string too_old = f.code_for(secret, Seconds(-60));
  CHECK(f.login("ana@example.com", "correct horse battery", too_old).status().code() ==
        Code::unauthenticated);
  CHECK(f.login("ana@example.com", "correct horse battery", previous).ok());
  // ... but each step once, and never one at or below the last accepted step.
  CHECK(f.login("ana@example.com", "correct horse battery", previous).status().code() ==
        Code::unauthenticated);
  CHECK(f.login("ana@example.com", "correct horse battery", next).ok());
  CHECK(f.login("ana@example.com", "correct horse battery", current).status().code() ==
        Code::unauthenticated);
  CHECK(f.login("ana@example.com", "correct horse battery", next).status().code() ==
        Code::unauthenticated);
  (void)grant;
}

TEST_CASE("auth: 5 wrong codes lock the factor for 15 minutes - recovery codes work once",
          "[auth]") {
  AuthFixture f;
  f.user("ana@example.com", Role::staff);
  auto [grant, secret] = f.enrol("ana@example.com");
  SessionGrant pending = f.login_ok("ana@example.com");
  for (int i = 0; i < 5; ++i) {
    CHECK(f.note(f.engine->auth().verify_mfa(pending.token, "000001")).status().code() ==
          Code::unauthenticated);
  }
  auto locked = f.note(f.engine->auth().verify_mfa(pending.token, f.code_for(secret)));
  CHECK(locked.status().code() == Code::rate_limited);
  CHECK(events_of(f, "mfa_locked").size() == 1);
  f.advance(minutes(14));
  CHECK(f.note(f.engine->auth().verify_mfa(pending.token, f.code_for(secret))).status().code() ==
        Code::rate_limited);
  f.advance(minutes(1));
  SessionGrant again = f.login_ok("ana@example.com");
  auto ok = f.engine->auth().verify_mfa(again.token, f.code_for(secret));
  REQUIRE(ok.ok());
  f.secrets.push_back(ok->token);

  // Recovery codes: a fresh enrolment's codes, each single use, in any case or spacing.
  f.advance(Seconds(30));
  f.user("bob@example.com", Role::staff);
  SessionGrant b = f.login_ok("bob@example.com");
  auto e = *f.engine->auth().begin_totp_enrollment(b.principal);
  f.secrets.push_back(e.secret_base32);
  auto done = *f.engine->auth().confirm_totp_enrollment(b.principal, f.code_for(e.secret_base32));
  for (const auto& c : done.recovery_codes) f.secrets.push_back(c);
  std::string code = done.recovery_codes[3];
  std::string shouted = code;
  for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(f.login("bob@example.com", "correct horse battery", shouted).ok());
  CHECK(f.login("bob@example.com", "correct horse battery", code).status().code() ==
        Code::unauthenticated);
  CHECK(events_of(f, "recovery_code_used").size() == 1);
  (void)grant;
}

TEST_CASE("auth: admin actions need a session that passed MFA", "[auth]") {
  AuthFixture f;
  f.user("admin@example.com", Role::admin);
  SessionGrant g = f.login_ok("admin@example.com");
  Resource spec;
  spec.name = "Room";
  spec.zone = "UTC";
  auto refused = f.note(f.engine->create_resource(g.principal, f.tenant, spec));
  CHECK(refused.status().code() == Code::permission_denied);
  CHECK(refused.status().message().find("MFA") != std::string::npos);
  // Staff-level work goes on without MFA.
  CHECK(f.engine->list_reservations(g.principal, f.tenant, ReservationFilter{}).ok());
  auto [mfa, secret] = f.enrol("admin@example.com");
  CHECK(f.engine->create_resource(mfa.principal, f.tenant, spec).ok());
  // Disabling MFA needs the password and ends every session.
  CHECK(f.note(f.engine->auth().disable_totp(mfa.principal, "wrong password!!")).code() ==
        Code::unauthenticated);
  REQUIRE(f.engine->auth().disable_totp(mfa.principal, "correct horse battery").ok());
  CHECK(f.engine->auth().authenticate_session(mfa.token).status().code() == Code::unauthenticated);
  (void)secret;
}

TEST_CASE("auth: TOTP secrets are sealed at rest and survive key rotation", "[auth]") {
  TempDb db;
  AuthFixture f(db.uri());
  f.user("ana@example.com", Role::staff);
  auto [grant, secret] = f.enrol("ana@example.com");
  {
    std::ifstream in(db.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ifstream wal(db.path() + "-wal", std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(wal), {});
    CHECK(bytes.find(secret) == std::string::npos);
    CHECK(bytes.find(*detail::base32_decode(secret)) == std::string::npos);
    CHECK(bytes.find("v1:k1:") != std::string::npos);
  }
  // Rotate: a new current key, the old one kept for reading.
  AuthOptions rotated = cheap_options();
  rotated.encryption_key = std::string(32, 'K');
  rotated.encryption_key_id = "k2";
  rotated.previous_encryption_keys = {{"k1", kKeyHex}};
  f.reopen(rotated);
  f.secrets.push_back(rotated.encryption_key);
  CHECK(f.login("ana@example.com", "correct horse battery", f.code_for(secret)).ok());
  // Without the old key the secret cannot be read, and the error says which key is missing.
  AuthOptions lost = cheap_options();
  lost.encryption_key = std::string(32, 'K');
  lost.encryption_key_id = "k2";
  f.reopen(lost);
  f.advance(Seconds(30));
  auto r = f.login("ana@example.com", "correct horse battery", f.code_for(secret));
  CHECK(r.status().code() == Code::unavailable);
  CHECK(r.status().message().find("k1") != std::string::npos);
  (void)grant;
}

TEST_CASE("auth: the encryption key must be exactly 32 bytes", "[auth]") {
  auto storage = open_storage("memory:").value();
  for (std::string key :
       {std::string(31, 'k'), std::string(33, 'k'), std::string("00ff"), std::string(63, 'a')}) {
    AuthOptions o = cheap_options();
    o.encryption_key = key;
    auto e = Engine::open(storage, EngineOptions{nullptr, o});
    CHECK(e.status().code() == Code::invalid_argument);
    CHECK(e.status().message().find("encryption_key") != std::string::npos);
    CHECK(e.status().message().find(key) == std::string::npos);
  }
  for (std::string key : {std::string(32, 'k'), std::string(kKeyHex),
                          detail::base64_encode(std::string(32, '\x01'))}) {
    AuthOptions o = cheap_options();
    o.encryption_key = key;
    CHECK(Engine::open(storage, EngineOptions{nullptr, o}).ok());
  }
  AuthOptions none = cheap_options();
  none.encryption_key.clear();
  AuthFixture f("memory:", none);
  f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  CHECK(f.note(f.engine->auth().begin_totp_enrollment(g.principal)).status().code() ==
        Code::not_supported);
}

// ---- API keys ------------------------------------------------------------------------------

TEST_CASE("auth: API keys - shown once, checksummed, scoped, revocable at once", "[auth]") {
  AuthFixture f;
  f.user("admin@example.com", Role::admin);
  auto [admin, secret] = f.enrol("admin@example.com");
  auto created = f.engine->auth().create_api_key(
      admin.principal, f.tenant,
      NewApiKey{"booking widget", Permission::availability_read | Permission::reservations_own,
                std::nullopt});
  REQUIRE(created.ok());
  f.secrets.push_back(created->key);
  CHECK(created->key.rfind("boka_" + std::to_string(created->info.id) + "_", 0) == 0);
  // A mistyped key is refused before any lookup; so is an unknown one.
  std::string typo = created->key;
  typo[typo.size() - 10] = typo[typo.size() - 10] == 'a' ? 'b' : 'a';
  CHECK(detail::parse_api_key(typo) == std::nullopt);
  CHECK(f.note(f.engine->auth().authenticate_api_key(typo)).status().code() ==
        Code::unauthenticated);
  auto p = f.engine->auth().authenticate_api_key(created->key, "203.0.113.9");
  REQUIRE(p.ok());
  CHECK(p->kind() == Principal::Kind::api_key);
  // Scoped: may book, may not manage the catalog or users.
  Resource room = f.resource(f.tenant);
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(room.id)};
  req.start = utc(2026, 3, 3, 10);
  req.end = utc(2026, 3, 3, 11);
  CHECK(f.engine->reserve(*p, f.tenant, req).ok());
  CHECK(f.note(f.engine->create_resource(*p, f.tenant, room)).status().code() ==
        Code::permission_denied);
  CHECK(f.note(f.engine->auth().list_users(*p, f.tenant)).status().code() ==
        Code::permission_denied);
  CHECK(f.engine->auth().list_api_keys(admin.principal, f.tenant)->front().last_used_at ==
        f.clock->now());
  // Revocation takes effect on the next call, even for a principal already obtained.
  REQUIRE(f.engine->auth().revoke_api_key(admin.principal, f.tenant, created->info.id).ok());
  CHECK(f.note(f.engine->auth().authenticate_api_key(created->key)).status().code() ==
        Code::unauthenticated);
  CHECK(f.note(f.engine->reserve(*p, f.tenant, req)).status().code() == Code::unauthenticated);
  // Never more than the creator had: an admin cannot grant tenants:manage.
  auto beyond = f.note(f.engine->auth().create_api_key(
      admin.principal, f.tenant,
      NewApiKey{"x", static_cast<PermissionSet>(Permission::tenants_manage), {}}));
  CHECK(beyond.status().code() == Code::permission_denied);
  (void)secret;
}

TEST_CASE("auth: API keys expire - and shrink with their creator's role", "[auth]") {
  AuthFixture f;
  User admin_user = f.user("admin@example.com", Role::admin);
  auto [admin, secret] = f.enrol("admin@example.com");
  auto key = *f.engine->auth().create_api_key(
      admin.principal, f.tenant,
      NewApiKey{"ops", Permission::catalog_write | Permission::resources_read, hours(2)});
  f.secrets.push_back(key.key);
  Principal p = *f.engine->auth().authenticate_api_key(key.key);
  Resource spec;
  spec.name = "Room";
  spec.zone = "UTC";
  CHECK(f.engine->create_resource(p, f.tenant, spec).ok());
  REQUIRE(f.engine->auth().set_user_role(sys(), f.tenant, admin_user.id, Role::staff).ok());
  CHECK(f.note(f.engine->create_resource(p, f.tenant, spec)).status().code() ==
        Code::permission_denied);
  CHECK(f.engine->list_resources(p, f.tenant).ok());
  f.advance(hours(2));
  CHECK(f.note(f.engine->list_resources(p, f.tenant)).status().code() == Code::unauthenticated);
  CHECK(f.note(f.engine->auth().authenticate_api_key(key.key)).status().code() ==
        Code::unauthenticated);
  (void)secret;
}

TEST_CASE("auth: the emergency key is a superadmin key that expires and is always recorded",
          "[auth]") {
  AuthFixture f;
  auto key = f.engine->auth().generate_emergency_key(sys(), f.tenant);
  REQUIRE(key.ok());
  f.secrets.push_back(key->key);
  CHECK(key->info.emergency);
  CHECK(*key->info.expires_at == f.clock->now() + hours(1));
  CHECK(events_of(f, "emergency_key_created").size() == 1);
  Principal p = *f.engine->auth().authenticate_api_key(key->key, "192.0.2.1");
  CHECK(events_of(f, "emergency_key_used").size() == 1);
  CHECK(f.engine->auth().authenticate_api_key(key->key, "192.0.2.1").ok());
  CHECK(events_of(f, "emergency_key_used").size() == 2);  // every use, not once a minute
  // Superadmin: acts in every tenant.
  CHECK(f.engine->auth().list_users(p, f.other).ok());
  CHECK(f.engine->list_tenants(p).ok());
  f.advance(minutes(60));
  CHECK(f.note(f.engine->auth().list_users(p, f.tenant)).status().code() == Code::unauthenticated);
  // Staff cannot mint one; a keyed principal cannot either.
  f.user("staff@example.com", Role::staff);
  SessionGrant s = f.login_ok("staff@example.com");
  CHECK(f.note(f.engine->auth().generate_emergency_key(s.principal, f.tenant)).status().code() ==
        Code::permission_denied);
}

// ---- reports -------------------------------------------------------------------------------

TEST_CASE("auth: failed logins, locked accounts, MFA adoption, admins, revoke admin", "[auth]") {
  AuthFixture f;
  f.user("root@example.com", Role::superadmin);
  User admin = f.user("admin@example.com", Role::admin);
  f.user("staff@example.com", Role::staff);
  f.user("c1@example.com", Role::customer);
  f.user("c2@example.com", Role::customer);
  f.user("other-admin@example.com", Role::admin, "correct horse battery", f.other);
  auto [root, secret] = f.enrol("root@example.com");
  f.enrol("staff@example.com");
  const Instant start = f.clock->now();
  for (int i = 0; i < 5; ++i) (void)f.login("c1@example.com", "wrong password!!");
  (void)f.login("ghost@example.com", "wrong password!!");
  auto failed = f.engine->auth().security_events(root.principal, f.tenant, start,
                                                 f.clock->now() + Seconds(1), "login_failed");
  REQUIRE(failed.ok());
  CHECK(failed->size() == 6);
  CHECK(failed->back().email == "ghost@example.com");
  CHECK(failed->back().source == "198.51.100.7");
  auto locked = f.engine->auth().locked_accounts(root.principal, f.tenant);
  REQUIRE(locked.ok());
  REQUIRE(locked->size() == 1);
  CHECK(locked->front().email == "c1@example.com");
  auto stats = f.engine->auth().mfa_stats(root.principal, f.tenant);
  REQUIRE(stats.ok());
  CHECK(stats->with_mfa == 2);
  CHECK(stats->without_mfa == 3);
  CHECK(stats->by_role[static_cast<int>(Role::superadmin)].with_mfa == 1);
  CHECK(stats->by_role[static_cast<int>(Role::staff)].with_mfa == 1);
  CHECK(stats->by_role[static_cast<int>(Role::customer)].without_mfa == 2);
  CHECK(f.engine->auth().list_admins(root.principal, f.tenant)->size() == 2);
  CHECK(f.engine->auth().list_admins(root.principal, std::nullopt)->size() == 3);
  auto revoked = f.engine->auth().revoke_admin(root.principal, f.tenant, admin.id);
  REQUIRE(revoked.ok());
  CHECK(revoked->role == Role::staff);
  CHECK(f.engine->auth().list_admins(root.principal, f.tenant)->size() == 1);
  CHECK(events_of(f, "admin_revoked").size() == 1);
  (void)secret;
}

// ---- hardening: keys, sessions, codes, key rotation ------------------------------------------

TEST_CASE("auth: a locked creator's API keys stop working - an automatic lock only while it lasts",
          "[auth]") {
  AuthFixture f;
  User staff = f.user("staff@example.com", Role::admin);
  auto [s, secret] = f.enrol("staff@example.com");
  auto key = *f.engine->auth().create_api_key(
      s.principal, f.tenant,
      NewApiKey{"kiosk", static_cast<PermissionSet>(Permission::resources_read), std::nullopt});
  f.secrets.push_back(key.key);
  Principal p = *f.engine->auth().authenticate_api_key(key.key);
  CHECK(f.engine->list_resources(p, f.tenant).ok());
  // An admin lock: the key stops at once, on both paths (authenticate, and a principal held).
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, staff.id, UserState::locked).ok());
  CHECK(f.note(f.engine->auth().authenticate_api_key(key.key)).status().code() ==
        Code::unauthenticated);
  CHECK(f.note(f.engine->list_resources(p, f.tenant)).status().code() == Code::unauthenticated);
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, staff.id, UserState::active).ok());
  CHECK(f.engine->list_resources(p, f.tenant).ok());
  // An automatic lockout (five wrong passwords): refused while it lasts, working after.
  f.advance(minutes(1));
  for (int i = 0; i < 5; ++i)
    (void)f.login("staff@example.com", "wrong horse battery " + std::to_string(i));
  REQUIRE(f.engine->auth().get_user(sys(), f.tenant, staff.id)->state == UserState::locked);
  CHECK(f.note(f.engine->list_resources(p, f.tenant)).status().code() == Code::unauthenticated);
  f.advance(Seconds(2));  // the first lock lasts 1 s
  CHECK(f.engine->list_resources(p, f.tenant).ok());
  CHECK(f.engine->auth().authenticate_api_key(key.key).ok());
  (void)secret;
}

TEST_CASE("auth: a key created with a key is revoked with it - transitively - and across tenants",
          "[auth]") {
  AuthFixture f;
  f.user("root@example.com", Role::superadmin);
  auto [root, secret] = f.enrol("root@example.com");
  const PermissionSet scopes = Permission::keys_manage | Permission::resources_read;
  auto parent = *f.engine->auth().create_api_key(root.principal, f.tenant,
                                                 NewApiKey{"parent", scopes, std::nullopt});
  f.secrets.push_back(parent.key);
  CHECK(parent.info.parent == 0);
  Principal pp = *f.engine->auth().authenticate_api_key(parent.key);
  auto child =
      *f.engine->auth().create_api_key(pp, f.tenant, NewApiKey{"child", scopes, std::nullopt});
  f.secrets.push_back(child.key);
  CHECK(child.info.parent == parent.info.id);
  Principal cp = *f.engine->auth().authenticate_api_key(child.key);
  auto grandchild =
      *f.engine->auth().create_api_key(cp, f.tenant, NewApiKey{"grandchild", scopes, std::nullopt});
  f.secrets.push_back(grandchild.key);
  // A child in another tenant (superadmin keys act everywhere): the ancestor check stops it.
  auto elsewhere =
      *f.engine->auth().create_api_key(pp, f.other, NewApiKey{"elsewhere", scopes, std::nullopt});
  f.secrets.push_back(elsewhere.key);
  CHECK(elsewhere.info.parent == parent.info.id);
  Principal ep = *f.engine->auth().authenticate_api_key(elsewhere.key);
  CHECK(f.engine->list_resources(ep, f.other).ok());
  // A sibling created by the user, not by the key, survives.
  auto sibling = *f.engine->auth().create_api_key(root.principal, f.tenant,
                                                  NewApiKey{"sibling", scopes, std::nullopt});
  f.secrets.push_back(sibling.key);

  REQUIRE(f.engine->auth().revoke_api_key(sys(), f.tenant, parent.info.id).ok());
  for (const auto* k : {&parent, &child, &grandchild, &elsewhere}) {
    INFO(k->info.name);
    CHECK(f.note(f.engine->auth().authenticate_api_key(k->key)).status().code() ==
          Code::unauthenticated);
  }
  CHECK(f.note(f.engine->list_resources(cp, f.tenant)).status().code() == Code::unauthenticated);
  CHECK(f.note(f.engine->list_resources(ep, f.other)).status().code() == Code::unauthenticated);
  CHECK(f.engine->auth().authenticate_api_key(sibling.key).ok());
  // In its tenant the cascade is on the record and in the listing.
  auto keys = *f.engine->auth().list_api_keys(sys(), f.tenant);
  int revoked = 0;
  for (const auto& k : keys) revoked += k.revoked_at ? 1 : 0;
  CHECK(revoked == 3);
  CHECK(events_of(f, "api_key_revoked").size() == 3);
  (void)secret;
}

TEST_CASE("auth: keys a superadmin creates in another tenant work there - emergency keys too",
          "[auth]") {
  AuthFixture f;
  User root_user = f.user("root@example.com", Role::superadmin);
  auto [root, secret] = f.enrol("root@example.com");
  auto key = f.engine->auth().create_api_key(
      root.principal, f.other,
      NewApiKey{"ops", static_cast<PermissionSet>(Permission::resources_read), std::nullopt});
  REQUIRE(key.ok());
  f.secrets.push_back(key->key);
  CHECK(key->info.tenant == f.other);
  CHECK(key->info.created_by == root_user.id);
  CHECK(key->info.created_by_tenant == f.tenant);
  Principal p = *f.engine->auth().authenticate_api_key(key->key);
  CHECK(p.tenant() == f.other);
  CHECK(f.engine->list_resources(p, f.other).ok());
  auto emergency = f.engine->auth().generate_emergency_key(root.principal, f.other);
  REQUIRE(emergency.ok());
  f.secrets.push_back(emergency->key);
  Principal e = *f.engine->auth().authenticate_api_key(emergency->key);
  CHECK(f.engine->auth().list_users(e, f.other).ok());
  // And the creator's state still governs them from the other tenant.
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, root_user.id, UserState::disabled).ok());
  CHECK(f.note(f.engine->auth().authenticate_api_key(key->key)).status().code() ==
        Code::unauthenticated);
  CHECK(f.note(f.engine->auth().list_users(e, f.other)).status().code() == Code::unauthenticated);
  (void)secret;
}

TEST_CASE("auth: a tenant admin neither lists nor ends a superadmin's sessions", "[auth]") {
  AuthFixture f;
  User root_user = f.user("root@example.com", Role::superadmin);
  User admin_user = f.user("admin@example.com", Role::admin);
  User staff_user = f.user("staff@example.com", Role::staff);
  SessionGrant root = f.login_ok("root@example.com");
  auto [admin, secret] = f.enrol("admin@example.com");
  SessionGrant staff = f.login_ok("staff@example.com");
  // Listing everyone's sessions shows the staff member's and the admin's own, not root's.
  auto all = f.engine->auth().list_sessions(admin.principal, f.tenant, std::nullopt);
  REQUIRE(all.ok());
  bool sees_root = false, sees_staff = false;
  for (const Session& s : *all) {
    sees_root |= s.user == root_user.id;
    sees_staff |= s.user == staff_user.id;
  }
  CHECK_FALSE(sees_root);
  CHECK(sees_staff);
  CHECK(f.note(f.engine->auth().list_sessions(admin.principal, f.tenant, root_user.id))
            .status()
            .code() == Code::permission_denied);
  CHECK(f.note(f.engine->auth().end_session(admin.principal, f.tenant, root.session.id)).code() ==
        Code::permission_denied);
  CHECK(f.note(f.engine->auth().end_user_sessions(admin.principal, f.tenant, root_user.id))
            .status()
            .code() == Code::permission_denied);
  CHECK(f.engine->auth().authenticate_session(root.token).ok());
  // Force logout by the admin ends the staff session and spares root's (and its own).
  CHECK(f.engine->auth().force_logout_all(admin.principal, f.tenant).ok());
  CHECK(f.engine->auth().authenticate_session(staff.token).status().code() ==
        Code::unauthenticated);
  CHECK(f.engine->auth().authenticate_session(root.token).ok());
  CHECK(f.engine->auth().authenticate_session(admin.token).ok());
  // The same admin still manages staff sessions.
  SessionGrant staff2 = f.login_ok("staff@example.com");
  CHECK(f.engine->auth().end_session(admin.principal, f.tenant, staff2.session.id).ok());
  (void)admin_user;
  (void)secret;
}

TEST_CASE("auth: recovery codes carry 120 random bits - codes issued before still work", "[auth]") {
  AuthFixture f;
  f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  auto e = *f.engine->auth().begin_totp_enrollment(g.principal);
  f.secrets.push_back(e.secret_base32);
  auto done = *f.engine->auth().confirm_totp_enrollment(g.principal, f.code_for(e.secret_base32));
  REQUIRE(done.recovery_codes.size() == 10);
  std::set<std::string> distinct;
  for (const std::string& code : done.recovery_codes) {
    f.secrets.push_back(code);
    // "abcdef-ghijkl-mnopqr-stuvwx": 24 base32 letters are 120 bits.
    REQUIRE(code.size() == 27);
    std::string letters;
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (i % 7 == 6) {
        CHECK(code[i] == '-');
      } else {
        letters += code[i];
      }
    }
    CHECK(letters.size() == 24);
    auto bytes = detail::base32_decode(letters);
    REQUIRE(bytes);
    CHECK(bytes->size() == 15);
    distinct.insert(code);
  }
  CHECK(distinct.size() == 10);
  // Upper case and without dashes, as people type them.
  std::string typed;
  for (char c : done.recovery_codes[3]) {
    if (c != '-') typed += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  f.advance(Seconds(30));
  CHECK(f.login("ana@example.com", "correct horse battery", typed).ok());
  CHECK(f.note(f.login("ana@example.com", "correct horse battery", typed)).status().code() ==
        Code::unauthenticated);
}

TEST_CASE("auth: rotate_encryption_key re-seals every secret - resumable - then the old key can go",
          "[auth]") {
  TempDb db;
  AuthFixture f(db.uri());
  std::vector<std::string> secrets;
  for (const char* email : {"a@example.com", "b@example.com", "c@example.com"}) {
    f.user(email, Role::staff);
    secrets.push_back(f.enrol(email).second);
  }
  // d has an enrolment in progress: its pending secret is re-sealed too.
  f.user("d@example.com", Role::staff);
  SessionGrant d = f.login_ok("d@example.com");
  auto pending = *f.engine->auth().begin_totp_enrollment(d.principal);
  f.secrets.push_back(pending.secret_base32);

  AuthOptions rotated = cheap_options();
  rotated.encryption_key = std::string(32, 'K');
  rotated.encryption_key_id = "k2";
  rotated.previous_encryption_keys = {{"k1", kKeyHex}};
  f.secrets.push_back(rotated.encryption_key);
  f.reopen(rotated);
  // Staff cannot; the system principal can, a batch at a time.
  SessionGrant staff = f.login_ok("a@example.com", "correct horse battery");
  CHECK(f.note(f.engine->auth().rotate_encryption_key(staff.principal, 10)).status().code() ==
        Code::permission_denied);
  CHECK(f.note(f.engine->auth().rotate_encryption_key(sys(), 0)).status().code() ==
        Code::invalid_argument);
  auto first = f.engine->auth().rotate_encryption_key(sys(), 3);
  REQUIRE(first.ok());
  CHECK(first->key_id == "k2");
  CHECK(first->resealed == 3);
  CHECK(first->remaining == 1);
  auto second = f.engine->auth().rotate_encryption_key(sys(), 3);
  REQUIRE(second.ok());
  CHECK(second->resealed == 1);
  CHECK(second->remaining == 0);
  CHECK(f.engine->auth().rotate_encryption_key(sys(), 3)->resealed == 0);
  int rotations = 0;
  for (const SecurityEvent& e : events_of(f, "encryption_key_rotated")) {
    rotations += e.outcome == AuditOutcome::success ? 1 : 0;
  }
  CHECK(rotations == 2);  // one per batch (the staff member's attempt is a denial)
  // No stored secret is sealed under k1 any more.
  REQUIRE(f.storage
              ->read(TxnScope::all_tenants(),
                     [&](StorageTransaction& txn) -> Status {
                       auto users = txn.list_users(f.tenant);
                       REQUIRE(users.ok());
                       for (const StoredUser& u : *users) {
                         for (const std::string* sealed : {&u.totp_secret, &u.totp_pending}) {
                           if (!sealed->empty())
                             CHECK(detail::SecretBox::key_id_of(*sealed) == "k2");
                         }
                       }
                       return Status::Ok();
                     })
              .ok());
  // Without the old key every factor works, and d's enrolment completes.
  AuthOptions only_new = cheap_options();
  only_new.encryption_key = std::string(32, 'K');
  only_new.encryption_key_id = "k2";
  f.reopen(only_new);
  f.advance(Seconds(30));
  const char* emails[] = {"a@example.com", "b@example.com", "c@example.com"};
  for (int i = 0; i < 3; ++i) {
    INFO(emails[i]);
    CHECK(f.login(emails[i], "correct horse battery", f.code_for(secrets[i])).ok());
  }
  SessionGrant d2 = f.login_ok("d@example.com");
  CHECK(f.engine->auth()
            .confirm_totp_enrollment(d2.principal, f.code_for(pending.secret_base32))
            .ok());
}

TEST_CASE("auth: a wrong current password counts as a failure - and stops at the lock", "[auth]") {
  AuthFixture f;
  User u = f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  for (int i = 0; i < 5; ++i) {
    CHECK(
        f.note(f.engine->auth().change_password(
                   g.principal, "wrong horse battery " + std::to_string(i), "a brand new password"))
            .code() == Code::unauthenticated);
  }
  CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->failed_logins == 5);
  // Locked now: even the right current password is refused until the lock lapses, and is
  // not verified (no further failure counted).
  CHECK(f.note(f.engine->auth().change_password(g.principal, "correct horse battery",
                                                "a brand new password"))
            .code() == Code::unauthenticated);
  CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->failed_logins == 5);
  f.advance(Seconds(2));
  REQUIRE(f.engine->auth()
              .change_password(g.principal, "correct horse battery", "a brand new password")
              .ok());
  f.secrets.push_back("a brand new password");
  CHECK(f.engine->auth().get_user(sys(), f.tenant, u.id)->failed_logins == 0);
}

TEST_CASE("auth: users and API keys are listed a page at a time", "[auth]") {
  AuthFixture f;
  std::vector<UserId> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(f.user("u" + std::to_string(i) + "@example.com", Role::staff).id);
  auto first = f.engine->auth().list_users(sys(), f.tenant, UserId{}, 2).value();
  REQUIRE(first.size() == 2);
  CHECK(first[0].id == ids[0]);
  auto rest = f.engine->auth().list_users(sys(), f.tenant, first.back().id, 10).value();
  REQUIRE(rest.size() == 3);
  CHECK(rest.back().id == ids[4]);
  CHECK(f.note(f.engine->auth().list_users(sys(), f.tenant, UserId{}, 0)).status().code() ==
        Code::invalid_argument);
  CHECK(f.note(f.engine->auth().list_users(sys(), f.tenant, UserId{}, 10001)).status().code() ==
        Code::invalid_argument);
  for (int i = 0; i < 3; ++i) {
    auto k = f.engine->auth().create_api_key(
        sys(), f.tenant,
        NewApiKey{"k" + std::to_string(i), static_cast<PermissionSet>(Permission::resources_read),
                  std::nullopt});
    REQUIRE(k.ok());
    f.secrets.push_back(k->key);
  }
  auto keys = f.engine->auth().list_api_keys(sys(), f.tenant, ApiKeyId{}, 2).value();
  REQUIRE(keys.size() == 2);
  CHECK(f.engine->auth().list_api_keys(sys(), f.tenant, keys.back().id, 2)->size() == 1);
}

// ---- the credential cache (AuthOptions::credential_cache) ----------------------------------

namespace {

AuthOptions cached_options(Seconds ttl) {
  AuthOptions o = cheap_options();
  o.credential_cache = ttl;
  return o;
}

}  // namespace

TEST_CASE("auth: with the credential cache, what is revoked through this engine ends at once",
          "[auth]") {
  AuthFixture f("memory:", cached_options(Seconds(60)));
  User ana = f.user("ana@example.com", Role::staff);
  ReservationFilter all;
  // Logout: the token and the principal stop working on their next use.
  SessionGrant g = f.login_ok("ana@example.com");
  Principal p = *f.engine->auth().authenticate_session(g.token);
  REQUIRE(f.engine->auth().authenticate_session(g.token).ok());  // now cached
  REQUIRE(f.engine->list_reservations(p, f.tenant, all).ok());
  REQUIRE(f.engine->auth().logout(p).ok());
  CHECK(f.note(f.engine->auth().authenticate_session(g.token)).status().code() ==
        Code::unauthenticated);
  CHECK(f.note(f.engine->list_reservations(p, f.tenant, all)).status().code() ==
        Code::unauthenticated);
  // Ended by an administrator.
  g = f.login_ok("ana@example.com");
  p = *f.engine->auth().authenticate_session(g.token);
  REQUIRE(f.engine->list_reservations(p, f.tenant, all).ok());
  REQUIRE(f.engine->auth().end_session(sys(), f.tenant, g.session.id).ok());
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->list_reservations(p, f.tenant, all).status().code() == Code::unauthenticated);
  // A role change takes effect on the next call: a customer sees only their own.
  g = f.login_ok("ana@example.com");
  p = *f.engine->auth().authenticate_session(g.token);
  REQUIRE(f.engine->list_reservations(p, f.tenant, all).ok());
  REQUIRE(f.engine->auth().set_user_role(sys(), f.tenant, ana.id, Role::customer).ok());
  CHECK(f.engine->list_reservations(p, f.tenant, all).status().code() == Code::unauthenticated);
  // Disabled.
  g = f.login_ok("ana@example.com");
  p = *f.engine->auth().authenticate_session(g.token);
  REQUIRE(f.engine->auth().authenticate_session(g.token).ok());
  REQUIRE(f.engine->auth().set_user_state(sys(), f.tenant, ana.id, UserState::disabled).ok());
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->list_reservations(p, f.tenant, all).status().code() == Code::unauthenticated);
  // A revoked API key.
  f.user("admin@example.com", Role::admin);
  auto [admin, secret] = f.enrol("admin@example.com");
  auto created = f.engine->auth().create_api_key(
      admin.principal, f.tenant,
      NewApiKey{"widget", Permission::availability_read | Permission::reservations_own,
                std::nullopt});
  REQUIRE(created.ok());
  f.secrets.push_back(created->key);
  Principal key = *f.engine->auth().authenticate_api_key(created->key);
  REQUIRE(f.engine->list_reservations(key, f.tenant, all).ok());
  REQUIRE(f.engine->auth().revoke_api_key(admin.principal, f.tenant, created->info.id).ok());
  CHECK(f.engine->list_reservations(key, f.tenant, all).status().code() == Code::unauthenticated);
}

TEST_CASE("auth: with the credential cache, a cached session still expires on time", "[auth]") {
  AuthFixture f("memory:", cached_options(Seconds(60)));
  f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  Principal p = *f.engine->auth().authenticate_session(g.token);
  ReservationFilter all;
  REQUIRE(f.engine->list_reservations(p, f.tenant, all).ok());
  // The clock passes the 30-minute idle limit; the cache is still fresh in wall time.
  f.advance(Seconds(31 * 60));
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->list_reservations(p, f.tenant, all).status().code() == Code::unauthenticated);
}

TEST_CASE(
    "auth: with the credential cache, a revocation through another engine arrives within "
    "its time",
    "[auth]") {
  TempDb db;
  AuthFixture f(db.uri(), cached_options(Seconds(1)));
  f.user("ana@example.com", Role::staff);
  SessionGrant g = f.login_ok("ana@example.com");
  Principal p = *f.engine->auth().authenticate_session(g.token);
  ReservationFilter all;
  REQUIRE(f.engine->list_reservations(p, f.tenant, all).ok());
  // Another engine on the same file (another process or host) ends the session.
  auto other = Engine::open(db.uri(), EngineOptions{f.clock, cheap_options()}).value();
  REQUIRE(other->auth().end_session(sys(), f.tenant, g.session.id).ok());
  CHECK(other->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  // This engine may use what it verified for up to its cache time, no longer.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(f.engine->auth().authenticate_session(g.token).status().code() == Code::unauthenticated);
  CHECK(f.engine->list_reservations(p, f.tenant, all).status().code() == Code::unauthenticated);
}

TEST_CASE("auth: credential_cache is 0..60 seconds", "[auth]") {
  auto engine = Engine::open("memory:", EngineOptions{nullptr, cached_options(Seconds(61))});
  CHECK(engine.status().code() == Code::invalid_argument);
  CHECK_THAT(engine.status().message(), Catch::Contains("credential_cache"));
  CHECK(Engine::open("memory:", EngineOptions{nullptr, cached_options(Seconds(-1))})
            .status()
            .code() == Code::invalid_argument);
}
