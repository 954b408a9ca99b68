// Shared helpers for boka's tests.
#pragma once

#include <date/date.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "boka/boka.hpp"
#include "boka/storage_spi.hpp"  // the tests drive stores directly and inject faults

namespace boka::test {

inline Instant utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return Instant(date::sys_days(date::year(y) / mo / d).time_since_epoch() + std::chrono::hours(h) +
                 std::chrono::minutes(mi) + std::chrono::seconds(s));
}

inline Seconds minutes(long m) { return Seconds(m * 60); }
inline Seconds hours(long h) { return Seconds(h * 3600); }

// A fresh path in the temp folder; the file and its -wal/-shm are removed by the guard.
class TempDb {
 public:
  TempDb() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("boka-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db"))
                .string();
    remove();
  }
  ~TempDb() { remove(); }
  const std::string& path() const { return path_; }
  std::string uri(const std::string& options = "") const {
    return "sqlite:" + path_ + (options.empty() ? "" : "?" + options);
  }

 private:
  void remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
  }
  std::string path_;
};

inline const Principal& sys() {
  static const Principal p = Principal::system();
  return p;
}

// An engine with a manual clock, a tenant, and helpers to make resources.
struct Fixture {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  TenantId tenant{};

  explicit Fixture(const std::string& uri, Instant now = utc(2026, 1, 5, 8, 0)) {
    clock = std::make_shared<ManualClock>(now);
    auto e = Engine::open(uri, EngineOptions{clock});
    if (!e.ok()) throw std::runtime_error(e.status().to_string());
    engine = std::move(e).value();
    auto t = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"});
    if (!t.ok()) throw std::runtime_error(t.status().to_string());
    tenant = t->id;
  }

  Resource resource(const std::string& name, int capacity = 1, const std::string& zone = "UTC",
                    std::optional<ScheduleId> schedule = std::nullopt, Policy policy = {}) {
    Resource spec;
    spec.name = name;
    spec.zone = zone;
    spec.capacity = capacity;
    spec.schedule = schedule;
    spec.policy = policy;
    auto r = engine->create_resource(sys(), tenant, spec);
    if (!r.ok()) throw std::runtime_error(r.status().to_string());
    return *r;
  }

  Result<Reservation> book(ResourceId id, Instant start, Instant end, int quantity = 1) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(id, quantity)};
    req.start = start;
    req.end = end;
    return engine->reserve(sys(), tenant, req);
  }
};

}  // namespace boka::test
