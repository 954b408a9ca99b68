// The waitlist through the engine (boka/waitlist.hpp), on memory and on a real SQLite file:
// offers made in the transaction that frees capacity, in queue order, to fitting entries
// only; acceptance, lapse and pass-on; priority; windows; expiry.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

#define store_uri(db)                                                                   \
  (GENERATE(as<std::string>{}, "memory", "sqlite") == "memory" ? std::string("memory:") \
                                                               : (db).uri())

WaitlistRequest wait_for(ResourceId room, Instant start, Seconds duration, std::string customer,
                         int quantity = 1) {
  WaitlistRequest w;
  w.allocations = {AllocationRequest::of_resource(room, quantity)};
  w.earliest_start = w.latest_start = start;
  w.duration = duration;
  w.customer = std::move(customer);
  return w;
}

WaitlistEntry entry(Fixture& f, WaitlistEntryId id) {
  auto got = f.engine->waitlist().get(sys(), f.tenant, id);
  if (!got.ok()) throw std::runtime_error(got.status().to_string());
  return got->entry;
}

double counter(Fixture& f, const std::string& sample) {
  const std::string text = "\n" + f.engine->operations().metrics()->exposition();
  const auto at = text.find("\n" + sample + " ");  // a sample line, not its # HELP
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

}  // namespace

TEST_CASE("waitlist: a cancel offers the freed slot to the first waiting entry, as a hold") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto room = f.resource("room").id;
  auto taken = f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(taken.ok());
  auto first = f.engine->waitlist().join(sys(), f.tenant,
                                         wait_for(room, utc(2026, 1, 6, 10), hours(1), "ann"));
  REQUIRE(first.ok());
  CHECK(first->status == WaitlistStatus::waiting);
  auto second = f.engine->waitlist().join(sys(), f.tenant,
                                          wait_for(room, utc(2026, 1, 6, 10), hours(1), "bob"));
  REQUIRE(second.ok());
  CHECK(f.engine->waitlist().get(sys(), f.tenant, second->id)->position == 2);

  REQUIRE(f.engine->cancel(sys(), f.tenant, taken->id).ok());
  const WaitlistEntry offered = entry(f, first->id);
  REQUIRE(offered.status == WaitlistStatus::offered);
  REQUIRE(offered.offer.has_value());
  CHECK(offered.offer_expires_at == utc(2026, 1, 5, 8, 15));  // the default 15-minute window
  auto hold = f.engine->get_reservation(sys(), f.tenant, *offered.offer);
  REQUIRE(hold.ok());
  CHECK(hold->status == ReservationStatus::held);
  CHECK(hold->customer == "ann");
  CHECK(hold->start == utc(2026, 1, 6, 10));
  // One unit, one offer: the second entry still waits, now first in line.
  CHECK(entry(f, second->id).status == WaitlistStatus::waiting);
  CHECK(f.engine->waitlist().get(sys(), f.tenant, second->id)->position == 1);
  // Nobody else can take the offered slot meanwhile.
  CHECK(f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).status().code() == Code::conflict);

  auto accepted = f.engine->waitlist().accept(sys(), f.tenant, first->id);
  REQUIRE(accepted.ok());
  CHECK(accepted->status == ReservationStatus::confirmed);
  CHECK(entry(f, first->id).status == WaitlistStatus::accepted);
  CHECK(counter(f, "waitlist_offers_total{result=\"made\"}") == 1);
  CHECK(counter(f, "waitlist_offers_total{result=\"accepted\"}") == 1);
  CHECK(counter(f, "waitlist_waiting_entries") == 1);
}

TEST_CASE("waitlist: an offer not confirmed in time lapses and passes to the next entry") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto room = f.resource("room").id;
  auto taken = f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(taken.ok());
  auto ann = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "ann"));
  auto bob = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "bob"));
  REQUIRE(ann.ok());
  REQUIRE(bob.ok());
  REQUIRE(f.engine->cancel(sys(), f.tenant, taken->id).ok());
  REQUIRE(entry(f, ann->id).status == WaitlistStatus::offered);
  f.clock->advance(minutes(16));
  // The worker's sweep lapses the offer; the same transaction offers the slot to bob.
  auto swept = f.engine->waitlist().sweep(sys());
  REQUIRE(swept.ok());
  CHECK(*swept == 1);
  CHECK(entry(f, ann->id).status == WaitlistStatus::lapsed);
  const WaitlistEntry next = entry(f, bob->id);
  REQUIRE(next.status == WaitlistStatus::offered);
  CHECK(f.engine->get_reservation(sys(), f.tenant, *next.offer)->customer == "bob");
  // ann's lapsed hold cannot be confirmed any more.
  CHECK(f.engine->waitlist().accept(sys(), f.tenant, ann->id).status().code() == Code::conflict);
  CHECK(counter(f, "waitlist_offers_total{result=\"lapsed\"}") == 1);
  CHECK(counter(f, "waitlist_offers_total{result=\"made\"}") == 2);
}

