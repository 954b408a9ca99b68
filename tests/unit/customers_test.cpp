// Customers, editing bookings and listing them, through the engine (boka/customer.hpp,
// Engine::update_reservation, ReservationFilter), on memory and on a real SQLite file:
// records, search, uniqueness, a customer's own view, merging, export, erasure (with the
// audit trail still verifying and free of personal data), edits that move a booking
// atomically, and keyset pages by start.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

#define store_uri(db)                                                                   \
  (GENERATE(as<std::string>{}, "memory", "sqlite") == "memory" ? std::string("memory:") \
                                                               : (db).uri())

struct Desk {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  TenantId tenant{};

  explicit Desk(const std::string& uri, Instant now = utc(2026, 3, 2, 8)) {
    clock = std::make_shared<ManualClock>(now);
    EngineOptions options{clock};
    options.auth.argon2_memory_kib = 64;
    options.auth.argon2_iterations = 1;
    engine = Engine::open(uri, options).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "clinic"}).value().id;
  }

  ResourceId resource(const std::string& name, int capacity = 1) {
    Resource spec;
    spec.name = name;
    spec.zone = "UTC";
    spec.capacity = capacity;
    return engine->create_resource(sys(), tenant, spec).value().id;
  }

  Customer customer(const std::string& name, const std::string& email,
                    std::optional<UserId> user = std::nullopt) {
    Customer c;
    c.display_name = name;
    c.email = email;
    c.phone = "+49 30 1234567";
    c.locale = "de-DE";
    c.time_zone = "Europe/Berlin";
    c.notes = "prefers mornings";
    c.user = user;
    auto made = engine->customers().create(sys(), tenant, c);
    if (!made.ok()) throw std::runtime_error(made.status().to_string());
    return *made;
  }

  std::pair<UserId, Principal> user(const std::string& email, Role role) {
    const std::string password = "correct horse battery";
    auto u = engine->auth().create_user(sys(), tenant, NewUser{email, "", role, password});
    if (!u.ok()) throw std::runtime_error(u.status().to_string());
    auto login = engine->auth().login(LoginRequest{tenant, email, password});
    if (!login.ok()) throw std::runtime_error(login.status().to_string());
    return {u->id, login->principal};
  }

  Result<Reservation> book(const Principal& who, ResourceId room, Instant start, Instant end,
                           std::optional<CustomerId> customer = std::nullopt,
                           const std::string& notes = "") {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = start;
    req.end = end;
    req.customer_id = customer;
    req.notes = notes;
    return engine->reserve(who, tenant, req);
  }

  std::vector<AuditRecord> audit() {
    AuditQuery q;
    q.tenant = tenant;
    q.limit = 10000;
    return engine->operations().audit_records(sys(), q).value();
  }
};

std::vector<ReservationId> ids(const std::vector<Reservation>& rows) {
  std::vector<ReservationId> out;
  for (const Reservation& r : rows) out.push_back(r.id);
  return out;
}

}  // namespace

