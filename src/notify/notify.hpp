// The words of boka's customer emails (booking confirmation, cancellation, reschedule and
// reminder): instants, prices and durations written the way a customer of a given locale
// reads them, a small Mustache-like template language for the operator's own texts, and
// boka's built-in texts for when the operator has none.
//
// The locale data is boka's own small table (see locale.cpp), not ICU or the C library's
// locales: the process locale is global and not thread-safe to switch, and the host may not
// have the locales installed. The table follows CLDR's conventions for the few formats used
// here.
//
// Thread-safety: every function here is pure: it reads only its arguments, constant tables
// built on first use (thread-safe static initialization) and the OS tzdb through date/tz,
// which is safe to share. A Template is an immutable value after parse; render may be
// called on one Template from any number of threads at once. Returned references and
// pointers are to static storage and stay valid for the life of the process.
// Errors: only Template::parse and format_instant can fail; both return invalid_argument
// with a message that starts with the field at fault.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka::notify {

// A language/region whose dates, times, money and default texts boka can write. Obtain one
// from find_locale; the tables are filled in locale.cpp and are not meant to be built by
// callers (the formatters assume every field is filled).
struct Locale {
  std::string tag;       // canonical BCP 47 tag: "en", "en-GB", "de", "fr", "es", "nl", ...
  std::string language;  // the primary language subtag: "en" for both "en" and "en-GB"

  // Full names as they appear inside a date (lower case in most languages but English and
  // German). Sunday first, like date::weekday's encoding.
  std::array<std::string, 7> weekdays;
  std::array<std::string, 12> months;  // January first
  // The date: "{weekday}", "{day}" (no leading zero), "{month}" and "{year}" are replaced.
  std::string date_pattern;

  enum class HourCycle { h12, h23 };
  HourCycle hour_cycle = HourCycle::h23;
  bool pad_hour = true;  // h23 only: "09:05" (true) or "9:05" (false); h12 never pads
  std::string am, pm;    // h12 only: "AM", "PM", after the time and a space

  // Date and time together: "{date}", "{time}" and "{zone}" (the abbreviation) are replaced.
  std::string date_time_pattern;
  // The same for a time in the 01:00-01:59 hour, for languages whose preposition is
  // singular there (es "a la 1:05", pt "à 01:05"); empty: date_time_pattern.
  std::string date_time_pattern_one;

  std::string decimal_separator;  // "." or ","
  std::string group_separator;    // ",", "." or U+00A0 NO-BREAK SPACE (fr, sv)
  int min_grouping_digits = 1;    // 2: 1234 is not grouped, 12 345 is (es, per CLDR)

  // Where the currency goes: "€25.00" (before), "€ 25,00" (before_spaced),
  // "25,00 €" (after_spaced). A currency written as its code is always spaced.
  enum class CurrencyPlacement { before, before_spaced, after_spaced };
  CurrencyPlacement currency_placement = CurrencyPlacement::before;

  // Duration words, singular then plural: {"hour", "hours"}, {"minute", "minutes"}.
  std::array<std::string, 2> hour_words, minute_words;
  bool zero_is_singular = false;  // fr: "0 minute"
  std::string duration_joiner;    // between hours and minutes: " " (en, de, fr), " y " (es)
};

// The locales boka writes, by canonical tag, in a fixed order: "en", "en-GB", "de", "fr",
// "es", "nl", "it", "pt", "sv". Never fails.
const std::vector<std::string>& supported_locales();

// The best supported locale for a BCP 47 tag, matched case-insensitively with "_" accepted
// as "-": the exact tag first ("en-GB"), then, for English, the regions that write dates
// the British way (en-AU, en-NZ, en-IE, en-IN, en-ZA -> "en-GB"; a script subtag such as
// "en-Latn-GB" is skipped), then the language alone ("de-AT" -> "de", "pt-BR" -> "pt",
// "en-US" -> "en"). nullptr when the language is not supported ("xx", "klingon") or the tag
// is malformed: empty, an empty subtag ("de--"), a subtag that is not 1-8 letters/digits, or
// a language subtag that is not letters. Never fails otherwise; the pointer is to static
// storage.
const Locale* find_locale(std::string_view tag);

