// The locale table and the formatters of dates, times, money and durations.
#include "notify/notify.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "time/zone.hpp"

namespace boka::notify {
namespace {

// U+00A0 NO-BREAK SPACE: a wrap never splits "1 234,50 €" or "CHF 12.00".
constexpr const char* kNbsp = "\u00A0";

std::vector<Locale> make_locales() {
  using HC = Locale::HourCycle;
  using CP = Locale::CurrencyPlacement;
  std::vector<Locale> out;

  Locale en;
  en.tag = "en";
  en.language = "en";
  en.weekdays = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  en.months = {"January", "February", "March",     "April",   "May",      "June",
               "July",    "August",   "September", "October", "November", "December"};
  en.date_pattern = "{weekday}, {month} {day}, {year}";
  en.hour_cycle = HC::h12;
  en.pad_hour = false;
  en.am = "AM";
  en.pm = "PM";
  en.date_time_pattern = "{date} at {time} {zone}";
  en.decimal_separator = ".";
  en.group_separator = ",";
  en.currency_placement = CP::before;
  en.hour_words = {"hour", "hours"};
  en.minute_words = {"minute", "minutes"};
  en.duration_joiner = " ";
  out.push_back(en);

  // British English: day before month, no comma after the weekday, 24-hour clock (CLDR's
  // en-GB uses "HH:mm"); money as in en.
  Locale gb = en;
  gb.tag = "en-GB";
  gb.date_pattern = "{weekday} {day} {month} {year}";
  gb.hour_cycle = HC::h23;
  gb.pad_hour = true;
  gb.am.clear();
  gb.pm.clear();
  out.push_back(gb);

  Locale de;
  de.tag = "de";
  de.language = "de";
  de.weekdays = {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};
  de.months = {"Januar", "Februar", "März",      "April",   "Mai",      "Juni",
               "Juli",   "August",  "September", "Oktober", "November", "Dezember"};
  de.date_pattern = "{weekday}, {day}. {month} {year}";
  de.date_time_pattern = "{date} um {time} {zone}";
  de.decimal_separator = ",";
  de.group_separator = ".";
  de.currency_placement = CP::after_spaced;
  de.hour_words = {"Stunde", "Stunden"};
  de.minute_words = {"Minute", "Minuten"};
  de.duration_joiner = " ";
  out.push_back(de);

  Locale fr;
  fr.tag = "fr";
  fr.language = "fr";
  fr.weekdays = {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"};
  fr.months = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
               "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
  fr.date_pattern = "{weekday} {day} {month} {year}";
  fr.date_time_pattern = "{date} à {time} {zone}";
  fr.decimal_separator = ",";
  fr.group_separator = kNbsp;  // CLDR has U+202F; U+00A0 is in every email font
  fr.currency_placement = CP::after_spaced;
  fr.hour_words = {"heure", "heures"};
  fr.minute_words = {"minute", "minutes"};
  fr.zero_is_singular = true;  // French counts 0 and 1 as singular
  fr.duration_joiner = " ";
  out.push_back(fr);

  Locale es;
  es.tag = "es";
  es.language = "es";
  es.weekdays = {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"};
  es.months = {"enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
               "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
  es.date_pattern = "{weekday}, {day} de {month} de {year}";
  es.pad_hour = false;  // CLDR es: "H:mm"
  es.date_time_pattern = "{date} a las {time} {zone}";
  es.date_time_pattern_one = "{date} a la {time} {zone}";
  es.decimal_separator = ",";
  es.group_separator = ".";
  es.min_grouping_digits = 2;
  es.currency_placement = CP::after_spaced;
  es.hour_words = {"hora", "horas"};
  es.minute_words = {"minuto", "minutos"};
  es.duration_joiner = " y ";
  out.push_back(es);

  Locale nl;
  nl.tag = "nl";
  nl.language = "nl";
  nl.weekdays = {"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"};
  nl.months = {"januari", "februari", "maart",     "april",   "mei",      "juni",
               "juli",    "augustus", "september", "oktober", "november", "december"};
  nl.date_pattern = "{weekday} {day} {month} {year}";
  nl.date_time_pattern = "{date} om {time} {zone}";
  nl.decimal_separator = ",";
  nl.group_separator = ".";
  nl.currency_placement = CP::before_spaced;
  nl.hour_words = {"uur", "uur"};  // "2 uur": Dutch counts hours in the singular
  nl.minute_words = {"minuut", "minuten"};
  nl.duration_joiner = " en ";
  out.push_back(nl);

  Locale it;
  it.tag = "it";
  it.language = "it";
  it.weekdays = {"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"};
  it.months = {"gennaio", "febbraio", "marzo",     "aprile",  "maggio",   "giugno",
               "luglio",  "agosto",   "settembre", "ottobre", "novembre", "dicembre"};
  it.date_pattern = "{weekday} {day} {month} {year}";
  // "alle ore" reads right for every hour ("alle 1" would need "all'una").
  it.date_time_pattern = "{date} alle ore {time} {zone}";
  it.decimal_separator = ",";
  it.group_separator = ".";
  it.currency_placement = CP::after_spaced;
  it.hour_words = {"ora", "ore"};
  it.minute_words = {"minuto", "minuti"};
  it.duration_joiner = " e ";
  out.push_back(it);

  // Portuguese as CLDR's "pt" writes it (Brazil's conventions): "R$ 1.234,50".
  Locale pt;
  pt.tag = "pt";
  pt.language = "pt";
  pt.weekdays = {"domingo",      "segunda-feira", "terça-feira", "quarta-feira",
                 "quinta-feira", "sexta-feira",   "sábado"};
  pt.months = {"janeiro", "fevereiro", "março",    "abril",   "maio",     "junho",
               "julho",   "agosto",    "setembro", "outubro", "novembro", "dezembro"};
  pt.date_pattern = "{weekday}, {day} de {month} de {year}";
  pt.date_time_pattern = "{date} às {time} {zone}";
  pt.date_time_pattern_one = "{date} à {time} {zone}";
  pt.decimal_separator = ",";
  pt.group_separator = ".";
  pt.currency_placement = CP::before_spaced;
  pt.hour_words = {"hora", "horas"};
  pt.minute_words = {"minuto", "minutos"};
  pt.duration_joiner = " e ";
  out.push_back(pt);

  Locale sv;
  sv.tag = "sv";
  sv.language = "sv";
  sv.weekdays = {"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"};
  sv.months = {"januari", "februari", "mars",      "april",   "maj",      "juni",
               "juli",    "augusti",  "september", "oktober", "november", "december"};
  sv.date_pattern = "{weekday} {day} {month} {year}";
  sv.date_time_pattern = "{date} kl. {time} {zone}";
  sv.decimal_separator = ",";
  sv.group_separator = kNbsp;
  sv.currency_placement = CP::after_spaced;
  sv.hour_words = {"timme", "timmar"};
  sv.minute_words = {"minut", "minuter"};
  sv.duration_joiner = " och ";
  out.push_back(sv);

  return out;
}

const std::vector<Locale>& locales() {
  static const std::vector<Locale> table = make_locales();
  return table;
}

const Locale* by_tag(std::string_view tag) {
  for (const Locale& l : locales()) {
    if (l.tag == tag) return &l;
  }
  return nullptr;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Replaces every "{key}" of `pattern` by the matching value; patterns are boka's own, so an
// unknown key cannot occur and is left as is.
std::string fill(std::string_view pattern,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      const std::size_t close = pattern.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view key = pattern.substr(i + 1, close - i - 1);
        bool found = false;
        for (const auto& [k, v] : values) {
          if (k == key) {
            out += v;
            found = true;
            break;
          }
        }
        if (found) {
          i = close + 1;
          continue;
        }
      }
    }
    out += pattern[i++];
  }
  return out;
}

// An hour or minute (0-59) with a leading zero.
std::string two_digits(long v) {
  std::string s = std::to_string(v);
  if (s.size() < 2) s.insert(0, 1, '0');
  return s;
}

// Digits of `v` with `sep` between groups of three, when v has at least 3 + min_grouping
// digits.
std::string grouped(std::uint64_t v, const Locale& locale) {
  const std::string digits = std::to_string(v);
  const auto min = static_cast<std::size_t>(std::max(1, locale.min_grouping_digits));
  if (digits.size() < 3 + min) return digits;
  std::string out;
  const std::size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out.append(digits, 0, first);
  for (std::size_t i = first; i < digits.size(); i += 3) {
    out += locale.group_separator;
    out.append(digits, i, 3);
  }
  return out;
}

const char* currency_symbol(std::string_view code) {
  if (code == "USD") return "$";
  if (code == "EUR") return "€";
  if (code == "GBP") return "£";
  if (code == "JPY") return "¥";
  return nullptr;
}

}  // namespace

const std::vector<std::string>& supported_locales() {
  static const std::vector<std::string> tags = [] {
    std::vector<std::string> out;
    for (const Locale& l : locales()) out.push_back(l.tag);
    return out;
  }();
  return tags;
}

const Locale* find_locale(std::string_view tag) {
  // Split into lower-case subtags, refusing what BCP 47 cannot be: an empty subtag, one
  // longer than 8 characters, or characters other than letters and digits.
  std::vector<std::string> subtags(1);
  for (char c : tag) {
    if (c == '-' || c == '_') {
      if (subtags.back().empty()) return nullptr;
      subtags.emplace_back();
    } else if (is_alpha(c) || is_digit(c)) {
      if (subtags.back().size() == 8) return nullptr;
      subtags.back() += to_lower(c);
    } else {
      return nullptr;
    }
  }
  if (subtags.back().empty()) return nullptr;
  const std::string& language = subtags[0];
  if (!std::all_of(language.begin(), language.end(), is_alpha)) return nullptr;

  // The region: the subtag after the language, or after a four-letter script subtag.
  std::string region;
  std::size_t r = 1;
  if (r < subtags.size() && subtags[r].size() == 4 && is_alpha(subtags[r][0])) ++r;
  if (r < subtags.size() &&
      (subtags[r].size() == 2 || (subtags[r].size() == 3 && is_digit(subtags[r][0])))) {
    region = subtags[r];
  }

  if (!region.empty()) {
    std::string exact = language + "-";
    for (char c : region) exact += to_upper(c);
    if (const Locale* l = by_tag(exact)) return l;
  }
  if (language == "en") {
    // The English-speaking regions that write "8 December 2026" and a 24-hour clock
    // rather than the US forms.
    static constexpr std::string_view kBritish[] = {"gb", "au", "nz", "ie", "in", "za"};
    for (std::string_view b : kBritish) {
      if (region == b) return by_tag("en-GB");
    }
  }
  return by_tag(language);
}

Result<FormattedTime> format_instant(Instant t, const std::string& zone, const Locale& locale) {
  BOKA_ASSIGN_OR_RETURN(const detail::Zone z, detail::Zone::locate(zone, "zone"));
  const date::sys_info info = z.tz()->get_info(t);
  const date::local_seconds local(t.time_since_epoch() + info.offset);
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const date::weekday wd(day);
  const date::hh_mm_ss<Seconds> hms(local - day);
  const long hour = hms.hours().count();
  const long minute = hms.minutes().count();

  FormattedTime out;
  out.date =
      fill(locale.date_pattern, {{"weekday", locale.weekdays[wd.c_encoding()]},
                                 {"day", std::to_string(static_cast<unsigned>(ymd.day()))},
                                 {"month", locale.months[static_cast<unsigned>(ymd.month()) - 1]},
                                 {"year", std::to_string(static_cast<int>(ymd.year()))}});
  if (locale.hour_cycle == Locale::HourCycle::h12) {
    const long h12 = hour % 12 == 0 ? 12 : hour % 12;
    out.time =
        std::to_string(h12) + ":" + two_digits(minute) + " " + (hour < 12 ? locale.am : locale.pm);
  } else {
    out.time =
        (locale.pad_hour ? two_digits(hour) : std::to_string(hour)) + ":" + two_digits(minute);
  }
  out.zone_abbrev = info.abbrev;
  const std::string& pattern = (hour == 1 && locale.hour_cycle == Locale::HourCycle::h23 &&
                                !locale.date_time_pattern_one.empty())
                                   ? locale.date_time_pattern_one
                                   : locale.date_time_pattern;
  out.date_time =
      fill(pattern, {{"date", out.date}, {"time", out.time}, {"zone", out.zone_abbrev}});
  return out;
}

int currency_digits(std::string_view currency) noexcept {
  char code[4] = {};
  if (currency.size() != 3) return 2;
  for (std::size_t i = 0; i < 3; ++i) code[i] = to_upper(currency[i]);
  const std::string_view c(code, 3);
  // ISO 4217's currencies with no minor unit, and those with three digits (CLF and UYW's
  // four are too rare to carry).
  static constexpr std::string_view kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                               "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                               "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  for (std::string_view z : kZero) {
    if (c == z) return 0;
  }
  for (std::string_view t : kThree) {
    if (c == t) return 3;
  }
  return 2;
}

std::string format_money(std::int64_t minor, std::string_view currency, const Locale& locale) {
  std::string code;
  for (char c : currency) code += to_upper(c);
  const int digits = currency_digits(code);

  // The magnitude as unsigned, so that INT64_MIN has one too.
  const bool negative = minor < 0;
  const std::uint64_t magnitude = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(minor)
                                           : static_cast<std::uint64_t>(minor);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string number = grouped(magnitude / scale, locale);
  if (digits > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    fraction.insert(0, static_cast<std::size_t>(digits) - fraction.size(), '0');
    number += locale.decimal_separator + fraction;
  }

  const char* symbol = currency_symbol(code);
  std::string out = negative ? "-" : "";
  switch (locale.currency_placement) {
    case Locale::CurrencyPlacement::before:
      out += symbol ? std::string(symbol) : code + kNbsp;
      out += number;
      break;
    case Locale::CurrencyPlacement::before_spaced:
      out += symbol ? std::string(symbol) : code;
      out += kNbsp + number;
      break;
    case Locale::CurrencyPlacement::after_spaced:
      out += number + kNbsp;
      out += symbol ? std::string(symbol) : code;
      break;
  }
  return out;
}

std::string format_duration(Seconds d, const Locale& locale) {
  const std::int64_t total = d.count() < 0 ? 0 : d.count() / 60;
  const std::int64_t hours = total / 60;
  const std::int64_t minutes = total % 60;
  auto count = [&](std::int64_t n, const std::array<std::string, 2>& words) {
    const bool singular = n == 1 || (n == 0 && locale.zero_is_singular);
    return std::to_string(n) + " " + words[singular ? 0 : 1];
  };
  if (hours == 0) return count(minutes, locale.minute_words);
  if (minutes == 0) return count(hours, locale.hour_words);
  return count(hours, locale.hour_words) + locale.duration_joiner +
         count(minutes, locale.minute_words);
}

}  // namespace boka::notify