TEST_CASE("customers: records, search by name or email prefix, and unique identities") {
  TempDb db;
  Desk desk(store_uri(db));
  auto ada = desk.customer("Ada Lovelace", "Ada@Example.com");
  CHECK(ada.email == "ada@example.com");  // stored lower-case
  CHECK(ada.version == 1);
  auto alan = desk.customer("Alan Turing", "alan@example.org");
  desk.customer("Grace Hopper", "grace@navy.example");

  const auto search = [&](const std::string& query) {
    CustomerFilter f;
    f.query = query;
    std::vector<std::string> names;
    const auto listed = desk.engine->customers().list(sys(), desk.tenant, f).value();
    for (const Customer& c : listed) {
      names.push_back(c.display_name);
    }
    return names;
  };
  CHECK(search("") == std::vector<std::string>{"Ada Lovelace", "Alan Turing", "Grace Hopper"});
  CHECK(search("a") == std::vector<std::string>{"Ada Lovelace", "Alan Turing"});
  CHECK(search("TUR") == std::vector<std::string>{"Alan Turing"});      // a later word
  CHECK(search("grace@") == std::vector<std::string>{"Grace Hopper"});  // email
  CHECK(search("%").empty());                                           // no wildcards
  CHECK(search("_da").empty());
  CustomerFilter page;
  page.limit = 1;
  page.after_id = ada.id;
  auto second = desk.engine->customers().list(sys(), desk.tenant, page).value();
  REQUIRE(second.size() == 1);
  CHECK(second.front().id == alan.id);

  // By exact email, in any case; a prefix or an unknown address finds nothing.
  CHECK(desk.engine->customers().get_by_email(sys(), desk.tenant, "ADA@example.COM").value().id ==
        ada.id);
  CHECK(desk.engine->customers().get_by_email(sys(), desk.tenant, "ada@").status().code() ==
        Code::not_found);
  CHECK(desk.engine->customers().get_by_email(sys(), desk.tenant, "").status().code() ==
        Code::not_found);

  // One email, one external reference per live customer.
  Customer twin;
  twin.display_name = "Someone";
  twin.email = "ADA@example.com";
  auto dup = desk.engine->customers().create(sys(), desk.tenant, twin);
  CHECK(dup.status().code() == Code::already_exists);
  CHECK_THAT(dup.status().message(), Catch::Contains("customer.email"));
  // Bad fields name themselves; nothing is stored.
  for (auto [field, change] : std::vector<std::pair<std::string, std::function<void(Customer&)>>>{
           {"customer.email", [](Customer& c) { c.email = "no-at-sign"; }},
           {"customer.locale", [](Customer& c) { c.locale = "not a locale"; }},
           {"customer.time_zone", [](Customer& c) { c.time_zone = "Mars/Olympus"; }},
           {"customer.display_name", [](Customer& c) { c.display_name = ""; }},
           {"customer.phone", [](Customer& c) { c.phone = std::string(60, '1'); }},
       }) {
    Customer c;
    c.display_name = "Valid";
    change(c);
    auto r = desk.engine->customers().create(sys(), desk.tenant, c);
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK_THAT(r.status().message(), Catch::Contains(field));
  }
  CHECK(search("").size() == 3);
  // Updates guard their version.
  ada.phone = "+44 20 7946 0000";
  auto updated = desk.engine->customers().update(sys(), desk.tenant, ada);
  REQUIRE(updated.ok());
  CHECK(updated->version == 2);
  CHECK(desk.engine->customers().update(sys(), desk.tenant, ada).status().code() == Code::conflict);
}

