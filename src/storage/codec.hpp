// Text encodings shared by the SQL stores: schedule rules, series specs, allocation
// requests and lists of durations as JSON.
#pragma once

#include <string>
#include <vector>

#include "boka/availability.hpp"
#include "boka/schedule.hpp"
#include "boka/series.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka::detail {

// {"weekly":[{"day":1,"intervals":[[540,1020]]}],"overrides":[...],"holidays":[...]}
std::string encode_schedule_rules(const Schedule& schedule);
// Fills weekly/overrides/holidays of `schedule`; storage error on malformed text.
Status decode_schedule_rules(const std::string& text, Schedule& schedule);

// What a series row keeps besides its keys, as one JSON object: allocations, first_date,
// start_minute, duration, zone, the rule (field by field, so no RRULE parser is needed to
// read it back), exdates, customer and metadata.
std::string encode_series_spec(const Series& series);
// Fills those fields of `series`; storage error on malformed text.
Status decode_series_spec(const std::string& text, Series& series);

// Allocation requests (a series' or a waitlist entry's) as a JSON array, in order:
// [{"resource":7,"pool":null,"quantity":2},{"resource":null,"pool":3,"quantity":1}]. The
// series spec embeds the same array under "allocations".
std::string encode_allocation_requests(const std::vector<AllocationRequest>& allocations);
// Replaces `out` with the array's requests; storage error on malformed text.
Status decode_allocation_requests(const std::string& text, std::vector<AllocationRequest>& out);

// Durations (a service's allowed_durations) as a JSON array of seconds, in order:
// [1800,3600].
std::string encode_durations(const std::vector<Seconds>& durations);
// Replaces `out` with the array's durations; storage error on malformed text.
Status decode_durations(const std::string& text, std::vector<Seconds>& out);

// invalid_argument naming `field` unless `text` is a JSON object of at most max_bytes.
// A list of strings (a webhook endpoint's event types) as a JSON array, and back.
std::string encode_strings(const std::vector<std::string>& strings);
Status decode_strings(const std::string& text, std::vector<std::string>& out);

Status validate_json_object(const std::string& text, const char* field, std::size_t max_bytes);

}  // namespace boka::detail
