// boka/recurrence.hpp: recurrence rules, a subset of RFC 5545's RRULE (section 3.3.10), and
// their expansion into the occurrences of a series in one IANA zone. The decisions (what the
// subset is, how a series starts and ends, DST, caps) are in docs/architecture.md,
// "Recurrence"; docs/recurrence.md is the user's guide.
//
// What the subset is: FREQ=DAILY, WEEKLY or MONTHLY with INTERVAL, BYDAY, BYMONTHDAY, COUNT,
// UNTIL and WKST. Every other part RFC 5545 defines (BYHOUR, BYMONTH, BYSETPOS, ...) and the
// frequencies SECONDLY, MINUTELY, HOURLY and YEARLY are refused as not_supported; anything
// RFC 5545 does not define is invalid_argument. A series has one occurrence per local date
// at most (there is no BYHOUR), so excluded dates (EXDATE) are local dates.
//
// Thread-safety: everything here is a value or a pure function; call it from any thread.
// Errors: every function that can fail returns a Status or Result whose message starts with
// the part at fault ("RRULE: BYDAY=9MO: ...") or the field ("first_date: ...").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/schedule.hpp"  // LocalDate, Weekday
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

// FREQ: the period a rule repeats in. Values are append-only like every enum of the API.
enum class Frequency : int {
  daily = 0,    // FREQ=DAILY
  weekly = 1,   // FREQ=WEEKLY
  monthly = 2,  // FREQ=MONTHLY
};

// "daily", "weekly", "monthly" (lower case, like every *_name; the RRULE text spells them
// in upper case). Never null; "unknown" for a value outside the enum.
const char* frequency_name(Frequency frequency) noexcept;
// Parses a name from frequency_name(); nullopt for anything else (also for "DAILY").
std::optional<Frequency> parse_frequency(std::string_view name) noexcept;

// One entry of BYDAY, RFC 5545's "weekdaynum": a weekday, optionally with an ordinal.
// ordinal 0 means every such weekday of the period ("TU"); with FREQ=MONTHLY only, 1..5 is
// the nth such weekday of the month ("2TU": the second Tuesday) and -1..-5 counts from the
// month's end ("-1FR": the last Friday). A month without that weekday ("5TU" in a month
// with four Tuesdays) simply has no occurrence for the entry.
struct WeekdayNum {
  Weekday day = Weekday::monday;
  int ordinal = 0;  // 0, 1..5 or -5..-1
  friend bool operator==(const WeekdayNum&, const WeekdayNum&) = default;
};

// A recurrence rule: the value of an RRULE property, without DTSTART (the series supplies
// the first occurrence, see SeriesPattern). Build one with parse_rrule, or fill it in and
// check it with validate_rrule.
struct RecurrenceRule {
  // UNTIL: the last moment an occurrence may start, inclusive (RFC 5545: "bounds the
  // recurrence rule in an inclusive manner"). Three forms, as in the RRULE text:
  struct Until {
    enum class Kind : int {
      // UNTIL=20261231: occurrences on local dates up to and including `date`, in the
      // series' zone ("through the end of that local day").
      local_date = 0,
      // UNTIL=20261231T090000: occurrences starting at or before that local wall time in
      // the series' zone. Both are compared as instants, converted with boka's gap/fold
      // rule, so an occurrence moved out of a gap past UNTIL is not included. RFC 5545 asks
      // for the UTC form when DTSTART has a zone; boka accepts this form too, as many
      // producers write it, and reads it in the series' zone.
      local_date_time = 1,
      // UNTIL=20261231T080000Z: occurrences starting at or before that UTC instant.
      utc = 2,
    };
    Kind kind = Kind::local_date;
    LocalDate date;         // the local date, or for Kind::utc the UTC date
    int second_of_day = 0;  // seconds after midnight, 0..86399; 0 for Kind::local_date
    friend bool operator==(const Until&, const Until&) = default;

    static Until on_date(LocalDate d) { return Until{Kind::local_date, d, 0}; }
    static Until at_local(LocalDate d, int hour, int minute, int second = 0) {
      return Until{Kind::local_date_time, d, hour * 3600 + minute * 60 + second};
    }
    static Until at_utc(LocalDate d, int hour, int minute, int second = 0) {
      return Until{Kind::utc, d, hour * 3600 + minute * 60 + second};
    }
  };

  Frequency frequency = Frequency::weekly;  // FREQ (required in the text)
  int interval = 1;                         // INTERVAL: 1..kMaxInterval periods
  // BYDAY: DAILY keeps only these weekdays; WEEKLY expands to them in each week; MONTHLY
  // expands to them in each month (with ordinals), or, with BYMONTHDAY, keeps only the
  // month days that are also one of them. Empty: WEEKLY uses the first date's weekday.
  // Kept in the order given; no entry twice.
  std::vector<WeekdayNum> by_day;
  // BYMONTHDAY: 1..31, or -31..-1 counted from the month's end (-1: the last day). MONTHLY
  // expands to these days (a day the month lacks, like 31 in April, is skipped: RFC 5545
  // ignores invalid dates); DAILY keeps only these days; not allowed with WEEKLY (RFC 5545).
  // Empty: MONTHLY uses the first date's day of the month (skipping months without it).
  // Kept in the order given; no day twice.
  std::vector<int> by_month_day;
  std::optional<int> count;    // COUNT: 1..kMaxCount occurrences, the first date included
  std::optional<Until> until;  // UNTIL; never together with count
  // WKST: the day weeks start on. It matters only for WEEKLY with INTERVAL > 1 and BYDAY,
  // where it decides which days share a week (RFC 5545's own example: BYDAY=TU,SU gives
  // different dates with WKST=MO and WKST=SU). Default Monday, as in RFC 5545.
  Weekday week_start = Weekday::monday;

