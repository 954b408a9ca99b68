// Writes the calendars that tests/ical/ical_parse_test.py parses with an independent
// iCalendar implementation (Debian's python3-icalendar), and what they must read back as.
//
// Usage: boka_ical_fixtures <directory>. Writes <name>.ics for each calendar and
// expected.json: per calendar its file and METHOD, per event its UID, RECURRENCE-ID, start and
// end (Unix seconds), zone, texts, STATUS, SEQUENCE, and for a series its RRULE and EXDATE
// instants and the occurrences boka's own expansion (expand_occurrences) gives, EXDATEs
// removed. Exit status 0 on success, 1 with a message on stderr otherwise.
#include <date/date.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "boka/recurrence.hpp"
#include "ical/ical.hpp"

namespace {

using namespace boka;
using Json = nlohmann::json;

Instant utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return Instant(date::sys_days(date::year(y) / mo / d).time_since_epoch() + std::chrono::hours(h) +
                 std::chrono::minutes(mi));
}

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "boka_ical_fixtures: " << what << "\n";
  std::exit(1);
}

const char* status_name(ical::EventStatus s) {
  switch (s) {
    case ical::EventStatus::confirmed: return "CONFIRMED";
    case ical::EventStatus::tentative: return "TENTATIVE";
    case ical::EventStatus::cancelled: return "CANCELLED";
  }
  return "?";
}

const char* method_name(ical::Method m) {
  switch (m) {
    case ical::Method::none: return nullptr;
    case ical::Method::publish: return "PUBLISH";
    case ical::Method::request: return "REQUEST";
    case ical::Method::cancel: return "CANCEL";
  }
  return nullptr;
}

ical::Event event(std::string uid, Instant start, Instant end, std::optional<std::string> zone,
                  std::string summary) {
  ical::Event e;
  e.uid = std::move(uid);
  e.dtstamp = utc(2026, 1, 5, 8, 0);
  e.created = utc(2026, 1, 2, 7, 0);
  e.start = start;
  e.end = end;
  e.zone = std::move(zone);
  e.summary = std::move(summary);
  return e;
}

// A series event from a pattern, the way the engine books one: DTSTART is the first
// occurrence, EXDATEs are the starts of the excluded dates' occurrences. *occurrences gets
// what boka books (the expansion with the exclusions).
ical::Event series(std::string uid, const SeriesPattern& pattern, const std::string& zone,
                   std::string summary, std::vector<Instant>* occurrences) {
  SeriesPattern all = pattern;
  all.exdates.clear();
  Result<std::vector<Occurrence>> every = expand_occurrences(all, zone, utc(2100, 1, 1));
  Result<std::vector<Occurrence>> kept = expand_occurrences(pattern, zone, utc(2100, 1, 1));
  if (!every.ok()) fail(every.status().to_string());
  if (!kept.ok()) fail(kept.status().to_string());
  ical::Event e =
      event(std::move(uid), every->front().start, every->front().end, zone, std::move(summary));
  e.rrule = format_rrule(pattern.rule);
  for (const Occurrence& o : *every) {
    for (const LocalDate& x : pattern.exdates) {
      if (o.date == x) e.exdates.push_back(o.start);
    }
  }
  occurrences->clear();
  for (const Occurrence& o : *kept) occurrences->push_back(o.start);
  return e;
}

struct Fixture {
  std::string file;
  ical::Calendar calendar;
  // Per event (same order): boka's occurrences for a series, empty otherwise.
  std::vector<std::vector<Instant>> occurrences;
};

void add(Fixture& f, ical::Event e, std::vector<Instant> occurrences = {}) {
  f.calendar.events.push_back(std::move(e));
  f.occurrences.push_back(std::move(occurrences));
}

