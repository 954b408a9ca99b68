// Clock faults: the engine's clock (EngineOptions::clock) jumping back and forward by hours,
// on a real SQLite file. Every deadline boka keeps (a hold's expiry, a session's idle and
// absolute expiry, a lockout, the TOTP lock) is an instant compared with the clock's reading
// at each call: a jump back expires nothing and lengthens what is running, a jump forward
// ends exactly what lies behind the new reading. What a lapse already gave away stays given
// away (a lapsed hold whose place was taken is not confirmed when the clock comes back), a
// swept hold or a cleaned-up session stays gone, and a TOTP step once used stays used.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "auth/crypto.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kPassword = "correct horse battery";

AuthOptions cheap_auth() {
  AuthOptions o;
  o.argon2_memory_kib = 64;  // tests only: the default is 19456
  o.argon2_iterations = 1;
  o.encryption_key = kKeyHex;
  return o;
}

// An engine on a fresh SQLite file with a manual clock (thread-safe: an atomic).
struct ClockFixture {
  TempDb file;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 9, 0));
  std::unique_ptr<Engine> engine;
  TenantId tenant{};

  ClockFixture() {
    engine = Engine::open(file.uri(), EngineOptions{clock, cheap_auth()}).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"})->id;
  }
  ~ClockFixture() {
    auto verified = engine->operations().verify_audit(sys());
    CHECK((verified.ok() && verified->ok));
  }
  void jump(Seconds by) { clock->set(clock->now() + by); }
  ResourceId room(int capacity) {
    Resource spec;
    spec.name = "Room " + std::to_string(capacity);
    spec.zone = "UTC";
    spec.capacity = capacity;
    return engine->create_resource(sys(), tenant, spec)->id;
  }
  Result<Reservation> book(ResourceId r, Instant start, std::optional<Seconds> hold = {},
                           int quantity = 1) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(r, quantity)};
    req.start = start;
    req.end = start + hours(1);
    req.hold_for = hold;
    return engine->reserve(sys(), tenant, req);
  }
  ReservationStatus status_of(ReservationId id) {
    return engine->get_reservation(sys(), tenant, id)->status;
  }
  void user(const std::string& email, Role role = Role::staff) {
    REQUIRE(engine->auth().create_user(sys(), tenant, NewUser{email, "Name", role, kPassword}).ok());
  }
  Result<SessionGrant> login(const std::string& email, const std::string& password = kPassword,
                             const std::string& code = "") {
    return engine->auth().login(LoginRequest{tenant, email, password, code, "198.51.100.7"});
  }
  std::string code_for(const std::string& secret_base32, Seconds offset = Seconds(0)) {
    auto secret = detail::base32_decode(secret_base32);
    REQUIRE(secret);
    return detail::hotp(detail::HashAlgorithm::sha1, *secret,
                        detail::totp_step(to_unix(clock->now() + offset)));
  }
};

}  // namespace

TEST_CASE("clock faults: a hold lapses at its deadline on the clock - back expires none, "
          "forward exactly those behind") {
  ClockFixture f;
  const ResourceId room = f.room(5);
  const Instant slot = utc(2026, 3, 3, 10);
  const Instant t0 = f.clock->now();
  const ReservationId h10 = f.book(room, slot, minutes(10))->id;
  const ReservationId h60 = f.book(room, slot, minutes(60))->id;
  const ReservationId h120 = f.book(room, slot, minutes(120))->id;

  // Three hours back: nothing lapses, nothing is swept, the holds still take their places.
  f.jump(-hours(3));
  for (ReservationId id : {h10, h60, h120}) CHECK(f.status_of(id) == ReservationStatus::held);
  CHECK(f.engine->expire_holds(sys()).value() == 0);
  CHECK(f.book(room, slot, {}, 3).status().code() == Code::conflict);  // 3 held of 5
  // Forward to one minute past the second deadline: exactly the first two lapse.
  f.clock->set(t0 + minutes(61));
  CHECK(f.status_of(h10) == ReservationStatus::expired);
  CHECK(f.status_of(h60) == ReservationStatus::expired);
  CHECK(f.status_of(h120) == ReservationStatus::held);
  CHECK(f.engine->expire_holds(sys()).value() == 2);
  auto four = f.book(room, slot, {}, 4);  // 1 held of 5
  REQUIRE(four.ok());
  // Back again before those deadlines: swept holds stay expired and cannot be confirmed.
  f.clock->set(t0 + minutes(5));
  CHECK(f.status_of(h10) == ReservationStatus::expired);
  CHECK(f.status_of(h60) == ReservationStatus::expired);
  CHECK(f.engine->confirm(sys(), f.tenant, h60).status().code() == Code::conflict);
  CHECK(f.engine->expire_holds(sys()).value() == 0);
  // The live one confirms; the slot is then full.
  CHECK(f.engine->confirm(sys(), f.tenant, h120).ok());
  CHECK(f.book(room, slot).status().code() == Code::conflict);
}

