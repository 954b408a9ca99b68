// boka/payments.hpp: the payment state of reservations, moved by a payment provider's
// signed webhooks (Stripe's scheme). boka never sees card data: the host (or the web app)
// sends the customer to the provider's checkout with the reservation's id in the payment's
// metadata, and the provider tells boka what happened. docs/payments.md is the guide.
//
// When a tenant's payments are on, a booking of a service with a price above zero requires
// payment: booked by a customer, it is a hold (for PaymentSettings::payment_window unless it
// asks for less) with payment pending, confirmed when the provider reports it paid and
// lapsing otherwise; booked by staff, it may be confirmed at once (payment taken at the
// desk and recorded with Payments::record) or held the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// A tenant's payment setup. Changed with Payments::update_settings.
struct PaymentSettings {
  TenantId tenant{};
  bool enabled = false;
  // How long a customer's booking is held for payment (1 minute .. 1 day), unless the
  // request asks for a shorter hold.
  Seconds payment_window{30 * 60};
  // How old a provider notification may be (its signed timestamp) and still be taken:
  // 1 minute .. 1 hour. Older ones are refused (a replayed request).
  Seconds tolerance{300};
  // Whether a signing secret is set (the secret itself is never shown again).
  bool has_secret = false;
  Instant updated_at{};
  std::int64_t version = 0;  // 0 until first saved; pass it back to update
};

// What became of a provider notification.
enum class PaymentOutcome : int {
  paid = 0,       // pending|failed -> paid (a held booking is confirmed)
  failed = 1,     // pending -> failed (the hold runs on: the customer may pay again)
  refunded = 2,   // paid -> refunded (the booking itself is left as it is)
  late = 3,       // paid, but the hold had lapsed or the booking was cancelled: refund it
  mismatch = 4,   // the amount or currency is not the booking's: nothing changed
  ignored = 5,    // a type boka does not act on, no boka reservation, or no change to make
  duplicate = 6,  // this provider event was taken before: nothing changed
};
const char* payment_outcome_name(PaymentOutcome o) noexcept;  // "paid", ...

struct PaymentNotice {
  std::string provider_event_id;  // the provider's event id ("evt_...")
  std::string type;               // the provider's event type
  PaymentOutcome outcome = PaymentOutcome::ignored;
  std::optional<ReservationId> reservation;
  PaymentStatus payment_status = PaymentStatus::none;  // the reservation's, after
  std::optional<ReservationStatus> reservation_status;
};

// The payments of a tenant (engine.payments()). Thread-safe.
class Payments {
 public:
  Payments(const Payments&) = delete;
  Payments& operator=(const Payments&) = delete;

  // Settings need "payments:manage".
  Result<PaymentSettings> settings(const Principal& who, TenantId tenant);
  // Replaces enabled, payment_window and tolerance; settings.version must equal the stored
  // one. `signing_secret` set: the provider's endpoint secret ("whsec_..." for Stripe, 16..
  // 256 bytes), stored sealed (AuthOptions::encryption_key is required). Payments cannot be
  // enabled without a secret.
  Result<PaymentSettings> update_settings(const Principal& who, TenantId tenant,
                                          const PaymentSettings& settings,
                                          const std::optional<std::string>& signing_secret);

  // A provider notification as received (the Stripe-Signature header and the raw body).
  // No principal: the signature is the authority. Checks the signature (HMAC-SHA256 over
  // "t.body" with the tenant's secret) and the timestamp against the tolerance, then acts
  // once per provider event id: payment_intent.succeeded, checkout.session.completed
  // (payment_status "paid") and checkout.session.async_payment_succeeded -> paid;
  // payment_intent.payment_failed and checkout.session.async_payment_failed -> failed;
  // charge.refunded (in full) -> refunded. The reservation is the one in the object's
  // metadata "boka_reservation_id"; the amount and currency must be its price. Taken while
  // the tenant has a secret, even with payments turned off (customers who paid meanwhile are
  // still recorded). Errors: permission_denied for an unknown tenant, a tenant without a
  // secret, a missing, malformed or wrong signature or a stale timestamp (one message for
  // all); invalid_argument for a body that is not a provider event; unavailable if the
  // reservation keeps moving while the change is planned.
  // Each taken notification is audited and counted in payments_processed_total{outcome}.
  Result<PaymentNotice> handle_notification(TenantId tenant, std::string_view signature_header,
                                            std::string_view body);

  // Records a payment made outside the provider (cash, a transfer) or a refund, by staff
  // ("reservations:all"): pending|failed -> paid (confirms a live hold; a lapsed one stays
  // lapsed, paid), paid -> refunded, pending -> failed. `reference` (0..200 bytes) is kept as
  // the payment reference. conflict for any other transition.
  Result<Reservation> record(const Principal& who, TenantId tenant, ReservationId reservation,
                             PaymentStatus to, std::string_view reference);

 private:
  friend class Engine;
  explicit Payments(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
