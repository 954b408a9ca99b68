// Auth facet: API keys (create, list, revoke with everything derived from them,
// authenticate, emergency keys).
#include "engine/credentials.hpp"

namespace boka {

using namespace detail;  // the credentials policy (engine/credentials.hpp)

// ---- API keys ------------------------------------------------------------------------------

namespace {
Result<CreatedApiKey> insert_key(AuthOps& ops, const Actor& a, TenantId tenant, ApiKey info,
                                 const char* event) {
  BOKA_ASSIGN_OR_RETURN(auto raw, detail::random_bytes(32));
  // The secret part is fixed before the id exists; the key text adds the id and checksum.
  const std::string sample = detail::format_api_key(1, raw);
  auto parsed = detail::parse_api_key(sample);
  if (!parsed) return InternalError("API key formatting failed");
  StoredApiKey row;
  row.key = std::move(info);
  row.key.tenant = tenant;
  row.key.created_at = ops.now();
  row.secret_hash = detail::sha256_hex(parsed->secret);
  CreatedApiKey out;
  BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
    BOKA_RETURN_IF_ERROR(ops.impl.check_tenant_exists(txn, tenant));
    BOKA_ASSIGN_OR_RETURN(row.key.id, txn.insert_api_key(row));
    std::string detail = "key " + std::to_string(row.key.id) + " \"" + row.key.name + "\"";
    if (row.key.expires_at) detail += ", expires " + format_utc(*row.key.expires_at);
    return ops.record(txn, tenant, event, a.user, "", a.name, a.source, detail);
  }));
  out.key = detail::format_api_key(row.key.id, raw);
  out.info = row.key;
  return out;
}
}  // namespace

Result<CreatedApiKey> Auth::create_api_key(const Principal& who, TenantId tenant,
                                           const NewApiKey& spec) {
  return impl_->refusal_audited(
      who, tenant, "auth.api_key_created", "", [&]() -> Result<CreatedApiKey> {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::keys_manage));
        if (spec.name.empty()) return InvalidArgument("name: must not be empty");
        BOKA_RETURN_IF_ERROR(validate_text(spec.name, "name", 200));
        if (spec.scopes == 0) return InvalidArgument("scopes: must name at least one permission");
        if (spec.scopes & ~kAllPermissions)
          return InvalidArgument("scopes: contains unknown permission bits");
        if (const PermissionSet beyond = spec.scopes & ~a.permissions) {
          return PermissionDenied("scopes: " + a.name + " does not hold " +
                                  permission_names(beyond).front() + " and cannot grant it");
        }
        if (spec.expires_in &&
            (spec.expires_in->count() <= 0 || spec.expires_in->count() > 10LL * 366 * 86400)) {
          return InvalidArgument("expires_in: must be 1 s..10 years");
        }
        ApiKey info;
        info.created_by = a.kind == Principal::Kind::system ? UserId{} : a.user;
        info.created_by_tenant = info.created_by == 0 ? TenantId{} : a.user_tenant;
        info.parent = a.api_key;  // a key made with a key dies with it
        info.name = spec.name;
        info.scopes = spec.scopes;
        info.role = a.role;
        if (spec.expires_in) info.expires_at = ops.now() + *spec.expires_in;
        return insert_key(ops, a, tenant, std::move(info), "api_key_created");
      });
}

Result<std::vector<ApiKey>> Auth::list_api_keys(const Principal& who, TenantId tenant,
                                                ApiKeyId after_id, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::keys_manage).status());
  BOKA_RETURN_IF_ERROR(check_page(limit));
  std::vector<StoredApiKey> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(rows, txn.list_api_keys(tenant));
        return Status::Ok();
      }));
  std::vector<ApiKey> out;
  for (auto& r : rows) {
    if (r.key.id <= after_id) continue;
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(r.key));
  }
  return out;
}

