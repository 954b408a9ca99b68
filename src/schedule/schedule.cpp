#include <boost/date_time/gregorian/gregorian.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "schedule/schedule_rules.hpp"

namespace boka::detail {
namespace {

const char* weekday_name(Weekday d) {
  static const char* const kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                       "thursday", "friday", "saturday"};
  const int i = static_cast<int>(d);
  return (i >= 0 && i < 7) ? kNames[i] : "invalid";
}

std::string date_text(const LocalDate& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

bool valid_date(const LocalDate& d) {
  if (d.year < 1900 || d.year > 9999) return false;
  return date::year_month_day(date::year(d.year), date::month(static_cast<unsigned>(d.month)),
                              date::day(static_cast<unsigned>(d.day)))
      .ok();
}

Status validate_intervals(const std::vector<LocalInterval>& intervals, const std::string& field) {
  std::vector<LocalInterval> sorted = intervals;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const LocalInterval& iv = intervals[i];
    const std::string name = field + ".intervals[" + std::to_string(i) + "]";
    if (iv.start_minute < 0 || iv.start_minute > 1440 || iv.end_minute < 0 ||
        iv.end_minute > 1440) {
      return InvalidArgument(name + ": minutes must lie in 0..1440, got " +
                             std::to_string(iv.start_minute) + ".." +
                             std::to_string(iv.end_minute));
    }
    if (iv.end_minute <= iv.start_minute) {
      return InvalidArgument(name + ": end_minute (" + std::to_string(iv.end_minute) +
                             ") must be after start_minute (" + std::to_string(iv.start_minute) +
                             ")");
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const LocalInterval& a, const LocalInterval& b) {
    return a.start_minute < b.start_minute;
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].start_minute < sorted[i - 1].end_minute) {
      return InvalidArgument(field + ": intervals " + std::to_string(sorted[i - 1].start_minute) +
                             ".." + std::to_string(sorted[i - 1].end_minute) + " and " +
                             std::to_string(sorted[i].start_minute) + ".." +
                             std::to_string(sorted[i].end_minute) + " overlap");
    }
  }
  return Status::Ok();
}

boost::gregorian::greg_weekday to_boost(Weekday d) {
  return boost::gregorian::greg_weekday(static_cast<unsigned short>(d));
}

