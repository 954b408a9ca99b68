// How EventQuery::types selects events (StorageTransaction::list_events), in one place for
// every store: the memory store runs event_type_matches, the SQL stores build the same test
// (an exact name, or "family." as a prefix for "family.*").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace boka::detail {

// "reservation.*" -> "reservation." (a prefix); an exact name -> nullopt-like empty.
inline std::string_view event_type_family(std::string_view pattern) {
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    return pattern.substr(0, pattern.size() - 1);
  }
  return {};
}

// Whether an event of `type` passes `types` (empty: every type passes).
inline bool event_type_matches(const std::vector<std::string>& types, std::string_view type) {
  if (types.empty()) return true;
  for (const std::string& t : types) {
    const std::string_view family = event_type_family(t);
    if (family.empty() ? type == t : type.substr(0, family.size()) == family) return true;
  }
  return false;
}

}  // namespace boka::detail
