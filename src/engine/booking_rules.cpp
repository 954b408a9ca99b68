// Booking rules (boka/rules.hpp): change cutoffs and per-customer limits, decided inside the
// booking's write transaction, on what was read under its locks. The per-customer limits
// also take the customer's lock (WriteIntent::lock_names), so two bookings for one
// customer on different resources decide one after the other and cannot both pass.
#include <algorithm>

#include "engine/booking_steps.hpp"
#include "schedule/schedule_rules.hpp"

namespace boka::detail {

std::string CustomerKey::lock_name(TenantId tenant) const {
  return "customer:" + std::to_string(tenant) + ":" +
         (id ? "id:" + std::to_string(*id) : "ref:" + ref);
}

CustomerKey customer_key(const std::optional<CustomerId>& id, const std::string& ref) {
  CustomerKey k;
  if (id && *id > 0) {
    k.id = id;
  } else {
    k.ref = ref;
  }
  return k;
}

Result<RuleSet> rules_for(StorageTransaction& txn, TenantId tenant, const Tenant& t,
                          const std::vector<Allocation>& allocations,
                          const std::optional<ServiceId>& service,
                          const std::unordered_map<ResourceId, LoadedResource>& loaded) {
  RuleSet out;
  out.tenant = t.rules;
  for (const Allocation& a : allocations) {
    auto it = loaded.find(a.resource);
    if (it == loaded.end()) {
      return InternalError("resource " + std::to_string(a.resource) + " not loaded");
    }
    out.resources.emplace_back(a.resource, it->second.resource.rules);
  }
  if (service) {
    BOKA_ASSIGN_OR_RETURN(auto s, txn.find_service(tenant, *service));
    if (s) out.service.emplace(s->id, s->rules);
  }
  return out;
}

namespace {

struct Bound {
  Seconds length{0};
  std::string source;  // "the tenant", "resource 4", "service 2"
};

template <typename Get>
Bound strictest(const RuleSet& rules, Get get) {
  Bound b{get(rules.tenant), "the tenant"};
  for (const auto& [id, r] : rules.resources) {
    if (get(r) > b.length) b = Bound{get(r), "resource " + std::to_string(id)};
  }
  if (rules.service && get(rules.service->second) > b.length) {
    b = Bound{get(rules.service->second), "service " + std::to_string(rules.service->first)};
  }
  return b;
}

std::string hours_text(Seconds s) {
  const auto n = s.count();
  if (n % 3600 == 0) return std::to_string(n / 3600) + " h";
  if (n % 60 == 0) return std::to_string(n / 60) + " min";
  return std::to_string(n) + " s";
}

Status rule_conflict(std::string message, const char* rule,
                     std::optional<Instant> deadline = std::nullopt) {
  ConflictInfo info;
  info.rule = rule;
  info.deadline = deadline;
  Status st = ConflictError(std::move(message));
  st.with_conflict(std::move(info));
  return st;
}

}  // namespace

Status check_cutoff(const RuleSet& rules, CutoffKind kind, Instant start, std::int64_t now,
                    bool override_rules, std::vector<std::string>* overridden) {
  const bool cancel = kind == CutoffKind::cancel;
  const Bound b = strictest(
      rules, [&](const BookingRules& r) { return cancel ? r.cancel_cutoff : r.reschedule_cutoff; });
  if (b.length.count() <= 0) return Status::Ok();
  const Instant deadline = start - b.length;
  if (now < to_unix(deadline)) return Status::Ok();
  const char* rule = cancel ? "cancel_cutoff" : "reschedule_cutoff";
  if (override_rules) {
    if (overridden != nullptr) overridden->push_back(rule);
    return Status::Ok();
  }
  return rule_conflict(std::string(cancel ? "cancel" : "reschedule") + ": the deadline was " +
                           format_utc(deadline) + " (" + hours_text(b.length) +
                           " before the start, set by " + b.source + "); staff may override",
                       rule, deadline);
}

bool has_customer_limits(const RuleSet& rules) {
  const auto any_limit = [](const BookingRules& r) {
    return r.max_active_per_customer > 0 || r.max_per_customer_per_day > 0;
  };
  bool limited = any_limit(rules.tenant) || (rules.service && any_limit(rules.service->second));
  for (const auto& [id, r] : rules.resources) limited = limited || any_limit(r);
  return limited;
}

Result<std::vector<Reservation>> customer_active_bookings(StorageTransaction& txn, TenantId tenant,
                                                          const CustomerKey& key,
                                                          std::int64_t now) {
  ReservationFilter f;
  if (key.id) {
    f.customer_id = key.id;
  } else {
    f.customer = key.ref;
  }
  f.statuses = {ReservationStatus::held, ReservationStatus::confirmed};
  f.from = from_unix(now);
  f.limit = 10000;
  BOKA_ASSIGN_OR_RETURN(auto rows, txn.list_reservations(tenant, f));
  std::erase_if(rows, [&](const Reservation& r) {
    return !r.is_active(from_unix(now)) || to_unix(r.end) <= now;
  });
  return rows;
}

Status check_limits_in(const std::vector<Reservation>& bookings, const RuleSet& rules,
                       const Reservation& after, const Reservation* before, const Zone& zone,
                       bool override_rules, std::vector<std::string>* overridden) {
  const auto day_of = [&](Instant t) { return local_day_of(zone, to_unix(t)); };
  const auto on_resource = [](const Reservation& r, ResourceId id) {
    return std::any_of(r.allocations.begin(), r.allocations.end(),
                       [&](const Allocation& a) { return a.resource == id; });
  };
  const bool same_day = before != nullptr && day_of(before->start) == day_of(after.start);
  // The booking being changed is not one of the others.
  const auto other = [&](const Reservation& r) { return after.id == 0 || r.id != after.id; };

  // One scope: `in` says whether a reservation counts in it.
  const auto check = [&](const BookingRules& r, const std::string& scope,
                         const auto& in) -> Status {
    const bool counted_before = before != nullptr && in(*before);
    if (r.max_active_per_customer > 0 && !counted_before) {
      const auto n = std::count_if(bookings.begin(), bookings.end(),
                                   [&](const Reservation& x) { return other(x) && in(x); });
      if (n >= r.max_active_per_customer) {
        if (override_rules) {
          if (overridden != nullptr) overridden->push_back("max_active_per_customer");
        } else {
          return rule_conflict("the customer already has " + std::to_string(n) +
                                   " active bookings; " + scope + " allows at most " +
                                   std::to_string(r.max_active_per_customer) + " per customer",
                               "max_active_per_customer");
        }
      }
    }
    if (r.max_per_customer_per_day > 0 && !(counted_before && same_day)) {
      const auto day = day_of(after.start);
      const auto n = std::count_if(bookings.begin(), bookings.end(), [&](const Reservation& x) {
        return other(x) && in(x) && day_of(x.start) == day;
      });
      if (n >= r.max_per_customer_per_day) {
        if (override_rules) {
          if (overridden != nullptr) overridden->push_back("max_per_customer_per_day");
        } else {
          return rule_conflict("the customer already has " + std::to_string(n) + " bookings on " +
                                   date::format("%F", day) + "; " + scope + " allows at most " +
                                   std::to_string(r.max_per_customer_per_day) +
                                   " per customer and day",
                               "max_per_customer_per_day");
        }
      }
    }
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(check(rules.tenant, "the tenant", [](const Reservation&) { return true; }));
  for (const auto& [id, r] : rules.resources) {
    const ResourceId rid = id;
    BOKA_RETURN_IF_ERROR(check(r, "resource " + std::to_string(rid),
                               [&](const Reservation& x) { return on_resource(x, rid); }));
  }
  if (rules.service) {
    const ServiceId sid = rules.service->first;
    BOKA_RETURN_IF_ERROR(check(rules.service->second, "service " + std::to_string(sid),
                               [&](const Reservation& x) { return x.service == sid; }));
  }
  if (overridden != nullptr) {
    std::sort(overridden->begin(), overridden->end());
    overridden->erase(std::unique(overridden->begin(), overridden->end()), overridden->end());
  }
  return Status::Ok();
}

Status check_customer_limits(StorageTransaction& txn, TenantId tenant, const RuleSet& rules,
                             const CustomerKey& key, const Reservation& after,
                             const Reservation* before, const Zone& zone, std::int64_t now,
                             bool override_rules, std::vector<std::string>* overridden) {
  if (key.empty() || !has_customer_limits(rules)) return Status::Ok();
  BOKA_ASSIGN_OR_RETURN(auto bookings, customer_active_bookings(txn, tenant, key, now));
  return check_limits_in(bookings, rules, after, before, zone, override_rules, overridden);
}

}  // namespace boka::detail
