// Recurring series (boka/series.hpp): a series is booked, checked, confirmed, cancelled and
// rescheduled as ordinary reservations that name it, in one write transaction per call.
//
// Placing many bookings in one transaction: every occurrence is checked with reserve's
// placement (assign) against a working copy of each resource's index that already holds
// the occurrences placed before it (under placeholder ids, so a series that overlaps itself
// is refused like two reservations would be), and with the occurrences being moved taken
// out. Only when every decision is made are the reservations written; each touched
// resource then gets one new index (built from the index as loaded) and one version bump,
// however many occurrences it takes. docs/architecture.md, "Series", has the reasons.
#include <algorithm>
#include <map>
#include <set>

#include <date/date.h>

#include "engine/booking_steps.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"
#include "recurrence/rrule_text.hpp"

namespace boka {

using detail::Actor;
using detail::IndexEntry;
using detail::IntervalIndex;
using detail::LoadedResource;
using detail::LoadedSet;
using detail::Replan;
using detail::ResolvedRequest;
using detail::StagedIndex;
using namespace detail::operation;

const char* series_mode_name(SeriesMode mode) noexcept {
  switch (mode) {
    case SeriesMode::all_or_nothing: return "all_or_nothing";
    case SeriesMode::skip_conflicts: return "skip_conflicts";
  }
  return "unknown";
}

std::optional<SeriesMode> parse_series_mode(std::string_view name) noexcept {
  if (name == "all_or_nothing") return SeriesMode::all_or_nothing;
  if (name == "skip_conflicts") return SeriesMode::skip_conflicts;
  return std::nullopt;
}

const char* series_scope_name(SeriesScope scope) noexcept {
  switch (scope) {
    case SeriesScope::this_occurrence: return "this_occurrence";
    case SeriesScope::this_and_following: return "this_and_following";
    case SeriesScope::whole_series: return "whole_series";
  }
  return "unknown";
}

std::optional<SeriesScope> parse_series_scope(std::string_view name) noexcept {
  if (name == "this_occurrence") return SeriesScope::this_occurrence;
  if (name == "this_and_following") return SeriesScope::this_and_following;
  if (name == "whole_series") return SeriesScope::whole_series;
  return std::nullopt;
}

namespace {

constexpr int kMaxSeriesReservations = 10000;  // a series and its splits never hold more

using detail::iso_date_text;

LocalDate day_before(const LocalDate& d) {
  const date::sys_days day =
      date::sys_days(date::year{d.year} / date::month{static_cast<unsigned>(d.month)} /
                     date::day{static_cast<unsigned>(d.day)}) -
      date::days{1};
  const date::year_month_day ymd(day);
  return LocalDate{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// The instant past which expand_occurrences refuses: the latest any candidate of each
// request may be booked (its policy's max_horizon after now; none means no limit), taken
// over the request that allows the least.
Instant horizon_end(const std::vector<ResolvedRequest>& resolved, std::int64_t now) {
  constexpr std::int64_t kNoLimit = detail::kLatestUnix;
  std::int64_t end = kNoLimit;
  for (const ResolvedRequest& r : resolved) {
    std::int64_t best = 0;
    for (const LoadedResource* c : r.candidates) {
      const std::int64_t h = c->resource.policy.max_horizon.count();
      best = std::max(best, h == 0 ? kNoLimit : now + h);
    }
    if (!r.candidates.empty()) end = std::min(end, best);
  }
  return from_unix(end);
}

// The zone a series' local times are read in: its first allocation's resource, or for a
// pool its first member.
Result<std::string> series_zone(const std::vector<ResolvedRequest>& resolved) {
  if (resolved.empty() || resolved.front().candidates.empty()) {
    return ConflictError(
        "allocations[0].pool: the pool has no member to read the series' "
        "local times in");
  }
  return resolved.front().candidates.front()->resource.zone;
}

// Working copies of the indexes of the resources a series call touches (see the file
// comment). Belongs to one transaction attempt.
class Placement {
 public:
  explicit Placement(LoadedSet& set) : set_(set) {}

  // Takes `r` (already stored) out of the working indexes: its old placement never blocks
  // what this call places.
  void take_out(const Reservation& r) {
    for (const Allocation& a : r.allocations) writable(a.resource).erase(r.id);
    removed_.push_back(r);
  }
  // Counts `allocations` over [t, t + d) in the working indexes, under a placeholder id.
  void hold(const std::vector<Allocation>& allocations, std::int64_t t, std::int64_t d,
            std::int64_t expires) {
    const ReservationId placeholder{-1 - static_cast<std::int64_t>(placeholders_++)};
    for (const Allocation& a : allocations) {
      writable(a.resource).insert(IndexEntry{t, t + d, expires, placeholder, a.quantity});
    }
  }
  // Writes one new index per touched resource (from the index as loaded, without the
  // taken-out reservations, with every active one of `written`), bumps its version, and
  // stages it for after the commit.
  Status finish(StorageTransaction& txn, const std::vector<Reservation>& written, std::int64_t now,
                std::vector<StagedIndex>& staged) {
    std::set<ResourceId> touched;
    for (const Reservation& r : removed_)
      for (const Allocation& a : r.allocations) touched.insert(a.resource);
    for (const Reservation& r : written)
      for (const Allocation& a : r.allocations) touched.insert(a.resource);
    for (ResourceId id : touched) {
      auto it = set_.loaded.find(id);
      if (it == set_.loaded.end()) {
        return InternalError("resource " + std::to_string(id) + " not loaded");
      }
      const auto base_it = base_.find(id);
      const IntervalIndex& base = base_it != base_.end() ? *base_it->second : *it->second.index;
      auto index =
          std::make_shared<IntervalIndex>(base.without_history(IntervalIndex::history_cutoff(now)));
      for (const Reservation& r : removed_) index->erase(r.id);
      for (const Reservation& r : written) {
        if (r.status != ReservationStatus::held && r.status != ReservationStatus::confirmed) {
          continue;
        }
        for (const Allocation& a : r.allocations) {
          if (a.resource == id) index->insert(detail::entry_of(r, a, it->second.resource.policy));
        }
      }
      ++it->second.resource.version;
      BOKA_RETURN_IF_ERROR(txn.update_resource(it->second.resource));
      // Later steps of the same transaction (a waitlist offer) see the change.
      it->second.index = index;
      work_.erase(id);
      base_.erase(id);
      detail::stage(txn, staged, StagedIndex{id, it->second.resource.version, std::move(index)});
    }
    return Status::Ok();
  }

 private:
  IntervalIndex& writable(ResourceId id) {
    if (auto it = work_.find(id); it != work_.end()) return *it->second;
    LoadedResource& lr = set_.loaded.at(id);
    base_.emplace(id, lr.index);
    auto copy = std::make_shared<IntervalIndex>(*lr.index);
    lr.index = copy;  // assign() reads the working copy from now on
    work_.emplace(id, copy);
    return *copy;
  }

  LoadedSet& set_;
  std::unordered_map<ResourceId, std::shared_ptr<const IntervalIndex>> base_;
  std::unordered_map<ResourceId, std::shared_ptr<IntervalIndex>> work_;
  std::vector<Reservation> removed_;
  std::size_t placeholders_ = 0;
};

// One occurrence that cannot be placed, from assign's refusal; placeholder ids (earlier
// occurrences of the same call) are left out of the blocking ids.
SkippedOccurrence skipped_from(const Occurrence& o, const Status& refusal) {
  SkippedOccurrence s;
  s.occurrence = o;
  s.code = refusal.code();
  s.reason = iso_date_text(o.date) + ": " + refusal.message();
  if (const ConflictInfo* info = refusal.conflict()) {
    for (ReservationId id : info->blocking_reservation_ids) {
      if (id > 0) s.blocking_reservation_ids.push_back(id);
    }
  }
  return s;
}

// Whether a placement refusal is about the occurrence (reported per occurrence) rather
// than a failure of the call (returned as is).
bool occurrence_refusal(const Status& st) {
  return st.code() == Code::conflict || st.code() == Code::invalid_argument;
}

// The refusal of a whole series: conflict naming every refused occurrence.
Status series_refusal(std::string_view what, std::size_t total,
                      const std::vector<SkippedOccurrence>& refused) {
  std::string message = std::string(what) + ": " + std::to_string(refused.size()) + " of " +
                        std::to_string(total) + " occurrences cannot be booked: ";
  ConflictInfo info;
  std::set<ReservationId> blocking;
  for (std::size_t i = 0; i < refused.size(); ++i) {
    const SkippedOccurrence& s = refused[i];
    if (i < 3) message += (i ? "; " : "") + s.reason;
    if (i == 3) message += "; and " + std::to_string(refused.size() - 3) + " more";
    info.occurrences.push_back(RefusedOccurrence{s.occurrence.start, s.occurrence.end, s.code,
                                                 s.reason, s.blocking_reservation_ids});
    blocking.insert(s.blocking_reservation_ids.begin(), s.blocking_reservation_ids.end());
  }
  info.blocking_reservation_ids.assign(blocking.begin(), blocking.end());
  Status st = ConflictError(std::move(message));
  st.with_conflict(std::move(info));
  return st;
}

std::string series_detail(const Series& s, std::string_view extra_key,
                          nlohmann::ordered_json extra) {
  detail::JsonObject d;
  d.add("rule", format_rrule(s.rule))
      .add("first_date", iso_date_text(s.first_date))
      .add("start_minute", s.start_minute)
      .add("duration", static_cast<std::int64_t>(s.duration.count()))
      .add("zone", s.zone)
      .add("version", s.version);
  if (!s.exdates.empty()) {
    nlohmann::ordered_json ex = nlohmann::ordered_json::array();
    for (const LocalDate& e : s.exdates) ex.push_back(iso_date_text(e));
    d.add("exdates", std::move(ex));
  }
  if (s.split_from) d.add("split_from", static_cast<std::int64_t>(*s.split_from));
  // By reference only (docs/customers.md): never the free-text customer.
  if (s.customer_id) d.add("customer_id", static_cast<std::int64_t>(*s.customer_id));
  d.add(extra_key, std::move(extra));
  return d.str();
}

std::vector<ReservationId> ids_vector(const std::vector<Reservation>& rs) {
  std::vector<ReservationId> out;
  out.reserve(rs.size());
  for (const Reservation& r : rs) out.push_back(r.id);
  return out;
}

nlohmann::ordered_json ids_of(const std::vector<Reservation>& rs) {
  nlohmann::ordered_json ids = nlohmann::ordered_json::array();
  for (const Reservation& r : rs) ids.push_back(static_cast<std::int64_t>(r.id));
  return ids;
}

detail::AuditEntry series_entry(const Series& s, const char* action, std::string detail_json) {
  detail::AuditEntry e;
  e.tenant = s.tenant;
  e.action = action;
  e.target = "series:" + std::to_string(s.id);
  e.detail_json = std::move(detail_json);
  return e;
}

void sort_by_start(std::vector<Reservation>& rs) {
  std::sort(rs.begin(), rs.end(), [](const Reservation& a, const Reservation& b) {
    return a.start != b.start ? a.start < b.start : a.id < b.id;
  });
}

// Every reservation of a series, by start.
Result<std::vector<Reservation>> series_reservations(StorageTransaction& txn, TenantId tenant,
                                                     SeriesId id) {
  ReservationFilter f;
  f.series = id;
  f.limit = kMaxSeriesReservations;
  BOKA_ASSIGN_OR_RETURN(auto rows, txn.list_reservations(tenant, f));
  sort_by_start(rows);
  return rows;
}

void sort_unique(std::vector<ResourceId>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// The member each request of `requests` had in `r` (0 when none), for assign's `current`.
std::vector<ResourceId> current_members(const std::vector<AllocationRequest>& requests,
                                        const Reservation& r) {
  std::vector<ResourceId> out(requests.size(), ResourceId{});
  std::vector<bool> used(r.allocations.size(), false);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    for (std::size_t j = 0; j < r.allocations.size(); ++j) {
      const Allocation& a = r.allocations[j];
      const bool same = requests[i].pool ? a.pool == requests[i].pool
                                         : !a.pool && a.resource == *requests[i].resource;
      if (!used[j] && same) {
        used[j] = true;
        out[i] = a.resource;
        break;
      }
    }
  }
  return out;
}

// The capacity a reservation held, freed when it is cancelled or moved.
detail::FreedCapacity freed_by(const Reservation& r) {
  detail::FreedCapacity freed;
  for (const Allocation& a : r.allocations) freed.resources.push_back(a.resource);
  freed.from = to_unix(r.start);
  freed.to = to_unix(r.end);
  return freed;
}

bool mine(const Actor& actor, const std::string& customer,
          const std::optional<CustomerId>& customer_id) {
  return actor.owns(customer, customer_id);
}

}  // namespace

// ---- book and check ------------------------------------------------------------------------

namespace {

// Places every occurrence (see the file comment): placed[i] holds occurrence i's
// allocations, or it is one of `refused`. Storage and internal failures are returned.
Status place_all(EngineImpl& impl, LoadedSet& set, Placement& placement,
                 const std::vector<Occurrence>& occurrences, std::int64_t now, std::int64_t expires,
                 const std::vector<const Reservation*>& current,
                 const std::vector<AllocationRequest>& requests,
                 std::vector<std::optional<std::vector<Allocation>>>& placed,
                 std::vector<SkippedOccurrence>& refused) {
  placed.assign(occurrences.size(), std::nullopt);
  for (std::size_t i = 0; i < occurrences.size(); ++i) {
    const Occurrence& o = occurrences[i];
    const std::int64_t t = to_unix(o.start);
    const std::int64_t d = to_unix(o.end) - t;
    std::vector<ResourceId> members;
    const Reservation* moving = i < current.size() ? current[i] : nullptr;
    if (moving) members = current_members(requests, *moving);
    auto assigned =
        detail::assign(impl, set.resolved, t, d, now, moving ? moving->id : ReservationId{},
                       moving ? &members : nullptr);
    if (!assigned.ok()) {
      if (!occurrence_refusal(assigned.status())) return assigned.status();
      refused.push_back(skipped_from(o, assigned.status()));
      continue;
    }
    placement.hold(*assigned, t, d, expires);
    placed[i] = std::move(*assigned);
  }
  return Status::Ok();
}

}  // namespace

Result<SeriesBooking> RecurringBookings::book(const Principal& who, TenantId tenant,
                                              const SeriesRequest& request) {
  EngineImpl* impl = impl_;
  bool recorded = false;
  std::size_t created = 0;
  auto result = impl->refusal_audited(
      who, tenant, "series.book", "",
      [&]() -> Result<SeriesBooking> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl->authorize_reservations(who, tenant));
        SeriesRequest req = request;
        if (actor.own_reservations_only()) {
          if (!req.customer.empty() && req.customer != actor.customer_ref()) {
            return PermissionDenied("customer: " + actor.name + " books only as \"" +
                                    actor.customer_ref() + "\"");
          }
          req.customer = actor.customer_ref();
        }
        BOKA_RETURN_IF_ERROR(detail::validate_series_request(req));
        const std::string fingerprint =
            req.idempotency_key.empty() ? std::string() : detail::series_fingerprint(req);
        const std::string stored_key = req.idempotency_key.empty()
                                           ? std::string()
                                           : detail::idempotency_scope(actor) + req.idempotency_key;
        if (req.override_rules && !actor.can(Permission::rules_override)) {
          return PermissionDenied("override_rules: " + actor.name +
                                  " lacks permission rules:override");
        }
        for (int attempt = 0; attempt < detail::kMaxReplans; ++attempt) {
          std::vector<ResourceId> locks;
          std::optional<CustomerId> planned_customer = req.customer_id;
          BOKA_RETURN_IF_ERROR(
              impl->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
                if (actor.own_reservations_only()) {
                  BOKA_ASSIGN_OR_RETURN(planned_customer, detail::linked_customer(
                                                              txn, tenant, actor, req.customer_id));
                }
                return detail::plan_request_locks(txn, tenant, req.allocations, locks);
              }));
          sort_unique(locks);
          const detail::CustomerKey key = detail::customer_key(planned_customer, req.customer);

          SeriesBooking out;
          std::vector<StagedIndex> staged;
          Status refused;
          WriteIntent intent(TxnScope::tenant(tenant), locks);
          intent.audit_chain = tenant;
          if (!key.empty()) intent.lock_names.push_back(key.lock_name(tenant));
          intent.after_commit = [&] { detail::install(impl->cache, staged); };
          Replan replan;
          Status st = impl->storage->write(intent, [&](StorageTransaction& txn) -> Status {
            replan.reset();
            staged.clear();
            created = 0;
            refused = Status::Ok();
            out = SeriesBooking{};
            bool wrote = false;
            Status decided = [&]() -> Status {
              const std::int64_t now = impl->now();
              if (!req.idempotency_key.empty()) {
                BOKA_ASSIGN_OR_RETURN(auto record, txn.find_idempotency(tenant, stored_key));
                if (record) {
                  if (record->request_fingerprint != fingerprint) {
                    return AlreadyExists("idempotency_key: \"" + req.idempotency_key +
                                         "\" was already used for a different request");
                  }
                  BOKA_ASSIGN_OR_RETURN(auto first,
                                        txn.find_reservation(tenant, record->reservation));
                  if (!first || !first->series) {
                    return StorageError("idempotency_key: its series is missing");
                  }
                  BOKA_ASSIGN_OR_RETURN(auto series, txn.find_series(tenant, *first->series));
                  if (!series) return StorageError("idempotency_key: its series is missing");
                  out.series = std::move(*series);
                  BOKA_ASSIGN_OR_RETURN(out.reservations,
                                        series_reservations(txn, tenant, out.series.id));
                  return Status::Ok();
                }
              }
              BOKA_ASSIGN_OR_RETURN(const Tenant tenant_row, detail::active_tenant(txn, tenant));
              if (req.hold_for && *req.hold_for > tenant_row.max_hold) {
                return InvalidArgument("hold_for: " + std::to_string(req.hold_for->count()) +
                                       " s is longer than the tenant's max_hold of " +
                                       std::to_string(tenant_row.max_hold.count()) + " s");
              }
              std::optional<CustomerId> customer_id = req.customer_id;
              if (actor.own_reservations_only()) {
                BOKA_ASSIGN_OR_RETURN(customer_id,
                                      detail::linked_customer(txn, tenant, actor, req.customer_id));
                if (customer_id != planned_customer) return replan.abort();
              } else if (customer_id) {
                BOKA_RETURN_IF_ERROR(
                    detail::check_customer_usable(txn, tenant, *customer_id, "customer_id"));
              }
              LoadedSet set;
              BOKA_RETURN_IF_ERROR(
                  impl->resolve(txn, tenant, req.allocations, set.loaded, set.resolved, &staged));
              if (!detail::covered(set.resolved, locks)) return replan.abort();
              BOKA_ASSIGN_OR_RETURN(auto zone, series_zone(set.resolved));
              const SeriesPattern pattern{req.first_date, req.start_minute, req.duration, req.rule,
                                          req.exdates};
              BOKA_ASSIGN_OR_RETURN(
                  auto occurrences,
                  expand_occurrences(pattern, zone, horizon_end(set.resolved, now)));
              if (occurrences.empty())
                return InvalidArgument("exdates: the rule and its EXDATEs leave no occurrence");
              const std::int64_t expires =
                  req.hold_for ? now + req.hold_for->count() : detail::kNever;
              Placement placement(set);
              std::vector<std::optional<std::vector<Allocation>>> placed;
              std::vector<SkippedOccurrence> skipped;
              BOKA_RETURN_IF_ERROR(place_all(*impl, set, placement, occurrences, now, expires, {},
                                             req.allocations, placed, skipped));
              // The per-customer limits, occurrence by occurrence in date order: each counts
              // the customer's bookings and the occurrences accepted before it.
              std::vector<std::string> overridden;
              if (!key.empty()) {
                std::optional<std::vector<Reservation>> counted;
                for (std::size_t i = 0; i < occurrences.size(); ++i) {
                  if (!placed[i]) continue;
                  Reservation r;
                  r.tenant = tenant;
                  r.start = occurrences[i].start;
                  r.end = occurrences[i].end;
                  r.allocations = *placed[i];
                  r.customer = req.customer;
                  r.customer_id = customer_id;
                  r.status = ReservationStatus::confirmed;
                  BOKA_ASSIGN_OR_RETURN(auto rules,
                                        detail::rules_for(txn, tenant, tenant_row, r.allocations,
                                                          std::nullopt, set.loaded));
                  if (!detail::has_customer_limits(rules)) continue;
                  if (!counted) {
                    BOKA_ASSIGN_OR_RETURN(counted,
                                          detail::customer_active_bookings(txn, tenant, key, now));
                  }
                  Status within =
                      detail::check_limits_in(*counted, rules, r, nullptr,
                                              set.loaded.at(r.allocations.front().resource).zone,
                                              req.override_rules, &overridden);
                  if (!within.ok()) {
                    placed[i].reset();
                    skipped.push_back(
                        SkippedOccurrence{occurrences[i], Code::conflict, within.message(), {}});
                    continue;
                  }
                  counted->push_back(std::move(r));
                }
                std::sort(skipped.begin(), skipped.end(),
                          [](const SkippedOccurrence& a, const SkippedOccurrence& b) {
                            return a.occurrence.start < b.occurrence.start;
                          });
              }
              if (!skipped.empty() && (req.mode == SeriesMode::all_or_nothing ||
                                       skipped.size() == occurrences.size())) {
                return series_refusal("series", occurrences.size(), skipped);
              }
              Series s;
              s.tenant = tenant;
              s.allocations = req.allocations;
              s.first_date = req.first_date;
              s.start_minute = req.start_minute;
              s.duration = req.duration;
              s.zone = zone;
              s.rule = req.rule;
              s.exdates = req.exdates;
              for (const SkippedOccurrence& k : skipped) s.exdates.push_back(k.occurrence.date);
              std::sort(s.exdates.begin(), s.exdates.end());
              s.exdates.erase(std::unique(s.exdates.begin(), s.exdates.end()), s.exdates.end());
              s.customer = req.customer;
              s.customer_id = customer_id;
              s.metadata_json = req.metadata_json;
              s.created_at = s.updated_at = from_unix(now);
              s.version = 1;
              wrote = true;
              BOKA_ASSIGN_OR_RETURN(s.id, txn.insert_series(s));
              for (std::size_t i = 0; i < occurrences.size(); ++i) {
                if (!placed[i]) continue;
                Reservation r;
                r.tenant = tenant;
                r.status = req.hold_for ? ReservationStatus::held : ReservationStatus::confirmed;
                r.start = occurrences[i].start;
                r.end = occurrences[i].end;
                if (req.hold_for) r.hold_expires_at = from_unix(expires);
                r.allocations = std::move(*placed[i]);
                r.customer = req.customer;
                r.customer_id = customer_id;
                r.metadata_json = req.metadata_json;
                r.series = s.id;
                r.occurrence_date = occurrences[i].date;
                r.created_at = r.updated_at = from_unix(now);
                r.version = 1;
                BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_reservation(r));
                out.reservations.push_back(std::move(r));
              }
              if (!req.idempotency_key.empty()) {
                BOKA_RETURN_IF_ERROR(txn.insert_idempotency(
                    tenant,
                    IdempotencyRecord{stored_key, fingerprint, out.reservations.front().id}));
              }
              BOKA_RETURN_IF_ERROR(placement.finish(txn, out.reservations, now, staged));
              nlohmann::ordered_json booked = {{"mode", series_mode_name(req.mode)},
                                               {"reservations", ids_of(out.reservations)},
                                               {"skipped", skipped.size()}};
              if (!overridden.empty()) booked["overridden"] = overridden;
              BOKA_RETURN_IF_ERROR(impl->audit(
                  txn, actor, series_entry(s, "series.book", series_detail(s, "booked", booked))));
              // Every occurrence is an ordinary reservation, so consumers of reservation
              // events see it; the series event names them all.
              std::unordered_map<ResourceId, std::string> zones;
              for (Reservation& r : out.reservations) {
                BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r, &zones));
                BOKA_RETURN_IF_ERROR(impl->emit_reservation(
                    txn, actor, req.hold_for ? "reservation.held" : "reservation.created", r));
              }
              BOKA_RETURN_IF_ERROR(
                  impl->emit_series(txn, actor, req.hold_for ? "series.held" : "series.created", s,
                                    ids_vector(out.reservations)));
              out.series = std::move(s);
              out.skipped = std::move(skipped);
              created = out.reservations.size();
              return Status::Ok();
            }();
            if (decided.ok()) {
              std::unordered_map<ResourceId, std::string> zones;
              for (Reservation& r : out.reservations) {
                BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r, &zones));
              }
            }
            return impl->record_conflict(txn, actor, tenant, "series.book", "", decided, wrote,
                                         refused);
          });
          if (replan.wanted(st)) continue;
          if (!EngineImpl::capacity_refused(st, refused)) BOKA_RETURN_IF_ERROR(st);
          detail::install(impl->cache, staged);
          if (!refused.ok()) {
            recorded = true;
            return detail::redact_conflict(refused, actor);
          }
          const std::int64_t now = impl->now();
          for (Reservation& r : out.reservations)
            r = EngineImpl::with_derived_status(std::move(r), now);
          if (actor.own_reservations_only()) {
            for (SkippedOccurrence& k : out.skipped) k.blocking_reservation_ids.clear();
          }
          return out;
        }
        return Unavailable("series: pool membership kept changing; retry");
      },
      &recorded);
  impl->metrics->booking_outcome(kReserve, EngineImpl::status_of(result));
  if (result.ok() && created > 0) impl->metrics->bookings_created->inc(created);
  return result;
}

