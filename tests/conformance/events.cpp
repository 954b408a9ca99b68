// Storage conformance for the event feed (boka/events.hpp): event rows round trip, filter by
// type, family and subject, stay in their tenant, roll back with their transaction, are
// pruned by age and redacted by customer; and through the engine on every store, each
// change writes exactly its events, in order, and a fault injected at any write point of a
// change leaves either the change with its events or neither (the transactional outbox).
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <set>
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

Event event_row(TenantId tenant, std::string type, std::string subject, Instant at,
                std::optional<CustomerId> customer = std::nullopt) {
  Event e;
  e.tenant = tenant;
  e.type = std::move(type);
  e.subject = std::move(subject);
  e.occurred_at = at;
  e.actor = "system";
  e.source = "203.0.113.7";
  e.customer_id = customer;
  e.payload_json = R"({"reservation":{"id":1,"notes":"Zoë's 'quote' \"x\""}})";
  return e;
}

// Gives positions the way the engine does on stores that leave them for later.
void position_all(Storage& s) {
  WriteIntent intent(TxnScope::all_tenants());
  intent.lock_names = {"boka:events:position"};
  REQUIRE(s.write(intent, [](StorageTransaction& t) -> Status {
             return t.position_events(100000).status();
           }).ok());
}

std::vector<Event> list(Storage& s, TenantId tenant, EventQuery q = {}) {
  std::vector<Event> out;
  REQUIRE(s.read(TxnScope::tenant(tenant), [&](StorageTransaction& t) -> Status {
             BOKA_ASSIGN_OR_RETURN(out, t.list_events(tenant, q));
             return Status::Ok();
           }).ok());
  return out;
}

std::vector<std::string> types_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.type);
  return out;
}

}  // namespace

