// A second independent reader of boka's iCalendar output: libical (Debian's libical-dev),
// the C library behind Evolution and many servers. Reads what boka_ical_fixtures wrote
// (<directory>/expected.json and the .ics files) and checks, per calendar:
//  - libical parses it without one X-LIC-ERROR, and its iTIP restrictions
//    (icalrestriction_check: which properties each METHOD requires or forbids) pass;
//  - every VEVENT's UID, SEQUENCE and STATUS read back, and DTSTART, DTEND, RECURRENCE-ID
//    and EXDATE resolve to the exact UTC instants, through the calendar's own VTIMEZONE
//    (libical looks a TZID up in the VCALENDAR that holds the property);
//  - each RRULE, expanded by libical's recurrence iterator in that zone with the EXDATEs
//    removed, gives exactly the occurrences boka's expand_occurrences gave.
// Usage: boka_ical_libical_check <directory>. Exit status 0 when every check passes, else 1
// with one line per failure on stderr.
#include <libical/ical.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;

int failures = 0;

void fail(const std::string& where, const std::string& what) {
  std::cerr << "FAIL " << where << ": " << what << "\n";
  ++failures;
}

template <typename T>
void expect_eq(const std::string& where, const char* what, const T& got, const T& want) {
  if (!(got == want)) {
    std::ostringstream s;
    s << what << ": got " << got << ", want " << want;
    fail(where, s.str());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// UTC seconds of a DATE-TIME as libical resolved it (its zone, or UTC).
std::int64_t unix_of(icaltimetype t) {
  return static_cast<std::int64_t>(icaltime_as_timet_with_zone(t, t.zone));
}

// Every X-LIC-ERROR libical attached anywhere in `c`.
void collect_errors(icalcomponent* c, std::vector<std::string>* out) {
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
    out->push_back(icalproperty_get_xlicerror(p));
  }
  for (icalcomponent* s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
       s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    collect_errors(s, out);
  }
}

const char* status_text(icalproperty_status s) {
  switch (s) {
    case ICAL_STATUS_CONFIRMED: return "CONFIRMED";
    case ICAL_STATUS_TENTATIVE: return "TENTATIVE";
    case ICAL_STATUS_CANCELLED: return "CANCELLED";
    default: return "?";
  }
}

std::int64_t datetime_property(icalcomponent* ev, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(ev, kind);
  return p ? unix_of(icalproperty_get_datetime_with_component(p, ev)) : INT64_MIN;
}

void check_event(const std::string& where, icalcomponent* ev, const Json& e) {
  expect_eq(where, "SEQUENCE", icalcomponent_get_sequence(ev), e["sequence"].get<int>());
  expect_eq(where, "STATUS", std::string(status_text(icalcomponent_get_status(ev))),
            e["status"].get<std::string>());
  expect_eq(where, "SUMMARY", std::string(icalcomponent_get_summary(ev)),
            e["summary"].get<std::string>());
  expect_eq(where, "DTSTART", unix_of(icalcomponent_get_dtstart(ev)),
            e["start"].get<std::int64_t>());
  expect_eq(where, "DTEND", datetime_property(ev, ICAL_DTEND_PROPERTY),
            e["end"].get<std::int64_t>());

  std::set<std::int64_t> exdates;
  for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
    exdates.insert(unix_of(icalproperty_get_datetime_with_component(p, ev)));
  }
  expect_eq(where, "EXDATEs", exdates.size(), e["exdates"].size());
  for (const Json& x : e["exdates"]) {
    if (!exdates.count(x.get<std::int64_t>())) fail(where, "EXDATE " + x.dump() + " missing");
  }

  icalproperty* rrule = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
  if (e["rrule"].is_null()) {
    if (rrule) fail(where, "an RRULE was not expected");
    return;
  }
  if (!rrule) return fail(where, "RRULE missing");
  const icaltimetype start = icalcomponent_get_dtstart(ev);
  icalrecur_iterator* it = icalrecur_iterator_new(icalproperty_get_rrule(rrule), start);
  if (!it) return fail(where, "libical refused the RRULE");
  std::vector<std::int64_t> got;
  for (icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t);
       t = icalrecur_iterator_next(it)) {
    if (got.size() > 5000) break;
    t.zone = start.zone;
    const std::int64_t s = unix_of(t);
    if (!exdates.count(s)) got.push_back(s);
  }
  icalrecur_iterator_free(it);
  expect_eq(where, "occurrences", Json(got).dump(), e["occurrences"].dump());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: boka_ical_libical_check <directory>\n";
    return 1;
  }
  const std::string dir = argv[1];
  const Json expected = Json::parse(read_file(dir + "/expected.json"));
  int events = 0;
  for (const Json& cal : expected["calendars"]) {
    const std::string file = cal["file"].get<std::string>();
    const std::string text = read_file(dir + "/" + file);
    icalcomponent* root = icalparser_parse_string(text.c_str());
    if (!root || icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
      fail(file, "libical did not parse a VCALENDAR");
      continue;
    }
    std::vector<std::string> errors;
    collect_errors(root, &errors);
    for (const std::string& e : errors) fail(file, "parse error: " + e);
    if (icalrestriction_check(root) == 0) {
      errors.clear();
      collect_errors(root, &errors);
      for (const std::string& e : errors) fail(file, "iTIP restriction: " + e);
      if (errors.empty()) fail(file, "icalrestriction_check failed");
    }
    std::size_t seen = 0;
    for (icalcomponent* ev = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
      ++seen;
      const std::string uid = icalcomponent_get_uid(ev);
      const std::int64_t rid = datetime_property(ev, ICAL_RECURRENCEID_PROPERTY);
      const Json* match = nullptr;
      for (const Json& e : cal["events"]) {
        const std::int64_t want =
            e["recurrence_id"].is_null() ? INT64_MIN : e["recurrence_id"].get<std::int64_t>();
        if (e["uid"].get<std::string>() == uid && want == rid) match = &e;
      }
      const std::string where = file + " " + uid + (rid == INT64_MIN ? "" : " (override)");
      if (!match) {
        fail(where, "no expected event with this UID and RECURRENCE-ID");
        continue;
      }
      check_event(where, ev, *match);
      ++events;
    }
    expect_eq(file, "VEVENTs", seen, cal["events"].size());
    icalcomponent_free(root);
  }
  if (events == 0) fail(dir, "no events checked");
  std::cout << "libical " << ICAL_VERSION << ": " << events << " events checked, " << failures
            << " failures\n";
  return failures == 0 ? 0 : 1;
}