TEST_CASE("customers: a customer-role user books as their record and sees only it") {
  TempDb db;
  Desk desk(store_uri(db));
  auto room = desk.resource("Room", 3);
  auto [carla_id, carla] = desk.user("carla@example.com", Role::customer);
  auto [dan_id, dan] = desk.user("dan@example.com", Role::customer);
  auto carla_record = desk.customer("Carla", "carla@example.com", carla_id);
  auto other = desk.customer("Someone Else", "else@example.com");
  // A staff user cannot be linked as a customer.
  auto [sam_id, sam] = desk.user("sam@example.com", Role::staff);
  Customer staff_link;
  staff_link.display_name = "Sam";
  staff_link.user = sam_id;
  CHECK(desk.engine->customers().create(sys(), desk.tenant, staff_link).status().code() ==
        Code::invalid_argument);

  auto mine = desk.book(carla, room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10));
  REQUIRE(mine.ok());
  CHECK(mine->customer_id == carla_record.id);  // set automatically
  CHECK(
      desk.book(carla, room, utc(2026, 3, 3, 11), utc(2026, 3, 3, 12), other.id).status().code() ==
      Code::permission_denied);
  CHECK(desk.engine->customers().get(carla, desk.tenant, carla_record.id).ok());
  CHECK(desk.engine->customers().get(carla, desk.tenant, other.id).status().code() ==
        Code::not_found);
  CHECK(desk.engine->customers().get(dan, desk.tenant, carla_record.id).status().code() ==
        Code::not_found);
  // By email too: her own record, never another's (the same answer as for no record).
  CHECK(desk.engine->customers().get_by_email(carla, desk.tenant, "carla@example.com").ok());
  CHECK(desk.engine->customers()
            .get_by_email(carla, desk.tenant, "else@example.com")
            .status()
            .code() == Code::not_found);
  auto listed = desk.engine->customers().list(carla, desk.tenant, {});
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == carla_record.id);
  CHECK(desk.engine->customers().list(dan, desk.tenant, {})->empty());
  // Carla may correct her own contact details, not staff notes.
  Customer edit = carla_record;
  edit.phone = "+49 170 000000";
  edit.notes = "VIP";
  auto refused = desk.engine->customers().update(carla, desk.tenant, edit);
  CHECK(refused.status().code() == Code::permission_denied);
  CHECK_THAT(refused.status().message(), Catch::Contains("customer.notes"));
  edit.notes = carla_record.notes;
  auto edited = desk.engine->customers().update(carla, desk.tenant, edit);
  REQUIRE(edited.ok());
  CHECK(edited->phone == "+49 170 000000");
  CHECK(edited->notes == "prefers mornings");
  // A booking staff make for her record is hers to see and change, like her own.
  auto for_her = desk.book(sys(), room, utc(2026, 3, 3, 13), utc(2026, 3, 3, 14), carla_record.id);
  REQUIRE(for_her.ok());
  CHECK(desk.engine->get_reservation(carla, desk.tenant, for_her->id).ok());
  CHECK(desk.engine->get_reservation(dan, desk.tenant, for_her->id).status().code() ==
        Code::not_found);
  ReservationFilter by_start;
  by_start.order = ReservationOrder::by_start;
  CHECK(ids(desk.engine->list_reservations(carla, desk.tenant, by_start).value()) ==
        std::vector<ReservationId>{mine->id, for_her->id});
  CHECK(desk.engine->cancel(carla, desk.tenant, for_her->id).ok());
  // Her bookings, through the record; staff see them too; another customer does not.
  CHECK(ids(desk.engine->customers().bookings(carla, desk.tenant, carla_record.id).value()) ==
        std::vector<ReservationId>{mine->id, for_her->id});
  CHECK(ids(desk.engine->customers().bookings(sam, desk.tenant, carla_record.id).value()) ==
        std::vector<ReservationId>{mine->id, for_her->id});
  // So is a waitlist entry staff made for her record.
  WaitlistRequest wait;
  wait.allocations = {AllocationRequest::of_resource(room)};
  wait.earliest_start = wait.latest_start = utc(2026, 3, 3, 9);
  wait.duration = hours(1);
  wait.customer_id = carla_record.id;
  auto entry = desk.engine->waitlist().join(sys(), desk.tenant, wait);
  REQUIRE(entry.ok());
  auto her_entries = desk.engine->waitlist().list(carla, desk.tenant, {});
  REQUIRE(her_entries.ok());
  REQUIRE(her_entries->size() == 1);
  CHECK(her_entries->front().id == entry->id);
  CHECK(desk.engine->waitlist().list(dan, desk.tenant, {})->empty());
  CHECK(desk.engine->customers().bookings(dan, desk.tenant, carla_record.id).status().code() ==
        Code::not_found);
  // Customers may not create records, export others' data or erase.
  CHECK(desk.engine->customers().create(carla, desk.tenant, edit).status().code() ==
        Code::permission_denied);
  CHECK(desk.engine->customers().export_data(sam, desk.tenant, carla_record.id).status().code() ==
        Code::permission_denied);
  CHECK(desk.engine->customers().export_data(carla, desk.tenant, carla_record.id).ok());
  CHECK(desk.engine->customers().erase(carla, desk.tenant, carla_record.id).status().code() ==
        Code::permission_denied);
}