TEST_CASE("conformance: event rows round trip - filter - stay in their tenant - roll back") {
  for_each_store([](std::shared_ptr<Storage> s) {
    TenantId a{}, b{};
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_ASSIGN_OR_RETURN(a, t.insert_tenant(tenant_row("a")));
              BOKA_ASSIGN_OR_RETURN(b, t.insert_tenant(tenant_row("b")));
              return Status::Ok();
            }).ok());
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              BOKA_RETURN_IF_ERROR(t.insert_event(event_row(
                  a, "reservation.created", "reservation:1", utc(2026, 1, 1), CustomerId{5})));
              BOKA_RETURN_IF_ERROR(t.insert_event(
                  event_row(b, "reservation.created", "reservation:9", utc(2026, 1, 1))));
              BOKA_RETURN_IF_ERROR(t.insert_event(
                  event_row(a, "reservation.cancelled", "reservation:1", utc(2026, 1, 2))));
              BOKA_RETURN_IF_ERROR(
                  t.insert_event(event_row(a, "customer.created", "customer:5", utc(2026, 1, 3))));
              return t.insert_event(
                  event_row(a, "reservation.created", "reservation:2", utc(2026, 1, 4)));
            }).ok());
    // A rolled-back write leaves no event.
    CHECK(write(*s, [&](StorageTransaction& t) -> Status {
            BOKA_RETURN_IF_ERROR(t.insert_event(
                event_row(a, "reservation.created", "reservation:3", utc(2026, 1, 5))));
            return Status(Code::conflict, "changed my mind");
          }).code() == Code::conflict);
    position_all(*s);

    auto all = list(*s, a);
    REQUIRE(all.size() == 4);
    CHECK(types_of(all) == std::vector<std::string>{"reservation.created", "reservation.cancelled",
                                                    "customer.created", "reservation.created"});
    for (std::size_t i = 1; i < all.size(); ++i) {
      CHECK(all[i].position > all[i - 1].position);
      CHECK(all[i].id > all[i - 1].id);
    }
    const Event& first = all.front();
    CHECK(first.tenant == a);
    CHECK(first.subject == "reservation:1");
    CHECK(first.occurred_at == utc(2026, 1, 1));
    CHECK(first.actor == "system");
    CHECK(first.source == "203.0.113.7");
    CHECK(first.customer_id == CustomerId{5});
    CHECK(first.payload_json == R"({"reservation":{"id":1,"notes":"Zoë's 'quote' \"x\""}})");
    CHECK_FALSE(all[1].customer_id);

    // Cursor, limit, type, family and subject.
    EventQuery q;
    q.after = all[0].position;
    q.limit = 2;
    auto page = list(*s, a, q);
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == all[1].id);
    q = {};
    q.types = {"reservation.*"};
    CHECK(list(*s, a, q).size() == 3);
    q.types = {"customer.created", "reservation.cancelled"};
    CHECK(types_of(list(*s, a, q)) ==
          std::vector<std::string>{"reservation.cancelled", "customer.created"});
    q.types = {"reservation_*"};  // '_' is not a wildcard
    CHECK(list(*s, a, q).empty());
    q = {};
    q.subject = "reservation:1";
    CHECK(list(*s, a, q).size() == 2);

    // Tenants: b sees its one event; a's events are not found through b.
    auto theirs = list(*s, b);
    REQUIRE(theirs.size() == 1);
    REQUIRE(s->read(TxnScope::tenant(b), [&](StorageTransaction& t) -> Status {
               CHECK_FALSE(t.find_event(b, first.id).value());
               CHECK(t.find_event(b, theirs[0].id).value()->subject == "reservation:9");
               CHECK(t.event_head(b).value() == theirs[0].position);
               return Status::Ok();
             }).ok());
    REQUIRE(s->read(TxnScope::tenant(a), [&](StorageTransaction& t) -> Status {
               CHECK(t.event_head(a).value() == all.back().position);
               return Status::Ok();
             }).ok());

    // Redaction by customer, then pruning by age (oldest first, across tenants).
    REQUIRE(s->write(WriteIntent(TxnScope::tenant(a)), [&](StorageTransaction& t) -> Status {
               CHECK(t.redact_customer_events(a, CustomerId{5}, R"({"redacted":true})").value() ==
                     1);
               return Status::Ok();
             }).ok());
    CHECK(list(*s, a).front().payload_json == R"({"redacted":true})");
    CHECK(list(*s, a)[1].payload_json != R"({"redacted":true})");
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              CHECK(t.delete_events_before(utc(2026, 1, 2), 100).value() == 2);  // a's and b's
              return Status::Ok();
            }).ok());
    CHECK(list(*s, a).size() == 3);
    CHECK(list(*s, b).empty());
    // Ids are never given again, even after pruning.
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              return t.insert_event(
                  event_row(b, "reservation.created", "reservation:10", utc(2026, 1, 6)));
            }).ok());
    position_all(*s);
    auto again = list(*s, b);
    REQUIRE(again.size() == 1);
    CHECK(again[0].id > all.back().id);
    CHECK(again[0].position > all.back().position);
  });
}

namespace {

// Fails the n-th row write of an armed transaction (n from 1): every insert, update and
// append a booking write makes, events included.
class FaultAtWrite : public StorageWrapper {
 public:
  using StorageWrapper::StorageWrapper;
  int fail_at = 0;  // 0: off
  int seen = 0;     // row writes counted while armed

  Status write(const WriteIntent& intent, Work work) override {
    // The changes swept here are tenant-scoped; an all-tenants write is the engine's own
    // housekeeping (the audit sealer on stores that seal after commit, from its thread),
    // which is neither counted nor failed.
    if (intent.scope.is_all()) return StorageWrapper::write(intent, work);
    return StorageWrapper::write(intent, [&](StorageTransaction& t) -> Status {
      Txn wrapped(t, *this);
      return work(wrapped);
    });
  }

