// The hot path's SQL statements, one spelling each for every way they run: SQLite's raw
// statements (SqliteCall), PostgreSQL pipelines (PgCall) and SOCI (through named()).
// Parameters are positional, $1, $2, ..., each used once and in increasing order:
// PostgreSQL reads them natively and SQLite numbers parameters in order of appearance. A
// statement that only one dialect runs says so. SqliteCall and the pipelines prepare a text
// once per connection, keyed by it, so pass these pointers, not copies.
#pragma once

#include <cctype>
#include <string>

#include "storage/sql/sql_rows.hpp"

namespace boka::detail::sql {

// `positional` for SOCI: $1, $2, ... become :p1, :p2, ... (outside quoted text). SOCI binds
// use() elements by position either way, but SOCI 4.0 names a failed statement's
// parameters in its error context, and on PostgreSQL that throws std::out_of_range, hiding
// the server's error (and its SQLSTATE), when the text has no named parameters.
inline std::string named(const char* positional) {
  std::string out;
  bool quoted = false;
  for (const char* c = positional; *c != '\0'; ++c) {
    if (*c == '\'') quoted = !quoted;
    if (!quoted && *c == '$' && std::isdigit(static_cast<unsigned char>(c[1]))) {
      out += ":p";
    } else {
      out += *c;
    }
  }
  return out;
}

inline const char* find_tenant() {
  static const std::string s =
      std::string("SELECT ") + TenantRow::kColumns + " FROM tenants WHERE id = $1";
  return s.c_str();
}
inline const char* find_resource() {
  static const std::string s = std::string("SELECT ") + ResourceRow::kColumns +
                               " FROM resources WHERE tenant_id = $1 AND id = $2";
  return s.c_str();
}
// PostgreSQL: the locked resources of a write, $2 an array of ids.
inline const char* find_resources() {
  static const std::string s =
      std::string("SELECT ") + ResourceRow::kColumns +
      " FROM resources WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY id";
  return s.c_str();
}
inline constexpr const char* kUpdateResource =
    "UPDATE resources SET name = $1, zone = $2, capacity = $3, slot_step = $4, "
    "min_notice = $5, max_horizon = $6, buffer_before = $7, buffer_after = $8, "
    "min_duration = $9, max_duration = $10, daily_limit = $11, schedule_id = $12, "
    "metadata = $13, archived_at = $14, cancel_cutoff = $15, reschedule_cutoff = $16, "
    "max_active_per_customer = $17, max_per_customer_per_day = $18, version = $19 "
    "WHERE id = $20";
inline constexpr const char* kInsertReservation =
    "INSERT INTO reservations (tenant_id, status, start_at, end_at, hold_expires_at, "
    "idempotency_key, customer, metadata, created_at, updated_at, version, series_id, "
    "occurrence_date, customer_id, notes, service_id, price_minor, currency, buffer_before, "
    "buffer_after, payment_status, payment_reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id";
inline constexpr const char* kInsertAllocation =
    "INSERT INTO allocations (reservation_id, tenant_id, resource_id, quantity, pool_id) "
    "VALUES ($1, $2, $3, $4, $5)";
inline constexpr const char* kAuditHead =
    "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1";
inline constexpr const char* kInsertAudit =
    "INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, outcome, reason, "
    "source, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
inline constexpr const char* kInsertUnsealedAudit =
    "INSERT INTO audit_pending (tenant_id, at, actor, action, target, outcome, reason, source, "
    "detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
inline constexpr const char* kInsertEvent =
    "INSERT INTO events (tenant_id, type, subject, occurred_at, actor, source, customer_id, "
    "payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

// PostgreSQL only: the transaction's tenant for row level security, the row locks of a
// write ($1 an array of ids), an audit chain's lock (one bigint key), and a named lock
// (WriteIntent::lock_names: two int keys, a key space of its own).
inline constexpr const char* kSetTenant = "SELECT set_config('boka.tenant', $1, true)";
inline constexpr const char* kLockResources =
    "SELECT id FROM resources WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE";
inline constexpr const char* kLockAuditChain = "SELECT pg_advisory_xact_lock($1)";
inline constexpr const char* kLockName = "SELECT pg_advisory_xact_lock($1::integer, $2::integer)";

}  // namespace boka::detail::sql
