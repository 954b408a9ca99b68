// The PostgreSQL store against a real PostgreSQL 15: row level security, lost connections,
// a race across processes, the randomized model, and the schema rules.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <fstream>
#include <set>

#include "model.hpp"
#include "pg_support.hpp"
#include "race/race_processes.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using boka::pgtest::Conn;

namespace {

struct TwoTenants {
  pgtest::Database db = pgtest::fresh_database();
  std::unique_ptr<Engine> engine = Engine::open(db.app_uri).value();
  TenantId a{}, b{};
  ResourceId ra{}, rb{};
  TwoTenants() {
    Tenant t;
    t.name = "A";
    a = engine->create_tenant(sys(), t)->id;
    t.name = "B";
    b = engine->create_tenant(sys(), t)->id;
    Resource r;
    r.zone = "UTC";
    r.name = "room A";
    ra = engine->create_resource(sys(), a, r)->id;
    r.name = "room B";
    rb = engine->create_resource(sys(), b, r)->id;
  }
};

}  // namespace

TEST_CASE("postgresql: row level security keeps a raw query inside its tenant") {
  TwoTenants t;
  Conn app(t.db.app_uri);
  app.query("BEGIN");
  app.query("SELECT set_config('boka.tenant', '" + std::to_string(t.a) + "', true)");
  // A query that forgets its tenant filter sees tenant A only.
  CHECK(app.scalar("SELECT count(*) FROM resources") == "1");
  CHECK(app.scalar("SELECT name FROM resources") == "room A");
  CHECK(app.scalar("SELECT count(*) FROM resources WHERE tenant_id = " + std::to_string(t.b)) ==
        "0");
  CHECK(app.scalar("SELECT count(*) FROM tenants") == "1");
  // Writes to B's rows touch nothing; inserting a row for B is refused.
  CHECK(app.query("UPDATE resources SET name = 'stolen' WHERE id = " + std::to_string(t.rb) +
                  " RETURNING id")
            .empty());
  CHECK(app.error_of("INSERT INTO resources (tenant_id, name, zone, capacity, slot_step, "
                     "min_notice, max_horizon, buffer_before, buffer_after, min_duration, "
                     "max_duration, daily_limit, metadata, created_at, version) VALUES (" +
                     std::to_string(t.b) +
                     ", 'x', 'UTC', 1, 900, 0, 0, 0, 0, 0, 0, 0, '{}', 0, 1)") == "42501");
  app.query("ROLLBACK");
  // Without the setting, nothing at all is visible, even to the owner.
  CHECK(app.scalar("SELECT count(*) FROM resources") == "0");
  Conn owner(t.db.owner_uri);
  CHECK(owner.scalar("SELECT count(*) FROM reservations") == "0");
  CHECK(owner.scalar("SELECT count(*) FROM resources") == "0");
  // B's row is untouched.
  CHECK(t.engine->get_resource(sys(), t.b, t.rb)->name == "room B");
  // Every table with a tenant_id (the waitlist's, services and customers included) has row
  // level security, forced.
  const auto unpoliced = owner.query(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM "
      "pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT "
      "a.attisdropped) AND NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY 1");
  for (const auto& row : unpoliced) FAIL_CHECK("no forced row level security on " << row.at(0));
  CHECK(owner.scalar("SELECT count(*) FROM pg_policies WHERE tablename IN "
                     "('waitlist_entries', 'waitlist_targets', 'services', 'customers')") == "4");
  // The run-time role owns nothing and may not change the schema.
  CHECK(app.error_of("DROP TABLE reservations") == "42501");
  CHECK(app.error_of("CREATE TABLE mine (x int)") == "42501");
  CHECK(app.error_of("DELETE FROM reservations") == "42501");
}

