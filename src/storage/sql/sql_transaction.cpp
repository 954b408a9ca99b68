#include "storage/sql/sql_transaction.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "storage/codec.hpp"
#include "storage/customer_query.hpp"
#include "storage/sql/sql_audit.hpp"
#include "storage/sql/sql_auth.hpp"
#include "storage/sql/sql_statements.hpp"

namespace boka::detail {

using soci::into;
using soci::use;

namespace {

// The waitlist statements spell these status codes inline.
static_assert(static_cast<int>(WaitlistStatus::waiting) == 0 &&
              static_cast<int>(WaitlistStatus::offered) == 1 &&
              static_cast<int>(WaitlistStatus::accepted) == 2);

// Queue order: priority descending, then joined_at, then id (the waitlist_queue index).
constexpr const char* kWaitlistQueueOrder = " ORDER BY priority DESC, joined_at, id";

// One waitlist_targets row for each distinct resource ('r') and pool ('p') `allocations`
// name.
void write_waitlist_targets(soci::session& sql, long long entry, long long tenant,
                            const std::vector<AllocationRequest>& allocations) {
  std::set<std::pair<char, long long>> targets;
  for (const AllocationRequest& a : allocations) {
    if (a.resource) targets.emplace('r', *a.resource);
    if (a.pool) targets.emplace('p', *a.pool);
  }
  if (targets.empty()) return;
  std::string kind;
  long long target = 0;
  soci::statement st = (sql.prepare << "INSERT INTO waitlist_targets (tenant_id, entry_id, kind, "
                                       "target_id) VALUES (:t, :e, :k, :i)",
                        use(tenant), use(entry), use(kind), use(target));
  for (const auto& [k, id] : targets) {
    kind.assign(1, k);
    target = id;
    st.execute(true);
  }
}

// Runs `text`, a SELECT of Row::kColumns whose parameters `bind` adds in order (each
// bound value must outlive this call), and returns its rows as Row::to() reads them.
template <typename Row, typename Value, typename Bind>
Result<std::vector<Value>> select_rows(soci::session& sql, const std::string& text, Bind&& bind) {
  Row row;
  Prep p = (sql.prepare << text);
  row.into_all(p);
  bind(p);
  soci::statement st(p);
  st.execute();
  std::vector<Value> out;
  while (st.fetch()) {
    Result<Value> value = row.to();  // some rows cannot fail to read: a Value converts
    if (!value.ok()) return std::move(value).status();
    out.push_back(std::move(value).value());
  }
  return out;
}

template <typename Bind>
Result<std::vector<WaitlistEntry>> select_waitlist(soci::session& sql, const std::string& text,
                                                   Bind&& bind) {
  return select_rows<WaitlistRow, WaitlistEntry>(sql, text, std::forward<Bind>(bind));
}

// The first of `rows`, or nullopt when there is none.
template <typename Value>
std::optional<Value> first_of(std::vector<Value>& rows) {
  if (rows.empty()) return std::nullopt;
  return std::optional<Value>(std::move(rows.front()));
}

// `ids` as a list of SQL integers, "1,2,3": ids are numbers, never user text.
template <typename IdType>
std::string id_list(const std::vector<IdType>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

}  // namespace

Result<TenantId> SqlTransaction::insert_tenant(const Tenant& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert tenant", [&]() -> Result<TenantId> {
    TenantRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO tenants (name, created_at, archived_at, version, cancel_cutoff, "
            "reschedule_cutoff, max_active_per_customer, max_per_customer_per_day, max_hold) "
            "VALUES (:n, :c, :a, :v, :cc, :rc, :ma, :md, :mh) RETURNING id",
        use(c.name), use(c.created), use(c.archived.value, c.archived.ind), use(c.version),
        use(c.rules.cancel_cutoff), use(c.rules.reschedule_cutoff), use(c.rules.max_active),
        use(c.rules.max_per_day), use(c.max_hold), into(id);
    return static_cast<TenantId>(id);
  });
}

Result<std::vector<Tenant>> SqlTransaction::list_tenants() {
  return run("list tenants", [&]() -> Result<std::vector<Tenant>> {
    return select_tenants("WHERE id > :id", 0LL);
  });
}

Status SqlTransaction::update_tenant(const Tenant& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update tenant", [&]() -> Status {
    TenantRow c;
    c.from(x);
    soci::statement st =
        (sql_.prepare << "UPDATE tenants SET name = :n, archived_at = :a, cancel_cutoff = :cc, "
                         "reschedule_cutoff = :rc, max_active_per_customer = :ma, "
                         "max_per_customer_per_day = :md, max_hold = :mh, version = :v "
                         "WHERE id = :id",
         use(c.name), use(c.archived.value, c.archived.ind), use(c.rules.cancel_cutoff),
         use(c.rules.reschedule_cutoff), use(c.rules.max_active), use(c.rules.max_per_day),
         use(c.max_hold), use(c.version), use(c.id));
    st.execute(true);
    return expect_one(st, "tenant", x.id);
  });
}

