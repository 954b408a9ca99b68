// JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of the documents, from the field lists of
// fields.hpp, for the components of boka-server's OpenAPI document.
//
// Each described struct T gives up to three components:
//   Name        the document as the library writes it: every field present (null where
//               unset), no other field;
//   NameInput   as a reader takes it to create (or as any non-update input): the fields it
//               requires, the optional ones, and the output fields, accepted and ignored
//               (readOnly);
//   NameUpdate  as a reader takes it to replace a stored object, for the structs whose
//               update rules differ.
#pragma once

#include <string>

#include "json_codec.hpp"

namespace boka::codec {

enum class Form { output, input, update };

// Every component, by name.
Json schema_components();

// A reference to T's component in `form` ("#/components/schemas/ResourceInput"), falling
// back to the input form for an update of a struct whose rules do not differ.
std::string component_name(const std::string& base, Form form);

template <typename T>
Json schema_ref(Form form = Form::output);
template <typename T>
Json schema_array_ref(Form form = Form::output) {
  return Json{{"type", "array"}, {"items", schema_ref<T>(form)}};
}

namespace detail {
// Which forms T has: input if any field may be read, update if any field's rule differs
// between create and update (nested structs included).
struct Forms {
  bool input = false;
  bool update = false;
};
Forms forms_of(const std::string& name);
}  // namespace detail

template <typename T>
Json schema_ref(Form form) {
  const std::string base = Describe<T>::name;
  const detail::Forms forms = detail::forms_of(base);
  if (form == Form::update && !forms.update) form = Form::input;
  if (form == Form::input && !forms.input) form = Form::output;
  return Json{{"$ref", "#/components/schemas/" + component_name(base, form)}};
}

}  // namespace boka::codec
