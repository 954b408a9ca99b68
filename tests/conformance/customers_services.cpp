// Storage conformance for issue 17's rows: services and customers round trip field by field
// and stay in their tenant; find_live_customers skips merged and erased records;
// list_customers matches a prefix of the name, of a word of it or of the email, taking the
// query's wildcard characters literally; reservations keep their customer record, notes,
// service, price and buffers, list by pool, customer record and service, and page in start
// order; waitlist entries and series name their customer record; tenants and resources keep
// their booking rules; and named locks (WriteIntent::lock_names) order writers.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

template <typename Row>
auto ids_of(const std::vector<Row>& rows) {
  std::vector<decltype(Row{}.id)> out;
  for (const Row& r : rows) out.push_back(r.id);
  return out;
}

// A service with every field set to a value other than its default.
Service full_service(TenantId tenant, ResourceId resource, PoolId pool) {
  Service s;
  s.tenant = tenant;
  s.name = "Haircut 'deluxe' \"long\"";
  s.description = "Wash, cut – and dry. Zoë's favourite.";
  s.duration = minutes(45);
  s.allowed_durations = {minutes(30), minutes(60), hours(2)};
  s.allocations = {AllocationRequest::of_pool(pool, 1),
                   AllocationRequest::of_resource(resource, 2)};
  s.buffer_before = minutes(10);
  s.buffer_after = minutes(15);
  s.min_notice = hours(2);
  s.price_minor = 1'000'000'000'000LL;  // beyond 32 bits
  s.currency = "EUR";
  s.customer_bookable = false;
  s.rules = BookingRules{hours(24), hours(48), 3, 2};
  s.metadata_json = R"({"colour":"teal","n":[1,2]})";
  s.created_at = utc(2026, 2, 1, 9);
  s.updated_at = utc(2026, 2, 3, 10, 30);
  s.archived_at = utc(2026, 2, 4);
  s.version = 3;
  return s;
}

// A service with every optional unset and every list empty.
Service plain_service(TenantId tenant, ResourceId resource) {
  Service s;
  s.tenant = tenant;
  s.name = "Consultation";
  s.duration = hours(1);
  s.allocations = {AllocationRequest::of_resource(resource)};
  s.created_at = s.updated_at = utc(2026, 2, 1);
  s.version = 1;
  return s;
}

void check_same(const Service& got, const Service& want) {
  CHECK(got.tenant == want.tenant);
  CHECK(got.name == want.name);
  CHECK(got.description == want.description);
  CHECK(got.duration == want.duration);
  CHECK(got.allowed_durations == want.allowed_durations);
  REQUIRE(got.allocations.size() == want.allocations.size());
  for (std::size_t i = 0; i < got.allocations.size(); ++i) {
    CHECK(got.allocations[i].resource == want.allocations[i].resource);
    CHECK(got.allocations[i].pool == want.allocations[i].pool);
    CHECK(got.allocations[i].quantity == want.allocations[i].quantity);
  }
  CHECK(got.buffer_before == want.buffer_before);
  CHECK(got.buffer_after == want.buffer_after);
  CHECK(got.min_notice == want.min_notice);
  CHECK(got.price_minor == want.price_minor);
  CHECK(got.currency == want.currency);
  CHECK(got.customer_bookable == want.customer_bookable);
  CHECK(got.rules == want.rules);
  CHECK(got.metadata_json == want.metadata_json);
  CHECK(got.created_at == want.created_at);
  CHECK(got.updated_at == want.updated_at);
  CHECK(got.archived_at == want.archived_at);
  CHECK(got.version == want.version);
}

Customer person(TenantId tenant, std::string name, std::string email) {
  Customer c;
  c.tenant = tenant;
  c.display_name = std::move(name);
  c.email = std::move(email);
  c.created_at = c.updated_at = utc(2026, 2, 1);
  c.version = 1;
  return c;
}

void check_same(const Customer& got, const Customer& want) {
  CHECK(got.tenant == want.tenant);
  CHECK(got.display_name == want.display_name);
  CHECK(got.email == want.email);
  CHECK(got.phone == want.phone);
  CHECK(got.locale == want.locale);
  CHECK(got.time_zone == want.time_zone);
  CHECK(got.notes == want.notes);
  CHECK(got.external_ref == want.external_ref);
  CHECK(got.user == want.user);
  CHECK(got.merged_into == want.merged_into);
  CHECK(got.erased_at == want.erased_at);
  CHECK(got.created_at == want.created_at);
  CHECK(got.updated_at == want.updated_at);
  CHECK(got.version == want.version);
}

// A confirmed reservation of one unit of `resource` over [start, start + 1h).
Reservation booking(TenantId tenant, ResourceId resource, Instant start) {
  Reservation r;
  r.tenant = tenant;
  r.start = start;
  r.end = start + hours(1);
  r.allocations = {Allocation{resource, 1, std::nullopt}};
  r.created_at = r.updated_at = utc(2026, 3, 1);
  return r;
}

