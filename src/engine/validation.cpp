#include "engine/validation.hpp"

#include <set>
#include <string>

#include "auth/crypto.hpp"
#include "core/sha256.hpp"
#include "recurrence/rrule_text.hpp"
#include "storage/codec.hpp"
#include "time/zone.hpp"

namespace boka::detail {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kMaxCapacity = 1'000'000;

std::string sec(Seconds s) { return std::to_string(s.count()) + " s"; }

}  // namespace

Status validate_name(const std::string& name, const char* field) {
  if (name.empty() || name.size() > 200) {
    return InvalidArgument(std::string(field) + ": must be 1..200 bytes, got " +
                           std::to_string(name.size()));
  }
  return Status::Ok();
}

Status validate_resource(const Resource& r) {
  BOKA_RETURN_IF_ERROR(validate_name(r.name, "resource.name"));
  BOKA_RETURN_IF_ERROR(Zone::locate(r.zone, "resource.zone").status());
  if (r.capacity < 1 || r.capacity > kMaxCapacity) {
    return InvalidArgument("resource.capacity: must be 1.." + std::to_string(kMaxCapacity) +
                           ", got " + std::to_string(r.capacity));
  }
  const Policy& p = r.policy;
  const std::int64_t step = p.slot_step.count();
  if (step < 60 || step % 60 != 0 || kDay % step != 0) {
    return InvalidArgument(
        "resource.policy.slot_step: must be whole minutes that divide 24 h "
        "(60 s .. 86400 s), got " +
        sec(p.slot_step));
  }
  auto non_negative = [](Seconds s, const char* field) -> Status {
    if (s.count() < 0) return InvalidArgument(std::string(field) + ": must be >= 0, got " + sec(s));
    if (s.count() > 3660 * kDay) {
      return InvalidArgument(std::string(field) + ": must be at most 10 years, got " + sec(s));
    }
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(non_negative(p.min_notice, "resource.policy.min_notice"));
  BOKA_RETURN_IF_ERROR(non_negative(p.max_horizon, "resource.policy.max_horizon"));
  BOKA_RETURN_IF_ERROR(non_negative(p.buffer_before, "resource.policy.buffer_before"));
  BOKA_RETURN_IF_ERROR(non_negative(p.buffer_after, "resource.policy.buffer_after"));
  BOKA_RETURN_IF_ERROR(non_negative(p.min_duration, "resource.policy.min_duration"));
  BOKA_RETURN_IF_ERROR(non_negative(p.max_duration, "resource.policy.max_duration"));
  if (p.buffer_before.count() > kDay || p.buffer_after.count() > kDay) {
    return InvalidArgument("resource.policy.buffer_before/buffer_after: must be at most 1 day");
  }
  if (p.max_duration.count() > 0 && p.max_duration < p.min_duration) {
    return InvalidArgument("resource.policy.max_duration: " + sec(p.max_duration) +
                           " is below min_duration " + sec(p.min_duration));
  }
  if (p.daily_limit < 0) {
    return InvalidArgument("resource.policy.daily_limit: must be >= 0, got " +
                           std::to_string(p.daily_limit));
  }
  return validate_json_object(r.metadata_json, "resource.metadata_json", 64 * 1024);
}

Status validate_pool_shape(const Pool& p) {
  BOKA_RETURN_IF_ERROR(validate_name(p.name, "pool.name"));
  if (p.members.empty() || p.members.size() > 1000) {
    return InvalidArgument("pool.members: must list 1..1000 resources, got " +
                           std::to_string(p.members.size()));
  }
  std::set<ResourceId> seen;
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    if (!seen.insert(p.members[i]).second) {
      return InvalidArgument("pool.members[" + std::to_string(i) + "]: resource " +
                             std::to_string(p.members[i]) + " is listed twice");
    }
  }
  return Status::Ok();
}

Status validate_range(Instant start, Instant end, const char* start_field, const char* end_field) {
  // Far outside any calendar a booking engine serves, times stop meaning anything (and
  // local-time arithmetic would overflow), so refuse them up front.
  constexpr std::int64_t kEarliest = -2208988800;  // 1900-01-01T00:00:00Z
  constexpr std::int64_t kLatest = 253402300799;   // 9999-12-31T23:59:59Z
  for (auto [t, field] : {std::pair{start, start_field}, std::pair{end, end_field}}) {
    if (to_unix(t) < kEarliest || to_unix(t) > kLatest) {
      return InvalidArgument(std::string(field) +
                             ": must lie between 1900-01-01 and 9999-12-31 "
                             "(UTC), got " +
                             std::to_string(to_unix(t)) + " Unix seconds");
    }
  }
  if (end <= start) {
    return InvalidArgument(std::string(end_field) + " (" + format_utc(end) + ") must be after " +
                           start_field + " (" + format_utc(start) + ")");
  }
  if (end - start > AvailabilityQuery::kMaxRange) {
    return InvalidArgument(std::string(end_field) + ": the range from " + start_field +
                           " is longer than the limit of 400 days");
  }
  return Status::Ok();
}

