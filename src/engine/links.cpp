// Manage links (boka/links.hpp): signed capability tokens for one reservation, revocable by
// a per-reservation generation kept in the tenant's settings.
#include "boka/links.hpp"

#include "auth/crypto.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

namespace {

constexpr std::string_view kPrefix = "bokm_";
constexpr const char* kKeySetting = "links.key";
constexpr std::size_t kPayloadBytes = 20;  // tenant (8), reservation (8), generation (4)
// "links.generation.<reservation id>": absent means generation 0.
std::string generation_setting(ReservationId id) {
  return "links.generation." + std::to_string(id);
}
std::string sealing_context(TenantId tenant) { return "links:" + std::to_string(tenant); }

Status invalid_link() { return Unauthenticated("invalid or revoked manage link"); }

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_be(std::string_view in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// The signature covers a domain tag as well, so a tenant key can never sign for another use.
std::string sign(std::string_view key, std::string_view payload) {
  return detail::hmac(detail::HashAlgorithm::sha256, key,
                      std::string("boka-manage-link/1\n").append(payload));
}

std::string format(std::string_view key, TenantId tenant, ReservationId id,
                   std::int64_t generation) {
  std::string payload;
  put_be(payload, static_cast<std::uint64_t>(tenant), 8);
  put_be(payload, static_cast<std::uint64_t>(id), 8);
  put_be(payload, static_cast<std::uint64_t>(generation), 4);
  return std::string(kPrefix) + detail::base64url_encode(payload) + "_" +
         detail::base64url_encode(sign(key, payload));
}

Result<std::int64_t> read_generation(StorageTransaction& txn, TenantId tenant, ReservationId id) {
  BOKA_ASSIGN_OR_RETURN(auto text, txn.get_tenant_setting(tenant, generation_setting(id)));
  if (!text) return std::int64_t{0};
  try {
    return static_cast<std::int64_t>(std::stoll(*text));
  } catch (const std::exception&) {
    return InternalError("links: generation of reservation " + std::to_string(id) + " is corrupt");
  }
}

}  // namespace

namespace detail {
Result<std::optional<std::string>> manage_token_in(EngineImpl& impl, StorageTransaction& txn,
                                                   TenantId tenant, ReservationId reservation) {
  if (impl.auth->box.empty()) return std::optional<std::string>();
  BOKA_ASSIGN_OR_RETURN(auto sealed, txn.get_tenant_setting(tenant, kKeySetting));
  if (!sealed) return std::optional<std::string>();
  // A key that does not open (sealed under a key no longer configured) means no link in the
  // message, not a message that cannot be written.
  auto key = impl.auth->box.open(*sealed, sealing_context(tenant));
  if (!key.ok()) return std::optional<std::string>();
  BOKA_ASSIGN_OR_RETURN(auto generation, read_generation(txn, tenant, reservation));
  return std::optional<std::string>(format(*key, tenant, reservation, generation));
}

Result<std::int64_t> reseal_link_keys(EngineImpl& impl, const Actor& actor) {
  const SecretBox& box = impl.auth->box;
  std::vector<TenantId> tenants;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(tenants, txn.tenants_with_setting(kKeySetting));
        return Status::Ok();
      }));
  std::int64_t resealed = 0;
  for (TenantId tenant : tenants) {
    WriteIntent intent(TxnScope::tenant(tenant));
    intent.lock_names = {"links:" + std::to_string(tenant)};
    BOKA_RETURN_IF_ERROR(impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto sealed, txn.get_tenant_setting(tenant, kKeySetting));
      if (!sealed || SecretBox::key_id_of(*sealed) == box.current_key_id()) return Status::Ok();
      BOKA_ASSIGN_OR_RETURN(auto plain, box.open(*sealed, sealing_context(tenant)));
      BOKA_ASSIGN_OR_RETURN(auto again, box.seal(plain, sealing_context(tenant)));
      BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kKeySetting, again));
      ++resealed;
      AuditEntry a;
      a.tenant = tenant;
      a.action = "links.key_resealed";
      a.target = "tenant:" + std::to_string(tenant);
      a.detail_json = JsonObject().add("key_id", box.current_key_id()).str();
      return impl.audit(txn, actor, std::move(a));
    }));
  }
  return resealed;
}
}  // namespace detail

// The tenant's link key, opened; created (in its own write) when `create` and it is missing.
static Result<std::optional<std::string>> tenant_key(detail::EngineImpl& impl,
                                                     const detail::Actor* creator,
                                                     TenantId tenant) {
  std::optional<std::string> sealed;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(sealed, txn.get_tenant_setting(tenant, kKeySetting));
        return Status::Ok();
      }));
  if (!sealed && creator != nullptr) {
    BOKA_ASSIGN_OR_RETURN(auto fresh, detail::random_bytes(32));
    BOKA_ASSIGN_OR_RETURN(auto fresh_sealed, impl.auth->box.seal(fresh, sealing_context(tenant)));
    WriteIntent intent(TxnScope::tenant(tenant));
    intent.lock_names = {"links:" + std::to_string(tenant)};
    BOKA_RETURN_IF_ERROR(impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      // Another engine may have made it since the read: keep the first one.
      BOKA_ASSIGN_OR_RETURN(sealed, txn.get_tenant_setting(tenant, kKeySetting));
      if (sealed) return Status::Ok();
      BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kKeySetting, fresh_sealed));
      sealed = fresh_sealed;
      detail::AuditEntry a;
      a.tenant = tenant;
      a.action = "links.key_created";
      a.target = "tenant:" + std::to_string(tenant);
      return impl.audit(txn, *creator, std::move(a));
    }));
  }
  if (!sealed) return std::optional<std::string>{};
  BOKA_ASSIGN_OR_RETURN(auto key, impl.auth->box.open(*sealed, sealing_context(tenant)));
  return std::optional<std::string>(std::move(key));
}

