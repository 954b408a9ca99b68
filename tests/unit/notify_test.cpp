// The notify layer (src/notify): locales, the formatters, the template language and the
// built-in message texts.
#include <catch2/catch.hpp>

#include <date/date.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "notify/notify.hpp"

using namespace boka;
using namespace boka::notify;

namespace {

Instant utc(int y, int mo, int d, int h, int mi) {
  return Instant(date::sys_days(date::year(y) / mo / d).time_since_epoch() + std::chrono::hours(h) +
                 std::chrono::minutes(mi));
}

const Locale& locale(const char* tag) {
  const Locale* l = find_locale(tag);
  REQUIRE(l != nullptr);
  return *l;
}

FormattedTime format(Instant t, const char* zone, const char* tag) {
  auto r = format_instant(t, zone, locale(tag));
  REQUIRE(r.ok());
  return r.value();
}

const std::string kNbsp = "\u00A0";

const std::vector<std::string> kKnown = {"name", "a", "b", "c", "x.y", "url"};

Template parse(const std::string& text) {
  auto r = Template::parse(text, kKnown, "t");
  INFO(text);
  REQUIRE(r.ok());
  return r.value();
}

std::string parse_error(const std::string& text, const std::string& field = "t") {
  auto r = Template::parse(text, kKnown, field);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::invalid_argument);
  return r.status().message();
}

std::string render(const std::string& text, const std::map<std::string, std::string>& values,
                   Template::Escape escape = Template::Escape::none) {
  return parse(text).render(values, escape);
}

}  // namespace

TEST_CASE("find_locale matches exactly, then by language", "[notify]") {
  CHECK(supported_locales() ==
        std::vector<std::string>{"en", "en-GB", "de", "fr", "es", "nl", "it", "pt", "sv"});
  for (const std::string& tag : supported_locales()) CHECK(locale(tag.c_str()).tag == tag);

  CHECK(locale("en-GB").tag == "en-GB");
  CHECK(locale("EN-gb").tag == "en-GB");
  CHECK(locale("en_GB").tag == "en-GB");
  CHECK(locale("DE").tag == "de");
  CHECK(locale("de-AT").tag == "de");
  CHECK(locale("de_CH").tag == "de");
  CHECK(locale("pt-BR").tag == "pt");
  CHECK(locale("pt-PT").tag == "pt");
  CHECK(locale("fr-CA").tag == "fr");
  CHECK(locale("es-419").tag == "es");
  CHECK(locale("sv-SE").tag == "sv");
  CHECK(locale("en-US").tag == "en");
  CHECK(locale("en-CA").tag == "en");
  CHECK(locale("en-Latn-US").tag == "en");
  for (const char* british : {"en-AU", "en-NZ", "en-IE", "en-IN", "en-za", "en_nz", "en-Latn-GB"}) {
    INFO(british);
    CHECK(locale(british).tag == "en-GB");
  }
}

TEST_CASE("find_locale rejects unsupported and malformed tags", "[notify]") {
  for (const char* bad : {"xx", "", "de--", "klingon", "-de", "de-", "d e", "de-AT-", "abcdefghi",
                          "de-toolongsubtag", "1de", "xx-GB", "zh-Hans-CN", "é"}) {
    INFO(bad);
    CHECK(find_locale(bad) == nullptr);
  }
}

TEST_CASE("format_instant writes Berlin in December in every locale", "[notify]") {
  const Instant t = utc(2026, 12, 8, 13, 0);  // 14:00 CET
  struct Case {
    const char* tag;
    const char* date;
    const char* time;
    const char* date_time;
  };
  const Case cases[] = {
      {"en", "Tuesday, December 8, 2026", "2:00 PM", "Tuesday, December 8, 2026 at 2:00 PM CET"},
      {"en-GB", "Tuesday 8 December 2026", "14:00", "Tuesday 8 December 2026 at 14:00 CET"},
      {"de", "Dienstag, 8. Dezember 2026", "14:00", "Dienstag, 8. Dezember 2026 um 14:00 CET"},
      {"fr", "mardi 8 décembre 2026", "14:00", "mardi 8 décembre 2026 à 14:00 CET"},
      {"es", "martes, 8 de diciembre de 2026", "14:00",
       "martes, 8 de diciembre de 2026 a las 14:00 CET"},
      {"nl", "dinsdag 8 december 2026", "14:00", "dinsdag 8 december 2026 om 14:00 CET"},
      {"it", "martedì 8 dicembre 2026", "14:00", "martedì 8 dicembre 2026 alle ore 14:00 CET"},
      {"pt", "terça-feira, 8 de dezembro de 2026", "14:00",
       "terça-feira, 8 de dezembro de 2026 às 14:00 CET"},
      {"sv", "tisdag 8 december 2026", "14:00", "tisdag 8 december 2026 kl. 14:00 CET"},
  };
  for (const Case& c : cases) {
    INFO(c.tag);
    const FormattedTime f = format(t, "Europe/Berlin", c.tag);
    CHECK(f.date == c.date);
    CHECK(f.time == c.time);
    CHECK(f.zone_abbrev == "CET");
    CHECK(f.date_time == c.date_time);
  }
}

