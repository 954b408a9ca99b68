// boka/version.hpp
#pragma once

namespace boka {
inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;
const char* version_string() noexcept;  // "0.1.0"; static storage
}  // namespace boka