TEST_CASE("waitlist: entries that do not fit are passed over, never one that fits") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto room = f.resource("room", 2).id;
  auto one = f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  auto two = f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  // Needs both units; then one that needs one unit; then another one-unit entry.
  auto big = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "big", 2));
  auto small = f.engine->waitlist().join(sys(), f.tenant,
                                         wait_for(room, utc(2026, 1, 6, 10), hours(1), "small"));
  auto later = f.engine->waitlist().join(sys(), f.tenant,
                                         wait_for(room, utc(2026, 1, 6, 10), hours(1), "later"));
  REQUIRE(big.ok());
  REQUIRE(small.ok());
  REQUIRE(later.ok());
  REQUIRE(f.engine->cancel(sys(), f.tenant, one->id).ok());    // one unit frees
  CHECK(entry(f, big->id).status == WaitlistStatus::waiting);  // does not fit
  CHECK(entry(f, small->id).status == WaitlistStatus::offered);
  CHECK(entry(f, later->id).status == WaitlistStatus::waiting);  // never jumps "small"
}

TEST_CASE("waitlist: staff priority, windows, joining when it fits, capacity raised, expiry") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  Policy hourly;
  hourly.slot_step = hours(1);
  auto room = f.resource("room", 1, "UTC", std::nullopt, hourly).id;
  auto taken = f.book(room, utc(2026, 1, 6, 9), utc(2026, 1, 6, 12));
  REQUIRE(taken.ok());

  SECTION("a later entry raised by staff is offered first") {
    auto a = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "a"));
    auto b = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "b"));
    REQUIRE(f.engine->waitlist().set_priority(sys(), f.tenant, b->id, 5).ok());
    REQUIRE(f.engine->cancel(sys(), f.tenant, taken->id).ok());
    CHECK(entry(f, b->id).status == WaitlistStatus::offered);
    CHECK(entry(f, a->id).status == WaitlistStatus::waiting);
  }
  SECTION("any start in a window: the first start that fits is offered") {
    WaitlistRequest w = wait_for(room, utc(2026, 1, 6, 8), hours(2), "w");
    w.latest_start = utc(2026, 1, 6, 14);
    auto joined = f.engine->waitlist().join(sys(), f.tenant, w);
    REQUIRE(joined.ok());
    // 12:00-14:00 is free now: joining offers it at once.
    REQUIRE(joined->status == WaitlistStatus::offered);
    CHECK(f.engine->get_reservation(sys(), f.tenant, *joined->offer)->start == utc(2026, 1, 6, 12));
  }
  SECTION("more capacity is offered to the waiting entries") {
    auto a = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "a"));
    REQUIRE(a.ok());
    REQUIRE(a->status == WaitlistStatus::waiting);
    Resource bigger = f.engine->get_resource(sys(), f.tenant, room).value();
    bigger.capacity = 2;
    REQUIRE(f.engine->update_resource(sys(), f.tenant, bigger).ok());
    CHECK(entry(f, a->id).status == WaitlistStatus::offered);
  }
  SECTION("a waiting entry expires, and a cancelled one never gets an offer") {
    WaitlistRequest w = wait_for(room, utc(2026, 1, 6, 10), hours(1), "x");
    w.expires_at = utc(2026, 1, 5, 12);
    auto x = f.engine->waitlist().join(sys(), f.tenant, w);
    auto y = f.engine->waitlist().join(sys(), f.tenant,
                                       wait_for(room, utc(2026, 1, 6, 10), hours(1), "y"));
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    REQUIRE(f.engine->waitlist().cancel(sys(), f.tenant, y->id).ok());
    f.clock->set(utc(2026, 1, 5, 13));
    REQUIRE(f.engine->waitlist().sweep(sys()).value() == 1);
    CHECK(entry(f, x->id).status == WaitlistStatus::expired);
    REQUIRE(f.engine->cancel(sys(), f.tenant, taken->id).ok());
    CHECK(entry(f, y->id).status == WaitlistStatus::cancelled);
    CHECK(f.engine->waitlist().list(sys(), f.tenant, WaitlistFilter{})->size() == 2);
  }
}

