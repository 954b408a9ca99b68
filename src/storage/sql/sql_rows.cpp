#include "storage/sql/sql_rows.hpp"

#include <cstdlib>

#include "storage/codec.hpp"

namespace boka::detail {

using soci::into;

namespace {

std::optional<std::int64_t> id_value(const auto& id) {
  return id ? std::optional<std::int64_t>(*id) : std::nullopt;
}

}  // namespace

void RulesColumns::into_all(Prep& p) {
  p, into(cancel_cutoff), into(reschedule_cutoff), into(max_active), into(max_per_day);
}

void TenantRow::into_all(Prep& p) {
  p, into(id), into(name), into(created), into(archived.value, archived.ind), into(version);
  rules.into_all(p);
  p, into(max_hold);
}

void TenantRow::from(const Tenant& x) {
  id = x.id;
  name = x.name;
  created = to_unix(x.created_at);
  archived = NullableInt(x.archived_at);
  version = x.version;
  rules = RulesColumns(x.rules);
  max_hold = x.max_hold.count();
}

Tenant TenantRow::to() const {
  Tenant t;
  t.id = TenantId{id};
  t.name = name;
  t.created_at = from_unix(created);
  t.archived_at = archived.instant();
  t.version = version;
  t.rules = rules.to();
  t.max_hold = Seconds(max_hold);
  return t;
}

void ResourceRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(name), into(zone), into(capacity), into(step), into(notice),
      into(horizon), into(before), into(after), into(min_d), into(max_d), into(daily),
      into(schedule.value, schedule.ind), into(metadata), into(created),
      into(archived.value, archived.ind), into(version);
  rules.into_all(p);
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
  rules = RulesColumns(x.rules);
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
  r.rules = rules.to();
  return r;
}

void ReservationRow::into_all(Prep& p) {
  p, into(id), into(status), into(start), into(end), into(hold.value, hold.ind), into(key),
      into(customer), into(metadata), into(created), into(updated), into(version),
      into(series.value, series.ind), into(occurrence_date.value, occurrence_date.ind),
      into(customer_id.value, customer_id.ind), into(notes), into(service.value, service.ind),
      into(price.value, price.ind), into(currency), into(buffer_before), into(buffer_after),
      into(payment_status), into(payment_reference);
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
  series = NullableInt(id_value(x.series));
  customer_id = NullableInt(id_value(x.customer_id));
  notes = x.notes;
  service = NullableInt(id_value(x.service));
  price = NullableInt(x.price_minor);
  currency = x.currency;
  buffer_before = x.buffer_before.count();
  buffer_after = x.buffer_after.count();
  payment_status = static_cast<int>(x.payment_status);
  payment_reference = x.payment_reference;
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
  r.customer_id = customer_id.id<CustomerId>();
  r.notes = notes;
  r.service = service.id<ServiceId>();
  r.price_minor = price.integer();
  r.currency = currency;
  r.buffer_before = Seconds(buffer_before);
  r.buffer_after = Seconds(buffer_after);
  r.payment_status = static_cast<PaymentStatus>(payment_status);
  r.payment_reference = payment_reference;
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
      into(updated), into(version), into(customer_id.value, customer_id.ind);
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
  offer = NullableInt(id_value(x.offer));
  offer_expires = NullableInt(x.offer_expires_at);
  allocations = encode_allocation_requests(x.allocations);
  metadata = x.metadata_json;
  updated = to_unix(x.updated_at);
  version = x.version;
  customer_id = NullableInt(id_value(x.customer_id));
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
  e.customer_id = customer_id.id<CustomerId>();
  return e;
}

void SeriesRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(spec), into(split_from.value, split_from.ind), into(created),
      into(updated), into(version), into(customer_id.value, customer_id.ind);
}

void SeriesRow::from(const Series& x) {
  id = x.id;
  tenant = x.tenant;
  spec = encode_series_spec(x);
  split_from = NullableInt(id_value(x.split_from));
  created = to_unix(x.created_at);
  updated = to_unix(x.updated_at);
  version = x.version;
  customer_id = NullableInt(id_value(x.customer_id));
}

