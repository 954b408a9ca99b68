// Calendar feeds (boka/feeds.hpp): capability tokens, and a feed's bookings written as
// iCalendar with the ical layer. docs/feeds.md is the guide.
#include <algorithm>
#include <map>
#include <set>

#include "auth/crypto.hpp"
#include "core/sha256.hpp"
#include "engine/engine_impl.hpp"
#include "ical/ical.hpp"

namespace boka {

const char* feed_kind_name(FeedKind kind) noexcept {
  switch (kind) {
    case FeedKind::resource: return "resource";
    case FeedKind::customer: return "customer";
    case FeedKind::user: return "user";
  }
  return "unknown";
}

namespace {

using detail::Actor;

constexpr const char* kTokenPrefix = "bokf_";
// The window a feed shows: from 30 days ago to a year ahead, at most kMaxEvents bookings.
constexpr std::int64_t kPastDays = 30;
constexpr std::int64_t kFutureDays = 366;
constexpr int kMaxEvents = 5000;

std::string format_token(FeedId id, std::string_view secret) {
  return std::string(kTokenPrefix) + std::to_string(id) + "_" + std::string(secret);
}

struct ParsedToken {
  FeedId id{};
  std::string secret;
};

std::optional<ParsedToken> parse_token(std::string_view token) {
  const std::string_view prefix = kTokenPrefix;
  if (token.size() > 200 || token.substr(0, prefix.size()) != prefix) return std::nullopt;
  token.remove_prefix(prefix.size());
  const auto sep = token.find('_');
  if (sep == std::string_view::npos || sep == 0 || sep > 18) return std::nullopt;
  std::int64_t id = 0;
  for (char c : token.substr(0, sep)) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  const std::string_view secret = token.substr(sep + 1);
  if (secret.size() != 43) return std::nullopt;  // base64url of 32 bytes, no padding
  for (char c : secret) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  return ParsedToken{FeedId(id), std::string(secret)};
}

// Whether `actor` may create, see and revoke a feed of `kind` for `subject`.
bool may_manage(const Actor& actor, FeedKind kind, std::int64_t subject) {
  switch (kind) {
    case FeedKind::resource: return actor.can(Permission::reservations_all);
    case FeedKind::customer:
      return actor.can(Permission::customers_manage) ||
             (actor.customer_record && *actor.customer_record == CustomerId(subject));
    case FeedKind::user:
      return actor.can(Permission::users_manage) ||
             (actor.user != 0 && actor.user == UserId(subject));
  }
  return false;
}

Status check_subject(StorageTransaction& txn, TenantId tenant, FeedKind kind,
                     std::int64_t subject) {
  bool found = false;
  switch (kind) {
    case FeedKind::resource: {
      BOKA_ASSIGN_OR_RETURN(auto r, txn.find_resource(tenant, ResourceId(subject)));
      found = r.has_value();
      break;
    }
    case FeedKind::customer: {
      BOKA_ASSIGN_OR_RETURN(auto c, txn.find_customer(tenant, CustomerId(subject)));
      found = c.has_value();
      break;
    }
    case FeedKind::user: {
      BOKA_ASSIGN_OR_RETURN(auto u, txn.find_user(tenant, UserId(subject)));
      found = u.has_value();
      break;
    }
  }
  if (!found) {
    return NotFound(std::string("subject: ") + feed_kind_name(kind) + " " +
                    std::to_string(subject) + " not found");
  }
  return Status::Ok();
}

ical::EventStatus ical_status(ReservationStatus s) {
  switch (s) {
    case ReservationStatus::held: return ical::EventStatus::tentative;
    case ReservationStatus::cancelled:
    case ReservationStatus::expired: return ical::EventStatus::cancelled;
    default: return ical::EventStatus::confirmed;
  }
}

std::string uid_of(const char* kind, std::int64_t id, TenantId tenant) {
  return std::string("boka-") + kind + "-" + std::to_string(id) + "-t" + std::to_string(tenant);
}

}  // namespace

namespace detail {
std::string reservation_uid(ReservationId id, TenantId tenant) {
  return uid_of("reservation", static_cast<std::int64_t>(id), tenant);
}
}  // namespace detail

Result<CreatedFeed> CalendarFeeds::create(const Principal& who, TenantId tenant, FeedKind kind,
                                          std::int64_t subject, std::string_view name) {
  return impl_->refusal_audited(who, tenant, "feed.create", "", [&]() -> Result<CreatedFeed> {
    // Any principal of the tenant (a customer may make a feed of their own bookings).
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::reservations_own));
    if (static_cast<int>(kind) < 0 || static_cast<int>(kind) > 2) {
      return InvalidArgument("kind: must be resource, customer or user");
    }
    if (name.size() > 200) return InvalidArgument("name: at most 200 bytes");
    if (!may_manage(actor, kind, subject)) {
      return PermissionDenied(std::string("a ") + feed_kind_name(kind) +
                              " feed of another needs more than this principal's permissions");
    }
    BOKA_ASSIGN_OR_RETURN(auto secret_bytes, detail::random_bytes(32));
    const std::string secret = detail::base64url_encode(secret_bytes);
    StoredFeed row;
    row.feed.tenant = tenant;
    row.feed.kind = kind;
    row.feed.subject = subject;
    row.feed.name = std::string(name);
    row.feed.created_at = impl_->clock->now();
    row.secret_hash = detail::sha256_hex(secret);
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_RETURN_IF_ERROR(check_subject(txn, tenant, kind, subject));
          BOKA_ASSIGN_OR_RETURN(row.feed.id, txn.insert_feed(row));
          detail::AuditEntry a;
          a.tenant = tenant;
          a.action = "feed.create";
          a.target = "feed:" + std::to_string(row.feed.id);
          detail::JsonObject d;
          d.add("kind", feed_kind_name(kind)).add("subject", subject);
          a.detail_json = d.str();
          return impl_->audit(txn, actor, std::move(a));
        }));
    return CreatedFeed{row.feed, format_token(row.feed.id, secret)};
  });
}

