#include <catch2/catch.hpp>

#include "conflict/interval_index.hpp"

using boka::detail::IndexEntry;
using boka::detail::IntervalIndex;
using boka::detail::Range;

TEST_CASE("max usage counts concurrent quantity, touching ranges do not overlap") {
  IntervalIndex idx(0, 0);
  idx.insert({100, 200, boka::detail::kNever, 1, 1});
  idx.insert({150, 300, boka::detail::kNever, 2, 2});
  idx.insert({300, 400, boka::detail::kNever, 3, 1});
  CHECK(idx.max_usage({0, 100}, 0) == 0);
  CHECK(idx.max_usage({0, 101}, 0) == 1);
  CHECK(idx.max_usage({160, 170}, 0) == 3);
  CHECK(idx.max_usage({200, 300}, 0) == 2);
  CHECK(idx.max_usage({299, 301}, 0) == 2);
  CHECK(idx.max_usage({0, 1000}, 0, /*exclude=*/2) == 1);
  CHECK(idx.ranges_above({0, 1000}, 1, 0) == std::vector<Range>{{150, 300}});
  CHECK(idx.ranges_above({0, 1000}, 0, 0) == std::vector<Range>{{100, 400}});
}

TEST_CASE("buffers widen what a booking occupies") {
  IntervalIndex idx(10, 20);
  idx.insert({100, 200, boka::detail::kNever, 1, 1});
  CHECK(idx.max_usage({0, 90}, 0) == 0);
  CHECK(idx.max_usage({0, 91}, 0) == 1);
  CHECK(idx.max_usage({219, 300}, 0) == 1);
  CHECK(idx.max_usage({220, 300}, 0) == 0);
}

TEST_CASE("a hold stops counting at its expiry instant") {
  IntervalIndex idx(0, 0);
  idx.insert({100, 200, /*expires=*/50, 1, 1});
  CHECK(idx.max_usage({100, 200}, 49) == 1);
  CHECK(idx.max_usage({100, 200}, 50) == 0);
}

TEST_CASE("long bookings are found from far-away windows") {
  IntervalIndex idx(0, 0);
  idx.insert({0, 1'000'000, boka::detail::kNever, 1, 1});
  for (int i = 0; i < 100; ++i) idx.insert({500'000 + i * 10, 500'000 + i * 10 + 5, boka::detail::kNever, 100 + i, 1});
  CHECK(idx.max_usage({900'000, 900'001}, 0) == 1);
  CHECK(idx.erase(1));
  CHECK_FALSE(idx.erase(1));
  CHECK(idx.max_usage({900'000, 900'001}, 0) == 0);
}
