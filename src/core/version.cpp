#include "boka/version.hpp"

namespace boka {
const char* version_string() noexcept { return "0.1.0"; }
}  // namespace boka
