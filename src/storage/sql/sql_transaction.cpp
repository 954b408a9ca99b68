// Row access shared by the SQL dialects: the same statements run on SQLite and
// PostgreSQL (SOCI turns :name placeholders into each dialect's own).
#include "storage/sql/sql_transaction.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "storage/codec.hpp"
#include "storage/sql/sql_audit.hpp"
#include "storage/sql/sql_auth.hpp"

namespace boka::detail {
namespace {

using soci::into;
using soci::use;


int status_code(ReservationStatus s) { return static_cast<int>(s); }

using Prep = soci::details::prepare_temp_type;

// Bound buffers for one row of each table. A statement binds to a row's fields once;
// executing it again reads or writes the same fields.
struct TenantRow {
  static constexpr const char* kColumns = "id, name, created_at, archived_at, version";
  long long id = 0, created = 0, version = 0;
  std::string name;
  NullableInt archived;
  void into_all(Prep& p) {
    p, into(id), into(name), into(created), into(archived.value, archived.ind), into(version);
  }
  // From a row read without SOCI (kColumns order): `cells` has integer(i), text(i) and
  // nullable(i).
  template <typename Cells>
  static TenantRow read(const Cells& cells) {
    TenantRow row;
    row.id = cells.integer(0);
    row.name = cells.text(1);
    row.created = cells.integer(2);
    row.archived = cells.nullable(3);
    row.version = cells.integer(4);
    return row;
  }
  Tenant to() const {
    Tenant t;
    t.id = id;
    t.name = name;
    t.created_at = from_unix(created);
    t.archived_at = archived.instant();
    t.version = version;
    return t;
  }
};

struct ResourceRow {
  static constexpr const char* kColumns =
      "id, tenant_id, name, zone, capacity, slot_step, min_notice, max_horizon, "
      "buffer_before, buffer_after, min_duration, max_duration, daily_limit, schedule_id, "
      "metadata, created_at, archived_at, version";
  long long id = 0, tenant = 0, step = 0, notice = 0, horizon = 0, before = 0, after = 0,
            min_d = 0, max_d = 0, created = 0, version = 0;
  int capacity = 0, daily = 0;
  std::string name, zone, metadata;
  NullableInt schedule, archived;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(name), into(zone), into(capacity), into(step), into(notice),
        into(horizon), into(before), into(after), into(min_d), into(max_d), into(daily),
        into(schedule.value, schedule.ind), into(metadata), into(created),
        into(archived.value, archived.ind), into(version);
  }
  // From a row read without SOCI (kColumns order), like TenantRow::read.
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
    return c;
  }
  void from(const Resource& x) {
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
  Resource to() const {
    Resource r;
    r.id = id;
    r.tenant = tenant;
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
    r.schedule = schedule.integer();
    r.metadata_json = metadata;
    r.created_at = from_unix(created);
    r.archived_at = archived.instant();
    r.version = version;
    return r;
  }
};

struct ReservationRow {
  static constexpr const char* kColumns =
      "id, status, start_at, end_at, hold_expires_at, idempotency_key, customer, metadata, "
      "created_at, updated_at, version";
  long long id = 0, tenant = 0, start = 0, end = 0, created = 0, updated = 0, version = 0;
  int status = 0;
  NullableInt hold;
  std::string key, customer, metadata;

  void into_all(Prep& p) {
    p, into(id), into(status), into(start), into(end), into(hold.value, hold.ind), into(key),
        into(customer), into(metadata), into(created), into(updated), into(version);
  }
  void from(const Reservation& x) {
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
  }
  Reservation to(TenantId tenant_id) const {
    Reservation r;
    r.id = id;
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
    return r;
  }
};

struct AllocationRow {
  long long reservation = 0, tenant = 0, resource = 0;
  int quantity = 0;
  NullableInt pool;
};

// Reads the rest of a result so the statement is finished: an SQLite statement left
// mid-result would keep its read snapshot (and block WAL checkpoints) until reused.
void drain(soci::statement& st) {
  while (st.fetch()) {
  }
}

template <typename Buffers>
struct Cached {
  Buffers b;
  std::optional<soci::statement> st;
};

}  // namespace

class PreparedStatements {
 public:
  explicit PreparedStatements(soci::session& s) : sql(s) {}
  ~PreparedStatements() {
    for (auto& [text, st] : sqlite_hot) sqlite_api::sqlite3_finalize(st);
  }
  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;

  // SQLite: the hot path's statements on the raw handle (SqliteCall), by text.
  std::map<const char*, sqlite_api::sqlite3_stmt*> sqlite_hot;

  // Prepares `text` bound by `bind(prepare_temp_type&)` the first time; then reuses it.
  template <typename Buffers, typename Bind>
  soci::statement& get(Cached<Buffers>& c, const std::string& text, Bind&& bind) {
    if (!c.st) {
      Prep p = (sql.prepare << text);
      bind(p, c.b);
      c.st.emplace(p);
    }
    return *c.st;
  }

  soci::session& sql;
  struct ById { long long tenant = 0, id = 0; };
  struct TenantKey { long long id = 0; TenantRow row; };
  struct ResourceKey { long long tenant = 0, id = 0; ResourceRow row; };
  struct ScheduleKey { long long tenant = 0, id = 0, version = 0; std::string name, rules; NullableInt archived; };
  struct ReservationKey { long long tenant = 0, id = 0; ReservationRow row; };
  struct InsertReservation { ReservationRow row; long long new_id = 0; };
  struct AllocationsKey { long long reservation = 0; AllocationRow row; };
  struct BookingsKey { long long resource = 0, id = 0, start = 0, end = 0; int quantity = 0, status = 0; NullableInt hold; };
  struct IdempotencyKey { long long tenant = 0, reservation = 0; std::string key, fingerprint; };

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
  struct AuditHeadKey { long long tenant = 0, seq = 0; std::string hash; };
  struct AuditInsert {
    long long tenant = 0, seq = 0, at = 0;
    int outcome = 0;
    std::string actor, action, target, reason, source, detail, prev_hash, hash;
  };
  struct AdvisoryKey { long long key = 0; };
  Cached<AdvisoryKey> lock_audit_chain;
  Cached<AuditHeadKey> audit_head;
  Cached<AuditInsert> insert_audit;
};

void PreparedStatementsDeleter::operator()(PreparedStatements* p) const { delete p; }

