// boka/schedule.hpp: opening hours in local wall time. A schedule has no zone of its own; it
// is read in the zone of the resource that uses it, so one "clinic hours" schedule can serve
// resources in several cities.
//
// Precedence for a local date: a date override wins, then a holiday (closed all day), then
// the weekly rules for that weekday.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

// A local wall-clock interval [start_minute, end_minute) within one day, in minutes after
// local midnight. end_minute may be 1440 (the next midnight). Intervals that would cross
// midnight are written as two intervals, one per day.
//
// Conversion to UTC (docs/architecture.md, "Time model"): a local time that does not exist
// (spring forward) moves forward by the gap; one that exists twice (fall back) takes the
// earlier instant.
// So on the spring-forward day in Europe/Berlin, 01:00-04:00 is two hours long, and on the
// fall-back day it is four.
struct LocalInterval {
  int start_minute = 0;
  int end_minute = 0;
};

enum class Weekday : int { sunday = 0, monday, tuesday, wednesday, thursday, friday, saturday };

struct WeeklyRule {
  Weekday day = Weekday::monday;
  std::vector<LocalInterval> intervals;  // non-overlapping; touching intervals merge
};

// A calendar date without a zone.
struct LocalDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend bool operator==(const LocalDate&, const LocalDate&) = default;
  friend auto operator<=>(const LocalDate&, const LocalDate&) = default;
};

// Replaces the weekly rules (and any holiday) on one date: closed when intervals is empty,
// otherwise open exactly during the listed intervals.
struct DateOverride {
  LocalDate date;
  std::vector<LocalInterval> intervals;
};

// A holiday that recurs every year and closes the whole local day, computed with
// Boost.Date_Time's generators.
struct HolidayRule {
  enum class Kind : int {
    fixed_date = 0,    // month + day_of_month ("December 25"); Feb 29 only in leap years
    nth_weekday = 1,   // nth (1..4) weekday of month ("4th Thursday of November")
    last_weekday = 2,  // last weekday of month ("last Monday of May")
  };
  std::string name;
  Kind kind = Kind::fixed_date;
  int month = 1;                      // 1..12
  int day_of_month = 1;               // fixed_date only
  int nth = 1;                        // nth_weekday only
  Weekday weekday = Weekday::monday;  // nth_weekday and last_weekday
};

struct Schedule {
  ScheduleId id{};  // assigned by the store
  TenantId tenant{};
  std::string name;                     // 1..200 bytes
  std::vector<WeeklyRule> weekly;       // at most one rule per weekday; missing weekdays are closed
  std::vector<DateOverride> overrides;  // at most one per date
  std::vector<HolidayRule> holidays;
  std::optional<Instant> archived_at;
  std::int64_t version = 0;
};

}  // namespace boka