void check_same(const Reservation& got, const Reservation& want) {
  CHECK(got.tenant == want.tenant);
  CHECK(got.status == want.status);
  CHECK(got.start == want.start);
  CHECK(got.end == want.end);
  CHECK(got.hold_expires_at == want.hold_expires_at);
  REQUIRE(got.allocations.size() == want.allocations.size());
  for (std::size_t i = 0; i < got.allocations.size(); ++i) {
    CHECK(got.allocations[i].resource == want.allocations[i].resource);
    CHECK(got.allocations[i].quantity == want.allocations[i].quantity);
    CHECK(got.allocations[i].pool == want.allocations[i].pool);
  }
  CHECK(got.customer == want.customer);
  CHECK(got.customer_id == want.customer_id);
  CHECK(got.notes == want.notes);
  CHECK(got.metadata_json == want.metadata_json);
  CHECK(got.service == want.service);
  CHECK(got.price_minor == want.price_minor);
  CHECK(got.currency == want.currency);
  CHECK(got.buffer_before == want.buffer_before);
  CHECK(got.buffer_after == want.buffer_after);
  CHECK(got.version == want.version);
}

}  // namespace

TEST_CASE("conformance: every service field round trips and updates - other tenants see nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId room{};
    ServiceId full{}, plain{};
    Service want_full, want_plain;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{.name = "b", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(
                  auto pool, t.insert_pool(Pool{PoolId{}, a, "Stylists", {room}, std::nullopt, 1}));
              want_full = full_service(a, room, pool);
              want_plain = plain_service(a, room);
              BOKA_ASSIGN_OR_RETURN(full, t.insert_service(want_full));
              BOKA_ASSIGN_OR_RETURN(plain, t.insert_service(want_plain));
              return Status::Ok();
            }).ok());
    CHECK(plain > full);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_service(a, full);
              REQUIRE(found.ok());
              REQUIRE(found->has_value());
              CHECK((*found)->id == full);
              check_same(**found, want_full);
              auto other = t.find_service(a, plain).value();
              REQUIRE(other.has_value());
              check_same(*other, want_plain);
              CHECK_FALSE(other->price_minor.has_value());
              CHECK(other->allowed_durations.empty());
              CHECK(other->customer_bookable);
              CHECK(other->rules == BookingRules{});
              auto listed = t.list_services(a).value();
              CHECK(ids_of(listed) == std::vector<ServiceId>{full, plain});
              // Another tenant's id reads as absent, and its list is empty.
              CHECK_FALSE(t.find_service(b, full)->has_value());
              CHECK(t.list_services(b)->empty());
              CHECK_FALSE(t.find_service(a, ServiceId{plain + 100})->has_value());
              return Status::Ok();
            }).ok());
    // An update replaces every field: unset optionals, empty lists and defaults included.
    Service changed = want_plain;
    changed.id = full;
    changed.name = "Renamed";
    changed.allowed_durations = {minutes(20)};
    changed.customer_bookable = true;
    changed.rules = BookingRules{Seconds(0), hours(1), 0, 5};
    changed.updated_at = utc(2026, 2, 5);
    changed.version = 4;
    REQUIRE(
        write(*s, [&](StorageTransaction& t) -> Status { return t.update_service(changed); }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              check_same(t.find_service(a, full)->value(), changed);
              check_same(t.find_service(a, plain)->value(), want_plain);
              return Status::Ok();
            }).ok());
    Service missing = changed;
    missing.id = ServiceId{plain + 100};
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_service(missing);
          }).code() == Code::not_found);
    CHECK(read(*s, [&](StorageTransaction& t) -> Status {
            return t.insert_service(want_plain).status();
          }).code() == Code::internal);
  });
}

