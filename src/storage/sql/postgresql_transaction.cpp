// PostgreSQL's row access: the shared statements (SqlTransaction), the hot path's as
// prepared SOCI statements, and a reservation write's as pipelines (PgWriteBatch).
#include "storage/sql/postgresql_transaction.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "storage/sql/sql_audit.hpp"
#include "storage/sql/sql_statements.hpp"
#include "storage/sql/sql_transaction.hpp"

namespace boka::detail {
namespace {

using soci::into;
using soci::use;

// Pipeline parameters are text.
std::string text_of(long long v) { return std::to_string(v); }
std::optional<std::string> text_of(const NullableInt& v) {
  return v.ind == soci::i_ok ? std::optional<std::string>(std::to_string(v.value)) : std::nullopt;
}

std::string id_array(const std::vector<ResourceId>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

// One key space per purpose: boka's tag in the high bits, the tenant below.
long long chain_lock_key(TenantId tenant) {
  return static_cast<long long>((0x626F6B61ULL << 32) ^ static_cast<unsigned long long>(tenant));
}

void add_chain_lock(std::vector<PgCall>& calls, TenantId tenant) {
  calls.push_back({sql::kLockAuditChain, {text_of(chain_lock_key(tenant))}});
  calls.push_back({sql::kAuditHead, {text_of(tenant)}});
}

AuditHead chain_head_of(const PgRows& res, TenantId tenant) {
  if (res.rows.empty()) return AuditHead{tenant, 0, ""};
  return AuditHead{tenant, cell_integer(res, 0, 0), cell_text(res, 0, 1)};
}

// A write begun by pg_begin_write serves its tenant and locked resources from the batch and
// queues the writes PgWriteBatch describes; any other transaction runs statement by
// statement.
class PgTransaction final : public SqlTransaction {
 public:
  PgTransaction(SqlConnection& connection, bool writable, SqlErrorMapper map, PgWriteBatch* batch)
      : SqlTransaction(connection, writable, map), batch_(writable ? batch : nullptr) {}

  Result<std::optional<Tenant>> find_tenant(TenantId id) override {
    if (batch_ && batch_->tenant_row && batch_->tenant_row->id == id) {
      return std::optional<Tenant>(*batch_->tenant_row);
    }
    return run("find tenant", [&]() -> Result<std::optional<Tenant>> {
      auto& q = p_.find_tenant;
      auto& st = p_.get_positional(q, sql::find_tenant(), [](Prep& p, auto& b) {
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

  Status update_tenant(const Tenant& x) override {
    if (batch_) batch_->tenant_row.reset();
    return SqlTransaction::update_tenant(x);
  }

  Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) override {
    if (batch_) {
      auto it = batch_->resources.find(id);
      if (it != batch_->resources.end() && it->second.tenant == tenant) {
        return std::optional<Resource>(it->second);
      }
    }
    return run("find resource", [&]() -> Result<std::optional<Resource>> {
      auto& q = p_.find_resource;
      auto& st = p_.get_positional(q, sql::find_resource(), [](Prep& p, auto& b) {
        b.row.into_all(p);
        p, use(b.tenant), use(b.id);
      });
      q.b.tenant = tenant;
      q.b.id = id;
      st.execute(true);
      std::optional<Resource> out;
      if (st.got_data()) out = q.b.row.to();
      drain(st);
      return out;
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
        batch_->deferred.push_back({sql::kUpdateResource,
                                    {c.name,
                                     c.zone,
                                     text_of(c.capacity),
                                     text_of(c.step),
                                     text_of(c.notice),
                                     text_of(c.horizon),
                                     text_of(c.before),
                                     text_of(c.after),
                                     text_of(c.min_d),
                                     text_of(c.max_d),
                                     text_of(c.daily),
                                     text_of(c.schedule),
                                     c.metadata,
                                     text_of(c.archived),
                                     text_of(c.rules.cancel_cutoff),
                                     text_of(c.rules.reschedule_cutoff),
                                     text_of(c.rules.max_active),
                                     text_of(c.rules.max_per_day),
                                     text_of(c.version),
                                     text_of(c.id)}});
        it->second = x;
        return Status::Ok();
      }
    }
    return run("update resource", [&]() -> Status {
      auto& q = p_.update_resource;
      auto& st = p_.get_positional(q, sql::kUpdateResource, [](Prep& p, ResourceRow& c) {
        p, use(c.name), use(c.zone), use(c.capacity), use(c.step), use(c.notice), use(c.horizon),
            use(c.before), use(c.after), use(c.min_d), use(c.max_d), use(c.daily),
            use(c.schedule.value, c.schedule.ind), use(c.metadata),
            use(c.archived.value, c.archived.ind), use(c.rules.cancel_cutoff),
            use(c.rules.reschedule_cutoff), use(c.rules.max_active), use(c.rules.max_per_day),
            use(c.version), use(c.id);
      });
      q.b.from(x);
      st.execute(true);
      return expect_one(st, "resource", x.id);
    });
  }

  Result<ReservationId> insert_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_) {
      // One round trip: the queued writes and the reservation (its id is needed). Its audit
      // record goes with the writes queued for COMMIT, unsealed: no chain lock is taken.
      return guarded(map_, "insert reservation", [&]() -> Result<ReservationId> {
        ReservationRow c;
        c.from(x);
        std::vector<PgCall> calls = std::move(batch_->deferred);
        batch_->deferred.clear();
        const std::size_t at = calls.size();
        calls.push_back({sql::kInsertReservation,
                         {text_of(c.tenant),
                          text_of(c.status),
                          text_of(c.start),
                          text_of(c.end),
                          text_of(c.hold),
                          c.key,
                          c.customer,
                          c.metadata,
                          text_of(c.created),
                          text_of(c.updated),
                          text_of(c.version),
                          text_of(c.series),
                          text_of(c.occurrence_date),
                          text_of(c.customer_id),
                          c.notes,
                          text_of(c.service),
                          text_of(c.price),
                          c.currency,
                          text_of(c.buffer_before),
                          text_of(c.buffer_after),
                          text_of(c.payment_status),
                          c.payment_reference}});
        std::vector<PgRows> res = batch_->run(connection_, calls);
        if (res[at].rows.size() != 1) throw soci::soci_error("insert reservation returned no id");
        const long long id = cell_integer(res[at], 0, 0);
        for (const Allocation& a : x.allocations) {
          batch_->deferred.push_back(
              {sql::kInsertAllocation,
               {text_of(id), text_of(x.tenant), text_of(a.resource), text_of(a.quantity),
                a.pool ? std::optional<std::string>(std::to_string(*a.pool)) : std::nullopt}});
        }
        return static_cast<ReservationId>(id);
      });
    }
    return run("insert reservation", [&]() -> Result<ReservationId> {
      auto& q = p_.insert_reservation;
      auto& st = p_.get_positional(q, sql::kInsertReservation, [](Prep& p, auto& b) {
        ReservationRow& c = b.row;
        p, use(c.tenant), use(c.status), use(c.start), use(c.end), use(c.hold.value, c.hold.ind),
            use(c.key), use(c.customer), use(c.metadata), use(c.created), use(c.updated),
            use(c.version), use(c.series.value, c.series.ind),
            use(c.occurrence_date.value, c.occurrence_date.ind),
            use(c.customer_id.value, c.customer_id.ind), use(c.notes),
            use(c.service.value, c.service.ind), use(c.price.value, c.price.ind), use(c.currency),
            use(c.buffer_before), use(c.buffer_after), use(c.payment_status),
            use(c.payment_reference), into(b.new_id);
      });
      q.b.row.from(x);
      st.execute(true);
      const long long id = q.b.new_id;
      drain(st);
      write_allocations(id, x.tenant, x.allocations);
      return static_cast<ReservationId>(id);
    });
  }

  // A chain's head is its highest seq. A transaction-level advisory lock per tenant
  // serializes the appends to one chain (taken last, after the resource locks, and held to
  // commit).
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
    return run("lock audit chain", [&]() -> Result<AuditHead> {
      auto& l = p_.lock_audit_chain;
      auto& lst =
          p_.get_positional(l, sql::kLockAuditChain, [](Prep& p, auto& b) { p, use(b.key); });
      l.b.key = chain_lock_key(tenant);
      lst.execute(true);
      auto& q = p_.audit_head;
      auto& st = p_.get_positional(q, sql::kAuditHead, [](Prep& p, auto& b) {
        p, use(b.tenant), into(b.seq), into(b.hash);
      });
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
          {sql::kInsertAudit,
           {text_of(r.tenant), text_of(r.seq), text_of(to_unix(r.at)), r.actor, r.action, r.target,
            text_of(static_cast<int>(r.outcome)), r.reason, r.source, r.detail_json, r.prev_hash,
            r.hash}});
      batch_->audit_head = AuditHead{r.tenant, r.seq, r.hash};
      return Status::Ok();
    }
    return run("append audit record", [&]() -> Status {
      auto& q = p_.insert_audit;
      auto& st = p_.get_positional(q, sql::kInsertAudit, [](Prep& p, auto& b) {
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

  // Unsealed records (docs/architecture.md, "Audit sealing"): a change's goes with the
  // writes queued for COMMIT when the transaction is batched.
  Status append_unsealed_audit(AuditRecord r) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (batch_) {
      batch_->deferred.push_back(
          {sql::kInsertUnsealedAudit,
           {text_of(r.tenant), text_of(to_unix(r.at)), r.actor, r.action, r.target,
            text_of(static_cast<int>(r.outcome)), r.reason, r.source, r.detail_json}});
      return Status::Ok();
    }
    return run("append audit record", [&]() -> Status {
      long long tenant = r.tenant, at = to_unix(r.at);
      int outcome = static_cast<int>(r.outcome);
      sql_ << sql::kInsertUnsealedAudit, use(tenant), use(at), use(r.actor), use(r.action),
          use(r.target), use(outcome), use(r.reason), use(r.source), use(r.detail_json);
      return Status::Ok();
    });
  }

  Result<std::vector<TenantId>> unsealed_audit_chains() override {
    return run("list unsealed audit chains", [&]() -> Result<std::vector<TenantId>> {
      std::vector<TenantId> out;
      long long tenant = 0;
      soci::statement st =
          (sql_.prepare << "SELECT DISTINCT tenant_id FROM audit_pending ORDER BY tenant_id",
           into(tenant));
      st.execute();
      while (st.fetch()) out.push_back(static_cast<TenantId>(tenant));
      return out;
    });
  }

  Result<std::vector<UnsealedAuditRecord>> list_unsealed_audit(TenantId tenant,
                                                               int limit) override {
    return run("list unsealed audit records", [&]() -> Result<std::vector<UnsealedAuditRecord>> {
      long long t = tenant, lim = limit, id = 0, at = 0;
      int outcome = 0;
      std::string actor, action, target, reason, source, detail;
      soci::statement st =
          (sql_.prepare << "SELECT id, at, actor, action, target, outcome, reason, source, detail "
                           "FROM audit_pending WHERE tenant_id = $1 ORDER BY id LIMIT $2",
           use(t), use(lim), into(id), into(at), into(actor), into(action), into(target),
           into(outcome), into(reason), into(source), into(detail));
      st.execute();
      std::vector<UnsealedAuditRecord> out;
      while (st.fetch()) {
        UnsealedAuditRecord u;
        u.id = id;
        u.record.tenant = tenant;
        u.record.at = from_unix(at);
        u.record.actor = actor;
        u.record.action = action;
        u.record.target = target;
        u.record.outcome = static_cast<AuditOutcome>(outcome);
        u.record.reason = reason;
        u.record.source = source;
        u.record.detail_json = detail;
        out.push_back(std::move(u));
      }
      return out;
    });
  }

  Status delete_unsealed_audit(TenantId tenant, const std::vector<std::int64_t>& ids) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (ids.empty()) return Status::Ok();
    return run("remove sealed audit records", [&]() -> Status {
      long long t = tenant;
      std::string list = "{";
      for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + std::to_string(ids[i]);
      list += "}";
      soci::statement st =
          (sql_.prepare
               << "DELETE FROM audit_pending WHERE tenant_id = $1 AND id = ANY($2::bigint[])",
           use(t), use(list));
      st.execute(true);
      if (st.get_affected_rows() != static_cast<long long>(ids.size())) {
        return StorageError("audit: unsealed records were removed outside boka");
      }
      return Status::Ok();
    });
  }

  Result<std::int64_t> count_unsealed_audit(std::optional<TenantId> tenant) override {
    return run("count unsealed audit records", [&]() -> Result<std::int64_t> {
      long long n = 0;
      if (tenant) {
        long long t = *tenant;
        sql_ << "SELECT count(*) FROM audit_pending WHERE tenant_id = $1", use(t), into(n);
      } else {
        sql_ << "SELECT count(*) FROM audit_pending", into(n);
      }
      return static_cast<std::int64_t>(n);
    });
  }

  Result<std::vector<TableStats>> table_stats() override {
    return run("table statistics", [&]() -> Result<std::vector<TableStats>> {
      return sql_audit::table_stats(sql_, /*postgresql=*/true);
    });
  }

  // A booking's event goes with the writes queued for COMMIT: nothing reads it back in the
  // transaction, and nothing about it can fail that COMMIT would not report.
  Status insert_event(const Event& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    if (!batch_) return SqlTransaction::insert_event(x);
    std::optional<std::string> customer;
    if (x.customer_id) customer = text_of(static_cast<long long>(*x.customer_id));
    batch_->deferred.push_back(
        {sql::kInsertEvent,
         {text_of(x.tenant), x.type, x.subject, text_of(to_unix(x.occurred_at)), x.actor, x.source,
          customer, x.payload_json}});
    return Status::Ok();
  }

  Result<bool> has_unpositioned_events() override {
    return run("look for unpositioned events", [&]() -> Result<bool> {
      int found = 0;
      sql_ << "SELECT CASE WHEN EXISTS (SELECT 1 FROM events WHERE position IS NULL) THEN 1 "
              "ELSE 0 END",
          into(found);
      return found == 1;
    });
  }

  // One statement: the committed unpositioned events this statement's snapshot sees, in id
  // order, numbered after the highest position given. The caller holds the positioner's
  // lock, so the highest position read here is final (docs/events.md, "Positions").
  Result<std::int64_t> position_events(int limit) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("position events", [&]() -> Result<std::int64_t> {
      long long lim = limit;
      soci::statement st =
          (sql_.prepare
               << "WITH head AS (SELECT COALESCE(MAX(position), 0) AS p FROM events), "
                  "todo AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id "
                  "FROM events WHERE position IS NULL ORDER BY id LIMIT :lim) AS waiting) "
                  "UPDATE events SET position = head.p + todo.n FROM head, todo "
                  "WHERE events.id = todo.id",
           use(lim));
      st.execute(true);
      return static_cast<std::int64_t>(st.get_affected_rows());
    });
  }

 protected:
  const char* position_column() const override { return "position"; }

  // Sends the writes queued for COMMIT, so the next statement sees them.
  Status before_statement() override {
    if (!batch_ || batch_->deferred.empty()) return Status::Ok();
    return guarded(map_, "deferred write", [&]() -> Status {
      std::vector<PgCall> calls = std::move(batch_->deferred);
      batch_->deferred.clear();
      batch_->run(connection_, calls);
      return Status::Ok();
    });
  }

  // PostgreSQL runs writes at READ COMMITTED, so without FOR UPDATE two logins could both
  // read the same failure counter or TOTP step and both write back their own.
  bool lock_rows() const override { return writable_; }

  // PostgreSQL's lower() folds by the database's locale ("Ö" to "ö" under most); under the
  // C collation it folds ASCII letters only.
  std::string ascii_lower(const char* column) const override {
    return std::string("lower(") + column + " COLLATE \"C\")";
  }

 private:
  PgWriteBatch* batch_;  // writes begun by pg_begin_write, else null
};

}  // namespace

std::unique_ptr<StorageTransaction> make_pg_transaction(SqlConnection& connection, bool writable,
                                                        SqlErrorMapper map, PgWriteBatch* batch) {
  return std::make_unique<PgTransaction>(connection, writable, map, batch);
}

std::vector<int> pg_named_lock_keys(const std::vector<std::string>& names) {
  std::vector<int> keys;
  keys.reserve(names.size());
  for (const std::string& name : names) {
    std::uint32_t hash = 2166136261u;  // FNV-1a, 32 bits
    for (unsigned char c : name) {
      hash ^= c;
      hash *= 16777619u;
    }
    keys.push_back(static_cast<int>(hash));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void pg_begin_write(SqlConnection& connection, TenantId tenant,
                    const std::vector<ResourceId>& resources, const std::vector<int>& named_locks,
                    PgWriteBatch& batch) {
  batch.tenant = tenant;
  batch.tenant_row.reset();
  batch.resources.clear();
  batch.audit_head.reset();
  batch.deferred.clear();
  const std::string ids = id_array(resources);
  std::vector<PgCall> calls;
  calls.push_back({"BEGIN", {}});
  calls.push_back({sql::kSetTenant, {text_of(tenant)}});
  calls.push_back({sql::kLockResources, {ids}});
  // After the resources, before the reads, so those see what the named locks waited for.
  for (int key : named_locks) {
    calls.push_back({sql::kLockName, {text_of(kNamedLockClass), text_of(key)}});
  }
  const std::size_t reads = calls.size();
  calls.push_back({sql::find_tenant(), {text_of(tenant)}});
  calls.push_back({sql::find_resources(), {text_of(tenant), ids}});
  std::vector<PgRows> res = batch.run(connection, calls);
  const PgRows& t = res[reads];
  if (t.rows.size() == 1) batch.tenant_row = TenantRow::read(PgRowCells{t, 0}).to();
  const PgRows& r = res[reads + 1];
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

}  // namespace boka::detail