TEST_CASE("clock faults: a lapsed hold whose place was taken is not confirmed when the clock "
          "goes back") {
  ClockFixture f;
  const ResourceId room = f.room(1);
  const Instant slot = utc(2026, 3, 3, 10);
  const Instant t0 = f.clock->now();
  const ReservationId held = f.book(room, slot, minutes(30))->id;
  // Past its deadline, not swept: the place is free, and someone takes it.
  f.clock->set(t0 + minutes(31));
  auto taken = f.book(room, slot);
  REQUIRE(taken.ok());
  // The clock is set back inside the hold's time: the hold reads as held again, but its
  // place is gone. Confirming it would put two bookings in a room for one.
  f.clock->set(t0 + minutes(10));
  CHECK(f.status_of(held) == ReservationStatus::held);
  auto confirmed = f.engine->confirm(sys(), f.tenant, held);
  INFO(confirmed.status().to_string());
  CHECK(confirmed.status().code() == Code::conflict);
  ReservationFilter firm;
  firm.statuses = {ReservationStatus::confirmed};
  CHECK(f.engine->list_reservations(sys(), f.tenant, firm)->size() == 1);
  // A hold that kept its place confirms as usual after the same jumps.
  const ResourceId other = f.room(1);
  const ReservationId kept = f.book(other, slot, minutes(30))->id;
  f.jump(hours(2));
  f.jump(-hours(2));
  CHECK(f.engine->confirm(sys(), f.tenant, kept).ok());

  // A held series the same way: one occurrence's place is taken while the holds had lapsed.
  const ResourceId third = f.room(1);
  SeriesRequest weekly;
  weekly.allocations = {AllocationRequest::of_resource(third)};
  weekly.first_date = LocalDate{2026, 3, 3};
  weekly.start_minute = 10 * 60;
  weekly.duration = hours(1);
  weekly.rule.frequency = Frequency::weekly;
  weekly.rule.count = 3;
  weekly.hold_for = minutes(30);
  const Instant t1 = f.clock->now();
  auto series = f.engine->series().book(sys(), f.tenant, weekly);
  REQUIRE(series.ok());
  f.clock->set(t1 + minutes(31));
  REQUIRE(f.book(third, utc(2026, 3, 10, 10)).ok());  // the second occurrence's place
  f.clock->set(t1 + minutes(10));
  auto all = f.engine->series().confirm(sys(), f.tenant, series->series.id);
  INFO(all.status().to_string());
  CHECK(all.status().code() == Code::conflict);
  CHECK(f.engine->list_reservations(sys(), f.tenant, firm)->size() == 3);  // nothing more
}

TEST_CASE("clock faults: sessions end at their deadlines on the clock - a jump back keeps them, "
          "forward ends them") {
  ClockFixture f;
  f.user("ana@example.com");
  const Instant t0 = f.clock->now();
  auto grant = f.login("ana@example.com");
  REQUIRE(grant.ok());
  const std::string token = grant->token;
  auto live = [&] { return f.engine->auth().authenticate_session(token).ok(); };
  // Back three hours: still live, and its deadlines did not move (idle 30 min from login).
  f.jump(-hours(3));
  CHECK(live());
  f.clock->set(t0 + minutes(29));
  CHECK(live());  // activity: idle expiry now 30 min from here
  f.clock->set(t0 + minutes(58));
  CHECK(live());
  // Forward five hours: past the idle deadline, refused.
  f.jump(hours(5));
  CHECK_FALSE(live());
  // Cleaned up, it stays gone whatever the clock says next.
  CHECK(f.engine->auth().cleanup_sessions(sys()).value() == 1);
  f.clock->set(t0 + minutes(60));
  CHECK_FALSE(live());

  // The absolute limit (12 h from login) is an instant too: activity across a jump back
  // never carries a session past it.
  auto second = f.login("ana@example.com");
  REQUIRE(second.ok());
  const Instant login_at = f.clock->now();
  for (int i = 0; i < 40; ++i) {  // active every 25 minutes, for more than 12 hours
    f.jump(minutes(25));
    if (i == 10) f.jump(-hours(2));  // and the clock set back on the way
    const bool ok = f.engine->auth().authenticate_session(second->token).ok();
    CHECK(ok == (f.clock->now() < login_at + hours(12)));
  }
}

