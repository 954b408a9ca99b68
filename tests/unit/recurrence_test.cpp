// Recurrence rules (boka/recurrence.hpp): the RRULE text, and the expansion of a series in a
// zone. Expected instants are worked out by hand from the zones' published offsets (noted
// beside each), never computed by the code under test; expected dates of the 1997 examples
// are RFC 5545's own (section 3.8.5.3).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "boka/recurrence.hpp"
#include "support.hpp"

using namespace boka;
using boka::test::hours;
using boka::test::minutes;
using boka::test::utc;

namespace {

using Kind = RecurrenceRule::Until::Kind;

std::string iso(const LocalDate& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

RecurrenceRule rule(const char* text) {
  auto r = parse_rrule(text);
  INFO(text << ": " << r.status().to_string());
  REQUIRE(r.ok());
  return *r;
}

SeriesPattern series(LocalDate first, int start_minute, const char* rrule_text,
                     std::vector<LocalDate> exdates = {}, Seconds duration = hours(1)) {
  SeriesPattern s;
  s.first_date = first;
  s.start_minute = start_minute;
  s.duration = duration;
  s.rule = rule(rrule_text);
  s.exdates = std::move(exdates);
  return s;
}

const Instant kFar = utc(2100, 1, 1);

std::vector<Occurrence> expand_ok(const SeriesPattern& s, const char* zone,
                                  Instant horizon = kFar) {
  auto r = expand_occurrences(s, zone, horizon);
  INFO(format_rrule(s.rule) << " in " << zone << ": " << r.status().to_string());
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> dates(const std::vector<Occurrence>& occurrences) {
  std::vector<std::string> out;
  for (const Occurrence& o : occurrences) out.push_back(iso(o.date));
  return out;
}

std::vector<std::string> starts(const std::vector<Occurrence>& occurrences) {
  std::vector<std::string> out;
  for (const Occurrence& o : occurrences) out.push_back(format_utc(o.start));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Text

TEST_CASE("recurrence: canonical rules format back to the same text", "[recurrence]") {
  const char* const canonical[] = {
      "FREQ=DAILY",
      "FREQ=WEEKLY",
      "FREQ=MONTHLY",
      "FREQ=DAILY;INTERVAL=3;COUNT=7",
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10",
      "FREQ=WEEKLY;BYDAY=SU,SA,FR,TH,WE,TU,MO",
      "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231",
      "FREQ=MONTHLY;BYDAY=2TU,-1MO,5WE,-5SU",
      "FREQ=MONTHLY;BYDAY=MO,1TU",
      "FREQ=MONTHLY;BYMONTHDAY=1,-1;COUNT=10",
      "FREQ=MONTHLY;BYMONTHDAY=31,-31,15",
      "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;UNTIL=20001231T235959Z",
      "FREQ=DAILY;BYDAY=MO,WE,FR;UNTIL=20260603T090000",
      "FREQ=DAILY;BYMONTHDAY=-1;UNTIL=19000101T000000Z",
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;COUNT=4;WKST=SU",
      "FREQ=DAILY;INTERVAL=1000;BYDAY=MO;BYMONTHDAY=31;COUNT=10000;WKST=SA",
      "FREQ=MONTHLY;UNTIL=99991231T235959",
  };
  for (const char* text : canonical) {
    INFO(text);
    const RecurrenceRule r = rule(text);
    CHECK(format_rrule(r) == text);
    CHECK(rule(format_rrule(r).c_str()) == r);
  }
}

TEST_CASE("recurrence: other spellings parse to the canonical rule", "[recurrence]") {
  const std::pair<const char*, const char*> cases[] = {
      {"RRULE:FREQ=WEEKLY", "FREQ=WEEKLY"},
      {"COUNT=3;BYDAY=+2TU;FREQ=MONTHLY", "FREQ=MONTHLY;BYDAY=2TU;COUNT=3"},
      {"FREQ=WEEKLY;INTERVAL=1;WKST=MO", "FREQ=WEEKLY"},
      {"FREQ=DAILY;INTERVAL=007", "FREQ=DAILY;INTERVAL=7"},
      {"FREQ=MONTHLY;BYMONTHDAY=+05,-01", "FREQ=MONTHLY;BYMONTHDAY=5,-1"},
      {"FREQ=MONTHLY;BYDAY=-01FR,+1MO", "FREQ=MONTHLY;BYDAY=-1FR,1MO"},
      // RFC 5545 section 3.3.12: a leap second is read as second 59.
      {"FREQ=DAILY;UNTIL=20261231T235960Z", "FREQ=DAILY;UNTIL=20261231T235959Z"},
      {"WKST=SU;UNTIL=20260101;FREQ=DAILY", "FREQ=DAILY;UNTIL=20260101;WKST=SU"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    CHECK(format_rrule(rule(text)) == expected);
  }
}

TEST_CASE("recurrence: parse reads every part into the rule", "[recurrence]") {
  const RecurrenceRule r = rule(
      "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR,2TU;BYMONTHDAY=3,-4;"
      "UNTIL=20270315T103000;WKST=TU");
  CHECK(r.frequency == Frequency::monthly);
  CHECK(r.interval == 2);
  CHECK(r.by_day == std::vector<WeekdayNum>{{Weekday::friday, -1}, {Weekday::tuesday, 2}});
  CHECK(r.by_month_day == std::vector<int>{3, -4});
  CHECK_FALSE(r.count.has_value());
  REQUIRE(r.until.has_value());
  CHECK(*r.until == RecurrenceRule::Until::at_local(LocalDate{2027, 3, 15}, 10, 30));
  CHECK(r.week_start == Weekday::tuesday);

  const RecurrenceRule u = rule("FREQ=DAILY;UNTIL=20270315T093000Z");
  CHECK(*u.until == RecurrenceRule::Until{Kind::utc, LocalDate{2027, 3, 15}, 9 * 3600 + 1800});
  const RecurrenceRule d = rule("FREQ=DAILY;UNTIL=20270315");
  CHECK(*d.until == RecurrenceRule::Until::on_date(LocalDate{2027, 3, 15}));
  CHECK(rule("FREQ=WEEKLY;COUNT=10000").count == 10000);
}

TEST_CASE("recurrence: bad rules are refused naming the part and the problem", "[recurrence]") {
  struct Bad {
    std::string text;
    Code code;
    std::string message;  // the whole message
  };
  const Code inv = Code::invalid_argument;
  const Code nsup = Code::not_supported;
  const std::vector<Bad> cases = {
      {"", inv, "RRULE: an empty rule (FREQ is required)"},
      {"RRULE:", inv, "RRULE: an empty rule (FREQ is required)"},
      {"BYDAY=MO", inv, "RRULE: FREQ is required (DAILY, WEEKLY or MONTHLY)"},
      {"FREQ=WEEKLY;FOO=1", inv, "RRULE: unknown part \"FOO\""},
      {"FREQ=WEEKLY;X-NAME=1", inv, "RRULE: unknown part \"X-NAME\""},
      {"freq=weekly", inv, "RRULE: unknown part \"freq\" (rule parts are upper case: FREQ)"},
      {"rrule:FREQ=WEEKLY", inv, "RRULE: unknown part \"rrule:FREQ\""},
      {" FREQ=WEEKLY", inv, "RRULE: unknown part \"\\x20FREQ\""},
      {"FREQ=weekly", inv, "RRULE: FREQ=weekly: must be DAILY, WEEKLY or MONTHLY (upper case)"},
      {"FREQ=FORTNIGHTLY", inv, "RRULE: FREQ=FORTNIGHTLY: must be DAILY, WEEKLY or MONTHLY"},
      {"FREQ=YEARLY", nsup, "RRULE: FREQ=YEARLY is not supported (DAILY, WEEKLY or MONTHLY)"},
      {"FREQ=HOURLY", nsup, "RRULE: FREQ=HOURLY is not supported (DAILY, WEEKLY or MONTHLY)"},
      {"FREQ=SECONDLY", nsup, "RRULE: FREQ=SECONDLY is not supported (DAILY, WEEKLY or MONTHLY)"},
      {"FREQ=WEEKLY;BYHOUR=9", nsup,
       "RRULE: BYHOUR is not supported (boka supports FREQ, INTERVAL, BYDAY, BYMONTHDAY, "
       "COUNT, UNTIL and WKST)"},
      {"FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO", nsup,
       "RRULE: BYSETPOS is not supported (boka supports FREQ, INTERVAL, BYDAY, BYMONTHDAY, "
       "COUNT, UNTIL and WKST)"},
      {"FREQ=WEEKLY;FREQ=DAILY", inv, "RRULE: FREQ given twice"},
      {"FREQ=WEEKLY;COUNT=2;COUNT=3", inv, "RRULE: COUNT given twice"},
      {"FREQ=WEEKLY;COUNT=5;UNTIL=20261231", inv, "RRULE: COUNT and UNTIL cannot both be given"},
      {"UNTIL=20261231;FREQ=WEEKLY;COUNT=5", inv, "RRULE: COUNT and UNTIL cannot both be given"},
      {"FREQ=WEEKLY;INTERVAL=0", inv, "RRULE: INTERVAL=0: must be 1..1000"},
      {"FREQ=WEEKLY;INTERVAL=1001", inv, "RRULE: INTERVAL=1001: must be 1..1000"},
      {"FREQ=WEEKLY;INTERVAL=99999999999999999999", inv,
       "RRULE: INTERVAL=99999999999999999999: must be 1..1000"},
      {"FREQ=WEEKLY;INTERVAL=-1", inv, "RRULE: INTERVAL=-1: must be 1..1000 (a whole number)"},
      {"FREQ=WEEKLY;INTERVAL=2x", inv, "RRULE: INTERVAL=2x: must be 1..1000 (a whole number)"},
      {"FREQ=WEEKLY;COUNT=0", inv, "RRULE: COUNT=0: must be 1..10000"},
      {"FREQ=WEEKLY;COUNT=10001", inv, "RRULE: COUNT=10001: must be 1..10000"},
      {"FREQ=WEEKLY;COUNT=", inv, "RRULE: COUNT=: an empty value"},
      {"FREQ=WEEKLY;COUNT", inv, "RRULE: COUNT: expected \"=\" and a value"},
      {"FREQ=", inv, "RRULE: FREQ=: an empty value"},
      {"FREQ=WEEKLY;", inv, "RRULE: an empty part (\";;\", or a \";\" at either end)"},
      {";FREQ=WEEKLY", inv, "RRULE: an empty part (\";;\", or a \";\" at either end)"},
      {"FREQ=WEEKLY;;COUNT=2", inv, "RRULE: an empty part (\";;\", or a \";\" at either end)"},
      {"FREQ=MONTHLY;BYDAY=9MO", inv, "RRULE: BYDAY=9MO: an ordinal must be -5..-1 or 1..5"},
      {"FREQ=MONTHLY;BYDAY=MO,-6SU", inv, "RRULE: BYDAY=-6SU: an ordinal must be -5..-1 or 1..5"},
      {"FREQ=MONTHLY;BYDAY=0MO", inv, "RRULE: BYDAY=0MO: an ordinal must be -5..-1 or 1..5"},
      {"FREQ=MONTHLY;BYDAY=100MO", inv, "RRULE: BYDAY=100MO: an ordinal must be -5..-1 or 1..5"},
      {"FREQ=WEEKLY;BYDAY=2TU", inv,
       "RRULE: BYDAY=2TU: ordinals need FREQ=MONTHLY (FREQ=WEEKLY was given)"},
      {"BYDAY=-1FR;FREQ=DAILY", inv,
       "RRULE: BYDAY=-1FR: ordinals need FREQ=MONTHLY (FREQ=DAILY was given)"},
      {"FREQ=WEEKLY;BYDAY=XX", inv,
       "RRULE: BYDAY=XX: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an "
       "ordinal (2TU, -1FR)"},
      {"FREQ=WEEKLY;BYDAY=mo", inv,
       "RRULE: BYDAY=mo: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an "
       "ordinal (2TU, -1FR)"},
      {"FREQ=MONTHLY;BYDAY=+MO", inv,
       "RRULE: BYDAY=+MO: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an "
       "ordinal (2TU, -1FR)"},
      {"FREQ=WEEKLY;BYDAY=M", inv,
       "RRULE: BYDAY=M: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an "
       "ordinal (2TU, -1FR)"},
      {"FREQ=WEEKLY;BYDAY=MO,,TU", inv,
       "RRULE: BYDAY=MO,,TU: an empty entry (\",,\" or a \",\" at either end)"},
      {"FREQ=WEEKLY;BYDAY=MO,", inv,
       "RRULE: BYDAY=MO,: an empty entry (\",,\" or a \",\" at either end)"},
      {"FREQ=WEEKLY;BYDAY=MO,TU,MO", inv, "RRULE: BYDAY=MO: given twice"},
      {"FREQ=MONTHLY;BYMONTHDAY=0", inv, "RRULE: BYMONTHDAY=0: must be 1..31 or -31..-1"},
      {"FREQ=MONTHLY;BYMONTHDAY=32", inv, "RRULE: BYMONTHDAY=32: must be 1..31 or -31..-1"},
      {"FREQ=MONTHLY;BYMONTHDAY=-32", inv, "RRULE: BYMONTHDAY=-32: must be 1..31 or -31..-1"},
      {"FREQ=MONTHLY;BYMONTHDAY=100", inv, "RRULE: BYMONTHDAY=100: must be 1..31 or -31..-1"},
      {"FREQ=MONTHLY;BYMONTHDAY=1x", inv, "RRULE: BYMONTHDAY=1x: must be 1..31 or -31..-1"},
      {"FREQ=MONTHLY;BYMONTHDAY=5,5", inv, "RRULE: BYMONTHDAY=5: given twice"},
      {"FREQ=WEEKLY;BYMONTHDAY=1", inv, "RRULE: BYMONTHDAY cannot be used with FREQ=WEEKLY"},
      {"FREQ=WEEKLY;UNTIL=2026-12-31", inv,
       "RRULE: UNTIL=2026-12-31: expected a local date YYYYMMDD, a local date-time "
       "YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ"},
      {"FREQ=WEEKLY;UNTIL=20261231T0900", inv,
       "RRULE: UNTIL=20261231T0900: expected a local date YYYYMMDD, a local date-time "
       "YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ"},
      {"FREQ=WEEKLY;UNTIL=20261231t090000z", inv,
       "RRULE: UNTIL=20261231t090000z: expected a local date YYYYMMDD, a local date-time "
       "YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ"},
      {"FREQ=WEEKLY;UNTIL=20260230", inv,
       "RRULE: UNTIL=20260230: not a valid date (years 1900..9999)"},
      {"FREQ=WEEKLY;UNTIL=18991231", inv,
       "RRULE: UNTIL=18991231: not a valid date (years 1900..9999)"},
      {"FREQ=WEEKLY;UNTIL=20261231T240000Z", inv,
       "RRULE: UNTIL=20261231T240000Z: not a valid time of day (HHMMSS, 000000..235959)"},
      {"FREQ=WEEKLY;UNTIL=20261231T096100", inv,
       "RRULE: UNTIL=20261231T096100: not a valid time of day (HHMMSS, 000000..235959)"},
      {"FREQ=WEEKLY;WKST=XX", inv, "RRULE: WKST=XX: must be MO, TU, WE, TH, FR, SA or SU"},
      {"FREQ=WEEKLY;BYDAY=MO\xff", inv,
       "RRULE: BYDAY=MO\\xFF: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after "
       "an ordinal (2TU, -1FR)"},
      {std::string("FREQ=WEEKLY;BYDAY=\0MO", 21), inv,
       "RRULE: BYDAY=\\x00MO: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after "
       "an ordinal (2TU, -1FR)"},
      {"FREQ=WEEKLY;BYDAY=" + std::string(60, 'Z'), inv,
       "RRULE: BYDAY=" + std::string(40, 'Z') +
           "...: expected a weekday MO, TU, WE, TH, FR, SA or SU, optionally after an ordinal "
           "(2TU, -1FR)"},
      {"FREQ=WEEKLY;COUNT=1" + std::string(990, '0'), inv,
       "RRULE: text too long (1009 bytes; at most 1000)"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.text);
    auto r = parse_rrule(bad.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == bad.code);
    CHECK(r.status().message() == bad.message);
  }
  // 1,000 bytes are read (and refused for what they say), 1,001 are not read at all.
  const std::string longest = "FREQ=WEEKLY;" + std::string(988, 'X');
  REQUIRE(longest.size() == RecurrenceRule::kMaxTextBytes);
  CHECK(parse_rrule(longest).status().message().rfind("RRULE: unknown part \"XXX", 0) == 0);
  CHECK(parse_rrule(longest + "X").status().message() ==
        "RRULE: text too long (1001 bytes; at most 1000)");
}

TEST_CASE("recurrence: validate_rrule checks a rule built in code", "[recurrence]") {
  RecurrenceRule r;
  r.frequency = Frequency::weekly;
  CHECK(validate_rrule(r).ok());  // no COUNT or UNTIL is a valid rule; a series needs one

  RecurrenceRule bad = r;
  bad.frequency = static_cast<Frequency>(7);
  CHECK(validate_rrule(bad).message() == "RRULE: FREQ: not a frequency (value 7)");
  bad = r;
  bad.by_day = {{static_cast<Weekday>(9), 0}};
  CHECK(validate_rrule(bad).message() == "RRULE: BYDAY: not a weekday (value 9)");
  bad = r;
  bad.until = RecurrenceRule::Until{Kind::local_date, LocalDate{2026, 1, 1}, 60};
  CHECK(validate_rrule(bad).message() ==
        "RRULE: UNTIL: a local date has no time of day (second_of_day must be 0, got 60)");
  bad.until = RecurrenceRule::Until{Kind::utc, LocalDate{2026, 1, 1}, 86400};
  CHECK(validate_rrule(bad).message() == "RRULE: UNTIL: second_of_day must be 0..86399, got 86400");
  bad.until = RecurrenceRule::Until{static_cast<Kind>(5), LocalDate{2026, 1, 1}, 0};
  CHECK(validate_rrule(bad).message() == "RRULE: UNTIL: not a kind of UNTIL (value 5)");
  bad.until = RecurrenceRule::Until::on_date(LocalDate{2026, 2, 29});
  CHECK(validate_rrule(bad).message() ==
        "RRULE: UNTIL: 2026-02-29 is not a valid date (years 1900..9999)");
  bad = r;
  bad.week_start = static_cast<Weekday>(-1);
  CHECK(validate_rrule(bad).message() == "RRULE: WKST: not a weekday (value -1)");
  bad = r;
  bad.count = 0;
  CHECK(validate_rrule(bad).code() == Code::invalid_argument);
  // A rule that validate_rrule refuses never crashes format_rrule.
  bad.frequency = static_cast<Frequency>(-3);
  bad.week_start = static_cast<Weekday>(42);
  bad.by_day = {{static_cast<Weekday>(8), 99}};
  bad.until = RecurrenceRule::Until{static_cast<Kind>(9), LocalDate{-5, 99, -1}, -7};
  CHECK_FALSE(parse_rrule(format_rrule(bad)).ok());
}

TEST_CASE("recurrence: frequency names", "[recurrence]") {
  for (Frequency f : {Frequency::daily, Frequency::weekly, Frequency::monthly}) {
    CHECK(parse_frequency(frequency_name(f)) == f);
  }
  CHECK(std::string(frequency_name(Frequency::monthly)) == "monthly");
  CHECK(std::string(frequency_name(static_cast<Frequency>(99))) == "unknown");
  CHECK_FALSE(parse_frequency("DAILY").has_value());
  CHECK_FALSE(parse_frequency("yearly").has_value());
}

TEST_CASE("recurrence: every valid rule survives format and parse", "[recurrence]") {
  std::mt19937 rng(20261205);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    RecurrenceRule r;
    r.frequency = static_cast<Frequency>(pick(0, 2));
    r.interval = pick(0, 3) == 0 ? pick(1, 1000) : 1;
    for (int n = pick(0, 4); n > 0; --n) {
      const int ordinal = r.frequency == Frequency::monthly && pick(0, 1) ? pick(-5, 5) : 0;
      r.by_day.push_back({static_cast<Weekday>(pick(0, 6)), ordinal});
    }
    if (r.frequency != Frequency::weekly) {
      for (int n = pick(0, 3); n > 0; --n) r.by_month_day.push_back(pick(-31, 31));
    }
    switch (pick(0, 4)) {
      case 0: r.count = pick(1, RecurrenceRule::kMaxCount); break;
      case 1:
        r.until = RecurrenceRule::Until::on_date({pick(1900, 9999), pick(1, 12), pick(1, 28)});
        break;
      case 2:
        r.until = RecurrenceRule::Until{
            Kind::local_date_time, {pick(1900, 9999), pick(1, 12), pick(1, 28)}, pick(0, 86399)};
        break;
      case 3:
        r.until = RecurrenceRule::Until{
            Kind::utc, {pick(1900, 9999), pick(1, 12), pick(1, 28)}, pick(0, 86399)};
        break;
      default: break;
    }
    r.week_start = static_cast<Weekday>(pick(0, 6));
    if (!validate_rrule(r).ok()) continue;  // zeros and duplicates
    ++valid;
    const std::string text = format_rrule(r);
    auto back = parse_rrule(text);
    INFO(text << ": " << back.status().to_string());
    REQUIRE(back.ok());
    REQUIRE(*back == r);
  }
  CHECK(valid > 5000);
}

TEST_CASE("recurrence: the text of a refused rule is refused too", "[recurrence]") {
  // format_rrule's promise for rules validate_rrule refuses: parse_rrule refuses the text,
  // rather than reading some other rule from it.
  std::mt19937 rng(3310);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    RecurrenceRule r;
    r.frequency = static_cast<Frequency>(pick(-1, 3));
    r.interval = pick(0, 2) == 0 ? pick(-2, 1002) : 1;
    for (int n = pick(0, 3); n > 0; --n) {
      r.by_day.push_back({static_cast<Weekday>(pick(-1, 7)), pick(0, 1) ? pick(-7, 7) : 0});
    }
    for (int n = pick(0, 2); n > 0; --n) r.by_month_day.push_back(pick(-33, 33));
    if (pick(0, 2) == 0) r.count = pick(-1, RecurrenceRule::kMaxCount + 1);
    if (pick(0, 2) == 0) {
      r.until = RecurrenceRule::Until{static_cast<Kind>(pick(-1, 3)),
                                      {pick(1899, 10000), pick(0, 13), pick(0, 32)},
                                      pick(0, 3) == 0 ? pick(-2, 86401) : 0};
    }
    r.week_start = static_cast<Weekday>(pick(-1, 7));
    const std::string text = format_rrule(r);
    auto back = parse_rrule(text);
    INFO(text);
    if (validate_rrule(r).ok()) {
      REQUIRE(back.ok());
      REQUIRE(*back == r);
    } else {
      ++refused;
      REQUIRE_FALSE(back.ok());
    }
  }
  CHECK(refused > 10000);
}

TEST_CASE("recurrence: parse never fails badly on mangled text", "[recurrence]") {
  // A small in-process fuzz: random bytes and mutations of valid rules. Whatever comes in,
  // parse_rrule answers, a refusal is invalid_argument or not_supported with a printable
  // ASCII message, and an accepted rule formats back to text that parses to the same rule.
  const std::string seeds[] = {
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10",
      "RRULE:FREQ=MONTHLY;BYDAY=-1FR,2TU;BYMONTHDAY=13,-1;UNTIL=20261231T235959Z;WKST=SU",
      "FREQ=DAILY;UNTIL=20260603T090000",
  };
  static const char kAlphabet[] = "FREQ=DAILYWEKMONTHBYSUPCD;,+-0123456789TZ:R\xff\x00 ";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);
  std::mt19937 rng(5545);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  for (int i = 0; i < 30000; ++i) {
    std::string text;
    if (i % 3 == 0) {
      for (std::size_t n = pick(60); n > 0; --n) text += static_cast<char>(pick(256));
    } else {
      text = seeds[pick(3)];
      for (std::size_t n = 1 + pick(4); n > 0; --n) {
        const std::size_t at = pick(text.size() + 1);
        switch (pick(3)) {
          case 0: text.insert(at, 1, alphabet[pick(alphabet.size())]); break;
          case 1:
            if (at < text.size()) text.erase(at, 1);
            break;
          default:
            if (at < text.size()) text[at] = alphabet[pick(alphabet.size())];
            break;
        }
      }
    }
    auto r = parse_rrule(text);
    if (r.ok()) {
      auto back = parse_rrule(format_rrule(*r));
      REQUIRE(back.ok());
      REQUIRE(*back == *r);
    } else {
      const Code code = r.status().code();
      REQUIRE((code == Code::invalid_argument || code == Code::not_supported));
      const std::string& m = r.status().message();
      REQUIRE(std::all_of(m.begin(), m.end(), [](char c) { return c >= 0x20 && c < 0x7F; }));
      REQUIRE(r.status().message().rfind("RRULE: ", 0) == 0);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Expansion

TEST_CASE("recurrence: a weekly series keeps its local time across DST", "[recurrence]") {
  SECTION("Europe/Berlin, spring: 09:00 CET is 08:00Z, 09:00 CEST is 07:00Z") {
    // 2026-03-16 is a Monday; Berlin springs forward on Sunday 2026-03-29.
    const auto o = expand_ok(series({2026, 3, 16}, 9 * 60, "FREQ=WEEKLY;COUNT=4"), "Europe/Berlin");
    CHECK(dates(o) ==
          std::vector<std::string>{"2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06"});
    CHECK(starts(o) == std::vector<std::string>{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z",
                                                "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"});
    for (const Occurrence& x : o) CHECK(x.end - x.start == hours(1));
  }
  SECTION("Europe/Berlin, autumn: back to 08:00Z after Sunday 2026-10-25") {
    const auto o =
        expand_ok(series({2026, 10, 19}, 9 * 60, "FREQ=WEEKLY;COUNT=3"), "Europe/Berlin");
    CHECK(starts(o) == std::vector<std::string>{"2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z",
                                                "2026-11-02T08:00:00Z"});
  }
  SECTION("America/New_York: EST -5 to EDT -4 on Sunday 2026-03-08") {
    const auto o =
        expand_ok(series({2026, 3, 6}, 9 * 60, "FREQ=DAILY;COUNT=4"), "America/New_York");
    CHECK(starts(o) == std::vector<std::string>{"2026-03-06T14:00:00Z", "2026-03-07T14:00:00Z",
                                                "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"});
  }
  SECTION("America/New_York: EDT back to EST on Sunday 2026-11-01") {
    const auto o =
        expand_ok(series({2026, 10, 25}, 17 * 60 + 30, "FREQ=WEEKLY;COUNT=2"), "America/New_York");
    CHECK(starts(o) == std::vector<std::string>{"2026-10-25T21:30:00Z", "2026-11-01T22:30:00Z"});
  }
  SECTION("Australia/Lord_Howe: +11 to +10:30 on 2026-04-05 (a 30-minute shift)") {
    const auto o =
        expand_ok(series({2026, 4, 3}, 9 * 60, "FREQ=DAILY;COUNT=4"), "Australia/Lord_Howe");
    CHECK(starts(o) == std::vector<std::string>{"2026-04-02T22:00:00Z", "2026-04-03T22:00:00Z",
                                                "2026-04-04T22:30:00Z", "2026-04-05T22:30:00Z"});
  }
  SECTION("Australia/Lord_Howe: 02:15 falls in the 02:00-02:30 gap of 2026-10-04") {
    // Read with the offset before the gap (+10:30): 15:45Z, which is 02:45 local (+11).
    const auto o =
        expand_ok(series({2026, 10, 3}, 2 * 60 + 15, "FREQ=DAILY;COUNT=3"), "Australia/Lord_Howe");
    CHECK(starts(o) == std::vector<std::string>{"2026-10-02T15:45:00Z", "2026-10-03T15:45:00Z",
                                                "2026-10-04T15:15:00Z"});
  }
}

TEST_CASE("recurrence: gap and fold days follow boka's rule", "[recurrence]") {
  SECTION("02:30 on Berlin's spring-forward day starts at 03:30 local (01:30Z)") {
    const auto o =
        expand_ok(series({2026, 3, 22}, 2 * 60 + 30, "FREQ=WEEKLY;COUNT=3"), "Europe/Berlin");
    CHECK(dates(o) == std::vector<std::string>{"2026-03-22", "2026-03-29", "2026-04-05"});
    // 02:30 CET = 01:30Z; 2026-03-29 02:30 does not exist: 01:30Z = 03:30 CEST; then 00:30Z.
    CHECK(starts(o) == std::vector<std::string>{"2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z",
                                                "2026-04-05T00:30:00Z"});
    CHECK(o[1].end == utc(2026, 3, 29, 2, 30));  // an hour of elapsed time
  }
  SECTION("02:30 on Berlin's fall-back day is the earlier 02:30 (CEST, 00:30Z)") {
    const auto o =
        expand_ok(series({2026, 10, 18}, 2 * 60 + 30, "FREQ=WEEKLY;COUNT=3"), "Europe/Berlin");
    CHECK(starts(o) == std::vector<std::string>{"2026-10-18T00:30:00Z", "2026-10-25T00:30:00Z",
                                                "2026-11-01T01:30:00Z"});
  }
}

TEST_CASE("recurrence: monthly by weekday", "[recurrence]") {
  SECTION("BYDAY=-1FR: the last Friday of every month of 2026") {
    const auto o =
        expand_ok(series({2026, 1, 30}, 18 * 60, "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231"), "UTC");
    CHECK(dates(o) == std::vector<std::string>{"2026-01-30", "2026-02-27", "2026-03-27",
                                               "2026-04-24", "2026-05-29", "2026-06-26",
                                               "2026-07-31", "2026-08-28", "2026-09-25",
                                               "2026-10-30", "2026-11-27", "2026-12-25"});
    CHECK(o.front().start == utc(2026, 1, 30, 18));
  }
  SECTION("BYDAY=5TU: only March, June, September and December 2026 have five Tuesdays") {
    const auto o =
        expand_ok(series({2026, 3, 31}, 10 * 60, "FREQ=MONTHLY;BYDAY=5TU;UNTIL=20261231"), "UTC");
    CHECK(dates(o) ==
          std::vector<std::string>{"2026-03-31", "2026-06-30", "2026-09-29", "2026-12-29"});
  }
  SECTION("a first date the rule does not generate is still the first occurrence") {
    // RFC 5545: DTSTART always counts as the first occurrence. 2026-01-01 is a Thursday.
    const auto o =
        expand_ok(series({2026, 1, 1}, 10 * 60, "FREQ=MONTHLY;BYDAY=5TU;COUNT=3"), "UTC");
    CHECK(dates(o) == std::vector<std::string>{"2026-01-01", "2026-03-31", "2026-06-30"});
  }
  SECTION("RFC 5545: the second-to-last Monday for 6 months (BYDAY=-2MO)") {
    const auto o = expand_ok(series({1997, 9, 22}, 9 * 60, "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"),
                             "America/New_York");
    CHECK(dates(o) == std::vector<std::string>{"1997-09-22", "1997-10-20", "1997-11-17",
                                               "1997-12-22", "1998-01-19", "1998-02-16"});
  }
  SECTION("RFC 5545: every Friday the 13th, the first date excluded") {
    const auto o =
        expand_ok(series({1997, 9, 2}, 9 * 60, "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;UNTIL=20001231",
                         {{1997, 9, 2}}),
                  "America/New_York");
    CHECK(dates(o) == std::vector<std::string>{"1998-02-13", "1998-03-13", "1998-11-13",
                                               "1999-08-13", "2000-10-13"});
  }
  SECTION("RFC 5545: the first Saturday that follows the first Sunday of the month") {
    const auto o = expand_ok(series({1997, 9, 13}, 9 * 60,
                                    "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13;COUNT=10"),
                             "America/New_York");
    CHECK(dates(o) == std::vector<std::string>{
                          "1997-09-13", "1997-10-11", "1997-11-08", "1997-12-13", "1998-01-10",
                          "1998-02-07", "1998-03-07", "1998-04-11", "1998-05-09", "1998-06-13"});
  }
}

TEST_CASE("recurrence: monthly by month day", "[recurrence]") {
  SECTION("BYMONTHDAY=31 skips the months without a 31st") {
    const auto o =
        expand_ok(series({2026, 1, 31}, 8 * 60, "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=7"), "UTC");
    CHECK(dates(o) == std::vector<std::string>{"2026-01-31", "2026-03-31", "2026-05-31",
                                               "2026-07-31", "2026-08-31", "2026-10-31",
                                               "2026-12-31"});
  }
  SECTION("without BYMONTHDAY the first date's day is used, and skipped the same way") {
    const auto o = expand_ok(series({2026, 1, 31}, 8 * 60, "FREQ=MONTHLY;COUNT=4"), "UTC");
    CHECK(dates(o) ==
          std::vector<std::string>{"2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"});
  }
  SECTION("BYMONTHDAY=-1 is the last day, February 29 in a leap year") {
    const auto leap =
        expand_ok(series({2024, 1, 31}, 8 * 60, "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4"), "UTC");
    CHECK(dates(leap) ==
          std::vector<std::string>{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"});
    const auto common =
        expand_ok(series({2026, 1, 31}, 8 * 60, "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3"), "UTC");
    CHECK(dates(common) == std::vector<std::string>{"2026-01-31", "2026-02-28", "2026-03-31"});
  }
  SECTION("RFC 5545: the first and last day of the month for 10 occurrences") {
    const auto o = expand_ok(series({1997, 9, 30}, 9 * 60, "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1"),
                             "America/New_York");
    CHECK(dates(o) == std::vector<std::string>{
                          "1997-09-30", "1997-10-01", "1997-10-31", "1997-11-01", "1997-11-30",
                          "1997-12-01", "1997-12-31", "1998-01-01", "1998-01-31", "1998-02-01"});
    CHECK(o.front().start == utc(1997, 9, 30, 13));  // 09:00 EDT
    CHECK(o.back().start == utc(1998, 2, 1, 14));    // 09:00 EST
  }
  SECTION("INTERVAL=2 counts months from the first date's month") {
    const auto o =
        expand_ok(series({2026, 1, 15}, 8 * 60, "FREQ=MONTHLY;INTERVAL=2;COUNT=4"), "UTC");
    CHECK(dates(o) ==
          std::vector<std::string>{"2026-01-15", "2026-03-15", "2026-05-15", "2026-07-15"});
  }
}

TEST_CASE("recurrence: weekly and daily rules", "[recurrence]") {
  SECTION("INTERVAL=2 with BYDAY=TU,TH: every other week, two days each") {
    const auto o = expand_ok(
        series({2026, 1, 6}, 9 * 60, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6"), "UTC");
    CHECK(dates(o) == std::vector<std::string>{"2026-01-06", "2026-01-08", "2026-01-20",
                                               "2026-01-22", "2026-02-03", "2026-02-05"});
  }
  SECTION("RFC 5545: WKST decides which days share a week") {
    const auto mo = expand_ok(
        series({1997, 8, 5}, 9 * 60, "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"),
        "America/New_York");
    CHECK(dates(mo) ==
          std::vector<std::string>{"1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"});
    const auto su = expand_ok(
        series({1997, 8, 5}, 9 * 60, "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"),
        "America/New_York");
    CHECK(dates(su) ==
          std::vector<std::string>{"1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"});
    CHECK(mo.front().start == utc(1997, 8, 5, 13));  // 09:00 EDT
  }
  SECTION("RFC 5545: every other week on Tuesday and Thursday, for 8 occurrences") {
    const auto o = expand_ok(
        series({1997, 9, 2}, 9 * 60, "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH"),
        "America/New_York");
    CHECK(dates(o) == std::vector<std::string>{"1997-09-02", "1997-09-04", "1997-09-16",
                                               "1997-09-18", "1997-09-30", "1997-10-02",
                                               "1997-10-14", "1997-10-16"});
  }
  SECTION("BYDAY days before the first date in its week are not occurrences") {
    // 2026-01-07 is a Wednesday: that week's Monday is skipped, its Friday is not.
    const auto o =
        expand_ok(series({2026, 1, 7}, 9 * 60, "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=4"), "UTC");
    CHECK(dates(o) ==
          std::vector<std::string>{"2026-01-07", "2026-01-09", "2026-01-12", "2026-01-16"});
  }
  SECTION("DAILY with INTERVAL, and BYDAY filtering days") {
    const auto every3 = expand_ok(series({2026, 2, 26}, 0, "FREQ=DAILY;INTERVAL=3;COUNT=3"), "UTC");
    CHECK(dates(every3) == std::vector<std::string>{"2026-02-26", "2026-03-01", "2026-03-04"});
    // Working days from Friday 2026-01-09.
    const auto weekdays =
        expand_ok(series({2026, 1, 9}, 8 * 60, "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=4"), "UTC");
    CHECK(dates(weekdays) ==
          std::vector<std::string>{"2026-01-09", "2026-01-12", "2026-01-13", "2026-01-14"});
    // DAILY with BYMONTHDAY keeps those days of the month.
    const auto ends =
        expand_ok(series({2026, 1, 1}, 8 * 60, "FREQ=DAILY;BYMONTHDAY=-1;COUNT=3"), "UTC");
    CHECK(dates(ends) == std::vector<std::string>{"2026-01-01", "2026-01-31", "2026-02-28"});
  }
}

TEST_CASE("recurrence: UNTIL as a local date, a local date-time and UTC", "[recurrence]") {
  // Daily at 09:00 in Berlin from 2026-06-01 (CEST, so 07:00Z).
  auto until = [](const char* rrule_text) {
    return dates(expand_ok(series({2026, 6, 1}, 9 * 60, rrule_text), "Europe/Berlin"));
  };
  const std::vector<std::string> three = {"2026-06-01", "2026-06-02", "2026-06-03"};
  const std::vector<std::string> two = {"2026-06-01", "2026-06-02"};
  CHECK(until("FREQ=DAILY;UNTIL=20260603") == three);         // through the end of that local day
  CHECK(until("FREQ=DAILY;UNTIL=20260603T090000") == three);  // inclusive
  CHECK(until("FREQ=DAILY;UNTIL=20260603T085959") == two);
  CHECK(until("FREQ=DAILY;UNTIL=20260603T070000Z") == three);
  CHECK(until("FREQ=DAILY;UNTIL=20260603T065959Z") == two);
  CHECK(until("FREQ=DAILY;UNTIL=20260601") == std::vector<std::string>{"2026-06-01"});

  SECTION("UNTIL compares instants: an occurrence moved out of the gap past it is out") {
    // Daily at 02:30 in Berlin: 01:30Z in winter; on 2026-03-29 02:30 does not exist and
    // starts at 03:30 CEST, 01:30Z. UNTIL 03:00 local that day is 01:00Z, 03:30 is 01:30Z.
    auto gap = [](const char* rrule_text) {
      return starts(expand_ok(series({2026, 3, 27}, 2 * 60 + 30, rrule_text), "Europe/Berlin"));
    };
    CHECK(gap("FREQ=DAILY;UNTIL=20260329T030000") ==
          std::vector<std::string>{"2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z"});
    CHECK(gap("FREQ=DAILY;UNTIL=20260329T033000") ==
          std::vector<std::string>{"2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z",
                                   "2026-03-29T01:30:00Z"});
    CHECK(gap("FREQ=DAILY;UNTIL=20260329").size() == 3);  // a local date: the whole day
  }
  SECTION("an UNTIL before the first occurrence is refused") {
    for (const char* text : {"FREQ=DAILY;UNTIL=20260531", "FREQ=DAILY;UNTIL=20260601T085959",
                             "FREQ=DAILY;UNTIL=20260601T065959Z"}) {
      INFO(text);
      auto r = expand_occurrences(series({2026, 6, 1}, 9 * 60, text), "Europe/Berlin", kFar);
      CHECK(r.status().code() == Code::invalid_argument);
      CHECK(r.status().message().find("before the first occurrence") != std::string::npos);
    }
  }
}

TEST_CASE("recurrence: EXDATE removes occurrences that COUNT still counts", "[recurrence]") {
  // Mondays from 2026-01-05; COUNT=5 generates Jan 5, 12, 19, 26 and Feb 2.
  const auto o = expand_ok(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=5",
                                  {{2026, 1, 26}, {2026, 1, 12}, {2026, 1, 13}}),
                           "UTC");
  CHECK(dates(o) == std::vector<std::string>{"2026-01-05", "2026-01-19", "2026-02-02"});
  // The first date can be excluded too.
  const auto without_first =
      expand_ok(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=2", {{2026, 1, 5}}), "UTC");
  CHECK(dates(without_first) == std::vector<std::string>{"2026-01-12"});
  // Every occurrence excluded: an empty series, not an error.
  const auto none =
      expand_ok(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=1", {{2026, 1, 5}}), "UTC");
  CHECK(none.empty());
}

TEST_CASE("recurrence: caps, horizon and unbounded rules", "[recurrence]") {
  SECTION("1,000 occurrences are allowed, 1,001 are refused naming the cap") {
    const auto o = expand_ok(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=1000"), "UTC");
    REQUIRE(o.size() == 1000);
    CHECK(o.back().start == utc(2028, 9, 26, 9));  // 2026-01-01 + 999 days
    auto r = expand_occurrences(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=1001"), "UTC", kFar);
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK(r.status().message() ==
          "series: more than 1000 occurrences (the limit per series); end it sooner with COUNT "
          "or UNTIL");
    // Excluded dates do not count against the cap.
    CHECK(expand_occurrences(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=1001", {{2026, 1, 2}}),
                             "UTC", kFar)
              .ok());
    // A lower cap of the caller's.
    auto low =
        expand_occurrences(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=11"), "UTC", kFar, 10);
    CHECK(low.status().message().rfind("series: more than 10 occurrences", 0) == 0);
    CHECK(expand_occurrences(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=1"), "UTC", kFar, 0)
              .status()
              .message() == "max_occurrences: must be 1..1000, got 0");
    CHECK(expand_occurrences(series({2026, 1, 1}, 9 * 60, "FREQ=DAILY;COUNT=1"), "UTC", kFar, 1001)
              .status()
              .code() == Code::invalid_argument);
  }
  SECTION("an occurrence after the horizon is a conflict naming its date and the horizon") {
    const SeriesPattern s = series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=10");
    auto r = expand_occurrences(s, "UTC", utc(2026, 2, 1));
    CHECK(r.status().code() == Code::conflict);
    CHECK(r.status().message() ==
          "series: the occurrence on 2026-02-02 would start at 2026-02-02T09:00:00Z, after the "
          "horizon 2026-02-01T00:00:00Z; end the series sooner with COUNT or UNTIL, or book it "
          "later");
    // Up to the horizon itself is fine; an excluded occurrence may lie beyond it.
    CHECK(expand_occurrences(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=5"), "UTC",
                             utc(2026, 2, 2, 9))
              .ok());
    CHECK(expand_occurrences(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=5", {{2026, 2, 2}}),
                             "UTC", utc(2026, 2, 1))
              .ok());
    auto until = expand_occurrences(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;UNTIL=20261231"),
                                    "UTC", utc(2026, 2, 1));
    CHECK(until.status().code() == Code::conflict);
  }
  SECTION("a rule with neither COUNT nor UNTIL is refused") {
    auto r = expand_occurrences(series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;BYDAY=MO,TH"), "UTC",
                                utc(2026, 2, 1));
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK(r.status().message() ==
          "RRULE: a series needs COUNT or UNTIL (FREQ=WEEKLY;BYDAY=MO,TH repeats forever)");
  }
  SECTION("a rule that stops generating ends the series instead of looping") {
    // Every 12 months from February: February 30 never exists, so after the first date the
    // rule generates nothing; the scan ends at the year 9999.
    const auto o =
        expand_ok(series({2026, 2, 28}, 9 * 60, "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30;COUNT=3"),
                  "UTC", utc(2027, 1, 1));
    CHECK(dates(o) == std::vector<std::string>{"2026-02-28"});
    // Every 7th day from a Monday never lands on a Tuesday.
    const auto d = expand_ok(series({2026, 1, 5}, 9 * 60, "FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=2"),
                             "UTC", utc(2027, 1, 1));
    CHECK(dates(d) == std::vector<std::string>{"2026-01-05"});
  }
}

namespace {

// An oracle for expansion that shares nothing with the period walk of expand.cpp: it asks
// of every single day whether the rule generates it.
bool oracle_generates(const RecurrenceRule& r, date::sys_days first, date::sys_days d) {
  using namespace date;
  const year_month_day f{first};
  const year_month_day x{d};
  const int wd = static_cast<int>(weekday{d}.c_encoding());
  const int day = static_cast<int>(static_cast<unsigned>(x.day()));
  const int dim = static_cast<int>(static_cast<unsigned>((x.year() / x.month() / last).day()));
  bool plain_day = false;  // BYDAY, ordinals aside
  bool month_day = false;  // BYDAY with ordinals counted in the month
  for (const WeekdayNum& w : r.by_day) {
    if (static_cast<int>(w.day) != wd) continue;
    plain_day = true;
    int before = 0;  // the same weekday earlier in the month
    int after = 0;   // ... and later
    for (int k = day - 7; k >= 1; k -= 7) ++before;
    for (int k = day + 7; k <= dim; k += 7) ++after;
    if (w.ordinal == 0 || w.ordinal == before + 1 || w.ordinal == -(after + 1)) month_day = true;
  }
  bool by_month_day = false;
  for (int md : r.by_month_day) by_month_day = by_month_day || day == (md > 0 ? md : dim + 1 + md);
  switch (r.frequency) {
    case Frequency::daily:
      return (d - first).count() % r.interval == 0 && (r.by_day.empty() || plain_day) &&
             (r.by_month_day.empty() || by_month_day);
    case Frequency::weekly: {
      auto week_of = [&](sys_days t) {
        return t - days((weekday{t}.c_encoding() - static_cast<unsigned>(r.week_start) + 7) % 7);
      };
      const auto weeks = (week_of(d) - week_of(first)).count() / 7;
      return weeks % r.interval == 0 &&
             (r.by_day.empty() ? weekday{d} == weekday{first} : plain_day);
    }
    case Frequency::monthly: {
      const int months = (static_cast<int>(x.year()) - static_cast<int>(f.year())) * 12 +
                         static_cast<int>(static_cast<unsigned>(x.month())) -
                         static_cast<int>(static_cast<unsigned>(f.month()));
      if (months % r.interval != 0) return false;
      if (!r.by_month_day.empty()) return by_month_day && (r.by_day.empty() || month_day);
      if (!r.by_day.empty()) return month_day;
      return x.day() == f.day();
    }
  }
  return false;
}

LocalDate local_date_of(date::sys_days d) {
  const date::year_month_day x{d};
  return {static_cast<int>(x.year()), static_cast<int>(static_cast<unsigned>(x.month())),
          static_cast<int>(static_cast<unsigned>(x.day()))};
}

}  // namespace

TEST_CASE("recurrence: expansion agrees with a day-by-day oracle", "[recurrence]") {
  std::mt19937 rng(545);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int nonempty = 0;
  for (int i = 0; i < 1500; ++i) {
    RecurrenceRule r;
    r.frequency = static_cast<Frequency>(pick(0, 2));
    r.interval = pick(0, 3) == 0 ? pick(1, 30) : pick(1, 3);
    for (int n = pick(0, 3); n > 0; --n) {
      const int ordinal = r.frequency == Frequency::monthly && pick(0, 1) ? pick(-5, 5) : 0;
      const WeekdayNum w{static_cast<Weekday>(pick(0, 6)), ordinal};
      if (std::find(r.by_day.begin(), r.by_day.end(), w) == r.by_day.end()) r.by_day.push_back(w);
    }
    if (r.frequency != Frequency::weekly && pick(0, 2) == 0) {
      for (int n = pick(1, 3); n > 0; --n) {
        const int md = pick(0, 1) ? pick(1, 31) : -pick(1, 31);
        if (std::find(r.by_month_day.begin(), r.by_month_day.end(), md) == r.by_month_day.end())
          r.by_month_day.push_back(md);
      }
    }
    r.week_start = static_cast<Weekday>(pick(0, 6));
    const date::sys_days first =
        date::sys_days(date::year(pick(1999, 2030)) / 1 / 1) + date::days(pick(0, 364));
    const date::sys_days until = first + date::days(pick(0, 3 * 366));
    r.until = RecurrenceRule::Until::on_date(local_date_of(until));

    SeriesPattern s;
    s.first_date = local_date_of(first);
    s.start_minute = pick(0, 1439);
    s.duration = minutes(30);
    s.rule = r;
    for (int n = pick(0, 4); n > 0; --n) {
      s.exdates.push_back(local_date_of(first + date::days(pick(0, 400))));
    }

    std::vector<LocalDate> generated = {s.first_date};
    for (date::sys_days d = first + date::days(1); d <= until; d += date::days(1)) {
      if (oracle_generates(r, first, d)) generated.push_back(local_date_of(d));
    }
    auto without_excluded = [&](std::vector<LocalDate> v) {
      std::vector<std::string> out;
      for (const LocalDate& d : v) {
        if (std::find(s.exdates.begin(), s.exdates.end(), d) == s.exdates.end()) {
          out.push_back(iso(d));
        }
      }
      return out;
    };
    INFO(format_rrule(r) << " from " << iso(s.first_date));
    if (generated.size() > 1000) continue;  // beyond the cap; tested elsewhere
    auto got = expand_occurrences(s, "UTC", kFar);
    REQUIRE(got.ok());
    CHECK(dates(*got) == without_excluded(generated));
    for (const Occurrence& o : *got) {
      CHECK(o.start ==
            Instant(date::sys_days(date::year(o.date.year) / o.date.month / o.date.day)) +
                minutes(s.start_minute));
    }
    nonempty += generated.size() > 1 ? 1 : 0;

    // The same rule bounded by COUNT instead: the first `count` generated dates.
    const int count = pick(1, static_cast<int>(generated.size()));
    s.rule.until.reset();
    s.rule.count = count;
    auto counted = expand_occurrences(s, "UTC", kFar);
    REQUIRE(counted.ok());
    generated.resize(static_cast<std::size_t>(count));
    CHECK(dates(*counted) == without_excluded(generated));
  }
  CHECK(nonempty > 1000);
}

TEST_CASE("recurrence: bad series fields and zones are refused naming them", "[recurrence]") {
  const SeriesPattern good = series({2026, 1, 5}, 9 * 60, "FREQ=WEEKLY;COUNT=2");
  auto message = [](const SeriesPattern& s, const char* zone = "UTC") {
    auto r = expand_occurrences(s, zone, kFar);
    CHECK(r.status().code() == Code::invalid_argument);
    return r.status().message();
  };
  CHECK(message(good, "Mars/Olympus_Mons") ==
        "zone: unknown time zone \"Mars/Olympus_Mons\" (expected an IANA name such as "
        "\"Europe/Berlin\")");
  CHECK(message(good, "").rfind("zone: a time zone is required", 0) == 0);
  SeriesPattern s = good;
  s.first_date = {2026, 2, 29};
  CHECK(message(s) == "first_date: 2026-02-29 is not a valid date (years 1900..9999)");
  s = good;
  s.start_minute = 1440;
  CHECK(message(s) == "start_minute: must be 0..1439 (minutes after local midnight), got 1440");
  s = good;
  s.duration = Seconds(0);
  CHECK(message(s) == "duration: must be 1..31622400 seconds (366 days), got 0");
  s = good;
  s.exdates = {{2026, 1, 1}, {2026, 13, 1}};
  CHECK(message(s) == "exdates[1]: 2026-13-01 is not a valid date (years 1900..9999)");
  s = good;
  s.exdates.assign(1001, LocalDate{2026, 1, 1});
  CHECK(message(s) == "exdates: at most 1000 dates, got 1001");
  s = good;
  s.rule.interval = 0;
  CHECK(message(s) == "RRULE: INTERVAL=0: must be 1..1000");
}

TEST_CASE("recurrence: series at the edges of the calendar", "[recurrence]") {
  // The last possible date, and 23:59 local, convert without overflow.
  const auto last =
      expand_ok(series({9999, 12, 30}, 23 * 60 + 59, "FREQ=DAILY;COUNT=5"), "UTC", Instant::max());
  CHECK(dates(last) == std::vector<std::string>{"9999-12-30", "9999-12-31"});
  const auto first =
      expand_ok(series({1900, 1, 1}, 0, "FREQ=MONTHLY;BYDAY=-1SU;COUNT=2"), "Europe/Berlin");
  CHECK(dates(first) == std::vector<std::string>{"1900-01-01", "1900-01-28"});
}
