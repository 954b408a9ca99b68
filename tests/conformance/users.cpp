// Storage conformance for user rows: every field round trips and updates, emails are unique
// per tenant, and lookups stay in their tenant.
#include <catch2/catch.hpp>

#include <algorithm>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

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
    ghost.user.id = UserId{admin.user.id + 1000};
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
        plain_user(a, "zed@example.com", Role::customer),    // 0
        plain_user(b, "zed@example.com", Role::admin),       // 1: same email, other tenant
        plain_user(a, "amy@example.com", Role::superadmin),  // 2
        plain_user(a, "bob@example.com", Role::staff),       // 3
        plain_user(c, "cat@example.com", Role::superadmin),  // 4
        plain_user(a, "dan@example.com", Role::admin),       // 5
        plain_user(b, "eve@example.com", Role::customer),    // 6
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
    auto dup_update =
        write(*s, [&](StorageTransaction& t) -> Status { return t.update_user(taken); });
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
              CHECK_FALSE(t.find_user(a, UserId{users[6].user.id + 100})->has_value());

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
              CHECK(t.list_users(TenantId{c + 100})->empty());

              // list_users_with_role: admins and superadmins of every tenant (the order is not part
              // of the contract).
              auto admins = user_ids(t.list_users_with_role(Role::admin).value());
              std::sort(admins.begin(), admins.end());
              CHECK(admins == std::vector<UserId>{users[1].user.id, users[2].user.id,
                                                  users[4].user.id, users[5].user.id});
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