namespace {

// ---- SQLite's hot path ----------------------------------------------------------------------
// A reservation on SQLite runs about ten statements; through SOCI each costs more in binding
// and per-column conversion than SQLite's own work (docs/architecture.md, "SQL
// statements"). These statements use the raw handle instead, prepared once per
// connection (SQLITE_PREPARE_PERSISTENT) and reset after every use so no read snapshot
// outlives its statement. Errors become sqlite3_soci_error, mapped like SOCI's.

sqlite_api::sqlite3* sqlite_db(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

class SqliteCall {
 public:
  SqliteCall(PreparedStatements& p, const char* sql) : db_(sqlite_db(p.sql)) {
    auto& slot = p.sqlite_hot[sql];
    if (slot == nullptr) {
      const int rc = sqlite_api::sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                    &slot, nullptr);
      if (rc != SQLITE_OK) {
        slot = nullptr;
        p.sqlite_hot.erase(sql);
        fail(rc);
      }
    }
    st_ = slot;
  }
  ~SqliteCall() {
    sqlite_api::sqlite3_reset(st_);
    sqlite_api::sqlite3_clear_bindings(st_);
  }
  SqliteCall(const SqliteCall&) = delete;
  SqliteCall& operator=(const SqliteCall&) = delete;

  SqliteCall& bind(long long v) { return check(sqlite_api::sqlite3_bind_int64(st_, ++index_, v)); }
  SqliteCall& bind(const std::string& v) {
    // SQLITE_TRANSIENT (SQLite copies the text), spelled out: the macro names its type
    // outside the sqlite_api namespace SOCI puts the API in.
    const auto transient = reinterpret_cast<sqlite_api::sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
    return check(sqlite_api::sqlite3_bind_text(st_, ++index_, v.data(), static_cast<int>(v.size()),
                                               transient));
  }
  SqliteCall& bind(const NullableInt& v) {
    if (v.ind == soci::i_ok) return bind(v.value);
    return check(sqlite_api::sqlite3_bind_null(st_, ++index_));
  }
  // True while a row is there; false once the statement is done.
  bool step() {
    const int rc = sqlite_api::sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
  }
  void finish() {
    while (step()) {
    }
  }
  long long integer(int column) const { return sqlite_api::sqlite3_column_int64(st_, column); }
  std::string text(int column) const {
    const auto* p = sqlite_api::sqlite3_column_text(st_, column);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite_api::sqlite3_column_bytes(st_, column)));
  }
  NullableInt nullable(int column) const {
    NullableInt v;
    if (sqlite_api::sqlite3_column_type(st_, column) != SQLITE_NULL) {
      v.value = integer(column);
      v.ind = soci::i_ok;
    }
    return v;
  }
  long long changes() const { return sqlite_api::sqlite3_changes(db_); }

 private:
  SqliteCall& check(int rc) {
    if (rc != SQLITE_OK) fail(rc);
    return *this;
  }
  [[noreturn]] void fail(int rc) const {
    throw soci::sqlite3_soci_error(sqlite_api::sqlite3_errmsg(db_), rc);
  }

  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* st_ = nullptr;
  int index_ = 0;
};

}  // namespace

void sqlite_execute(SqlConnection& connection, const char* sql) {
  SqliteCall(*connection.prepared, sql).finish();
}

PreparedStatementsPtr make_prepared_statements(soci::session& sql) {
  return PreparedStatementsPtr(new PreparedStatements(sql));
}

// ---- PostgreSQL pipelines ------------------------------------------------------------------

namespace {

// One row of a pipeline result, read like a SqliteCall row (TenantRow::read, ResourceRow::read).
struct PgRowCells {
  const PgRows& r;
  std::size_t row;
  long long integer(int column) const;
  std::string text(int column) const;
  NullableInt nullable(int column) const;
};

// Cells of a pipeline result as text (nullopt for NULL).
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

long long PgRowCells::integer(int column) const {
  return cell_integer(r, row, static_cast<std::size_t>(column));
}
std::string PgRowCells::text(int column) const {
  return cell_text(r, row, static_cast<std::size_t>(column));
}
NullableInt PgRowCells::nullable(int column) const {
  return cell_nullable(r, row, static_cast<std::size_t>(column));
}

std::string text_of(long long v) { return std::to_string(v); }
std::optional<std::string> text_of(const NullableInt& v) {
  return v.ind == soci::i_ok ? std::optional<std::string>(std::to_string(v.value)) : std::nullopt;
}

std::string id_array(const std::vector<ResourceId>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

// The statements of the two raw paths: PostgreSQL pipelines and SQLite's SqliteCall. Both
// dialects read $1, $2, ... as positional parameters (SQLite numbers them in order of
// appearance, which is their order here).
const std::string& sql_find_tenant() {
  static const std::string s = std::string("SELECT ") + TenantRow::kColumns + " FROM tenants WHERE id = $1";
  return s;
}
const std::string& sql_find_resource() {
  static const std::string s = std::string("SELECT ") + ResourceRow::kColumns +
                               " FROM resources WHERE tenant_id = $1 AND id = $2";
  return s;
}
const std::string& sql_find_resources() {
  static const std::string s = std::string("SELECT ") + ResourceRow::kColumns +
                               " FROM resources WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY id";
  return s;
}
constexpr const char* kSqlScope = "SELECT set_config('boka.tenant', $1, true)";
constexpr const char* kSqlLockResources =
    "SELECT id FROM resources WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE";
constexpr const char* kSqlLockChain = "SELECT pg_advisory_xact_lock($1)";
constexpr const char* kSqlChainHead =
    "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1";
constexpr const char* kSqlInsertReservation =
    "INSERT INTO reservations (tenant_id, status, start_at, end_at, hold_expires_at, "
    "idempotency_key, customer, metadata, created_at, updated_at, version) VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
constexpr const char* kSqlInsertAllocation =
    "INSERT INTO allocations (reservation_id, tenant_id, resource_id, quantity, pool_id) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kSqlUpdateResource =
    "UPDATE resources SET name = $1, zone = $2, capacity = $3, slot_step = $4, "
    "min_notice = $5, max_horizon = $6, buffer_before = $7, buffer_after = $8, "
    "min_duration = $9, max_duration = $10, daily_limit = $11, schedule_id = $12, "
    "metadata = $13, archived_at = $14, version = $15 WHERE id = $16";
constexpr const char* kSqlInsertAudit =
    "INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, outcome, reason, "
    "source, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

// One key space per purpose: boka's tag in the high bits, the tenant below.
long long chain_lock_key(TenantId tenant) {
  return static_cast<long long>((0x626F6B61ULL << 32) ^ static_cast<unsigned long long>(tenant));
}

void add_chain_lock(std::vector<PgCall>& calls, TenantId tenant) {
  calls.push_back({kSqlLockChain, {text_of(chain_lock_key(tenant))}});
  calls.push_back({kSqlChainHead, {text_of(tenant)}});
}

AuditHead chain_head_of(const PgRows& res, TenantId tenant) {
  if (res.rows.empty()) return AuditHead{tenant, 0, ""};
  return AuditHead{tenant, cell_integer(res, 0, 0), cell_text(res, 0, 1)};
}

}  // namespace

void pg_begin_write(SqlConnection& connection, TenantId tenant,
                    const std::vector<ResourceId>& resources, PgWriteBatch& batch) {
  batch.tenant = tenant;
  batch.tenant_row.reset();
  batch.resources.clear();
  batch.audit_head.reset();
  batch.deferred.clear();
  const std::string ids = id_array(resources);
  std::vector<PgCall> calls;
  calls.push_back({"BEGIN", {}});
  calls.push_back({kSqlScope, {text_of(tenant)}});
  calls.push_back({kSqlLockResources, {ids}});
  calls.push_back({sql_find_tenant().c_str(), {text_of(tenant)}});
  calls.push_back({sql_find_resources().c_str(), {text_of(tenant), ids}});
  std::vector<PgRows> res = batch.run(connection, calls);
  const PgRows& t = res[3];
  if (t.rows.size() == 1) batch.tenant_row = TenantRow::read(PgRowCells{t, 0}).to();
  const PgRows& r = res[4];
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    Resource row = ResourceRow::read(PgRowCells{r, i}).to();
    const ResourceId id = row.id;
    batch.resources.emplace(id, std::move(row));
  }
}

