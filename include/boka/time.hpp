// boka/time.hpp: the time model. An instant is UTC in whole seconds; durations are whole
// seconds. Local wall time only appears inside schedules (see schedule.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace boka {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// Unix seconds <-> Instant, for storage and the shells.
inline Instant from_unix(std::int64_t seconds) { return Instant(Seconds(seconds)); }
inline std::int64_t to_unix(Instant t) { return t.time_since_epoch().count(); }

// "2026-03-29T01:00:00Z".
std::string format_utc(Instant t);

// The source of "now". Injected through EngineOptions so tests control time.
// Implementations must be safe to call from several threads at once.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

// The system's real-time clock, truncated to whole seconds.
class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(to_unix(start)) {}
  Instant now() const override { return from_unix(now_.load()); }
  void set(Instant t) { now_.store(to_unix(t)); }
  void advance(Seconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace boka
