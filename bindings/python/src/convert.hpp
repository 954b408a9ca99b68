// Python <-> C++ conversions of the boka._native module: aware datetimes <-> Instant,
// timedelta <-> Seconds, the dataclasses of boka._types <-> boka's structs, and the one
// translator from a Status to an exception of boka._errors.
//
// Every function here needs the GIL. Conversions check types and name the offending
// parameter: a wrong type is TypeError, a wrong value (a naive datetime, a fraction of a
// second) is boka.InvalidArgumentError, which is also a ValueError.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "boka/boka.hpp"

// Ids cross into Python as ints and back: TenantId, ResourceId, ... are ints in Python.
namespace pybind11::detail {
template <typename Tag>
struct type_caster<boka::Id<Tag>> {
  PYBIND11_TYPE_CASTER(boka::Id<Tag>, const_name("int"));
  bool load(handle source, bool convert) {
    make_caster<std::int64_t> number;
    if (!number.load(source, convert)) return false;
    value = boka::Id<Tag>{cast_op<std::int64_t>(number)};
    return true;
  }
  static handle cast(boka::Id<Tag> id, return_value_policy, handle) {
    return PyLong_FromLongLong(id.value());
  }
};
}  // namespace pybind11::detail

namespace boka::python {

namespace py = pybind11;

// Looks up the classes of boka._types and boka._errors; called once at import.
void init_conversions();

// Raises the boka exception for a non-ok status (with ConflictInfo for ConflictError).
[[noreturn]] void raise_status(const Status& status);
// Raises boka.InvalidArgumentError.
[[noreturn]] void raise_invalid(const std::string& message);

template <typename T>
T unwrap(Result<T>&& result) {
  if (!result.ok()) raise_status(result.status());
  return std::move(result).value();
}
inline void unwrap(Status&& status) {
  if (!status.ok()) raise_status(status);
}

// Scalars. `name` is the parameter or field, as the user wrote it ("start", "policy.slot_step").
Instant to_instant(py::handle value, const std::string& name);
std::optional<Instant> to_optional_instant(py::handle value, const std::string& name);
Seconds to_seconds(py::handle value, const std::string& name);
std::optional<Seconds> to_optional_seconds(py::handle value, const std::string& name);
py::object from_instant(Instant t);
py::object from_optional_instant(const std::optional<Instant>& t);
py::object from_seconds(Seconds s);
std::int64_t to_int64(py::handle value, const std::string& name);
int to_int(py::handle value, const std::string& name);
double to_double(py::handle value, const std::string& name);  // an int or a float
std::string to_string(py::handle value, const std::string& name);
std::optional<std::string> to_optional_string(py::handle value, const std::string& name);
py::str from_string(const std::string& s);  // invalid UTF-8 is replaced, never raised
// A dict (None: {}) as JSON text, and back.
std::string to_metadata_json(py::handle value, const std::string& name);
py::object from_metadata_json(const std::string& text);

// Structs. Inputs accept the dataclass (or, for sequences, any iterable of them).
Policy to_policy(py::handle value, const std::string& name);
std::vector<AllocationRequest> to_requests(py::handle value, const std::string& name);
std::vector<WeeklyRule> to_weekly(py::handle value, const std::string& name);
std::vector<DateOverride> to_overrides(py::handle value, const std::string& name);
std::vector<HolidayRule> to_holidays(py::handle value, const std::string& name);
std::vector<ResourceId> to_resource_ids(py::handle value, const std::string& name);
std::vector<ReservationStatus> to_statuses(py::handle value, const std::string& name);
Tenant to_tenant(py::handle value, const std::string& name);
Resource to_resource(py::handle value, const std::string& name);
Schedule to_schedule(py::handle value, const std::string& name);
Pool to_pool(py::handle value, const std::string& name);
// Enums by member or by name ("daily", boka.BackupKind.DAILY).
AuditOutcome to_audit_outcome(py::handle value, const std::string& name);
BackupKind to_backup_kind(py::handle value, const std::string& name);
std::vector<AuditHead> to_audit_heads(py::handle value, const std::string& name);
HealthOptions to_health_options(py::handle value, const std::string& name);  // None: defaults

py::object to_python(const Tenant& t);
py::object to_python(const Policy& p);
py::object to_python(const Resource& r);
py::object to_python(const Schedule& s);
py::object to_python(const Pool& p);
py::object to_python(const Slot& s);
py::object to_python(const Explanation& e);
py::object to_python(const Reservation& r);
py::object to_python(const StorageInfo& info);
py::object to_python(const AuditRecord& r);
py::object to_python(const AuditHead& h);
py::object to_python(const AuditVerification& v);
py::object to_python(const HealthReport& r);
py::object to_python(const TableStats& t);
py::object to_python(const BackupManifest& m);
py::object to_python(const BackupVerification& v);
py::object to_python(const BackupResult& r);
py::object to_python(const std::string& s);  // a str (for lists of paths)

template <typename T>
py::list to_python(const std::vector<T>& items) {
  py::list out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = to_python(items[i]);
  return out;
}

}  // namespace boka::python