TEST_CASE("customers: merging moves every booking and leaves a tombstone") {
  TempDb db;
  Desk desk(store_uri(db));
  auto room = desk.resource("Room", 5);
  auto kept = desk.customer("Eve Adams", "eve@example.com");
  Customer second;
  second.display_name = "E. Adams";
  second.external_ref = "crm-42";
  second.phone = "+1 555 0100";
  auto absorbed = desk.engine->customers().create(sys(), desk.tenant, second).value();
  auto a = desk.book(sys(), room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), kept.id).value();
  auto b = desk.book(sys(), room, utc(2026, 3, 4, 9), utc(2026, 3, 4, 10), absorbed.id).value();
  WaitlistRequest w;
  w.allocations = {AllocationRequest::of_resource(room)};
  w.earliest_start = w.latest_start = utc(2026, 3, 5, 9);
  w.duration = hours(1);
  w.customer_id = absorbed.id;
  auto entry = desk.engine->waitlist().join(sys(), desk.tenant, w);
  REQUIRE(entry.ok());

  auto merged = desk.engine->customers().merge(sys(), desk.tenant, kept.id, absorbed.id);
  REQUIRE(merged.ok());
  CHECK(merged->external_ref == "crm-42");  // filled from the absorbed record
  CHECK(merged->phone == kept.phone);       // its own value wins
  CHECK(merged->email == "eve@example.com");
  auto tomb = desk.engine->customers().get(sys(), desk.tenant, absorbed.id).value();
  CHECK(tomb.merged_into == kept.id);
  CHECK(tomb.display_name.empty());
  CHECK(tomb.phone.empty());
  CHECK(!tomb.live());
  // The entry fitted at once, so joining made it an offer: a hold for the same customer.
  const WaitlistEntry moved_entry =
      desk.engine->waitlist().get(sys(), desk.tenant, entry->id)->entry;
  CHECK(moved_entry.customer_id == kept.id);
  REQUIRE(moved_entry.offer.has_value());
  auto all = desk.engine->customers().bookings(sys(), desk.tenant, kept.id).value();
  CHECK(ids(all) == std::vector<ReservationId>{a.id, b.id, *moved_entry.offer});
  // The tombstone takes no bookings and no edits, and cannot be merged again.
  auto stale = desk.book(sys(), room, utc(2026, 3, 6, 9), utc(2026, 3, 6, 10), absorbed.id);
  CHECK(stale.status().code() == Code::conflict);
  CHECK_THAT(stale.status().message(),
             Catch::Contains("merged into customer " + std::to_string(kept.id)));
  tomb.display_name = "Revived";
  CHECK(desk.engine->customers().update(sys(), desk.tenant, tomb).status().code() ==
        Code::conflict);
  CHECK(desk.engine->customers().merge(sys(), desk.tenant, kept.id, absorbed.id).status().code() ==
        Code::conflict);
  CHECK(desk.engine->customers().merge(sys(), desk.tenant, kept.id, kept.id).status().code() ==
        Code::invalid_argument);
  // The external reference is free for the survivor only: the tombstone no longer holds it.
  CustomerFilter inactive;
  inactive.include_inactive = true;
  CHECK(desk.engine->customers().list(sys(), desk.tenant, inactive)->size() == 2);
  CHECK(desk.engine->customers().list(sys(), desk.tenant, {})->size() == 1);
}

