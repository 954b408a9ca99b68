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
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

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
  std::string customer;                   // whom the offer is for (the offered hold carries it)
  std::optional<CustomerId> customer_id;  // the customer record, carried onto the offer too
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
  std::optional<ResourceId> resource;     // names this resource directly
  std::optional<PoolId> pool;             // names this pool
  std::optional<std::string> customer;    // exact match
  std::optional<CustomerId> customer_id;  // for this customer record
  std::vector<WaitlistStatus> statuses;   // empty: any
  int limit = 100;                        // 1..10000
};

// A request to join the waitlist.
struct WaitlistRequest {
  std::vector<AllocationRequest> allocations;  // 1..100, as for ReserveRequest
  // Any start in [earliest_start, latest_start] (equal for an exact start), for `duration`.
  Instant earliest_start{};
  Instant latest_start{};
  Seconds duration{0};
  // When the entry stops waiting; unset: latest_start (no point waiting past it). Must be
  // after now and at most latest_start.
  std::optional<Instant> expires_at;
  std::string customer;                   // whom it is for; a customer joins as themselves
  std::optional<CustomerId> customer_id;  // the customer record it is for
  int priority = 0;                       // -1000..1000; only staff (reservations:all) may set it
  std::string metadata_json = "{}";       // copied onto the offered hold
};

// Where an entry stands in its queue.
struct WaitlistPosition {
  WaitlistEntry entry;
  // 1 + the waiting entries ahead of it that compete for any of the same resources or pools
  // over an overlapping window; 0 when the entry is not waiting.
  int position = 0;
};

// The waitlist facet of an Engine (Engine::waitlist()). Offers are made by the engine
// itself: when a cancel, reschedule, no-show, hold expiry, capacity raise or schedule
// change frees capacity, the transaction that freed it offers it, in queue order, to each
// waiting entry that now fits, as a hold for EngineOptions::waitlist_offer_window. The
// customer confirms the offer with Engine::confirm (or accept here); an offer not
// confirmed in time lapses (the entry leaves the queue) and the capacity passes on.
// Authorization as for reservations: customers join, see and cancel only their own entries.
class Waitlist {
 public:
  Waitlist(const Waitlist&) = delete;
  Waitlist& operator=(const Waitlist&) = delete;

  // Adds an entry. If the request fits right now it is offered at once (the answer is
  // then status offered with its hold), so joining never leaves free capacity unoffered.
  Result<WaitlistEntry> join(const Principal& who, TenantId tenant, const WaitlistRequest& request);
  Result<WaitlistPosition> get(const Principal& who, TenantId tenant, WaitlistEntryId id);
  // In queue order. Customers see only their own entries.
  Result<std::vector<WaitlistEntry>> list(const Principal& who, TenantId tenant,
                                          const WaitlistFilter& filter);
  // Leaves the queue (waiting or offered; an offered hold is cancelled, which offers its
  // capacity to the next entry in the same transaction).
  Result<WaitlistEntry> cancel(const Principal& who, TenantId tenant, WaitlistEntryId id);
  // Confirms the entry's offer (as Engine::confirm on the offered hold).
  Result<Reservation> accept(const Principal& who, TenantId tenant, WaitlistEntryId id);
  // Staff: moves an entry up (or down) its queue. If that makes it first, nothing is offered
  // until capacity frees again.
  Result<WaitlistEntry> set_priority(const Principal& who, TenantId tenant, WaitlistEntryId id,
                                     int priority);
  // For a worker: marks waiting entries past their expiry expired and lapses offers past
  // their window (their capacity passes to the next entry), up to `limit`; returns how many
  // entries changed. Engine::expire_holds lapses offers too.
  Result<int> sweep(const Principal& who, int limit = 1000);

 private:
  friend class Engine;
  explicit Waitlist(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