Result<ResourceId> SqlTransaction::insert_resource(const Resource& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert resource", [&]() -> Result<ResourceId> {
    ResourceRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO resources (tenant_id, name, zone, capacity, slot_step, min_notice, "
            "max_horizon, buffer_before, buffer_after, min_duration, max_duration, "
            "daily_limit, schedule_id, metadata, created_at, archived_at, version, "
            "cancel_cutoff, reschedule_cutoff, max_active_per_customer, "
            "max_per_customer_per_day) VALUES "
            "(:t, :n, :z, :cap, :step, :notice, :horizon, :bb, :ba, :mind, :maxd, :dl, :s, "
            ":m, :c, :a, :v, :cc, :rc, :ma, :md) RETURNING id",
        use(c.tenant), use(c.name), use(c.zone), use(c.capacity), use(c.step), use(c.notice),
        use(c.horizon), use(c.before), use(c.after), use(c.min_d), use(c.max_d), use(c.daily),
        use(c.schedule.value, c.schedule.ind), use(c.metadata), use(c.created),
        use(c.archived.value, c.archived.ind), use(c.version), use(c.rules.cancel_cutoff),
        use(c.rules.reschedule_cutoff), use(c.rules.max_active), use(c.rules.max_per_day), into(id);
    return static_cast<ResourceId>(id);
  });
}

Result<std::vector<Resource>> SqlTransaction::list_resources(TenantId tenant) {
  return run("list resources", [&]() -> Result<std::vector<Resource>> {
    return select_resources("WHERE tenant_id = :t AND id > :id", tenant, 0);
  });
}

Result<ScheduleId> SqlTransaction::insert_schedule(const Schedule& x) {
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

Result<std::optional<Schedule>> SqlTransaction::find_schedule(TenantId tenant, ScheduleId id) {
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

Result<std::vector<Schedule>> SqlTransaction::list_schedules(TenantId tenant) {
  return run("list schedules", [&]() -> Result<std::vector<Schedule>> {
    return select_schedules("AND id > :id", tenant, 0);
  });
}

Status SqlTransaction::update_schedule(const Schedule& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update schedule", [&]() -> Status {
    long long id = x.id, version = x.version;
    NullableInt archived(x.archived_at);
    const std::string rules = encode_schedule_rules(x);
    soci::statement st =
        (sql_.prepare << "UPDATE schedules SET name = :n, rules = :r, "
                         "archived_at = :a, version = :v WHERE id = :id",
         use(x.name), use(rules), use(archived.value, archived.ind), use(version), use(id));
    st.execute(true);
    return expect_one(st, "schedule", x.id);
  });
}

Result<PoolId> SqlTransaction::insert_pool(const Pool& x) {
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

Result<std::optional<Pool>> SqlTransaction::find_pool(TenantId tenant, PoolId id) {
  return run("find pool", [&]() -> Result<std::optional<Pool>> {
    auto rows = select_pools("AND id = :id", tenant, id);
    if (rows.empty()) return std::optional<Pool>();
    return std::optional<Pool>(std::move(rows.front()));
  });
}

Result<std::vector<Pool>> SqlTransaction::list_pools(TenantId tenant) {
  return run("list pools", [&]() -> Result<std::vector<Pool>> {
    return select_pools("AND id > :id", tenant, 0);
  });
}

Status SqlTransaction::update_pool(const Pool& x) {
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

Result<ServiceId> SqlTransaction::insert_service(const Service& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert service", [&]() -> Result<ServiceId> {
    ServiceRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO services (tenant_id, name, description, duration_seconds, "
            "allowed_durations_json, allocations_json, buffer_before, buffer_after, min_notice, "
            "price_minor, currency, customer_bookable, cancel_cutoff, reschedule_cutoff, "
            "max_active_per_customer, max_per_customer_per_day, metadata_json, created_at, "
            "updated_at, archived_at, version) VALUES (:t, :n, :d, :dur, :ds, :a, :bb, :ba, "
            ":mn, :p, :cur, :cb, :cc, :rc, :ma, :md, :m, :c, :u, :ar, :v) RETURNING id",
        use(c.tenant), use(c.name), use(c.description), use(c.duration), use(c.durations),
        use(c.allocations), use(c.before), use(c.after), use(c.notice),
        use(c.price.value, c.price.ind), use(c.currency), use(c.bookable),
        use(c.rules.cancel_cutoff), use(c.rules.reschedule_cutoff), use(c.rules.max_active),
        use(c.rules.max_per_day), use(c.metadata), use(c.created), use(c.updated),
        use(c.archived.value, c.archived.ind), use(c.version), into(id);
    return static_cast<ServiceId>(id);
  });
}

Result<std::optional<Service>> SqlTransaction::find_service(TenantId tenant, ServiceId id) {
  return run("find service", [&]() -> Result<std::optional<Service>> {
    long long t = tenant, i = id;
    BOKA_ASSIGN_OR_RETURN(auto rows, (select_rows<ServiceRow, Service>(
                                         sql_,
                                         std::string("SELECT ") + ServiceRow::kColumns +
                                             " FROM services WHERE tenant_id = :t AND id = :id",
                                         [&](Prep& p) { p, use(t), use(i); })));
    return first_of(rows);
  });
}

Result<std::vector<Service>> SqlTransaction::list_services(TenantId tenant) {
  return run("list services", [&]() -> Result<std::vector<Service>> {
    long long t = tenant;
    return select_rows<ServiceRow, Service>(sql_,
                                            std::string("SELECT ") + ServiceRow::kColumns +
                                                " FROM services WHERE tenant_id = :t ORDER BY id",
                                            [&](Prep& p) { p, use(t); });
  });
}

Status SqlTransaction::update_service(const Service& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update service", [&]() -> Status {
    ServiceRow c;
    c.from(x);
    soci::statement st =
        (sql_.prepare << "UPDATE services SET name = :n, description = :d, duration_seconds = "
                         ":dur, allowed_durations_json = :ds, allocations_json = :a, "
                         "buffer_before = :bb, buffer_after = :ba, min_notice = :mn, "
                         "price_minor = :p, currency = :cur, customer_bookable = :cb, "
                         "cancel_cutoff = :cc, reschedule_cutoff = :rc, "
                         "max_active_per_customer = :ma, max_per_customer_per_day = :md, "
                         "metadata_json = :m, created_at = :c, updated_at = :u, "
                         "archived_at = :ar, version = :v WHERE id = :id",
         use(c.name), use(c.description), use(c.duration), use(c.durations), use(c.allocations),
         use(c.before), use(c.after), use(c.notice), use(c.price.value, c.price.ind),
         use(c.currency), use(c.bookable), use(c.rules.cancel_cutoff),
         use(c.rules.reschedule_cutoff), use(c.rules.max_active), use(c.rules.max_per_day),
         use(c.metadata), use(c.created), use(c.updated), use(c.archived.value, c.archived.ind),
         use(c.version), use(c.id));
    st.execute(true);
    return expect_one(st, "service", x.id);
  });
}