Result<std::vector<CalendarFeed>> CalendarFeeds::list(const Principal& who, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::reservations_own));
  std::vector<CalendarFeed> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(auto rows, txn.list_feeds(tenant));
        for (const StoredFeed& f : rows) {
          if (may_manage(actor, f.feed.kind, f.feed.subject)) out.push_back(f.feed);
        }
        return Status::Ok();
      }));
  return out;
}

Result<CalendarFeed> CalendarFeeds::revoke(const Principal& who, TenantId tenant, FeedId id) {
  return impl_->refusal_audited(
      who, tenant, "feed.revoke", "feed:" + std::to_string(id), [&]() -> Result<CalendarFeed> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::reservations_own));
        CalendarFeed out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto row, txn.find_feed(id));
              if (!row || row->feed.tenant != tenant ||
                  !may_manage(actor, row->feed.kind, row->feed.subject)) {
                return NotFound("feed " + std::to_string(id) + " not found");
              }
              if (!row->feed.revoked_at) {
                row->feed.revoked_at = impl_->clock->now();
                BOKA_RETURN_IF_ERROR(txn.update_feed(*row));
                detail::AuditEntry a;
                a.tenant = tenant;
                a.action = "feed.revoke";
                a.target = "feed:" + std::to_string(id);
                BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor, std::move(a)));
              }
              out = row->feed;
              return Status::Ok();
            }));
        return out;
      });
}

