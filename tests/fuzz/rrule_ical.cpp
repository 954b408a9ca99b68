// Fuzz target: RRULE text (include/boka/recurrence.hpp) and the iCalendar writer
// (src/ical/ical.hpp), read back by an independent parser, libical.
//
// Input: byte 0 picks what to fuzz. RRULE mode (even): the rest is RRULE text. Text mode
// (odd): the rest is split at NUL bytes into SUMMARY, DESCRIPTION, LOCATION, the
// organizer's name and the zone, written into an event with a weekly rule.
// Properties, beyond "no crash, no sanitizer report":
//  - a rule that parses is valid, and its canonical text parses back to the same rule and
//    is a fixed point of formatting;
//  - expanding it gives occurrences in strictly increasing order, within the cap, the first
//    on the series' first date;
//  - every calendar written is read by libical without an error property, every line is at
//    most 75 octets and ends in CRLF;
//  - text values survive the trip: escape_text(what libical read) == escape_text(what was
//    written), so escaping loses nothing it keeps (control characters and invalid UTF-8
//    are dropped or replaced by design).
#include <chrono>
#include <string>
#include <vector>

#include <libical/ical.h>

#include "boka/boka.hpp"
#include "fuzz_support.hpp"
#include "ical/ical.hpp"

using namespace boka;

namespace {

Instant at(std::int64_t unix_seconds) { return Instant(Seconds(unix_seconds)); }

void check_lines(const std::string& doc) {
  std::size_t pos = 0;
  while (pos < doc.size()) {
    const auto crlf = doc.find("\r\n", pos);
    FUZZ_CHECK(crlf != std::string::npos, "a line without CRLF");
    FUZZ_CHECK(crlf - pos <= 75, "a line longer than 75 octets: " + doc.substr(pos, crlf - pos));
    FUZZ_CHECK(doc.substr(pos, crlf - pos).find_first_of("\r\n") == std::string::npos,
               "a bare CR or LF inside a line");
    pos = crlf + 2;
  }
}

// The VEVENT of `doc` as libical reads it (freed by the caller), after checking that the
// whole document has no X-LIC-ERROR property anywhere.
icalcomponent* parse_event(const std::string& doc) {
  icalcomponent* cal = icalparser_parse_string(doc.c_str());
  FUZZ_CHECK(cal != nullptr, "libical read nothing");
  std::vector<icalcomponent*> stack{cal};
  while (!stack.empty()) {
    icalcomponent* c = stack.back();
    stack.pop_back();
    icalproperty* err = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
    FUZZ_CHECK(err == nullptr, std::string("libical: ") + icalproperty_get_xlicerror(err) + "\n" + doc);
    for (icalcomponent* s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
      stack.push_back(s);
    }
  }
  return cal;
}

ical::Event base_event() {
  ical::Event e;
  e.uid = "reservation-1@fuzz.example";
  e.dtstamp = at(1780000000);
  e.start = at(1780045200);
  e.end = at(1780048800);
  e.zone = "Europe/Berlin";
  e.summary = "Consultation";
  return e;
}

void rrule(std::string_view text) {
  auto rule = parse_rrule(text);
  if (!rule.ok()) {
    FUZZ_CHECK(rule.status().code() == Code::invalid_argument ||
                   rule.status().code() == Code::not_supported,
               rule.status().message());
    for (unsigned char c : rule.status().message()) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, "the message is printable ASCII");
    }
    return;
  }
  FUZZ_CHECK(validate_rrule(*rule).ok(), "a parsed rule is valid");
  const std::string canonical = format_rrule(*rule);
  auto again = parse_rrule(canonical);
  FUZZ_CHECK(again.ok() && *again == *rule, canonical);
  FUZZ_CHECK(format_rrule(*again) == canonical, canonical);

  SeriesPattern series;
  series.first_date = LocalDate{2026, 3, 2};
  series.start_minute = 150;  // 02:30: skipped on the spring-forward day in Berlin
  series.duration = Seconds(3600);
  series.rule = *rule;
  if (!series.rule.count && !series.rule.until) series.rule.count = 50;
  auto occurrences = expand_occurrences(series, "Europe/Berlin", at(4102444800), 200);
  if (occurrences.ok()) {
    FUZZ_CHECK(!occurrences->empty() && occurrences->size() <= 200, canonical);
    for (std::size_t i = 1; i < occurrences->size(); ++i) {
      FUZZ_CHECK((*occurrences)[i - 1].start < (*occurrences)[i].start, canonical);
    }
  }

  ical::Calendar cal;
  cal.events.push_back(base_event());
  cal.events[0].rrule = canonical;
  auto doc = ical::write_calendar(cal);
  FUZZ_CHECK(doc.ok(), canonical + ": " + doc.status().message());
  check_lines(*doc);
  icalcomponent* parsed = parse_event(*doc);
  icalcomponent* event = icalcomponent_get_first_component(parsed, ICAL_VEVENT_COMPONENT);
  FUZZ_CHECK(event != nullptr, "no VEVENT");
  icalproperty* p = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY);
  FUZZ_CHECK(p != nullptr, "no RRULE");
  const icalrecurrencetype r = icalproperty_get_rrule(p);
  FUZZ_CHECK(r.freq != ICAL_NO_RECURRENCE, canonical);
  FUZZ_CHECK(r.interval == rule->interval, canonical);
  FUZZ_CHECK(r.count == rule->count.value_or(0), canonical);
  icalcomponent_free(parsed);
}

