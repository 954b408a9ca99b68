// Auth facet: TOTP enrolment and removal, and re-sealing TOTP secrets under a new
// encryption key.
#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- TOTP ------------------------------------------------------------------------------------

Result<TotpEnrollment> Auth::begin_totp_enrollment(const Principal& who) {
  return impl_->refusal_audited(
      who, who.tenant(), "auth.mfa_enrollment_started", "user:" + std::to_string(who.user()),
      [&]() -> Result<TotpEnrollment> {
        AuthOps ops{*impl_, *impl_->auth};
        if (impl_->auth->box.empty()) {
          return NotSupported("MFA needs an encryption key: set AuthOptions::encryption_key");
        }
        BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
        BOKA_ASSIGN_OR_RETURN(auto secret, detail::random_bytes(20));
        TotpEnrollment out;
        BOKA_RETURN_IF_ERROR(ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto u, txn.find_user(a.tenant, a.user));
          if (!u) return Unauthenticated(kBadSession);
          if (!u->totp_secret.empty())
            return ConflictError("MFA is already enabled; disable it first");
          BOKA_ASSIGN_OR_RETURN(u->totp_pending,
                                impl_->auth->box.seal(secret, totp_associated(a.user)));
          ++u->user.version;
          BOKA_RETURN_IF_ERROR(txn.update_user(*u));
          out.secret_base32 = detail::base32_encode(secret);
          out.provisioning_uri = detail::totp_provisioning_uri(impl_->auth->options.totp_issuer,
                                                               u->user.email, secret);
          return ops.record(txn, a.tenant, "mfa_enrollment_started", a.user, u->user.email, a.name,
                            a.source, "");
        }));
        return out;
      });
}

Result<MfaEnabled> Auth::confirm_totp_enrollment(const Principal& who, std::string_view code) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  std::vector<std::string> codes;
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    BOKA_ASSIGN_OR_RETURN(auto raw, detail::random_bytes(kRecoveryCodeBytes));
    codes.push_back(format_recovery_code(raw));
    hashes.push_back(detail::sha256_hex(normalize_recovery_code(codes.back())));
  }
  MfaEnabled out;
  Status result;
  BOKA_RETURN_IF_ERROR(ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    result = Status::Ok();
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    StoredUser u = std::move(*found);
    if (u.totp_pending.empty())
      return ConflictError("no MFA enrolment in progress; begin one first");
    // Check the code against the pending secret with the same replay and failure rules.
    StoredUser trial = u;
    trial.totp_secret = u.totp_pending;
    trial.recovery_code_hashes.clear();  // a recovery code cannot confirm an enrolment
    result = ops.check_mfa_code(txn, trial, code, a.source, a.name);
    if (store_failed(result)) {
      return result;
    }
    u.totp_failures = trial.totp_failures;
    u.totp_locked_until = trial.totp_locked_until;
    if (result.ok()) {
      u.totp_secret = u.totp_pending;
      u.totp_pending.clear();
      u.totp_last_step = trial.totp_last_step;
      u.recovery_code_hashes = hashes;
      u.user.mfa_enabled = true;
      BOKA_RETURN_IF_ERROR(txn.revoke_sessions(a.tenant, a.user, ops.now(), SessionId{}).status());
      BOKA_RETURN_IF_ERROR(
          ops.start_session(txn, u, true, false, a.source, std::nullopt, out.session));
      BOKA_RETURN_IF_ERROR(ops.record(txn, a.tenant, "mfa_enabled", a.user, u.user.email, a.name,
                                      a.source, "other sessions ended"));
    }
    ++u.user.version;
    return txn.update_user(u);
  }));
  BOKA_RETURN_IF_ERROR(result);
  out.recovery_codes = std::move(codes);
  return out;
}

