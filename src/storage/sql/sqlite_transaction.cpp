// SQLite's row access: the shared statements (SqlTransaction), with the reservation path's
// statements on the raw handle (SqliteCall; docs/architecture.md, "SQL statements").
#include "storage/sql/sqlite_transaction.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/sql/sql_audit.hpp"
#include "storage/sql/sql_statements.hpp"
#include "storage/sql/sql_transaction.hpp"

namespace boka::detail {

void sqlite_execute(SqlConnection& connection, const char* sql) {
  SqliteCall(*connection.prepared, sql).finish();
}

namespace {

// SQLite has no row locks and needs none: its writer holds the whole database (BEGIN
// IMMEDIATE, one leader per process: sqlite_storage.cpp), which also covers every named
// lock of a WriteIntent, so lock_names need nothing here.
class SqliteTransaction final : public SqlTransaction {
 public:
  SqliteTransaction(SqlConnection& connection, bool writable, SqlErrorMapper map,
                    TransactionMemo* memo)
      : SqlTransaction(connection, writable, map), memo_(memo) {}

  TransactionMemo* memo() override { return memo_; }

  Result<std::optional<Tenant>> find_tenant(TenantId id) override {
    return run("find tenant", [&]() -> Result<std::optional<Tenant>> {
      SqliteCall q(p_, sql::find_tenant());
      q.bind(static_cast<long long>(id));
      if (!q.step()) return std::optional<Tenant>();
      std::optional<Tenant> out = TenantRow::read(q).to();
      q.finish();
      return out;
    });
  }

  Result<std::optional<Resource>> find_resource(TenantId tenant, ResourceId id) override {
    return run("find resource", [&]() -> Result<std::optional<Resource>> {
      SqliteCall q(p_, sql::find_resource());
      q.bind(static_cast<long long>(tenant)).bind(static_cast<long long>(id));
      if (!q.step()) return std::optional<Resource>();
      std::optional<Resource> out = ResourceRow::read(q).to();
      q.finish();
      return out;
    });
  }

  Status update_resource(const Resource& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("update resource", [&]() -> Status {
      ResourceRow c;
      c.from(x);
      SqliteCall q(p_, sql::kUpdateResource);
      q.bind(c.name)
          .bind(c.zone)
          .bind(static_cast<long long>(c.capacity))
          .bind(c.step)
          .bind(c.notice)
          .bind(c.horizon)
          .bind(c.before)
          .bind(c.after)
          .bind(c.min_d)
          .bind(c.max_d)
          .bind(static_cast<long long>(c.daily))
          .bind(c.schedule)
          .bind(c.metadata)
          .bind(c.archived)
          .bind(c.rules.cancel_cutoff)
          .bind(c.rules.reschedule_cutoff)
          .bind(static_cast<long long>(c.rules.max_active))
          .bind(static_cast<long long>(c.rules.max_per_day))
          .bind(c.version)
          .bind(c.id);
      q.finish();
      return affected_one(q.changes(), "resource", x.id);
    });
  }

  Result<ReservationId> insert_reservation(const Reservation& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert reservation", [&]() -> Result<ReservationId> {
      ReservationRow c;
      c.from(x);
      long long id = 0;
      {
        SqliteCall q(p_, sql::kInsertReservation);
        q.bind(c.tenant)
            .bind(static_cast<long long>(c.status))
            .bind(c.start)
            .bind(c.end)
            .bind(c.hold)
            .bind(c.key)
            .bind(c.customer)
            .bind(c.metadata)
            .bind(c.created)
            .bind(c.updated)
            .bind(c.version)
            .bind(c.series)
            .bind(c.occurrence_date)
            .bind(c.customer_id)
            .bind(c.notes)
            .bind(c.service)
            .bind(c.price)
            .bind(c.currency)
            .bind(c.buffer_before)
            .bind(c.buffer_after)
            .bind(static_cast<long long>(c.payment_status))
            .bind(c.payment_reference);
        if (!q.step()) throw soci::soci_error("insert reservation returned no id");
        id = q.integer(0);
        q.finish();
      }
      for (const Allocation& a : x.allocations) {
        SqliteCall q(p_, sql::kInsertAllocation);
        q.bind(id)
            .bind(static_cast<long long>(x.tenant))
            .bind(static_cast<long long>(a.resource))
            .bind(static_cast<long long>(a.quantity))
            .bind(NullableInt(a.pool ? std::optional<std::int64_t>(*a.pool) : std::nullopt));
        q.finish();
      }
      return static_cast<ReservationId>(id);
    });
  }

  // A chain's head is its highest seq. The write transaction holds the whole database: the
  // head cannot move under us.
  Result<AuditHead> lock_audit_head(TenantId tenant) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("lock audit chain", [&]() -> Result<AuditHead> {
      SqliteCall q(p_, sql::kAuditHead);
      q.bind(static_cast<long long>(tenant));
      AuditHead head{tenant, 0, ""};
      if (q.step()) head = AuditHead{tenant, q.integer(0), q.text(1)};
      q.finish();
      return head;
    });
  }

  Status append_audit(AuditRecord r) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("append audit record", [&]() -> Status {
      SqliteCall q(p_, sql::kInsertAudit);
      q.bind(static_cast<long long>(r.tenant))
          .bind(static_cast<long long>(r.seq))
          .bind(static_cast<long long>(to_unix(r.at)))
          .bind(r.actor)
          .bind(r.action)
          .bind(r.target)
          .bind(static_cast<long long>(static_cast<int>(r.outcome)))
          .bind(r.reason)
          .bind(r.source)
          .bind(r.detail_json)
          .bind(r.prev_hash)
          .bind(r.hash);
      q.finish();
      return Status::Ok();
    });
  }

  // Every change writes its event: on the raw handle like the reservation path's rows.
  Status insert_event(const Event& x) override {
    BOKA_RETURN_IF_ERROR(check_writable());
    return run("insert event", [&]() -> Status {
      SqliteCall q(p_, sql::kInsertEvent);
      NullableInt customer;
      if (x.customer_id) {
        customer.value = static_cast<long long>(*x.customer_id);
        customer.ind = soci::i_ok;
      }
      q.bind(static_cast<long long>(x.tenant))
          .bind(x.type)
          .bind(x.subject)
          .bind(static_cast<long long>(to_unix(x.occurred_at)))
          .bind(x.actor)
          .bind(x.source)
          .bind(customer)
          .bind(x.payload_json);
      q.finish();
      return Status::Ok();
    });
  }

  Result<std::vector<TableStats>> table_stats() override {
    return run("table statistics", [&]() -> Result<std::vector<TableStats>> {
      return sql_audit::table_stats(sql_, /*postgresql=*/false);
    });
  }

 protected:
  // SQLite's lower() folds ASCII letters only, unless SQLite was built with ICU
  // (SQLITE_ENABLE_ICU), which Debian's libsqlite3 is not.
  std::string ascii_lower(const char* column) const override {
    return std::string("lower(") + column + ")";
  }

 private:
  TransactionMemo* memo_;  // the store's, for this transaction; null for reads
};

}  // namespace

std::unique_ptr<StorageTransaction> make_sqlite_transaction(SqlConnection& connection,
                                                            bool writable, SqlErrorMapper map,
                                                            TransactionMemo* memo) {
  return std::make_unique<SqliteTransaction>(connection, writable, map, memo);
}

}  // namespace boka::detail
