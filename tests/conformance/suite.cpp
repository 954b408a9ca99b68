// Storage conformance: row round trips, tenant scoping, filters, uniqueness, rollback and
// read-only transactions; then the engine's observable behaviour on top of each store.
#include <catch2/catch.hpp>

#include <map>

#include <boka/conformance.hpp>
#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::conformance::conformance_stores;
using boka::conformance::for_each_store;

namespace {

Status write(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.write(WriteIntent(TxnScope::all_tenants()), work);
}
Status read(Storage& s, FunctionRef<Status(StorageTransaction&)> work) {
  return s.read(TxnScope::all_tenants(), work);
}

Resource sample_resource(TenantId tenant) {
  Resource r;
  r.tenant = tenant;
  r.name = "Court 1";
  r.zone = "Europe/Berlin";
  r.capacity = 3;
  r.policy.slot_step = Seconds(1800);
  r.policy.min_notice = Seconds(3600);
  r.policy.max_horizon = Seconds(86400 * 30);
  r.policy.buffer_before = Seconds(300);
  r.policy.buffer_after = Seconds(600);
  r.policy.min_duration = Seconds(1800);
  r.policy.max_duration = Seconds(7200);
  r.policy.daily_limit = 4;
  r.metadata_json = R"({"floor":2})";
  r.created_at = utc(2026, 1, 1);
  r.version = 1;
  return r;
}

}  // namespace

TEST_CASE("conformance: tenants round trip and names are unique") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId id = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(Tenant{0, "acme", utc(2026, 1, 1), std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    CHECK(id > 0);
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_tenant(Tenant{0, "acme", utc(2026, 1, 1), std::nullopt, 1}).status();
    });
    CHECK(dup.code() == Code::already_exists);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto found = t.find_tenant(id);
      REQUIRE(found.ok());
      REQUIRE(found->has_value());
      CHECK((*found)->name == "acme");
      CHECK((*found)->created_at == utc(2026, 1, 1));
      CHECK(t.list_tenants()->size() == 1);
      CHECK_FALSE(t.find_tenant(id + 100)->has_value());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: every resource field round trips - other tenants see nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a = 0, b = 0;
    ResourceId rid = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{0, "b", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(rid, t.insert_resource(sample_resource(a)));
      return Status::Ok();
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_resource(a, rid).value().value();
      const Resource want = sample_resource(a);
      CHECK(r.name == want.name);
      CHECK(r.zone == want.zone);
      CHECK(r.capacity == 3);
      CHECK(r.policy.slot_step == want.policy.slot_step);
      CHECK(r.policy.min_notice == want.policy.min_notice);
      CHECK(r.policy.max_horizon == want.policy.max_horizon);
      CHECK(r.policy.buffer_before == want.policy.buffer_before);
      CHECK(r.policy.buffer_after == want.policy.buffer_after);
      CHECK(r.policy.min_duration == want.policy.min_duration);
      CHECK(r.policy.max_duration == want.policy.max_duration);
      CHECK(r.policy.daily_limit == 4);
      CHECK(r.metadata_json == want.metadata_json);
      CHECK_FALSE(r.schedule.has_value());
      CHECK_FALSE(r.archived_at.has_value());
      CHECK_FALSE(t.find_resource(b, rid)->has_value());
      CHECK(t.list_resources(b)->empty());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: schedules and pools round trip with rules and member order") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant = 0;
    ScheduleId sid = 0;
    PoolId pid = 0;
    std::vector<ResourceId> members;
    Schedule sched;
    sched.name = "hours";
    sched.weekly.push_back({Weekday::monday, {{540, 720}, {780, 1020}}});
    sched.overrides.push_back({LocalDate{2026, 12, 24}, {{540, 720}}});
    HolidayRule h;
    h.name = "Thanksgiving";
    h.kind = HolidayRule::Kind::nth_weekday;
    h.month = 11;
    h.nth = 4;
    h.weekday = Weekday::thursday;
    sched.holidays.push_back(h);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      sched.tenant = tenant;
      BOKA_ASSIGN_OR_RETURN(sid, t.insert_schedule(sched));
      members.clear();
      for (int i = 0; i < 3; ++i) {
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_resource(sample_resource(tenant)));
        members.push_back(id);
      }
      std::reverse(members.begin(), members.end());
      BOKA_ASSIGN_OR_RETURN(pid, t.insert_pool(Pool{0, tenant, "p", members, std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto got = t.find_schedule(tenant, sid).value().value();
      REQUIRE(got.weekly.size() == 1);
      CHECK(got.weekly[0].intervals.size() == 2);
      CHECK(got.weekly[0].intervals[1].end_minute == 1020);
      REQUIRE(got.overrides.size() == 1);
      CHECK(got.overrides[0].date == LocalDate{2026, 12, 24});
      REQUIRE(got.holidays.size() == 1);
      CHECK(got.holidays[0].name == "Thanksgiving");
      CHECK(got.holidays[0].kind == HolidayRule::Kind::nth_weekday);
      CHECK(got.holidays[0].weekday == Weekday::thursday);
      auto pool = t.find_pool(tenant, pid).value().value();
      CHECK(pool.members == members);
      return Status::Ok();
    }).ok());
    // Replacing members keeps exactly the new list.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      return t.update_pool(Pool{pid, tenant, "p2", {members[1]}, std::nullopt, 2});
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto pool = t.find_pool(tenant, pid).value().value();
      CHECK(pool.name == "p2");
      CHECK(pool.members == std::vector<ResourceId>{members[1]});
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: reservations, allocations, filters, bookings and holds") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant = 0;
    ResourceId r1 = 0, r2 = 0;
    std::vector<ReservationId> ids;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      ids.clear();
      BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(tenant)));
      BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(tenant)));
      for (int i = 0; i < 6; ++i) {
        Reservation r;
        r.tenant = tenant;
        r.status = i == 0 ? ReservationStatus::held : (i == 5 ? ReservationStatus::cancelled : ReservationStatus::confirmed);
        if (i == 0) r.hold_expires_at = utc(2026, 1, 1, 0, 10);
        r.start = utc(2026, 1, 2, 8 + i);
        r.end = utc(2026, 1, 2, 9 + i);
        r.allocations = {Allocation{r1, 1, std::nullopt}};
        if (i % 2 == 1) r.allocations.push_back(Allocation{r2, 2, std::nullopt});
        r.customer = i < 3 ? "alice" : "bob";
        r.metadata_json = R"({"i":)" + std::to_string(i) + "}";
        r.created_at = r.updated_at = utc(2026, 1, 1);
        r.version = 1;
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_reservation(r));
        ids.push_back(id);
      }
      return t.insert_idempotency(tenant, IdempotencyRecord{"k1", "f1", ids[1]});
    }).ok());
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_idempotency(tenant, IdempotencyRecord{"k1", "f2", ids[2]});
    });
    CHECK(dup.code() == Code::already_exists);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto one = t.find_reservation(tenant, ids[1]).value().value();
      CHECK(one.start == utc(2026, 1, 2, 9));
      REQUIRE(one.allocations.size() == 2);
      CHECK(one.allocations[1].resource == r2);
      CHECK(one.allocations[1].quantity == 2);
      CHECK(one.metadata_json == R"({"i":1})");
      ReservationFilter f;
      f.resource = r2;
      CHECK(t.list_reservations(tenant, f)->size() == 3);
      f = {};
      f.customer = "bob";
      CHECK(t.list_reservations(tenant, f)->size() == 3);
      f = {};
      f.from = utc(2026, 1, 2, 9);
      f.to = utc(2026, 1, 2, 11);
      CHECK(t.list_reservations(tenant, f)->size() == 2);
      f = {};
      f.statuses = {ReservationStatus::held, ReservationStatus::cancelled};
      CHECK(t.list_reservations(tenant, f)->size() == 2);
      f = {};
      f.after_id = ids[2];
      f.limit = 2;
      auto page = t.list_reservations(tenant, f).value();
      REQUIRE(page.size() == 2);
      CHECK(page[0].id == ids[3]);
      CHECK(t.active_bookings(r1)->size() == 5);  // the cancelled one is not active
      CHECK(t.active_bookings(r2)->size() == 2);  // i = 1, 3; i = 5 is cancelled
      auto holds = t.expired_holds(utc(2026, 1, 1, 0, 10), 10).value();
      REQUIRE(holds.size() == 1);
      CHECK(holds[0].id == ids[0]);
      CHECK(t.expired_holds(utc(2026, 1, 1, 0, 9), 10)->empty());
      auto key = t.find_idempotency(tenant, "k1").value();
      REQUIRE(key.has_value());
      CHECK(key->reservation == ids[1]);
      CHECK_FALSE(t.find_idempotency(tenant + 1, "k1")->has_value());
      return Status::Ok();
    }).ok());
    // update_reservation replaces allocations.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_reservation(tenant, ids[1]).value().value();
      r.allocations = {Allocation{r2, 1, std::nullopt}};
      r.status = ReservationStatus::cancelled;
      r.version = 2;
      return t.update_reservation(r);
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto r = t.find_reservation(tenant, ids[1]).value().value();
      CHECK(r.allocations.size() == 1);
      CHECK(r.status == ReservationStatus::cancelled);
      CHECK(r.version == 2);
      CHECK(t.active_bookings(r1)->size() == 4);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: a failed write keeps nothing - reads cannot write") {
  for_each_store([](std::shared_ptr<Storage> s) {
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto id, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      BOKA_RETURN_IF_ERROR(t.insert_resource(sample_resource(id)).status());
      return Status(Code::conflict, "changed my mind");
    });
    CHECK(st.code() == Code::conflict);
    CHECK(st.message() == "changed my mind");
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_tenants()->empty());
      CHECK(t.insert_tenant(Tenant{0, "b", {}, std::nullopt, 1}).status().code() == Code::internal);
      return Status::Ok();
    }).ok());
    // The rolled-back name is free again.
    TenantId id = 0;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(Tenant{0, "a", {}, std::nullopt, 1}));
      return Status::Ok();
    }).ok());
    CHECK(id > 0);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_tenants()->size() == 1);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: a fault injected mid-transaction leaves nothing behind") {
  for_each_store([](std::shared_ptr<Storage> inner) {
    // Fails the allocation-bearing insert's follow-up: the idempotency record.
    class FailingIdempotency : public StorageWrapper {
     public:
      using StorageWrapper::StorageWrapper;
      Status write(const WriteIntent& intent, Work work) override {
        return StorageWrapper::write(intent, [&](StorageTransaction& t) -> Status {
          struct Txn : StorageTransactionWrapper {
            using StorageTransactionWrapper::StorageTransactionWrapper;
            Status insert_idempotency(TenantId, const IdempotencyRecord&) override {
              return Status(Code::unavailable, "injected fault");
            }
          } wrapped(t);
          return work(wrapped);
        });
      }
    };
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 1));
    auto engine = Engine::open(std::make_shared<FailingIdempotency>(inner), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{0, "a"}).value();
    Resource spec;
    spec.name = "room";
    spec.zone = "UTC";
    auto room = engine->create_resource(sys(), tenant.id, spec).value();
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room.id)};
    req.start = utc(2026, 1, 2, 10);
    req.end = utc(2026, 1, 2, 11);
    req.idempotency_key = "k";
    auto got = engine->reserve(sys(), tenant.id, req);
    CHECK(got.status().code() == Code::unavailable);
    CHECK(engine->list_reservations(sys(), tenant.id, {})->empty());
    // The engine's cached index must not have kept the failed booking either.
    req.idempotency_key.clear();
    CHECK(engine->reserve(sys(), tenant.id, req).ok());
  });
}

