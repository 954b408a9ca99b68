// Storage conformance for waitlist entries (boka/waitlist.hpp): every field round trips and
// an update replaces them, the entry holding an offer is found by its reservation, lists come
// in queue order (priority descending, then joined_at, then id) through every filter, the
// entries waiting for freed capacity are selected by resource or pool and by the half-open
// window overlap, and the sweep's due entries and the waiting counts span tenants.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

// A waiting entry for one unit of `resource`, starting at `start` exactly for an hour.
WaitlistEntry entry_for(TenantId tenant, ResourceId resource, Instant start) {
  WaitlistEntry e;
  e.tenant = tenant;
  e.allocations = {AllocationRequest::of_resource(resource)};
  e.earliest_start = e.latest_start = start;
  e.duration = hours(1);
  e.customer = "cust";
  e.joined_at = utc(2026, 3, 1, 8);
  e.expires_at = utc(2026, 4, 1);
  e.updated_at = e.joined_at;
  return e;
}

// A held reservation of one unit of `resource`: what an offer names.
Reservation offered_hold(TenantId tenant, ResourceId resource, Instant start) {
  Reservation r;
  r.tenant = tenant;
  r.status = ReservationStatus::held;
  r.start = start;
  r.end = start + hours(1);
  r.hold_expires_at = utc(2026, 3, 2, 9);
  r.allocations = {Allocation{resource, 1, std::nullopt}};
  r.created_at = r.updated_at = utc(2026, 3, 2, 8);
  return r;
}

Pool pool_of(TenantId tenant, std::vector<ResourceId> members) {
  Pool p;
  p.tenant = tenant;
  p.name = "Courts";
  p.members = std::move(members);
  return p;
}

void check_same(const WaitlistEntry& got, const WaitlistEntry& want) {
  CHECK(got.id == want.id);
  CHECK(got.tenant == want.tenant);
  REQUIRE(got.allocations.size() == want.allocations.size());
  for (std::size_t i = 0; i < got.allocations.size(); ++i) {
    CHECK(got.allocations[i].resource == want.allocations[i].resource);
    CHECK(got.allocations[i].pool == want.allocations[i].pool);
    CHECK(got.allocations[i].quantity == want.allocations[i].quantity);
  }
  CHECK(got.earliest_start == want.earliest_start);
  CHECK(got.latest_start == want.latest_start);
  CHECK(got.duration == want.duration);
  CHECK(got.customer == want.customer);
  CHECK(got.priority == want.priority);
  CHECK(got.joined_at == want.joined_at);
  CHECK(got.expires_at == want.expires_at);
  CHECK(got.status == want.status);
  CHECK(got.offer == want.offer);
  CHECK(got.offer_expires_at == want.offer_expires_at);
  CHECK(got.metadata_json == want.metadata_json);
  CHECK(got.updated_at == want.updated_at);
  CHECK(got.version == want.version);
}

std::vector<WaitlistEntryId> ids_of(const std::vector<WaitlistEntry>& entries) {
  std::vector<WaitlistEntryId> out;
  for (const WaitlistEntry& e : entries) out.push_back(e.id);
  return out;
}

}  // namespace

