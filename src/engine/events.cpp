// The event feed (boka/events.hpp): writing an event in a change's transaction, positions on
// stores that give them after commit, reading the feed and pruning it. docs/events.md.
#include <algorithm>

#include "codec/json_codec.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

namespace {

// Every type, in docs/events.md's order. Append only: consumers filter by these names.
const std::vector<std::string> kEventTypes = {
    "reservation.created",
    "reservation.held",
    "reservation.confirmed",
    "reservation.cancelled",
    "reservation.rescheduled",
    "reservation.updated",
    "reservation.expired",
    "reservation.completed",
    "reservation.no_show",
    "reservation.paid",
    "reservation.payment_failed",
    "reservation.refunded",
    "series.created",
    "series.held",
    "series.confirmed",
    "series.cancelled",
    "series.rescheduled",
    "series.split",
    "waitlist.joined",
    "waitlist.offered",
    "waitlist.accepted",
    "waitlist.cancelled",
    "waitlist.expired",
    "waitlist.lapsed",
    "waitlist.reprioritized",
    "customer.created",
    "customer.updated",
    "customer.merged",
    "customer.erased",
};

// The lock name the positioner holds (StorageTransaction::position_events).
constexpr const char* kPositionerLock = "boka:events:position";
// Events one positioning transaction gives positions to; more wait for the next.
constexpr int kPositionBatch = 5000;

Status check_query(const EventQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return InvalidArgument("limit: must be 1..1000");
  if (q.after < 0) return InvalidArgument("after: must be >= 0");
  if (q.types.size() > 50) return InvalidArgument("types: at most 50");
  BOKA_RETURN_IF_ERROR(detail::check_event_types(q.types, "types"));
  if (q.subject.size() > 100) return InvalidArgument("subject: at most 100 bytes");
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& event_types() { return kEventTypes; }

Status detail::check_event_types(const std::vector<std::string>& types, const char* field) {
  for (const std::string& t : types) {
    const bool family = t.size() > 2 && t.compare(t.size() - 2, 2, ".*") == 0;
    const bool known =
        family ? std::any_of(kEventTypes.begin(), kEventTypes.end(),
                             [&](const std::string& k) {
                               return k.compare(0, t.size() - 1, t, 0, t.size() - 1) == 0;
                             })
               : std::find(kEventTypes.begin(), kEventTypes.end(), t) != kEventTypes.end();
    if (!known) {
      return InvalidArgument(std::string(field) + ": \"" + t.substr(0, 100) +
                             "\" is not an event type (docs/events.md lists them; "
                             "\"reservation.*\" matches a family)");
    }
  }
  return Status::Ok();
}

// ---- writing --------------------------------------------------------------------------------

Status EngineImpl::emit(StorageTransaction& txn, const detail::Actor& actor, TenantId tenant,
                        std::string type, std::string subject, std::optional<CustomerId> customer,
                        std::string payload_json) {
  Event e;
  e.tenant = tenant;
  e.type = std::move(type);
  e.subject = std::move(subject);
  e.occurred_at = clock->now();
  e.actor = actor.name;
  e.source = actor.source;
  e.customer_id = customer;
  e.payload_json = std::move(payload_json);
  return txn.insert_event(e);
}

namespace {

// {"<kind>": <the object's document>}, the payload of an event about it.
template <typename T>
std::string payload_of(const char* kind, const T& object) {
  std::string payload = "{\"";
  payload += kind;
  payload += "\":";
  codec::append_json_text(payload, object);
  payload += '}';
  return payload;
}

}  // namespace

Status EngineImpl::emit_reservation(StorageTransaction& txn, const detail::Actor& actor,
                                    const char* type, Reservation r, const Reservation* previous) {
  if (r.zone.empty()) BOKA_RETURN_IF_ERROR(fill_zone(txn, r.tenant, r));
  std::string payload = "{\"reservation\":";
  payload.reserve(1024);
  codec::append_json_text(payload, r);
  if (previous && (previous->start != r.start || previous->end != r.end)) {
    payload += ",\"previous\":{\"start\":";
    codec::append_value_text(payload, previous->start);
    payload += ",\"end\":";
    codec::append_value_text(payload, previous->end);
    payload += '}';
  }
  payload += '}';
  return emit(txn, actor, r.tenant, type, "reservation:" + std::to_string(r.id), r.customer_id,
              std::move(payload));
}

Status EngineImpl::emit_series(StorageTransaction& txn, const detail::Actor& actor,
                               const char* type, const Series& s,
                               const std::vector<ReservationId>& reservations) {
  std::string payload = "{\"series\":";
  codec::append_json_text(payload, s);
  payload += ",\"reservations\":";
  codec::append_value_text(payload, reservations);
  payload += '}';
  return emit(txn, actor, s.tenant, type, "series:" + std::to_string(s.id), s.customer_id,
              std::move(payload));
}

Status EngineImpl::emit_waitlist(StorageTransaction& txn, const detail::Actor& actor,
                                 const char* type, const WaitlistEntry& e) {
  return emit(txn, actor, e.tenant, type, "waitlist:" + std::to_string(e.id), e.customer_id,
              payload_of("waitlist_entry", e));
}

Status EngineImpl::emit_customer(StorageTransaction& txn, const detail::Actor& actor,
                                 const char* type, const Customer& c) {
  return emit(txn, actor, c.tenant, type, "customer:" + std::to_string(c.id), c.id,
              payload_of("customer", c));
}

Status EngineImpl::position_events() {
  bool waiting = false;
  BOKA_RETURN_IF_ERROR(storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) {
    BOKA_ASSIGN_OR_RETURN(waiting, txn.has_unpositioned_events());
    return Status::Ok();
  }));
  if (!waiting) return Status::Ok();
  // Read-only mode: nothing new can commit, and positions are writes; readers see what
  // was positioned before.
  if (read_only->on.load(std::memory_order_relaxed)) return Status::Ok();
  for (;;) {
    std::int64_t given = 0;
    WriteIntent intent(TxnScope::all_tenants());
    intent.lock_names.push_back(kPositionerLock);
    BOKA_RETURN_IF_ERROR(storage->write(intent, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(given, txn.position_events(kPositionBatch));
      return Status::Ok();
    }));
    if (given < kPositionBatch) return Status::Ok();
  }
}

