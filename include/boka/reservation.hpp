// boka/reservation.hpp: a booking of one or more (resource, quantity) allocations over one
// half-open UTC range [start, end), taken all-or-nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/ids.hpp"
#include "boka/schedule.hpp"
#include "boka/time.hpp"

namespace boka {

// held and confirmed count against capacity; a held reservation stops counting at its
// hold_expires_at instant whether or not it has been swept to expired yet.
enum class ReservationStatus : int {
  held = 0,
  confirmed = 1,
  cancelled = 2,
  expired = 3,
  completed = 4,
  no_show = 5,
};

const char* status_name(ReservationStatus status) noexcept;  // "held", ...
// Parses a name from status_name(); nullopt for anything else.
std::optional<ReservationStatus> parse_status(std::string_view name) noexcept;

// Where a reservation's payment stands (boka/payments.hpp). none: no payment is asked.
enum class PaymentStatus : int {
  none = 0,
  pending = 1,  // asked for, not yet paid
  paid = 2,
  refunded = 3,
  failed = 4,  // the last attempt failed; the customer may pay again while the hold lasts
};
const char* payment_status_name(PaymentStatus status) noexcept;  // "none", "pending", ...
std::optional<PaymentStatus> parse_payment_status(std::string_view name) noexcept;

struct Allocation {
  ResourceId resource{};       // for a pool allocation: the member that was picked
  int quantity = 1;            // 1..capacity of the resource
  std::optional<PoolId> pool;  // set when the allocation was requested from a pool
};

struct Reservation {
  ReservationId id{};  // assigned by the store
  TenantId tenant{};
  ReservationStatus status = ReservationStatus::confirmed;
  Instant start{};
  Instant end{};
  // The IANA zone of the first allocation's resource (allocations are sorted by resource
  // id), so a shell can show the reservation in local time. Set by the engine on every
  // reservation it returns; stores leave it empty. A reservation across resources in
  // several zones shows the first one's.
  std::string zone;
  std::optional<Instant> hold_expires_at;  // set while held
  std::vector<Allocation> allocations;     // sorted by resource id; at least one
  std::string idempotency_key;             // empty when none was given
  std::string customer;                    // free-form customer reference, may be empty
  std::optional<CustomerId> customer_id;   // the customer record it is for (customer.hpp)
  std::string notes;                       // 0..4,096 bytes, free text for staff and customer
  std::string metadata_json = "{}";        // a JSON object
  // The service it was booked as (service.hpp), with the terms it was booked under: the
  // price (minor units of `currency`) and the service's buffers, which go on applying
  // where they are longer than the resource's own.
  std::optional<ServiceId> service;
  std::optional<std::int64_t> price_minor;
  std::string currency;
  // The payment of the price (boka/payments.hpp): pending when the tenant takes payments
  // and the service has a price above zero; moved by the provider's notifications or by
  // staff. payment_reference is the provider's payment id or staff's note (0..200 bytes).
  PaymentStatus payment_status = PaymentStatus::none;
  std::string payment_reference;
  Seconds buffer_before{0};
  Seconds buffer_after{0};
  std::optional<SeriesId> series;  // the series it is an occurrence of (series.hpp)
  // With `series`: the local date the series' rule generated this occurrence for (its
  // iCalendar RECURRENCE-ID). It stays when the occurrence alone is moved to another day.
  std::optional<LocalDate> occurrence_date;
  Instant created_at{};
  Instant updated_at{};
  std::int64_t version = 1;  // bumped by every change; pass it back to guard updates

  // True if this reservation takes capacity at `now` (held and unexpired, or confirmed).
  bool is_active(Instant now) const {
    return status == ReservationStatus::confirmed ||
           (status == ReservationStatus::held && hold_expires_at && now < *hold_expires_at);
  }
};

// The order list_reservations returns.
enum class ReservationOrder : int {
  by_id = 0,     // id ascending
  by_start = 1,  // start ascending, then id
};

// Which reservations list_reservations returns, in `order`.
struct ReservationFilter {
  std::optional<ResourceId> resource;       // has an allocation on this resource
  std::optional<PoolId> pool;               // has an allocation requested from this pool
  std::optional<Instant> from;              // overlaps [from, to): end > from
  std::optional<Instant> to;                //                      start < to
  std::vector<ReservationStatus> statuses;  // stored status is one of these; empty = any
  std::optional<std::string> customer;      // exact match of the free-text reference
  std::optional<CustomerId> customer_id;    // for this customer record
  std::optional<SeriesId> series;           // occurrences of this series
  std::optional<ServiceId> service;         // booked as this service
  ReservationOrder order = ReservationOrder::by_id;
  // Keyset pagination: pass the last row of the previous page. by_id: ids greater than
  // after_id. by_start: rows after (after_start, after_id) in (start, id) order; after_start
  // is required with after_id there.
  ReservationId after_id{};
  std::optional<Instant> after_start;
  int limit = 100;  // 1..10000
};

}  // namespace boka