TEST_CASE("format_instant follows daylight saving time", "[notify]") {
  // 12:00Z in July is 14:00 CEST in Berlin.
  const FormattedTime summer = format(utc(2026, 7, 14, 12, 0), "Europe/Berlin", "de");
  CHECK(summer.date == "Dienstag, 14. Juli 2026");
  CHECK(summer.time == "14:00");
  CHECK(summer.zone_abbrev == "CEST");
  CHECK(summer.date_time == "Dienstag, 14. Juli 2026 um 14:00 CEST");
  // The same UTC hour in December is 13:00 CET.
  const FormattedTime winter = format(utc(2026, 12, 8, 12, 0), "Europe/Berlin", "de");
  CHECK(winter.time == "13:00");
  CHECK(winter.zone_abbrev == "CET");
  // Across the spring-forward change: 00:59Z is 01:59 CET, 01:00Z is 03:00 CEST.
  CHECK(format(utc(2026, 3, 29, 0, 59), "Europe/Berlin", "en-GB").date_time ==
        "Sunday 29 March 2026 at 01:59 CET");
  CHECK(format(utc(2026, 3, 29, 1, 0), "Europe/Berlin", "en-GB").date_time ==
        "Sunday 29 March 2026 at 03:00 CEST");
}

TEST_CASE("format_instant writes a 12-hour clock in English", "[notify]") {
  const FormattedTime morning = format(utc(2026, 12, 8, 14, 5), "America/New_York", "en");
  CHECK(morning.time == "9:05 AM");
  CHECK(morning.zone_abbrev == "EST");
  CHECK(morning.date_time == "Tuesday, December 8, 2026 at 9:05 AM EST");
  CHECK(format(utc(2026, 12, 8, 17, 0), "America/New_York", "en").time == "12:00 PM");
  CHECK(format(utc(2026, 12, 8, 22, 45), "America/New_York", "en").time == "5:45 PM");
  // 05:30Z is half past midnight in New York: 12:30 AM, on the local date.
  const FormattedTime midnight = format(utc(2026, 12, 9, 5, 30), "America/New_York", "en");
  CHECK(midnight.time == "12:30 AM");
  CHECK(midnight.date == "Wednesday, December 9, 2026");
  // The local date, not the UTC one: 03:00Z on the 9th is the evening of the 8th.
  CHECK(format(utc(2026, 12, 9, 3, 0), "America/New_York", "en").date_time ==
        "Tuesday, December 8, 2026 at 10:00 PM EST");
  CHECK(format(utc(2026, 7, 4, 16, 0), "America/New_York", "en").zone_abbrev == "EDT");
  // Seconds are dropped, not rounded.
  CHECK(format(utc(2026, 12, 8, 14, 5) + Seconds(59), "America/New_York", "en").time == "9:05 AM");
}

TEST_CASE("format_instant pads the hour where the locale does", "[notify]") {
  const Instant t = utc(2026, 12, 8, 8, 5);  // 09:05 CET
  CHECK(format(t, "Europe/Berlin", "de").time == "09:05");
  CHECK(format(t, "Europe/Berlin", "en-GB").time == "09:05");
  CHECK(format(t, "Europe/Berlin", "es").time == "9:05");
  // Spanish and Portuguese take the singular article in the one o'clock hour.
  const Instant one = utc(2026, 12, 8, 0, 5);  // 01:05 CET
  CHECK(format(one, "Europe/Berlin", "es").date_time ==
        "martes, 8 de diciembre de 2026 a la 1:05 CET");
  CHECK(format(one, "Europe/Berlin", "pt").date_time ==
        "terça-feira, 8 de dezembro de 2026 à 01:05 CET");
  CHECK(format(utc(2026, 12, 8, 12, 5), "Europe/Berlin", "es").date_time ==
        "martes, 8 de diciembre de 2026 a las 13:05 CET");
}

