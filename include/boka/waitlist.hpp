// boka/waitlist.hpp: a waitlist that promotes itself. A customer (or staff for them) joins
// with a request that does not fit now; when capacity frees, the engine offers it to the
// first waiting entry that fits, as a hold on the entry's behalf, inside the transaction
// that freed it. docs/waitlist.md is the guide; this header is the reference.
//
// Every type here is a plain value (copyable, no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/availability.hpp"
#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

// waiting: in the queue. offered: holds an offer (a held reservation) until
// offer_expires_at. accepted: the offer was confirmed (a real booking). cancelled: left the
// queue on request. expired: its own expiry passed while waiting. lapsed: an offer was not
// confirmed in time (the entry leaves the queue; the capacity passes to the next entry).
enum class WaitlistStatus : int {
  waiting = 0,
  offered = 1,
  accepted = 2,
  cancelled = 3,
  expired = 4,
  lapsed = 5,
};
const char* waitlist_status_name(WaitlistStatus status) noexcept;  // "waiting", ...
// Parses a name from waitlist_status_name(); nullopt for anything else.
std::optional<WaitlistStatus> parse_waitlist_status(std::string_view name) noexcept;

// One entry of a tenant's waitlist.
struct WaitlistEntry {
  WaitlistEntryId id{};  // assigned by the store
  TenantId tenant{};
  std::vector<AllocationRequest> allocations;  // what a booking for it takes, 1..100
  // The starts the entry accepts: any start in [earliest_start, latest_start] (equal for
  // an exact start), each for `duration`.
  Instant earliest_start{};
  Instant latest_start{};
  Seconds duration{0};
  std::string customer;  // whom the offer is for (the offered hold carries it)
  // Staff may raise an entry: higher first, then by joined_at, then by id.
  int priority = 0;
  Instant joined_at{};
  Instant expires_at{};  // the entry stops waiting at this instant
  WaitlistStatus status = WaitlistStatus::waiting;
  std::optional<ReservationId> offer;       // the held reservation offered (offered/accepted)
  std::optional<Instant> offer_expires_at;  // while offered
  std::string metadata_json = "{}";         // a JSON object, copied onto the offered hold
  Instant updated_at{};
  std::int64_t version = 1;
};

// Which entries list_waitlist returns, in queue order (priority descending, joined_at, id).
struct WaitlistFilter {
  std::optional<ResourceId> resource;    // names this resource directly
  std::optional<PoolId> pool;            // names this pool
  std::optional<std::string> customer;   // exact match
  std::vector<WaitlistStatus> statuses;  // empty: any
  int limit = 100;                       // 1..10000
};

}  // namespace boka
