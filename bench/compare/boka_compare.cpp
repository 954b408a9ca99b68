// boka_compare: replays the bench/WORKLOAD.md stream through boka and through what users would
// pick instead, side by side in one run, and prints one table.
//
//   boka_compare [--quick] [--rounds N] [--postgres-admin URI --postgres-owner URI
//                --postgres-app URI] [--csv FILE] [--only SUBSTRING]
//
// Every row runs in a child process of its own (fresh state, its peak RSS measured by the
// kernel), rounds are interleaved (row 1, row 2, ..., row 1, ...), and the table shows the
// median attempts/s. Every row must accept exactly the reference count; any difference
// makes the command fail (exit 1) after printing the table. PostgreSQL rows need the three
// URIs (bench/compare.sh starts a throwaway server and passes them).
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "boka/boka.hpp"
#include "conflict/interval_index.hpp"
#include "workload.hpp"

namespace {

using boka::workload::Attempt;
using SteadyClock = std::chrono::steady_clock;

struct Config {
  bool quick = false;
  int rounds = 3;
  std::string pg_admin, pg_owner, pg_app;
  std::string csv;
  std::string only;
  std::string scratch = "/tmp";
};

struct Measure {
  long long accepted = -1;
  double seconds = 0;
  long peak_kib = 0;
  std::string error;
};

// Replays part `part` of `parts` (resource % parts == part, stream order kept) with
// `attempt(a) -> accepted?`; returns the accepted count, or -1 on an engine error.
template <typename F>
long long replay_part(const std::vector<Attempt>& stream, int part, int parts, F&& attempt) {
  long long accepted = 0;
  for (const Attempt& a : stream) {
    if (a.resource % parts != part) continue;
    const int r = attempt(a);
    if (r < 0) return -1;
    accepted += r;
  }
  return accepted;
}

// Runs `parts` workers as threads; returns the summed accepted count.
template <typename Make>
long long run_threads(const std::vector<Attempt>& stream, int parts, Make&& make_worker) {
  std::vector<long long> counts(static_cast<std::size_t>(parts), 0);
  std::vector<std::thread> threads;
  for (int p = 0; p < parts; ++p) {
    threads.emplace_back([&, p] { counts[static_cast<std::size_t>(p)] = make_worker(p); });
  }
  for (auto& t : threads) t.join();
  long long sum = 0;
  for (long long c : counts) {
    if (c < 0) return -1;
    sum += c;
  }
  return sum;
}

// Runs `parts` workers as processes (fork), started together; returns the summed count.
template <typename Work>
long long run_processes(int parts, Work&& work) {
  int go[2], out[2];
  if (pipe(go) != 0 || pipe(out) != 0) return -1;
  std::vector<pid_t> kids;
  for (int p = 0; p < parts; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      close(go[1]);
      char c;
      if (read(go[0], &c, 1) != 1) _exit(1);
      long long n = work(p);
      if (write(out[1], &n, sizeof n) != sizeof n) _exit(1);
      _exit(0);
    }
    kids.push_back(pid);
  }
  close(go[0]);
  for (int p = 0; p < parts; ++p) {
    if (write(go[1], "x", 1) != 1) return -1;
  }
  close(go[1]);
  long long sum = 0;
  bool bad = false;
  for (int p = 0; p < parts; ++p) {
    long long n = -1;
    if (read(out[0], &n, sizeof n) != sizeof n || n < 0) bad = true;
    sum += n;
  }
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  close(out[0]);
  close(out[1]);
  return bad ? -1 : sum;
}

// ---- baselines -------------------------------------------------------------------------

long long run_std_map(const std::vector<Attempt>& stream, const boka::workload::Mode& mode) {
  std::vector<std::map<std::int64_t, std::int64_t>> per(static_cast<std::size_t>(mode.resources));
  return replay_part(stream, 0, 1, [&](const Attempt& a) {
    auto& m = per[static_cast<std::size_t>(a.resource)];
    auto it = m.lower_bound(a.start);
    if (it != m.end() && it->first < a.end) return 0;
    if (it != m.begin() && std::prev(it)->second > a.start) return 0;
    m.emplace_hint(it, a.start, a.end);
    return 1;
  });
}