Result<SeriesAvailability> RecurringBookings::check(const Principal& who, TenantId tenant,
                                                    const SeriesRequest& request) {
  EngineImpl* impl = impl_;
  BOKA_ASSIGN_OR_RETURN(auto actor, impl->authorize_reservations(who, tenant));
  SeriesRequest req = request;
  req.mode = SeriesMode::skip_conflicts;
  req.hold_for.reset();
  req.idempotency_key.clear();
  if (actor.own_reservations_only()) req.customer = actor.customer_ref();
  BOKA_RETURN_IF_ERROR(detail::validate_series_request(req));
  SeriesAvailability out;
  BOKA_RETURN_IF_ERROR(
      impl->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        out = SeriesAvailability{};
        const std::int64_t now = impl->now();
        BOKA_RETURN_IF_ERROR(impl->check_tenant_exists(txn, tenant));
        LoadedSet set;
        BOKA_RETURN_IF_ERROR(
            impl->resolve(txn, tenant, req.allocations, set.loaded, set.resolved, nullptr));
        BOKA_ASSIGN_OR_RETURN(auto zone, series_zone(set.resolved));
        const SeriesPattern pattern{req.first_date, req.start_minute, req.duration, req.rule,
                                    req.exdates};
        BOKA_ASSIGN_OR_RETURN(auto occurrences,
                              expand_occurrences(pattern, zone, horizon_end(set.resolved, now)));
        if (occurrences.empty())
          return InvalidArgument("exdates: the rule and its EXDATEs leave no occurrence");
        Placement placement(set);
        std::vector<std::optional<std::vector<Allocation>>> placed;
        BOKA_RETURN_IF_ERROR(place_all(*impl, set, placement, occurrences, now, detail::kNever, {},
                                       req.allocations, placed, out.taken));
        for (std::size_t i = 0; i < occurrences.size(); ++i) {
          if (placed[i]) out.free.push_back(occurrences[i]);
        }
        return Status::Ok();
      }));
  if (actor.own_reservations_only()) {
    for (SkippedOccurrence& k : out.taken) k.blocking_reservation_ids.clear();
  }
  return out;
}

