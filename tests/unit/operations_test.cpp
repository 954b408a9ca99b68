// Operations on real SQLite files: read-only mode, health, database statistics, and backups
// taken while threads keep booking, then verified, damaged, restored and rotated.
#include <sqlite3.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support.hpp"

using namespace boka;
using namespace boka::test;
namespace fs = std::filesystem;

namespace {

// A fresh directory, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("boka-ops-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

ReserveRequest slot(ResourceId room, Instant start) {
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(room)};
  req.start = start;
  req.end = start + hours(1);
  return req;
}

std::int64_t rows_of(const std::vector<TableStats>& stats, const std::string& table) {
  for (const auto& t : stats) {
    if (t.table == table) return t.rows;
  }
  return -1;
}

}  // namespace

TEST_CASE("read-only mode: writes refused with the reason - reads served - nothing changes",
          "[ops]") {
  TempDb db;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  auto booked = f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10));
  REQUIRE(booked.ok());
  REQUIRE(f.engine->auth()
              .create_user(sys(), f.tenant, NewUser{"s@x.io", "", Role::staff, "readonly password"})
              .ok());
  auto session =
      f.engine->auth().login(LoginRequest{f.tenant, "s@x.io", "readonly password", "", ""});
  REQUIRE(session.ok());
  const auto stats_before = f.engine->operations().database_stats(sys()).value();
  const auto audit_before = f.engine->operations().verify_audit(sys())->records;

  REQUIRE(f.engine->operations().set_read_only(sys(), true, "data suspect, checking backups").ok());
  CHECK(f.engine->operations().read_only_reason() ==
        std::optional<std::string>("data suspect, checking backups"));
  const auto refused = f.book(room.id, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12));
  CHECK(refused.status().code() == Code::unavailable);
  CHECK(refused.status().message().find("read-only mode (data suspect, checking backups)") !=
        std::string::npos);
  CHECK(f.engine->cancel(sys(), f.tenant, booked->id).status().code() == Code::unavailable);
  CHECK(f.engine->create_resource(sys(), f.tenant, room).status().code() == Code::unavailable);
  CHECK(f.engine->auth()
            .login(LoginRequest{f.tenant, "s@x.io", "readonly password", "", ""})
            .status()
            .code() == Code::unavailable);
  CHECK(f.engine->expire_holds(sys()).ok());  // nothing to expire: no write needed
  // Reads go on, for the system and for a logged-in user (whose session is not extended).
  f.clock->set(f.clock->now() + minutes(5));
  CHECK(f.engine->get_reservation(sys(), f.tenant, booked->id).ok());
  auto principal = f.engine->auth().authenticate_session(session->token);
  REQUIRE(principal.ok());
  CHECK(f.engine->list_resources(*principal, f.tenant).ok());
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(room.id)};
  q.from = utc(2026, 1, 6);
  q.to = utc(2026, 1, 7);
  q.duration = hours(1);
  CHECK(f.engine->availability(sys(), f.tenant, q).ok());
  auto health = f.engine->operations().health(sys());
  REQUIRE(health.ok());
  CHECK(health->read_only);
  CHECK(health->status != HealthStatus::ok);
  // Nothing changed, not even a refusal record.
  const auto stats_during = f.engine->operations().database_stats(sys()).value();
  for (const auto& t : stats_before) {
    if (t.table == "audit_log" || t.table == "audit_heads") continue;  // checked below
    CHECK(rows_of(stats_during, t.table) == t.rows);
  }
  CHECK(f.engine->operations().verify_audit(sys())->records ==
        audit_before + 1);  // the switch itself
  CHECK(f.engine->operations().metrics()->exposition().find("boka_read_only 1") !=
        std::string::npos);

  REQUIRE(f.engine->operations().set_read_only(sys(), false).ok());
  CHECK_FALSE(f.engine->operations().read_only_reason().has_value());
  CHECK(f.book(room.id, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)).ok());
  AuditQuery ops;
  ops.tenant = TenantId{0};
  ops.action = "ops.";
  auto switches = f.engine->operations().audit_records(sys(), ops).value();
  REQUIRE(switches.size() == 2);
  CHECK(switches[0].action == "ops.read_only_on");
  CHECK(switches[0].detail_json.find("data suspect") != std::string::npos);
  CHECK(switches[1].action == "ops.read_only_off");
  // Only the system (or a superadmin) switches it.
  CHECK(f.engine->operations().set_read_only(*principal, true).code() == Code::permission_denied);
}

