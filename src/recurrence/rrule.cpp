// RRULE text: parse_rrule, format_rrule, validate_rrule (boka/recurrence.hpp). The grammar
// is RFC 5545 section 3.3.10's "recur", restricted to the parts boka supports; the
// decisions are in docs/architecture.md, "Recurrence".
#include <date/date.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "recurrence/rrule_text.hpp"

namespace boka {
namespace detail {

const char* rrule_weekday_code(Weekday day) noexcept {
  static const char* const kCodes[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  const int i = static_cast<int>(day);
  return (i >= 0 && i < 7) ? kCodes[i] : "??";
}

bool valid_series_date(const LocalDate& d) noexcept {
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) {
    return false;
  }
  return date::year_month_day(date::year(d.year), date::month(static_cast<unsigned>(d.month)),
                              date::day(static_cast<unsigned>(d.day)))
      .ok();
}

std::string iso_date_text(const LocalDate& d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::string until_text(const RecurrenceRule::Until& until) {
  char buf[96];
  const LocalDate& d = until.date;
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
  std::string out = buf;
  using Kind = RecurrenceRule::Until::Kind;
  if (until.kind == Kind::local_date && until.second_of_day == 0) return out;
  const int s = until.second_of_day;
  std::snprintf(buf, sizeof buf, "T%02d%02d%02d", s / 3600, s / 60 % 60, s % 60);
  out += buf;
  if (until.kind == Kind::utc) {
    out += 'Z';
  } else if (until.kind != Kind::local_date_time) {
    // Not a valid UNTIL (a local date with a time of day, or no kind at all): written so
    // that parse_rrule refuses it rather than reading another rule.
    out += '?';
  }
  return out;
}

std::string message_safe(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c > 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
      out += buf;
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace detail

namespace {

using detail::message_safe;
using detail::rrule_weekday_code;

constexpr std::string_view kFrequencyNames[] = {"daily", "weekly", "monthly"};
constexpr std::string_view kFrequencyCodes[] = {"DAILY", "WEEKLY", "MONTHLY"};

bool valid_frequency(Frequency f) {
  const int i = static_cast<int>(f);
  return i >= 0 && i < 3;
}

bool valid_weekday(Weekday d) {
  const int i = static_cast<int>(d);
  return i >= 0 && i < 7;
}

Status invalid(const std::string& what) { return InvalidArgument("RRULE: " + what); }

std::string weekday_num_text(const WeekdayNum& w) {
  return (w.ordinal != 0 ? std::to_string(w.ordinal) : std::string()) + rrule_weekday_code(w.day);
}

// The RFC 5545 parts (and RFC 7529's) that boka does not support: not_supported, so a
// caller can tell "valid iCalendar, but not here" from a typo.
constexpr std::string_view kUnsupportedParts[] = {"BYSECOND",  "BYMINUTE", "BYHOUR",
                                                  "BYYEARDAY", "BYWEEKNO", "BYMONTH",
                                                  "BYSETPOS",  "RSCALE",   "SKIP"};
constexpr std::string_view kUnsupportedFrequencies[] = {"SECONDLY", "MINUTELY", "HOURLY", "YEARLY"};

enum Part : int { kFreq, kInterval, kByDay, kByMonthDay, kCount, kUntil, kWkst, kPartCount };
constexpr std::string_view kPartNames[kPartCount] = {"FREQ",  "INTERVAL", "BYDAY", "BYMONTHDAY",
                                                     "COUNT", "UNTIL",    "WKST"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// 1..9 digits and nothing else; nullopt otherwise.
std::optional<std::int64_t> read_digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<Weekday> read_weekday(std::string_view code) {
  for (int i = 0; i < 7; ++i) {
    if (code == rrule_weekday_code(static_cast<Weekday>(i))) return static_cast<Weekday>(i);
  }
  return std::nullopt;
}

// INTERVAL and COUNT: 1*DIGIT (no sign) within [1, max].
Status read_count_like(std::string_view name, std::string_view value, int max, int& out) {
  const std::string range = "must be 1.." + std::to_string(max);
  bool digits = !value.empty();
  for (char c : value) digits = digits && is_digit(c);
  if (!digits) {
    return invalid(std::string(name) + "=" + message_safe(value) + ": " + range +
                   " (a whole number)");
  }
  const auto v = read_digits(value);
  if (!v || *v < 1 || *v > max) {
    return invalid(std::string(name) + "=" + message_safe(value) + ": " + range);
  }
  out = static_cast<int>(*v);
  return Status::Ok();
}

// [+|-]1*2DIGIT: the signed numbers of BYDAY and BYMONTHDAY; nullopt if malformed.
std::optional<int> read_signed_small(std::string_view s) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 2) return std::nullopt;
  const auto v = read_digits(s);
  if (!v) return std::nullopt;
  return sign * static_cast<int>(*v);
}

template <typename F>
Status for_each_item(std::string_view name, std::string_view list, F&& read_item) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = list.find(',', pos);
    const std::string_view item =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (item.empty()) {
      return invalid(std::string(name) + "=" + message_safe(list) +
                     ": an empty entry (\",,\" or a \",\" at either end)");
    }
    BOKA_RETURN_IF_ERROR(read_item(item));
    if (comma == std::string_view::npos) return Status::Ok();
    pos = comma + 1;
  }
}

constexpr const char* kWeekdayExpected =
    ": expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an ordinal (2TU, -1FR)";

Status read_by_day(std::string_view value, std::vector<WeekdayNum>& out) {
  return for_each_item("BYDAY", value, [&](std::string_view item) -> Status {
    const std::string shown = "BYDAY=" + message_safe(item);
    if (item.size() < 2) {
      return invalid(shown + kWeekdayExpected);
    }
    const std::string_view code = item.substr(item.size() - 2);
    const std::string_view number = item.substr(0, item.size() - 2);
    const auto day = read_weekday(code);
    if (!day) {
      return invalid(shown + kWeekdayExpected);
    }
    int ordinal = 0;
    if (!number.empty()) {
      // RFC 5545: [+|-]1*2DIGIT. Three digits cannot be a valid ordinal either way.
      bool shape = true;
      std::string_view digits = number;
      if (digits[0] == '+' || digits[0] == '-') digits.remove_prefix(1);
      for (char c : digits) shape = shape && is_digit(c);
      if (digits.empty() || !shape) {
        return invalid(shown + kWeekdayExpected);
      }
      const auto v = read_signed_small(number);
      if (!v || *v == 0) return invalid(shown + ": an ordinal must be -5..-1 or 1..5");
      ordinal = *v;
    }
    out.push_back(WeekdayNum{*day, ordinal});
    return Status::Ok();
  });
}

Status read_by_month_day(std::string_view value, std::vector<int>& out) {
  return for_each_item("BYMONTHDAY", value, [&](std::string_view item) -> Status {
    const auto v = read_signed_small(item);
    if (!v || *v == 0) {
      return invalid("BYMONTHDAY=" + message_safe(item) + ": must be 1..31 or -31..-1");
    }
    out.push_back(*v);
    return Status::Ok();
  });
}

Status read_until(std::string_view value, RecurrenceRule::Until& out) {
  using Kind = RecurrenceRule::Until::Kind;
  const std::string shown = "UNTIL=" + message_safe(value);
  auto digits_at = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      if (!is_digit(value[i])) return false;
    }
    return true;
  };
  auto number_at = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (value[i] - '0');
    return v;
  };
  Kind kind;
  if (value.size() == 8 && digits_at(0, 8)) {
    kind = Kind::local_date;
  } else if (value.size() == 15 && digits_at(0, 8) && value[8] == 'T' && digits_at(9, 6)) {
    kind = Kind::local_date_time;
  } else if (value.size() == 16 && digits_at(0, 8) && value[8] == 'T' && digits_at(9, 6) &&
             value[15] == 'Z') {
    kind = Kind::utc;
  } else {
    return invalid(shown + ": expected a local date YYYYMMDD, a local date-time " +
                   "YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ");
  }
  out.kind = kind;
  out.date = LocalDate{number_at(0, 4), number_at(4, 2), number_at(6, 2)};
  out.second_of_day = 0;
  if (!detail::valid_series_date(out.date)) {
    return invalid(shown + ": not a valid date (years 1900..9999)");
  }
  if (kind != Kind::local_date) {
    const int h = number_at(9, 2);
    const int m = number_at(11, 2);
    int s = number_at(13, 2);
    // RFC 5545 section 3.3.12: second 60 is a leap second, which an implementation without
    // them SHOULD read as 59.
    if (s == 60) s = 59;
    if (h > 23 || m > 59 || s > 59) {
      return invalid(shown + ": not a valid time of day (HHMMSS, 000000..235959)");
    }
    out.second_of_day = h * 3600 + m * 60 + s;
  }
  return Status::Ok();
}

