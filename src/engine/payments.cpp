// Payment state (boka/payments.hpp): tenant settings with the provider's sealed signing
// secret, the provider's signed notifications (Stripe's scheme) and staff's records.
// docs/payments.md is the guide; docs/architecture.md, "Payments", the decisions.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "codec/json_codec.hpp"
#include "delivery/signing.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

const char* payment_outcome_name(PaymentOutcome o) noexcept {
  switch (o) {
    case PaymentOutcome::paid: return "paid";
    case PaymentOutcome::failed: return "failed";
    case PaymentOutcome::refunded: return "refunded";
    case PaymentOutcome::late: return "late";
    case PaymentOutcome::mismatch: return "mismatch";
    case PaymentOutcome::ignored: return "ignored";
    case PaymentOutcome::duplicate: return "duplicate";
  }
  return "unknown";
}

namespace {

using detail::Actor;
using Json = nlohmann::ordered_json;

constexpr const char* kSettingsName = "payments";
// The one message for every refused signature: a forger learns nothing from it.
constexpr const char* kBadSignature =
    "payment notification refused: missing, malformed, wrong or stale signature";

struct StoredSettings {
  PaymentSettings settings;
  std::string secret_sealed;
};

std::string sealing_context(TenantId tenant) { return "payments:" + std::to_string(tenant); }

std::string settings_text(const StoredSettings& s) {
  Json j;
  j["enabled"] = s.settings.enabled;
  j["payment_window"] = s.settings.payment_window.count();
  j["tolerance"] = s.settings.tolerance.count();
  j["secret"] = s.secret_sealed;
  j["updated_at"] = to_unix(s.settings.updated_at);
  j["version"] = s.settings.version;
  return j.dump();
}

Result<StoredSettings> load_settings(StorageTransaction& txn, TenantId tenant) {
  StoredSettings out;
  out.settings.tenant = tenant;
  BOKA_ASSIGN_OR_RETURN(auto text, txn.get_tenant_setting(tenant, kSettingsName));
  if (!text) return out;
  try {
    const Json j = Json::parse(*text);
    out.settings.enabled = j.at("enabled").get<bool>();
    out.settings.payment_window = Seconds(j.at("payment_window").get<std::int64_t>());
    out.settings.tolerance = Seconds(j.at("tolerance").get<std::int64_t>());
    out.secret_sealed = j.at("secret").get<std::string>();
    out.settings.updated_at = from_unix(j.at("updated_at").get<std::int64_t>());
    out.settings.version = j.at("version").get<std::int64_t>();
  } catch (const std::exception& e) {
    return StorageError(std::string("stored payment settings are unreadable: ") + e.what());
  }
  out.settings.has_secret = !out.secret_sealed.empty();
  return out;
}

// What a provider event asks for.
struct Wanted {
  PaymentStatus to = PaymentStatus::none;  // none: nothing (ignored)
  std::optional<ReservationId> reservation;
  std::optional<std::int64_t> amount;
  std::string currency;  // upper-case
  std::string reference;
};

std::optional<std::int64_t> integer_at(const Json& o, const char* key) {
  if (!o.contains(key) || !o.at(key).is_number_integer()) return std::nullopt;
  return o.at(key).get<std::int64_t>();
}

std::string string_at(const Json& o, const char* key) {
  if (!o.contains(key) || !o.at(key).is_string()) return {};
  return o.at(key).get<std::string>();
}

// Reads the parts of a Stripe event boka acts on (invalid_argument when it is not one).
Result<std::pair<std::string, std::string>> read_event(const Json& j, Wanted& w) {
  if (!j.is_object()) return InvalidArgument("body: not a JSON object");
  const std::string id = string_at(j, "id");
  const std::string type = string_at(j, "type");
  if (id.empty() || id.size() > 255)
    return InvalidArgument("id: the provider's event id is missing");
  if (type.empty() || type.size() > 255) return InvalidArgument("type: missing");
  if (!j.contains("data") || !j.at("data").is_object() || !j.at("data").contains("object") ||
      !j.at("data").at("object").is_object()) {
    return InvalidArgument("data.object: missing");
  }
  const Json& o = j.at("data").at("object");
  if (o.contains("metadata") && o.at("metadata").is_object()) {
    const Json& m = o.at("metadata");
    if (m.contains("boka_reservation_id")) {
      const Json& v = m.at("boka_reservation_id");
      std::int64_t n = 0;
      if (v.is_number_integer()) {
        n = v.get<std::int64_t>();
      } else if (v.is_string()) {
        try {
          std::size_t used = 0;
          n = std::stoll(v.get<std::string>(), &used);
          if (used != v.get<std::string>().size()) n = 0;
        } catch (const std::exception&) {
          n = 0;
        }
      }
      if (n <= 0) return InvalidArgument("data.object.metadata.boka_reservation_id: not an id");
      w.reservation = ReservationId(n);
    }
  }
  w.currency = string_at(o, "currency");
  for (char& c : w.currency) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  w.reference = string_at(o, "id");
  if (type == "payment_intent.succeeded") {
    w.to = PaymentStatus::paid;
    w.amount = integer_at(o, "amount_received");
    if (!w.amount) w.amount = integer_at(o, "amount");
  } else if (type == "checkout.session.completed" ||
             type == "checkout.session.async_payment_succeeded") {
    // A session whose payment is still processing (bank debits) completes "unpaid" and
    // reports later with async_payment_succeeded or _failed.
    if (string_at(o, "payment_status") == "paid") w.to = PaymentStatus::paid;
    w.amount = integer_at(o, "amount_total");
    const std::string intent = string_at(o, "payment_intent");
    if (!intent.empty()) w.reference = intent;
  } else if (type == "payment_intent.payment_failed" ||
             type == "checkout.session.async_payment_failed") {
    w.to = PaymentStatus::failed;
  } else if (type == "charge.refunded") {
    // Only a full refund moves the state; a partial one is the business's own matter.
    if (o.contains("refunded") && o.at("refunded").is_boolean() && o.at("refunded").get<bool>()) {
      w.to = PaymentStatus::refunded;
    }
    w.amount = integer_at(o, "amount");
    const std::string intent = string_at(o, "payment_intent");
    if (!intent.empty()) w.reference = intent;
  }
  if (w.reference.size() > 200) w.reference.resize(200);
  return std::pair{id, type};
}

bool transition_allowed(PaymentStatus from, PaymentStatus to) {
  switch (to) {
    case PaymentStatus::paid:
      return from == PaymentStatus::pending || from == PaymentStatus::failed;
    case PaymentStatus::failed: return from == PaymentStatus::pending;
    case PaymentStatus::refunded: return from == PaymentStatus::paid;
    default: return false;
  }
}

const char* event_type_of(PaymentStatus to) {
  switch (to) {
    case PaymentStatus::paid: return "reservation.paid";
    case PaymentStatus::failed: return "reservation.payment_failed";
    case PaymentStatus::refunded: return "reservation.refunded";
    default: return "reservation.updated";
  }
}

detail::AuditEntry payment_entry(const Reservation& r, PaymentStatus from, const char* action,
                                 const std::string& provider_event, PaymentOutcome outcome) {
  detail::AuditEntry a;
  a.tenant = r.tenant;
  a.action = action;
  a.target = "reservation:" + std::to_string(r.id);
  detail::JsonObject d;
  d.add("from", payment_status_name(from))
      .add("to", payment_status_name(r.payment_status))
      .add("outcome", payment_outcome_name(outcome))
      .add("version", r.version);
  if (!provider_event.empty()) d.add("provider_event", provider_event);
  a.detail_json = d.str();
  return a;
}

// Replans of a write whose reservation moved between planning its locks and taking them.
constexpr int kMaxReplans = 5;

bool covered_by(const Reservation& r, const std::vector<ResourceId>& locks) {
  return std::all_of(r.allocations.begin(), r.allocations.end(), [&](const Allocation& a) {
    return std::find(locks.begin(), locks.end(), a.resource) != locks.end();
  });
}

// The resources a reservation's write must lock (so a payment change and a booking change
// of one reservation take turns).
Result<std::vector<ResourceId>> locks_of(EngineImpl& impl, TenantId tenant, ReservationId id) {
  std::vector<ResourceId> locks;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, id));
        if (r) {
          for (const Allocation& a : r->allocations) locks.push_back(a.resource);
        }
        return Status::Ok();
      }));
  return locks;
}

}  // namespace