TEST_CASE("read-only mode: an engine can be opened read-only", "[ops]") {
  TempDb db;
  { Fixture f(db.uri()); }
  EngineOptions options;
  options.read_only = true;
  options.read_only_reason = "restore drill";
  auto engine = Engine::open(db.uri(), options).value();
  CHECK(engine->create_tenant(sys(), Tenant{TenantId{}, "x"}).status().code() == Code::unavailable);
  CHECK(engine->list_tenants(sys())->size() == 1);
  CHECK(engine->operations().read_only_reason() == std::optional<std::string>("restore drill"));
}

TEST_CASE(
    "health: ok with fresh heartbeats and backup - degraded when stale - schema and disk shown",
    "[ops]") {
  TempDb db;
  TempDir dir;
  Fixture f(db.uri());
  auto h = f.engine->operations().health(sys()).value();
  CHECK(h.status == HealthStatus::degraded);  // no worker heartbeat, no backup yet
  CHECK(h.storage_reachable);
  CHECK(h.dialect == "sqlite");
  CHECK(h.schema_version == h.expected_schema_version);
  CHECK(h.schema_version >= 3);
  REQUIRE(h.disk_free_bytes.has_value());
  CHECK(*h.disk_free_bytes > 0);
  REQUIRE(f.engine->operations().record_heartbeat(sys(), "worker").ok());
  BackupOptions b;
  b.directory = dir.str();
  b.kind = BackupKind::daily;
  REQUIRE(f.engine->operations().backup(sys(), b).ok());
  HealthOptions relaxed;
  relaxed.min_free_disk_bytes = 0;  // the test machine's disk is not the question here
  relaxed.min_free_disk_fraction = 0;
  h = f.engine->operations().health(sys(), relaxed).value();
  std::string checks;
  for (const auto& c : h.checks) checks += c.name + ": " + c.detail + "; ";
  INFO(checks);
  CHECK(h.status == HealthStatus::ok);
  REQUIRE(h.last_backup_at.has_value());
  CHECK(*h.last_backup_at == f.clock->now());
  REQUIRE(h.heartbeats.size() == 1);
  CHECK(h.heartbeats[0].component == "worker");
  CHECK(h.heartbeats[0].last_seen == f.clock->now());
  // Three minutes later the worker is stale; two days later the backup too.
  f.clock->set(f.clock->now() + minutes(3));
  h = f.engine->operations().health(sys(), relaxed).value();
  CHECK(h.status == HealthStatus::degraded);
  f.clock->set(f.clock->now() + hours(48));
  REQUIRE(f.engine->operations().record_heartbeat(sys(), "worker").ok());
  h = f.engine->operations().health(sys(), relaxed).value();
  CHECK(h.status == HealthStatus::degraded);
  bool backup_flagged = false;
  for (const auto& c : h.checks) {
    if (c.name == "backup") backup_flagged = c.status == HealthStatus::degraded;
  }
  CHECK(backup_flagged);
  CHECK(f.engine->operations().record_heartbeat(sys(), "Bad Name").code() ==
        Code::invalid_argument);
}

TEST_CASE("health: an unreachable store is failing - not an error", "[ops]") {
  struct Down : StorageWrapper {
    using StorageWrapper::StorageWrapper;
    bool down = false;
    Status read(const TxnScope& s, Work w) override {
      return down ? Unavailable("connection refused") : StorageWrapper::read(s, w);
    }
  };
  auto down = std::make_shared<Down>(open_storage("memory:").value());
  auto engine = Engine::open(down).value();
  down->down = true;
  auto h = engine->operations().health(sys());
  REQUIRE(h.ok());
  CHECK(h->status == HealthStatus::failing);
  CHECK_FALSE(h->storage_reachable);
}

TEST_CASE("database_stats: row counts and sizes per table", "[ops]") {
  TempDb db;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.book(room.id, utc(2026, 1, 6, 8 + i), utc(2026, 1, 6, 9 + i)).ok());
  auto stats = f.engine->operations().database_stats(sys()).value();
  CHECK(rows_of(stats, "tenants") == 1);
  CHECK(rows_of(stats, "resources") == 1);
  CHECK(rows_of(stats, "reservations") == 5);
  CHECK(rows_of(stats, "allocations") == 5);
  CHECK(rows_of(stats, "audit_log") == 7);
  for (const auto& t : stats) {
    if (t.rows > 0) CHECK(t.bytes > 0);
  }
}

