// The SQL stores' rows: bound buffers for one row of each hot table, their conversions to and
// from boka's types, and the readers of rows that arrive without SOCI (SQLite's raw
// statements, PostgreSQL pipeline results). Plain values: each buffer belongs to the one
// statement or caller that uses it, one thread at a time.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::detail {

using Prep = soci::details::prepare_temp_type;

// A nullable integer column (an optional instant or id), bound with its indicator.
struct NullableInt {
  long long value = 0;
  soci::indicator ind = soci::i_null;
  NullableInt() = default;
  explicit NullableInt(const std::optional<Instant>& t)
      : value(t ? to_unix(*t) : 0), ind(t ? soci::i_ok : soci::i_null) {}
  explicit NullableInt(const std::optional<std::int64_t>& v)
      : value(v ? *v : 0), ind(v ? soci::i_ok : soci::i_null) {}
  std::optional<Instant> instant() const {
    return ind == soci::i_ok ? std::optional<Instant>(from_unix(value)) : std::nullopt;
  }
  std::optional<std::int64_t> integer() const {
    return ind == soci::i_ok ? std::optional<std::int64_t>(value) : std::nullopt;
  }
  template <typename IdType>
  std::optional<IdType> id() const {
    return ind == soci::i_ok ? std::optional<IdType>(IdType{value}) : std::nullopt;
  }
};

inline int status_code(ReservationStatus s) { return static_cast<int>(s); }

// A table's columns of BookingRules (tenants, resources, services; migration 7).
struct RulesColumns {
  long long cancel_cutoff = 0, reschedule_cutoff = 0;
  int max_active = 0, max_per_day = 0;
  RulesColumns() = default;
  explicit RulesColumns(const BookingRules& r)
      : cancel_cutoff(r.cancel_cutoff.count()),
        reschedule_cutoff(r.reschedule_cutoff.count()),
        max_active(r.max_active_per_customer),
        max_per_day(r.max_per_customer_per_day) {}
  BookingRules to() const {
    return BookingRules{Seconds(cancel_cutoff), Seconds(reschedule_cutoff), max_active,
                        max_per_day};
  }
  // Binds cancel_cutoff, reschedule_cutoff, max_active_per_customer and
  // max_per_customer_per_day, in that order (how every kColumns below lists them).
  void into_all(Prep& p);
  template <typename Cells>
  static RulesColumns read(const Cells& cells, int first) {
    RulesColumns r;
    r.cancel_cutoff = cells.integer(first);
    r.reschedule_cutoff = cells.integer(first + 1);
    r.max_active = static_cast<int>(cells.integer(first + 2));
    r.max_per_day = static_cast<int>(cells.integer(first + 3));
    return r;
  }
};

// Bound buffers for one row of each table. A statement binds to a row's fields once;
// executing it again reads or writes the same fields.
//
// Rows read without SOCI come through `read(cells)` (in kColumns order), where `cells`
// offers integer(i), text(i) and nullable(i): SqliteCall and PgRowCells.
struct TenantRow {
  static constexpr const char* kColumns =
      "id, name, created_at, archived_at, version, cancel_cutoff, reschedule_cutoff, "
      "max_active_per_customer, max_per_customer_per_day, max_hold";
  long long id = 0, created = 0, version = 0, max_hold = 0;
  std::string name;
  NullableInt archived;
  RulesColumns rules;
  void into_all(Prep& p);
  template <typename Cells>
  static TenantRow read(const Cells& cells) {
    TenantRow row;
    row.id = cells.integer(0);
    row.name = cells.text(1);
    row.created = cells.integer(2);
    row.archived = cells.nullable(3);
    row.version = cells.integer(4);
    row.rules = RulesColumns::read(cells, 5);
    row.max_hold = cells.integer(9);
    return row;
  }
  void from(const Tenant& x);
  Tenant to() const;
};

struct ResourceRow {
  static constexpr const char* kColumns =
      "id, tenant_id, name, zone, capacity, slot_step, min_notice, max_horizon, "
      "buffer_before, buffer_after, min_duration, max_duration, daily_limit, schedule_id, "
      "metadata, created_at, archived_at, version, cancel_cutoff, reschedule_cutoff, "
      "max_active_per_customer, max_per_customer_per_day";
  long long id = 0, tenant = 0, step = 0, notice = 0, horizon = 0, before = 0, after = 0, min_d = 0,
            max_d = 0, created = 0, version = 0;
  int capacity = 0, daily = 0;
  std::string name, zone, metadata;
  NullableInt schedule, archived;
  RulesColumns rules;

  void into_all(Prep& p);
  template <typename Cells>
  static ResourceRow read(const Cells& q) {
    ResourceRow c;
    c.id = q.integer(0);
    c.tenant = q.integer(1);
    c.name = q.text(2);
    c.zone = q.text(3);
    c.capacity = static_cast<int>(q.integer(4));
    c.step = q.integer(5);
    c.notice = q.integer(6);
    c.horizon = q.integer(7);
    c.before = q.integer(8);
    c.after = q.integer(9);
    c.min_d = q.integer(10);
    c.max_d = q.integer(11);
    c.daily = static_cast<int>(q.integer(12));
    c.schedule = q.nullable(13);
    c.metadata = q.text(14);
    c.created = q.integer(15);
    c.archived = q.nullable(16);
    c.version = q.integer(17);
    c.rules = RulesColumns::read(q, 18);
    return c;
  }
  void from(const Resource& x);
  Resource to() const;
};