TEST_CASE(
    "conformance: every waitlist entry field round trips and updates - other tenants see "
    "nothing") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId r1{}, r2{};
    PoolId pool{};
    ReservationId hold{}, second_hold{};
    WaitlistEntryId full{}, plain{};
    WaitlistEntry want, bare;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a", utc(2026, 1, 1))));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b", utc(2026, 1, 1))));
              BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(pool, t.insert_pool(pool_of(a, {r1, r2})));
              BOKA_ASSIGN_OR_RETURN(hold,
                                    t.insert_reservation(offered_hold(a, r1, utc(2026, 3, 3, 9))));
              BOKA_ASSIGN_OR_RETURN(second_hold,
                                    t.insert_reservation(offered_hold(a, r2, utc(2026, 3, 3, 9))));
              // Every field away from its default: a resource and a pool, an offer.
              want.tenant = a;
              want.allocations = {AllocationRequest::of_resource(r1, 2),
                                  AllocationRequest::of_pool(pool, 1)};
              want.earliest_start = utc(2026, 3, 3, 8, 30);
              want.latest_start = utc(2026, 3, 3, 11, 15);
              want.duration = minutes(45);
              want.customer = "cust-9 'O\"Brien' Zoë";
              want.priority = -3;
              want.joined_at = utc(2026, 3, 1, 7, 59, 58);
              want.expires_at = utc(2026, 3, 3, 7);
              want.status = WaitlistStatus::offered;
              want.offer = hold;
              want.offer_expires_at = utc(2026, 3, 2, 9, 0, 1);
              want.metadata_json = R"({"source":"web","n":[1,2]})";
              want.updated_at = utc(2026, 3, 2, 8, 0, 1);
              want.version = 4;
              BOKA_ASSIGN_OR_RETURN(full, t.insert_waitlist_entry(want));
              // The optional fields unset.
              bare = entry_for(a, r2, utc(2026, 3, 4, 10));
              BOKA_ASSIGN_OR_RETURN(plain, t.insert_waitlist_entry(bare));
              return Status::Ok();
            }).ok());
    CHECK(full > 0);
    CHECK(plain > full);
    want.id = full;
    bare.id = plain;
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto found = t.find_waitlist_entry(a, full);
              REQUIRE(found.ok());
              REQUIRE(found->has_value());
              check_same(**found, want);
              auto other = t.find_waitlist_entry(a, plain);
              REQUIRE(other.ok());
              REQUIRE(other->has_value());
              check_same(**other, bare);
              CHECK_FALSE((*other)->offer.has_value());
              CHECK_FALSE((*other)->offer_expires_at.has_value());
              // Another tenant's id reads as absent, and so does an id never assigned.
              CHECK_FALSE(t.find_waitlist_entry(b, full)->has_value());
              CHECK_FALSE(t.find_waitlist_entry(a, WaitlistEntryId{plain + 100})->has_value());
              return Status::Ok();
            }).ok());

    // An update replaces every field but the keys, the allocations included.
    WaitlistEntry changed = want;
    changed.allocations = {AllocationRequest::of_resource(r2, 3)};
    changed.earliest_start = utc(2026, 3, 5, 9);
    changed.latest_start = utc(2026, 3, 5, 9);
    changed.duration = hours(2);
    changed.customer = "cust-10";
    changed.priority = 7;
    changed.joined_at = utc(2026, 3, 1, 9);
    changed.expires_at = utc(2026, 3, 5, 8);
    changed.status = WaitlistStatus::accepted;
    changed.offer = second_hold;
    changed.offer_expires_at.reset();
    changed.metadata_json = "{}";
    changed.updated_at = utc(2026, 3, 2, 9);
    changed.version = 5;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              return t.update_waitlist_entry(changed);
            }).ok());
    REQUIRE(
        read(*s, [&](StorageTransaction& t) -> Status {
          check_same(t.find_waitlist_entry(a, full)->value(), changed);
          // What the list filters and waiting_entries select by follows the allocations.
          WaitlistFilter f;
          f.resource = r1;
          CHECK(t.list_waitlist(a, f)->empty());
          f = {};
          f.pool = pool;
          CHECK(t.list_waitlist(a, f)->empty());
          f = {};
          f.resource = r2;
          CHECK(ids_of(t.list_waitlist(a, f).value()) == std::vector<WaitlistEntryId>{full, plain});
          return Status::Ok();
        }).ok());
    // An offer can be withdrawn: both offer fields go back to unset.
    WaitlistEntry back = changed;
    back.status = WaitlistStatus::waiting;
    back.offer.reset();
    back.version = 6;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              return t.update_waitlist_entry(back);
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              check_same(t.find_waitlist_entry(a, full)->value(), back);
              return Status::Ok();
            }).ok());
    // Updating an entry that does not exist is not_found, and changes nothing.
    WaitlistEntry missing = changed;
    missing.id = WaitlistEntryId{plain + 100};
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            return t.update_waitlist_entry(missing);
          }).code() == Code::not_found);
    // A read transaction refuses writes.
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.insert_waitlist_entry(bare).status().code() == Code::internal);
              CHECK(t.update_waitlist_entry(back).code() == Code::internal);
              return Status::Ok();
            }).ok());
    // A write that fails leaves nothing behind.
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            BOKA_RETURN_IF_ERROR(t.insert_waitlist_entry(bare).status());
            return Status(Code::conflict, "no");
          }).code() == Code::conflict);
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.list_waitlist(a, WaitlistFilter{})->size() == 2);
              CHECK(t.count_waiting(a).value() == 2);
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: the entry holding an offer is found by its reservation") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId room{};
    std::vector<ReservationId> holds;
    WaitlistEntryId offered{}, accepted{}, lapsed{}, waiting{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              holds.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
              BOKA_ASSIGN_OR_RETURN(room, t.insert_resource(sample_resource(a)));
              for (int i = 0; i < 4; ++i) {
                BOKA_ASSIGN_OR_RETURN(
                    auto id, t.insert_reservation(offered_hold(a, room, utc(2026, 3, 3, 8 + i))));
                holds.push_back(id);
              }
              WaitlistEntry e = entry_for(a, room, utc(2026, 3, 3, 8));
              e.status = WaitlistStatus::offered;
              e.offer = holds[0];
              e.offer_expires_at = utc(2026, 3, 2, 9);
              BOKA_ASSIGN_OR_RETURN(offered, t.insert_waitlist_entry(e));
              e.status = WaitlistStatus::accepted;
              e.offer = holds[1];
              e.offer_expires_at.reset();
              BOKA_ASSIGN_OR_RETURN(accepted, t.insert_waitlist_entry(e));
              // A lapsed offer keeps naming its reservation, but no longer holds it.
              e.status = WaitlistStatus::lapsed;
              e.offer = holds[2];
              BOKA_ASSIGN_OR_RETURN(lapsed, t.insert_waitlist_entry(e));
              e.status = WaitlistStatus::waiting;
              e.offer.reset();
              BOKA_ASSIGN_OR_RETURN(waiting, t.insert_waitlist_entry(e));
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              auto first = t.find_waitlist_entry_by_offer(a, holds[0]);
              REQUIRE(first.ok());
              REQUIRE(first->has_value());
              CHECK((*first)->id == offered);
              CHECK((*first)->status == WaitlistStatus::offered);
              CHECK(t.find_waitlist_entry_by_offer(a, holds[1]).value()->id == accepted);
              CHECK_FALSE(t.find_waitlist_entry_by_offer(a, holds[2])->has_value());
              CHECK_FALSE(t.find_waitlist_entry_by_offer(a, holds[3])->has_value());
              // Another tenant does not see the entry through the reservation either.
              CHECK_FALSE(t.find_waitlist_entry_by_offer(b, holds[0])->has_value());
              // The lapsed entry still names its reservation; the waiting one names none.
              CHECK(t.find_waitlist_entry(a, lapsed).value()->offer == holds[2]);
              CHECK_FALSE(t.find_waitlist_entry(a, waiting).value()->offer.has_value());
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE("conformance: list_waitlist returns a tenant's entries in queue order - every filter") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId r1{}, r2{}, rb{};
    PoolId pool{};
    // ids[i] is entry i below.
    std::vector<WaitlistEntryId> ids;
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              ids.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
              BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(rb, t.insert_resource(sample_resource(b)));
              BOKA_ASSIGN_OR_RETURN(pool, t.insert_pool(pool_of(a, {r1, r2})));
              struct Spec {
                int priority;
                int joined_hour;
                WaitlistStatus status;
                const char* customer;
                int target;  // 1: r1, 2: r2, 3: the pool, 4: r1 and the pool
              };
              const Spec specs[] = {
                  {0, 9, WaitlistStatus::waiting, "ann", 1},    // 0
                  {5, 10, WaitlistStatus::waiting, "bob", 2},   // 1
                  {0, 8, WaitlistStatus::offered, "ann", 3},    // 2
                  {5, 10, WaitlistStatus::waiting, "ann", 4},   // 3: ties with 1 but for id
                  {-1, 7, WaitlistStatus::cancelled, "", 1},    // 4
                  {0, 9, WaitlistStatus::expired, "bob", 3},    // 5: ties with 0 but for id
                  {2, 11, WaitlistStatus::accepted, "Ann", 2},  // 6
              };
              for (const Spec& x : specs) {
                WaitlistEntry e = entry_for(a, r1, utc(2026, 3, 3, 9));
                if (x.target == 2) e.allocations = {AllocationRequest::of_resource(r2)};
                if (x.target == 3) e.allocations = {AllocationRequest::of_pool(pool)};
                if (x.target == 4) {
                  e.allocations = {AllocationRequest::of_resource(r1),
                                   AllocationRequest::of_pool(pool, 2)};
                }
                e.priority = x.priority;
                e.joined_at = utc(2026, 3, 1, x.joined_hour);
                e.status = x.status;
                e.customer = x.customer;
                BOKA_ASSIGN_OR_RETURN(auto id, t.insert_waitlist_entry(e));
                ids.push_back(id);
              }
              // Tenant b's entries never show in a's lists.
              WaitlistEntry other = entry_for(b, rb, utc(2026, 3, 3, 9));
              other.priority = 100;
              other.customer = "ann";
              BOKA_RETURN_IF_ERROR(t.insert_waitlist_entry(other).status());
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              const auto list = [&](const WaitlistFilter& f) {
                return ids_of(t.list_waitlist(a, f).value());
              };
              using Ids = std::vector<WaitlistEntryId>;
              // Priority descending, then joined_at, then id.
              WaitlistFilter f;
              CHECK(list(f) == Ids{ids[1], ids[3], ids[6], ids[2], ids[0], ids[5], ids[4]});
              f.limit = 3;
              CHECK(list(f) == Ids{ids[1], ids[3], ids[6]});
              f.limit = 1;
              CHECK(list(f) == Ids{ids[1]});
              // A resource: the entries naming it directly (not through a pool).
              f = {};
              f.resource = r1;
              CHECK(list(f) == Ids{ids[3], ids[0], ids[4]});
              f.resource = r2;
              CHECK(list(f) == Ids{ids[1], ids[6]});
              f.resource = ResourceId{rb};
              CHECK(list(f).empty());
              // A pool.
              f = {};
              f.pool = pool;
              CHECK(list(f) == Ids{ids[3], ids[2], ids[5]});
              f.pool = PoolId{pool + 100};
              CHECK(list(f).empty());
              // Resource and pool together: entries naming both.
              f = {};
              f.resource = r1;
              f.pool = pool;
              CHECK(list(f) == Ids{ids[3]});
              // Customer: exact (case and all), and "" is a customer too.
              f = {};
              f.customer = "ann";
              CHECK(list(f) == Ids{ids[3], ids[2], ids[0]});
              f.customer = "";
              CHECK(list(f) == Ids{ids[4]});
              f.customer = "an";
              CHECK(list(f).empty());
              // Statuses: any of them.
              f = {};
              f.statuses = {WaitlistStatus::waiting};
              CHECK(list(f) == Ids{ids[1], ids[3], ids[0]});
              f.statuses = {WaitlistStatus::expired, WaitlistStatus::offered,
                            WaitlistStatus::cancelled};
              CHECK(list(f) == Ids{ids[2], ids[5], ids[4]});
              f.statuses = {WaitlistStatus::lapsed};
              CHECK(list(f).empty());
              // Every filter at once, and the limit after them.
              f = {};
              f.resource = r1;
              f.customer = "ann";
              f.statuses = {WaitlistStatus::waiting};
              CHECK(list(f) == Ids{ids[3], ids[0]});
              f.limit = 1;
              CHECK(list(f) == Ids{ids[3]});
              // Tenant b sees its own entry only.
              CHECK(t.list_waitlist(b, WaitlistFilter{})->size() == 1);
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: waiting_entries selects by resource or pool and by the window overlap - "
    "waiting entries of the tenant only, in queue order, at most limit") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId r1{}, r2{}, r3{}, rb{};
    PoolId pool{}, other_pool{};
    std::map<std::string, WaitlistEntryId> id;
    // The freed range: [10:00, 11:00) on March 3.
    const Instant from = utc(2026, 3, 3, 10), to = utc(2026, 3, 3, 11);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              id.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
              BOKA_ASSIGN_OR_RETURN(r1, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(r2, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(r3, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(rb, t.insert_resource(sample_resource(b)));
              BOKA_ASSIGN_OR_RETURN(pool, t.insert_pool(pool_of(a, {r1, r2})));
              BOKA_ASSIGN_OR_RETURN(other_pool, t.insert_pool(pool_of(a, {r3})));
              const auto add = [&](const std::string& name, WaitlistEntry e) -> Status {
                BOKA_ASSIGN_OR_RETURN(id[name], t.insert_waitlist_entry(e));
                return Status::Ok();
              };
              // Overlap boundaries: earliest_start < to and latest_start + duration > from.
              WaitlistEntry e = entry_for(a, r1, to);  // starts exactly at `to`: no overlap
              BOKA_RETURN_IF_ERROR(add("starts_at_to", e));
              e = entry_for(a, r1, to - Seconds(1));
              e.priority = 1;
              BOKA_RETURN_IF_ERROR(add("starts_before_to", e));
              e = entry_for(a, r1, from - hours(1));  // ends exactly at `from`: no overlap
              BOKA_RETURN_IF_ERROR(add("ends_at_from", e));
              e = entry_for(a, r1, from - hours(1));
              e.duration = hours(1) + Seconds(1);
              e.priority = 1;
              e.joined_at = utc(2026, 3, 1, 7);
              BOKA_RETURN_IF_ERROR(add("ends_after_from", e));
              // A range of starts: earliest before, latest after the freed range.
              e = entry_for(a, r1, utc(2026, 3, 3, 6));
              e.latest_start = utc(2026, 3, 3, 18);
              e.duration = minutes(30);
              e.priority = 3;
              BOKA_RETURN_IF_ERROR(add("wide", e));
              // Only latest_start + duration reaches into the range.
              e = entry_for(a, r1, utc(2026, 3, 3, 8));
              e.latest_start = utc(2026, 3, 3, 9, 30);
              e.duration = minutes(31);
              BOKA_RETURN_IF_ERROR(add("late_enough", e));
              e.duration = minutes(30);
              BOKA_RETURN_IF_ERROR(add("latest_ends_at_from", e));
              // Statuses other than waiting are not selected.
              for (WaitlistStatus st :
                   {WaitlistStatus::offered, WaitlistStatus::accepted, WaitlistStatus::cancelled,
                    WaitlistStatus::expired, WaitlistStatus::lapsed}) {
                e = entry_for(a, r1, from);
                e.status = st;
                e.priority = 9;
                BOKA_RETURN_IF_ERROR(add(waitlist_status_name(st), e));
              }
              // Through the pool, and for another resource and another pool.
              e = entry_for(a, r1, from);
              e.allocations = {AllocationRequest::of_pool(pool)};
              e.priority = 2;
              BOKA_RETURN_IF_ERROR(add("pool", e));
              e = entry_for(a, r2, from);
              e.priority = 2;
              e.joined_at = utc(2026, 3, 1, 9);
              BOKA_RETURN_IF_ERROR(add("r2", e));
              e = entry_for(a, r3, from);
              e.allocations.push_back(AllocationRequest::of_pool(other_pool));
              BOKA_RETURN_IF_ERROR(add("r3", e));
              // Another tenant's entry for its own resource, in the same window.
              e = entry_for(b, rb, from);
              e.priority = 9;
              BOKA_RETURN_IF_ERROR(add("tenant_b", e));
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using Ids = std::vector<WaitlistEntryId>;
              const auto waiting = [&](TenantId tenant, std::vector<ResourceId> resources,
                                       std::vector<PoolId> pools, int limit = 100) {
                return ids_of(t.waiting_entries(tenant, resources, pools, from, to, limit).value());
              };
              // r1: the overlapping ones, queue order (priority, then joined_at, then id).
              CHECK(waiting(a, {r1}, {}) == Ids{id["wide"], id["ends_after_from"],
                                                id["starts_before_to"], id["late_enough"]});
              CHECK(waiting(a, {r1}, {}, 2) == Ids{id["wide"], id["ends_after_from"]});
              CHECK(waiting(a, {r1}, {}, 1) == Ids{id["wide"]});
              // The pool alone: only the entry naming the pool, not those naming its members.
              CHECK(waiting(a, {}, {pool}) == Ids{id["pool"]});
              // Resources and pools together.
              CHECK(waiting(a, {r1, r2}, {pool}) == Ids{id["wide"], id["pool"], id["r2"],
                                                        id["ends_after_from"],
                                                        id["starts_before_to"], id["late_enough"]});
              // An entry naming two of those asked for comes once.
              CHECK(waiting(a, {r3}, {other_pool}) == Ids{id["r3"]});
              CHECK(waiting(a, {r2}, {}) == Ids{id["r2"]});
              // Nothing asked, nothing found; another tenant's ids find nothing in a.
              CHECK(waiting(a, {}, {}).empty());
              CHECK(waiting(a, {rb}, {}).empty());
              CHECK(waiting(b, {r1}, {pool}).empty());
              CHECK(waiting(b, {rb}, {}) == Ids{id["tenant_b"]});
              return Status::Ok();
            }).ok());
  });
}