TEST_CASE("customers: export holds everything, erase removes it, the audit trail verifies") {
  TempDb db;
  Desk desk(store_uri(db));
  auto room = desk.resource("Room", 2);
  auto zoe = desk.customer("Zoe Quartz", "zoe.quartz@example.com");
  auto booked =
      desk.book(sys(), room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), zoe.id, "allergic to latex")
          .value();
  ReservationUpdate meta;
  meta.metadata_json = R"({"referrer":"zoe's friend"})";
  meta.customer = "Zoe Q. (walk-in)";
  REQUIRE(desk.engine->update_reservation(sys(), desk.tenant, booked.id, meta).ok());

  auto exported = desk.engine->customers().export_data(sys(), desk.tenant, zoe.id);
  REQUIRE(exported.ok());
  for (const char* expected :
       {"Zoe Quartz", "zoe.quartz@example.com", "allergic to latex", "zoe's friend",
        "Zoe Q. (walk-in)", "prefers mornings", "boka.customer-export/1", "customer.create"}) {
    CHECK_THAT(*exported, Catch::Contains(expected));
  }

  auto erased = desk.engine->customers().erase(sys(), desk.tenant, zoe.id);
  REQUIRE(erased.ok());
  CHECK(erased->erased_at.has_value());
  CHECK(erased->display_name.empty());
  CHECK(erased->email.empty());
  CHECK(desk.engine->customers().erase(sys(), desk.tenant, zoe.id)->version == erased->version);
  auto kept = desk.engine->get_reservation(sys(), desk.tenant, booked.id).value();
  CHECK(kept.customer.empty());
  CHECK(kept.notes.empty());
  CHECK(kept.metadata_json == "{}");
  CHECK(kept.customer_id == zoe.id);
  CHECK(kept.status == ReservationStatus::confirmed);  // still takes its capacity
  REQUIRE(desk.book(sys(), room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)).ok());
  CHECK(desk.book(sys(), room, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)).status().code() ==
        Code::conflict);
  // The audit trail never held any of it, and still verifies.
  for (const AuditRecord& r : desk.audit()) {
    for (const char* personal :
         {"Zoe", "zoe.quartz", "latex", "friend", "walk-in", "mornings", "1234567"}) {
      INFO(r.action << " " << r.detail_json << " " << r.reason);
      CHECK(r.detail_json.find(personal) == std::string::npos);
      CHECK(r.reason.find(personal) == std::string::npos);
    }
  }
  auto verified = desk.engine->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  auto after = desk.engine->customers().export_data(sys(), desk.tenant, zoe.id);
  REQUIRE(after.ok());
  CHECK(after->find("Zoe") == std::string::npos);
  CHECK(after->find("latex") == std::string::npos);
  CHECK_THAT(*after, Catch::Contains("customer.erase"));
}

TEST_CASE("editing: customer, notes and metadata, a move in one step, quantity, versions") {
  TempDb db;
  Desk desk(store_uri(db));
  auto small = desk.resource("Small");
  auto big = desk.resource("Big", 4);
  auto ivy = desk.customer("Ivy", "ivy@example.com");
  auto r = desk.book(sys(), small, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)).value();

  ReservationUpdate label;
  label.customer_id = ivy.id;
  label.notes = "first visit";
  label.guard.if_version = r.version;
  auto labelled = desk.engine->update_reservation(sys(), desk.tenant, r.id, label);
  REQUIRE(labelled.ok());
  CHECK(labelled->customer_id == ivy.id);
  CHECK(labelled->notes == "first visit");
  CHECK(labelled->version == r.version + 1);
  // A stale version is refused; so is an update that sets nothing.
  CHECK(desk.engine->update_reservation(sys(), desk.tenant, r.id, label).status().code() ==
        Code::conflict);
  CHECK(desk.engine->update_reservation(sys(), desk.tenant, r.id, {}).status().code() ==
        Code::invalid_argument);

  // Move to the big room one hour later, in one step: its own old placement never blocks,
  // and the small room is free again at once.
  ReservationUpdate move;
  move.allocations = std::vector<AllocationRequest>{AllocationRequest::of_resource(big, 2)};
  move.start = utc(2026, 3, 3, 10);
  auto moved = desk.engine->update_reservation(sys(), desk.tenant, r.id, move);
  REQUIRE(moved.ok());
  CHECK(moved->start == utc(2026, 3, 3, 10));
  CHECK(moved->end == utc(2026, 3, 3, 11));
  REQUIRE(moved->allocations.size() == 1);
  CHECK(moved->allocations[0].resource == big);
  CHECK(moved->allocations[0].quantity == 2);
  CHECK(desk.book(sys(), small, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10)).ok());
  // The quantity, through the full check: 2 more fit next to it, 3 more do not.
  ReserveRequest two;
  two.allocations = {AllocationRequest::of_resource(big, 2)};
  two.start = utc(2026, 3, 3, 10);
  two.end = utc(2026, 3, 3, 11);
  REQUIRE(desk.engine->reserve(sys(), desk.tenant, two).ok());
  ReservationUpdate more;
  more.quantity = 3;
  auto refused = desk.engine->update_reservation(sys(), desk.tenant, r.id, more);
  CHECK(refused.status().code() == Code::conflict);
  CHECK(desk.engine->get_reservation(sys(), desk.tenant, r.id)->allocations[0].quantity == 2);
  more.quantity = 1;
  auto fewer = desk.engine->update_reservation(sys(), desk.tenant, r.id, more);
  REQUIRE(fewer.ok());
  CHECK(fewer->allocations[0].quantity == 1);
  // Customers may not reassign a booking; a customer id that does not exist is refused.
  ReservationUpdate ghost;
  ghost.customer_id = CustomerId{424242};
  CHECK(desk.engine->update_reservation(sys(), desk.tenant, r.id, ghost).status().code() ==
        Code::not_found);
  auto [uid, customer] = desk.user("kim@example.com", Role::customer);
  auto own = desk.book(customer, small, utc(2026, 3, 4, 9), utc(2026, 3, 4, 10)).value();
  ReservationUpdate steal;
  steal.customer = "someone";
  CHECK(desk.engine->update_reservation(customer, desk.tenant, own.id, steal).status().code() ==
        Code::permission_denied);
  ReservationUpdate note;
  note.notes = "running late";
  CHECK(desk.engine->update_reservation(customer, desk.tenant, own.id, note)->notes ==
        "running late");
  // The audit record names the fields an edit changed, not their values.
  AuditQuery q;
  q.tenant = desk.tenant;
  q.action = "reservation.update";
  auto records = desk.engine->operations().audit_records(sys(), q).value();
  REQUIRE(!records.empty());
  CHECK_THAT(records.back().detail_json, Catch::Contains("\"changed\":[\"notes\"]"));
  CHECK(records.back().detail_json.find("running late") == std::string::npos);
}