namespace {

// The stores whose transcripts must agree: boka's in-memory store as the reference, then
// every store under test, so that a run on a single store still compares it with something.
std::vector<conformance::StoreFactory> reference_and_stores() {
  std::vector<conformance::StoreFactory> all{
      {"memory (reference)", [] { return open_storage("memory:").value(); }}};
  for (auto& factory : conformance_stores()) all.push_back(std::move(factory));
  return all;
}

}  // namespace

TEST_CASE("conformance: the engine gives the same answers and ids on every store") {
  std::vector<std::string> transcripts;
  for (const auto& factory : reference_and_stores()) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
    auto engine = Engine::open(factory.make(), EngineOptions{clock}).value();
    auto tenant = engine->create_tenant(sys(), Tenant{0, "a"}).value();
    Resource spec;
    spec.name = "room";
    spec.zone = "America/New_York";
    spec.capacity = 2;
    auto room = engine->create_resource(sys(), tenant.id, spec).value();
    std::string out;
    for (int i = 0; i < 40; ++i) {
      const Instant start = utc(2026, 1, 6, 10) + minutes(15 * ((i * 7) % 16));
      ReserveRequest req;
      req.allocations = {AllocationRequest::of_resource(room.id, 1 + i % 2)};
      req.start = start;
      req.end = start + minutes(15 * (1 + i % 5));
      auto r = engine->reserve(sys(), tenant.id, req);
      out += r.ok() ? "ok " + std::to_string(r->id) : std::string(code_name(r.status().code()));
      if (!r.ok() && r.status().conflict() && r.status().conflict()->next_free_start) {
        out += "@" + format_utc(*r.status().conflict()->next_free_start);
      }
      if (r.ok() && i % 3 == 0) out += engine->cancel(sys(), tenant.id, r->id).ok() ? "c" : "!";
      out += "\n";
    }
    transcripts.push_back(out);
  }
  for (std::size_t i = 1; i < transcripts.size(); ++i) CHECK(transcripts[i] == transcripts[0]);
}

TEST_CASE("conformance: one random operation sequence gives identical results on every store") {
  std::vector<std::string> transcripts;
  for (const auto& factory : reference_and_stores()) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
    auto engine = Engine::open(factory.make(), EngineOptions{clock}).value();
    Tenant t;
    t.name = "a";
    const TenantId tenant = engine->create_tenant(sys(), t)->id;
    std::vector<ResourceId> rooms;
    for (int i = 0; i < 4; ++i) {
      Resource spec;
      spec.name = "r" + std::to_string(i);
      spec.zone = i % 2 ? "Europe/Berlin" : "America/New_York";
      spec.capacity = 1 + i % 3;
      spec.policy.buffer_after = i == 3 ? minutes(15) : Seconds(0);
      rooms.push_back(engine->create_resource(sys(), tenant, spec)->id);
    }
    const PoolId pool = engine->create_pool(sys(), tenant, Pool{0, 0, "p", {rooms[2], rooms[0]}})->id;
    std::uint64_t state = 12345;  // splitmix64: the same sequence on every store
    auto below = [&](std::uint64_t n) {
      std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return static_cast<std::int64_t>((z ^ (z >> 31)) % n);
    };
    std::vector<ReservationId> made;
    std::string out;
    auto outcome = [&](const Result<Reservation>& r) {
      if (!r.ok()) {
        std::string s = code_name(r.status().code());
        if (r.status().conflict() && r.status().conflict()->next_free_start) {
          s += "@" + format_utc(*r.status().conflict()->next_free_start);
        }
        return s;
      }
      std::string s = std::to_string(r->id) + ":" + status_name(r->status) + ":" +
                      format_utc(r->start) + ":v" + std::to_string(r->version);
      for (const auto& a : r->allocations) s += ":" + std::to_string(a.resource) + "x" + std::to_string(a.quantity);
      return s;
    };
    for (int op = 0; op < 300; ++op) {
      const std::int64_t kind = below(10);
      const Instant start = utc(2026, 1, 6, 8) + minutes(15 * below(40));
      const Instant end = start + minutes(15 * (1 + below(8)));
      if (kind < 5) {
        ReserveRequest req;
        req.start = start;
        req.end = end;
        if (below(4) == 0) {
          req.allocations = {AllocationRequest::of_pool(pool)};
        } else {
          const auto i = static_cast<std::size_t>(below(4));
          req.allocations = {AllocationRequest::of_resource(rooms[i], 1 + static_cast<int>(below(2)))};
          if (below(3) == 0) req.allocations.push_back(AllocationRequest::of_resource(rooms[(i + 1) % 4]));
        }
        if (below(3) == 0) req.hold_for = minutes(5 + 5 * below(4));
        auto r = engine->reserve(sys(), tenant, req);
        if (r.ok()) made.push_back(r->id);
        out += "reserve " + outcome(r);
      } else if (!made.empty() && kind < 9) {
        const ReservationId id = made[static_cast<std::size_t>(below(made.size()))];
        switch (kind) {
          case 5: out += "confirm " + outcome(engine->confirm(sys(), tenant, id)); break;
          case 6: out += "cancel " + outcome(engine->cancel(sys(), tenant, id)); break;
          case 7: out += "move " + outcome(engine->reschedule(sys(), tenant, id, start, end)); break;
          default: out += "get " + outcome(engine->get_reservation(sys(), tenant, id)); break;
        }
      } else {
        clock->advance(minutes(below(10)));
        out += "tick";
      }
      out += "\n";
    }
    auto swept = engine->expire_holds(sys());
    out += "swept " + std::to_string(swept.ok() ? *swept : -1) + "\n";
    transcripts.push_back(out);
  }
  REQUIRE(transcripts.size() >= 2);
  CHECK(transcripts[0].find("reserve conflict") != std::string::npos);
  for (std::size_t i = 1; i < transcripts.size(); ++i) CHECK(transcripts[i] == transcripts[0]);
}

