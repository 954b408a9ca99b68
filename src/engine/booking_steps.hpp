// The steps every booking write shares (reserve, the changes of one reservation, series
// and waitlist offers): lock coverage, placement of a request at a time, the index rewrite
// of a change, and the audit record of a reservation. Defined in reservations.cpp.
//
// Every function here runs inside one write transaction (or, for `assign`, also inside a
// read) on the caller's thread; nothing here is shared between calls.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/engine_impl.hpp"

namespace boka::detail {

// booking_transactions_total's operation label, by index (EngineMetrics::booking).
namespace operation {
enum Operation { kReserve = 0, kConfirm, kCancel, kReschedule, kComplete, kNoShow, kExpire };
}

// Raised from inside a write transaction when the resources it locked turned out to be the
// wrong set (a pool changed between planning and locking): the transaction aborts and the
// caller plans again. The mark travels beside the Status, so no decision reads a message.
// Belongs to one write call (one thread).
class Replan {
 public:
  // A store may run the work again (docs/architecture.md, "Storage contract"): each run
  // starts unmarked.
  void reset() { wanted_ = false; }
  // Marks this attempt for another plan; returns the Status that aborts its transaction.
  Status abort() {
    wanted_ = true;
    return Status(Code::unavailable, "boka: lock set changed, replanning");
  }
  // Whether the write failed because its work asked for another plan.
  bool wanted(const Status& write_status) const { return wanted_ && !write_status.ok(); }

 private:
  bool wanted_ = false;
};
inline constexpr int kMaxReplans = 5;

// The latest instant boka accepts (validate_range): 9999-12-31T23:59:59Z, the horizon of a
// search with no limit.
inline constexpr std::int64_t kLatestUnix = 253402300799;

// The resources a write loaded under its locks, and its requests resolved to candidates.
struct LoadedSet {
  std::unordered_map<ResourceId, LoadedResource> loaded;
  std::vector<ResolvedRequest> resolved;
};

// Adds to `locks` what a request set locks: its named resources and every member of its
// named pools (the caller sorts and dedupes).
Status plan_request_locks(StorageTransaction& txn, TenantId tenant,
                          const std::vector<AllocationRequest>& requests,
                          std::vector<ResourceId>& locks);

// Whether the locks the transaction holds (sorted) cover every candidate (else it must
// replan).
bool covered(const std::vector<ResolvedRequest>& resolved, const std::vector<ResourceId>& locks);

// Installs the indexes a committed write built. Copies, not moves: the store may already
// have run this from WriteIntent::after_commit, and the caller runs it again.
void install(IndexCache& cache, const std::vector<StagedIndex>& staged);

// The audit detail of a reservation as it is after a change, and its audit record.
// Personal data stays out (docs/customers.md): the record names the customer record by id,
// never the free-text reference, notes or metadata. `overridden` names the booking rules a staff
// override passed over.
std::string reservation_detail(const Reservation& r,
                               const std::vector<std::string>& overridden = {});
AuditEntry reservation_entry(const Reservation& r, const char* action,
                             const std::vector<std::string>& overridden = {});

// Places every request at [t, t + d): direct resources first, then each pool's first free
// unclaimed member (the current member first, when rescheduling). Reads each candidate's
// index through LoadedResource::index, so a caller placing several bookings in one
// transaction points it at a working copy that holds the earlier ones. On failure, a
// Status naming the allocation and the first reason (conflict with ConflictInfo for
// capacity, invalid_argument for a request error).
Result<std::vector<Allocation>> assign(EngineImpl& impl,
                                       const std::vector<ResolvedRequest>& resolved, std::int64_t t,
                                       std::int64_t d, std::int64_t now, ReservationId exclude,
                                       const std::vector<ResourceId>* current);

// Whether the hold `hold` may be confirmed: on each of its resources (loaded, with the
// indexes the transaction read) it fits beside the confirmed bookings, else a conflict
// naming `what`. A live hold always does; one the clock lapsed, whose place another booking
// took, and which reads as live again because the clock was set back (or another host's
// clock runs behind) does not. Other holds do not count: they may lapse before it.
Status check_confirmable(const Reservation& hold,
                         const std::unordered_map<ResourceId, LoadedResource>& loaded,
                         const std::string& what);

// Loads the tenant for a booking write: not_found, or conflict when archived.
Result<Tenant> active_tenant(StorageTransaction& txn, TenantId tenant);

// Rewrites the index of every resource `before` or `after` touches: removes the old
// entries, adds the new ones if the reservation still takes capacity, bumps each
// resource's version, and stages the new index for after the commit.
// The set's LoadedResource then holds the new index and version, so later steps of the
// same transaction (a waitlist offer) see the change.
Status apply_to_resources(StorageTransaction& txn, LoadedSet& set, const Reservation* before,
                          const Reservation* after, std::int64_t now,
                          std::vector<StagedIndex>& staged);

// ---- waitlist offers (waitlist.cpp) --------------------------------------------------------

// Capacity a change freed: on these resources, over [from, to).
struct FreedCapacity {
  std::vector<ResourceId> resources;
  std::int64_t from = 0;
  std::int64_t to = 0;
  bool empty() const { return resources.empty() || to <= from; }
};

// How many entries one freeing looks at (in queue order); later ones wait for the next.
inline constexpr int kWaitlistScan = 20;

// Planning, before the write transaction: adds to `locks` every resource a waiting entry
// that could take `freed` may be placed on (its resources and its pools' members).
Status plan_waitlist_locks(StorageTransaction& txn, TenantId tenant, const FreedCapacity& freed,
                           std::vector<ResourceId>& locks);

// Inside the write transaction that freed `freed`, after the change was applied to `set`:
// offers the capacity, in queue order, to each waiting entry that now fits, as a hold of
// EngineImpl::waitlist_offer_window on the entry's behalf (one audit record each). An entry
// whose resources are not all in `locks` (sorted) aborts the transaction for a replan, so
// no entry is ever passed over for a lock it lacked. *offers counts the offers made.
Status offer_freed(EngineImpl& impl, StorageTransaction& txn, const Actor& actor, TenantId tenant,
                   LoadedSet& set, const std::vector<ResourceId>& locks, const FreedCapacity& freed,
                   std::int64_t now, std::vector<StagedIndex>& staged, Replan& replan, int* offers);

// Inside a transaction that ends a held reservation's life (confirm, cancel, expiry):
// moves the waitlist entry whose offer it was to `next` (accepted, cancelled or lapsed).
// True if it was an offer.
Result<bool> settle_offer(EngineImpl& impl, StorageTransaction& txn, const Actor& actor,
                          const Reservation& offer, WaitlistStatus next, std::int64_t now);

}  // namespace boka::detail