std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  const ical::CalendarUser desk{"desk@example.com", "Front desk"};
  const ical::CalendarUser ana{"ana@example.com", "Lima, Ana"};

  {  // UTC events, every optional property, texts that need escaping.
    Fixture f{"utc.ics", {}, {}};
    f.calendar.method = ical::Method::publish;
    f.calendar.name = "Room A; floor 2";
    f.calendar.refresh_interval = Seconds(3600);
    ical::Event e = event("reservation-1@example.com", utc(2026, 1, 15, 9, 0),
                          utc(2026, 1, 15, 10, 0), std::nullopt, "Stand-up; daily, short");
    e.description = "Line one\nLine two, with a comma; a semicolon and C:\\temp\r\nLine three";
    e.location = "Room A, 2nd floor";
    e.url = "https://example.com/reservations/1?view=full";
    e.organizer = desk;  // no attendees: PUBLISH does not allow them (RFC 5546)
    e.last_modified = utc(2026, 1, 4, 12, 30);
    add(f, e);
    ical::Event t = event("reservation-2@example.com", utc(2026, 6, 30, 22, 0),
                          utc(2026, 7, 1, 1, 0), std::nullopt, "Night shift");
    t.status = ical::EventStatus::tentative;
    t.sequence = 1;
    t.organizer = ical::CalendarUser{"night@example.com", ""};
    add(f, t);
    out.push_back(std::move(f));
  }
  {  // Europe/Berlin across both changes of 2026, the gap and the repeated hour.
    Fixture f{"berlin.ics", {}, {}};
    const std::string z = "Europe/Berlin";
    add(f, event("b1@example.com", utc(2026, 3, 28, 9, 0), utc(2026, 3, 28, 10, 0), z,
                 "Saturday before spring forward, 10:00 CET"));
    add(f, event("b2@example.com", utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), z,
                 "Across the gap, 01:30 CET to 03:30 CEST"));
    add(f, event("b3@example.com", utc(2026, 3, 29, 8, 0), utc(2026, 3, 29, 9, 0), z,
                 "After spring forward, 10:00 CEST"));
    add(f, event("b4@example.com", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), z,
                 "First pass of 02:30 to the second pass (both written in UTC)"));
    add(f, event("b5@example.com", utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 2, 30), z,
                 "Second pass of 02:30 (UTC) to 03:30 CET"));
    add(f, event("b6@example.com", utc(2026, 10, 26, 9, 0), utc(2026, 10, 26, 10, 0), z,
                 "After fall back, 10:00 CET"));
    SeriesPattern p;
    p.first_date = LocalDate{2026, 3, 14};
    p.start_minute = 10 * 60;
    p.duration = Seconds(90 * 60);
    p.rule = parse_rrule("FREQ=WEEKLY;COUNT=4").value();
    std::vector<Instant> occ;
    ical::Event s = series("b-series@example.com", p, z, "Saturdays 10:00 across March", &occ);
    add(f, s, occ);
    out.push_back(std::move(f));
  }
  {  // Southern hemisphere and a half-hour zone in one calendar.
    Fixture f{"sydney.ics", {}, {}};
    const std::string z = "Australia/Sydney";
    add(f, event("s1@example.com", utc(2026, 4, 3, 23, 0), utc(2026, 4, 4, 0, 0), z,
                 "10:00 AEDT, the day before DST ends"));
    add(f, event("s2@example.com", utc(2026, 4, 5, 0, 0), utc(2026, 4, 5, 1, 0), z,
                 "10:00 AEST, the day DST ends"));
    add(f, event("s3@example.com", utc(2026, 10, 3, 0, 0), utc(2026, 10, 3, 1, 0), z,
                 "10:00 AEST, the day before DST starts"));
    add(f, event("s4@example.com", utc(2026, 10, 3, 23, 0), utc(2026, 10, 4, 0, 0), z,
                 "10:00 AEDT, the day DST starts"));
    add(f, event("a1@example.com", utc(2026, 4, 4, 23, 30), utc(2026, 4, 5, 0, 30),
                 "Australia/Adelaide", "10:00 ACST in Adelaide (+09:30)"));
    SeriesPattern p;
    p.first_date = LocalDate{2026, 9, 21};
    p.start_minute = 8 * 60 + 45;
    p.duration = Seconds(45 * 60);
    p.rule = parse_rrule("FREQ=DAILY;BYDAY=MO,WE,FR;UNTIL=20261016").value();
    std::vector<Instant> occ;
    ical::Event s = series("s-series@example.com", p, z, "Sydney mornings across October", &occ);
    add(f, s, occ);
    out.push_back(std::move(f));
  }
  {  // America/New_York: weekly series across the March change with an EXDATE and an
     // override, and a series whose local UNTIL crosses the November change.
    Fixture f{"newyork.ics", {}, {}};
    const std::string z = "America/New_York";
    SeriesPattern p;
    p.first_date = LocalDate{2026, 2, 17};
    p.start_minute = 9 * 60;
    p.duration = Seconds(3600);
    p.rule = parse_rrule("FREQ=WEEKLY;BYDAY=TU;COUNT=8").value();
    p.exdates = {LocalDate{2026, 3, 10}};
    std::vector<Instant> occ;
    ical::Event s = series("ny-weekly@example.com", p, z, "Weekly Tuesday 09:00", &occ);
    add(f, s, occ);
    // The 2026-03-17 occurrence (09:00 EDT = 13:00Z) moved to 11:00.
    ical::Event moved = event("ny-weekly@example.com", utc(2026, 3, 17, 15, 0),
                              utc(2026, 3, 17, 16, 0), z, "Weekly Tuesday, moved to 11:00");
    moved.recurrence_id = utc(2026, 3, 17, 13, 0);
    moved.sequence = 1;
    add(f, moved);
    SeriesPattern q;
    q.first_date = LocalDate{2026, 10, 26};
    q.start_minute = 18 * 60 + 30;
    q.duration = Seconds(30 * 60);
    q.rule = parse_rrule("FREQ=DAILY;BYDAY=MO,WE,FR;UNTIL=20261106T183000").value();
    std::vector<Instant> occ2;
    ical::Event s2 = series("ny-evenings@example.com", q, z, "Evenings until a local UNTIL", &occ2);
    add(f, s2, occ2);
    SeriesPattern m;
    m.first_date = LocalDate{2026, 1, 13};
    m.start_minute = 8 * 60;
    m.duration = Seconds(3600);
    m.rule = parse_rrule("FREQ=MONTHLY;BYDAY=2TU;COUNT=12").value();
    std::vector<Instant> occ3;
    ical::Event s3 = series("ny-monthly@example.com", m, z, "Second Tuesday monthly", &occ3);
    add(f, s3, occ3);
    out.push_back(std::move(f));
  }
  {  // An invitation and its cancellation (iTIP), in Europe/London.
    Fixture f{"request.ics", {}, {}};
    f.calendar.method = ical::Method::request;
    ical::Event e = event("reservation-7@example.com", utc(2026, 7, 10, 13, 0),
                          utc(2026, 7, 10, 14, 0), "Europe/London", "Haircut");
    e.sequence = 2;
    e.organizer = desk;
    e.attendees = {ana, {"bo@example.com", ""}};
    add(f, e);
    out.push_back(f);
    f.file = "cancelled.ics";
    f.calendar.method = ical::Method::cancel;
    f.calendar.events[0].sequence = 3;
    f.calendar.events[0].status = ical::EventStatus::cancelled;
    f.calendar.events[0].summary = "Haircut (cancelled)";
    out.push_back(std::move(f));
  }
  {  // Non-ASCII text long enough to fold, a half-hour zone, and TZID=UTC.
    Fixture f{"unicode.ics", {}, {}};
    ical::Event e = event(
        "reservation-9@example.com", utc(2026, 6, 1, 3, 30), utc(2026, 6, 1, 4, 30), "Asia/Kolkata",
        "Caf\xC3\xA9 Z\xC3\xBCrich \xE2\x80\x93 Gro\xC3\x9F"
        "er Saal, \xE4\xBC\x9A\xE8\xAE\xAE"
        "\xE5\xAE\xA4 \xF0\x9F\x98\x80 \xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC r\xC3\xA9union "
        "\xD0\xBF\xD0\xBB\xD0\xB0\xD0\xBD\xD1\x91\xD1\x80\xD0\xBA\xD0\xB0 \xE0\xA4\xAC\xE0\xA5"
        "\x88\xE0\xA4\xA0\xE0\xA4\x95");
    e.description = std::string(40, '-') + " \xC3\xA4\xC3\xB6\xC3\xBC " +
                    "\xF0\x9F\x8E\x89\xF0\x9F\x8E\x89\xF0\x9F\x8E\x89 end";
    e.location =
        "Stra\xC3\x9F"
        "e 1, M\xC3\xBCnchen";
    add(f, e);
    add(f, event("reservation-10@example.com", utc(2026, 6, 2, 9, 0), utc(2026, 6, 2, 10, 0), "UTC",
                 "TZID=UTC"));
    out.push_back(std::move(f));
  }
  return out;
}