// ---- authentication rows -------------------------------------------------------------------

namespace {

std::string hex64(char c) { return std::string(64, c); }

TenantId add_tenant(Storage& s, const std::string& name) {
  TenantId id = 0;
  Status st = write(s, [&](StorageTransaction& t) -> Status {
    BOKA_ASSIGN_OR_RETURN(id, t.insert_tenant(Tenant{0, name, utc(2026, 1, 1), std::nullopt, 1}));
    return Status::Ok();
  });
  REQUIRE(st.ok());
  return id;
}

// A user with every optional unset, no MFA and no recovery codes.
StoredUser plain_user(TenantId tenant, const std::string& email, Role role = Role::customer) {
  StoredUser u;
  u.user.tenant = tenant;
  u.user.email = email;
  u.user.display_name = "Plain " + email;
  u.user.role = role;
  u.user.state = UserState::active;
  u.user.mfa_enabled = false;
  u.user.created_at = utc(2026, 1, 2, 9);
  u.user.version = 1;
  u.password_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + email;
  return u;
}

// A user with every field set to a value other than its default.
StoredUser full_user(TenantId tenant, const std::string& email) {
  StoredUser u = plain_user(tenant, email, Role::superadmin);
  u.user.display_name = "Zoë Ünïcode, \"quoted\" 'name'";
  u.user.state = UserState::locked;
  u.user.mfa_enabled = true;
  u.user.created_at = utc(1969, 12, 31, 23, 59, 59);  // before the epoch
  u.user.last_login_at = utc(2026, 1, 3, 8, 1, 2);
  u.user.failed_logins = 6;
  u.user.last_failed_login_at = utc(2026, 1, 4, 7, 0, 1);
  u.user.locked_until = utc(2026, 1, 4, 7, 15, 1);
  u.user.version = 7;
  u.totp_secret = "k1:c2VhbGVkLXNlY3JldA";
  u.totp_pending = "k1:cGVuZGluZy1zZWNyZXQ";
  u.totp_last_step = 59'000'000'123LL;  // beyond 32 bits
  u.totp_failures = 3;
  u.totp_locked_until = utc(9999, 12, 31, 23, 59, 59);  // the library's last instant
  u.recovery_code_hashes = {hex64('a'), hex64('b'), hex64('c')};
  u.failure_window_start = utc(2026, 1, 4, 7);
  u.failures_in_window = 9;
  return u;
}

void check_same_user(const StoredUser& got, const StoredUser& want) {
  CHECK(got.user.id == want.user.id);
  CHECK(got.user.tenant == want.user.tenant);
  CHECK(got.user.email == want.user.email);
  CHECK(got.user.display_name == want.user.display_name);
  CHECK(got.user.role == want.user.role);
  CHECK(got.user.state == want.user.state);
  CHECK(got.user.mfa_enabled == want.user.mfa_enabled);
  CHECK(got.user.mfa_enabled == !got.totp_secret.empty());
  CHECK(got.user.created_at == want.user.created_at);
  CHECK(got.user.last_login_at == want.user.last_login_at);
  CHECK(got.user.failed_logins == want.user.failed_logins);
  CHECK(got.user.last_failed_login_at == want.user.last_failed_login_at);
  CHECK(got.user.locked_until == want.user.locked_until);
  CHECK(got.user.version == want.user.version);
  CHECK(got.password_hash == want.password_hash);
  CHECK(got.totp_secret == want.totp_secret);
  CHECK(got.totp_pending == want.totp_pending);
  CHECK(got.totp_last_step == want.totp_last_step);
  CHECK(got.totp_failures == want.totp_failures);
  CHECK(got.totp_locked_until == want.totp_locked_until);
  CHECK(got.recovery_code_hashes == want.recovery_code_hashes);
  CHECK(got.failure_window_start == want.failure_window_start);
  CHECK(got.failures_in_window == want.failures_in_window);
}

std::vector<UserId> user_ids(const std::vector<StoredUser>& users) {
  std::vector<UserId> out;
  for (const auto& u : users) out.push_back(u.user.id);
  return out;
}

StoredSession sample_session(TenantId tenant, UserId user, const std::string& token_hash,
                             Instant created, Seconds idle, Seconds absolute) {
  StoredSession s;
  s.session.tenant = tenant;
  s.session.user = user;
  s.session.created_at = created;
  s.session.last_seen_at = created;
  s.session.idle_expires_at = created + idle;
  s.session.absolute_expires_at = created + absolute;
  s.token_hash = token_hash;
  s.idle_seconds = idle.count();
  return s;
}

void check_same_session(const StoredSession& got, const StoredSession& want) {
  CHECK(got.session.id == want.session.id);
  CHECK(got.session.tenant == want.session.tenant);
  CHECK(got.session.user == want.session.user);
  CHECK(got.session.created_at == want.session.created_at);
  CHECK(got.session.last_seen_at == want.session.last_seen_at);
  CHECK(got.session.idle_expires_at == want.session.idle_expires_at);
  CHECK(got.session.absolute_expires_at == want.session.absolute_expires_at);
  CHECK(got.session.mfa_passed == want.session.mfa_passed);
  CHECK(got.session.mfa_pending == want.session.mfa_pending);
  CHECK(got.session.source == want.session.source);
  CHECK(got.token_hash == want.token_hash);
  CHECK(got.idle_seconds == want.idle_seconds);
  CHECK(got.revoked_at == want.revoked_at);
}

std::vector<SessionId> session_ids(const std::vector<StoredSession>& sessions) {
  std::vector<SessionId> out;
  for (const auto& s : sessions) out.push_back(s.session.id);
  return out;
}

void check_same_key(const StoredApiKey& got, const StoredApiKey& want) {
  CHECK(got.key.id == want.key.id);
  CHECK(got.key.tenant == want.key.tenant);
  CHECK(got.key.created_by == want.key.created_by);
  CHECK(got.key.name == want.key.name);
  CHECK(got.key.scopes == want.key.scopes);
  CHECK(got.key.role == want.key.role);
  CHECK(got.key.created_at == want.key.created_at);
  CHECK(got.key.expires_at == want.key.expires_at);
  CHECK(got.key.last_used_at == want.key.last_used_at);
  CHECK(got.key.revoked_at == want.key.revoked_at);
  CHECK(got.key.emergency == want.key.emergency);
  CHECK(got.secret_hash == want.secret_hash);
}

void check_same_record(const AuditRecord& got, const AuditRecord& want) {
  CHECK(got.tenant == want.tenant);
  CHECK(got.seq == want.seq);
  CHECK(got.at == want.at);
  CHECK(got.actor == want.actor);
  CHECK(got.action == want.action);
  CHECK(got.target == want.target);
  CHECK(got.outcome == want.outcome);
  CHECK(got.reason == want.reason);
  CHECK(got.source == want.source);
  CHECK(got.detail_json == want.detail_json);
  CHECK(got.prev_hash == want.prev_hash);
  CHECK(got.hash == want.hash);
}

std::vector<std::int64_t> seqs(const std::vector<AuditRecord>& records) {
  std::vector<std::int64_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

// Appends `r` as the next link of its chain (the store does not check hashes: any text).
Status append(StorageTransaction& t, AuditRecord& r) {
  BOKA_ASSIGN_OR_RETURN(auto head, t.lock_audit_head(r.tenant));
  r.seq = head.seq + 1;
  r.prev_hash = head.hash;
  r.hash = "hash-" + std::to_string(r.tenant) + "-" + std::to_string(r.seq);
  return t.append_audit(r);
}

AuditRecord record(TenantId tenant, Instant at, std::string actor, std::string action,
                   std::string target, AuditOutcome outcome = AuditOutcome::success) {
  AuditRecord r;
  r.tenant = tenant;
  r.at = at;
  r.actor = std::move(actor);
  r.action = std::move(action);
  r.target = std::move(target);
  r.outcome = outcome;
  return r;
}

}  // namespace

TEST_CASE("conformance: every user field round trips and updates - unset optionals included") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId tenant = add_tenant(*s, "a");
    StoredUser full = full_user(tenant, "full@example.com");
    StoredUser plain = plain_user(tenant, "plain@example.com");
    StoredUser one = plain_user(tenant, "one@example.com", Role::staff);
    one.user.state = UserState::disabled;
    one.recovery_code_hashes = {hex64('1')};
    StoredUser admin = plain_user(tenant, "admin@example.com", Role::admin);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(full.user.id, t.insert_user(full));
      BOKA_ASSIGN_OR_RETURN(plain.user.id, t.insert_user(plain));
      BOKA_ASSIGN_OR_RETURN(one.user.id, t.insert_user(one));
      BOKA_ASSIGN_OR_RETURN(admin.user.id, t.insert_user(admin));
      return Status::Ok();
    }).ok());
    CHECK(full.user.id > 0);
    CHECK(plain.user.id > full.user.id);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      for (const StoredUser* want : {&full, &plain, &one, &admin}) {
        INFO("user " << want->user.email);
        auto got = t.find_user(tenant, want->user.id).value();
        REQUIRE(got.has_value());
        check_same_user(*got, *want);
        auto by_email = t.find_user_by_email(tenant, want->user.email).value();
        REQUIRE(by_email.has_value());
        check_same_user(*by_email, *want);
      }
      return Status::Ok();
    }).ok());

    // Update: set what was unset and unset what was set, on both users.
    StoredUser full2 = full;
    full2.user.display_name = "Renamed";
    full2.user.role = Role::customer;
    full2.user.state = UserState::active;
    full2.user.mfa_enabled = false;
    full2.user.last_login_at.reset();
    full2.user.failed_logins = 0;
    full2.user.last_failed_login_at.reset();
    full2.user.locked_until.reset();
    full2.user.version = 8;
    full2.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA";
    full2.totp_secret.clear();
    full2.totp_pending.clear();
    full2.totp_last_step = 0;
    full2.totp_failures = 0;
    full2.totp_locked_until.reset();
    full2.recovery_code_hashes.clear();
    full2.failure_window_start.reset();
    full2.failures_in_window = 0;
    StoredUser plain2 = full_user(tenant, "plain@example.com");
    plain2.user.id = plain.user.id;
    plain2.recovery_code_hashes = {hex64('d')};
    StoredUser one2 = one;
    one2.recovery_code_hashes = {hex64('e'), hex64('f'), hex64('0')};
    one2.user.email = "one.renamed@example.com";
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.update_user(full2));
      BOKA_RETURN_IF_ERROR(t.update_user(plain2));
      return t.update_user(one2);
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      for (const StoredUser* want : {&full2, &plain2, &one2}) {
        INFO("updated user " << want->user.email);
        auto got = t.find_user(tenant, want->user.id).value();
        REQUIRE(got.has_value());
        check_same_user(*got, *want);
      }
      CHECK_FALSE(t.find_user_by_email(tenant, "one@example.com")->has_value());
      CHECK(t.find_user_by_email(tenant, "one.renamed@example.com")->has_value());
      return Status::Ok();
    }).ok());

    // Updating a user that does not exist.
    StoredUser ghost = plain_user(tenant, "ghost@example.com");
    ghost.user.id = admin.user.id + 1000;
    CHECK(write(*s, [&](StorageTransaction& t) -> Status { return t.update_user(ghost); }).code() ==
          Code::not_found);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK_FALSE(t.find_user(tenant, ghost.user.id)->has_value());
      CHECK(t.list_users(tenant)->size() == 4);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: user emails are unique per tenant - lookups stay in their tenant") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const TenantId c = add_tenant(*s, "c");
    std::vector<StoredUser> users = {
        plain_user(a, "zed@example.com", Role::customer),     // 0
        plain_user(b, "zed@example.com", Role::admin),        // 1: same email, other tenant
        plain_user(a, "amy@example.com", Role::superadmin),   // 2
        plain_user(a, "bob@example.com", Role::staff),        // 3
        plain_user(c, "cat@example.com", Role::superadmin),   // 4
        plain_user(a, "dan@example.com", Role::admin),        // 5
        plain_user(b, "eve@example.com", Role::customer),     // 6
    };
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      for (auto& u : users) {
        BOKA_ASSIGN_OR_RETURN(u.user.id, t.insert_user(u));
      }
      return Status::Ok();
    }).ok());

    // (tenant, email) is unique on insert...
    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_user(plain_user(a, "zed@example.com", Role::staff)).status();
    });
    CHECK(dup.code() == Code::already_exists);
    // ...and on update to a taken email.
    StoredUser taken = users[3];
    taken.user.email = "amy@example.com";
    auto dup_update = write(*s, [&](StorageTransaction& t) -> Status { return t.update_user(taken); });
    CHECK(dup_update.code() == Code::already_exists);
    // Moving to an email used only in another tenant is fine.
    StoredUser moved = users[3];
    moved.user.email = "eve@example.com";
    moved.user.version = 2;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status { return t.update_user(moved); }).ok());
    users[3] = moved;

    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      // The failed insert and update changed nothing.
      CHECK(t.list_users(a)->size() == 4);
      auto amy = t.find_user(a, users[2].user.id).value();
      REQUIRE(amy.has_value());
      CHECK(amy->user.email == "amy@example.com");
      auto bob = t.find_user(a, users[3].user.id).value();
      REQUIRE(bob.has_value());
      CHECK(bob->user.email == "eve@example.com");
      CHECK(bob->user.version == 2);
      CHECK(bob->user.role == Role::staff);

      // find_user with the wrong tenant.
      CHECK_FALSE(t.find_user(b, users[0].user.id)->has_value());
      CHECK_FALSE(t.find_user(a, users[1].user.id)->has_value());
      CHECK_FALSE(t.find_user(a, users[6].user.id + 100)->has_value());

      // find_user_by_email finds the tenant's own user.
      auto za = t.find_user_by_email(a, "zed@example.com").value();
      REQUIRE(za.has_value());
      CHECK(za->user.id == users[0].user.id);
      CHECK(za->user.role == Role::customer);
      auto zb = t.find_user_by_email(b, "zed@example.com").value();
      REQUIRE(zb.has_value());
      CHECK(zb->user.id == users[1].user.id);
      CHECK(zb->user.role == Role::admin);
      CHECK_FALSE(t.find_user_by_email(c, "zed@example.com")->has_value());
      CHECK_FALSE(t.find_user_by_email(a, "nobody@example.com")->has_value());
      auto ea = t.find_user_by_email(a, "eve@example.com").value();
      REQUIRE(ea.has_value());
      CHECK(ea->user.id == users[3].user.id);
      auto eb = t.find_user_by_email(b, "eve@example.com").value();
      REQUIRE(eb.has_value());
      CHECK(eb->user.id == users[6].user.id);

      // list_users: the tenant's users, by id.
      CHECK(user_ids(t.list_users(a).value()) ==
            std::vector<UserId>{users[0].user.id, users[2].user.id, users[3].user.id,
                                users[5].user.id});
      CHECK(user_ids(t.list_users(b).value()) ==
            std::vector<UserId>{users[1].user.id, users[6].user.id});
      CHECK(user_ids(t.list_users(c).value()) == std::vector<UserId>{users[4].user.id});
      CHECK(t.list_users(c + 100)->empty());

      // list_users_with_role: admins and superadmins of every tenant (the order is not part
      // of the contract).
      auto admins = user_ids(t.list_users_with_role(Role::admin).value());
      std::sort(admins.begin(), admins.end());
      CHECK(admins == std::vector<UserId>{users[1].user.id, users[2].user.id, users[4].user.id,
                                          users[5].user.id});
      auto supers = user_ids(t.list_users_with_role(Role::superadmin).value());
      std::sort(supers.begin(), supers.end());
      CHECK(supers == std::vector<UserId>{users[2].user.id, users[4].user.id});
      CHECK(t.list_users_with_role(Role::staff)->size() == 5);
      CHECK(t.list_users_with_role(Role::customer)->size() == 7);
      const auto admin_rows = t.list_users_with_role(Role::admin).value();
      for (const auto& u : admin_rows) {
        CHECK(static_cast<int>(u.user.role) >= static_cast<int>(Role::admin));
        CHECK_FALSE(u.password_hash.empty());
      }
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: every session field round trips - token hashes are unique") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    UserId ua = 0, ub = 0;
    const Instant t0 = utc(2026, 2, 1, 12);
    StoredSession live = sample_session(a, 0, hex64('1'), t0, minutes(30), hours(12));
    live.session.last_seen_at = t0 + minutes(5);
    live.session.idle_expires_at = t0 + minutes(35);
    live.session.mfa_passed = true;
    live.session.mfa_pending = false;
    live.session.source = "203.0.113.7";
    StoredSession revoked = sample_session(a, 0, hex64('2'), t0 - hours(1), minutes(15), hours(8));
    revoked.session.mfa_passed = false;
    revoked.session.mfa_pending = true;
    revoked.revoked_at = t0 - minutes(59);
    StoredSession other = sample_session(b, 0, hex64('3'), t0, minutes(20), hours(4));
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(ua, t.insert_user(plain_user(a, "ann@example.com")));
      BOKA_ASSIGN_OR_RETURN(ub, t.insert_user(plain_user(b, "ben@example.com")));
      live.session.user = revoked.session.user = ua;
      other.session.user = ub;
      BOKA_ASSIGN_OR_RETURN(live.session.id, t.insert_session(live));
      BOKA_ASSIGN_OR_RETURN(revoked.session.id, t.insert_session(revoked));
      BOKA_ASSIGN_OR_RETURN(other.session.id, t.insert_session(other));
      return Status::Ok();
    }).ok());
    CHECK(live.session.id > 0);
    CHECK(revoked.session.id > live.session.id);
    CHECK(other.session.id > revoked.session.id);

    auto dup = write(*s, [&](StorageTransaction& t) -> Status {
      return t.insert_session(sample_session(b, ub, hex64('1'), t0, minutes(1), hours(1))).status();
    });
    CHECK(dup.code() == Code::already_exists);

    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      for (const StoredSession* want : {&live, &revoked, &other}) {
        INFO("session " << want->session.id);
        auto got = t.find_session(want->session.id).value();
        REQUIRE(got.has_value());
        check_same_session(*got, *want);
        auto by_token = t.find_session_by_token(want->token_hash).value();
        REQUIRE(by_token.has_value());
        check_same_session(*by_token, *want);
      }
      CHECK_FALSE(t.find_session_by_token(hex64('9'))->has_value());
      CHECK_FALSE(t.find_session(other.session.id + 100)->has_value());
      // list_sessions: unrevoked only, by id; 0 is a wildcard for tenant and user.
      CHECK(session_ids(t.list_sessions(0, 0).value()) ==
            std::vector<SessionId>{live.session.id, other.session.id});
      CHECK(session_ids(t.list_sessions(a, 0).value()) == std::vector<SessionId>{live.session.id});
      CHECK(session_ids(t.list_sessions(a, ua).value()) == std::vector<SessionId>{live.session.id});
      CHECK(session_ids(t.list_sessions(0, ub).value()) == std::vector<SessionId>{other.session.id});
      CHECK(t.list_sessions(b, ua)->empty());
      auto listed = t.list_sessions(a, ua).value();
      REQUIRE(listed.size() == 1);
      check_same_session(listed[0], live);
      return Status::Ok();
    }).ok());

    // update_session rewrites every field; unrevoking is an update like any other.
    StoredSession live2 = live;
    live2.session.last_seen_at = t0 + minutes(20);
    live2.session.idle_expires_at = t0 + minutes(50);
    live2.session.mfa_passed = false;
    live2.session.mfa_pending = true;
    live2.session.source = "";
    live2.idle_seconds = 900;
    live2.revoked_at = t0 + minutes(21);
    StoredSession revoked2 = revoked;
    revoked2.revoked_at.reset();
    revoked2.session.mfa_pending = false;
    revoked2.session.mfa_passed = true;
    revoked2.session.source = "2001:db8::1";
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.update_session(live2));
      return t.update_session(revoked2);
    }).ok());
    StoredSession ghost = other;
    ghost.session.id = other.session.id + 100;
    ghost.token_hash = hex64('8');
    CHECK(write(*s, [&](StorageTransaction& t) -> Status { return t.update_session(ghost); }).code() ==
          Code::not_found);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      check_same_session(t.find_session(live.session.id).value().value(), live2);
      check_same_session(t.find_session(revoked.session.id).value().value(), revoked2);
      CHECK_FALSE(t.find_session_by_token(hex64('8'))->has_value());
      CHECK(session_ids(t.list_sessions(a, 0).value()) ==
            std::vector<SessionId>{revoked.session.id});
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: revoke_sessions counts and stamps and keeps one - tenant 0 is every tenant") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    UserId a1 = 0, a2 = 0, b1 = 0;
    const Instant t0 = utc(2026, 3, 1, 10);
    const Instant earlier = t0 - minutes(30);
    std::vector<SessionId> ids;  // 0: a/a1, 1: a/a1 revoked, 2: a/a2, 3: b/b1, 4: b/b1, 5: a/a2
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      ids.clear();
      BOKA_ASSIGN_OR_RETURN(a1, t.insert_user(plain_user(a, "a1@example.com")));
      BOKA_ASSIGN_OR_RETURN(a2, t.insert_user(plain_user(a, "a2@example.com")));
      BOKA_ASSIGN_OR_RETURN(b1, t.insert_user(plain_user(b, "b1@example.com")));
      const std::vector<std::pair<TenantId, UserId>> owners = {{a, a1}, {a, a1}, {a, a2},
                                                               {b, b1}, {b, b1}, {a, a2}};
      for (std::size_t i = 0; i < owners.size(); ++i) {
        StoredSession x = sample_session(owners[i].first, owners[i].second,
                                         hex64(static_cast<char>('a' + i)), t0 - hours(1),
                                         hours(2), hours(12));
        if (i == 1) x.revoked_at = earlier;
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_session(x));
        ids.push_back(id);
      }
      return Status::Ok();
    }).ok());
    auto revoke = [&](TenantId tenant, UserId user, Instant at, SessionId keep) {
      std::int64_t n = -1;
      Status st = write(*s, [&](StorageTransaction& t) -> Status {
        BOKA_ASSIGN_OR_RETURN(n, t.revoke_sessions(tenant, user, at, keep));
        return Status::Ok();
      });
      REQUIRE(st.ok());
      return n;
    };
    auto revoked_at = [&]() {
      std::vector<std::optional<Instant>> out;
      REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
        out.clear();
        for (SessionId id : ids) {
          auto x = t.find_session(id).value();
          REQUIRE(x.has_value());
          out.push_back(x->revoked_at);
        }
        return Status::Ok();
      }).ok());
      return out;
    };
    using Opt = std::optional<Instant>;
    const Instant t1 = t0 + minutes(1), t2 = t0 + minutes(2), t3 = t0 + minutes(3);

    // a1's only unrevoked session is kept; the revoked one is not counted again.
    CHECK(revoke(a, a1, t1, ids[0]) == 0);
    CHECK(revoked_at() == std::vector<Opt>{std::nullopt, earlier, std::nullopt, std::nullopt,
                                           std::nullopt, std::nullopt});
    // Every user of tenant a except session 2.
    CHECK(revoke(a, 0, t1, ids[2]) == 2);
    CHECK(revoked_at() == std::vector<Opt>{t1, earlier, std::nullopt, std::nullopt, std::nullopt, t1});
    // One user across all tenants (tenant 0), keeping nothing.
    CHECK(revoke(0, b1, t2, 0) == 2);
    CHECK(revoked_at() == std::vector<Opt>{t1, earlier, std::nullopt, t2, t2, t1});
    // A user of another tenant: nothing.
    CHECK(revoke(b, a2, t3, 0) == 0);
    // Everything left, everywhere.
    CHECK(revoke(0, 0, t3, 0) == 1);
    CHECK(revoked_at() == std::vector<Opt>{t1, earlier, t3, t2, t2, t1});
    CHECK(revoke(0, 0, t3 + minutes(1), 0) == 0);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_sessions(0, 0)->empty());
      CHECK(t.count_live_sessions(t0).value() == 0);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: delete_dead_sessions and count_live_sessions agree on expiry") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant now = utc(2026, 4, 1, 12);
    const Instant created = now - hours(2);
    std::vector<SessionId> live, dead;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      live.clear();
      dead.clear();
      BOKA_ASSIGN_OR_RETURN(auto ua, t.insert_user(plain_user(a, "a@example.com")));
      BOKA_ASSIGN_OR_RETURN(auto ub, t.insert_user(plain_user(b, "b@example.com")));
      int n = 0;
      // idle and absolute expiry relative to now, and whether it is revoked.
      auto add = [&](TenantId tenant, UserId user, Seconds idle_left, Seconds absolute_left,
                     bool is_revoked, std::vector<SessionId>& into) -> Status {
        StoredSession x = sample_session(tenant, user, hex64(static_cast<char>('a' + n++)),
                                         created, hours(1), hours(4));
        x.session.idle_expires_at = now + idle_left;
        x.session.absolute_expires_at = now + absolute_left;
        if (is_revoked) x.revoked_at = now - minutes(1);
        BOKA_ASSIGN_OR_RETURN(auto id, t.insert_session(x));
        into.push_back(id);
        return Status::Ok();
      };
      BOKA_RETURN_IF_ERROR(add(a, ua, minutes(10), hours(1), false, live));
      BOKA_RETURN_IF_ERROR(add(a, ua, minutes(10), hours(1), true, dead));     // revoked
      BOKA_RETURN_IF_ERROR(add(b, ub, Seconds(-1), hours(1), false, dead));    // idle past
      BOKA_RETURN_IF_ERROR(add(b, ub, Seconds(1), hours(1), false, live));     // 1 s left
      BOKA_RETURN_IF_ERROR(add(a, ua, Seconds(0), hours(1), false, dead));     // idle == now
      BOKA_RETURN_IF_ERROR(add(b, ub, minutes(10), -minutes(5), false, dead)); // absolute past
      BOKA_RETURN_IF_ERROR(add(a, ua, minutes(10), Seconds(0), false, dead));  // absolute == now
      BOKA_RETURN_IF_ERROR(add(b, ub, minutes(10), Seconds(1), false, live));
      return Status::Ok();
    }).ok());
    REQUIRE(live.size() == 3);
    REQUIRE(dead.size() == 5);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.count_live_sessions(now).value() == 3);
      // An hour earlier everything unrevoked was live.
      CHECK(t.count_live_sessions(now - hours(1)).value() == 7);
      CHECK(t.count_live_sessions(now + Seconds(1)).value() == 1);
      return Status::Ok();
    }).ok());
    auto delete_dead = [&](Instant at, int limit) {
      std::int64_t n = -1;
      REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
        BOKA_ASSIGN_OR_RETURN(n, t.delete_dead_sessions(at, limit));
        return Status::Ok();
      }).ok());
      return n;
    };
    auto remaining = [&]() {
      std::vector<SessionId> out;
      REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
        out.clear();
        for (const auto& group : {live, dead}) {
          for (SessionId id : group) {
            if (t.find_session(id).value().has_value()) out.push_back(id);
          }
        }
        std::sort(out.begin(), out.end());
        return Status::Ok();
      }).ok());
      return out;
    };
    // Earlier nothing but the revoked session is dead.
    CHECK(delete_dead(now - hours(1), 100) == 1);
    CHECK(remaining().size() == 7);
    CHECK(delete_dead(now, 2) == 2);  // the limit holds
    CHECK(remaining().size() == 5);
    CHECK(delete_dead(now, 100) == 2);
    std::vector<SessionId> want = live;
    std::sort(want.begin(), want.end());
    CHECK(remaining() == want);
    CHECK(delete_dead(now, 100) == 0);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.count_live_sessions(now).value() == 3);
      CHECK(t.list_sessions(0, 0)->size() == 3);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: every API key field round trips and updates") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    StoredApiKey full, bare, all_bits, other;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto creator, t.insert_user(plain_user(a, "admin@example.com", Role::admin)));
      full.key.tenant = a;
      full.key.created_by = creator;
      full.key.name = "kiosk \"front desk\"";
      full.key.scopes = Permission::availability_read | Permission::reservations_own;
      full.key.scopes |= static_cast<PermissionSet>(Permission::keys_manage);
      full.key.role = Role::admin;
      full.key.created_at = utc(2026, 1, 10, 8, 30, 15);
      full.key.expires_at = utc(2027, 1, 10);
      full.key.last_used_at = utc(2026, 1, 11, 9);
      full.key.revoked_at = utc(2026, 1, 12, 10);
      full.key.emergency = true;
      full.secret_hash = hex64('5');
      bare.key.tenant = a;
      bare.key.created_by = 0;  // the system principal
      bare.key.name = "b";
      bare.key.scopes = static_cast<PermissionSet>(Permission::system_operations);
      bare.key.role = Role::superadmin;
      bare.key.created_at = utc(2026, 1, 10);
      bare.secret_hash = hex64('6');
      all_bits = bare;
      all_bits.key.name = "every bit";
      all_bits.key.scopes = 0xFFFFFFFFu;
      all_bits.key.role = Role::customer;
      all_bits.secret_hash = hex64('7');
      other = bare;
      other.key.tenant = b;
      other.key.role = Role::staff;
      other.secret_hash = hex64('6');  // secret hashes need not be unique
      BOKA_ASSIGN_OR_RETURN(full.key.id, t.insert_api_key(full));
      BOKA_ASSIGN_OR_RETURN(bare.key.id, t.insert_api_key(bare));
      BOKA_ASSIGN_OR_RETURN(other.key.id, t.insert_api_key(other));
      BOKA_ASSIGN_OR_RETURN(all_bits.key.id, t.insert_api_key(all_bits));
      return Status::Ok();
    }).ok());
    CHECK(full.key.id > 0);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      for (const StoredApiKey* want : {&full, &bare, &all_bits, &other}) {
        INFO("key " << want->key.name);
        auto got = t.find_api_key(want->key.id).value();
        REQUIRE(got.has_value());
        check_same_key(*got, *want);
      }
      CHECK_FALSE(t.find_api_key(all_bits.key.id + 100)->has_value());
      auto in_a = t.list_api_keys(a).value();
      REQUIRE(in_a.size() == 3);
      CHECK(in_a[0].key.id == full.key.id);
      CHECK(in_a[1].key.id == bare.key.id);
      CHECK(in_a[2].key.id == all_bits.key.id);
      check_same_key(in_a[0], full);
      auto in_b = t.list_api_keys(b).value();
      REQUIRE(in_b.size() == 1);
      check_same_key(in_b[0], other);
      CHECK(t.list_api_keys(b + 100)->empty());
      return Status::Ok();
    }).ok());

    // Update: unset what was set and set what was unset.
    StoredApiKey full2 = full;
    full2.key.name = "renamed";
    full2.key.scopes = static_cast<PermissionSet>(Permission::audit_read);
    full2.key.role = Role::staff;
    full2.key.expires_at.reset();
    full2.key.last_used_at.reset();
    full2.key.revoked_at.reset();
    full2.key.emergency = false;
    full2.secret_hash = hex64('8');
    StoredApiKey bare2 = bare;
    bare2.key.expires_at = utc(2026, 6, 1);
    bare2.key.last_used_at = utc(2026, 1, 20, 7, 7, 7);
    bare2.key.revoked_at = utc(2026, 1, 21);
    bare2.key.emergency = true;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.update_api_key(full2));
      return t.update_api_key(bare2);
    }).ok());
    StoredApiKey ghost = bare;
    ghost.key.id = all_bits.key.id + 100;
    CHECK(write(*s, [&](StorageTransaction& t) -> Status { return t.update_api_key(ghost); }).code() ==
          Code::not_found);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      check_same_key(t.find_api_key(full.key.id).value().value(), full2);
      check_same_key(t.find_api_key(bare.key.id).value().value(), bare2);
      check_same_key(t.find_api_key(all_bits.key.id).value().value(), all_bits);
      check_same_key(t.find_api_key(other.key.id).value().value(), other);
      CHECK(t.list_api_keys(a)->size() == 3);
      CHECK_FALSE(t.find_api_key(ghost.key.id)->has_value());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: audit chains append in order - one chain per tenant - every field round trips") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant t0 = utc(2026, 5, 1, 9);
    std::vector<AuditRecord> records = {
        record(a, t0 + Seconds(20), "", "auth.login_failed", "user:11", AuditOutcome::failure),  // 0
        record(a, t0, "user:11", "auth.login_succeeded", "user:11"),                            // 1
        record(b, t0 + Seconds(10), "system", "resource.create", "resource:4"),                 // 2
        record(a, t0 + Seconds(30), "user:11", "reservation.reserve", "", AuditOutcome::conflict),  // 3
        record(a, t0 + Seconds(10), "api_key:2", "reservation.cancel", "reservation:9"),        // 4
        record(0, t0, "system", "tenant.create", "tenant:1"),                                   // 5
    };
    records[0].reason = "wrong password";
    records[0].source = "203.0.113.9";
    records[0].detail_json = R"({"email":"ann@example.com","detail":"wrong \"pw\"\n"})";
    records[3].reason = "resource 4 is fully booked at 2026-05-01T10:00:00Z";
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      for (auto& r : records) BOKA_RETURN_IF_ERROR(append(t, r));
      return Status::Ok();
    }).ok());
    CHECK(records[0].seq == 1);
    CHECK(records[1].seq == 2);
    CHECK(records[1].prev_hash == records[0].hash);
    CHECK(records[2].seq == 1);  // chain b starts at 1
    CHECK(records[2].prev_hash.empty());
    CHECK(records[3].seq == 3);
    CHECK(records[4].seq == 4);
    CHECK(records[5].seq == 1);  // the system chain
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      AuditQuery q;
      q.tenant = a;
      auto all = t.list_audit(q).value();
      REQUIRE(all.size() == 4);
      check_same_record(all[0], records[0]);
      check_same_record(all[1], records[1]);
      check_same_record(all[2], records[3]);
      check_same_record(all[3], records[4]);
      auto heads = t.audit_heads().value();
      REQUIRE(heads.size() == 3);
      CHECK(heads[0].tenant == 0);
      CHECK(heads[0].seq == 1);
      CHECK(heads[0].hash == records[5].hash);
      CHECK(heads[1].tenant == a);
      CHECK(heads[1].seq == 4);
      CHECK(heads[1].hash == records[4].hash);
      CHECK(heads[2].tenant == b);
      CHECK(heads[2].seq == 1);
      return Status::Ok();
    }).ok());
    // A seq that is not next is refused; the chain is unchanged.
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto head, t.lock_audit_head(a));
      AuditRecord r = record(a, t0, "system", "x.y", "");
      r.seq = head.seq;  // taken
      r.hash = "dup";
      return t.append_audit(r);
    });
    CHECK(st.code() == Code::already_exists);
  });
}