// ---- reads ---------------------------------------------------------------------------------

Result<Series> RecurringBookings::get(const Principal& who, TenantId tenant, SeriesId id) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  std::optional<Series> s;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(s, txn.find_series(tenant, id));
        return Status::Ok();
      }));
  if (!s || !mine(actor, s->customer, s->customer_id)) {
    return NotFound("series " + std::to_string(id) + " not found");
  }
  return *s;
}

Result<std::vector<Reservation>> RecurringBookings::occurrences(const Principal& who,
                                                                TenantId tenant, SeriesId id) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  std::optional<Series> s;
  std::vector<Reservation> rows;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(s, txn.find_series(tenant, id));
        if (!s) return Status::Ok();
        BOKA_ASSIGN_OR_RETURN(rows, series_reservations(txn, tenant, id));
        std::unordered_map<ResourceId, std::string> zones;
        for (Reservation& r : rows)
          BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r, &zones));
        return Status::Ok();
      }));
  if (!s || !mine(actor, s->customer, s->customer_id)) {
    return NotFound("series " + std::to_string(id) + " not found");
  }
  const std::int64_t now = impl_->now();
  std::vector<Reservation> out;
  out.reserve(rows.size());
  for (Reservation& r : rows) {
    if (mine(actor, r.customer, r.customer_id))
      out.push_back(EngineImpl::with_derived_status(std::move(r), now));
  }
  return out;
}

