// Auth facet: login, MFA verification at login, sessions (authenticate, list, end,
// force logout, cleanup).
#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- login and sessions --------------------------------------------------------------------

Result<SessionGrant> Auth::login(const LoginRequest& req) {
  // Counted by result for auth_logins_total.
  auto result = [&]() -> Result<SessionGrant> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_RETURN_IF_ERROR(validate_text(req.source, "source", 100));
    const std::string email = lower_ascii(req.email);
    const bool sane =
        req.tenant > 0 && validate_email(email).ok() && req.password.size() <= kMaxPasswordBytes;
    // 1. Reserve the attempt under the user's row lock (AuthOps::reserve_attempt).
    AuthOps::Attempt attempt;
    if (sane) {
      BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
        attempt = AuthOps::Attempt{};
        BOKA_ASSIGN_OR_RETURN(auto tenant, txn.find_tenant(req.tenant));
        if (!tenant) return Status::Ok();  // nothing to record in a tenant that does not exist
        BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user_by_email(req.tenant, email));
        if (!found) {
          return ops.record(txn, req.tenant, "login_failed", UserId{}, email, "", req.source,
                            "unknown email");
        }
        return ops.reserve_attempt(txn, std::move(*found), req.source, "login", attempt);
      }));
    }
    if (!attempt.admitted) {
      ops.burn_one_hash(req.password.substr(0, kMaxPasswordBytes));
      return Unauthenticated(kBadLogin);
    }
    // 2. Verify the password outside any transaction.
    BOKA_ASSIGN_OR_RETURN(bool right,
                          detail::argon2id_verify(req.password, attempt.user.password_hash));
    const UserId id = attempt.user.user.id;
    if (!right) {
      BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
        return ops.settle_failure(txn, attempt, req.source, "wrong password");
      }));
      return Unauthenticated(kBadLogin);
    }
    std::string rehash;
    if (ops.needs_rehash(attempt.user.password_hash)) {
      BOKA_ASSIGN_OR_RETURN(rehash, detail::argon2id_hash(req.password, impl_->auth->argon));
    }
    // 3. Settle the attempt, check the second factor and start the session, all under the
    // row lock, so one TOTP step or recovery code opens at most one session.
    SessionGrant grant;
    Status mfa_result;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(req.tenant, [&](StorageTransaction& txn) -> Status {
      mfa_result = Status::Ok();
      BOKA_ASSIGN_OR_RETURN(auto again, txn.find_user(req.tenant, id));
      if (!again) return Unauthenticated(kBadLogin);
      StoredUser u = std::move(*again);
      if (!AuthOps::may_complete(u)) return Unauthenticated(kBadLogin);  // disabled meanwhile
      ops.settle_success(u);
      const bool has_mfa = !u.totp_secret.empty();
      bool passed = false;
      if (has_mfa && !req.mfa_code.empty()) {
        mfa_result =
            ops.check_mfa_code(txn, u, req.mfa_code, req.source, "user:" + std::to_string(id));
        if (store_failed(mfa_result)) {
          return mfa_result;
        }
        passed = mfa_result.ok();
      }
      if (!rehash.empty()) u.password_hash = rehash;
      if (mfa_result.ok()) {
        u.user.last_login_at = ops.now();
        BOKA_RETURN_IF_ERROR(
            ops.start_session(txn, u, passed, has_mfa && !passed, req.source, std::nullopt, grant));
        BOKA_RETURN_IF_ERROR(ops.record(txn, req.tenant, "login_succeeded", id, u.user.email,
                                        grant.principal.name(), req.source,
                                        passed    ? "with MFA"
                                        : has_mfa ? "MFA pending"
                                                  : "password"));
      }
      ++u.user.version;
      return txn.update_user(u);  // commits the MFA failure counters too
    }));
    BOKA_RETURN_IF_ERROR(mfa_result);
    return grant;
  }();
  auto& logins = impl_->metrics->logins;
  if (result.ok()) {
    (result->session.mfa_pending ? logins.mfa_required : logins.success)->inc();
  } else if (result.status().code() == Code::unauthenticated) {
    logins.failure->inc();
  } else if (result.status().code() == Code::rate_limited) {
    logins.rate_limited->inc();
  }
  return result;
}

