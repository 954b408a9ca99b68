#include "json_codec.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>

#include <date/tz.h>

#include "shell_limits.hpp"

namespace boka::codec {

void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

void fail(Code code, const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what, code);
}

const char* smtp_security_name(MailOptions::Security s) noexcept {
  switch (s) {
    case MailOptions::Security::none: return "none";
    case MailOptions::Security::starttls_if_offered: return "starttls_if_offered";
    case MailOptions::Security::starttls_required: return "starttls_required";
    case MailOptions::Security::implicit: return "implicit";
  }
  return "unknown";
}

const char* weekday_name(Weekday day) noexcept {
  static constexpr std::array<const char*, 7> kNames = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  const auto i = static_cast<std::size_t>(day);
  return i < kNames.size() ? kNames[i] : "unknown";
}

const char* holiday_kind_name(HolidayRule::Kind kind) noexcept {
  switch (kind) {
    case HolidayRule::Kind::fixed_date: return "fixed_date";
    case HolidayRule::Kind::nth_weekday: return "nth_weekday";
    case HolidayRule::Kind::last_weekday: return "last_weekday";
  }
  return "unknown";
}

const char* reservation_order_name(ReservationOrder order) noexcept {
  switch (order) {
    case ReservationOrder::by_id: return "by_id";
    case ReservationOrder::by_start: return "by_start";
  }
  return "unknown";
}

namespace detail {

std::string got(const Json& v) { return std::string("got ") + v.type_name(); }

std::int64_t as_int64(const Json& v, const std::string& path) {
  if (!v.is_number_integer()) fail(path, "expected an integer, " + got(v));
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    fail(path, "out of range");
  }
  return v.get<std::int64_t>();
}

int as_int(const Json& v, const std::string& path) {
  const std::int64_t x = as_int64(v, path);
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) {
    fail(path, "out of range");
  }
  return static_cast<int>(x);
}

std::string as_string(const Json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a string, " + got(v));
  return v.get<std::string>();
}

const Json& as_array(const Json& v, const std::string& path) {
  if (!v.is_array()) fail(path, "expected an array, " + got(v));
  return v;
}

LocalDate date_from_text(const std::string& s, const std::string& path) {
  auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  LocalDate d;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    d.year = digits(0, 4);
    d.month = digits(5, 2);
    d.day = digits(8, 2);
    if (d.year >= 0 && d.month >= 0 && d.day >= 0) return d;
  }
  fail(path, "expected a date \"YYYY-MM-DD\", got \"" + s.substr(0, 40) + "\"");
}

std::string date_text(const LocalDate& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

// metadata_json is validated by the engine before it is stored, so it parses; should a row
// written some other way not, the text is passed on as a string rather than failing a read.
Json metadata_json(const std::string& text) {
  if (text == "{}") return Json::object();  // the common case, without a parser
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

Json permissions_json(PermissionSet set) {
  Json out = Json::array();
  for (const std::string& name : permission_names(set)) out.push_back(name);
  return out;
}

PermissionSet permissions_from_json(const Json& v, const std::string& path) {
  const Json& arr = as_array(v, path);
  PermissionSet set = 0;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string name = as_string(arr[i], index(path, i));
    const auto p = parse_permission(name);
    if (!p)
      fail(index(path, i),
           "\"" + name.substr(0, 40) + "\" is not a permission (docs/auth.md lists them)");
    set |= static_cast<PermissionSet>(*p);
  }
  return set;
}

}  // namespace detail

using namespace detail;

// ---- time ------------------------------------------------------------------------------------

Instant checked_instant(std::int64_t unix_seconds, const std::string& path) {
  if (unix_seconds < shell::kMinInstant || unix_seconds > shell::kMaxInstant) {
    fail(path,
         std::to_string(unix_seconds) + " is outside the supported range (years 0001..9999 UTC)");
  }
  return from_unix(unix_seconds);
}

Seconds checked_duration(std::int64_t seconds, const std::string& path) {
  if (seconds < -shell::kMaxDuration || seconds > shell::kMaxDuration) {
    fail(path, std::to_string(seconds) + " s is outside the supported range (10000 years)");
  }
  return Seconds(seconds);
}

