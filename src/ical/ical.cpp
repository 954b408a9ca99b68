// The iCalendar writer (ical.hpp): validation of the input, then one pass that writes the
// calendar properties, the VTIMEZONEs (from the OS tzdb through date/tz) and the events.
// The decisions are in docs/architecture.md, "iCalendar writer".
#include "ical/ical.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "boka/recurrence.hpp"
#include "boka/version.hpp"
#include "recurrence/rrule_text.hpp"
#include "time/zone.hpp"

namespace boka::ical {
namespace {

using detail::LocalSeconds;
using detail::Zone;

// Instants the writer accepts: four-digit years in UTC and in every zone's local time.
const Instant kMinInstant = Instant(date::sys_days(date::year(1900) / 1 / 1).time_since_epoch());
const Instant kMaxInstant = Instant(date::sys_days(date::year(9999) / 12 / 30).time_since_epoch());

// ---- text -------------------------------------------------------------------------------

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

// The length of the valid UTF-8 sequence at text[i] (1 for ASCII), or 0 when the bytes there
// are not one: a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate or a code point past U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min_cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1Fu, min_cp = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0Fu, min_cp = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07u, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Walks `text` as UTF-8: valid multi-byte sequences are copied, each invalid byte becomes
// U+FFFD, and each ASCII character goes to `ascii(out, c)`, which appends what it stands
// for. A line break (CRLF, CR or LF) reaches `ascii` as one '\n'.
template <typename AsciiFn>
std::string transcode(std::string_view text, AsciiFn ascii) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (c == '\r') {
        ascii(out, '\n');
        i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      } else {
        ascii(out, c);
        ++i;
      }
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

// "20260329T020000", and with `utc` "20260329T020000Z".
std::string datetime_text(Seconds since_epoch, bool utc) {
  const date::sys_seconds t(since_epoch);
  const date::sys_days day = date::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<Seconds> hms(t - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02d%s", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), utc ? "Z" : "");
  return buf;
}
std::string utc_text(Instant t) { return datetime_text(t.time_since_epoch(), true); }
std::string local_text(LocalSeconds t) { return datetime_text(t.time_since_epoch(), false); }

// UTC-OFFSET (RFC 5545 section 3.3.14): "+0530", "-0500", "+0000" (never "-0000"), with
// seconds only when there are some (local mean times before 1900).
std::string offset_text(Seconds offset) {
  long long s = offset.count();
  const char sign = s < 0 ? '-' : '+';
  s = std::llabs(s);
  char buf[48];
  if (s % 60 != 0) {
    std::snprintf(buf, sizeof buf, "%c%02lld%02lld%02lld", sign, s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%c%02lld%02lld", sign, s / 3600, s / 60 % 60);
  }
  return buf;
}

// DURATION (RFC 5545 section 3.3.6) of a positive length: "P1W", "P1DT2H", "PT15M".
std::string duration_text(Seconds d) {
  long long s = d.count();
  if (s % (7 * 86400) == 0) return "P" + std::to_string(s / (7 * 86400)) + "W";
  std::string out = "P";
  if (s >= 86400) out += std::to_string(s / 86400) + "D";
  s %= 86400;
  if (s > 0) out += "T";
  if (s >= 3600) out += std::to_string(s / 3600) + "H";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "M";
  if (s % 60 != 0) out += std::to_string(s % 60) + "S";
  return out;
}

// ---- validation ---------------------------------------------------------------------------

std::string field(std::size_t event, const char* name) {
  return "events[" + std::to_string(event) + "]." + name;
}

Status check_instant(Instant t, const std::string& name) {
  if (t < kMinInstant || t >= kMaxInstant) {
    return InvalidArgument(name + ": must lie in 1900-01-01..9999-12-29 (UTC), got Unix time " +
                           std::to_string(to_unix(t)));
  }
  return Status::Ok();
}

Status check_email(std::string_view email, const std::string& name) {
  if (email.empty()) return InvalidArgument(name + ": an email address is required");
  const std::size_t at = email.find('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string_view::npos;
  for (const char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || std::strchr("\"(),:;<>[]\\?%#/", c) != nullptr) ok = false;
  }
  if (!ok) {
    return InvalidArgument(name + ": \"" + detail::message_safe(email) +
                           "\" is not an address boka writes (one '@' between two non-empty "
                           "parts; printable ASCII without spaces or \"(),:;<>[]\\?%#/)");
  }
  return Status::Ok();
}

Status check_url(std::string_view url, const std::string& name) {
  // A scheme ("https:"), then printable ASCII without spaces: the caller percent-encodes.
  std::size_t i = 0;
  while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) != 0 ||
                            (i > 0 && std::strchr("+.-", url[i]) != nullptr))) {
    ++i;
  }
  bool ok = i > 0 && i < url.size() && url[i] == ':' &&
            std::isalpha(static_cast<unsigned char>(url[0])) != 0;
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"') ok = false;
  }
  if (!ok) {
    return InvalidArgument(name + ": \"" + detail::message_safe(url) +
                           "\" is not a URI boka writes (a scheme such as https:, then "
                           "printable ASCII without spaces or '\"'; percent-encode the rest)");
  }
  return Status::Ok();
}

