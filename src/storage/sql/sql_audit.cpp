#include "storage/sql/sql_audit.hpp"

namespace boka::detail::sql_audit {

using soci::into;
using soci::use;

namespace {

struct CountedTable {
  const char* name;
  int since;  // the schema version from which table_stats and manifests count it
};

// Append new tables at the end, with the schema version of the boka that first counts them.
constexpr CountedTable kCounted[] = {
    {"tenants", 0},
    {"schedules", 0},
    {"resources", 0},
    {"pools", 0},
    {"pool_members", 0},
    {"reservations", 0},
    {"allocations", 0},
    {"idempotency_keys", 0},
    {"users", 0},
    {"sessions", 0},
    {"api_keys", 0},
    {"audit_log", 0},
    {"settings", 0},
    {"series", 6},
    {"waitlist_entries", 6},
    {"waitlist_targets", 6},
    {"services", 7},
    {"customers", 7},
    {"events", 8},
    {"webhook_endpoints", 9},
    {"webhook_deliveries", 9},
    {"webhook_attempts", 9},
    {"calendar_feeds", 10},
    {"tenant_settings", 11},
    {"emails", 11},
    {"payment_events", 11},
};

}  // namespace

const std::vector<std::string>& boka_tables() {
  static const std::vector<std::string> kTables = [] {
    std::vector<std::string> out;
    for (const CountedTable& t : kCounted) out.emplace_back(t.name);
    return out;
  }();
  return kTables;
}

int counted_since(std::string_view table) {
  for (const CountedTable& t : kCounted) {
    if (table == t.name) return t.since;
  }
  return -1;
}

std::vector<AuditRecord> list_audit(soci::session& sql, const AuditQuery& q) {
  // One statement with every filter optional: unset filters bind a flag that disables
  // them, so the text (and the plan) never depends on the input.
  long long tenant = q.tenant, after = q.after_seq, limit = q.limit;
  int use_actor = q.actor ? 1 : 0, use_target = q.target ? 1 : 0, use_outcome = q.outcome ? 1 : 0;
  int use_from = q.from ? 1 : 0, use_to = q.to ? 1 : 0;
  std::string actor = q.actor.value_or(""), target = q.target.value_or("");
  int outcome = q.outcome ? static_cast<int>(*q.outcome) : 0;
  long long from = q.from ? to_unix(*q.from) : 0, to = q.to ? to_unix(*q.to) : 0;
  // An action ending in '.' is a prefix: matched as the range [prefix, prefix + 1 char).
  std::string action = q.action.value_or(""), action_end;
  int action_mode = 0;  // 0: any, 1: exact, 2: prefix
  if (q.action) {
    if (!action.empty() && action.back() == '.') {
      action_mode = 2;
      action_end = action.substr(0, action.size() - 1) + "/";  // '/' follows '.'
    } else {
      action_mode = 1;
    }
  }
  long long seq = 0, at = 0;
  int out_outcome = 0;
  std::string r_actor, r_action, r_target, reason, source, detail, prev_hash, hash;
  soci::statement st =
      (sql.prepare << "SELECT seq, at, actor, action, target, outcome, reason, source, detail, "
                      "prev_hash, hash FROM audit_log WHERE tenant_id = :t AND seq > :after "
                      "AND (:ua = 0 OR actor = :a) AND (:ut = 0 OR target = :g) "
                      "AND (:uo = 0 OR outcome = :o) AND (:uf = 0 OR at >= :f) "
                      "AND (:uu = 0 OR at < :u) AND (:m1 = 0 OR (:m2 = 1 AND action = :x1) OR "
                      "(:m3 = 2 AND action >= :x2 AND action < :x3)) ORDER BY seq LIMIT :lim",
       use(tenant), use(after), use(use_actor), use(actor), use(use_target), use(target),
       use(use_outcome), use(outcome), use(use_from), use(from), use(use_to), use(to),
       use(action_mode), use(action_mode), use(action), use(action_mode), use(action),
       use(action_end), use(limit), into(seq), into(at), into(r_actor), into(r_action),
       into(r_target), into(out_outcome), into(reason), into(source), into(detail), into(prev_hash),
       into(hash));
  st.execute();
  std::vector<AuditRecord> out;
  while (st.fetch()) {
    AuditRecord r;
    r.tenant = q.tenant;
    r.seq = seq;
    r.at = from_unix(at);
    r.actor = r_actor;
    r.action = r_action;
    r.target = r_target;
    r.outcome = static_cast<AuditOutcome>(out_outcome);
    r.reason = reason;
    r.source = source;
    r.detail_json = detail;
    r.prev_hash = prev_hash;
    r.hash = hash;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AuditHead> audit_heads(soci::session& sql) {
  long long tenant = 0, seq = 0;
  std::string hash;
  soci::statement st = (sql.prepare << kAuditHeadsSql, into(tenant), into(seq), into(hash));
  st.execute();
  std::vector<AuditHead> out;
  while (st.fetch()) out.push_back(AuditHead{TenantId{tenant}, seq, hash});
  return out;
}

std::vector<TableStats> table_stats(soci::session& sql, bool postgresql) {
  std::vector<TableStats> out;
  for (const std::string& table : boka_tables()) {
    TableStats t;
    t.table = table;
    long long rows = 0, bytes = 0;
    sql << "SELECT COUNT(*) FROM " + table, into(rows);
    if (postgresql) {
      std::string name = table;
      sql << "SELECT pg_total_relation_size(CAST(:n AS regclass))", use(name), into(bytes);
    } else {
      // dbstat counts the table's pages and those of its indexes.
      std::string name = table;
      soci::indicator ind = soci::i_null;
      sql << "SELECT SUM(pgsize) FROM dbstat WHERE name = :n OR name IN "
             "(SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = :n2)",
          use(name), use(name), into(bytes, ind);
      if (ind != soci::i_ok) bytes = 0;
    }
    t.rows = rows;
    t.bytes = bytes;
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<std::string> get_setting(soci::session& sql, std::string_view name) {
  std::string key(name), value;
  soci::indicator ind = soci::i_null;
  sql << "SELECT value FROM settings WHERE name = :n", use(key), into(value, ind);
  if (!sql.got_data() || ind != soci::i_ok) return std::nullopt;
  return value;
}

void put_setting(soci::session& sql, std::string_view name, std::string_view value) {
  std::string key(name), v(value);
  sql << "INSERT INTO settings (name, value) VALUES (:n, :v) "
         "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      use(key), use(v);
}

}  // namespace boka::detail::sql_audit