Result<CustomerId> SqlTransaction::insert_customer(const Customer& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert customer", [&]() -> Result<CustomerId> {
    CustomerRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO customers (tenant_id, display_name, email, phone, locale, time_zone, "
            "notes, external_ref, user_id, merged_into, erased_at, created_at, updated_at, "
            "version) VALUES (:t, :n, :e, :ph, :l, :z, :no, :x, :u, :mi, :er, :c, :up, :v) "
            "RETURNING id",
        use(c.tenant), use(c.display_name), use(c.email), use(c.phone), use(c.locale),
        use(c.time_zone), use(c.notes), use(c.external_ref), use(c.user.value, c.user.ind),
        use(c.merged_into.value, c.merged_into.ind), use(c.erased.value, c.erased.ind),
        use(c.created), use(c.updated), use(c.version), into(id);
    return static_cast<CustomerId>(id);
  });
}

Result<std::optional<Customer>> SqlTransaction::find_customer(TenantId tenant, CustomerId id) {
  return run("find customer", [&]() -> Result<std::optional<Customer>> {
    long long t = tenant, i = id;
    BOKA_ASSIGN_OR_RETURN(auto rows, (select_rows<CustomerRow, Customer>(
                                         sql_,
                                         std::string("SELECT ") + CustomerRow::kColumns +
                                             " FROM customers WHERE tenant_id = :t AND id = :id",
                                         [&](Prep& p) { p, use(t), use(i); })));
    return first_of(rows);
  });
}

Result<std::vector<Customer>> SqlTransaction::find_live_customers(TenantId tenant,
                                                                  std::string_view email,
                                                                  std::string_view external_ref,
                                                                  std::optional<UserId> user) {
  if (email.empty() && external_ref.empty() && !user) return std::vector<Customer>();
  return run("find customers", [&]() -> Result<std::vector<Customer>> {
    long long t = tenant, u = user.value_or(UserId{});
    const std::string e(email), x(external_ref);
    // Each alternative repeats its partial index's condition, so the index serves it.
    std::string any;
    const auto alternative = [&](const char* test) {
      any += (any.empty() ? "" : " OR ") + std::string(test);
    };
    if (!e.empty()) alternative("(email = :e AND email <> '')");
    if (!x.empty()) alternative("(external_ref = :x AND external_ref <> '')");
    if (user) alternative("user_id = :u");
    return select_rows<CustomerRow, Customer>(
        sql_,
        std::string("SELECT ") + CustomerRow::kColumns +
            " FROM customers WHERE tenant_id = :t AND merged_into IS NULL AND erased_at IS NULL "
            "AND (" +
            any + ") ORDER BY id",
        [&](Prep& p) {
          p, use(t);
          if (!e.empty()) p, use(e);
          if (!x.empty()) p, use(x);
          if (user) p, use(u);
        });
  });
}

Result<std::vector<Customer>> SqlTransaction::list_customers(TenantId tenant,
                                                             const CustomerFilter& f) {
  return run("list customers", [&]() -> Result<std::vector<Customer>> {
    long long t = tenant, after = f.after_id, limit = f.limit;
    // customer_matches_query as SQL: a prefix of the name, of a word of it, or of the email.
    const std::string literal = like_literal(lower_ascii_text(f.query));
    const std::string prefix = literal + "%", word_prefix = "% " + literal + "%";
    std::string sql = std::string("SELECT ") + CustomerRow::kColumns +
                      " FROM customers WHERE tenant_id = :t AND id > :after";
    if (!f.include_inactive) sql += " AND merged_into IS NULL AND erased_at IS NULL";
    if (!f.query.empty()) {
      const std::string name = ascii_lower("display_name");
      const std::string escape = std::string(" ESCAPE '") + kLikeEscape + "'";
      sql += " AND (" + name + " LIKE :p1" + escape + " OR " + name + " LIKE :p2" + escape +
             " OR " + ascii_lower("email") + " LIKE :p3" + escape + ")";
    }
    sql += " ORDER BY id LIMIT :lim";
    return select_rows<CustomerRow, Customer>(sql_, sql, [&](Prep& p) {
      p, use(t), use(after);
      if (!f.query.empty()) p, use(prefix), use(word_prefix), use(prefix);
      p, use(limit);
    });
  });
}

Status SqlTransaction::update_customer(const Customer& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update customer", [&]() -> Status {
    CustomerRow c;
    c.from(x);
    soci::statement st =
        (sql_.prepare << "UPDATE customers SET display_name = :n, email = :e, phone = :ph, "
                         "locale = :l, time_zone = :z, notes = :no, external_ref = :x, "
                         "user_id = :u, merged_into = :mi, erased_at = :er, created_at = :c, "
                         "updated_at = :up, version = :v WHERE id = :id",
         use(c.display_name), use(c.email), use(c.phone), use(c.locale), use(c.time_zone),
         use(c.notes), use(c.external_ref), use(c.user.value, c.user.ind),
         use(c.merged_into.value, c.merged_into.ind), use(c.erased.value, c.erased.ind),
         use(c.created), use(c.updated), use(c.version), use(c.id));
    st.execute(true);
    return expect_one(st, "customer", x.id);
  });
}

