// boka/status.hpp: the error model. Every fallible call in boka returns a Status or a
// Result<T>; exceptions never cross the public API.
//
// Thread-safety: Status and Result are values; distinct objects may be used from distinct
// threads freely, one object from several threads only for reading.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "boka/ids.hpp"

namespace boka {

// The single source of truth for error codes. Append-only: values never change meaning
// and are never reused, because the C ABI, Python and HTTP shells map them by number.
enum class Code : int {
  ok = 0,
  invalid_argument = 1,   // the request itself is malformed; retrying it cannot succeed
  not_found = 2,          // the named object does not exist in the principal's tenant
  already_exists = 3,     // a unique name or idempotency key is taken by another request
  conflict = 4,           // well-formed, but collides with current state: capacity taken,
                          // stale version, hold expired, reservation no longer active
  unauthenticated = 5,    // no valid credentials
  permission_denied = 6,  // credentials valid, but the principal may not do this
  rate_limited = 7,       // too many attempts; retry later
  unavailable = 8,        // transient: storage busy, read-only, connection lost; retryable
  storage = 9,            // the store failed in a way retrying will not fix (corruption, I/O)
  internal = 10,          // a bug in boka
  not_supported = 11,     // the operation or option is not available in this build or store
};

// Stable lower-case name of a code ("invalid_argument"). Never null; static storage.
const char* code_name(Code code) noexcept;

// What a refused booking carries besides its message: the reservations that block the
// request (only those the principal may see) and the earliest start at or after the
// requested one where the same request would fit, if there is one within the horizon.
//
// A refused series (all_or_nothing) also names every occurrence that could not be booked,
// each with its own reason and blocking reservations; blocking_reservation_ids is then
// their union, and next_free_start is unset.
struct RefusedOccurrence {
  std::chrono::sys_seconds start{};  // the occurrence as the series generated it
  std::chrono::sys_seconds end{};
  Code code = Code::conflict;  // conflict (taken, closed, notice, horizon, daily limit) or
                               // invalid_argument (off the slot grid, duration bounds)
  std::string reason;          // why, naming the resource and the rule
  std::vector<ReservationId> blocking_reservation_ids;
};
struct ConflictInfo {
  std::vector<ReservationId> blocking_reservation_ids;
  std::optional<std::chrono::sys_seconds> next_free_start;
  std::vector<RefusedOccurrence> occurrences;  // a refused series only
  // Set when a booking rule (boka/rules.hpp) refused rather than capacity: the rule's name
  // ("cancel_cutoff", "reschedule_cutoff", "max_active_per_customer",
  // "max_per_customer_per_day"), and for a cutoff the deadline that passed.
  std::string rule;
  std::optional<std::chrono::sys_seconds> deadline;
};

// A code plus a human-readable message. Messages name the offending field and never
// contain secrets. Cheap to copy when ok (no allocation).
class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(Code code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const noexcept { return code_ == Code::ok; }
  Code code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // Present only for capacity and booking-rule conflicts (code() == Code::conflict).
  const ConflictInfo* conflict() const noexcept { return conflict_.get(); }
  Status& with_conflict(ConflictInfo info);

  // "conflict: resource 3 is fully booked ..." for logs and exceptions.
  std::string to_string() const;

 private:
  Code code_ = Code::ok;
  std::string message_;
  std::shared_ptr<const ConflictInfo> conflict_;
};

// Convenience constructors, one per code, so call sites read like the condition they report.
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status ConflictError(std::string message);
Status Unauthenticated(std::string message);
Status PermissionDenied(std::string message);
Status RateLimited(std::string message);
Status Unavailable(std::string message);
Status StorageError(std::string message);
Status InternalError(std::string message);
Status NotSupported(std::string message);

// Either a value or a non-ok Status. Accessing value() on an error is a programming error:
// it calls std::terminate in every build, rather than reading garbage. Check ok() first.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(data_).ok()) {
      data_ = Status(Code::internal, "Result constructed from an ok Status without a value");
    }
  }

  bool ok() const noexcept { return std::holds_alternative<T>(data_); }
  explicit operator bool() const noexcept { return ok(); }

  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(data_)); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }

  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }

 private:
  T& checked() {
    if (!ok()) std::terminate();
    return std::get<T>(data_);
  }
  std::variant<T, Status> data_;
};

}  // namespace boka

// Internal helpers for propagating errors; usable by store implementers too.
#define BOKA_CONCAT_INNER(a, b) a##b
#define BOKA_CONCAT(a, b) BOKA_CONCAT_INNER(a, b)
#define BOKA_RETURN_IF_ERROR(expr) \
  BOKA_RETURN_IF_ERROR_IMPL(BOKA_CONCAT(boka_status_, __LINE__), expr)
#define BOKA_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                       \
    ::boka::Status tmp = (expr);             \
    if (!tmp.ok()) return tmp;               \
  } while (0)
#define BOKA_ASSIGN_OR_RETURN(lhs, expr) \
  BOKA_ASSIGN_OR_RETURN_IMPL(BOKA_CONCAT(boka_result_, __LINE__), lhs, expr)
#define BOKA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()
