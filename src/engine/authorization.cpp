// The Auth facet's configuration (AuthOptions checked once at open) and the
// authorization check every engine operation starts with: verify the principal against
// storage, then permit by role, scopes and tenant (docs/auth.md has the matrix).
#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- configuration -------------------------------------------------------------------------

namespace detail {

Result<std::unique_ptr<AuthRuntime>> make_auth_runtime(const AuthOptions& o) {
  auto rt = std::make_unique<AuthRuntime>();
  rt->options = o;
  auto positive = [](Seconds s, const char* field) -> Status {
    if (s.count() <= 0) return InvalidArgument(std::string("auth.") + field + ": must be positive");
    return Status::Ok();
  };
  BOKA_RETURN_IF_ERROR(positive(o.lockout_initial_wait, "lockout_initial_wait"));
  BOKA_RETURN_IF_ERROR(positive(o.lockout_max_wait, "lockout_max_wait"));
  BOKA_RETURN_IF_ERROR(positive(o.failure_reset_after, "failure_reset_after"));
  BOKA_RETURN_IF_ERROR(positive(o.session_idle, "session_idle"));
  BOKA_RETURN_IF_ERROR(positive(o.session_absolute, "session_absolute"));
  BOKA_RETURN_IF_ERROR(positive(o.admin_session_idle, "admin_session_idle"));
  BOKA_RETURN_IF_ERROR(positive(o.admin_session_absolute, "admin_session_absolute"));
  BOKA_RETURN_IF_ERROR(positive(o.totp_lockout, "totp_lockout"));
  BOKA_RETURN_IF_ERROR(positive(o.emergency_key_lifetime, "emergency_key_lifetime"));
  if (o.credential_cache.count() < 0 || o.credential_cache.count() > 60) {
    return InvalidArgument("auth.credential_cache: must be 0..60 seconds");
  }
  if (o.lockout_threshold < 1) return InvalidArgument("auth.lockout_threshold: must be >= 1");
  if (o.max_failures_per_hour < 1)
    return InvalidArgument("auth.max_failures_per_hour: must be >= 1");
  if (o.totp_max_failures < 1) return InvalidArgument("auth.totp_max_failures: must be >= 1");
  if (o.argon2_iterations < 1 || o.argon2_parallelism < 1 || o.argon2_parallelism > 16 ||
      o.argon2_memory_kib < 8 * o.argon2_parallelism || o.argon2_memory_kib > (4u << 20)) {
    return InvalidArgument(
        "auth.argon2_*: need iterations >= 1, parallelism 1..16 and memory_kib between "
        "8 x parallelism and 4 GiB");
  }
  if (o.totp_issuer.empty() || o.totp_issuer.size() > 100 ||
      o.totp_issuer.find(':') != std::string::npos) {
    return InvalidArgument("auth.totp_issuer: must be 1..100 bytes without ':'");
  }
  rt->argon = Argon2Params{o.argon2_memory_kib, o.argon2_iterations, o.argon2_parallelism};
  for (const auto& [id, key] : o.previous_encryption_keys) {
    auto parsed = SecretBox::parse_key(key);
    if (!parsed.ok()) {
      return InvalidArgument("auth.previous_encryption_keys[" + id +
                             "]: " + parsed.status().message());
    }
    BOKA_RETURN_IF_ERROR(rt->box.add_key(id, std::move(*parsed)));
  }
  if (!o.encryption_key.empty()) {
    auto parsed = SecretBox::parse_key(o.encryption_key);
    if (!parsed.ok()) return InvalidArgument("auth.encryption_key: " + parsed.status().message());
    BOKA_RETURN_IF_ERROR(rt->box.add_key(o.encryption_key_id, std::move(*parsed)));
    BOKA_RETURN_IF_ERROR(rt->box.set_current(o.encryption_key_id));
  } else if (!o.previous_encryption_keys.empty()) {
    return InvalidArgument("auth.encryption_key: required when previous keys are configured");
  }
  return rt;
}

}  // namespace detail

// ---- verification and authorization --------------------------------------------------------