TEST_CASE("listing: by start with keyset pages, and by pool, service and customer") {
  TempDb db;
  Desk desk(store_uri(db));
  auto a = desk.resource("A", 5);
  auto b = desk.resource("B", 5);
  auto pool = desk.engine->create_pool(sys(), desk.tenant, Pool{PoolId{}, TenantId{}, "AB", {a, b}})
                  .value();
  auto cy = desk.customer("Cy", "cy@example.com");
  // Booked out of start order; two share a start.
  std::vector<Reservation> made;
  for (int h : {14, 9, 12, 9, 16}) {
    made.push_back(desk.book(sys(), a, utc(2026, 3, 3, h), utc(2026, 3, 3, h + 1)).value());
  }
  ReserveRequest via_pool;
  via_pool.allocations = {AllocationRequest::of_pool(pool.id)};
  via_pool.start = utc(2026, 3, 3, 11);
  via_pool.end = utc(2026, 3, 3, 12);
  via_pool.customer_id = cy.id;
  auto pooled = desk.engine->reserve(sys(), desk.tenant, via_pool).value();

  ReservationFilter f;
  f.order = ReservationOrder::by_start;
  f.limit = 2;
  std::vector<ReservationId> seen;
  for (int page = 0; page < 10; ++page) {
    auto rows = desk.engine->list_reservations(sys(), desk.tenant, f).value();
    for (const Reservation& r : rows) seen.push_back(r.id);
    if (static_cast<int>(rows.size()) < f.limit) break;
    f.after_id = rows.back().id;
    f.after_start = rows.back().start;
  }
  // 9:00 twice (by id), 11:00 (pooled), 12:00, 14:00, 16:00.
  CHECK(seen == std::vector<ReservationId>{made[1].id, made[3].id, pooled.id, made[2].id,
                                           made[0].id, made[4].id});
  ReservationFilter bad;
  bad.order = ReservationOrder::by_start;
  bad.after_id = made[1].id;
  CHECK(desk.engine->list_reservations(sys(), desk.tenant, bad).status().code() ==
        Code::invalid_argument);

  ReservationFilter by_pool;
  by_pool.pool = pool.id;
  CHECK(ids(desk.engine->list_reservations(sys(), desk.tenant, by_pool).value()) ==
        std::vector<ReservationId>{pooled.id});
  ReservationFilter by_customer;
  by_customer.customer_id = cy.id;
  CHECK(ids(desk.engine->list_reservations(sys(), desk.tenant, by_customer).value()) ==
        std::vector<ReservationId>{pooled.id});
}