TEST_CASE("format_instant uses tzdb's abbreviations, numeric ones included", "[notify]") {
  CHECK(format(utc(2026, 6, 1, 9, 0), "Europe/Istanbul", "en").zone_abbrev == "+03");
  CHECK(format(utc(2026, 6, 1, 9, 0), "Europe/Istanbul", "en").time == "12:00 PM");
  CHECK(format(utc(2026, 6, 1, 3, 15), "Asia/Kathmandu", "en-GB").time == "09:00");
  CHECK(format(utc(2026, 6, 1, 0, 0), "UTC", "en").zone_abbrev == "UTC");
}

TEST_CASE("format_instant refuses an unknown zone", "[notify]") {
  auto r = format_instant(utc(2026, 12, 8, 13, 0), "Mars/Olympus_Mons", locale("en"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::invalid_argument);
  CHECK_THAT(r.status().message(),
             Catch::StartsWith("zone: unknown time zone \"Mars/Olympus_Mons\""));
  auto empty = format_instant(utc(2026, 12, 8, 13, 0), "", locale("en"));
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.status().message(), Catch::StartsWith("zone: "));
}

TEST_CASE("format_money uses the currency's digits and the locale's form", "[notify]") {
  const Locale& en = locale("en");
  CHECK(format_money(2500, "EUR", en) == "€25.00");
  CHECK(format_money(123450, "USD", en) == "$1,234.50");
  CHECK(format_money(123456789, "USD", en) == "$1,234,567.89");
  CHECK(format_money(5, "GBP", en) == "£0.05");
  CHECK(format_money(0, "EUR", en) == "€0.00");
  CHECK(format_money(1235, "JPY", en) == "¥1,235");
  CHECK(format_money(1500, "KWD", en) == "KWD" + kNbsp + "1.500");
  CHECK(format_money(1200, "CHF", en) == "CHF" + kNbsp + "12.00");
  CHECK(format_money(2500, "eur", en) == "€25.00");
  CHECK(format_money(1000, "ISK", en) == "ISK" + kNbsp + "1,000");
  CHECK(format_money(2500, "EUR", locale("en-GB")) == "€25.00");

  CHECK(format_money(123450, "EUR", locale("de")) == "1.234,50" + kNbsp + "€");
  CHECK(format_money(1200, "CHF", locale("de")) == "12,00" + kNbsp + "CHF");
  CHECK(format_money(1235, "JPY", locale("de")) == "1.235" + kNbsp + "¥");
  CHECK(format_money(123450, "EUR", locale("fr")) == "1" + kNbsp + "234,50" + kNbsp + "€");
  CHECK(format_money(123456789, "EUR", locale("sv")) ==
        "1" + kNbsp + "234" + kNbsp + "567,89" + kNbsp + "€");
  CHECK(format_money(2500, "EUR", locale("nl")) == "€" + kNbsp + "25,00");
  CHECK(format_money(2500, "EUR", locale("pt")) == "€" + kNbsp + "25,00");
  CHECK(format_money(2500, "EUR", locale("it")) == "25,00" + kNbsp + "€");
  // Spanish groups only from five digits (CLDR's minimum grouping digits).
  CHECK(format_money(123450, "EUR", locale("es")) == "1234,50" + kNbsp + "€");
  CHECK(format_money(1234500, "EUR", locale("es")) == "12.345,00" + kNbsp + "€");
}

TEST_CASE("format_money writes negative amounts with a leading minus", "[notify]") {
  CHECK(format_money(-2500, "EUR", locale("en")) == "-€25.00");
  CHECK(format_money(-123450, "EUR", locale("de")) == "-1.234,50" + kNbsp + "€");
  CHECK(format_money(-5, "USD", locale("en")) == "-$0.05");
  CHECK(format_money(-1200, "CHF", locale("en")) == "-CHF" + kNbsp + "12.00");
  CHECK(format_money(std::numeric_limits<std::int64_t>::min(), "USD", locale("en")) ==
        "-$92,233,720,368,547,758.08");
}

