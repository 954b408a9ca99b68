// JSON documents <-> boka's structs, driven by the field lists of fields.hpp: the one
// implementation of the documents of include/boka/boka.h, used by the C ABI and by the HTTP
// host (so its bodies are exactly those documents).
//
// Readers throw InputError (message "resource.policy.slot_step: expected an integer, got
// string") for a document that does not fit its schema; the C boundary turns it into
// BOKA_INVALID_ARGUMENT, the host into a 400. Throwing keeps the readers short; nothing
// escapes the shells. Checking values (ranges, zones, overlaps) is the engine's job, so every
// store and shell reports them the same way.
//
// Instants are RFC 3339 text: written in UTC ("2026-12-05T09:00:00Z"), read with any offset
// ("2026-12-05T10:00:00+01:00"); a time without an offset is refused, since it would be
// read in a zone the caller did not name. Durations are integer seconds.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "boka/boka.hpp"
#include "fields.hpp"
#include "shell_limits.hpp"

namespace boka::codec {

// ordered_json keeps fields in the order the field lists give them.
using Json = nlohmann::ordered_json;

// A document that does not fit its schema: invalid_argument, or (for a value the library
// reads with its own parser, an RRULE) the code that parser gave, such as not_supported.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what, Code code = Code::invalid_argument)
      : std::runtime_error(what), code_(code) {}
  Code code() const noexcept { return code_; }

 private:
  Code code_;
};

[[noreturn]] void fail(const std::string& path, const std::string& what);
// The same with the code of a refusal that is not invalid_argument.
[[noreturn]] void fail(Code code, const std::string& path, const std::string& what);

// Instants and durations within the shells' limits (shell_limits.hpp); outside them:
// InputError naming `path`.
Instant checked_instant(std::int64_t unix_seconds, const std::string& path);
Seconds checked_duration(std::int64_t seconds, const std::string& path);

// RFC 3339 with an offset ("2026-12-05T09:00:00Z", "...+01:00"), whole seconds (a fraction
// of zeros is accepted), years 0001..9999 in UTC. `path` names the field in errors.
Instant parse_time(std::string_view text, const std::string& path);
// "2026-12-05T09:00:00Z".
std::string format_utc(Instant t);
// "2026-12-05T10:00:00+01:00" in the IANA zone `zone`; nullopt for an unknown zone.
std::optional<std::string> format_local(Instant t, const std::string& zone);

// Whether a decoded document creates an object (server-assigned fields are ignored,
// omitted fields take their defaults) or replaces one (id, version and every replaceable
// field are required, so an omitted field never silently resets a value). Every other input
// reads as create.
enum class Mode { create, update };

// Limits on every JSON document a shell parses (C ABI parameters, HTTP bodies), checked in
// one linear pass before the document is built: a document past them is InputError
// ("body: too large: an object has more than 1000 fields").
inline constexpr std::size_t kMaxJsonDepth = 64;         // nested objects and arrays
inline constexpr std::size_t kMaxJsonObjectKeys = 1000;  // fields in one object
inline constexpr std::size_t kMaxJsonValues = 100000;    // values in one document

// Parses `text` (NUL-terminated); `what` names the parameter in messages ("spec_json").
Json parse(const char* text, const char* what);
// The same for text that is not NUL-terminated (an HTTP body).
Json parse_text(std::string_view text, const std::string& what);
// Compact text; invalid UTF-8 (only possible from data written through the C++ API) is
// replaced rather than failing the call.
std::string dump(const Json& j);

// ---- values --------------------------------------------------------------------------------