// ---- changes -------------------------------------------------------------------------------

namespace {

enum class SeriesOp { confirm, cancel, reschedule };

// The events a series change writes (docs/events.md, "Types"): one for the series, one for
// each occurrence it changed (a reschedule may also cancel occurrences the new pattern lacks
// and book ones it adds).
const char* series_event(SeriesOp op) {
  switch (op) {
    case SeriesOp::confirm: return "series.confirmed";
    case SeriesOp::cancel: return "series.cancelled";
    case SeriesOp::reschedule: return "series.rescheduled";
  }
  return "series.rescheduled";
}
const char* occurrence_event(SeriesOp op, const Reservation& r) {
  switch (op) {
    case SeriesOp::confirm: return "reservation.confirmed";
    case SeriesOp::cancel: return "reservation.cancelled";
    case SeriesOp::reschedule:
      if (r.status == ReservationStatus::cancelled) return "reservation.cancelled";
      return r.version == 1 ? "reservation.created" : "reservation.rescheduled";
  }
  return "reservation.updated";
}

const char* series_action(SeriesOp op) {
  switch (op) {
    case SeriesOp::confirm: return "series.confirm";
    case SeriesOp::cancel: return "series.cancel";
    case SeriesOp::reschedule: return "series.reschedule";
  }
  return "series.change";
}

// What a change of a series works on, read in one transaction.
struct SeriesState {
  Series series;
  std::vector<Reservation> all;         // every reservation of the series, by start
  std::optional<Reservation> pivot;     // the occurrence the change counts from
  std::vector<Reservation> affected;    // the active reservations the change applies to
  std::optional<LocalDate> split_date;  // where a following/whole change cuts the series
};

// Reads a series change's state. `occurrence` names the pivot (or, for confirm, 0 and
// `series_id`).
Status read_state(StorageTransaction& txn, const Actor& actor, TenantId tenant,
                  ReservationId occurrence, std::optional<SeriesId> series_id, SeriesOp op,
                  SeriesScope scope, std::int64_t now, std::optional<SeriesState>& out) {
  out.reset();
  SeriesState st;
  if (!series_id) {
    BOKA_ASSIGN_OR_RETURN(auto pivot, txn.find_reservation(tenant, occurrence));
    if (!pivot || !mine(actor, pivot->customer, pivot->customer_id)) {
      return NotFound("reservation " + std::to_string(occurrence) + " not found");
    }
    if (!pivot->series) {
      return InvalidArgument("occurrence: reservation " + std::to_string(occurrence) +
                             " is not an occurrence of a series");
    }
    series_id = pivot->series;
    st.pivot = std::move(*pivot);
  }
  BOKA_ASSIGN_OR_RETURN(auto series, txn.find_series(tenant, *series_id));
  if (!series || !mine(actor, series->customer, series->customer_id)) {
    return NotFound("series " + std::to_string(*series_id) + " not found");
  }
  st.series = std::move(*series);
  BOKA_ASSIGN_OR_RETURN(st.all, series_reservations(txn, tenant, st.series.id));
  const Instant at = from_unix(now);
  const auto date_of = [](const Reservation& r) { return r.occurrence_date.value_or(LocalDate{}); };
  if (op == SeriesOp::confirm) {
    for (const Reservation& r : st.all) {
      if (r.status == ReservationStatus::held) st.affected.push_back(r);
    }
    out = std::move(st);
    return Status::Ok();
  }
  switch (scope) {
    case SeriesScope::this_occurrence:
      if (st.pivot->is_active(at)) st.affected.push_back(*st.pivot);
      break;
    case SeriesScope::this_and_following:
      st.split_date = date_of(*st.pivot);
      for (const Reservation& r : st.all) {
        if (r.is_active(at) && date_of(r) >= *st.split_date) st.affected.push_back(r);
      }
      break;
    case SeriesScope::whole_series:
      for (const Reservation& r : st.all) {
        if (to_unix(r.start) <= now) continue;
        if (!st.split_date || date_of(r) < *st.split_date) st.split_date = date_of(r);
        if (r.is_active(at)) st.affected.push_back(r);
      }
      break;
  }
  out = std::move(st);
  return Status::Ok();
}

// The series' own rule cut to end the day before `date`.
RecurrenceRule ended_before(RecurrenceRule rule, const LocalDate& date) {
  rule.count.reset();
  rule.until = RecurrenceRule::Until::on_date(day_before(date));
  return rule;
}

}  // namespace

