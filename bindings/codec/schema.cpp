#include "schema.hpp"

#include <map>

namespace boka::codec {
namespace {

// The written form of an instant: UTC ("...Z") or, for local times, with an offset.
constexpr const char* kTimePattern =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$";

Json with_doc(Json schema, const char* doc) {
  if (doc != nullptr && *doc != '\0') schema["description"] = doc;
  return schema;
}

Json nullable(Json schema) {
  if (schema.contains("$ref"))
    return Json{{"anyOf", Json::array({schema, Json{{"type", "null"}}})}};
  schema["type"] = Json::array({schema["type"], "null"});
  return schema;
}

template <typename T>
struct is_opt : std::false_type {};
template <typename T>
struct is_opt<std::optional<T>> : std::true_type {};
template <typename T>
struct is_vec : std::false_type {};
template <typename T, typename A>
struct is_vec<std::vector<T, A>> : std::true_type {};

template <typename T>
Json value_schema(Form form);

template <typename T>
Json struct_ref(Form form) {
  // Nested documents are read in create rules whatever the outer mode.
  return schema_ref<T>(form == Form::output ? Form::output : Form::input);
}

template <typename T>
Json value_schema(Form form) {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    return Json{{"type", "boolean"}};
  } else if constexpr (std::is_same_v<T, Instant>) {
    return Json{{"type", "string"},
                {"format", "date-time"},
                {"pattern", kTimePattern},
                {"description", "RFC 3339; written in UTC, read with any offset"}};
  } else if constexpr (std::is_same_v<T, LocalTime>) {
    return Json{{"type", Json::array({"string", "null"})},
                {"format", "date-time"},
                {"pattern", kTimePattern}};
  } else if constexpr (std::is_same_v<T, Seconds>) {
    return Json{{"type", "integer"}, {"format", "int64"}, {"description", "seconds"}};
  } else if constexpr (std::is_same_v<T, LocalDate>) {
    return Json{{"type", "string"}, {"format", "date"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return Json{{"type", "string"}};
  } else if constexpr (std::is_same_v<T, double>) {
    return Json{{"type", "number"}};
  } else if constexpr (is_id_or_int64<T>) {
    return Json{{"type", "integer"}, {"format", "int64"}};
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    return Json{{"type", "integer"}, {"minimum", 0}, {"maximum", 4294967295LL}};
  } else if constexpr (std::is_integral_v<T>) {
    return Json{{"type", "integer"}, {"format", "int32"}};
  } else if constexpr (DocumentEnum<T>) {
    Json names = Json::array();
    for (int i = 0; i < EnumNames<T>::count; ++i)
      names.push_back(EnumNames<T>::name(static_cast<T>(i)));
    return Json{{"type", "string"}, {"enum", names}};
  } else if constexpr (is_opt<T>::value) {
    return nullable(value_schema<typename T::value_type>(form));
  } else if constexpr (is_vec<T>::value) {
    return Json{{"type", "array"}, {"items", value_schema<typename T::value_type>(form)}};
  } else if constexpr (is_json_text<T>::value) {
    if constexpr (json_text_is_optional<T>) return nullable(Json{{"type", "object"}});
    return Json{{"type", "object"}};
  } else if constexpr (is_permissions<T>::value) {
    return Json{{"type", "array"},
                {"items", Json{{"type", "string"}}},
                {"description", "permission names (docs/auth.md)"}};
  } else if constexpr (is_rrule_text<T>::value) {
    Json text = Json{{"type", "string"},
                     {"maxLength", RecurrenceRule::kMaxTextBytes},
                     {"description", "an RRULE value (RFC 5545 subset, docs/recurrence.md)"}};
    if constexpr (rrule_is_optional<T>) return nullable(std::move(text));
    return text;
  } else if constexpr (is_key_pairs<T>::value) {
    return Json{{"type", "array"},
                {"items", Json{{"type", "object"},
                               {"required", Json::array({"id", "key"})},
                               {"additionalProperties", false},
                               {"properties", Json{{"id", Json{{"type", "string"}}},
                                                   {"key", Json{{"type", "string"}}}}}}}};
  } else if constexpr (Described<T>) {
    return struct_ref<T>(form);
  } else {
    return Json::object();
  }
}

class SchemaBuilder {
 public:
  explicit SchemaBuilder(Form form) : form_(form) {}

  Json properties = Json::object();
  Json required = Json::array();

  template <typename M>
  void operator()(const char* name, M&&, const Spec& spec) {
    add<std::remove_cvref_t<M>>(name, spec);
  }
  template <typename M>
  void computed(const char* name, M&&, const Spec& spec) {
    add<std::remove_cvref_t<M>>(name, spec);
  }
  template <typename S>
  void flatten(S& inner) {
    Describe<std::remove_const_t<S>>::fields(*this, inner);
  }

 private:
  template <typename T>
  void add(const char* name, const Spec& spec) {
    if (spec.only == Only::native) return;
    Json schema = with_doc(value_schema<T>(form_), spec.doc);
    if (form_ == Form::output) {
      required.push_back(name);
    } else {
      const In how = form_ == Form::update ? spec.update : spec.create;
      if (how == In::required) required.push_back(name);
      if (how == In::output) schema["readOnly"] = true;
    }
    properties[name] = std::move(schema);
  }
  Form form_;
};

struct FormFinder {
  detail::Forms forms;
  template <typename M>
  void operator()(const char*, M&&, const Spec& spec) {
    using T = std::remove_cvref_t<M>;
    if (spec.only == Only::native) return;
    if (spec.create != In::output || spec.update != In::output) forms.input = true;
    if (spec.create != spec.update) forms.update = true;
    nested<T>();
  }
  template <typename M>
  void computed(const char*, M&&, const Spec&) {}
  template <typename S>
  void flatten(S& inner) {
    Describe<std::remove_const_t<S>>::fields(*this, inner);
  }
  template <typename T>
  void nested() {
    if constexpr (is_opt<T>::value || is_vec<T>::value) {
      nested<typename T::value_type>();
    } else if constexpr (Described<T>) {
      T inner{};
      FormFinder f;
      Describe<T>::fields(f, inner);
      forms.input = forms.input || f.forms.input;
    }
  }
};

struct Registry {
  std::map<std::string, detail::Forms> forms;
  Json components = Json::object();
};

const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    for_each_document([&](auto tag) {
      using T = typename decltype(tag)::type;
      T value{};
      FormFinder f;
      Describe<T>::fields(f, value);
      reg.forms[Describe<T>::name] = f.forms;
    });
    return reg;
  }();
  return r;
}

template <typename T>
Json struct_schema(Form form) {
  T value{};
  SchemaBuilder b(form);
  Describe<T>::fields(b, value);
  Json s = Json::object();
  s["type"] = "object";
  s["description"] = Describe<T>::doc;
  s["properties"] = std::move(b.properties);
  if (!b.required.empty()) s["required"] = std::move(b.required);
  s["additionalProperties"] = false;
  return s;
}

}  // namespace

namespace detail {
Forms forms_of(const std::string& name) {
  const auto& forms = registry().forms;
  auto it = forms.find(name);
  return it == forms.end() ? Forms{} : it->second;
}
}  // namespace detail

std::string component_name(const std::string& base, Form form) {
  switch (form) {
    case Form::output: return base;
    case Form::input: return base + "Input";
    case Form::update: return base + "Update";
  }
  return base;
}

Json schema_components() {
  Json out = Json::object();
  for_each_document([&](auto tag) {
    using T = typename decltype(tag)::type;
    const std::string base = Describe<T>::name;
    const detail::Forms forms = detail::forms_of(base);
    out[base] = struct_schema<T>(Form::output);
    if (forms.input) out[component_name(base, Form::input)] = struct_schema<T>(Form::input);
    if (forms.update) out[component_name(base, Form::update)] = struct_schema<T>(Form::update);
  });
  return out;
}

}  // namespace boka::codec
