// Fuzz target: every JSON document of the C ABI and the HTTP host (src/codec/fields.hpp,
// for_each_document), read from hostile text.
//
// Input: byte 0 picks the document type (modulo the number of types), bit 0 of byte 1 the
// mode (create or update); the rest is the JSON text. Properties, beyond "no crash, no
// exception other than InputError, no sanitizer report":
//  - the text writer and the tree writer agree: to_json_text(x) == dump(to_json(x));
//  - reading is a projection: a document written from what was read reads back to the same
//    document (write(read(write(read(t)))) == write(read(t))), so nothing a shell accepts
//    changes meaning when it is stored, sent and read again.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "json_codec.hpp"

namespace {

using namespace boka::codec;

using Round = void (*)(std::string_view text, Mode mode);

template <typename T>
void round_trip(std::string_view text, Mode mode) {
  T first{};
  try {
    first = from_json<T>(parse_text(text, "doc"), "doc", mode);
  } catch (const InputError& e) {
    FUZZ_CHECK(std::string_view(e.what()).rfind("doc", 0) == 0,
               std::string("the message names the document: ") + e.what());
    return;
  }
  const std::string written = to_json_text(first);
  FUZZ_CHECK(written == dump(to_json(first)), std::string(Describe<T>::name));
  T second{};
  try {
    second = from_json<T>(parse_text(written, "doc"), "doc", mode);
  } catch (const InputError& e) {
    boka::fuzz::fail(__FILE__, __LINE__, "a written document reads back",
         std::string(Describe<T>::name) + ": " + e.what() + " in " + written);
  }
  const std::string again = to_json_text(second);
  FUZZ_CHECK(again == written, std::string(Describe<T>::name) + ": " + written + " became " + again);
}

const std::vector<Round>& rounds() {
  static const std::vector<Round> all = [] {
    std::vector<Round> out;
    for_each_document([&](auto tag) { out.push_back(&round_trip<typename decltype(tag)::type>); });
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto& all = rounds();
  const Round round = all[data[0] % all.size()];
  const Mode mode = (data[1] & 1) != 0 ? Mode::update : Mode::create;
  round(boka::fuzz::as_text(data + 2, size - 2), mode);
  return 0;
}
