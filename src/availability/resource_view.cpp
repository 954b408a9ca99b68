#include "availability/resource_view.hpp"

#include <algorithm>
#include <map>

#include "schedule/schedule_rules.hpp"

namespace boka::detail {
namespace {

std::string local_text(const Zone& zone, std::int64_t t) {
  return date::format("%F %R", zone.to_local(from_unix(t))) + " " + zone.tz()->name();
}

std::int64_t horizon_end(const Policy& p, std::int64_t now) {
  return p.max_horizon.count() > 0 ? now + p.max_horizon.count() : kNever;
}

int active_starts_on_day(const ResourceView& v, Range day, std::int64_t now,
                         ReservationId exclude) {
  int count = 0;
  v.index->for_each_from(day.begin - v.index->max_lead(), [&](const IndexEntry& e) {
    if (e.start >= day.end) return false;
    if (e.booked_start() >= day.begin && e.booked_start() < day.end && e.active_at(now) &&
        e.reservation != exclude) {
      ++count;
    }
    return true;
  });
  return count;
}

}  // namespace

std::int64_t ResourceView::min_duration() const {
  const Policy& p = resource->policy;
  return p.min_duration.count() > 0 ? p.min_duration.count() : p.slot_step.count();
}

bool on_grid(const Zone& zone, std::int64_t step, std::int64_t t) {
  const std::int64_t local = zone.to_local(from_unix(t)).time_since_epoch().count();
  std::int64_t rem = local % step;
  if (rem < 0) rem += step;
  return rem == 0;
}

StartCheck check_start(const ResourceView& v, std::int64_t t, std::int64_t d, int q,
                       std::int64_t now, ReservationId exclude) {
  StartCheck out;
  const Resource& r = *v.resource;
  const Policy& p = r.policy;
  auto add = [&](Explanation::Reason reason, std::string detail) {
    out.findings.push_back({r.id, reason, std::move(detail)});
  };
  if (r.archived_at) add(Explanation::Reason::archived, "resource is archived");
  if (d < v.min_duration() || (p.max_duration.count() > 0 && d > p.max_duration.count())) {
    add(Explanation::Reason::duration,
        "duration " + std::to_string(d) + " s is outside " + std::to_string(v.min_duration()) +
            ".." + (p.max_duration.count() > 0 ? std::to_string(p.max_duration.count()) : "") +
            " s");
  }
  if (t < now + v.min_notice()) {
    add(Explanation::Reason::notice,
        "starts before now + min_notice (" + std::to_string(v.min_notice()) + " s)");
  }
  if (t > horizon_end(p, now)) {
    add(Explanation::Reason::horizon,
        "starts after now + max_horizon (" + std::to_string(p.max_horizon.count()) + " s)");
  }
  if (!on_grid(v.zone, v.step(), t)) {
    add(Explanation::Reason::off_grid,
        local_text(v.zone, t) + " is not on the " + std::to_string(v.step() / 60) + "-minute grid");
  }
  const std::vector<Range> open = open_ranges(v.schedule, v.zone, t, t + d);
  if (open.size() != 1 || open[0] != Range{t, t + d}) {
    add(Explanation::Reason::closed,
        "not open for the whole of " + local_text(v.zone, t) + " .. " + local_text(v.zone, t + d));
  }
  if (p.daily_limit > 0) {
    const Range day = utc_range_of_local_day(v.zone, local_day_of(v.zone, t));
    const int n = active_starts_on_day(v, day, now, exclude);
    if (n >= p.daily_limit) {
      add(Explanation::Reason::daily_limit, "the local day already has " + std::to_string(n) +
                                                " reservations (limit " +
                                                std::to_string(p.daily_limit) + ")");
    }
  }
  const Range window{t - v.buffer_before(), t + d + v.buffer_after()};
  if (!v.index->fits(window, q, r.capacity, now, exclude)) {
    const int used = v.index->max_usage(window, now, exclude);
    v.index->for_each_overlapping(
        window, now, exclude, [&](const IndexEntry& e) { out.blocking.push_back(e.reservation); });
    std::sort(out.blocking.begin(), out.blocking.end());
    out.blocking.erase(std::unique(out.blocking.begin(), out.blocking.end()), out.blocking.end());
    add(Explanation::Reason::capacity, std::to_string(used) + " of " + std::to_string(r.capacity) +
                                           " in use, " + std::to_string(q) + " requested");
  }
  return out;
}

const std::vector<Range>& OpenRangeMemo::open(const Schedule* schedule, const Zone& zone,
                                              std::int64_t from, std::int64_t to) {
  const ScheduleId id = schedule ? schedule->id : ScheduleId{};
  const std::int64_t version = schedule ? schedule->version : 0;
  const void* z = zone.tz();
  // Schedules without a stored id (built in code, never saved) are not shared.
  if (schedule == nullptr || id != 0) {
    for (const Entry& e : entries_) {
      if (e.schedule == id && e.version == version && e.zone == z && e.from == from && e.to == to) {
        return e.ranges;
      }
    }
  }
  entries_.push_back(Entry{id, version, z, from, to, open_ranges(schedule, zone, from, to)});
  return entries_.back().ranges;
}

std::vector<Range> valid_starts(const ResourceView& v, std::int64_t from, std::int64_t to,
                                std::int64_t d, int q, std::int64_t now, ReservationId exclude,
                                OpenRangeMemo* memo) {
  const Resource& r = *v.resource;
  const Policy& p = r.policy;
  if (r.archived_at || q > r.capacity || q < 1) return {};
  if (d < v.min_duration() || (p.max_duration.count() > 0 && d > p.max_duration.count())) {
    return {};
  }
  const std::int64_t lo = std::max(from, now + v.min_notice());
  const std::int64_t horizon = horizon_end(p, now);
  const std::int64_t hi = horizon == kNever ? to : std::min(to, horizon + 1);
  if (lo >= hi) return {};

  std::vector<Range> starts;
  std::vector<Range> expanded;
  const std::vector<Range>& open = memo ? memo->open(v.schedule, v.zone, lo, hi + d)
                                        : (expanded = open_ranges(v.schedule, v.zone, lo, hi + d));
  for (const Range& o : open) {
    Range s{o.begin, std::min(o.end - d + 1, hi)};
    if (!s.empty()) starts.push_back(s);
  }
  if (starts.empty()) return starts;

  const std::int64_t before = v.buffer_before();
  const std::int64_t after = v.buffer_after();
  std::vector<Range> forbidden;
  for (const Range& f :
       v.index->ranges_above({lo - before, hi + d + after}, r.capacity - q, now, exclude)) {
    forbidden.push_back({f.begin - d - after + 1, f.end + before});
  }
  if (p.daily_limit > 0) {
    std::map<std::int64_t, int> per_day;  // local day number -> active starts
    const std::int64_t margin = 2 * 86400;
    v.index->for_each_from(lo - margin, [&](const IndexEntry& e) {
      if (e.start >= hi + margin) return false;
      if (e.active_at(now) && e.reservation != exclude) {
        ++per_day[local_day_of(v.zone, e.booked_start()).time_since_epoch().count()];
      }
      return true;
    });
    for (const auto& [day, n] : per_day) {
      if (n >= p.daily_limit) {
        forbidden.push_back(utc_range_of_local_day(v.zone, date::local_days(date::days(day))));
      }
    }
  }
  if (forbidden.empty()) return starts;
  normalize(forbidden);
  return subtract(starts, forbidden);
}

}  // namespace boka::detail