static Result<SeriesChange> change_series(EngineImpl& impl, const Actor& actor, TenantId tenant,
                                          SeriesOp op, ReservationId occurrence,
                                          std::optional<SeriesId> series_id, SeriesScope scope,
                                          const SeriesReschedule& change, const ChangeGuard& guard,
                                          bool* recorded) {
  const std::string what = std::string(series_action(op));
  if (guard.override_rules && !actor.can(Permission::rules_override)) {
    return PermissionDenied("override_rules: " + actor.name + " lacks permission rules:override");
  }
  for (int attempt = 0; attempt < detail::kMaxReplans; ++attempt) {
    std::vector<ResourceId> locks;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          std::optional<SeriesState> st;
          BOKA_RETURN_IF_ERROR(
              read_state(txn, actor, tenant, occurrence, series_id, op, scope, impl.now(), st));
          for (const Reservation& r : st->affected) {
            for (const Allocation& a : r.allocations) locks.push_back(a.resource);
          }
          if (op == SeriesOp::reschedule) {
            BOKA_RETURN_IF_ERROR(
                detail::plan_request_locks(txn, tenant, st->series.allocations, locks));
          }
          if (op != SeriesOp::confirm) {
            // What the change frees may be offered to waiting entries: lock theirs too.
            for (const Reservation& r : st->affected) {
              BOKA_RETURN_IF_ERROR(detail::plan_waitlist_locks(txn, tenant, freed_by(r), locks));
            }
          }
          return Status::Ok();
        }));
    sort_unique(locks);

    SeriesChange out;
    std::vector<StagedIndex> staged;
    Status refused;
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    intent.after_commit = [&] { detail::install(impl.cache, staged); };
    Replan replan;
    std::string target;
    int offers = 0;
    Status st = impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      replan.reset();
      staged.clear();
      refused = Status::Ok();
      offers = 0;
      out = SeriesChange{};
      bool wrote = false;
      Status decided = [&]() -> Status {
        const std::int64_t now = impl.now();
        std::optional<SeriesState> state;
        BOKA_RETURN_IF_ERROR(
            read_state(txn, actor, tenant, occurrence, series_id, op, scope, now, state));
        SeriesState& s = *state;
        target = "series:" + std::to_string(s.series.id);
        for (const Reservation& r : s.affected) {
          for (const Allocation& a : r.allocations) {
            if (!std::binary_search(locks.begin(), locks.end(), a.resource)) return replan.abort();
          }
        }
        LoadedSet set;
        for (const Reservation& r : s.affected) {
          for (const Allocation& a : r.allocations) {
            if (set.loaded.count(a.resource)) continue;
            BOKA_ASSIGN_OR_RETURN(
                auto lr, impl.load_resource(txn, tenant, a.resource, "allocation", &staged));
            set.loaded.emplace(a.resource, std::move(lr));
          }
        }
        if (guard.if_version && s.pivot && s.pivot->version != *guard.if_version) {
          return ConflictError(what + ": reservation " + std::to_string(s.pivot->id) +
                               ": version " + std::to_string(*guard.if_version) +
                               " is stale (current " + std::to_string(s.pivot->version) +
                               "); re-read and retry");
        }
        // The cutoffs: each occurrence a cancel or a move touches, at its current start.
        std::vector<std::string> overridden;
        if (op != SeriesOp::confirm) {
          BOKA_ASSIGN_OR_RETURN(auto tenant_row, txn.find_tenant(tenant));
          if (!tenant_row) return NotFound("tenant " + std::to_string(tenant) + " not found");
          for (const Reservation& r : s.affected) {
            if (op == SeriesOp::cancel && r.status != ReservationStatus::confirmed) continue;
            BOKA_ASSIGN_OR_RETURN(
                auto rules,
                detail::rules_for(txn, tenant, *tenant_row, r.allocations, r.service, set.loaded));
            Status in_time =
                detail::check_cutoff(rules,
                                     op == SeriesOp::cancel ? detail::CutoffKind::cancel
                                                            : detail::CutoffKind::reschedule,
                                     r.start, now, guard.override_rules, &overridden);
            if (!in_time.ok()) {
              return Status(in_time.code(),
                            what + ": occurrence " + std::to_string(r.id) + " on " +
                                iso_date_text(r.occurrence_date.value_or(LocalDate{})) + ": " +
                                in_time.message())
                  .with_conflict(*in_time.conflict());
            }
          }
          std::sort(overridden.begin(), overridden.end());
          overridden.erase(std::unique(overridden.begin(), overridden.end()), overridden.end());
        }
        Placement placement(set);
        Series series = s.series;
        std::optional<Series> split;
        std::vector<Reservation> written;
        nlohmann::ordered_json detail_extra;
        const auto bump = [&](Reservation r) {
          r.version += 1;
          r.updated_at = from_unix(now);
          return r;
        };

        if (op == SeriesOp::confirm) {
          for (const Reservation& r : s.affected) {
            if (!r.is_active(from_unix(now))) {
              return ConflictError(what + ": occurrence " + std::to_string(r.id) + " on " +
                                   iso_date_text(r.occurrence_date.value_or(LocalDate{})) +
                                   " is expired (its hold lapsed at " +
                                   format_utc(r.hold_expires_at.value_or(from_unix(now))) +
                                   ") and cannot be confirmed");
            }
            // As for one reservation: only what still fits beside the confirmed bookings.
            BOKA_RETURN_IF_ERROR(detail::check_confirmable(
                r, set.loaded,
                what + ": occurrence " + std::to_string(r.id) + " on " +
                    iso_date_text(r.occurrence_date.value_or(LocalDate{}))));
            placement.take_out(r);
            Reservation after = bump(r);
            after.status = ReservationStatus::confirmed;
            after.hold_expires_at.reset();
            written.push_back(std::move(after));
          }
          detail_extra = {{"confirmed", ids_of(written)}};
        } else if (op == SeriesOp::cancel) {
          if (scope == SeriesScope::this_occurrence && s.affected.empty()) {
            return ConflictError(
                what + ": reservation " + std::to_string(s.pivot->id) + " is " +
                status_name(EngineImpl::with_derived_status(*s.pivot, now).status) +
                " and cannot be cancelled");
          }
          if (s.affected.empty()) {
            return ConflictError(what + ": no active occurrence of series " +
                                 std::to_string(series.id) + " is left to cancel");
          }
          for (const Reservation& r : s.affected) {
            placement.take_out(r);
            Reservation after = bump(r);
            after.status = ReservationStatus::cancelled;
            after.hold_expires_at.reset();
            written.push_back(std::move(after));
          }
          bool series_changed = false;
          if (scope == SeriesScope::this_occurrence && s.pivot->occurrence_date) {
            series.exdates.push_back(*s.pivot->occurrence_date);
            std::sort(series.exdates.begin(), series.exdates.end());
            series.exdates.erase(std::unique(series.exdates.begin(), series.exdates.end()),
                                 series.exdates.end());
            series_changed = true;
          } else if (scope == SeriesScope::this_and_following && s.split_date &&
                     *s.split_date > series.first_date) {
            series.rule = ended_before(series.rule, *s.split_date);
            series_changed = true;
          }
          if (series_changed) {
            series.version += 1;
            series.updated_at = from_unix(now);
          }
          detail_extra = {{"scope", series_scope_name(scope)}, {"cancelled", ids_of(written)}};
          if (series_changed) {
            wrote = true;
            BOKA_RETURN_IF_ERROR(txn.update_series(series));
          }
        } else {  // reschedule
          BOKA_RETURN_IF_ERROR(impl.check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(
              impl.resolve(txn, tenant, series.allocations, set.loaded, set.resolved, &staged));
          if (!detail::covered(set.resolved, locks)) return replan.abort();
          const Instant horizon = horizon_end(set.resolved, now);
          if (s.affected.empty()) {
            return ConflictError(what + ": no active occurrence of series " +
                                 std::to_string(series.id) + " is left to move");
          }
          for (const Reservation& r : s.affected) placement.take_out(r);
          std::vector<Occurrence> targets;
          std::vector<const Reservation*> moving;
          if (scope == SeriesScope::this_occurrence) {
            const Reservation& p = s.affected.front();
            SeriesPattern one{change.first_date.value_or(p.occurrence_date.value_or(LocalDate{})),
                              change.start_minute.value_or(series.start_minute),
                              change.duration.value_or(series.duration),
                              RecurrenceRule{},
                              {}};
            one.rule.frequency = Frequency::daily;
            one.rule.count = 1;
            BOKA_ASSIGN_OR_RETURN(targets, expand_occurrences(one, series.zone, horizon));
            targets.front().date = p.occurrence_date.value_or(targets.front().date);
            moving.push_back(&p);
          } else {
            const LocalDate split_date = *s.split_date;
            RecurrenceRule rule = series.rule;
            if (!change.rule && rule.count) {
              // COUNT covers the occurrences the old rule generated before the split too.
              SeriesPattern all = series.pattern();
              all.exdates.clear();
              all.rule.count = std::min(*rule.count, SeriesPattern::kMaxOccurrences);
              BOKA_ASSIGN_OR_RETURN(
                  auto generated,
                  expand_occurrences(all, series.zone, from_unix(detail::kLatestUnix),
                                     SeriesPattern::kMaxOccurrences));
              const auto before =
                  std::count_if(generated.begin(), generated.end(),
                                [&](const Occurrence& o) { return o.date < split_date; });
              rule.count = *rule.count - static_cast<int>(before);
            }
            SeriesPattern next{change.first_date.value_or(split_date),
                               change.start_minute.value_or(series.start_minute),
                               change.duration.value_or(series.duration),
                               change.rule.value_or(rule),
                               {}};
            for (const LocalDate& e : series.exdates) {
              if (e >= next.first_date) next.exdates.push_back(e);
            }
            BOKA_RETURN_IF_ERROR(validate_rrule(next.rule));
            BOKA_ASSIGN_OR_RETURN(targets, expand_occurrences(next, series.zone, horizon));
            for (const Reservation& r : s.affected) moving.push_back(&r);
            const bool in_place = split_date <= series.first_date;
            Series made = series;
            made.first_date = next.first_date;
            made.start_minute = next.start_minute;
            made.duration = next.duration;
            made.rule = next.rule;
            made.exdates = next.exdates;
            made.updated_at = from_unix(now);
            if (in_place) {
              made.version = series.version + 1;
              series = made;
            } else {
              made.split_from = series.id;
              made.created_at = from_unix(now);
              made.version = 1;
              split = made;
              series.rule = ended_before(series.rule, split_date);
              series.exdates.erase(
                  std::remove_if(series.exdates.begin(), series.exdates.end(),
                                 [&](const LocalDate& e) { return e >= split_date; }),
                  series.exdates.end());
              series.version += 1;
              series.updated_at = from_unix(now);
            }
          }
          std::vector<std::optional<std::vector<Allocation>>> placed;
          std::vector<SkippedOccurrence> bad;
          const std::int64_t expires = detail::kNever;
          BOKA_RETURN_IF_ERROR(place_all(impl, set, placement, targets, now, expires, moving,
                                         series.allocations, placed, bad));
          if (!bad.empty()) return series_refusal(what, targets.size(), bad);
          wrote = true;
          if (split) {
            BOKA_ASSIGN_OR_RETURN(split->id, txn.insert_series(*split));
          }
          if (scope != SeriesScope::this_occurrence)
            BOKA_RETURN_IF_ERROR(txn.update_series(series));
          const SeriesId home = split ? split->id : series.id;
          for (std::size_t k = 0; k < std::max(targets.size(), moving.size()); ++k) {
            if (k < moving.size() && k < targets.size()) {
              Reservation after = bump(*moving[k]);
              after.start = targets[k].start;
              after.end = targets[k].end;
              after.allocations = std::move(*placed[k]);
              if (scope != SeriesScope::this_occurrence) {
                after.series = home;
                after.occurrence_date = targets[k].date;
              }
              written.push_back(std::move(after));
            } else if (k < moving.size()) {  // the new pattern has fewer occurrences
              Reservation after = bump(*moving[k]);
              after.status = ReservationStatus::cancelled;
              after.hold_expires_at.reset();
              written.push_back(std::move(after));
            } else {  // the new pattern has more
              Reservation r;
              r.tenant = tenant;
              r.status = ReservationStatus::confirmed;
              r.start = targets[k].start;
              r.end = targets[k].end;
              r.allocations = std::move(*placed[k]);
              r.customer = series.customer;
              r.customer_id = series.customer_id;
              r.metadata_json = series.metadata_json;
              r.series = home;
              r.occurrence_date = targets[k].date;
              r.created_at = r.updated_at = from_unix(now);
              r.version = 1;
              BOKA_ASSIGN_OR_RETURN(r.id, txn.insert_reservation(r));
              written.push_back(std::move(r));
              continue;
            }
            BOKA_RETURN_IF_ERROR(txn.update_reservation(written.back()));
          }
          detail_extra = {{"scope", series_scope_name(scope)}, {"changed", ids_of(written)}};
          if (split) detail_extra["split"] = static_cast<std::int64_t>(split->id);
        }
        wrote = true;
        if (op != SeriesOp::reschedule) {
          for (const Reservation& r : written) BOKA_RETURN_IF_ERROR(txn.update_reservation(r));
        }
        BOKA_RETURN_IF_ERROR(placement.finish(txn, written, now, staged));
        if (op != SeriesOp::confirm) {
          for (const Reservation& r : s.affected) {
            BOKA_RETURN_IF_ERROR(detail::offer_freed(impl, txn, actor, tenant, set, locks,
                                                     freed_by(r), now, staged, replan, &offers));
          }
        }
        if (!overridden.empty()) detail_extra["overridden"] = overridden;
        BOKA_RETURN_IF_ERROR(
            impl.audit(txn, actor,
                       series_entry(series, series_action(op),
                                    series_detail(series, "change", std::move(detail_extra)))));
        if (split) {
          BOKA_RETURN_IF_ERROR(impl.audit(
              txn, actor,
              series_entry(*split, "series.split",
                           series_detail(*split, "from", static_cast<std::int64_t>(series.id)))));
        }
        sort_by_start(written);
        std::unordered_map<ResourceId, std::string> zones;
        for (Reservation& r : written) {
          BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r, &zones));
          BOKA_RETURN_IF_ERROR(impl.emit_reservation(txn, actor, occurrence_event(op, r), r));
        }
        BOKA_RETURN_IF_ERROR(
            impl.emit_series(txn, actor, series_event(op), series, ids_vector(written)));
        if (split) {
          BOKA_RETURN_IF_ERROR(
              impl.emit_series(txn, actor, "series.split", *split, ids_vector(written)));
        }
        out.series = std::move(series);
        out.split = std::move(split);
        out.changed = std::move(written);
        return Status::Ok();
      }();
      return impl.record_conflict(txn, actor, tenant, series_action(op), target, decided, wrote,
                                  refused);
    });
    if (replan.wanted(st)) continue;
    if (!EngineImpl::capacity_refused(st, refused)) BOKA_RETURN_IF_ERROR(st);
    detail::install(impl.cache, staged);
    if (!refused.ok()) {
      *recorded = true;
      return detail::redact_conflict(refused, actor);
    }
    if (offers > 0) impl.metrics->waitlist.made->inc(static_cast<std::uint64_t>(offers));
    const std::int64_t now = impl.now();
    for (Reservation& r : out.changed) r = EngineImpl::with_derived_status(std::move(r), now);
    return out;
  }
  return Unavailable(what + ": its resources kept changing; retry");
}