// The date a holiday falls on in `year`, or nothing (Feb 29 in a common year).
std::optional<LocalDate> holiday_in(const HolidayRule& rule, int year) {
  using namespace boost::gregorian;
  try {
    const auto month = static_cast<unsigned short>(rule.month);
    boost::gregorian::date d;
    switch (rule.kind) {
      case HolidayRule::Kind::fixed_date:
        if (rule.month == 2 && rule.day_of_month == 29 &&
            !gregorian_calendar::is_leap_year(static_cast<unsigned short>(year))) {
          return std::nullopt;
        }
        d = partial_date(static_cast<unsigned short>(rule.day_of_month), month)
                .get_date(static_cast<unsigned short>(year));
        break;
      case HolidayRule::Kind::nth_weekday:
        d = nth_day_of_the_week_in_month(
                static_cast<nth_day_of_the_week_in_month::week_num>(rule.nth),
                to_boost(rule.weekday), month)
                .get_date(static_cast<unsigned short>(year));
        break;
      case HolidayRule::Kind::last_weekday:
        d = last_day_of_the_week_in_month(to_boost(rule.weekday), month)
                .get_date(static_cast<unsigned short>(year));
        break;
    }
    return LocalDate{d.year(), d.month(), d.day()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Holiday dates per year, computed once per expansion.
class HolidayCalendar {
 public:
  explicit HolidayCalendar(const std::vector<HolidayRule>& rules) : rules_(rules) {}
  bool is_holiday(const LocalDate& d) {
    if (rules_.empty()) return false;
    auto it = years_.find(d.year);
    if (it == years_.end()) {
      std::set<LocalDate> dates;
      for (const HolidayRule& r : rules_) {
        if (auto hd = holiday_in(r, d.year)) dates.insert(*hd);
      }
      it = years_.emplace(d.year, std::move(dates)).first;
    }
    return it->second.count(d) > 0;
  }

 private:
  const std::vector<HolidayRule>& rules_;
  std::map<int, std::set<LocalDate>> years_;
};

LocalDate to_local_date(date::local_days day) {
  const date::year_month_day ymd(day);
  return LocalDate{static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                   static_cast<int>(unsigned(ymd.day()))};
}

}  // namespace

Status validate_schedule(const Schedule& s) {
  if (s.name.empty() || s.name.size() > 200) {
    return InvalidArgument("schedule.name: must be 1..200 bytes");
  }
  bool seen_day[7] = {};
  for (const WeeklyRule& rule : s.weekly) {
    const int d = static_cast<int>(rule.day);
    if (d < 0 || d > 6) {
      return InvalidArgument("schedule.weekly: weekday " + std::to_string(d) +
                             " is not 0 (sunday)..6 (saturday)");
    }
    const std::string field = std::string("schedule.weekly[") + weekday_name(rule.day) + "]";
    if (seen_day[d]) return InvalidArgument(field + ": weekday given twice");
    seen_day[d] = true;
    BOKA_RETURN_IF_ERROR(validate_intervals(rule.intervals, field));
  }
  std::set<LocalDate> seen_dates;
  for (const DateOverride& o : s.overrides) {
    const std::string field = "schedule.overrides[" + date_text(o.date) + "]";
    if (!valid_date(o.date)) return InvalidArgument(field + ": not a valid calendar date");
    if (!seen_dates.insert(o.date).second) return InvalidArgument(field + ": date given twice");
    BOKA_RETURN_IF_ERROR(validate_intervals(o.intervals, field));
  }
  for (std::size_t i = 0; i < s.holidays.size(); ++i) {
    const HolidayRule& h = s.holidays[i];
    const std::string field = "schedule.holidays[" + std::to_string(i) + "]";
    if (h.month < 1 || h.month > 12) {
      return InvalidArgument(field + ".month: must be 1..12, got " + std::to_string(h.month));
    }
    switch (h.kind) {
      case HolidayRule::Kind::fixed_date: {
        // 2000 is a leap year, so Feb 29 passes; it applies only in leap years.
        if (!valid_date(LocalDate{2000, h.month, h.day_of_month})) {
          return InvalidArgument(field + ".day_of_month: " + std::to_string(h.day_of_month) +
                                 " does not exist in month " + std::to_string(h.month));
        }
        break;
      }
      case HolidayRule::Kind::nth_weekday:
        if (h.nth < 1 || h.nth > 4) {
          return InvalidArgument(field +
                                 ".nth: must be 1..4 (use last_weekday for the last), got " +
                                 std::to_string(h.nth));
        }
        [[fallthrough]];
      case HolidayRule::Kind::last_weekday:
        if (static_cast<int>(h.weekday) < 0 || static_cast<int>(h.weekday) > 6) {
          return InvalidArgument(field + ".weekday: must be 0 (sunday)..6 (saturday)");
        }
        break;
      default: return InvalidArgument(field + ".kind: unknown holiday kind");
    }
  }
  return Status::Ok();
}

date::local_days local_day_of(const Zone& zone, std::int64_t t) {
  return date::floor<date::days>(zone.to_local(from_unix(t)));
}

Range utc_range_of_local_day(const Zone& zone, date::local_days day) {
  const LocalSeconds begin{day};
  const LocalSeconds end{day + date::days(1)};
  return Range{to_unix(zone.to_utc(begin)), to_unix(zone.to_utc(end))};
}

std::vector<Range> open_ranges(const Schedule* schedule, const Zone& zone, std::int64_t from,
                               std::int64_t to) {
  std::vector<Range> out;
  if (to <= from) return out;
  if (schedule == nullptr) {
    out.push_back({from, to});
    return out;
  }
  const std::vector<LocalInterval>* weekly[7] = {};
  for (const WeeklyRule& rule : schedule->weekly)
    weekly[static_cast<int>(rule.day)] = &rule.intervals;
  std::map<LocalDate, const std::vector<LocalInterval>*> overrides;
  for (const DateOverride& o : schedule->overrides) overrides[o.date] = &o.intervals;
  HolidayCalendar holidays(schedule->holidays);

  // One day of margin each side: a local day can start up to ~26 h away from UTC's.
  const date::local_days first = local_day_of(zone, from) - date::days(1);
  const date::local_days last = local_day_of(zone, to) + date::days(1);
  for (date::local_days day = first; day <= last; day += date::days(1)) {
    const LocalDate ld = to_local_date(day);
    const std::vector<LocalInterval>* intervals = nullptr;
    if (auto it = overrides.find(ld); it != overrides.end()) {
      intervals = it->second;
    } else if (holidays.is_holiday(ld)) {
      continue;
    } else {
      intervals = weekly[date::weekday(day).c_encoding()];
    }
    if (intervals == nullptr) continue;
    for (const LocalInterval& iv : *intervals) {
      const LocalSeconds ls{day + std::chrono::minutes(iv.start_minute)};
      const LocalSeconds le{day + std::chrono::minutes(iv.end_minute)};
      Range r{to_unix(zone.to_utc(ls)), to_unix(zone.to_utc(le))};
      r.begin = std::max(r.begin, from);
      r.end = std::min(r.end, to);
      if (!r.empty()) out.push_back(r);
    }
  }
  normalize(out);
  return out;
}

}  // namespace boka::detail
