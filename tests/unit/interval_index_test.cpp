#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "conflict/interval_index.hpp"

using boka::ReservationId;
using boka::detail::IndexEntry;
using boka::detail::IntervalIndex;
using boka::detail::Range;

TEST_CASE("max usage counts concurrent quantity, touching ranges do not overlap") {
  IntervalIndex idx(0, 0);
  idx.insert({100, 200, boka::detail::kNever, ReservationId{1}, 1});
  idx.insert({150, 300, boka::detail::kNever, ReservationId{2}, 2});
  idx.insert({300, 400, boka::detail::kNever, ReservationId{3}, 1});
  CHECK(idx.max_usage({0, 100}, 0) == 0);
  CHECK(idx.max_usage({0, 101}, 0) == 1);
  CHECK(idx.max_usage({160, 170}, 0) == 3);
  CHECK(idx.max_usage({200, 300}, 0) == 2);
  CHECK(idx.max_usage({299, 301}, 0) == 2);
  CHECK(idx.max_usage({0, 1000}, 0, /*exclude=*/ReservationId{2}) == 1);
  CHECK(idx.ranges_above({0, 1000}, 1, 0) == std::vector<Range>{{150, 300}});
  CHECK(idx.ranges_above({0, 1000}, 0, 0) == std::vector<Range>{{100, 400}});
}

TEST_CASE("buffers widen what a booking occupies") {
  IntervalIndex idx(10, 20);
  idx.insert({100, 200, boka::detail::kNever, ReservationId{1}, 1});
  CHECK(idx.max_usage({0, 90}, 0) == 0);
  CHECK(idx.max_usage({0, 91}, 0) == 1);
  CHECK(idx.max_usage({219, 300}, 0) == 1);
  CHECK(idx.max_usage({220, 300}, 0) == 0);
}

TEST_CASE("a hold stops counting at its expiry instant") {
  IntervalIndex idx(0, 0);
  idx.insert({100, 200, /*expires=*/50, ReservationId{1}, 1});
  CHECK(idx.max_usage({100, 200}, 49) == 1);
  CHECK(idx.max_usage({100, 200}, 50) == 0);
}

TEST_CASE("long bookings are found from far-away windows") {
  IntervalIndex idx(0, 0);
  idx.insert({0, 1'000'000, boka::detail::kNever, ReservationId{1}, 1});
  for (int i = 0; i < 100; ++i)
    idx.insert(
        {500'000 + i * 10, 500'000 + i * 10 + 5, boka::detail::kNever, ReservationId{100 + i}, 1});
  CHECK(idx.max_usage({900'000, 900'001}, 0) == 1);
  CHECK(idx.erase(ReservationId{1}));
  CHECK_FALSE(idx.erase(ReservationId{1}));
  CHECK(idx.max_usage({900'000, 900'001}, 0) == 0);
}

namespace {

// The brute-force answer: the highest usage at any instant of `window`.
int oracle_usage(const std::vector<IndexEntry>& all, Range window, std::int64_t now,
                 boka::ReservationId exclude = {}) {
  int peak = 0;
  for (std::int64_t t = window.begin; t < window.end; ++t) {
    int usage = 0;
    for (const IndexEntry& e : all) {
      if (e.reservation == exclude || !e.active_at(now)) continue;
      if (e.start <= t && t < e.end) usage += e.quantity;
    }
    peak = std::max(peak, usage);
  }
  return peak;
}

std::vector<std::int64_t> starts_of(const IntervalIndex& idx) {
  std::vector<std::int64_t> out;
  idx.for_each_from(std::numeric_limits<std::int64_t>::min(), [&](const IndexEntry& e) {
    out.push_back(e.start);
    return true;
  });
  return out;
}

}  // namespace

TEST_CASE("the chunked index agrees with brute force across splits, erases and copies") {
  // Enough entries for many chunks (IntervalIndex::kChunk each), equal starts included,
  // in random order; a copy taken halfway must not see later changes, nor the original
  // the copy's.
  std::uint64_t s = 7;
  auto next = [&] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  };
  IntervalIndex idx(0, 0);
  std::vector<IndexEntry> all;
  std::optional<IntervalIndex> copy;
  std::vector<IndexEntry> all_at_copy;
  for (int i = 1; i <= 600; ++i) {
    const std::int64_t start = static_cast<std::int64_t>(next() % 400);
    const IndexEntry e{start, start + 1 + static_cast<std::int64_t>(next() % 6),
                       next() % 5 == 0 ? 200 : boka::detail::kNever, ReservationId{i},
                       1 + static_cast<int>(next() % 3)};
    idx.insert(e);
    all.push_back(e);
    if (i % 7 == 0) {
      const boka::ReservationId gone = all[next() % all.size()].reservation;
      CHECK(idx.erase(gone));
      all.erase(std::find_if(all.begin(), all.end(),
                             [&](const IndexEntry& x) { return x.reservation == gone; }));
    }
    if (i == 300) {
      copy.emplace(idx);
      all_at_copy = all;
    }
  }
  REQUIRE(idx.size() == all.size());
  std::vector<std::int64_t> expected;
  for (const IndexEntry& e : all) expected.push_back(e.start);
  std::sort(expected.begin(), expected.end());
  CHECK(starts_of(idx) == expected);
  for (int q = 0; q < 200; ++q) {
    const std::int64_t a = static_cast<std::int64_t>(next() % 420);
    const Range w{a, a + 1 + static_cast<std::int64_t>(next() % 20)};
    const std::int64_t now = q % 2 == 0 ? 0 : 250;  // before and after the holds expire
    INFO("window " << w.begin << ".." << w.end << " now " << now);
    CHECK(idx.max_usage(w, now) == oracle_usage(all, w, now));
    CHECK(copy->max_usage(w, now) == oracle_usage(all_at_copy, w, now));
    CHECK(idx.fits(w, 2, 9, now) == (oracle_usage(all, w, now) + 2 <= 9));
  }
  // Changing the copy leaves the original as it was.
  const auto before = starts_of(idx);
  copy->insert({5, 6, boka::detail::kNever, ReservationId{9999}, 1});
  CHECK(copy->erase(all_at_copy.front().reservation));
  CHECK(starts_of(idx) == before);
}

