// PostgreSQL server faults under a booking load: the server restarted with a fast shutdown,
// and killed (immediate shutdown, crash recovery on start) while two processes book
// through one Engine each (boka_pg_fault_worker). After recovery every acknowledged booking
// is stored, nothing is stored that was not acknowledged or settled by a retry with its
// idempotency key, every answer during the outage was `unavailable` (never a conflict, a
// not_found or a success that did not commit), capacity held, each worker's Engine booked
// again without being reopened, and the audit chains verify.
//
// The test restarts its server, so it runs a throwaway cluster of its own
// (scripts/pg-test-cluster.sh), never the shared one CTest starts for the other tests, and
// never a developer's server named by BOKA_TEST_POSTGRES_*_URI.
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

// pg_support.hpp finds the shared cluster through this file; this test never asks it for
// the shared cluster's URIs (it runs its own), it only borrows Conn and with_database.
#define BOKA_PG_URIS_FILE "/dev/null"
#include "pg_support.hpp"
#include "support.hpp"

extern char** environ;

using namespace boka;
using namespace boka::test;
using boka::pgtest::Conn;

namespace {

long long monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A PostgreSQL 15 cluster of this test's own, started in the constructor and removed in the
// destructor, with pg_ctl at hand to restart and kill it.
class OwnCluster {
 public:
  OwnCluster() {
    for (const char* name : {"BOKA_TEST_POSTGRES_ADMIN_URI", "BOKA_TEST_POSTGRES_OWNER_URI",
                             "BOKA_TEST_POSTGRES_APP_URI"}) {
      ::unsetenv(name);  // the script would use that server instead of starting one
    }
    dir_ = std::string(BOKA_PG_FAULT_DIR) + "/" + std::to_string(::getpid());
    run(std::string(BOKA_PG_CLUSTER_SCRIPT) + " start " + dir_ + " >/dev/null");
    std::istringstream env(slurp(dir_ + "/uris.env"));
    for (std::string line; std::getline(env, line);) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "BOKA_TEST_POSTGRES_ADMIN_URI") admin = value;
      if (key == "BOKA_TEST_POSTGRES_OWNER_URI") owner = value;
      if (key == "BOKA_TEST_POSTGRES_APP_URI") app = value;
    }
    cluster_ = slurp(dir_ + "/cluster_dir");
    while (!cluster_.empty() && cluster_.back() == '\n') cluster_.pop_back();
    if (admin.empty() || owner.empty() || app.empty() || cluster_.empty()) {
      throw std::runtime_error("pg-test-cluster.sh wrote no URIs in " + dir_);
    }
  }
  ~OwnCluster() { (void)std::system((std::string(BOKA_PG_CLUSTER_SCRIPT) + " stop " + dir_).c_str()); }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  // pg_ctl on this cluster, as the postgres user when we are root (as the script does).
  // `restart` takes the server's options from postmaster.opts, also after an immediate
  // stop, so it serves for the start after a kill too.
  void pg_ctl(const std::string& args) const {
    const std::string as = ::getuid() == 0 ? "runuser -u postgres -- " : "";
    run(as + "/usr/lib/postgresql/15/bin/pg_ctl -D " + cluster_ + "/data -l " + cluster_ +
        "/server.log -w -t 60 " + args + " >/dev/null");
  }

  std::string admin, owner, app;

 private:
  static void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  std::string dir_, cluster_;
};

// One line of a worker's log (pg_fault_worker.cpp explains the kinds).
struct Call {
  std::string kind;
  long long ms = 0;  // when it returned (CLOCK_MONOTONIC); 0 for the retries after stop
  long long n = 0;   // the attempt, or for G the reservation read
  int code = 0;
  long long id = 0;
  std::string message;  // from the M line after it: any answer but ok and unavailable
};

struct WorkerLog {
  std::vector<Call> calls;
};

WorkerLog read_log(const std::string& path) {
  WorkerLog log;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream s(line);
    Call c;
    s >> c.kind;
    if (c.kind == "M") {
      if (!log.calls.empty()) log.calls.back().message = line.substr(2);
      continue;
    }
    if (c.kind == "A" || c.kind == "S") {
      s >> c.ms >> c.n >> c.code >> c.id;
    } else if (c.kind == "C" || c.kind == "G") {
      s >> c.ms >> c.n >> c.code;
    } else if (c.kind == "R" || c.kind == "RS") {
      s >> c.n >> c.code >> c.id;
    } else if (c.kind == "RC") {
      s >> c.n >> c.code;
    }
    if (s) log.calls.push_back(c);  // a line still being written is read next time
  }
  return log;
}

constexpr int kOk = static_cast<int>(Code::ok);
constexpr int kConflict = static_cast<int>(Code::conflict);
constexpr int kUnavailable = static_cast<int>(Code::unavailable);

enum class Fault { fast_restart, kill };

