// Storage conformance for API key rows: every field round trips and updates.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

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

}  // namespace

TEST_CASE("conformance: every API key field round trips and updates") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    StoredApiKey full, bare, all_bits, other;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto creator,
                                    t.insert_user(plain_user(a, "admin@example.com", Role::admin)));
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
              bare.key.created_by = UserId{0};  // the system principal
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
              CHECK_FALSE(t.find_api_key(ApiKeyId{all_bits.key.id + 100})->has_value());
              auto in_a = t.list_api_keys(a).value();
              REQUIRE(in_a.size() == 3);
              CHECK(in_a[0].key.id == full.key.id);
              CHECK(in_a[1].key.id == bare.key.id);
              CHECK(in_a[2].key.id == all_bits.key.id);
              check_same_key(in_a[0], full);
              auto in_b = t.list_api_keys(b).value();
              REQUIRE(in_b.size() == 1);
              check_same_key(in_b[0], other);
              CHECK(t.list_api_keys(TenantId{b + 100})->empty());
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
    ghost.key.id = ApiKeyId{all_bits.key.id + 100};
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_api_key(ghost);
          }).code() == Code::not_found);
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