namespace detail {

Result<std::optional<Seconds>> payment_window(StorageTransaction& txn, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto s, load_settings(txn, tenant));
  if (!s.settings.enabled) return std::optional<Seconds>();
  return std::optional<Seconds>(s.settings.payment_window);
}

}  // namespace detail

// ---- settings ---------------------------------------------------------------------------------

Result<PaymentSettings> Payments::settings(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::payments_manage).status());
  PaymentSettings out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(auto s, load_settings(txn, tenant));
        out = s.settings;
        return Status::Ok();
      }));
  return out;
}

Result<PaymentSettings> Payments::update_settings(const Principal& who, TenantId tenant,
                                                  const PaymentSettings& wanted,
                                                  const std::optional<std::string>& secret) {
  return impl_->refusal_audited(
      who, tenant, "payments.settings", "payments:" + std::to_string(tenant),
      [&]() -> Result<PaymentSettings> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::payments_manage));
        if (wanted.payment_window < Seconds(60) || wanted.payment_window > Seconds(86400)) {
          return InvalidArgument("payment_window: must be 1 minute .. 1 day");
        }
        if (wanted.tolerance < Seconds(60) || wanted.tolerance > Seconds(3600)) {
          return InvalidArgument("tolerance: must be 1 minute .. 1 hour");
        }
        std::string sealed;
        if (secret) {
          if (secret->size() < 16 || secret->size() > 256) {
            return InvalidArgument("signing_secret: must be 16..256 bytes");
          }
          if (impl_->auth->box.empty()) {
            return NotSupported(
                "payments need an encryption key for the signing secret: set "
                "AuthOptions::encryption_key");
          }
          BOKA_ASSIGN_OR_RETURN(sealed, impl_->auth->box.seal(*secret, sealing_context(tenant)));
        }
        PaymentSettings out;
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"payments:" + std::to_string(tenant)};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_ASSIGN_OR_RETURN(auto cur, load_settings(txn, tenant));
          if (cur.settings.version != wanted.version) {
            return detail::stale("payment settings", static_cast<std::int64_t>(tenant),
                                 wanted.version, cur.settings.version);
          }
          StoredSettings next = cur;
          next.settings.enabled = wanted.enabled;
          next.settings.payment_window = wanted.payment_window;
          next.settings.tolerance = wanted.tolerance;
          if (secret) next.secret_sealed = sealed;
          if (next.settings.enabled && next.secret_sealed.empty()) {
            return InvalidArgument(
                "signing_secret: payments cannot be enabled without the provider's signing "
                "secret");
          }
          next.settings.has_secret = !next.secret_sealed.empty();
          next.settings.updated_at = impl_->clock->now();
          next.settings.version = cur.settings.version + 1;
          BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kSettingsName, settings_text(next)));
          detail::AuditEntry a;
          a.tenant = tenant;
          a.action = "payments.settings";
          a.target = "payments:" + std::to_string(tenant);
          a.detail_json = detail::JsonObject()
                              .add("enabled", next.settings.enabled)
                              .add("secret_changed", secret.has_value())
                              .add("version", next.settings.version)
                              .str();
          BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor, std::move(a)));
          out = next.settings;
          return Status::Ok();
        }));
        return out;
      });
}

