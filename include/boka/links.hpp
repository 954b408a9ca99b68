// boka/links.hpp: manage links, the private capability with which a customer who has no
// account sees, cancels or reschedules one booking (the web app's /manage/<token> page and
// the confirmation email's link; docs/web.md).
//
// A link is signed, not stored: the token names the tenant, the reservation and the link's
// generation, and carries an HMAC-SHA256 under a key of the tenant's own (32 random bytes,
// made on first use and stored sealed with AuthOptions::encryption_key in the tenant's
// settings). Revoking bumps the reservation's generation, so every link issued before stops
// working at once, on every host; the next issue gives a new link. Holding a token grants
// exactly what the host lets it do with that one reservation: the engine only says which
// reservation a valid token names. docs/architecture.md ("Manage links") has the reasoning.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// A reservation's manage link.
struct ManageLink {
  TenantId tenant{};
  ReservationId reservation{};
  // Bumped by ManageLinks::revoke: a token of an older generation is refused.
  std::int64_t generation = 0;
  // "bokm_<payload>_<signature>", 76 URL-safe characters: a secret, like a password. Put it
  // in a URL path (never a query string, which proxies log) and keep it out of logs.
  std::string token;
};

// The manage links of an Engine (engine.manage_links()). Thread-safe: every method may be
// called from any number of threads at once.
class ManageLinks {
 public:
  ManageLinks(const ManageLinks&) = delete;
  ManageLinks& operator=(const ManageLinks&) = delete;

  // The link of `reservation` (any status), for handing to its customer. Needs
  // "reservations:all" in the tenant (staff, the system principal, a host acting for an
  // anonymous visitor). The same reservation gives the same token until revoked.
  // not_found for a reservation that is not in the tenant; not_supported without
  // AuthOptions::encryption_key. The first link of a tenant creates its key (audited as
  // "links.key_created").
  Result<ManageLink> issue(const Principal& who, TenantId tenant, ReservationId reservation);

  // Which reservation a token names: its signature holds under the tenant's key, its
  // generation is current and the reservation exists. No principal: the token is the
  // credential. Every failure (malformed, forged, revoked, unknown tenant or reservation)
  // is the same unauthenticated "invalid or revoked manage link", so tokens cannot be
  // probed. Comparison is constant-time.
  Result<ManageLink> resolve(std::string_view token);

  // Revokes every link of `reservation` issued so far and returns the new one. Needs
  // "reservations:all"; audited ("links.revoked").
  Result<ManageLink> revoke(const Principal& who, TenantId tenant, ReservationId reservation);

 private:
  friend class Engine;
  explicit ManageLinks(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