Result<std::vector<Series>> SqlTransaction::list_customer_series(TenantId tenant,
                                                                 CustomerId customer) {
  return run("list customer series", [&]() -> Result<std::vector<Series>> {
    long long t = tenant, c = customer;
    return select_rows<SeriesRow, Series>(
        sql_,
        std::string("SELECT ") + SeriesRow::kColumns +
            " FROM series WHERE tenant_id = :t AND customer_id = :c ORDER BY id",
        [&](Prep& p) { p, use(t), use(c); });
  });
}

Result<SeriesId> SqlTransaction::insert_series(const Series& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert series", [&]() -> Result<SeriesId> {
    SeriesRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO series (tenant_id, spec, split_from, created_at, updated_at, version, "
            "customer_id) VALUES (:t, :s, :f, :c, :u, :v, :cu) RETURNING id",
        use(c.tenant), use(c.spec), use(c.split_from.value, c.split_from.ind), use(c.created),
        use(c.updated), use(c.version), use(c.customer_id.value, c.customer_id.ind), into(id);
    return static_cast<SeriesId>(id);
  });
}

Result<std::optional<Series>> SqlTransaction::find_series(TenantId tenant, SeriesId id) {
  return run("find series", [&]() -> Result<std::optional<Series>> {
    long long t = tenant, i = id;
    BOKA_ASSIGN_OR_RETURN(auto rows, (select_rows<SeriesRow, Series>(
                                         sql_,
                                         std::string("SELECT ") + SeriesRow::kColumns +
                                             " FROM series WHERE tenant_id = :t AND id = :id",
                                         [&](Prep& p) { p, use(t), use(i); })));
    return first_of(rows);
  });
}

Status SqlTransaction::update_series(const Series& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update series", [&]() -> Status {
    SeriesRow c;
    c.from(x);
    soci::statement st = (sql_.prepare << "UPDATE series SET spec = :s, split_from = :f, "
                                          "updated_at = :u, version = :v, customer_id = :cu "
                                          "WHERE id = :id",
                          use(c.spec), use(c.split_from.value, c.split_from.ind), use(c.updated),
                          use(c.version), use(c.customer_id.value, c.customer_id.ind), use(c.id));
    st.execute(true);
    return expect_one(st, "series", x.id);
  });
}

Result<WaitlistEntryId> SqlTransaction::insert_waitlist_entry(const WaitlistEntry& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert waitlist entry", [&]() -> Result<WaitlistEntryId> {
    WaitlistRow c;
    c.from(x);
    long long id = 0;
    sql_ << "INSERT INTO waitlist_entries (tenant_id, earliest_start, latest_start, "
            "duration_seconds, customer, priority, joined_at, expires_at, status, "
            "offer_reservation_id, offer_expires_at, allocations_json, metadata_json, "
            "updated_at, version, customer_id) VALUES (:t, :es, :ls, :d, :c, :p, :j, :x, :s, "
            ":o, :ox, :a, :m, :u, :v, :cu) RETURNING id",
        use(c.tenant), use(c.earliest), use(c.latest), use(c.duration), use(c.customer),
        use(c.priority), use(c.joined), use(c.expires), use(c.status),
        use(c.offer.value, c.offer.ind), use(c.offer_expires.value, c.offer_expires.ind),
        use(c.allocations), use(c.metadata), use(c.updated), use(c.version),
        use(c.customer_id.value, c.customer_id.ind), into(id);
    write_waitlist_targets(sql_, id, c.tenant, x.allocations);
    return static_cast<WaitlistEntryId>(id);
  });
}

Status SqlTransaction::update_waitlist_entry(const WaitlistEntry& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update waitlist entry", [&]() -> Status {
    WaitlistRow c;
    c.from(x);
    soci::statement st =
        (sql_.prepare << "UPDATE waitlist_entries SET earliest_start = :es, latest_start = :ls, "
                         "duration_seconds = :d, customer = :c, priority = :p, joined_at = :j, "
                         "expires_at = :x, status = :s, offer_reservation_id = :o, "
                         "offer_expires_at = :ox, allocations_json = :a, metadata_json = :m, "
                         "updated_at = :u, version = :v, customer_id = :cu WHERE id = :id",
         use(c.earliest), use(c.latest), use(c.duration), use(c.customer), use(c.priority),
         use(c.joined), use(c.expires), use(c.status), use(c.offer.value, c.offer.ind),
         use(c.offer_expires.value, c.offer_expires.ind), use(c.allocations), use(c.metadata),
         use(c.updated), use(c.version), use(c.customer_id.value, c.customer_id.ind), use(c.id));
    st.execute(true);
    BOKA_RETURN_IF_ERROR(expect_one(st, "waitlist entry", x.id));
    // "Every field": the targets follow the allocations, though the engine never changes
    // an entry's allocations after it joined.
    sql_ << "DELETE FROM waitlist_targets WHERE entry_id = :id", use(c.id);
    write_waitlist_targets(sql_, c.id, c.tenant, x.allocations);
    return Status::Ok();
  });
}

