// boka/tenant.hpp: the isolation boundary. Every other object belongs to exactly one tenant.
#pragma once

#include <optional>
#include <string>

#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

struct Tenant {
  TenantId id{};                       // assigned by the store on create
  std::string name;                    // 1..200 bytes of UTF-8, unique among tenants
  Instant created_at{};                // set by the engine
  std::optional<Instant> archived_at;  // archived tenants take no new bookings
  std::int64_t version = 0;            // bumped by every update; pass it back to update
};

}  // namespace boka