// ---- zones --------------------------------------------------------------------------------

// A zone the events use, and the instants its VTIMEZONE must cover.
struct ZoneUse {
  std::string name;
  Zone zone;
  Instant first;
  Instant last;
};

// One STANDARD or DAYLIGHT sub-component: the observance that starts at `onset` (local time
// on the clock in force before it, as RFC 5545 section 3.6.5 defines DTSTART there).
struct Observance {
  LocalSeconds onset;
  Seconds from;
  Seconds to;
  std::string name;
  bool daylight;
};

// Daylight time: tzdb flags it as DST and it does not set the clock back. The second part
// keeps negative DST (Europe/Dublin's winter GMT, flagged as DST in current tzdata) STANDARD,
// as clients expect.
bool is_daylight(const date::sys_info& info, Seconds from) {
  return info.save != std::chrono::minutes(0) && info.offset >= from;
}

// The observances of `tz` over [begin, end]: the one in force at `begin`, then one per
// transition up to `end`.
std::vector<Observance> observances_between(const date::time_zone* tz, Instant begin, Instant end) {
  std::vector<Observance> out;

  // The observance in force at `begin`, from its real onset when that is on or after
  // 1970-01-01 local (or January 1 of begin's local year, if earlier). An observance older
  // than that (Asia/Kolkata's since 1945, UTC's forever) starts there instead, with
  // TZOFFSETFROM = TZOFFSETTO: the floor avoids writing the local mean times of the 19th
  // century, whose offsets have seconds.
  const date::sys_info first = tz->get_info(begin);
  const LocalSeconds local_begin(begin.time_since_epoch() + first.offset);
  date::local_days floor_day = date::local_days(date::year(1970) / 1 / 1);
  floor_day = std::min(
      floor_day,
      date::local_days(date::year_month_day(date::floor<date::days>(local_begin)).year() / 1 / 1));
  const LocalSeconds floor_local(floor_day);
  const Instant floor_instant(floor_local.time_since_epoch() - first.offset);
  if (first.begin > floor_instant) {
    const date::sys_info before = tz->get_info(first.begin - Seconds(1));
    out.push_back(Observance{LocalSeconds(first.begin.time_since_epoch() + before.offset),
                             before.offset, first.offset, first.abbrev,
                             is_daylight(first, before.offset)});
  } else {
    out.push_back(Observance{floor_local, first.offset, first.offset, first.abbrev,
                             is_daylight(first, first.offset)});
  }

  // Every later transition up to `end`. tzdb (as date/tz reads it) may split a span where
  // nothing a client sees changes; those are skipped.
  date::sys_info last = first;
  for (Instant t = first.end; t <= end;) {
    const date::sys_info next = tz->get_info(t);
    if (next.offset != last.offset || next.abbrev != last.abbrev ||
        (next.save == std::chrono::minutes(0)) != (last.save == std::chrono::minutes(0))) {
      out.push_back(Observance{LocalSeconds(t.time_since_epoch() + last.offset), last.offset,
                               next.offset, next.abbrev, is_daylight(next, last.offset)});
      last = next;
    }
    t = next.end;
  }
  return out;
}