TEST_CASE("conformance: audit queries filter by actor target action outcome time and page by seq") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant t0 = utc(2026, 5, 1, 9);
    std::vector<AuditRecord> records = {
        record(a, t0 + Seconds(20), "", "auth.login_failed", "user:11", AuditOutcome::failure),
        record(a, t0, "user:11", "auth.login_succeeded", "user:11"),
        record(a, t0 + Seconds(30), "user:11", "reservation.reserve", "", AuditOutcome::conflict),
        record(a, t0 + Seconds(10), "api_key:2", "reservation.cancel", "reservation:9"),
        record(a, t0 - Seconds(1), "system", "auth", "user:12"),
        record(a, t0 + Seconds(10), "system", "authx.login", "user:11"),
        record(b, t0, "user:11", "auth.login_succeeded", "user:11"),
    };
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      for (auto& r : records) BOKA_RETURN_IF_ERROR(append(t, r));
      return Status::Ok();
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      using Seqs = std::vector<std::int64_t>;
      auto q = [&]() {
        AuditQuery x;
        x.tenant = a;
        return x;
      };
      auto list = [&](const AuditQuery& x) { return seqs(t.list_audit(x).value()); };
      AuditQuery x = q();
      x.actor = "user:11";
      CHECK(list(x) == Seqs{2, 3});
      x = q();
      x.target = "user:11";
      CHECK(list(x) == Seqs{1, 2, 6});
      x = q();
      x.action = "auth.login_failed";  // exact
      CHECK(list(x) == Seqs{1});
      x = q();
      x.action = "auth.";  // a prefix: not "auth" itself, not "authx."
      CHECK(list(x) == Seqs{1, 2});
      x = q();
      x.action = "reservation.";
      CHECK(list(x) == Seqs{3, 4});
      x = q();
      x.action = "auth";
      CHECK(list(x) == Seqs{5});
      x = q();
      x.outcome = AuditOutcome::conflict;
      CHECK(list(x) == Seqs{3});
      x = q();
      x.from = t0;
      x.to = t0 + Seconds(30);  // [from, to)
      CHECK(list(x) == Seqs{1, 2, 4, 6});
      x = q();
      x.after_seq = 2;
      x.limit = 3;
      CHECK(list(x) == Seqs{3, 4, 5});
      x = q();
      x.actor = "user:11";
      x.action = "auth.";
      x.from = t0 + Seconds(1);
      CHECK(list(x).empty());
      x = q();
      x.tenant = b;
      CHECK(list(x) == Seqs{1});
      x.tenant = b + 100;
      CHECK(list(x).empty());
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: settings round trip - overwrite - roll back") {
  for_each_store([](std::shared_ptr<Storage> s) {
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.worker", "100"));
      return t.put_setting("heartbeat.worker", "200");
    }).ok());
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.worker", "300"));
      BOKA_RETURN_IF_ERROR(t.put_setting("heartbeat.backup", "300"));
      return Status(Code::conflict, "no");
    });
    CHECK(st.code() == Code::conflict);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.get_setting("heartbeat.worker").value() == std::optional<std::string>("200"));
      CHECK_FALSE(t.get_setting("heartbeat.backup").value().has_value());
      CHECK(t.get_setting("").status().code() == Code::invalid_argument);
      CHECK(t.put_setting("x", "y").code() == Code::internal);  // a read transaction
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: table_stats counts the rows of every table") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    add_tenant(*s, "b");
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(t.insert_user(plain_user(a, "ann@example.com")).status());
      AuditRecord r = record(a, utc(2026, 5, 1, 9), "system", "x.y", "");
      BOKA_RETURN_IF_ERROR(append(t, r));
      AuditRecord r2 = record(a, utc(2026, 5, 1, 9), "system", "x.y", "");
      return append(t, r2);
    }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      auto stats = t.table_stats().value();
      std::map<std::string, std::int64_t> rows;
      for (const auto& x : stats) {
        rows[x.table] = x.rows;
        CHECK(x.bytes >= 0);
      }
      CHECK(rows["tenants"] == 2);
      CHECK(rows["users"] == 1);
      CHECK(rows["audit_log"] == 2);
      CHECK(rows["reservations"] == 0);
      return Status::Ok();
    }).ok());
  });
}

