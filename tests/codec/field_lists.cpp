// Prints the codec's field lists (src/codec/fields.hpp) as JSON, for
// field_lists_test.py: {"Tenant": {"shells": ["c", "http", "python"], "json": [...],
// "python": [...]}, ...}, every described struct in the order of for_each_document.
#include <cstdio>

#include "json_codec.hpp"

int main() {
  using namespace boka::codec;
  Json out = Json::object();
  for_each_document([&](auto tag) {
    using T = typename decltype(tag)::type;
    Json shells = Json::array();
    if (Describe<T>::shells & kC) shells.push_back("c");
    if (Describe<T>::shells & kHttp) shells.push_back("http");
    if (Describe<T>::shells & kPython) shells.push_back("python");
    out[Describe<T>::name] = Json{
        {"shells", shells}, {"json", json_field_names<T>()}, {"python", python_field_names<T>()}};
  });
  std::puts(out.dump(2).c_str());
  return 0;
}
