// Webhook endpoints, deliveries and attempts on both SQL dialects (boka/webhooks.hpp,
// migration 9). Secrets arrive sealed; event types are a JSON array (storage/codec.hpp).
#include <string>

#include "storage/codec.hpp"
#include "storage/sql/sql_transaction.hpp"

namespace boka::detail {

using soci::into;
using soci::use;

namespace {

constexpr const char* kEndpointColumns =
    "id, tenant_id, url, event_types, description, active, disabled_reason, after_position, "
    "failing_since, previous_secret_expires_at, secret, previous_secret, deleted, created_at, "
    "updated_at, version";

struct EndpointRow {
  long long id = 0, tenant = 0, active = 0, after = 0, deleted = 0, created = 0, updated = 0,
            version = 0;
  std::string url, types, description, disabled_reason, secret, previous_secret;
  NullableInt failing_since, previous_expires;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(url), into(types), into(description), into(active),
        into(disabled_reason), into(after), into(failing_since.value, failing_since.ind),
        into(previous_expires.value, previous_expires.ind), into(secret), into(previous_secret),
        into(deleted), into(created), into(updated), into(version);
  }
  void from(const StoredWebhookEndpoint& x) {
    const WebhookEndpoint& e = x.endpoint;
    id = e.id;
    tenant = e.tenant;
    url = e.url;
    types = encode_strings(e.event_types);
    description = e.description;
    active = e.active ? 1 : 0;
    disabled_reason = e.disabled_reason;
    after = e.after_position;
    failing_since = NullableInt(e.failing_since);
    previous_expires = NullableInt(e.previous_secret_expires_at);
    secret = x.secret_sealed;
    previous_secret = x.previous_secret_sealed;
    deleted = x.deleted ? 1 : 0;
    created = to_unix(e.created_at);
    updated = to_unix(e.updated_at);
    version = e.version;
  }
  Result<StoredWebhookEndpoint> to() const {
    StoredWebhookEndpoint x;
    WebhookEndpoint& e = x.endpoint;
    e.id = WebhookEndpointId(id);
    e.tenant = TenantId(tenant);
    e.url = url;
    BOKA_RETURN_IF_ERROR(decode_strings(types, e.event_types));
    e.description = description;
    e.active = active != 0;
    e.disabled_reason = disabled_reason;
    e.after_position = after;
    e.failing_since = failing_since.instant();
    e.previous_secret_expires_at = previous_expires.instant();
    x.secret_sealed = secret;
    x.previous_secret_sealed = previous_secret;
    x.deleted = deleted != 0;
    e.created_at = from_unix(created);
    e.updated_at = from_unix(updated);
    e.version = version;
    return x;
  }
};

constexpr const char* kDeliveryColumns =
    "id, tenant_id, endpoint_id, event_id, event_position, event_type, subject, status, "
    "attempts, next_attempt_at, last_status_code, last_latency_ms, last_error, replay, "
    "leased_until, created_at, delivered_at";

struct DeliveryRow {
  long long id = 0, tenant = 0, endpoint = 0, event = 0, position = 0, next = 0, replay = 0,
            created = 0;
  int status = 0, attempts = 0;
  std::string type, subject, last_error;
  NullableInt status_code, latency, leased, delivered;