void book_through(Fault fault) {
  OwnCluster pg;
  const std::string db = "boka_faults";
  Conn(pg.admin).query("CREATE DATABASE " + db + " OWNER boka_owner");
  REQUIRE(open_storage(pgtest::with_database(pg.owner, db) + "?app_role=boka_app").ok());
  // Two connections per worker: its calls and its audit sealer.
  const std::string uri = pgtest::with_database(pg.app, db) + "?pool_size=2&connect_timeout=5";
  TenantId tenant{};
  std::vector<ResourceId> own;
  ResourceId shared{};
  {
    auto engine = Engine::open(uri).value();
    Tenant t;
    t.name = "faults";
    tenant = engine->create_tenant(sys(), t)->id;
    Resource r;
    r.zone = "UTC";
    for (int i = 0; i < 2; ++i) {
      r.name = "own " + std::to_string(i);
      own.push_back(engine->create_resource(sys(), tenant, r)->id);
    }
    r.name = "shared";
    r.capacity = 2;
    shared = engine->create_resource(sys(), tenant, r)->id;
  }

  TempDb scratch;
  const std::string stop = scratch.path() + ".stop";
  std::vector<std::string> outs;
  std::vector<pid_t> pids;
  for (int w = 0; w < 2; ++w) {
    outs.push_back(scratch.path() + ".out" + std::to_string(w));
    std::vector<std::string> args = {BOKA_PG_FAULT_WORKER,        uri,
                                     std::to_string(tenant),      std::to_string(own[w]),
                                     std::to_string(shared),      "w" + std::to_string(w),
                                     outs.back(),                 stop};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, BOKA_PG_FAULT_WORKER, nullptr, nullptr, argv.data(), environ) == 0);
    pids.push_back(pid);
  }
  // Waits until every worker's engine has booked `n` times since `since` (both the call
  // and its answer after that instant); false after 30 s.
  auto booked_since = [&](long long since, int n) {
    const long long give_up = monotonic_ms() + 30000;
    while (monotonic_ms() < give_up) {
      int ready = 0;
      for (const auto& out : outs) {
        int successes = 0;
        for (const Call& c : read_log(out).calls) {
          successes += (c.kind == "A" || c.kind == "S") && c.code == kOk && c.ms > since;
        }
        ready += successes >= n;
      }
      if (ready == static_cast<int>(outs.size())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  CHECK(booked_since(0, 20));  // the load is running
  const long long down = monotonic_ms();
  if (fault == Fault::fast_restart) {
    pg.pg_ctl("-m fast restart");
  } else {
    pg.pg_ctl("-m immediate stop");
    // Down for a second: the workers keep calling, and must hear `unavailable`.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pg.pg_ctl("restart");  // crash recovery
  }
  const long long up = monotonic_ms();
  // The pool recovers by itself: the same Engine in each worker books again.
  const bool recovered = booked_since(up, 10);
  std::ofstream(stop).put('\n');
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::remove(stop.c_str());
  CHECK(recovered);

  // Every answer was right or `unavailable`, and every unknown outcome was settled.
  std::set<long long> acknowledged;  // reservations the workers were told are booked
  int during_outage = 0, unavailable = 0;
  for (const auto& out : outs) {
    const WorkerLog log = read_log(out);
    std::remove(out.c_str());
    for (const Call& c : log.calls) {
      INFO(c.kind << " #" << c.n << " answered " << code_name(static_cast<Code>(c.code)) << ": "
                  << c.message);
      if (c.kind == "A" || c.kind == "C" || c.kind == "G") {
        // A slot nobody else books, a hold confirmed at once, a booking read back: the only
        // failure there can be is the server's absence.
        CHECK((c.code == kOk || c.code == kUnavailable));
      } else if (c.kind == "S") {
        CHECK((c.code == kOk || c.code == kConflict || c.code == kUnavailable));
      } else if (c.kind == "R" || c.kind == "RC") {
        CHECK(c.code == kOk);  // a retry with the same key books it, or finds it booked
      } else if (c.kind == "RS") {
        CHECK((c.code == kOk || c.code == kConflict));
      }
      if ((c.kind == "A" || c.kind == "S" || c.kind == "R" || c.kind == "RS") &&
          c.code == kOk) {
        acknowledged.insert(c.id);
      }
      unavailable += c.code == kUnavailable;
      during_outage += c.code == kUnavailable && c.ms >= down && c.ms <= up + 1000;
    }
  }
  std::printf("%s: %d calls answered unavailable, %d of them during the outage; %zu booked\n",
              fault == Fault::kill ? "kill" : "fast restart", unavailable, during_outage,
              acknowledged.size());
  // The faults were felt: some calls met the server away.
  CHECK(unavailable > 0);
  CHECK(during_outage > 0);

  Conn admin(pgtest::with_database(pg.admin, db));  // a superuser: sees every tenant's rows
  // Exactly the acknowledged reservations are stored, all confirmed: nothing acknowledged
  // was lost, and nothing committed behind an `unavailable` stayed unaccounted for (its
  // retry with the same key found it).
  std::set<long long> stored;
  for (const auto& row : admin.query("SELECT id, status FROM reservations")) {
    stored.insert(std::stoll(row[0]));
    INFO("reservation " << row[0]);
    CHECK(row[1] == std::to_string(static_cast<int>(ReservationStatus::confirmed)));
  }
  CHECK(stored == acknowledged);
  CHECK(stored.size() > 40);
  // No instant of the shared resource above its capacity (2).
  CHECK(pgtest::over_capacity(admin).empty());
  CHECK(admin.scalar("SELECT count(*) FROM reservations r JOIN allocations a ON "
                     "a.reservation_id = r.id WHERE a.resource_id = " +
                     std::to_string(shared)) == "8");  // 4 slots, all full

  // The audit trail: every chain intact, nothing left unsealed, one record per booking.
  auto engine = Engine::open(uri).value();
  auto verified = engine->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  CHECK(verified->unsealed == 0);
  AuditQuery q;
  q.tenant = tenant;
  q.action = "reservation.reserve";
  q.limit = 10000;
  CHECK(engine->operations().audit_records(sys(), q)->size() == stored.size());
}

}  // namespace

TEST_CASE("postgresql faults: a fast restart under load loses nothing acknowledged") {
  book_through(Fault::fast_restart);
}

TEST_CASE("postgresql faults: a killed server (immediate stop) loses nothing acknowledged") {
  book_through(Fault::kill);
}
