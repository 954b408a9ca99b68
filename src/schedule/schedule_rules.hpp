// Schedule validation and expansion into open UTC ranges.
#pragma once

#include <vector>

#include "boka/schedule.hpp"
#include "boka/status.hpp"
#include "core/range.hpp"
#include "time/zone.hpp"

namespace boka::detail {

// invalid_argument naming the first bad rule: inverted or overlapping intervals, minutes
// outside 0..1440, a weekday or date given twice, an impossible date or holiday.
Status validate_schedule(const Schedule& schedule);

// Open ranges in UTC within [from, to), sorted and merged. A null schedule is always open.
std::vector<Range> open_ranges(const Schedule* schedule, const Zone& zone, std::int64_t from,
                               std::int64_t to);

// The local calendar date of instant t in zone, and the UTC range of that local day.
date::local_days local_day_of(const Zone& zone, std::int64_t t);
Range utc_range_of_local_day(const Zone& zone, date::local_days day);

}  // namespace boka::detail