Result<std::optional<WaitlistEntry>> SqlTransaction::find_waitlist_entry(TenantId tenant,
                                                                         WaitlistEntryId id) {
  return run("find waitlist entry", [&]() -> Result<std::optional<WaitlistEntry>> {
    long long t = tenant, i = id;
    BOKA_ASSIGN_OR_RETURN(
        auto rows, select_waitlist(sql_,
                                   std::string("SELECT ") + WaitlistRow::kColumns +
                                       " FROM waitlist_entries WHERE tenant_id = :t AND id = :id",
                                   [&](Prep& p) { p, use(t), use(i); }));
    if (rows.empty()) return std::optional<WaitlistEntry>();
    return std::optional<WaitlistEntry>(std::move(rows.front()));
  });
}

Result<std::optional<WaitlistEntry>> SqlTransaction::find_waitlist_entry_by_offer(
    TenantId tenant, ReservationId reservation) {
  return run("find waitlist entry", [&]() -> Result<std::optional<WaitlistEntry>> {
    long long t = tenant, r = reservation;
    BOKA_ASSIGN_OR_RETURN(auto rows,
                          select_waitlist(sql_,
                                          std::string("SELECT ") + WaitlistRow::kColumns +
                                              " FROM waitlist_entries WHERE tenant_id = :t AND "
                                              "offer_reservation_id = :r AND status IN (1, 2) "
                                              "ORDER BY id LIMIT 1",
                                          [&](Prep& p) { p, use(t), use(r); }));
    if (rows.empty()) return std::optional<WaitlistEntry>();
    return std::optional<WaitlistEntry>(std::move(rows.front()));
  });
}

Result<std::vector<WaitlistEntry>> SqlTransaction::list_waitlist(TenantId tenant,
                                                                 const WaitlistFilter& f) {
  return run("list waitlist", [&]() -> Result<std::vector<WaitlistEntry>> {
    // Every bound value lives here so it outlives the statement.
    long long t = tenant, resource = f.resource.value_or(ResourceId{}),
              pool = f.pool.value_or(PoolId{}), customer_id = f.customer_id.value_or(CustomerId{}),
              limit = f.limit;
    std::string customer = f.customer.value_or("");
    std::string sql = std::string("SELECT ") + WaitlistRow::kColumns +
                      " FROM waitlist_entries WHERE tenant_id = :t";
    if (f.resource) {
      sql +=
          " AND id IN (SELECT w.entry_id FROM waitlist_targets w WHERE w.tenant_id = :wt AND "
          "w.kind = 'r' AND w.target_id = :res)";
    }
    if (f.pool) {
      sql +=
          " AND id IN (SELECT w.entry_id FROM waitlist_targets w WHERE w.tenant_id = :pt AND "
          "w.kind = 'p' AND w.target_id = :pool)";
    }
    if (f.customer) sql += " AND customer = :cust";
    if (f.customer_id) sql += " AND customer_id = :cid";
    if (!f.statuses.empty()) {
      sql += " AND status IN (";
      for (std::size_t i = 0; i < f.statuses.size(); ++i) {
        sql += (i ? "," : "") + std::to_string(static_cast<int>(f.statuses[i]));
      }
      sql += ")";
    }
    sql += kWaitlistQueueOrder;
    sql += " LIMIT :lim";
    return select_waitlist(sql_, sql, [&](Prep& p) {
      p, use(t);
      if (f.resource) p, use(t), use(resource);
      if (f.pool) p, use(t), use(pool);
      if (f.customer) p, use(customer);
      if (f.customer_id) p, use(customer_id);
      p, use(limit);
    });
  });
}

Result<std::vector<WaitlistEntry>> SqlTransaction::waiting_entries(
    TenantId tenant, const std::vector<ResourceId>& resources, const std::vector<PoolId>& pools,
    Instant from, Instant to, int limit) {
  if (resources.empty() && pools.empty()) return std::vector<WaitlistEntry>();
  return run("read waiting entries", [&]() -> Result<std::vector<WaitlistEntry>> {
    long long t = tenant, lo = to_unix(from), hi = to_unix(to), lim = limit;
    // The entries named, one index search (waitlist_targets_target) per kind.
    std::string named;
    if (!resources.empty()) {
      named +=
          "SELECT w.entry_id FROM waitlist_targets w WHERE w.tenant_id = :wr AND w.kind = 'r' "
          "AND w.target_id IN (" +
          id_list(resources) + ")";
    }
    if (!pools.empty()) {
      named += std::string(named.empty() ? "" : " UNION ALL ") +
               "SELECT w.entry_id FROM waitlist_targets w WHERE w.tenant_id = :wp AND "
               "w.kind = 'p' AND w.target_id IN (" +
               id_list(pools) + ")";
    }
    const std::string sql = std::string("SELECT ") + WaitlistRow::kColumns +
                            " FROM waitlist_entries WHERE tenant_id = :t AND status = 0 AND "
                            "earliest_start < :hi AND latest_start + duration_seconds > :lo AND "
                            "id IN (" +
                            named + ")" + kWaitlistQueueOrder + " LIMIT :lim";
    return select_waitlist(sql_, sql, [&](Prep& p) {
      p, use(t), use(hi), use(lo);
      if (!resources.empty()) p, use(t);
      if (!pools.empty()) p, use(t);
      p, use(lim);
    });
  });
}

Result<std::vector<WaitlistEntry>> SqlTransaction::due_waitlist_entries(Instant now, int limit) {
  return run("read due waitlist entries", [&]() -> Result<std::vector<WaitlistEntry>> {
    long long n = to_unix(now), lim = limit;
    // Each branch matches a partial index (waitlist_waiting_due, waitlist_offered_due);
    // only due rows are sorted.
    return select_waitlist(
        sql_,
        std::string("SELECT ") + WaitlistRow::kColumns +
            " FROM waitlist_entries WHERE (status = 0 AND expires_at <= :n) OR "
            "(status = 1 AND offer_expires_at <= :n2) ORDER BY CASE WHEN status = 0 THEN "
            "expires_at ELSE offer_expires_at END, id LIMIT :lim",
        [&](Prep& p) { p, use(n), use(n), use(lim); });
  });
}

