#include "boka/status.hpp"

#include "boka/availability.hpp"
#include "boka/reservation.hpp"
#include "boka/waitlist.hpp"

namespace boka {

const char* code_name(Code code) noexcept {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_argument: return "invalid_argument";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::conflict: return "conflict";
    case Code::unauthenticated: return "unauthenticated";
    case Code::permission_denied: return "permission_denied";
    case Code::rate_limited: return "rate_limited";
    case Code::unavailable: return "unavailable";
    case Code::storage: return "storage";
    case Code::internal: return "internal";
    case Code::not_supported: return "not_supported";
  }
  return "unknown";
}

Status::Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

Status& Status::with_conflict(ConflictInfo info) {
  conflict_ = std::make_shared<const ConflictInfo>(std::move(info));
  return *this;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(code_name(code_)) + ": " + message_;
}

Status InvalidArgument(std::string m) { return Status(Code::invalid_argument, std::move(m)); }
Status NotFound(std::string m) { return Status(Code::not_found, std::move(m)); }
Status AlreadyExists(std::string m) { return Status(Code::already_exists, std::move(m)); }
Status ConflictError(std::string m) { return Status(Code::conflict, std::move(m)); }
Status Unauthenticated(std::string m) { return Status(Code::unauthenticated, std::move(m)); }
Status PermissionDenied(std::string m) { return Status(Code::permission_denied, std::move(m)); }
Status RateLimited(std::string m) { return Status(Code::rate_limited, std::move(m)); }
Status Unavailable(std::string m) { return Status(Code::unavailable, std::move(m)); }
Status StorageError(std::string m) { return Status(Code::storage, std::move(m)); }
Status InternalError(std::string m) { return Status(Code::internal, std::move(m)); }
Status NotSupported(std::string m) { return Status(Code::not_supported, std::move(m)); }

const char* status_name(ReservationStatus status) noexcept {
  switch (status) {
    case ReservationStatus::held: return "held";
    case ReservationStatus::confirmed: return "confirmed";
    case ReservationStatus::cancelled: return "cancelled";
    case ReservationStatus::expired: return "expired";
    case ReservationStatus::completed: return "completed";
    case ReservationStatus::no_show: return "no_show";
  }
  return "unknown";
}

std::optional<ReservationStatus> parse_status(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(ReservationStatus::no_show); ++i) {
    auto s = static_cast<ReservationStatus>(i);
    if (name == status_name(s)) return s;
  }
  return std::nullopt;
}

const char* payment_status_name(PaymentStatus status) noexcept {
  switch (status) {
    case PaymentStatus::none: return "none";
    case PaymentStatus::pending: return "pending";
    case PaymentStatus::paid: return "paid";
    case PaymentStatus::refunded: return "refunded";
    case PaymentStatus::failed: return "failed";
  }
  return "unknown";
}

std::optional<PaymentStatus> parse_payment_status(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(PaymentStatus::failed); ++i) {
    auto s = static_cast<PaymentStatus>(i);
    if (name == payment_status_name(s)) return s;
  }
  return std::nullopt;
}

const char* waitlist_status_name(WaitlistStatus status) noexcept {
  switch (status) {
    case WaitlistStatus::waiting: return "waiting";
    case WaitlistStatus::offered: return "offered";
    case WaitlistStatus::accepted: return "accepted";
    case WaitlistStatus::cancelled: return "cancelled";
    case WaitlistStatus::expired: return "expired";
    case WaitlistStatus::lapsed: return "lapsed";
  }
  return "unknown";
}

std::optional<WaitlistStatus> parse_waitlist_status(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(WaitlistStatus::lapsed); ++i) {
    auto s = static_cast<WaitlistStatus>(i);
    if (name == waitlist_status_name(s)) return s;
  }
  return std::nullopt;
}

const char* reason_name(Explanation::Reason reason) noexcept {
  switch (reason) {
    case Explanation::Reason::closed: return "closed";
    case Explanation::Reason::notice: return "notice";
    case Explanation::Reason::horizon: return "horizon";
    case Explanation::Reason::duration: return "duration";
    case Explanation::Reason::off_grid: return "off_grid";
    case Explanation::Reason::daily_limit: return "daily_limit";
    case Explanation::Reason::capacity: return "capacity";
    case Explanation::Reason::archived: return "archived";
  }
  return "unknown";
}

}  // namespace boka