  void into_all(Prep& p) {
    p, into(id), into(tenant), into(endpoint), into(event), into(position), into(type),
        into(subject), into(status), into(attempts), into(next),
        into(status_code.value, status_code.ind), into(latency.value, latency.ind),
        into(last_error), into(replay), into(leased.value, leased.ind), into(created),
        into(delivered.value, delivered.ind);
  }
  void from(const WebhookDelivery& d) {
    id = d.id;
    tenant = d.tenant;
    endpoint = d.endpoint;
    event = d.event;
    position = d.event_position;
    type = d.event_type;
    subject = d.subject;
    status = static_cast<int>(d.status);
    attempts = d.attempts;
    next = to_unix(d.next_attempt_at);
    status_code = d.last_status_code ? NullableInt(std::optional<std::int64_t>(*d.last_status_code))
                                     : NullableInt();
    latency = NullableInt(d.last_latency_ms);
    last_error = d.last_error;
    replay = d.replay ? 1 : 0;
    leased = NullableInt(d.leased_until);
    created = to_unix(d.created_at);
    delivered = NullableInt(d.delivered_at);
  }
  WebhookDelivery to() const {
    WebhookDelivery d;
    d.id = WebhookDeliveryId(id);
    d.tenant = TenantId(tenant);
    d.endpoint = WebhookEndpointId(endpoint);
    d.event = EventId(event);
    d.event_position = position;
    d.event_type = type;
    d.subject = subject;
    d.status = static_cast<DeliveryStatus>(status);
    d.attempts = attempts;
    d.next_attempt_at = from_unix(next);
    if (auto c = status_code.integer()) d.last_status_code = static_cast<int>(*c);
    d.last_latency_ms = latency.integer();
    d.last_error = last_error;
    d.replay = replay != 0;
    d.leased_until = leased.instant();
    d.created_at = from_unix(created);
    d.delivered_at = delivered.instant();
    return d;
  }
};

// Runs a SELECT of kDeliveryColumns with the parameters `bind` adds.
template <typename Bind>
std::vector<WebhookDelivery> select_deliveries(soci::session& sql, const std::string& text,
                                               Bind&& bind) {
  DeliveryRow row;
  Prep p = (sql.prepare << text);
  row.into_all(p);
  bind(p);
  soci::statement st(p);
  st.execute();
  std::vector<WebhookDelivery> out;
  while (st.fetch()) out.push_back(row.to());
  return out;
}

template <typename Bind>
Result<std::vector<StoredWebhookEndpoint>> select_endpoints(soci::session& sql,
                                                            const std::string& where, Bind&& bind) {
  EndpointRow row;
  Prep p = (sql.prepare << std::string("SELECT ") + kEndpointColumns +
                               " FROM webhook_endpoints WHERE " + where + " ORDER BY id");
  row.into_all(p);
  bind(p);
  soci::statement st(p);
  st.execute();
  std::vector<StoredWebhookEndpoint> out;
  while (st.fetch()) {
    BOKA_ASSIGN_OR_RETURN(auto e, row.to());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<WebhookEndpointId> SqlTransaction::insert_webhook_endpoint(const StoredWebhookEndpoint& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert webhook endpoint", [&]() -> Result<WebhookEndpointId> {
    EndpointRow r;
    r.from(x);
    long long id = 0;
    sql_ << "INSERT INTO webhook_endpoints (tenant_id, url, event_types, description, active, "
            "disabled_reason, after_position, failing_since, previous_secret_expires_at, secret, "
            "previous_secret, deleted, created_at, updated_at, version) VALUES (:t, :u, :ty, :d, "
            ":a, :dr, :ap, :fs, :pe, :s, :ps, :del, :c, :up, :v) RETURNING id",
        use(r.tenant), use(r.url), use(r.types), use(r.description), use(r.active),
        use(r.disabled_reason), use(r.after), use(r.failing_since.value, r.failing_since.ind),
        use(r.previous_expires.value, r.previous_expires.ind), use(r.secret),
        use(r.previous_secret), use(r.deleted), use(r.created), use(r.updated), use(r.version),
        into(id);
    return WebhookEndpointId(id);
  });
}

Result<std::optional<StoredWebhookEndpoint>> SqlTransaction::find_webhook_endpoint(
    TenantId tenant, WebhookEndpointId id) {
  return run("find webhook endpoint", [&]() -> Result<std::optional<StoredWebhookEndpoint>> {
    long long t = tenant, i = id;
    BOKA_ASSIGN_OR_RETURN(auto rows, select_endpoints(sql_, "tenant_id = :t AND id = :id",
                                                      [&](Prep& p) { p, use(t), use(i); }));
    if (rows.empty()) return std::optional<StoredWebhookEndpoint>();
    return std::optional<StoredWebhookEndpoint>(std::move(rows.front()));
  });
}

Result<std::vector<StoredWebhookEndpoint>> SqlTransaction::list_webhook_endpoints(TenantId tenant) {
  return run("list webhook endpoints", [&]() -> Result<std::vector<StoredWebhookEndpoint>> {
    long long t = tenant;
    return select_endpoints(sql_, "tenant_id = :t AND deleted = 0", [&](Prep& p) { p, use(t); });
  });
}

Result<std::vector<StoredWebhookEndpoint>> SqlTransaction::active_webhook_endpoints() {
  return run("list active webhook endpoints", [&]() -> Result<std::vector<StoredWebhookEndpoint>> {
    return select_endpoints(sql_, "active = 1 AND deleted = 0", [](Prep&) {});
  });
}

Status SqlTransaction::update_webhook_endpoint(const StoredWebhookEndpoint& x) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update webhook endpoint", [&]() -> Status {
    EndpointRow r;
    r.from(x);
    soci::statement st =
        (sql_.prepare << "UPDATE webhook_endpoints SET url = :u, event_types = :ty, "
                         "description = :d, active = :a, disabled_reason = :dr, "
                         "after_position = :ap, failing_since = :fs, "
                         "previous_secret_expires_at = :pe, secret = :s, previous_secret = :ps, "
                         "deleted = :del, updated_at = :up, version = :v "
                         "WHERE tenant_id = :t AND id = :id",
         use(r.url), use(r.types), use(r.description), use(r.active), use(r.disabled_reason),
         use(r.after), use(r.failing_since.value, r.failing_since.ind),
         use(r.previous_expires.value, r.previous_expires.ind), use(r.secret),
         use(r.previous_secret), use(r.deleted), use(r.updated), use(r.version), use(r.tenant),
         use(r.id));
    st.execute(true);
    return expect_one(st, "webhook endpoint", x.endpoint.id);
  });
}

