// Small text helpers the delivery layer's parsers share (headers, signatures, URL policies).
#pragma once

#include <string_view>

namespace boka::delivery {

// `s` without the spaces and tabs it starts and ends with (RFC 7230's OWS).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace boka::delivery
