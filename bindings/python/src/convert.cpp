#include "convert.hpp"

#include <datetime.h>

#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <optional>

#include "fields_python.hpp"
#include "shell_limits.hpp"

// CPython's datetime C API is a set of macros with C-style casts inside.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace boka::python {
namespace {

constexpr std::int64_t kDay = 86400;

// The classes of the pure-Python half of the package, and its enum members by C++ value.
// Allocated once and never freed: these references must outlive every static destructor
// that could run after the interpreter has shut down.
struct Classes {
  py::object tenant, policy, resource, local_interval, weekly_rule, date_override, holiday_rule,
      schedule, pool, allocation_request, slot, finding, explanation, allocation, reservation,
      storage_info;
  py::object audit_record, audit_head, audit_verification, health_options, health_check,
      health_report, table_stats, backup_manifest, backup_verification, backup_result;
  std::array<py::object, 7> weekday;
  std::array<py::object, 5> audit_outcome;
  std::array<py::object, 3> health_status;
  std::array<py::object, 4> backup_kind;
  std::array<py::object, 3> holiday_kind;
  std::array<py::object, 8> reason;
  std::array<py::object, 6> status;
  py::object enum_base;
  py::object from_status, invalid_argument_error;
  py::object json_dumps, json_loads;
  py::object default_policy;
};
const Classes* classes = nullptr;

const Classes& cls() { return *classes; }

constexpr std::array<const char*, 3> kHolidayKinds = {"fixed_date", "nth_weekday", "last_weekday"};

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

std::string repr_of(py::handle value) { return py::repr(value).cast<std::string>(); }

[[noreturn]] void raise_type(const std::string& name, const char* expected, py::handle got) {
  throw py::type_error(name + ": expected " + expected + ", got " + type_name(got));
}

void require_instance(py::handle value, const py::object& type, const char* type_label,
                      const std::string& name) {
  const int is = PyObject_IsInstance(value.ptr(), type.ptr());
  if (is < 0) throw py::error_already_set();
  if (is == 0) raise_type(name, type_label, value);
}

// Elements of a sequence argument (any iterable but a string, which is almost always a
// mistake here), with their names for messages ("weekly[2]").
template <typename Fn>
void for_each_item(py::handle value, const std::string& name, Fn&& fn) {
  if (PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr()) ||
      !py::isinstance<py::iterable>(value)) {
    raise_type(name, "a sequence", value);
  }
  std::size_t i = 0;
  for (py::handle item : value) {
    fn(item, name + "[" + std::to_string(i) + "]");
    ++i;
  }
}

std::int64_t days_from_civil(int y, int m, int d) {
  using namespace std::chrono;
  return sys_days(year(y) / month(static_cast<unsigned>(m)) / day(static_cast<unsigned>(d)))
      .time_since_epoch()
      .count();
}

Instant checked_instant(std::int64_t unix_seconds, const std::string& name, py::handle value) {
  if (unix_seconds < shell::kMinInstant || unix_seconds > shell::kMaxInstant) {
    raise_invalid(name + ": " + repr_of(value) + " lies outside the years 0001..9999 in UTC");
  }
  return from_unix(unix_seconds);
}

// Seconds of a timedelta that must be whole seconds.
std::int64_t delta_seconds(py::handle delta, const std::string& name, const char* what) {
  if (PyDateTime_DELTA_GET_MICROSECONDS(delta.ptr()) != 0) {
    raise_invalid(name + ": boka counts whole seconds, got " + what + " " + repr_of(delta));
  }
  return static_cast<std::int64_t>(PyDateTime_DELTA_GET_DAYS(delta.ptr())) * kDay +
         PyDateTime_DELTA_GET_SECONDS(delta.ptr());
}

Weekday to_weekday(py::handle value, const std::string& name) {
  const std::int64_t day = to_int64(value, name);
  if (day < 0 || day > 6)
    raise_invalid(name + ": weekday must be 0..6 (boka.Weekday), got " + std::to_string(day));
  return static_cast<Weekday>(day);
}

// The value of an enum member, or the value itself (so "fixed_date" works as well as
// boka.HolidayKind.FIXED_DATE).
std::string enum_text(py::handle value, const std::string& name) {
  const int is_enum = PyObject_IsInstance(value.ptr(), cls().enum_base.ptr());
  if (is_enum < 0) throw py::error_already_set();
  return to_string(
      is_enum ? py::object(value.attr("value")) : py::reinterpret_borrow<py::object>(value), name);
}

