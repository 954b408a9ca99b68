// boka/resource.hpp: something with a capacity that can be booked.
#pragma once

#include <optional>
#include <string>

#include "boka/ids.hpp"
#include "boka/rules.hpp"
#include "boka/time.hpp"

namespace boka {

// Booking rules of a resource. Zero means "no limit" where noted.
//
// Buffers: a reservation [start, end) occupies [start - buffer_before, end + buffer_after)
// on the resource, and two reservations compete for capacity where their occupied ranges
// overlap. So with buffer_after = 15 min, back-to-back bookings need a 15-minute gap. The
// booked range itself must lie inside opening hours; buffers may reach outside them.
struct Policy {
  Seconds slot_step{Seconds(15 * 60)};  // starts lie on this grid in local time, counted
                                        // from local midnight; must divide 24 h, >= 60 s
  Seconds min_notice{0};                // a start must be at least this far after now
  Seconds max_horizon{0};               // a start may be at most this far after now; 0 = no limit
  Seconds buffer_before{0};
  Seconds buffer_after{0};
  Seconds min_duration{0};  // 0 = one slot_step
  Seconds max_duration{0};  // 0 = no limit (other than the 400-day range limit)
  int daily_limit = 0;      // most active reservations starting on one local day; 0 = none
};

struct Resource {
  ResourceId id{};  // assigned by the store
  TenantId tenant{};
  std::string name;  // 1..200 bytes
  std::string zone;  // IANA zone name, "Europe/Berlin"; validated against the OS tzdb
  int capacity = 1;  // >= 1: how many units may be booked at once
  Policy policy;
  // Cutoffs and per-customer limits of bookings on this resource (boka/rules.hpp). A
  // cutoff may not exceed policy.max_horizon when that is set.
  BookingRules rules;
  std::optional<ScheduleId> schedule;  // none: open around the clock
  std::string metadata_json = "{}";    // a JSON object, stored as given
  Instant created_at{};
  std::optional<Instant> archived_at;  // archived: no new bookings, history kept
  std::int64_t version = 0;            // bumped by every write that touches the resource, including
                                       // reservations on it; pass it back to update_resource
};

}  // namespace boka