TEST_CASE("currency_digits follows ISO 4217", "[notify]") {
  for (const char* zero : {"JPY", "KRW", "ISK", "CLP", "VND", "jpy"})
    CHECK(currency_digits(zero) == 0);
  for (const char* three : {"BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"}) {
    CHECK(currency_digits(three) == 3);
  }
  for (const char* two : {"EUR", "USD", "GBP", "CHF", "XYZ", "", "EURO"})
    CHECK(currency_digits(two) == 2);
}

TEST_CASE("format_duration writes hours and minutes with their plural forms", "[notify]") {
  const Locale& en = locale("en");
  CHECK(format_duration(Seconds(90 * 60), en) == "1 hour 30 minutes");
  CHECK(format_duration(Seconds(45 * 60), en) == "45 minutes");
  CHECK(format_duration(Seconds(120 * 60), en) == "2 hours");
  CHECK(format_duration(Seconds(60), en) == "1 minute");
  CHECK(format_duration(Seconds(61 * 60), en) == "1 hour 1 minute");
  CHECK(format_duration(Seconds(0), en) == "0 minutes");
  CHECK(format_duration(Seconds(59), en) == "0 minutes");
  CHECK(format_duration(Seconds(30 * 60 + 59), en) == "30 minutes");
  CHECK(format_duration(Seconds(-600), en) == "0 minutes");
  CHECK(format_duration(Seconds(25 * 3600), en) == "25 hours");

  CHECK(format_duration(Seconds(90 * 60), locale("de")) == "1 Stunde 30 Minuten");
  CHECK(format_duration(Seconds(121 * 60), locale("de")) == "2 Stunden 1 Minute");
  CHECK(format_duration(Seconds(90 * 60), locale("fr")) == "1 heure 30 minutes");
  CHECK(format_duration(Seconds(0), locale("fr")) == "0 minute");
  CHECK(format_duration(Seconds(2 * 3600), locale("fr")) == "2 heures");
  CHECK(format_duration(Seconds(90 * 60), locale("es")) == "1 hora y 30 minutos");
  CHECK(format_duration(Seconds(121 * 60), locale("nl")) == "2 uur en 1 minuut");
  CHECK(format_duration(Seconds(90 * 60), locale("it")) == "1 ora e 30 minuti");
  CHECK(format_duration(Seconds(2 * 3600), locale("it")) == "2 ore");
  CHECK(format_duration(Seconds(90 * 60), locale("pt")) == "1 hora e 30 minutos");
  CHECK(format_duration(Seconds(121 * 60), locale("sv")) == "2 timmar och 1 minut");
  CHECK(format_duration(Seconds(3600), locale("sv")) == "1 timme");
}

TEST_CASE("message_kind_name names every kind", "[notify]") {
  CHECK(std::string(message_kind_name(MessageKind::confirmation)) == "confirmation");
  CHECK(std::string(message_kind_name(MessageKind::cancellation)) == "cancellation");
  CHECK(std::string(message_kind_name(MessageKind::reschedule)) == "reschedule");
  CHECK(std::string(message_kind_name(MessageKind::reminder)) == "reminder");
  CHECK(std::string(message_kind_name(static_cast<MessageKind>(42))) == "unknown");
}

TEST_CASE("Template inserts variables", "[notify]") {
  CHECK(render("Hello {{name}}!", {{"name", "Ana"}}) == "Hello Ana!");
  CHECK(render("Hello {{ name }} and {{\tx.y\t}}.", {{"name", "Ana"}, {"x.y", "Bo"}}) ==
        "Hello Ana and Bo.");
  CHECK(render("[{{name}}]", {}) == "[]");
  CHECK(render("no tags } { }}", {}) == "no tags } { }}");
  CHECK(render("", {}).empty());
  // A value is inserted literally, never expanded.
  CHECK(render("{{name}}", {{"name", "{{a}}"}}) == "{{a}}");
  CHECK(parse("x {{name}}").source() == "x {{name}}");
}

TEST_CASE("Template escapes inserted values for HTML, and only them", "[notify]") {
  const std::map<std::string, std::string> values = {{"name", "<b>\"Tom\" & 'Jerry'</b>"}};
  CHECK(render("<p title=\"{{name}}\">{{name}}</p>", values, Template::Escape::html) ==
        "<p title=\"&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;\">"
        "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>");
  CHECK(render("<p>{{name}} & co</p>", values, Template::Escape::none) ==
        "<p><b>\"Tom\" & 'Jerry'</b> & co</p>");
  CHECK(render("<i>&amp;</i> {{name}}", {{"name", "a&b"}}, Template::Escape::html) ==
        "<i>&amp;</i> a&amp;b");
}