// An enum of the library by member or name, as the library spells it (`name_of`), for the
// values 0..count-1.
template <typename E, typename NameOf>
E library_enum(py::handle value, const std::string& name, int count, NameOf name_of) {
  const std::string text = enum_text(value, name);
  std::string all;
  for (int i = 0; i < count; ++i) {
    const std::string candidate = name_of(static_cast<E>(i));
    if (text == candidate) return static_cast<E>(i);
    all += (all.empty() ? "" : ", ") + candidate;
  }
  raise_invalid(name + ": \"" + text + "\" is not one of " + all);
}

py::tuple str_tuple(const std::vector<std::string>& items) {
  py::tuple out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = from_string(items[i]);
  return out;
}

template <typename T>
py::tuple object_tuple(const std::vector<T>& items) {
  py::tuple out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = to_python(items[i]);
  return out;
}

py::object optional_int(const std::optional<std::int64_t>& v) {
  return v ? py::object(py::int_(*v)) : py::object(py::none());
}

std::vector<LocalInterval> to_intervals(py::handle value, const std::string& name) {
  std::vector<LocalInterval> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().local_interval, "boka.LocalInterval", item_name);
    out.push_back({to_int(item.attr("start_minute"), item_name + ".start_minute"),
                   to_int(item.attr("end_minute"), item_name + ".end_minute")});
  });
  return out;
}

template <typename IdType>
py::tuple id_tuple(const std::vector<IdType>& ids) {
  py::tuple out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) out[i] = py::int_(ids[i].value());
  return out;
}

py::tuple intervals_tuple(const std::vector<LocalInterval>& intervals) {
  py::tuple out(intervals.size());
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    out[i] = cls().local_interval(intervals[i].start_minute, intervals[i].end_minute);
  }
  return out;
}

py::object optional_id(const std::optional<std::int64_t>& id) {
  return id ? py::object(py::int_(*id)) : py::object(py::none());
}

// A dataclass of boka._types whose fields must be exactly `fields`, in this order: results
// are built with positional arguments (pybind11's keyword calls cost twice as much), so
// the order is checked once here instead of trusted.
py::object dataclass(const py::module_& types, const char* name,
                     std::initializer_list<const char*> fields) {
  py::object type = types.attr(name);
  std::string expected, actual;
  for (const char* f : fields) expected += std::string(expected.empty() ? "" : ", ") + f;
  for (py::handle f : py::module_::import("dataclasses").attr("fields")(type)) {
    actual += (actual.empty() ? "" : ", ") + f.attr("name").cast<std::string>();
  }
  if (actual != expected) {
    throw py::import_error("boka._types." + std::string(name) + " has the fields (" + actual +
                           "), boka._native expects (" + expected + ")");
  }
  return type;
}

}  // namespace