Result<std::int64_t> SqlTransaction::count_waiting(std::optional<TenantId> tenant) {
  return run("count waiting entries", [&]() -> Result<std::int64_t> {
    long long n = 0, t = tenant.value_or(TenantId{});
    if (tenant) {
      sql_ << "SELECT COUNT(*) FROM waitlist_entries WHERE tenant_id = :t AND status = 0", use(t),
          into(n);
    } else {
      sql_ << "SELECT COUNT(*) FROM waitlist_entries WHERE status = 0", into(n);
    }
    return static_cast<std::int64_t>(n);
  });
}

Status SqlTransaction::update_reservation(const Reservation& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update reservation", [&]() -> Status {
    auto& q = p_.update_reservation;
    auto& st = p_.get(q,
                      "UPDATE reservations SET status = :s, start_at = :b, end_at = :e, "
                      "hold_expires_at = :h, customer = :c, metadata = :m, "
                      "updated_at = :ua, version = :v, series_id = :sr, occurrence_date = :od, "
                      "customer_id = :cu, notes = :n, service_id = :sv, price_minor = :p, "
                      "currency = :cur, buffer_before = :bb, buffer_after = :ba, "
                      "payment_status = :ps, payment_reference = :pr WHERE id = :id",
                      [](Prep& p, ReservationRow& c) {
                        p, use(c.status), use(c.start), use(c.end), use(c.hold.value, c.hold.ind),
                            use(c.customer), use(c.metadata), use(c.updated), use(c.version),
                            use(c.series.value, c.series.ind),
                            use(c.occurrence_date.value, c.occurrence_date.ind),
                            use(c.customer_id.value, c.customer_id.ind), use(c.notes),
                            use(c.service.value, c.service.ind), use(c.price.value, c.price.ind),
                            use(c.currency), use(c.buffer_before), use(c.buffer_after),
                            use(c.payment_status), use(c.payment_reference), use(c.id);
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

Result<std::optional<Reservation>> SqlTransaction::find_reservation(TenantId tenant,
                                                                    ReservationId id) {
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
      out->allocations.push_back(
          Allocation{ResourceId{a.b.row.resource}, a.b.row.quantity, a.b.row.pool.id<PoolId>()});
    }
    return out;
  });
}

Result<std::vector<Reservation>> SqlTransaction::list_reservations(TenantId tenant,
                                                                   const ReservationFilter& f) {
  return run("list reservations",
             [&]() -> Result<std::vector<Reservation>> { return select_reservations(tenant, f); });
}

Result<std::vector<Booking>> SqlTransaction::active_bookings(ResourceId resource) {
  return run("read bookings", [&]() -> Result<std::vector<Booking>> {
    auto& q = p_.active_bookings;
    auto& st = p_.get(q,
                      "SELECT r.id, r.start_at, r.end_at, a.quantity, r.status, "
                      "r.hold_expires_at, r.buffer_before, r.buffer_after FROM allocations a "
                      "JOIN reservations r ON r.id = a.reservation_id WHERE a.resource_id = :r "
                      "AND r.status IN (0, 1)",
                      [](Prep& p, auto& b) {
                        p, use(b.resource), into(b.id), into(b.start), into(b.end),
                            into(b.quantity), into(b.status), into(b.hold.value, b.hold.ind),
                            into(b.buffer_before), into(b.buffer_after);
                      });
    q.b.resource = resource;
    std::vector<Booking> out;
    st.execute();
    while (st.fetch()) {
      const auto& b = q.b;
      out.push_back(Booking{ReservationId{b.id}, from_unix(b.start), from_unix(b.end), b.quantity,
                            static_cast<ReservationStatus>(b.status), b.hold.instant(),
                            Seconds(b.buffer_before), Seconds(b.buffer_after)});
    }
    return out;
  });
}

Result<std::vector<Reservation>> SqlTransaction::expired_holds(Instant now, int limit) {
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

Status SqlTransaction::insert_idempotency(TenantId tenant, const IdempotencyRecord& rec) {
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

Result<std::optional<IdempotencyRecord>> SqlTransaction::find_idempotency(TenantId tenant,
                                                                          std::string_view key) {
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
    if (st.got_data())
      out = IdempotencyRecord{q.b.key, q.b.fingerprint, ReservationId{q.b.reservation}};
    drain(st);
    return out;
  });
}

Result<UserId> SqlTransaction::insert_user(const StoredUser& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert user", [&]() -> Result<UserId> { return sql_auth::insert_user(sql_, x); });
}

Result<std::optional<StoredUser>> SqlTransaction::find_user(TenantId tenant, UserId id) {
  return run("find user", [&]() -> Result<std::optional<StoredUser>> {
    return sql_auth::find_user(sql_, tenant, id, lock_rows());
  });
}

Result<std::optional<StoredUser>> SqlTransaction::find_user_by_email(TenantId tenant,
                                                                     std::string_view email) {
  return run("find user", [&]() -> Result<std::optional<StoredUser>> {
    return sql_auth::find_user_by_email(sql_, tenant, email, lock_rows());
  });
}

Result<std::vector<StoredUser>> SqlTransaction::list_users(TenantId tenant) {
  return run("list users", [&]() -> Result<std::vector<StoredUser>> {
    return sql_auth::list_users(sql_, tenant);
  });
}