// ---- provider notifications -------------------------------------------------------------------

Result<PaymentNotice> Payments::handle_notification(TenantId tenant,
                                                    std::string_view signature_header,
                                                    std::string_view body) {
  auto& metrics = *impl_->metrics;
  const auto refused = [&](Status s) -> Status {
    metrics.payment_refused->inc();
    return s;
  };
  // 1. The signature, with the tenant's secret.
  // Before the signature is checked nothing about the tenant is told: an unknown tenant, one
  // without a secret and a wrong signature all get the same answer. A tenant that turned
  // payments off keeps taking notifications while its secret is set: customers who paid
  // meanwhile must still be recorded (`enabled` governs new bookings only).
  StoredSettings stored;
  bool known = false;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(auto row, txn.find_tenant(tenant));
        known = row.has_value();
        if (!known) return Status::Ok();
        BOKA_ASSIGN_OR_RETURN(stored, load_settings(txn, tenant));
        return Status::Ok();
      }));
  if (!known || stored.secret_sealed.empty()) return refused(PermissionDenied(kBadSignature));
  std::string secret;
  {
    auto opened = impl_->auth->box.open(stored.secret_sealed, sealing_context(tenant));
    if (!opened.ok()) {
      // The engine's key cannot open it (a key rotated without re-sealing): the operator's
      // problem, told without details to the caller.
      return refused(
          InternalError("the payment signing secret cannot be opened with the "
                        "engine's encryption keys"));
    }
    secret.assign(opened->begin(), opened->end());
  }
  if (!delivery::verify_stripe_signature(signature_header, body, secret, impl_->now(),
                                         stored.settings.tolerance.count())
           .ok()) {
    impl_->audit_refusal(Principal::system(), tenant, "payment.notification", "",
                         PermissionDenied(kBadSignature));
    return refused(PermissionDenied(kBadSignature));
  }

  // 2. What it says.
  Json j;
  try {
    j = Json::parse(body.begin(), body.end());
  } catch (const std::exception&) {
    return refused(InvalidArgument("body: not JSON"));
  }
  Wanted w;
  auto read = read_event(j, w);
  if (!read.ok()) return refused(read.status());
  PaymentNotice notice;
  notice.provider_event_id = read->first;
  notice.type = read->second;
  notice.reservation = w.reservation;

  const auto count = [&](PaymentOutcome o) {
    metrics.payment_notices[static_cast<int>(o)]->inc();
    if (Counter* c = metrics.payments[static_cast<int>(o)]) c->inc();
  };

  detail::Actor system;
  system.name = "payments";
  system.source = "payment-provider";

  // 3. A paid hold is confirmed first, through the engine's own confirm (capacity, waitlist,
  // audit, event); then the payment is recorded with the provider's event id in one
  // transaction. A crash between leaves a confirmed booking and an unrecorded event, which
  // the provider delivers again (it retries until answered 2xx): confirming twice is
  // harmless, and the second delivery records the payment.
  bool confirm_refused = false;
  if (w.to == PaymentStatus::paid && w.reservation) {
    std::optional<Reservation> current;
    BOKA_RETURN_IF_ERROR(
        impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(current, txn.find_reservation(tenant, *w.reservation));
          return Status::Ok();
        }));
    const bool amount_ok = current && current->price_minor && w.amount &&
                           *w.amount == *current->price_minor && w.currency == current->currency;
    if (current && amount_ok && transition_allowed(current->payment_status, PaymentStatus::paid) &&
        current->status == ReservationStatus::held) {
      auto confirmed =
          impl_->confirm_reservation(Principal::system(), tenant, *w.reservation, std::nullopt);
      if (!confirmed.ok()) {
        if (confirmed.status().code() != Code::conflict) return confirmed.status();
        confirm_refused = true;  // the hold lapsed: paid late
      }
    }
  }

  // The reservation's resources are locked, as every change of it locks them; if it moved
  // between planning the locks and taking them, plan again.
  bool replan = true;
  for (int attempt = 0; replan && attempt < kMaxReplans; ++attempt) {
    replan = false;
    BOKA_ASSIGN_OR_RETURN(
        auto locks, w.reservation ? locks_of(*impl_, tenant, *w.reservation)
                                  : Result<std::vector<ResourceId>>(std::vector<ResourceId>{}));
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    intent.lock_names = {"payment-event:" + std::to_string(tenant) + ":" +
                         notice.provider_event_id};
    Status written = impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
      notice.outcome = PaymentOutcome::ignored;
      notice.payment_status = PaymentStatus::none;
      notice.reservation_status.reset();
      std::optional<Reservation> r;
      if (w.reservation) {
        BOKA_ASSIGN_OR_RETURN(r, txn.find_reservation(tenant, *w.reservation));
        if (r && !covered_by(*r, locks)) {
          replan = true;
          return Unavailable("the reservation moved while its locks were planned");
        }
      }
      PaymentEventRecord record;
      record.tenant = tenant;
      record.provider_event_id = notice.provider_event_id;
      record.type = notice.type;
      record.reservation = r ? std::optional<ReservationId>(r->id) : std::nullopt;
      record.received_at = impl_->clock->now();
      PaymentOutcome outcome = PaymentOutcome::ignored;
      if (r && w.to != PaymentStatus::none && transition_allowed(r->payment_status, w.to)) {
        const bool amount_ok = w.to == PaymentStatus::failed ||
                               (r->price_minor && w.amount && *w.amount == *r->price_minor &&
                                w.currency == r->currency);
        if (!amount_ok) {
          outcome = PaymentOutcome::mismatch;
        } else {
          outcome = w.to == PaymentStatus::paid     ? PaymentOutcome::paid
                    : w.to == PaymentStatus::failed ? PaymentOutcome::failed
                                                    : PaymentOutcome::refunded;
          const Reservation shown = EngineImpl::with_derived_status(*r, impl_->now());
          if (w.to == PaymentStatus::paid &&
              (confirm_refused || shown.status == ReservationStatus::expired ||
               shown.status == ReservationStatus::cancelled)) {
            outcome = PaymentOutcome::late;
          }
        }
      }
      record.outcome = outcome;
      BOKA_ASSIGN_OR_RETURN(bool first, txn.insert_payment_event(record));
      if (!first) {
        notice.outcome = PaymentOutcome::duplicate;
        if (r) {
          notice.payment_status = r->payment_status;
          notice.reservation_status = EngineImpl::with_derived_status(*r, impl_->now()).status;
        }
        return Status::Ok();
      }
      notice.outcome = outcome;
      if (r) {
        const PaymentStatus from = r->payment_status;
        if (outcome == PaymentOutcome::paid || outcome == PaymentOutcome::failed ||
            outcome == PaymentOutcome::refunded || outcome == PaymentOutcome::late) {
          Reservation after = *r;
          after.payment_status = w.to;
          if (!w.reference.empty()) after.payment_reference = w.reference;
          after.version += 1;
          after.updated_at = impl_->clock->now();
          BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
          BOKA_RETURN_IF_ERROR(impl_->audit(txn, system,
                                            payment_entry(after, from, "payment.notification",
                                                          notice.provider_event_id, outcome)));
          BOKA_RETURN_IF_ERROR(impl_->emit_reservation(txn, system, event_type_of(w.to), after));
          r = after;
        } else {
          // Taken but not acted on: recorded so the business sees it (a mismatch needs a look).
          detail::AuditEntry a =
              payment_entry(*r, from, "payment.notification", notice.provider_event_id, outcome);
          if (outcome == PaymentOutcome::mismatch) {
            a.outcome = AuditOutcome::failure;
            a.reason = "the amount or currency is not the booking's price";
          }
          BOKA_RETURN_IF_ERROR(impl_->audit(txn, system, std::move(a)));
        }
        notice.payment_status = r->payment_status;
        notice.reservation_status = EngineImpl::with_derived_status(*r, impl_->now()).status;
      }
      return Status::Ok();
    });
    if (replan) continue;
    BOKA_RETURN_IF_ERROR(written);
  }
  if (replan) return Unavailable("the reservation kept moving; try again");
  count(notice.outcome);
  return notice;
}