namespace {
// The live session and its enabled user for `token`, or unauthenticated.
Status find_token(StorageTransaction& txn, std::string_view token, Instant now,
                  std::optional<StoredSession>& session, std::optional<StoredUser>& user) {
  if (token.empty() || token.size() > 200) return Unauthenticated(kBadSession);
  BOKA_ASSIGN_OR_RETURN(session, txn.find_session_by_token(detail::sha256_hex(token)));
  if (!session || !session_live(*session, now)) return Unauthenticated(kBadSession);
  BOKA_ASSIGN_OR_RETURN(user, txn.find_user(session->session.tenant, session->session.user));
  if (!user || user->user.state == UserState::disabled) return Unauthenticated(kBadSession);
  return Status::Ok();
}
}  // namespace

Result<SessionGrant> Auth::verify_mfa(std::string_view token, std::string_view code,
                                      std::string_view source) {
  // Counted by result for auth_mfa_verifications_total.
  auto outcome = [&]() -> Result<SessionGrant> {
    AuthOps ops{*impl_, *impl_->auth};
    BOKA_RETURN_IF_ERROR(validate_text(source, "source", 100));
    if (code.empty() || code.size() > 32) return Unauthenticated(kBadCode);
    std::optional<StoredSession> session;
    std::optional<StoredUser> user;
    BOKA_RETURN_IF_ERROR(
        impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          return find_token(txn, token, ops.now(), session, user);
        }));
    if (user->totp_secret.empty()) {
      return ConflictError("MFA is not enabled for this user; enrol first");
    }
    const TenantId tenant = session->session.tenant;
    SessionGrant grant;
    Status result;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      result = Status::Ok();
      std::optional<StoredSession> s;
      std::optional<StoredUser> u;
      BOKA_RETURN_IF_ERROR(find_token(txn, token, ops.now(), s, u));
      const std::string actor = "user:" + std::to_string(u->user.id);
      result = ops.check_mfa_code(txn, *u, code, source, actor);
      if (store_failed(result)) {
        return result;
      }
      if (result.ok()) {
        s->revoked_at = ops.now();
        BOKA_RETURN_IF_ERROR(txn.update_session(*s));
        // Step-up never extends the absolute lifetime of the login.
        BOKA_RETURN_IF_ERROR(ops.start_session(txn, *u, true, false,
                                               source.empty() ? s->session.source : source,
                                               s->session.absolute_expires_at, grant));
        BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, "mfa_verified", u->user.id, u->user.email,
                                        actor, source,
                                        "new session " + std::to_string(grant.session.id)));
      }
      ++u->user.version;
      return txn.update_user(*u);
    }));
    BOKA_RETURN_IF_ERROR(result);
    return grant;
  }();
  if (outcome.ok()) {
    impl_->metrics->mfa_checks.success->inc();
  } else if (outcome.status().code() == Code::unauthenticated ||
             outcome.status().code() == Code::rate_limited) {
    impl_->metrics->mfa_checks.failure->inc();
  }
  return outcome;
}

Result<Principal> Auth::authenticate_session(std::string_view token) {
  AuthOps ops{*impl_, *impl_->auth};
  std::optional<StoredSession> session;
  std::optional<StoredUser> user;
  const Instant t = ops.now();
  detail::CredentialCache& cache = impl_->credentials;
  const bool cacheable = cache.enabled() && !token.empty() && token.size() <= 200;
  const std::string cache_key = cacheable ? "t:" + detail::sha256_hex(token) : std::string();
  std::optional<detail::CredentialSnapshot> cached;
  if (cacheable) cached = cache.find(cache_key);
  if (cached) {
    // Read earlier: still checked against the clock, as find_token checks it.
    session = std::move(cached->session);
    user = std::move(cached->user);
    if (!session || !session_live(*session, t) || !user ||
        user->user.state == UserState::disabled) {
      return Unauthenticated(kBadSession);
    }
  } else {
    const std::uint64_t read_at = cache.generation();
    BOKA_RETURN_IF_ERROR(
        impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          return find_token(txn, token, t, session, user);
        }));
    if (cacheable) {
      detail::CredentialSnapshot keep;
      keep.session = session;
      keep.user = user;
      cache.put(cache_key, read_at, std::move(keep));
    }
  }
  // In read-only mode the session still authenticates; its idle expiry is not extended.
  if (t - session->session.last_seen_at >= Seconds(kTouchEvery) &&
      !impl_->read_only->on.load(std::memory_order_relaxed)) {
    const TenantId tenant = session->session.tenant;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(session->session.id));
      if (!s || !session_live(*s, t)) return Unauthenticated(kBadSession);
      s->session.last_seen_at = t;
      s->session.idle_expires_at =
          std::min(t + Seconds(s->idle_seconds), s->session.absolute_expires_at);
      return txn.update_session(*s);
    }));
  }
  return PrincipalFactory::user(session->session.tenant, session->session.user,
                                session->session.id);
}

