// Local wall time <-> UTC in an IANA zone, with the rules of docs/architecture.md, "Time
// model", for the two awkward cases: a nonexistent local time (spring forward) moves
// forward by the gap, and an ambiguous one (fall back) takes the earlier instant.
#pragma once

#include <date/tz.h>

#include <string_view>

#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka::detail {

using LocalSeconds = date::local_seconds;

class Zone {
 public:
  // invalid_argument naming `field` when the zone is not in the OS tzdb.
  static Result<Zone> locate(std::string_view name, std::string_view field);

  Instant to_utc(LocalSeconds local) const;
  LocalSeconds to_local(Instant t) const;

  // The span of constant UTC offset containing t.
  struct Span {
    Instant begin;
    Instant end;
    Seconds offset;
  };
  Span span_at(Instant t) const;

  const date::time_zone* tz() const { return tz_; }

 private:
  explicit Zone(const date::time_zone* tz) : tz_(tz) {}
  const date::time_zone* tz_;
};

}  // namespace boka::detail
