// boka/availability.hpp: questions of the form "when is this free?".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

// One bookable unit of the request: a resource, or any member of a pool.
struct AllocationRequest {
  // Exactly one of resource and pool is set.
  std::optional<ResourceId> resource;
  std::optional<PoolId> pool;
  int quantity = 1;  // >= 1

  static AllocationRequest of_resource(ResourceId id, int quantity = 1) {
    return AllocationRequest{id, std::nullopt, quantity};
  }
  static AllocationRequest of_pool(PoolId id, int quantity = 1) {
    return AllocationRequest{std::nullopt, id, quantity};
  }
};

// Which starts in [from, to) could take a reservation of `duration` for all of `requests`
// at once (each resource free for its quantity; each pool with at least one member free).
struct AvailabilityQuery {
  std::vector<AllocationRequest> requests;  // 1..100; empty when `service` is set
  // Set: the question is about this service (boka/service.hpp): its allocations are the
  // requests, its duration the default duration, and its buffers and notice apply.
  std::optional<ServiceId> service;
  Instant from{};
  Instant to{};         // to - from <= kMaxRange
  Seconds duration{0};  // > 0; with a service, 0 means its duration, else one it allows
  // The slot grid. Default: the first resource's (or first pool member's) slot_step, laid
  // in that resource's zone from local midnight.
  std::optional<Seconds> step;
  // At most this many slots per answer, 1..kMaxSlots. Engine::availability refuses a query
  // with more (invalid_argument); Engine::availability_page returns the first `limit` and
  // where to continue.
  int limit = kMaxSlots;

  static constexpr Seconds kMaxRange{Seconds(400LL * 24 * 3600)};
  static constexpr int kMaxSlots = 10000;
  // Bounds on the work one query may cause, refused with invalid_argument beyond them:
  // grid points in [from, to) ((to - from) / step), and grid points times the resources
  // considered (each named resource, each member of each named pool). 400 days on a
  // 15-minute grid is 38,400 points; on a 60-second grid 576,000, which is refused.
  static constexpr std::int64_t kMaxGridPoints = 200000;
  static constexpr std::int64_t kMaxWork = 20000000;
};

struct Slot {
  Instant start{};
  Instant end{};
  // The IANA zone of the first request's resource (for a pool request, of the member the
  // slot names), so a shell can show the slot in local time. Set by the engine.
  std::string zone;
  // For each request in query order, the resource that a reservation starting here would
  // use (the resource itself, or the pool member that would be picked).
  std::vector<ResourceId> resources;
};

// One page of an availability answer (Engine::availability_page).
struct SlotPage {
  std::vector<Slot> slots;           // at most query.limit, by start
  bool truncated = false;            // more slots follow in [next_from, query.to)
  std::optional<Instant> next_from;  // set when truncated: the next page's query.from
};

// Why a start is or is not offered, per request.
struct Explanation {
  enum class Reason : int {
    closed = 0,       // outside opening hours (schedule, override or holiday)
    notice = 1,       // earlier than now + min_notice
    horizon = 2,      // later than now + max_horizon
    duration = 3,     // duration outside [min_duration, max_duration]
    off_grid = 4,     // start is not on the local slot grid
    daily_limit = 5,  // the local day already has daily_limit reservations
    capacity = 6,     // blocked by reservations (see blocking_reservation_ids)
    archived = 7,     // the resource or pool is archived
  };
  struct Finding {
    ResourceId resource{};
    Reason reason = Reason::closed;
    std::string detail;  // human-readable, e.g. "opens 09:00 local"
  };

  bool available = false;
  std::vector<Finding> findings;  // empty when available
  std::vector<ReservationId> blocking_reservation_ids;
};

const char* reason_name(Explanation::Reason reason) noexcept;  // "closed", ...

}  // namespace boka
