// Shape checks on caller input, before any storage is touched. Each refusal is
// invalid_argument naming the field.
#pragma once

#include "boka/engine.hpp"
#include "boka/series.hpp"

namespace boka::detail {

Status validate_name(const std::string& name, const char* field);
Status validate_resource(const Resource& r);  // all but the schedule's existence
Status validate_pool_shape(const Pool& p);
Status validate_reserve_request(const ReserveRequest& req);
// The fields a single booking and a series share: hold length, idempotency key, customer
// and metadata.
Status validate_booking_extras(const std::optional<Seconds>& hold_for,
                               const std::string& idempotency_key, const std::string& customer,
                               const std::string& metadata_json);
Status validate_series_request(const SeriesRequest& req);
Status validate_reservation_update(const ReservationUpdate& update);
Status validate_range(Instant start, Instant end, const char* start_field, const char* end_field);
Status validate_allocation_requests(const std::vector<AllocationRequest>& requests,
                                    const char* field);
Status validate_rules(const BookingRules& rules, const std::string& field);
// Cutoffs longer than a booking horizon (when one is set) would forbid every change.
Status check_cutoffs_within(const BookingRules& rules, Seconds horizon, const std::string& field,
                            const std::string& what);
Status validate_tenant_rules(const TenantRules& rules);
Status validate_service_shape(const Service& service);  // all but the catalog lookups
Status validate_customer(const Customer& customer);     // the personal fields
// UTF-8 text of at most max_bytes without control characters (newlines and tabs allowed
// where allow_newlines).
Status validate_text(const std::string& text, std::size_t max_bytes, const std::string& field,
                     bool allow_newlines);

// A canonical text of the request, hashed for idempotency.
std::string request_fingerprint(const ReserveRequest& req);
std::string series_fingerprint(const SeriesRequest& req);

}  // namespace boka::detail