Result<WebhookDeliveryId> SqlTransaction::insert_delivery(const WebhookDelivery& d) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert webhook delivery", [&]() -> Result<WebhookDeliveryId> {
    DeliveryRow r;
    r.from(d);
    long long id = 0;
    sql_ << "INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_position, "
            "event_type, subject, status, attempts, next_attempt_at, last_status_code, "
            "last_latency_ms, last_error, replay, leased_until, created_at, delivered_at) VALUES "
            "(:t, :e, :ev, :p, :ty, :s, :st, :a, :n, :sc, :l, :le, :r, :lu, :c, :d) RETURNING id",
        use(r.tenant), use(r.endpoint), use(r.event), use(r.position), use(r.type), use(r.subject),
        use(r.status), use(r.attempts), use(r.next), use(r.status_code.value, r.status_code.ind),
        use(r.latency.value, r.latency.ind), use(r.last_error), use(r.replay),
        use(r.leased.value, r.leased.ind), use(r.created), use(r.delivered.value, r.delivered.ind),
        into(id);
    return WebhookDeliveryId(id);
  });
}

Status SqlTransaction::update_delivery(const WebhookDelivery& d) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update webhook delivery", [&]() -> Status {
    DeliveryRow r;
    r.from(d);
    soci::statement st =
        (sql_.prepare << "UPDATE webhook_deliveries SET status = :st, attempts = :a, "
                         "next_attempt_at = :n, last_status_code = :sc, last_latency_ms = :l, "
                         "last_error = :le, leased_until = :lu, delivered_at = :d "
                         "WHERE tenant_id = :t AND id = :id",
         use(r.status), use(r.attempts), use(r.next), use(r.status_code.value, r.status_code.ind),
         use(r.latency.value, r.latency.ind), use(r.last_error), use(r.leased.value, r.leased.ind),
         use(r.delivered.value, r.delivered.ind), use(r.tenant), use(r.id));
    st.execute(true);
    return expect_one(st, "webhook delivery", d.id);
  });
}

Result<std::optional<WebhookDelivery>> SqlTransaction::find_delivery(TenantId tenant,
                                                                     WebhookDeliveryId id) {
  return run("find webhook delivery", [&]() -> Result<std::optional<WebhookDelivery>> {
    long long t = tenant, i = id;
    auto rows = select_deliveries(sql_,
                                  std::string("SELECT ") + kDeliveryColumns +
                                      " FROM webhook_deliveries WHERE tenant_id = :t AND id = :id",
                                  [&](Prep& p) { p, use(t), use(i); });
    if (rows.empty()) return std::optional<WebhookDelivery>();
    return std::optional<WebhookDelivery>(std::move(rows.front()));
  });
}