TEST_CASE("clock faults: a TOTP step once used stays used after the clock goes back") {
  ClockFixture f;
  f.user("ana@example.com");
  auto g = f.login("ana@example.com");
  REQUIRE(g.ok());
  auto e = f.engine->auth().begin_totp_enrollment(g->principal);
  REQUIRE(e.ok());
  auto done = f.engine->auth().confirm_totp_enrollment(g->principal, f.code_for(e->secret_base32));
  REQUIRE(done.ok());
  const std::string secret = e->secret_base32;
  f.jump(Seconds(60));
  const Instant t0 = f.clock->now();
  const std::string used = f.code_for(secret);
  REQUIRE(f.login("ana@example.com", kPassword, used).ok());
  // An hour back: the code just used is refused, and so is the code of the clock's new
  // current step (it is older than the last accepted one). A recovery code still works.
  f.jump(-hours(1));
  CHECK(f.login("ana@example.com", kPassword, used).status().code() == Code::unauthenticated);
  CHECK(f.login("ana@example.com", kPassword, f.code_for(secret)).status().code() ==
        Code::unauthenticated);
  CHECK(f.login("ana@example.com", kPassword, done->recovery_codes.at(0)).ok());
  // Back at t0 + 30 s: the next step's code works, once; the used one still does not.
  f.clock->set(t0 + Seconds(30));
  CHECK(f.login("ana@example.com", kPassword, used).status().code() == Code::unauthenticated);
  const std::string next = f.code_for(secret);
  CHECK(f.login("ana@example.com", kPassword, next).ok());
  CHECK(f.login("ana@example.com", kPassword, next).status().code() == Code::unauthenticated);
  // Two hours forward: only the window of the new reading (+-1 step) is accepted.
  f.jump(hours(2));
  CHECK(f.login("ana@example.com", kPassword, f.code_for(secret, -Seconds(60)))
            .status()
            .code() == Code::unauthenticated);
  CHECK(f.login("ana@example.com", kPassword, f.code_for(secret)).ok());
}

TEST_CASE("clock faults: a lockout is never shortened by a jump back - a jump forward ends it") {
  ClockFixture f;
  f.user("ana@example.com");
  const Instant t0 = f.clock->now();
  for (int i = 0; i < 5; ++i) {
    CHECK(f.login("ana@example.com", "wrong password here").status().code() ==
          Code::unauthenticated);
  }
  // Locked for 1 s from t0. An hour back, the lock still stands: its end is t0 + 1 s on the
  // clock, and the right password is not even checked.
  f.jump(-hours(1));
  CHECK(f.login("ana@example.com").status().code() == Code::unauthenticated);
  f.clock->set(t0);
  CHECK(f.login("ana@example.com").status().code() == Code::unauthenticated);
  f.clock->set(t0 + Seconds(1));
  CHECK(f.login("ana@example.com").ok());

  // The MFA lock (5 wrong codes: 15 minutes) the same way; the wait it reports is positive.
  auto g = f.login("ana@example.com");
  REQUIRE(g.ok());
  auto e = f.engine->auth().begin_totp_enrollment(g->principal);
  REQUIRE(e.ok());
  auto done = f.engine->auth().confirm_totp_enrollment(g->principal, f.code_for(e->secret_base32));
  REQUIRE(done.ok());
  f.jump(Seconds(60));
  auto pending = f.login("ana@example.com");
  REQUIRE(pending.ok());
  for (int i = 0; i < 5; ++i) {
    CHECK(f.engine->auth().verify_mfa(pending->token, "000000").status().code() ==
          Code::unauthenticated);
  }
  const Instant locked_at = f.clock->now();
  f.jump(-hours(2));
  auto refused = f.engine->auth().verify_mfa(pending->token, f.code_for(e->secret_base32));
  CHECK(refused.status().code() == Code::rate_limited);
  CHECK_THAT(refused.status().message(), Catch::Contains("try again in 8100 s"));
  f.clock->set(locked_at + minutes(15));
  CHECK(f.engine->auth().verify_mfa(pending->token, f.code_for(e->secret_base32)).ok());
}