Status read_part(std::string_view part, RecurrenceRule& rule, std::array<bool, kPartCount>& seen) {
  if (part.empty()) return invalid("an empty part (\";;\", or a \";\" at either end)");
  const std::size_t eq = part.find('=');
  const std::string_view name = part.substr(0, eq);
  int index = -1;
  for (int i = 0; i < kPartCount; ++i) {
    if (name == kPartNames[i]) index = i;
  }
  if (index < 0) {
    for (std::string_view unsupported : kUnsupportedParts) {
      if (name == unsupported) {
        return NotSupported("RRULE: " + std::string(name) +
                            " is not supported (boka supports FREQ, INTERVAL, BYDAY, "
                            "BYMONTHDAY, COUNT, UNTIL and WKST)");
      }
    }
    std::string message = "unknown part \"" + message_safe(name) + "\"";
    const std::string upper = ascii_upper(name);
    bool known_upper = false;
    for (std::string_view known : kPartNames) known_upper = known_upper || upper == known;
    for (std::string_view known : kUnsupportedParts) known_upper = known_upper || upper == known;
    if (known_upper && upper != name) message += " (rule parts are upper case: " + upper + ")";
    return invalid(message);
  }
  if (eq == std::string_view::npos)
    return invalid(std::string(name) + ": expected \"=\" and a value");
  if (seen[static_cast<std::size_t>(index)]) return invalid(std::string(name) + " given twice");
  seen[static_cast<std::size_t>(index)] = true;
  const std::string_view value = part.substr(eq + 1);
  if (value.empty()) return invalid(std::string(name) + "=: an empty value");

  switch (static_cast<Part>(index)) {
    case kFreq: {
      for (int i = 0; i < 3; ++i) {
        if (value == kFrequencyCodes[i]) {
          rule.frequency = static_cast<Frequency>(i);
          return Status::Ok();
        }
      }
      for (std::string_view unsupported : kUnsupportedFrequencies) {
        if (value == unsupported) {
          return NotSupported("RRULE: FREQ=" + std::string(value) +
                              " is not supported (DAILY, WEEKLY or MONTHLY)");
        }
      }
      std::string message = "FREQ=" + message_safe(value) + ": must be DAILY, WEEKLY or MONTHLY";
      const std::string upper = ascii_upper(value);
      if (upper != value && (upper == "DAILY" || upper == "WEEKLY" || upper == "MONTHLY")) {
        message += " (upper case)";
      }
      return invalid(message);
    }
    case kInterval:
      return read_count_like("INTERVAL", value, RecurrenceRule::kMaxInterval, rule.interval);
    case kCount: {
      int count = 0;
      BOKA_RETURN_IF_ERROR(read_count_like("COUNT", value, RecurrenceRule::kMaxCount, count));
      rule.count = count;
      return Status::Ok();
    }
    case kByDay: return read_by_day(value, rule.by_day);
    case kByMonthDay: return read_by_month_day(value, rule.by_month_day);
    case kUntil: {
      RecurrenceRule::Until until;
      BOKA_RETURN_IF_ERROR(read_until(value, until));
      rule.until = until;
      return Status::Ok();
    }
    case kWkst: {
      const auto day = read_weekday(value);
      if (!day)
        return invalid("WKST=" + message_safe(value) + ": must be MO, TU, WE, TH, FR, SA or SU");
      rule.week_start = *day;
      return Status::Ok();
    }
    case kPartCount: break;
  }
  return InternalError("RRULE: unhandled part");
}

}  // namespace

