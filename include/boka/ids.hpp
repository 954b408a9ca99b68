// boka/ids.hpp: identifiers. Ids are positive 64-bit integers assigned by the store;
// 0 means "not assigned yet". Every id is unique within its kind across all tenants, but an
// object is only visible inside its own tenant: an id from another tenant reads as not found.
#pragma once

#include <cstdint>

namespace boka {

using TenantId = std::int64_t;
using ResourceId = std::int64_t;
using ScheduleId = std::int64_t;
using PoolId = std::int64_t;
using ReservationId = std::int64_t;

}  // namespace boka
