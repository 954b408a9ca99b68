// boka/service.hpp: services (appointment types): what a business offers, configured once
// ("haircut: 45 minutes, one stylist from the pool Stylists and one chair, 10 minutes to
// clean up, EUR 35.00"), so that a booking names a service instead of spelling out
// resources and a length. Engine::reserve and Engine::availability accept a service
// (ReserveRequest::service, AvailabilityQuery::service).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boka/availability.hpp"
#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/rules.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

struct Service {
  ServiceId id{};  // assigned by the store
  TenantId tenant{};
  std::string name;         // 1..200 bytes
  std::string description;  // 0..4,096 bytes
  // The length of a booking when the request names none; > 0, at most 400 days.
  Seconds duration{0};
  // Other lengths a booking may choose (besides `duration`); each > 0, at most 20.
  std::vector<Seconds> allowed_durations;
  // What one booking takes, as ReserveRequest::allocations (1..20): resources and/or pools
  // with quantities. Each must exist in the tenant and not be archived when the service is
  // created or updated.
  std::vector<AllocationRequest> allocations;
  // Tighten the resources' policies for bookings of this service: the larger of these and
  // each resource's own buffer or notice applies (0..1 day for buffers, 0..365 days for
  // notice). A longer buffer is kept on the reservation, so it goes on blocking its
  // neighbours for as long as the reservation counts.
  Seconds buffer_before{0};
  Seconds buffer_after{0};
  Seconds min_notice{0};
  // The price, in minor units of `currency` (cents), recorded on every reservation of the
  // service; boka does no payment. Unset: no price. 0..10^12.
  std::optional<std::int64_t> price_minor;
  std::string currency;  // ISO 4217 code of three capital letters; required with a price
  // Whether customers (principals that see only their own reservations) may book it and
  // find it in availability; staff may book every service.
  bool customer_bookable = true;
  BookingRules rules;                // cutoffs and per-customer limits of its bookings
  std::string metadata_json = "{}";  // a JSON object, up to 64 KiB
  Instant created_at{};
  Instant updated_at{};
  // Archived services take no new bookings; their reservations keep naming them and stay
  // readable, and get() still returns them.
  std::optional<Instant> archived_at;
  std::int64_t version = 0;  // bumped by every update; pass it back to update
};

// The services facet of an Engine (Engine::services()). Creating, updating and archiving
// need "catalog:write" (admins); reading needs "resources:read", and a customer sees only
// services that are customer_bookable and not archived.
// Thread-safety: every method may be called from any number of threads at once.
class Services {
 public:
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Validates every field (invalid_argument naming it: an unknown or archived resource or
  // pool, a negative price, a price without a currency, a cutoff longer than a resource's
  // booking horizon, ...). Nothing is stored on any error.
  Result<Service> create(const Principal& who, TenantId tenant, const Service& spec);
  Result<Service> get(const Principal& who, TenantId tenant, ServiceId id);
  // By id.
  Result<std::vector<Service>> list(const Principal& who, TenantId tenant,
                                    bool include_archived = false);
  // Replaces every field; service.version must equal the stored version (else conflict).
  // Existing reservations keep the terms they were booked with.
  Result<Service> update(const Principal& who, TenantId tenant, const Service& service);
  // Idempotent.
  Result<Service> archive(const Principal& who, TenantId tenant, ServiceId id);

 private:
  friend class Engine;
  explicit Services(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