// ---- services and booking rules (services.cpp, booking_rules.cpp) ------------------------

namespace boka::detail {

// A service's buffers and notice, as the views of its bookings apply them.
BookingTerms terms_of(const Service& service);
// invalid_argument unless `d` is the service's duration or one it allows.
Status check_service_duration(const Service& service, Seconds d);
// The service a booking names, if `actor` may book it: not_found (also for a customer and
// a service that is not customer_bookable), conflict if archived.
Result<Service> bookable_service(StorageTransaction& txn, TenantId tenant, ServiceId id,
                                 const Actor& actor);

// Whom a booking is for, as the per-customer limits count it: the customer record when it
// names one, else its free-text reference. Empty: no limit applies.
struct CustomerKey {
  std::optional<CustomerId> id;
  std::string ref;
  bool empty() const { return !id && ref.empty(); }
  // The store lock (WriteIntent::lock_names) that serializes this customer's bookings.
  std::string lock_name(TenantId tenant) const;
};
CustomerKey customer_key(const std::optional<CustomerId>& id, const std::string& ref);

// The rules a booking is bound by: its tenant's, each of its resources' and its service's.
struct RuleSet {
  BookingRules tenant;
  std::vector<std::pair<ResourceId, BookingRules>> resources;
  std::optional<std::pair<ServiceId, BookingRules>> service;
};
// The rule set of a reservation whose resources are loaded in `loaded` (its service is
// read when it names one; an archived or missing one still binds with its last rules).
Result<RuleSet> rules_for(StorageTransaction& txn, TenantId tenant, const Tenant& t,
                          const std::vector<Allocation>& allocations,
                          const std::optional<ServiceId>& service,
                          const std::unordered_map<ResourceId, LoadedResource>& loaded);

enum class CutoffKind { cancel, reschedule };
// Refuses (conflict with ConflictInfo::rule and deadline) a change within the cutoff of
// `start`, unless `override_rules` (then the rule's name goes to *overridden).
Status check_cutoff(const RuleSet& rules, CutoffKind kind, Instant start, std::int64_t now,
                    bool override_rules, std::vector<std::string>* overridden);

// Whether any rule of the set limits bookings per customer.
bool has_customer_limits(const RuleSet& rules);
// The customer's bookings that count against the limits at `now`: active and not ended.
Result<std::vector<Reservation>> customer_active_bookings(StorageTransaction& txn, TenantId tenant,
                                                          const CustomerKey& key, std::int64_t now);
// check_customer_limits against bookings already read (a series checks each occurrence
// against the customer's bookings plus the occurrences accepted before it).
Status check_limits_in(const std::vector<Reservation>& bookings, const RuleSet& rules,
                       const Reservation& after, const Reservation* before, const Zone& zone,
                       bool override_rules, std::vector<std::string>* overridden);
// Refuses (conflict with ConflictInfo::rule) a booking `after` for `key` that would exceed a
// per-customer limit, counting the customer's other active bookings that have not ended
// (`after.id`, when set, is not counted: the booking being changed). With `before` (a
// change), a scope already counting the booking on the same local day is not re-checked,
// so a move never fails for a limit it does not change. `zone` is the zone of after's
// first resource (the local day of the daily limits).
Status check_customer_limits(StorageTransaction& txn, TenantId tenant, const RuleSet& rules,
                             const CustomerKey& key, const Reservation& after,
                             const Reservation* before, const Zone& zone, std::int64_t now,
                             bool override_rules, std::vector<std::string>* overridden);

// The customer record a booking names must be live in the tenant: not_found (naming
// `field`), or conflict for one merged (naming the survivor) or erased.
Status check_customer_usable(StorageTransaction& txn, TenantId tenant, CustomerId id,
                             const std::string& field);
// The customer record a principal that sees only its own reservations books as: the live
// record linked to its user, if any. permission_denied if `asked` names another.
Result<std::optional<CustomerId>> linked_customer(StorageTransaction& txn, TenantId tenant,
                                                  const Actor& actor,
                                                  const std::optional<CustomerId>& asked);

}  // namespace boka::detail
