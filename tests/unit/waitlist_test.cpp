// The waitlist's plain values (boka/waitlist.hpp); its rows are tested by the storage
// conformance suite (tests/conformance/waitlist.cpp).
#include <catch2/catch.hpp>

#include <string>

#include "boka/waitlist.hpp"

using namespace boka;

TEST_CASE("waitlist status names round trip - unknown names are refused") {
  for (int i = 0; i <= static_cast<int>(WaitlistStatus::lapsed); ++i) {
    const auto s = static_cast<WaitlistStatus>(i);
    CHECK(parse_waitlist_status(waitlist_status_name(s)) == s);
  }
  CHECK(std::string(waitlist_status_name(WaitlistStatus::waiting)) == "waiting");
  CHECK(std::string(waitlist_status_name(WaitlistStatus::lapsed)) == "lapsed");
  CHECK_FALSE(parse_waitlist_status("Waiting").has_value());
  CHECK_FALSE(parse_waitlist_status("").has_value());
}
