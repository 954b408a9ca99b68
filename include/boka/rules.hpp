// boka/rules.hpp: the booking rules a business sets for its customers: change deadlines
// (cutoffs) and per-customer limits. A tenant, each resource and each service carry a set;
// a booking is bound by the tenant's, those of every resource it takes and its service's
// (the strictest cutoff applies, and each limit counts within its own scope).
//
// The rules bind every booking that names a customer (a customer id or a free-text
// customer reference) and every change of one; a principal with the permission
// "rules:override" (staff and above, the system principal) may pass over them explicitly
// (ReserveRequest::override_rules, ChangeGuard::override_rules), and the audit record of
// the change names each rule passed over. docs/rules.md has the details.
#pragma once

#include <cstdint>
#include <optional>

#include "boka/time.hpp"

namespace boka {

struct BookingRules {
  // No cancelling within this long before the start (0: none). Up to 365 days.
  Seconds cancel_cutoff{0};
  // No moving (time or placement) within this long before the start, nor to a new start
  // within it (0: none). Up to 365 days.
  Seconds reschedule_cutoff{0};
  // At most this many active (held or confirmed) bookings per customer that have not
  // ended yet, counted within the scope that sets it (the tenant, the resource, the
  // service); 0: no limit. Up to 10,000.
  int max_active_per_customer = 0;
  // At most this many active bookings per customer starting on one local day (in the zone
  // of the booking's first resource), counted within the scope; 0: no limit. Up to 1,000.
  int max_per_customer_per_day = 0;
};

inline bool operator==(const BookingRules& a, const BookingRules& b) {
  return a.cancel_cutoff == b.cancel_cutoff && a.reschedule_cutoff == b.reschedule_cutoff &&
         a.max_active_per_customer == b.max_active_per_customer &&
         a.max_per_customer_per_day == b.max_per_customer_per_day;
}

// Guards of a change to an existing reservation (Engine::cancel, reschedule,
// update_reservation; RecurringBookings::cancel and reschedule, for the occurrence named).
struct ChangeGuard {
  // Set: a reservation whose version differs is refused with conflict, so a client never
  // overwrites a change it has not seen.
  std::optional<std::int64_t> if_version;
  // Pass over the cancel and reschedule cutoffs and the per-customer limits. Needs
  // "rules:override"; the audit record names each rule passed over.
  bool override_rules = false;
};

}  // namespace boka