Instant parse_time(std::string_view s, const std::string& path) {
  const auto refuse = [&](const char* why) {
    std::string shown(s.substr(0, 40));
    fail(path,
         std::string("expected an RFC 3339 time with an offset such as 2026-12-05T09:00:00Z") +
             why + ", got \"" + shown + "\"");
  };
  const auto digits = [&](std::size_t from, std::size_t n) -> int {
    if (from + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
    refuse("");
  }
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) refuse("");
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    const std::size_t first = ++i;
    bool zero = true;
    // The index moves on every digit, whatever `zero` already is ("zero = zero && s[i++]"
    // stopped moving at the first non-zero digit and looped for ever on ".50": found by
    // tests/fuzz/documents.cpp).
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (s[i] != '0') zero = false;
    }
    if (i == first) refuse("");
    if (!zero)
      fail(path, "boka counts whole seconds, got \"" + std::string(s.substr(0, 40)) + "\"");
  }
  int offset = 0;
  if (i == s.size()) refuse(" (this one has no offset)");
  if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
    offset = 0;
  } else if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && s[i + 3] == ':') {
    const int oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) refuse("");
    offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
  } else {
    refuse("");
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (year < 1 || !ymd.ok() || hour > 23 || minute > 59 || second > 59)
    refuse(" (no such date or time)");
  const std::int64_t unix_seconds =
      static_cast<std::int64_t>(sys_days(ymd).time_since_epoch().count()) * 86400 + hour * 3600 +
      minute * 60 + second - offset;
  return checked_instant(unix_seconds, path);
}

