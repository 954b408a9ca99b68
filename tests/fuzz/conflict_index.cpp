// Differential fuzz target: the conflict index (src/conflict/interval_index.hpp) against a
// brute-force oracle, on random operation sequences.
//
// The oracle is a plain list of entries; every question is answered instant by instant
// over the window (times are small integers here), from a difference array of the
// entries. Operations: insert, erase, the queries (fits, max_usage, ranges_above,
// for_each_overlapping), copies that share chunks (a change to a copy must never show in
// the original), and without_history. Any disagreement is a finding.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conflict/interval_index.hpp"
#include "fuzz_support.hpp"

using namespace boka;
using namespace boka::detail;

namespace {

constexpr std::int64_t kSpan = 400;  // entries and windows lie in [0, kSpan)

struct Oracle {
  std::int64_t before = 0, after = 0;
  std::vector<IndexEntry> entries;  // in index order: by start, then insertion

  // The usage at each instant of `w`, from a difference array over the window: each active
  // entry adds its quantity where its occupied span [start - before, end + after) meets `w`.
  // (Linear in entries plus the window, where asking each instant in turn was their product:
  // that made this target 5x slower once the corpus held long programs.)
  std::vector<int> usage(Range w, std::int64_t now, ReservationId exclude) const {
    if (w.end <= w.begin) return {};
    std::vector<int> diff(static_cast<std::size_t>(w.end - w.begin) + 1, 0);
    for (const auto& e : entries) {
      if (e.reservation == exclude || !e.active_at(now)) continue;
      const std::int64_t lo = std::max(e.start - before, w.begin);
      const std::int64_t hi = std::min(e.end + after, w.end);
      if (lo >= hi) continue;
      diff[static_cast<std::size_t>(lo - w.begin)] += e.quantity;
      diff[static_cast<std::size_t>(hi - w.begin)] -= e.quantity;
    }
    std::vector<int> out(diff.size() - 1);
    int running = 0;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = running += diff[i];
    return out;
  }
  int max_usage(Range w, std::int64_t now, ReservationId exclude) const {
    int best = 0;
    for (int u : usage(w, now, exclude)) best = std::max(best, u);
    return best;
  }
  std::vector<Range> above(Range w, int threshold, std::int64_t now, ReservationId exclude) const {
    std::vector<Range> out;
    const auto at = usage(w, now, exclude);
    for (std::int64_t t = w.begin; t < w.end; ++t) {
      if (at[static_cast<std::size_t>(t - w.begin)] <= threshold) continue;
      if (!out.empty() && out.back().end == t) {
        out.back().end = t + 1;
      } else {
        out.push_back({t, t + 1});
      }
    }
    return out;
  }
  void insert(const IndexEntry& e) {
    auto pos = std::upper_bound(entries.begin(), entries.end(), e.start,
                                [](std::int64_t s, const IndexEntry& x) { return s < x.start; });
    entries.insert(pos, e);
  }
  bool erase(ReservationId id) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const IndexEntry& e) { return e.reservation == id; });
    if (it == entries.end()) return false;
    entries.erase(it);
    return true;
  }
};

std::vector<std::pair<std::int64_t, std::int64_t>> contents(const IntervalIndex& index) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  index.for_each_from(std::numeric_limits<std::int64_t>::min(), [&](const IndexEntry& e) {
    out.emplace_back(e.start, e.reservation.value());
    return true;
  });
  return out;
}
std::vector<std::pair<std::int64_t, std::int64_t>> contents(const Oracle& o) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& e : o.entries) out.emplace_back(e.start, e.reservation.value());
  return out;
}

std::vector<Range> clipped(std::vector<Range> ranges, Range w) {
  std::vector<Range> out;
  for (Range r : ranges) {
    r.begin = std::max(r.begin, w.begin);
    r.end = std::min(r.end, w.end);
    if (!r.empty()) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](Range a, Range b) { return a.begin < b.begin; });
  merge_sorted(out);
  return out;
}

