// Expansion of a series into occurrences (expand_occurrences, boka/recurrence.hpp). Dates
// are generated in local wall time, period by period (day, week or month), and each start is
// converted to UTC by detail::Zone, which applies the gap/fold rule of docs/architecture.md,
// "Time model". The decisions are in docs/architecture.md, "Recurrence".
#include <date/date.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "recurrence/rrule_text.hpp"
#include "time/zone.hpp"

namespace boka {
namespace {

using date::days;
using date::local_days;

local_days to_days(const LocalDate& d) {
  return local_days(date::year(d.year) / date::month(static_cast<unsigned>(d.month)) /
                    date::day(static_cast<unsigned>(d.day)));
}

LocalDate to_local_date(local_days d) {
  const date::year_month_day ymd(d);
  return LocalDate{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// 0 = Sunday .. 6 = Saturday, as boka::Weekday.
int weekday_of(local_days d) { return static_cast<int>(date::weekday(d).c_encoding()); }

// Which weekdays BYDAY names (ordinals aside), as a mask indexed by boka::Weekday.
std::array<bool, 7> weekday_mask(const std::vector<WeekdayNum>& by_day) {
  std::array<bool, 7> mask{};
  for (const WeekdayNum& w : by_day) mask[static_cast<std::size_t>(w.day)] = true;
  return mask;
}

// Does day `d` (1..dim) of a month with `dim` days match BYMONTHDAY entry `md`?
bool month_day_matches(int md, int d, int dim) { return md > 0 ? d == md : d == dim + md + 1; }

// Does day `d` of a month (weekday `wd`, `dim` days) match a BYDAY entry with ordinals?
bool by_day_matches_in_month(const std::vector<WeekdayNum>& by_day, int d, int wd, int dim) {
  const int nth = (d - 1) / 7 + 1;             // 1 for days 1..7, 2 for 8..14, ...
  const int nth_from_end = (dim - d) / 7 + 1;  // 1 for the last seven days, ...
  for (const WeekdayNum& w : by_day) {
    if (static_cast<int>(w.day) != wd) continue;
    if (w.ordinal == 0 || w.ordinal == nth || w.ordinal == -nth_from_end) return true;
  }
  return false;
}

Status validate_pattern(const SeriesPattern& s, int max_occurrences) {
  if (max_occurrences < 1 || max_occurrences > SeriesPattern::kMaxOccurrences) {
    return InvalidArgument("max_occurrences: must be 1.." +
                           std::to_string(SeriesPattern::kMaxOccurrences) + ", got " +
                           std::to_string(max_occurrences));
  }
  if (!detail::valid_series_date(s.first_date)) {
    return InvalidArgument("first_date: " + detail::iso_date_text(s.first_date) +
                           " is not a valid date (years 1900..9999)");
  }
  if (s.start_minute < 0 || s.start_minute > 1439) {
    return InvalidArgument("start_minute: must be 0..1439 (minutes after local midnight), got " +
                           std::to_string(s.start_minute));
  }
  if (s.duration <= Seconds(0) || s.duration > SeriesPattern::kMaxDuration) {
    return InvalidArgument("duration: must be 1.." +
                           std::to_string(SeriesPattern::kMaxDuration.count()) +
                           " seconds (366 days), got " + std::to_string(s.duration.count()));
  }
  if (s.exdates.size() > SeriesPattern::kMaxExdates) {
    return InvalidArgument("exdates: at most " + std::to_string(SeriesPattern::kMaxExdates) +
                           " dates, got " + std::to_string(s.exdates.size()));
  }
  for (std::size_t i = 0; i < s.exdates.size(); ++i) {
    if (!detail::valid_series_date(s.exdates[i])) {
      return InvalidArgument("exdates[" + std::to_string(i) +
                             "]: " + detail::iso_date_text(s.exdates[i]) +
                             " is not a valid date (years 1900..9999)");
    }
  }
  BOKA_RETURN_IF_ERROR(validate_rrule(s.rule));
  if (!s.rule.count && !s.rule.until) {
    return InvalidArgument("RRULE: a series needs COUNT or UNTIL (" + format_rrule(s.rule) +
                           " repeats forever)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Occurrence>> expand_occurrences(const SeriesPattern& series,
                                                   std::string_view zone_name, Instant horizon_end,
                                                   int max_occurrences) {
  BOKA_RETURN_IF_ERROR(validate_pattern(series, max_occurrences));
  BOKA_ASSIGN_OR_RETURN(const detail::Zone zone, detail::Zone::locate(zone_name, "zone"));
  const RecurrenceRule& rule = series.rule;
  const local_days first = to_days(series.first_date);
  const auto start_of = [&](local_days d) {
    return zone.to_utc(detail::LocalSeconds(d) + std::chrono::minutes(series.start_minute));
  };
  const Instant first_start = start_of(first);

  // The last local date worth generating, and for the date-time forms of UNTIL the last
  // instant an occurrence may start (compared with the start as converted: an occurrence
  // moved forward out of a gap past UNTIL is not in the series). Dates are generated in
  // order, and an occurrence on a later date never starts earlier (the gap/fold rule
  // shifts a start by the size of a transition, and a day is 24 local hours), so the first
  // occurrence past UNTIL ends the series.
  local_days scan_end = local_days(date::year(9999) / date::December / date::day(31));
  std::optional<Instant> until_instant;
  if (rule.until) {
    using Kind = RecurrenceRule::Until::Kind;
    const RecurrenceRule::Until& u = *rule.until;
    const std::string shown = "RRULE: UNTIL=" + detail::until_text(u);
    if (u.kind == Kind::local_date) {
      scan_end = to_days(u.date);
      if (scan_end < first) {
        return InvalidArgument(shown + ": before the first occurrence on " +
                               detail::iso_date_text(series.first_date));
      }
    } else {
      if (u.kind == Kind::local_date_time) {
        until_instant =
            zone.to_utc(detail::LocalSeconds(to_days(u.date)) + Seconds(u.second_of_day));
      } else {
        until_instant =
            Instant(date::sys_days(to_days(u.date).time_since_epoch())) + Seconds(u.second_of_day);
      }
      if (*until_instant < first_start) {
        return InvalidArgument(shown + ": before the first occurrence, which starts at " +
                               format_utc(first_start));
      }
      // Nothing on a local date after UNTIL's own can start at or before it; the extra day
      // is a margin.
      scan_end = std::min(scan_end,
                          local_days(date::floor<days>(zone.to_local(*until_instant))) + days(1));
    }
  }

  std::vector<LocalDate> excluded = series.exdates;
  std::sort(excluded.begin(), excluded.end());

  std::vector<Occurrence> out;
  int generated = 0;  // what COUNT counts: every generated date, excluded ones included
  Status failure;
  // Takes the next date the rule generates (in order); false when the series has ended or
  // failed (then `failure` says why).
  const auto take = [&](local_days d) -> bool {
    if (rule.count && generated >= *rule.count) return false;
    if (d > scan_end) return false;
    const Instant start = start_of(d);
    if (until_instant && start > *until_instant) return false;
    ++generated;
    const LocalDate date = to_local_date(d);
    if (std::binary_search(excluded.begin(), excluded.end(), date)) return true;
    if (start > horizon_end) {
      failure = ConflictError("series: the occurrence on " + detail::iso_date_text(date) +
                              " would start at " + format_utc(start) + ", after the horizon " +
                              format_utc(horizon_end) + "; end the series sooner with COUNT or " +
                              "UNTIL, or book it later");
      return false;
    }
    if (static_cast<int>(out.size()) >= max_occurrences) {
      failure = InvalidArgument("series: more than " + std::to_string(max_occurrences) +
                                " occurrences (the limit per series); end it sooner with " +
                                "COUNT or UNTIL");
      return false;
    }
    out.push_back(Occurrence{date, start, start + series.duration});
    return true;
  };

  // DTSTART is the first occurrence whatever the rule says (RFC 5545, COUNT: "The DTSTART
  // property value always counts as the first occurrence"); the rule's dates follow it.
  bool going = take(first);
  const int interval = rule.interval;
  switch (rule.frequency) {
    case Frequency::daily: {
      const auto weekdays = weekday_mask(rule.by_day);
      for (local_days d = first + days(interval); going && d <= scan_end; d += days(interval)) {
        if (!rule.by_day.empty() && !weekdays[static_cast<std::size_t>(weekday_of(d))]) continue;
        if (!rule.by_month_day.empty()) {
          const date::year_month_day ymd(d);
          const int day = static_cast<int>(static_cast<unsigned>(ymd.day()));
          const int dim = static_cast<int>(
              static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day()));
          bool hit = false;
          for (int md : rule.by_month_day) hit = hit || month_day_matches(md, day, dim);
          if (!hit) continue;
        }
        going = take(d);
      }
      break;
    }
    case Frequency::weekly: {
      // Weeks start on WKST; the first period is the week that holds the first date.
      const int into_week = (weekday_of(first) - static_cast<int>(rule.week_start) + 7) % 7;
      std::array<bool, 7> weekdays = weekday_mask(rule.by_day);
      if (rule.by_day.empty()) weekdays[static_cast<std::size_t>(weekday_of(first))] = true;
      for (local_days week = first - days(into_week); going && week <= scan_end;
           week += days(7 * interval)) {
        for (int i = 0; going && i < 7; ++i) {
          const local_days d = week + days(i);
          if (d <= first || !weekdays[static_cast<std::size_t>(weekday_of(d))]) continue;
          going = take(d);
        }
      }
      break;
    }
    case Frequency::monthly: {
      const date::year_month first_month =
          date::year_month_day(first).year() / date::year_month_day(first).month();
      const int first_day = series.first_date.day;
      for (date::year_month ym = first_month; going; ym += date::months(interval)) {
        if (ym.year() > date::year(9999)) break;
        const local_days month_start = local_days(ym / date::day(1));
        if (month_start > scan_end) break;
        const int dim = static_cast<int>(static_cast<unsigned>((ym / date::last).day()));
        const int first_wd = weekday_of(month_start);
        for (int day = 1; going && day <= dim; ++day) {
          const local_days d = month_start + days(day - 1);
          if (d <= first) continue;
          const int wd = (first_wd + day - 1) % 7;
          bool hit;
          if (!rule.by_month_day.empty()) {
            // BYMONTHDAY expands; BYDAY, if given, keeps only the days it also names.
            hit = false;
            for (int md : rule.by_month_day) hit = hit || month_day_matches(md, day, dim);
            if (hit && !rule.by_day.empty())
              hit = by_day_matches_in_month(rule.by_day, day, wd, dim);
          } else if (!rule.by_day.empty()) {
            hit = by_day_matches_in_month(rule.by_day, day, wd, dim);
          } else {
            // The first date's day of the month; a month without it has no occurrence
            // (RFC 5545: an invalid date such as April 31 is ignored, not moved).
            hit = day == first_day;
          }
          if (hit) going = take(d);
        }
      }
      break;
    }
  }
  if (!failure.ok()) return failure;
  return out;
}

}  // namespace boka
