// Prepared statements kept per connection: SOCI statements bound to row buffers
// (PreparedStatements, Cached), and SQLite's raw statements (SqliteCall). Everything here
// belongs to one connection and is used by one thread at a time, like its session.
#pragma once

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "storage/sql/sql_connection.hpp"
#include "storage/sql/sql_rows.hpp"
#include "storage/sql/sql_statements.hpp"

namespace boka::detail {

// A statement prepared once and the buffers it is bound to.
template <typename Buffers>
struct Cached {
  Buffers b;
  std::optional<soci::statement> st;
};

class PreparedStatements {
 public:
  explicit PreparedStatements(soci::session& s) : sql(s) {}
  ~PreparedStatements();
  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;

  // SQLite: the hot path's statements on the raw handle (SqliteCall), by text.
  std::map<const char*, sqlite_api::sqlite3_stmt*> sqlite_hot;

  // Prepares `text` bound by `bind(prepare_temp_type&)` the first time; then reuses it.
  // The text is only read when preparing, so a cached call costs no string work.
  template <typename Buffers, typename Bind>
  soci::statement& get(Cached<Buffers>& c, std::string_view text, Bind&& bind) {
    if (!c.st) {
      Prep p = (sql.prepare << std::string(text));
      bind(p, c.b);
      c.st.emplace(p);
    }
    return *c.st;
  }
  // The same for a statement spelled with PostgreSQL's $n placeholders
  // (sql_statements.hpp): converted to SOCI's names (sql::named) only when first prepared.
  template <typename Buffers, typename Bind>
  soci::statement& get_positional(Cached<Buffers>& c, const char* positional, Bind&& bind) {
    if (!c.st) return get(c, sql::named(positional), bind);
    return *c.st;
  }

  soci::session& sql;
  struct ById {
    long long tenant = 0, id = 0;
  };
  struct TenantKey {
    long long id = 0;
    TenantRow row;
  };
  struct ResourceKey {
    long long tenant = 0, id = 0;
    ResourceRow row;
  };
  struct ScheduleKey {
    long long tenant = 0, id = 0, version = 0;
    std::string name, rules;
    NullableInt archived;
  };
  struct ReservationKey {
    long long tenant = 0, id = 0;
    ReservationRow row;
  };
  struct InsertReservation {
    ReservationRow row;
    long long new_id = 0;
  };
  struct AllocationsKey {
    long long reservation = 0;
    AllocationRow row;
  };
  struct BookingsKey {
    long long resource = 0, id = 0, start = 0, end = 0, buffer_before = 0, buffer_after = 0;
    int quantity = 0, status = 0;
    NullableInt hold;
  };
  struct IdempotencyKey {
    long long tenant = 0, reservation = 0;
    std::string key, fingerprint;
  };

  Cached<TenantKey> find_tenant;
  Cached<ResourceKey> find_resource;
  Cached<ResourceRow> update_resource;
  Cached<ScheduleKey> find_schedule;
  Cached<ReservationKey> find_reservation;
  Cached<AllocationsKey> find_allocations;
  Cached<InsertReservation> insert_reservation;
  Cached<ReservationRow> update_reservation;
  Cached<AllocationRow> insert_allocation;
  Cached<ById> delete_allocations;
  Cached<BookingsKey> active_bookings;
  Cached<IdempotencyKey> find_idempotency;
  Cached<IdempotencyKey> insert_idempotency;
  struct AuditHeadKey {
    long long tenant = 0, seq = 0;
    std::string hash;
  };
  struct AuditInsert {
    long long tenant = 0, seq = 0, at = 0;
    int outcome = 0;
    std::string actor, action, target, reason, source, detail, prev_hash, hash;
  };
  struct AdvisoryKey {
    long long key = 0;
  };
  Cached<AdvisoryKey> lock_audit_chain;
  Cached<AuditHeadKey> audit_head;
  Cached<AuditInsert> insert_audit;
};

// The raw handle of an SQLite session; owned by the session.
sqlite_api::sqlite3* sqlite_db(soci::session& session);

// ---- SQLite's hot path ----------------------------------------------------------------------
// A reservation on SQLite runs about ten statements; through SOCI each costs more in binding
// and per-column conversion than SQLite's own work (docs/architecture.md, "SQL
// statements"). These statements use the raw handle instead, prepared once per
// connection (SQLITE_PREPARE_PERSISTENT) and reset after every use so no read snapshot
// outlives its statement. Errors become sqlite3_soci_error, mapped like SOCI's.
//
// One execution of `sql` (kept by pointer in `p.sqlite_hot`, so pass a statement of
// sql_statements.hpp or a literal): bind, step, read columns; the destructor resets it.
class SqliteCall {
 public:
  SqliteCall(PreparedStatements& p, const char* sql);
  ~SqliteCall();
  SqliteCall(const SqliteCall&) = delete;
  SqliteCall& operator=(const SqliteCall&) = delete;

  SqliteCall& bind(long long v);
  SqliteCall& bind(const std::string& v);
  SqliteCall& bind(const NullableInt& v);
  // True while a row is there; false once the statement is done.
  bool step();
  void finish() {
    while (step()) {
    }
  }
  long long integer(int column) const;
  std::string text(int column) const;
  NullableInt nullable(int column) const;
  long long changes() const;

 private:
  SqliteCall& check(int rc);
  [[noreturn]] void fail(int rc) const;

  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* st_ = nullptr;
  int index_ = 0;
};

}  // namespace boka::detail
