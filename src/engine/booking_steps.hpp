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

// The resources a write loaded under its locks, and its requests resolved to candidates.
struct LoadedSet {
  std::unordered_map<ResourceId, LoadedResource> loaded;
  std::vector<ResolvedRequest> resolved;
};

// Whether the locks the transaction holds (sorted) cover every candidate (else it must
// replan).
bool covered(const std::vector<ResolvedRequest>& resolved, const std::vector<ResourceId>& locks);

// Installs the indexes a committed write built. Copies, not moves: the store may already
// have run this from WriteIntent::after_commit, and the caller runs it again.
void install(IndexCache& cache, const std::vector<StagedIndex>& staged);

// The audit detail of a reservation as it is after a change, and its audit record.
std::string reservation_detail(const Reservation& r);
AuditEntry reservation_entry(const Reservation& r, const char* action);

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

// Rewrites the index of every resource `before` or `after` touches: removes the old
// entries, adds the new ones if the reservation still takes capacity, bumps each
// resource's version, and stages the new index for after the commit.
Status apply_to_resources(StorageTransaction& txn, LoadedSet& set, const Reservation* before,
                          const Reservation* after, std::int64_t now,
                          std::vector<StagedIndex>& staged);

}  // namespace boka::detail