long long run_boka_index(const std::vector<Attempt>& stream, const boka::workload::Mode& mode) {
  std::vector<boka::detail::IntervalIndex> per(static_cast<std::size_t>(mode.resources),
                                               boka::detail::IntervalIndex(0, 0));
  std::int64_t next = 1;
  const std::int64_t now = boka::workload::kT0 - 86400;
  return replay_part(stream, 0, 1, [&](const Attempt& a) {
    auto& idx = per[static_cast<std::size_t>(a.resource)];
    if (!idx.fits({a.start, a.end}, 1, 1, now)) return 0;
    idx.insert({a.start, a.end, boka::detail::kNever, boka::ReservationId{next++}, 1});
    return 1;
  });
}

struct BokaSetup {
  boka::TenantId tenant{};
  boka::ResourceId first{};
};

boka::Result<BokaSetup> setup_boka(boka::Engine& engine, const boka::workload::Mode& mode) {
  BokaSetup s;
  boka::Tenant t;
  t.name = "compare";
  BOKA_ASSIGN_OR_RETURN(auto tenant, engine.create_tenant(boka::Principal::system(), t));
  s.tenant = tenant.id;
  for (std::int64_t r = 0; r < mode.resources; ++r) {
    boka::Resource spec;
    spec.name = "resource " + std::to_string(r);
    spec.zone = "UTC";
    BOKA_ASSIGN_OR_RETURN(auto res,
                          engine.create_resource(boka::Principal::system(), s.tenant, spec));
    if (r == 0) s.first = res.id;
    if (res.id != s.first + r) return boka::InternalError("resource ids are not consecutive");
  }
  return s;
}

std::shared_ptr<boka::ManualClock> workload_clock() {
  return std::make_shared<boka::ManualClock>(boka::from_unix(boka::workload::kT0 - 86400));
}

int boka_attempt(boka::Engine& engine, const BokaSetup& s, const Attempt& a) {
  boka::ReserveRequest req;
  req.allocations = {boka::AllocationRequest::of_resource(boka::ResourceId{s.first + a.resource})};
  req.start = boka::from_unix(a.start);
  req.end = boka::from_unix(a.end);
  auto r = engine.reserve(boka::Principal::system(), s.tenant, req);
  if (r.ok()) return 1;
  if (r.status().code() == boka::Code::conflict) return 0;
  std::fprintf(stderr, "reserve: %s\n", r.status().to_string().c_str());
  return -1;
}

// boka in one process, `threads` threads sharing one engine.
long long run_boka_threads(const std::string& uri, const std::vector<Attempt>& stream,
                           const boka::workload::Mode& mode, int threads, double& seconds) {
  auto engine = boka::Engine::open(uri, boka::EngineOptions{workload_clock()});
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().to_string().c_str());
    return -1;
  }
  auto s = setup_boka(**engine, mode);
  if (!s.ok()) {
    std::fprintf(stderr, "setup: %s\n", s.status().to_string().c_str());
    return -1;
  }
  const auto t0 = SteadyClock::now();
  long long n = run_threads(stream, threads, [&](int part) {
    return replay_part(stream, part, threads,
                       [&](const Attempt& a) { return boka_attempt(**engine, *s, a); });
  });
  seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  return n;
}

// boka with `processes` processes, each its own engine on the same database.
long long run_boka_processes(const std::string& uri, const std::string& migrate_uri,
                             const std::vector<Attempt>& stream, const boka::workload::Mode& mode,
                             int processes, double& seconds) {
  if (!migrate_uri.empty()) {
    auto migrated = boka::open_storage(migrate_uri);
    if (!migrated.ok()) {
      std::fprintf(stderr, "migrate: %s\n", migrated.status().to_string().c_str());
      return -1;
    }
  }
  BokaSetup s;
  {
    auto engine = boka::Engine::open(uri, boka::EngineOptions{workload_clock()});
    if (!engine.ok()) return -1;
    auto set = setup_boka(**engine, mode);
    if (!set.ok()) {
      std::fprintf(stderr, "setup: %s\n", set.status().to_string().c_str());
      return -1;
    }
    s = *set;
  }
  const auto t0 = SteadyClock::now();
  long long n = run_processes(processes, [&](int part) -> long long {
    auto engine = boka::Engine::open(uri, boka::EngineOptions{workload_clock()});
    if (!engine.ok()) return -1;
    return replay_part(stream, part, processes,
                       [&](const Attempt& a) { return boka_attempt(**engine, s, a); });
  });
  seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  return n;
}