Status validate_allocation_requests(const std::vector<AllocationRequest>& requests,
                                    const char* field) {
  if (requests.empty() || requests.size() > 100) {
    return InvalidArgument(std::string(field) + ": must hold 1..100 requests, got " +
                           std::to_string(requests.size()));
  }
  std::set<ResourceId> resources;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const AllocationRequest& a = requests[i];
    const std::string name = std::string(field) + "[" + std::to_string(i) + "]";
    if (a.resource.has_value() == a.pool.has_value()) {
      return InvalidArgument(name + ": set exactly one of resource and pool");
    }
    if (a.quantity <= 0) {
      return InvalidArgument(name + ".quantity: must be >= 1, got " + std::to_string(a.quantity));
    }
    if (a.resource && !resources.insert(*a.resource).second) {
      return InvalidArgument(name + ".resource: resource " + std::to_string(*a.resource) +
                             " is requested twice; ask once with the total quantity");
    }
  }
  return Status::Ok();
}

Status validate_reserve_request(const ReserveRequest& req) {
  BOKA_RETURN_IF_ERROR(validate_allocation_requests(req.allocations, "allocations"));
  BOKA_RETURN_IF_ERROR(validate_range(req.start, req.end, "start", "end"));
  return validate_booking_extras(req.hold_for, req.idempotency_key, req.customer,
                                 req.metadata_json);
}

Status validate_booking_extras(const std::optional<Seconds>& hold_for,
                               const std::string& idempotency_key, const std::string& customer,
                               const std::string& metadata_json) {
  if (hold_for && (hold_for->count() <= 0 || hold_for->count() > 30 * kDay)) {
    return InvalidArgument("hold_for: must be 1 s .. 30 days, got " + sec(*hold_for));
  }
  if (idempotency_key.size() > 200) {
    return InvalidArgument("idempotency_key: must be at most 200 bytes");
  }
  if (!utf8_code_points(idempotency_key)) {
    return InvalidArgument("idempotency_key: must be valid UTF-8");
  }
  for (char c : idempotency_key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgument("idempotency_key: must not contain control characters");
    }
  }
  if (customer.size() > 200) return InvalidArgument("customer: must be at most 200 bytes");
  return validate_json_object(metadata_json, "metadata_json", 64 * 1024);
}

Status validate_series_request(const SeriesRequest& req) {
  BOKA_RETURN_IF_ERROR(validate_allocation_requests(req.allocations, "allocations"));
  if (req.start_minute < 0 || req.start_minute > 1439) {
    return InvalidArgument("start_minute: must be 0..1439, got " +
                           std::to_string(req.start_minute));
  }
  if (req.duration.count() <= 0 || req.duration > SeriesPattern::kMaxDuration) {
    return InvalidArgument("duration: must be 1 s .. 366 days, got " + sec(req.duration));
  }
  if (req.mode != SeriesMode::all_or_nothing && req.mode != SeriesMode::skip_conflicts) {
    return InvalidArgument("mode: must be all_or_nothing or skip_conflicts");
  }
  BOKA_RETURN_IF_ERROR(validate_rrule(req.rule));
  if (!req.rule.count && !req.rule.until) {
    return InvalidArgument("rule: a series needs COUNT or UNTIL");
  }
  return validate_booking_extras(req.hold_for, req.idempotency_key, req.customer,
                                 req.metadata_json);
}

std::string request_fingerprint(const ReserveRequest& req) {
  std::string text;
  for (const AllocationRequest& a : req.allocations) {
    text += a.resource ? "r" + std::to_string(*a.resource) : "p" + std::to_string(*a.pool);
    text += "x" + std::to_string(a.quantity) + ";";
  }
  text += "|" + std::to_string(to_unix(req.start)) + "|" + std::to_string(to_unix(req.end));
  text += "|" + (req.hold_for ? std::to_string(req.hold_for->count()) : std::string("-"));
  text += "|" + std::to_string(req.customer.size()) + ":" + req.customer;
  text += "|" + req.metadata_json;
  return sha256_hex(text);
}

std::string series_fingerprint(const SeriesRequest& req) {
  std::string text = "series|";
  for (const AllocationRequest& a : req.allocations) {
    text += a.resource ? "r" + std::to_string(*a.resource) : "p" + std::to_string(*a.pool);
    text += "x" + std::to_string(a.quantity) + ";";
  }
  text += "|" + iso_date_text(req.first_date) + "|" + std::to_string(req.start_minute);
  text += "|" + std::to_string(req.duration.count()) + "|" + format_rrule(req.rule) + "|";
  for (const LocalDate& d : req.exdates) text += iso_date_text(d) + ",";
  text += "|" + std::to_string(static_cast<int>(req.mode));
  text += "|" + (req.hold_for ? std::to_string(req.hold_for->count()) : std::string("-"));
  text += "|" + std::to_string(req.customer.size()) + ":" + req.customer;
  text += "|" + req.metadata_json;
  return sha256_hex(text);
}

}  // namespace boka::detail