Result<std::vector<Reservation>> RecurringBookings::confirm(const Principal& who, TenantId tenant,
                                                            SeriesId id) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, "series.confirm", "series:" + std::to_string(id),
      [&]() -> Result<std::vector<Reservation>> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        BOKA_ASSIGN_OR_RETURN(
            auto change,
            change_series(*impl_, actor, tenant, SeriesOp::confirm, ReservationId{}, id,
                          SeriesScope::whole_series, {}, ChangeGuard{}, &recorded));
        return std::move(change.changed);
      },
      &recorded);
  impl_->metrics->booking_outcome(kConfirm, EngineImpl::status_of(result));
  return result;
}

Result<SeriesChange> RecurringBookings::cancel(const Principal& who, TenantId tenant,
                                               ReservationId occurrence, SeriesScope scope) {
  return cancel(who, tenant, occurrence, scope, ChangeGuard{});
}

Result<SeriesChange> RecurringBookings::cancel(const Principal& who, TenantId tenant,
                                               ReservationId occurrence, SeriesScope scope,
                                               const ChangeGuard& guard) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, "series.cancel", "reservation:" + std::to_string(occurrence),
      [&]() -> Result<SeriesChange> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        if (std::string_view(series_scope_name(scope)) == "unknown") {
          return InvalidArgument(
              "scope: must be this_occurrence, this_and_following or "
              "whole_series");
        }
        return change_series(*impl_, actor, tenant, SeriesOp::cancel, occurrence, std::nullopt,
                             scope, {}, guard, &recorded);
      },
      &recorded);
  impl_->metrics->booking_outcome(kCancel, EngineImpl::status_of(result));
  return result;
}