Result<Series> SeriesRow::to() const {
  Series s;
  s.id = SeriesId{id};
  s.tenant = TenantId{tenant};
  BOKA_RETURN_IF_ERROR(decode_series_spec(spec, s));
  s.split_from = split_from.id<SeriesId>();
  s.customer_id = customer_id.id<CustomerId>();
  s.created_at = from_unix(created);
  s.updated_at = from_unix(updated);
  s.version = version;
  return s;
}

void ServiceRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(name), into(description), into(duration), into(durations),
      into(allocations), into(before), into(after), into(notice), into(price.value, price.ind),
      into(currency), into(bookable);
  rules.into_all(p);
  p, into(metadata), into(created), into(updated), into(archived.value, archived.ind),
      into(version);
}

void ServiceRow::from(const Service& x) {
  id = x.id;
  tenant = x.tenant;
  name = x.name;
  description = x.description;
  duration = x.duration.count();
  durations = encode_durations(x.allowed_durations);
  allocations = encode_allocation_requests(x.allocations);
  before = x.buffer_before.count();
  after = x.buffer_after.count();
  notice = x.min_notice.count();
  price = NullableInt(x.price_minor);
  currency = x.currency;
  bookable = x.customer_bookable ? 1 : 0;
  rules = RulesColumns(x.rules);
  metadata = x.metadata_json;
  created = to_unix(x.created_at);
  updated = to_unix(x.updated_at);
  archived = NullableInt(x.archived_at);
  version = x.version;
}

Result<Service> ServiceRow::to() const {
  Service s;
  s.id = ServiceId{id};
  s.tenant = TenantId{tenant};
  s.name = name;
  s.description = description;
  s.duration = Seconds(duration);
  Status read = decode_durations(durations, s.allowed_durations);
  if (read.ok()) read = decode_allocation_requests(allocations, s.allocations);
  if (!read.ok()) return StorageError("service " + std::to_string(id) + ": " + read.message());
  s.buffer_before = Seconds(before);
  s.buffer_after = Seconds(after);
  s.min_notice = Seconds(notice);
  s.price_minor = price.integer();
  s.currency = currency;
  s.customer_bookable = bookable != 0;
  s.rules = rules.to();
  s.metadata_json = metadata;
  s.created_at = from_unix(created);
  s.updated_at = from_unix(updated);
  s.archived_at = archived.instant();
  s.version = version;
  return s;
}

void CustomerRow::into_all(Prep& p) {
  p, into(id), into(tenant), into(display_name), into(email), into(phone), into(locale),
      into(time_zone), into(notes), into(external_ref), into(user.value, user.ind),
      into(merged_into.value, merged_into.ind), into(erased.value, erased.ind), into(created),
      into(updated), into(version);
}

void CustomerRow::from(const Customer& x) {
  id = x.id;
  tenant = x.tenant;
  display_name = x.display_name;
  email = x.email;
  phone = x.phone;
  locale = x.locale;
  time_zone = x.time_zone;
  notes = x.notes;
  external_ref = x.external_ref;
  user = NullableInt(id_value(x.user));
  merged_into = NullableInt(id_value(x.merged_into));
  erased = NullableInt(x.erased_at);
  created = to_unix(x.created_at);
  updated = to_unix(x.updated_at);
  version = x.version;
}

Customer CustomerRow::to() const {
  Customer c;
  c.id = CustomerId{id};
  c.tenant = TenantId{tenant};
  c.display_name = display_name;
  c.email = email;
  c.phone = phone;
  c.locale = locale;
  c.time_zone = time_zone;
  c.notes = notes;
  c.external_ref = external_ref;
  c.user = user.id<UserId>();
  c.merged_into = merged_into.id<CustomerId>();
  c.erased_at = erased.instant();
  c.created_at = from_unix(created);
  c.updated_at = from_unix(updated);
  c.version = version;
  return c;
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