TEST_CASE(
    "conformance: every customer field round trips and updates - find_live_customers skips "
    "merged and erased records") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    UserId user{}, other_user{};
    CustomerId zoe{};
    Customer want;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{.name = "b", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(user, t.insert_user(plain_user(a, "zoe@example.com")));
              BOKA_ASSIGN_OR_RETURN(other_user, t.insert_user(plain_user(a, "max@example.com")));
              want = person(a, "Zoë Müller-O'Brien \"Z\"", "zoe@example.com");
              want.phone = "+49 30 1234567";
              want.locale = "de-DE";
              want.time_zone = "Europe/Berlin";
              want.notes = "Prefers mornings; allergic to 'lavender'.";
              want.external_ref = "crm-0001";
              want.user = user;
              want.created_at = utc(1969, 12, 31, 23, 59, 59);  // before the epoch
              want.updated_at = utc(2026, 2, 2, 8, 1, 2);
              want.version = 2;
              BOKA_ASSIGN_OR_RETURN(zoe, t.insert_customer(want));
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_customer(a, zoe);
              REQUIRE(found.ok());
              REQUIRE(found->has_value());
              CHECK((*found)->id == zoe);
              check_same(**found, want);
              CHECK((*found)->live());
              CHECK_FALSE(t.find_customer(b, zoe)->has_value());
              CHECK_FALSE(t.find_customer(a, CustomerId{zoe + 100})->has_value());
              return Status::Ok();
            }).ok());

    // Live and inactive records sharing an email, an external ref and a user.
    std::vector<CustomerId> ids;  // 0: zoe
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids = {zoe};
              Customer twin = person(a, "Zoë's twin", "zoe@example.com");  // duplicates allowed
              BOKA_ASSIGN_OR_RETURN(auto id1, t.insert_customer(twin));
              Customer linked = person(a, "Max", "max@example.com");
              linked.user = other_user;
              linked.external_ref = "crm-0002";
              BOKA_ASSIGN_OR_RETURN(auto id2, t.insert_customer(linked));
              Customer merged = person(a, "Old Zoë", "zoe@example.com");
              merged.external_ref = "crm-0001";
              merged.user = user;
              merged.merged_into = zoe;
              BOKA_ASSIGN_OR_RETURN(auto id3, t.insert_customer(merged));
              // A store filters by the markers alone, whatever personal fields remain.
              Customer erased = person(a, "", "zoe@example.com");
              erased.external_ref = "crm-0002";
              erased.user = other_user;
              erased.erased_at = utc(2026, 2, 10);
              BOKA_ASSIGN_OR_RETURN(auto id4, t.insert_customer(erased));
              BOKA_ASSIGN_OR_RETURN(auto id5,
                                    t.insert_customer(person(b, "Zoë in b", "zoe@example.com")));
              ids.insert(ids.end(), {id1, id2, id3, id4, id5});
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using V = std::vector<CustomerId>;
              const auto live = [&](TenantId tenant, std::string_view email, std::string_view ref,
                                    std::optional<UserId> u) {
                auto found = t.find_live_customers(tenant, email, ref, u);
                REQUIRE(found.ok());
                for (const Customer& c : *found) CHECK(c.live());
                return ids_of(*found);
              };
              CHECK(live(a, "zoe@example.com", "", std::nullopt) == V{ids[0], ids[1]});
              CHECK(live(a, "", "crm-0001", std::nullopt) == V{ids[0]});
              CHECK(live(a, "", "crm-0002", std::nullopt) == V{ids[2]});
              CHECK(live(a, "", "", user) == V{ids[0]});
              CHECK(live(a, "", "", other_user) == V{ids[2]});
              // Any of the three, each record once, by id.
              CHECK(live(a, "zoe@example.com", "crm-0002", user) == V{ids[0], ids[1], ids[2]});
              CHECK(live(a, "max@example.com", "crm-0002", other_user) == V{ids[2]});
              // Empty values and an unset user match nothing.
              CHECK(live(a, "", "", std::nullopt).empty());
              CHECK(live(a, "nobody@example.com", "crm-9", UserId{user + 100}).empty());
              CHECK(live(b, "zoe@example.com", "", std::nullopt) == V{ids[5]});
              // The exact email, not a prefix or another case.
              CHECK(live(a, "zoe@example", "", std::nullopt).empty());
              return Status::Ok();
            }).ok());

    // An update replaces every field; a merged or erased record is no longer live.
    Customer tombstone = person(a, "", "");
    tombstone.id = zoe;
    tombstone.merged_into = ids[2];
    tombstone.erased_at = utc(2026, 2, 11, 12);
    tombstone.updated_at = utc(2026, 2, 11, 12);
    tombstone.version = 3;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              return t.update_customer(tombstone);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_customer(a, zoe)->value();
              check_same(found, tombstone);
              CHECK_FALSE(found.user.has_value());
              CHECK_FALSE(found.live());
              CHECK(ids_of(t.find_live_customers(a, "", "", user).value()).empty());
              CHECK(ids_of(t.find_live_customers(a, "zoe@example.com", "", std::nullopt).value()) ==
                    std::vector<CustomerId>{ids[1]});
              return Status::Ok();
            }).ok());
    Customer missing = tombstone;
    missing.id = CustomerId{ids.back() + 100};
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_customer(missing);
          }).code() == Code::not_found);
  });
}