// The observances of `use.zone` over its span, [first - 1 day, last + 1 day] (so a client
// converting the local days around the events finds them covered too), started earlier when
// needed so that there is a STANDARD one: a summer-only span gets the standard time before
// it, since clients (python-icalendar among them) size daylight time from it.
std::vector<Observance> observances(const ZoneUse& use) {
  const date::time_zone* tz = use.zone.tz();
  Instant begin = std::max(kMinInstant, use.first - date::days(1));
  const Instant end = std::min(kMaxInstant, use.last + date::days(1));
  std::vector<Observance> out = observances_between(tz, begin, end);
  for (int step = 0; step < 4; ++step) {
    if (std::any_of(out.begin(), out.end(), [](const Observance& o) { return !o.daylight; })) {
      break;
    }
    const Instant onset = tz->get_info(begin).begin;
    if (onset <= kMinInstant) break;
    begin = onset - Seconds(1);  // in the observance before
    out = observances_between(tz, begin, end);
  }
  return out;
}

// ---- events -------------------------------------------------------------------------------

// What validation found out about one event, for writing it.
struct Prepared {
  const Event* event = nullptr;
  std::optional<Zone> zone;
  std::string rrule;  // canonical RRULE text, UNTIL in UTC; empty when not recurring
};

// The instant a LocalSeconds stands for in `zone` (boka's gap/fold rule), or in UTC.
Instant to_instant(const std::optional<Zone>& zone, LocalSeconds local) {
  return zone ? zone->to_utc(local) : Instant(local.time_since_epoch());
}

LocalDate to_local_date(date::local_days day) {
  const date::year_month_day ymd(day);
  return LocalDate{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day()))};
}
date::local_days to_days(const LocalDate& d) {
  return date::local_days(date::year(d.year) / date::month(static_cast<unsigned>(d.month)) /
                          date::day(static_cast<unsigned>(d.day)));
}

// The last instant the series of `e` (a parsed `rule`) needs its zone's offsets for: the
// end of the last occurrence under UNTIL or COUNT, else kOpenSeriesYears after the later of
// DTSTART and DTSTAMP. `until` is UNTIL as an instant, when the rule has one.
Instant series_end(const Event& e, const RecurrenceRule& rule, std::optional<Instant> until,
                   const Zone& zone, const std::string& zone_name) {
  const Seconds duration = e.end - e.start;
  if (until) return *until + duration;
  const Instant open_end = std::max(e.start, e.dtstamp) +
                           std::chrono::duration_cast<Seconds>(date::years(kOpenSeriesYears));
  if (rule.count) {
    // boka's own expansion, as the engine books the series; a series past its caps (more
    // than SeriesPattern::kMaxOccurrences, longer occurrences) takes the open-ended bound.
    const LocalSeconds local = zone.to_local(e.start);
    const date::local_days day = date::floor<date::days>(local);
    SeriesPattern pattern;
    pattern.first_date = to_local_date(day);
    pattern.start_minute = static_cast<int>((local - day).count() / 60);
    pattern.duration = duration;
    pattern.rule = rule;
    Result<std::vector<Occurrence>> occurrences =
        expand_occurrences(pattern, zone_name, kMaxInstant);
    if (occurrences.ok() && !occurrences->empty()) return occurrences->back().end;
  }
  return open_end;
}