namespace detail {

template <typename T>
inline constexpr bool dependent_false = false;

std::string got(const Json& v);
std::int64_t as_int64(const Json& v, const std::string& path);
int as_int(const Json& v, const std::string& path);
std::string as_string(const Json& v, const std::string& path);
const Json& as_array(const Json& v, const std::string& path);
inline std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
LocalDate date_from_text(const std::string& s, const std::string& path);
std::string date_text(const LocalDate& d);
Json metadata_json(const std::string& text);
Json permissions_json(PermissionSet set);
PermissionSet permissions_from_json(const Json& v, const std::string& path);

template <typename E>
E enum_from_json(const Json& v, const std::string& path) {
  const std::string s = as_string(v, path);
  std::string all;
  for (int i = 0; i < EnumNames<E>::count; ++i) {
    const std::string name = EnumNames<E>::name(static_cast<E>(i));
    if (s == name) return static_cast<E>(i);
    all += (all.empty() ? "" : ", ") + name;
  }
  fail(path, "\"" + s + "\" is not one of " + all);
}

}  // namespace detail

template <typename T>
Json to_json(const T& value);
template <typename T>
void read_into(const Json& j, const std::string& path, Mode mode, T& out);

// One value of a document, by its C++ type.
template <typename T>
Json value_to_json(const T& v) {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    return Json(v);
  } else if constexpr (std::is_same_v<T, Instant>) {
    return Json(format_utc(v));
  } else if constexpr (std::is_same_v<T, Seconds>) {
    return Json(static_cast<std::int64_t>(v.count()));
  } else if constexpr (std::is_same_v<T, LocalDate>) {
    return Json(date_text(v));
  } else if constexpr (std::is_same_v<T, LocalTime>) {
    auto text = format_local(v.at, *v.zone);
    return text ? Json(std::move(*text)) : Json(nullptr);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return Json(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return Json(v);
  } else if constexpr (is_id_or_int64<T>) {
    return Json(id_value(v));
  } else if constexpr (std::is_integral_v<T>) {
    return Json(static_cast<std::int64_t>(v));
  } else if constexpr (DocumentEnum<T>) {
    return Json(EnumNames<T>::name(v));
  } else if constexpr (is_optional<T>::value) {
    return v ? value_to_json(*v) : Json(nullptr);
  } else if constexpr (is_vector<T>::value) {
    Json out = Json::array();
    out.get_ref<Json::array_t&>().reserve(v.size());
    for (const auto& item : v) out.push_back(value_to_json(item));
    return out;
  } else if constexpr (is_json_text<T>::value) {
    if constexpr (json_text_is_optional<T>) {
      return *v.text ? metadata_json(**v.text) : Json(nullptr);
    } else {
      return metadata_json(*v.text);
    }
  } else if constexpr (is_permissions<T>::value) {
    return permissions_json(*v.set);
  } else if constexpr (is_rrule_text<T>::value) {
    if constexpr (rrule_is_optional<T>) {
      return *v.rule ? Json(format_rrule(**v.rule)) : Json(nullptr);
    } else {
      return Json(format_rrule(*v.rule));
    }
  } else if constexpr (is_key_pairs<T>::value) {
    Json out = Json::array();
    for (const auto& [id, secret] : *v.pairs) out.push_back(Json{{"id", id}, {"key", secret}});
    return out;
  } else if constexpr (std::is_same_v<T, Principal>) {
    return Json(nullptr);  // native only: never written to a document
  } else if constexpr (Described<T>) {
    return to_json(v);
  } else {
    static_assert(dependent_false<T>, "no JSON form for this type");
  }
}