TEST_CASE("postgresql: a connection killed mid-transaction fails cleanly - the next call works") {
  auto db = pgtest::fresh_database();
  auto inner = open_storage(db.app_uri).value();
  // Ends the engine's own backend while its reservation transaction is open.
  class Killer : public StorageWrapper {
   public:
    Killer(std::shared_ptr<Storage> s, std::string admin, std::string dbname)
        : StorageWrapper(std::move(s)), admin_(std::move(admin)), db_(std::move(dbname)) {}
    bool armed = false;
    Status write(const WriteIntent& intent, Work work) override {
      return StorageWrapper::write(intent, [&](StorageTransaction& t) -> Status {
        struct Txn : StorageTransactionWrapper {
          Killer* k;
          Txn(StorageTransaction& t, Killer* killer) : StorageTransactionWrapper(t), k(killer) {}
          Result<ReservationId> insert_reservation(const Reservation& r) override {
            if (k->armed) {
              k->armed = false;
              Conn admin(k->admin_);
              const auto killed = admin.query(
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                  k->db_ +
                  "' AND usename = 'boka_app' AND state = 'idle in transaction' "
                  // not the engine's audit sealer, which may be between two statements
                  "AND query NOT LIKE '%audit%'");
              // At least the engine's own transaction. The sealer may also be caught
              // between statements whose text does not name the audit tables (seen under
              // AddressSanitizer); ending it too is harmless (it seals on its next round),
              // and the checks below prove the engine's transaction was ended.
              REQUIRE(!killed.empty());
            }
            return StorageTransactionWrapper::insert_reservation(r);
          }
        } wrapped(t, this);
        return work(wrapped);
      });
    }
    std::string admin_, db_;
  };
  auto killer = std::make_shared<Killer>(inner, pgtest::uris().admin, db.name);
  auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5));
  auto engine = Engine::open(killer, EngineOptions{clock}).value();
  Tenant tenant;
  tenant.name = "t";
  auto tid = engine->create_tenant(sys(), tenant)->id;
  Resource r;
  r.name = "room";
  r.zone = "UTC";
  auto room = engine->create_resource(sys(), tid, r).value();
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(room.id)};
  req.start = utc(2026, 1, 6, 10);
  req.end = utc(2026, 1, 6, 11);
  killer->armed = true;
  auto lost = engine->reserve(sys(), tid, req);
  INFO(lost.status().to_string());
  CHECK(lost.status().code() == Code::unavailable);
  CHECK_THAT(lost.status().message(), Catch::Contains("connection"));
  // Nothing was written, and the next call succeeds on a fresh connection.
  CHECK(engine->list_reservations(sys(), tid, {})->empty());
  auto next = engine->reserve(sys(), tid, req);
  REQUIRE(next.ok());
  CHECK(engine->list_reservations(sys(), tid, {})->size() == 1);
}

