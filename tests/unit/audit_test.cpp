// The audit trail on a real SQLite file: what is recorded, where, and that verify_audit finds
// every kind of tampering (edit, delete, reorder, re-hash) at the right record, while the
// triggers refuse UPDATE and DELETE outright.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <limits>

#include "engine/engine_impl.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

// Raw SQL on a file, the way an insider with database access would edit it.
struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
  ~RawDb() { sqlite3_close(db); }
  // The error message, or "" on success.
  std::string exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = rc == SQLITE_OK ? "" : (err != nullptr ? err : "error");
    sqlite3_free(err);
    return msg;
  }
};

// A history of changes in one tenant (and the system chain), on a SQLite file.
struct History {
  TempDb db;
  std::unique_ptr<Fixture> f;
  std::vector<ReservationId> booked;

  History() {
    f = std::make_unique<Fixture>(db.uri());
    const Resource room = f->resource("Room");
    for (int i = 0; i < 6; ++i) {
      const Instant start = utc(2026, 1, 6, 9 + i);
      auto r = f->book(room.id, start, start + hours(1));
      REQUIRE(r.ok());
      booked.push_back(r->id);
    }
    REQUIRE(f->engine->cancel(sys(), f->tenant, booked[2]).ok());
    // The same slot twice: refused for lack of capacity, which is not an audit event.
    CHECK(f->book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).status().code() ==
          Code::conflict);
    // A refusal that is: a request that ends before it starts.
    CHECK(f->book(room.id, utc(2026, 1, 6, 10), utc(2026, 1, 6, 9)).status().code() ==
          Code::invalid_argument);
  }

  AuditVerification verify() {
    auto v = f->engine->operations().verify_audit(sys());
    REQUIRE(v.ok());
    return *v;
  }
  std::vector<AuditRecord> chain() {
    AuditQuery q;
    q.tenant = f->tenant;
    return f->engine->operations().audit_records(sys(), q).value();
  }
  void drop_triggers(RawDb& raw) {
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_update") == "");
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_delete") == "");
  }
};

}  // namespace

TEST_CASE("audit: every change and refusal is one record - hash-chained in order", "[audit]") {
  History h;
  auto records = h.chain();
  // tenant.create, resource.create, 6 reserves, cancel, the rejected reserve (the one
  // refused for lack of capacity leaves no record).
  REQUIRE(records.size() == 10);
  CHECK(records[0].action == "tenant.create");
  CHECK(records[1].action == "resource.create");
  for (int i = 0; i < 6; ++i) {
    CHECK(records[2 + i].action == "reservation.reserve");
    CHECK(records[2 + i].target == "reservation:" + std::to_string(h.booked[i]));
    CHECK(records[2 + i].outcome == AuditOutcome::success);
  }
  CHECK(records[8].action == "reservation.cancel");
  CHECK(records[8].detail_json.find("\"status\":\"cancelled\"") != std::string::npos);
  CHECK(records[9].action == "reservation.reserve");
  CHECK(records[9].outcome == AuditOutcome::rejected);
  CHECK(records[9].reason.find("end") != std::string::npos);
  CHECK(records[9].target.empty());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(records[i].seq == static_cast<std::int64_t>(i) + 1);
    CHECK(records[i].actor == "system");
    CHECK(records[i].tenant == h.f->tenant);
    CHECK(records[i].hash.size() == 64);
    CHECK(records[i].prev_hash == (i == 0 ? std::string() : records[i - 1].hash));
  }
  const auto v = h.verify();
  CHECK(v.ok);
  CHECK(v.records == 10);
  REQUIRE(v.heads.size() == 1);
  CHECK(v.heads[0].seq == 10);
  CHECK(v.heads[0].hash == records[9].hash);
}