Status Auth::logout(const Principal& who) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, true));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(a.session));
    if (!s) return Unauthenticated(kBadSession);
    s->revoked_at = ops.now();
    BOKA_RETURN_IF_ERROR(txn.update_session(*s));
    return ops.record(txn, a.tenant, "logout", a.user, "", a.name, s->session.source,
                      "session " + std::to_string(a.session));
  });
}

namespace {
// A user may act on their own sessions; anyone else needs users:manage in the tenant.
Status may_touch_sessions_of(const Actor& a, TenantId tenant, UserId user) {
  if (a.kind == Principal::Kind::user && a.tenant == tenant && user == a.user &&
      a.permissions != 0) {
    return Status::Ok();
  }
  return EngineImpl::permit(a, tenant, Permission::users_manage);
}
bool is_self(const Actor& a, TenantId tenant, UserId user) {
  return a.kind == Principal::Kind::user && a.tenant == tenant && a.user == user;
}
}  // namespace

Result<std::vector<Session>> Auth::list_sessions(const Principal& who, TenantId tenant,
                                                 std::optional<UserId> one_user) {
  // The store spells "every user" 0.
  const UserId user = one_user.value_or(UserId{});
  if (one_user && *one_user <= 0) {
    return InvalidArgument("user: must be a user id (leave it unset for every user)");
  }
  BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
  BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, user == 0 ? UserId{-1} : user));
  std::vector<StoredSession> rows;
  std::unordered_map<UserId, Role> roles;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_sessions(tenant, user));
        if (!is_self(a, tenant, user)) {
          BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(tenant));
          for (const StoredUser& u : users) roles[u.user.id] = u.user.role;
        }
        return Status::Ok();
      }));
  // The same rule as for changing a user: only a superadmin sees admins' sessions.
  auto manageable = [&](UserId id) {
    if (is_self(a, tenant, id)) return Status::Ok();
    auto role = roles.find(id);
    return may_manage_role(a, role == roles.end() ? Role::superadmin : role->second);
  };
  if (user != 0) BOKA_RETURN_IF_ERROR(manageable(user));
  const Instant t = impl_->clock->now();
  std::vector<Session> out;
  for (auto& r : rows) {
    if (session_live(r, t) && manageable(r.session.user).ok()) out.push_back(std::move(r.session));
  }
  return out;
}

Status Auth::end_session(const Principal& who, TenantId tenant, SessionId session) {
  return impl_->refusal_audited(
      who, tenant, "auth.session_ended", "session:" + std::to_string(session), [&]() -> Status {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
        return ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto s, txn.find_session(session));
          if (!s || s->session.tenant != tenant) {
            BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, UserId{-1}));
            return NotFound("session " + std::to_string(session) + " not found");
          }
          BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, s->session.user));
          if (!is_self(a, tenant, s->session.user)) {
            BOKA_ASSIGN_OR_RETURN(auto owner, txn.find_user(tenant, s->session.user));
            if (owner) BOKA_RETURN_IF_ERROR(may_manage_role(a, owner->user.role));
          }
          if (s->revoked_at) return Status::Ok();
          s->revoked_at = ops.now();
          BOKA_RETURN_IF_ERROR(txn.update_session(*s));
          return ops.record(txn, tenant, "session_ended", s->session.user, "", a.name, a.source,
                            "session " + std::to_string(session));
        });
      });
}