Result<std::vector<StoredUser>> SqlTransaction::list_users_with_role(Role min_role) {
  return run("list users", [&]() -> Result<std::vector<StoredUser>> {
    return sql_auth::list_users_with_role(sql_, min_role);
  });
}

Status SqlTransaction::update_user(const StoredUser& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update user", [&]() -> Status {
    return affected_one(sql_auth::update_user(sql_, x), "user", x.user.id);
  });
}

Result<SessionId> SqlTransaction::insert_session(const StoredSession& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert session",
             [&]() -> Result<SessionId> { return sql_auth::insert_session(sql_, x); });
}

Result<std::optional<StoredSession>> SqlTransaction::find_session_by_token(std::string_view hash) {
  return run("find session", [&]() -> Result<std::optional<StoredSession>> {
    return sql_auth::find_session_by_token(sql_, hash);
  });
}

Result<std::optional<StoredSession>> SqlTransaction::find_session(SessionId id) {
  return run("find session", [&]() -> Result<std::optional<StoredSession>> {
    return sql_auth::find_session(sql_, id);
  });
}

Result<std::vector<StoredSession>> SqlTransaction::list_sessions(TenantId tenant, UserId user) {
  return run("list sessions", [&]() -> Result<std::vector<StoredSession>> {
    return sql_auth::list_sessions(sql_, tenant, user);
  });
}

Status SqlTransaction::update_session(const StoredSession& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update session", [&]() -> Status {
    return affected_one(sql_auth::update_session(sql_, x), "session", x.session.id);
  });
}

Result<std::int64_t> SqlTransaction::revoke_sessions(TenantId tenant, UserId user, Instant at,
                                                     SessionId keep) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("revoke sessions", [&]() -> Result<std::int64_t> {
    return sql_auth::revoke_sessions(sql_, tenant, user, at, keep);
  });
}

Result<std::int64_t> SqlTransaction::delete_dead_sessions(Instant now, int limit) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("delete sessions", [&]() -> Result<std::int64_t> {
    return sql_auth::delete_dead_sessions(sql_, now, limit);
  });
}

Result<std::int64_t> SqlTransaction::count_live_sessions(Instant now) {
  return run("count sessions",
             [&]() -> Result<std::int64_t> { return sql_auth::count_live_sessions(sql_, now); });
}

Result<ApiKeyId> SqlTransaction::insert_api_key(const StoredApiKey& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert API key",
             [&]() -> Result<ApiKeyId> { return sql_auth::insert_api_key(sql_, x); });
}

Result<std::optional<StoredApiKey>> SqlTransaction::find_api_key(ApiKeyId id) {
  return run("find API key", [&]() -> Result<std::optional<StoredApiKey>> {
    return sql_auth::find_api_key(sql_, id, lock_rows());
  });
}

Result<std::vector<StoredApiKey>> SqlTransaction::list_api_keys(TenantId tenant) {
  return run("list API keys", [&]() -> Result<std::vector<StoredApiKey>> {
    return sql_auth::list_api_keys(sql_, tenant);
  });
}

Status SqlTransaction::update_api_key(const StoredApiKey& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update API key", [&]() -> Status {
    return affected_one(sql_auth::update_api_key(sql_, x), "API key", x.key.id);
  });
}

Result<std::vector<AuditRecord>> SqlTransaction::list_audit(const AuditQuery& query) {
  return run("list audit records", [&]() -> Result<std::vector<AuditRecord>> {
    return sql_audit::list_audit(sql_, query);
  });
}

Result<std::vector<AuditHead>> SqlTransaction::audit_heads() {
  return run("list audit chains",
             [&]() -> Result<std::vector<AuditHead>> { return sql_audit::audit_heads(sql_); });
}

Result<std::optional<std::string>> SqlTransaction::get_setting(std::string_view name) {
  if (name.empty()) return InvalidArgument("setting name: must not be empty");
  return run("read setting", [&]() -> Result<std::optional<std::string>> {
    return sql_audit::get_setting(sql_, name);
  });
}

Status SqlTransaction::put_setting(std::string_view name, std::string_view value) {
  BOKA_RETURN_IF_ERROR(check_writable());
  if (name.empty()) return InvalidArgument("setting name: must not be empty");
  return run("write setting", [&]() -> Status {
    sql_audit::put_setting(sql_, name, value);
    return Status::Ok();
  });
}

