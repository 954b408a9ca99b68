// The per-resource interval index: every active booking of one resource, sorted by start,
// answering "how much capacity is used over this range?" without touching storage.
//
// An index is a value built for one resource version (DESIGN.md: "trust it while the
// version read under the lock matches"); the engine copies it on write and swaps the copy
// in after commit, so readers never see a half-applied change.
#pragma once

#include <cstdint>
#include <algorithm>
#include <limits>
#include <vector>

#include "boka/ids.hpp"
#include "core/range.hpp"

namespace boka::detail {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

struct IndexEntry {
  std::int64_t start = 0;    // the booked range, without buffers
  std::int64_t end = 0;
  std::int64_t expires = kNever;  // a hold stops counting at this instant
  ReservationId reservation = 0;
  int quantity = 1;

  bool active_at(std::int64_t now) const { return now < expires; }
};

class IntervalIndex {
 public:
  IntervalIndex(std::int64_t buffer_before, std::int64_t buffer_after)
      : before_(buffer_before), after_(buffer_after) {}

  void insert(const IndexEntry& entry);

  // A copy without the entries that ended before `cutoff` (buffers included). Nothing can
  // be booked in the past (min_notice >= 0), so once `cutoff` lies a few days behind now
  // (the daily limit looks at whole local days) such entries can never block again, and
  // dropping them keeps a resource's index as small as its future, not its history.
  IntervalIndex without_history(std::int64_t cutoff) const;
  static std::int64_t history_cutoff(std::int64_t now) { return now - 3 * 86400; }
  bool erase(ReservationId reservation);  // false if absent
  void reserve(std::size_t n) {
    entries_.reserve(n);
    starts_.reserve(n);
  }

  std::int64_t buffer_before() const { return before_; }
  std::int64_t buffer_after() const { return after_; }
  const std::vector<IndexEntry>& entries() const { return entries_; }

  // The range a booking occupies on the resource, buffers included.
  Range occupied(const IndexEntry& e) const { return {e.start - before_, e.end + after_}; }

  // Calls f(entry) for each entry active at `now`, other than `exclude`, whose occupied
  // range overlaps `window` (an occupied range).
  template <typename F>
  void for_each_overlapping(Range window, std::int64_t now, ReservationId exclude, F&& f) const {
    const std::size_t n = entries_.size();
    for (std::size_t i = first_candidate(window); i < n && starts_[i] - before_ < window.end; ++i) {
      const IndexEntry& e = entries_[i];
      if (e.end + after_ <= window.begin) continue;
      if (!e.active_at(now) || e.reservation == exclude) continue;
      f(e);
    }
  }

  // True if `quantity` more fits within `capacity` at every instant of `window` (an
  // occupied range). The common answers cost one binary search and a short scan: an entry
  // that alone leaves no room refuses at once, and a total that fits accepts at once; only
  // in between does it sweep.
  bool fits(Range window, int quantity, int capacity, std::int64_t now,
            ReservationId exclude = 0) const {
    const std::size_t n = entries_.size();
    int total = 0;
    for (std::size_t i = first_candidate(window); i < n && starts_[i] - before_ < window.end; ++i) {
      const IndexEntry& e = entries_[i];
      if (e.end + after_ <= window.begin) continue;
      if (!e.active_at(now) || e.reservation == exclude) continue;
      if (e.quantity + quantity > capacity) return false;
      total += e.quantity;
    }
    if (total + quantity <= capacity) return true;
    return max_usage(window, now, exclude) + quantity <= capacity;
  }

  // The highest total quantity in use at any instant of `window` (an occupied range).
  int max_usage(Range window, std::int64_t now, ReservationId exclude = 0) const;

  // Occupied ranges within `window` where usage exceeds `threshold`, normalized.
  std::vector<Range> ranges_above(Range window, int threshold, std::int64_t now,
                                  ReservationId exclude = 0) const;

 private:
  std::vector<IndexEntry>::const_iterator lower_bound_start(std::int64_t start) const;
  // The first entry whose occupied range could reach `window`.
  std::size_t first_candidate(Range window) const {
    const std::int64_t lo = window.begin - after_ - max_length_;
    return static_cast<std::size_t>(std::lower_bound(starts_.begin(), starts_.end(), lo) -
                                    starts_.begin());
  }

  std::int64_t before_;
  std::int64_t after_;
  std::int64_t max_length_ = 0;  // longest end - start ever inserted; bounds the scan
  std::vector<IndexEntry> entries_;  // sorted by start
  // entries_[i].start, kept beside them so the binary search walks 8-byte keys rather than
  // 40-byte entries (denser in cache).
  std::vector<std::int64_t> starts_;
};

}  // namespace boka::detail
