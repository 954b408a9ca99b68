#include "json_codec.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <string_view>

namespace boka::c_api {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

std::string got(const Json& v) { return std::string("got ") + v.type_name(); }

std::int64_t as_int64(const Json& v, const std::string& path) {
  if (!v.is_number_integer()) fail(path, "expected an integer, " + got(v));
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
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

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

constexpr std::array<const char*, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                  "thursday", "friday", "saturday"};
constexpr std::array<const char*, 3> kHolidayKinds = {"fixed_date", "nth_weekday",
                                                      "last_weekday"};

template <std::size_t N>
int name_index(const std::array<const char*, N>& names, const Json& v, const std::string& path) {
  const std::string s = as_string(v, path);
  for (std::size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<int>(i);
  }
  std::string all;
  for (const char* n : names) all += (all.empty() ? "" : ", ") + std::string(n);
  fail(path, "\"" + s + "\" is not one of " + all);
}

// An enum of the library by its name, as the library spells it (`name_of`), for the values
// 0..count-1.
template <typename E, typename NameOf>
E library_enum(const Json& v, const std::string& path, int count, NameOf name_of) {
  const std::string s = as_string(v, path);
  std::string all;
  for (int i = 0; i < count; ++i) {
    const std::string name = name_of(static_cast<E>(i));
    if (s == name) return static_cast<E>(i);
    all += (all.empty() ? "" : ", ") + name;
  }
  fail(path, "\"" + s + "\" is not one of " + all);
}

constexpr int kAuditOutcomes = static_cast<int>(AuditOutcome::failure) + 1;
constexpr int kBackupKinds = static_cast<int>(BackupKind::monthly) + 1;

// The fields of one JSON object: typed getters that name the field in errors, and a final
// check that the document holds no field this schema does not know (a typo is an error,
// not a silently ignored option).
class Fields {
 public:
  Fields(const Json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_.empty() ? "request" : path_, "expected an object, " + got(j_));
  }