Result<std::vector<WebhookDelivery>> SqlTransaction::list_deliveries(TenantId tenant,
                                                                     const DeliveryFilter& f) {
  return run("list webhook deliveries", [&]() -> Result<std::vector<WebhookDelivery>> {
    // Every filter optional through a flag, so the text never depends on the input.
    long long t = tenant, before = f.before_id, limit = f.limit;
    int use_before = f.before_id != 0 ? 1 : 0, use_endpoint = f.endpoint ? 1 : 0,
        use_status = f.status ? 1 : 0, use_event = f.event ? 1 : 0;
    long long endpoint = f.endpoint.value_or(WebhookEndpointId{}),
              event = f.event.value_or(EventId{});
    int status = f.status ? static_cast<int>(*f.status) : 0;
    return select_deliveries(
        sql_,
        std::string("SELECT ") + kDeliveryColumns +
            " FROM webhook_deliveries WHERE tenant_id = :t AND (:ub = 0 OR id < :b) "
            "AND (:ue = 0 OR endpoint_id = :e) AND (:us = 0 OR status = :s) "
            "AND (:uv = 0 OR event_id = :v) ORDER BY id DESC LIMIT :lim",
        [&](Prep& p) {
          p, use(t), use(use_before), use(before), use(use_endpoint), use(endpoint),
              use(use_status), use(status), use(use_event), use(event), use(limit);
        });
  });
}

Result<std::vector<WebhookDelivery>> SqlTransaction::due_deliveries(Instant now, int limit) {
  return run("find due webhook deliveries", [&]() -> Result<std::vector<WebhookDelivery>> {
    long long n = to_unix(now), lim = limit;
    return select_deliveries(
        sql_,
        std::string("SELECT ") + kDeliveryColumns +
            " FROM webhook_deliveries d WHERE status = 0 AND next_attempt_at <= :n "
            "AND (leased_until IS NULL OR leased_until <= :n2) AND EXISTS (SELECT 1 FROM "
            "webhook_endpoints w WHERE w.id = d.endpoint_id AND w.active = 1 AND w.deleted = 0) "
            "AND NOT EXISTS (SELECT 1 FROM "
            "webhook_deliveries e WHERE e.status = 0 AND e.endpoint_id = d.endpoint_id AND "
            "e.subject = d.subject AND (e.event_position < d.event_position OR "
            "(e.event_position = d.event_position AND e.id < d.id))) "
            "ORDER BY next_attempt_at, id LIMIT :lim",
        [&](Prep& p) { p, use(n), use(n), use(lim); });
  });
}