Result<SeriesChange> RecurringBookings::reschedule(const Principal& who, TenantId tenant,
                                                   ReservationId occurrence, SeriesScope scope,
                                                   const SeriesReschedule& change) {
  return reschedule(who, tenant, occurrence, scope, change, ChangeGuard{});
}

Result<SeriesChange> RecurringBookings::reschedule(const Principal& who, TenantId tenant,
                                                   ReservationId occurrence, SeriesScope scope,
                                                   const SeriesReschedule& change,
                                                   const ChangeGuard& guard) {
  bool recorded = false;
  auto result = impl_->refusal_audited(
      who, tenant, "series.reschedule", "reservation:" + std::to_string(occurrence),
      [&]() -> Result<SeriesChange> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
        if (std::string_view(series_scope_name(scope)) == "unknown") {
          return InvalidArgument(
              "scope: must be this_occurrence, this_and_following or "
              "whole_series");
        }
        if (change.start_minute && (*change.start_minute < 0 || *change.start_minute > 1439)) {
          return InvalidArgument("start_minute: must be 0..1439, got " +
                                 std::to_string(*change.start_minute));
        }
        if (change.duration &&
            (change.duration->count() <= 0 || *change.duration > SeriesPattern::kMaxDuration)) {
          return InvalidArgument("duration: must be 1 s .. 366 days");
        }
        if (change.rule) {
          BOKA_RETURN_IF_ERROR(validate_rrule(*change.rule));
          if (!change.rule->count && !change.rule->until) {
            return InvalidArgument("rule: a series needs COUNT or UNTIL");
          }
        }
        return change_series(*impl_, actor, tenant, SeriesOp::reschedule, occurrence, std::nullopt,
                             scope, change, guard, &recorded);
      },
      &recorded);
  impl_->metrics->booking_outcome(kReschedule, EngineImpl::status_of(result));
  return result;
}

}  // namespace boka