Result<ApiKey> Auth::revoke_api_key(const Principal& who, TenantId tenant, ApiKeyId id) {
  return impl_->refusal_audited(
      who, tenant, "auth.api_key_revoked", "api_key:" + std::to_string(id),
      [&]() -> Result<ApiKey> {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::keys_manage));
        ApiKey out;
        BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto k, txn.find_api_key(id));
          if (!k || k->key.tenant != tenant)
            return NotFound("API key " + std::to_string(id) + " not found");
          if (!k->key.revoked_at) {
            const Instant t = ops.now();
            k->key.revoked_at = t;
            BOKA_RETURN_IF_ERROR(txn.update_api_key(*k));
            BOKA_RETURN_IF_ERROR(ops.record(txn, tenant, "api_key_revoked", k->key.created_by, "",
                                            a.name, a.source, "key " + std::to_string(id)));
            // Every key created with it, transitively, in this tenant. (Children in other
            // tenants are refused at use by the ancestor check in verify.)
            BOKA_ASSIGN_OR_RETURN(auto all, txn.list_api_keys(tenant));
            std::unordered_set<ApiKeyId> revoked{id};
            for (bool grew = true; grew;) {
              grew = false;
              for (StoredApiKey& child : all) {
                if (child.key.parent == 0 || !revoked.count(child.key.parent) ||
                    revoked.count(child.key.id)) {
                  continue;
                }
                revoked.insert(child.key.id);
                grew = true;
                if (child.key.revoked_at) continue;
                child.key.revoked_at = t;
                BOKA_RETURN_IF_ERROR(txn.update_api_key(child));
                BOKA_RETURN_IF_ERROR(ops.record(
                    txn, tenant, "api_key_revoked", child.key.created_by, "", a.name, a.source,
                    "key " + std::to_string(child.key.id) + " with its parent key " +
                        std::to_string(child.key.parent)));
              }
            }
          }
          out = k->key;
          return Status::Ok();
        }));
        return out;
      });
}

Result<Principal> Auth::authenticate_api_key(std::string_view key, std::string_view source) {
  AuthOps ops{*impl_, *impl_->auth};
  auto parsed = detail::parse_api_key(key);
  if (!parsed) return Unauthenticated(kBadKey);  // mistyped: refused before any lookup
  const std::string digest = detail::sha256_hex(parsed->secret);
  std::optional<StoredApiKey> row;
  std::optional<StoredUser> creator;
  const Instant t = ops.now();
  bool chain_live = false;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(row, txn.find_api_key(ApiKeyId{parsed->id}));
        if (row) {
          BOKA_ASSIGN_OR_RETURN(chain_live, ancestors_unrevoked(txn, row->key));
        }
        if (row && row->key.created_by != 0) {
          BOKA_ASSIGN_OR_RETURN(creator,
                                txn.find_user(creator_tenant(row->key), row->key.created_by));
        }
        return Status::Ok();
      }));
  if (!row || !detail::constant_time_equal(row->secret_hash, digest) || !key_live(*row, t) ||
      !chain_live) {
    return Unauthenticated(kBadKey);
  }
  if (row->key.created_by != 0 && !creator_may_act(creator, t)) {
    return Unauthenticated(kBadKey);
  }
  // last_used_at is written at most once a minute; an emergency key's every use is recorded.
  // In read-only mode last_used_at is not written, but an emergency key, whose every use
  // must be recorded, is refused (the write fails with unavailable).
  const bool writable = !impl_->read_only->on.load(std::memory_order_relaxed);
  if (row->key.emergency || (writable && (!row->key.last_used_at ||
                                          t - *row->key.last_used_at >= Seconds(kTouchEvery)))) {
    const TenantId tenant = row->key.tenant;
    BOKA_RETURN_IF_ERROR(ops.write_tenant(tenant, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto k, txn.find_api_key(row->key.id));
      if (!k || !key_live(*k, t)) return Unauthenticated(kBadKey);
      k->key.last_used_at = t;
      BOKA_RETURN_IF_ERROR(txn.update_api_key(*k));
      if (k->key.emergency) {  // every use of an emergency key is on the record
        return ops.record(txn, tenant, "emergency_key_used", k->key.created_by, "",
                          "api_key:" + std::to_string(k->key.id), source, "");
      }
      return Status::Ok();
    }));
  }
  return PrincipalFactory::api_key(row->key.tenant, row->key.created_by, row->key.id);
}

Result<CreatedApiKey> Auth::generate_emergency_key(const Principal& who, TenantId tenant,
                                                   std::optional<Seconds> lifetime) {
  return impl_->refusal_audited(
      who, tenant, "auth.emergency_key_created", "", [&]() -> Result<CreatedApiKey> {
        AuthOps ops{*impl_, *impl_->auth};
        BOKA_ASSIGN_OR_RETURN(auto a, impl_->authorize(who, tenant, Permission::system_operations));
        if (a.kind == Principal::Kind::api_key) {
          return PermissionDenied(a.name + ": an API key cannot mint an emergency key");
        }
        const Seconds life = lifetime.value_or(impl_->auth->options.emergency_key_lifetime);
        if (life.count() <= 0 || life.count() > 86400)
          return InvalidArgument("lifetime: must be 1 s..24 h");
        ApiKey info;
        info.created_by = a.kind == Principal::Kind::system ? UserId{} : a.user;
        info.created_by_tenant = info.created_by == 0 ? TenantId{} : a.user_tenant;
        info.name = "emergency";
        info.scopes = kAllPermissions;
        info.role = Role::superadmin;
        info.emergency = true;
        info.expires_at = ops.now() + life;
        return insert_key(ops, a, tenant, std::move(info), "emergency_key_created");
      });
}

}  // namespace boka
