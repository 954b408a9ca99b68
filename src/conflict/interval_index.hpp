// The per-resource interval index: every active booking of one resource, sorted by start,
// answering "how much capacity is used over this range?" without touching storage.
//
// An index is a value built for one resource version, trusted while the version read under
// the lock matches (docs/architecture.md, "Conflict resolution"); the engine copies it on
// write and swaps the copy in after commit, so readers never see a half-applied change.
//
// Layout: the entries live in chunks of at most kChunk, in start order, with the first
// start of each chunk kept beside them for the search. Chunks are shared between copies
// and copied on write: copying an index copies one pointer per chunk, and a change then
// copies only the chunk it touches (about 1.5 KB) rather than every entry. That is what a
// reservation costs the engine's copy-on-write install, and inserting moves at most one
// chunk's entries instead of half the index.
//
// Thread-safety: a const index may be read from any number of threads (readers share it
// through shared_ptr<const IntervalIndex>). A non-const index belongs to one thread.
// Copies may be made and changed on other threads while the original is being read:
// a copy never writes to a chunk it shares.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "boka/ids.hpp"
#include "core/range.hpp"

namespace boka::detail {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

struct IndexEntry {
  // The booked range, without the resource's buffers, but widened by the booking's own
  // buffers where they are longer than the resource's (a service's; `lead` says how far
  // the start moved), so that every entry's occupied range is [start - before, end + after)
  // with the index's one pair of buffers.
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t expires = kNever;  // a hold stops counting at this instant
  ReservationId reservation{};
  int quantity = 1;
  std::int32_t lead = 0;  // seconds `start` lies before the booked start (0..1 day)

  bool active_at(std::int64_t now) const { return now < expires; }
  // The start the booking asked for: what the daily limit counts by.
  std::int64_t booked_start() const { return start + lead; }
};

class IntervalIndex {
 public:
  static constexpr int kChunk = 32;

  IntervalIndex(std::int64_t buffer_before, std::int64_t buffer_after)
      : before_(buffer_before), after_(buffer_after) {}
  // A copy shares every chunk and owns none: its first change to a chunk copies it.
  IntervalIndex(const IntervalIndex& other);
  IntervalIndex& operator=(const IntervalIndex& other);
  IntervalIndex(IntervalIndex&& other) noexcept;
  IntervalIndex& operator=(IntervalIndex&& other) noexcept;

  // Adds an entry after any with the same start.
  void insert(const IndexEntry& entry);

  // A copy without the chunks whose entries all ended before `cutoff` (buffers included).
  // Nothing can be booked in the past (min_notice >= 0), so once `cutoff` lies a few days
  // behind now (the daily limit looks at whole local days) such entries can never block
  // again, and dropping them keeps a resource's index about as small as its future, not
  // its history. Entries of the past that share a chunk with live ones stay; they are
  // harmless for the same reason.
  IntervalIndex without_history(std::int64_t cutoff) const;
  static std::int64_t history_cutoff(std::int64_t now) { return now - 3 * 86400; }
  bool erase(ReservationId reservation);  // false if absent

  std::int64_t buffer_before() const { return before_; }
  // The largest IndexEntry::lead ever inserted: an entry whose booked start lies at or
  // after t has start >= t - max_lead().
  std::int64_t max_lead() const { return max_lead_; }
  std::int64_t buffer_after() const { return after_; }
  std::size_t size() const { return size_; }

  // Calls f(entry) for each entry with start >= `from`, in start order, while f returns true.
  template <typename F>
  void for_each_from(std::int64_t from, F&& f) const {
    Cursor c = seek(from);
    for (; c.chunk < chunks_.size(); c.pos = 0, ++c.chunk) {
      const Chunk& k = *chunks_[c.chunk];
      for (int i = c.pos; i < k.size; ++i) {
        if (!f(k.entries[static_cast<std::size_t>(i)])) return;
      }
    }
  }

  // The range a booking occupies on the resource, buffers included.
  Range occupied(const IndexEntry& e) const { return {e.start - before_, e.end + after_}; }

