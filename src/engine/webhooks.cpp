// Webhooks (boka/webhooks.hpp): endpoints with sealed secrets, the worker's delivery round
// (schedule from the event feed, lease, POST, record, back off, dead-letter, disable), and
// replays. docs/webhooks.md is the guide; docs/architecture.md, "Webhooks", the decisions.
#include <algorithm>
#include <random>

#include "boka/version.hpp"
#include "codec/json_codec.hpp"
#include "delivery/http_client.hpp"
#include "delivery/signing.hpp"
#include "delivery/url_policy.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

const char* delivery_status_name(DeliveryStatus s) noexcept {
  switch (s) {
    case DeliveryStatus::pending: return "pending";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::dead: return "dead";
  }
  return "unknown";
}

namespace detail {

struct WebhookRuntime {
  WebhookOptions options;
  delivery::UrlPolicy policy;
};

Seconds with_jitter(Seconds wait) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> extra(0, wait.count() / 5);
  return wait + Seconds(extra(rng));
}

Status configure_webhooks(EngineImpl& impl, const WebhookOptions& o) {
  auto runtime = std::make_shared<WebhookRuntime>();
  runtime->options = o;
  auto allow = delivery::AddressAllowList::parse(o.allow_addresses);
  if (!allow.ok()) {
    return InvalidArgument("webhooks.allow_addresses: " + allow.status().message());
  }
  runtime->policy.allow = std::move(*allow);
  if (o.connect_timeout_ms < 1 || o.connect_timeout_ms > 60000) {
    return InvalidArgument("webhooks.connect_timeout_ms: must be 1..60000");
  }
  if (o.timeout_ms < 1 || o.timeout_ms > 120000) {
    return InvalidArgument("webhooks.timeout_ms: must be 1..120000");
  }
  if (o.max_response_bytes < 0 || o.max_response_bytes > (1 << 20)) {
    return InvalidArgument("webhooks.max_response_bytes: must be 0..1048576");
  }
  if (o.retry_schedule.empty() || o.retry_schedule.size() > 50) {
    return InvalidArgument("webhooks.retry_schedule: 1..50 waits");
  }
  for (std::size_t i = 0; i < o.retry_schedule.size(); ++i) {
    if (o.retry_schedule[i] < Seconds(1) || o.retry_schedule[i] > Seconds(7 * 86400)) {
      return InvalidArgument("webhooks.retry_schedule[" + std::to_string(i) +
                             "]: must be 1 s .. 7 days");
    }
  }
  if (o.disable_after < Seconds(3600) || o.disable_after > Seconds(30 * 86400)) {
    return InvalidArgument("webhooks.disable_after: must be 1 hour .. 30 days");
  }
  if (o.lease.count() * 1000 <= o.timeout_ms || o.lease > Seconds(3600)) {
    return InvalidArgument("webhooks.lease: must be longer than timeout_ms and at most 1 hour");
  }
  impl.webhooks = std::move(runtime);
  return Status::Ok();
}

}  // namespace detail

