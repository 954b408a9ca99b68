// Per-tenant settings, outgoing mail and payment provider events on both SQL dialects
// (boka/mail.hpp, boka/payments.hpp, migration 11).
#include <string>

#include "storage/sql/sql_transaction.hpp"

namespace boka::detail {

using soci::into;
using soci::use;

// ---- per-tenant settings ----------------------------------------------------------------

Result<std::optional<std::string>> SqlTransaction::get_tenant_setting(TenantId tenant,
                                                                      std::string_view name) {
  return run("read tenant setting", [&]() -> Result<std::optional<std::string>> {
    long long t = tenant;
    std::string n(name), value;
    soci::indicator ind = soci::i_null;
    sql_ << "SELECT value FROM tenant_settings WHERE tenant_id = :t AND name = :n", use(t), use(n),
        into(value, ind);
    if (!sql_.got_data()) return std::optional<std::string>();
    return std::optional<std::string>(value);
  });
}

Status SqlTransaction::put_tenant_setting(TenantId tenant, std::string_view name,
                                          std::string_view value) {
  BOKA_RETURN_IF_ERROR(check_writable());
  if (name.empty()) return InvalidArgument("setting name: must not be empty");
  return run("write tenant setting", [&]() -> Status {
    long long t = tenant;
    std::string n(name), v(value);
    sql_ << "INSERT INTO tenant_settings (tenant_id, name, value) VALUES (:t, :n, :v) "
            "ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value",
        use(t), use(n), use(v);
    return Status::Ok();
  });
}

Result<std::vector<TenantId>> SqlTransaction::tenants_with_setting(std::string_view name) {
  return run("list tenants with a setting", [&]() -> Result<std::vector<TenantId>> {
    std::string n(name);
    long long t = 0;
    soci::statement st = (sql_.prepare << "SELECT tenant_id FROM tenant_settings WHERE name = :n "
                                          "ORDER BY tenant_id",
                          use(n), into(t));
    st.execute();
    std::vector<TenantId> out;
    while (st.fetch()) out.push_back(TenantId(t));
    return out;
  });
}

// ---- mail -------------------------------------------------------------------------------

namespace {

constexpr const char* kEmailColumns =
    "id, tenant_id, kind, reservation_id, customer_id, event_id, recipient, subject, locale, "
    "time_zone, message_id, status, attempts, next_attempt_at, last_smtp_code, last_error, "
    "leased_until, created_at, sent_at";

struct EmailRow {
  long long id = 0, tenant = 0, reservation = 0, next = 0, created = 0;
  int kind = 0, status = 0, attempts = 0;
  NullableInt customer, event, smtp_code, leased, sent;
  std::string to, subject, locale, zone, message_id, last_error;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(kind), into(reservation), into(customer.value, customer.ind),
        into(event.value, event.ind), into(to), into(subject), into(locale), into(zone),
        into(message_id), into(status), into(attempts), into(next),
        into(smtp_code.value, smtp_code.ind), into(last_error), into(leased.value, leased.ind),
        into(created), into(sent.value, sent.ind);
  }
  void from(const Email& e) {
    id = e.id;
    tenant = e.tenant;
    kind = static_cast<int>(e.kind);
    reservation = e.reservation;
    customer = e.customer ? NullableInt(std::optional<std::int64_t>(*e.customer)) : NullableInt();
    event = e.event ? NullableInt(std::optional<std::int64_t>(*e.event)) : NullableInt();
    to = e.to;
    subject = e.subject;
    locale = e.locale;
    zone = e.time_zone;
    message_id = e.message_id;
    status = static_cast<int>(e.status);
    attempts = e.attempts;
    next = to_unix(e.next_attempt_at);
    smtp_code = e.last_smtp_code ? NullableInt(std::optional<std::int64_t>(*e.last_smtp_code))
                                 : NullableInt();
    last_error = e.last_error;
    leased = NullableInt(e.leased_until);
    created = to_unix(e.created_at);
    sent = NullableInt(e.sent_at);
  }
  Email to_email() const {
    Email e;
    e.id = EmailId(id);
    e.tenant = TenantId(tenant);
    e.kind = static_cast<MailKind>(kind);
    e.reservation = ReservationId(reservation);
    e.customer = customer.id<CustomerId>();
    e.event = event.id<EventId>();
    e.to = to;
    e.subject = subject;
    e.locale = locale;
    e.time_zone = zone;
    e.message_id = message_id;
    e.status = static_cast<EmailStatus>(status);
    e.attempts = attempts;
    e.next_attempt_at = from_unix(next);
    if (auto c = smtp_code.integer()) e.last_smtp_code = static_cast<int>(*c);
    e.last_error = last_error;
    e.leased_until = leased.instant();
    e.created_at = from_unix(created);
    e.sent_at = sent.instant();
    return e;
  }
};

template <typename Bind>
std::vector<Email> select_emails(soci::session& sql, const std::string& text, Bind&& bind) {
  EmailRow row;
  Prep p = (sql.prepare << text);
  row.into_all(p);
  bind(p);
  soci::statement st(p);
  st.execute();
  std::vector<Email> out;
  while (st.fetch()) out.push_back(row.to_email());
  return out;
}

}  // namespace