TEST_CASE(
    "conformance: due waitlist entries of every tenant, oldest deadline first - waiting counts "
    "per tenant and in all") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    ResourceId ra{}, rb{};
    std::map<std::string, WaitlistEntryId> id;
    const Instant now = utc(2026, 3, 3, 10);
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              id.clear();
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
              BOKA_ASSIGN_OR_RETURN(ra, t.insert_resource(sample_resource(a)));
              BOKA_ASSIGN_OR_RETURN(rb, t.insert_resource(sample_resource(b)));
              BOKA_ASSIGN_OR_RETURN(auto hold_a,
                                    t.insert_reservation(offered_hold(a, ra, utc(2026, 3, 4, 9))));
              BOKA_ASSIGN_OR_RETURN(auto hold_b,
                                    t.insert_reservation(offered_hold(b, rb, utc(2026, 3, 4, 9))));
              const auto waiting = [&](const std::string& name, TenantId tenant, ResourceId r,
                                       Instant expires) -> Status {
                WaitlistEntry e = entry_for(tenant, r, utc(2026, 3, 4, 9));
                e.expires_at = expires;
                BOKA_ASSIGN_OR_RETURN(id[name], t.insert_waitlist_entry(e));
                return Status::Ok();
              };
              const auto offered = [&](const std::string& name, TenantId tenant, ResourceId r,
                                       ReservationId hold, Instant offer_expires,
                                       WaitlistStatus status = WaitlistStatus::offered) -> Status {
                WaitlistEntry e = entry_for(tenant, r, utc(2026, 3, 4, 9));
                e.status = status;
                e.offer = hold;
                e.offer_expires_at = offer_expires;
                e.expires_at = utc(2026, 3, 1);  // long past: only the offer's deadline counts
                BOKA_ASSIGN_OR_RETURN(id[name], t.insert_waitlist_entry(e));
                return Status::Ok();
              };
              BOKA_RETURN_IF_ERROR(waiting("a_9", a, ra, utc(2026, 3, 3, 9)));
              BOKA_RETURN_IF_ERROR(waiting("a_12", a, ra, utc(2026, 3, 3, 12)));  // not yet
              BOKA_RETURN_IF_ERROR(waiting("a_now", a, ra, now));                 // due at now
              BOKA_RETURN_IF_ERROR(offered("a_offer_8_30", a, ra, hold_a, utc(2026, 3, 3, 8, 30)));
              BOKA_RETURN_IF_ERROR(offered("a_offer_11", a, ra, hold_a, utc(2026, 3, 3, 11)));
              BOKA_RETURN_IF_ERROR(waiting("b_8", b, rb, utc(2026, 3, 3, 8)));
              BOKA_RETURN_IF_ERROR(offered("b_offer_9_30", b, rb, hold_b, utc(2026, 3, 3, 9, 30)));
              // Same deadline as a_9: after it, by id.
              BOKA_RETURN_IF_ERROR(waiting("b_9", b, rb, utc(2026, 3, 3, 9)));
              // Past deadlines in other statuses are not due.
              BOKA_RETURN_IF_ERROR(offered("a_accepted", a, ra, hold_a, utc(2026, 3, 3, 7),
                                           WaitlistStatus::accepted));
              BOKA_RETURN_IF_ERROR(
                  offered("b_lapsed", b, rb, hold_b, utc(2026, 3, 3, 7), WaitlistStatus::lapsed));
              for (WaitlistStatus st : {WaitlistStatus::cancelled, WaitlistStatus::expired}) {
                WaitlistEntry e = entry_for(a, ra, utc(2026, 3, 4, 9));
                e.status = st;
                e.expires_at = utc(2026, 3, 3, 7);
                BOKA_RETURN_IF_ERROR(t.insert_waitlist_entry(e).status());
              }
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using Ids = std::vector<WaitlistEntryId>;
              const Ids all = {id["b_8"], id["a_offer_8_30"], id["a_9"],
                               id["b_9"], id["b_offer_9_30"], id["a_now"]};
              CHECK(ids_of(t.due_waitlist_entries(now, 100).value()) == all);
              CHECK(ids_of(t.due_waitlist_entries(now, 3).value()) ==
                    Ids(all.begin(), all.begin() + 3));
              CHECK(t.due_waitlist_entries(utc(2026, 3, 3, 7, 59, 59), 100).value().empty());
              // The rows come whole, with their tenant.
              auto first = t.due_waitlist_entries(now, 2).value();
              REQUIRE(first.size() == 2);
              CHECK(first[0].tenant == b);
              CHECK(first[0].status == WaitlistStatus::waiting);
              CHECK(first[0].allocations.size() == 1);
              CHECK(first[1].tenant == a);
              CHECK(first[1].status == WaitlistStatus::offered);
              CHECK(first[1].offer_expires_at == utc(2026, 3, 3, 8, 30));
              // An hour later the a_offer_11 offer is due too, and a_12 is not yet.
              CHECK(t.due_waitlist_entries(utc(2026, 3, 3, 11), 100)->size() == all.size() + 1);
              // Waiting counts: every waiting entry, due or not.
              CHECK(t.count_waiting(a).value() == 3);
              CHECK(t.count_waiting(b).value() == 2);
              CHECK(t.count_waiting(std::nullopt).value() == 5);
              CHECK(t.count_waiting(TenantId{b + 100}).value() == 0);
              return Status::Ok();
            }).ok());
  });
}