Result<Actor> EngineImpl::verify(const Principal& who) {
  Actor a;
  a.kind = who.kind();
  a.name = who.name();
  a.source = who.source();
  if (who.kind() == Principal::Kind::system) {
    a.role = Role::superadmin;
    a.permissions = kAllPermissions;
    a.all_tenants = true;
    return a;
  }
  const Instant t = clock->now();
  // What the store says about the credential: from the cache when enabled and fresh
  // (expiry is still checked below against `t`).
  CredentialSnapshot snapshot;
  std::optional<StoredUser>& user = snapshot.user;
  std::optional<StoredSession>& session = snapshot.session;
  std::optional<StoredApiKey>& key = snapshot.key;
  bool& key_chain_live = snapshot.key_chain_live;
  std::optional<CustomerId>& customer_record = snapshot.customer_record;
  std::string cache_key;
  if (credentials.enabled()) {
    cache_key = who.kind() == Principal::Kind::user ? "s:" + std::to_string(who.session())
                                                    : "k:" + std::to_string(who.api_key());
  }
  std::optional<CredentialSnapshot> cached;
  if (!cache_key.empty()) cached = credentials.find(cache_key);
  if (cached) {
    snapshot = std::move(*cached);
  } else {
    const std::uint64_t read_at = credentials.generation();
    BOKA_RETURN_IF_ERROR(
        storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          if (who.kind() == Principal::Kind::user) {
            BOKA_ASSIGN_OR_RETURN(session, txn.find_session(who.session()));
            if (session) {
              BOKA_ASSIGN_OR_RETURN(user,
                                    txn.find_user(session->session.tenant, session->session.user));
            }
          } else {
            BOKA_ASSIGN_OR_RETURN(key, txn.find_api_key(who.api_key()));
            if (key) {
              BOKA_ASSIGN_OR_RETURN(key_chain_live, ancestors_unrevoked(txn, key->key));
            }
            if (key && key->key.created_by != 0) {
              BOKA_ASSIGN_OR_RETURN(user,
                                    txn.find_user(creator_tenant(key->key), key->key.created_by));
            }
          }
          // A customer's own bookings include those made for their customer record.
          if (user && user->user.role == Role::customer) {
            BOKA_ASSIGN_OR_RETURN(
                auto linked, txn.find_live_customers(user->user.tenant, "", "", user->user.id));
            if (!linked.empty()) customer_record = linked.front().id;
          }
          return Status::Ok();
        }));
    if (!cache_key.empty()) credentials.put(cache_key, read_at, snapshot);
  }
  a.customer_record = customer_record;
  a.tenant = who.tenant();
  a.user = who.user();
  a.user_tenant = who.tenant();
  if (who.kind() == Principal::Kind::user) {
    if (!session || !session_live(*session, t) || session->session.user != who.user() ||
        session->session.tenant != who.tenant() || !user ||
        user->user.state == UserState::disabled) {
      return Unauthenticated(kBadSession);
    }
    a.session = session->session.id;
    a.role = user->user.role;
    if (session->session.mfa_pending) {
      a.permissions = 0;  // can only complete MFA or log out
    } else {
      a.permissions = role_permissions(a.role);
      if (is_admin(a.role) && !session->session.mfa_passed) {
        a.permissions &= kStaffPermissions;
        a.mfa_missing = true;
      }
    }
    a.all_tenants = a.role == Role::superadmin && !a.mfa_missing;
    return a;
  }
  if (!key || !key_live(*key, t) || !key_chain_live || key->key.tenant != who.tenant()) {
    return Unauthenticated(kBadKey);
  }
  Role ceiling = key->key.role;
  if (key->key.created_by != 0) {
    if (!creator_may_act(user, t)) return Unauthenticated(kBadKey);
    ceiling = std::min(ceiling, user->user.role);
    a.user_tenant = creator_tenant(key->key);
  }
  a.api_key = key->key.id;
  a.role = ceiling;
  a.permissions = key->key.scopes & role_permissions(ceiling);
  a.all_tenants = ceiling == Role::superadmin;
  return a;
}

Status EngineImpl::permit(const Actor& a, TenantId tenant, Permission p) {
  if (!a.can(p)) {
    std::string why = a.name + " lacks permission " + permission_name(p);
    if (a.mfa_missing && has_permission(role_permissions(a.role), p)) {
      why += " (admin actions need a session that passed MFA)";
    }
    return PermissionDenied(why);
  }
  if (tenant != a.tenant && !a.all_tenants) {
    return PermissionDenied(a.name + " may not act in tenant " + std::to_string(tenant));
  }
  return Status::Ok();
}

Result<Actor> EngineImpl::authorize(const Principal& who, TenantId tenant, Permission p) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, tenant, p));
  return actor;
}

Result<Actor> EngineImpl::authorize_global(const Principal& who, Permission p) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, actor.tenant, p));
  if (!actor.all_tenants) {
    return PermissionDenied(actor.name + ": " + permission_name(p) + " is system-wide");
  }
  return actor;
}

Result<Actor> EngineImpl::authorize_reservations(const Principal& who, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto actor, verify(who));
  BOKA_RETURN_IF_ERROR(permit(actor, tenant,
                              actor.can(Permission::reservations_all)
                                  ? Permission::reservations_all
                                  : Permission::reservations_own));
  return actor;
}

namespace detail {
Status redact_conflict(const Status& st, const Actor& actor) {
  if (st.ok() || !actor.own_reservations_only() || st.conflict() == nullptr) return st;
  ConflictInfo info = *st.conflict();
  info.blocking_reservation_ids.clear();
  for (RefusedOccurrence& o : info.occurrences) o.blocking_reservation_ids.clear();
  Status redacted(st.code(), st.message());
  redacted.with_conflict(std::move(info));
  return redacted;
}

Result<Reservation> redact_conflict(Result<Reservation> result, const Actor& actor) {
  if (result.ok()) return result;
  return redact_conflict(result.status(), actor);
}
}  // namespace detail

}  // namespace boka
