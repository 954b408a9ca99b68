// Auth facet: users (create, read, list, role and state changes, own password).
#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- users ---------------------------------------------------------------------------------

Result<User> Auth::create_user(const Principal& who, TenantId tenant, const NewUser& spec) {
  return impl_->refusal_audited(who, tenant, "auth.user_created", "", [&]() -> Result<User> {
    BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
    BOKA_RETURN_IF_ERROR(may_manage_role(a, spec.role));
    BOKA_RETURN_IF_ERROR(validate_email(spec.email));
    BOKA_RETURN_IF_ERROR(validate_text(spec.display_name, "display_name", 200));
    if (static_cast<int>(spec.role) < 0 || static_cast<int>(spec.role) > 3) {
      return InvalidArgument("role: unknown role " + std::to_string(static_cast<int>(spec.role)));
    }
    BOKA_RETURN_IF_ERROR(validate_password(spec.password, "password"));
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_ASSIGN_OR_RETURN(auto hash, detail::argon2id_hash(spec.password, impl_->auth->argon));
    StoredUser u;
    u.user.tenant = tenant;
    u.user.email = lower_ascii(spec.email);
    u.user.display_name = spec.display_name;
    u.user.role = spec.role;
    u.user.state = UserState::active;
    u.user.created_at = ops.now();
    u.user.version = 1;
    u.password_hash = std::move(hash);
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
      BOKA_ASSIGN_OR_RETURN(u.user.id, txn.insert_user(u));
      return ops.record(txn, tenant, "user_created", u.user.id, u.user.email, a.name, a.source,
                        std::string("role ") + role_name(u.user.role));
    }));
    return u.user;
  });
}

namespace {
Result<StoredUser> read_user(EngineImpl& impl, TenantId tenant, UserId id) {
  std::optional<StoredUser> u;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(u, txn.find_user(tenant, id));
        return Status::Ok();
      }));
  if (!u) return NotFound("user " + std::to_string(id) + " not found");
  return std::move(*u);
}
}  // namespace

Result<User> Auth::get_user(const Principal& who, TenantId tenant, UserId id) {
  BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
  const bool self = a.kind == Principal::Kind::user && a.user == id && a.tenant == tenant;
  if (!self) {
    BOKA_RETURN_IF_ERROR(EngineImpl::permit(a, tenant, Permission::users_manage));
  }
  BOKA_ASSIGN_OR_RETURN(auto u, read_user(*impl_, tenant, id));
  return u.user;
}

Result<User> Auth::find_user_by_email(const Principal& who, TenantId tenant,
                                      std::string_view email) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::users_manage).status());
  const std::string key = lower_ascii(email);
  std::optional<StoredUser> u;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(u, txn.find_user_by_email(tenant, key));
        return Status::Ok();
      }));
  if (!u) return NotFound("user with that email not found in tenant " + std::to_string(tenant));
  return u->user;
}

Result<std::vector<User>> Auth::list_users(const Principal& who, TenantId tenant, UserId after_id,
                                           int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::users_manage).status());
  BOKA_RETURN_IF_ERROR(check_page(limit));
  std::vector<StoredUser> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_users(tenant));
        return Status::Ok();
      }));
  std::vector<User> out;
  for (auto& r : rows) {
    if (r.user.id <= after_id) continue;
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(r.user));
  }
  return out;
}

Result<User> Auth::set_user_role(const Principal& who, TenantId tenant, UserId id, Role role) {
  return impl_->refusal_audited(
      who, tenant, "auth.role_changed", "user:" + std::to_string(id), [&]() -> Result<User> {
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
        if (static_cast<int>(role) < 0 || static_cast<int>(role) > 3) {
          return InvalidArgument("role: unknown role " + std::to_string(static_cast<int>(role)));
        }
        BOKA_RETURN_IF_ERROR(may_manage_role(a, role));
        return modify_user(*impl_, a, tenant, id,
                           [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
                             if (u.user.role == role) return Status::Ok();
                             end = static_cast<int>(role) < static_cast<int>(u.user.role);
                             kind = "role_changed";
                             detail =
                                 std::string(role_name(u.user.role)) + " -> " + role_name(role);
                             u.user.role = role;
                             return Status::Ok();
                           });
      });
}

Result<User> Auth::set_user_state(const Principal& who, TenantId tenant, UserId id,
                                  UserState state) {
  return impl_->refusal_audited(
      who, tenant, "auth.user_state_changed", "user:" + std::to_string(id), [&]() -> Result<User> {
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::users_manage));
        if (static_cast<int>(state) < 0 || static_cast<int>(state) > 2) {
          return InvalidArgument("state: unknown state " + std::to_string(static_cast<int>(state)));
        }
        return modify_user(
            *impl_, a, tenant, id,
            [&](StoredUser& u, bool& end, std::string& kind, std::string& detail) {
              detail = std::string(user_state_name(u.user.state)) + " -> " + user_state_name(state);
              switch (state) {
                case UserState::active:
                  kind = u.user.state == UserState::locked ? "user_unlocked" : "user_state_changed";
                  u.user.failed_logins = 0;
                  u.user.locked_until.reset();
                  u.failure_window_start.reset();
                  u.failures_in_window = 0;
                  break;
                case UserState::locked:  // an admin lock: until unlocked
                  kind = "user_locked";
                  u.user.locked_until.reset();
                  end = true;
                  break;
                case UserState::disabled:
                  kind = "user_disabled";
                  end = true;
                  break;
              }
              u.user.state = state;
              return Status::Ok();
            });
      });
}

Status Auth::change_password(const Principal& who, std::string_view current,
                             std::string_view replacement) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  BOKA_RETURN_IF_ERROR(validate_password(replacement, "new_password"));
  BOKA_RETURN_IF_ERROR(ops.check_own_password(
      a, current, "wrong current password at password change", "current password is wrong"));
  BOKA_ASSIGN_OR_RETURN(auto hash, detail::argon2id_hash(replacement, impl_->auth->argon));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    found->password_hash = hash;
    ++found->user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(*found));
    BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(a.tenant, a.user, ops.now(), a.session));
    return ops.record(txn, a.tenant, "password_changed", a.user, found->user.email, a.name,
                      a.source, std::to_string(n) + " other sessions ended");
  });
}

}  // namespace boka