// Parses the event's RRULE and writes it back canonically with UNTIL in UTC; sets *end to
// what the zone's VTIMEZONE must cover (when the event has a zone).
Result<std::string> canonical_rrule(const Event& e, std::size_t i, const std::optional<Zone>& zone,
                                    Instant* end) {
  Result<RecurrenceRule> parsed = parse_rrule(e.rrule);
  if (!parsed.ok()) {
    return Status(parsed.status().code(), field(i, "rrule") + ": " + parsed.status().message());
  }
  RecurrenceRule rule = std::move(parsed).value();
  std::optional<Instant> until;
  if (rule.until) {
    const RecurrenceRule::Until& u = *rule.until;
    const date::local_days day = to_days(u.date);
    switch (u.kind) {
      case RecurrenceRule::Until::Kind::local_date:
        // Through the end of that local day: the last second before the next one begins.
        until = to_instant(zone, LocalSeconds(day + date::days(1))) - Seconds(1);
        break;
      case RecurrenceRule::Until::Kind::local_date_time:
        until = to_instant(zone, LocalSeconds(day) + Seconds(u.second_of_day));
        break;
      case RecurrenceRule::Until::Kind::utc:
        until = Instant(day.time_since_epoch()) + Seconds(u.second_of_day);
        break;
    }
    until = std::clamp(*until, kMinInstant, kMaxInstant - Seconds(1));
    const date::sys_days until_day = date::floor<date::days>(*until);
    const date::hh_mm_ss<Seconds> hms(*until - until_day);
    rule.until = RecurrenceRule::Until::at_utc(
        to_local_date(date::local_days(until_day.time_since_epoch())),
        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
        static_cast<int>(hms.seconds().count()));
  }
  if (zone) *end = std::max(*end, series_end(e, rule, until, *zone, *e.zone));
  return format_rrule(rule);
}

const char* method_text(Method m) {
  switch (m) {
    case Method::none: break;
    case Method::publish: return "PUBLISH";
    case Method::request: return "REQUEST";
    case Method::cancel: return "CANCEL";
  }
  return "";
}