// SQLite check-then-insert: WAL, synchronous=NORMAL, BEGIN IMMEDIATE; SELECT count(*)
// of overlaps; INSERT; COMMIT.
long long run_sqlite_check_insert(const std::string& path, const std::vector<Attempt>& stream,
                                  double& seconds) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return -1;
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
               "CREATE TABLE b (id INTEGER PRIMARY KEY, resource INTEGER NOT NULL, "
               "start_at INTEGER NOT NULL, end_at INTEGER NOT NULL); "
               "CREATE INDEX b_resource ON b(resource, start_at);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt *check = nullptr, *insert = nullptr, *begin = nullptr, *commit = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT count(*) FROM b WHERE resource = ? AND start_at < ? AND end_at > ?",
                     -1, &check, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO b (resource, start_at, end_at) VALUES (?, ?, ?)", -1, &insert,
                     nullptr);
  sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
  sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
  const auto t0 = SteadyClock::now();
  long long accepted = replay_part(stream, 0, 1, [&](const Attempt& a) {
    sqlite3_step(begin);
    sqlite3_reset(begin);
    sqlite3_bind_int64(check, 1, a.resource);
    sqlite3_bind_int64(check, 2, a.end);
    sqlite3_bind_int64(check, 3, a.start);
    sqlite3_step(check);
    const bool free = sqlite3_column_int64(check, 0) == 0;
    sqlite3_reset(check);
    if (free) {
      sqlite3_bind_int64(insert, 1, a.resource);
      sqlite3_bind_int64(insert, 2, a.start);
      sqlite3_bind_int64(insert, 3, a.end);
      if (sqlite3_step(insert) != SQLITE_DONE) return -1;
      sqlite3_reset(insert);
    }
    if (sqlite3_step(commit) != SQLITE_DONE) return -1;
    sqlite3_reset(commit);
    return free ? 1 : 0;
  });
  seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  for (auto* st : {check, insert, begin, commit}) sqlite3_finalize(st);
  sqlite3_close(db);
  return accepted;
}

// PostgreSQL with an exclusion constraint: one INSERT per attempt (autocommit); a
// violation (SQLSTATE 23P01) is a refusal.
long long run_pg_exclude(const std::string& uri, const std::vector<Attempt>& stream, int clients,
                         bool synchronous_commit, double& seconds) {
  {
    PGconn* c = PQconnectdb(uri.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      std::fprintf(stderr, "postgres: %s", PQerrorMessage(c));
      PQfinish(c);
      return -1;
    }
    PGresult* r = PQexec(c,
                         "CREATE EXTENSION IF NOT EXISTS btree_gist; "
                         "DROP TABLE IF EXISTS ex; "
                         "CREATE TABLE ex (id BIGSERIAL PRIMARY KEY, resource_id INT NOT NULL, "
                         "period INT8RANGE NOT NULL, "
                         "EXCLUDE USING gist (resource_id WITH =, period WITH &&))");
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "postgres: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    if (!ok) return -1;
  }
  const auto t0 = SteadyClock::now();
  long long n = run_processes(clients, [&](int part) -> long long {
    PGconn* c = PQconnectdb(uri.c_str());
    if (PQstatus(c) != CONNECTION_OK) return -1;
    PQclear(PQexec(
        c, synchronous_commit ? "SET synchronous_commit = on" : "SET synchronous_commit = off"));
    PQclear(PQprepare(
        c, "ins",
        "INSERT INTO ex (resource_id, period) VALUES ($1::int, int8range($2::bigint, $3::bigint))",
        3, nullptr));
    long long accepted = replay_part(stream, part, clients, [&](const Attempt& a) {
      const std::string r = std::to_string(a.resource), s = std::to_string(a.start),
                        e = std::to_string(a.end);
      const char* params[3] = {r.c_str(), s.c_str(), e.c_str()};
      PGresult* res = PQexecPrepared(c, "ins", 3, params, nullptr, nullptr, 0);
      int out = -1;
      if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        out = 1;
      } else {
        const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (state && std::strcmp(state, "23P01") == 0)
          out = 0;
        else
          std::fprintf(stderr, "postgres: %s", PQresultErrorMessage(res));
      }
      PQclear(res);
      return out;
    });
    PQfinish(c);
    return accepted;
  });
  seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  return n;
}

