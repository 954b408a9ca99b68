// Row access shared by the SQL dialects: the same statements run on SQLite and
// PostgreSQL (SOCI turns :name placeholders into each dialect's own).
#include "storage/sql/sql_transaction.hpp"

#include <map>
#include <string>
#include <vector>

#include "storage/codec.hpp"

namespace boka::detail {
namespace {

using soci::into;
using soci::use;

// ---- column helpers --------------------------------------------------------------------
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
};

int status_code(ReservationStatus s) { return static_cast<int>(s); }

// ---- row access --------------------------------------------------------------------------
class SqlTransaction final : public StorageTransaction {
 public:
  SqlTransaction(soci::session& sql, bool writable, SqlErrorMapper map)
      : sql_(sql), writable_(writable), map_(map) {}

  // Tenants
  Result<TenantId> insert_tenant(const Tenant& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "insert tenant", [&]() -> Result<TenantId> {
      long long created = to_unix(x.created_at), version = x.version, id = 0;
      NullableInt archived(x.archived_at);
      sql_ << "INSERT INTO tenants (name, created_at, archived_at, version) "
              "VALUES (:n, :c, :a, :v) RETURNING id",
          use(x.name), use(created), use(archived.value, archived.ind), use(version), into(id);
      return static_cast<TenantId>(id);
    });
  }
  Result<std::optional<Tenant>> find_tenant(TenantId id) override {
    return guarded(map_, "find tenant", [&]() -> Result<std::optional<Tenant>> {
      auto rows = select_tenants("WHERE id = :id", static_cast<long long>(id));
      if (rows.empty()) return std::optional<Tenant>();
      return std::optional<Tenant>(std::move(rows.front()));
    });
  }
  Result<std::vector<Tenant>> list_tenants() override {
    return guarded(map_, "list tenants", [&]() -> Result<std::vector<Tenant>> {
      return select_tenants("WHERE id > :id", 0LL);
    });
  }
  Status update_tenant(const Tenant& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "update tenant", [&]() -> Status {
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
    return guarded(map_, "insert resource", [&]() -> Result<ResourceId> {
      ResourceColumns c(x);
      long long id = 0;
      sql_ << "INSERT INTO resources (tenant_id, name, zone, capacity, slot_step, min_notice, "
              "max_horizon, buffer_before, buffer_after, min_duration, max_duration, "
              "daily_limit, schedule_id, metadata, created_at, archived_at, version) VALUES "
              "(:t, :n, :z, :cap, :step, :notice, :horizon, :bb, :ba, :mind, :maxd, :dl, :s, "
              ":m, :c, :a, :v) RETURNING id",
          use(c.tenant), use(x.name), use(x.zone), use(c.capacity), use(c.step), use(c.notice),
          use(c.horizon), use(c.before), use(c.after), use(c.min_d), use(c.max_d),
          use(c.daily), use(c.schedule.value, c.schedule.ind), use(x.metadata_json),
          use(c.created), use(c.archived.value, c.archived.ind), use(c.version), into(id);
      return static_cast<ResourceId>(id);
    });
  }
  Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) override {
    return guarded(map_, "find resource", [&]() -> Result<std::optional<Resource>> {
      auto rows = select_resources("WHERE tenant_id = :t AND id = :id", tenant, id);
      if (rows.empty()) return std::optional<Resource>();
      return std::optional<Resource>(std::move(rows.front()));
    });
  }
  Result<std::vector<Resource>> list_resources(TenantId tenant) override {
    return guarded(map_, "list resources", [&]() -> Result<std::vector<Resource>> {
      return select_resources("WHERE tenant_id = :t AND id > :id", tenant, 0);
    });
  }
  Status update_resource(const Resource& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "update resource", [&]() -> Status {
      ResourceColumns c(x);
      long long id = x.id;
      soci::statement st =
          (sql_.prepare << "UPDATE resources SET name = :n, zone = :z, capacity = :cap, "
                           "slot_step = :step, min_notice = :notice, max_horizon = :horizon, "
                           "buffer_before = :bb, buffer_after = :ba, min_duration = :mind, "
                           "max_duration = :maxd, daily_limit = :dl, schedule_id = :s, "
                           "metadata = :m, archived_at = :a, version = :v WHERE id = :id",
           use(x.name), use(x.zone), use(c.capacity), use(c.step), use(c.notice),
           use(c.horizon), use(c.before), use(c.after), use(c.min_d), use(c.max_d),
           use(c.daily), use(c.schedule.value, c.schedule.ind), use(x.metadata_json),
           use(c.archived.value, c.archived.ind), use(c.version), use(id));
      st.execute(true);
      return expect_one(st, "resource", x.id);
    });
  }

  // Schedules
  Result<ScheduleId> insert_schedule(const Schedule& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "insert schedule", [&]() -> Result<ScheduleId> {
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
    return guarded(map_, "find schedule", [&]() -> Result<std::optional<Schedule>> {
      BOKA_ASSIGN_OR_RETURN(auto rows, select_schedules("AND id = :id", tenant, id));
      if (rows.empty()) return std::optional<Schedule>();
      return std::optional<Schedule>(std::move(rows.front()));
    });
  }
  Result<std::vector<Schedule>> list_schedules(TenantId tenant) override {
    return guarded(map_, "list schedules", [&]() -> Result<std::vector<Schedule>> {
      return select_schedules("AND id > :id", tenant, 0);
    });
  }
  Status update_schedule(const Schedule& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "update schedule", [&]() -> Status {
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
    return guarded(map_, "insert pool", [&]() -> Result<PoolId> {
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
    return guarded(map_, "find pool", [&]() -> Result<std::optional<Pool>> {
      auto rows = select_pools("AND id = :id", tenant, id);
      if (rows.empty()) return std::optional<Pool>();
      return std::optional<Pool>(std::move(rows.front()));
    });
  }
  Result<std::vector<Pool>> list_pools(TenantId tenant) override {
    return guarded(map_, "list pools", [&]() -> Result<std::vector<Pool>> {
      return select_pools("AND id > :id", tenant, 0);
    });
  }
  Status update_pool(const Pool& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "update pool", [&]() -> Status {
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
    return guarded(map_, "insert reservation", [&]() -> Result<ReservationId> {
      ReservationColumns c(x);
      long long id = 0;
      sql_ << "INSERT INTO reservations (tenant_id, status, start_at, end_at, hold_expires_at, "
              "idempotency_key, customer, metadata, created_at, updated_at, version) VALUES "
              "(:t, :s, :b, :e, :h, :k, :c, :m, :ca, :ua, :v) RETURNING id",
          use(c.tenant), use(c.status), use(c.start), use(c.end), use(c.hold.value, c.hold.ind),
          use(x.idempotency_key), use(x.customer), use(x.metadata_json), use(c.created),
          use(c.updated), use(c.version), into(id);
      write_allocations(id, x.tenant, x.allocations);
      return static_cast<ReservationId>(id);
    });
  }
  Status update_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "update reservation", [&]() -> Status {
      ReservationColumns c(x);
      long long id = x.id;
      soci::statement st =
          (sql_.prepare << "UPDATE reservations SET status = :s, start_at = :b, end_at = :e, "
                           "hold_expires_at = :h, customer = :c, metadata = :m, "
                           "updated_at = :ua, version = :v WHERE id = :id",
           use(c.status), use(c.start), use(c.end), use(c.hold.value, c.hold.ind),
           use(x.customer), use(x.metadata_json), use(c.updated), use(c.version), use(id));
      st.execute(true);
      BOKA_RETURN_IF_ERROR(expect_one(st, "reservation", x.id));
      sql_ << "DELETE FROM allocations WHERE reservation_id = :id", use(id);
      write_allocations(id, x.tenant, x.allocations);
      return Status::Ok();
    });
  }
  Result<std::optional<Reservation>> find_reservation(TenantId tenant,
                                                      ReservationId id) override {
    return guarded(map_, "find reservation", [&]() -> Result<std::optional<Reservation>> {
      ReservationFilter f;
      f.after_id = id - 1;
      f.limit = 1;
      auto rows = select_reservations(tenant, f, id);
      if (rows.empty()) return std::optional<Reservation>();
      return std::optional<Reservation>(std::move(rows.front()));
    });
  }
  Result<std::vector<Reservation>> list_reservations(TenantId tenant,
                                                     const ReservationFilter& f) override {
    return guarded(map_, "list reservations", [&]() -> Result<std::vector<Reservation>> {
      return select_reservations(tenant, f, 0);
    });
  }
  Result<std::vector<Booking>> active_bookings(ResourceId resource) override {
    return guarded(map_, "read bookings", [&]() -> Result<std::vector<Booking>> {
      long long rid = resource, id = 0, start = 0, end = 0;
      int quantity = 0, status = 0;
      NullableInt hold;
      std::vector<Booking> out;
      soci::statement st =
          (sql_.prepare << "SELECT r.id, r.start_at, r.end_at, a.quantity, r.status, "
                           "r.hold_expires_at FROM allocations a JOIN reservations r ON "
                           "r.id = a.reservation_id WHERE a.resource_id = :r AND r.status IN "
                           "(0, 1)",
           use(rid), into(id), into(start), into(end), into(quantity), into(status),
           into(hold.value, hold.ind));
      st.execute();
      while (st.fetch()) {
        out.push_back(Booking{id, from_unix(start), from_unix(end), quantity,
                              static_cast<ReservationStatus>(status), hold.instant()});
      }
      return out;
    });
  }
  Result<std::vector<Reservation>> expired_holds(Instant now, int limit) override {
    return guarded(map_, "read expired holds", [&]() -> Result<std::vector<Reservation>> {
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
        ReservationFilter f;
        f.after_id = rid - 1;
        f.limit = 1;
        auto rows = select_reservations(tn, f, rid);
        if (!rows.empty()) out.push_back(std::move(rows.front()));
      }
      return out;
    });
  }

  Status insert_idempotency(TenantId tenant, const IdempotencyRecord& rec) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return guarded(map_, "insert idempotency key", [&]() -> Status {
      long long t = tenant, rid = rec.reservation;
      sql_ << "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, reservation_id) "
              "VALUES (:t, :k, :f, :r)",
          use(t), use(rec.key), use(rec.request_fingerprint), use(rid);
      return Status::Ok();
    });
  }
  Result<std::optional<IdempotencyRecord>> find_idempotency(TenantId tenant,
                                                            std::string_view key) override {
    return guarded(map_, "find idempotency key", [&]() -> Result<std::optional<IdempotencyRecord>> {
      long long t = tenant, rid = 0;
      std::string k(key), fingerprint;
      sql_ << "SELECT fingerprint, reservation_id FROM idempotency_keys WHERE tenant_id = :t "
              "AND key = :k",
          use(t), use(k), into(fingerprint), into(rid);
      if (!sql_.got_data()) return std::optional<IdempotencyRecord>();
      return std::optional<IdempotencyRecord>(IdempotencyRecord{k, fingerprint, rid});
    });
  }

 private:
  struct ResourceColumns {
    long long tenant, step, notice, horizon, before, after, min_d, max_d, created, version;
    int capacity, daily;
    NullableInt schedule, archived;
    explicit ResourceColumns(const Resource& x)
        : tenant(x.tenant),
          step(x.policy.slot_step.count()),
          notice(x.policy.min_notice.count()),
          horizon(x.policy.max_horizon.count()),
          before(x.policy.buffer_before.count()),
          after(x.policy.buffer_after.count()),
          min_d(x.policy.min_duration.count()),
          max_d(x.policy.max_duration.count()),
          created(to_unix(x.created_at)),
          version(x.version),
          capacity(x.capacity),
          daily(x.policy.daily_limit),
          schedule(x.schedule),
          archived(x.archived_at) {}
  };

  struct ReservationColumns {
    long long tenant, start, end, created, updated, version;
    int status;
    NullableInt hold;
    explicit ReservationColumns(const Reservation& x)
        : tenant(x.tenant),
          start(to_unix(x.start)),
          end(to_unix(x.end)),
          created(to_unix(x.created_at)),
          updated(to_unix(x.updated_at)),
          version(x.version),
          status(status_code(x.status)),
          hold(x.hold_expires_at) {}
  };

  Status check_writable() const {
    return writable_ ? Status::Ok() : InternalError("write attempted in a read transaction");
  }

  static Status expect_one(soci::statement& st, const char* kind, std::int64_t id) {
    if (st.get_affected_rows() != 1) {
      return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  }

  std::vector<Tenant> select_tenants(const char* where, long long key) {
    Tenant t;
    long long id = 0, created = 0, version = 0;
    NullableInt archived;
    std::vector<Tenant> out;
    soci::statement st = (sql_.prepare << std::string("SELECT id, name, created_at, archived_at, "
                                                      "version FROM tenants ") +
                                              where + " ORDER BY id",
                          use(key), into(id), into(t.name), into(created),
                          into(archived.value, archived.ind), into(version));
    st.execute();
    while (st.fetch()) {
      t.id = id;
      t.created_at = from_unix(created);
      t.archived_at = archived.instant();
      t.version = version;
      out.push_back(t);
    }
    return out;
  }

  std::vector<Resource> select_resources(const char* where, long long tenant, long long key) {
    Resource r;
    long long id = 0, tn = 0, step = 0, notice = 0, horizon = 0, before = 0, after = 0,
              min_d = 0, max_d = 0, created = 0, version = 0;
    int capacity = 0, daily = 0;
    NullableInt schedule, archived;
    std::vector<Resource> out;
    soci::statement st =
        (sql_.prepare << std::string(
                             "SELECT id, tenant_id, name, zone, capacity, slot_step, min_notice, "
                             "max_horizon, buffer_before, buffer_after, min_duration, "
                             "max_duration, daily_limit, schedule_id, metadata, created_at, "
                             "archived_at, version FROM resources ") +
                             where + " ORDER BY id",
         use(tenant), use(key), into(id), into(tn), into(r.name), into(r.zone), into(capacity),
         into(step), into(notice), into(horizon), into(before), into(after), into(min_d),
         into(max_d), into(daily), into(schedule.value, schedule.ind), into(r.metadata_json),
         into(created), into(archived.value, archived.ind), into(version));
    st.execute();
    while (st.fetch()) {
      r.id = id;
      r.tenant = tn;
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
      r.created_at = from_unix(created);
      r.archived_at = archived.instant();
      r.version = version;
      out.push_back(r);
    }
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
    long long resource = 0;
    int quantity = 0;
    NullableInt pool;
    soci::statement st = (sql_.prepare << "INSERT INTO allocations (reservation_id, tenant_id, "
                                          "resource_id, quantity, pool_id) VALUES "
                                          "(:r, :t, :s, :q, :p)",
                          use(reservation), use(tenant), use(resource), use(quantity),
                          use(pool.value, pool.ind));
    for (const Allocation& a : allocations) {
      resource = a.resource;
      quantity = a.quantity;
      pool = NullableInt(a.pool ? std::optional<std::int64_t>(*a.pool) : std::nullopt);
      st.execute(true);
    }
  }

  // Reservations matching `f` in `tenant` (exactly `only_id` when non-zero), with their
  // allocations, ordered by id.
  std::vector<Reservation> select_reservations(TenantId tenant, const ReservationFilter& f,
                                               ReservationId only_id) {
    std::string sql =
        "SELECT r.id, r.status, r.start_at, r.end_at, r.hold_expires_at, r.idempotency_key, "
        "r.customer, r.metadata, r.created_at, r.updated_at, r.version FROM reservations r "
        "WHERE r.tenant_id = :t AND r.id > :after";
    // Every bound value lives here so it outlives the statement.
    long long tn = tenant, after = f.after_id, only = only_id, resource = f.resource.value_or(0),
              from = f.from ? to_unix(*f.from) : 0, to = f.to ? to_unix(*f.to) : 0,
              limit = f.limit;
    std::string customer = f.customer.value_or("");
    if (only_id != 0) sql += " AND r.id = :only";
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
    if (f.customer) sql += " AND r.customer = :cust";
    sql += " ORDER BY r.id LIMIT :lim";

    Reservation r;
    long long id = 0, start = 0, end = 0, created = 0, updated = 0, version = 0;
    int status = 0;
    NullableInt hold;
    soci::statement st(sql_);
    st.exchange(use(tn));
    st.exchange(use(after));
    if (only_id != 0) st.exchange(use(only));
    if (f.resource) st.exchange(use(resource));
    if (f.from) st.exchange(use(from));
    if (f.to) st.exchange(use(to));
    if (f.customer) st.exchange(use(customer));
    st.exchange(use(limit));
    st.exchange(into(id));
    st.exchange(into(status));
    st.exchange(into(start));
    st.exchange(into(end));
    st.exchange(into(hold.value, hold.ind));
    st.exchange(into(r.idempotency_key));
    st.exchange(into(r.customer));
    st.exchange(into(r.metadata_json));
    st.exchange(into(created));
    st.exchange(into(updated));
    st.exchange(into(version));
    st.alloc();
    st.prepare(sql);
    st.define_and_bind();
    st.execute();
    std::vector<Reservation> out;
    std::map<ReservationId, std::size_t> position;
    while (st.fetch()) {
      r.id = id;
      r.tenant = tenant;
      r.status = static_cast<ReservationStatus>(status);
      r.start = from_unix(start);
      r.end = from_unix(end);
      r.hold_expires_at = hold.instant();
      r.created_at = from_unix(created);
      r.updated_at = from_unix(updated);
      r.version = version;
      position[r.id] = out.size();
      out.push_back(r);
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

  soci::session& sql_;
  bool writable_;
  SqlErrorMapper map_;
};

}  // namespace

std::unique_ptr<StorageTransaction> make_sql_transaction(soci::session& sql, bool writable,
                                                         SqlErrorMapper map) {
  return std::make_unique<SqlTransaction>(sql, writable, map);
}

}  // namespace boka::detail