TEST_CASE("Template sections keep or drop their content", "[notify]") {
  const std::string text = "{{#a}}A={{a}}{{/a}}{{^a}}no a{{/a}}";
  CHECK(render(text, {{"a", "1"}}) == "A=1");
  CHECK(render(text, {{"a", ""}}) == "no a");
  CHECK(render(text, {}) == "no a");
  CHECK(render("{{# a }}yes{{/ a }}{{ ^a }}no{{ /a }}", {{"a", "x"}}) == "yes");

  const std::string nested = "{{#a}}<{{#b}}ab{{/b}}{{^b}}a{{^c}}!c{{/c}}{{/b}}>{{/a}}.";
  CHECK(render(nested, {{"a", "1"}, {"b", "1"}}) == "<ab>.");
  CHECK(render(nested, {{"a", "1"}}) == "<a!c>.");
  CHECK(render(nested, {{"a", "1"}, {"c", "1"}}) == "<a>.");
  CHECK(render(nested, {{"b", "1"}}) == ".");
  // The same name nested in itself.
  CHECK(render("{{#a}}1{{#a}}2{{/a}}3{{/a}}", {{"a", "x"}}) == "123");
}

TEST_CASE("Template drops comments", "[notify]") {
  CHECK(render("a{{! a comment, with {{ and } inside }}b", {}) == "ab");
  CHECK(render("a{{ ! spaced }}b", {}) == "ab");
  CHECK(render("{{!}}x", {}) == "x");
}

TEST_CASE("Template drops lines that hold only a section tag or comment", "[notify]") {
  const std::string text =
      "Hello\n"
      "{{#a}}\n"
      "A: {{a}}\n"
      "  {{/a}}  \n"
      "{{! a comment line }}\n"
      "{{^b}}\r\n"
      "no b\n"
      "{{/b}}\n"
      "End";
  CHECK(render(text, {{"a", "1"}}) == "Hello\nA: 1\nno b\nEnd");
  CHECK(render(text, {{"b", "1"}}) == "Hello\nEnd");
  // A tag sharing its line with text or a variable is not alone: the line stays.
  CHECK(render("x {{#a}}\ny{{/a}} z\n", {{"a", "1"}}) == "x \ny z\n");
  CHECK(render("{{#a}}{{a}}{{/a}}\nend", {{"a", "1"}}) == "1\nend");
  // A variable alone on its line keeps the line.
  CHECK(render("{{a}}\nend", {}) == "\nend");
  CHECK(render("{{#a}}\nx\n{{/a}}", {{"a", "1"}}) == "x\n");
}

TEST_CASE("Template refuses unknown names with their position", "[notify]") {
  CHECK(parse_error("Hi {{nope}}", "templates.confirmation.subject") ==
        "templates.confirmation.subject: unknown variable \"nope\" at line 1, column 4");
  // Lines count from 1, columns in characters from 1.
  CHECK(parse_error("a\nbé {{#missing}}x{{/missing}}") ==
        "t: unknown variable \"missing\" at line 2, column 4");
  CHECK(parse_error("{{^zz}}{{/zz}}") == "t: unknown variable \"zz\" at line 1, column 1");
}

TEST_CASE("Template refuses sections that do not close in order", "[notify]") {
  CHECK(parse_error("x\n{{#a}}\nyes") == "t: section \"a\" opened at line 2 is not closed");
  CHECK(parse_error("{{#a}}{{#b}}{{/b}}") == "t: section \"a\" opened at line 1 is not closed");
  CHECK_THAT(parse_error("{{#a}}\n{{#b}}{{/a}}{{/b}}"),
             Catch::StartsWith("t: unexpected {{/a}} at line 2, column 7"));
  CHECK_THAT(parse_error("{{#a}}\n{{#b}}{{/a}}{{/b}}"), Catch::Contains("\"b\""));
  CHECK_THAT(parse_error("x {{/a}}"),
             Catch::StartsWith("t: unexpected {{/a}} at line 1, column 3"));
}