namespace {

using detail::Actor;

constexpr std::size_t kMaxDescription = 500;
constexpr std::size_t kMaxEventTypes = 50;
// Events one scheduling step reads for an endpoint; a round takes up to kScheduleSteps.
constexpr int kSchedulePage = 500;
constexpr int kScheduleSteps = 10;

// What a refused URL is to the caller: a bad argument, whatever the policy's code.
Status url_problem(const Status& s) {
  std::string m = s.message();
  if (m.rfind("url", 0) != 0) m = "url: " + m;
  return InvalidArgument(m);
}

Status check_spec(const detail::WebhookRuntime& rt, const WebhookEndpoint& e) {
  auto checked = delivery::check_url(e.url, rt.policy);
  if (!checked.ok()) return url_problem(checked.status());
  if (e.event_types.size() > kMaxEventTypes) return InvalidArgument("event_types: at most 50");
  BOKA_RETURN_IF_ERROR(detail::check_event_types(e.event_types, "event_types"));
  if (e.description.size() > kMaxDescription) {
    return InvalidArgument("description: at most 500 bytes");
  }
  return Status::Ok();
}

// The host of an endpoint's URL, for audit details: the path and query may hold a token.
std::string host_of(const std::string& url) {
  auto parsed = delivery::parse_endpoint_url(url);
  return parsed.ok() ? parsed->host : std::string();
}

detail::AuditEntry endpoint_entry(const WebhookEndpoint& e, const char* action) {
  detail::AuditEntry a;
  a.tenant = e.tenant;
  a.action = action;
  a.target = "webhook:" + std::to_string(e.id);
  detail::JsonObject d;
  d.add("host", host_of(e.url))
      .add("active", e.active)
      .add("event_types", nlohmann::ordered_json(e.event_types))
      .add("version", e.version);
  if (!e.disabled_reason.empty()) d.add("disabled_reason", e.disabled_reason);
  a.detail_json = d.str();
  return a;
}

std::string sealing_context(TenantId tenant) { return "webhook:" + std::to_string(tenant); }

Result<std::string> open_secret(const detail::SecretBox& box, const std::string& sealed,
                                TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto bytes, box.open(sealed, sealing_context(tenant)));
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

// ---- endpoints --------------------------------------------------------------------------------

Result<CreatedWebhookEndpoint> Webhooks::create_endpoint(const Principal& who, TenantId tenant,
                                                         const WebhookEndpoint& spec) {
  return impl_->refusal_audited(
      who, tenant, "webhook.create", "", [&]() -> Result<CreatedWebhookEndpoint> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::webhooks_manage));
        if (impl_->auth->box.empty()) {
          return NotSupported(
              "webhooks need an encryption key for their secrets: set "
              "AuthOptions::encryption_key");
        }
        BOKA_RETURN_IF_ERROR(check_spec(*impl_->webhooks, spec));
        BOKA_RETURN_IF_ERROR(impl_->position_events());
        CreatedWebhookEndpoint out;
        BOKA_ASSIGN_OR_RETURN(out.secret, delivery::generate_webhook_secret());
        StoredWebhookEndpoint row;
        row.endpoint = spec;
        WebhookEndpoint& e = row.endpoint;
        e.tenant = tenant;
        e.disabled_reason.clear();
        e.failing_since.reset();
        e.previous_secret_expires_at.reset();
        e.created_at = e.updated_at = impl_->clock->now();
        e.version = 1;
        BOKA_ASSIGN_OR_RETURN(row.secret_sealed,
                              impl_->auth->box.seal(out.secret, sealing_context(tenant)));
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              // No backlog: the endpoint receives what happens from now on.
              BOKA_ASSIGN_OR_RETURN(e.after_position, txn.event_head(tenant));
              BOKA_ASSIGN_OR_RETURN(e.id, txn.insert_webhook_endpoint(row));
              return impl_->audit(txn, actor, endpoint_entry(e, "webhook.create"));
            }));
        out.endpoint = e;
        return out;
      });
}

Result<WebhookEndpoint> Webhooks::get_endpoint(const Principal& who, TenantId tenant,
                                               WebhookEndpointId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::webhooks_manage).status());
  std::optional<StoredWebhookEndpoint> found;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(found, txn.find_webhook_endpoint(tenant, id));
        return Status::Ok();
      }));
  if (!found || found->deleted) {
    return NotFound("webhook endpoint " + std::to_string(id) + " not found");
  }
  return found->endpoint;
}

Result<std::vector<WebhookEndpoint>> Webhooks::list_endpoints(const Principal& who,
                                                              TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::webhooks_manage).status());
  std::vector<WebhookEndpoint> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(auto rows, txn.list_webhook_endpoints(tenant));
        for (auto& r : rows) out.push_back(std::move(r.endpoint));
        return Status::Ok();
      }));
  return out;
}

