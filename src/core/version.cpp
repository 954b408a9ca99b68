#include "boka/version.hpp"

#include <string>

namespace boka {

const char* version_string() noexcept {
  // Built once from the constants, so the text can never disagree with them.
  static const std::string text = std::to_string(kVersionMajor) + "." +
                                  std::to_string(kVersionMinor) + "." +
                                  std::to_string(kVersionPatch);
  return text.c_str();
}

}  // namespace boka
