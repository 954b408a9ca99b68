// Schema migrations on real SQLite files: a database left at an older schema version by an
// earlier boka (5: before the waitlist; 6: before services, customers and booking rules) is
// migrated on open and keeps its rows; and the backup manifests such a boka wrote (without
// the tables it did not count yet) still match their backups' row counts.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/sha256.hpp"
#include "storage/sql/sqlite_backup.hpp"
#include "storage/sql/sqlite_migrations.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
namespace fs = std::filesystem;

namespace {

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << ": " << (err != nullptr ? err : ""));
  sqlite3_free(err);
  REQUIRE(rc == SQLITE_OK);
}

// A database at schema version `version`, as the boka that stopped at that migration left
// it, holding one tenant (id 1, "old") and one series row of it (its spec a placeholder:
// only counted here, never read).
void make_database(const std::string& path, int version) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  exec(db, "BEGIN");
  exec(db, "CREATE TABLE boka_schema (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)");
  for (const detail::Migration& m : detail::sqlite_migrations()) {
    if (m.version > version) break;
    for (const std::string& statement : m.statements) exec(db, statement);
    exec(db, "INSERT INTO boka_schema VALUES (" + std::to_string(m.version) + ", 0)");
  }
  exec(db, "INSERT INTO tenants (id, name, created_at, version) VALUES (1, 'old', 0, 1)");
  exec(db,
       "INSERT INTO series (id, tenant_id, spec, created_at, updated_at, version) VALUES "
       "(1, 1, '{}', 0, 0, 1)");
  exec(db, "COMMIT");
  sqlite3_close(db);
}

std::string sha256_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  detail::Sha256 digest;
  digest.update(bytes);
  return digest.hex_digest();
}

bool lists(const std::vector<TableStats>& tables, const std::string& name) {
  return std::any_of(tables.begin(), tables.end(),
                     [&](const TableStats& t) { return t.table == name; });
}

std::vector<TableStats> without(std::vector<TableStats> tables, const std::string& name) {
  tables.erase(std::remove_if(tables.begin(), tables.end(),
                              [&](const TableStats& t) { return t.table == name; }),
               tables.end());
  return tables;
}