TEST_CASE(
    "postgresql: a batched write that fails at COMMIT keeps nothing - the connection works on") {
  // A reservation write names its audit chain, so its allocations, version bump and audit
  // record travel with COMMIT (PgWriteBatch). A failure there must roll the whole write back,
  // report the failing write, and leave the pooled connection usable.
  TwoTenants t;
  auto store = open_storage(t.db.app_uri).value();
  auto attempt = [&](ResourceId allocate_on, std::int64_t audit_seq) {
    WriteIntent intent(TxnScope::tenant(t.a), {t.ra});
    intent.audit_chain = t.a;
    return store->write(intent, [&](StorageTransaction& txn) -> Status {
      Reservation r;
      r.tenant = t.a;
      r.status = ReservationStatus::confirmed;
      r.start = utc(2026, 3, 2, 10);
      r.end = utc(2026, 3, 2, 11);
      r.created_at = r.updated_at = utc(2026, 3, 1);
      r.version = 1;
      r.allocations = {Allocation{allocate_on, 1, std::nullopt}};
      BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_reservation(r));
      BOKA_ASSIGN_OR_RETURN(auto head, txn.lock_audit_head(t.a));
      AuditRecord a;
      a.tenant = t.a;
      a.seq = audit_seq < 0 ? head.seq + 1 : audit_seq;
      a.at = utc(2026, 3, 1);
      a.actor = "system";
      a.action = "test.write";
      a.prev_hash = head.hash;
      a.hash = std::string(64, 'a');
      return txn.append_audit(a);
    });
  };
  auto count = [&] {
    std::size_t n = 0;
    REQUIRE(store
                ->read(TxnScope::tenant(t.a),
                       [&](StorageTransaction& txn) -> Status {
                         BOKA_ASSIGN_OR_RETURN(auto rs, txn.list_reservations(t.a, {}));
                         n = rs.size();
                         return Status::Ok();
                       })
                .ok());
    return n;
  };
  // An allocation on a resource that does not exist: the foreign key refuses it at COMMIT.
  const Status bad_resource = attempt(ResourceId{987654}, -1);
  INFO(bad_resource.to_string());
  CHECK(bad_resource.code() == Code::storage);
  CHECK_THAT(bad_resource.message(), Catch::Contains("constraint"));
  CHECK(count() == 0);
  // An audit record that is not next in its chain: its primary key refuses it at COMMIT.
  const Status good = attempt(t.ra, -1);  // the next seq: a good write
  INFO(good.to_string());
  REQUIRE(good.ok());
  const Status taken = attempt(t.ra, 1);  // seq 1 was taken long ago (creating the room)
  INFO(taken.to_string());
  CHECK(taken.code() == Code::already_exists);
  CHECK(count() == 1);
  // The connections stayed usable: the engine books on the same store.
  auto clock = std::make_shared<ManualClock>(utc(2026, 3, 1));
  auto engine = Engine::open(store, EngineOptions{clock}).value();
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(t.ra)};
  req.start = utc(2026, 3, 3, 10);
  req.end = utc(2026, 3, 3, 11);
  auto booked = engine->reserve(sys(), t.a, req);
  INFO(booked.status().to_string());
  REQUIRE(booked.ok());
  CHECK(count() == 2);
}

TEST_CASE("postgresql: 4 processes x 2 connections never overbook and lose nothing") {
  auto db = pgtest::fresh_database();
  const std::string uri = db.app_uri + "?pool_size=2";
  std::vector<ResourceId> resources;
  TenantId tenant{};
  {
    auto engine = Engine::open(uri).value();
    Tenant t;
    t.name = "race";
    tenant = engine->create_tenant(sys(), t)->id;
    for (int i = 0; i < 20; ++i) {
      Resource r;
      r.name = "r" + std::to_string(i);
      r.zone = "UTC";
      r.capacity = i % 2 == 0 ? 1 : 3;
      resources.push_back(engine->create_resource(sys(), tenant, r)->id);
    }
  }
  TempDb scratch;  // for output file names only
  std::set<std::string> acknowledged;
  for (ReservationId id :
       race::run_worker_processes(uri, tenant, resources, /*processes=*/4,
                                  /*threads=*/2, /*count=*/120, 40, scratch.path())) {
    acknowledged.insert(std::to_string(id));
  }
  REQUIRE(acknowledged.size() > 100);
  Conn admin(pgtest::with_database(pgtest::uris().admin, db.name));
  // Zero overbooking.
  CHECK(pgtest::over_capacity(admin).empty());
  // Every acknowledged reservation is there, confirmed.
  std::set<std::string> confirmed;
  for (const auto& row : admin.query("SELECT id FROM reservations WHERE status = 1")) {
    confirmed.insert(row[0]);
  }
  for (const auto& id : acknowledged) {
    INFO("reservation " << id);
    CHECK(confirmed.count(id) == 1);
  }
  CHECK(admin.scalar("SELECT count(DISTINCT a.resource_id) FROM allocations a") == "20");
  // The tenant's audit chain, appended by 8 writers in 4 processes, is intact, and holds one
  // reserve record per reservation.
  auto engine = Engine::open(uri).value();
  auto verified = engine->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  AuditQuery q;
  q.tenant = tenant;
  q.action = "reservation.reserve";
  q.outcome = AuditOutcome::success;
  q.limit = 10000;
  CHECK(std::to_string(engine->operations().audit_records(sys(), q)->size()) ==
        admin.scalar("SELECT count(*) FROM reservations"));
}