// ---- the facet --------------------------------------------------------------------------------

Result<EventPage> Events::list(const Principal& who, TenantId tenant, const EventQuery& query) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::events_read).status());
  BOKA_RETURN_IF_ERROR(check_query(query));
  BOKA_RETURN_IF_ERROR(impl_->position_events());
  EventPage page;
  page.next_after = query.after;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(page.events, txn.list_events(tenant, query));
        if (static_cast<int>(page.events.size()) == query.limit) {
          page.more = true;
          page.next_after = page.events.back().position;
        } else {
          // The whole rest of the feed was read: a filtered reader may skip to its head.
          BOKA_ASSIGN_OR_RETURN(std::int64_t head, txn.event_head(tenant));
          page.next_after = std::max(query.after, head);
        }
        return Status::Ok();
      }));
  return page;
}

Result<Event> Events::get(const Principal& who, TenantId tenant, EventId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::events_read).status());
  BOKA_RETURN_IF_ERROR(impl_->position_events());
  std::optional<Event> found;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(found, txn.find_event(tenant, id));
        return Status::Ok();
      }));
  if (!found) return NotFound("event " + std::to_string(id) + " not found");
  return std::move(*found);
}

Result<std::int64_t> Events::head(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::events_read).status());
  BOKA_RETURN_IF_ERROR(impl_->position_events());
  std::int64_t head = 0;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(head, txn.event_head(tenant));
        return Status::Ok();
      }));
  return head;
}

Result<std::int64_t> Events::prune(const Principal& who, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  if (limit < 1 || limit > 1000000) return InvalidArgument("limit: must be 1..1000000");
  const Instant cutoff = impl_->clock->now() - impl_->event_retention;
  std::int64_t pruned = 0;
  BOKA_RETURN_IF_ERROR(impl_->storage->write(
      WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(pruned, txn.delete_events_before(cutoff, limit));
        return Status::Ok();
      }));
  return pruned;
}

}  // namespace boka
