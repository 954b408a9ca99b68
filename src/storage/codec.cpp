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