void init_conversions() {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
  auto* c = new Classes();
  py::module_ types = py::module_::import("boka._types");
  c->tenant = types.attr("Tenant");
  c->policy = types.attr("Policy");
  c->resource = types.attr("Resource");
  c->local_interval = types.attr("LocalInterval");
  c->weekly_rule = types.attr("WeeklyRule");
  c->date_override = types.attr("DateOverride");
  c->holiday_rule = types.attr("HolidayRule");
  c->schedule = types.attr("Schedule");
  c->pool = types.attr("Pool");
  c->allocation_request = types.attr("AllocationRequest");
  c->slot = types.attr("Slot");
  c->finding = types.attr("Finding");
  c->explanation = types.attr("Explanation");
  c->allocation = types.attr("Allocation");
  c->reservation = types.attr("Reservation");
  c->storage_info = types.attr("StorageInfo");
  c->audit_record = types.attr("AuditRecord");
  c->audit_head = types.attr("AuditHead");
  c->audit_verification = types.attr("AuditVerification");
  c->health_options = types.attr("HealthOptions");
  c->health_check = dataclass(types, "HealthCheck", {"name", "status", "detail"});
  c->health_report = dataclass(
      types, "HealthReport",
      {"status", "checked_at", "dialect", "location", "schema_version", "expected_schema_version",
       "storage_reachable", "storage_latency_seconds", "read_only", "read_only_reason",
       "disk_free_bytes", "disk_total_bytes", "last_backup_at", "heartbeats", "checks"});
  c->table_stats = types.attr("TableStats");
  c->backup_manifest =
      dataclass(types, "BackupManifest",
                {"format", "file", "kind", "created_at", "source", "schema_version", "sha256",
                 "size_bytes", "tables", "audit_heads", "boka_version"});
  c->backup_verification = types.attr("BackupVerification");
  c->backup_result = types.attr("BackupResult");
  for (std::size_t i = 0; i < c->audit_outcome.size(); ++i) {
    c->audit_outcome[i] =
        types.attr("AuditOutcome")(audit_outcome_name(static_cast<AuditOutcome>(i)));
  }
  for (std::size_t i = 0; i < c->health_status.size(); ++i) {
    c->health_status[i] =
        types.attr("HealthStatus")(health_status_name(static_cast<HealthStatus>(i)));
  }
  for (std::size_t i = 0; i < c->backup_kind.size(); ++i) {
    c->backup_kind[i] = types.attr("BackupKind")(backup_kind_name(static_cast<BackupKind>(i)));
  }
  for (std::size_t i = 0; i < c->weekday.size(); ++i) c->weekday[i] = types.attr("Weekday")(i);
  for (std::size_t i = 0; i < c->holiday_kind.size(); ++i) {
    c->holiday_kind[i] = types.attr("HolidayKind")(kHolidayKinds[i]);
  }
  for (std::size_t i = 0; i < c->reason.size(); ++i) {
    c->reason[i] = types.attr("Reason")(reason_name(static_cast<Explanation::Reason>(i)));
  }
  for (std::size_t i = 0; i < c->status.size(); ++i) {
    c->status[i] = types.attr("ReservationStatus")(status_name(static_cast<ReservationStatus>(i)));
  }
  c->enum_base = py::module_::import("enum").attr("Enum");
  py::module_ errors = py::module_::import("boka._errors");
  c->from_status = errors.attr("_from_status");
  c->invalid_argument_error = errors.attr("InvalidArgumentError");
  py::module_ json = py::module_::import("json");
  c->json_dumps = json.attr("dumps");
  c->json_loads = json.attr("loads");
  c->default_policy = c->policy();
  classes = c;
}

void raise_status(const Status& status) {
  py::object blocking = py::tuple();
  py::object next = py::none();
  if (const ConflictInfo* conflict = status.conflict()) {
    blocking = id_tuple(conflict->blocking_reservation_ids);
    if (conflict->next_free_start) next = from_instant(*conflict->next_free_start);
  }
  py::object error = cls().from_status(static_cast<int>(status.code()),
                                       from_string(status.message()), blocking, next);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

void raise_invalid(const std::string& message) {
  PyErr_SetObject(cls().invalid_argument_error.ptr(), from_string(message).ptr());
  throw py::error_already_set();
}

// ---- scalars ---------------------------------------------------------------------------

Instant to_instant(py::handle value, const std::string& name) {
  PyObject* v = value.ptr();
  if (!PyDateTime_Check(v)) raise_type(name, "a timezone-aware datetime.datetime", value);
  PyObject* tz = PyDateTime_DATE_GET_TZINFO(v);
  std::int64_t offset = 0;
  if (tz == Py_None) {
    raise_invalid(name + ": " + repr_of(value) +
                  " is naive; boka needs a timezone-aware datetime (for example "
                  "tzinfo=datetime.timezone.utc or a zoneinfo.ZoneInfo)");
  }
  if (tz != PyDateTime_TimeZone_UTC) {
    py::object utcoffset = value.attr("utcoffset")();
    if (utcoffset.is_none()) {
      raise_invalid(name + ": " + repr_of(value) +
                    " is naive (its tzinfo gives no UTC offset); boka needs a timezone-aware "
                    "datetime");
    }
    offset = delta_seconds(utcoffset, name, "a UTC offset of");
  }
  if (PyDateTime_DATE_GET_MICROSECOND(v) != 0) {
    raise_invalid(name + ": boka instants are whole seconds, got " + repr_of(value) +
                  " (use .replace(microsecond=0))");
  }
  const std::int64_t local =
      days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v)) *
          kDay +
      PyDateTime_DATE_GET_HOUR(v) * 3600 + PyDateTime_DATE_GET_MINUTE(v) * 60 +
      PyDateTime_DATE_GET_SECOND(v);
  return checked_instant(local - offset, name, value);
}