namespace {

// Two digits of 0..99.
void put2(char* p, long long v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// "YYYY-MM-DDTHH:MM:SS" of `t` shifted by `offset_seconds`, then "Z" or "+HH:MM".
void append_at(std::string& out, Instant t, std::int64_t offset_seconds) {
  using namespace std::chrono;
  const auto local = t.time_since_epoch() + seconds(offset_seconds);
  const auto days_part = floor<days>(local);
  const year_month_day ymd{sys_days(days_part)};
  const long long secs = (local - days_part).count();
  const int y = static_cast<int>(ymd.year());
  const unsigned mo = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  char buf[48];
  std::size_t n;
  if (y >= 0 && y <= 9999) {
    put2(buf, y / 100);
    put2(buf + 2, y % 100);
    buf[4] = '-';
    put2(buf + 5, mo);
    buf[7] = '-';
    put2(buf + 8, d);
    buf[10] = 'T';
    put2(buf + 11, secs / 3600);
    buf[13] = ':';
    put2(buf + 14, secs / 60 % 60);
    buf[16] = ':';
    put2(buf + 17, secs % 60);
    n = 19;
  } else {
    n = static_cast<std::size_t>(std::snprintf(buf, sizeof buf,
                                               "%04d-%02u-%02uT%02lld:%02lld:%02lld", y, mo, d,
                                               secs / 3600, secs / 60 % 60, secs % 60));
  }
  out.append(buf, n);
  if (offset_seconds == 0) {
    out += 'Z';
    return;
  }
  const std::int64_t a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  // RFC 3339 offsets are whole minutes; zones with second offsets (LMT before 1900) are
  // shown rounded down, as every other RFC 3339 writer does.
  char off[6] = {offset_seconds < 0 ? '-' : '+', '0', '0', ':', '0', '0'};
  put2(off + 1, static_cast<long long>(a / 3600 % 100));
  put2(off + 4, static_cast<long long>(a / 60 % 60));
  out.append(off, 6);
}

std::string format_at(Instant t, std::int64_t offset_seconds) {
  std::string out;
  append_at(out, t, offset_seconds);
  return out;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

std::string format_utc(Instant t) { return format_at(t, 0); }

namespace detail {

void append_utc(std::string& out, Instant t) { append_at(out, t, 0); }

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_json_string(std::string& out, std::string_view s) {
  bool ascii = true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii && !valid_utf8(s)) {
    // Rare (only text written through the C++ API): the library's own replacement.
    out += dump(Json(std::string(s)));
    return;
  }
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet appended
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(u, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace detail

namespace {

// The offset `zone` has at `t` (whole minutes shown: RFC 3339), or nullopt for an unknown
// zone. Slots, a reservation's start and end, a page of them: consecutive calls nearly
// always ask one zone about instants within one stretch of constant offset, so each thread
// keeps the last zone and the stretch it looked up, and the zone database (a search by
// name, then the transitions) is consulted only when either changes.
std::optional<std::int64_t> shown_offset(Instant t, const std::string& zone) {
  struct Last {
    std::string zone;
    const date::time_zone* tz = nullptr;
    date::sys_seconds begin{}, end{};  // where `offset` holds; empty until a lookup
    std::int64_t offset = 0;
  };
  thread_local Last last;
  const date::sys_seconds at(t.time_since_epoch());
  try {
    if (last.tz == nullptr || last.zone != zone) {
      last.tz = nullptr;
      last.tz = date::locate_zone(zone);
      last.zone = zone;
      last.begin = last.end = date::sys_seconds{};
    }
    if (!(last.begin <= at && at < last.end)) {
      const date::sys_info info = last.tz->get_info(at);
      last.begin = info.begin;
      last.end = info.end;
      last.offset = info.offset.count();
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  // Show the offset's whole minutes, and the local time that goes with them, so the text
  // names the same instant.
  return last.offset - last.offset % 60;
}

}  // namespace

namespace detail {

bool append_local(std::string& out, Instant t, const std::string& zone) {
  if (zone.empty()) return false;
  const auto offset = shown_offset(t, zone);
  if (!offset) return false;
  append_at(out, t, *offset);
  return true;
}

}  // namespace detail

std::optional<std::string> format_local(Instant t, const std::string& zone) {
  std::string out;
  if (!detail::append_local(out, t, zone)) return std::nullopt;
  return out;
}

// ---- parsing ----------------------------------------------------------------------------------

namespace {

// Counts what a document holds before it is built: ordered_json finds each key by a linear
// scan of its object, so one object of n keys costs O(n^2) to build (docs/architecture.md,
// "Bounded work per request"). The count itself is one linear pass (SAX), and a document
// beyond the limits is refused before any object is built.
class ShapeCounter : public nlohmann::json_sax<Json> {
 public:
  std::string problem;  // set when a limit is passed

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool key(string_t&) override {
    if (++keys_.back() > kMaxJsonObjectKeys) {
      return fail("an object has more than " + std::to_string(kMaxJsonObjectKeys) + " fields");
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;  // the real parse reports it, with its position
  }

 private:
  bool value() {
    if (++values_ > kMaxJsonValues) {
      return fail("more than " + std::to_string(kMaxJsonValues) + " values");
    }
    return true;
  }
  bool open() {
    if (keys_.size() >= kMaxJsonDepth) {
      return fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    keys_.push_back(0);
    return value();
  }
  bool close() {
    keys_.pop_back();
    return true;
  }
  bool fail(std::string why) {
    problem = std::move(why);
    return false;
  }
  std::vector<std::size_t> keys_;  // keys seen so far in each open object or array
  std::size_t values_ = 0;
};

}  // namespace

Json parse_text(std::string_view text, const std::string& what) {
  ShapeCounter counter;
  (void)Json::sax_parse(text.begin(), text.end(), &counter, nlohmann::detail::input_format_t::json,
                        /*strict=*/true);
  if (!counter.problem.empty()) throw InputError(what + ": too large: " + counter.problem);
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // A syntax error (parse_error) or a number past a double's range (out_of_range 406,
    // "number overflow parsing '1e400'", found by tests/fuzz/documents.cpp): both are the
    // sender's bad JSON. e.what() is "[json.exception.parse_error.101] parse error at line
    // 1, column 2: ...".
    std::string_view message = e.what();
    if (auto close = message.find("] "); close != std::string_view::npos) {
      message.remove_prefix(close + 2);
    }
    // nlohmann quotes the bytes it last read ("last read: '{\xbf'"), which may be anything:
    // every byte outside printable ASCII is written as \xHH, so the message stays ASCII
    // (the C ABI promises UTF-8 messages; found by tests/fuzz/c_abi.cpp).
    std::string printable;
    for (unsigned char c : message) {
      if (c >= 0x20 && c < 0x7f) {
        printable += static_cast<char>(c);
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        printable += "\\x";
        printable += kHex[c >> 4];
        printable += kHex[c & 15];
      }
    }
    throw InputError(what + ": not valid JSON: " + printable);
  }
}

Json parse(const char* text, const char* what) {
  if (text == nullptr) throw InputError(std::string(what) + ": is NULL");
  return parse_text(std::string_view(text), what);
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

// ---- the documents by name ------------------------------------------------------------------

Tenant tenant_from_json(const Json& j, Mode mode) { return from_json<Tenant>(j, "tenant", mode); }
Resource resource_from_json(const Json& j, Mode mode) {
  return from_json<Resource>(j, "resource", mode);
}
Schedule schedule_from_json(const Json& j, Mode mode) {
  return from_json<Schedule>(j, "schedule", mode);
}
Pool pool_from_json(const Json& j, Mode mode) { return from_json<Pool>(j, "pool", mode); }
AvailabilityQuery query_from_json(const Json& j) {
  return from_json<AvailabilityQuery>(j, "query");
}
ReserveRequest reserve_request_from_json(const Json& j) {
  return from_json<ReserveRequest>(j, "reserve");
}
ReservationFilter filter_from_json(const Json& j) {
  return from_json<ReservationFilter>(j, "filter");
}
ExplainRequest explain_request_from_json(const Json& j) {
  return from_json<ExplainRequest>(j, "explain");
}

SeriesRequest series_request_from_json(const Json& j) {
  return from_json<SeriesRequest>(j, "series");
}
SeriesReschedule series_reschedule_from_json(const Json& j) {
  return from_json<SeriesReschedule>(j, "reschedule");
}
SeriesScope series_scope_from_text(const std::string& name, const std::string& path) {
  return enum_from_json<SeriesScope>(Json(name), path);
}

WaitlistRequest waitlist_request_from_json(const Json& j) {
  return from_json<WaitlistRequest>(j, "waitlist");
}
WaitlistFilter waitlist_filter_from_json(const Json& j) {
  return from_json<WaitlistFilter>(j, "filter");
}

Service service_from_json(const Json& j, Mode mode) {
  return from_json<Service>(j, "service", mode);
}
Customer customer_from_json(const Json& j, Mode mode) {
  return from_json<Customer>(j, "customer", mode);
}
CustomerFilter customer_filter_from_json(const Json& j) {
  return from_json<CustomerFilter>(j, "filter");
}
EventQuery event_query_from_json(const Json& j) { return from_json<EventQuery>(j, "query"); }
TenantRules tenant_rules_from_json(const Json& j) { return from_json<TenantRules>(j, "rules"); }
ReservationUpdate reservation_update_from_json(const Json& j) {
  return from_json<ReservationUpdate>(j, "update");
}
ChangeGuard change_guard_from_json(const Json& j) { return from_json<ChangeGuard>(j, "guard"); }

AuditQuery audit_query_from_json(const Json& j, TenantId tenant) {
  AuditQuery q = from_json<AuditQuery>(j, "query");
  q.tenant = tenant;
  return q;
}

std::vector<AuditHead> audit_heads_from_json(const Json& j) {
  std::vector<AuditHead> heads;
  value_from_json(j, "heads", heads);
  return heads;
}

void engine_options_from_json(const Json& j, EngineOptions& options) {
  read_into(j, "options", Mode::create, options);
}

void auth_options_from_json(const Json& j, AuthOptions& options) {
  read_into(j, "options.auth", Mode::create, options);
}

HealthOptions health_options_from_json(const Json& j) {
  return from_json<HealthOptions>(j, "options");
}
BackupOptions backup_options_from_json(const Json& j) {
  return from_json<BackupOptions>(j, "options");
}

BackupKind backup_kind_from_text(const std::string& name, const std::string& path) {
  return enum_from_json<BackupKind>(Json(name), path);
}
Role role_from_text(const std::string& name, const std::string& path) {
  return enum_from_json<Role>(Json(name), path);
}
UserState user_state_from_text(const std::string& name, const std::string& path) {
  return enum_from_json<UserState>(Json(name), path);
}

NewUser new_user_from_json(const Json& j) { return from_json<NewUser>(j, "user"); }

LoginRequest login_request_from_json(const Json& j) {
  LoginRequest l = from_json<LoginRequest>(j, "login");
  // Beyond these nothing can be right; refused as malformed before any work (the engine
  // would spend a hash on them to answer "invalid email or password").
  if (l.email.size() > 254) fail("login.email", "longer than 254 bytes");
  if (l.password.size() > 1024) fail("login.password", "longer than 1024 bytes");
  if (l.mfa_code.size() > 64) fail("login.mfa_code", "longer than 64 bytes");
  if (l.source.size() > 100) fail("login.source", "longer than 100 bytes");
  return l;
}

NewApiKey new_api_key_from_json(const Json& j) { return from_json<NewApiKey>(j, "key"); }

}  // namespace boka::codec
