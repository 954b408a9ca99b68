// boka/ids.hpp: identifiers. Ids are positive 64-bit integers assigned by the store;
// 0 means "not assigned yet". Every id is unique within its kind across all tenants, but an
// object is only visible inside its own tenant: an id from another tenant reads as not found.
//
// Each kind is a type of its own (TenantId, ResourceId, ...), so a call given its ids in the
// wrong order does not compile: get_resource(who, resource.id, tenant.id) is an error.
// An id is made from a number explicitly (TenantId{7}) and reads as its number implicitly
// (std::to_string(id), id > 0, SQL and JSON), because ids are shown and stored as numbers
// everywhere and mixing up kinds, not reading the number, is the mistake worth preventing.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace boka {

// A strong id of the kind `Tag`. A plain value: thread-safe as an int is.
template <typename Tag>
class Id {
 public:
  constexpr Id() noexcept = default;  // 0: not assigned
  constexpr explicit Id(std::int64_t value) noexcept : value_(value) {}

  constexpr std::int64_t value() const noexcept { return value_; }
  constexpr operator std::int64_t() const noexcept { return value_; }  // NOLINT: see above

  friend constexpr bool operator==(Id, Id) noexcept = default;
  friend constexpr auto operator<=>(Id, Id) noexcept = default;

 private:
  std::int64_t value_ = 0;
};

// JSON libraries that look up to_json/from_json by argument (nlohmann_json) write an id as
// its number and read it from one. Templates, so this header includes no JSON library.
template <typename Json, typename Tag>
void to_json(Json& j, Id<Tag> id) {
  j = id.value();
}
template <typename Json, typename Tag>
void from_json(const Json& j, Id<Tag>& id) {
  id = Id<Tag>{j.template get<std::int64_t>()};
}

using TenantId = Id<struct TenantIdTag>;
using ResourceId = Id<struct ResourceIdTag>;
using ScheduleId = Id<struct ScheduleIdTag>;
using PoolId = Id<struct PoolIdTag>;
using ReservationId = Id<struct ReservationIdTag>;
using UserId = Id<struct UserIdTag>;
using SessionId = Id<struct SessionIdTag>;
using ApiKeyId = Id<struct ApiKeyIdTag>;
using SeriesId = Id<struct SeriesIdTag>;
using WaitlistEntryId = Id<struct WaitlistEntryIdTag>;
using ServiceId = Id<struct ServiceIdTag>;
using CustomerId = Id<struct CustomerIdTag>;
using EventId = Id<struct EventIdTag>;
using WebhookEndpointId = Id<struct WebhookEndpointIdTag>;
using WebhookDeliveryId = Id<struct WebhookDeliveryIdTag>;
using FeedId = Id<struct FeedIdTag>;
using EmailId = Id<struct EmailIdTag>;

}  // namespace boka

template <typename Tag>
struct std::hash<boka::Id<Tag>> {
  std::size_t operator()(boka::Id<Tag> id) const noexcept {
    return std::hash<std::int64_t>{}(id.value());
  }
};