std::optional<Instant> to_optional_instant(py::handle value, const std::string& name) {
  if (value.is_none()) return std::nullopt;
  return to_instant(value, name);
}

Seconds to_seconds(py::handle value, const std::string& name) {
  if (!PyDelta_Check(value.ptr())) raise_type(name, "a datetime.timedelta", value);
  const std::int64_t s = delta_seconds(value, name, "");
  if (s < -shell::kMaxDuration || s > shell::kMaxDuration) {
    raise_invalid(name + ": " + repr_of(value) + " is longer than 10000 years");
  }
  return Seconds(s);
}

std::optional<Seconds> to_optional_seconds(py::handle value, const std::string& name) {
  if (value.is_none()) return std::nullopt;
  return to_seconds(value, name);
}

py::object from_instant(Instant t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<Seconds> time(t - day);
  PyObject* dt = PyDateTimeAPI->DateTime_FromDateAndTime(
      static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
      static_cast<int>(static_cast<unsigned>(ymd.day())), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()), 0,
      PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
  if (dt == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(dt);
}

py::object from_optional_instant(const std::optional<Instant>& t) {
  return t ? from_instant(*t) : py::object(py::none());
}

py::object from_seconds(Seconds s) {
  const std::int64_t n = s.count();
  PyObject* delta = PyDelta_FromDSU(static_cast<int>(n / kDay), static_cast<int>(n % kDay), 0);
  if (delta == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(delta);
}

std::int64_t to_int64(py::handle value, const std::string& name) {
  if (PyBool_Check(value.ptr()) || !PyIndex_Check(value.ptr())) raise_type(name, "an int", value);
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long long n = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0) raise_invalid(name + ": " + repr_of(value) + " is out of range");
  if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
  return n;
}

int to_int(py::handle value, const std::string& name) {
  const std::int64_t n = to_int64(value, name);
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    raise_invalid(name + ": " + std::to_string(n) + " is out of range");
  }
  return static_cast<int>(n);
}

double to_double(py::handle value, const std::string& name) {
  if (PyBool_Check(value.ptr()) || !(PyFloat_Check(value.ptr()) || PyLong_Check(value.ptr()))) {
    raise_type(name, "a float", value);
  }
  const double d = PyFloat_AsDouble(value.ptr());
  if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
  return d;
}

std::optional<std::string> to_optional_string(py::handle value, const std::string& name) {
  if (value.is_none()) return std::nullopt;
  return to_string(value, name);
}

std::string to_string(py::handle value, const std::string& name) {
  if (!PyUnicode_Check(value.ptr())) raise_type(name, "a str", value);
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return std::string(data, static_cast<std::size_t>(size));
}

py::str from_string(const std::string& s) {
  PyObject* text = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (text == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(text);
}

std::string to_metadata_json(py::handle value, const std::string& name) {
  if (value.is_none()) return "{}";
  if (!PyDict_Check(value.ptr())) raise_type(name, "a dict", value);
  return cls().json_dumps(value, py::arg("ensure_ascii") = false).cast<std::string>();
}

py::object from_metadata_json(const std::string& text) {
  if (text == "{}") return py::dict();  // the common case, without json.loads
  return cls().json_loads(from_string(text));
}

// ---- structs in --------------------------------------------------------------------------

Policy to_policy(py::handle value, const std::string& name) {
  Policy p;
  if (value.is_none()) return p;
  require_instance(value, cls().policy, "boka.Policy", name);
  p.slot_step = to_seconds(value.attr("slot_step"), name + ".slot_step");
  p.min_notice = to_seconds(value.attr("min_notice"), name + ".min_notice");
  p.max_horizon = to_seconds(value.attr("max_horizon"), name + ".max_horizon");
  p.buffer_before = to_seconds(value.attr("buffer_before"), name + ".buffer_before");
  p.buffer_after = to_seconds(value.attr("buffer_after"), name + ".buffer_after");
  p.min_duration = to_seconds(value.attr("min_duration"), name + ".min_duration");
  p.max_duration = to_seconds(value.attr("max_duration"), name + ".max_duration");
  p.daily_limit = to_int(value.attr("daily_limit"), name + ".daily_limit");
  return p;
}

std::vector<AllocationRequest> to_requests(py::handle value, const std::string& name) {
  std::vector<AllocationRequest> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().allocation_request, "boka.AllocationRequest", item_name);
    AllocationRequest a;
    py::object resource = item.attr("resource");
    py::object pool = item.attr("pool");
    if (!resource.is_none()) a.resource = ResourceId{to_int64(resource, item_name + ".resource")};
    if (!pool.is_none()) a.pool = PoolId{to_int64(pool, item_name + ".pool")};
    a.quantity = to_int(item.attr("quantity"), item_name + ".quantity");
    out.push_back(a);
  });
  return out;
}

