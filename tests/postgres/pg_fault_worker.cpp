// One booking process of the PostgreSQL fault test (pg_faults_test.cpp):
//   boka_pg_fault_worker <uri> <tenant> <private resource> <shared resource> <tag> <out> <stop>
//
// Opens one Engine and books with it until the file <stop> exists, while the test restarts
// and kills the server underneath. Every call's outcome goes to <out> at once, one line
// each, so the test can read the log while the worker runs:
//   A <ms> <i> <code> <id>   reserve #i of a slot of its own (nobody else books it), every
//                            third one as a hold; an idempotency key per attempt
//   C <ms> <i> <code>        confirm of that hold
//   G <ms> <id> <code>       read back of a reservation acknowledged before
//   S <ms> <i> <code> <id>   reserve #i on the shared resource (few slots: conflicts are real)
// <ms> is CLOCK_MONOTONIC in milliseconds (one clock for every process of the machine).
// After <stop> appears, it retries every call whose answer was `unavailable` with the same
// engine, the same request and the same idempotency key (a reserve retried that way tells
// whether the first attempt committed), and logs
//   R <i> <code> <id>  /  RC <i> <code>  /  RS <i> <code> <id>
// Any other code is logged with its message on an `M` line.
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "boka/boka.hpp"

namespace {

using namespace boka;

const Instant kDay = Instant(Seconds(1893974400));  // 2030-01-07T00:00:00Z, in the future

long long monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool exists(const char* path) { return access(path, F_OK) == 0; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: boka_pg_fault_worker uri tenant private shared tag out stop\n");
    return 2;
  }
  const TenantId tenant{std::stoll(argv[2])};
  const ResourceId mine{std::stoll(argv[3])};
  const ResourceId shared{std::stoll(argv[4])};
  const std::string tag = argv[5];
  const char* stop = argv[7];
  FILE* out = std::fopen(argv[6], "w");
  if (out == nullptr) return 1;
  auto opened = Engine::open(argv[1]);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  const Principal who = Principal::system();
  auto log_status = [&](const Status& st) {
    if (!st.ok() && st.code() != Code::unavailable) {
      std::fprintf(out, "M %s\n", st.to_string().c_str());
    }
  };
  auto own_request = [&](int i) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(mine)};
    req.start = kDay + Seconds(i * 3600LL);
    req.end = req.start + Seconds(1800);
    if (i % 3 == 0) req.hold_for = Seconds(3600);
    req.idempotency_key = tag + "-a" + std::to_string(i);
    return req;
  };
  auto shared_request = [&](int i) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(shared)};
    req.start = kDay + Seconds((i % 4) * 3600LL);
    req.end = req.start + Seconds(3600);
    req.idempotency_key = tag + "-s" + std::to_string(i);
    return req;
  };
  std::vector<int> lost_reserves, lost_confirms, lost_shared;
  std::map<int, ReservationId> holds;  // attempt -> its reservation, for a later confirm
  std::vector<ReservationId> acknowledged;
  for (int i = 0; !exists(stop); ++i) {
    bool outage = false;
    auto r = engine.reserve(who, tenant, own_request(i));
    std::fprintf(out, "A %lld %d %d %lld\n", monotonic_ms(), i, static_cast<int>(r.status().code()),
                 r.ok() ? static_cast<long long>(r->id) : 0LL);
    log_status(r.status());
    if (r.ok()) {
      acknowledged.push_back(r->id);
      if (i % 3 == 0) {
        holds[i] = r->id;
        auto c = engine.confirm(who, tenant, r->id);
        std::fprintf(out, "C %lld %d %d\n", monotonic_ms(), i, static_cast<int>(c.status().code()));
        log_status(c.status());
        if (!c.ok()) lost_confirms.push_back(i);
        outage = outage || !c.ok();
      }
    } else {
      lost_reserves.push_back(i);
      outage = true;
    }
    if (!acknowledged.empty()) {
      const ReservationId back = acknowledged[static_cast<std::size_t>(i) % acknowledged.size()];
      auto g = engine.get_reservation(who, tenant, back);
      std::fprintf(out, "G %lld %lld %d\n", monotonic_ms(), static_cast<long long>(back),
                   static_cast<int>(g.status().code()));
      log_status(g.status());
      outage = outage || !g.ok();
    }
    auto s = engine.reserve(who, tenant, shared_request(i));
    std::fprintf(out, "S %lld %d %d %lld\n", monotonic_ms(), i, static_cast<int>(s.status().code()),
                 s.ok() ? static_cast<long long>(s->id) : 0LL);
    log_status(s.status());
    if (s.status().code() == Code::unavailable) {
      lost_shared.push_back(i);
      outage = true;
    }
    std::fflush(out);
    // While the server is away, do not spin: a client would back off too.
    if (outage) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The server is back (the test waited for successes before stopping us): settle every
  // call whose outcome was unknown, retrying until it answers something else.
  auto settle = [&](auto&& call) {
    for (int tries = 0;; ++tries) {
      auto result = call();
      if (result.status().code() != Code::unavailable || tries == 100) return result;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  for (int i : lost_reserves) {
    auto r = settle([&] { return engine.reserve(who, tenant, own_request(i)); });
    std::fprintf(out, "R %d %d %lld\n", i, static_cast<int>(r.status().code()),
                 r.ok() ? static_cast<long long>(r->id) : 0LL);
    log_status(r.status());
    if (r.ok() && i % 3 == 0 && r->status == ReservationStatus::held) {
      holds[i] = r->id;
      lost_confirms.push_back(i);
    }
  }
  for (int i : lost_confirms) {
    auto c = settle([&] { return engine.confirm(who, tenant, holds.at(i)); });
    std::fprintf(out, "RC %d %d\n", i, static_cast<int>(c.status().code()));
    log_status(c.status());
  }
  for (int i : lost_shared) {
    auto s = settle([&] { return engine.reserve(who, tenant, shared_request(i)); });
    std::fprintf(out, "RS %d %d %lld\n", i, static_cast<int>(s.status().code()),
                 s.ok() ? static_cast<long long>(s->id) : 0LL);
    log_status(s.status());
  }
  return std::fclose(out) == 0 ? 0 : 1;
}