Result<std::optional<EmailId>> SqlTransaction::insert_email(const StoredEmail& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert email", [&]() -> Result<std::optional<EmailId>> {
    EmailRow r;
    r.from(x.email);
    long long id = 0;
    soci::indicator got = soci::i_null;
    soci::statement st =
        (sql_.prepare
             << "INSERT INTO emails (tenant_id, kind, reservation_id, customer_id, event_id, "
                "recipient, subject, locale, time_zone, message_id, status, attempts, "
                "next_attempt_at, last_smtp_code, last_error, leased_until, created_at, sent_at, "
                "dedupe_key, text_body, html_body, ics) VALUES (:t, :k, :r, :c, :e, :to, :s, :l, "
                ":z, :m, :st, :a, :n, :sc, :le, :lu, :cr, :se, :dk, :tb, :hb, :ics) "
                "ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING id",
         use(r.tenant), use(r.kind), use(r.reservation), use(r.customer.value, r.customer.ind),
         use(r.event.value, r.event.ind), use(r.to), use(r.subject), use(r.locale), use(r.zone),
         use(r.message_id), use(r.status), use(r.attempts), use(r.next),
         use(r.smtp_code.value, r.smtp_code.ind), use(r.last_error),
         use(r.leased.value, r.leased.ind), use(r.created), use(r.sent.value, r.sent.ind),
         use(x.dedupe_key), use(x.text), use(x.html), use(x.ics), into(id, got));
    // A conflict inserts nothing and returns no row.
    if (!st.execute(true) || got != soci::i_ok) return std::optional<EmailId>();
    return std::optional<EmailId>(EmailId(id));
  });
}

Status SqlTransaction::update_email(const Email& e) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update email", [&]() -> Status {
    EmailRow r;
    r.from(e);
    soci::statement st =
        (sql_.prepare << "UPDATE emails SET status = :st, attempts = :a, next_attempt_at = :n, "
                         "last_smtp_code = :sc, last_error = :le, leased_until = :lu, "
                         "sent_at = :se WHERE tenant_id = :t AND id = :id",
         use(r.status), use(r.attempts), use(r.next), use(r.smtp_code.value, r.smtp_code.ind),
         use(r.last_error), use(r.leased.value, r.leased.ind), use(r.sent.value, r.sent.ind),
         use(r.tenant), use(r.id));
    st.execute(true);
    return expect_one(st, "email", e.id);
  });
}

Result<std::optional<StoredEmail>> SqlTransaction::find_email(TenantId tenant, EmailId id) {
  return run("find email", [&]() -> Result<std::optional<StoredEmail>> {
    long long t = tenant, i = id;
    auto rows = select_emails(
        sql_,
        std::string("SELECT ") + kEmailColumns + " FROM emails WHERE tenant_id = :t AND id = :id",
        [&](Prep& p) { p, use(t), use(i); });
    if (rows.empty()) return std::optional<StoredEmail>();
    StoredEmail out;
    out.email = std::move(rows.front());
    sql_ << "SELECT dedupe_key, text_body, html_body, ics FROM emails WHERE tenant_id = :t AND "
            "id = :id",
        use(t), use(i), into(out.dedupe_key), into(out.text), into(out.html), into(out.ics);
    return std::optional<StoredEmail>(std::move(out));
  });
}

