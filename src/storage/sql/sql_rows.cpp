#include "storage/sql/sql_rows.hpp"

#include <cstdlib>

#include "storage/codec.hpp"

namespace boka::detail {

using soci::into;

void TenantRow::into_all(Prep& p) {
  p, into(id), into(name), into(created), into(archived.value, archived.ind), into(version);
}

Tenant TenantRow::to() const {
  Tenant t;
  t.id = TenantId{id};
  t.name = name;
  t.created_at = from_unix(created);
  t.archived_at = archived.instant();
  t.version = version;
  return t;
}

void ResourceRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(name), into(zone), into(capacity), into(step), into(notice),
      into(horizon), into(before), into(after), into(min_d), into(max_d), into(daily),
      into(schedule.value, schedule.ind), into(metadata), into(created),
      into(archived.value, archived.ind), into(version);
}

void ResourceRow::from(const Resource& x) {
  id = x.id;
  tenant = x.tenant;
  name = x.name;
  zone = x.zone;
  capacity = x.capacity;
  step = x.policy.slot_step.count();
  notice = x.policy.min_notice.count();
  horizon = x.policy.max_horizon.count();
  before = x.policy.buffer_before.count();
  after = x.policy.buffer_after.count();
  min_d = x.policy.min_duration.count();
  max_d = x.policy.max_duration.count();
  daily = x.policy.daily_limit;
  schedule = NullableInt(x.schedule ? std::optional<std::int64_t>(*x.schedule) : std::nullopt);
  metadata = x.metadata_json;
  created = to_unix(x.created_at);
  archived = NullableInt(x.archived_at);
  version = x.version;
}

Resource ResourceRow::to() const {
  Resource r;
  r.id = ResourceId{id};
  r.tenant = TenantId{tenant};
  r.name = name;
  r.zone = zone;
  r.capacity = capacity;
  r.policy.slot_step = Seconds(step);
  r.policy.min_notice = Seconds(notice);
  r.policy.max_horizon = Seconds(horizon);
  r.policy.buffer_before = Seconds(before);
  r.policy.buffer_after = Seconds(after);
  r.policy.min_duration = Seconds(min_d);
  r.policy.max_duration = Seconds(max_d);
  r.policy.daily_limit = daily;
  r.schedule = schedule.id<ScheduleId>();
  r.metadata_json = metadata;
  r.created_at = from_unix(created);
  r.archived_at = archived.instant();
  r.version = version;
  return r;
}

void ReservationRow::into_all(Prep& p) {
  p, into(id), into(status), into(start), into(end), into(hold.value, hold.ind), into(key),
      into(customer), into(metadata), into(created), into(updated), into(version),
      into(series.value, series.ind), into(occurrence_date.value, occurrence_date.ind);
}

void ReservationRow::from(const Reservation& x) {
  id = x.id;
  tenant = x.tenant;
  status = status_code(x.status);
  start = to_unix(x.start);
  end = to_unix(x.end);
  hold = NullableInt(x.hold_expires_at);
  key = x.idempotency_key;
  customer = x.customer;
  metadata = x.metadata_json;
  created = to_unix(x.created_at);
  updated = to_unix(x.updated_at);
  version = x.version;
  series = NullableInt(x.series ? std::optional<std::int64_t>(*x.series) : std::nullopt);
  occurrence_date = NullableInt(
      x.occurrence_date
          ? std::optional<std::int64_t>(x.occurrence_date->year * 10000LL +
                                        x.occurrence_date->month * 100 + x.occurrence_date->day)
          : std::nullopt);
}

Reservation ReservationRow::to(TenantId tenant_id) const {
  Reservation r;
  r.id = ReservationId{id};
  r.tenant = tenant_id;
  r.status = static_cast<ReservationStatus>(status);
  r.start = from_unix(start);
  r.end = from_unix(end);
  r.hold_expires_at = hold.instant();
  r.idempotency_key = key;
  r.customer = customer;
  r.metadata_json = metadata;
  r.created_at = from_unix(created);
  r.updated_at = from_unix(updated);
  r.version = version;
  r.series = series.id<SeriesId>();
  if (occurrence_date.ind == soci::i_ok) {
    const long long v = occurrence_date.value;
    r.occurrence_date = LocalDate{static_cast<int>(v / 10000), static_cast<int>(v / 100 % 100),
                                  static_cast<int>(v % 100)};
  }
  return r;
}

void WaitlistRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(earliest), into(latest), into(duration), into(customer),
      into(priority), into(joined), into(expires), into(status), into(offer.value, offer.ind),
      into(offer_expires.value, offer_expires.ind), into(allocations), into(metadata),
      into(updated), into(version);
}

void WaitlistRow::from(const WaitlistEntry& x) {
  id = x.id;
  tenant = x.tenant;
  earliest = to_unix(x.earliest_start);
  latest = to_unix(x.latest_start);
  duration = x.duration.count();
  customer = x.customer;
  priority = x.priority;
  joined = to_unix(x.joined_at);
  expires = to_unix(x.expires_at);
  status = static_cast<int>(x.status);
  offer = NullableInt(x.offer ? std::optional<std::int64_t>(*x.offer) : std::nullopt);
  offer_expires = NullableInt(x.offer_expires_at);
  allocations = encode_allocation_requests(x.allocations);
  metadata = x.metadata_json;
  updated = to_unix(x.updated_at);
  version = x.version;
}

Result<WaitlistEntry> WaitlistRow::to() const {
  WaitlistEntry e;
  e.id = WaitlistEntryId{id};
  e.tenant = TenantId{tenant};
  Status read = decode_allocation_requests(allocations, e.allocations);
  if (!read.ok()) {
    return StorageError("waitlist entry " + std::to_string(id) + ": " + read.message());
  }
  e.earliest_start = from_unix(earliest);
  e.latest_start = from_unix(latest);
  e.duration = Seconds(duration);
  e.customer = customer;
  e.priority = priority;
  e.joined_at = from_unix(joined);
  e.expires_at = from_unix(expires);
  e.status = static_cast<WaitlistStatus>(status);
  e.offer = offer.id<ReservationId>();
  e.offer_expires_at = offer_expires.instant();
  e.metadata_json = metadata;
  e.updated_at = from_unix(updated);
  e.version = version;
  return e;
}

void drain(soci::statement& st) {
  while (st.fetch()) {
  }
}

long long cell_integer(const PgRows& r, std::size_t row, std::size_t column) {
  const auto& cell = r.rows[row][column];
  return cell ? std::strtoll(cell->c_str(), nullptr, 10) : 0;
}

std::string cell_text(const PgRows& r, std::size_t row, std::size_t column) {
  return r.rows[row][column].value_or(std::string());
}

NullableInt cell_nullable(const PgRows& r, std::size_t row, std::size_t column) {
  NullableInt v;
  if (r.rows[row][column]) {
    v.value = cell_integer(r, row, column);
    v.ind = soci::i_ok;
  }
  return v;
}

}  // namespace boka::detail