  // Calls f(entry) for each entry active at `now`, other than `exclude`, whose occupied
  // range overlaps `window` (an occupied range).
  template <typename F>
  void for_each_overlapping(Range window, std::int64_t now, ReservationId exclude, F&& f) const {
    for_each_from(window.begin - after_ - max_length_, [&](const IndexEntry& e) {
      if (e.start - before_ >= window.end) return false;
      if (e.end + after_ > window.begin && e.active_at(now) && e.reservation != exclude) f(e);
      return true;
    });
  }

  // True if `quantity` more fits within `capacity` at every instant of `window` (an
  // occupied range). The common answers cost one binary search and a short scan: an entry
  // that alone leaves no room refuses at once, and a total that fits accepts at once; only
  // in between does it sweep.
  bool fits(Range window, int quantity, int capacity, std::int64_t now,
            ReservationId exclude = {}) const {
    int total = 0;
    bool refused = false;
    for_each_from(window.begin - after_ - max_length_, [&](const IndexEntry& e) {
      if (e.start - before_ >= window.end) return false;
      if (e.end + after_ <= window.begin) return true;
      if (!e.active_at(now) || e.reservation == exclude) return true;
      if (e.quantity + quantity > capacity) {
        refused = true;
        return false;
      }
      total += e.quantity;
      return true;
    });
    if (refused) return false;
    if (total + quantity <= capacity) return true;
    return max_usage(window, now, exclude) + quantity <= capacity;
  }

  // The highest total quantity in use at any instant of `window` (an occupied range).
  int max_usage(Range window, std::int64_t now, ReservationId exclude = {}) const;

  // Occupied ranges within `window` where usage exceeds `threshold`, normalized.
  std::vector<Range> ranges_above(Range window, int threshold, std::int64_t now,
                                  ReservationId exclude = {}) const;

 private:
  struct Chunk {
    int size = 0;
    std::array<std::int64_t, kChunk> starts;  // entries[i].start: the search walks 8-byte keys
    std::array<IndexEntry, kChunk> entries;
  };
  struct Cursor {
    std::size_t chunk = 0;
    int pos = 0;
  };

  // The first entry with start >= `from`.
  Cursor seek(std::int64_t from) const {
    // The chunk before the first whose first start is >= from may still hold such entries.
    std::size_t c = static_cast<std::size_t>(
        std::lower_bound(firsts_.begin(), firsts_.end(), from) - firsts_.begin());
    if (c > 0) --c;
    if (c >= chunks_.size()) return Cursor{chunks_.size(), 0};
    const Chunk& k = *chunks_[c];
    const int pos = static_cast<int>(
        std::lower_bound(k.starts.begin(), k.starts.begin() + k.size, from) - k.starts.begin());
    if (pos == k.size) return Cursor{c + 1, 0};
    return Cursor{c, pos};
  }
  // A chunk, empty or a copy, from blocks the thread keeps for reuse (interval_index.cpp).
  static std::shared_ptr<Chunk> new_chunk();
  static std::shared_ptr<Chunk> new_chunk(const Chunk& copy);
  // Chunk c, copied first unless this index made it.
  Chunk& writable(std::size_t c);
  // A new last chunk holding just `entry`.
  void append_chunk(const IndexEntry& entry);

  std::int64_t before_;
  std::int64_t after_;
  std::int64_t max_length_ = 0;  // longest end - start ever inserted; bounds the scan
  std::int64_t max_lead_ = 0;    // largest lead ever inserted
  std::size_t size_ = 0;
  std::vector<std::shared_ptr<const Chunk>> chunks_;
  std::vector<std::int64_t> firsts_;  // chunks_[i]->starts[0]
  // owned_[i]: chunks_[i] was made by this index and is referenced by no other, so it may
  // be changed in place. Kept here rather than read from use_count(), which would race with
  // readers dropping their copies. copied_ is set (atomically: the source may be a shared
  // const index) when a copy is taken; the next change then owns nothing.
  std::vector<bool> owned_;
  mutable std::atomic<bool> copied_{false};
};

}  // namespace boka::detail