TEST_CASE(
    "backup: taken while two threads book - verifies - restores every reservation acknowledged "
    "before it",
    "[ops][backup]") {
  TempDb db;
  TempDir dir;
  auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5, 8));
  auto engine = Engine::open(db.uri(), EngineOptions{clock}).value();
  const TenantId t = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"})->id;
  Resource spec;
  spec.name = "Room";
  spec.zone = "UTC";
  spec.capacity = 1;
  std::vector<ResourceId> rooms;
  for (int i = 0; i < 4; ++i) {
    spec.name = "Room " + std::to_string(i);
    rooms.push_back(engine->create_resource(sys(), t, spec)->id);
  }
  std::mutex mutex;
  std::vector<ReservationId> acknowledged;  // in acknowledgement order
  std::atomic<bool> stop{false};
  std::atomic<int> conflicts{0};
  std::string unexpected;  // guarded by mutex: Catch2 assertions are for the main thread
  std::vector<std::thread> bookers;
  for (int b = 0; b < 2; ++b) {
    bookers.emplace_back([&, b] {
      for (int i = 0; !stop.load(); ++i) {
        // Both threads want the same slots: some bookings conflict.
        const Instant start = utc(2026, 2, 1) + hours(i / 2);
        auto r = engine->reserve(sys(), t, slot(rooms[(i + b) % rooms.size()], start));
        if (r.ok()) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(r->id);
        } else if (r.status().code() == Code::conflict) {
          ++conflicts;
        } else {
          std::lock_guard lock(mutex);
          unexpected = r.status().to_string();
          return;
        }
      }
    });
  }
  // Let them book, then take the backup in the middle of it.
  for (bool enough = false; !enough;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mutex);
    enough = acknowledged.size() >= 200 || !unexpected.empty();
  }
  REQUIRE(unexpected.empty());
  std::vector<ReservationId> before_backup;
  {
    std::lock_guard lock(mutex);
    before_backup = acknowledged;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> progress;
  BackupOptions options;
  options.directory = dir.str();
  options.kind = BackupKind::daily;
  options.verify = true;
  options.progress = [&](std::int64_t done, std::int64_t total) {
    progress.emplace_back(done, total);
  };
  auto backup = engine->operations().backup(sys(), options);
  // Keep booking a little after the backup, then stop.
  std::size_t at_backup_end = 0;
  {
    std::lock_guard lock(mutex);
    at_backup_end = acknowledged.size();
  }
  for (bool enough = false; !enough;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mutex);
    enough = acknowledged.size() >= at_backup_end + 50 || !unexpected.empty();
  }
  stop = true;
  for (auto& th : bookers) th.join();
  CHECK(unexpected.empty());
  REQUIRE(backup.ok());
  INFO(backup->manifest.to_json());
  CHECK(conflicts.load() > 0);
  CHECK(fs::exists(backup->path));
  CHECK(fs::exists(backup->manifest_path));
  CHECK(fs::path(backup->path).parent_path().filename() == "daily");
  CHECK(fs::path(backup->path).filename().string().rfind("boka-daily-20260105-080000", 0) == 0);
  REQUIRE(backup->verification.has_value());
  CHECK(backup->verification->ok);
  CHECK(backup->verification->integrity == "ok");
  CHECK(backup->verification->audit.ok);
  CHECK(backup->verification->heads_match);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back().first == progress.back().second);
  CHECK(backup->manifest.sha256.size() == 64);
  CHECK(backup->manifest.schema_version >= 3);
  CHECK(backup->manifest.audit_heads.size() == 1);

  // Restore into a new file: it holds every reservation acknowledged before the backup
  // began, and no more than were acknowledged by its end.
  TempDb restored;
  REQUIRE(restore_backup(backup->path, restored.path()).ok());
  auto copy = Engine::open(restored.uri()).value();
  ReservationFilter all;
  all.limit = 10000;
  auto rows = copy->list_reservations(sys(), t, all).value();
  std::set<ReservationId> present;
  for (const auto& r : rows) present.insert(r.id);
  for (ReservationId id : before_backup) {
    INFO("reservation " << id);
    CHECK(present.count(id) == 1);
  }
  CHECK(rows.size() >= before_backup.size());
  // At most one commit per thread can land before the snapshot yet be acknowledged after
  // at_backup_end was read.
  CHECK(rows.size() <= at_backup_end + 2);
  auto verified = copy->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  // The restored audit trail has one reserve record per reservation in it.
  AuditQuery q;
  q.tenant = t;
  q.action = "reservation.reserve";
  q.outcome = AuditOutcome::success;
  q.limit = 10000;
  CHECK(copy->operations().audit_records(sys(), q)->size() == rows.size());
  // The original went on and is intact too.
  CHECK(engine->operations().verify_audit(sys())->ok);
}

