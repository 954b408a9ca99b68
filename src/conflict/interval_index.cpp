#include "conflict/interval_index.hpp"

#include <algorithm>
#include <utility>

namespace boka::detail {

std::vector<IndexEntry>::const_iterator IntervalIndex::lower_bound_start(
    std::int64_t start) const {
  return std::lower_bound(entries_.begin(), entries_.end(), start,
                          [](const IndexEntry& e, std::int64_t s) { return e.start < s; });
}

void IntervalIndex::insert(const IndexEntry& entry) {
  const auto at = std::upper_bound(starts_.begin(), starts_.end(), entry.start) - starts_.begin();
  entries_.insert(entries_.begin() + at, entry);
  starts_.insert(starts_.begin() + at, entry.start);
  max_length_ = std::max(max_length_, entry.end - entry.start);
}

IntervalIndex IntervalIndex::without_history(std::int64_t cutoff) const {
  IntervalIndex out(before_, after_);
  out.max_length_ = max_length_;
  out.reserve(entries_.size() + 1);
  for (const IndexEntry& e : entries_) {
    if (e.end + after_ <= cutoff) continue;
    out.entries_.push_back(e);
    out.starts_.push_back(e.start);
  }
  return out;
}

bool IntervalIndex::erase(ReservationId reservation) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const IndexEntry& e) { return e.reservation == reservation; });
  if (it == entries_.end()) return false;
  starts_.erase(starts_.begin() + (it - entries_.begin()));
  entries_.erase(it);
  return true;
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
