// Services (appointment types): the catalog objects a booking may name instead of its
// allocations and length (boka/service.hpp). A service is catalog data like a pool: it is
// read, validated against the resources and pools it names, and applied when a booking
// names it; the reservation then keeps the terms it was booked with (price, buffers), so a
// later change to the service never rewrites history or moves what a booking occupies.
#include <algorithm>

#include "engine/booking_steps.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"

namespace boka {

namespace detail {

nlohmann::ordered_json rules_json(const BookingRules& r) {
  return nlohmann::ordered_json{{"cancel_cutoff", r.cancel_cutoff.count()},
                                {"reschedule_cutoff", r.reschedule_cutoff.count()},
                                {"max_active_per_customer", r.max_active_per_customer},
                                {"max_per_customer_per_day", r.max_per_customer_per_day}};
}

BookingTerms terms_of(const Service& s) {
  return BookingTerms{s.buffer_before.count(), s.buffer_after.count(), s.min_notice.count()};
}

Status check_service_duration(const Service& s, Seconds d) {
  if (d == s.duration) return Status::Ok();
  if (std::find(s.allowed_durations.begin(), s.allowed_durations.end(), d) !=
      s.allowed_durations.end()) {
    return Status::Ok();
  }
  std::string allowed = std::to_string(s.duration.count());
  for (Seconds a : s.allowed_durations) allowed += ", " + std::to_string(a.count());
  return InvalidArgument("duration: service " + std::to_string(s.id) + " (" + s.name + ") allows " +
                         allowed + " s, not " + std::to_string(d.count()) + " s");
}

Result<Service> bookable_service(StorageTransaction& txn, TenantId tenant, ServiceId id,
                                 const Actor& actor) {
  BOKA_ASSIGN_OR_RETURN(auto s, txn.find_service(tenant, id));
  const bool hidden = s && actor.own_reservations_only() && !s->customer_bookable;
  if (!s || hidden) return NotFound("service: service " + std::to_string(id) + " not found");
  if (s->archived_at) {
    return ConflictError("service: service " + std::to_string(id) + " (" + s->name +
                         ") is archived and takes no new bookings");
  }
  return std::move(*s);
}

}  // namespace detail

namespace {

using detail::changed;
using detail::stale;

// The catalog checks of a service: every resource and pool it names exists in the tenant
// and takes bookings, and no cutoff is longer than the booking horizon of a resource it
// may use (which would forbid every change of its bookings).
Status check_service_catalog(StorageTransaction& txn, TenantId tenant, const Service& s) {
  for (std::size_t i = 0; i < s.allocations.size(); ++i) {
    const AllocationRequest& a = s.allocations[i];
    const std::string field = "service.allocations[" + std::to_string(i) + "]";
    std::vector<ResourceId> resources;
    if (a.resource) {
      resources.push_back(*a.resource);
    } else {
      BOKA_ASSIGN_OR_RETURN(auto pool, txn.find_pool(tenant, *a.pool));
      if (!pool) {
        return InvalidArgument(field + ".pool: pool " + std::to_string(*a.pool) + " not found");
      }
      if (pool->archived_at) {
        return InvalidArgument(field + ".pool: pool " + std::to_string(*a.pool) + " (" +
                               pool->name + ") is archived");
      }
      resources = pool->members;
    }
    for (ResourceId id : resources) {
      BOKA_ASSIGN_OR_RETURN(auto r, txn.find_resource(tenant, id));
      if (!r) {
        return InvalidArgument(field + ": resource " + std::to_string(id) + " not found");
      }
      if (a.resource && r->archived_at) {
        return InvalidArgument(field + ".resource: resource " + std::to_string(id) + " (" +
                               r->name + ") is archived");
      }
      if (a.resource && a.quantity > r->capacity) {
        return InvalidArgument(field + ".quantity: " + std::to_string(a.quantity) +
                               " exceeds the capacity " + std::to_string(r->capacity) +
                               " of resource " + std::to_string(id));
      }
      if (r->archived_at) continue;  // an archived pool member is simply never picked
      BOKA_RETURN_IF_ERROR(
          detail::check_cutoffs_within(s.rules, r->policy.max_horizon, "service.rules",
                                       "the booking horizon of resource " + std::to_string(id)));
    }
  }
  return Status::Ok();
}

detail::AuditEntry service_entry(const Service& s, const char* action) {
  detail::AuditEntry e = changed(s.tenant, action, "service", s.id, s.version, s.name);
  return e;
}

}  // namespace

Result<Service> Services::create(const Principal& who, TenantId tenant, const Service& spec) {
  return impl_->refusal_audited(who, tenant, "service.create", "", [&]() -> Result<Service> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
    BOKA_RETURN_IF_ERROR(detail::validate_service_shape(spec));
    Service s = spec;
    s.tenant = tenant;
    s.archived_at.reset();
    s.created_at = s.updated_at = impl_->clock->now();
    s.version = 1;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(check_service_catalog(txn, tenant, s));
          BOKA_ASSIGN_OR_RETURN(s.id, txn.insert_service(s));
          return impl_->audit(txn, actor, service_entry(s, "service.create"));
        }));
    return s;
  });
}