TEST_CASE("Template refuses any other use of {{", "[notify]") {
  CHECK(parse_error("a {{ b") == "t: unterminated \"{{\" at line 1, column 3 (no \"}}\" follows)");
  CHECK_THAT(parse_error("a\n  {{"),
             Catch::StartsWith("t: unterminated \"{{\" at line 2, column 3"));
  for (const char* bad : {"{{{name}}}", "{{&name}}", "{{>name}}", "{{=<% %>=}}", "{{}}", "{{  }}",
                          "{{#}}", "{{Name}}", "{{na me}}", "{{name-x}}", "{{ a b }}"}) {
    INFO(bad);
    CHECK_THAT(parse_error(bad), Catch::StartsWith(std::string("t: unsupported tag \"")) &&
                                     Catch::Contains("at line 1, column 1"));
  }
  CHECK_THAT(parse_error("{{Name}}"), Catch::Contains("lower-case"));
}

TEST_CASE("Template refuses invalid UTF-8 and oversized text", "[notify]") {
  CHECK(parse_error("ok\nab\xff") == "t: invalid UTF-8 at line 2, column 3");
  CHECK(parse_error("\xc3(") == "t: invalid UTF-8 at line 1, column 1");         // bad continuation
  CHECK(parse_error("x\xc0\xaf") == "t: invalid UTF-8 at line 1, column 2");     // overlong '/'
  CHECK(parse_error("\xed\xa0\x80") == "t: invalid UTF-8 at line 1, column 1");  // surrogate
  CHECK(parse_error("\xf4\x90\x80\x80") == "t: invalid UTF-8 at line 1, column 1");
  CHECK(parse_error("é\xe2\x82") == "t: invalid UTF-8 at line 1, column 2");  // truncated
  CHECK(render("é € 𝄞", {}) == "é € 𝄞");

  const std::string at_limit(Template::kMaxBytes, 'x');
  CHECK(parse(at_limit).render({}, Template::Escape::none).size() == Template::kMaxBytes);
  CHECK(parse_error(at_limit + "x", "f") ==
        "f: the template is 65537 bytes, more than the 65536 allowed");
}

namespace {

std::map<std::string, std::string> sample_values(const Locale& l, bool everything) {
  const FormattedTime start = format(utc(2026, 12, 8, 13, 0), "Europe/Berlin", l.tag.c_str());
  const FormattedTime end = format(utc(2026, 12, 8, 14, 30), "Europe/Berlin", l.tag.c_str());
  const FormattedTime previous = format(utc(2026, 12, 7, 13, 0), "Europe/Berlin", l.tag.c_str());
  std::map<std::string, std::string> v = {
      {"tenant.name", "Studio Nord"},
      {"customer.name", "<script>alert(1)</script>"},
      {"customer.email", "ana@example.com"},
      {"start.date", start.date},
      {"start.time", start.time},
      {"start.date_time", start.date_time},
      {"end.time", end.time},
      {"end.date_time", end.date_time},
      {"zone", "Europe/Berlin"},
      {"zone.abbrev", start.zone_abbrev},
      {"duration", format_duration(Seconds(90 * 60), l)},
      {"reservation.id", "r_123"},
      {"status", "confirmed"},
  };
  if (everything) {
    v["service.name"] = "Haircut & style";
    v["resources"] = "Chair 2, Kim";
    v["price"] = format_money(4500, "EUR", l);
    v["notes"] = "Please ring twice.\nSecond floor.";
    v["previous.date_time"] = previous.date_time;
    v["reason"] = "Staff illness";
    v["manage_url"] = "https://book.example.com/r/123?t=a&b=c";
  }
  return v;
}

}  // namespace