Result<WebhookEndpoint> Webhooks::update_endpoint(const Principal& who, TenantId tenant,
                                                  const WebhookEndpoint& wanted) {
  return impl_->refusal_audited(
      who, tenant, "webhook.update", "webhook:" + std::to_string(wanted.id),
      [&]() -> Result<WebhookEndpoint> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::webhooks_manage));
        BOKA_RETURN_IF_ERROR(check_spec(*impl_->webhooks, wanted));
        WebhookEndpoint out;
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"webhook-endpoint:" + std::to_string(wanted.id)};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_webhook_endpoint(tenant, wanted.id));
          if (!cur || cur->deleted) {
            return NotFound("webhook endpoint " + std::to_string(wanted.id) + " not found");
          }
          if (cur->endpoint.version != wanted.version) {
            return detail::stale("webhook endpoint", wanted.id, wanted.version,
                                 cur->endpoint.version);
          }
          WebhookEndpoint& e = cur->endpoint;
          const bool enabling = wanted.active && !e.active;
          e.url = wanted.url;
          e.event_types = wanted.event_types;
          e.description = wanted.description;
          e.active = wanted.active;
          if (enabling) {
            e.disabled_reason.clear();
            e.failing_since.reset();
          } else if (!wanted.active && e.disabled_reason.empty()) {
            e.disabled_reason = "disabled by " + actor.name;
          }
          e.updated_at = impl_->clock->now();
          e.version += 1;
          BOKA_RETURN_IF_ERROR(txn.update_webhook_endpoint(*cur));
          BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor, endpoint_entry(e, "webhook.update")));
          out = e;
          return Status::Ok();
        }));
        return out;
      });
}

Status Webhooks::delete_endpoint(const Principal& who, TenantId tenant, WebhookEndpointId id) {
  return impl_->refusal_audited(
      who, tenant, "webhook.delete", "webhook:" + std::to_string(id), [&]() -> Status {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::webhooks_manage));
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"webhook-endpoint:" + std::to_string(id)};
        return impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_webhook_endpoint(tenant, id));
          if (!cur || cur->deleted) {
            return NotFound("webhook endpoint " + std::to_string(id) + " not found");
          }
          cur->deleted = true;
          cur->endpoint.active = false;
          cur->secret_sealed.clear();
          cur->previous_secret_sealed.clear();
          cur->endpoint.updated_at = impl_->clock->now();
          cur->endpoint.version += 1;
          BOKA_RETURN_IF_ERROR(txn.update_webhook_endpoint(*cur));
          BOKA_RETURN_IF_ERROR(txn.end_deliveries(tenant, id, "endpoint deleted").status());
          return impl_->audit(txn, actor, endpoint_entry(cur->endpoint, "webhook.delete"));
        });
      });
}

Result<CreatedWebhookEndpoint> Webhooks::rotate_secret(const Principal& who, TenantId tenant,
                                                       WebhookEndpointId id, Seconds overlap) {
  return impl_->refusal_audited(
      who, tenant, "webhook.rotate_secret", "webhook:" + std::to_string(id),
      [&]() -> Result<CreatedWebhookEndpoint> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::webhooks_manage));
        if (overlap < Seconds(0) || overlap > Seconds(7 * 86400)) {
          return InvalidArgument("overlap: must be 0 .. 7 days");
        }
        if (impl_->auth->box.empty()) {
          return NotSupported(
              "webhooks need an encryption key for their secrets: set "
              "AuthOptions::encryption_key");
        }
        CreatedWebhookEndpoint out;
        BOKA_ASSIGN_OR_RETURN(out.secret, delivery::generate_webhook_secret());
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"webhook-endpoint:" + std::to_string(id)};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_webhook_endpoint(tenant, id));
          if (!cur || cur->deleted) {
            return NotFound("webhook endpoint " + std::to_string(id) + " not found");
          }
          const Instant now = impl_->clock->now();
          if (overlap > Seconds(0)) {
            cur->previous_secret_sealed = cur->secret_sealed;
            cur->endpoint.previous_secret_expires_at = now + overlap;
          } else {
            cur->previous_secret_sealed.clear();
            cur->endpoint.previous_secret_expires_at.reset();
          }
          BOKA_ASSIGN_OR_RETURN(cur->secret_sealed,
                                impl_->auth->box.seal(out.secret, sealing_context(tenant)));
          cur->endpoint.updated_at = now;
          cur->endpoint.version += 1;
          BOKA_RETURN_IF_ERROR(txn.update_webhook_endpoint(*cur));
          BOKA_RETURN_IF_ERROR(
              impl_->audit(txn, actor, endpoint_entry(cur->endpoint, "webhook.rotate_secret")));
          out.endpoint = cur->endpoint;
          return Status::Ok();
        }));
        return out;
      });
}

