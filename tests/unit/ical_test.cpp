// The iCalendar writer (src/ical): escaping, folding, structure under hostile text, UTC and
// TZID output, VTIMEZONE content and span, RRULE normalization, and the refusals. The
// independent parse of the output is tests/ical/ical_parse_test.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "ical/ical.hpp"
#include "support.hpp"

using namespace boka;
using boka::test::utc;

namespace {

// RFC 5545 section 3.1 unfolding: every CRLF followed by one space or tab is removed.
std::string unfold(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 2 < text.size() && text[i + 1] == '\n' &&
        (text[i + 2] == ' ' || text[i + 2] == '\t')) {
      i += 2;
      continue;
    }
    out += text[i];
  }
  return out;
}

// Splits on CRLF; the text must end in CRLF, and holds no other CR or LF.
std::vector<std::string> split_crlf(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find("\r\n", pos);
    REQUIRE(end != std::string::npos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return lines;
}

// The logical content lines of a document.
std::vector<std::string> content_lines(const std::string& doc) { return split_crlf(unfold(doc)); }

std::size_t count_lines(const std::vector<std::string>& lines, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
    return l.compare(0, prefix.size(), prefix) == 0;
  }));
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// A strict UTF-8 check, written independently of the writer's decoder.
bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Every physical line at most 75 octets, valid UTF-8 on its own, CRLF-terminated, and no
// bare CR or LF anywhere.
void check_physical_lines(const std::string& doc) {
  for (std::size_t i = 0; i < doc.size(); ++i) {
    if (doc[i] == '\r') REQUIRE((i + 1 < doc.size() && doc[i + 1] == '\n'));
    if (doc[i] == '\n') REQUIRE((i > 0 && doc[i - 1] == '\r'));
  }
  for (const std::string& line : split_crlf(doc)) {
    INFO(line);
    CHECK(line.size() <= 75);
    CHECK(valid_utf8(line));
  }
}

ical::Event basic_event() {
  ical::Event e;
  e.uid = "reservation-42@example.com";
  e.dtstamp = utc(2026, 1, 1, 8, 0);
  e.start = utc(2026, 1, 15, 9, 0);
  e.end = utc(2026, 1, 15, 10, 0);
  e.summary = "Room A";
  return e;
}

std::string write(const ical::Calendar& c) {
  Result<std::string> doc = ical::write_calendar(c);
  INFO(doc.status().to_string());
  REQUIRE(doc.ok());
  check_physical_lines(*doc);
  return *doc;
}

std::string write_one(const ical::Event& e) {
  ical::Calendar c;
  c.events.push_back(e);
  return write(c);
}

// The lines of the one VTIMEZONE whose TZID is `tzid`, BEGIN and END included.
std::vector<std::string> vtimezone(const std::vector<std::string>& lines, const std::string& tzid) {
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] == "BEGIN:VTIMEZONE" && lines[i + 1] == "TZID:" + tzid) {
      std::vector<std::string> out;
      for (std::size_t k = i; k < lines.size(); ++k) {
        out.push_back(lines[k]);
        if (lines[k] == "END:VTIMEZONE") return out;
      }
    }
  }
  return {};
}

// One observance as its five lines.
std::vector<std::string> observance(const char* kind, const char* dtstart, const char* from,
                                    const char* to, const char* name) {
  return {std::string("BEGIN:") + kind,        std::string("DTSTART:") + dtstart,
          std::string("TZOFFSETFROM:") + from, std::string("TZOFFSETTO:") + to,
          std::string("TZNAME:") + name,       std::string("END:") + kind};
}

std::vector<std::string> zone_lines(const char* tzid,
                                    std::vector<std::vector<std::string>> observances) {
  std::vector<std::string> out{"BEGIN:VTIMEZONE", std::string("TZID:") + tzid};
  for (auto& o : observances) out.insert(out.end(), o.begin(), o.end());
  out.push_back("END:VTIMEZONE");
  return out;
}

void check_refused(const ical::Calendar& c, Code code, const std::string& field,
                   const std::string& also = "") {
  Result<std::string> doc = ical::write_calendar(c);
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.status().code() == code);
  CHECK_THAT(doc.status().message(), Catch::StartsWith(field + ": "));
  if (!also.empty()) CHECK_THAT(doc.status().message(), Catch::Contains(also));
}

}  // namespace