  std::string at(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  // nullptr when absent or null.
  const Json* get(const char* key) {
    known_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  const Json& require(const char* key) {
    known_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end()) fail(at(key), "is required");
    return *it;
  }
  // Present in documents the library writes, meaningless on input: accepted and ignored.
  void ignore(std::initializer_list<const char*> keys) {
    for (const char* k : keys) known_.insert(k);
  }
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!known_.count(it.key())) fail(at(it.key().c_str()), "unknown field");
    }
  }

  std::int64_t int64(const char* key) { return as_int64(require(key), at(key)); }
  std::optional<std::int64_t> opt_int64(const char* key) {
    const Json* v = get(key);
    if (!v) return std::nullopt;
    return as_int64(*v, at(key));
  }
  int integer(const char* key) { return as_int(require(key), at(key)); }
  int integer_or(const char* key, int fallback) {
    const Json* v = get(key);
    return v ? as_int(*v, at(key)) : fallback;
  }
  std::string string(const char* key) { return as_string(require(key), at(key)); }
  std::string string_or(const char* key, std::string fallback) {
    const Json* v = get(key);
    return v ? as_string(*v, at(key)) : fallback;
  }
  Seconds seconds(const char* key) { return checked_duration(int64(key), at(key)); }
  Seconds seconds_or(const char* key, Seconds fallback) {
    const Json* v = get(key);
    return v ? checked_duration(as_int64(*v, at(key)), at(key)) : fallback;
  }
  std::optional<Seconds> opt_seconds(const char* key) {
    auto v = opt_int64(key);
    if (!v) return std::nullopt;
    return checked_duration(*v, at(key));
  }
  Instant instant(const char* key) { return checked_instant(int64(key), at(key)); }
  std::optional<Instant> opt_instant(const char* key) {
    auto v = opt_int64(key);
    if (!v) return std::nullopt;
    return checked_instant(*v, at(key));
  }
  // A JSON object stored as text ("metadata" -> metadata_json). Absent or null: "{}".
  std::string object_text(const char* key) {
    const Json* v = get(key);
    if (!v) return "{}";
    if (!v->is_object()) fail(at(key), "expected an object, " + got(*v));
    return v->dump();
  }
  bool boolean_or(const char* key, bool fallback) {
    const Json* v = get(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(at(key), "expected true or false, " + got(*v));
    return v->get<bool>();
  }
  double number_or(const char* key, double fallback) {
    const Json* v = get(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(at(key), "expected a number, " + got(*v));
    return v->get<double>();
  }
  std::optional<std::string> opt_string(const char* key) {
    const Json* v = get(key);
    if (!v) return std::nullopt;
    return as_string(*v, at(key));
  }
  std::vector<std::string> strings(const char* key) {
    const std::string path = at(key);
    const Json& arr = as_array(require(key), path);
    std::vector<std::string> out;
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(as_string(arr[i], index(path, i)));
    return out;
  }
  // Ids of one kind (ResourceId, ...), read as numbers.
  template <typename IdType>
  std::vector<IdType> ids(const char* key) {
    const std::string path = at(key);
    const Json& arr = as_array(require(key), path);
    std::vector<IdType> out;
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(IdType{as_int64(arr[i], index(path, i))});
    return out;
  }
  template <typename IdType>
  std::optional<IdType> opt_id(const char* key) {
    const auto v = opt_int64(key);
    return v ? std::optional<IdType>(IdType{*v}) : std::nullopt;
  }

 private:
  const Json& j_;
  std::string path_;
  std::set<std::string, std::less<>> known_;
};

Policy policy_from_json(const Json& j, const std::string& path) {
  Fields f(j, path);
  Policy p;
  p.slot_step = f.seconds_or("slot_step", p.slot_step);
  p.min_notice = f.seconds_or("min_notice", p.min_notice);
  p.max_horizon = f.seconds_or("max_horizon", p.max_horizon);
  p.buffer_before = f.seconds_or("buffer_before", p.buffer_before);
  p.buffer_after = f.seconds_or("buffer_after", p.buffer_after);
  p.min_duration = f.seconds_or("min_duration", p.min_duration);
  p.max_duration = f.seconds_or("max_duration", p.max_duration);
  p.daily_limit = f.integer_or("daily_limit", p.daily_limit);
  f.finish();
  return p;
}

std::vector<LocalInterval> intervals_from_json(const Json& j, const std::string& path) {
  std::vector<LocalInterval> out;
  const Json& arr = as_array(j, path);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Fields f(arr[i], index(path, i));
    LocalInterval li;
    li.start_minute = f.integer("start_minute");
    li.end_minute = f.integer("end_minute");
    f.finish();
    out.push_back(li);
  }
  return out;
}

LocalDate date_from_json(const Json& j, const std::string& path) {
  const std::string s = as_string(j, path);
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
  fail(path, "expected a date \"YYYY-MM-DD\", got \"" + s + "\"");
}

std::string date_text(const LocalDate& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::vector<AllocationRequest> requests_from_json(const Json& j, const std::string& path) {
  std::vector<AllocationRequest> out;
  const Json& arr = as_array(j, path);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Fields f(arr[i], index(path, i));
    AllocationRequest a;
    a.resource = f.opt_id<ResourceId>("resource");
    a.pool = f.opt_id<PoolId>("pool");
    a.quantity = f.integer_or("quantity", 1);
    f.finish();
    out.push_back(a);
  }
  return out;
}

// An object built field by field, in schema order. (nlohmann's initializer lists copy
// every value and cost several times as much: an availability answer can hold thousands
// of slots.)
class Object {
 public:
  explicit Object(std::size_t fields) { fields_.reserve(fields); }
  template <typename V>
  Object& add(const char* key, V&& value) {
    fields_.emplace_back(key, Json(std::forward<V>(value)));
    return *this;
  }
  Json done() {
    Json j(Json::value_t::object);
    j.get_ref<Json::object_t&>() = std::move(fields_);
    return j;
  }

 private:
  Json::object_t fields_;
};

Json optional_instant(const std::optional<Instant>& t) {
  return t ? Json(to_unix(*t)) : Json(nullptr);
}

Json optional_id(const std::optional<std::int64_t>& id) { return id ? Json(*id) : Json(nullptr); }