Status Auth::disable_totp(const Principal& who, std::string_view password) {
  AuthOps ops{*impl_, *impl_->auth};
  BOKA_ASSIGN_OR_RETURN(auto a, ops.verify_self(who, false));
  BOKA_ASSIGN_OR_RETURN(auto u, ops.self(a));
  if (u.totp_secret.empty()) return ConflictError("MFA is not enabled");
  BOKA_RETURN_IF_ERROR(
      ops.check_own_password(a, password, "wrong password at MFA removal", "password is wrong"));
  return ops.write_tenant(a.tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(a.tenant, a.user));
    if (!found) return Unauthenticated(kBadSession);
    found->totp_secret.clear();
    found->totp_pending.clear();
    found->recovery_code_hashes.clear();
    found->totp_failures = 0;
    found->totp_locked_until.reset();
    found->user.mfa_enabled = false;
    ++found->user.version;
    BOKA_RETURN_IF_ERROR(txn.update_user(*found));
    BOKA_ASSIGN_OR_RETURN(auto n, txn.revoke_sessions(a.tenant, a.user, ops.now(), SessionId{}));
    return ops.record(txn, a.tenant, "mfa_disabled", a.user, found->user.email, a.name, a.source,
                      std::to_string(n) + " sessions ended");
  });
}

// ---- encryption key rotation ---------------------------------------------------------------

Result<KeyRotation> Auth::rotate_encryption_key(const Principal& who, int limit) {
  return impl_->refusal_audited(
      who, TenantId{}, "auth.encryption_key_rotated", "", [&]() -> Result<KeyRotation> {
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize_global(who, Permission::system_operations));
        if (limit < 1 || limit > 100000) return InvalidArgument("limit: must be 1..100000");
        const detail::SecretBox& box = impl_->auth->box;
        if (box.empty()) {
          return NotSupported("no encryption key is configured: set AuthOptions::encryption_key");
        }
        AuthOps ops{*impl_, *impl_->auth};
        KeyRotation out;
        out.key_id = box.current_key_id();
        auto stale = [&](const StoredUser& u) {
          const auto old = [&](const std::string& sealed) {
            return !sealed.empty() && detail::SecretBox::key_id_of(sealed) != out.key_id;
          };
          return old(u.totp_secret) || old(u.totp_pending);
        };
        // Which users need it, per tenant (read), then each tenant's batch in one write that
        // re-reads and locks every row it changes.
        std::vector<std::pair<TenantId, std::vector<UserId>>> work;
        BOKA_RETURN_IF_ERROR(
            impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
              work.clear();
              out.remaining = 0;
              BOKA_ASSIGN_OR_RETURN(auto tenants, txn.list_tenants());
              std::int64_t taken = 0;
              for (const Tenant& t : tenants) {
                BOKA_ASSIGN_OR_RETURN(auto users, txn.list_users(t.id));
                std::vector<UserId> ids;
                for (const StoredUser& u : users) {
                  if (!stale(u)) continue;
                  if (taken < limit) {
                    ids.push_back(u.user.id);
                    ++taken;
                  } else {
                    ++out.remaining;
                  }
                }
                if (!ids.empty()) work.emplace_back(t.id, std::move(ids));
              }
              return Status::Ok();
            }));
        for (const auto& entry : work) {
          // Named copies rather than a structured binding: clang 14 (the fuzz build) cannot
          // capture a structured binding in the lambda below.
          const TenantId tenant = entry.first;
          const auto& ids = entry.second;
          std::int64_t done = 0;
          BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
            done = 0;
            for (UserId id : ids) {
              BOKA_ASSIGN_OR_RETURN(auto found, txn.find_user(tenant, id));
              if (!found || !stale(*found)) continue;  // changed meanwhile
              const std::string associated = totp_associated(id);
              for (std::string* sealed : {&found->totp_secret, &found->totp_pending}) {
                if (sealed->empty() || detail::SecretBox::key_id_of(*sealed) == out.key_id)
                  continue;
                BOKA_ASSIGN_OR_RETURN(auto plain, box.open(*sealed, associated));
                BOKA_ASSIGN_OR_RETURN(*sealed, box.seal(plain, associated));
              }
              ++found->user.version;
              BOKA_RETURN_IF_ERROR(txn.update_user(*found));
              ++done;
            }
            if (done == 0) return Status::Ok();
            return ops.record(
                txn, tenant, "encryption_key_rotated", UserId{}, "", a.name, a.source,
                std::to_string(done) + " users' TOTP secrets re-sealed under key " + out.key_id);
          }));
          out.resealed += done;
        }
        // The tenants' manage-link keys (boka/links.hpp) are sealed with the same key: a link
        // must outlive the rotation, so they are re-sealed in every call (there are few).
        BOKA_RETURN_IF_ERROR(detail::reseal_link_keys(*impl_, a).status());
        return out;
      });
}

}  // namespace boka
