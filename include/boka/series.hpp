// boka/series.hpp: recurring series booked as ordinary reservations (DESIGN DRAFT: the
// types and the facet's calls the implementation will provide; not built or linked yet).
//
// A series is a recurrence rule (boka/recurrence.hpp) plus a first occurrence, read in the
// zone of the first allocation's resource. Booking it books every occurrence as an ordinary
// Reservation whose `series` names it, so availability, the conflict index and the stores
// need no special case for a repeated booking: a series is a row that groups reservations.
//
// Decisions this draft records (to move into docs/architecture.md "Series" when built):
// - One write transaction books a whole series, over the same lock plan as reserve (the
//   named resources and every member of a named pool, planned once for all occurrences):
//   in all_or_nothing mode any refused occurrence rolls everything back and the refusal
//   names every refused occurrence with its blocking ids; in skip_conflicts mode the free
//   occurrences are booked and the refused ones are returned with their reasons.
// - The occurrences are expanded before the transaction (expand_occurrences, against the
//   resource policy's horizon); the rule's text, first date, local start, duration and
//   excluded dates are stored, so a later change re-expands the same local times.
// - "This and following" splits: the old series gets an UNTIL just before the occurrence,
//   and a new series starts at it (split_from names the old one); its reservations move to
//   the new series in the same transaction. A reschedule of "this and following" moves each
//   occurrence in one transaction, all or nothing.
// - Idempotency: one key per series request, scoped per principal like reserve's.
//
// Thread-safety: the facet is as thread-safe as the Engine it belongs to; values are plain.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boka/availability.hpp"
#include "boka/ids.hpp"
#include "boka/recurrence.hpp"
#include "boka/reservation.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

// What booking a series does with occurrences that cannot be booked.
enum class SeriesMode : int {
  all_or_nothing = 0,  // any refused occurrence refuses the whole series; nothing is booked
  skip_conflicts = 1,  // the free occurrences are booked; the refused ones are reported
};

// A series to book. The local wall time (first_date, start_minute) is read in the zone of
// the first allocation's resource, like a reservation's `zone`.
struct SeriesRequest {
  std::vector<AllocationRequest> allocations;  // 1..100, as for ReserveRequest
  LocalDate first_date;                        // the first occurrence (DTSTART)
  int start_minute = 0;                        // local wall time, 0..1439
  Seconds duration{0};                         // each occurrence's elapsed length
  RecurrenceRule rule;                         // COUNT or UNTIL required
  std::vector<LocalDate> exdates;              // local dates left out
  SeriesMode mode = SeriesMode::all_or_nothing;
  std::optional<Seconds> hold_for;  // every occurrence held until now + hold_for
  std::string idempotency_key;      // a retry with the same key returns the original booking
  std::string customer;             // as ReserveRequest::customer, on every occurrence
  std::string metadata_json = "{}";
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
  std::string metadata_json = "{}";
  std::optional<SeriesId> split_from;  // set on the series a "this and following" change made
  Instant created_at{};
  Instant updated_at{};
  std::int64_t version = 1;
};

// An occurrence that was not booked, and why.
struct SkippedOccurrence {
  Occurrence occurrence;
  Code code = Code::conflict;  // conflict (taken, closed, notice, horizon, daily limit) or
                               // another refusal's code
  std::string reason;          // the refusal's message
  std::vector<ReservationId> blocking_reservation_ids;  // those the caller may see
  std::optional<Instant> next_free_start;
};

// The answer of a series booking: the series, its booked occurrences in date order, and
// (skip_conflicts only) the occurrences left out.
struct SeriesBooking {
  Series series;
  std::vector<Reservation> reservations;
  std::vector<SkippedOccurrence> skipped;
};

// Which occurrences a change of a series applies to.
enum class SeriesScope : int {
  this_occurrence = 0,     // one reservation (the series keeps the others)
  this_and_following = 1,  // this occurrence and every later one (splits the series)
  whole_series = 2,        // every occurrence not yet ended
};

// The facet (engine.series()), as the implementation will declare it:
//
//   Result<SeriesBooking> book(const Principal& who, TenantId tenant, const SeriesRequest&);
//   Result<Series> get(const Principal& who, TenantId tenant, SeriesId id);
//   Result<std::vector<Reservation>> occurrences(const Principal& who, TenantId tenant,
//                                                SeriesId id);
//   Result<std::vector<Reservation>> cancel(const Principal& who, TenantId tenant,
//                                           ReservationId occurrence, SeriesScope scope);
//   Result<SeriesBooking> reschedule(const Principal& who, TenantId tenant,
//                                    ReservationId occurrence, SeriesScope scope,
//                                    LocalDate new_first_date, int new_start_minute,
//                                    Seconds new_duration);
//   Result<std::vector<SkippedOccurrence>> check(const Principal& who, TenantId tenant,
//                                                const SeriesRequest&);  // "which are free?"

}  // namespace boka