TEST_CASE("backup: a store with waitlist entries verifies", "[ops][backup]") {
  // Regression: SQLite 3.40's integrity_check misreported waitlist_targets' rows as NULL
  // while its key columns came after tenant_id (migration 12 reorders them), so every backup
  // of a store with a waitlist failed verification.
  TempDb db;
  TempDir dir;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  REQUIRE(f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
  WaitlistRequest w;
  w.allocations = {AllocationRequest::of_resource(room.id)};
  w.earliest_start = utc(2026, 1, 6, 9);
  w.latest_start = utc(2026, 1, 6, 9);
  w.duration = hours(1);
  w.customer = "ana";
  auto joined = f.engine->waitlist().join(sys(), f.tenant, w);
  INFO(joined.status().to_string());
  REQUIRE(joined.ok());
  BackupOptions options;
  options.directory = dir.str();
  options.verify = true;
  auto backup = f.engine->operations().backup(sys(), options);
  INFO(backup.status().to_string());
  REQUIRE(backup.ok());
  REQUIRE(backup->verification.has_value());
  CHECK(backup->verification->integrity == "ok");
  CHECK(backup->verification->ok);
}

TEST_CASE("backup: verify catches a damaged file or manifest - restore refuses it",
          "[ops][backup]") {
  TempDb db;
  TempDir dir;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  REQUIRE(f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
  BackupOptions options;
  options.directory = dir.str();
  auto backup = f.engine->operations().backup(sys(), options).value();
  CHECK(verify_backup(backup.path)->ok);

  SECTION("a flipped byte") {
    {
      std::fstream file(backup.path, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(static_cast<std::streamoff>(fs::file_size(backup.path) / 2));
      file.put('\x5a');
    }
    auto v = verify_backup(backup.path);
    REQUIRE(v.ok());
    CHECK_FALSE(v->ok);
    CHECK_FALSE(v->checksum_matches);
    TempDb target;
    auto st = restore_backup(backup.path, target.path());
    CHECK(st.code() == Code::storage);
    CHECK(st.message().find("fails verification") != std::string::npos);
    CHECK_FALSE(fs::exists(target.path()));
  }
  SECTION("an audit record edited in the copy and the checksum recomputed") {
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(backup.path.c_str(), &raw) == SQLITE_OK);
      REQUIRE(sqlite3_exec(raw,
                           "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = "
                           "'user:1' WHERE seq = 2",
                           nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_close(raw);
    }
    // An insider who also rewrites the manifest's checksum and size.
    std::ifstream in(backup.manifest_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    const auto digest = [&] {
      FILE* p = ::popen(("sha256sum " + backup.path).c_str(), "r");
      char buf[65] = {};
      REQUIRE(std::fread(buf, 1, 64, p) == 64);
      ::pclose(p);
      return std::string(buf, 64);
    }();
    text.replace(text.find(backup.manifest.sha256), 64, digest);
    const auto size_at = text.find(std::to_string(backup.manifest.size_bytes));
    text.replace(size_at, std::to_string(backup.manifest.size_bytes).size(),
                 std::to_string(fs::file_size(backup.path)));
    std::ofstream(backup.manifest_path, std::ios::trunc) << text;
    auto v = verify_backup(backup.path);
    REQUIRE(v.ok());
    INFO(v->problems.size());
    CHECK(v->checksum_matches);
    CHECK_FALSE(v->ok);
    CHECK_FALSE(v->audit.ok);
    CHECK(v->audit.broken_seq == 2);
  }
  SECTION("a missing manifest") {
    fs::remove(backup.manifest_path);
    CHECK(verify_backup(backup.path).status().code() == Code::not_found);
  }
}

TEST_CASE("restore: refuses to overwrite without the flag - replaces atomically with it",
          "[ops][backup]") {
  TempDb db;
  TempDir dir;
  Fixture f(db.uri());
  const Resource room = f.resource("Room");
  auto kept = f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10));
  REQUIRE(kept.ok());
  BackupOptions options;
  options.directory = dir.str();
  auto backup = f.engine->operations().backup(sys(), options).value();
  // Later changes, then a restore over the live file's place (the engine is closed first).
  REQUIRE(f.book(room.id, utc(2026, 1, 6, 11), utc(2026, 1, 6, 12)).ok());
  f.engine.reset();
  auto refused = restore_backup(backup.path, db.path());
  CHECK(refused.code() == Code::already_exists);
  CHECK(refused.message().find("overwrite") != std::string::npos);
  RestoreOptions force;
  force.overwrite = true;
  REQUIRE(restore_backup(backup.path, db.path(), force).ok());
  CHECK_FALSE(fs::exists(db.path() + "-wal"));
  auto engine = Engine::open(db.uri()).value();
  ReservationFilter all;
  auto rows = engine->list_reservations(sys(), f.tenant, all).value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == kept->id);
  CHECK(engine->operations().verify_audit(sys())->ok);
  CHECK(restore_backup(backup.path, backup.path, force).code() == Code::invalid_argument);
}

TEST_CASE("backup: retention keeps the newest of each kind", "[ops][backup]") {
  TempDb db;
  TempDir dir;
  Fixture f(db.uri());
  BackupOptions daily;
  daily.directory = dir.str();
  daily.kind = BackupKind::daily;
  daily.keep = 3;
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    f.clock->set(f.clock->now() + hours(24));
    auto b = f.engine->operations().backup(sys(), daily);
    REQUIRE(b.ok());
    made.push_back(b->path);
    CHECK(b->removed.size() == (i < 3 ? 0u : 1u));
  }
  BackupOptions weekly = daily;
  weekly.kind = BackupKind::weekly;
  REQUIRE(f.engine->operations().backup(sys(), weekly).ok());
  CHECK_FALSE(fs::exists(made[0]));
  CHECK_FALSE(fs::exists(made[0] + ".manifest.json"));
  CHECK_FALSE(fs::exists(made[1]));
  for (int i = 2; i < 5; ++i) CHECK(fs::exists(made[i]));
  CHECK(std::distance(fs::directory_iterator(dir.path / "weekly"), fs::directory_iterator{}) == 2);
  auto removed = apply_retention(dir.str(), BackupKind::daily, 1).value();
  CHECK(removed.size() == 2);
  CHECK(fs::exists(made[4]));
  CHECK(apply_retention(dir.str(), BackupKind::daily, 0).status().code() == Code::invalid_argument);
  CHECK_FALSE(parse_backup_kind("hourly").has_value());
  CHECK(parse_backup_kind("weekly") == BackupKind::weekly);
  // Backups are recorded in the system chain.
  AuditQuery q;
  q.tenant = TenantId{0};
  q.action = "ops.backup";
  CHECK(f.engine->operations().audit_records(sys(), q)->size() == 6);
}