// Checks one event; records its zone's span in `zones`.
Result<Prepared> prepare(const Event& e, std::size_t i, Method method,
                         std::vector<ZoneUse>& zones) {
  Prepared p;
  p.event = &e;
  if (e.uid.empty()) return InvalidArgument(field(i, "uid") + ": required");
  BOKA_RETURN_IF_ERROR(check_instant(e.dtstamp, field(i, "dtstamp")));
  if (e.created) BOKA_RETURN_IF_ERROR(check_instant(*e.created, field(i, "created")));
  if (e.last_modified) {
    BOKA_RETURN_IF_ERROR(check_instant(*e.last_modified, field(i, "last_modified")));
  }
  BOKA_RETURN_IF_ERROR(check_instant(e.start, field(i, "start")));
  BOKA_RETURN_IF_ERROR(check_instant(e.end, field(i, "end")));
  if (e.end <= e.start) {
    return InvalidArgument(field(i, "end") + ": must be after start (" + format_utc(e.start) +
                           "), got " + format_utc(e.end));
  }
  if (e.sequence < 0) {
    return InvalidArgument(field(i, "sequence") + ": must be >= 0, got " +
                           std::to_string(e.sequence));
  }
  if (e.status != EventStatus::confirmed && e.status != EventStatus::tentative &&
      e.status != EventStatus::cancelled) {
    return InvalidArgument(field(i, "status") + ": unknown value " +
                           std::to_string(static_cast<int>(e.status)));
  }
  if (!e.url.empty()) BOKA_RETURN_IF_ERROR(check_url(e.url, field(i, "url")));
  if (e.organizer) {
    BOKA_RETURN_IF_ERROR(check_email(e.organizer->email, field(i, "organizer.email")));
  }
  for (std::size_t a = 0; a < e.attendees.size(); ++a) {
    BOKA_RETURN_IF_ERROR(
        check_email(e.attendees[a].email, field(i, "attendees[") + std::to_string(a) + "].email"));
  }
  if (method != Method::none && !e.organizer) {
    return InvalidArgument(field(i, "organizer") + ": required with METHOD:" + method_text(method) +
                           " (RFC 5546); a calendar without METHOD needs none");
  }
  if (method == Method::publish && !e.attendees.empty()) {
    return InvalidArgument(field(i, "attendees") +
                           ": not allowed with METHOD:PUBLISH (RFC 5546 section 3.2.1); send "
                           "attendees with METHOD:REQUEST, or write no METHOD");
  }
  if (method == Method::request && e.attendees.empty()) {
    return InvalidArgument(field(i, "attendees") +
                           ": METHOD:REQUEST needs at least one attendee (RFC 5546)");
  }
  if (method == Method::cancel && e.status != EventStatus::cancelled) {
    return InvalidArgument(field(i, "status") +
                           ": must be cancelled with METHOD:CANCEL (RFC 5546)");
  }
  for (std::size_t x = 0; x < e.exdates.size(); ++x) {
    BOKA_RETURN_IF_ERROR(
        check_instant(e.exdates[x], field(i, "exdates[") + std::to_string(x) + "]"));
  }
  if (!e.exdates.empty() && e.rrule.empty()) {
    return InvalidArgument(field(i, "exdates") + ": EXDATE needs an rrule");
  }
  if (e.recurrence_id) {
    BOKA_RETURN_IF_ERROR(check_instant(*e.recurrence_id, field(i, "recurrence_id")));
    if (!e.rrule.empty()) {
      return InvalidArgument(field(i, "recurrence_id") +
                             ": an overridden occurrence cannot carry an rrule of its own");
    }
  }

  if (e.zone) {
    Result<Zone> zone = Zone::locate(*e.zone, field(i, "zone"));
    if (!zone.ok()) return std::move(zone).status();
    p.zone = *zone;
  }

  Instant first = e.start;
  Instant last = e.end;
  for (const Instant x : e.exdates) {
    first = std::min(first, x);
    last = std::max(last, x);
  }
  if (e.recurrence_id) {
    first = std::min(first, *e.recurrence_id);
    last = std::max(last, *e.recurrence_id);
  }
  if (!e.rrule.empty()) {
    BOKA_ASSIGN_OR_RETURN(p.rrule, canonical_rrule(e, i, p.zone, &last));
    // A series repeats its DTSTART's local wall time, so DTSTART must be one: an instant in
    // the second pass of a repeated hour has no local time of its own.
    if (p.zone && p.zone->to_utc(p.zone->to_local(e.start)) != e.start) {
      return InvalidArgument(field(i, "start") + ": " + format_utc(e.start) +
                             " is in the second pass of a repeated local hour in " + *e.zone +
                             ", which a recurring event's DTSTART cannot name");
    }
  }

  if (p.zone) {
    auto use = std::find_if(zones.begin(), zones.end(),
                            [&](const ZoneUse& z) { return z.name == *e.zone; });
    if (use == zones.end()) {
      zones.push_back(ZoneUse{*e.zone, *p.zone, first, last});
    } else {
      use->first = std::min(use->first, first);
      use->last = std::max(use->last, last);
    }
  }
  return p;
}

// ---- output -------------------------------------------------------------------------------