Result<std::string> CalendarFeeds::render(std::string_view token) {
  const Status unknown = NotFound("feed not found (unknown or revoked token)");
  const auto parsed = parse_token(token);
  if (!parsed) return unknown;
  const Instant now = impl_->clock->now();
  std::optional<StoredFeed> feed;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(feed, txn.find_feed(parsed->id));
        return Status::Ok();
      }));
  if (!feed || feed->feed.revoked_at ||
      !detail::constant_time_equal(feed->secret_hash, detail::sha256_hex(parsed->secret))) {
    return unknown;
  }
  const TenantId tenant = feed->feed.tenant;
  const std::int64_t subject = feed->feed.subject;

  // The bookings, then what names them (resources, services, series).
  std::vector<Reservation> rows;
  std::map<ResourceId, Resource> resources;
  std::map<ServiceId, std::string> services;
  std::map<SeriesId, Series> series;
  std::map<SeriesId, std::vector<Reservation>> series_rows;
  std::string calendar_name = feed->feed.name;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(auto t, txn.find_tenant(tenant));
        if (!t || t->archived_at) return unknown;
        ReservationFilter f;
        f.from = now - Seconds(kPastDays * 86400);
        f.to = now + Seconds(kFutureDays * 86400);
        f.order = ReservationOrder::by_start;
        f.limit = kMaxEvents;
        // A user's feed reads two lists that may share bookings: each is kept once.
        std::set<ReservationId> seen;
        const auto add = [&](const ReservationFilter& filter) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto got, txn.list_reservations(tenant, filter));
          for (Reservation& r : got) {
            if (seen.insert(r.id).second) rows.push_back(std::move(r));
          }
          return Status::Ok();
        };
        switch (feed->feed.kind) {
          case FeedKind::resource:
            f.resource = ResourceId(subject);
            BOKA_RETURN_IF_ERROR(add(f));
            break;
          case FeedKind::customer:
            f.customer_id = CustomerId(subject);
            BOKA_RETURN_IF_ERROR(add(f));
            break;
          case FeedKind::user: {
            ReservationFilter own = f;
            own.customer = "user:" + std::to_string(subject);
            BOKA_RETURN_IF_ERROR(add(own));
            BOKA_ASSIGN_OR_RETURN(auto linked,
                                  txn.find_live_customers(tenant, "", "", UserId(subject)));
            if (!linked.empty()) {
              ReservationFilter mine = f;
              mine.customer_id = linked.front().id;
              BOKA_RETURN_IF_ERROR(add(mine));
            }
            break;
          }
        }
        for (const Reservation& r : rows) {
          for (const Allocation& a : r.allocations) {
            if (resources.count(a.resource) > 0) continue;
            BOKA_ASSIGN_OR_RETURN(auto res, txn.find_resource(tenant, a.resource));
            if (res) resources.emplace(a.resource, std::move(*res));
          }
          if (r.service && services.count(*r.service) == 0) {
            BOKA_ASSIGN_OR_RETURN(auto s, txn.find_service(tenant, *r.service));
            services.emplace(*r.service, s ? s->name : std::string());
          }
          if (r.series && series.count(*r.series) == 0) {
            BOKA_ASSIGN_OR_RETURN(auto s, txn.find_series(tenant, *r.series));
            if (!s) continue;
            ReservationFilter all;
            all.series = s->id;
            all.limit = 10000;
            BOKA_ASSIGN_OR_RETURN(series_rows[s->id], txn.list_reservations(tenant, all));
            series.emplace(s->id, std::move(*s));
          }
        }
        if (calendar_name.empty()) calendar_name = t->name;
        return Status::Ok();
      }));

  const auto zone_of = [&](const Reservation& r) -> std::optional<std::string> {
    auto it = resources.find(r.allocations.front().resource);
    if (it == resources.end() || it->second.zone.empty()) return std::nullopt;
    return it->second.zone;
  };
  const auto describe = [&](const Reservation& r, ical::Event& e) {
    std::vector<std::string> names;
    for (const Allocation& a : r.allocations) {
      auto it = resources.find(a.resource);
      if (it != resources.end()) names.push_back(it->second.name);
    }
    std::string where;
    for (const std::string& n : names) where += (where.empty() ? "" : ", ") + n;
    const std::string what =
        r.service && !services[*r.service].empty() ? services[*r.service] : std::string("Booking");
    e.summary = what + (where.empty() ? "" : " - " + where);
    e.location = where;
    e.description = "boka reservation " + std::to_string(r.id);
  };

  ical::Calendar cal;
  cal.name = calendar_name;
  cal.refresh_interval = Seconds(3600);
  // Series whose occurrences are all as the rule made them go out as one VEVENT with an
  // RRULE (cancelled occurrences as EXDATEs); any other is written occurrence by occurrence.
  std::set<SeriesId> as_rule;
  for (const auto& [id, s] : series) {
    const std::vector<Reservation>& occ = series_rows[id];
    if (occ.empty()) continue;
    SeriesPattern all = s.pattern();
    all.exdates.clear();  // every date, so excluded ones can be named by their instant
    auto expanded = expand_occurrences(all, s.zone, from_unix(253402300799));
    if (!expanded.ok()) continue;
    std::map<LocalDate, Occurrence> by_date;
    for (const Occurrence& o : *expanded) by_date.emplace(o.date, o);
    bool unchanged = true;
    std::optional<ReservationStatus> status;
    std::vector<Instant> exdates;
    for (const LocalDate& d : s.exdates) {
      if (auto it = by_date.find(d); it != by_date.end()) exdates.push_back(it->second.start);
    }
    std::int64_t sequence = s.version;
    for (const Reservation& r : occ) {
      auto it = r.occurrence_date ? by_date.find(*r.occurrence_date) : by_date.end();
      if (it == by_date.end() || it->second.start != r.start || it->second.end != r.end ||
          r.allocations.empty()) {
        unchanged = false;
        break;
      }
      sequence += r.version - 1;
      if (r.status == ReservationStatus::cancelled) {
        exdates.push_back(r.start);
        continue;
      }
      if (status && *status != r.status) {
        unchanged = false;
        break;
      }
      status = r.status;
    }
    // Every generated date must be booked, excluded or cancelled (a skipped occurrence is
    // an EXDATE of the stored series already).
    if (unchanged && occ.size() + s.exdates.size() < expanded->size()) unchanged = false;
    if (!unchanged || !status) continue;
    const Reservation& first = occ.front();
    ical::Event e;
    e.uid = uid_of("series", static_cast<std::int64_t>(id), tenant);
    e.dtstamp = now;
    e.created = s.created_at;
    e.last_modified = s.updated_at;
    e.start = expanded->front().start;
    e.end = expanded->front().end;
    e.zone = s.zone;
    e.sequence = static_cast<int>(std::min<std::int64_t>(sequence, 1000000));
    e.status = ical_status(*status);
    e.rrule = format_rrule(s.rule);
    std::sort(exdates.begin(), exdates.end());
    e.exdates = std::move(exdates);
    describe(first, e);
    cal.events.push_back(std::move(e));
    as_rule.insert(id);
  }
  for (const Reservation& r : rows) {
    if (r.series && as_rule.count(*r.series) > 0) continue;
    if (r.allocations.empty()) continue;
    ical::Event e;
    e.uid = uid_of("reservation", static_cast<std::int64_t>(r.id), tenant);
    e.dtstamp = now;
    e.created = r.created_at;
    e.last_modified = r.updated_at;
    e.start = r.start;
    e.end = r.end;
    e.zone = zone_of(r);
    e.sequence = static_cast<int>(std::min<std::int64_t>(r.version, 1000000));
    const Reservation shown = EngineImpl::with_derived_status(r, to_unix(now));
    e.status = ical_status(shown.status);
    describe(r, e);
    cal.events.push_back(std::move(e));
  }
  return ical::write_calendar(cal);
}

}  // namespace boka