  friend bool operator==(const RecurrenceRule&, const RecurrenceRule&) = default;

  static constexpr int kMaxInterval = 1000;
  static constexpr int kMaxCount = 10000;
  static constexpr std::size_t kMaxTextBytes = 1000;  // of the text parse_rrule accepts
};

// Parses an RRULE value, with or without a leading "RRULE:", e.g.
// "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10". Parts may come in any order, each at
// most once; FREQ is required. The text is case-sensitive and upper case: RFC 5545 (section
// 3.1) makes only names and enumerated values case-insensitive, and a recurrence value is
// neither, so "freq=weekly" is refused (the message points at the upper-case spelling).
// No spaces, no empty parts (";;" or a trailing ";"), at most kMaxTextBytes bytes.
// Errors: invalid_argument naming the part and the problem (`RRULE: INTERVAL=0: must be
// 1..1000`, `RRULE: unknown part "FOO"`, `RRULE: COUNT and UNTIL cannot both be given`);
// not_supported for what RFC 5545 defines but boka does not (FREQ=YEARLY, BYHOUR, ...).
// Safe on any input: it reads only `text`, and user text quoted in a message is cut to 40
// bytes with every byte outside printable ASCII escaped (\xHH), so messages stay ASCII.
Result<RecurrenceRule> parse_rrule(std::string_view text);

// The canonical text of a rule, without "RRULE:": FREQ first, then INTERVAL (if not 1),
// BYDAY, BYMONTHDAY, COUNT or UNTIL, and WKST (if not MO); lists in the order given.
// For every rule validate_rrule accepts, parse_rrule(format_rrule(r)) == r. For one it
// refuses, the text says what the rule holds and parse_rrule refuses it as well.
std::string format_rrule(const RecurrenceRule& rule);

// The checks parse_rrule makes on what it read, for a rule built in code: ranges, COUNT
// with UNTIL, ordinals only with MONTHLY, BYMONTHDAY not with WEEKLY, no duplicates, valid
// dates (years 1900..9999). invalid_argument with the same messages as parse_rrule.
Status validate_rrule(const RecurrenceRule& rule);

// A recurring series in local wall time, read in a zone given at expansion.
struct SeriesPattern {
  // The first occurrence (DTSTART), always an occurrence and counted by COUNT, even when it
  // does not match the rule (RFC 5545, COUNT: "The DTSTART property value always counts as
  // the first occurrence"); later occurrences are what the rule generates after it.
  LocalDate first_date;
  int start_minute = 0;  // local wall time of every occurrence, minutes after midnight, 0..1439
  Seconds duration{0};   // elapsed time of each occurrence, 1 s..kMaxDuration
  RecurrenceRule rule;   // must have COUNT or UNTIL to be expanded
  // EXDATE: local dates whose occurrence is removed from the series (first_date included).
  // Removed occurrences still count toward COUNT (RFC 5545 section 3.8.5.3: the final set
  // is what the rule generates, then minus the EXDATE values), so COUNT=10 with one
  // excluded date gives 9. A date the rule does not generate is ignored. At most
  // kMaxExdates, each a valid date.
  std::vector<LocalDate> exdates;

  static constexpr Seconds kMaxDuration{Seconds(366LL * 24 * 3600)};
  static constexpr int kMaxOccurrences = 1000;
  static constexpr std::size_t kMaxExdates = 1000;
};

// One occurrence of a series.
struct Occurrence {
  LocalDate date;  // the local date the rule generated (what an EXDATE names)
  Instant start;   // date at start_minute local, in UTC (gap/fold rule applied)
  Instant end;     // start + duration
  friend bool operator==(const Occurrence&, const Occurrence&) = default;
};

// The occurrences of `series` in the IANA zone `zone`, in order. Each is generated in local
// wall time and converted to UTC with boka's rule (docs/architecture.md, "Time model"): a
// start that does not exist (spring forward) moves forward by the gap, so 02:30 on
// Berlin's spring-forward day starts at 03:30 local; one that exists twice (fall back)
// takes the earlier instant. (RFC 5545 section 3.3.10 would drop an instance in the gap;
// boka keeps it, reading the time as RFC 5545 section 3.3.5 reads a DATE-TIME in a gap,
// because a series that silently loses a booking is worse than one that starts later once
// a year.)
//
// Weeks start on rule.week_start (WKST, Monday by default); a date before first_date is
// never an occurrence. Errors:
//  - invalid_argument: an unknown zone (naming it), a bad pattern field, a rule that
//    validate_rrule refuses, a rule with neither COUNT nor UNTIL ("a series needs COUNT or
//    UNTIL"), an UNTIL before the first occurrence, more than max_occurrences occurrences
//    after the exclusions (naming the cap), or max_occurrences outside 1..kMaxOccurrences;
//  - conflict: an occurrence that would start after horizon_end (naming its date and the
//    horizon). Like a single booking beyond the horizon, the same series can be accepted
//    later, when the horizon has moved on. An occurrence starting exactly at horizon_end is
//    allowed; an excluded one may lie beyond it.
// Cost: at most one step per period (day, week or month) up to the last occurrence, UNTIL
// or the year 9999; the answer holds at most max_occurrences entries.
Result<std::vector<Occurrence>> expand_occurrences(
    const SeriesPattern& series, std::string_view zone, Instant horizon_end,
    int max_occurrences = SeriesPattern::kMaxOccurrences);

}  // namespace boka
