// The event feed's rows on both SQL dialects (boka/events.hpp, docs/events.md). The feed is
// read in position_column() order: SQLite's ids, PostgreSQL's positions (given after commit,
// postgresql_transaction.cpp).
#include <string>

#include "storage/customer_query.hpp"
#include "storage/event_query.hpp"
#include "storage/sql/sql_statements.hpp"
#include "storage/sql/sql_transaction.hpp"

namespace boka::detail {

using soci::into;
using soci::use;

namespace {

constexpr const char* kEventColumns =
    "id, tenant_id, type, subject, occurred_at, actor, source, customer_id, payload";

// One events row as read.
struct EventRow {
  long long id = 0, position = 0, tenant = 0, occurred = 0, customer = 0;
  soci::indicator customer_ind = soci::i_null, position_ind = soci::i_null;
  std::string type, subject, actor, source, payload;

  // The columns of kEventColumns, then the feed position.
  void into_all(Prep& p) {
    p, into(id), into(tenant), into(type), into(subject), into(occurred), into(actor), into(source),
        into(customer, customer_ind), into(payload), into(position, position_ind);
  }
  Event to() const {
    Event e;
    e.id = EventId(id);
    e.position = position_ind == soci::i_ok ? position : 0;
    e.tenant = TenantId(tenant);
    e.type = type;
    e.subject = subject;
    e.occurred_at = from_unix(occurred);
    e.actor = actor;
    e.source = source;
    if (customer_ind == soci::i_ok) e.customer_id = CustomerId(customer);
    e.payload_json = payload;
    return e;
  }
};

}  // namespace

Status SqlTransaction::insert_event(const Event& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert event", [&]() -> Status {
    long long tenant = x.tenant, occurred = to_unix(x.occurred_at);
    long long customer = x.customer_id ? static_cast<long long>(*x.customer_id) : 0;
    soci::indicator customer_ind = x.customer_id ? soci::i_ok : soci::i_null;
    sql_ << "INSERT INTO events (tenant_id, type, subject, occurred_at, actor, source, "
            "customer_id, payload) VALUES (:t, :ty, :s, :o, :a, :so, :c, :p)",
        use(tenant), use(x.type), use(x.subject), use(occurred), use(x.actor), use(x.source),
        use(customer, customer_ind), use(x.payload_json);
    return Status::Ok();
  });
}

Result<std::vector<Event>> SqlTransaction::list_events(TenantId tenant, const EventQuery& q) {
  return run("list events", [&]() -> Result<std::vector<Event>> {
    const std::string pos = position_column();
    long long t = tenant, after = q.after, limit = q.limit;
    std::string sql = std::string("SELECT ") + kEventColumns + ", " + pos +
                      " FROM events WHERE tenant_id = :t AND " + pos + " > :after";
    if (!q.subject.empty()) sql += " AND subject = :s";
    // event_type_matches as SQL: exact names, and "family.*" as a LIKE prefix.
    std::vector<std::string> patterns;
    if (!q.types.empty()) {
      sql += " AND (";
      for (std::size_t i = 0; i < q.types.size(); ++i) {
        const std::string_view family = event_type_family(q.types[i]);
        if (i > 0) sql += " OR ";
        if (family.empty()) {
          sql += "type = :ty" + std::to_string(i);
          patterns.push_back(q.types[i]);
        } else {
          sql += "type LIKE :ty" + std::to_string(i) + " ESCAPE '" + kLikeEscape + "'";
          patterns.push_back(like_literal(family) + "%");
        }
      }
      sql += ")";
    }
    sql += " ORDER BY " + pos + " LIMIT :lim";
    EventRow row;
    Prep p = (sql_.prepare << sql);
    row.into_all(p);
    p, use(t), use(after);
    if (!q.subject.empty()) p, use(q.subject);
    for (const std::string& pattern : patterns) p, use(pattern);
    p, use(limit);
    soci::statement st(p);
    st.execute();
    std::vector<Event> out;
    while (st.fetch()) out.push_back(row.to());
    return out;
  });
}

Result<std::optional<Event>> SqlTransaction::find_event(TenantId tenant, EventId id) {
  return run("find event", [&]() -> Result<std::optional<Event>> {
    long long t = tenant, i = id;
    EventRow row;
    Prep p = (sql_.prepare << std::string("SELECT ") + kEventColumns + ", " + position_column() +
                                  " FROM events WHERE tenant_id = :t AND id = :id");
    row.into_all(p);
    p, use(t), use(i);
    soci::statement st(p);
    st.execute(true);
    std::optional<Event> out;
    if (st.got_data()) out = row.to();
    drain(st);
    return out;
  });
}

Result<std::int64_t> SqlTransaction::event_head(TenantId tenant) {
  return run("read the event feed's head", [&]() -> Result<std::int64_t> {
    long long t = tenant, head = 0;
    soci::indicator ind = soci::i_null;
    sql_ << std::string("SELECT MAX(") + position_column() + ") FROM events WHERE tenant_id = :t",
        use(t), into(head, ind);
    return ind == soci::i_ok ? std::int64_t{head} : std::int64_t{0};
  });
}

Result<std::int64_t> SqlTransaction::delete_events_before(Instant cutoff, int limit) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("prune events", [&]() -> Result<std::int64_t> {
    long long c = to_unix(cutoff), lim = limit;
    soci::statement st =
        (sql_.prepare << "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE "
                         "occurred_at < :c AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d "
                         "WHERE d.event_id = events.id AND d.status = 0) "
                         "ORDER BY occurred_at, id LIMIT :lim)",
         use(c), use(lim));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

Result<std::int64_t> SqlTransaction::redact_customer_events(TenantId tenant, CustomerId customer,
                                                            std::string_view payload_json) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("redact events", [&]() -> Result<std::int64_t> {
    long long t = tenant, c = customer;
    std::string payload(payload_json);
    soci::statement st = (sql_.prepare << "UPDATE events SET payload = :p WHERE tenant_id = :t "
                                          "AND customer_id = :c AND payload <> :p2",
                          use(payload), use(t), use(c), use(payload));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

}  // namespace boka::detail