Json intervals_json(const std::vector<LocalInterval>& intervals) {
  Json out = Json::array();
  for (const LocalInterval& li : intervals) {
    out.push_back(
        Object(2).add("start_minute", li.start_minute).add("end_minute", li.end_minute).done());
  }
  return out;
}

// metadata_json is validated by the engine before it is stored, so it parses; should a row
// written some other way not, the text is passed on as a string rather than failing a read.
Json metadata_json(const std::string& text) {
  if (text == "{}") return Json::object();  // the common case, without a parser
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

}  // namespace

Instant checked_instant(std::int64_t unix_seconds, const std::string& path) {
  if (unix_seconds < shell::kMinInstant || unix_seconds > shell::kMaxInstant) {
    fail(path, std::to_string(unix_seconds) +
                   " is outside the supported range (years 0001..9999 UTC)");
  }
  return from_unix(unix_seconds);
}

Seconds checked_duration(std::int64_t seconds, const std::string& path) {
  if (seconds < -shell::kMaxDuration || seconds > shell::kMaxDuration) {
    fail(path, std::to_string(seconds) + " s is outside the supported range (10000 years)");
  }
  return Seconds(seconds);
}

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
  } catch (const Json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string_view message = e.what();
    if (auto close = message.find("] "); close != std::string_view::npos) {
      message.remove_prefix(close + 2);
    }
    throw InputError(what + ": not valid JSON: " + std::string(message));
  }
}

Json parse(const char* text, const char* what) {
  if (text == nullptr) throw InputError(std::string(what) + ": is NULL");
  return parse_text(std::string_view(text), what);
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

Tenant tenant_from_json(const Json& j, Mode mode) {
  Fields f(j, "tenant");
  Tenant t;
  t.name = f.string("name");
  if (mode == Mode::update) {
    t.id = TenantId{f.int64("id")};
    t.version = f.int64("version");
  } else {
    f.ignore({"id", "version"});
  }
  f.ignore({"created_at", "archived_at"});
  f.finish();
  return t;
}

Resource resource_from_json(const Json& j, Mode mode) {
  Fields f(j, "resource");
  Resource r;
  r.name = f.string("name");
  r.zone = f.string("zone");
  if (mode == Mode::update) {
    r.id = ResourceId{f.int64("id")};
    r.version = f.int64("version");
    r.capacity = f.integer("capacity");
    r.policy = policy_from_json(f.require("policy"), f.at("policy"));
    f.require("schedule");
    f.require("metadata");
  } else {
    f.ignore({"id", "version"});
    r.capacity = f.integer_or("capacity", 1);
    if (const Json* p = f.get("policy")) r.policy = policy_from_json(*p, f.at("policy"));
  }
  r.schedule = f.opt_id<ScheduleId>("schedule");
  r.metadata_json = f.object_text("metadata");
  f.ignore({"tenant", "created_at", "archived_at"});
  f.finish();
  return r;
}

Schedule schedule_from_json(const Json& j, Mode mode) {
  Fields f(j, "schedule");
  Schedule s;
  s.name = f.string("name");
  if (mode == Mode::update) {
    s.id = ScheduleId{f.int64("id")};
    s.version = f.int64("version");
    f.require("weekly");
    f.require("overrides");
    f.require("holidays");
  } else {
    f.ignore({"id", "version"});
  }
  if (const Json* weekly = f.get("weekly")) {
    const std::string path = f.at("weekly");
    const Json& arr = as_array(*weekly, path);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Fields rule(arr[i], index(path, i));
      WeeklyRule w;
      w.day = static_cast<Weekday>(name_index(kWeekdays, rule.require("day"), rule.at("day")));
      w.intervals = intervals_from_json(rule.require("intervals"), rule.at("intervals"));
      rule.finish();
      s.weekly.push_back(std::move(w));
    }
  }
  if (const Json* overrides = f.get("overrides")) {
    const std::string path = f.at("overrides");
    const Json& arr = as_array(*overrides, path);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Fields o(arr[i], index(path, i));
      DateOverride d;
      d.date = date_from_json(o.require("date"), o.at("date"));
      if (const Json* iv = o.get("intervals")) d.intervals = intervals_from_json(*iv, o.at("intervals"));
      o.finish();
      s.overrides.push_back(std::move(d));
    }
  }
  if (const Json* holidays = f.get("holidays")) {
    const std::string path = f.at("holidays");
    const Json& arr = as_array(*holidays, path);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Fields h(arr[i], index(path, i));
      HolidayRule rule;
      rule.name = h.string("name");
      rule.kind = static_cast<HolidayRule::Kind>(
          name_index(kHolidayKinds, h.require("kind"), h.at("kind")));
      rule.month = h.integer("month");
      rule.day_of_month = h.integer_or("day_of_month", rule.day_of_month);
      rule.nth = h.integer_or("nth", rule.nth);
      if (const Json* wd = h.get("weekday")) {
        rule.weekday = static_cast<Weekday>(name_index(kWeekdays, *wd, h.at("weekday")));
      }
      h.finish();
      s.holidays.push_back(std::move(rule));
    }
  }
  f.ignore({"tenant", "archived_at"});
  f.finish();
  return s;
}