TEST_CASE("waitlist: declining an offer passes it on, and bad requests are clear errors") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto room = f.resource("room").id;
  auto taken = f.book(room, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11));
  auto a = f.engine->waitlist().join(sys(), f.tenant,
                                     wait_for(room, utc(2026, 1, 6, 10), hours(1), "a"));
  auto b = f.engine->waitlist().join(sys(), f.tenant,
                                     wait_for(room, utc(2026, 1, 6, 10), hours(1), "b"));
  REQUIRE(f.engine->cancel(sys(), f.tenant, taken->id).ok());
  REQUIRE(entry(f, a->id).status == WaitlistStatus::offered);
  const ReservationId offer = *entry(f, a->id).offer;
  // Leaving the queue with an offer in hand cancels the hold and offers it to b.
  REQUIRE(f.engine->waitlist().cancel(sys(), f.tenant, a->id).ok());
  CHECK(f.engine->get_reservation(sys(), f.tenant, offer)->status == ReservationStatus::cancelled);
  CHECK(entry(f, b->id).status == WaitlistStatus::offered);

  WaitlistRequest bad = wait_for(room, utc(2026, 1, 6, 10), hours(1), "c");
  bad.latest_start = utc(2026, 1, 6, 9);
  CHECK_THAT(f.engine->waitlist().join(sys(), f.tenant, bad).status().message(),
             Catch::Contains("latest_start"));
  bad = wait_for(room, utc(2026, 1, 4, 10), hours(1), "c");
  CHECK(f.engine->waitlist().join(sys(), f.tenant, bad).status().code() == Code::invalid_argument);
  bad = wait_for(room, utc(2026, 1, 6, 10), Seconds(0), "c");
  CHECK_THAT(f.engine->waitlist().join(sys(), f.tenant, bad).status().message(),
             Catch::Contains("duration"));
  CHECK(f.engine->waitlist().get(sys(), f.tenant, WaitlistEntryId{999}).status().code() ==
        Code::not_found);
  CHECK(f.engine->waitlist().list(sys(), f.tenant, WaitlistFilter{})->size() == 2);
}

TEST_CASE("waitlist: cancelling occurrences of a series offers their slots") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto room = f.resource("room").id;
  SeriesRequest s;
  s.allocations = {AllocationRequest::of_resource(room)};
  s.first_date = LocalDate{2026, 1, 6};
  s.start_minute = 10 * 60;
  s.duration = hours(1);
  s.rule.frequency = Frequency::weekly;
  s.rule.count = 3;
  auto booked = f.engine->series().book(sys(), f.tenant, s);
  REQUIRE(booked.ok());
  auto waiting = f.engine->waitlist().join(sys(), f.tenant,
                                           wait_for(room, utc(2026, 1, 20, 10), hours(1), "w"));
  REQUIRE(waiting.ok());
  REQUIRE(waiting->status == WaitlistStatus::waiting);
  REQUIRE(f.engine->series()
              .cancel(sys(), f.tenant, booked->reservations[1].id, SeriesScope::this_and_following)
              .ok());
  const WaitlistEntry offered = entry(f, waiting->id);
  REQUIRE(offered.status == WaitlistStatus::offered);
  CHECK(f.engine->get_reservation(sys(), f.tenant, *offered.offer)->start == utc(2026, 1, 20, 10));
}

TEST_CASE("waitlist: joining works while an earlier entry waits for a pool the new one lacks") {
  TempDb db;
  Fixture f(store_uri(db), utc(2026, 1, 5, 8));
  auto a = f.resource("a").id;
  auto b = f.resource("b").id;
  auto pool = f.engine->create_pool(sys(), f.tenant, Pool{PoolId{}, TenantId{}, "ab", {a, b}});
  REQUIRE(pool.ok());
  REQUIRE(f.book(a, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  REQUIRE(f.book(b, utc(2026, 1, 6, 10), utc(2026, 1, 6, 11)).ok());
  WaitlistRequest any = wait_for(a, utc(2026, 1, 6, 10), hours(1), "pool");
  any.allocations = {AllocationRequest::of_pool(pool->id)};
  auto first = f.engine->waitlist().join(sys(), f.tenant, any);
  REQUIRE(first.ok());
  // The second entry names only `a`; joining walks the queue over `a`, which reaches the
  // pool entry (it needs `b` too): the join must lock `b` as well, not fail.
  auto second = f.engine->waitlist().join(sys(), f.tenant,
                                          wait_for(a, utc(2026, 1, 6, 10), hours(1), "a only"));
  INFO(second.status().to_string());
  REQUIRE(second.ok());
  CHECK(second->status == WaitlistStatus::waiting);
  CHECK(f.engine->waitlist().get(sys(), f.tenant, second->id)->position == 2);
}
