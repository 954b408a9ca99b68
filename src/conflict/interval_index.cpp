#include "conflict/interval_index.hpp"

#include <algorithm>
#include <memory>
#include <new>
#include <utility>

namespace boka::detail {

namespace {

// Chunk blocks, kept per thread for reuse. A chunk (about 1.5 KB with its shared_ptr control
// block) is larger than what glibc's per-thread cache holds (up to 1 KB), and every booking
// copies one chunk and, once the new index is installed, frees the one it replaced: those
// went through malloc's bins, 20% of reserve on the memory store (perf, full replay). A
// thread now hands its freed blocks to its own next copies. Every block here has one size
// (allocate_shared of a Chunk); blocks of another size pass straight through.
// Under AddressSanitizer every chunk goes to the allocator, which can then still report a
// use of a chunk after its index freed it (a kept block would hide that).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kKeptBlocks = 0;
#else
constexpr int kKeptBlocks = 32;
#endif

// Trivially destructible, so it can still be read after `kept_blocks` is destroyed at the
// thread's exit (an index freed later, by another thread-local's destructor, say).
thread_local bool kept_blocks_gone = false;

struct KeptBlocks {
  std::size_t size = 0;
  int count = 0;
  void* blocks[kKeptBlocks > 0 ? kKeptBlocks : 1];
  ~KeptBlocks() {
    for (int i = 0; i < count; ++i) ::operator delete(blocks[i]);
    kept_blocks_gone = true;
  }
};
thread_local KeptBlocks kept_blocks;

void* take_block(std::size_t size) {
  if (!kept_blocks_gone) {
    KeptBlocks& k = kept_blocks;
    if (k.count > 0 && k.size == size) return k.blocks[--k.count];
  }
  return ::operator new(size);
}

void give_block(void* p, std::size_t size) {
  if (!kept_blocks_gone) {
    KeptBlocks& k = kept_blocks;
    if (k.count == 0) k.size = size;
    if (k.size == size && k.count < kKeptBlocks) {
      k.blocks[k.count++] = p;
      return;
    }
  }
  ::operator delete(p);
}

template <typename T>
struct BlockAllocator {
  using value_type = T;
  BlockAllocator() = default;
  template <typename U>
  BlockAllocator(const BlockAllocator<U>&) {}  // NOLINT: rebinding, as allocate_shared does
  T* allocate(std::size_t n) { return static_cast<T*>(take_block(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { give_block(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const BlockAllocator<U>&) const {
    return true;
  }
};

}  // namespace

std::shared_ptr<IntervalIndex::Chunk> IntervalIndex::new_chunk() {
  return std::allocate_shared<Chunk>(BlockAllocator<Chunk>());
}

std::shared_ptr<IntervalIndex::Chunk> IntervalIndex::new_chunk(const Chunk& copy) {
  return std::allocate_shared<Chunk>(BlockAllocator<Chunk>(), copy);
}

IntervalIndex::IntervalIndex(const IntervalIndex& other)
    : before_(other.before_),
      after_(other.after_),
      max_length_(other.max_length_),
      max_lead_(other.max_lead_),
      size_(other.size_),
      chunks_(other.chunks_),
      firsts_(other.firsts_),
      owned_(other.chunks_.size(), false) {
  other.copied_.store(true, std::memory_order_relaxed);
}

IntervalIndex& IntervalIndex::operator=(const IntervalIndex& other) {
  if (this != &other) *this = IntervalIndex(other);
  return *this;
}

IntervalIndex::IntervalIndex(IntervalIndex&& other) noexcept
    : before_(other.before_),
      after_(other.after_),
      max_length_(other.max_length_),
      max_lead_(other.max_lead_),
      size_(other.size_),
      chunks_(std::move(other.chunks_)),
      firsts_(std::move(other.firsts_)),
      owned_(std::move(other.owned_)),
      copied_(other.copied_.load(std::memory_order_relaxed)) {
  other.size_ = 0;
}

IntervalIndex& IntervalIndex::operator=(IntervalIndex&& other) noexcept {
  before_ = other.before_;
  after_ = other.after_;
  max_length_ = other.max_length_;
  max_lead_ = other.max_lead_;
  size_ = other.size_;
  chunks_ = std::move(other.chunks_);
  firsts_ = std::move(other.firsts_);
  owned_ = std::move(other.owned_);
  copied_.store(other.copied_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  other.size_ = 0;
  return *this;
}

IntervalIndex::Chunk& IntervalIndex::writable(std::size_t c) {
  if (copied_.load(std::memory_order_relaxed)) {
    std::fill(owned_.begin(), owned_.end(), false);
    copied_.store(false, std::memory_order_relaxed);
  }
  if (!owned_[c]) {
    chunks_[c] = new_chunk(*chunks_[c]);
    owned_[c] = true;
  }
  // Owned chunks are referenced by this index alone.
  return const_cast<Chunk&>(*chunks_[c]);
}

void IntervalIndex::append_chunk(const IndexEntry& entry) {
  auto k = new_chunk();
  k->size = 1;
  k->starts[0] = entry.start;
  k->entries[0] = entry;
  chunks_.push_back(std::move(k));
  firsts_.push_back(entry.start);
  owned_.push_back(true);
}

void IntervalIndex::insert(const IndexEntry& entry) {
  max_length_ = std::max(max_length_, entry.end - entry.start);
  max_lead_ = std::max<std::int64_t>(max_lead_, entry.lead);
  ++size_;
  if (chunks_.empty()) {
    append_chunk(entry);
    return;
  }
  // The last chunk whose first start is <= entry.start (or the first chunk): after every
  // entry with the same start, as in one sorted array.
  std::size_t c = static_cast<std::size_t>(
      std::upper_bound(firsts_.begin(), firsts_.end(), entry.start) - firsts_.begin());
  if (c > 0) --c;
  {
    const Chunk& k = *chunks_[c];
    if (k.size == kChunk) {
      const bool append = c + 1 == chunks_.size() && entry.start >= k.starts[kChunk - 1];
      if (append) {
        // Entries arriving in start order (loading an index) fill chunks completely.
        append_chunk(entry);
        return;
      }
      // Split in two halves; the upper half becomes chunk c + 1.
      auto upper = new_chunk();
      constexpr int half = kChunk / 2;
      upper->size = kChunk - half;
      std::copy(k.starts.begin() + half, k.starts.begin() + kChunk, upper->starts.begin());
      std::copy(k.entries.begin() + half, k.entries.begin() + kChunk, upper->entries.begin());
      const std::int64_t upper_first = upper->starts[0];
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c + 1), std::move(upper));
      firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(c + 1), upper_first);
      owned_.insert(owned_.begin() + static_cast<std::ptrdiff_t>(c + 1), true);
      writable(c).size = half;
      if (entry.start >= upper_first) ++c;
    }
  }
  Chunk& k = writable(c);
  const int at =
      static_cast<int>(std::upper_bound(k.starts.begin(), k.starts.begin() + k.size, entry.start) -
                       k.starts.begin());
  std::move_backward(k.starts.begin() + at, k.starts.begin() + k.size,
                     k.starts.begin() + k.size + 1);
  std::move_backward(k.entries.begin() + at, k.entries.begin() + k.size,
                     k.entries.begin() + k.size + 1);
  k.starts[static_cast<std::size_t>(at)] = entry.start;
  k.entries[static_cast<std::size_t>(at)] = entry;
  ++k.size;
  firsts_[c] = k.starts[0];
}

IntervalIndex IntervalIndex::without_history(std::int64_t cutoff) const {
  IntervalIndex out(*this);
  std::size_t drop = 0;
  std::size_t dropped_entries = 0;
  for (; drop < chunks_.size(); ++drop) {
    const Chunk& k = *chunks_[drop];
    const bool all_past =
        std::all_of(k.entries.begin(), k.entries.begin() + k.size,
                    [&](const IndexEntry& e) { return e.end + after_ <= cutoff; });
    if (!all_past) break;
    dropped_entries += static_cast<std::size_t>(k.size);
  }
  if (drop == 0) return out;
  out.chunks_.erase(out.chunks_.begin(), out.chunks_.begin() + static_cast<std::ptrdiff_t>(drop));
  out.firsts_.erase(out.firsts_.begin(), out.firsts_.begin() + static_cast<std::ptrdiff_t>(drop));
  out.owned_.erase(out.owned_.begin(), out.owned_.begin() + static_cast<std::ptrdiff_t>(drop));
  out.size_ -= dropped_entries;
  return out;
}

bool IntervalIndex::erase(ReservationId reservation) {
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    const Chunk& found = *chunks_[c];
    const auto it = std::find_if(found.entries.begin(), found.entries.begin() + found.size,
                                 [&](const IndexEntry& e) { return e.reservation == reservation; });
    if (it == found.entries.begin() + found.size) continue;
    const int at = static_cast<int>(it - found.entries.begin());
    --size_;
    if (found.size == 1) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
      firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(c));
      owned_.erase(owned_.begin() + static_cast<std::ptrdiff_t>(c));
      return true;
    }
    Chunk& k = writable(c);
    std::move(k.starts.begin() + at + 1, k.starts.begin() + k.size, k.starts.begin() + at);
    std::move(k.entries.begin() + at + 1, k.entries.begin() + k.size, k.entries.begin() + at);
    --k.size;
    firsts_[c] = k.starts[0];
    return true;
  }
  return false;
}