// ---- deliveries -------------------------------------------------------------------------------

Result<std::vector<WebhookDelivery>> Webhooks::list_deliveries(const Principal& who,
                                                               TenantId tenant,
                                                               const DeliveryFilter& filter) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::webhooks_manage).status());
  if (filter.limit < 1 || filter.limit > 1000) return InvalidArgument("limit: must be 1..1000");
  std::vector<WebhookDelivery> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_deliveries(tenant, filter));
        return Status::Ok();
      }));
  return out;
}

Result<WebhookDelivery> Webhooks::get_delivery(const Principal& who, TenantId tenant,
                                               WebhookDeliveryId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::webhooks_manage).status());
  std::optional<WebhookDelivery> found;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(found, txn.find_delivery(tenant, id));
        return Status::Ok();
      }));
  if (!found) return NotFound("webhook delivery " + std::to_string(id) + " not found");
  return std::move(*found);
}

Result<std::vector<DeliveryAttempt>> Webhooks::list_attempts(const Principal& who, TenantId tenant,
                                                             WebhookDeliveryId id) {
  BOKA_RETURN_IF_ERROR(get_delivery(who, tenant, id).status());
  std::vector<DeliveryAttempt> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(out, txn.list_delivery_attempts(tenant, id));
        return Status::Ok();
      }));
  return out;
}

Result<WebhookDelivery> Webhooks::replay(const Principal& who, TenantId tenant,
                                         WebhookEndpointId endpoint, EventId event) {
  return impl_->refusal_audited(
      who, tenant, "webhook.replay", "webhook:" + std::to_string(endpoint),
      [&]() -> Result<WebhookDelivery> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::webhooks_manage));
        BOKA_RETURN_IF_ERROR(impl_->position_events());
        WebhookDelivery d;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto e, txn.find_webhook_endpoint(tenant, endpoint));
              if (!e || e->deleted) {
                return NotFound("webhook endpoint " + std::to_string(endpoint) + " not found");
              }
              BOKA_ASSIGN_OR_RETURN(auto ev, txn.find_event(tenant, event));
              if (!ev || ev->position == 0) {
                return NotFound("event " + std::to_string(event) + " not found (pruned?)");
              }
              d.tenant = tenant;
              d.endpoint = endpoint;
              d.event = ev->id;
              d.event_position = ev->position;
              d.event_type = ev->type;
              d.subject = ev->subject;
              d.status = DeliveryStatus::pending;
              d.next_attempt_at = d.created_at = impl_->clock->now();
              d.replay = true;
              BOKA_ASSIGN_OR_RETURN(d.id, txn.insert_delivery(d));
              detail::AuditEntry a;
              a.tenant = tenant;
              a.action = "webhook.replay";
              a.target = "webhook:" + std::to_string(endpoint);
              detail::JsonObject j;
              j.add("event", static_cast<std::int64_t>(ev->id))
                  .add("delivery", static_cast<std::int64_t>(d.id));
              a.detail_json = j.str();
              return impl_->audit(txn, actor, std::move(a));
            }));
        return d;
      });
}