Result<ManageLink> ManageLinks::issue(const Principal& who, TenantId tenant,
                                      ReservationId reservation) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::reservations_all));
  if (impl_->auth->box.empty()) {
    return NotSupported("manage links need an encryption key: set AuthOptions::encryption_key");
  }
  bool exists = false;
  std::int64_t generation = 0;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, reservation));
        exists = r.has_value();
        if (!exists) return Status::Ok();
        BOKA_ASSIGN_OR_RETURN(generation, read_generation(txn, tenant, reservation));
        return Status::Ok();
      }));
  if (!exists) return NotFound("reservation " + std::to_string(reservation) + " not found");
  BOKA_ASSIGN_OR_RETURN(auto key, tenant_key(*impl_, &actor, tenant));
  return ManageLink{tenant, reservation, generation, format(*key, tenant, reservation, generation)};
}

Result<ManageLink> ManageLinks::resolve(std::string_view token) {
  // Shape first: nothing is read for a token that cannot be one.
  constexpr std::size_t kPayloadText = 27, kSignatureText = 43;
  if (token.size() != kPrefix.size() + kPayloadText + 1 + kSignatureText ||
      token.substr(0, kPrefix.size()) != kPrefix || token[kPrefix.size() + kPayloadText] != '_') {
    return invalid_link();
  }
  const auto payload = detail::base64_decode(token.substr(kPrefix.size(), kPayloadText));
  const auto signature = detail::base64_decode(token.substr(kPrefix.size() + kPayloadText + 1));
  if (!payload || payload->size() != kPayloadBytes || !signature || signature->size() != 32) {
    return invalid_link();
  }
  // One spelling per link: a token whose unused base64 bits differ is not the one issued.
  if (detail::base64url_encode(*payload) != token.substr(kPrefix.size(), kPayloadText) ||
      detail::base64url_encode(*signature) != token.substr(kPrefix.size() + kPayloadText + 1)) {
    return invalid_link();
  }
  const auto tenant = static_cast<TenantId>(get_be(*payload, 8));
  const auto reservation = static_cast<ReservationId>(get_be(payload->substr(8), 8));
  const auto generation = static_cast<std::int64_t>(get_be(payload->substr(16), 4));
  if (tenant <= 0 || reservation <= 0 || impl_->auth->box.empty()) return invalid_link();
  // One read: the tenant's sealed key, the reservation and its current generation. A tenant
  // that never issued a link (or does not exist) has no key.
  std::optional<std::string> sealed;
  bool exists = false;
  std::int64_t current = 0;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(sealed, txn.get_tenant_setting(tenant, kKeySetting));
        if (!sealed) return Status::Ok();
        BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, reservation));
        exists = r.has_value();
        if (exists) {
          BOKA_ASSIGN_OR_RETURN(current, read_generation(txn, tenant, reservation));
        }
        return Status::Ok();
      }));
  // Every path does the same work (open and sign), so the time taken does not tell which
  // tenants have keys or which reservations exist. A key that does not open (the
  // encryption key changed) makes every link invalid.
  auto key = sealed ? impl_->auth->box.open(*sealed, sealing_context(tenant))
                    : Result<detail::Bytes>(detail::Bytes(32, '\0'));
  const bool key_ok = key.ok() && sealed.has_value();
  const std::string expected = sign(key.ok() ? *key : detail::Bytes(32, '\0'), *payload);
  const bool signed_ok = detail::constant_time_equal(expected, *signature);
  if (!key_ok || !signed_ok || !exists || current != generation) return invalid_link();
  return ManageLink{tenant, reservation, generation, std::string(token)};
}

Result<ManageLink> ManageLinks::revoke(const Principal& who, TenantId tenant,
                                       ReservationId reservation) {
  return impl_->refusal_audited(
      who, tenant, "links.revoked", "reservation:" + std::to_string(reservation),
      [&]() -> Result<ManageLink> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::reservations_all));
        if (impl_->auth->box.empty()) {
          return NotSupported(
              "manage links need an encryption key: set AuthOptions::encryption_key");
        }
        BOKA_ASSIGN_OR_RETURN(auto key, tenant_key(*impl_, &actor, tenant));
        std::int64_t generation = 0;
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"links:" + std::to_string(tenant)};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, reservation));
          if (!r) return NotFound("reservation " + std::to_string(reservation) + " not found");
          BOKA_ASSIGN_OR_RETURN(generation, read_generation(txn, tenant, reservation));
          if (generation >= 0xffffffffLL) {
            return ConflictError("reservation " + std::to_string(reservation) +
                                 ": its manage link was revoked too often");
          }
          ++generation;
          BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, generation_setting(reservation),
                                                      std::to_string(generation)));
          detail::AuditEntry a;
          a.tenant = tenant;
          a.action = "links.revoked";
          a.target = "reservation:" + std::to_string(reservation);
          a.detail_json = detail::JsonObject().add("generation", generation).str();
          return impl_->audit(txn, actor, std::move(a));
        }));
        return ManageLink{tenant, reservation, generation,
                          format(*key, tenant, reservation, generation)};
      });
}

}  // namespace boka
