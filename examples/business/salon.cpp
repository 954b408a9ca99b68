// A business set up end to end (docs/business-setup.md): a hair salon with two stylists in
// a pool and two chairs, a "Haircut" service (45 or 60 minutes, one stylist and one chair,
// 15 minutes to clean up, EUR 35.00), booking rules (no cancelling within 24 hours, at most
// two upcoming haircuts per customer), a customer record, and then the day-to-day: booking
// by service, a limit refusing a third booking, a late cancel refused and overridden by
// staff, an edit, the day's list by start, an export and an erasure.
//
//   ./boka_example_salon         (uses ./boka-salon.db, or $BOKA_EXAMPLE_DB)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boka/boka.hpp>

namespace {

int fail(const char* what, const boka::Status& st) {
  std::fprintf(stderr, "error: %s: %s\n", what, st.to_string().c_str());
  return 1;
}

// Unwraps a result or ends the program with its error.
#define OR_FAIL(var, expr) \
  auto var = (expr);       \
  if (!var.ok()) return fail(#expr, var.status())

}  // namespace

int main() {
  using namespace std::chrono;
  const char* env = std::getenv("BOKA_EXAMPLE_DB");
  const std::string path = env ? env : "boka-salon.db";
  OR_FAIL(opened, boka::Engine::open("sqlite:" + path));
  boka::Engine& engine = **opened;
  const boka::Principal staff = boka::Principal::system();  // an embedder's own login

  // --- The business, configured once -------------------------------------------------
  boka::Tenant salon;  // one tenant per run, so the example can run again on one file
  salon.name =
      "Salon " +
      std::to_string(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
  OR_FAIL(tenant, engine.create_tenant(staff, salon));
  const boka::TenantId t = tenant->id;

  boka::Schedule opening;
  opening.name = "Every day 9-18";
  for (auto day : {boka::Weekday::monday, boka::Weekday::tuesday, boka::Weekday::wednesday,
                   boka::Weekday::thursday, boka::Weekday::friday, boka::Weekday::saturday,
                   boka::Weekday::sunday}) {
    opening.weekly.push_back({day, {{9 * 60, 18 * 60}}});
  }
  OR_FAIL(schedule, engine.create_schedule(staff, t, opening));
  const auto resource = [&](const char* name, int capacity) {
    boka::Resource r;
    r.name = name;
    r.zone = "Europe/Berlin";
    r.capacity = capacity;
    r.schedule = schedule->id;
    return engine.create_resource(staff, t, r);
  };
  OR_FAIL(ana, resource("Ana (stylist)", 1));
  OR_FAIL(ben, resource("Ben (stylist)", 1));
  OR_FAIL(chair, resource("Chairs", 2));  // two chairs: one resource of capacity 2
  boka::Pool stylists;
  stylists.name = "Stylists";
  stylists.members = {ana->id, ben->id};
  OR_FAIL(pool, engine.create_pool(staff, t, stylists));

  boka::Service haircut;
  haircut.name = "Haircut";
  haircut.duration = minutes(45);
  haircut.allowed_durations = {minutes(60)};
  haircut.allocations = {boka::AllocationRequest::of_pool(pool->id),
                         boka::AllocationRequest::of_resource(chair->id)};
  haircut.buffer_after = minutes(15);
  haircut.price_minor = 3500;
  haircut.currency = "EUR";
  haircut.rules.cancel_cutoff = hours(24);
  haircut.rules.max_active_per_customer = 2;
  OR_FAIL(service, engine.services().create(staff, t, haircut));

  boka::TenantRules rules;  // no hold longer than 15 minutes, for the whole salon
  rules.max_hold = minutes(15);
  OR_FAIL(ruled, engine.update_tenant_rules(staff, t, rules, tenant->version));

  boka::Customer ada;
  ada.display_name = "Ada Lovelace";
  ada.email = "ada@example.com";
  ada.phone = "+44 20 7946 0000";
  ada.locale = "en-GB";
  ada.time_zone = "Europe/London";
  OR_FAIL(customer, engine.customers().create(staff, t, ada));
  std::printf("set up: service %lld (%s), customer %lld\n",
              static_cast<long long>(service->id.value()), service->name.c_str(),
              static_cast<long long>(customer->id.value()));

  // --- Day to day --------------------------------------------------------------------
  // The first free haircut of `length` at or after `from` (within a week).
  const auto next_slot = [&](boka::Instant from, boka::Seconds length) -> boka::Result<boka::Slot> {
    boka::AvailabilityQuery query;
    query.service = service->id;
    query.from = from;
    query.to = from + hours(24 * 7);
    query.duration = length;
    query.limit = 1;
    auto page = engine.availability_page(staff, t, query);
    if (!page.ok()) return page.status();
    if (page->slots.empty()) return boka::Status(boka::Code::conflict, "no free haircut this week");
    return page->slots.front();
  };
  const auto now = boka::Instant(ceil<minutes>(system_clock::now()).time_since_epoch());
  OR_FAIL(soonest, next_slot(now, minutes(45)));

  boka::ReserveRequest request;
  request.service = service->id;
  request.start = soonest->start;  // end unset: the service's 45 minutes
  request.customer_id = customer->id;
  request.notes = "first visit";
  OR_FAIL(first, engine.reserve(staff, t, request));
  std::printf("booked reservation %lld at %s for %lld %s with resource %lld\n",
              static_cast<long long>(first->id.value()), boka::format_utc(first->start).c_str(),
              static_cast<long long>(first->price_minor.value_or(0)), first->currency.c_str(),
              static_cast<long long>(first->allocations.front().resource.value()));

  OR_FAIL(later, next_slot(first->start + hours(20), minutes(45)));
  request.start = later->start;
  request.notes.clear();
  OR_FAIL(second, engine.reserve(staff, t, request));
  OR_FAIL(latest, next_slot(second->start + hours(20), minutes(45)));
  request.start = latest->start;
  auto third = engine.reserve(staff, t, request);
  std::printf("third booking refused: %s (rule %s)\n", third.status().message().c_str(),
              third.status().conflict() ? third.status().conflict()->rule.c_str() : "-");

  // Cancelling within 24 hours of the start is refused, until staff override it.
  auto late = engine.cancel(staff, t, first->id);
  std::printf("late cancel refused: %s\n", late.status().message().c_str());
  boka::ChangeGuard override_guard;
  override_guard.override_rules = true;
  OR_FAIL(cancelled, engine.cancel(staff, t, first->id, override_guard));
  std::printf("cancelled by staff override: reservation %lld\n",
              static_cast<long long>(cancelled->id.value()));

  // An edit: the longer cut at the next free hour, in one checked step.
  OR_FAIL(longer, next_slot(second->end, minutes(60)));
  boka::ReservationUpdate edit;
  edit.start = longer->start;
  edit.end = longer->end;
  edit.notes = "wants the 60-minute cut";
  OR_FAIL(moved, engine.update_reservation(staff, t, second->id, edit));
  std::printf("moved reservation %lld to %s\n", static_cast<long long>(moved->id.value()),
              boka::format_utc(moved->start).c_str());

  // The salon's bookings by start, a page of 10 at a time.
  boka::ReservationFilter by_start;
  by_start.order = boka::ReservationOrder::by_start;
  by_start.limit = 10;
  OR_FAIL(listed, engine.list_reservations(staff, t, by_start));
  for (const boka::Reservation& r : *listed) {
    std::printf("  %s  %-9s reservation %lld\n", boka::format_utc(r.start).c_str(),
                boka::status_name(r.status), static_cast<long long>(r.id.value()));
  }

  // Privacy: everything boka holds about Ada, then her erasure.
  OR_FAIL(exported, engine.customers().export_data(staff, t, customer->id));
  std::printf("export: %zu bytes\n", exported->size());
  OR_FAIL(erased, engine.customers().erase(staff, t, customer->id));
  OR_FAIL(kept, engine.get_reservation(staff, t, moved->id));
  OR_FAIL(verified, engine.operations().verify_audit(staff));
  std::printf("erased customer %lld; reservation %lld still %s; audit trail %s\n",
              static_cast<long long>(erased->id.value()), static_cast<long long>(kept->id.value()),
              boka::status_name(kept->status), verified->ok ? "verifies" : "BROKEN");
  return verified->ok ? 0 : 1;
}