Result<int> Webhooks::replay_dead(const Principal& who, TenantId tenant,
                                  WebhookEndpointId endpoint) {
  BOKA_RETURN_IF_ERROR(get_endpoint(who, tenant, endpoint).status());
  // Each dead delivery once, even if it died several times (its event, newest first).
  std::vector<EventId> events;
  DeliveryFilter f;
  f.endpoint = endpoint;
  f.status = DeliveryStatus::dead;
  f.limit = 1000;
  for (;;) {
    BOKA_ASSIGN_OR_RETURN(auto page, list_deliveries(who, tenant, f));
    for (const WebhookDelivery& d : page) {
      if (std::find(events.begin(), events.end(), d.event) == events.end()) {
        events.push_back(d.event);
      }
    }
    if (static_cast<int>(page.size()) < f.limit) break;
    f.before_id = page.back().id;
  }
  // Oldest first, so each subject's replays keep their order.
  std::reverse(events.begin(), events.end());
  int n = 0;
  for (EventId e : events) {
    auto made = replay(who, tenant, endpoint, e);
    if (made.ok()) {
      ++n;
    } else if (made.status().code() != Code::not_found) {
      return made.status();
    }
  }
  return n;
}

// ---- the worker's round -------------------------------------------------------------------------

namespace {

// Makes deliveries of the events `endpoint` has not been given yet; returns how many.
Result<int> schedule_for(EngineImpl& impl, const WebhookEndpoint& endpoint) {
  int made = 0;
  for (int step = 0; step < kScheduleSteps; ++step) {
    bool more = false;
    WriteIntent intent(TxnScope::tenant(endpoint.tenant));
    // Two workers never schedule one endpoint at once (or an event would go twice).
    intent.lock_names = {"webhook-endpoint:" + std::to_string(endpoint.id)};
    BOKA_RETURN_IF_ERROR(impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_webhook_endpoint(endpoint.tenant, endpoint.id));
      if (!cur || cur->deleted || !cur->endpoint.active) return Status::Ok();
      EventQuery q;
      q.after = cur->endpoint.after_position;
      q.limit = kSchedulePage;
      q.types = cur->endpoint.event_types;
      BOKA_ASSIGN_OR_RETURN(auto events, txn.list_events(endpoint.tenant, q));
      std::int64_t next = q.after;
      if (static_cast<int>(events.size()) == q.limit) {
        more = true;
        next = events.back().position;
      } else {
        BOKA_ASSIGN_OR_RETURN(std::int64_t head, txn.event_head(endpoint.tenant));
        next = std::max(next, head);
      }
      const Instant now = impl.clock->now();
      for (const Event& e : events) {
        WebhookDelivery d;
        d.tenant = endpoint.tenant;
        d.endpoint = endpoint.id;
        d.event = e.id;
        d.event_position = e.position;
        d.event_type = e.type;
        d.subject = e.subject;
        d.status = DeliveryStatus::pending;
        d.next_attempt_at = d.created_at = now;
        BOKA_RETURN_IF_ERROR(txn.insert_delivery(d).status());
        ++made;
      }
      if (next == cur->endpoint.after_position) return Status::Ok();
      cur->endpoint.after_position = next;
      return txn.update_webhook_endpoint(*cur);
    }));
    if (!more) break;
  }
  return made;
}

// The outcome of one attempt, as recorded.
struct Attempted {
  std::optional<int> status_code;
  std::int64_t latency_ms = 0;
  std::string error;
  bool ok() const { return status_code && *status_code >= 200 && *status_code < 300; }
};

}  // namespace

