// Auth facet: security reports (security events, locked accounts, MFA statistics, admins) and
// revoking admin rights.
#include <nlohmann/json.hpp>

#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- reports -------------------------------------------------------------------------------

Result<std::vector<User>> Auth::locked_accounts(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::security_read).status());
  AuthOps ops{*impl_, *impl_->auth};
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
        return Status::Ok();
      }));
  std::vector<User> out;
  for (StoredUser& u : rows) {
    ops.reset_if_quiet(u);  // an automatic lock past the quiet period has lapsed
    if (u.user.state == UserState::locked) out.push_back(std::move(u.user));
  }
  return out;
}

Result<MfaStats> Auth::mfa_stats(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::security_read).status());
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
        return Status::Ok();
      }));
  MfaStats stats;
  for (int r = 0; r <= 3; ++r)
    stats.by_role.push_back(MfaStats::PerRole{static_cast<Role>(r), 0, 0});
  for (const StoredUser& u : rows) {
    if (u.user.state == UserState::disabled) continue;
    auto& slot = stats.by_role[static_cast<std::size_t>(u.user.role)];
    if (u.user.mfa_enabled) {
      ++slot.with_mfa;
      ++stats.with_mfa;
    } else {
      ++slot.without_mfa;
      ++stats.without_mfa;
    }
  }
  return stats;
}

Result<std::vector<User>> Auth::list_admins(const Principal& who,
                                            std::optional<TenantId> one_tenant) {
  // Every tenant is 0 below, which only a principal acting across tenants may ask for.
  const TenantId tenant = one_tenant.value_or(TenantId{});
  if (one_tenant && *one_tenant <= 0) {
    return InvalidArgument("tenant: must be a tenant id (leave it unset for every tenant)");
  }
  BOKA_RETURN_IF_ERROR((tenant == 0 ? impl_->authorize_global(who, Permission::users_manage)
                                    : impl_->authorize(who, tenant, Permission::users_manage))
                           .status());
  std::vector<StoredUser> rows;
  const TxnScope scope = tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(tenant);
  BOKA_RETURN_IF_ERROR(impl_->storage->read(scope, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(rows, txn.list_users_with_role(Role::admin));
    return Status::Ok();
  }));
  std::vector<User> out;
  for (auto& r : rows) {
    if (tenant == 0 || r.user.tenant == tenant) out.push_back(std::move(r.user));
  }
  return out;
}

Result<User> Auth::revoke_admin(const Principal& who, TenantId tenant, UserId id) {
  return impl_->refusal_audited(
      who, tenant, "auth.admin_revoked", "user:" + std::to_string(id), [&]() -> Result<User> {
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
        if (a.role != Role::superadmin)
          return PermissionDenied(a.name + ": only a superadmin revokes admins");
        return modify_user(*impl_, a, tenant, id,
                           [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
                             if (!is_admin(u.user.role)) {
                               return ConflictError("user " + std::to_string(id) + " is " +
                                                    role_name(u.user.role) + ", not an admin");
                             }
                             kind = "admin_revoked";
                             detail = std::string(role_name(u.user.role)) + " -> staff";
                             u.user.role = Role::staff;
                             end = true;
                             return Status::Ok();
                           });
      });
}

// ---- security events: the audit records whose action starts with "auth." ----------------

Result<std::vector<SecurityEvent>> Auth::security_events(const Principal& who, TenantId tenant,
                                                         Instant from, Instant to,
                                                         std::string_view kind, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::security_read).status());
  if (!(from < to)) return InvalidArgument("to: must be after from");
  if (limit < 1 || limit > 100000) return InvalidArgument("limit: must be 1..100000");
  if (kind.size() > 64) return InvalidArgument("kind: at most 64 bytes");
  AuditQuery q;
  q.tenant = tenant;
  q.action = kind.empty() ? std::string("auth.") : "auth." + std::string(kind);
  q.from = from;
  q.to = to;
  BOKA_RETURN_IF_ERROR(impl_->seal_audit());  // every committed event is in the trail
  std::vector<AuditRecord> records;
  // In pages of at most 10,000 (the store's limit), in one snapshot.
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        records.clear();
        q.after_seq = 0;
        while (static_cast<int>(records.size()) < limit) {
          q.limit = std::min(10000, limit - static_cast<int>(records.size()));
          BOKA_ASSIGN_OR_RETURN(auto page, txn.list_audit(q));
          if (page.empty()) break;
          q.after_seq = page.back().seq;
          const bool last = static_cast<int>(page.size()) < q.limit;
          records.insert(records.end(), std::make_move_iterator(page.begin()),
                         std::make_move_iterator(page.end()));
          if (last) break;
        }
        return Status::Ok();
      }));
  std::vector<SecurityEvent> out;
  out.reserve(records.size());
  for (const AuditRecord& r : records) {
    SecurityEvent e;
    e.id = r.seq;
    e.tenant = r.tenant;
    e.at = r.at;
    e.kind = r.action.substr(5);
    if (r.target.rfind("user:", 0) == 0) e.user = UserId{std::stoll(r.target.substr(5))};
    e.actor = r.actor;
    e.source = r.source;
    e.outcome = r.outcome;
    const auto detail = nlohmann::json::parse(r.detail_json, nullptr, /*allow_exceptions=*/false);
    if (detail.is_object()) {
      if (auto it = detail.find("email"); it != detail.end() && it->is_string()) {
        e.email = it->get<std::string>();
      }
      if (auto it = detail.find("detail"); it != detail.end() && it->is_string()) {
        e.detail = it->get<std::string>();
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace boka