Pool pool_from_json(const Json& j, Mode mode) {
  Fields f(j, "pool");
  Pool p;
  p.name = f.string("name");
  p.members = f.ids<ResourceId>("members");
  if (mode == Mode::update) {
    p.id = PoolId{f.int64("id")};
    p.version = f.int64("version");
  } else {
    f.ignore({"id", "version"});
  }
  f.ignore({"tenant", "archived_at"});
  f.finish();
  return p;
}

AvailabilityQuery query_from_json(const Json& j) {
  Fields f(j, "query");
  AvailabilityQuery q;
  q.requests = requests_from_json(f.require("requests"), f.at("requests"));
  q.from = f.instant("from");
  q.to = f.instant("to");
  q.duration = f.seconds("duration");
  q.step = f.opt_seconds("step");
  q.limit = f.integer_or("limit", AvailabilityQuery::kMaxSlots);
  f.finish();
  return q;
}

ExplainRequest explain_request_from_json(const Json& j) {
  Fields f(j, "");
  ExplainRequest r;
  r.requests = requests_from_json(f.require("requests"), "requests");
  r.start = f.instant("start");
  r.duration = f.seconds("duration");
  f.finish();
  return r;
}

ReserveRequest reserve_request_from_json(const Json& j) {
  Fields f(j, "");
  ReserveRequest r;
  r.allocations = requests_from_json(f.require("allocations"), "allocations");
  r.start = f.instant("start");
  r.end = f.instant("end");
  r.hold_for = f.opt_seconds("hold_for");
  r.idempotency_key = f.string_or("idempotency_key", "");
  r.customer = f.string_or("customer", "");
  r.metadata_json = f.object_text("metadata");
  f.finish();
  return r;
}

ReservationFilter filter_from_json(const Json& j) {
  Fields f(j, "filter");
  ReservationFilter filter;
  filter.resource = f.opt_id<ResourceId>("resource");
  filter.from = f.opt_instant("from");
  filter.to = f.opt_instant("to");
  if (const Json* statuses = f.get("statuses")) {
    const std::string path = f.at("statuses");
    const Json& arr = as_array(*statuses, path);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string name = as_string(arr[i], index(path, i));
      auto status = parse_status(name);
      if (!status) {
        fail(index(path, i), "\"" + name + "\" is not a reservation status (held, confirmed, "
                             "cancelled, expired, completed, no_show)");
      }
      filter.statuses.push_back(*status);
    }
  }
  if (const Json* customer = f.get("customer")) filter.customer = as_string(*customer, f.at("customer"));
  filter.after_id = ReservationId{f.opt_int64("after_id").value_or(0)};
  filter.limit = f.integer_or("limit", filter.limit);
  f.finish();
  return filter;
}

AuditQuery audit_query_from_json(const Json& j, TenantId tenant) {
  Fields f(j, "query");
  AuditQuery q;
  q.tenant = tenant;
  q.actor = f.opt_string("actor");
  q.target = f.opt_string("target");
  q.action = f.opt_string("action");
  if (const Json* outcome = f.get("outcome")) {
    q.outcome = library_enum<AuditOutcome>(*outcome, f.at("outcome"), kAuditOutcomes,
                                           audit_outcome_name);
  }
  q.from = f.opt_instant("from");
  q.to = f.opt_instant("to");
  q.after_seq = f.opt_int64("after_seq").value_or(0);
  q.limit = f.integer_or("limit", q.limit);
  f.finish();
  return q;
}

