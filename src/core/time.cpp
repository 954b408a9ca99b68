#include "boka/time.hpp"

#include <date/date.h>

namespace boka {

std::string format_utc(Instant t) { return date::format("%FT%TZ", t); }

Instant SystemClock::now() const {
  return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
}

}  // namespace boka
