// boka/series.hpp: recurring series, booked as ordinary reservations.
//
// A series is a recurrence rule (boka/recurrence.hpp) plus a first occurrence, read in the
// zone of the first allocation's resource (for a pool, its first member's). Booking it
// books every occurrence as an ordinary Reservation whose `series` names it, so
// availability, the conflict index and the stores need no special case for a repeated
// booking: a series is a row that groups reservations. docs/series.md is the guide; this
// header is the reference.
//
// The stored series always describes what is booked: an occurrence skipped at booking
// (skip_conflicts) or cancelled alone becomes one of its EXDATEs, and a change of "this and
// following" ends it with an UNTIL and starts a new series (split_from names the old one).
//
// Every type here is a plain value. The RecurringBookings facet is as thread-safe as the
// Engine it belongs to (any thread, concurrently).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boka/availability.hpp"
#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/recurrence.hpp"
#include "boka/reservation.hpp"
#include "boka/rules.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// What booking a series does with occurrences that cannot be booked.
enum class SeriesMode : int {
  all_or_nothing = 0,  // any refused occurrence refuses the whole series; nothing is booked
  skip_conflicts = 1,  // the free occurrences are booked; the refused ones are reported
};
const char* series_mode_name(SeriesMode mode) noexcept;  // "all_or_nothing", ...
std::optional<SeriesMode> parse_series_mode(std::string_view name) noexcept;

// Which occurrences a change of a series applies to, counted from one occurrence.
enum class SeriesScope : int {
  this_occurrence = 0,     // that occurrence alone
  this_and_following = 1,  // that occurrence and every later one (splits the series)
  whole_series = 2,        // every occurrence that has not started yet
};
const char* series_scope_name(SeriesScope scope) noexcept;  // "this_occurrence", ...
std::optional<SeriesScope> parse_series_scope(std::string_view name) noexcept;

// A series to book (or to check). The local wall time (first_date, start_minute) is read
// in the zone of the first allocation's resource, like a reservation's `zone`.
struct SeriesRequest {
  std::vector<AllocationRequest> allocations;  // 1..100, as for ReserveRequest
  LocalDate first_date;                        // the first occurrence (DTSTART)
  int start_minute = 0;                        // local wall time, 0..1439
  Seconds duration{0};                         // each occurrence's elapsed length
  RecurrenceRule rule;                         // COUNT or UNTIL required
  std::vector<LocalDate> exdates;              // local dates left out (EXDATE)
  SeriesMode mode = SeriesMode::all_or_nothing;
  std::optional<Seconds> hold_for;  // every occurrence held until now + hold_for (1 s..30 d)
  // A retry with the same key (by the same principal) returns the original booking; the
  // same key with a different request is already_exists. At most 200 bytes.
  std::string idempotency_key;
  std::string customer;                   // as ReserveRequest::customer, on every occurrence
  std::optional<CustomerId> customer_id;  // as ReserveRequest::customer_id, on every one
  std::string metadata_json = "{}";       // a JSON object, on every occurrence
  // Pass over the per-customer limits (boka/rules.hpp), as ReserveRequest::override_rules.
  bool override_rules = false;
};

// A stored series.
struct Series {
  SeriesId id{};
  TenantId tenant{};
  std::vector<AllocationRequest> allocations;
  LocalDate first_date;
  int start_minute = 0;
  Seconds duration{0};
  std::string zone;  // the zone its local times are read in
  RecurrenceRule rule;
  std::vector<LocalDate> exdates;
  std::string customer;
  std::optional<CustomerId> customer_id;
  std::string metadata_json = "{}";
  std::optional<SeriesId> split_from;  // set on the series a "this and following" change made
  Instant created_at{};
  Instant updated_at{};
  std::int64_t version = 1;

  // The pattern its occurrences are generated from.
  SeriesPattern pattern() const {
    return SeriesPattern{first_date, start_minute, duration, rule, exdates};
  }
};

// An occurrence that was not booked (or is not free), and why.
struct SkippedOccurrence {
  Occurrence occurrence;
  Code code = Code::conflict;                           // as RefusedOccurrence::code
  std::string reason;                                   // names the resource and the rule
  std::vector<ReservationId> blocking_reservation_ids;  // those the principal may see
};

// The answer of a series booking: the series, its booked occurrences in date order, and
// (skip_conflicts only) the occurrences left out, which the series lists as EXDATEs.
struct SeriesBooking {
  Series series;
  std::vector<Reservation> reservations;
  std::vector<SkippedOccurrence> skipped;
};

// Which occurrences of a series request could be booked now.
struct SeriesAvailability {
  std::vector<Occurrence> free;
  std::vector<SkippedOccurrence> taken;
};

