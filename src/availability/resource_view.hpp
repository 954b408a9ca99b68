// Everything needed to judge bookings on one resource at one instant "now": the resource,
// its schedule, its zone and its interval index. Both availability and reserve go through
// these functions, so what is offered is exactly what would be accepted.
#pragma once

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "boka/availability.hpp"
#include "boka/resource.hpp"
#include "boka/schedule.hpp"
#include "conflict/interval_index.hpp"
#include "core/range.hpp"
#include "time/zone.hpp"

namespace boka::detail {

// Terms a booking brings that tighten the resource's policy (a service's buffers and
// notice, boka/service.hpp): the larger of each and the resource's own applies.
struct BookingTerms {
  std::int64_t buffer_before = 0;
  std::int64_t buffer_after = 0;
  std::int64_t min_notice = 0;
};

struct ResourceView {
  const Resource* resource = nullptr;
  const Schedule* schedule = nullptr;  // null: open around the clock
  Zone zone;
  const IntervalIndex* index = nullptr;
  BookingTerms terms;  // of the booking being judged

  std::int64_t min_duration() const;
  std::int64_t step() const { return resource->policy.slot_step.count(); }
  // The buffers and notice that apply to the booking being judged.
  std::int64_t buffer_before() const {
    return std::max(index->buffer_before(), terms.buffer_before);
  }
  std::int64_t buffer_after() const { return std::max(index->buffer_after(), terms.buffer_after); }
  std::int64_t min_notice() const {
    return std::max<std::int64_t>(resource->policy.min_notice.count(), terms.min_notice);
  }
};

// Why one start fails on one resource. Empty findings: it would be accepted.
struct StartCheck {
  std::vector<Explanation::Finding> findings;
  std::vector<ReservationId> blocking;  // set when capacity is among the findings
  bool ok() const { return findings.empty(); }
};

// Checks every rule for [t, t + d) with quantity q, ignoring reservation `exclude` (the
// one being rescheduled). Collects all reasons, for explain.
StartCheck check_start(const ResourceView& view, std::int64_t t, std::int64_t d, int q,
                       std::int64_t now, ReservationId exclude);

// A schedule's open ranges as expanded once for one query, by schedule (id and version),
// zone and window: the members of a pool usually share all three, and expanding a month of
// a schedule in its zone was most of what each member cost. Used by one thread.
class OpenRangeMemo {
 public:
  const std::vector<Range>& open(const Schedule* schedule, const Zone& zone, std::int64_t from,
                                 std::int64_t to);

 private:
  struct Entry {
    ScheduleId schedule{};  // 0: no schedule (always open)
    std::int64_t version = 0;
    const void* zone = nullptr;
    std::int64_t from = 0, to = 0;
    std::vector<Range> ranges;
  };
  std::deque<Entry> entries_;  // few distinct schedules; references stay valid
};

// Every start t in [from, to) (ignoring the grid) where [t, t + d) with quantity q passes
// every rule. Normalized ranges. `memo` (optional) shares schedule expansions between the
// resources of one query.
std::vector<Range> valid_starts(const ResourceView& view, std::int64_t from, std::int64_t to,
                                std::int64_t d, int q, std::int64_t now, ReservationId exclude,
                                OpenRangeMemo* memo = nullptr);

// True if t lies on the grid of `step` seconds counted from local midnight in `zone`.
bool on_grid(const Zone& zone, std::int64_t step, std::int64_t t);

// Calls f(t) for each grid point inside the normalized ranges, in order, until f returns
// false.
template <typename F>
void for_each_grid_point(const Zone& zone, std::int64_t step, const std::vector<Range>& ranges,
                         F&& f) {
  for (const Range& r : ranges) {
    std::int64_t t = r.begin;
    while (t < r.end) {
      const Zone::Span span = zone.span_at(from_unix(t));
      const std::int64_t limit = std::min(r.end, to_unix(span.end));
      const std::int64_t local = t + span.offset.count();
      std::int64_t rem = local % step;
      if (rem < 0) rem += step;
      for (std::int64_t x = rem == 0 ? t : t + (step - rem); x < limit; x += step) {
        if (!f(x)) return;
      }
      t = limit;
    }
  }
}

}  // namespace boka::detail
