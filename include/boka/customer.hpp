// boka/customer.hpp: customers, the people a business books for. A customer record holds
// their contact details once per tenant; reservations, series and waitlist entries name
// it by id (Reservation::customer_id), beside the free-text `customer` reference that
// callers who keep customers elsewhere may go on using.
//
// Privacy (docs/customers.md): export_data returns everything boka holds about a customer,
// and erase removes their personal data for good while their reservations stay, anonymised,
// for capacity and statistics. The audit trail stays verifiable because it never holds a
// customer's personal fields: its records name the customer by id and list which fields
// changed, never their values (a reservation's record names customer_id, not the person).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

struct Customer {
  CustomerId id{};  // assigned by the store
  TenantId tenant{};
  std::string display_name;  // 1..200 bytes ("" only once erased)
  // 0..254 bytes; stored lower-case; unique among the tenant's live customers when set.
  std::string email;
  std::string phone;      // 0..50 bytes, free-form ("+49 30 1234567")
  std::string locale;     // "" or a BCP 47 tag ("de", "de-DE", "pt-BR"), for messages
  std::string time_zone;  // "" or an IANA zone, for showing times to the customer
  std::string notes;      // 0..4,096 bytes, staff notes
  // The business's own id for the customer (a CRM id): 0..200 bytes; unique among the
  // tenant's live customers when set.
  std::string external_ref;
  // A user of the tenant with the role customer who is this customer: their own bookings
  // carry this record's id, and they may read and update it. Unique among live customers.
  std::optional<UserId> user;
  // Set once merged into another customer (Customers::merge): the record is a tombstone
  // that points at the survivor and holds no personal data.
  std::optional<CustomerId> merged_into;
  std::optional<Instant> erased_at;  // set once erased: every personal field is empty
  Instant created_at{};
  Instant updated_at{};
  std::int64_t version = 0;  // bumped by every change; pass it back to update

  // Neither merged nor erased.
  bool live() const { return !merged_into && !erased_at; }
};

// Which customers Customers::list returns, by id.
struct CustomerFilter {
  // Case-insensitive prefix of the display name, of any word of it, or of the email;
  // "" matches every customer. At most 200 bytes.
  std::string query;
  bool include_inactive = false;  // also merged and erased records
  CustomerId after_id{};          // keyset pagination: ids greater than this
  int limit = 100;                // 1..1000
};

// The customers facet of an Engine (Engine::customers()).
// Authorization: "customers:manage" (staff and above) reads and changes every customer of
// the tenant; a customer-role user reads and updates only the record linked to them (and
// exports it); "customers:privacy" (admins) exports and erases any. Every change is
// audited without personal values (see above).
// Thread-safety: every method may be called from any number of threads at once.
class Customers {
 public:
  Customers(const Customers&) = delete;
  Customers& operator=(const Customers&) = delete;

  // invalid_argument naming a bad field; already_exists for an email, external_ref or user
  // another live customer has.
  Result<Customer> create(const Principal& who, TenantId tenant, const Customer& spec);
  Result<Customer> get(const Principal& who, TenantId tenant, CustomerId id);
  // The record linked to `user` (not_found if none).
  Result<Customer> get_by_user(const Principal& who, TenantId tenant, UserId user);
  // The live record with `email` (compared in lower case, as stored; not_found if none). A
  // customer-role user finds only their own record.
  Result<Customer> get_by_email(const Principal& who, TenantId tenant, std::string_view email);
  Result<std::vector<Customer>> list(const Principal& who, TenantId tenant,
                                     const CustomerFilter& filter);
  // Replaces the personal fields and `user`; customer.version must equal the stored one
  // (else conflict). Merged and erased records cannot be updated (conflict).
  Result<Customer> update(const Principal& who, TenantId tenant, const Customer& customer);
  // The customer's reservations (Engine::list_reservations with filter.customer_id set).
  Result<std::vector<Reservation>> bookings(const Principal& who, TenantId tenant, CustomerId id,
                                            ReservationFilter filter = {});
  // Moves every reservation, series and waitlist entry of `absorbed` to `kept` in one
  // transaction, fills kept's empty fields from absorbed's, and leaves absorbed as a
  // tombstone (merged_into = kept, personal fields empty). Returns kept as it is now.
  // The per-customer limits are not re-checked: merging changes who, not what is booked.
  Result<Customer> merge(const Principal& who, TenantId tenant, CustomerId kept,
                         CustomerId absorbed);
  // Everything boka holds about the customer, as one JSON document: the record, every
  // reservation (with notes and metadata), series and waitlist entry naming it, and the
  // audit records about it. Audited (the export itself is a disclosure).
  Result<std::string> export_data(const Principal& who, TenantId tenant, CustomerId id);
  // Removes the customer's personal data for good, in one transaction: the record's
  // personal fields and user link are emptied (erased_at set); their reservations, series
  // and waitlist entries lose their free-text customer reference, notes and metadata but
  // keep their times, resources, status, service and price, so capacity and statistics
  // stay right. Idempotent. The linked user account, if any, is a login and is not
  // touched: disable or delete it through Auth.
  Result<Customer> erase(const Principal& who, TenantId tenant, CustomerId id);

 private:
  friend class Engine;
  explicit Customers(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
