// Storage conformance for session rows: every field round trips, token hashes are unique,
// and revocation, expiry and counting agree on which sessions are live.
#include <catch2/catch.hpp>

#include <algorithm>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

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

}  // namespace

TEST_CASE("conformance: every session field round trips - token hashes are unique") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    UserId ua{}, ub{};
    const Instant t0 = utc(2026, 2, 1, 12);
    StoredSession live = sample_session(a, UserId{}, hex64('1'), t0, minutes(30), hours(12));
    live.session.last_seen_at = t0 + minutes(5);
    live.session.idle_expires_at = t0 + minutes(35);
    live.session.mfa_passed = true;
    live.session.mfa_pending = false;
    live.session.source = "203.0.113.7";
    StoredSession revoked =
        sample_session(a, UserId{}, hex64('2'), t0 - hours(1), minutes(15), hours(8));
    revoked.session.mfa_passed = false;
    revoked.session.mfa_pending = true;
    revoked.revoked_at = t0 - minutes(59);
    StoredSession other = sample_session(b, UserId{}, hex64('3'), t0, minutes(20), hours(4));
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
              CHECK_FALSE(t.find_session(SessionId{other.session.id + 100})->has_value());
              // list_sessions: unrevoked only, by id; 0 is a wildcard for tenant and user.
              CHECK(session_ids(t.list_sessions(TenantId{}, UserId{}).value()) ==
                    std::vector<SessionId>{live.session.id, other.session.id});
              CHECK(session_ids(t.list_sessions(a, UserId{}).value()) ==
                    std::vector<SessionId>{live.session.id});
              CHECK(session_ids(t.list_sessions(a, ua).value()) ==
                    std::vector<SessionId>{live.session.id});
              CHECK(session_ids(t.list_sessions(TenantId{}, ub).value()) ==
                    std::vector<SessionId>{other.session.id});
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
    ghost.session.id = SessionId{other.session.id + 100};
    ghost.token_hash = hex64('8');
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_session(ghost);
          }).code() == Code::not_found);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              check_same_session(t.find_session(live.session.id).value().value(), live2);
              check_same_session(t.find_session(revoked.session.id).value().value(), revoked2);
              CHECK_FALSE(t.find_session_by_token(hex64('8'))->has_value());
              CHECK(session_ids(t.list_sessions(a, UserId{}).value()) ==
                    std::vector<SessionId>{revoked.session.id});
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: revoke_sessions counts and stamps and keeps one - tenant 0 is every tenant") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    UserId a1{}, a2{}, b1{};
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
    auto revoke = [&](std::int64_t tenant, std::int64_t user, Instant at, std::int64_t keep) {
      std::int64_t n = -1;
      Status st = write(*s, [&](StorageTransaction& t) -> Status {
        BOKA_ASSIGN_OR_RETURN(
            n, t.revoke_sessions(TenantId{tenant}, UserId{user}, at, SessionId{keep}));
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
    CHECK(revoked_at() ==
          std::vector<Opt>{t1, earlier, std::nullopt, std::nullopt, std::nullopt, t1});
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
              CHECK(t.list_sessions(TenantId{}, UserId{})->empty());
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
              BOKA_RETURN_IF_ERROR(add(a, ua, minutes(10), hours(1), true, dead));   // revoked
              BOKA_RETURN_IF_ERROR(add(b, ub, Seconds(-1), hours(1), false, dead));  // idle past
              BOKA_RETURN_IF_ERROR(add(b, ub, Seconds(1), hours(1), false, live));   // 1 s left
              BOKA_RETURN_IF_ERROR(add(a, ua, Seconds(0), hours(1), false, dead));   // idle == now
              BOKA_RETURN_IF_ERROR(
                  add(b, ub, minutes(10), -minutes(5), false, dead));  // absolute past
              BOKA_RETURN_IF_ERROR(
                  add(a, ua, minutes(10), Seconds(0), false, dead));  // absolute == now
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
              CHECK(t.list_sessions(TenantId{}, UserId{})->size() == 3);
              return Status::Ok();
            }).ok());
  });
}