std::string show(const std::vector<Range>& rs) {
  std::string s;
  for (Range r : rs) s += "[" + std::to_string(r.begin) + "," + std::to_string(r.end) + ")";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Choices in(data, size);
  Oracle oracle;
  oracle.before = in.ConsumeIntegralInRange<std::int64_t>(0, 5);
  oracle.after = in.ConsumeIntegralInRange<std::int64_t>(0, 5);
  IntervalIndex index(oracle.before, oracle.after);
  // A copy taken earlier, with what it held then: later changes to `index` must not reach it.
  std::optional<IntervalIndex> snapshot;
  Oracle snapshot_oracle;
  std::int64_t next_id = 1;

  const auto window = [&] {
    const std::int64_t b = in.ConsumeIntegralInRange<std::int64_t>(-10, kSpan);
    return Range{b, b + in.ConsumeIntegralInRange<std::int64_t>(1, 60)};
  };

  for (int op = 0; op < 400 && in.remaining_bytes() > 0; ++op) {
    const std::int64_t now = in.ConsumeIntegralInRange<std::int64_t>(0, kSpan);
    const ReservationId exclude{in.ConsumeIntegralInRange<std::int64_t>(0, next_id)};
    switch (in.ConsumeIntegralInRange(0, 8)) {
      case 0:
      case 1:
      case 2: {
        IndexEntry e;
        e.start = in.ConsumeIntegralInRange<std::int64_t>(0, kSpan - 1);
        // Mostly short, sometimes long (the index looks back by the longest entry).
        e.end = e.start + (in.ConsumeIntegralInRange(0, 7) == 0
                               ? in.ConsumeIntegralInRange<std::int64_t>(1, kSpan)
                               : in.ConsumeIntegralInRange<std::int64_t>(1, 20));
        e.expires = in.ConsumeBool() ? kNever : in.ConsumeIntegralInRange<std::int64_t>(0, kSpan);
        e.quantity = in.ConsumeIntegralInRange(1, 3);
        e.lead = in.ConsumeIntegralInRange(0, 3);
        e.reservation = ReservationId{next_id++};
        index.insert(e);
        oracle.insert(e);
        break;
      }
      case 3: {
        const ReservationId id{in.ConsumeIntegralInRange<std::int64_t>(1, next_id)};
        FUZZ_CHECK(index.erase(id) == oracle.erase(id), "erase " + std::to_string(id.value()));
        break;
      }
      case 4: {
        const Range w = window();
        const int quantity = in.ConsumeIntegralInRange(1, 3);
        const int capacity = in.ConsumeIntegralInRange(1, 6);
        const int most = oracle.max_usage(w, now, exclude);
        FUZZ_CHECK(index.fits(w, quantity, capacity, now, exclude) == (most + quantity <= capacity),
                   "fits " + show({w}) + " q" + std::to_string(quantity) + " cap" +
                       std::to_string(capacity));
        FUZZ_CHECK(index.max_usage(w, now, exclude) == most, "max_usage " + show({w}));
        break;
      }
      case 5: {
        const Range w = window();
        const int threshold = in.ConsumeIntegralInRange(0, 4);
        const auto got = clipped(index.ranges_above(w, threshold, now, exclude), w);
        const auto want = oracle.above(w, threshold, now, exclude);
        FUZZ_CHECK(got == want, "ranges_above " + show({w}) + " > " + std::to_string(threshold) +
                                    ": " + show(got) + " expected " + show(want));
        break;
      }
      case 6: {
        const Range w = window();
        std::set<std::int64_t> got, want;
        index.for_each_overlapping(w, now, exclude,
                                   [&](const IndexEntry& e) { got.insert(e.reservation.value()); });
        for (const auto& e : oracle.entries) {
          const Range occupied{e.start - oracle.before, e.end + oracle.after};
          if (occupied.overlaps(w) && e.active_at(now) && e.reservation != exclude) {
            want.insert(e.reservation.value());
          }
        }
        FUZZ_CHECK(got == want, "for_each_overlapping " + show({w}));
        break;
      }
      case 7:
        // Copy now; keep changing `index`; the copy must still hold what it held.
        snapshot.emplace(index);
        snapshot_oracle = oracle;
        break;
      default: {
        const std::int64_t cutoff = in.ConsumeIntegralInRange<std::int64_t>(0, kSpan);
        IntervalIndex trimmed = index.without_history(cutoff);
        const auto kept = contents(trimmed);
        const std::set<std::pair<std::int64_t, std::int64_t>> kept_set(kept.begin(), kept.end());
        const auto all = contents(oracle);
        for (const auto& e : oracle.entries) {
          if (e.end + oracle.after > cutoff) {  // still occupies [cutoff, ...)
            FUZZ_CHECK(kept_set.count({e.start, e.reservation.value()}) == 1,
                       "without_history dropped a live entry");
          }
        }
        for (const auto& k : kept) {
          FUZZ_CHECK(std::find(all.begin(), all.end(), k) != all.end(),
                     "without_history invented an entry");
        }
        FUZZ_CHECK(std::is_sorted(kept.begin(), kept.end(),
                                  [](auto a, auto b) { return a.first < b.first; }),
                   "without_history broke the order");
        // Carry on with the trimmed index, the oracle trimmed alike.
        std::vector<IndexEntry> remaining;
        for (const auto& e : oracle.entries) {
          if (kept_set.count({e.start, e.reservation.value()})) remaining.push_back(e);
        }
        oracle.entries = remaining;
        index = std::move(trimmed);
        break;
      }
    }
    FUZZ_CHECK(index.size() == oracle.entries.size(), "size");
    FUZZ_CHECK(contents(index) == contents(oracle), "order or contents differ");
    if (snapshot) {
      FUZZ_CHECK(contents(*snapshot) == contents(snapshot_oracle), "a change reached a copy");
    }
  }
  return 0;
}