class Lines {
 public:
  // One content line, `name_and_params` and `value` already in their encoded form.
  void add(std::string_view name_and_params, std::string_view value) {
    std::string line;
    line.reserve(name_and_params.size() + 1 + value.size());
    line.append(name_and_params).append(":").append(value);
    out_ += fold_line(line);
  }
  void text(std::string_view name, std::string_view value) { add(name, escape_text(value)); }
  // An optional TEXT property, left out when nothing but spaces survives escaping (a value
  // of control characters or blanks only): RFC 5545 allows such a value, but libical drops
  // leading blanks and then the empty property with an error, so a reader would never see
  // it anyway (tests/fuzz/rrule_ical.cpp).
  void optional_text(std::string_view name, std::string_view value) {
    std::string escaped = escape_text(value);
    if (escaped.find_first_not_of(" \t") != std::string::npos) add(name, escaped);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// How a zoned instant may be written as a local time.
enum class LocalForm {
  // Only when the local time occurs once: an instant in a repeated hour is written in UTC,
  // which every reader resolves alike (readers disagree on a repeated local time: RFC 5545
  // section 3.3.5 means the first pass, libical 3.0 takes the second).
  unique,
  // Also the first pass of a repeated hour, as RFC 5545 reads it: for what a reader matches
  // against the series' occurrences by wall time (EXDATE, RECURRENCE-ID) and for a series'
  // DTSTART, which must be a local time for the rule to keep its wall time.
  first_pass,
};

// DTSTART, DTEND, EXDATE, RECURRENCE-ID: local time with TZID when the event has a zone and
// `form` allows it, otherwise UTC.
void add_time(Lines& out, const char* name, Instant t, const Prepared& p, LocalForm form) {
  if (p.zone) {
    const LocalSeconds local = p.zone->to_local(t);
    const bool unique = p.zone->tz()->get_info(local).result == date::local_info::unique;
    if (unique || (form == LocalForm::first_pass && p.zone->to_utc(local) == t)) {
      out.add(std::string(name) + ";TZID=" + param_value(*p.event->zone), local_text(local));
      return;
    }
  }
  out.add(name, utc_text(t));
}

void add_user(Lines& out, const char* name, const CalendarUser& user, bool rsvp) {
  std::string head = name;
  if (!user.name.empty()) head += ";CN=" + param_value(user.name);
  if (rsvp) head += ";RSVP=FALSE";
  out.add(head, "mailto:" + user.email);
}

const char* status_text(EventStatus s) {
  switch (s) {
    case EventStatus::confirmed: return "CONFIRMED";
    case EventStatus::tentative: return "TENTATIVE";
    case EventStatus::cancelled: return "CANCELLED";
  }
  return "CONFIRMED";
}

void write_vtimezone(Lines& out, const ZoneUse& use) {
  out.add("BEGIN", "VTIMEZONE");
  out.text("TZID", use.name);
  for (const Observance& o : observances(use)) {
    const char* kind = o.daylight ? "DAYLIGHT" : "STANDARD";
    out.add("BEGIN", kind);
    out.add("DTSTART", local_text(o.onset));
    out.add("TZOFFSETFROM", offset_text(o.from));
    out.add("TZOFFSETTO", offset_text(o.to));
    out.text("TZNAME", o.name);
    out.add("END", kind);
  }
  out.add("END", "VTIMEZONE");
}

void write_event(Lines& out, const Prepared& p) {
  const Event& e = *p.event;
  out.add("BEGIN", "VEVENT");
  out.text("UID", e.uid);
  out.add("DTSTAMP", utc_text(e.dtstamp));
  if (e.created) out.add("CREATED", utc_text(*e.created));
  if (e.last_modified) out.add("LAST-MODIFIED", utc_text(*e.last_modified));
  add_time(out, "DTSTART", e.start, p, p.rrule.empty() ? LocalForm::unique : LocalForm::first_pass);
  add_time(out, "DTEND", e.end, p, LocalForm::unique);
  if (e.recurrence_id) {
    add_time(out, "RECURRENCE-ID", *e.recurrence_id, p, LocalForm::first_pass);
  }
  if (!p.rrule.empty()) out.add("RRULE", p.rrule);
  for (const Instant x : e.exdates) add_time(out, "EXDATE", x, p, LocalForm::first_pass);
  out.add("SEQUENCE", std::to_string(e.sequence));
  out.add("STATUS", status_text(e.status));
  out.optional_text("SUMMARY", e.summary);
  out.optional_text("DESCRIPTION", e.description);
  out.optional_text("LOCATION", e.location);
  if (!e.url.empty()) out.add("URL", e.url);
  if (e.organizer) add_user(out, "ORGANIZER", *e.organizer, false);
  for (const CalendarUser& a : e.attendees) add_user(out, "ATTENDEE", a, true);
  out.add("TRANSP", "OPAQUE");
  out.add("END", "VEVENT");
}

}  // namespace

std::string escape_text(std::string_view text) {
  return transcode(text, [](std::string& out, char c) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += '\t'; break;
      default:
        if (!is_control(c)) out += c;
    }
  });
}