Json event_json(const ical::Event& e, const std::vector<Instant>& occurrences) {
  Json j;
  j["uid"] = e.uid;
  j["recurrence_id"] = e.recurrence_id ? Json(to_unix(*e.recurrence_id)) : Json(nullptr);
  j["start"] = to_unix(e.start);
  j["end"] = to_unix(e.end);
  j["zone"] = e.zone ? Json(*e.zone) : Json(nullptr);
  j["summary"] = e.summary;
  j["description"] = e.description;
  j["location"] = e.location;
  j["status"] = status_name(e.status);
  j["sequence"] = e.sequence;
  j["rrule"] = e.rrule.empty() ? Json(nullptr) : Json(e.rrule);
  j["exdates"] = Json::array();
  for (const Instant x : e.exdates) j["exdates"].push_back(to_unix(x));
  j["occurrences"] = Json::array();
  for (const Instant o : occurrences) j["occurrences"].push_back(to_unix(o));
  j["organizer"] = e.organizer ? Json(e.organizer->email) : Json(nullptr);
  j["attendees"] = Json::array();
  for (const ical::CalendarUser& a : e.attendees) {
    j["attendees"].push_back(Json{{"email", a.email}, {"name", a.name}});
  }
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: boka_ical_fixtures <directory>");
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  Json expected;
  expected["calendars"] = Json::array();
  for (const Fixture& f : fixtures()) {
    Result<std::string> doc = ical::write_calendar(f.calendar);
    if (!doc.ok()) fail(f.file + ": " + doc.status().to_string());
    std::ofstream(dir / f.file, std::ios::binary) << *doc;
    Json c;
    c["file"] = f.file;
    const char* method = method_name(f.calendar.method);
    c["method"] = method ? Json(method) : Json(nullptr);
    c["name"] = f.calendar.name;
    c["events"] = Json::array();
    for (std::size_t i = 0; i < f.calendar.events.size(); ++i) {
      c["events"].push_back(event_json(f.calendar.events[i], f.occurrences[i]));
    }
    expected["calendars"].push_back(c);
  }
  std::ofstream(dir / "expected.json") << expected.dump(2) << "\n";
  return 0;
}
