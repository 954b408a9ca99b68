// What the RRULE parser, formatter and expansion share: the spelling of values in RRULE
// text and in messages.
#pragma once

#include <string>
#include <string_view>

#include "boka/recurrence.hpp"

namespace boka::detail {

// "MO".."SU"; "??" for a value outside the enum.
const char* rrule_weekday_code(Weekday day) noexcept;

// A date boka accepts in a series: a real calendar date in the years 1900..9999 (as
// schedules do).
bool valid_series_date(const LocalDate& d) noexcept;

// "2026-03-29", for messages.
std::string iso_date_text(const LocalDate& d);

// The UNTIL value as RRULE text: "20261231", "20261231T090000" or "20261231T080000Z"; an
// invalid one gets text that parse_rrule refuses.
std::string until_text(const RecurrenceRule::Until& until);

// User text made safe to put in a message: at most 40 bytes (then "..."), and every byte
// outside printable ASCII, every '"' and every '\' written as \xHH, so a message is always
// valid UTF-8 whatever the input held.
std::string message_safe(std::string_view text);

}  // namespace boka::detail
