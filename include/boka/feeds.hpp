// boka/feeds.hpp: iCalendar feeds (RFC 5545) of a resource's, a customer's or a user's
// bookings, for calendar applications to subscribe to. A feed is reached by a secret URL:
// its token is a capability (anyone holding it reads the feed, no session needed), shown
// once and revocable. docs/feeds.md is the guide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// Whose bookings a feed holds.
enum class FeedKind : int {
  resource = 0,  // every booking of a resource (for staff)
  customer = 1,  // the bookings of a customer record (boka/customer.hpp)
  user = 2,      // a user's own bookings (made as themselves or for their customer record)
};
const char* feed_kind_name(FeedKind kind) noexcept;  // "resource", "customer", "user"

// A feed, without its token.
struct CalendarFeed {
  FeedId id{};  // assigned by the store
  TenantId tenant{};
  FeedKind kind = FeedKind::resource;
  std::int64_t subject = 0;  // the resource, customer or user id
  std::string name;          // 0..200 bytes; the calendar's name (X-WR-CALNAME)
  Instant created_at{};
  std::optional<Instant> revoked_at;  // set once revoked: the token no longer works
};

// A new feed and its token ("bokf_<id>_<secret>"), shown once. The feed's URL on
// boka-server is /api/feeds/<token>.ics.
struct CreatedFeed {
  CalendarFeed feed;
  std::string token;
};

// The calendar feeds of a tenant (engine.feeds()). Thread-safe.
class CalendarFeeds {
 public:
  CalendarFeeds(const CalendarFeeds&) = delete;
  CalendarFeeds& operator=(const CalendarFeeds&) = delete;

  // Creates a feed. Who may: a resource's feed, staff ("reservations:all"); a customer's,
  // "customers:manage" or the customer themselves (their linked record); a user's, the user
  // themselves or "users:manage". not_found for a subject that does not exist.
  Result<CreatedFeed> create(const Principal& who, TenantId tenant, FeedKind kind,
                             std::int64_t subject, std::string_view name);
  // The feeds the principal could create, by id (revoked ones too).
  Result<std::vector<CalendarFeed>> list(const Principal& who, TenantId tenant);
  // Revokes a feed for good (idempotent).
  Result<CalendarFeed> revoke(const Principal& who, TenantId tenant, FeedId id);
  // The feed's calendar as iCalendar text (RFC 5545; CRLF lines): its bookings from 30 days
  // ago to a year ahead, each a VEVENT with a stable UID, its times in the zone of its first
  // resource (with VTIMEZONE), SEQUENCE = the reservation's version (so it rises on every
  // change, a reschedule included), STATUS CONFIRMED, TENTATIVE (a hold) or CANCELLED
  // (cancelled and lapsed ones stay in the window, so subscribers drop them). No principal:
  // the token is the capability. An unknown, malformed or revoked token is not_found, all
  // alike.
  Result<std::string> render(std::string_view token);

 private:
  friend class Engine;
  explicit CalendarFeeds(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