TEST_CASE("every default template parses and renders completely", "[notify]") {
  const MessageKind kinds[] = {MessageKind::confirmation, MessageKind::cancellation,
                               MessageKind::reschedule, MessageKind::reminder};
  for (const std::string& tag : supported_locales()) {
    const Locale& l = locale(tag.c_str());
    for (MessageKind kind : kinds) {
      const TemplateTexts& texts = default_templates(kind, l);
      const std::string field = tag + "." + message_kind_name(kind);
      INFO(field);
      auto subject = Template::parse(texts.subject, message_variables(), field + ".subject");
      auto text = Template::parse(texts.text, message_variables(), field + ".text");
      auto html = Template::parse(texts.html, message_variables(), field + ".html");
      REQUIRE(subject.ok());
      REQUIRE(text.ok());
      REQUIRE(html.ok());
      for (bool everything : {true, false}) {
        const auto values = sample_values(l, everything);
        const std::string s = subject->render(values, Template::Escape::none);
        const std::string t = text->render(values, Template::Escape::none);
        const std::string h = html->render(values, Template::Escape::html);
        for (const std::string* out : {&s, &t, &h}) {
          CHECK(out->find("{{") == std::string::npos);
          CHECK(out->find("}}") == std::string::npos);
        }
        CHECK(s.find('\n') == std::string::npos);
        CHECK(t.find("\n\n\n") == std::string::npos);  // no runs of blank lines
        CHECK(t.find(values.at("start.date_time")) != std::string::npos);
        CHECK(t.find("Studio Nord") != std::string::npos);
        CHECK(h.rfind("<!DOCTYPE html>\n<html lang=\"", 0) == 0);
        CHECK(h.find("</html>") != std::string::npos);
        CHECK(h.find("<script") == std::string::npos);
        CHECK(h.find("&lt;script&gt;") != std::string::npos);
        CHECK(t.find("<script>alert(1)</script>") != std::string::npos);
        if (everything) {
          CHECK(s.find("Haircut & style") != std::string::npos);
          CHECK(h.find("Haircut &amp; style") != std::string::npos);
          CHECK(h.find("href=\"https://book.example.com/r/123?t=a&amp;b=c\"") != std::string::npos);
          CHECK(t.find("https://book.example.com/r/123?t=a&b=c") != std::string::npos);
          CHECK(t.find("Chair 2, Kim") != std::string::npos);
          if (kind == MessageKind::reschedule) {
            CHECK(t.find(values.at("previous.date_time")) != std::string::npos);
          }
          if (kind == MessageKind::cancellation) {
            CHECK(t.find("Staff illness") != std::string::npos);
            CHECK(h.find("Staff illness") != std::string::npos);
          } else {
            CHECK(t.find(values.at("price")) != std::string::npos);
            CHECK(t.find("Please ring twice.\nSecond floor.") != std::string::npos);
          }
        } else {
          CHECK(t.find("https://") == std::string::npos);
          CHECK(h.find("href=") == std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("default templates speak the locale's language", "[notify]") {
  const Locale& de = locale("de");
  const auto values = sample_values(de, true);
  const TemplateTexts& texts = default_templates(MessageKind::confirmation, de);
  const Template subject = Template::parse(texts.subject, message_variables(), "s").value();
  const Template text = Template::parse(texts.text, message_variables(), "t").value();
  const Template html = Template::parse(texts.html, message_variables(), "h").value();
  CHECK(subject.render(values, Template::Escape::none) ==
        "Buchung bestätigt: Haircut & style am Dienstag, 8. Dezember 2026");
  const std::string t = text.render(values, Template::Escape::none);
  CHECK(t.find("Dienstag, 8. Dezember 2026 um 14:00 CET – 15:30 (1 Stunde 30 Minuten)") !=
        std::string::npos);
  CHECK(t.find("45,00\u00A0€") != std::string::npos);
  CHECK(html.render(values, Template::Escape::html).find("<html lang=\"de\">") !=
        std::string::npos);

  // Without a service name the subject still reads as a sentence.
  auto no_service = values;
  no_service.erase("service.name");
  CHECK(subject.render(no_service, Template::Escape::none) ==
        "Ihre Buchung am Dienstag, 8. Dezember 2026 ist bestätigt");

  const Locale& en = locale("en");
  CHECK(default_templates(MessageKind::reminder, en).subject.rfind("Reminder: ", 0) == 0);
  CHECK(&default_templates(MessageKind::reminder, locale("en-GB")) ==
        &default_templates(MessageKind::reminder, en));
  // Locales without their own texts use English, with their own dates.
  CHECK(&default_templates(MessageKind::confirmation, locale("nl")) ==
        &default_templates(MessageKind::confirmation, en));
  CHECK(default_templates(MessageKind::cancellation, locale("fr")).html.find("lang=\"fr\"") !=
        std::string::npos);
  CHECK(default_templates(MessageKind::reschedule, locale("es")).subject.find("Reserva") !=
        std::string::npos);
}

TEST_CASE("message_variables lists the documented names", "[notify]") {
  CHECK(
      message_variables() ==
      std::vector<std::string>{
          "tenant.name",    "customer.name", "customer.email",     "service.name", "resources",
          "start.date",     "start.time",    "start.date_time",    "end.time",     "end.date_time",
          "zone",           "zone.abbrev",   "duration",           "price",        "notes",
          "reservation.id", "status",        "previous.date_time", "reason",       "manage_url"});
}
