// boka/principal.hpp: who acts. Every engine operation takes a Principal.
//
// Three kinds:
//   system   a trusted embedder that does its own authentication. It may do anything in
//            every tenant; use it when your product already knows who its users are.
//   user     a user of a tenant, obtained from Auth::login, Auth::verify_mfa or
//            Auth::authenticate_session. Acts with the permissions of its role.
//   api_key  obtained from Auth::authenticate_api_key. Acts with the key's scopes, never
//            more than the role of the user who created it currently allows.
//
// A user or API-key Principal is only a claim: the engine re-reads the session or key, the
// user's state and role on every call, so logout, revocation, a disabled account or a
// demotion take effect on the very next call. Principals are values; copy them freely and
// use them from any thread. They can be made only by the engine (and system()), so a
// caller cannot forge one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/ids.hpp"

namespace boka {

// Roles, lowest to highest. Each role has every permission of the roles below it.
enum class Role : int { customer = 0, staff = 1, admin = 2, superadmin = 3 };
const char* role_name(Role role) noexcept;                       // "customer", ...
std::optional<Role> parse_role(std::string_view name) noexcept;  // nullopt: unknown name

// What an operation needs. API keys carry a set of these as scopes; roles grant them as
// the authorization matrix in docs/auth.md lays out.
enum class Permission : std::uint32_t {
  availability_read = 1u << 0,   // "availability:read"  search availability, explain
  resources_read = 1u << 1,      // "resources:read"     read resources and pools
  schedules_read = 1u << 2,      // "schedules:read"     read schedules
  reservations_own = 1u << 3,    // "reservations:own"   book; read/reschedule/cancel own
  reservations_all = 1u << 4,    // "reservations:all"   every reservation of the tenant
  catalog_write = 1u << 5,       // "catalog:write"      resources, schedules, pools
  users_manage = 1u << 6,        // "users:manage"       users below admin, unlock, sessions
  keys_manage = 1u << 7,         // "keys:manage"        create, list, revoke API keys
  audit_read = 1u << 8,          // "audit:read"         the tenant's audit trail
  security_read = 1u << 9,       // "security:read"      security reports
  tenants_manage = 1u << 10,     // "tenants:manage"     create/archive tenants (superadmin)
  system_operations = 1u << 11,  // "system:operations"  expire holds, cleanup, emergency
  customers_manage = 1u << 12,   // "customers:manage"   customer records: read, change, merge
  customers_privacy = 1u << 13,  // "customers:privacy"  export and erase any customer's data
  rules_override = 1u << 14,     // "rules:override"     pass over cutoffs and customer limits
  events_read = 1u << 15,        // "events:read"        the tenant's event feed (docs/events.md)
  webhooks_manage = 1u << 16,    // "webhooks:manage"    webhook endpoints, deliveries, replays
  mail_manage = 1u << 17,        // "mail:manage"        mail settings, templates, messages
  payments_manage = 1u << 18,    // "payments:manage"    payment settings and signing secret
};
using PermissionSet = std::uint32_t;
const char* permission_name(Permission p) noexcept;                          // "availability:read"
std::optional<Permission> parse_permission(std::string_view name) noexcept;  // nullopt: unknown
// Every permission in `set`, in enum order, by name.
std::vector<std::string> permission_names(PermissionSet set);
// Permissions a role grants. admin and superadmin permissions beyond staff's need a session
// that passed MFA (see Auth::login); API keys are exempt, as their creator needed it.
PermissionSet role_permissions(Role role) noexcept;
constexpr PermissionSet operator|(Permission a, Permission b) {
  return static_cast<PermissionSet>(a) | static_cast<PermissionSet>(b);
}
constexpr bool has_permission(PermissionSet set, Permission p) {
  return (set & static_cast<PermissionSet>(p)) != 0;
}

namespace detail {
struct PrincipalFactory;  // the engine's only way to make user and API-key principals
}  // namespace detail

class Principal {
 public:
  enum class Kind : int { system = 0, user = 1, api_key = 2 };

  // The trusted embedder. Its audit actor name is "system".
  static Principal system() { return Principal(Kind::system, "system"); }

  Kind kind() const noexcept { return kind_; }
  // For audit and logs: "system", "user:<id>", "api_key:<id>". Never a secret.
  const std::string& name() const noexcept { return name_; }
  TenantId tenant() const noexcept { return tenant_; }     // 0 for system
  UserId user() const noexcept { return user_; }           // the user, or the key's creator
  SessionId session() const noexcept { return session_; }  // 0 unless a session
  ApiKeyId api_key() const noexcept { return api_key_; }   // 0 unless an API key
  // The client address the principal acts from ("203.0.113.9", "unix:/run/x"), or "".
  // Hosts set it per request; it goes into the audit records of what the principal does.
  const std::string& source() const noexcept { return source_; }
  // A copy acting from `address` (at most 200 bytes are kept). Grants nothing.
  Principal with_source(std::string_view address) const {
    Principal p = *this;
    p.source_ = std::string(address.substr(0, 200));
    return p;
  }

 private:
  friend struct detail::PrincipalFactory;
  Principal(Kind kind, std::string name) : kind_(kind), name_(std::move(name)) {}
  Kind kind_;
  std::string name_;
  TenantId tenant_{};
  UserId user_{};
  SessionId session_{};
  ApiKeyId api_key_{};
  std::string source_;
};

}  // namespace boka