namespace {

// Sweeps (time, delta) events; ends sort before starts at the same instant because ranges
// are half-open and touching ranges do not overlap.
void sort_events(std::vector<std::pair<std::int64_t, int>>& events) {
  std::sort(events.begin(), events.end());
}

}  // namespace

int IntervalIndex::max_usage(Range window, std::int64_t now, ReservationId exclude) const {
  int count = 0;
  const IndexEntry* only = nullptr;
  for_each_overlapping(window, now, exclude, [&](const IndexEntry& e) {
    ++count;
    only = &e;
  });
  if (count <= 1) return count == 0 ? 0 : only->quantity;
  std::vector<std::pair<std::int64_t, int>> events;
  events.reserve(static_cast<std::size_t>(count) * 2);
  for_each_overlapping(window, now, exclude, [&](const IndexEntry& e) {
    const Range o = occupied(e);
    events.emplace_back(std::max(o.begin, window.begin), e.quantity);
    events.emplace_back(std::min(o.end, window.end), -e.quantity);
  });
  sort_events(events);
  int usage = 0;
  int peak = 0;
  for (const auto& [t, delta] : events) {
    usage += delta;
    peak = std::max(peak, usage);
  }
  return peak;
}

std::vector<Range> IntervalIndex::ranges_above(Range window, int threshold, std::int64_t now,
                                               ReservationId exclude) const {
  if (threshold == 0) {
    // Any booking is too many (a capacity-1 resource, or a request for all of one): the
    // answer is the union of what is occupied, merged as the entries come, by start.
    std::vector<Range> out;
    bool sorted = true;
    for_each_overlapping(window, now, exclude, [&](const IndexEntry& e) {
      if (e.quantity <= 0) return;
      const Range o = occupied(e);
      const Range r{std::max(o.begin, window.begin), std::min(o.end, window.end)};
      if (r.empty()) return;
      if (!out.empty() && r.begin < out.back().begin) sorted = false;
      out.push_back(r);
    });
    if (!sorted) {
      std::sort(out.begin(), out.end(),
                [](const Range& a, const Range& b) { return a.begin < b.begin; });
    }
    merge_sorted(out);
    return out;
  }
  std::vector<std::pair<std::int64_t, int>> events;
  for_each_overlapping(window, now, exclude, [&](const IndexEntry& e) {
    const Range o = occupied(e);
    events.emplace_back(std::max(o.begin, window.begin), e.quantity);
    events.emplace_back(std::min(o.end, window.end), -e.quantity);
  });
  sort_events(events);
  std::vector<Range> out;
  int usage = 0;
  std::int64_t above_since = 0;
  for (std::size_t i = 0; i < events.size();) {
    const std::int64_t t = events[i].first;
    const bool was_above = usage > threshold;
    while (i < events.size() && events[i].first == t) usage += events[i++].second;
    const bool is_above = usage > threshold;
    if (!was_above && is_above) above_since = t;
    if (was_above && !is_above) out.push_back({above_since, t});
  }
  return out;
}

}  // namespace boka::detail