TEST_CASE("clock faults: threads book, hold, confirm and log in while the clock jumps by hours") {
  ClockFixture f;
  const std::vector<ResourceId> rooms = {f.room(1), f.room(2)};
  f.user("ana@example.com");
  f.user("bob@example.com");
  const Instant t0 = f.clock->now();
  // Every slot lies days ahead of any reading the clock takes here, so no booking is refused
  // for notice or lands in the past.
  const Instant day = utc(2026, 3, 9);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<ReservationId> firm;          // acknowledged confirmed bookings
  std::map<std::string, int> answers;       // code name -> count, over every thread
  auto count = [&](const Status& st) {
    std::lock_guard lock(mu);
    ++answers[code_name(st.code())];
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      for (int i = 0; i < 150; ++i) {
        const ResourceId room = rooms[rng() % rooms.size()];
        const Instant start = day + hours(static_cast<long>(rng() % 24));
        const bool hold = rng() % 2 == 0;
        auto r = f.book(room, start, hold ? std::optional<Seconds>(minutes(30)) : std::nullopt);
        count(r.status());
        if (!r.ok()) continue;
        if (!hold) {
          std::lock_guard lock(mu);
          firm.push_back(r->id);
          continue;
        }
        auto c = f.engine->confirm(sys(), f.tenant, r->id);
        count(c.status());
        if (c.ok()) {
          std::lock_guard lock(mu);
          firm.push_back(r->id);
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto g = f.login(i % 2 == 0 ? "ana@example.com" : "bob@example.com");
      count(g.status());
      if (g.ok()) count(f.engine->auth().authenticate_session(g->token).status());
    }
  });
  // The clock: back three hours, forward five, back two, ... while the others work.
  std::thread jumper([&] {
    const Seconds jumps[] = {-hours(3), hours(5), -hours(2), hours(1), -hours(4), hours(3)};
    for (int i = 0; !stop.load(); ++i) {
      f.jump(jumps[i % 6]);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (std::size_t i = 0; i < 3; ++i) threads[i].join();
  stop = true;
  threads[3].join();
  jumper.join();

  // Only right answers: bookings, conflicts (a full slot, a hold lapsed by a jump), logins.
  for (const auto& [code, n] : answers) {
    INFO(code << ": " << n);
    CHECK((code == std::string("ok") || code == std::string("conflict") ||
           code == std::string("unauthenticated")));
  }
  CHECK(answers["ok"] > 50);
  CHECK(answers["conflict"] > 0);  // the rooms filled up
  // Every acknowledged booking is confirmed, and no instant holds more confirmed bookings
  // than the room's capacity.
  f.clock->set(t0);
  std::map<std::pair<ResourceId, Instant>, int> per_slot;
  ReservationFilter all;
  all.limit = 10000;
  auto stored = f.engine->list_reservations(sys(), f.tenant, all).value();
  std::set<ReservationId> confirmed;
  for (const Reservation& r : stored) {
    if (r.status != ReservationStatus::confirmed) continue;
    confirmed.insert(r.id);
    ++per_slot[{r.allocations.at(0).resource, r.start}];
  }
  for (ReservationId id : firm) CHECK(confirmed.count(id) == 1);
  for (const auto& [key, n] : per_slot) {
    INFO("room " << key.first << " at " << format_utc(key.second));
    CHECK(n <= (key.first == rooms[0] ? 1 : 2));
  }
  // The metrics still render, and the login counter counted every login.
  const std::string text = f.engine->operations().metrics()->exposition();
  CHECK(text.find("auth_logins_total") != std::string::npos);
}