std::string param_value(std::string_view value) {
  bool quote = false;
  std::string v = transcode(value, [&quote](std::string& out, char c) {
    if (c == '"') {
      out += '\'';
    } else if (c == '\t') {
      out += '\t';
    } else if (is_control(c)) {
      out += ' ';
    } else {
      if (c == ':' || c == ';' || c == ',') quote = true;
      out += c;
    }
  });
  return quote ? "\"" + v + "\"" : v;
}

std::string fold_line(std::string_view line) {
  constexpr std::size_t kFirst = 75;  // octets on the first line
  constexpr std::size_t kNext = 74;   // on each continuation, after its leading space
  std::string out;
  out.reserve(line.size() + line.size() / kNext * 3 + 2);
  std::size_t pos = 0;
  for (bool first = true;; first = false) {
    const std::size_t room = first ? kFirst : kNext;
    if (!first) out += ' ';
    if (line.size() - pos <= room) {
      out.append(line.substr(pos)).append("\r\n");
      return out;
    }
    // Cut before the lead byte of a character, never inside one.
    std::size_t cut = pos + room;
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0u) == 0x80u) --cut;
    if (cut == pos) cut = pos + room;  // not UTF-8 at all: cut rather than loop
    out.append(line.substr(pos, cut - pos)).append("\r\n");
    pos = cut;
  }
}

Result<std::string> write_calendar(const Calendar& calendar) {
  if (calendar.method != Method::none && calendar.method != Method::publish &&
      calendar.method != Method::request && calendar.method != Method::cancel) {
    return InvalidArgument("method: unknown value " +
                           std::to_string(static_cast<int>(calendar.method)));
  }
  if (calendar.refresh_interval && *calendar.refresh_interval <= Seconds(0)) {
    return InvalidArgument("refresh_interval: must be positive, got " +
                           std::to_string(calendar.refresh_interval->count()) + " seconds");
  }

  std::vector<ZoneUse> zones;
  std::vector<Prepared> events;
  events.reserve(calendar.events.size());
  std::map<std::pair<std::string, std::int64_t>, std::size_t> ids;  // (uid, RECURRENCE-ID)
  for (std::size_t i = 0; i < calendar.events.size(); ++i) {
    const Event& e = calendar.events[i];
    BOKA_ASSIGN_OR_RETURN(Prepared p, prepare(e, i, calendar.method, zones));
    const std::int64_t rid = e.recurrence_id ? to_unix(*e.recurrence_id) : INT64_MIN;
    const auto [it, fresh] = ids.emplace(std::make_pair(e.uid, rid), i);
    if (!fresh) {
      return InvalidArgument(field(i, "uid") + ": \"" + detail::message_safe(e.uid) +
                             "\" is already used by events[" + std::to_string(it->second) +
                             "] with the same recurrence_id");
    }
    events.push_back(std::move(p));
  }

  Lines out;
  out.add("BEGIN", "VCALENDAR");
  out.text("PRODID", std::string("-//boka//boka ") + version_string() + "//EN");
  out.add("VERSION", "2.0");
  out.add("CALSCALE", "GREGORIAN");
  if (calendar.method != Method::none) out.add("METHOD", method_text(calendar.method));
  out.optional_text("NAME", calendar.name);
  out.optional_text("X-WR-CALNAME", calendar.name);
  if (calendar.refresh_interval) {
    const std::string d = duration_text(*calendar.refresh_interval);
    out.add("REFRESH-INTERVAL;VALUE=DURATION", d);
    out.add("X-PUBLISHED-TTL", d);
  }
  for (const ZoneUse& z : zones) write_vtimezone(out, z);
  for (const Prepared& p : events) write_event(out, p);
  out.add("END", "VCALENDAR");
  return out.take();
}

}  // namespace boka::ical