std::vector<WeeklyRule> to_weekly(py::handle value, const std::string& name) {
  std::vector<WeeklyRule> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().weekly_rule, "boka.WeeklyRule", item_name);
    out.push_back({to_weekday(item.attr("day"), item_name + ".day"),
                   to_intervals(item.attr("intervals"), item_name + ".intervals")});
  });
  return out;
}

std::vector<DateOverride> to_overrides(py::handle value, const std::string& name) {
  std::vector<DateOverride> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().date_override, "boka.DateOverride", item_name);
    py::object d = item.attr("date");
    // A datetime is also a date; taking its date silently would drop a time and a zone.
    if (!PyDate_Check(d.ptr()) || PyDateTime_Check(d.ptr())) {
      raise_type(item_name + ".date", "a datetime.date", d);
    }
    DateOverride o;
    o.date = {PyDateTime_GET_YEAR(d.ptr()), PyDateTime_GET_MONTH(d.ptr()),
              PyDateTime_GET_DAY(d.ptr())};
    o.intervals = to_intervals(item.attr("intervals"), item_name + ".intervals");
    out.push_back(std::move(o));
  });
  return out;
}

std::vector<HolidayRule> to_holidays(py::handle value, const std::string& name) {
  std::vector<HolidayRule> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().holiday_rule, "boka.HolidayRule", item_name);
    HolidayRule h;
    h.name = to_string(item.attr("name"), item_name + ".name");
    const std::string kind = enum_text(item.attr("kind"), item_name + ".kind");
    std::size_t k = 0;
    while (k < kHolidayKinds.size() && kind != kHolidayKinds[k]) ++k;
    if (k == kHolidayKinds.size()) {
      raise_invalid(item_name + ".kind: \"" + kind +
                    "\" is not one of fixed_date, nth_weekday, last_weekday");
    }
    h.kind = static_cast<HolidayRule::Kind>(k);
    h.month = to_int(item.attr("month"), item_name + ".month");
    h.day_of_month = to_int(item.attr("day_of_month"), item_name + ".day_of_month");
    h.nth = to_int(item.attr("nth"), item_name + ".nth");
    h.weekday = to_weekday(item.attr("weekday"), item_name + ".weekday");
    out.push_back(std::move(h));
  });
  return out;
}

std::vector<ResourceId> to_resource_ids(py::handle value, const std::string& name) {
  std::vector<ResourceId> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    out.push_back(ResourceId{to_int64(item, item_name)});
  });
  return out;
}

std::vector<ReservationStatus> to_statuses(py::handle value, const std::string& name) {
  std::vector<ReservationStatus> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    const std::string text = enum_text(item, item_name);
    auto status = parse_status(text);
    if (!status) {
      raise_invalid(item_name + ": \"" + text +
                    "\" is not a reservation status (held, "
                    "confirmed, cancelled, expired, completed, no_show)");
    }
    out.push_back(*status);
  });
  return out;
}

Tenant to_tenant(py::handle value, const std::string& name) {
  require_instance(value, cls().tenant, "boka.Tenant", name);
  Tenant t;
  t.id = TenantId{to_int64(value.attr("id"), name + ".id")};
  t.name = to_string(value.attr("name"), name + ".name");
  t.version = to_int64(value.attr("version"), name + ".version");
  return t;
}

