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

// What the conversions call in the pure-Python half of the package and the standard
// library. Allocated once and never freed: these references must outlive every static
// destructor that could run after the interpreter has shut down.
struct Classes {
  py::object enum_base;
  py::object from_status, invalid_argument_error;
  py::object json_dumps, json_loads;
};
const Classes* classes = nullptr;

const Classes& cls() { return *classes; }

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

std::string repr_of(py::handle value) { return py::repr(value).cast<std::string>(); }

[[noreturn]] void raise_type(const std::string& name, const char* expected, py::handle got) {
  throw py::type_error(name + ": expected " + expected + ", got " + type_name(got));
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

py::tuple str_tuple(const std::vector<std::string>& items) {
  py::tuple out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = from_string(items[i]);
  return out;
}

template <typename IdType>
py::tuple id_tuple(const std::vector<IdType>& ids) {
  py::tuple out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) out[i] = py::int_(ids[i].value());
  return out;
}
}  // namespace

void init_conversions() {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
  auto* c = new Classes();
  c->enum_base = py::module_::import("enum").attr("Enum");
  py::module_ errors = py::module_::import("boka._errors");
  c->from_status = errors.attr("_from_status");
  c->invalid_argument_error = errors.attr("InvalidArgumentError");
  py::module_ json = py::module_::import("json");
  c->json_dumps = json.attr("dumps");
  c->json_loads = json.attr("loads");
  classes = c;
}

void raise_status(const Status& status) {
  py::object blocking = py::tuple();
  py::object next = py::none();
  py::object occurrences = py::tuple();
  py::object rule = py::str("");
  py::object deadline = py::none();
  if (const ConflictInfo* conflict = status.conflict()) {
    blocking = id_tuple(conflict->blocking_reservation_ids);
    if (conflict->next_free_start) next = from_instant(*conflict->next_free_start);
    occurrences = value_to_python(conflict->occurrences);  // boka.RefusedOccurrence, ...
    rule = from_string(conflict->rule);
    if (conflict->deadline) deadline = from_instant(*conflict->deadline);
  }
  py::object error =
      cls().from_status(static_cast<int>(status.code()), from_string(status.message()), blocking,
                        next, occurrences, rule, deadline);
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
// By the codec's field lists too (fields_python.hpp): each reads the dataclass of its name,
// checks its type, and names the field at fault ("resource.policy.slot_step: ...").

namespace {

template <typename T>
T read_value(py::handle value, const std::string& name) {
  T out{};
  value_from_python(value, name, out);
  return out;
}

// A stored object sent back to be replaced: its id and version are read too.
template <typename T>
T read_stored(py::handle value, const std::string& name) {
  T out{};
  struct_from_python(value, name, out, Mode::update);
  return out;
}

}  // namespace

Policy to_policy(py::handle value, const std::string& name) {
  return value.is_none() ? Policy{} : read_value<Policy>(value, name);
}

std::vector<AllocationRequest> to_requests(py::handle value, const std::string& name) {
  return read_value<std::vector<AllocationRequest>>(value, name);
}

std::vector<WeeklyRule> to_weekly(py::handle value, const std::string& name) {
  return read_value<std::vector<WeeklyRule>>(value, name);
}

std::vector<DateOverride> to_overrides(py::handle value, const std::string& name) {
  return read_value<std::vector<DateOverride>>(value, name);
}

std::vector<HolidayRule> to_holidays(py::handle value, const std::string& name) {
  return read_value<std::vector<HolidayRule>>(value, name);
}

std::vector<ResourceId> to_resource_ids(py::handle value, const std::string& name) {
  return read_value<std::vector<ResourceId>>(value, name);
}

std::vector<ReservationStatus> to_statuses(py::handle value, const std::string& name) {
  return read_value<std::vector<ReservationStatus>>(value, name);
}

Tenant to_tenant(py::handle value, const std::string& name) {
  return read_stored<Tenant>(value, name);
}

Resource to_resource(py::handle value, const std::string& name) {
  return read_stored<Resource>(value, name);
}

Schedule to_schedule(py::handle value, const std::string& name) {
  return read_stored<Schedule>(value, name);
}

Pool to_pool(py::handle value, const std::string& name) { return read_stored<Pool>(value, name); }

AuditOutcome to_audit_outcome(py::handle value, const std::string& name) {
  return read_value<AuditOutcome>(value, name);
}

BackupKind to_backup_kind(py::handle value, const std::string& name) {
  return read_value<BackupKind>(value, name);
}

std::vector<AuditHead> to_audit_heads(py::handle value, const std::string& name) {
  return read_value<std::vector<AuditHead>>(value, name);
}

HealthOptions to_health_options(py::handle value, const std::string& name) {
  return value.is_none() ? HealthOptions{} : read_value<HealthOptions>(value, name);
}

// ---- structs out -------------------------------------------------------------------------
// By keyword, from the codec's field lists (fields_python.hpp).

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

py::object to_python(const HealthReport& r) { return struct_to_python(r); }

py::object to_python(const TableStats& t) { return struct_to_python(t); }

py::object to_python(const BackupManifest& m) { return struct_to_python(m); }

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

Weekday weekday_from_python(py::handle value, const std::string& name) {
  return to_weekday(value, name);
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

RecurrenceRule rrule_from_python(py::handle value, const std::string& name) {
  Result<RecurrenceRule> rule = parse_rrule(to_string(value, name));
  if (!rule.ok()) raise_status(Status(rule.status().code(), name + ": " + rule.status().message()));
  return std::move(rule).value();
}

}  // namespace fields_detail

}  // namespace boka::python
