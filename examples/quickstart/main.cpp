// boka quickstart: opens the default SQLite file, creates a tenant and a resource in
// Europe/Berlin with a schedule, prints a week of availability, books a slot, and shows a
// refused booking with its next free start.
//
//   ./boka_quickstart            (uses ./boka-quickstart.db, or $BOKA_QUICKSTART_DB)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boka/boka.hpp>

namespace {

int fail(const boka::Status& st) {
  std::fprintf(stderr, "error: %s\n", st.to_string().c_str());
  return 1;
}

}  // namespace

int main() {
  using namespace std::chrono;
  const char* env = std::getenv("BOKA_QUICKSTART_DB");
  const std::string path = env ? env : "boka-quickstart.db";
  auto opened = boka::Engine::open("sqlite:" + path);
  if (!opened.ok()) return fail(opened.status());
  boka::Engine& engine = **opened;
  const boka::Principal system = boka::Principal::system();

  // One tenant per run, so the example can be run again on the same file.
  const std::string tenant_name =
      "Quickstart clinic " +
      std::to_string(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
  boka::Tenant clinic;
  clinic.name = tenant_name;
  auto tenant = engine.create_tenant(system, clinic);
  if (!tenant.ok()) return fail(tenant.status());

  boka::Schedule hours;
  hours.name = "Weekdays 9-17, lunch 12-13";
  for (auto day : {boka::Weekday::monday, boka::Weekday::tuesday, boka::Weekday::wednesday,
                   boka::Weekday::thursday, boka::Weekday::friday}) {
    hours.weekly.push_back({day, {{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}});
  }
  auto schedule = engine.create_schedule(system, tenant->id, hours);
  if (!schedule.ok()) return fail(schedule.status());

  boka::Resource room;
  room.name = "Treatment room 1";
  room.zone = "Europe/Berlin";
  room.capacity = 1;
  room.schedule = schedule->id;
  room.policy.slot_step = minutes(60);
  room.policy.buffer_after = minutes(0);
  auto resource = engine.create_resource(system, tenant->id, room);
  if (!resource.ok()) return fail(resource.status());

  // Next Monday, 00:00 UTC.
  const sys_days today = floor<days>(system_clock::now());
  const int until = static_cast<int>((8 - weekday{today}.c_encoding()) % 7);
  const boka::Instant monday = today + days(until == 0 ? 7 : until);
  boka::AvailabilityQuery query;
  query.requests = {boka::AllocationRequest::of_resource(resource->id)};
  query.from = monday;
  query.to = monday + days(7);
  query.duration = minutes(60);
  auto slots = engine.availability(system, tenant->id, query);
  if (!slots.ok()) return fail(slots.status());
  std::printf("%zu free one-hour slots in the week from %s:\n", slots->size(),
              boka::format_utc(monday).c_str());
  for (const boka::Slot& s : *slots) std::printf("  %s\n", boka::format_utc(s.start).c_str());
  if (slots->empty()) return fail(boka::InternalError("no slots"));

  boka::ReserveRequest request;
  request.allocations = {boka::AllocationRequest::of_resource(resource->id)};
  request.start = slots->front().start;
  request.end = slots->front().end;
  request.customer = "patient-17";
  auto booked = engine.reserve(system, tenant->id, request);
  if (!booked.ok()) return fail(booked.status());
  std::printf("booked reservation %lld at %s\n", static_cast<long long>(booked->id),
              boka::format_utc(booked->start).c_str());

  auto refused = engine.reserve(system, tenant->id, request);
  if (refused.ok() || refused.status().code() != boka::Code::conflict) {
    return fail(boka::InternalError("the second booking should have been refused"));
  }
  std::printf("second booking refused: %s\n", refused.status().message().c_str());
  if (const auto* conflict = refused.status().conflict(); conflict && conflict->next_free_start) {
    std::printf("next free start: %s\n", boka::format_utc(*conflict->next_free_start).c_str());
  }
  return 0;
}