TEST_CASE(
    "conformance: list_customers matches prefixes of the name, its words and the email - "
    "wildcards literally - in pages by id") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    std::vector<CustomerId> c;  // by the order inserted
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              c.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{.name = "b", .version = 1}));
              const std::vector<Customer> rows = {
                  person(a, "Anna Schmidt", "anna.s@example.com"),      // 0
                  person(a, "Bert Anders", "bert@example.com"),         // 1
                  person(a, "Carla", "info@carla.example"),             // 2
                  person(a, "100% Pure_Joy", "joy@example.com"),        // 3
                  person(a, "100 Percent", "hundred@example.com"),      // 4
                  person(a, "Purex Clean", "purex@example.com"),        // 5
                  person(a, "Ölaf Ünsal", "olaf@example.com"),          // 6
                  person(a, "x!y Wild", "wild@example.com"),            // 7
                  person(a, "xy Tame", "tame@example.com"),             // 8
                  person(a, "Dana Ann", "dana@example.com"),            // 9: merged below
                  person(a, "", ""),                                    // 10: erased below
                  person(a, "Annika  Double-Space", "ad@example.com"),  // 11
              };
              for (std::size_t i = 0; i < rows.size(); ++i) {
                Customer row = rows[i];
                if (i == 9) row.merged_into = c[0];
                if (i == 10) row.erased_at = utc(2026, 2, 3);
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_customer(row));
                c.push_back(id);
              }
              return t.insert_customer(person(b, "Anna in b", "anna@b.example")).status();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using V = std::vector<CustomerId>;
              const auto list = [&](std::string query, bool include_inactive = false,
                                    CustomerId after = CustomerId{}, int limit = 100) {
                CustomerFilter f;
                f.query = std::move(query);
                f.include_inactive = include_inactive;
                f.after_id = after;
                f.limit = limit;
                auto found = t.list_customers(a, f);
                REQUIRE(found.ok());
                for (const Customer& x : *found) CHECK(x.tenant == a);
                return ids_of(*found);
              };
              // "" matches every live customer; inactive ones on request.
              CHECK(list("") == V{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[11]});
              CHECK(list("", true).size() == 12);
              // A prefix of the name (any case in the name), of a later word, or of the email.
              CHECK(list("an") == V{c[0], c[1], c[11]});
              CHECK(list("anna s") == V{c[0]});
              CHECK(list("schm") == V{c[0]});
              CHECK(list("ders") == V{});  // inside a word
              CHECK(list("bert@") == V{c[1]});
              CHECK(list("info@") == V{c[2]});
              CHECK(list("carla.example") == V{});  // inside the email
              CHECK(list("example") == V{});
              CHECK(list("double") == V{c[11]});  // after two spaces
              CHECK(list("space") == V{});        // after a hyphen is not a word
              // Wildcard characters of LIKE are literal, and so is the escape character.
              CHECK(list("100%") == V{c[3]});
              CHECK(list("100") == V{c[3], c[4]});
              CHECK(list("pure_") == V{c[3]});
              CHECK(list("pure") == V{c[3], c[5]});
              CHECK(list("_") == V{});
              CHECK(list("%") == V{});
              CHECK(list("x!y") == V{c[7]});
              CHECK(list("x!") == V{c[7]});
              CHECK(list("xy") == V{c[8]});
              // Only ASCII letters fold, as the engine lowers queries: every store agrees.
              CHECK(list("Ölaf") == V{c[6]});
              CHECK(list("Ünsal") == V{c[6]});
              CHECK(list("ölaf") == V{});
              CHECK(list("olaf@") == V{c[6]});
              // Merged and erased records only with include_inactive.
              CHECK(list("dana") == V{});
              CHECK(list("dana", true) == V{c[9]});
              CHECK(list("ann", true) == V{c[0], c[9], c[11]});
              // Pages: ids after after_id, at most limit.
              CHECK(list("", false, CustomerId{}, 3) == V{c[0], c[1], c[2]});
              CHECK(list("", false, c[2], 3) == V{c[3], c[4], c[5]});
              CHECK(list("", false, c[8], 3) == V{c[11]});
              CHECK(list("an", false, c[0], 1) == V{c[1]});
              CHECK(list("an", false, c[11]).empty());
              CustomerFilter f;
              f.query = "anna";
              CHECK(t.list_customers(b, f)->size() == 1);
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: reservations keep customer record, notes, service, price and buffers - "
    "filters by pool, customer record and service") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant{};
    ResourceId r1{}, r2{};
    PoolId pool{};
    ServiceId cut{}, wash{};
    CustomerId ann{}, bob{};
    std::vector<ReservationId> ids;
    std::vector<Reservation> wants;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids.clear();
              wants.clear();
              BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(tenant)));
              BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(tenant)));
              BOKA_ASSIGN_OR_RETURN(
                  pool, t.insert_pool(Pool{PoolId{}, tenant, "Chairs", {r1, r2}, std::nullopt, 1}));
              BOKA_ASSIGN_OR_RETURN(cut, t.insert_service(plain_service(tenant, r1)));
              BOKA_ASSIGN_OR_RETURN(wash, t.insert_service(plain_service(tenant, r2)));
              BOKA_ASSIGN_OR_RETURN(ann, t.insert_customer(person(tenant, "Ann", "ann@x.example")));
              BOKA_ASSIGN_OR_RETURN(bob, t.insert_customer(person(tenant, "Bob", "bob@x.example")));
              for (int i = 0; i < 5; ++i) {
                Reservation r = booking(tenant, i % 2 == 0 ? r1 : r2, utc(2026, 3, 2, 8 + i));
                if (i == 0) {
                  // Every new field set.
                  r.customer = "ann (free text)";
                  r.customer_id = ann;
                  r.notes = "Ring twice – 2nd floor, \"Müller\".";
                  r.service = cut;
                  r.price_minor = 3500;
                  r.currency = "EUR";
                  r.buffer_before = minutes(10);
                  r.buffer_after = minutes(25);
                  r.allocations = {Allocation{r1, 1, pool}, Allocation{r2, 2, std::nullopt}};
                }
                if (i == 1) r.customer_id = bob;
                if (i == 2) {
                  r.customer_id = ann;
                  r.service = wash;
                  r.price_minor = 0;  // free, not unpriced
                  r.currency = "USD";
                  r.allocations = {Allocation{r1, 1, pool}};
                }
                if (i == 3) r.service = cut;
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_reservation(r));
                r.id = id;
                ids.push_back(id);
                wants.push_back(r);
              }
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using V = std::vector<ReservationId>;
              for (std::size_t i = 0; i < ids.size(); ++i) {
                INFO("reservation " << i);
                check_same(t.find_reservation(tenant, ids[i])->value(), wants[i]);
              }
              auto plain = t.find_reservation(tenant, ids[4])->value();
              CHECK_FALSE(plain.customer_id.has_value());
              CHECK(plain.notes.empty());
              CHECK_FALSE(plain.service.has_value());
              CHECK_FALSE(plain.price_minor.has_value());
              CHECK(plain.currency.empty());
              CHECK(plain.buffer_before == Seconds(0));
              CHECK(plain.buffer_after == Seconds(0));
              // Lists read the same fields.
              auto all = t.list_reservations(tenant, {}).value();
              REQUIRE(all.size() == 5);
              for (std::size_t i = 0; i < all.size(); ++i) check_same(all[i], wants[i]);

              const auto list = [&](ReservationFilter f) {
                auto found = t.list_reservations(tenant, f);
                REQUIRE(found.ok());
                return ids_of(*found);
              };
              ReservationFilter f;
              f.pool = pool;
              CHECK(list(f) == V{ids[0], ids[2]});
              f.resource = r2;  // both filters apply, each to any of the allocations
              CHECK(list(f) == V{ids[0]});
              f = {};
              f.pool = PoolId{pool + 100};
              CHECK(list(f).empty());
              f = {};
              f.customer_id = ann;
              CHECK(list(f) == V{ids[0], ids[2]});
              f.customer = "ann (free text)";  // both apply
              CHECK(list(f) == V{ids[0]});
              f = {};
              f.customer_id = bob;
              CHECK(list(f) == V{ids[1]});
              f = {};
              f.service = cut;
              CHECK(list(f) == V{ids[0], ids[3]});
              f.after_id = ids[0];
              CHECK(list(f) == V{ids[3]});
              f = {};
              f.service = wash;
              f.customer_id = ann;
              CHECK(list(f) == V{ids[2]});
              f.customer_id = bob;
              CHECK(list(f).empty());
              // active_bookings carry the reservation's own buffers.
              auto bookings = t.active_bookings(r2).value();
              REQUIRE(bookings.size() == 3);
              for (const Booking& bk : bookings) {
                const bool first = bk.reservation == ids[0];
                CHECK(bk.buffer_before == (first ? minutes(10) : Seconds(0)));
                CHECK(bk.buffer_after == (first ? minutes(25) : Seconds(0)));
                if (first) CHECK(bk.quantity == 2);
              }
              return Status::Ok();
            }).ok());

    // An update rewrites every new field: cleared ones included.
    Reservation changed = wants[0];
    changed.customer_id = bob;
    changed.notes = "";
    changed.service.reset();
    changed.price_minor.reset();
    changed.currency = "";
    changed.buffer_before = Seconds(0);
    changed.buffer_after = minutes(5);
    changed.version = 2;
    Reservation priced = wants[4];
    priced.customer_id = ann;
    priced.notes = "late";
    priced.service = wash;
    priced.price_minor = 990;
    priced.currency = "CHF";
    priced.buffer_before = minutes(1);
    priced.version = 2;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_RETURN_IF_ERROR(t.update_reservation(changed));
              return t.update_reservation(priced);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              check_same(t.find_reservation(tenant, ids[0])->value(), changed);
              check_same(t.find_reservation(tenant, ids[4])->value(), priced);
              ReservationFilter f;
              f.customer_id = ann;
              CHECK(ids_of(t.list_reservations(tenant, f).value()) ==
                    std::vector<ReservationId>{ids[2], ids[4]});
              auto bookings = t.active_bookings(r1).value();
              for (const Booking& bk : bookings) {
                if (bk.reservation == ids[0]) {
                  CHECK(bk.buffer_before == Seconds(0));
                  CHECK(bk.buffer_after == minutes(5));
                }
              }
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: reservations page in start order - ties by id - with every filter") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId tenant{}, other{};
    ResourceId room{};
    CustomerId ann{};
    std::vector<ReservationId> ids;
    // Starts out of id order, with ties: ids 0..6 start at these hours.
    const std::vector<int> hour = {10, 9, 10, 8, 10, 9, 7};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids.clear();
              BOKA_ASSIGN_OR_RETURN(tenant, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(other, t.insert_tenant(Tenant{.name = "b", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(tenant)));
              BOKA_ASSIGN_OR_RETURN(auto elsewhere, t.insert_resource(sample_resource(other)));
              BOKA_ASSIGN_OR_RETURN(ann, t.insert_customer(person(tenant, "Ann", "ann@x.example")));
              for (std::size_t i = 0; i < hour.size(); ++i) {
                Reservation r = booking(tenant, room, utc(2026, 3, 2, hour[i]));
                if (i == 6) r = booking(other, elsewhere, utc(2026, 3, 2, hour[i]));
                if (i % 2 == 0 && i != 6) r.customer_id = ann;
                if (i == 4) r.status = ReservationStatus::cancelled;
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_reservation(r));
                ids.push_back(id);
              }
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using V = std::vector<ReservationId>;
              const auto list = [&](ReservationFilter f) {
                f.order = ReservationOrder::by_start;
                auto found = t.list_reservations(tenant, f);
                REQUIRE(found.ok());
                for (std::size_t i = 1; i < found->size(); ++i) {
                  const Reservation& x = (*found)[i - 1];
                  const Reservation& y = (*found)[i];
                  CHECK((x.start < y.start || (x.start == y.start && x.id < y.id)));
                }
                return ids_of(*found);
              };
              // (start, id): 3 (8:00), 1 and 5 (9:00), 0, 2 and 4 (10:00).
              ReservationFilter f;
              CHECK(list(f) == V{ids[3], ids[1], ids[5], ids[0], ids[2], ids[4]});
              // Pages of two, each after the previous page's last (start, id).
              f.limit = 2;
              CHECK(list(f) == V{ids[3], ids[1]});
              f.after_start = utc(2026, 3, 2, 9);
              f.after_id = ids[1];
              CHECK(list(f) == V{ids[5], ids[0]});
              f.after_start = utc(2026, 3, 2, 10);
              f.after_id = ids[0];
              CHECK(list(f) == V{ids[2], ids[4]});
              f.after_id = ids[4];
              CHECK(list(f).empty());
              // A keyset inside a tie continues within it; one before every row reads all.
              f = {};
              f.after_start = utc(2026, 3, 2, 10);
              f.after_id = ids[2];
              CHECK(list(f) == V{ids[4]});
              f.after_start = utc(2026, 3, 2, 9);
              f.after_id = ReservationId{};
              CHECK(list(f) == V{ids[1], ids[5], ids[0], ids[2], ids[4]});
              f.after_start = utc(2026, 3, 2, 6);
              CHECK(list(f).size() == 6);
              // Filters apply in start order too.
              f = {};
              f.customer_id = ann;
              CHECK(list(f) == V{ids[0], ids[2], ids[4]});
              f.statuses = {ReservationStatus::confirmed};
              CHECK(list(f) == V{ids[0], ids[2]});
              f.limit = 1;
              f.after_start = utc(2026, 3, 2, 10);
              f.after_id = ids[0];
              CHECK(list(f) == V{ids[2]});
              f = {};
              f.from = utc(2026, 3, 2, 9, 30);
              f.to = utc(2026, 3, 2, 10, 30);
              CHECK(list(f) == V{ids[1], ids[5], ids[0], ids[2], ids[4]});
              f.resource = room;
              f.limit = 3;
              CHECK(list(f) == V{ids[1], ids[5], ids[0]});
              // by_id ignores after_start.
              f = {};
              f.after_start = utc(2026, 3, 2, 23);
              f.after_id = ids[3];
              CHECK(ids_of(t.list_reservations(tenant, f).value()) == V{ids[4], ids[5]});
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: waitlist entries and series name their customer record - "
    "list_customer_series") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId room{};
    CustomerId ann{}, bob{}, bea{};
    std::vector<WaitlistEntryId> entries;
    std::vector<SeriesId> series;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              entries.clear();
              series.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(Tenant{.name = "a", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{.name = "b", .version = 1}));
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(ann, t.insert_customer(person(a, "Ann", "ann@x.example")));
              BOKA_ASSIGN_OR_RETURN(bob, t.insert_customer(person(a, "Bob", "bob@x.example")));
              BOKA_ASSIGN_OR_RETURN(bea, t.insert_customer(person(b, "Bea", "bea@x.example")));
              for (int i = 0; i < 4; ++i) {
                WaitlistEntry e;
                e.tenant = a;
                e.allocations = {AllocationRequest::of_resource(room)};
                e.earliest_start = e.latest_start = utc(2026, 3, 3, 9 + i);
                e.duration = hours(1);
                e.customer = "cust";
                if (i < 3) e.customer_id = i == 1 ? bob : ann;
                e.joined_at = e.updated_at = utc(2026, 3, 1, 8, i);
                e.expires_at = utc(2026, 4, 1);
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_waitlist_entry(e));
                entries.push_back(id);
              }
              for (int i = 0; i < 4; ++i) {
                Series x;
                x.tenant = i == 3 ? b : a;
                x.allocations = {AllocationRequest::of_resource(room)};
                x.first_date = LocalDate{2026, 3, 2 + i};
                x.duration = hours(1);
                x.zone = "UTC";
                x.customer = "free text " + std::to_string(i);
                if (i == 0 || i == 2) x.customer_id = ann;
                if (i == 3) x.customer_id = bea;
                x.created_at = x.updated_at = utc(2026, 3, 1);
                x.version = 1;
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_series(x));
                series.push_back(id);
              }
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.find_waitlist_entry(a, entries[0])->value().customer_id == ann);
              CHECK(t.find_waitlist_entry(a, entries[1])->value().customer_id == bob);
              CHECK_FALSE(t.find_waitlist_entry(a, entries[3])->value().customer_id.has_value());
              WaitlistFilter f;
              f.customer_id = ann;
              auto of_ann = t.list_waitlist(a, f).value();
              CHECK(ids_of(of_ann) == std::vector<WaitlistEntryId>{entries[0], entries[2]});
              for (const WaitlistEntry& e : of_ann) CHECK(e.customer_id == ann);
              f.statuses = {WaitlistStatus::waiting};
              f.customer = "cust";
              CHECK(t.list_waitlist(a, f)->size() == 2);
              f.customer = "other";
              CHECK(t.list_waitlist(a, f)->empty());
              f = {};
              f.customer_id = bea;
              CHECK(t.list_waitlist(a, f)->empty());

              CHECK(t.find_series(a, series[0])->value().customer_id == ann);
              CHECK_FALSE(t.find_series(a, series[1])->value().customer_id.has_value());
              auto of_ann_series = t.list_customer_series(a, ann).value();
              CHECK(ids_of(of_ann_series) == std::vector<SeriesId>{series[0], series[2]});
              for (const Series& x : of_ann_series) {
                CHECK(x.customer_id == ann);
                CHECK(x.tenant == a);
              }
              CHECK(of_ann_series[1].customer == "free text 2");
              CHECK(of_ann_series[1].first_date == LocalDate{2026, 3, 4});
              CHECK(t.list_customer_series(a, bob)->empty());
              CHECK(t.list_customer_series(a, bea)->empty());  // b's customer, asked in a
              CHECK(ids_of(t.list_customer_series(b, bea).value()) ==
                    std::vector<SeriesId>{series[3]});
              return Status::Ok();
            }).ok());
    // Updates move entries and series to another customer record, or unlink them.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              WaitlistEntry e = t.find_waitlist_entry(a, entries[0])->value();
              e.customer_id = bob;
              e.version = 2;
              BOKA_RETURN_IF_ERROR(t.update_waitlist_entry(e));
              Series first = t.find_series(a, series[0])->value();
              first.customer_id = bob;
              first.version = 2;
              BOKA_RETURN_IF_ERROR(t.update_series(first));
              Series third = t.find_series(a, series[2])->value();
              third.customer_id.reset();
              third.version = 2;
              return t.update_series(third);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              WaitlistFilter f;
              f.customer_id = bob;
              CHECK(ids_of(t.list_waitlist(a, f).value()) ==
                    std::vector<WaitlistEntryId>{entries[0], entries[1]});
              CHECK(t.list_customer_series(a, ann)->empty());
              CHECK(ids_of(t.list_customer_series(a, bob).value()) ==
                    std::vector<SeriesId>{series[0]});
              CHECK(t.find_series(a, series[0])->value().version == 2);
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: tenants keep their booking rules and longest hold - resources their rules") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId room{}, plain_room{};
    Tenant want{.name = "strict", .created_at = utc(2026, 1, 1), .version = 1};
    want.rules = BookingRules{hours(24), hours(12), 3, 2};
    want.max_hold = minutes(15);
    Resource want_room = sample_resource(TenantId{});
    want_room.rules = BookingRules{hours(2), hours(3), 10, 1};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(want));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(Tenant{.name = "lax", .version = 1}));
              want_room.tenant = a;
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(want_room));
              BOKA_ASSIGN_OR_RETURN(plain_room, t.insert_resource(sample_resource(a)));
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_tenant(a)->value();
              CHECK(found.rules == want.rules);
              CHECK(found.max_hold == minutes(15));
              auto lax = t.find_tenant(b)->value();
              CHECK(lax.rules == BookingRules{});
              CHECK(lax.max_hold == Seconds(30LL * 24 * 3600));  // the default
              auto tenants = t.list_tenants().value();
              REQUIRE(tenants.size() == 2);
              CHECK(tenants[0].rules == want.rules);
              CHECK(tenants[0].max_hold == minutes(15));
              CHECK(t.find_resource(a, room)->value().rules == want_room.rules);
              CHECK(t.find_resource(a, plain_room)->value().rules == BookingRules{});
              auto resources = t.list_resources(a).value();
              REQUIRE(resources.size() == 2);
              CHECK(resources[0].rules == want_room.rules);
              return Status::Ok();
            }).ok());
    // Updates replace them (through update_tenant and update_resource).
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              Tenant x = t.find_tenant(a)->value();
              x.rules = BookingRules{Seconds(0), hours(1), 0, 4};
              x.max_hold = hours(48);
              x.version = 2;
              BOKA_RETURN_IF_ERROR(t.update_tenant(x));
              Resource r = t.find_resource(a, room)->value();
              r.rules = BookingRules{minutes(30), Seconds(0), 1, 0};
              r.version = 2;
              return t.update_resource(r);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto x = t.find_tenant(a)->value();
              CHECK(x.rules == BookingRules{Seconds(0), hours(1), 0, 4});
              CHECK(x.max_hold == hours(48));
              CHECK(x.version == 2);
              CHECK(t.find_resource(a, room)->value().rules ==
                    BookingRules{minutes(30), Seconds(0), 1, 0});
              return Status::Ok();
            }).ok());
    // A reservation write in the tenant's scope, with its resources locked and its audit
    // chain named (PostgreSQL's pipelined path), reads and writes the same fields.
    WriteIntent intent(TxnScope::tenant(a), {room, plain_room});
    intent.audit_chain = a;
    intent.lock_names = {"customer:" + std::to_string(a) + ":1"};
    ReservationId booked{};
    REQUIRE(s->write(intent, [&](StorageTransaction& t) -> Status {
               auto x = t.find_tenant(a)->value();
               CHECK(x.name == "strict");
               CHECK(x.max_hold == hours(48));
               CHECK(x.rules == BookingRules{Seconds(0), hours(1), 0, 4});
               Resource r = t.find_resource(a, room)->value();
               CHECK(r.rules == BookingRules{minutes(30), Seconds(0), 1, 0});
               r.rules.max_per_customer_per_day = 7;
               r.version = 3;
               BOKA_RETURN_IF_ERROR(t.update_resource(r));
               Reservation res = booking(a, room, utc(2026, 3, 2, 9));
               res.notes = "pipelined";
               res.price_minor = 4200;
               res.currency = "EUR";
               res.buffer_before = minutes(3);
               res.buffer_after = minutes(4);
               BOKA_ASSIGN_OR_RETURN(booked, t.insert_reservation(res));
               AuditRecord rec = record(a, utc(2026, 3, 1), "system", "reservation.create", "");
               return append(t, rec);
             }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.find_resource(a, room)->value().rules.max_per_customer_per_day == 7);
              auto res = t.find_reservation(a, booked)->value();
              CHECK(res.notes == "pipelined");
              CHECK(res.price_minor == 4200);
              CHECK(res.currency == "EUR");
              CHECK(res.buffer_before == minutes(3));
              CHECK(res.buffer_after == minutes(4));
              CHECK_FALSE(res.customer_id.has_value());
              CHECK_FALSE(res.service.has_value());
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: writers naming one lock run one after the other - in any name order") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId tenant = add_tenant(*s, "a");
    // The first writer holds the lock for a while; the second, naming it too, must not
    // begin its work before the first has finished (PostgreSQL's writers are not exclusive
    // otherwise: without the lock they would overlap).
    std::atomic<bool> first_inside{false}, first_done{false}, overlapped{false};
    const auto intent = [&](std::vector<std::string> names) {
      WriteIntent w(TxnScope::tenant(tenant));
      w.lock_names = std::move(names);
      return w;
    };
    Status first_result;  // checked on this thread: Catch2's assertions are not thread-safe
    std::thread first([&] {
      first_result =
          s->write(intent({"customer:1:7", "customer:1:7"}), [&](StorageTransaction&) -> Status {
            first_inside = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            first_done = true;
            return Status::Ok();
          });
    });
    while (!first_inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const Status second =
        s->write(intent({"z-other", "customer:1:7"}), [&](StorageTransaction&) -> Status {
          if (!first_done) overlapped = true;
          return Status::Ok();
        });
    first.join();
    CHECK(first_result.ok());
    CHECK(second.ok());
    CHECK_FALSE(overlapped);

    // Names given in opposite orders, with and without resources, never deadlock.
    ResourceId room{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(tenant)));
              return Status::Ok();
            }).ok());
    std::atomic<int> done{0};
    const auto run = [&](std::vector<std::string> names, bool lock_room) {
      for (int i = 0; i < 20; ++i) {
        WriteIntent w = intent(names);
        if (lock_room) w.lock_resources = {room};
        if (s->write(w, [](StorageTransaction&) -> Status { return Status::Ok(); }).ok()) ++done;
      }
    };
    std::thread x([&] { run({"a", "b", "c"}, true); });
    std::thread y([&] { run({"c", "b", "a"}, false); });
    run({"b", "a"}, true);
    x.join();
    y.join();
    CHECK(done == 60);
  });
}

TEST_CASE("conformance: any lock names are taken - none, empty, repeated or not ASCII") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId tenant = add_tenant(*s, "a");
    WriteIntent w(TxnScope::tenant(tenant));
    w.lock_names = {};
    CHECK(s->write(w, [](StorageTransaction&) -> Status { return Status::Ok(); }).ok());
    w.lock_names = {"", "customer:" + std::to_string(tenant) + ":1", "ünïcödé 'name'", ""};
    CHECK(s->write(w, [](StorageTransaction&) -> Status { return Status::Ok(); }).ok());
  });
}