Resource to_resource(py::handle value, const std::string& name) {
  require_instance(value, cls().resource, "boka.Resource", name);
  Resource r;
  r.id = ResourceId{to_int64(value.attr("id"), name + ".id")};
  r.name = to_string(value.attr("name"), name + ".name");
  r.zone = to_string(value.attr("zone"), name + ".zone");
  r.capacity = to_int(value.attr("capacity"), name + ".capacity");
  r.policy = to_policy(value.attr("policy"), name + ".policy");
  py::object schedule = value.attr("schedule");
  if (!schedule.is_none()) r.schedule = ScheduleId{to_int64(schedule, name + ".schedule")};
  r.metadata_json = to_metadata_json(value.attr("metadata"), name + ".metadata");
  r.version = to_int64(value.attr("version"), name + ".version");
  return r;
}

Schedule to_schedule(py::handle value, const std::string& name) {
  require_instance(value, cls().schedule, "boka.Schedule", name);
  Schedule s;
  s.id = ScheduleId{to_int64(value.attr("id"), name + ".id")};
  s.name = to_string(value.attr("name"), name + ".name");
  s.weekly = to_weekly(value.attr("weekly"), name + ".weekly");
  s.overrides = to_overrides(value.attr("overrides"), name + ".overrides");
  s.holidays = to_holidays(value.attr("holidays"), name + ".holidays");
  s.version = to_int64(value.attr("version"), name + ".version");
  return s;
}

Pool to_pool(py::handle value, const std::string& name) {
  require_instance(value, cls().pool, "boka.Pool", name);
  Pool p;
  p.id = PoolId{to_int64(value.attr("id"), name + ".id")};
  p.name = to_string(value.attr("name"), name + ".name");
  p.members = to_resource_ids(value.attr("members"), name + ".members");
  p.version = to_int64(value.attr("version"), name + ".version");
  return p;
}

AuditOutcome to_audit_outcome(py::handle value, const std::string& name) {
  return library_enum<AuditOutcome>(value, name, static_cast<int>(cls().audit_outcome.size()),
                                    audit_outcome_name);
}

BackupKind to_backup_kind(py::handle value, const std::string& name) {
  return library_enum<BackupKind>(value, name, static_cast<int>(cls().backup_kind.size()),
                                  backup_kind_name);
}

std::vector<AuditHead> to_audit_heads(py::handle value, const std::string& name) {
  std::vector<AuditHead> out;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    require_instance(item, cls().audit_head, "boka.AuditHead", item_name);
    AuditHead h;
    h.tenant = TenantId{to_int64(item.attr("tenant"), item_name + ".tenant")};
    h.seq = to_int64(item.attr("seq"), item_name + ".seq");
    h.hash = to_string(item.attr("hash"), item_name + ".hash");
    out.push_back(std::move(h));
  });
  return out;
}

HealthOptions to_health_options(py::handle value, const std::string& name) {
  HealthOptions o;
  if (value.is_none()) return o;
  require_instance(value, cls().health_options, "boka.HealthOptions", name);
  o.backup_max_age = to_seconds(value.attr("backup_max_age"), name + ".backup_max_age");
  o.heartbeats.clear();
  for_each_item(value.attr("heartbeats"), name + ".heartbeats",
                [&](py::handle item, const std::string& item_name) {
                  o.heartbeats.push_back(to_string(item, item_name));
                });
  o.heartbeat_max_age = to_seconds(value.attr("heartbeat_max_age"), name + ".heartbeat_max_age");
  o.min_free_disk_fraction =
      to_double(value.attr("min_free_disk_fraction"), name + ".min_free_disk_fraction");
  o.min_free_disk_bytes =
      to_int64(value.attr("min_free_disk_bytes"), name + ".min_free_disk_bytes");
  o.storage_slow_after = to_seconds(value.attr("storage_slow_after"), name + ".storage_slow_after");
  return o;
}

// ---- structs out -------------------------------------------------------------------------
// By keyword, from the codec's field lists (fields_python.hpp); the health report and the
// backup manifest, which are the library's own documents, positionally in the field order
// init_conversions checked.

py::object to_python(const Tenant& t) { return struct_to_python(t); }

py::object to_python(const Policy& p) { return struct_to_python(p); }

py::object to_python(const Resource& r) { return struct_to_python(r); }

py::object to_python(const Schedule& s) { return struct_to_python(s); }

