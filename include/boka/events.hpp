// boka/events.hpp: the event feed, boka's transactional outbox. Every change that matters to
// other systems (a reservation booked, held, confirmed, cancelled, rescheduled, edited,
// expired, completed or marked a no-show; a series or waitlist step; a customer created,
// changed, merged or erased) writes one event in the same transaction as the change: a
// change that rolls back leaves no event, and a committed change always has its event.
//
// Consumers read the feed in order with a cursor (Events::list with `after` = the last
// position they processed): pull consumers through every shell, and the webhook delivery of
// the worker. Events are kept for EngineOptions::event_retention, then pruned (Events::prune,
// run by the worker). docs/events.md lists the event types and their payloads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// One change, as other systems see it.
struct Event {
  // Unique across every tenant and never reused: the `webhook-id` of its deliveries, so a
  // receiver can drop the repeats that at-least-once delivery allows. Assigned when the
  // change is written, in the order changes write, which is not always the order they
  // commit: read the feed by `position`.
  EventId id{};
  // Its place in the feed: rises in the order the changes committed (for two changes of
  // one subject, always), never changes once given, and no event ever appears behind a
  // position a reader has already passed. On a store whose write transactions run one at
  // a time (memory, SQLite) it is given when the change commits; on PostgreSQL, at the
  // first read of the feed after the commit (docs/events.md, "Positions").
  std::int64_t position = 0;
  TenantId tenant{};
  // "reservation.created", "reservation.cancelled", ... (docs/events.md, "Types").
  std::string type;
  // What it is about, as "<kind>:<id>": "reservation:42", "series:7", "waitlist:3",
  // "customer:12". Events of one subject are in the order of its changes.
  std::string subject;
  Instant occurred_at{};  // when the change was made (the engine's clock)
  std::string actor;      // the principal's name, as in the audit trail
  std::string source;     // where it acted from ("" for the system principal)
  // The customer record the subject belongs to, if any: Customers::erase redacts their
  // events' payloads.
  std::optional<CustomerId> customer_id;
  // The subject's state after the change, as the JSON document the shells return for it,
  // under the name of its kind: {"reservation": {...}}, {"series": {...}, "reservations":
  // [ids]}, {"waitlist_entry": {...}}, {"customer": {...}}. {"redacted": true} once the
  // customer it names was erased.
  std::string payload_json;
};

// Which events Events::list returns: the tenant's events after `after`, oldest first.
struct EventQuery {
  std::int64_t after = 0;  // a position (0: from the oldest kept)
  int limit = 100;         // 1..1,000
  // Only these types; "reservation.*" matches a whole family. Empty: every type.
  std::vector<std::string> types;
  std::string subject;  // only this subject ("reservation:42"); empty: every subject
};

// A page of the feed. Pass `next_after` back as EventQuery::after for the next page; it
// moves past events the filters skipped, so a filtered reader does not rescan them.
struct EventPage {
  std::vector<Event> events;
  std::int64_t next_after = 0;
  bool more = false;  // a full page: ask again at once
};

// Every event type boka writes, in docs/events.md's order.
const std::vector<std::string>& event_types();

// The event feed (engine.events()). Thread-safe: any number of threads may call it.
class Events {
 public:
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;

  // The tenant's events after query.after, in position order. Needs "events:read".
  // invalid_argument for a bad limit, a negative position or an unknown type.
  Result<EventPage> list(const Principal& who, TenantId tenant, const EventQuery& query);
  // One event by id; not_found if it is not the tenant's or was pruned.
  Result<Event> get(const Principal& who, TenantId tenant, EventId id);
  // The highest position of the tenant's feed (0 if none): where a consumer that wants only
  // what happens from now on starts.
  Result<std::int64_t> head(const Principal& who, TenantId tenant);
  // Deletes up to `limit` events (all tenants) that occurred before now - event_retention.
  // Returns how many. For the worker; needs "system:operations".
  Result<std::int64_t> prune(const Principal& who, int limit = 10000);

 private:
  friend class Engine;
  explicit Events(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