void text(std::string_view input) {
  std::vector<std::string> parts(5);
  std::size_t p = 0;
  for (char c : input) {
    if (c == '\0' && p < parts.size() - 1) {
      ++p;
    } else {
      parts[p].push_back(c);
    }
  }
  ical::Calendar cal;
  cal.method = ical::Method::request;
  ical::Event e = base_event();
  e.summary = parts[0];
  e.description = parts[1];
  e.location = parts[2];
  e.organizer = ical::CalendarUser{"owner@fuzz.example", parts[3]};
  e.attendees.push_back(ical::CalendarUser{"guest@fuzz.example", parts[3]});  // REQUEST needs one
  e.rrule = "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=5";
  if (!parts[4].empty()) e.zone = parts[4];
  cal.events.push_back(e);
  auto doc = ical::write_calendar(cal);
  if (!doc.ok()) {
    // Only the zone may be refused; the texts are always writable.
    FUZZ_CHECK(!parts[4].empty() && doc.status().message().find("zone") != std::string::npos,
               doc.status().message());
    return;
  }
  check_lines(*doc);
  icalcomponent* parsed = parse_event(*doc);
  icalcomponent* event = icalcomponent_get_first_component(parsed, ICAL_VEVENT_COMPONENT);
  FUZZ_CHECK(event != nullptr, "no VEVENT");
  const auto same = [&](icalproperty_kind kind, const std::string& written) {
    icalproperty* prop = icalcomponent_get_first_property(event, kind);
    if (ical::escape_text(written).find_first_not_of(" \t") == std::string::npos) {
      // Nothing but blanks survives escaping (empty, control characters): left out.
      FUZZ_CHECK(prop == nullptr, "an empty text property was written");
      return;
    }
    FUZZ_CHECK(prop != nullptr, "a text property is missing");
    const char* read = icalproperty_get_value_as_string(prop);
    // libical hands back the escaped form; decode it with its own text value reader.
    icalvalue* v = icalvalue_new_from_string(ICAL_TEXT_VALUE, read);
    FUZZ_CHECK(v != nullptr, read);
    const std::string decoded = icalvalue_get_text(v);
    icalvalue_free(v);
    // libical drops the blanks a value starts and ends with (RFC 5545 keeps them; boka
    // writes them), so the comparison leaves them out.
    const auto trimmed = [](std::string t) {
      t.erase(0, t.find_first_not_of(" \t"));
      return t.erase(t.find_last_not_of(" \t") + 1);
    };
    FUZZ_CHECK(trimmed(ical::escape_text(decoded)) == trimmed(ical::escape_text(written)),
               "text changed on the way: " + ical::escape_text(written) + " -> " +
                   ical::escape_text(decoded));
  };
  same(ICAL_SUMMARY_PROPERTY, parts[0]);
  same(ICAL_DESCRIPTION_PROPERTY, parts[1]);
  same(ICAL_LOCATION_PROPERTY, parts[2]);
  icalcomponent_free(parsed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view rest = boka::fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    rrule(rest);
  } else {
    text(rest);
  }
  return 0;
}
