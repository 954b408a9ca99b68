#include "engine/validation.hpp"

#include <algorithm>
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
  BOKA_RETURN_IF_ERROR(validate_rules(r.rules, "resource.rules"));
  BOKA_RETURN_IF_ERROR(check_cutoffs_within(r.rules, p.max_horizon, "resource.rules",
                                            "the resource's booking horizon"));
  return validate_json_object(r.metadata_json, "resource.metadata_json", 64 * 1024);
}

Status validate_rules(const BookingRules& rules, const std::string& field) {
  for (auto [value, name] : {std::pair{rules.cancel_cutoff, ".cancel_cutoff"},
                             std::pair{rules.reschedule_cutoff, ".reschedule_cutoff"}}) {
    if (value.count() < 0 || value.count() > 365 * kDay) {
      return InvalidArgument(field + name + ": must be 0 .. 365 days, got " + sec(value));
    }
  }
  if (rules.max_active_per_customer < 0 || rules.max_active_per_customer > 10000) {
    return InvalidArgument(field +
                           ".max_active_per_customer: must be 0..10000 (0: no limit), got " +
                           std::to_string(rules.max_active_per_customer));
  }
  if (rules.max_per_customer_per_day < 0 || rules.max_per_customer_per_day > 1000) {
    return InvalidArgument(field +
                           ".max_per_customer_per_day: must be 0..1000 (0: no limit), got " +
                           std::to_string(rules.max_per_customer_per_day));
  }
  return Status::Ok();
}

Status check_cutoffs_within(const BookingRules& rules, Seconds horizon, const std::string& field,
                            const std::string& what) {
  if (horizon.count() <= 0) return Status::Ok();
  for (auto [value, name] : {std::pair{rules.cancel_cutoff, ".cancel_cutoff"},
                             std::pair{rules.reschedule_cutoff, ".reschedule_cutoff"}}) {
    if (value > horizon) {
      return InvalidArgument(field + name + ": " + sec(value) + " is longer than " + what + " (" +
                             sec(horizon) + "): no booking could ever be changed");
    }
  }
  return Status::Ok();
}

Status validate_tenant_rules(const TenantRules& t) {
  BOKA_RETURN_IF_ERROR(validate_rules(t.rules, "rules"));
  if (t.max_hold.count() < 60 || t.max_hold.count() > 30 * kDay) {
    return InvalidArgument("max_hold: must be 1 minute .. 30 days, got " + sec(t.max_hold));
  }
  return Status::Ok();
}

Status validate_text(const std::string& text, std::size_t max_bytes, const std::string& field,
                     bool allow_newlines) {
  if (text.size() > max_bytes) {
    return InvalidArgument(field + ": must be at most " + std::to_string(max_bytes) +
                           " bytes, got " + std::to_string(text.size()));
  }
  if (!utf8_code_points(text)) return InvalidArgument(field + ": must be valid UTF-8");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool allowed_space = allow_newlines && (c == '\n' || c == '\r' || c == '\t');
    if ((u < 0x20 || u == 0x7f) && !allowed_space) {
      return InvalidArgument(field + ": must not contain control characters");
    }
  }
  return Status::Ok();
}

Status validate_service_shape(const Service& sv) {
  BOKA_RETURN_IF_ERROR(validate_name(sv.name, "service.name"));
  BOKA_RETURN_IF_ERROR(validate_text(sv.name, 200, "service.name", false));
  BOKA_RETURN_IF_ERROR(validate_text(sv.description, 4096, "service.description", true));
  const auto check_length = [](Seconds d, const std::string& field) -> Status {
    if (d.count() <= 0 || d > AvailabilityQuery::kMaxRange) {
      return InvalidArgument(field + ": must be 1 s .. 400 days, got " + sec(d));
    }
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(check_length(sv.duration, "service.duration"));
  if (sv.allowed_durations.size() > 20) {
    return InvalidArgument("service.allowed_durations: at most 20, got " +
                           std::to_string(sv.allowed_durations.size()));
  }
  std::set<std::int64_t> lengths{sv.duration.count()};
  for (std::size_t i = 0; i < sv.allowed_durations.size(); ++i) {
    const std::string field = "service.allowed_durations[" + std::to_string(i) + "]";
    BOKA_RETURN_IF_ERROR(check_length(sv.allowed_durations[i], field));
    if (!lengths.insert(sv.allowed_durations[i].count()).second) {
      return InvalidArgument(field + ": " + sec(sv.allowed_durations[i]) +
                             " is listed twice (or is the service's duration)");
    }
  }
  if (sv.allocations.size() > 20) {
    return InvalidArgument("service.allocations: must hold 1..20 requests, got " +
                           std::to_string(sv.allocations.size()));
  }
  BOKA_RETURN_IF_ERROR(validate_allocation_requests(sv.allocations, "service.allocations"));
  for (auto [value, name] : {std::pair{sv.buffer_before, "service.buffer_before"},
                             std::pair{sv.buffer_after, "service.buffer_after"}}) {
    if (value.count() < 0 || value.count() > kDay) {
      return InvalidArgument(std::string(name) + ": must be 0 .. 1 day, got " + sec(value));
    }
  }
  if (sv.min_notice.count() < 0 || sv.min_notice.count() > 365 * kDay) {
    return InvalidArgument("service.min_notice: must be 0 .. 365 days, got " + sec(sv.min_notice));
  }
  if (sv.price_minor) {
    if (*sv.price_minor < 0 || *sv.price_minor > 1'000'000'000'000) {
      return InvalidArgument("service.price_minor: must be 0 .. 10^12 minor units, got " +
                             std::to_string(*sv.price_minor));
    }
    if (sv.currency.empty()) {
      return InvalidArgument("service.currency: required with a price (an ISO 4217 code, \"EUR\")");
    }
  }
  if (!sv.currency.empty() &&
      (sv.currency.size() != 3 || !std::all_of(sv.currency.begin(), sv.currency.end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; }))) {
    return InvalidArgument(
        "service.currency: must be an ISO 4217 code of three capital letters, got \"" +
        sv.currency.substr(0, 16) + "\"");
  }
  BOKA_RETURN_IF_ERROR(validate_rules(sv.rules, "service.rules"));
  return validate_json_object(sv.metadata_json, "service.metadata_json", 64 * 1024);
}

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A BCP 47 language tag in its common shape: a 2..3-letter language, then subtags of 1..8
// letters or digits ("de", "de-DE", "zh-Hant-TW", "es-419").
bool bcp47_shaped(const std::string& tag) {
  if (tag.empty() || tag.size() > 35) return false;
  std::size_t i = 0;
  std::size_t first = 0;
  while (i < tag.size() && ((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= 'A' && tag[i] <= 'Z'))) {
    ++i;
    ++first;
  }
  if (first < 2 || first > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    ++i;
    std::size_t n = 0;
    while (i < tag.size() && is_alnum(tag[i])) {
      ++i;
      ++n;
    }
    if (n < 1 || n > 8) return false;
  }
  return true;
}

}  // namespace