template <typename T>
void value_from_json(const Json& j, const std::string& path, T& out) {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) fail(path, "expected true or false, " + got(j));
    out = j.get<bool>();
  } else if constexpr (std::is_same_v<T, Instant>) {
    if (!j.is_string()) {
      fail(path,
           "expected an RFC 3339 time with an offset such as 2026-12-05T09:00:00Z, " + got(j));
    }
    out = parse_time(j.get_ref<const std::string&>(), path);
  } else if constexpr (std::is_same_v<T, Seconds>) {
    out = checked_duration(as_int64(j, path), path);
  } else if constexpr (std::is_same_v<T, LocalDate>) {
    out = date_from_text(as_string(j, path), path);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = as_string(j, path);
  } else if constexpr (std::is_same_v<T, double>) {
    if (!j.is_number()) fail(path, "expected a number, " + got(j));
    out = j.get<double>();
  } else if constexpr (is_id_or_int64<T>) {
    out = make_id<T>(as_int64(j, path));
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    const std::int64_t x = as_int64(j, path);
    if (x < 0 || x > 0xFFFFFFFFLL) fail(path, "out of range");
    out = static_cast<std::uint32_t>(x);
  } else if constexpr (std::is_same_v<T, int>) {
    out = as_int(j, path);
  } else if constexpr (DocumentEnum<T>) {
    out = enum_from_json<T>(j, path);
  } else if constexpr (is_optional<T>::value) {
    if (j.is_null()) {
      out.reset();
    } else {
      typename T::value_type inner{};
      value_from_json(j, path, inner);
      out = std::move(inner);
    }
  } else if constexpr (is_vector<T>::value) {
    const Json& arr = as_array(j, path);
    out.clear();
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      typename T::value_type item{};
      value_from_json(arr[i], index(path, i), item);
      out.push_back(std::move(item));
    }
  } else if constexpr (is_json_text<T>::value) {
    if constexpr (json_text_is_optional<T>) {
      if (j.is_null()) {
        out.text->reset();
        return;
      }
    }
    if (!j.is_object()) fail(path, "expected an object, " + got(j));
    *out.text = j.dump();
  } else if constexpr (is_permissions<T>::value) {
    *out.set = permissions_from_json(j, path);
  } else if constexpr (is_rrule_text<T>::value) {
    if constexpr (rrule_is_optional<T>) {
      if (j.is_null()) {
        out.rule->reset();
        return;
      }
    }
    Result<RecurrenceRule> rule = parse_rrule(as_string(j, path));
    if (!rule.ok()) fail(rule.status().code(), path, rule.status().message());
    *out.rule = std::move(rule).value();
  } else if constexpr (is_key_pairs<T>::value) {
    const Json& arr = as_array(j, path);
    out.pairs->clear();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string at = index(path, i);
      if (!arr[i].is_object()) fail(at, "expected an object, " + got(arr[i]));
      for (auto it = arr[i].begin(); it != arr[i].end(); ++it) {
        if (it.key() != "id" && it.key() != "key") fail(at + "." + it.key(), "unknown field");
      }
      if (!arr[i].contains("id")) fail(at + ".id", "is required");
      if (!arr[i].contains("key")) fail(at + ".key", "is required");
      out.pairs->emplace_back(as_string(arr[i]["id"], at + ".id"),
                              as_string(arr[i]["key"], at + ".key"));
    }
  } else if constexpr (std::is_same_v<T, Principal> || std::is_same_v<T, LocalTime>) {
    // Output only: never reached, the reader skips output fields.
  } else if constexpr (Described<T>) {
    read_into(j, path, Mode::create, out);
  } else {
    static_assert(dependent_false<T>, "no JSON form for this type");
  }
}

namespace detail {

class Writer {
 public:
  Json::object_t fields;

  template <typename M>
  void operator()(const char* name, const M& member, const Spec& spec) {
    if (spec.only == Only::native) return;
    fields.emplace_back(name, value_to_json(member));
  }
  template <typename M>
  void computed(const char* name, const M& value, const Spec& spec) {
    (*this)(name, value, spec);
  }
  template <typename S>
  void flatten(const S& inner) {
    Describe<S>::fields(*this, inner);
  }
};

// The fields of one JSON object, by the field list: typed reads that name the field in
// errors, and a final check that the document holds no field the list does not know (a
// typo is an error, not a silently ignored option).
class Reader {
 public:
  Reader(const Json& j, std::string path, Mode mode) : j_(j), path_(std::move(path)), mode_(mode) {
    if (!j_.is_object()) fail(path_.empty() ? "request" : path_, "expected an object, " + got(j_));
  }

  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  template <typename M>
  void operator()(const char* name, M&& member, const Spec& spec) {
    if (spec.only == Only::native) return;
    known_.insert(name);
    const In how = mode_ == Mode::update ? spec.update : spec.create;
    if (how == In::output) return;
    auto it = j_.find(name);
    if (it == j_.end()) {
      if (how == In::required) fail(at(name), "is required");
      return;
    }
    using T = std::remove_cvref_t<M>;
    if (it->is_null() && !is_optional<T>::value) {
      if (how == In::required) fail(at(name), "is required, got null");
      return;
    }
    value_from_json(*it, at(name), member);
  }
  template <typename M>
  void computed(const char* name, M&&, const Spec&) {
    known_.insert(name);  // derived: accepted and ignored
  }
  template <typename S>
  void flatten(S& inner) {
    Describe<S>::fields(*this, inner);
  }

  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!known_.count(it.key())) fail(at(it.key()), "unknown field");
    }
  }

 private:
  const Json& j_;
  std::string path_;
  Mode mode_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace detail