TEST_CASE("postgresql: the randomized model agrees with the oracle") {
  boka::model::run_model(pgtest::fresh_database().app_uri, 700, 99);
}

TEST_CASE("postgresql: the run-time role cannot migrate - a newer schema is refused") {
  Conn admin(pgtest::uris().admin);
  const std::string name = "boka_t" + std::to_string(::getpid()) + "_empty";
  admin.query("CREATE DATABASE " + name + " OWNER boka_owner");
  auto app = Engine::open(pgtest::with_database(pgtest::uris().app, name));
  CHECK(app.status().code() == Code::storage);
  CHECK_THAT(app.status().message(), Catch::Contains("schema owner"));
  CHECK_THAT(app.status().message(), !Catch::Contains("app-secret"));

  auto db = pgtest::fresh_database();
  Conn owner(db.owner_uri);
  owner.query("INSERT INTO boka_schema VALUES (999, 0)");
  auto newer = Engine::open(db.app_uri);
  CHECK(newer.status().code() == Code::storage);
  CHECK_THAT(newer.status().message(), Catch::Contains("schema version 999"));
}

TEST_CASE("postgresql: URIs are checked and passwords never appear in messages") {
  CHECK(Engine::open("postgresql://u:pw@127.0.0.1:1/db?pool_size=0").status().code() ==
        Code::invalid_argument);
  CHECK(Engine::open("postgresql://u:pw@127.0.0.1:1/db?app_role=Robert');DROP").status().code() ==
        Code::invalid_argument);
  auto refused = Engine::open("postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=2");
  CHECK(refused.status().code() == Code::unavailable);
  CHECK_THAT(refused.status().message(), Catch::Contains("127.0.0.1:1/db"));
  CHECK_THAT(refused.status().message(), !Catch::Contains("hunter2"));
}

TEST_CASE("postgresql: audit rows are append-only - even for the owner") {
  TwoTenants t;
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(t.ra)};
  req.start = utc(2030, 1, 7, 9);
  req.end = req.start + hours(1);
  REQUIRE(t.engine->reserve(sys(), t.a, req).ok());
  REQUIRE(t.engine->operations().verify_audit(sys())->unsealed == 0);  // sealed: all in audit_log
  Conn owner(t.db.owner_uri);
  owner.query("SELECT set_config('boka.tenant', '*', false)");  // every row visible
  CHECK(owner.scalar("SELECT count(*) FROM audit_log") == "5");
  CHECK(owner.scalar("SELECT count(*) FROM audit_pending") == "0");
  CHECK(owner.error_of("UPDATE audit_log SET reason = 'x'") == "42501");
  CHECK(owner.error_of("DELETE FROM audit_log") == "42501");
  CHECK(owner.error_of("TRUNCATE audit_log") == "42501");
  Conn app(t.db.app_uri);
  app.query("SELECT set_config('boka.tenant', '*', false)");
  CHECK(app.error_of("UPDATE audit_log SET reason = 'x'") == "42501");  // no privilege
  CHECK(app.error_of("DELETE FROM audit_log") == "42501");
  // A tenant's transaction sees its own chain only.
  app.query("SELECT set_config('boka.tenant', '" + std::to_string(t.a) + "', false)");
  CHECK(app.scalar("SELECT count(*) FROM audit_log") == "3");  // tenant, resource, reserve
  CHECK(t.engine->operations().verify_audit(sys())->ok);
}