const char* frequency_name(Frequency frequency) noexcept {
  return valid_frequency(frequency) ? kFrequencyNames[static_cast<int>(frequency)].data()
                                    : "unknown";
}

std::optional<Frequency> parse_frequency(std::string_view name) noexcept {
  for (int i = 0; i < 3; ++i) {
    if (name == kFrequencyNames[i]) return static_cast<Frequency>(i);
  }
  return std::nullopt;
}

Status validate_rrule(const RecurrenceRule& rule) {
  if (!valid_frequency(rule.frequency)) {
    return invalid("FREQ: not a frequency (value " +
                   std::to_string(static_cast<int>(rule.frequency)) + ")");
  }
  const std::string freq = "FREQ=" + std::string(kFrequencyCodes[static_cast<int>(rule.frequency)]);
  if (rule.interval < 1 || rule.interval > RecurrenceRule::kMaxInterval) {
    return invalid("INTERVAL=" + std::to_string(rule.interval) + ": must be 1.." +
                   std::to_string(RecurrenceRule::kMaxInterval));
  }
  for (std::size_t i = 0; i < rule.by_day.size(); ++i) {
    const WeekdayNum& w = rule.by_day[i];
    if (!valid_weekday(w.day)) {
      return invalid("BYDAY: not a weekday (value " + std::to_string(static_cast<int>(w.day)) +
                     ")");
    }
    const std::string shown = "BYDAY=" + weekday_num_text(w);
    if (w.ordinal < -5 || w.ordinal > 5)
      return invalid(shown + ": an ordinal must be -5..-1 or 1..5");
    if (w.ordinal != 0 && rule.frequency != Frequency::monthly) {
      return invalid(shown + ": ordinals need FREQ=MONTHLY (" + freq + " was given)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (rule.by_day[j] == w) return invalid(shown + ": given twice");
    }
  }
  if (!rule.by_month_day.empty() && rule.frequency == Frequency::weekly) {
    // RFC 5545 section 3.3.10: "The BYMONTHDAY rule part MUST NOT be specified when the
    // FREQ rule part is set to WEEKLY."
    return invalid("BYMONTHDAY cannot be used with FREQ=WEEKLY");
  }
  for (std::size_t i = 0; i < rule.by_month_day.size(); ++i) {
    const int d = rule.by_month_day[i];
    const std::string shown = "BYMONTHDAY=" + std::to_string(d);
    if (d == 0 || d < -31 || d > 31) return invalid(shown + ": must be 1..31 or -31..-1");
    for (std::size_t j = 0; j < i; ++j) {
      if (rule.by_month_day[j] == d) return invalid(shown + ": given twice");
    }
  }
  if (rule.count && rule.until) return invalid("COUNT and UNTIL cannot both be given");
  if (rule.count && (*rule.count < 1 || *rule.count > RecurrenceRule::kMaxCount)) {
    return invalid("COUNT=" + std::to_string(*rule.count) + ": must be 1.." +
                   std::to_string(RecurrenceRule::kMaxCount));
  }
  if (rule.until) {
    using Kind = RecurrenceRule::Until::Kind;
    const RecurrenceRule::Until& u = *rule.until;
    if (u.kind != Kind::local_date && u.kind != Kind::local_date_time && u.kind != Kind::utc) {
      return invalid("UNTIL: not a kind of UNTIL (value " +
                     std::to_string(static_cast<int>(u.kind)) + ")");
    }
    if (!detail::valid_series_date(u.date)) {
      return invalid("UNTIL: " + detail::iso_date_text(u.date) +
                     " is not a valid date (years 1900..9999)");
    }
    if (u.second_of_day < 0 || u.second_of_day > 86399) {
      return invalid("UNTIL: second_of_day must be 0..86399, got " +
                     std::to_string(u.second_of_day));
    }
    if (u.kind == Kind::local_date && u.second_of_day != 0) {
      return invalid("UNTIL: a local date has no time of day (second_of_day must be 0, got " +
                     std::to_string(u.second_of_day) + ")");
    }
  }
  if (!valid_weekday(rule.week_start)) {
    return invalid("WKST: not a weekday (value " +
                   std::to_string(static_cast<int>(rule.week_start)) + ")");
  }
  return Status::Ok();
}

Result<RecurrenceRule> parse_rrule(std::string_view text) {
  if (text.size() > RecurrenceRule::kMaxTextBytes) {
    return invalid("text too long (" + std::to_string(text.size()) + " bytes; at most " +
                   std::to_string(RecurrenceRule::kMaxTextBytes) + ")");
  }
  constexpr std::string_view kPrefix = "RRULE:";
  if (text.substr(0, kPrefix.size()) == kPrefix) text.remove_prefix(kPrefix.size());
  if (text.empty()) return invalid("an empty rule (FREQ is required)");

  RecurrenceRule rule;
  std::array<bool, kPartCount> seen{};
  std::size_t pos = 0;
  while (true) {
    const std::size_t semicolon = text.find(';', pos);
    const bool last = semicolon == std::string_view::npos;
    BOKA_RETURN_IF_ERROR(
        read_part(text.substr(pos, last ? std::string_view::npos : semicolon - pos), rule, seen));
    if (last) break;
    pos = semicolon + 1;
  }
  if (!seen[kFreq]) return invalid("FREQ is required (DAILY, WEEKLY or MONTHLY)");
  BOKA_RETURN_IF_ERROR(validate_rrule(rule));
  return rule;
}

std::string format_rrule(const RecurrenceRule& rule) {
  std::string out = "FREQ=";
  out += valid_frequency(rule.frequency) ? kFrequencyCodes[static_cast<int>(rule.frequency)]
                                         : std::string_view("?");
  if (rule.interval != 1) out += ";INTERVAL=" + std::to_string(rule.interval);
  if (!rule.by_day.empty()) {
    out += ";BYDAY=";
    for (std::size_t i = 0; i < rule.by_day.size(); ++i) {
      if (i > 0) out += ',';
      out += weekday_num_text(rule.by_day[i]);
    }
  }
  if (!rule.by_month_day.empty()) {
    out += ";BYMONTHDAY=";
    for (std::size_t i = 0; i < rule.by_month_day.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(rule.by_month_day[i]);
    }
  }
  if (rule.count) out += ";COUNT=" + std::to_string(*rule.count);
  if (rule.until) out += ";UNTIL=" + detail::until_text(*rule.until);
  if (rule.week_start != Weekday::monday) {
    out += ";WKST=";
    out += rrule_weekday_code(rule.week_start);
  }
  return out;
}

}  // namespace boka
