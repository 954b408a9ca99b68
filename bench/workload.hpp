// The comparison workload of bench/WORKLOAD.md: a deterministic stream of booking attempts that
// any engine can replay. Every engine must accept exactly the reference count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace boka::workload {

struct Mode {
  std::int64_t attempts;
  std::int64_t resources;
  std::uint64_t checksum;  // FNV-1a-64 of the "resource,start,end\n" lines
  std::int64_t accepted;   // the reference count
};

inline constexpr Mode kFull{200000, 1000, 0xa9cf1a2511b59e30ULL, 123605};
inline constexpr Mode kQuick{20000, 100, 0x9109e27752f099cdULL, 12367};
inline constexpr std::int64_t kT0 = 1736121600;  // 2025-01-06T00:00:00Z
inline constexpr std::int64_t kSlot = 900;

struct Attempt {
  std::int64_t resource;
  std::int64_t start;
  std::int64_t end;
};

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    s_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = s_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t s_;
};

inline std::vector<Attempt> generate(const Mode& mode, std::uint64_t seed = 42) {
  SplitMix64 rng(seed);
  std::vector<Attempt> out;
  out.reserve(static_cast<std::size_t>(mode.attempts));
  const auto r = static_cast<std::uint64_t>(mode.resources);
  for (std::int64_t i = 0; i < mode.attempts; ++i) {
    const auto r1 = rng.below(r), r2 = rng.below(r), d1 = rng.below(90), d2 = rng.below(90),
               s = rng.below(20), u = rng.below(8);
    const auto day = static_cast<std::int64_t>(d1 < d2 ? d1 : d2);
    const std::int64_t start = kT0 + (day * 96 + 40 + static_cast<std::int64_t>(s)) * kSlot;
    out.push_back({static_cast<std::int64_t>(r1 < r2 ? r1 : r2), start,
                   start + (1 + static_cast<std::int64_t>(u)) * kSlot});
  }
  return out;
}

inline std::uint64_t checksum(const std::vector<Attempt>& attempts) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const Attempt& a : attempts) {
    const std::string line = std::to_string(a.resource) + "," + std::to_string(a.start) + "," +
                             std::to_string(a.end) + "\n";
    for (unsigned char c : line) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

}  // namespace boka::workload