// An instant as a customer reads it, in an IANA zone and a locale.
struct FormattedTime {
  // en "Tuesday, December 8, 2026"; en-GB "Tuesday 8 December 2026";
  // de "Dienstag, 8. Dezember 2026"; fr "mardi 8 décembre 2026";
  // es "martes, 8 de diciembre de 2026"; nl "dinsdag 8 december 2026";
  // it "martedì 8 dicembre 2026"; pt "terça-feira, 8 de dezembro de 2026";
  // sv "tisdag 8 december 2026".
  std::string date;
  std::string time;  // en "2:00 PM", "12:30 AM"; es "9:05"; the others "09:05", "14:00"
  // The zone's abbreviation at that instant, from tzdb: "CET", "CEST", "EST", or a numeric
  // one such as "+03" for zones tzdb gives no letters.
  std::string zone_abbrev;
  // Date, time and abbreviation joined the locale's way: en "Tuesday, December 8, 2026 at
  // 2:00 PM CET"; de "... um 14:00 CET"; fr "... à 14:00 CET"; es "... a las 14:00 CET";
  // nl "... om 14:00 CET"; it "... alle ore 14:00 CET"; pt "... às 14:00 CET";
  // sv "... kl. 14:00 CET".
  std::string date_time;
};

// `t` in IANA zone `zone` (seconds are dropped, not rounded: a booking's times are whole
// minutes). invalid_argument `zone: unknown time zone "X" (...)` for a zone not in the OS
// tzdb, `zone: a time zone is required ...` for an empty one.
Result<FormattedTime> format_instant(Instant t, const std::string& zone, const Locale& locale);

// The number of minor-unit digits of an ISO 4217 currency (case-insensitive): 0 for JPY,
// KRW, ISK, CLP, VND and the other zero-decimal currencies, 3 for BHD, KWD, OMR, JOD, TND,
// IQD, LYD, 2 for every other code, known or not.
int currency_digits(std::string_view currency) noexcept;

// A price of `minor` minor units of `currency` (an ISO 4217 code; upper-cased), with the
// currency's digits and the locale's separators and placement: en "€25.00", "$1,234.50",
// "¥1,235", "CHF 12.00"; de "1.234,50 €"; fr "1 234,50 €"; nl "€ 25,00". USD, EUR, GBP
// and JPY are written as their symbols ($ € £ ¥), every other currency as its code.
// Negative amounts have a leading minus ("-€25.00", "-25,00 €"). Every space inside the
// result (group separator of fr and sv, between amount and currency) is U+00A0 NO-BREAK
// SPACE, so that a wrapped line never separates a number from its currency. Never fails.
std::string format_money(std::int64_t minor, std::string_view currency, const Locale& locale);

// A duration in whole minutes (seconds below a minute are dropped; a negative duration is
// written as 0): en "1 hour 30 minutes", "45 minutes", "2 hours", "0 minutes";
// de "1 Stunde 30 Minuten"; fr "1 heure 30 minutes"; es "1 hora y 30 minutos";
// nl "2 uur en 1 minuut"; it "1 ora e 30 minuti"; pt "1 hora e 30 minutos";
// sv "2 timmar och 1 minut". Never fails.
std::string format_duration(Seconds d, const Locale& locale);

// The messages boka sends a customer.
enum class MessageKind { confirmation, cancellation, reschedule, reminder };

// "confirmation", "cancellation", "reschedule", "reminder"; "unknown" for a value outside
// the enum. Never null; static storage.
const char* message_kind_name(MessageKind k) noexcept;

