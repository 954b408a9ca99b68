// boka consumer smoke test: opens an in-memory engine, creates a tenant and a resource,
// reserves one slot and prints it. Exits nonzero on any failure.
#include <boka/boka.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace {

int fail(const char* step, const boka::Status& status) {
  std::cerr << "consumer: " << step << " failed: " << status.to_string() << "\n";
  return 1;
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  const boka::Instant t0 = boka::from_unix(1735689600);  // 2025-01-01T00:00:00Z
  auto clock = std::make_shared<boka::ManualClock>(t0);

  auto opened = boka::Engine::open("memory:", boka::EngineOptions{clock});
  if (!opened.ok()) return fail("Engine::open(\"memory:\")", opened.status());
  boka::Engine& engine = **opened;
  const boka::Principal sys = boka::Principal::system();

  boka::Tenant tenant_spec;
  tenant_spec.name = "consumer";
  auto tenant = engine.create_tenant(sys, tenant_spec);
  if (!tenant.ok()) return fail("create_tenant", tenant.status());

  boka::Resource resource_spec;
  resource_spec.name = "room 1";
  resource_spec.zone = "UTC";
  auto resource = engine.create_resource(sys, tenant->id, resource_spec);
  if (!resource.ok()) return fail("create_resource", resource.status());

  boka::ReserveRequest request;
  request.allocations = {boka::AllocationRequest::of_resource(resource->id)};
  request.start = t0 + 24h + 9h;  // 2025-01-02T09:00:00Z
  request.end = request.start + 1h;
  request.customer = "consumer-smoke-test";
  auto reservation = engine.reserve(sys, tenant->id, request);
  if (!reservation.ok()) return fail("reserve", reservation.status());

  if (reservation->allocations.size() != 1 ||
      reservation->allocations.front().resource != resource->id ||
      reservation->start != request.start || reservation->end != request.end) {
    std::cerr << "consumer: reserve returned an unexpected reservation\n";
    return 1;
  }
  // The same slot again must be refused as a conflict.
  auto again = engine.reserve(sys, tenant->id, request);
  if (again.ok() || again.status().code() != boka::Code::conflict) {
    std::cerr << "consumer: a second booking of the same slot was not refused as a conflict\n";
    return 1;
  }

  std::cout << "boka " << boka::version_string() << ": reservation " << reservation->id
            << " on resource " << resource->id << " (" << resource->name << ") "
            << boka::format_utc(reservation->start) << " .. " << boka::format_utc(reservation->end)
            << " " << boka::status_name(reservation->status) << "\n";
  return 0;
}