bool has_problem(const BackupVerification& v, const std::string& text) {
  return std::any_of(v.problems.begin(), v.problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("migration: a schema-5 database migrates on open - keeps its rows - keeps a waitlist",
          "[migration]") {
  const int latest = detail::sqlite_migrations().back().version;
  REQUIRE(latest >= 6);  // 6: the waitlist
  TempDb db;
  make_database(db.path(), 5);
  auto store = open_storage(db.uri()).value();
  CHECK(store->info().schema_version == latest);
  CHECK(store->info().expected_schema_version == latest);
  const TenantId old{1};
  WaitlistEntryId id{};
  REQUIRE(store
              ->write(WriteIntent(TxnScope::all_tenants()),
                      [&](StorageTransaction& t) -> Status {
                        auto tenant = t.find_tenant(old);
                        REQUIRE(tenant.ok());
                        REQUIRE(tenant->has_value());
                        CHECK((*tenant)->name == "old");
                        WaitlistEntry e;
                        e.tenant = old;
                        e.allocations = {AllocationRequest::of_pool(PoolId{4})};
                        e.earliest_start = e.latest_start = utc(2026, 3, 3, 9);
                        e.duration = hours(1);
                        e.joined_at = e.updated_at = utc(2026, 3, 1);
                        e.expires_at = utc(2026, 3, 3);
                        BOKA_ASSIGN_OR_RETURN(id, t.insert_waitlist_entry(e));
                        return Status::Ok();
                      })
              .ok());
  const Status read = store->read(TxnScope::all_tenants(), [&](StorageTransaction& t) -> Status {
    auto found =
        t.waiting_entries(old, {}, {PoolId{4}}, utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), 10);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    CHECK(found->front().id == id);
    CHECK(t.count_waiting(std::nullopt).value() == 1);
    std::map<std::string, std::int64_t> rows;
    const auto stats = t.table_stats();
    REQUIRE(stats.ok());
    for (const TableStats& s : *stats) rows[s.table] = s.rows;
    CHECK(rows["tenants"] == 1);
    CHECK(rows["series"] == 1);
    CHECK(rows["waitlist_entries"] == 1);
    CHECK(rows["waitlist_targets"] == 1);
    return Status::Ok();
  });
  INFO(read.to_string());
  CHECK(read.ok());
}

TEST_CASE(
    "migration: a schema-6 database migrates on open - keeps its rows - takes services, "
    "customers and rules",
    "[migration]") {
  const int latest = detail::sqlite_migrations().back().version;
  REQUIRE(latest >= 7);  // 7: services, customers, booking rules
  TempDb db;
  make_database(db.path(), 6);
  {
    // Rows every table that migration 7 widens had at schema 6, spelled as that boka wrote
    // them (only the columns it knew).
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path().c_str(), &raw) == SQLITE_OK);
    exec(raw,
         "INSERT INTO resources (id, tenant_id, name, zone, capacity, slot_step, min_notice, "
         "max_horizon, buffer_before, buffer_after, min_duration, max_duration, daily_limit, "
         "metadata, created_at, version) VALUES (1, 1, 'room', 'UTC', 2, 900, 0, 0, 300, 600, "
         "0, 0, 0, '{}', 0, 1)");
    exec(raw,
         "INSERT INTO reservations (id, tenant_id, status, start_at, end_at, idempotency_key, "
         "customer, metadata, created_at, updated_at, version, series_id, occurrence_date) "
         "VALUES (1, 1, 1, 1772528400, 1772532000, 'k', 'ann', '{\"a\":1}', 0, 0, 1, 1, "
         "20260303)");
    exec(raw,
         "INSERT INTO allocations (reservation_id, tenant_id, resource_id, quantity) VALUES "
         "(1, 1, 1, 2)");
    exec(raw,
         "INSERT INTO waitlist_entries (id, tenant_id, earliest_start, latest_start, "
         "duration_seconds, customer, priority, joined_at, expires_at, status, "
         "allocations_json, metadata_json, updated_at, version) VALUES (1, 1, 1772528400, "
         "1772528400, 3600, 'bob', 0, 0, 1772600000, 0, "
         "'[{\"resource\":1,\"pool\":null,\"quantity\":1}]', '{}', 0, 1)");
    exec(raw,
         "INSERT INTO waitlist_targets (tenant_id, entry_id, kind, target_id) VALUES "
         "(1, 1, 'r', 1)");
    sqlite3_close(raw);
  }
  auto store = open_storage(db.uri()).value();
  CHECK(store->info().schema_version == latest);
  const TenantId old{1};
  CustomerId ann{};
  ServiceId cut{};
  ReservationId booked{};
  Status wrote =
      store->write(WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& t) -> Status {
        // The old rows read with the new fields at their defaults.
        Tenant tenant = t.find_tenant(old).value().value();
        CHECK(tenant.name == "old");
        CHECK(tenant.rules == BookingRules{});
        CHECK(tenant.max_hold == Seconds(30LL * 24 * 3600));
        Resource room = t.find_resource(old, ResourceId{1}).value().value();
        CHECK(room.policy.buffer_after == Seconds(600));
        CHECK(room.rules == BookingRules{});
        Reservation r = t.find_reservation(old, ReservationId{1}).value().value();
        CHECK(r.customer == "ann");
        CHECK(r.metadata_json == R"({"a":1})");
        CHECK(r.series == SeriesId{1});
        CHECK(r.occurrence_date == LocalDate{2026, 3, 3});
        REQUIRE(r.allocations.size() == 1);
        CHECK(r.allocations[0].quantity == 2);
        CHECK_FALSE(r.customer_id.has_value());
        CHECK(r.notes.empty());
        CHECK_FALSE(r.service.has_value());
        CHECK_FALSE(r.price_minor.has_value());
        CHECK(r.currency.empty());
        CHECK(r.buffer_before == Seconds(0));
        CHECK(r.buffer_after == Seconds(0));
        WaitlistEntry e = t.find_waitlist_entry(old, WaitlistEntryId{1}).value().value();
        CHECK(e.customer == "bob");
        CHECK_FALSE(e.customer_id.has_value());
        auto bookings = t.active_bookings(ResourceId{1}).value();
        REQUIRE(bookings.size() == 1);
        CHECK(bookings[0].buffer_before == Seconds(0));

        // The new tables and columns take rows.
        tenant.rules.cancel_cutoff = hours(24);
        tenant.max_hold = minutes(30);
        tenant.version = 2;
        BOKA_RETURN_IF_ERROR(t.update_tenant(tenant));
        Customer c;
        c.tenant = old;
        c.display_name = "Ann";
        c.email = "ann@example.com";
        BOKA_ASSIGN_OR_RETURN(ann, t.insert_customer(c));
        Service service;
        service.tenant = old;
        service.name = "cut";
        service.duration = hours(1);
        service.allocations = {AllocationRequest::of_resource(ResourceId{1})};
        service.price_minor = 3500;
        service.currency = "EUR";
        BOKA_ASSIGN_OR_RETURN(cut, t.insert_service(service));
        r.customer_id = ann;
        r.service = cut;
        r.version = 2;
        BOKA_RETURN_IF_ERROR(t.update_reservation(r));
        Reservation next = r;
        next.start = r.end;
        next.end = r.end + hours(1);
        next.idempotency_key.clear();
        next.buffer_after = minutes(10);
        BOKA_ASSIGN_OR_RETURN(booked, t.insert_reservation(next));
        e.customer_id = ann;
        e.version = 2;
        return t.update_waitlist_entry(e);
      });
  INFO(wrote.to_string());
  REQUIRE(wrote.ok());
  const Status read = store->read(TxnScope::all_tenants(), [&](StorageTransaction& t) -> Status {
    CHECK(t.find_tenant(old).value()->max_hold == minutes(30));
    CHECK(t.find_customer(old, ann).value()->email == "ann@example.com");
    CHECK(t.find_service(old, cut).value()->price_minor == 3500);
    ReservationFilter f;
    f.customer_id = ann;
    f.order = ReservationOrder::by_start;
    auto mine = t.list_reservations(old, f).value();
    REQUIRE(mine.size() == 2);
    CHECK(mine[0].id == ReservationId{1});
    CHECK(mine[1].id == booked);
    CHECK(mine[1].buffer_after == minutes(10));
    WaitlistFilter w;
    w.customer_id = ann;
    CHECK(t.list_waitlist(old, w)->size() == 1);
    std::map<std::string, std::int64_t> rows;
    const auto stats = t.table_stats();
    REQUIRE(stats.ok());
    for (const TableStats& s : *stats) rows[s.table] = s.rows;
    CHECK(rows["reservations"] == 2);
    CHECK(rows["allocations"] == 2);
    CHECK(rows["series"] == 1);
    CHECK(rows["waitlist_entries"] == 1);
    CHECK(rows["services"] == 1);
    CHECK(rows["customers"] == 1);
    return Status::Ok();
  });
  INFO(read.to_string());
  CHECK(read.ok());
}