namespace {

// The SQL of the advisory lock boka's sealer takes on `tenant`'s chain (docs/architecture.md,
// "Audit trail": boka's tag in the high 32 bits, the tenant below).
std::string chain_lock_sql(const char* fn, TenantId tenant) {
  return std::string("SELECT ") + fn + "((x'626F6B61'::bigint << 32) # " + std::to_string(tenant) +
         ")";
}

// Waits up to `seconds` for `done`; true once it holds.
template <typename F>
bool eventually(F&& done, int seconds = 5) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace

TEST_CASE("postgresql: bookings take no chain lock - their records are sealed after commit") {
  TwoTenants t;
  Conn owner(t.db.owner_uri);
  owner.query("SELECT set_config('boka.tenant', '*', false)");
  REQUIRE(t.engine->operations().verify_audit(sys())->unsealed == 0);
  const std::string sealed_before = owner.scalar("SELECT count(*) FROM audit_log");
  // Another session holds tenant A's chain lock (as a stalled sealer would).
  Conn holder(t.db.owner_uri);
  holder.query(chain_lock_sql("pg_advisory_lock", t.a));
  // Bookings in tenant A still commit: none of them waits for the chain.
  for (int i = 0; i < 5; ++i) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(t.ra)};
    req.start = utc(2030, 1, 7, 9 + i);
    req.end = req.start + hours(1);
    REQUIRE(t.engine->reserve(sys(), t.a, req).ok());
  }
  // Their records are committed, unsealed.
  CHECK(owner.scalar("SELECT count(*) FROM audit_pending WHERE tenant_id = " +
                     std::to_string(t.a)) == "5");
  CHECK(owner.scalar("SELECT count(*) FROM audit_log") == sealed_before);
  // Released, the engine's sealer links them within its bound (about a second).
  holder.query(chain_lock_sql("pg_advisory_unlock", t.a));
  CHECK(eventually([&] { return owner.scalar("SELECT count(*) FROM audit_pending") == "0"; }));
  CHECK(std::stoll(owner.scalar("SELECT count(*) FROM audit_log")) ==
        std::stoll(sealed_before) + 5);
  auto v = t.engine->operations().verify_audit(sys());
  REQUIRE(v.ok());
  CHECK(v->ok);
  CHECK(v->unsealed == 0);
  AuditQuery q;
  q.tenant = t.a;
  q.action = "reservation.reserve";
  const auto records = t.engine->operations().audit_records(sys(), q).value();
  REQUIRE(records.size() == 5);
  for (std::size_t i = 1; i < records.size(); ++i) {
    CHECK(records[i].seq == records[i - 1].seq + 1);
    CHECK(records[i].prev_hash == records[i - 1].hash);
  }
}

TEST_CASE("postgresql: records a process left unsealed when it died are sealed by another") {
  TwoTenants t;
  REQUIRE(t.engine->operations().verify_audit(sys())->unsealed == 0);
  Conn holder(t.db.owner_uri);
  holder.query(chain_lock_sql("pg_advisory_lock", t.a));
  // A child books and dies at once (no destructors: its sealer never runs again).
  const pid_t child = fork();
  if (child == 0) {
    auto engine = Engine::open(t.db.app_uri);
    if (!engine.ok()) _exit(2);
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(t.ra)};
    req.start = utc(2030, 2, 4, 9);
    req.end = req.start + hours(1);
    _exit((*engine)->reserve(sys(), t.a, req).ok() ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);  // acknowledged
  Conn owner(t.db.owner_uri);
  owner.query("SELECT set_config('boka.tenant', '*', false)");
  CHECK(owner.scalar("SELECT count(*) FROM audit_pending") == "1");
  // A read-only engine reports the tail and leaves it.
  EngineOptions read_only;
  read_only.read_only = true;
  auto reader = Engine::open(t.db.app_uri, read_only).value();
  auto v = reader->operations().verify_audit(sys());
  REQUIRE(v.ok());
  CHECK(v->ok);
  CHECK(v->unsealed == 1);
  holder.query(chain_lock_sql("pg_advisory_unlock", t.a));
  // The surviving engine's sealer finds it on its next round.
  CHECK(eventually([&] { return owner.scalar("SELECT count(*) FROM audit_pending") == "0"; }));
  AuditQuery q;
  q.tenant = t.a;
  q.action = "reservation.reserve";
  const auto records = t.engine->operations().audit_records(sys(), q).value();
  REQUIRE(records.size() == 1);
  CHECK(records[0].actor == "system");
  v = t.engine->operations().verify_audit(sys());
  CHECK(v->ok);
  CHECK(v->unsealed == 0);
}

