// Half-open ranges of Unix seconds, the currency of every internal time computation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

namespace boka::detail {

struct Range {
  std::int64_t begin = 0;
  std::int64_t end = 0;  // exclusive
  bool empty() const { return end <= begin; }
  bool overlaps(const Range& o) const { return begin < o.end && o.begin < end; }
  friend bool operator==(const Range&, const Range&) = default;
};

// Sorts and merges overlapping or touching ranges; drops empty ones.
// Merges the overlapping and touching ranges of a list sorted by begin, in place.
inline void merge_sorted(std::vector<Range>& ranges) {
  std::size_t out = 0;
  for (const Range& r : ranges) {
    if (out > 0 && r.begin <= ranges[out - 1].end) {
      ranges[out - 1].end = std::max(ranges[out - 1].end, r.end);
    } else {
      ranges[out++] = r;
    }
  }
  ranges.resize(out);
}

inline void normalize(std::vector<Range>& ranges) {
  std::erase_if(ranges, [](const Range& r) { return r.empty(); });
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  merge_sorted(ranges);
}

// a united with b, both normalized; result normalized. Linear: a pool's union of its
// members' free starts grows member by member without sorting.
inline std::vector<Range> unite(const std::vector<Range>& a, const std::vector<Range>& b) {
  std::vector<Range> out;
  out.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out),
             [](const Range& x, const Range& y) { return x.begin < y.begin; });
  merge_sorted(out);
  return out;
}

// a minus b, both normalized; result normalized.
inline std::vector<Range> subtract(const std::vector<Range>& a, const std::vector<Range>& b) {
  std::vector<Range> out;
  std::size_t j = 0;
  for (Range r : a) {
    while (j < b.size() && b[j].end <= r.begin) ++j;
    std::size_t k = j;
    while (k < b.size() && b[k].begin < r.end) {
      if (b[k].begin > r.begin) out.push_back({r.begin, b[k].begin});
      r.begin = std::max(r.begin, b[k].end);
      if (r.empty()) break;
      ++k;
    }
    if (!r.empty()) out.push_back(r);
  }
  return out;
}

// a intersect b, both normalized; result normalized.
inline std::vector<Range> intersect(const std::vector<Range>& a, const std::vector<Range>& b) {
  std::vector<Range> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    Range r{std::max(a[i].begin, b[j].begin), std::min(a[i].end, b[j].end)};
    if (!r.empty()) out.push_back(r);
    if (a[i].end < b[j].end)
      ++i;
    else
      ++j;
  }
  return out;
}

}  // namespace boka::detail
