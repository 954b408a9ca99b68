// Names of roles, permissions and user states: the stable strings used in scopes,
// configuration, logs and the shells.
#include <array>
#include <optional>
#include <string_view>

#include "boka/auth.hpp"
#include "boka/principal.hpp"

namespace boka {
namespace {

constexpr std::array<const char*, 4> kRoleNames = {"customer", "staff", "admin", "superadmin"};
constexpr std::array<const char*, 19> kPermissionNames = {
    "availability:read", "resources:read",    "schedules:read", "reservations:own",
    "reservations:all",  "catalog:write",     "users:manage",   "keys:manage",
    "audit:read",        "security:read",     "tenants:manage", "system:operations",
    "customers:manage",  "customers:privacy", "rules:override", "events:read",
    "webhooks:manage",   "mail:manage",       "payments:manage"};
constexpr std::array<const char*, 3> kStateNames = {"active", "locked", "disabled"};

constexpr PermissionSet kCustomer = Permission::availability_read | Permission::resources_read |
                                    static_cast<PermissionSet>(Permission::reservations_own);
constexpr PermissionSet kStaff = kCustomer |
                                 static_cast<PermissionSet>(Permission::schedules_read) |
                                 static_cast<PermissionSet>(Permission::reservations_all) |
                                 static_cast<PermissionSet>(Permission::customers_manage) |
                                 static_cast<PermissionSet>(Permission::rules_override);
constexpr PermissionSet kAdmin = kStaff | static_cast<PermissionSet>(Permission::catalog_write) |
                                 static_cast<PermissionSet>(Permission::users_manage) |
                                 static_cast<PermissionSet>(Permission::keys_manage) |
                                 static_cast<PermissionSet>(Permission::audit_read) |
                                 static_cast<PermissionSet>(Permission::security_read) |
                                 static_cast<PermissionSet>(Permission::customers_privacy) |
                                 static_cast<PermissionSet>(Permission::events_read) |
                                 static_cast<PermissionSet>(Permission::webhooks_manage) |
                                 static_cast<PermissionSet>(Permission::mail_manage) |
                                 static_cast<PermissionSet>(Permission::payments_manage);
constexpr PermissionSet kSuperadmin = kAdmin |
                                      static_cast<PermissionSet>(Permission::tenants_manage) |
                                      static_cast<PermissionSet>(Permission::system_operations);

}  // namespace

const char* role_name(Role role) noexcept {
  const auto i = static_cast<std::size_t>(role);
  return i < kRoleNames.size() ? kRoleNames[i] : "unknown";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (name == kRoleNames[i]) return static_cast<Role>(i);
  }
  return std::nullopt;
}

const char* permission_name(Permission p) noexcept {
  const auto bits = static_cast<PermissionSet>(p);
  for (std::size_t i = 0; i < kPermissionNames.size(); ++i) {
    if (bits == (1u << i)) return kPermissionNames[i];
  }
  return "unknown";
}

std::optional<Permission> parse_permission(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kPermissionNames.size(); ++i) {
    if (name == kPermissionNames[i]) return static_cast<Permission>(1u << i);
  }
  return std::nullopt;
}

std::vector<std::string> permission_names(PermissionSet set) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kPermissionNames.size(); ++i) {
    if (set & (1u << i)) out.emplace_back(kPermissionNames[i]);
  }
  return out;
}

PermissionSet role_permissions(Role role) noexcept {
  switch (role) {
    case Role::customer: return kCustomer;
    case Role::staff: return kStaff;
    case Role::admin: return kAdmin;
    case Role::superadmin: return kSuperadmin;
  }
  return 0;
}

const char* user_state_name(UserState state) noexcept {
  const auto i = static_cast<std::size_t>(state);
  return i < kStateNames.size() ? kStateNames[i] : "unknown";
}

std::optional<UserState> parse_user_state(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (name == kStateNames[i]) return static_cast<UserState>(i);
  }
  return std::nullopt;
}

}  // namespace boka
