// Python <-> C++ for every struct of the codec's field lists (src/codec/fields.hpp): a
// struct becomes the dataclass of boka._types with the same name, built by keyword from its
// field list, and a dataclass is read back attribute by attribute. A field added to a list
// appears in Python as it does in JSON; a field is bound by name, never by position.
//
// Needs the GIL, like everything in convert.hpp.
#pragma once

#include <datetime.h>

#include <cctype>
#include <string>
#include <type_traits>

#include "convert.hpp"
#include "fields.hpp"

namespace boka::python {

namespace fields_detail {

using codec::is_json_text;
using codec::is_key_pairs;
using codec::is_optional;
using codec::is_permissions;
using codec::is_rrule_text;
using codec::is_vector;
template <typename T>
inline constexpr bool dependent_false = false;

// A class of boka._types by name, looked up once. Never freed: see Classes in convert.cpp.
py::handle types_class(const char* name);
// The member of a boka._types enum for a library name ("no_show" -> NO_SHOW).
py::object enum_member(const char* type, const char* name);
py::object python_date(const LocalDate& d);
py::object permission_names_tuple(PermissionSet set);
PermissionSet permissions_from_python(py::handle value, const std::string& name);
LocalDate date_from_python(py::handle value, const std::string& name);
// A boka.Weekday or a number 0..6 (Sunday is 0).
Weekday weekday_from_python(py::handle value, const std::string& name);
// The value of an enum member or the text itself, checked against the library's names.
std::string enum_text_of(py::handle value, const std::string& name);
// An RRULE text read by parse_rrule; its error is raised with its code, the name first.
RecurrenceRule rrule_from_python(py::handle value, const std::string& name);

}  // namespace fields_detail

template <typename T>
py::object struct_to_python(const T& value);
// Which fields a reader takes: those a create accepts, or (Mode::update) those a stored
// object's replacement carries, its id and version included.
enum class Mode { create, update };

template <typename T>
void struct_from_python(py::handle value, const std::string& name, T& out,
                        Mode mode = Mode::create);

template <typename T>
py::object value_to_python(const T& v) {
  using namespace fields_detail;
  if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(v);
  } else if constexpr (std::is_same_v<T, Instant>) {
    return from_instant(v);
  } else if constexpr (std::is_same_v<T, Seconds>) {
    return from_seconds(v);
  } else if constexpr (std::is_same_v<T, LocalDate>) {
    return python_date(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return from_string(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return py::float_(v);
  } else if constexpr (codec::is_id_or_int64<T>) {
    return py::int_(codec::id_value(v));
  } else if constexpr (std::is_integral_v<T>) {
    return py::int_(static_cast<std::int64_t>(v));
  } else if constexpr (codec::DocumentEnum<T>) {
    return enum_member(codec::EnumNames<T>::type, codec::EnumNames<T>::name(v));
  } else if constexpr (is_optional<T>::value) {
    return v ? value_to_python(*v) : py::object(py::none());
  } else if constexpr (is_vector<T>::value) {
    py::tuple out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = value_to_python(v[i]);
    return out;
  } else if constexpr (is_json_text<T>::value) {
    if constexpr (codec::json_text_is_optional<T>) {
      return *v.text ? from_metadata_json(**v.text) : py::object(py::none());
    } else {
      return from_metadata_json(*v.text);
    }
  } else if constexpr (is_permissions<T>::value) {
    return permission_names_tuple(*v.set);
  } else if constexpr (is_rrule_text<T>::value) {
    if constexpr (codec::rrule_is_optional<T>) {
      return *v.rule ? py::object(from_string(format_rrule(**v.rule))) : py::object(py::none());
    } else {
      return from_string(format_rrule(*v.rule));
    }
  } else if constexpr (is_key_pairs<T>::value) {
    py::tuple out(v.pairs->size());
    for (std::size_t i = 0; i < v.pairs->size(); ++i) {
      out[i] = py::make_tuple(from_string((*v.pairs)[i].first), from_string((*v.pairs)[i].second));
    }
    return out;
  } else if constexpr (std::is_same_v<T, Principal>) {
    return py::cast(v);
  } else if constexpr (std::is_same_v<T, codec::LocalTime>) {
    return py::none();  // JSON only: never reaches Python (the dataclasses derive it)
  } else if constexpr (codec::Described<T>) {
    return struct_to_python(v);
  } else {
    static_assert(dependent_false<T>, "no Python form for this type");
  }
}

template <typename T>
void value_from_python(py::handle h, const std::string& name, T& out) {
  using namespace fields_detail;
  if constexpr (std::is_same_v<T, bool>) {
    if (!PyBool_Check(h.ptr()))
      throw py::type_error(name + ": expected a bool, got " + Py_TYPE(h.ptr())->tp_name);
    out = h.ptr() == Py_True;
  } else if constexpr (std::is_same_v<T, Instant>) {
    out = to_instant(h, name);
  } else if constexpr (std::is_same_v<T, Seconds>) {
    out = to_seconds(h, name);
  } else if constexpr (std::is_same_v<T, LocalDate>) {
    out = date_from_python(h, name);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = to_string(h, name);
  } else if constexpr (std::is_same_v<T, double>) {
    out = to_double(h, name);
  } else if constexpr (codec::is_id_or_int64<T>) {
    out = codec::make_id<T>(to_int64(h, name));
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    const std::int64_t x = to_int64(h, name);
    if (x < 0 || x > 0xFFFFFFFFLL)
      raise_invalid(name + ": " + std::to_string(x) + " is out of range");
    out = static_cast<std::uint32_t>(x);
  } else if constexpr (std::is_same_v<T, int>) {
    out = to_int(h, name);
  } else if constexpr (std::is_same_v<T, Weekday>) {
    out = weekday_from_python(h, name);  // boka.Weekday is an IntEnum: a number, not a name
  } else if constexpr (codec::DocumentEnum<T>) {
    const std::string text = enum_text_of(h, name);
    std::string all;
    for (int i = 0; i < codec::EnumNames<T>::count; ++i) {
      const std::string candidate = codec::EnumNames<T>::name(static_cast<T>(i));
      if (text == candidate) {
        out = static_cast<T>(i);
        return;
      }
      all += (all.empty() ? "" : ", ") + candidate;
    }
    raise_invalid(name + ": \"" + text + "\" is not one of " + all);
  } else if constexpr (is_optional<T>::value) {
    if (h.is_none()) {
      out.reset();
    } else {
      typename T::value_type inner{};
      value_from_python(h, name, inner);
      out = std::move(inner);
    }
  } else if constexpr (is_vector<T>::value) {
    if (PyUnicode_Check(h.ptr()) || !py::isinstance<py::iterable>(h)) {
      throw py::type_error(name + ": expected a sequence, got " + Py_TYPE(h.ptr())->tp_name);
    }
    out.clear();
    std::size_t i = 0;
    for (py::handle item : h) {
      typename T::value_type v{};
      value_from_python(item, name + "[" + std::to_string(i++) + "]", v);
      out.push_back(std::move(v));
    }
  } else if constexpr (is_json_text<T>::value) {
    if constexpr (codec::json_text_is_optional<T>) {
      if (h.is_none()) {
        out.text->reset();
        return;
      }
    }
    *out.text = to_metadata_json(h, name);
  } else if constexpr (is_permissions<T>::value) {
    *out.set = permissions_from_python(h, name);
  } else if constexpr (is_rrule_text<T>::value) {
    if constexpr (codec::rrule_is_optional<T>) {
      if (h.is_none()) {
        out.rule->reset();
        return;
      }
    }
    *out.rule = rrule_from_python(h, name);
  } else if constexpr (is_key_pairs<T>::value) {
    out.pairs->clear();
    std::size_t i = 0;
    for (py::handle item : h) {
      const std::string at = name + "[" + std::to_string(i++) + "]";
      py::tuple pair = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
      if (pair.size() != 2) raise_invalid(at + ": expected (id, key)");
      out.pairs->emplace_back(to_string(pair[0], at + "[0]"), to_string(pair[1], at + "[1]"));
    }
  } else if constexpr (std::is_same_v<T, Principal> || std::is_same_v<T, codec::LocalTime>) {
    // Output only: never read.
  } else if constexpr (codec::Described<T>) {
    struct_from_python(h, name, out);
  } else {
    static_assert(dependent_false<T>, "no Python form for this type");
  }
}

namespace fields_detail {

class Writer {
 public:
  py::dict kwargs;
  template <typename M>
  void operator()(const char* name, const M& member, const codec::Spec& spec) {
    if (spec.only == codec::Only::json) return;
    kwargs[name] = value_to_python(member);
  }
  template <typename M>
  void computed(const char* name, const M& value, const codec::Spec& spec) {
    (*this)(name, value, spec);
  }
  template <typename S>
  void flatten(const S& inner) {
    codec::Describe<S>::fields(*this, inner);
  }
};

class Reader {
 public:
  Reader(py::handle obj, std::string path, Mode mode)
      : obj_(obj), path_(std::move(path)), mode_(mode) {}
  template <typename M>
  void operator()(const char* name, M&& member, const codec::Spec& spec) {
    const codec::In in = mode_ == Mode::update ? spec.update : spec.create;
    if (spec.only != codec::Only::none || in == codec::In::output) return;
    value_from_python(obj_.attr(name), path_.empty() ? name : path_ + "." + name, member);
  }
  template <typename M>
  void computed(const char*, M&&, const codec::Spec&) {}
  template <typename S>
  void flatten(S& inner) {
    codec::Describe<S>::fields(*this, inner);
  }

 private:
  py::handle obj_;
  std::string path_;
  Mode mode_;
};

}  // namespace fields_detail

// The dataclass boka._types.<name> of `value`, by keyword.
template <typename T>
py::object struct_to_python(const T& value) {
  fields_detail::Writer w;
  codec::Describe<T>::fields(w, value);
  return fields_detail::types_class(codec::Describe<T>::name)(**w.kwargs);
}

// Reads an instance of the dataclass boka._types.<name> (its input fields) into `out`.
template <typename T>
void struct_from_python(py::handle value, const std::string& name, T& out, Mode mode) {
  py::handle type = fields_detail::types_class(codec::Describe<T>::name);
  const int is = PyObject_IsInstance(value.ptr(), type.ptr());
  if (is < 0) throw py::error_already_set();
  if (is == 0) {
    throw py::type_error(name + ": expected boka." + codec::Describe<T>::name + ", got " +
                         Py_TYPE(value.ptr())->tp_name);
  }
  fields_detail::Reader r(value, name, mode);
  codec::Describe<T>::fields(r, out);
}

}  // namespace boka::python