std::vector<Tenant> SqlTransaction::select_tenants(const char* where, long long key) {
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

std::vector<Resource> SqlTransaction::select_resources(const char* where, long long tenant,
                                                       long long key) {
  ResourceRow row;
  Prep p = (sql_.prepare << std::string("SELECT ") + ResourceRow::kColumns + " FROM resources " +
                                where + " ORDER BY id");
  row.into_all(p);
  p, use(tenant), use(key);
  soci::statement st(p);
  st.execute();
  std::vector<Resource> out;
  while (st.fetch()) out.push_back(row.to());
  return out;
}

Result<std::vector<Schedule>> SqlTransaction::select_schedules(const char* and_where,
                                                               long long tenant, long long key) {
  long long id = 0, version = 0;
  std::string name, rules;
  NullableInt archived;
  std::vector<Schedule> out;
  soci::statement st =
      (sql_.prepare << std::string("SELECT id, name, rules, archived_at, version FROM "
                                   "schedules WHERE tenant_id = :t ") +
                           and_where + " ORDER BY id",
       use(tenant), use(key), into(id), into(name), into(rules), into(archived.value, archived.ind),
       into(version));
  st.execute();
  while (st.fetch()) {
    Schedule s;
    s.id = ScheduleId{id};
    s.tenant = TenantId{tenant};
    s.name = name;
    s.archived_at = archived.instant();
    s.version = version;
    BOKA_RETURN_IF_ERROR(decode_schedule_rules(rules, s));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Pool> SqlTransaction::select_pools(const char* and_where, long long tenant,
                                               long long key) {
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
    p.id = PoolId{id};
    p.tenant = TenantId{tenant};
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
    while (ms.fetch()) p.members.push_back(ResourceId{member});
  }
  return out;
}

void SqlTransaction::write_pool_members(long long pool, long long tenant,
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

void SqlTransaction::write_allocations(long long reservation, long long tenant,
                                       const std::vector<Allocation>& allocations) {
  auto& q = p_.insert_allocation;
  auto& st = p_.get_positional(q, sql::kInsertAllocation, [](Prep& p, AllocationRow& b) {
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

std::vector<Reservation> SqlTransaction::select_reservations(TenantId tenant,
                                                             const ReservationFilter& f) {
  const bool by_start = f.order == ReservationOrder::by_start;
  std::string sql = std::string("SELECT ") + ReservationRow::kColumns +
                    " FROM reservations r WHERE r.tenant_id = :t";
  // Every bound value lives here so it outlives the statement.
  long long tn = tenant, after = f.after_id, resource = f.resource.value_or(ResourceId{}),
            pool = f.pool.value_or(PoolId{}), from = f.from ? to_unix(*f.from) : 0,
            to = f.to ? to_unix(*f.to) : 0, limit = f.limit,
            after_start = f.after_start ? to_unix(*f.after_start) : 0;
  std::string customer = f.customer.value_or("");
  long long customer_id = f.customer_id.value_or(CustomerId{}),
            series = f.series.value_or(SeriesId{}), service = f.service.value_or(ServiceId{});
  // The keyset of the order: by_id after after_id; by_start after (after_start, after_id),
  // only when after_start is set (the reservations_start index serves both the range and
  // the order).
  const bool keyset = !by_start || f.after_start.has_value();
  if (!by_start) sql += " AND r.id > :after";
  if (by_start && keyset) sql += " AND (r.start_at, r.id) > (:after_start, :after)";
  if (f.resource) {
    sql +=
        " AND EXISTS (SELECT 1 FROM allocations a WHERE a.reservation_id = r.id AND "
        "a.resource_id = :res)";
  }
  if (f.pool) {
    sql +=
        " AND EXISTS (SELECT 1 FROM allocations a WHERE a.reservation_id = r.id AND "
        "a.pool_id = :pool)";
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
  if (f.customer)
    sql += f.customer->empty() ? " AND r.customer = :cust"
                               : " AND r.customer = :cust AND r.customer <> ''";
  if (f.customer_id) sql += " AND r.customer_id = :cid";
  if (f.series) sql += " AND r.series_id = :series";
  if (f.service) sql += " AND r.service_id = :service";
  sql += by_start ? " ORDER BY r.start_at, r.id LIMIT :lim" : " ORDER BY r.id LIMIT :lim";

  ReservationRow row;
  Prep p = (sql_.prepare << sql);
  row.into_all(p);
  p, use(tn);
  if (by_start && keyset) p, use(after_start);
  if (keyset) p, use(after);
  if (f.resource) p, use(resource);
  if (f.pool) p, use(pool);
  if (f.from) p, use(from);
  if (f.to) p, use(to);
  if (f.customer) p, use(customer);
  if (f.customer_id) p, use(customer_id);
  if (f.series) p, use(series);
  if (f.service) p, use(service);
  p, use(limit);
  soci::statement st(p);
  st.execute();
  std::vector<Reservation> out;
  while (st.fetch()) out.push_back(row.to(tenant));
  read_allocations(out, /*ids_ascending=*/!by_start);
  return out;
}

void SqlTransaction::read_allocations(std::vector<Reservation>& out, bool ids_ascending) {
  if (out.empty()) return;
  std::map<ReservationId, std::size_t> position;
  for (std::size_t i = 0; i < out.size(); ++i) position[out[i].id] = i;
  // Ids in ascending order are read as one range of the primary key; others (a page in
  // start order spans any ids) by their list, so no other reservation's rows are read.
  std::string where = " BETWEEN :lo AND :hi";
  if (!ids_ascending) {
    std::vector<ReservationId> ids;
    for (const auto& [id, at] : position) ids.push_back(id);
    where = " IN (" + id_list(ids) + ")";
  }
  long long lo = out.front().id, hi = out.back().id, rid = 0, res = 0;
  int quantity = 0;
  NullableInt pool;
  Prep p = (sql_.prepare << "SELECT reservation_id, resource_id, quantity, pool_id FROM "
                            "allocations WHERE reservation_id" +
                                where + " ORDER BY reservation_id, resource_id");
  p, into(rid), into(res), into(quantity), into(pool.value, pool.ind);
  if (ids_ascending) p, use(lo), use(hi);
  soci::statement as(p);
  as.execute();
  while (as.fetch()) {
    auto it = position.find(ReservationId{rid});
    if (it == position.end()) continue;
    out[it->second].allocations.push_back(Allocation{ResourceId{res}, quantity, pool.id<PoolId>()});
  }
}

Status SqlTransaction::affected_one(long long rows, const char* kind, std::int64_t id) {
  if (rows != 1) return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
  return Status::Ok();
}

Status SqlTransaction::expect_one(soci::statement& st, const char* kind, std::int64_t id) {
  if (st.get_affected_rows() != 1) {
    return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
  }
  return Status::Ok();
}

}  // namespace boka::detail