 private:
  struct Txn : StorageTransactionWrapper {
    Txn(StorageTransaction& t, FaultAtWrite& owner) : StorageTransactionWrapper(t), o(owner) {}
    FaultAtWrite& o;
    Status fault() {
      if (o.fail_at == 0) return Status::Ok();
      return ++o.seen == o.fail_at ? Status(Code::unavailable, "injected fault") : Status::Ok();
    }
    Result<ReservationId> insert_reservation(const Reservation& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::insert_reservation(x);
    }
    Status update_reservation(const Reservation& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::update_reservation(x);
    }
    Status update_resource(const Resource& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::update_resource(x);
    }
    Result<SeriesId> insert_series(const Series& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::insert_series(x);
    }
    Result<WaitlistEntryId> insert_waitlist_entry(const WaitlistEntry& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::insert_waitlist_entry(x);
    }
    Status update_waitlist_entry(const WaitlistEntry& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::update_waitlist_entry(x);
    }
    Result<CustomerId> insert_customer(const Customer& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::insert_customer(x);
    }
    Status update_customer(const Customer& x) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::update_customer(x);
    }
    Status append_audit(AuditRecord r) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::append_audit(std::move(r));
    }
    Status append_unsealed_audit(AuditRecord r) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::append_unsealed_audit(std::move(r));
    }
    Status insert_event(const Event& e) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::insert_event(e);
    }
    Result<std::int64_t> redact_customer_events(TenantId t, CustomerId c,
                                                std::string_view p) override {
      BOKA_RETURN_IF_ERROR(fault());
      return StorageTransactionWrapper::redact_customer_events(t, c, p);
    }
  };
};

struct Bench {
  std::shared_ptr<FaultAtWrite> store;
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  TenantId tenant{};
  ResourceId room{};

  explicit Bench(std::shared_ptr<Storage> inner)
      : store(std::make_shared<FaultAtWrite>(std::move(inner))),
        clock(std::make_shared<ManualClock>(utc(2026, 3, 2, 8))) {
    engine = Engine::open(store, EngineOptions{clock}).value();
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"}).value().id;
    Resource spec;
    spec.name = "room";
    spec.zone = "Europe/Berlin";
    room = engine->create_resource(sys(), tenant, spec).value().id;
  }

  Reservation book(int hour, std::optional<Seconds> hold = std::nullopt) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = utc(2026, 3, 3, hour);
    req.end = utc(2026, 3, 3, hour + 1);
    req.hold_for = hold;
    req.customer = "Zoë";
    return engine->reserve(sys(), tenant, req).value();
  }

  std::vector<Event> events_after(std::int64_t after) {
    EventQuery q;
    q.after = after;
    q.limit = 1000;
    return engine->events().list(sys(), tenant, q).value().events;
  }
  std::int64_t head() { return engine->events().head(sys(), tenant).value(); }
};

// Runs `op` with a fault at its 1st, 2nd, ... row write until it runs without meeting one.
// After each run: if `op` succeeded, its events (`expected`, in order, as type and subject)
// are in the feed exactly once and `changed()` holds; if it failed, the feed gained nothing
// and `changed()` does not hold. `reset` restores the starting state between runs.
void sweep(Bench& b, const std::function<Status()>& op, const std::function<bool()>& changed,
           const std::function<std::vector<std::string>()>& expected,
           const std::function<void()>& reset) {
  for (int n = 1;; ++n) {
    INFO("fault at row write " << n);
    const std::int64_t head = b.head();
    b.store->fail_at = n;
    b.store->seen = 0;
    const Status st = op();
    const bool hit = b.store->seen >= n;
    b.store->fail_at = 0;
    const auto after = b.events_after(head);
    std::vector<std::string> got;
    for (const Event& e : after) got.push_back(e.type + " " + e.subject);
    if (st.ok()) {
      CHECK(changed());
      CHECK(got == expected());
    } else {
      CHECK(st.code() == Code::unavailable);
      CHECK_FALSE(changed());
      CHECK(got.empty());
    }
    if (!hit) {
      REQUIRE(st.ok());
      CHECK(n > 2);  // the change did write rows: the sweep met each of them
      return;
    }
    reset();
  }
}

}  // namespace