std::vector<AuditHead> audit_heads_from_json(const Json& j) {
  const std::string path = "heads";
  const Json& arr = as_array(j, path);
  std::vector<AuditHead> out;
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Fields f(arr[i], index(path, i));
    AuditHead h;
    h.tenant = TenantId{f.int64("tenant")};
    h.seq = f.int64("seq");
    h.hash = f.string("hash");
    f.finish();
    out.push_back(std::move(h));
  }
  return out;
}

void engine_options_from_json(const Json& j, EngineOptions& options) {
  Fields f(j, "options");
  options.read_only = f.boolean_or("read_only", options.read_only);
  options.read_only_reason = f.string_or("read_only_reason", options.read_only_reason);
  if (const Json* auth = f.get("auth")) auth_options_from_json(*auth, options.auth);
  f.finish();
}

Role role_from_text(const std::string& name, const std::string& path) {
  return library_enum<Role>(Json(name), path, static_cast<int>(Role::superadmin) + 1, role_name);
}

UserState user_state_from_text(const std::string& name, const std::string& path) {
  return library_enum<UserState>(Json(name), path, static_cast<int>(UserState::disabled) + 1,
                                 user_state_name);
}

NewUser new_user_from_json(const Json& j) {
  Fields f(j, "user");
  NewUser u;
  u.email = f.string("email");
  u.password = f.string("password");
  u.display_name = f.string_or("display_name", "");
  if (const Json* role = f.get("role")) u.role = role_from_text(as_string(*role, f.at("role")), f.at("role"));
  f.finish();
  return u;
}

LoginRequest login_request_from_json(const Json& j) {
  Fields f(j, "login");
  LoginRequest l;
  l.tenant = TenantId{f.int64("tenant")};
  l.email = f.string("email");
  l.password = f.string("password");
  l.mfa_code = f.string_or("mfa_code", "");
  l.source = f.string_or("source", "");
  f.finish();
  // Beyond these nothing can be right; refused as malformed before any work (the engine
  // would spend a hash on them to answer "invalid email or password").
  if (l.email.size() > 254) fail(f.at("email"), "longer than 254 bytes");
  if (l.password.size() > 1024) fail(f.at("password"), "longer than 1024 bytes");
  if (l.mfa_code.size() > 64) fail(f.at("mfa_code"), "longer than 64 bytes");
  if (l.source.size() > 100) fail(f.at("source"), "longer than 100 bytes");
  return l;
}

NewApiKey new_api_key_from_json(const Json& j) {
  Fields f(j, "key");
  NewApiKey k;
  k.name = f.string("name");
  const std::string path = f.at("scopes");
  const std::vector<std::string> names = f.strings("scopes");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto p = parse_permission(names[i]);
    if (!p) fail(index(path, i), "\"" + names[i] + "\" is not a permission (docs/auth.md lists them)");
    k.scopes |= static_cast<PermissionSet>(*p);
  }
  k.expires_in = f.opt_seconds("expires_in");
  f.finish();
  return k;
}