py::object to_python(const Pool& p) { return struct_to_python(p); }

py::object to_python(const Slot& s) { return struct_to_python(s); }

py::object to_python(const Explanation& e) { return struct_to_python(e); }

py::object to_python(const Reservation& r) { return struct_to_python(r); }

py::object to_python(const StorageInfo& info) { return struct_to_python(info); }

py::object to_python(const std::string& s) { return from_string(s); }

py::object to_python(const AuditRecord& r) { return struct_to_python(r); }

py::object to_python(const AuditHead& h) { return struct_to_python(h); }

py::object to_python(const AuditVerification& v) { return struct_to_python(v); }

py::object to_python(const HealthReport& r) {
  py::tuple heartbeats(r.heartbeats.size());
  for (std::size_t i = 0; i < r.heartbeats.size(); ++i) {
    heartbeats[i] = py::make_tuple(from_string(r.heartbeats[i].first),
                                   from_optional_instant(r.heartbeats[i].second));
  }
  py::tuple checks(r.checks.size());
  for (std::size_t i = 0; i < r.checks.size(); ++i) {
    const HealthCheck& c = r.checks[i];
    checks[i] = cls().health_check(from_string(c.name),
                                   cls().health_status.at(static_cast<std::size_t>(c.status)),
                                   from_string(c.detail));
  }
  return cls().health_report(
      cls().health_status.at(static_cast<std::size_t>(r.status)), from_instant(r.checked_at),
      from_string(r.dialect), from_string(r.location), r.schema_version, r.expected_schema_version,
      r.storage_reachable, r.storage_latency_seconds, r.read_only, from_string(r.read_only_reason),
      optional_int(r.disk_free_bytes), optional_int(r.disk_total_bytes),
      from_optional_instant(r.last_backup_at), heartbeats, checks);
}

py::object to_python(const TableStats& t) { return struct_to_python(t); }

py::object to_python(const BackupManifest& m) {
  return cls().backup_manifest(from_string(m.format), from_string(m.file),
                               cls().backup_kind.at(static_cast<std::size_t>(m.kind)),
                               from_instant(m.created_at), from_string(m.source), m.schema_version,
                               from_string(m.sha256), m.size_bytes, object_tuple(m.tables),
                               object_tuple(m.audit_heads), from_string(m.boka_version));
}

py::object to_python(const BackupVerification& v) { return struct_to_python(v); }

py::object to_python(const BackupResult& r) { return struct_to_python(r); }

namespace fields_detail {

py::handle types_class(const char* name) {
  // Leaked on purpose, like Classes: interpreter shutdown must not run their destructors.
  static auto* found = new std::map<std::string, py::object>();
  auto it = found->find(name);
  if (it == found->end()) {
    it = found->emplace(name, py::module_::import("boka._types").attr(name)).first;
  }
  return it->second;
}

py::object enum_member(const char* type, const char* name) {
  std::string upper(name);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return types_class(type).attr(upper.c_str());
}

py::object python_date(const LocalDate& d) {
  PyObject* date = PyDate_FromDate(d.year, d.month, d.day);
  if (date == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(date);
}

py::object permission_names_tuple(PermissionSet set) { return str_tuple(permission_names(set)); }

PermissionSet permissions_from_python(py::handle value, const std::string& name) {
  PermissionSet set = 0;
  for_each_item(value, name, [&](py::handle item, const std::string& item_name) {
    const std::string text = enum_text(item, item_name);
    const auto p = parse_permission(text);
    if (!p)
      raise_invalid(item_name + ": \"" + text + "\" is not a permission (docs/auth.md lists them)");
    set |= static_cast<PermissionSet>(*p);
  });
  return set;
}

LocalDate date_from_python(py::handle value, const std::string& name) {
  if (!PyDate_Check(value.ptr()) || PyDateTime_Check(value.ptr()))
    raise_type(name, "a datetime.date", value);
  return LocalDate{PyDateTime_GET_YEAR(value.ptr()), PyDateTime_GET_MONTH(value.ptr()),
                   PyDateTime_GET_DAY(value.ptr())};
}

std::string enum_text_of(py::handle value, const std::string& name) {
  return enum_text(value, name);
}

}  // namespace fields_detail

}  // namespace boka::python