TEST_CASE(
    "conformance: a change and its events commit together - a fault at any write keeps "
    "neither") {
  for_each_store([](std::shared_ptr<Storage> s) {
    Bench b(std::move(s));

    SECTION("reserve") {
      std::optional<Reservation> made;
      sweep(
          b,
          [&]() -> Status {
            ReserveRequest req;
            req.allocations = {AllocationRequest::of_resource(b.room)};
            req.start = utc(2026, 3, 3, 9);
            req.end = utc(2026, 3, 3, 10);
            auto r = b.engine->reserve(sys(), b.tenant, req);
            if (r.ok()) made = *r;
            return r.status();
          },
          [&] { return !b.engine->list_reservations(sys(), b.tenant, {}).value().empty(); },
          [&] {
            return std::vector<std::string>{"reservation.created reservation:" +
                                            std::to_string(made->id)};
          },
          [] {});
    }

    SECTION("cancel, with a waiting entry that gets the freed time as an offer") {
      const Reservation r = b.book(9);
      WaitlistRequest w;
      w.allocations = {AllocationRequest::of_resource(b.room)};
      w.earliest_start = utc(2026, 3, 3, 9);
      w.latest_start = utc(2026, 3, 3, 9);
      w.duration = hours(1);
      const WaitlistEntry entry = b.engine->waitlist().join(sys(), b.tenant, w).value();
      sweep(
          b, [&] { return b.engine->cancel(sys(), b.tenant, r.id).status(); },
          [&] {
            return b.engine->get_reservation(sys(), b.tenant, r.id).value().status ==
                   ReservationStatus::cancelled;
          },
          [&] {
            const auto offer =
                b.engine->waitlist().get(sys(), b.tenant, entry.id).value().entry.offer;
            return std::vector<std::string>{
                "reservation.cancelled reservation:" + std::to_string(r.id),
                "reservation.held reservation:" + std::to_string(offer.value_or(ReservationId{})),
                "waitlist.offered waitlist:" + std::to_string(entry.id)};
          },
          [] {});
    }

    SECTION("reschedule and confirm a hold") {
      const Reservation r = b.book(9, hours(1));
      sweep(
          b,
          [&] {
            return b.engine
                ->reschedule(sys(), b.tenant, r.id, utc(2026, 3, 3, 12), utc(2026, 3, 3, 13))
                .status();
          },
          [&] {
            return b.engine->get_reservation(sys(), b.tenant, r.id).value().start ==
                   utc(2026, 3, 3, 12);
          },
          [&] {
            return std::vector<std::string>{"reservation.rescheduled reservation:" +
                                            std::to_string(r.id)};
          },
          [] {});
      sweep(
          b, [&] { return b.engine->confirm(sys(), b.tenant, r.id).status(); },
          [&] {
            return b.engine->get_reservation(sys(), b.tenant, r.id).value().status ==
                   ReservationStatus::confirmed;
          },
          [&] {
            return std::vector<std::string>{"reservation.confirmed reservation:" +
                                            std::to_string(r.id)};
          },
          [] {});
    }

    SECTION("book a series") {
      std::optional<SeriesBooking> made;
      sweep(
          b,
          [&]() -> Status {
            SeriesRequest req;
            req.allocations = {AllocationRequest::of_resource(b.room)};
            req.first_date = LocalDate{2026, 3, 4};
            req.start_minute = 9 * 60;
            req.duration = hours(1);
            req.rule = parse_rrule("FREQ=DAILY;COUNT=3").value();
            auto got = b.engine->series().book(sys(), b.tenant, req);
            if (got.ok()) made = *got;
            return got.status();
          },
          [&] { return b.engine->list_reservations(sys(), b.tenant, {}).value().size() == 3; },
          [&] {
            std::vector<std::string> out;
            for (const Reservation& r : made->reservations) {
              out.push_back("reservation.created reservation:" + std::to_string(r.id));
            }
            out.push_back("series.created series:" + std::to_string(made->series.id));
            return out;
          },
          [] {});
    }

    SECTION("erase a customer: earlier events are redacted with the erasure") {
      Customer spec;
      spec.display_name = "Zoë Example";
      spec.email = "zoe@example.com";
      const Customer c = b.engine->customers().create(sys(), b.tenant, spec).value();
      ReserveRequest req;
      req.allocations = {AllocationRequest::of_resource(b.room)};
      req.start = utc(2026, 3, 3, 9);
      req.end = utc(2026, 3, 3, 10);
      req.customer_id = c.id;
      req.notes = "allergic to lavender";
      const Reservation r = b.engine->reserve(sys(), b.tenant, req).value();
      const std::int64_t before = b.head();
      sweep(
          b, [&] { return b.engine->customers().erase(sys(), b.tenant, c.id).status(); },
          [&] {
            return b.engine->customers().get(sys(), b.tenant, c.id).value().erased_at.has_value();
          },
          [&] {
            return std::vector<std::string>{
                "customer.erased customer:" + std::to_string(c.id),
                "reservation.updated reservation:" + std::to_string(r.id)};
          },
          [] {});
      // Nothing personal is left in the feed: the earlier events are redacted, and the new
      // ones carry the erased record and the anonymised booking.
      for (const Event& e : b.events_after(0)) {
        INFO(e.type << " " << e.payload_json);
        CHECK(e.payload_json.find("zoe@example.com") == std::string::npos);
        CHECK(e.payload_json.find("lavender") == std::string::npos);
        CHECK(e.payload_json.find("Zo\xc3\xab Example") == std::string::npos);
        if (e.position <= before) CHECK(e.payload_json == R"({"redacted":true})");
      }
    }
  });
}