Result<std::vector<Email>> SqlTransaction::list_emails(TenantId tenant, const EmailFilter& f) {
  return run("list emails", [&]() -> Result<std::vector<Email>> {
    // Every filter optional through a flag, so the text never depends on the input.
    long long t = tenant, before = f.before_id, limit = f.limit;
    int use_before = f.before_id != 0 ? 1 : 0, use_status = f.status ? 1 : 0,
        use_kind = f.kind ? 1 : 0, use_res = f.reservation ? 1 : 0,
        use_customer = f.customer ? 1 : 0;
    int status = f.status ? static_cast<int>(*f.status) : 0;
    int kind = f.kind ? static_cast<int>(*f.kind) : 0;
    long long res = f.reservation.value_or(ReservationId{}),
              customer = f.customer.value_or(CustomerId{});
    return select_emails(
        sql_,
        std::string("SELECT ") + kEmailColumns +
            " FROM emails WHERE tenant_id = :t AND (:ub = 0 OR id < :b) "
            "AND (:us = 0 OR status = :s) AND (:uk = 0 OR kind = :k) "
            "AND (:ur = 0 OR reservation_id = :r) AND (:uc = 0 OR customer_id = :c) "
            "ORDER BY id DESC LIMIT :lim",
        [&](Prep& p) {
          p, use(t), use(use_before), use(before), use(use_status), use(status), use(use_kind),
              use(kind), use(use_res), use(res), use(use_customer), use(customer), use(limit);
        });
  });
}

Result<std::vector<Email>> SqlTransaction::due_emails(Instant now, int limit) {
  return run("find due emails", [&]() -> Result<std::vector<Email>> {
    long long n = to_unix(now), lim = limit;
    return select_emails(sql_,
                         std::string("SELECT ") + kEmailColumns +
                             " FROM emails WHERE status = 0 AND next_attempt_at <= :n "
                             "AND (leased_until IS NULL OR leased_until <= :n2) "
                             "ORDER BY next_attempt_at, id LIMIT :lim",
                         [&](Prep& p) { p, use(n), use(n), use(lim); });
  });
}

Result<bool> SqlTransaction::lease_email(EmailId id, Instant now, Instant until) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("lease email", [&]() -> Result<bool> {
    long long i = id, n = to_unix(now), u = to_unix(until);
    // One statement: on PostgreSQL a concurrent lease waits for this row, then re-reads it
    // and finds it leased.
    soci::statement st = (sql_.prepare << "UPDATE emails SET leased_until = :u WHERE id = :id "
                                          "AND status = 0 AND "
                                          "(leased_until IS NULL OR leased_until <= :n)",
                          use(u), use(i), use(n));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

Result<std::int64_t> SqlTransaction::redact_customer_emails(TenantId tenant, CustomerId customer) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("redact customer emails", [&]() -> Result<std::int64_t> {
    long long t = tenant, c = customer;
    soci::statement st = (sql_.prepare << "UPDATE emails SET recipient = '', subject = '', "
                                          "text_body = '', html_body = '', ics = '' "
                                          "WHERE tenant_id = :t AND customer_id = :c",
                          use(t), use(c));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

Result<std::pair<std::int64_t, std::optional<Instant>>> SqlTransaction::pending_emails() {
  return run("count pending emails",
             [&]() -> Result<std::pair<std::int64_t, std::optional<Instant>>> {
               long long n = 0;
               NullableInt oldest;
               sql_ << "SELECT COUNT(*), MIN(created_at) FROM emails WHERE status = 0", into(n),
                   into(oldest.value, oldest.ind);
               return std::pair<std::int64_t, std::optional<Instant>>{n, oldest.instant()};
             });
}

// ---- payments ---------------------------------------------------------------------------

Result<bool> SqlTransaction::insert_payment_event(const PaymentEventRecord& e) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert payment event", [&]() -> Result<bool> {
    long long t = e.tenant, received = to_unix(e.received_at);
    int outcome = static_cast<int>(e.outcome);
    NullableInt res =
        e.reservation ? NullableInt(std::optional<std::int64_t>(*e.reservation)) : NullableInt();
    soci::statement st =
        (sql_.prepare << "INSERT INTO payment_events (tenant_id, provider_event_id, type, "
                         "outcome, reservation_id, received_at) VALUES (:t, :p, :ty, :o, :r, :rc) "
                         "ON CONFLICT (tenant_id, provider_event_id) DO NOTHING",
         use(t), use(e.provider_event_id), use(e.type), use(outcome), use(res.value, res.ind),
         use(received));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

}  // namespace boka::detail