void auth_options_from_json(const Json& j, AuthOptions& o) {
  Fields f(j, "options.auth");
  auto u32 = [&](const char* key, std::uint32_t fallback) -> std::uint32_t {
    const std::int64_t v = f.opt_int64(key).value_or(fallback);
    if (v < 0 || v > 0xFFFFFFFFLL) fail(f.at(key), "out of range");
    return static_cast<std::uint32_t>(v);
  };
  o.argon2_memory_kib = u32("argon2_memory_kib", o.argon2_memory_kib);
  o.argon2_iterations = u32("argon2_iterations", o.argon2_iterations);
  o.argon2_parallelism = u32("argon2_parallelism", o.argon2_parallelism);
  o.lockout_threshold = f.integer_or("lockout_threshold", o.lockout_threshold);
  o.lockout_initial_wait = f.seconds_or("lockout_initial_wait", o.lockout_initial_wait);
  o.lockout_max_wait = f.seconds_or("lockout_max_wait", o.lockout_max_wait);
  o.failure_reset_after = f.seconds_or("failure_reset_after", o.failure_reset_after);
  o.max_failures_per_hour = f.integer_or("max_failures_per_hour", o.max_failures_per_hour);
  o.session_idle = f.seconds_or("session_idle", o.session_idle);
  o.session_absolute = f.seconds_or("session_absolute", o.session_absolute);
  o.admin_session_idle = f.seconds_or("admin_session_idle", o.admin_session_idle);
  o.admin_session_absolute = f.seconds_or("admin_session_absolute", o.admin_session_absolute);
  o.totp_issuer = f.string_or("totp_issuer", o.totp_issuer);
  o.totp_max_failures = f.integer_or("totp_max_failures", o.totp_max_failures);
  o.totp_lockout = f.seconds_or("totp_lockout", o.totp_lockout);
  o.encryption_key = f.string_or("encryption_key", o.encryption_key);
  o.encryption_key_id = f.string_or("encryption_key_id", o.encryption_key_id);
  if (const Json* previous = f.get("previous_encryption_keys")) {
    const std::string path = f.at("previous_encryption_keys");
    const Json& arr = as_array(*previous, path);
    o.previous_encryption_keys.clear();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Fields k(arr[i], index(path, i));
      std::string id = k.string("id");
      std::string key = k.string("key");
      k.finish();
      o.previous_encryption_keys.emplace_back(std::move(id), std::move(key));
    }
  }
  o.emergency_key_lifetime = f.seconds_or("emergency_key_lifetime", o.emergency_key_lifetime);
  f.finish();
}

HealthOptions health_options_from_json(const Json& j) {
  Fields f(j, "options");
  HealthOptions o;
  o.backup_max_age = f.seconds_or("backup_max_age", o.backup_max_age);
  if (f.get("heartbeats")) o.heartbeats = f.strings("heartbeats");
  o.heartbeat_max_age = f.seconds_or("heartbeat_max_age", o.heartbeat_max_age);
  o.min_free_disk_fraction = f.number_or("min_free_disk_fraction", o.min_free_disk_fraction);
  if (auto bytes = f.opt_int64("min_free_disk_bytes")) o.min_free_disk_bytes = *bytes;
  o.storage_slow_after = f.seconds_or("storage_slow_after", o.storage_slow_after);
  f.finish();
  return o;
}

BackupKind backup_kind_from_text(const std::string& name, const std::string& path) {
  return library_enum<BackupKind>(Json(name), path, kBackupKinds, backup_kind_name);
}

BackupOptions backup_options_from_json(const Json& j) {
  Fields f(j, "options");
  BackupOptions o;
  o.directory = f.string("directory");
  if (const Json* kind = f.get("kind")) {
    o.kind = library_enum<BackupKind>(*kind, f.at("kind"), kBackupKinds, backup_kind_name);
  }
  o.keep = f.integer_or("keep", o.keep);
  o.verify = f.boolean_or("verify", o.verify);
  f.finish();
  return o;
}

Json to_json(const Tenant& t) {
  return Object(5)
      .add("id", t.id)
      .add("name", t.name)
      .add("created_at", to_unix(t.created_at))
      .add("archived_at", optional_instant(t.archived_at))
      .add("version", t.version)
      .done();
}

Json to_json(const Policy& p) {
  return Object(8)
      .add("slot_step", p.slot_step.count())
      .add("min_notice", p.min_notice.count())
      .add("max_horizon", p.max_horizon.count())
      .add("buffer_before", p.buffer_before.count())
      .add("buffer_after", p.buffer_after.count())
      .add("min_duration", p.min_duration.count())
      .add("max_duration", p.max_duration.count())
      .add("daily_limit", p.daily_limit)
      .done();
}

Json to_json(const Resource& r) {
  return Object(11)
      .add("id", r.id)
      .add("tenant", r.tenant)
      .add("name", r.name)
      .add("zone", r.zone)
      .add("capacity", r.capacity)
      .add("policy", to_json(r.policy))
      .add("schedule", optional_id(r.schedule))
      .add("metadata", metadata_json(r.metadata_json))
      .add("created_at", to_unix(r.created_at))
      .add("archived_at", optional_instant(r.archived_at))
      .add("version", r.version)
      .done();
}

