// Engine internals shared by the engine's translation units.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "availability/resource_view.hpp"
#include "boka/engine.hpp"
#include "conflict/interval_index.hpp"
#include "time/zone.hpp"

namespace boka::detail {

// The versioned per-resource index cache (DESIGN.md): an index is trusted only for the
// resource version it was built from. Writers build a copy, and install it after commit;
// readers take a shared_ptr and never see a change half-applied.
class IndexCache {
 public:
  std::shared_ptr<const IntervalIndex> get(ResourceId id, std::int64_t version) const;
  // Installs unless the cache already holds a newer version of the resource.
  void put(ResourceId id, std::int64_t version, std::shared_ptr<const IntervalIndex> index);

 private:
  struct Entry {
    std::int64_t version = 0;
    std::shared_ptr<const IntervalIndex> index;
  };
  mutable std::mutex mutex_;
  std::unordered_map<ResourceId, Entry> entries_;
};

// One resource as loaded inside a transaction, with everything a decision needs.
struct LoadedResource {
  Resource resource;
  std::optional<Schedule> schedule;
  Zone zone;
  std::shared_ptr<const IntervalIndex> index;

  ResourceView view() const {
    return ResourceView{&resource, schedule ? &*schedule : nullptr, zone, index.get()};
  }
};

// Index changes to install once the transaction commits.
struct StagedIndex {
  ResourceId resource = 0;
  std::int64_t version = 0;
  std::shared_ptr<const IntervalIndex> index;
};

// A request resolved to candidate resources, as availability and reserve need it.
struct ResolvedRequest {
  std::vector<const LoadedResource*> candidates;  // one for a resource; members for a pool
  std::optional<PoolId> pool;
  int quantity = 1;
};

IndexEntry entry_of(const Reservation& r, const Allocation& a);

}  // namespace boka::detail

namespace boka {

struct Engine::Impl {
  std::shared_ptr<Storage> storage;
  std::shared_ptr<const Clock> clock;
  detail::IndexCache cache;

  std::int64_t now() const { return to_unix(clock->now()); }

  // Loads a resource of `tenant` with schedule, zone and a current index (from the cache
  // when its version matches). not_found names `field`.
  //
  // An index built inside a write transaction may include uncommitted writes (a grouped
  // commit runs several callers' work in one transaction), so it goes to `staged` and is
  // installed only after the commit; reads (staged == nullptr) install it at once.
  Result<detail::LoadedResource> load_resource(StorageTransaction& txn, TenantId tenant,
                                               ResourceId id, const std::string& field,
                                               std::vector<detail::StagedIndex>* staged);

  // Loads every resource `requests` name (pool members included), keyed by id, and
  // resolves each request to its candidates. Archived pools are refused with conflict
  // when `for_booking`; for availability they resolve to no candidates.
  Status resolve(StorageTransaction& txn, TenantId tenant,
                 const std::vector<AllocationRequest>& requests,
                 std::unordered_map<ResourceId, detail::LoadedResource>& loaded,
                 std::vector<detail::ResolvedRequest>& resolved,
                 std::vector<detail::StagedIndex>* staged);

  // The first `max_slots` slots in [from, to) where every request fits; shared by
  // availability() and the next-free-start of a conflict.
  std::vector<Slot> slots(const std::vector<detail::ResolvedRequest>& requests, std::int64_t from,
                          std::int64_t to, std::int64_t duration,
                          std::optional<std::int64_t> step, std::int64_t now,
                          ReservationId exclude, std::size_t max_slots) const;

  // The earliest start at or after `from` where the request would fit, searching up to a
  // year ahead (less if every candidate's horizon ends sooner).
  std::optional<Instant> next_free_start(const std::vector<detail::ResolvedRequest>& requests,
                                         std::int64_t from, std::int64_t duration,
                                         std::int64_t now, ReservationId exclude) const;

  Status check_tenant_active(StorageTransaction& txn, TenantId tenant);
  Status check_tenant_exists(StorageTransaction& txn, TenantId tenant);

  // Reads the stored reservation and derives its status as of now (a lapsed hold reads as
  // expired).
  static Reservation with_derived_status(Reservation r, std::int64_t now);
};

}  // namespace boka
