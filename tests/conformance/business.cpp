// Storage conformance through the engine for services, booking rules, customers and edits:
// one scripted business day gives the same transcript (outcomes, ids, rule names, deadlines,
// list pages) on every store as on boka's in-memory store, and the reference transcript
// itself says what a user would see.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::conformance::conformance_stores;

namespace {

std::string outcome(const Status& st) {
  if (st.ok()) return "ok";
  std::string out = code_name(st.code());
  if (st.conflict() && !st.conflict()->rule.empty()) out += "/" + st.conflict()->rule;
  if (st.conflict() && st.conflict()->deadline) out += "@" + format_utc(*st.conflict()->deadline);
  return out;
}

template <typename T>
std::string outcome(const Result<T>& r) {
  return outcome(r.status());
}

// The scripted day, on one store; returns its transcript.
std::string business_day(std::shared_ptr<Storage> store) {
  auto clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 8));
  auto engine = Engine::open(std::move(store), EngineOptions{clock}).value();
  const TenantId t = engine->create_tenant(sys(), Tenant{TenantId{}, "salon"})->id;
  std::string out;
  const auto line = [&](const std::string& text) { out += text + "\n"; };

  std::vector<ResourceId> rooms;
  for (int i = 0; i < 3; ++i) {
    Resource spec;
    spec.name = "r" + std::to_string(i);
    spec.zone = "Europe/Berlin";
    spec.capacity = i == 2 ? 2 : 1;
    if (i == 2) {
      spec.rules.cancel_cutoff = hours(24);
      spec.rules.max_per_customer_per_day = 1;
    }
    rooms.push_back(engine->create_resource(sys(), t, spec)->id);
  }
  const PoolId pool =
      engine->create_pool(sys(), t, Pool{PoolId{}, TenantId{}, "stylists", {rooms[0], rooms[1]}})
          ->id;
  Service sv;
  sv.name = "cut";
  sv.duration = minutes(45);
  sv.allowed_durations = {minutes(60)};
  sv.allocations = {AllocationRequest::of_pool(pool), AllocationRequest::of_resource(rooms[2])};
  sv.buffer_after = minutes(30);
  sv.price_minor = 3500;
  sv.currency = "EUR";
  sv.rules.max_active_per_customer = 2;
  const auto service = engine->services().create(sys(), t, sv);
  line("service " + outcome(service));
  TenantRules tr;
  tr.max_hold = minutes(20);
  line("tenant rules " + outcome(engine->update_tenant_rules(sys(), t, tr, 1)));

  Customer a;
  a.display_name = "Ada Lovelace";
  a.email = "Ada@Example.com";
  const auto ada = engine->customers().create(sys(), t, a);
  Customer b;
  b.display_name = "A. Lovelace";
  b.external_ref = "crm-7";
  const auto ada2 = engine->customers().create(sys(), t, b);
  Customer dup;
  dup.display_name = "Someone";
  dup.email = "ada@example.com";
  line("customers " + outcome(ada) + " " + outcome(ada2) + " dup " +
       outcome(engine->customers().create(sys(), t, dup)));
  CustomerFilter search;
  search.query = "LOVE";
  std::string found;
  const auto matches = engine->customers().list(sys(), t, search).value();
  for (const Customer& c : matches) {
    found += " " + std::to_string(c.id) + ":" + c.email;
  }
  line("search" + found);

  // Bookings by service, for the two records of one person.
  const auto book = [&](Instant start, std::optional<CustomerId> who, Instant end = Instant{}) {
    ReserveRequest req;
    req.service = service->id;
    req.start = start;
    req.end = end;
    req.customer_id = who;
    auto r = engine->reserve(sys(), t, req);
    std::string text = outcome(r);
    if (r.ok()) {
      text += " id " + std::to_string(r->id) + " " + format_utc(r->start) + "-" +
              format_utc(r->end) + " on";
      for (const Allocation& al : r->allocations) text += " " + std::to_string(al.resource);
      text += " price " + std::to_string(r->price_minor.value_or(-1)) + r->currency;
    }
    line(text);
    return r;
  };
  auto first = book(utc(2026, 3, 3, 9), ada->id);        // Ana and a chair
  (void)book(utc(2026, 3, 3, 12), ada->id);              // r2's daily limit
  auto second = book(utc(2026, 3, 3, 9), std::nullopt);  // Ben, the 2nd chair
  (void)book(utc(2026, 3, 3, 9, 15), std::nullopt);      // no stylist free
  (void)book(utc(2026, 3, 3, 10), std::nullopt);         // the buffers: refused
  auto third = book(utc(2026, 3, 4, 9), ada->id, utc(2026, 3, 4, 10));
  (void)book(utc(2026, 3, 5, 9), ada->id);           // the service's limit
  (void)book(utc(2026, 3, 5, 9, 10), std::nullopt);  // off the grid

  // Availability of the service on 3 March, with its buffers.
  AvailabilityQuery q;
  q.service = service->id;
  q.from = utc(2026, 3, 3, 8);
  q.to = utc(2026, 3, 3, 12);
  std::string slots;
  const auto offered = engine->availability(sys(), t, q).value();
  for (const Slot& s : offered) slots += " " + format_utc(s.start);
  line("slots" + slots);

  // Cutoffs, overrides, edits.
  clock->set(utc(2026, 3, 2, 10));
  line("late cancel " + outcome(engine->cancel(sys(), t, first->id)));
  line("override " + outcome(engine->cancel(sys(), t, first->id, ChangeGuard{std::nullopt, true})));
  ReservationUpdate edit;
  edit.notes = "wants a fringe";
  edit.customer_id = ada2->id;
  auto edited = engine->update_reservation(sys(), t, third->id, edit);
  line("edit " + outcome(edited) + " v" + std::to_string(edited.ok() ? edited->version : 0));
  ReservationUpdate move;
  move.start = utc(2026, 3, 3, 9);
  move.guard.if_version = edited->version;
  auto moved = engine->update_reservation(sys(), t, third->id, move);
  line("move " + outcome(moved) + (moved.ok() ? " " + format_utc(moved->end) : ""));
  line("stale " + outcome(engine->update_reservation(sys(), t, third->id, move)));

  // Merge, then the listing by start, page by page.
  auto merged = engine->customers().merge(sys(), t, ada->id, ada2->id);
  line("merge " + outcome(merged) + " ref " + (merged.ok() ? merged->external_ref : ""));
  ReservationFilter f;
  f.order = ReservationOrder::by_start;
  f.limit = 2;
  for (int page = 0; page < 5; ++page) {
    auto rows = engine->list_reservations(sys(), t, f).value();
    std::string text = "page";
    for (const Reservation& r : rows) {
      text += " " + std::to_string(r.id) + "/" + status_name(r.status) + "/" +
              std::to_string(r.customer_id.value_or(CustomerId{}));
    }
    line(text);
    if (static_cast<int>(rows.size()) < f.limit) break;
    f.after_start = rows.back().start;
    f.after_id = rows.back().id;
  }
  ReservationFilter of_customer;
  of_customer.customer_id = ada->id;
  of_customer.service = service->id;
  line("ada's cuts " + std::to_string(engine->list_reservations(sys(), t, of_customer)->size()));

  // Erasure keeps the bookings and the audit chain.
  auto erased = engine->customers().erase(sys(), t, ada->id);
  auto kept = engine->get_reservation(sys(), t, third->id);
  line("erase " + outcome(erased) + " notes '" + (kept.ok() ? kept->notes : "?") + "' status " +
       (kept.ok() ? status_name(kept->status) : "?"));
  line("audit " +
       std::string(engine->operations().verify_audit(sys())->ok ? "verifies" : "broken"));
  (void)second;
  return out;
}

}  // namespace