TEST_CASE("without_history drops whole chunks of the past and keeps every live entry") {
  IntervalIndex idx(0, 0);
  for (int i = 0; i < 10 * IntervalIndex::kChunk; ++i) {
    idx.insert({i * 100, i * 100 + 50, boka::detail::kNever, ReservationId{i + 1}, 1});
  }
  const std::int64_t cutoff = 5000;  // entries 0..49 ended by then
  const IntervalIndex kept = idx.without_history(cutoff);
  CHECK(kept.size() < idx.size());
  CHECK(kept.size() >= static_cast<std::size_t>(10 * IntervalIndex::kChunk - 50));
  CHECK(idx.size() == static_cast<std::size_t>(10 * IntervalIndex::kChunk));
  for (std::int64_t t = cutoff; t < 10 * IntervalIndex::kChunk * 100; t += 37) {
    CHECK(kept.max_usage({t, t + 1}, 0) == idx.max_usage({t, t + 1}, 0));
  }
}

TEST_CASE("ranges above 0 (any booking blocks) agree with a brute-force sweep") {
  // The threshold-0 answer is built by merging occupied ranges (no event sort); it must
  // equal, minute by minute, "some active entry occupies this second", with buffers, holds
  // that lapsed, a reservation left out, leads that put starts out of order, and windows
  // that cut entries.
  std::uint64_t s = 11;
  auto next = [&] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  };
  for (int round = 0; round < 40; ++round) {
    const std::int64_t before = static_cast<std::int64_t>(next() % 3) * 5;
    const std::int64_t after = static_cast<std::int64_t>(next() % 3) * 5;
    IntervalIndex idx(before, after);
    std::vector<IndexEntry> all;
    for (int i = 1; i <= 60; ++i) {
      const std::int64_t start = static_cast<std::int64_t>(next() % 600);
      const std::int64_t len = 1 + static_cast<std::int64_t>(next() % 40);
      const std::int64_t expires = next() % 4 == 0 ? 300 : boka::detail::kNever;
      IndexEntry e{start,   start + len,
                   expires, ReservationId{i},
                   1,       static_cast<std::int32_t>(next() % 3 == 0 ? next() % 20 : 0)};
      idx.insert(e);
      all.push_back(e);
    }
    const std::int64_t now = 250;
    const ReservationId left_out{static_cast<std::int64_t>(1 + next() % 60)};
    const Range window{static_cast<std::int64_t>(next() % 200),
                       400 + static_cast<std::int64_t>(next() % 300)};
    const auto got = idx.ranges_above(window, 0, now, left_out);
    std::vector<Range> want;
    for (std::int64_t t = window.begin; t < window.end; ++t) {
      bool busy = false;
      for (const IndexEntry& e : all) {
        if (e.reservation == left_out || !e.active_at(now)) continue;
        if (t >= e.start - before && t < e.end + after) busy = true;
      }
      if (!busy) continue;
      if (!want.empty() && want.back().end == t) {
        want.back().end = t + 1;
      } else {
        want.push_back({t, t + 1});
      }
    }
    INFO("round " << round);
    CHECK(got == want);
  }
}

TEST_CASE("unite merges two normalized lists into one") {
  using boka::detail::unite;
  CHECK(unite({}, {}).empty());
  CHECK(unite({{1, 3}}, {}) == std::vector<Range>{{1, 3}});
  CHECK(unite({{1, 3}, {10, 12}}, {{3, 5}, {7, 8}}) ==
        std::vector<Range>{{1, 5}, {7, 8}, {10, 12}});
  CHECK(unite({{1, 20}}, {{2, 3}, {5, 6}}) == std::vector<Range>{{1, 20}});
  CHECK(unite({{5, 6}}, {{1, 2}, {6, 9}}) == std::vector<Range>{{1, 2}, {5, 9}});
}
