// Typed ids: the mix-ups they exist to prevent do not compile, and an id still reads as
// its number wherever a number is wanted.
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <unordered_set>

#include "boka/boka.hpp"

using namespace boka;

// Ids of different kinds do not convert into each other, and a bare number does not
// silently become an id.
static_assert(!std::is_convertible_v<ResourceId, TenantId>);
static_assert(!std::is_convertible_v<TenantId, ResourceId>);
static_assert(!std::is_convertible_v<UserId, ApiKeyId>);
static_assert(!std::is_convertible_v<std::int64_t, ReservationId>);
static_assert(std::is_convertible_v<ReservationId, std::int64_t>);
// get_resource(who, tenant, id) given its ids the wrong way round does not compile.
static_assert(std::is_invocable_v<decltype(&Engine::get_resource), Engine&, const Principal&,
                                  TenantId, ResourceId>);
static_assert(!std::is_invocable_v<decltype(&Engine::get_resource), Engine&, const Principal&,
                                   ResourceId, TenantId>);
static_assert(!std::is_invocable_v<decltype(&Engine::confirm), Engine&, const Principal&,
                                   ReservationId, TenantId, std::optional<std::int64_t>>);
static_assert(!std::is_invocable_v<decltype(&Auth::revoke_api_key), Auth&, const Principal&,
                                   TenantId, UserId>);

TEST_CASE("ids compare, hash and print as their numbers") {
  const TenantId a{7};
  CHECK(a.value() == 7);
  CHECK(std::to_string(a) == "7");
  CHECK(TenantId{} == TenantId{0});
  CHECK(TenantId{3} < TenantId{4});
  std::unordered_set<ResourceId> seen{ResourceId{1}, ResourceId{2}, ResourceId{1}};
  CHECK(seen.size() == 2);
}

TEST_CASE("ids the engine assigns come back typed and usable as they are") {
  auto engine = Engine::open("memory:").value();
  const Principal sys = Principal::system();
  Tenant t;
  t.name = "ids";
  const TenantId tenant = engine->create_tenant(sys, t).value().id;
  Resource spec;
  spec.name = "room";
  spec.zone = "UTC";
  const Resource r = engine->create_resource(sys, tenant, spec).value();
  CHECK(r.tenant == tenant);
  CHECK(engine->get_resource(sys, tenant, r.id).value().name == "room");
  // An id of the right kind but another tenant still reads as not found.
  Tenant other_spec;
  other_spec.name = "other";
  const TenantId other = engine->create_tenant(sys, other_spec).value().id;
  CHECK(engine->get_resource(sys, other, r.id).status().code() == Code::not_found);
}