TEST_CASE("postgresql: a pg_dump restored into a new database verifies the same way") {
  TwoTenants t;
  for (int i = 0; i < 10; ++i) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(i % 2 == 0 ? t.ra : t.rb)};
    req.start = utc(2030, 1, 7, 8 + i);
    req.end = req.start + hours(1);
    REQUIRE(t.engine->reserve(sys(), i % 2 == 0 ? t.a : t.b, req).ok());
  }
  TempDb scratch;
  const std::string dump = scratch.path() + ".dump";
  // Tables force row level security, so the dump and the restore run as a superuser (or a
  // role with BYPASSRLS): see docs/operations.md.
  const std::string admin_uri = pgtest::with_database(pgtest::uris().admin, t.db.name);
  REQUIRE(std::system(
              ("pg_dump --format=custom --file=" + dump + " '" + admin_uri + "'").c_str()) == 0);
  const std::string restored = t.db.name + "_restored";
  Conn admin(pgtest::uris().admin);
  admin.query("CREATE DATABASE " + restored + " OWNER boka_owner");
  REQUIRE(std::system(("pg_restore --exit-on-error --dbname='" +
                       pgtest::with_database(pgtest::uris().admin, restored) + "' " + dump)
                          .c_str()) == 0);
  std::remove(dump.c_str());
  auto copy = Engine::open(pgtest::with_database(pgtest::uris().app, restored)).value();
  auto verified = copy->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  const auto original = t.engine->operations().verify_audit(sys()).value();
  REQUIRE(verified->heads.size() == original.heads.size());
  for (std::size_t i = 0; i < original.heads.size(); ++i) {
    CHECK(verified->heads[i].tenant == original.heads[i].tenant);
    CHECK(verified->heads[i].hash == original.heads[i].hash);
  }
  // Heads exported before the dump are all in the restored chains.
  auto anchored = copy->operations().check_audit_heads(sys(), original.heads);
  REQUIRE(anchored.ok());
  CHECK(anchored->ok);
  CHECK(anchored->chains == static_cast<std::int64_t>(original.heads.size()));
  const auto want = t.engine->operations().database_stats(sys()).value();
  const auto got = copy->operations().database_stats(sys()).value();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO(want[i].table);
    CHECK(got[i].rows == want[i].rows);
  }
  // The restored copy takes bookings, and its chain goes on from the restored head.
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(t.ra)};
  req.start = utc(2030, 1, 8, 9);
  req.end = req.start + hours(1);
  REQUIRE(copy->reserve(sys(), t.a, req).ok());
  CHECK(copy->operations().verify_audit(sys())->ok);
  CHECK(copy->operations().health(sys())->schema_version ==
        copy->operations().health(sys())->expected_schema_version);
}