Result<std::int64_t> Auth::end_user_sessions(const Principal& who, TenantId tenant, UserId user) {
  return impl_->refusal_audited(
      who, tenant, "auth.sessions_ended", "user:" + std::to_string(user),
      [&]() -> Result<std::int64_t> {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->verify(who));
        BOKA_RETURN_IF_ERROR(may_touch_sessions_of(a, tenant, user));
        std::int64_t n = 0;
        BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto u, txn.find_user(tenant, user));
          if (!u) return NotFound("user " + std::to_string(user) + " not found");
          if (a.user != user) {
            BOKA_RETURN_IF_ERROR(may_manage_role(a, u->user.role));
          }
          BOKA_ASSIGN_OR_RETURN(n, txn.revoke_sessions(tenant, user, ops.now(), SessionId{}));
          return ops.record(txn, tenant, "sessions_ended", user, u->user.email, a.name, a.source,
                            std::to_string(n) + " sessions");
        }));
        return n;
      });
}

Result<std::int64_t> Auth::force_logout_all(const Principal& who,
                                            std::optional<TenantId> one_tenant) {
  // Every tenant is 0 below (the store's spelling, and the system chain for the record),
  // which only a principal acting across tenants may ask for.
  const TenantId tenant = one_tenant.value_or(TenantId{});
  if (one_tenant && *one_tenant <= 0) {
    return InvalidArgument("tenant: must be a tenant id (leave it unset for every tenant)");
  }
  return impl_->refusal_audited(
      who, tenant, "auth.force_logout", "", [&]() -> Result<std::int64_t> {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(
            auto a, tenant == 0 ? impl_->authorize_global(who, Permission::users_manage)
                                : impl_->authorize(who, tenant, Permission::users_manage));
        std::int64_t n = 0;
        const TxnScope scope = tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(tenant);
        BOKA_RETURN_IF_ERROR(
            impl_->storage->write(WriteIntent(scope), [&](StorageTransaction& txn) -> Status {
              if (a.role == Role::superadmin) {
                BOKA_ASSIGN_OR_RETURN(n,
                                      txn.revoke_sessions(tenant, UserId{}, ops.now(), a.session));
              } else {
                // Below superadmin, the same rule as for changing a user: the sessions of users the
                // actor may manage, and the actor's own other sessions.
                n = 0;
                BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(tenant));
                for (const StoredUser& u : users) {
                  if (!may_manage_role(a, u.user.role).ok() && !is_self(a, tenant, u.user.id))
                    continue;
                  BOKA_ASSIGN_OR_RETURN(
                      auto ended, txn.revoke_sessions(tenant, u.user.id, ops.now(), a.session));
                  n += ended;
                }
              }
              std::vector<TenantId> tenants;
              if (tenant != 0) {
                tenants.push_back(tenant);
              } else {
                BOKA_ASSIGN_OR_RETURN(auto all, txn.list_tenants());
                for (const Tenant& t : all) tenants.push_back(t.id);
              }
              for (TenantId t : tenants) {
                BOKA_RETURN_IF_ERROR(ops.record(txn, t, "force_logout", UserId{}, "", a.name,
                                                a.source,
                                                tenant == 0 ? "every tenant" : "this tenant"));
              }
              return Status::Ok();
            }));
        return n;
      });
}

Result<std::int64_t> Auth::cleanup_sessions(const Principal& who, int limit) {
  return impl_->refusal_audited(
      who, TenantId{}, "auth.sessions_cleaned", "", [&]() -> Result<std::int64_t> {
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize_global(who, Permission::system_operations));
        if (limit < 1 || limit > 1000000) return InvalidArgument("limit: must be 1..1000000");
        std::int64_t n = 0;
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(n, txn.delete_dead_sessions(impl_->clock->now(), limit));
              if (n == 0) return Status::Ok();  // nothing changed, nothing to record
              return ops.record(txn, TenantId{}, "sessions_cleaned", UserId{}, "", a.name, a.source,
                                std::to_string(n) + " expired or revoked sessions deleted");
            }));
        return n;
      });
}

Result<std::int64_t> Auth::count_active_sessions(const Principal& who) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  std::int64_t n = 0;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(n, txn.count_live_sessions(impl_->clock->now()));
        return Status::Ok();
      }));
  return n;
}

}  // namespace boka