TEST_CASE("backup: other stores are not backed up by boka", "[ops][backup]") {
  auto engine = Engine::open("memory:").value();
  BackupOptions options;
  options.directory = "/tmp";
  CHECK(engine->operations().backup(sys(), options).status().code() == Code::not_supported);
}

TEST_CASE(
    "files: a new database, its WAL, backups, manifests and restores are private to their owner",
    "[ops][backup]") {
  // Under the usual umask a file would be created 0644; boka's hold password hashes and
  // personal data, so they are 0600 whatever the umask.
  const mode_t old_umask = ::umask(022);
  TempDb db;
  TempDir dir;
  auto mode = [](const std::string& path) {
    return static_cast<int>(fs::status(path).permissions() & fs::perms::all);
  };
  {
    Fixture f(db.uri());
    const Resource room = f.resource("Room");
    REQUIRE(f.book(room.id, utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)).ok());
    CHECK(mode(db.path()) == 0600);
    REQUIRE(fs::exists(db.path() + "-wal"));
    CHECK(mode(db.path() + "-wal") == 0600);
    BackupOptions options;
    options.directory = dir.str();
    auto backup = f.engine->operations().backup(sys(), options);
    REQUIRE(backup.ok());
    CHECK(mode(backup->path) == 0600);
    CHECK(mode(backup->manifest_path) == 0600);
    TempDb restored;
    fs::remove(restored.path());
    REQUIRE(restore_backup(backup->path, restored.path()).ok());
    CHECK(mode(restored.path()) == 0600);
  }
  ::umask(old_umask);
}