TEST_CASE("conformance: a failed write keeps no auth rows - reads cannot write them") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId tenant = add_tenant(*s, "a");
    const Instant t0 = utc(2026, 6, 1, 12);
    auto insert_all = [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto user, t.insert_user(full_user(tenant, "ann@example.com")));
      BOKA_RETURN_IF_ERROR(
          t.insert_session(sample_session(tenant, user, hex64('1'), t0, hours(1), hours(2)))
              .status());
      StoredApiKey key;
      key.key.tenant = tenant;
      key.key.created_by = user;
      key.key.name = "k";
      key.key.scopes = static_cast<PermissionSet>(Permission::availability_read);
      key.key.created_at = t0;
      key.secret_hash = hex64('2');
      BOKA_RETURN_IF_ERROR(t.insert_api_key(key).status());
      AuditRecord r = record(tenant, t0, "user:1", "auth.login_succeeded", "user:1");
      return append(t, r);
    };
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_RETURN_IF_ERROR(insert_all(t));
      return Status(Code::conflict, "changed my mind");
    });
    CHECK(st.code() == Code::conflict);
    CHECK(st.message() == "changed my mind");
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
      CHECK(t.list_users(tenant)->empty());
      CHECK(t.list_users_with_role(Role::customer)->empty());
      CHECK_FALSE(t.find_user_by_email(tenant, "ann@example.com")->has_value());
      CHECK_FALSE(t.find_session_by_token(hex64('1'))->has_value());
      CHECK(t.list_sessions(0, 0)->empty());
      CHECK(t.count_live_sessions(t0).value() == 0);
      CHECK(t.list_api_keys(tenant)->empty());
      AuditQuery everything;
      everything.tenant = tenant;
      CHECK(t.list_audit(everything)->empty());
      CHECK(t.audit_heads()->empty());

      // A read transaction refuses every auth write with internal.
      StoredUser u = plain_user(tenant, "ro@example.com");
      CHECK(t.insert_user(u).status().code() == Code::internal);
      u.user.id = 1;
      CHECK(t.update_user(u).code() == Code::internal);
      StoredSession x = sample_session(tenant, 1, hex64('3'), t0, hours(1), hours(2));
      CHECK(t.insert_session(x).status().code() == Code::internal);
      x.session.id = 1;
      CHECK(t.update_session(x).code() == Code::internal);
      CHECK(t.revoke_sessions(0, 0, t0, 0).status().code() == Code::internal);
      CHECK(t.delete_dead_sessions(t0, 10).status().code() == Code::internal);
      StoredApiKey k;
      k.key.tenant = tenant;
      k.key.name = "ro";
      k.secret_hash = hex64('4');
      CHECK(t.insert_api_key(k).status().code() == Code::internal);
      k.key.id = 1;
      CHECK(t.update_api_key(k).code() == Code::internal);
      CHECK(t.lock_audit_head(tenant).status().code() == Code::internal);
      AuditRecord r = record(tenant, t0, "system", "x.y", "");
      r.seq = 1;
      CHECK(t.append_audit(r).code() == Code::internal);
      return Status::Ok();
    }).ok());
    // The rolled-back email and token hash are free again.
    REQUIRE(write(*s, insert_all).ok());
    auto check_kept = [&]() {
      REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
        auto users = t.list_users(tenant).value();
        REQUIRE(users.size() == 1);
        CHECK(users[0].user.email == "ann@example.com");
        CHECK(users[0].user.version == 7);
        auto session = t.find_session_by_token(hex64('1')).value();
        REQUIRE(session.has_value());
        CHECK_FALSE(session->revoked_at.has_value());
        CHECK(session->session.source.empty());
        CHECK(t.count_live_sessions(t0).value() == 1);
        auto keys = t.list_api_keys(tenant).value();
        REQUIRE(keys.size() == 1);
        CHECK(keys[0].key.name == "k");
        CHECK_FALSE(keys[0].key.revoked_at.has_value());
        AuditQuery everything;
        everything.tenant = tenant;
        CHECK(t.list_audit(everything)->size() == 1);
        auto heads = t.audit_heads().value();
        REQUIRE(heads.size() == 1);
        CHECK(heads[0].seq == 1);
        return Status::Ok();
      }).ok());
    };
    check_kept();
    // Updates, revocations and deletions of a failed write are undone too.
    auto undone = write(*s, [&](StorageTransaction& t) -> Status {
      auto u = t.find_user_by_email(tenant, "ann@example.com").value().value();
      u.user.email = "changed@example.com";
      u.user.version = 8;
      BOKA_RETURN_IF_ERROR(t.update_user(u));
      auto x = t.find_session_by_token(hex64('1')).value().value();
      x.session.source = "changed";
      BOKA_RETURN_IF_ERROR(t.update_session(x));
      auto k = t.list_api_keys(tenant).value().at(0);
      k.key.name = "changed";
      k.key.revoked_at = t0;
      BOKA_RETURN_IF_ERROR(t.update_api_key(k));
      BOKA_ASSIGN_OR_RETURN(auto revoked, t.revoke_sessions(0, 0, t0, 0));
      if (revoked != 1) return InternalError("expected one revocation");
      BOKA_ASSIGN_OR_RETURN(auto deleted, t.delete_dead_sessions(t0 + hours(3), 10));
      if (deleted != 1) return InternalError("expected one deletion");
      AuditRecord r = record(tenant, t0, "user:1", "auth.logout", "user:1");
      BOKA_RETURN_IF_ERROR(append(t, r));
      return Status(Code::conflict, "changed my mind again");
    });
    CHECK(undone.code() == Code::conflict);
    check_kept();
  });
}