TEST_CASE(
    "audit: a booking refused for lack of capacity writes nothing - a rule's refusal is recorded",
    "[audit]") {
  TempDb db;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  REQUIRE(f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
  AuditQuery q;
  q.tenant = f.tenant;
  const auto before = f.engine->operations().audit_records(sys(), q).value();
  // PRAGMA data_version on a connection of its own changes when any other connection
  // commits (SQLite's documented way to see that the database changed).
  RawDb watcher(db.path());
  auto data_version = [&] {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(watcher.db, "PRAGMA data_version", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  };
  const auto version_before = data_version();

  for (int i = 0; i < 3; ++i) {
    auto refused = f.book(room.id, utc(2026, 1, 6, 9, 30), utc(2026, 1, 6, 10, 30));
    REQUIRE(refused.status().code() == Code::conflict);
    REQUIRE(refused.status().conflict() != nullptr);
    CHECK(refused.status().conflict()->rule.empty());
    CHECK(refused.status().conflict()->next_free_start.has_value());
  }
  // No record, and no transaction committed.
  CHECK(data_version() == version_before);
  CHECK(f.engine->operations().audit_records(sys(), q).value().size() == before.size());
  // The metrics count them.
  const std::string text = f.engine->operations().metrics()->exposition();
  CHECK(text.find("booking_transactions_total{operation=\"reserve\",outcome=\"conflict\"} 3\n") !=
        std::string::npos);

  // A booking rule's refusal is a decision of the business's policy: recorded.
  TenantRules rules;
  rules.rules.max_active_per_customer = 1;
  auto tenant = f.engine->get_tenant(sys(), f.tenant).value();
  REQUIRE(f.engine->update_tenant_rules(sys(), f.tenant, rules, tenant.version).ok());
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(room.id)};
  req.customer = "dora";
  req.start = utc(2026, 1, 7, 9);
  req.end = utc(2026, 1, 7, 10);
  REQUIRE(f.engine->reserve(sys(), f.tenant, req).ok());
  req.start = utc(2026, 1, 8, 9);
  req.end = utc(2026, 1, 8, 10);
  auto limited = f.engine->reserve(sys(), f.tenant, req);
  REQUIRE(limited.status().code() == Code::conflict);
  REQUIRE(limited.status().conflict()->rule == "max_active_per_customer");
  const auto after = f.engine->operations().audit_records(sys(), q).value();
  REQUIRE(after.size() == before.size() + 3);  // the rules, the booking, the refusal
  CHECK(after.back().action == "reservation.reserve");
  CHECK(after.back().outcome == AuditOutcome::conflict);
  CHECK(after.back().reason == limited.status().message());
  CHECK(f.engine->operations().verify_audit(sys())->ok);
}

TEST_CASE("audit: the store refuses UPDATE and DELETE of audit rows", "[audit]") {
  History h;
  RawDb raw(h.db.path());
  CHECK(raw.exec("UPDATE audit_log SET reason = 'x' WHERE seq = 3").find("append-only") !=
        std::string::npos);
  CHECK(raw.exec("DELETE FROM audit_log WHERE seq = 3").find("append-only") != std::string::npos);
  CHECK(raw.exec("DELETE FROM audit_log").find("append-only") != std::string::npos);
  CHECK(h.verify().ok);
  CHECK(h.chain().size() == 10);
}

TEST_CASE("audit: verify finds an edited record at that record", "[audit]") {
  History h;
  {
    RawDb raw(h.db.path());
    h.drop_triggers(raw);
    REQUIRE(raw.exec("UPDATE audit_log SET detail = replace(detail, 'confirmed', 'cancelled') "
                     "WHERE tenant_id = " +
                     std::to_string(h.f->tenant) + " AND seq = 5") == "");
  }
  const auto v = h.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_tenant == h.f->tenant);
  CHECK(v.broken_seq == 5);
  CHECK(v.problem == "hash does not match the record's content");
}

TEST_CASE("audit: verify finds a record edited and re-hashed at the next link", "[audit]") {
  History h;
  const auto before = h.chain();
  {
    // The insider recomputes the edited record's hash too; the next record still names the
    // old one.
    RawDb raw(h.db.path());
    h.drop_triggers(raw);
    AuditRecord forged = before[4];
    forged.actor = "user:99";
    forged.hash = detail::audit_hash(forged);
    REQUIRE(raw.exec("UPDATE audit_log SET actor = 'user:99', hash = '" + forged.hash +
                     "' WHERE tenant_id = " + std::to_string(h.f->tenant) + " AND seq = 5") == "");
  }
  const auto v = h.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 6);
  CHECK(v.problem == "does not link to the record before it");
}

TEST_CASE("audit: verify finds a deleted record at its place", "[audit]") {
  History h;
  {
    RawDb raw(h.db.path());
    h.drop_triggers(raw);
    REQUIRE(raw.exec("DELETE FROM audit_log WHERE tenant_id = " + std::to_string(h.f->tenant) +
                     " AND seq = 4") == "");
  }
  const auto v = h.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 4);
  CHECK(v.problem.find("sequence gap: expected record 4, found 5") != std::string::npos);
}