// ---- rows --------------------------------------------------------------------------------

struct Row {
  std::string name;
  std::string group;  // baseline | boka
  bool needs_postgres = false;
  // Runs once in a fresh child process; returns accepted (or -1) and sets seconds.
  std::function<long long(double& seconds)> run;
};

// A fresh, migrated PostgreSQL database for one run; returns {owner uri, app uri}.
bool fresh_pg_database(const Config& c, const std::string& name, std::string& owner,
                       std::string& app) {
  PGconn* admin = PQconnectdb(c.pg_admin.c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    PQfinish(admin);
    return false;
  }
  PQclear(PQexec(admin, ("DROP DATABASE IF EXISTS " + name).c_str()));
  PGresult* r = PQexec(admin, ("CREATE DATABASE " + name + " OWNER boka_owner").c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(admin);
  auto with_db = [&](const std::string& uri) {
    const auto slash = uri.find('/', uri.find("://") + 3);
    return uri.substr(0, slash + 1) + name;
  };
  owner = with_db(c.pg_owner) + "?app_role=boka_app";
  app = with_db(c.pg_app);
  return ok;
}

std::vector<Row> make_rows(const Config& c, const std::vector<Attempt>& stream,
                           const boka::workload::Mode& mode) {
  std::vector<Row> rows;
  auto timed = [](auto&& f) {
    return [f](double& seconds) {
      const auto t0 = SteadyClock::now();
      long long n = f();
      seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
      return n;
    };
  };
  rows.push_back({"std::map per resource (no durability)", "baseline", false,
                  timed([&] { return run_std_map(stream, mode); })});
  rows.push_back({"boka conflict index alone", "boka", false,
                  timed([&] { return run_boka_index(stream, mode); })});
  rows.push_back({"boka reserve, memory store", "boka", false,
                  [&](double& s) { return run_boka_threads("memory:", stream, mode, 1, s); }});
  int file = 0;
  auto sqlite_file = [&c, &file](const std::string& tag) {
    return c.scratch + "/boka-compare-" + std::to_string(::getpid()) + "-" + tag + "-" +
           std::to_string(file++) + ".db";
  };
  // SQLite: one thread at each durability, and 16 threads at full durability, whose
  // commits group (one sync for every writer waiting).
  const std::vector<std::pair<const char*, int>> sqlite_rows = {
      {"normal", 1}, {"full", 1}, {"full", 16}};
  for (const auto& [durability, threads] : sqlite_rows) {
    const std::string name = std::string("boka SQLite, durability=") + durability + ", " +
                             std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    rows.push_back(
        {name, "boka", false,
         [&, durability = durability, threads = threads, sqlite_file](double& s) mutable {
           const std::string path = sqlite_file(durability);
           long long n =
               run_boka_threads("sqlite:" + path + "?durability=" + durability +
                                    (threads > 1 ? "&pool_size=" + std::to_string(threads) : ""),
                                stream, mode, threads, s);
           for (const char* x : {"", "-wal", "-shm"}) std::remove((path + x).c_str());
           return n;
         }});
  }
  rows.push_back({"SQLite check-then-insert (WAL, synchronous=NORMAL)", "baseline", false,
                  [&, sqlite_file](double& s) mutable {
                    const std::string path = sqlite_file("cti");
                    long long n = run_sqlite_check_insert(path, stream, s);
                    for (const char* x : {"", "-wal", "-shm"}) std::remove((path + x).c_str());
                    return n;
                  }});
  for (int processes : {1, 2, 8}) {
    rows.push_back({"boka PostgreSQL, " + std::to_string(processes) +
                        (processes == 1 ? " process" : " processes"),
                    "boka", true, [&, processes](double& s) {
                      std::string owner, app;
                      if (!fresh_pg_database(c, "boka_compare", owner, app)) return -1LL;
                      return run_boka_processes(app, owner, stream, mode, processes, s);
                    }});
  }
  // EXCLUDE at the client counts the targets compare with, and without a synchronous
  // commit for scale.
  const std::vector<std::pair<bool, int>> exclude_rows = {{true, 1},  {true, 2},  {true, 8},
                                                          {true, 16}, {false, 1}, {false, 16}};
  for (const auto& [sync, clients] : exclude_rows) {
    rows.push_back({std::string("PostgreSQL EXCLUDE, synchronous_commit=") + (sync ? "on" : "off") +
                        ", " + std::to_string(clients) + (clients == 1 ? " client" : " clients"),
                    "baseline", true, [&, sync = sync, clients = clients](double& s) {
                      std::string owner, app;
                      if (!fresh_pg_database(c, "boka_compare_ex", owner, app)) return -1LL;
                      const auto slash = c.pg_admin.find('/', c.pg_admin.find("://") + 3);
                      return run_pg_exclude(c.pg_admin.substr(0, slash + 1) + "boka_compare_ex",
                                            stream, clients, sync, s);
                    }});
  }
  return rows;
}

Measure run_in_child(Row& row) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    double seconds = 0;
    long long accepted = row.run(seconds);
    if (write(pipefd[1], &accepted, sizeof accepted) != sizeof accepted) _exit(1);
    if (write(pipefd[1], &seconds, sizeof seconds) != sizeof seconds) _exit(1);
    _exit(0);
  }
  close(pipefd[1]);
  Measure m;
  if (read(pipefd[0], &m.accepted, sizeof m.accepted) != sizeof m.accepted ||
      read(pipefd[0], &m.seconds, sizeof m.seconds) != sizeof m.seconds) {
    m.accepted = -1;
    m.error = "the run crashed";
  }
  close(pipefd[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  m.peak_kib = usage.ru_maxrss;  // of the child and its own children (KiB on Linux)
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--quick")
      c.quick = true;
    else if (a == "--rounds")
      c.rounds = std::max(1, std::atoi(next().c_str()));
    else if (a == "--postgres-admin")
      c.pg_admin = next();
    else if (a == "--postgres-owner")
      c.pg_owner = next();
    else if (a == "--postgres-app")
      c.pg_app = next();
    else if (a == "--csv")
      c.csv = next();
    else if (a == "--only")
      c.only = next();
    else {
      std::fprintf(stderr,
                   "usage: boka_compare [--quick] [--rounds N] [--postgres-admin URI "
                   "--postgres-owner URI --postgres-app URI] [--csv FILE] [--only TEXT]\n");
      return 2;
    }
  }
  const auto& mode = c.quick ? boka::workload::kQuick : boka::workload::kFull;
  const auto stream = boka::workload::generate(mode);
  const std::uint64_t sum = boka::workload::checksum(stream);
  std::printf(
      "workload: %s mode, %lld attempts on %lld resources, stream checksum %016llx (%s), "
      "reference accepted %lld; median of %d interleaved round(s)\n",
      c.quick ? "quick" : "full", static_cast<long long>(mode.attempts),
      static_cast<long long>(mode.resources), static_cast<unsigned long long>(sum),
      sum == mode.checksum ? "matches the specification" : "DIFFERS FROM THE SPECIFICATION",
      static_cast<long long>(mode.accepted), c.rounds);
  if (sum != mode.checksum) return 1;
  std::fflush(stdout);

  auto rows = make_rows(c, stream, mode);
  const bool have_pg = !c.pg_admin.empty() && !c.pg_owner.empty() && !c.pg_app.empty();
  std::erase_if(rows, [&](const Row& r) {
    return (r.needs_postgres && !have_pg) ||
           (!c.only.empty() && r.name.find(c.only) == std::string::npos);
  });
  std::vector<std::vector<double>> rates(rows.size());
  std::vector<long> peak(rows.size(), 0);
  std::vector<long long> accepted(rows.size(), -2);
  bool failed = false;
  for (int round = 0; round < c.rounds; ++round) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Measure m = run_in_child(rows[i]);
      std::fprintf(stderr, "round %d: %-58s %10.0f attempts/s  accepted %lld\n", round + 1,
                   rows[i].name.c_str(), m.seconds > 0 ? mode.attempts / m.seconds : 0.0,
                   m.accepted);
      if (m.accepted != mode.accepted) failed = true;
      if (accepted[i] == -2 || m.accepted != mode.accepted) accepted[i] = m.accepted;
      rates[i].push_back(m.seconds > 0 ? static_cast<double>(mode.attempts) / m.seconds : 0);
      peak[i] = std::max(peak[i], m.peak_kib);
    }
  }

  auto rate_of = [&](const std::string& name) -> double {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].name == name) return median(rates[i]);
    }
    return 0;
  };
  const double map_rate = rate_of("std::map per resource (no durability)");
  const double cti_rate = rate_of("SQLite check-then-insert (WAL, synchronous=NORMAL)");
  const double ex_on = rate_of("PostgreSQL EXCLUDE, synchronous_commit=on, 1 client");
  std::printf(
      "\n| engine | attempts/s (median) | vs std::map | vs SQLite check-then-insert | "
      "vs PG EXCLUDE (sync on, 1 client) | accepted | peak RSS |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  auto ratio = [](double a, double b) {
    char buf[32];
    if (b <= 0) return std::string("-");
    std::snprintf(buf, sizeof buf, "%.2fx", a / b);
    return std::string(buf);
  };
  FILE* csv = c.csv.empty() ? nullptr : std::fopen(c.csv.c_str(), "w");
  if (csv) std::fprintf(csv, "engine,group,attempts_per_s,accepted,peak_kib\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double r = median(rates[i]);
    std::printf("| %s | %.0f | %s | %s | %s | %lld%s | %.1f MiB%s |\n", rows[i].name.c_str(), r,
                ratio(r, map_rate).c_str(), ratio(r, cti_rate).c_str(), ratio(r, ex_on).c_str(),
                accepted[i], accepted[i] == mode.accepted ? "" : " (WRONG)",
                static_cast<double>(peak[i]) / 1024.0, rows[i].needs_postgres ? " (client)" : "");
    if (csv) {
      std::fprintf(csv, "\"%s\",%s,%.0f,%lld,%ld\n", rows[i].name.c_str(), rows[i].group.c_str(), r,
                   accepted[i], peak[i]);
    }
  }
  if (csv) std::fclose(csv);
  if (!have_pg) std::printf("\n(PostgreSQL rows skipped: no --postgres-* URIs given)\n");

  // The targets set for boka on this workload (bench/WORKLOAD.md), each a ratio to a
  // baseline measured in this run: absolute rates on a shared VM move 3x from day to day.
  struct Target {
    const char* what;
    std::string row;
    std::string base;
    double want;
  };
  const std::string ex = "PostgreSQL EXCLUDE, synchronous_commit=on, ";
  const std::vector<Target> targets = {
      {"PostgreSQL store >= 0.5x EXCLUDE (sync on), 1 client", "boka PostgreSQL, 1 process",
       ex + "1 client", 0.5},
      {"PostgreSQL store >= 0.5x EXCLUDE (sync on), 2 clients", "boka PostgreSQL, 2 processes",
       ex + "2 clients", 0.5},
      {"PostgreSQL store >= 0.5x EXCLUDE (sync on), 8 clients", "boka PostgreSQL, 8 processes",
       ex + "8 clients", 0.5},
      {"SQLite full, 16 threads >= 1.0x EXCLUDE (sync on), 16 clients",
       "boka SQLite, durability=full, 16 threads", ex + "16 clients", 1.0},
      {"SQLite full, 16 threads >= 0.8x SQLite normal, 1 thread",
       "boka SQLite, durability=full, 16 threads", "boka SQLite, durability=normal, 1 thread", 0.8},
      {"reserve on the memory store >= 0.1x std::map", "boka reserve, memory store",
       "std::map per resource (no durability)", 0.1},
      {"conflict index alone >= 2x std::map", "boka conflict index alone",
       "std::map per resource (no durability)", 2.0},
  };
  std::printf("\n| target | measured | met |\n|---|---:|---|\n");
  for (const Target& t : targets) {
    const double v = rate_of(t.row);
    const double b = rate_of(t.base);
    if (v <= 0 || b <= 0) {
      std::printf("| %s | not run | - |\n", t.what);
      continue;
    }
    const double got = v / b;
    std::printf("| %s | %.2fx | %s |\n", t.what, got, got >= t.want ? "yes" : "no");
  }
  if (failed) {
    std::printf("\nFAILED: a row accepted a different count than the reference %lld\n",
                static_cast<long long>(mode.accepted));
    return 1;
  }
  return 0;
}