TEST_CASE("conformance: login - sessions - API keys and security events through the engine") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const Instant start = utc(2026, 7, 1, 9);
    auto clock = std::make_shared<ManualClock>(start);
    EngineOptions options;
    options.clock = clock;
    options.auth.argon2_memory_kib = 64;
    options.auth.argon2_iterations = 1;
    auto opened = Engine::open(s, options);
    REQUIRE(opened.ok());
    auto engine = std::move(opened).value();
    auto tenant = engine->create_tenant(sys(), Tenant{0, "acme"});
    REQUIRE(tenant.ok());
    const TenantId tid = tenant->id;

    auto user = engine->auth().create_user(
        sys(), tid, NewUser{"Ann@Example.com", "Ann", Role::staff, "correct horse battery"});
    REQUIRE(user.ok());
    CHECK(user->email == "ann@example.com");
    CHECK(user->role == Role::staff);
    CHECK_FALSE(user->mfa_enabled);
    CHECK(engine->auth().create_user(sys(), tid,
                              NewUser{"ann@example.com", "Ann 2", Role::customer,
                                      "another long password"})
              .status()
              .code() == Code::already_exists);

    clock->advance(minutes(1));
    LoginRequest bad;
    bad.tenant = tid;
    bad.email = "ann@example.com";
    bad.password = "wrong horse battery";
    CHECK(engine->auth().login(bad).status().code() == Code::unauthenticated);

    clock->advance(minutes(1));
    LoginRequest req;
    req.tenant = tid;
    req.email = "ANN@example.com";
    req.password = "correct horse battery";
    req.source = "198.51.100.4";
    auto grant = engine->auth().login(req);
    REQUIRE(grant.ok());
    CHECK(grant->token.size() == 43);
    CHECK(grant->session.user == user->id);
    CHECK(grant->session.tenant == tid);
    CHECK(grant->session.source == "198.51.100.4");
    CHECK_FALSE(grant->session.mfa_pending);

    clock->advance(minutes(2));
    auto who = engine->auth().authenticate_session(grant->token);
    REQUIRE(who.ok());
    CHECK(who->kind() == Principal::Kind::user);
    CHECK(who->tenant() == tid);
    CHECK(who->user() == user->id);
    CHECK(who->session() == grant->session.id);
    auto active = engine->auth().count_active_sessions(sys());
    REQUIRE(active.ok());
    CHECK(*active == 1);
    auto sessions = engine->auth().list_sessions(sys(), tid, user->id);
    REQUIRE(sessions.ok());
    REQUIRE(sessions->size() == 1);
    CHECK((*sessions)[0].id == grant->session.id);
    CHECK((*sessions)[0].last_seen_at == start + minutes(4));  // touched by authenticate

    REQUIRE(engine->auth().logout(*who).ok());
    CHECK(engine->auth().authenticate_session(grant->token).status().code() == Code::unauthenticated);
    active = engine->auth().count_active_sessions(sys());
    REQUIRE(active.ok());
    CHECK(*active == 0);
    auto cleaned = engine->auth().cleanup_sessions(sys());
    REQUIRE(cleaned.ok());
    CHECK(*cleaned == 1);

    NewApiKey spec;
    spec.name = "kiosk";
    spec.scopes = Permission::availability_read | Permission::reservations_own;
    auto key = engine->auth().create_api_key(sys(), tid, spec);
    REQUIRE(key.ok());
    CHECK(key->info.created_by == 0);
    CHECK(key->info.scopes == spec.scopes);
    CHECK(key->info.tenant == tid);
    clock->advance(minutes(1));
    auto by_key = engine->auth().authenticate_api_key(key->key);
    REQUIRE(by_key.ok());
    CHECK(by_key->kind() == Principal::Kind::api_key);
    CHECK(by_key->tenant() == tid);
    CHECK(by_key->api_key() == key->info.id);
    auto revoked = engine->auth().revoke_api_key(sys(), tid, key->info.id);
    REQUIRE(revoked.ok());
    CHECK(revoked->revoked_at == clock->now());
    CHECK(engine->auth().authenticate_api_key(key->key).status().code() == Code::unauthenticated);
    auto keys = engine->auth().list_api_keys(sys(), tid);
    REQUIRE(keys.ok());
    REQUIRE(keys->size() == 1);
    CHECK(keys->front().revoked_at == clock->now());
    CHECK(keys->front().last_used_at == clock->now());

    auto events = engine->auth().security_events(sys(), tid, start, clock->now() + Seconds(1),
                                          "login_succeeded");
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    const SecurityEvent& e = events->front();
    CHECK(e.tenant == tid);
    CHECK(e.kind == "login_succeeded");
    CHECK(e.user == user->id);
    CHECK(e.email == "ann@example.com");
    CHECK(e.source == "198.51.100.4");
    CHECK(e.at == start + minutes(2));
    auto failed = engine->auth().security_events(sys(), tid, start, clock->now() + Seconds(1),
                                          "login_failed");
    REQUIRE(failed.ok());
    CHECK(failed->size() == 1);
    auto all = engine->auth().security_events(sys(), tid, start, clock->now() + Seconds(1));
    REQUIRE(all.ok());
    CHECK(all->size() >= 5);  // user_created, login_failed, login_succeeded, logout, key events
  });
}