TEST_CASE("audit: verify finds two records swapped at the first of them", "[audit]") {
  History h;
  {
    RawDb raw(h.db.path());
    h.drop_triggers(raw);
    const std::string t = std::to_string(h.f->tenant);
    REQUIRE(raw.exec("UPDATE audit_log SET seq = -1 WHERE tenant_id = " + t + " AND seq = 6") ==
            "");
    REQUIRE(raw.exec("UPDATE audit_log SET seq = 6 WHERE tenant_id = " + t + " AND seq = 7") == "");
    REQUIRE(raw.exec("UPDATE audit_log SET seq = 7 WHERE tenant_id = " + t + " AND seq = -1") ==
            "");
  }
  const auto v = h.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 6);
}

TEST_CASE("audit: records cut off the end are found against heads kept elsewhere", "[audit]") {
  History h;
  const auto kept = h.verify().heads;  // exported earlier (a backup manifest holds them)
  const std::string t = std::to_string(h.f->tenant);
  {
    RawDb raw(h.db.path());
    h.drop_triggers(raw);
    REQUIRE(raw.exec("DELETE FROM audit_log WHERE tenant_id = " + t + " AND seq >= 9") == "");
  }
  // The documented limit: the shortened chain is consistent in itself.
  auto v = h.verify();
  CHECK(v.ok);
  CHECK(v.heads.at(0).seq == 8);
  // Against the heads kept elsewhere, the loss shows.
  auto checked = h.f->engine->operations().check_audit_heads(sys(), kept);
  REQUIRE(checked.ok());
  CHECK_FALSE(checked->ok);
  CHECK(checked->broken_tenant == h.f->tenant);
  CHECK(checked->broken_seq == 10);
  CHECK(checked->problem.find("cut off") != std::string::npos);
  // A head that is still there, unchanged, passes; one whose record was rewritten fails.
  auto earlier = kept;
  earlier[0].seq = 8;
  earlier[0].hash = h.chain().back().hash;
  CHECK(h.f->engine->operations().check_audit_heads(sys(), earlier)->ok);
  earlier[0].hash = std::string(64, '0');
  auto differs = h.f->engine->operations().check_audit_heads(sys(), earlier);
  CHECK_FALSE(differs->ok);
  CHECK(differs->problem.find("differs") != std::string::npos);
}

TEST_CASE("audit: refusals are recorded - denied ones in the principal's own chain", "[audit]") {
  TempDb db;
  Fixture f(db.uri());
  AuthOptions auth;
  auth.argon2_memory_kib = 64;
  auth.argon2_iterations = 1;
  auto engine = Engine::open(db.uri(), EngineOptions{f.clock, auth}).value();
  REQUIRE(
      engine->auth()
          .create_user(sys(), f.tenant, NewUser{"c@x.io", "", Role::customer, "audit password 1"})
          .ok());
  auto login = engine->auth().login(
      LoginRequest{f.tenant, "c@x.io", "audit password 1", "", "198.51.100.2"});
  REQUIRE(login.ok());
  const Principal customer = login->principal.with_source("198.51.100.2");
  // Denied: a customer may not create resources; a tenant that does not exist is not probed.
  Resource r;
  r.name = "Room";
  r.zone = "UTC";
  CHECK(engine->create_resource(customer, f.tenant, r).status().code() == Code::permission_denied);
  CHECK(engine->create_resource(customer, TenantId{9999}, r).status().code() ==
        Code::permission_denied);
  // Rejected: bad input by the system, in the tenant it named.
  r.zone = "Mars/Olympus";
  CHECK(engine->create_resource(sys(), f.tenant, r).status().code() == Code::invalid_argument);
  // A refusal naming a tenant that does not exist goes to the actor's chain (system: 0).
  r.zone = "UTC";
  CHECK(engine->create_resource(sys(), TenantId{9999}, r).status().code() == Code::not_found);

  AuditQuery q;
  q.tenant = f.tenant;
  q.action = "resource.";
  auto in_tenant = engine->operations().audit_records(sys(), q).value();
  REQUIRE(in_tenant.size() == 3);
  CHECK(in_tenant[0].outcome == AuditOutcome::denied);
  CHECK(in_tenant[0].actor == customer.name());
  CHECK(in_tenant[0].source == "198.51.100.2");
  CHECK(in_tenant[0].reason.find("catalog:write") != std::string::npos);
  CHECK(in_tenant[1].outcome == AuditOutcome::denied);
  CHECK(in_tenant[1].detail_json.find("\"tenant\":9999") != std::string::npos);
  CHECK(in_tenant[2].outcome == AuditOutcome::rejected);
  CHECK(in_tenant[2].actor == "system");
  CHECK(in_tenant[2].reason.find("Mars/Olympus") != std::string::npos);
  q.tenant = TenantId{0};
  auto system_chain = engine->operations().audit_records(sys(), q).value();
  REQUIRE(system_chain.size() == 1);
  CHECK(system_chain[0].outcome == AuditOutcome::rejected);
  // No chain was made for the tenant that does not exist.
  const auto verified = engine->operations().verify_audit(sys()).value();
  for (const auto& head : verified.heads) CHECK(head.tenant != 9999);
  // Filtering: by actor and outcome.
  AuditQuery by_actor;
  by_actor.tenant = f.tenant;
  by_actor.actor = customer.name();
  by_actor.outcome = AuditOutcome::denied;
  CHECK(engine->operations().audit_records(sys(), by_actor)->size() == 2);
  // Reading the audit needs audit:read; a customer is refused (and that refusal is not a
  // change, so it leaves no record).
  CHECK(engine->operations().audit_records(customer, q).status().code() == Code::permission_denied);
  CHECK(engine->operations().verify_audit(customer).status().code() == Code::permission_denied);
  CHECK(engine->operations().verify_audit(sys())->ok);
}