// A described struct as its document.
template <typename T>
Json to_json(const T& value) {
  if constexpr (is_vector<T>::value) {
    return value_to_json(value);
  } else {
    detail::Writer w;
    w.fields.reserve(16);
    Describe<T>::fields(w, value);
    Json j(Json::value_t::object);
    j.get_ref<Json::object_t&>() = std::move(w.fields);
    return j;
  }
}

// ---- writing text directly ----------------------------------------------------------------
// The same documents as dump(to_json(x)), byte for byte, appended to a string without
// building a Json tree first: the event payload of every change and every HTTP answer is
// written this way (building the tree cost more than the rest of a booking on the memory
// store; docs/architecture.md, "Writing documents"). Types that are rare on hot paths
// (doubles, non-empty metadata, permissions, rules, key pairs) go through the tree.

namespace detail {
// `s` as a quoted JSON string, escaped as dump() escapes it; invalid UTF-8 is replaced as
// dump() replaces it.
void append_json_string(std::string& out, std::string_view s);
// "2026-12-05T09:00:00Z".
void append_utc(std::string& out, Instant t);
void append_int(std::string& out, std::int64_t v);
// format_local's text, appended to `out` (unquoted); false, and nothing appended, for an
// empty or unknown zone.
bool append_local(std::string& out, Instant t, const std::string& zone);
}  // namespace detail

template <typename T>
void append_json_text(std::string& out, const T& value);

template <typename T>
void append_value_text(std::string& out, const T& v) {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, Instant>) {
    out += '"';
    append_utc(out, v);
    out += '"';
  } else if constexpr (std::is_same_v<T, Seconds>) {
    append_int(out, static_cast<std::int64_t>(v.count()));
  } else if constexpr (std::is_same_v<T, std::string>) {
    append_json_string(out, v);
  } else if constexpr (is_id_or_int64<T>) {
    append_int(out, id_value(v));
  } else if constexpr (std::is_integral_v<T>) {
    append_int(out, static_cast<std::int64_t>(v));
  } else if constexpr (DocumentEnum<T>) {
    append_json_string(out, EnumNames<T>::name(v));
  } else if constexpr (is_optional<T>::value) {
    if (v) {
      append_value_text(out, *v);
    } else {
      out += "null";
    }
  } else if constexpr (is_vector<T>::value) {
    out += '[';
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += ',';
      first = false;
      append_value_text(out, item);
    }
    out += ']';
  } else if constexpr (is_json_text<T>::value && !json_text_is_optional<T>) {
    if (*v.text == "{}") {
      out += "{}";
    } else {
      out += dump(value_to_json(v));
    }
  } else if constexpr (std::is_same_v<T, LocalTime>) {
    out += '"';
    if (append_local(out, v.at, *v.zone)) {
      out += '"';  // digits, '-', ':', 'T', 'Z', '+': nothing to escape
    } else {
      out.back() = 'n';
      out += "ull";
    }
  } else if constexpr (std::is_same_v<T, Principal>) {
    out += "null";
  } else if constexpr (Described<T>) {
    append_json_text(out, v);
  } else {
    out += dump(value_to_json(v));
  }
}

