// Storage conformance for authentication as a whole: a failed write keeps no auth rows, and
// login, sessions, API keys and security events behave the same through the engine.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

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
              CHECK(t.list_sessions(TenantId{}, UserId{})->empty());
              CHECK(t.count_live_sessions(t0).value() == 0);
              CHECK(t.list_api_keys(tenant)->empty());
              AuditQuery everything;
              everything.tenant = tenant;
              CHECK(t.list_audit(everything)->empty());
              CHECK(t.audit_heads()->empty());

              // A read transaction refuses every auth write with internal.
              StoredUser u = plain_user(tenant, "ro@example.com");
              CHECK(t.insert_user(u).status().code() == Code::internal);
              u.user.id = UserId{1};
              CHECK(t.update_user(u).code() == Code::internal);
              StoredSession x =
                  sample_session(tenant, UserId{1}, hex64('3'), t0, hours(1), hours(2));
              CHECK(t.insert_session(x).status().code() == Code::internal);
              x.session.id = SessionId{1};
              CHECK(t.update_session(x).code() == Code::internal);
              CHECK(t.revoke_sessions(TenantId{}, UserId{}, t0, SessionId{}).status().code() ==
                    Code::internal);
              CHECK(t.delete_dead_sessions(t0, 10).status().code() == Code::internal);
              StoredApiKey k;
              k.key.tenant = tenant;
              k.key.name = "ro";
              k.secret_hash = hex64('4');
              CHECK(t.insert_api_key(k).status().code() == Code::internal);
              k.key.id = ApiKeyId{1};
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
      BOKA_ASSIGN_OR_RETURN(auto revoked, t.revoke_sessions(TenantId{}, UserId{}, t0, SessionId{}));
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
    auto tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"});
    REQUIRE(tenant.ok());
    const TenantId tid = tenant->id;

    auto user = engine->auth().create_user(
        sys(), tid, NewUser{"Ann@Example.com", "Ann", Role::staff, "correct horse battery"});
    REQUIRE(user.ok());
    CHECK(user->email == "ann@example.com");
    CHECK(user->role == Role::staff);
    CHECK_FALSE(user->mfa_enabled);
    CHECK(engine->auth()
              .create_user(
                  sys(), tid,
                  NewUser{"ann@example.com", "Ann 2", Role::customer, "another long password"})
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
    CHECK(engine->auth().authenticate_session(grant->token).status().code() ==
          Code::unauthenticated);
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
