// Replays the bench/WORKLOAD.md stream through boka's reserve call on one store, with one or
// more processes (the stream split by resource % processes, stream order kept in each
// part), and prints attempts/s and the accepted count, which must equal the reference.
//
//   boka_workload --uri sqlite:/tmp/w.db?durability=normal [--quick] [--processes 2]
//   boka_workload --uri postgresql://boka_app:...@127.0.0.1:5432/boka_bench --quick
//
// The store must be empty (a fresh SQLite file, a freshly migrated PostgreSQL database);
// the tool creates one tenant and R resources (capacity 1, UTC, open around the clock,
// 15-minute grid). Exit status 1 if the accepted count differs from the reference.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "boka/boka.hpp"
#include "workload.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string uri;
  std::string migrate_uri;  // opened first, to migrate as the schema owner
  bool quick = false;
  int processes = 1;
};

int usage() {
  std::fprintf(
      stderr,
      "usage: boka_workload --uri URI [--migrate-uri OWNER_URI] [--quick] [--processes N]\n");
  return 2;
}

// Books this process's share of the stream; returns the accepted count or -1.
long long replay(boka::Engine& engine, const Options& o,
                 const std::vector<boka::workload::Attempt>& stream, boka::TenantId tenant,
                 boka::ResourceId first_resource, int part) {
  const boka::Principal who = boka::Principal::system();
  long long accepted = 0;
  boka::ReserveRequest req;
  req.allocations = {boka::AllocationRequest::of_resource(boka::ResourceId{})};
  for (const auto& a : stream) {
    if (a.resource % o.processes != part) continue;
    req.allocations[0].resource = boka::ResourceId{first_resource + a.resource};
    req.start = boka::from_unix(a.start);
    req.end = boka::from_unix(a.end);
    auto r = engine.reserve(who, tenant, req);
    if (r.ok()) {
      ++accepted;
    } else if (r.status().code() != boka::Code::conflict) {
      std::fprintf(stderr, "reserve: %s\n", r.status().to_string().c_str());
      return -1;
    }
  }
  return accepted;
}

int report(const std::string& dialect, const Options& o, const boka::workload::Mode& mode,
           long long accepted, double seconds, std::uint64_t sum) {
  std::printf(
      "store=%s mode=%s processes=%d attempts=%lld accepted=%lld reference=%lld "
      "seconds=%.3f attempts_per_s=%.0f checksum=%016llx\n",
      dialect.c_str(), o.quick ? "quick" : "full", o.processes,
      static_cast<long long>(mode.attempts), accepted, static_cast<long long>(mode.accepted),
      seconds, static_cast<double>(mode.attempts) / seconds, static_cast<unsigned long long>(sum));
  if (accepted != mode.accepted) {
    std::fprintf(stderr, "accepted %lld, the reference is %lld\n", accepted,
                 static_cast<long long>(mode.accepted));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--uri" && i + 1 < argc)
      o.uri = argv[++i];
    else if (arg == "--migrate-uri" && i + 1 < argc)
      o.migrate_uri = argv[++i];
    else if (arg == "--quick")
      o.quick = true;
    else if (arg == "--processes" && i + 1 < argc)
      o.processes = std::atoi(argv[++i]);
    else
      return usage();
  }
  if (o.uri.empty() || o.processes < 1 || o.processes > 64) return usage();
  const auto& mode = o.quick ? boka::workload::kQuick : boka::workload::kFull;
  const auto stream = boka::workload::generate(mode);
  const auto sum = boka::workload::checksum(stream);
  if (sum != mode.checksum) {
    std::fprintf(stderr, "stream checksum %016llx differs from the specification\n",
                 static_cast<unsigned long long>(sum));
    return 1;
  }

  // The clock stands a day before the window, so notice and horizon never interfere.
  auto clock = std::make_shared<boka::ManualClock>(boka::from_unix(boka::workload::kT0 - 86400));
  auto open = [&] { return boka::Engine::open(o.uri, boka::EngineOptions{clock}); };
  if (o.processes > 1 && o.uri == "memory:") {
    std::fprintf(stderr, "memory: cannot be shared between processes; use --processes 1\n");
    return 2;
  }
  if (!o.migrate_uri.empty()) {
    auto migrated = boka::open_storage(o.migrate_uri);
    if (!migrated.ok()) {
      std::fprintf(stderr, "migrate: %s\n", migrated.status().to_string().c_str());
      return 1;
    }
  }
  // Set up the tenant and resources before any worker starts.
  boka::TenantId tenant{};
  boka::ResourceId first{};
  auto setup = open();
  {
    auto& engine = setup;
    if (!engine.ok()) {
      std::fprintf(stderr, "open: %s\n", engine.status().to_string().c_str());
      return 1;
    }
    boka::Tenant t;
    t.name = "workload";
    auto created = (*engine)->create_tenant(boka::Principal::system(), t);
    if (!created.ok()) {
      std::fprintf(stderr, "the store must be empty: %s\n", created.status().to_string().c_str());
      return 1;
    }
    tenant = created->id;
    for (std::int64_t r = 0; r < mode.resources; ++r) {
      boka::Resource spec;
      spec.name = "resource " + std::to_string(r);
      spec.zone = "UTC";
      auto res = (*engine)->create_resource(boka::Principal::system(), tenant, spec);
      if (!res.ok()) {
        std::fprintf(stderr, "create_resource: %s\n", res.status().to_string().c_str());
        return 1;
      }
      if (r == 0) first = res->id;
      if (res->id != first + r) {
        std::fprintf(stderr, "resource ids are not consecutive\n");
        return 1;
      }
    }
  }

  std::string dialect = (*setup)->operations().storage_info().dialect;
  if (o.uri == "memory:") {
    // In process, on the engine that set up: the only way to share a memory store.
    const auto started = Clock::now();
    const long long accepted = replay(**setup, o, stream, tenant, first, 0);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (accepted < 0) return 1;
    return report(dialect, o, mode, accepted, seconds, sum);
  }
  setup = boka::Status(boka::Code::unavailable, "closed before fork");

  // Workers wait on a pipe so that they all start together; each reports its count.
  int go[2], results[2];
  if (pipe(go) != 0 || pipe(results) != 0) return 1;
  std::vector<pid_t> children;
  for (int part = 0; part < o.processes; ++part) {
    const pid_t pid = fork();
    if (pid == 0) {
      close(go[1]);
      char c;
      if (read(go[0], &c, 1) != 1) _exit(1);
      auto engine = open();
      const long long n = engine.ok() ? replay(**engine, o, stream, tenant, first, part) : -1;
      if (write(results[1], &n, sizeof n) != sizeof n) _exit(1);
      _exit(n < 0 ? 1 : 0);
    }
    children.push_back(pid);
  }
  close(go[0]);
  const auto started = Clock::now();
  for (int i = 0; i < o.processes; ++i) {
    if (write(go[1], "x", 1) != 1) return 1;
  }
  long long accepted = 0;
  bool failed = false;
  for (int i = 0; i < o.processes; ++i) {
    long long n = -1;
    if (read(results[0], &n, sizeof n) != sizeof n || n < 0) failed = true;
    accepted += n;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  if (failed) {
    std::fprintf(stderr, "a worker failed\n");
    return 1;
  }
  return report(dialect, o, mode, accepted, seconds, sum);
}