Result<Service> Services::get(const Principal& who, TenantId tenant, ServiceId id) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::resources_read));
  std::optional<Service> s;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(s, txn.find_service(tenant, id));
        return Status::Ok();
      }));
  // A customer sees what they may book; staff-only services read as absent to them.
  if (!s || (actor.own_reservations_only() && (!s->customer_bookable || s->archived_at))) {
    return NotFound("service " + std::to_string(id) + " not found");
  }
  return std::move(*s);
}

Result<std::vector<Service>> Services::list(const Principal& who, TenantId tenant,
                                            bool include_archived) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::resources_read));
  std::vector<Service> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_services(tenant));
        return Status::Ok();
      }));
  const bool customer = actor.own_reservations_only();
  std::erase_if(out, [&](const Service& s) {
    return (s.archived_at && (!include_archived || customer)) || (customer && !s.customer_bookable);
  });
  return out;
}

Result<Service> Services::update(const Principal& who, TenantId tenant, const Service& service) {
  return impl_->refusal_audited(
      who, tenant, "service.update", "service:" + std::to_string(service.id),
      [&]() -> Result<Service> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        BOKA_RETURN_IF_ERROR(detail::validate_service_shape(service));
        Service out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_service(tenant, service.id));
              if (!cur) return NotFound("service " + std::to_string(service.id) + " not found");
              if (cur->version != service.version)
                return stale("service", service.id, service.version, cur->version);
              BOKA_RETURN_IF_ERROR(check_service_catalog(txn, tenant, service));
              out = service;
              out.tenant = tenant;
              out.created_at = cur->created_at;
              out.archived_at = cur->archived_at;
              out.updated_at = impl_->clock->now();
              out.version = cur->version + 1;
              BOKA_RETURN_IF_ERROR(txn.update_service(out));
              return impl_->audit(txn, actor, service_entry(out, "service.update"));
            }));
        return out;
      });
}

Result<Service> Services::archive(const Principal& who, TenantId tenant, ServiceId id) {
  return impl_->refusal_audited(
      who, tenant, "service.archive", "service:" + std::to_string(id), [&]() -> Result<Service> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::catalog_write));
        Service out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_service(tenant, id));
              if (!cur) return NotFound("service " + std::to_string(id) + " not found");
              out = *cur;
              if (out.archived_at) return Status::Ok();
              out.archived_at = out.updated_at = impl_->clock->now();
              ++out.version;
              BOKA_RETURN_IF_ERROR(txn.update_service(out));
              return impl_->audit(txn, actor, service_entry(out, "service.archive"));
            }));
        return out;
      });
}

}  // namespace boka