Result<DeliveryRound> Webhooks::deliver(const Principal& who, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  if (limit < 1 || limit > 10000) return InvalidArgument("limit: must be 1..10000");
  if (impl_->read_only->on.load(std::memory_order_relaxed)) return DeliveryRound{};
  const detail::WebhookRuntime& rt = *impl_->webhooks;
  const WebhookOptions& o = rt.options;
  DeliveryRound round;
  BOKA_RETURN_IF_ERROR(impl_->position_events());

  // 1. Schedule: every active endpoint gets the events after its position.
  std::vector<StoredWebhookEndpoint> endpoints;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(endpoints, txn.active_webhook_endpoints());
        return Status::Ok();
      }));
  for (const StoredWebhookEndpoint& e : endpoints) {
    BOKA_ASSIGN_OR_RETURN(int made, schedule_for(*impl_, e.endpoint));
    round.scheduled += made;
  }

  // 2. The due deliveries, each leased before it is attempted. A delivered one may let the
  // next event of its subject go, so the round asks again until nothing is due or `limit`
  // attempts were made.
  for (;;) {
    const int attempted_before = round.attempted;
    std::vector<WebhookDelivery> due;
    BOKA_RETURN_IF_ERROR(
        impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(due,
                                txn.due_deliveries(impl_->clock->now(), limit - round.attempted));
          return Status::Ok();
        }));
    for (const WebhookDelivery& candidate : due) {
      const Instant leased_at = impl_->clock->now();
      bool mine = false;
      std::optional<StoredWebhookEndpoint> endpoint;
      std::optional<Event> event;
      BOKA_RETURN_IF_ERROR(impl_->storage->write(
          WriteIntent(TxnScope::tenant(candidate.tenant)), [&](StorageTransaction& txn) -> Status {
            BOKA_ASSIGN_OR_RETURN(mine,
                                  txn.lease_delivery(candidate.id, leased_at, leased_at + o.lease));
            if (!mine) return Status::Ok();
            BOKA_ASSIGN_OR_RETURN(endpoint,
                                  txn.find_webhook_endpoint(candidate.tenant, candidate.endpoint));
            BOKA_ASSIGN_OR_RETURN(event, txn.find_event(candidate.tenant, candidate.event));
            return Status::Ok();
          }));
      if (!mine) continue;  // another worker has it

      // 3. The attempt, outside any transaction.
      Attempted a;
      const Instant sent_at = impl_->clock->now();
      if (!endpoint || endpoint->deleted) {
        a.error = "endpoint deleted";
      } else if (!event) {
        a.error = "event " + std::to_string(candidate.event) + " was pruned";
      } else {
        // The body is the event's document; its id is the webhook-id, the same in every
        // retry and replay, so receivers drop repeats.
        const std::string body = codec::dump(codec::to_json(*event));
        const std::string msg_id = "evt_" + std::to_string(event->id);
        const std::int64_t timestamp = to_unix(sent_at);
        std::vector<std::string> signatures;
        Status signed_ok = [&]() -> Status {
          BOKA_ASSIGN_OR_RETURN(auto secret, open_secret(impl_->auth->box, endpoint->secret_sealed,
                                                         candidate.tenant));
          BOKA_ASSIGN_OR_RETURN(auto sig,
                                delivery::webhook_signature(secret, msg_id, timestamp, body));
          signatures.push_back(std::move(sig));
          const auto& until = endpoint->endpoint.previous_secret_expires_at;
          if (!endpoint->previous_secret_sealed.empty() && until && sent_at < *until) {
            BOKA_ASSIGN_OR_RETURN(
                auto old,
                open_secret(impl_->auth->box, endpoint->previous_secret_sealed, candidate.tenant));
            BOKA_ASSIGN_OR_RETURN(auto sig2,
                                  delivery::webhook_signature(old, msg_id, timestamp, body));
            signatures.push_back(std::move(sig2));
          }
          return Status::Ok();
        }();
        if (!signed_ok.ok()) {
          a.error = "cannot sign: " + signed_ok.message();
        } else {
          delivery::HttpPost post;
          post.url = endpoint->endpoint.url;
          post.headers = {{"Content-Type", "application/json"},
                          {"User-Agent", std::string("boka-webhooks/") + version_string()},
                          {"webhook-id", msg_id},
                          {"webhook-timestamp", std::to_string(timestamp)},
                          {"webhook-signature", delivery::webhook_signature_header(signatures)}};
          post.body = body;
          post.connect_timeout_ms = o.connect_timeout_ms;
          post.timeout_ms = o.timeout_ms;
          post.max_response_bytes = static_cast<std::size_t>(o.max_response_bytes);
          auto outcome = delivery::post(post, rt.policy);
          if (!outcome.ok()) {
            a.error = outcome.status().message();
          } else {
            a.latency_ms = outcome->latency_ms;
            if (outcome->status != 0) a.status_code = outcome->status;
            if (!a.ok()) {
              a.error = outcome->status == 0 ? outcome->error
                                             : "answered " + std::to_string(outcome->status);
            }
          }
        }
      }
      ++round.attempted;

      // 4. The record: delivered, retried later, or dead; the endpoint's failure streak.
      bool disabled = false;
      DeliveryStatus became = DeliveryStatus::pending;
      BOKA_RETURN_IF_ERROR(impl_->storage->write(
          WriteIntent(TxnScope::tenant(candidate.tenant)), [&](StorageTransaction& txn) -> Status {
            disabled = false;
            BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_delivery(candidate.tenant, candidate.id));
            if (!cur) return Status::Ok();
            WebhookDelivery d = *cur;
            const Instant now = impl_->clock->now();
            d.attempts += 1;
            d.last_status_code = a.status_code;
            d.last_latency_ms = a.latency_ms;
            d.last_error = a.error;
            d.leased_until.reset();
            DeliveryAttempt attempt;
            attempt.delivery = d.id;
            attempt.attempt = d.attempts;
            attempt.at = sent_at;
            attempt.status_code = a.status_code;
            attempt.latency_ms = a.latency_ms;
            attempt.error = a.error;
            BOKA_RETURN_IF_ERROR(txn.insert_delivery_attempt(candidate.tenant, attempt));
            if (d.status == DeliveryStatus::pending) {
              if (a.ok()) {
                d.status = DeliveryStatus::delivered;
                d.delivered_at = now;
              } else if (!endpoint || endpoint->deleted || !event ||
                         d.attempts > static_cast<int>(o.retry_schedule.size())) {
                d.status = DeliveryStatus::dead;
              } else {
                d.next_attempt_at =
                    now +
                    detail::with_jitter(o.retry_schedule[static_cast<std::size_t>(d.attempts - 1)]);
              }
            }
            became = d.status;
            BOKA_RETURN_IF_ERROR(txn.update_delivery(d));
            // The endpoint's failure streak: any success ends it; failing for disable_after
            // disables the endpoint (audited).
            BOKA_ASSIGN_OR_RETURN(auto ep, txn.find_webhook_endpoint(candidate.tenant, d.endpoint));
            if (!ep || ep->deleted) return Status::Ok();
            WebhookEndpoint& e = ep->endpoint;
            if (a.ok()) {
              if (!e.failing_since) return Status::Ok();
              e.failing_since.reset();
            } else if (!e.failing_since) {
              e.failing_since = sent_at;
            } else if (e.active && now - *e.failing_since >= o.disable_after) {
              e.active = false;
              e.disabled_reason =
                  "every delivery failed since " + codec::format_utc(*e.failing_since);
              disabled = true;
            } else {
              return Status::Ok();
            }
            e.version += 1;
            e.updated_at = now;
            BOKA_RETURN_IF_ERROR(txn.update_webhook_endpoint(*ep));
            if (!disabled) return Status::Ok();
            detail::Actor system;
            system.name = Principal::system().name();
            return impl_->audit(txn, system, endpoint_entry(e, "webhook.disable"));
          }));
      if (became == DeliveryStatus::delivered) {
        ++round.delivered;
        impl_->metrics->webhooks.delivered->inc();
      } else if (became == DeliveryStatus::dead) {
        ++round.dead;
        impl_->metrics->webhooks.dead->inc();
      } else {
        ++round.failed;
        impl_->metrics->webhooks.failed->inc();
      }
      if (a.status_code || !a.error.empty()) {
        impl_->metrics->webhooks.latency->observe(static_cast<double>(a.latency_ms) / 1000.0);
      }
      if (disabled) ++round.disabled;
    }
    if (round.attempted == attempted_before || round.attempted >= limit) break;
  }
  return round;
}

}  // namespace boka