TEST_CASE("conformance: services, rules, customers and edits give one transcript on every store") {
  const std::string reference = business_day(open_storage("memory:").value());
  // What a user sees, spelled out once on the reference.
  CHECK_THAT(reference, Catch::Contains("dup already_exists"));
  CHECK_THAT(reference, Catch::Contains("conflict/max_per_customer_per_day"));
  CHECK_THAT(reference, Catch::Contains("conflict/max_active_per_customer"));
  CHECK_THAT(reference, Catch::Contains("late cancel conflict/cancel_cutoff@2026-03-02T09:00:00Z"));
  CHECK_THAT(reference, Catch::Contains("override ok"));
  CHECK_THAT(reference, Catch::Contains("invalid_argument"));  // off the grid
  CHECK_THAT(reference, Catch::Contains("price 3500EUR"));
  CHECK_THAT(reference, Catch::Contains("move ok 2026-03-03T10:00:00Z"));
  CHECK_THAT(reference, Catch::Contains("stale conflict"));
  CHECK_THAT(reference, Catch::Contains("ada's cuts 2"));
  CHECK_THAT(reference, Catch::Contains("merge ok ref crm-7"));
  CHECK_THAT(reference, Catch::Contains("erase ok notes '' status confirmed"));
  CHECK_THAT(reference, Catch::Contains("audit verifies"));
  INFO(reference);
  for (const auto& factory : conformance_stores()) {
    INFO("store " << factory.name);
    CHECK(business_day(factory.make()) == reference);
  }
}