TEST_CASE(
    "backup: an older manifest without the tables counted since matches its backup's counts - "
    "a newer one must list them",
    "[migration][ops][backup]") {
  TempDb source;
  make_database(source.path(), 5);
  TempDb copy;
  auto facts = detail::backup_sqlite_database(source.path(), copy.path(), {});
  REQUIRE(facts.ok());
  CHECK(facts->schema_version == 5);
  // The file's own tables are counted: series (migration 5) but no waitlist (6).
  CHECK(lists(facts->tables, "series"));
  CHECK_FALSE(lists(facts->tables, "waitlist_entries"));

  // The manifest a schema-5 boka wrote: it did not count series.
  BackupManifest m;
  m.file = fs::path(copy.path()).filename().string();
  m.created_at = utc(2026, 3, 1);
  m.source = source.path();
  m.schema_version = 5;
  m.sha256 = sha256_of(copy.path());
  m.size_bytes = static_cast<std::int64_t>(fs::file_size(copy.path()));
  m.tables = without(facts->tables, "series");
  m.boka_version = "0.5.0";
  const auto verify_with = [&](const BackupManifest& manifest) {
    std::ofstream(copy.path() + ".manifest.json", std::ios::trunc) << manifest.to_json();
    auto v = verify_backup(copy.path());
    REQUIRE(v.ok());
    return *v;
  };
  {
    const auto v = verify_with(m);
    INFO(v.problems.size());
    CHECK(v.checksum_matches);
    CHECK(v.integrity == "ok");
    CHECK(v.counts_match);
    // What remains is the schema rule: only a build at the backup's schema version opens it
    // (docs/operations.md, "Verifying a backup").
    REQUIRE(v.problems.size() == 1);
    CHECK(has_problem(v, "schema version 5"));
    CHECK_FALSE(v.ok);
  }
  {
    // A table the manifest counts that the backup does not have.
    BackupManifest forged = m;
    forged.tables.push_back(TableStats{"waitlist_entries", 3, 0});
    const auto v = verify_with(forged);
    CHECK_FALSE(v.counts_match);
    CHECK(has_problem(v, "table waitlist_entries of the manifest is missing from the backup"));
  }
  {
    // The tables counted from the start are never optional.
    BackupManifest short_one = m;
    short_one.tables = without(m.tables, "reservations");
    const auto v = verify_with(short_one);
    CHECK_FALSE(v.counts_match);
    CHECK(has_problem(v, "row count of reservations differs from the manifest"));
  }
  std::error_code ec;
  fs::remove(copy.path() + ".manifest.json", ec);
}

