// boka/tenant.hpp: the isolation boundary. Every other object belongs to exactly one tenant.
#pragma once

#include <optional>
#include <string>

#include "boka/ids.hpp"
#include "boka/rules.hpp"
#include "boka/time.hpp"

namespace boka {

struct Tenant {
  TenantId id{};                       // assigned by the store on create
  std::string name;                    // 1..200 bytes of UTF-8, unique among tenants
  Instant created_at{};                // set by the engine
  std::optional<Instant> archived_at;  // archived tenants take no new bookings
  // The tenant-wide booking rules (boka/rules.hpp): every booking in the tenant is bound by
  // them besides its resources' and its service's. Set with Engine::update_tenant_rules.
  BookingRules rules;
  // The longest hold a booking may ask for (ReserveRequest::hold_for, series holds):
  // 1 minute .. 30 days, default 30 days.
  Seconds max_hold{Seconds(30LL * 24 * 3600)};
  std::int64_t version = 0;  // bumped by every update; pass it back to update
};

}  // namespace boka