TEST_CASE("postgresql: 4 processes cancelling, joining and accepting never offer one unit twice") {
  auto db = pgtest::fresh_database();
  const std::string uri = db.app_uri + "?pool_size=2";
  std::vector<ResourceId> resources;
  TenantId tenant{};
  {
    auto engine = Engine::open(uri).value();
    Tenant t;
    t.name = "waitlist race";
    tenant = engine->create_tenant(sys(), t)->id;
    for (int i = 0; i < 4; ++i) {
      Resource r;
      r.name = "r" + std::to_string(i);
      r.zone = "UTC";
      r.capacity = i % 2 == 0 ? 1 : 3;
      resources.push_back(engine->create_resource(sys(), tenant, r)->id);
    }
  }
  TempDb scratch;
  ::setenv("BOKA_RACE_MODE", "waitlist", 1);
  const auto acked = race::run_worker_processes(uri, tenant, resources, /*processes=*/4,
                                                /*threads=*/2, /*count=*/80, 70, scratch.path());
  ::unsetenv("BOKA_RACE_MODE");
  REQUIRE(acked.size() > 20);
  Conn admin(pgtest::with_database(pgtest::uris().admin, db.name));
  // No instant over capacity, offers (holds) included.
  CHECK(pgtest::over_capacity(admin).empty());
  // No reservation offered to two entries; every offer is its entry's customer's hold, and
  // every accepted one a booking (confirmed, or cancelled by its customer since).
  CHECK(admin
            .query("SELECT offer_reservation_id FROM waitlist_entries WHERE status IN (1, 2) "
                   "GROUP BY offer_reservation_id HAVING COUNT(*) > 1")
            .empty());
  CHECK(admin
            .query("SELECT w.id FROM waitlist_entries w JOIN reservations r "
                   "ON r.id = w.offer_reservation_id WHERE w.status IN (1, 2) AND "
                   "(r.customer <> w.customer OR (w.status = 2 AND r.status NOT IN (1, 2)) OR "
                   "(w.status = 1 AND r.status <> 0))")
            .empty());
  CHECK(!admin.query("SELECT id FROM waitlist_entries WHERE status IN (1, 2)").empty());
  std::set<std::string> confirmed;
  for (const auto& row : admin.query("SELECT id FROM reservations WHERE status = 1")) {
    confirmed.insert(row[0]);
  }
  for (ReservationId id : acked) CHECK(confirmed.count(std::to_string(id)) == 1);
}

TEST_CASE(
    "postgresql: 4 processes x 2 connections booking for three customers stay within limits") {
  auto db = pgtest::fresh_database();
  const std::string uri = db.app_uri + "?pool_size=2";
  constexpr int kLimit = 5;
  std::vector<ResourceId> resources;
  std::vector<CustomerId> customers;
  TenantId tenant{};
  {
    auto engine = Engine::open(uri).value();
    Tenant t;
    t.name = "limits race";
    tenant = engine->create_tenant(sys(), t)->id;
    TenantRules rules;
    rules.rules.max_active_per_customer = kLimit;
    REQUIRE(engine->update_tenant_rules(sys(), tenant, rules, 1).ok());
    for (int i = 0; i < 4; ++i) {
      Resource r;
      r.name = "r" + std::to_string(i);
      r.zone = "UTC";
      r.capacity = 3;
      resources.push_back(engine->create_resource(sys(), tenant, r)->id);
    }
    for (int i = 0; i < 3; ++i) {
      Customer c;
      c.display_name = "Customer " + std::to_string(i);
      customers.push_back(engine->customers().create(sys(), tenant, c)->id);
    }
  }
  std::string list;
  for (CustomerId c : customers) list += (list.empty() ? "" : ",") + std::to_string(c);
  TempDb scratch;
  ::setenv("BOKA_RACE_MODE", "limits", 1);
  ::setenv("BOKA_RACE_CUSTOMERS", list.c_str(), 1);
  const auto acked = race::run_worker_processes(uri, tenant, resources, /*processes=*/4,
                                                /*threads=*/2, /*count=*/30, 90, scratch.path());
  ::unsetenv("BOKA_RACE_MODE");
  ::unsetenv("BOKA_RACE_CUSTOMERS");
  REQUIRE(!acked.empty());
  Conn admin(pgtest::with_database(pgtest::uris().admin, db.name));
  // No customer above the limit, counted by the database itself.
  CHECK(admin
            .query("SELECT customer_id FROM reservations WHERE status IN (0, 1) "
                   "GROUP BY customer_id HAVING COUNT(*) > " +
                   std::to_string(kLimit))
            .empty());
  CHECK(!admin
             .query("SELECT customer_id FROM reservations WHERE status IN (0, 1) "
                    "GROUP BY customer_id HAVING COUNT(*) = " +
                    std::to_string(kLimit))
             .empty());
  std::set<std::string> confirmed;
  for (const auto& row : admin.query("SELECT id FROM reservations WHERE status = 1")) {
    confirmed.insert(row[0]);
  }
  for (ReservationId id : acked) CHECK(confirmed.count(std::to_string(id)) == 1);
}