TEST_CASE(
    "conformance: a reader following the feed while writers commit sees every event "
    "once - each subject in order") {
  for_each_store([](std::shared_ptr<Storage> s) {
    auto clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 8));
    auto engine = Engine::open(std::move(s), EngineOptions{clock}).value();
    const TenantId tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"}).value().id;
    constexpr int kWriters = 4, kEach = 15;
    std::vector<ResourceId> rooms;
    for (int w = 0; w < kWriters; ++w) {
      Resource spec;
      spec.name = "room " + std::to_string(w);
      spec.zone = "UTC";
      rooms.push_back(engine->create_resource(sys(), tenant, spec).value().id);
    }
    std::atomic<int> writers_left{kWriters};
    std::atomic<bool> failed{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < kEach && !failed; ++i) {
          ReserveRequest req;
          req.allocations = {AllocationRequest::of_resource(rooms[w])};
          req.start = utc(2026, 3, 3) + hours(2 * i);
          req.end = req.start + hours(1);
          auto r = engine->reserve(sys(), tenant, req);
          if (!r.ok() ||
              !engine
                   ->reschedule(sys(), tenant, r->id, req.start + minutes(30),
                                req.end + minutes(30))
                   .ok() ||
              !engine->cancel(sys(), tenant, r->id).ok()) {
            failed = true;
          }
        }
        --writers_left;
      });
    }
    // The reader polls while the writers run, then drains what is left.
    std::vector<Event> seen;
    std::int64_t after = 0;
    const auto poll = [&] {
      for (;;) {
        EventQuery q;
        q.after = after;
        q.limit = 7;  // small pages: many cursor steps while writers commit
        auto page = engine->events().list(sys(), tenant, q);
        REQUIRE(page.ok());
        for (Event& e : page->events) seen.push_back(std::move(e));
        after = page->next_after;
        if (!page->more) return;
      }
    };
    while (writers_left > 0) poll();
    for (std::thread& t : writers) t.join();
    REQUIRE_FALSE(failed);
    poll();

    REQUIRE(seen.size() == static_cast<std::size_t>(kWriters * kEach * 3));
    std::set<EventId> ids;
    std::map<std::string, std::vector<std::string>> by_subject;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      ids.insert(seen[i].id);
      if (i > 0) CHECK(seen[i].position > seen[i - 1].position);
      by_subject[seen[i].subject].push_back(seen[i].type);
    }
    CHECK(ids.size() == seen.size());
    CHECK(by_subject.size() == static_cast<std::size_t>(kWriters * kEach));
    for (const auto& [subject, types] : by_subject) {
      INFO(subject);
      CHECK(types == std::vector<std::string>{"reservation.created", "reservation.rescheduled",
                                              "reservation.cancelled"});
    }
  });
}