// ---- staff records ---------------------------------------------------------------------------

Result<Reservation> Payments::record(const Principal& who, TenantId tenant, ReservationId id,
                                     PaymentStatus to, std::string_view reference) {
  return impl_->refusal_audited(
      who, tenant, "payment.record", "reservation:" + std::to_string(id),
      [&]() -> Result<Reservation> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::reservations_all));
        if (reference.size() > 200) return InvalidArgument("reference: at most 200 bytes");
        if (to != PaymentStatus::paid && to != PaymentStatus::refunded &&
            to != PaymentStatus::failed) {
          return InvalidArgument(std::string("to: a payment is recorded as paid, refunded or "
                                             "failed, not ") +
                                 payment_status_name(to));
        }
        Reservation out;
        PaymentStatus from = PaymentStatus::none;
        bool replan = true;
        for (int attempt = 0; replan && attempt < kMaxReplans; ++attempt) {
          replan = false;
          BOKA_ASSIGN_OR_RETURN(auto locks, locks_of(*impl_, tenant, id));
          WriteIntent intent(TxnScope::tenant(tenant), locks);
          intent.audit_chain = tenant;
          Status written = impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
            BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, id));
            if (!r) return NotFound("reservation " + std::to_string(id) + " not found");
            if (!covered_by(*r, locks)) {
              replan = true;
              return Unavailable("the reservation moved while its locks were planned");
            }
            from = r->payment_status;
            if (!transition_allowed(from, to)) {
              return ConflictError("reservation " + std::to_string(id) + ": payment " +
                                   payment_status_name(from) + " cannot become " +
                                   payment_status_name(to));
            }
            Reservation after = *r;
            after.payment_status = to;
            if (!reference.empty()) after.payment_reference = std::string(reference);
            after.version += 1;
            after.updated_at = impl_->clock->now();
            BOKA_RETURN_IF_ERROR(txn.update_reservation(after));
            const PaymentOutcome outcome = to == PaymentStatus::paid     ? PaymentOutcome::paid
                                           : to == PaymentStatus::failed ? PaymentOutcome::failed
                                                                         : PaymentOutcome::refunded;
            BOKA_RETURN_IF_ERROR(impl_->audit(
                txn, actor, payment_entry(after, from, "payment.record", "", outcome)));
            BOKA_RETURN_IF_ERROR(impl_->emit_reservation(txn, actor, event_type_of(to), after));
            out = EngineImpl::with_derived_status(after, impl_->now());
            return EngineImpl::fill_zone(txn, tenant, out);
          });
          if (replan) continue;
          BOKA_RETURN_IF_ERROR(written);
        }
        if (replan) return Unavailable("the reservation kept moving; try again");
        const PaymentOutcome outcome = to == PaymentStatus::paid     ? PaymentOutcome::paid
                                       : to == PaymentStatus::failed ? PaymentOutcome::failed
                                                                     : PaymentOutcome::refunded;
        if (Counter* c = impl_->metrics->payments[static_cast<int>(outcome)]) c->inc();
        // Paid by hand: a live hold is confirmed like a provider's payment. The payment is
        // recorded either way; a hold that lapsed meanwhile stays as it is (paid late), so
        // the answer is the reservation, not the confirm's refusal.
        if (to == PaymentStatus::paid && out.status == ReservationStatus::held) {
          auto confirmed = impl_->confirm_reservation(who, tenant, id, std::nullopt);
          if (confirmed.ok()) {
            out = std::move(*confirmed);
          } else if (confirmed.status().code() != Code::conflict) {
            return confirmed.status();
          } else {
            BOKA_RETURN_IF_ERROR(impl_->storage->read(
                TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
                  BOKA_ASSIGN_OR_RETURN(auto r, txn.find_reservation(tenant, id));
                  if (r) out = EngineImpl::with_derived_status(*r, impl_->now());
                  return Status::Ok();
                }));
          }
        }
        if (out.zone.empty()) {
          BOKA_RETURN_IF_ERROR(impl_->storage->read(
              TxnScope::tenant(tenant),
              [&](StorageTransaction& txn) { return EngineImpl::fill_zone(txn, tenant, out); }));
        }
        return out;
      });
}

}  // namespace boka