TEST_CASE("audit: a change and its record commit together or not at all", "[audit]") {
  // A store that fails every audit append: the change must not be kept either.
  struct FailingAudit : StorageWrapper {
    using StorageWrapper::StorageWrapper;
    Status write(const WriteIntent& intent, Work work) override {
      return StorageWrapper::write(intent, [&](StorageTransaction& txn) -> Status {
        struct Txn : StorageTransactionWrapper {
          using StorageTransactionWrapper::StorageTransactionWrapper;
          Status append_audit(AuditRecord) override {
            return StorageError("disk full while appending");
          }
        } wrapped(txn);
        return work(wrapped);
      });
    }
  };
  auto inner = open_storage("memory:").value();
  auto engine = Engine::open(std::make_shared<FailingAudit>(inner)).value();
  auto t = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"});
  CHECK(t.status().code() == Code::storage);
  auto plain = Engine::open(inner).value();
  CHECK(plain->list_tenants(sys())->empty());
}

// Audit details are written as text (detail::JsonObject); a record's hash covers those
// bytes, so they must stay what the JSON tree used to dump: the same escapes, invalid UTF-8
// replaced the same way, nested values compact.
TEST_CASE("audit details are written byte for byte as the JSON tree dumps them") {
  using Tree = nlohmann::ordered_json;
  const std::string awkward = "Zoë \"Z\" \\ \t\n\x01\x7f ✓ 𝄞 \xff\xfe bad \xc3";
  Tree nested = Tree::array();
  nested.push_back(Tree{{"resource", 3}, {"quantity", 2}});
  nested.push_back("x\xff");
  Tree expected = Tree::object();
  expected["status"] = "confirmed";
  expected["start"] = std::int64_t{-1893456000};
  expected["flag"] = false;
  expected["text"] = awkward;
  expected["allocations"] = nested;
  expected["empty"] = "";
  expected["max"] = std::numeric_limits<std::int64_t>::max();
  detail::JsonObject d;
  d.add("status", "confirmed")
      .add("start", std::int64_t{-1893456000})
      .add("flag", false)
      .add("text", awkward)
      .add("allocations", nested)
      .add("empty", std::string())
      .add("max", std::numeric_limits<std::int64_t>::max());
  CHECK(d.str() == expected.dump(-1, ' ', false, Tree::error_handler_t::replace));
  CHECK(detail::JsonObject().str() == "{}");
  detail::JsonObject raw;
  raw.add_text("allocations", R"([{"resource":1,"quantity":1}])").add("version", 2);
  CHECK(raw.str() == R"({"allocations":[{"resource":1,"quantity":1}],"version":2})");
}