Status validate_customer(const Customer& c) {
  BOKA_RETURN_IF_ERROR(validate_name(c.display_name, "customer.display_name"));
  BOKA_RETURN_IF_ERROR(validate_text(c.display_name, 200, "customer.display_name", false));
  BOKA_RETURN_IF_ERROR(validate_text(c.email, 254, "customer.email", false));
  if (!c.email.empty()) {
    const auto at = c.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == c.email.size() ||
        c.email.find('@', at + 1) != std::string::npos || c.email.find(' ') != std::string::npos) {
      return InvalidArgument("customer.email: must look like name@domain");
    }
  }
  BOKA_RETURN_IF_ERROR(validate_text(c.phone, 50, "customer.phone", false));
  if (!c.locale.empty() && !bcp47_shaped(c.locale)) {
    return InvalidArgument("customer.locale: must be a BCP 47 tag such as \"de\" or \"pt-BR\"");
  }
  if (!c.time_zone.empty()) {
    BOKA_RETURN_IF_ERROR(Zone::locate(c.time_zone, "customer.time_zone").status());
  }
  BOKA_RETURN_IF_ERROR(validate_text(c.notes, 4096, "customer.notes", true));
  BOKA_RETURN_IF_ERROR(validate_text(c.external_ref, 200, "customer.external_ref", false));
  return Status::Ok();
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
  if (req.service) {
    if (!req.allocations.empty()) {
      return InvalidArgument(
          "allocations: must be empty when service is set (the service's are taken)");
    }
    // An unset end takes the service's duration, known only once the service is read.
    if (req.end != Instant{})
      BOKA_RETURN_IF_ERROR(validate_range(req.start, req.end, "start", "end"));
    else
      BOKA_RETURN_IF_ERROR(validate_range(req.start, req.start + Seconds(1), "start", "end"));
  } else {
    BOKA_RETURN_IF_ERROR(validate_allocation_requests(req.allocations, "allocations"));
    BOKA_RETURN_IF_ERROR(validate_range(req.start, req.end, "start", "end"));
  }
  BOKA_RETURN_IF_ERROR(validate_text(req.notes, 4096, "notes", true));
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

Status validate_reservation_update(const ReservationUpdate& u) {
  if (u.customer && u.customer->size() > 200) {
    return InvalidArgument("update.customer: must be at most 200 bytes");
  }
  if (u.customer_id && *u.customer_id < 0) {
    return InvalidArgument("update.customer_id: must be a customer id, or 0 to unlink");
  }
  if (u.notes) BOKA_RETURN_IF_ERROR(validate_text(*u.notes, 4096, "update.notes", true));
  if (u.metadata_json) {
    BOKA_RETURN_IF_ERROR(validate_json_object(*u.metadata_json, "update.metadata_json", 64 * 1024));
  }
  if (u.allocations) {
    BOKA_RETURN_IF_ERROR(validate_allocation_requests(*u.allocations, "update.allocations"));
    if (u.quantity) {
      return InvalidArgument("update.quantity: give the quantities in update.allocations instead");
    }
  }
  if (u.quantity && *u.quantity < 1) {
    return InvalidArgument("update.quantity: must be >= 1, got " + std::to_string(*u.quantity));
  }
  if (!u.customer && !u.customer_id && !u.notes && !u.metadata_json && !u.start && !u.end &&
      !u.allocations && !u.quantity) {
    return InvalidArgument("update: sets no field");
  }
  return Status::Ok();
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
  // Fields added later join only when set, so a key recorded before them still matches a
  // retry of the same request.
  if (req.service) text += "|service:" + std::to_string(*req.service);
  if (req.customer_id) text += "|customer_id:" + std::to_string(*req.customer_id);
  if (!req.notes.empty()) text += "|notes:" + std::to_string(req.notes.size()) + ":" + req.notes;
  if (req.override_rules) text += "|override";
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
  if (req.customer_id) text += "|customer_id:" + std::to_string(*req.customer_id);
  return sha256_hex(text);
}

}  // namespace boka::detail