TEST_CASE("backup: a schema-6 manifest without services and customers matches its backup",
          "[migration][ops][backup]") {
  TempDb source;
  make_database(source.path(), 6);
  TempDb copy;
  auto facts = detail::backup_sqlite_database(source.path(), copy.path(), {});
  REQUIRE(facts.ok());
  CHECK(facts->schema_version == 6);
  CHECK(lists(facts->tables, "waitlist_entries"));
  CHECK_FALSE(lists(facts->tables, "services"));
  CHECK_FALSE(lists(facts->tables, "customers"));
  // What a schema-6 boka wrote: every table it counted, none of migration 7's.
  BackupManifest m;
  m.file = fs::path(copy.path()).filename().string();
  m.created_at = utc(2026, 3, 1);
  m.source = source.path();
  m.schema_version = 6;
  m.sha256 = sha256_of(copy.path());
  m.size_bytes = static_cast<std::int64_t>(fs::file_size(copy.path()));
  m.tables = facts->tables;
  m.boka_version = "0.6.0";
  std::ofstream(copy.path() + ".manifest.json", std::ios::trunc) << m.to_json();
  auto v = verify_backup(copy.path());
  REQUIRE(v.ok());
  CHECK(v->checksum_matches);
  CHECK(v->counts_match);
  // Only the schema rule remains (a build at schema 6 opens it).
  REQUIRE(v->problems.size() == 1);
  CHECK(has_problem(*v, "schema version 6"));
  std::error_code ec;
  fs::remove(copy.path() + ".manifest.json", ec);
}

TEST_CASE("backup: a current manifest counts series and the waitlist - and must list them",
          "[migration][ops][backup]") {
  TempDb db;
  TempDb copy;
  { Fixture f(db.uri()); }
  auto facts = detail::backup_sqlite_database(db.path(), copy.path(), {});
  REQUIRE(facts.ok());
  for (const char* table :
       {"series", "waitlist_entries", "waitlist_targets", "services", "customers"}) {
    INFO(table);
    CHECK(lists(facts->tables, table));
  }
  BackupManifest m;
  m.file = fs::path(copy.path()).filename().string();
  m.source = db.path();
  m.schema_version = facts->schema_version;
  m.sha256 = sha256_of(copy.path());
  m.size_bytes = static_cast<std::int64_t>(fs::file_size(copy.path()));
  m.tables = facts->tables;
  m.audit_heads = facts->audit_heads;
  m.boka_version = "test";
  std::ofstream(copy.path() + ".manifest.json", std::ios::trunc) << m.to_json();
  auto v = verify_backup(copy.path());
  REQUIRE(v.ok());
  INFO((v->problems.empty() ? "" : v->problems.front()));
  CHECK(v->ok);
  // Written by a build that counts the waitlist, the manifest must have its count.
  m.tables = without(m.tables, "waitlist_entries");
  std::ofstream(copy.path() + ".manifest.json", std::ios::trunc) << m.to_json();
  v = verify_backup(copy.path());
  REQUIRE(v.ok());
  CHECK_FALSE(v->ok);
  CHECK(has_problem(*v, "row count of waitlist_entries differs from the manifest"));
  // And, from schema version 7 on, the count of customers.
  m.tables = without(facts->tables, "customers");
  std::ofstream(copy.path() + ".manifest.json", std::ios::trunc) << m.to_json();
  v = verify_backup(copy.path());
  REQUIRE(v.ok());
  CHECK_FALSE(v->ok);
  CHECK(has_problem(*v, "row count of customers differs from the manifest"));
  std::error_code ec;
  fs::remove(copy.path() + ".manifest.json", ec);
}