namespace detail {

class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}
  template <typename M>
  void operator()(const char* name, const M& member, const Spec& spec) {
    if (spec.only == Only::native) return;
    out_ += first_ ? "{\"" : ",\"";
    first_ = false;
    out_ += name;  // field names are identifiers: nothing to escape
    out_ += "\":";
    append_value_text(out_, member);
  }
  template <typename M>
  void computed(const char* name, const M& value, const Spec& spec) {
    (*this)(name, value, spec);
  }
  template <typename S>
  void flatten(const S& inner) {
    Describe<S>::fields(*this, inner);
  }
  void finish() { out_ += first_ ? "{}" : "}"; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace detail

// A described struct (or a vector of them) as compact document text, appended to `out`.
template <typename T>
void append_json_text(std::string& out, const T& value) {
  if constexpr (is_vector<T>::value) {
    append_value_text(out, value);
  } else {
    detail::TextWriter w(out);
    Describe<T>::fields(w, value);
    w.finish();
  }
}

// dump(to_json(value)), without the tree.
template <typename T>
std::string to_json_text(const T& value) {
  std::string out;
  out.reserve(512);
  append_json_text(out, value);
  return out;
}

// Reads a document into `out`, whose fields keep their values where the document may omit
// them; `path` names the document in messages ("resource").
template <typename T>
void read_into(const Json& j, const std::string& path, Mode mode, T& out) {
  detail::Reader r(j, path, mode);
  Describe<T>::fields(r, out);
  r.finish();
}

template <typename T>
T from_json(const Json& j, const std::string& path, Mode mode = Mode::create) {
  T out{};
  read_into(j, path, mode, out);
  return out;
}

// ---- the documents of boka.h, by name ----------------------------------------------------

Tenant tenant_from_json(const Json& j, Mode mode);
Resource resource_from_json(const Json& j, Mode mode);
Schedule schedule_from_json(const Json& j, Mode mode);
Pool pool_from_json(const Json& j, Mode mode);
AvailabilityQuery query_from_json(const Json& j);
ReserveRequest reserve_request_from_json(const Json& j);
ReservationFilter filter_from_json(const Json& j);
ExplainRequest explain_request_from_json(const Json& j);

// Recurring series: a request to book or check, the fields a reschedule sets, and a scope by
// name ("this_and_following"; `path` names the parameter in messages).
SeriesRequest series_request_from_json(const Json& j);
SeriesReschedule series_reschedule_from_json(const Json& j);
SeriesScope series_scope_from_text(const std::string& name, const std::string& path);

// The waitlist: a request to join, and which entries to list.
WaitlistRequest waitlist_request_from_json(const Json& j);
WaitlistFilter waitlist_filter_from_json(const Json& j);

// Services and customers (create, or with Mode::update a whole stored object), which
// customers to list, a tenant's rules, a reservation's edit and the guards of a change.
Service service_from_json(const Json& j, Mode mode);
Customer customer_from_json(const Json& j, Mode mode);
CustomerFilter customer_filter_from_json(const Json& j);
EventQuery event_query_from_json(const Json& j);
TenantRules tenant_rules_from_json(const Json& j);
ReservationUpdate reservation_update_from_json(const Json& j);
ChangeGuard change_guard_from_json(const Json& j);

// Audit trail: a query of one tenant's chain, and chain heads (an array of AuditHead).
AuditQuery audit_query_from_json(const Json& j, TenantId tenant);
std::vector<AuditHead> audit_heads_from_json(const Json& j);

// Operations: the options of Engine::open, health and backup (every field optional but a
// backup's directory; omitted fields keep the C++ defaults).
void engine_options_from_json(const Json& j, EngineOptions& options);
HealthOptions health_options_from_json(const Json& j);
BackupOptions backup_options_from_json(const Json& j);
// A backup kind by name ("daily"); `path` names the parameter in messages.
BackupKind backup_kind_from_text(const std::string& name, const std::string& path);

// Authentication. Keys and passwords are never echoed in messages.
NewUser new_user_from_json(const Json& j);
LoginRequest login_request_from_json(const Json& j);
NewApiKey new_api_key_from_json(const Json& j);
Role role_from_text(const std::string& name, const std::string& path);
UserState user_state_from_text(const std::string& name, const std::string& path);
void auth_options_from_json(const Json& j, AuthOptions& options);

}  // namespace boka::codec
