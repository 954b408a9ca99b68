#include "storage/codec.hpp"

#include <nlohmann/json.hpp>

namespace boka::detail {
namespace {

using nlohmann::json;

json intervals_json(const std::vector<LocalInterval>& intervals) {
  json out = json::array();
  for (const LocalInterval& iv : intervals) out.push_back({iv.start_minute, iv.end_minute});
  return out;
}

std::vector<LocalInterval> intervals_from(const json& j) {
  std::vector<LocalInterval> out;
  for (const json& iv : j) out.push_back({iv.at(0).get<int>(), iv.at(1).get<int>()});
  return out;
}

}  // namespace

std::string encode_schedule_rules(const Schedule& s) {
  json j;
  j["weekly"] = json::array();
  for (const WeeklyRule& r : s.weekly) {
    j["weekly"].push_back(
        {{"day", static_cast<int>(r.day)}, {"intervals", intervals_json(r.intervals)}});
  }
  j["overrides"] = json::array();
  for (const DateOverride& o : s.overrides) {
    j["overrides"].push_back({{"date", {o.date.year, o.date.month, o.date.day}},
                              {"intervals", intervals_json(o.intervals)}});
  }
  j["holidays"] = json::array();
  for (const HolidayRule& h : s.holidays) {
    j["holidays"].push_back({{"name", h.name},
                             {"kind", static_cast<int>(h.kind)},
                             {"month", h.month},
                             {"day_of_month", h.day_of_month},
                             {"nth", h.nth},
                             {"weekday", static_cast<int>(h.weekday)}});
  }
  return j.dump();
}

namespace {

json date_json(const LocalDate& d) { return json::array({d.year, d.month, d.day}); }
LocalDate date_from(const json& j) {
  return LocalDate{j.at(0).get<int>(), j.at(1).get<int>(), j.at(2).get<int>()};
}

json allocations_json(const std::vector<AllocationRequest>& allocations) {
  json out = json::array();
  for (const AllocationRequest& a : allocations) {
    out.push_back({{"resource", a.resource ? json(static_cast<std::int64_t>(*a.resource)) : json()},
                   {"pool", a.pool ? json(static_cast<std::int64_t>(*a.pool)) : json()},
                   {"quantity", a.quantity}});
  }
  return out;
}

// Throws nlohmann's exceptions on malformed input; the callers turn them into a status.
std::vector<AllocationRequest> allocations_from(const json& j) {
  std::vector<AllocationRequest> out;
  for (const json& a : j) {
    AllocationRequest r;
    if (!a.at("resource").is_null()) r.resource = ResourceId{a.at("resource").get<std::int64_t>()};
    if (!a.at("pool").is_null()) r.pool = PoolId{a.at("pool").get<std::int64_t>()};
    r.quantity = a.at("quantity").get<int>();
    out.push_back(r);
  }
  return out;
}

}  // namespace

std::string encode_allocation_requests(const std::vector<AllocationRequest>& allocations) {
  return allocations_json(allocations).dump();
}

Status decode_allocation_requests(const std::string& text, std::vector<AllocationRequest>& out) {
  try {
    const json j = json::parse(text);
    if (!j.is_array()) return StorageError("allocations: stored value is not a JSON array");
    out = allocations_from(j);
    return Status::Ok();
  } catch (const std::exception& e) {
    return StorageError(std::string("allocations: stored value is malformed: ") + e.what());
  }
}

std::string encode_durations(const std::vector<Seconds>& durations) {
  json out = json::array();
  for (Seconds d : durations) out.push_back(d.count());
  return out.dump();
}

Status decode_durations(const std::string& text, std::vector<Seconds>& out) {
  try {
    const json j = json::parse(text);
    if (!j.is_array()) return StorageError("durations: stored value is not a JSON array");
    std::vector<Seconds> read;
    for (const json& d : j) read.emplace_back(d.get<std::int64_t>());
    out = std::move(read);
    return Status::Ok();
  } catch (const std::exception& e) {
    return StorageError(std::string("durations: stored value is malformed: ") + e.what());
  }
}

std::string encode_strings(const std::vector<std::string>& strings) {
  return json(strings).dump(-1, ' ', false, json::error_handler_t::replace);
}

Status decode_strings(const std::string& text, std::vector<std::string>& out) {
  try {
    const json j = json::parse(text);
    if (!j.is_array()) return StorageError("strings: stored value is not a JSON array");
    std::vector<std::string> read;
    for (const json& v : j) read.push_back(v.get<std::string>());
    out = std::move(read);
    return Status::Ok();
  } catch (const std::exception& e) {
    return StorageError(std::string("strings: stored value is malformed: ") + e.what());
  }
}

std::string encode_series_spec(const Series& s) {
  json j;
  j["allocations"] = allocations_json(s.allocations);
  j["first_date"] = date_json(s.first_date);
  j["start_minute"] = s.start_minute;
  j["duration"] = s.duration.count();
  j["zone"] = s.zone;
  const RecurrenceRule& r = s.rule;
  json rule;
  rule["frequency"] = static_cast<int>(r.frequency);
  rule["interval"] = r.interval;
  rule["by_day"] = json::array();
  for (const WeekdayNum& w : r.by_day) {
    rule["by_day"].push_back(json::array({static_cast<int>(w.day), w.ordinal}));
  }
  rule["by_month_day"] = r.by_month_day;
  rule["count"] = r.count ? json(*r.count) : json();
  rule["until"] = r.until ? json{{"kind", static_cast<int>(r.until->kind)},
                                 {"date", date_json(r.until->date)},
                                 {"second_of_day", r.until->second_of_day}}
                          : json();
  rule["week_start"] = static_cast<int>(r.week_start);
  j["rule"] = rule;
  j["exdates"] = json::array();
  for (const LocalDate& d : s.exdates) j["exdates"].push_back(date_json(d));
  j["customer"] = s.customer;
  j["metadata"] = s.metadata_json;
  return j.dump();
}

Status decode_series_spec(const std::string& text, Series& s) {
  try {
    const json j = json::parse(text);
    s.allocations = allocations_from(j.at("allocations"));
    s.first_date = date_from(j.at("first_date"));
    s.start_minute = j.at("start_minute").get<int>();
    s.duration = Seconds(j.at("duration").get<std::int64_t>());
    s.zone = j.at("zone").get<std::string>();
    const json& rule = j.at("rule");
    RecurrenceRule r;
    r.frequency = static_cast<Frequency>(rule.at("frequency").get<int>());
    r.interval = rule.at("interval").get<int>();
    for (const json& w : rule.at("by_day")) {
      r.by_day.push_back(WeekdayNum{static_cast<Weekday>(w.at(0).get<int>()), w.at(1).get<int>()});
    }
    r.by_month_day = rule.at("by_month_day").get<std::vector<int>>();
    if (!rule.at("count").is_null()) r.count = rule.at("count").get<int>();
    if (!rule.at("until").is_null()) {
      const json& u = rule.at("until");
      r.until =
          RecurrenceRule::Until{static_cast<RecurrenceRule::Until::Kind>(u.at("kind").get<int>()),
                                date_from(u.at("date")), u.at("second_of_day").get<int>()};
    }
    r.week_start = static_cast<Weekday>(rule.at("week_start").get<int>());
    s.rule = std::move(r);
    s.exdates.clear();
    for (const json& d : j.at("exdates")) s.exdates.push_back(date_from(d));
    s.customer = j.at("customer").get<std::string>();
    s.metadata_json = j.at("metadata").get<std::string>();
    return Status::Ok();
  } catch (const std::exception& e) {
    return StorageError(std::string("series: stored spec is malformed: ") + e.what());
  }
}

Status decode_schedule_rules(const std::string& text, Schedule& s) {
  try {
    const json j = json::parse(text);
    s.weekly.clear();
    for (const json& r : j.at("weekly")) {
      s.weekly.push_back(
          {static_cast<Weekday>(r.at("day").get<int>()), intervals_from(r.at("intervals"))});
    }
    s.overrides.clear();
    for (const json& o : j.at("overrides")) {
      const json& d = o.at("date");
      s.overrides.push_back({LocalDate{d.at(0).get<int>(), d.at(1).get<int>(), d.at(2).get<int>()},
                             intervals_from(o.at("intervals"))});
    }
    s.holidays.clear();
    for (const json& h : j.at("holidays")) {
      HolidayRule rule;
      rule.name = h.at("name").get<std::string>();
      rule.kind = static_cast<HolidayRule::Kind>(h.at("kind").get<int>());
      rule.month = h.at("month").get<int>();
      rule.day_of_month = h.at("day_of_month").get<int>();
      rule.nth = h.at("nth").get<int>();
      rule.weekday = static_cast<Weekday>(h.at("weekday").get<int>());
      s.holidays.push_back(std::move(rule));
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return StorageError("schedule " + std::to_string(s.id) + ": stored rules are unreadable (" +
                        e.what() + ")");
  }
}

Status validate_json_object(const std::string& text, const char* field, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return InvalidArgument(std::string(field) + ": larger than " + std::to_string(max_bytes) +
                           " bytes");
  }
  if (text == "{}") return Status::Ok();  // the default, on every reservation: no parse
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument(std::string(field) + ": not valid JSON");
  if (!j.is_object()) return InvalidArgument(std::string(field) + ": must be a JSON object");
  return Status::Ok();
}

}  // namespace boka::detail