Result<bool> SqlTransaction::lease_delivery(WebhookDeliveryId id, Instant now, Instant until) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("lease webhook delivery", [&]() -> Result<bool> {
    long long i = id, n = to_unix(now), u = to_unix(until);
    // One statement: on PostgreSQL a concurrent lease waits for this row, then re-reads it
    // and finds it leased.
    soci::statement st = (sql_.prepare << "UPDATE webhook_deliveries SET leased_until = :u "
                                          "WHERE id = :id AND status = 0 AND "
                                          "(leased_until IS NULL OR leased_until <= :n)",
                          use(u), use(i), use(n));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

Result<std::int64_t> SqlTransaction::end_deliveries(TenantId tenant, WebhookEndpointId endpoint,
                                                    std::string_view reason) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("end webhook deliveries", [&]() -> Result<std::int64_t> {
    long long t = tenant, e = endpoint;
    std::string why(reason);
    soci::statement st =
        (sql_.prepare << "UPDATE webhook_deliveries SET status = 2, last_error = :r, "
                         "leased_until = NULL WHERE tenant_id = :t AND endpoint_id = :e "
                         "AND status = 0",
         use(why), use(t), use(e));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

Status SqlTransaction::insert_delivery_attempt(TenantId tenant, const DeliveryAttempt& a) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert webhook attempt", [&]() -> Status {
    long long d = a.delivery, t = tenant, at = to_unix(a.at), latency = a.latency_ms;
    int attempt = a.attempt;
    NullableInt code =
        a.status_code ? NullableInt(std::optional<std::int64_t>(*a.status_code)) : NullableInt();
    sql_ << "INSERT INTO webhook_attempts (delivery_id, tenant_id, attempt, at, status_code, "
            "latency_ms, error) VALUES (:d, :t, :a, :at, :c, :l, :e)",
        use(d), use(t), use(attempt), use(at), use(code.value, code.ind), use(latency),
        use(a.error);
    return Status::Ok();
  });
}

Result<std::vector<DeliveryAttempt>> SqlTransaction::list_delivery_attempts(
    TenantId tenant, WebhookDeliveryId delivery) {
  return run("list webhook attempts", [&]() -> Result<std::vector<DeliveryAttempt>> {
    long long t = tenant, d = delivery, at = 0, latency = 0;
    int attempt = 0;
    NullableInt code;
    std::string error;
    soci::statement st =
        (sql_.prepare << "SELECT attempt, at, status_code, latency_ms, error FROM "
                         "webhook_attempts WHERE tenant_id = :t AND delivery_id = :d "
                         "ORDER BY attempt",
         use(t), use(d), into(attempt), into(at), into(code.value, code.ind), into(latency),
         into(error));
    st.execute();
    std::vector<DeliveryAttempt> out;
    while (st.fetch()) {
      DeliveryAttempt a;
      a.delivery = delivery;
      a.attempt = attempt;
      a.at = from_unix(at);
      if (auto c = code.integer()) a.status_code = static_cast<int>(*c);
      a.latency_ms = latency;
      a.error = error;
      out.push_back(std::move(a));
    }
    return out;
  });
}

Result<std::pair<std::int64_t, std::optional<Instant>>> SqlTransaction::pending_deliveries() {
  return run("count pending webhook deliveries",
             [&]() -> Result<std::pair<std::int64_t, std::optional<Instant>>> {
               long long n = 0;
               NullableInt oldest;
               sql_ << "SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries WHERE status = 0",
                   into(n), into(oldest.value, oldest.ind);
               return std::pair<std::int64_t, std::optional<Instant>>{n, oldest.instant()};
             });
}

// ---- calendar feeds ----------------------------------------------------------------------

namespace {

std::vector<StoredFeed> select_feeds(soci::session& sql, const char* where, long long key) {
  long long id = 0, tenant = 0, subject = 0, created = 0;
  int kind = 0;
  std::string name, hash;
  NullableInt revoked;
  soci::statement st =
      (sql.prepare << std::string("SELECT id, tenant_id, kind, subject, name, secret_hash, "
                                  "created_at, revoked_at FROM calendar_feeds WHERE ") +
                          where + " ORDER BY id",
       soci::use(key), into(id), into(tenant), into(kind), into(subject), into(name), into(hash),
       into(created), into(revoked.value, revoked.ind));
  st.execute();
  std::vector<StoredFeed> out;
  while (st.fetch()) {
    StoredFeed f;
    f.feed.id = FeedId(id);
    f.feed.tenant = TenantId(tenant);
    f.feed.kind = static_cast<FeedKind>(kind);
    f.feed.subject = subject;
    f.feed.name = name;
    f.feed.created_at = from_unix(created);
    f.feed.revoked_at = revoked.instant();
    f.secret_hash = hash;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<FeedId> SqlTransaction::insert_feed(const StoredFeed& f) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("insert calendar feed", [&]() -> Result<FeedId> {
    long long tenant = f.feed.tenant, subject = f.feed.subject,
              created = to_unix(f.feed.created_at);
    int kind = static_cast<int>(f.feed.kind);
    NullableInt revoked(f.feed.revoked_at);
    long long id = 0;
    sql_ << "INSERT INTO calendar_feeds (tenant_id, kind, subject, name, secret_hash, created_at, "
            "revoked_at) VALUES (:t, :k, :s, :n, :h, :c, :r) RETURNING id",
        use(tenant), use(kind), use(subject), use(f.feed.name), use(f.secret_hash), use(created),
        use(revoked.value, revoked.ind), into(id);
    return FeedId(id);
  });
}

Result<std::optional<StoredFeed>> SqlTransaction::find_feed(FeedId id) {
  return run("find calendar feed", [&]() -> Result<std::optional<StoredFeed>> {
    auto rows = select_feeds(sql_, "id = :id", static_cast<long long>(id));
    if (rows.empty()) return std::optional<StoredFeed>();
    return std::optional<StoredFeed>(std::move(rows.front()));
  });
}

Result<std::vector<StoredFeed>> SqlTransaction::list_feeds(TenantId tenant) {
  return run("list calendar feeds", [&]() -> Result<std::vector<StoredFeed>> {
    return select_feeds(sql_, "tenant_id = :t", static_cast<long long>(tenant));
  });
}

Status SqlTransaction::update_feed(const StoredFeed& f) {
  BOKA_RETURN_IF_ERROR(check_writable());
  return run("update calendar feed", [&]() -> Status {
    long long id = f.feed.id, tenant = f.feed.tenant;
    NullableInt revoked(f.feed.revoked_at);
    soci::statement st = (sql_.prepare << "UPDATE calendar_feeds SET name = :n, revoked_at = :r "
                                          "WHERE tenant_id = :t AND id = :id",
                          use(f.feed.name), use(revoked.value, revoked.ind), use(tenant), use(id));
    st.execute(true);
    return expect_one(st, "calendar feed", f.feed.id);
  });
}

}  // namespace boka::detail