// What a reschedule of occurrences of a series sets; unset fields keep the series' value.
// The occurrences it moves are those of the new pattern from the changed occurrence on:
// first_date defaults to the changed occurrence's date, and the rule to the series' rule
// (its COUNT reduced by the occurrences before the change).
struct SeriesReschedule {
  std::optional<LocalDate> first_date;
  std::optional<int> start_minute;
  std::optional<Seconds> duration;
  std::optional<RecurrenceRule> rule;
};

// The answer of a change of a series.
struct SeriesChange {
  Series series;                     // the series as it is now (for a split, the old part)
  std::optional<Series> split;       // the new series a this_and_following change started
  std::vector<Reservation> changed;  // every reservation the change wrote, by start
};

// The series facet of an Engine (Engine::series()). Each call authorizes like the
// single-reservation calls: reservations:all, or reservations:own (a customer books,
// sees and changes only series in their own name).
class RecurringBookings {
 public:
  RecurringBookings(const RecurringBookings&) = delete;
  RecurringBookings& operator=(const RecurringBookings&) = delete;

  // Books every occurrence in one write transaction, each checked as reserve checks a
  // single booking (capacity, hours, notice, horizon, grid, daily limit, pools, the
  // per-customer limits of boka/rules.hpp), with the earlier occurrences of the same series
  // counted. An occurrence over a per-customer limit is refused (or skipped) like one
  // without capacity. Errors:
  //  - invalid_argument: a bad field (naming it), a rule validate_rrule refuses, more than
  //    1,000 occurrences, neither COUNT nor UNTIL;
  //  - conflict: an occurrence beyond the resources' booking horizon; in all_or_nothing
  //    mode any refused occurrence (ConflictInfo::occurrences names each); in
  //    skip_conflicts mode, no occurrence free at all.
  // Nothing is stored on any error.
  Result<SeriesBooking> book(const Principal& who, TenantId tenant, const SeriesRequest& request);

  // Which occurrences of `request` would be booked now, and why the others would not
  // ("which of these 10 Tuesdays are free at 09:00?"). Stores nothing; ignores mode,
  // hold_for and idempotency_key.
  Result<SeriesAvailability> check(const Principal& who, TenantId tenant,
                                   const SeriesRequest& request);

  Result<Series> get(const Principal& who, TenantId tenant, SeriesId id);
  // Every reservation of the series (all statuses), by start.
  Result<std::vector<Reservation>> occurrences(const Principal& who, TenantId tenant, SeriesId id);
  // Confirms every held occurrence (one transaction). An occurrence whose hold lapsed
  // refuses the whole call (conflict naming it); confirmed ones are left as they are.
  Result<std::vector<Reservation>> confirm(const Principal& who, TenantId tenant, SeriesId id);

  // Cancels occurrences counted from `occurrence` (a reservation of a series):
  //  - this_occurrence: it alone; its date becomes an EXDATE of the series;
  //  - this_and_following: it and every later active occurrence; the series ends with an
  //    UNTIL the day before its date (left as is when it is the first occurrence);
  //  - whole_series: every active occurrence that has not started.
  // Occurrences already cancelled, expired or past stay as they are.
  // Every confirmed occurrence it cancels is bound by the cancel cutoff (boka/rules.hpp):
  // one inside it refuses the whole call (conflict naming the rule and deadline) unless
  // guard.override_rules; guard.if_version guards the named occurrence's version.
  Result<SeriesChange> cancel(const Principal& who, TenantId tenant, ReservationId occurrence,
                              SeriesScope scope);
  Result<SeriesChange> cancel(const Principal& who, TenantId tenant, ReservationId occurrence,
                              SeriesScope scope, const ChangeGuard& guard);

  // Moves occurrences counted from `occurrence`, all or nothing, in one transaction:
  //  - this_occurrence: it alone, to the change's first_date (default: its own date) at
  //    start_minute for duration (rule ignored); it stays in the series as an exception;
  //  - this_and_following: the series ends the day before the occurrence and a new series
  //    (split_from) takes the new pattern; the k-th active following occurrence moves to
  //    the new pattern's k-th occurrence, extra old ones are cancelled, extra new ones
  //    booked (a change of the rule can change their number);
  //  - whole_series: this_and_following from the first occurrence that has not started
  //    (changing the series in place when none has).
  // The moved occurrences' old placements never block their new ones. A refusal is
  // conflict naming every occurrence that does not fit (ConflictInfo::occurrences).
  // Every occurrence it moves is bound by the reschedule cutoff at its current start, as
  // cancel is by the cancel cutoff.
  Result<SeriesChange> reschedule(const Principal& who, TenantId tenant, ReservationId occurrence,
                                  SeriesScope scope, const SeriesReschedule& change);
  Result<SeriesChange> reschedule(const Principal& who, TenantId tenant, ReservationId occurrence,
                                  SeriesScope scope, const SeriesReschedule& change,
                                  const ChangeGuard& guard);

 private:
  friend class Engine;
  explicit RecurringBookings(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
