#include "time/zone.hpp"

#include <exception>
#include <string>

namespace boka::detail {

Result<Zone> Zone::locate(std::string_view name, std::string_view field) {
  if (name.empty()) {
    return InvalidArgument(std::string(field) +
                           ": a time zone is required (IANA name such as "
                           "\"Europe/Berlin\")");
  }
  try {
    return Zone(date::locate_zone(name));
  } catch (const std::exception&) {
    return InvalidArgument(std::string(field) + ": unknown time zone \"" + std::string(name) +
                           "\" (expected an IANA name such as \"Europe/Berlin\")");
  }
}

Instant Zone::to_utc(LocalSeconds local) const {
  // date/tz puts the pre-transition offset in `first` for all three cases, which is exactly
  // the rule of docs/architecture.md, "Time model": a nonexistent 02:30 in a 02:00-03:00
  // gap, read with the old offset, lands at 03:30 new time (forward by the gap); an
  // ambiguous time read with the old, larger offset is the earlier of its two instants.
  const date::local_info info = tz_->get_info(local);
  return Instant(local.time_since_epoch() - info.first.offset);
}

LocalSeconds Zone::to_local(Instant t) const {
  const date::sys_info info = tz_->get_info(t);
  return LocalSeconds(t.time_since_epoch() + info.offset);
}

Zone::Span Zone::span_at(Instant t) const {
  const date::sys_info info = tz_->get_info(t);
  auto clamp = [](date::sys_seconds s) { return Instant(s.time_since_epoch()); };
  return Span{clamp(info.begin), clamp(info.end), info.offset};
}

}  // namespace boka::detail