void pg_commit_write(SqlConnection& connection, PgWriteBatch& batch) {
  std::vector<PgCall> calls = std::move(batch.deferred);
  batch.deferred.clear();
  calls.push_back({"COMMIT", {}});
  batch.run(connection, calls);
}

namespace {

// ---- row access --------------------------------------------------------------------------
class SqlTransaction final : public StorageTransaction {
 public:
  SqlTransaction(SqlConnection& connection, bool writable, SqlErrorMapper map,
                 PgWriteBatch* batch)
      : connection_(connection),
        sql_(*connection.session),
        p_(*connection.prepared),
        writable_(writable),
        postgresql_(connection.postgresql),
        map_(map),
        batch_(connection.postgresql && writable ? batch : nullptr) {}

  // Tenants
  Result<TenantId> insert_tenant(const Tenant& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert tenant", [&]() -> Result<TenantId> {
      long long created = to_unix(x.created_at), version = x.version, id = 0;
      NullableInt archived(x.archived_at);
      sql_ << "INSERT INTO tenants (name, created_at, archived_at, version) "
              "VALUES (:n, :c, :a, :v) RETURNING id",
          use(x.name), use(created), use(archived.value, archived.ind), use(version), into(id);
      return static_cast<TenantId>(id);
    });
  }
  Result<std::optional<Tenant>> find_tenant(TenantId id) override {
    if (batch_ && batch_->tenant_row && batch_->tenant_row->id == id) {
      return std::optional<Tenant>(*batch_->tenant_row);
    }
    if (!postgresql_) {
      return run("find tenant", [&]() -> Result<std::optional<Tenant>> {
        SqliteCall q(p_, sql_find_tenant().c_str());
        q.bind(static_cast<long long>(id));
        if (!q.step()) return std::optional<Tenant>();
        std::optional<Tenant> out = TenantRow::read(q).to();
        q.finish();
        return out;
      });
    }
    return run("find tenant", [&]() -> Result<std::optional<Tenant>> {
      auto& q = p_.find_tenant;
      auto& st = p_.get(q, std::string("SELECT ") + TenantRow::kColumns + " FROM tenants WHERE id = :id",
                        [](Prep& p, auto& b) {
                          b.row.into_all(p);
                          p, use(b.id);
                        });
      q.b.id = id;
      st.execute(true);
      std::optional<Tenant> out;
      if (st.got_data()) out = q.b.row.to();
      drain(st);
      return out;
    });
  }
  Result<std::vector<Tenant>> list_tenants() override {
    return run("list tenants", [&]() -> Result<std::vector<Tenant>> {
      return select_tenants("WHERE id > :id", 0LL);
    });
  }
  Status update_tenant(const Tenant& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_) batch_->tenant_row.reset();
    return run("update tenant", [&]() -> Status {
      long long id = x.id, version = x.version;
      NullableInt archived(x.archived_at);
      soci::statement st = (sql_.prepare << "UPDATE tenants SET name = :n, archived_at = :a, "
                                            "version = :v WHERE id = :id",
                            use(x.name), use(archived.value, archived.ind), use(version), use(id));
      st.execute(true);
      return expect_one(st, "tenant", x.id);
    });
  }

  // Resources
  Result<ResourceId> insert_resource(const Resource& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert resource", [&]() -> Result<ResourceId> {
      ResourceRow c;
      c.from(x);
      long long id = 0;
      sql_ << "INSERT INTO resources (tenant_id, name, zone, capacity, slot_step, min_notice, "
              "max_horizon, buffer_before, buffer_after, min_duration, max_duration, "
              "daily_limit, schedule_id, metadata, created_at, archived_at, version) VALUES "
              "(:t, :n, :z, :cap, :step, :notice, :horizon, :bb, :ba, :mind, :maxd, :dl, :s, "
              ":m, :c, :a, :v) RETURNING id",
          use(c.tenant), use(c.name), use(c.zone), use(c.capacity), use(c.step), use(c.notice),
          use(c.horizon), use(c.before), use(c.after), use(c.min_d), use(c.max_d),
          use(c.daily), use(c.schedule.value, c.schedule.ind), use(c.metadata),
          use(c.created), use(c.archived.value, c.archived.ind), use(c.version), into(id);
      return static_cast<ResourceId>(id);
    });
  }
  Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) override {
    if (batch_) {
      auto it = batch_->resources.find(id);
      if (it != batch_->resources.end() && it->second.tenant == tenant) {
        return std::optional<Resource>(it->second);
      }
    }
    if (!postgresql_) {
      return run("find resource", [&]() -> Result<std::optional<Resource>> {
        SqliteCall q(p_, sql_find_resource().c_str());
        q.bind(static_cast<long long>(tenant)).bind(static_cast<long long>(id));
        if (!q.step()) return std::optional<Resource>();
        std::optional<Resource> out = ResourceRow::read(q).to();
        q.finish();
        return out;
      });
    }
    return run("find resource", [&]() -> Result<std::optional<Resource>> {
      return find_one(p_.find_resource, ResourceRow::kColumns, "resources", tenant, id,
                      [](const ResourceRow& row) { return row.to(); });
    });
  }
  Result<std::vector<Resource>> list_resources(TenantId tenant) override {
    return run("list resources", [&]() -> Result<std::vector<Resource>> {
      return select_resources("WHERE tenant_id = :t AND id > :id", tenant, 0);
    });
  }
  Status update_resource(const Resource& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_) {
      auto it = batch_->resources.find(x.id);
      if (it != batch_->resources.end() && it->second.tenant == x.tenant) {
        // The row is locked by this transaction and visible to it: the update will find it.
        ResourceRow c;
        c.from(x);
        batch_->deferred.push_back(
            {kSqlUpdateResource,
             {c.name, c.zone, text_of(c.capacity), text_of(c.step), text_of(c.notice),
              text_of(c.horizon), text_of(c.before), text_of(c.after), text_of(c.min_d),
              text_of(c.max_d), text_of(c.daily), text_of(c.schedule), c.metadata,
              text_of(c.archived), text_of(c.version), text_of(c.id)}});
        it->second = x;
        return Status::Ok();
      }
    }
    if (!postgresql_) {
      return run("update resource", [&]() -> Status {
        ResourceRow c;
        c.from(x);
        SqliteCall q(p_, kSqlUpdateResource);
        q.bind(c.name).bind(c.zone).bind(static_cast<long long>(c.capacity)).bind(c.step)
            .bind(c.notice).bind(c.horizon).bind(c.before).bind(c.after).bind(c.min_d)
            .bind(c.max_d).bind(static_cast<long long>(c.daily)).bind(c.schedule)
            .bind(c.metadata).bind(c.archived).bind(c.version).bind(c.id);
        q.finish();
        if (q.changes() != 1) return NotFound("resource " + std::to_string(x.id) + " does not exist");
        return Status::Ok();
      });
    }
    return run("update resource", [&]() -> Status {
      auto& q = p_.update_resource;
      auto& st = p_.get(
          q,
          "UPDATE resources SET name = :n, zone = :z, capacity = :cap, slot_step = :step, "
          "min_notice = :notice, max_horizon = :horizon, buffer_before = :bb, "
          "buffer_after = :ba, min_duration = :mind, max_duration = :maxd, daily_limit = :dl, "
          "schedule_id = :s, metadata = :m, archived_at = :a, version = :v WHERE id = :id",
          [](Prep& p, ResourceRow& c) {
            p, use(c.name), use(c.zone), use(c.capacity), use(c.step), use(c.notice),
                use(c.horizon), use(c.before), use(c.after), use(c.min_d), use(c.max_d),
                use(c.daily), use(c.schedule.value, c.schedule.ind), use(c.metadata),
                use(c.archived.value, c.archived.ind), use(c.version), use(c.id);
          });
      q.b.from(x);
      st.execute(true);
      return expect_one(st, "resource", x.id);
    });
  }

  // Schedules
  Result<ScheduleId> insert_schedule(const Schedule& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert schedule", [&]() -> Result<ScheduleId> {
      long long tenant = x.tenant, version = x.version, id = 0;
      NullableInt archived(x.archived_at);
      const std::string rules = encode_schedule_rules(x);
      sql_ << "INSERT INTO schedules (tenant_id, name, rules, archived_at, version) "
              "VALUES (:t, :n, :r, :a, :v) RETURNING id",
          use(tenant), use(x.name), use(rules), use(archived.value, archived.ind), use(version),
          into(id);
      return static_cast<ScheduleId>(id);
    });
  }
  Result<std::optional<Schedule>> find_schedule(TenantId tenant, ScheduleId id) override {
    return run("find schedule", [&]() -> Result<std::optional<Schedule>> {
      auto& q = p_.find_schedule;
      auto& st = p_.get(q,
                        "SELECT name, rules, archived_at, version FROM schedules WHERE "
                        "tenant_id = :t AND id = :id",
                        [](Prep& p, auto& b) {
                          p, into(b.name), into(b.rules), into(b.archived.value, b.archived.ind),
                              into(b.version), use(b.tenant), use(b.id);
                        });
      q.b.tenant = tenant;
      q.b.id = id;
      st.execute(true);
      const bool found = st.got_data();
      Schedule s;
      if (found) {
        s.id = id;
        s.tenant = tenant;
        s.name = q.b.name;
        s.archived_at = q.b.archived.instant();
        s.version = q.b.version;
        BOKA_RETURN_IF_ERROR(decode_schedule_rules(q.b.rules, s));
      }
      drain(st);
      if (!found) return std::optional<Schedule>();
      return std::optional<Schedule>(std::move(s));
    });
  }
  Result<std::vector<Schedule>> list_schedules(TenantId tenant) override {
    return run("list schedules", [&]() -> Result<std::vector<Schedule>> {
      return select_schedules("AND id > :id", tenant, 0);
    });
  }
  Status update_schedule(const Schedule& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update schedule", [&]() -> Status {
      long long id = x.id, version = x.version;
      NullableInt archived(x.archived_at);
      const std::string rules = encode_schedule_rules(x);
      soci::statement st = (sql_.prepare << "UPDATE schedules SET name = :n, rules = :r, "
                                            "archived_at = :a, version = :v WHERE id = :id",
                            use(x.name), use(rules), use(archived.value, archived.ind),
                            use(version), use(id));
      st.execute(true);
      return expect_one(st, "schedule", x.id);
    });
  }

  // Pools
  Result<PoolId> insert_pool(const Pool& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert pool", [&]() -> Result<PoolId> {
      long long tenant = x.tenant, version = x.version, id = 0;
      NullableInt archived(x.archived_at);
      sql_ << "INSERT INTO pools (tenant_id, name, archived_at, version) "
              "VALUES (:t, :n, :a, :v) RETURNING id",
          use(tenant), use(x.name), use(archived.value, archived.ind), use(version), into(id);
      write_pool_members(id, x.tenant, x.members);
      return static_cast<PoolId>(id);
    });
  }
  Result<std::optional<Pool>> find_pool(TenantId tenant, PoolId id) override {
    return run("find pool", [&]() -> Result<std::optional<Pool>> {
      auto rows = select_pools("AND id = :id", tenant, id);
      if (rows.empty()) return std::optional<Pool>();
      return std::optional<Pool>(std::move(rows.front()));
    });
  }
  Result<std::vector<Pool>> list_pools(TenantId tenant) override {
    return run("list pools", [&]() -> Result<std::vector<Pool>> {
      return select_pools("AND id > :id", tenant, 0);
    });
  }
  Status update_pool(const Pool& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update pool", [&]() -> Status {
      long long id = x.id, version = x.version;
      NullableInt archived(x.archived_at);
      soci::statement st = (sql_.prepare << "UPDATE pools SET name = :n, archived_at = :a, "
                                            "version = :v WHERE id = :id",
                            use(x.name), use(archived.value, archived.ind), use(version), use(id));
      st.execute(true);
      BOKA_RETURN_IF_ERROR(expect_one(st, "pool", x.id));
      sql_ << "DELETE FROM pool_members WHERE pool_id = :id", use(id);
      write_pool_members(id, x.tenant, x.members);
      return Status::Ok();
    });
  }

  // Reservations
  Result<ReservationId> insert_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_) {
      // One round trip: the queued writes, the reservation, and (a reservation write
      // appends to its tenant's chain next) the chain's lock and head.
      return guarded(map_, "insert reservation", [&]() -> Result<ReservationId> {
        ReservationRow c;
        c.from(x);
        std::vector<PgCall> calls = std::move(batch_->deferred);
        batch_->deferred.clear();
        const std::size_t at = calls.size();
        calls.push_back({kSqlInsertReservation,
                         {text_of(c.tenant), text_of(c.status), text_of(c.start), text_of(c.end),
                          text_of(c.hold), c.key, c.customer, c.metadata, text_of(c.created),
                          text_of(c.updated), text_of(c.version)}});
        const bool lock_chain = !batch_->audit_head && x.tenant == batch_->tenant;
        if (lock_chain) add_chain_lock(calls, x.tenant);
        std::vector<PgRows> res = batch_->run(connection_, calls);
        if (res[at].rows.size() != 1) throw soci::soci_error("insert reservation returned no id");
        const long long id = cell_integer(res[at], 0, 0);
        if (lock_chain) batch_->audit_head = chain_head_of(res[at + 2], x.tenant);
        for (const Allocation& a : x.allocations) {
          batch_->deferred.push_back(
              {kSqlInsertAllocation,
               {text_of(id), text_of(x.tenant), text_of(a.resource), text_of(a.quantity),
                a.pool ? std::optional<std::string>(std::to_string(*a.pool)) : std::nullopt}});
        }
        return static_cast<ReservationId>(id);
      });
    }
    if (!postgresql_) {
      return run("insert reservation", [&]() -> Result<ReservationId> {
        ReservationRow c;
        c.from(x);
        long long id = 0;
        {
          SqliteCall q(p_, kSqlInsertReservation);
          q.bind(c.tenant).bind(static_cast<long long>(c.status)).bind(c.start).bind(c.end)
              .bind(c.hold).bind(c.key).bind(c.customer).bind(c.metadata).bind(c.created)
              .bind(c.updated).bind(c.version);
          if (!q.step()) throw soci::soci_error("insert reservation returned no id");
          id = q.integer(0);
          q.finish();
        }
        for (const Allocation& a : x.allocations) {
          SqliteCall q(p_, kSqlInsertAllocation);
          q.bind(id).bind(static_cast<long long>(x.tenant)).bind(static_cast<long long>(a.resource))
              .bind(static_cast<long long>(a.quantity))
              .bind(NullableInt(a.pool ? std::optional<std::int64_t>(*a.pool) : std::nullopt));
          q.finish();
        }
        return static_cast<ReservationId>(id);
      });
    }
    return run("insert reservation", [&]() -> Result<ReservationId> {
      auto& q = p_.insert_reservation;
      auto& st = p_.get(
          q,
          "INSERT INTO reservations (tenant_id, status, start_at, end_at, hold_expires_at, "
          "idempotency_key, customer, metadata, created_at, updated_at, version) VALUES "
          "(:t, :s, :b, :e, :h, :k, :c, :m, :ca, :ua, :v) RETURNING id",
          [](Prep& p, auto& b) {
            ReservationRow& c = b.row;
            p, use(c.tenant), use(c.status), use(c.start), use(c.end),
                use(c.hold.value, c.hold.ind), use(c.key), use(c.customer), use(c.metadata),
                use(c.created), use(c.updated), use(c.version), into(b.new_id);
          });
      q.b.row.from(x);
      st.execute(true);
      const long long id = q.b.new_id;
      drain(st);
      write_allocations(id, x.tenant, x.allocations);
      return static_cast<ReservationId>(id);
    });
  }
  Status update_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update reservation", [&]() -> Status {
      auto& q = p_.update_reservation;
      auto& st = p_.get(q,
                        "UPDATE reservations SET status = :s, start_at = :b, end_at = :e, "
                        "hold_expires_at = :h, customer = :c, metadata = :m, "
                        "updated_at = :ua, version = :v WHERE id = :id",
                        [](Prep& p, ReservationRow& c) {
                          p, use(c.status), use(c.start), use(c.end),
                              use(c.hold.value, c.hold.ind), use(c.customer), use(c.metadata),
                              use(c.updated), use(c.version), use(c.id);
                        });
      q.b.from(x);
      st.execute(true);
      BOKA_RETURN_IF_ERROR(expect_one(st, "reservation", x.id));
      auto& d = p_.delete_allocations;
      auto& del = p_.get(d, "DELETE FROM allocations WHERE reservation_id = :id",
                         [](Prep& p, auto& b) { p, use(b.id); });
      d.b.id = x.id;
      del.execute(true);
      write_allocations(x.id, x.tenant, x.allocations);
      return Status::Ok();
    });
  }
  Result<std::optional<Reservation>> find_reservation(TenantId tenant,
                                                      ReservationId id) override {
    return run("find reservation", [&]() -> Result<std::optional<Reservation>> {
      std::optional<Reservation> out =
          find_one(p_.find_reservation, ReservationRow::kColumns, "reservations", tenant, id,
                   [tenant](const ReservationRow& row) { return row.to(tenant); });
      if (!out) return out;
      auto& a = p_.find_allocations;
      auto& as = p_.get(a,
                        "SELECT resource_id, quantity, pool_id FROM allocations WHERE "
                        "reservation_id = :r ORDER BY resource_id",
                        [](Prep& p, auto& b) {
                          p, into(b.row.resource), into(b.row.quantity),
                              into(b.row.pool.value, b.row.pool.ind), use(b.reservation);
                        });
      a.b.reservation = id;
      as.execute();
      while (as.fetch()) {
        out->allocations.push_back(Allocation{a.b.row.resource, a.b.row.quantity, a.b.row.pool.integer()});
      }
      return out;
    });
  }
  Result<std::vector<Reservation>> list_reservations(TenantId tenant,
                                                     const ReservationFilter& f) override {
    return run("list reservations", [&]() -> Result<std::vector<Reservation>> {
      return select_reservations(tenant, f);
    });
  }
  Result<std::vector<Booking>> active_bookings(ResourceId resource) override {
    return run("read bookings", [&]() -> Result<std::vector<Booking>> {
      auto& q = p_.active_bookings;
      auto& st = p_.get(q,
                        "SELECT r.id, r.start_at, r.end_at, a.quantity, r.status, "
                        "r.hold_expires_at FROM allocations a JOIN reservations r ON "
                        "r.id = a.reservation_id WHERE a.resource_id = :r AND r.status IN (0, 1)",
                        [](Prep& p, auto& b) {
                          p, use(b.resource), into(b.id), into(b.start), into(b.end),
                              into(b.quantity), into(b.status), into(b.hold.value, b.hold.ind);
                        });
      q.b.resource = resource;
      std::vector<Booking> out;
      st.execute();
      while (st.fetch()) {
        const auto& b = q.b;
        out.push_back(Booking{b.id, from_unix(b.start), from_unix(b.end), b.quantity,
                              static_cast<ReservationStatus>(b.status), b.hold.instant()});
      }
      return out;
    });
  }
  Result<std::vector<Reservation>> expired_holds(Instant now, int limit) override {
    return run("read expired holds", [&]() -> Result<std::vector<Reservation>> {
      long long t = to_unix(now), lim = limit, id = 0, tenant = 0;
      std::vector<std::pair<TenantId, ReservationId>> ids;
      soci::statement st = (sql_.prepare << "SELECT id, tenant_id FROM reservations WHERE "
                                            "status = 0 AND hold_expires_at <= :t ORDER BY id "
                                            "LIMIT :l",
                            use(t), use(lim), into(id), into(tenant));
      st.execute();
      while (st.fetch()) ids.emplace_back(tenant, id);
      std::vector<Reservation> out;
      for (const auto& [tn, rid] : ids) {
        BOKA_ASSIGN_OR_RETURN(auto found, find_reservation(tn, rid));
        if (found) out.push_back(std::move(*found));
      }
      return out;
    });
  }

  Status insert_idempotency(TenantId tenant, const IdempotencyRecord& rec) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert idempotency key", [&]() -> Status {
      auto& q = p_.insert_idempotency;
      auto& st = p_.get(q,
                        "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, "
                        "reservation_id) VALUES (:t, :k, :f, :r)",
                        [](Prep& p, auto& b) {
                          p, use(b.tenant), use(b.key), use(b.fingerprint), use(b.reservation);
                        });
      q.b.tenant = tenant;
      q.b.key = rec.key;
      q.b.fingerprint = rec.request_fingerprint;
      q.b.reservation = rec.reservation;
      st.execute(true);
      return Status::Ok();
    });
  }
  Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId tenant,
                                                            std::string_view key) override {
    return run("find idempotency key", [&]() -> Result<std::optional<IdempotencyRecord>> {
      auto& q = p_.find_idempotency;
      auto& st = p_.get(q,
                        "SELECT fingerprint, reservation_id FROM idempotency_keys WHERE "
                        "tenant_id = :t AND key = :k",
                        [](Prep& p, auto& b) {
                          p, use(b.tenant), use(b.key), into(b.fingerprint), into(b.reservation);
                        });
      q.b.tenant = tenant;
      q.b.key = std::string(key);
      st.execute(true);
      std::optional<IdempotencyRecord> out;
      if (st.got_data()) out = IdempotencyRecord{q.b.key, q.b.fingerprint, q.b.reservation};
      drain(st);
      return out;
    });
  }

  // Authentication rows (storage/sql/sql_auth.cpp)
  Result<UserId> insert_user(const StoredUser& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert user", [&]() -> Result<UserId> {
      return sql_auth::insert_user(sql_, x);
    });
  }
  Result<std::optional<StoredUser>> find_user(TenantId tenant, UserId id) override {
    return run("find user", [&]() -> Result<std::optional<StoredUser>> {
      return sql_auth::find_user(sql_, tenant, id, lock_rows());
    });
  }
  Result<std::optional<StoredUser>> find_user_by_email(TenantId tenant,
                                                       std::string_view email) override {
    return run("find user", [&]() -> Result<std::optional<StoredUser>> {
      return sql_auth::find_user_by_email(sql_, tenant, email, lock_rows());
    });
  }
  Result<std::vector<StoredUser>> list_users(TenantId tenant) override {
    return run("list users", [&]() -> Result<std::vector<StoredUser>> {
      return sql_auth::list_users(sql_, tenant);
    });
  }
  Result<std::vector<StoredUser>> list_users_with_role(Role min_role) override {
    return run("list users", [&]() -> Result<std::vector<StoredUser>> {
      return sql_auth::list_users_with_role(sql_, min_role);
    });
  }
  Status update_user(const StoredUser& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update user", [&]() -> Status {
      return affected_one(sql_auth::update_user(sql_, x), "user", x.user.id);
    });
  }
  Result<SessionId> insert_session(const StoredSession& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert session", [&]() -> Result<SessionId> {
      return sql_auth::insert_session(sql_, x);
    });
  }
  Result<std::optional<StoredSession>> find_session_by_token(std::string_view hash) override {
    return run("find session", [&]() -> Result<std::optional<StoredSession>> {
      return sql_auth::find_session_by_token(sql_, hash);
    });
  }
  Result<std::optional<StoredSession>> find_session(SessionId id) override {
    return run("find session", [&]() -> Result<std::optional<StoredSession>> {
      return sql_auth::find_session(sql_, id);
    });
  }
  Result<std::vector<StoredSession>> list_sessions(TenantId tenant, UserId user) override {
    return run("list sessions", [&]() -> Result<std::vector<StoredSession>> {
      return sql_auth::list_sessions(sql_, tenant, user);
    });
  }
  Status update_session(const StoredSession& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update session", [&]() -> Status {
      return affected_one(sql_auth::update_session(sql_, x), "session", x.session.id);
    });
  }
  Result<std::int64_t> revoke_sessions(TenantId tenant, UserId user, Instant at,
                                       SessionId keep) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("revoke sessions", [&]() -> Result<std::int64_t> {
      return sql_auth::revoke_sessions(sql_, tenant, user, at, keep);
    });
  }
  Result<std::int64_t> delete_dead_sessions(Instant now, int limit) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("delete sessions", [&]() -> Result<std::int64_t> {
      return sql_auth::delete_dead_sessions(sql_, now, limit);
    });
  }
  Result<std::int64_t> count_live_sessions(Instant now) override {
    return run("count sessions", [&]() -> Result<std::int64_t> {
      return sql_auth::count_live_sessions(sql_, now);
    });
  }
  Result<ApiKeyId> insert_api_key(const StoredApiKey& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert API key", [&]() -> Result<ApiKeyId> {
      return sql_auth::insert_api_key(sql_, x);
    });
  }
  Result<std::optional<StoredApiKey>> find_api_key(ApiKeyId id) override {
    return run("find API key", [&]() -> Result<std::optional<StoredApiKey>> {
      return sql_auth::find_api_key(sql_, id, lock_rows());
    });
  }
  Result<std::vector<StoredApiKey>> list_api_keys(TenantId tenant) override {
    return run("list API keys", [&]() -> Result<std::vector<StoredApiKey>> {
      return sql_auth::list_api_keys(sql_, tenant);
    });
  }
  Status update_api_key(const StoredApiKey& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update API key", [&]() -> Status {
      return affected_one(sql_auth::update_api_key(sql_, x), "API key", x.key.id);
    });
  }
  // Audit. A chain's head is its highest seq. SQLite's write transaction already holds the
  // whole database; on PostgreSQL a transaction-level advisory lock per tenant serializes
  // the appends to one chain (taken last, after the resource locks, and held to commit).
  Result<AuditHead> lock_audit_head(TenantId tenant) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_ && tenant == batch_->tenant) {
      if (batch_->audit_head) return *batch_->audit_head;  // locked, kept current by appends
      return guarded(map_, "lock audit chain", [&]() -> Result<AuditHead> {
        std::vector<PgCall> calls = std::move(batch_->deferred);
        batch_->deferred.clear();
        const std::size_t at = calls.size();
        add_chain_lock(calls, tenant);
        std::vector<PgRows> res = batch_->run(connection_, calls);
        batch_->audit_head = chain_head_of(res[at + 1], tenant);
        return *batch_->audit_head;
      });
    }
    if (!postgresql_) {
      // The write transaction holds the whole database: the head cannot move under us.
      return run("lock audit chain", [&]() -> Result<AuditHead> {
        SqliteCall q(p_, kSqlChainHead);
        q.bind(static_cast<long long>(tenant));
        AuditHead head{tenant, 0, ""};
        if (q.step()) head = AuditHead{tenant, q.integer(0), q.text(1)};
        q.finish();
        return head;
      });
    }
    return run("lock audit chain", [&]() -> Result<AuditHead> {
      if (postgresql_) {
        auto& l = p_.lock_audit_chain;
        auto& lst = p_.get(l, "SELECT pg_advisory_xact_lock(:k)",
                           [](Prep& p, auto& b) { p, use(b.key); });
        l.b.key = chain_lock_key(tenant);
        lst.execute(true);
      }
      auto& q = p_.audit_head;
      auto& st = p_.get(q,
                        "SELECT seq, hash FROM audit_log WHERE tenant_id = :t "
                        "ORDER BY seq DESC LIMIT 1",
                        [](Prep& p, auto& b) { p, use(b.tenant), into(b.seq), into(b.hash); });
      q.b.tenant = tenant;
      st.execute(true);
      AuditHead head{tenant, 0, ""};
      if (st.got_data()) head = AuditHead{tenant, q.b.seq, q.b.hash};
      drain(st);
      return head;
    });
  }
  Status append_audit(AuditRecord r) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_ && batch_->audit_head && r.tenant == batch_->tenant) {
      // The chain is locked by this transaction; the primary key refuses a wrong seq at
      // COMMIT, which then rolls everything back.
      batch_->deferred.push_back(
          {kSqlInsertAudit,
           {text_of(r.tenant), text_of(r.seq), text_of(to_unix(r.at)), r.actor, r.action,
            r.target, text_of(static_cast<int>(r.outcome)), r.reason, r.source, r.detail_json,
            r.prev_hash, r.hash}});
      batch_->audit_head = AuditHead{r.tenant, r.seq, r.hash};
      return Status::Ok();
    }
    if (!postgresql_) {
      return run("append audit record", [&]() -> Status {
        SqliteCall q(p_, kSqlInsertAudit);
        q.bind(static_cast<long long>(r.tenant)).bind(static_cast<long long>(r.seq))
            .bind(static_cast<long long>(to_unix(r.at))).bind(r.actor).bind(r.action)
            .bind(r.target).bind(static_cast<long long>(static_cast<int>(r.outcome)))
            .bind(r.reason).bind(r.source).bind(r.detail_json).bind(r.prev_hash).bind(r.hash);
        q.finish();
        return Status::Ok();
      });
    }
    return run("append audit record", [&]() -> Status {
      auto& q = p_.insert_audit;
      auto& st = p_.get(
          q,
          "INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, outcome, reason, "
          "source, detail, prev_hash, hash) VALUES (:t, :s, :at, :ac, :an, :tg, :o, :r, :src, "
          ":d, :ph, :h)",
          [](Prep& p, auto& b) {
            p, use(b.tenant), use(b.seq), use(b.at), use(b.actor), use(b.action), use(b.target),
                use(b.outcome), use(b.reason), use(b.source), use(b.detail), use(b.prev_hash),
                use(b.hash);
          });
      q.b.tenant = r.tenant;
      q.b.seq = r.seq;
      q.b.at = to_unix(r.at);
      q.b.actor = r.actor;
      q.b.action = r.action;
      q.b.target = r.target;
      q.b.outcome = static_cast<int>(r.outcome);
      q.b.reason = r.reason;
      q.b.source = r.source;
      q.b.detail = r.detail_json;
      q.b.prev_hash = r.prev_hash;
      q.b.hash = r.hash;
      st.execute(true);
      return Status::Ok();
    });
  }
  Result<std::vector<AuditRecord>> list_audit(const AuditQuery& query) override {
    return run("list audit records", [&]() -> Result<std::vector<AuditRecord>> {
      return sql_audit::list_audit(sql_, query);
    });
  }
  Result<std::vector<AuditHead>> audit_heads() override {
    return run("list audit chains", [&]() -> Result<std::vector<AuditHead>> {
      return sql_audit::audit_heads(sql_);
    });
  }
  Result<std::vector<TableStats>> table_stats() override {
    return run("table statistics", [&]() -> Result<std::vector<TableStats>> {
      return sql_audit::table_stats(sql_, postgresql_);
    });
  }
  Result<std::optional<std::string>> get_setting(std::string_view name) override {
    if (name.empty()) return InvalidArgument("setting name: must not be empty");
    return run("read setting", [&]() -> Result<std::optional<std::string>> {
      return sql_audit::get_setting(sql_, name);
    });
  }
  Status put_setting(std::string_view name, std::string_view value) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (name.empty()) return InvalidArgument("setting name: must not be empty");
    return run("write setting", [&]() -> Status {
      sql_audit::put_setting(sql_, name, value);
      return Status::Ok();
    });
  }

 private:
  static Status affected_one(long long rows, const char* kind, std::int64_t id) {
    if (rows != 1) return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
    return Status::Ok();
  }
  Status check_writable() const {
    return writable_ ? Status::Ok() : InternalError("write attempted in a read transaction");
  }
  // Whether row reads in this transaction lock what they return (the storage contract:
  // users and API keys read in a write transaction stay locked until it ends). PostgreSQL
  // runs writes at READ COMMITTED, so without FOR UPDATE two logins could both read the
  // same failure counter or TOTP step and both write back their own.
  bool lock_rows() const { return writable_ && postgresql_; }

  // One row of `table` by tenant and id through a prepared statement; nullopt if absent.
  template <typename Key, typename Convert>
  auto find_one(Cached<Key>& q, const char* columns, const char* table, TenantId tenant,
                std::int64_t id, Convert&& convert)
      -> std::optional<decltype(convert(q.b.row))> {
    auto& st = p_.get(q,
                      std::string("SELECT ") + columns + " FROM " + table +
                          " WHERE tenant_id = :t AND id = :id",
                      [](Prep& p, auto& b) {
                        b.row.into_all(p);
                        p, use(b.tenant), use(b.id);
                      });
    q.b.tenant = tenant;
    q.b.id = id;
    st.execute(true);
    std::optional<decltype(convert(q.b.row))> out;
    if (st.got_data()) out = convert(q.b.row);
    drain(st);
    return out;
  }

  static Status expect_one(soci::statement& st, const char* kind, std::int64_t id) {
    if (st.get_affected_rows() != 1) {
      return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  }

  std::vector<Tenant> select_tenants(const char* where, long long key) {
    TenantRow row;
    Prep p = (sql_.prepare << std::string("SELECT ") + TenantRow::kColumns + " FROM tenants " +
                                  where + " ORDER BY id");
    row.into_all(p);
    p, use(key);
    soci::statement st(p);
    st.execute();
    std::vector<Tenant> out;
    while (st.fetch()) out.push_back(row.to());
    return out;
  }

  std::vector<Resource> select_resources(const char* where, long long tenant, long long key) {
    ResourceRow row;
    Prep p = (sql_.prepare << std::string("SELECT ") + ResourceRow::kColumns +
                                  " FROM resources " + where + " ORDER BY id");
    row.into_all(p);
    p, use(tenant), use(key);
    soci::statement st(p);
    st.execute();
    std::vector<Resource> out;
    while (st.fetch()) out.push_back(row.to());
    return out;
  }

  Result<std::vector<Schedule>> select_schedules(const char* and_where, long long tenant,
                                                 long long key) {
    long long id = 0, version = 0;
    std::string name, rules;
    NullableInt archived;
    std::vector<Schedule> out;
    soci::statement st =
        (sql_.prepare << std::string("SELECT id, name, rules, archived_at, version FROM "
                                     "schedules WHERE tenant_id = :t ") +
                             and_where + " ORDER BY id",
         use(tenant), use(key), into(id), into(name), into(rules),
         into(archived.value, archived.ind), into(version));
    st.execute();
    while (st.fetch()) {
      Schedule s;
      s.id = id;
      s.tenant = tenant;
      s.name = name;
      s.archived_at = archived.instant();
      s.version = version;
      BOKA_RETURN_IF_ERROR(decode_schedule_rules(rules, s));
      out.push_back(std::move(s));
    }
    return out;
  }

  std::vector<Pool> select_pools(const char* and_where, long long tenant, long long key) {
    long long id = 0, version = 0;
    std::string name;
    NullableInt archived;
    std::vector<Pool> out;
    soci::statement st =
        (sql_.prepare << std::string("SELECT id, name, archived_at, version FROM pools WHERE "
                                     "tenant_id = :t ") +
                             and_where + " ORDER BY id",
         use(tenant), use(key), into(id), into(name), into(archived.value, archived.ind),
         into(version));
    st.execute();
    while (st.fetch()) {
      Pool p;
      p.id = id;
      p.tenant = tenant;
      p.name = name;
      p.archived_at = archived.instant();
      p.version = version;
      out.push_back(std::move(p));
    }
    for (Pool& p : out) {
      long long pid = p.id, member = 0;
      soci::statement ms = (sql_.prepare << "SELECT resource_id FROM pool_members WHERE "
                                            "pool_id = :p ORDER BY position",
                            use(pid), into(member));
      ms.execute();
      while (ms.fetch()) p.members.push_back(member);
    }
    return out;
  }

  void write_pool_members(long long pool, long long tenant,
                          const std::vector<ResourceId>& members) {
    long long position = 0, resource = 0;
    soci::statement st = (sql_.prepare << "INSERT INTO pool_members (pool_id, tenant_id, "
                                          "position, resource_id) VALUES (:p, :t, :i, :r)",
                          use(pool), use(tenant), use(position), use(resource));
    for (std::size_t i = 0; i < members.size(); ++i) {
      position = static_cast<long long>(i);
      resource = members[i];
      st.execute(true);
    }
  }

  void write_allocations(long long reservation, long long tenant,
                         const std::vector<Allocation>& allocations) {
    auto& q = p_.insert_allocation;
    auto& st = p_.get(q,
                      "INSERT INTO allocations (reservation_id, tenant_id, resource_id, "
                      "quantity, pool_id) VALUES (:r, :t, :s, :q, :p)",
                      [](Prep& p, AllocationRow& b) {
                        p, use(b.reservation), use(b.tenant), use(b.resource), use(b.quantity),
                            use(b.pool.value, b.pool.ind);
                      });
    for (const Allocation& a : allocations) {
      q.b.reservation = reservation;
      q.b.tenant = tenant;
      q.b.resource = a.resource;
      q.b.quantity = a.quantity;
      q.b.pool = NullableInt(a.pool ? std::optional<std::int64_t>(*a.pool) : std::nullopt);
      st.execute(true);
    }
  }

  // Reservations matching `f` in `tenant`, with their allocations, ordered by id.
  std::vector<Reservation> select_reservations(TenantId tenant, const ReservationFilter& f) {
    std::string sql =
        std::string("SELECT ") + ReservationRow::kColumns +
        " FROM reservations r WHERE r.tenant_id = :t AND r.id > :after";
    // Every bound value lives here so it outlives the statement.
    long long tn = tenant, after = f.after_id, resource = f.resource.value_or(0),
              from = f.from ? to_unix(*f.from) : 0, to = f.to ? to_unix(*f.to) : 0,
              limit = f.limit;
    std::string customer = f.customer.value_or("");
    if (f.resource) {
      sql += " AND EXISTS (SELECT 1 FROM allocations a WHERE a.reservation_id = r.id AND "
             "a.resource_id = :res)";
    }
    if (f.from) sql += " AND r.end_at > :from";
    if (f.to) sql += " AND r.start_at < :to";
    if (!f.statuses.empty()) {
      sql += " AND r.status IN (";
      for (std::size_t i = 0; i < f.statuses.size(); ++i) {
        sql += (i ? "," : "") + std::to_string(status_code(f.statuses[i]));
      }
      sql += ")";
    }
    // customer <> '' lets the partial index on customers serve the query.
    if (f.customer) sql += f.customer->empty() ? " AND r.customer = :cust" : " AND r.customer = :cust AND r.customer <> ''";
    sql += " ORDER BY r.id LIMIT :lim";

    ReservationRow row;
    soci::statement st(sql_);
    st.exchange(use(tn));
    st.exchange(use(after));
    if (f.resource) st.exchange(use(resource));
    if (f.from) st.exchange(use(from));
    if (f.to) st.exchange(use(to));
    if (f.customer) st.exchange(use(customer));
    st.exchange(use(limit));
    st.exchange(into(row.id));
    st.exchange(into(row.status));
    st.exchange(into(row.start));
    st.exchange(into(row.end));
    st.exchange(into(row.hold.value, row.hold.ind));
    st.exchange(into(row.key));
    st.exchange(into(row.customer));
    st.exchange(into(row.metadata));
    st.exchange(into(row.created));
    st.exchange(into(row.updated));
    st.exchange(into(row.version));
    st.alloc();
    st.prepare(sql);
    st.define_and_bind();
    st.execute();
    std::vector<Reservation> out;
    std::map<ReservationId, std::size_t> position;
    while (st.fetch()) {
      position[row.id] = out.size();
      out.push_back(row.to(tenant));
    }
    if (out.empty()) return out;
    long long lo = out.front().id, hi = out.back().id, rid = 0, res = 0;
    int quantity = 0;
    NullableInt pool;
    soci::statement as = (sql_.prepare << "SELECT reservation_id, resource_id, quantity, "
                                          "pool_id FROM allocations WHERE reservation_id "
                                          "BETWEEN :lo AND :hi ORDER BY reservation_id, "
                                          "resource_id",
                          use(lo), use(hi), into(rid), into(res), into(quantity),
                          into(pool.value, pool.ind));
    as.execute();
    while (as.fetch()) {
      auto it = position.find(rid);
      if (it == position.end()) continue;
      out[it->second].allocations.push_back(Allocation{res, quantity, pool.integer()});
    }
    return out;
  }

  // Runs f under the error mapper, after sending the writes queued for COMMIT (so every
  // statement sees the transaction's own writes).
  template <typename F>
  auto run(const char* operation, F&& f) -> decltype(f()) {
    if (batch_ && !batch_->deferred.empty()) {
      Status sent = guarded(map_, "deferred write", [&]() -> Status {
        std::vector<PgCall> calls = std::move(batch_->deferred);
        batch_->deferred.clear();
        batch_->run(connection_, calls);
        return Status::Ok();
      });
      if (!sent.ok()) return sent;
    }
    return guarded(map_, operation, std::forward<F>(f));
  }

  SqlConnection& connection_;
  soci::session& sql_;
  PreparedStatements& p_;
  bool writable_;
  bool postgresql_;
  SqlErrorMapper map_;
  PgWriteBatch* batch_;  // PostgreSQL writes begun by pg_begin_write, else null
};

}  // namespace

std::unique_ptr<StorageTransaction> make_sql_transaction(SqlConnection& connection, bool writable,
                                                         SqlErrorMapper map, PgWriteBatch* batch) {
  return std::make_unique<SqlTransaction>(connection, writable, map, batch);
}

}  // namespace boka::detail