struct ReservationRow {
  static constexpr const char* kColumns =
      "id, status, start_at, end_at, hold_expires_at, idempotency_key, customer, metadata, "
      "created_at, updated_at, version, series_id, occurrence_date, customer_id, notes, "
      "service_id, price_minor, currency, buffer_before, buffer_after, payment_status, "
      "payment_reference";
  long long id = 0, tenant = 0, start = 0, end = 0, created = 0, updated = 0, version = 0,
            buffer_before = 0, buffer_after = 0;
  int status = 0, payment_status = 0;
  std::string payment_reference;
  NullableInt hold;
  NullableInt series;
  NullableInt occurrence_date;  // yyyymmdd
  NullableInt customer_id, service, price;
  std::string key, customer, metadata, notes, currency;

  void into_all(Prep& p);
  void from(const Reservation& x);
  Reservation to(TenantId tenant_id) const;
};

// A waitlist entry (migration 6). Its allocation requests are one JSON array
// (storage/codec.hpp); waitlist_targets, written beside it, indexes what they name.
struct WaitlistRow {
  static constexpr const char* kColumns =
      "id, tenant_id, earliest_start, latest_start, duration_seconds, customer, priority, "
      "joined_at, expires_at, status, offer_reservation_id, offer_expires_at, "
      "allocations_json, metadata_json, updated_at, version, customer_id";
  long long id = 0, tenant = 0, earliest = 0, latest = 0, duration = 0, joined = 0, expires = 0,
            updated = 0, version = 0;
  int priority = 0, status = 0;
  NullableInt offer, offer_expires, customer_id;
  std::string customer, allocations, metadata;

  void into_all(Prep& p);  // kColumns, in order
  void from(const WaitlistEntry& x);
  // Storage error when the stored allocations are unreadable.
  Result<WaitlistEntry> to() const;
};

// A series row (migration 5): its keys and customer record in columns, the rest as one
// JSON spec (storage/codec.hpp).
struct SeriesRow {
  static constexpr const char* kColumns =
      "id, tenant_id, spec, split_from, created_at, updated_at, version, customer_id";
  long long id = 0, tenant = 0, created = 0, updated = 0, version = 0;
  std::string spec;
  NullableInt split_from, customer_id;

  void into_all(Prep& p);  // kColumns, in order
  void from(const Series& x);
  // Storage error when the stored spec is unreadable.
  Result<Series> to() const;
};

// A service (migration 7): its allowed durations and allocation requests as JSON arrays
// (storage/codec.hpp), the rest in columns.
struct ServiceRow {
  static constexpr const char* kColumns =
      "id, tenant_id, name, description, duration_seconds, allowed_durations_json, "
      "allocations_json, buffer_before, buffer_after, min_notice, price_minor, currency, "
      "customer_bookable, cancel_cutoff, reschedule_cutoff, max_active_per_customer, "
      "max_per_customer_per_day, metadata_json, created_at, updated_at, archived_at, version";
  long long id = 0, tenant = 0, duration = 0, before = 0, after = 0, notice = 0, created = 0,
            updated = 0, version = 0;
  int bookable = 0;
  std::string name, description, durations, allocations, currency, metadata;
  NullableInt price, archived;
  RulesColumns rules;

  void into_all(Prep& p);  // kColumns, in order
  void from(const Service& x);
  // Storage error when the stored lists are unreadable.
  Result<Service> to() const;
};

// A customer (migration 7).
struct CustomerRow {
  static constexpr const char* kColumns =
      "id, tenant_id, display_name, email, phone, locale, time_zone, notes, external_ref, "
      "user_id, merged_into, erased_at, created_at, updated_at, version";
  long long id = 0, tenant = 0, created = 0, updated = 0, version = 0;
  std::string display_name, email, phone, locale, time_zone, notes, external_ref;
  NullableInt user, merged_into, erased;

  void into_all(Prep& p);  // kColumns, in order
  void from(const Customer& x);
  Customer to() const;
};

struct AllocationRow {
  long long reservation = 0, tenant = 0, resource = 0;
  int quantity = 0;
  NullableInt pool;
};

// Reads the rest of a result so the statement is finished: an SQLite statement left
// mid-result would keep its read snapshot (and block WAL checkpoints) until reused.
void drain(soci::statement& st);

// A PostgreSQL pipeline's result (postgresql_transaction.hpp): its rows of text cells,
// nullopt for NULL.
struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Cells of a pipeline result as text (nullopt for NULL).
long long cell_integer(const PgRows& r, std::size_t row, std::size_t column);
std::string cell_text(const PgRows& r, std::size_t row, std::size_t column);
NullableInt cell_nullable(const PgRows& r, std::size_t row, std::size_t column);

// One row of a pipeline result, read like a SqliteCall row (TenantRow::read,
// ResourceRow::read). Refers to `r`, which must outlive it.
struct PgRowCells {
  const PgRows& r;
  std::size_t row;
  long long integer(int column) const {
    return cell_integer(r, row, static_cast<std::size_t>(column));
  }
  std::string text(int column) const { return cell_text(r, row, static_cast<std::size_t>(column)); }
  NullableInt nullable(int column) const {
    return cell_nullable(r, row, static_cast<std::size_t>(column));
  }
};

}  // namespace boka::detail
