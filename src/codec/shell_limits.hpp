// Limits the shells (C ABI, Python) apply at the boundary, so that both accept exactly the
// same instants and durations: years 0001..9999 (the range of Python's datetime) and
// durations of at most 10000 years either way. Inside them no sum of an instant and a
// duration can overflow in the library; outside them a call is refused as invalid_argument.
#pragma once

#include <cstdint>

namespace boka::shell {

inline constexpr std::int64_t kMinInstant = -62135596800;   // 0001-01-01T00:00:00Z
inline constexpr std::int64_t kMaxInstant = 253402300799;   // 9999-12-31T23:59:59Z
inline constexpr std::int64_t kMaxDuration = 315569520000;  // 10000 years of 365.2425 days

}  // namespace boka::shell