Json to_json(const Schedule& s) {
  Json weekly = Json::array();
  for (const WeeklyRule& w : s.weekly) {
    weekly.push_back(Object(2)
                         .add("day", kWeekdays.at(static_cast<std::size_t>(w.day)))
                         .add("intervals", intervals_json(w.intervals))
                         .done());
  }
  Json overrides = Json::array();
  for (const DateOverride& d : s.overrides) {
    overrides.push_back(Object(2)
                            .add("date", date_text(d.date))
                            .add("intervals", intervals_json(d.intervals))
                            .done());
  }
  Json holidays = Json::array();
  for (const HolidayRule& h : s.holidays) {
    holidays.push_back(Object(6)
                           .add("name", h.name)
                           .add("kind", kHolidayKinds.at(static_cast<std::size_t>(h.kind)))
                           .add("month", h.month)
                           .add("day_of_month", h.day_of_month)
                           .add("nth", h.nth)
                           .add("weekday", kWeekdays.at(static_cast<std::size_t>(h.weekday)))
                           .done());
  }
  return Object(8)
      .add("id", s.id)
      .add("tenant", s.tenant)
      .add("name", s.name)
      .add("weekly", std::move(weekly))
      .add("overrides", std::move(overrides))
      .add("holidays", std::move(holidays))
      .add("archived_at", optional_instant(s.archived_at))
      .add("version", s.version)
      .done();
}

Json to_json(const Pool& p) {
  return Object(6)
      .add("id", p.id)
      .add("tenant", p.tenant)
      .add("name", p.name)
      .add("members", p.members)
      .add("archived_at", optional_instant(p.archived_at))
      .add("version", p.version)
      .done();
}

Json to_json(const Slot& s) {
  return Object(3)
      .add("start", to_unix(s.start))
      .add("end", to_unix(s.end))
      .add("resources", s.resources)
      .done();
}

Json to_json(const Explanation& e) {
  Json findings = Json::array();
  for (const Explanation::Finding& f : e.findings) {
    findings.push_back(Object(3)
                           .add("resource", f.resource)
                           .add("reason", reason_name(f.reason))
                           .add("detail", f.detail)
                           .done());
  }
  return Object(3)
      .add("available", e.available)
      .add("findings", std::move(findings))
      .add("blocking_reservation_ids", e.blocking_reservation_ids)
      .done();
}

Json to_json(const Reservation& r) {
  Json allocations = Json::array();
  for (const Allocation& a : r.allocations) {
    allocations.push_back(Object(3)
                              .add("resource", a.resource)
                              .add("quantity", a.quantity)
                              .add("pool", optional_id(a.pool))
                              .done());
  }
  return Object(13)
      .add("id", r.id)
      .add("tenant", r.tenant)
      .add("status", status_name(r.status))
      .add("start", to_unix(r.start))
      .add("end", to_unix(r.end))
      .add("hold_expires_at", optional_instant(r.hold_expires_at))
      .add("allocations", std::move(allocations))
      .add("idempotency_key", r.idempotency_key)
      .add("customer", r.customer)
      .add("metadata", metadata_json(r.metadata_json))
      .add("created_at", to_unix(r.created_at))
      .add("updated_at", to_unix(r.updated_at))
      .add("version", r.version)
      .done();
}

Json to_json(const StorageInfo& info) {
  return Object(3)
      .add("dialect", info.dialect)
      .add("schema_version", info.schema_version)
      .add("location", info.location)
      .done();
}

Json to_json(const TableStats& t) {
  return Object(3).add("table", t.table).add("rows", t.rows).add("bytes", t.bytes).done();
}

Json to_json(const AuditRecord& r) {
  return Object(12)
      .add("tenant", r.tenant)
      .add("seq", r.seq)
      .add("at", to_unix(r.at))
      .add("actor", r.actor)
      .add("action", r.action)
      .add("target", r.target)
      .add("outcome", audit_outcome_name(r.outcome))
      .add("reason", r.reason)
      .add("source", r.source)
      .add("detail", metadata_json(r.detail_json))
      .add("prev_hash", r.prev_hash)
      .add("hash", r.hash)
      .done();
}