// A template in a Mustache subset, for a subject, a text part or an HTML part:
//   {{name}}             inserts a variable; names are [a-z0-9_.]+, and spaces (or tabs)
//                        may surround the name and the sigils below: "{{ name }}"
//   {{#name}}...{{/name}} keeps its content only when the variable is non-empty
//   {{^name}}...{{/name}} keeps its content only when the variable is empty
//   {{! comment }}       is dropped (a comment ends at the first "}}")
// Sections nest, and must close in the order they opened. Anything else starting with "{{"
// is an error (triple braces, partials, delimiter changes, a name with other characters, a
// "{{" without "}}"): a template cannot contain a literal "{{". As in Mustache, a line
// holding nothing but one section, close or comment tag (and spaces or tabs) is dropped
// whole, newline included, so sections on lines of their own leave no blank lines.
class Template {
 public:
  // The largest template parse accepts, in bytes.
  static constexpr std::size_t kMaxBytes = 64 * 1024;

  // Parses `text` (UTF-8, at most kMaxBytes). Every variable and section name must be in
  // `known`. Errors are invalid_argument, prefixed with `field` (e.g.
  // "templates.confirmation.subject: "), lines and columns counted from 1 and columns in
  // characters (code points):
  //   <field>: unknown variable "x" at line L, column C
  //   <field>: section "x" opened at line L is not closed
  //   <field>: unexpected {{/y}} at line L, column C (...: which section is open, if any)
  //   <field>: unterminated "{{" at line L, column C (no "}}" follows)
  //   <field>: unsupported tag "{{...}}" at line L, column C (...why)
  //   <field>: invalid UTF-8 at line L, column C
  //   <field>: the template is N bytes, more than the 65536 allowed
  static Result<Template> parse(std::string_view text, const std::vector<std::string>& known,
                                std::string_view field);

  // How inserted values are written. Template text itself is never changed.
  enum class Escape {
    none,  // as given (subjects, text parts)
    html,  // & < > " ' as &amp; &lt; &gt; &quot; &#39;: safe in element content and in
           // quoted attribute values (it does not make a "javascript:" URL safe in href)
  };

  // The template with `values` inserted; a name missing from `values` is "" (so its
  // {{#name}} sections are dropped and {{^name}} sections kept). Values are inserted
  // literally: a "{{" inside a value is not expanded. Never fails.
  std::string render(const std::map<std::string, std::string>& values, Escape escape) const;

  // The text parse was given.
  const std::string& source() const { return source_; }

 private:
  // One step of the flat program render runs; sections jump over their content.
  struct Op {
    enum class Kind { text, variable, section, inverted, end };
    Kind kind = Kind::text;
    std::size_t begin = 0, length = 0;  // text: a slice of source_
    std::string name;                   // variable, section, inverted
    std::size_t skip_to = 0;            // section, inverted: the index after its end op
  };
  Template() = default;
  std::string source_;
  std::vector<Op> ops_;
};

// A message's three templates: subject, text/plain part and text/html part.
struct TemplateTexts {
  std::string subject, text, html;
};

// boka's built-in templates for `kind`, in the locale's language: full translations for
// English (en and en-GB share them), German, French and Spanish (formal address); the other
// supported locales use the English texts, while their dates, prices and durations still
// follow their locale through the values. The templates use only names from
// message_variables() and leave out every line whose variable is empty. The HTML part is a
// complete document (lang attribute, inline styles, no scripts or external resources) and
// must be rendered with Escape::html; subject and text with Escape::none. Never fails.
const TemplateTexts& default_templates(MessageKind kind, const Locale& locale);

// The variable names templates may use, in this order:
//   tenant.name, customer.name, customer.email, service.name,
//   resources          the booked resources' names, comma separated
//   start.date, start.time, start.date_time, end.time, end.date_time   (FormattedTime)
//   zone               the IANA zone the dates are in; zone.abbrev its abbreviation at start
//   duration           format_duration of the booking
//   price              format_money of the price; "" when there is none
//   notes, reservation.id, status,
//   previous.date_time the old start (reschedule only)
//   reason             why it was cancelled (cancellation only; may be "")
//   manage_url         where the customer can see or change the booking (may be "")
// Never fails.
const std::vector<std::string>& message_variables();

}  // namespace boka::notify