TEST_CASE("text values escape backslash, semicolon, comma and line breaks") {
  CHECK(ical::escape_text("a\\b;c,d:e") == "a\\\\b\\;c\\,d:e");
  CHECK(ical::escape_text("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour");
  CHECK(ical::escape_text("\r\n\r\n") == "\\n\\n");
  // Other control characters are dropped, a tab stays (TEXT allows WSP).
  CHECK(ical::escape_text(std::string("x\x01y\x7Fz\tw\0v", 9)) == "xyz\twv");
  // Non-ASCII passes through; invalid UTF-8 becomes U+FFFD, byte by byte.
  CHECK(ical::escape_text("Caf\xC3\xA9 \xE2\x82\xAC") == "Caf\xC3\xA9 \xE2\x82\xAC");
  CHECK(ical::escape_text("a\xC3(b") == "a\xEF\xBF\xBD(b");
  CHECK(ical::escape_text("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(ical::escape_text("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(ical::escape_text("\xF0\x9F\x98") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
}

TEST_CASE("parameter values are quoted when they hold a colon, semicolon or comma, never a quote") {
  CHECK(ical::param_value("Ana Lima") == "Ana Lima");
  CHECK(ical::param_value("Lima, Ana") == "\"Lima, Ana\"");
  CHECK(ical::param_value("CEO: Ana") == "\"CEO: Ana\"");
  CHECK(ical::param_value("a;b") == "\"a;b\"");
  CHECK(ical::param_value("Ana \"the boss\" Lima") == "Ana 'the boss' Lima");
  CHECK(ical::param_value("x\r\ny\nz") == "x y z");
  CHECK(ical::param_value("Zo\xC3\xAB") == "Zo\xC3\xAB");
}

TEST_CASE("folding keeps lines within 75 octets and unfolding restores them") {
  CHECK(ical::fold_line("SUMMARY:short") == "SUMMARY:short\r\n");
  CHECK(ical::fold_line("") == "\r\n");
  const std::string exactly75(75, 'x');
  CHECK(ical::fold_line(exactly75) == exactly75 + "\r\n");
  const std::string seventy6(76, 'x');
  CHECK(ical::fold_line(seventy6) == std::string(75, 'x') + "\r\n x\r\n");

  std::string long_line = "DESCRIPTION:";
  for (int i = 0; i < 100; ++i) long_line += "word" + std::to_string(i) + " ";
  const std::string folded = ical::fold_line(long_line);
  check_physical_lines(folded);
  const std::vector<std::string> physical = split_crlf(folded);
  CHECK(physical.size() > 5);
  CHECK(physical[0].size() == 75);  // a full first line: 75 octets, not 74
  for (std::size_t i = 1; i < physical.size(); ++i) CHECK(physical[i][0] == ' ');
  CHECK(unfold(folded) == long_line + "\r\n");
}

TEST_CASE("folding never splits a multi-byte UTF-8 character") {
  // Two-, three- and four-byte characters at every alignment against the fold points.
  for (const std::string ch : {"\xC3\xA4", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    for (int prefix = 0; prefix < 4; ++prefix) {
      std::string line = "SUMMARY:" + std::string(static_cast<std::size_t>(prefix), 'a');
      for (int i = 0; i < 120; ++i) line += ch;
      const std::string folded = ical::fold_line(line);
      INFO("char of " << ch.size() << " bytes, prefix " << prefix);
      check_physical_lines(folded);
      CHECK(unfold(folded) == line + "\r\n");
      const std::vector<std::string> physical = split_crlf(folded);
      for (std::size_t i = 0; i + 1 < physical.size(); ++i) {
        // Each line but the last uses its room: a cut moves back at most the length of one
        // character less one byte.
        CHECK(physical[i].size() + ch.size() - 1 >= 75);
      }
    }
  }
}

TEST_CASE("a UTC event, field by field") {
  ical::Calendar c;
  c.method = ical::Method::publish;
  c.name = "Room A";
  c.refresh_interval = Seconds(3600);
  c.events.push_back(basic_event());
  c.events[0].organizer = ical::CalendarUser{"desk@example.com", "Front desk"};
  const std::string doc = write(c);
  CHECK(doc ==
        "BEGIN:VCALENDAR\r\n"
        "PRODID:-//boka//boka " +
            std::string(version_string()) +
            "//EN\r\n"
            "VERSION:2.0\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "NAME:Room A\r\n"
            "X-WR-CALNAME:Room A\r\n"
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
            "X-PUBLISHED-TTL:PT1H\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:reservation-42@example.com\r\n"
            "DTSTAMP:20260101T080000Z\r\n"
            "DTSTART:20260115T090000Z\r\n"
            "DTEND:20260115T100000Z\r\n"
            "SEQUENCE:0\r\n"
            "STATUS:CONFIRMED\r\n"
            "SUMMARY:Room A\r\n"
            "ORGANIZER;CN=Front desk:mailto:desk@example.com\r\n"
            "TRANSP:OPAQUE\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST_CASE("optional event properties and durations") {
  ical::Calendar c;
  c.method = ical::Method::request;
  c.refresh_interval = Seconds(90061);
  ical::Event e = basic_event();
  e.created = utc(2025, 12, 1, 7, 0);
  e.last_modified = utc(2025, 12, 2, 7, 30, 15);
  e.sequence = 2;
  e.status = ical::EventStatus::tentative;
  e.description = "Bring the badge, please";
  e.location = "Floor 3; Room A";
  e.url = "https://example.com/r/42?x=1&y=2";
  e.organizer = ical::CalendarUser{"desk@example.com", "Front desk"};
  e.attendees = {{"ana@example.com", "Lima, Ana"}, {"bo@example.com", ""}};
  c.events.push_back(e);
  const auto lines = content_lines(write(c));
  CHECK(has_line(lines, "METHOD:REQUEST"));
  CHECK(has_line(lines, "REFRESH-INTERVAL;VALUE=DURATION:P1DT1H1M1S"));
  CHECK(has_line(lines, "CREATED:20251201T070000Z"));
  CHECK(has_line(lines, "LAST-MODIFIED:20251202T073015Z"));
  CHECK(has_line(lines, "SEQUENCE:2"));
  CHECK(has_line(lines, "STATUS:TENTATIVE"));
  CHECK(has_line(lines, "DESCRIPTION:Bring the badge\\, please"));
  CHECK(has_line(lines, "LOCATION:Floor 3\\; Room A"));
  CHECK(has_line(lines, "URL:https://example.com/r/42?x=1&y=2"));
  CHECK(has_line(lines, "ORGANIZER;CN=Front desk:mailto:desk@example.com"));
  CHECK(has_line(lines, "ATTENDEE;CN=\"Lima, Ana\";RSVP=FALSE:mailto:ana@example.com"));
  CHECK(has_line(lines, "ATTENDEE;RSVP=FALSE:mailto:bo@example.com"));

  c.refresh_interval = Seconds(7 * 86400);
  CHECK(has_line(content_lines(write(c)), "REFRESH-INTERVAL;VALUE=DURATION:P1W"));
  c.refresh_interval = Seconds(900);
  CHECK(has_line(content_lines(write(c)), "X-PUBLISHED-TTL:PT15M"));
}

TEST_CASE("line breaks in any text stay inside one escaped property") {
  ical::Calendar c;
  ical::Event e = basic_event();
  e.uid = "42@example.com\r\nEND:VEVENT";
  e.summary = "Lunch\r\nBEGIN:VEVENT\r\nUID:evil@example.com\r\nEND:VEVENT";
  e.description = "x\nEND:VCALENDAR\n";
  e.location = "a\rDTSTART:19700101T000000Z";
  e.attendees = {{"ana@example.com", "Ana\r\nATTENDEE:mailto:evil@example.com"}};
  c.events.push_back(e);
  const std::string doc = write(c);
  const auto lines = content_lines(doc);
  CHECK(count_lines(lines, "BEGIN:VEVENT") == 1);
  CHECK(count_lines(lines, "END:VEVENT") == 1);
  CHECK(count_lines(lines, "UID:") == 1);
  CHECK(count_lines(lines, "DTSTART") == 1);
  CHECK(count_lines(lines, "ATTENDEE") == 1);
  CHECK(count_lines(lines, "END:VCALENDAR") == 1);
  CHECK(lines.back() == "END:VCALENDAR");
  CHECK(has_line(lines, "UID:42@example.com\\nEND:VEVENT"));
  CHECK(has_line(lines, "SUMMARY:Lunch\\nBEGIN:VEVENT\\nUID:evil@example.com\\nEND:VEVENT"));
  CHECK(has_line(lines, "DESCRIPTION:x\\nEND:VCALENDAR\\n"));
  CHECK(has_line(lines, "LOCATION:a\\nDTSTART:19700101T000000Z"));
  CHECK(has_line(lines,
                 "ATTENDEE;CN=\"Ana ATTENDEE:mailto:evil@example.com\";RSVP=FALSE:"
                 "mailto:ana@example.com"));
}

TEST_CASE("a long non-ASCII summary folds on character boundaries and reads back") {
  ical::Event e = basic_event();
  e.summary =
      "Caf\xC3\xA9 Z\xC3\xBCrich \xE2\x80\x93 Gro\xC3\x9F"
      "er Saal \xE4\xBC\x9A\xE8\xAE\xAE"
      "\xE5\xAE\xA4 \xF0\x9F\x98\x80, 2. Stock; bitte p\xC3\xBCnktlich \xE2\x82\xAC\xE2\x82\xAC";
  const std::string doc = write_one(e);  // checks every physical line
  CHECK(has_line(content_lines(doc), "SUMMARY:" + ical::escape_text(e.summary)));
  CHECK(doc.find("\r\n ") != std::string::npos);  // it did fold
}

TEST_CASE("with a zone, times are local with TZID and one VTIMEZONE per zone") {
  ical::Calendar c;
  ical::Event a = basic_event();
  a.zone = "Europe/Berlin";
  a.exdates = {};
  ical::Event b = basic_event();
  b.uid = "reservation-43@example.com";
  b.zone = "Europe/Berlin";
  b.start = utc(2026, 7, 1, 8, 0);  // CEST, +02:00
  b.end = utc(2026, 7, 1, 9, 30);
  ical::Event d = basic_event();
  d.uid = "reservation-44@example.com";
  d.zone = "Asia/Kolkata";
  ical::Event u = basic_event();
  u.uid = "reservation-45@example.com";  // no zone: UTC
  c.events = {a, b, d, u};
  const auto lines = content_lines(write(c));
  CHECK(has_line(lines, "DTSTART;TZID=Europe/Berlin:20260115T100000"));
  CHECK(has_line(lines, "DTEND;TZID=Europe/Berlin:20260115T110000"));
  CHECK(has_line(lines, "DTSTART;TZID=Europe/Berlin:20260701T100000"));
  CHECK(has_line(lines, "DTEND;TZID=Europe/Berlin:20260701T113000"));
  CHECK(has_line(lines, "DTSTART;TZID=Asia/Kolkata:20260115T143000"));
  CHECK(has_line(lines, "DTSTART:20260115T090000Z"));
  CHECK(count_lines(lines, "BEGIN:VTIMEZONE") == 2);
  CHECK(count_lines(lines, "TZID:Europe/Berlin") == 1);
  CHECK(count_lines(lines, "TZID:Asia/Kolkata") == 1);
  // VTIMEZONEs come before the events, in order of first use.
  const auto at = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l); };
  CHECK(at("TZID:Europe/Berlin") < at("TZID:Asia/Kolkata"));
  CHECK(at("TZID:Asia/Kolkata") < at("BEGIN:VEVENT"));
  // DTSTAMP stays UTC.
  CHECK(count_lines(lines, "DTSTAMP:20260101T080000Z") == 4);
}

TEST_CASE("Europe/Berlin: one observance per transition, onsets in the old local time") {
  ical::Event a = basic_event();  // 2026-01-15 (CET)
  a.zone = "Europe/Berlin";
  ical::Event b = a;
  b.uid = "b@example.com";
  b.start = utc(2026, 11, 2, 9, 0);
  b.end = utc(2026, 11, 2, 10, 0);
  ical::Calendar c;
  c.events = {a, b};
  // In force on 2026-01-14: CET since 2025-10-26 03:00 CEST. Then spring forward at 02:00
  // CET, fall back at 03:00 CEST; the next change (2027-03-28) is outside the span.
  CHECK(vtimezone(content_lines(write(c)), "Europe/Berlin") ==
        zone_lines("Europe/Berlin",
                   {observance("STANDARD", "20251026T030000", "+0200", "+0100", "CET"),
                    observance("DAYLIGHT", "20260329T020000", "+0100", "+0200", "CEST"),
                    observance("STANDARD", "20261025T030000", "+0200", "+0100", "CET")}));
}

TEST_CASE("southern hemisphere and half-hour offsets") {
  ical::Event e = basic_event();
  e.start = utc(2026, 3, 1, 0, 0);
  e.end = utc(2026, 11, 1, 0, 0);
  for (const char* name : {"Australia/Sydney", "Australia/Adelaide"}) {
    e.zone = name;
    const auto lines = content_lines(write_one(e));
    // DST ends on the first Sunday of April at 03:00 daylight time and starts on the first
    // Sunday of October at 02:00 standard time.
    if (std::string(name) == "Australia/Sydney") {
      CHECK(
          vtimezone(lines, name) ==
          zone_lines(name, {observance("DAYLIGHT", "20251005T020000", "+1000", "+1100", "AEDT"),
                            observance("STANDARD", "20260405T030000", "+1100", "+1000", "AEST"),
                            observance("DAYLIGHT", "20261004T020000", "+1000", "+1100", "AEDT")}));
      CHECK(has_line(lines, "DTSTART;TZID=Australia/Sydney:20260301T110000"));
    } else {
      CHECK(
          vtimezone(lines, name) ==
          zone_lines(name, {observance("DAYLIGHT", "20251005T020000", "+0930", "+1030", "ACDT"),
                            observance("STANDARD", "20260405T030000", "+1030", "+0930", "ACST"),
                            observance("DAYLIGHT", "20261004T020000", "+0930", "+1030", "ACDT")}));
      CHECK(has_line(lines, "DTSTART;TZID=Australia/Adelaide:20260301T103000"));
    }
  }
}

TEST_CASE("a summer-only span starts at the standard time before it") {
  ical::Event e = basic_event();
  e.zone = "Europe/London";
  e.start = utc(2026, 7, 10, 13, 0);
  e.end = utc(2026, 7, 10, 14, 0);
  CHECK(vtimezone(content_lines(write_one(e)), "Europe/London") ==
        zone_lines("Europe/London",
                   {observance("STANDARD", "20251026T020000", "+0100", "+0000", "GMT"),
                    observance("DAYLIGHT", "20260329T010000", "+0000", "+0100", "BST")}));
}

TEST_CASE("a zone without transitions in the span gets one STANDARD observance") {
  ical::Event e = basic_event();
  e.zone = "Asia/Kolkata";  // +05:30 since 1945
  CHECK(vtimezone(content_lines(write_one(e)), "Asia/Kolkata") ==
        zone_lines("Asia/Kolkata",
                   {observance("STANDARD", "19700101T000000", "+0530", "+0530", "IST")}));
  e.zone = "UTC";
  const auto lines = content_lines(write_one(e));
  CHECK(vtimezone(lines, "UTC") ==
        zone_lines("UTC", {observance("STANDARD", "19700101T000000", "+0000", "+0000", "UTC")}));
  CHECK(has_line(lines, "DTSTART;TZID=UTC:20260115T090000"));
}

TEST_CASE("zones whose rules changed: Moscow's permanent offsets, Sao Paulo without DST") {
  ical::Event e = basic_event();
  e.zone = "Europe/Moscow";
  e.start = utc(2014, 6, 1, 8, 0);
  e.end = utc(2014, 6, 1, 9, 0);
  ical::Event later = e;
  later.uid = "later@example.com";
  later.start = utc(2015, 6, 1, 8, 0);
  later.end = utc(2015, 6, 1, 9, 0);
  ical::Calendar c;
  c.events = {e, later};
  // +04 all year from 2011-03-27 02:00 (+03), back to +03 on 2014-10-26 at 02:00 local.
  CHECK(vtimezone(content_lines(write(c)), "Europe/Moscow") ==
        zone_lines("Europe/Moscow",
                   {observance("STANDARD", "20110327T020000", "+0300", "+0400", "MSK"),
                    observance("STANDARD", "20141026T020000", "+0400", "+0300", "MSK")}));

  e.zone = "America/Sao_Paulo";
  e.start = utc(2019, 1, 10, 12, 0);
  e.end = utc(2019, 1, 10, 13, 0);
  later.zone = "America/Sao_Paulo";
  later.start = utc(2019, 12, 10, 12, 0);
  later.end = utc(2019, 12, 10, 13, 0);
  c.events = {e, later};
  // Brazil's last DST ended on 2019-02-17; there was none in the summer of 2019/2020.
  CHECK(vtimezone(content_lines(write(c)), "America/Sao_Paulo") ==
        zone_lines("America/Sao_Paulo",
                   {observance("DAYLIGHT", "20181104T000000", "-0300", "-0200", "-02"),
                    observance("STANDARD", "20190217T000000", "-0200", "-0300", "-03")}));
}

TEST_CASE("a repeated local hour: UTC for a single event, first passes stay local in a series") {
  ical::Event e = basic_event();
  e.zone = "Europe/Berlin";
  // 2026-10-25: 02:30 local happens at 00:30Z (CEST) and again at 01:30Z (CET).
  e.start = utc(2026, 10, 25, 0, 30);
  e.end = utc(2026, 10, 25, 1, 30);
  auto lines = content_lines(write_one(e));
  CHECK(has_line(lines, "DTSTART:20261025T003000Z"));
  CHECK(has_line(lines, "DTEND:20261025T013000Z"));
  // Just outside the repeated hour: local.
  e.start = utc(2026, 10, 24, 23, 59);  // 01:59 CEST
  e.end = utc(2026, 10, 25, 2, 0);      // 03:00 CET
  lines = content_lines(write_one(e));
  CHECK(has_line(lines, "DTSTART;TZID=Europe/Berlin:20261025T015900"));
  CHECK(has_line(lines, "DTEND;TZID=Europe/Berlin:20261025T030000"));

  // A daily series at 02:30 from 2026-10-24: its 2026-10-25 occurrence is the first pass
  // (00:30Z). An EXDATE or RECURRENCE-ID there is matched by wall time, so it stays local;
  // one in the second pass names no occurrence of the rule and is written in UTC.
  ical::Event series = basic_event();
  series.zone = "Europe/Berlin";
  series.start = utc(2026, 10, 24, 0, 30);
  series.end = utc(2026, 10, 24, 1, 30);
  series.rrule = "FREQ=DAILY;COUNT=3";
  series.exdates = {utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)};
  ical::Event moved = basic_event();
  moved.zone = "Europe/Berlin";
  moved.recurrence_id = utc(2026, 10, 25, 0, 30);
  ical::Calendar c;
  c.events = {series, moved};
  lines = content_lines(write(c));
  CHECK(has_line(lines, "DTSTART;TZID=Europe/Berlin:20261024T023000"));
  CHECK(has_line(lines, "EXDATE;TZID=Europe/Berlin:20261025T023000"));
  CHECK(has_line(lines, "EXDATE:20261025T013000Z"));
  CHECK(has_line(lines, "RECURRENCE-ID;TZID=Europe/Berlin:20261025T023000"));
  // A series may start in the first pass: its DTSTART stays local.
  series.start = utc(2026, 10, 25, 0, 30);
  series.end = utc(2026, 10, 25, 1, 0);
  series.exdates.clear();
  CHECK(has_line(content_lines(write_one(series)), "DTSTART;TZID=Europe/Berlin:20261025T023000"));
}

TEST_CASE("RRULE is written canonically with UNTIL in UTC") {
  ical::Event e = basic_event();
  e.zone = "America/New_York";
  e.start = utc(2026, 2, 17, 14, 0);  // Tuesday 09:00 EST
  e.end = utc(2026, 2, 17, 15, 0);
  e.rrule = "RRULE:BYDAY=TU;FREQ=WEEKLY;UNTIL=20260331T090000";  // local, parts out of order
  e.exdates = {utc(2026, 3, 10, 13, 0)};                         // 09:00 EDT
  auto lines = content_lines(write_one(e));
  CHECK(has_line(lines, "RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331T130000Z"));
  CHECK(has_line(lines, "EXDATE;TZID=America/New_York:20260310T090000"));

  e.zone = "Europe/Berlin";
  e.rrule = "FREQ=DAILY;UNTIL=20260310";  // through the end of 2026-03-10 in Berlin (CET)
  e.exdates = {};
  CHECK(has_line(content_lines(write_one(e)), "RRULE:FREQ=DAILY;UNTIL=20260310T225959Z"));
  e.zone.reset();  // UTC
  lines = content_lines(write_one(e));
  CHECK(has_line(lines, "RRULE:FREQ=DAILY;UNTIL=20260310T235959Z"));
  CHECK(count_lines(lines, "BEGIN:VTIMEZONE") == 0);

  e.rrule = "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;COUNT=6";  // no UNTIL: unchanged
  CHECK(has_line(content_lines(write_one(e)), "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;COUNT=6"));
}

TEST_CASE("the VTIMEZONE of a series covers its occurrences, or a bounded open end") {
  ical::Event e = basic_event();
  e.zone = "America/New_York";
  e.dtstamp = utc(2026, 1, 1, 0, 0);
  e.start = utc(2026, 2, 17, 14, 0);
  e.end = utc(2026, 2, 17, 15, 0);
  const auto daylight_onsets = [](const std::vector<std::string>& zone) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < zone.size(); ++i) {
      if (zone[i] == "BEGIN:DAYLIGHT") out.push_back(zone[i + 1]);
    }
    return out;
  };
  // COUNT=10 weekly: the last occurrence is 2026-04-21, so March's change is in, November's
  // is not.
  e.rrule = "FREQ=WEEKLY;COUNT=10";
  auto zone = vtimezone(content_lines(write_one(e)), "America/New_York");
  CHECK(daylight_onsets(zone) == std::vector<std::string>{"DTSTART:20260308T020000"});
  CHECK(count_lines(zone, "BEGIN:STANDARD") == 1);  // the one in force since 2025-11-02
  // COUNT=40: into November.
  e.rrule = "FREQ=WEEKLY;COUNT=40";
  zone = vtimezone(content_lines(write_one(e)), "America/New_York");
  CHECK(count_lines(zone, "DTSTART:20261101T020000") == 1);
  // UNTIL: up to it.
  e.rrule = "FREQ=DAILY;UNTIL=20270401";
  zone = vtimezone(content_lines(write_one(e)), "America/New_York");
  CHECK(daylight_onsets(zone) ==
        std::vector<std::string>{"DTSTART:20260308T020000", "DTSTART:20270314T020000"});
  // Open-ended: kOpenSeriesYears (10) after DTSTART, so every spring change 2026..2035.
  e.rrule = "FREQ=WEEKLY";
  zone = vtimezone(content_lines(write_one(e)), "America/New_York");
  const auto onsets = daylight_onsets(zone);
  REQUIRE(onsets.size() == 10);
  CHECK(onsets.front() == "DTSTART:20260308T020000");
  CHECK(onsets.back() == "DTSTART:20350311T020000");
  // ... counted from DTSTAMP when that is later: up to 2036-12.
  e.dtstamp = utc(2026, 12, 1, 0, 0);
  zone = vtimezone(content_lines(write_one(e)), "America/New_York");
  CHECK(daylight_onsets(zone).size() == 11);
  CHECK(daylight_onsets(zone).back() == "DTSTART:20360309T020000");
  CHECK(count_lines(zone, "DTSTART:20361102T020000") == 1);
}

TEST_CASE("an override names the occurrence it replaces") {
  ical::Event series = basic_event();
  series.zone = "Europe/Berlin";
  series.rrule = "FREQ=WEEKLY;COUNT=5";
  ical::Event moved = basic_event();
  moved.zone = "Europe/Berlin";
  moved.recurrence_id = utc(2026, 1, 22, 9, 0);
  moved.start = utc(2026, 1, 22, 12, 0);
  moved.end = utc(2026, 1, 22, 13, 0);
  moved.sequence = 1;
  ical::Calendar c;
  c.events = {series, moved};
  const auto lines = content_lines(write(c));
  CHECK(count_lines(lines, "UID:reservation-42@example.com") == 2);
  CHECK(has_line(lines, "RECURRENCE-ID;TZID=Europe/Berlin:20260122T100000"));
  CHECK(has_line(lines, "DTSTART;TZID=Europe/Berlin:20260122T130000"));
}

TEST_CASE("bad input is refused naming the field") {
  ical::Calendar c;
  c.events.reserve(2);  // `e` stays valid when a second event is added below
  c.events.push_back(basic_event());
  ical::Event& e = c.events[0];

  e.zone = "Mars/Olympus_Mons";
  check_refused(c, Code::invalid_argument, "events[0].zone", "Mars/Olympus_Mons");
  e.zone = "";
  check_refused(c, Code::invalid_argument, "events[0].zone");
  e.zone.reset();

  e.uid = "";
  check_refused(c, Code::invalid_argument, "events[0].uid");
  e.uid = "x@example.com";
  e.end = e.start;
  check_refused(c, Code::invalid_argument, "events[0].end");
  e.end = e.start + Seconds(60);
  e.sequence = -1;
  check_refused(c, Code::invalid_argument, "events[0].sequence");
  e.sequence = 0;
  e.start = utc(1899, 12, 31);
  check_refused(c, Code::invalid_argument, "events[0].start");
  e.start = utc(2026, 1, 15, 9, 0);

  e.attendees = {{"ana@example.com", ""}, {"bo@example.com\r\nX-EVIL:1", ""}};
  check_refused(c, Code::invalid_argument, "events[0].attendees[1].email");
  e.attendees = {{"no-at-sign", ""}};
  check_refused(c, Code::invalid_argument, "events[0].attendees[0].email");
  e.attendees = {{"a@b@c", ""}};
  check_refused(c, Code::invalid_argument, "events[0].attendees[0].email");
  e.attendees = {{"ana@example.com", ""}};
  c.method = ical::Method::publish;
  check_refused(c, Code::invalid_argument, "events[0].organizer", "PUBLISH");
  e.organizer = ical::CalendarUser{"desk@example.com", ""};
  check_refused(c, Code::invalid_argument, "events[0].attendees", "PUBLISH");
  c.method = ical::Method::none;
  e.attendees.clear();
  e.organizer = ical::CalendarUser{"desk@example.com;x", ""};
  check_refused(c, Code::invalid_argument, "events[0].organizer.email");
  e.organizer.reset();
  e.url = "https://example.com/a b";
  check_refused(c, Code::invalid_argument, "events[0].url");
  e.url = "example.com";
  check_refused(c, Code::invalid_argument, "events[0].url");
  e.url = "";

  e.rrule = "FREQ=DAILY;COUNT=3\r\nBEGIN:VEVENT";
  check_refused(c, Code::invalid_argument, "events[0].rrule");
  e.rrule = "FREQ=YEARLY";
  check_refused(c, Code::not_supported, "events[0].rrule");
  e.rrule = "";
  e.exdates = {utc(2026, 1, 22, 9, 0)};
  check_refused(c, Code::invalid_argument, "events[0].exdates");
  e.exdates.clear();
  e.rrule = "FREQ=DAILY;COUNT=3";
  e.recurrence_id = e.start;
  check_refused(c, Code::invalid_argument, "events[0].recurrence_id");
  e.recurrence_id.reset();
  // A recurring DTSTART in the second pass of a repeated hour has no local time.
  e.zone = "Europe/Berlin";
  e.start = utc(2026, 10, 25, 1, 30);
  e.end = utc(2026, 10, 25, 2, 30);
  check_refused(c, Code::invalid_argument, "events[0].start");
  e = basic_event();

  c.events.push_back(basic_event());
  check_refused(c, Code::invalid_argument, "events[1].uid", "events[0]");
  c.events[1].recurrence_id = utc(2026, 1, 22, 9, 0);  // an override: fine
  CHECK(ical::write_calendar(c).ok());
  c.events.pop_back();

  c.method = ical::Method::cancel;
  e.organizer = ical::CalendarUser{"desk@example.com", ""};
  check_refused(c, Code::invalid_argument, "events[0].status", "CANCEL");
  e.status = ical::EventStatus::cancelled;
  CHECK(ical::write_calendar(c).ok());
  e.organizer.reset();
  check_refused(c, Code::invalid_argument, "events[0].organizer", "CANCEL");
  c.method = ical::Method::request;
  e.status = ical::EventStatus::confirmed;
  e.organizer = ical::CalendarUser{"desk@example.com", ""};
  check_refused(c, Code::invalid_argument, "events[0].attendees", "REQUEST");

  c.method = ical::Method::none;
  c.refresh_interval = Seconds(0);
  check_refused(c, Code::invalid_argument, "refresh_interval");
}

TEST_CASE("an empty calendar is a valid empty feed") {
  ical::Calendar c;
  c.name = "Nothing yet";
  const auto lines = content_lines(write(c));
  CHECK(lines.front() == "BEGIN:VCALENDAR");
  CHECK(lines.back() == "END:VCALENDAR");
  CHECK(count_lines(lines, "BEGIN:V") == 1);
}