Json to_json(const AuditHead& h) {
  return Object(3).add("tenant", h.tenant).add("seq", h.seq).add("hash", h.hash).done();
}

Json to_json(const AuditVerification& v) {
  return Object(7)
      .add("ok", v.ok)
      .add("chains", v.chains)
      .add("records", v.records)
      .add("heads", to_json(v.heads))
      .add("broken_tenant", v.broken_tenant)
      .add("broken_seq", v.broken_seq)
      .add("problem", v.problem)
      .done();
}

// The manifest as the library writes it next to the backup (BackupManifest::to_json).
Json to_json(const User& u) {
  return Object(12)
      .add("id", u.id)
      .add("tenant", u.tenant)
      .add("email", u.email)
      .add("display_name", u.display_name)
      .add("role", role_name(u.role))
      .add("state", user_state_name(u.state))
      .add("mfa_enabled", u.mfa_enabled)
      .add("created_at", to_unix(u.created_at))
      .add("last_login_at", optional_instant(u.last_login_at))
      .add("failed_logins", u.failed_logins)
      .add("locked_until", optional_instant(u.locked_until))
      .add("version", u.version)
      .done();
}

Json to_json(const Session& s) {
  return Object(10)
      .add("id", s.id)
      .add("tenant", s.tenant)
      .add("user", s.user)
      .add("created_at", to_unix(s.created_at))
      .add("last_seen_at", to_unix(s.last_seen_at))
      .add("idle_expires_at", to_unix(s.idle_expires_at))
      .add("absolute_expires_at", to_unix(s.absolute_expires_at))
      .add("mfa_passed", s.mfa_passed)
      .add("mfa_pending", s.mfa_pending)
      .add("source", s.source)
      .done();
}

Json to_json(const SessionGrant& g) {
  return Object(3)
      .add("token", g.token)
      .add("session", to_json(g.session))
      .add("mfa_pending", g.session.mfa_pending)
      .done();
}

Json to_json(const ApiKey& k) {
  Json scopes = Json::array();
  for (const std::string& name : permission_names(k.scopes)) scopes.push_back(name);
  return Object(13)
      .add("id", k.id)
      .add("tenant", k.tenant)
      .add("created_by", k.created_by)
      .add("created_by_tenant", k.created_by_tenant)
      .add("parent", k.parent)
      .add("name", k.name)
      .add("scopes", std::move(scopes))
      .add("role", role_name(k.role))
      .add("created_at", to_unix(k.created_at))
      .add("expires_at", optional_instant(k.expires_at))
      .add("last_used_at", optional_instant(k.last_used_at))
      .add("revoked_at", optional_instant(k.revoked_at))
      .add("emergency", k.emergency)
      .done();
}

Json to_json(const CreatedApiKey& k) {
  Json j = to_json(k.info);
  j["key"] = k.key;
  return j;
}

Json to_json(const TotpEnrollment& e) {
  return Object(2).add("secret", e.secret_base32).add("provisioning_uri", e.provisioning_uri).done();
}

Json to_json(const MfaEnabled& m) {
  Json j = to_json(m.session);
  Json codes = Json::array();
  for (const std::string& c : m.recovery_codes) codes.push_back(c);
  j["recovery_codes"] = std::move(codes);
  return j;
}

Json to_json(const BackupManifest& m) { return Json::parse(m.to_json()); }

Json to_json(const BackupVerification& v) {
  return Object(7)
      .add("ok", v.ok)
      .add("integrity", v.integrity)
      .add("checksum_matches", v.checksum_matches)
      .add("counts_match", v.counts_match)
      .add("audit", to_json(v.audit))
      .add("heads_match", v.heads_match)
      .add("problems", v.problems)
      .done();
}

Json to_json(const BackupResult& r) {
  return Object(5)
      .add("path", r.path)
      .add("manifest_path", r.manifest_path)
      .add("manifest", to_json(r.manifest))
      .add("removed", r.removed)
      .add("verification", r.verification ? to_json(*r.verification) : Json(nullptr))
      .done();
}

}  // namespace boka::c_api
