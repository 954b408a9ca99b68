// boka/webhooks.hpp: signed webhooks, the push side of the event feed (boka/events.hpp).
// A tenant registers endpoints (a URL, the event types it wants, a secret); the worker
// delivers every matching event to each endpoint following the Standard Webhooks
// specification (headers webhook-id, webhook-timestamp and webhook-signature
// "v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>"), at least once, in order per
// subject, retrying with exponential backoff and jitter for more than a day before a
// delivery is dead-lettered. Dead or past deliveries can be replayed; an endpoint that
// fails for days is disabled (and audited). docs/webhooks.md is the guide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// Where a tenant's events go. The secret is never part of it: it is shown once, when the
// endpoint is created or its secret rotated (CreatedWebhookEndpoint).
struct WebhookEndpoint {
  WebhookEndpointId id{};  // assigned by the store
  TenantId tenant{};
  // http or https, at most 2,048 bytes, no user info. Hosts that resolve to loopback,
  // private, link-local or metadata addresses are refused unless the operator allow-lists
  // them (WebhookOptions::allow_addresses).
  std::string url;
  // The event types it receives (names or "family.*"); empty: every type.
  std::vector<std::string> event_types;
  std::string description;  // 0..500 bytes
  // Deliveries are made only while active. Set false by hand, or by boka when every
  // delivery failed for WebhookOptions::disable_after (disabled_reason says so).
  bool active = true;
  std::string disabled_reason;
  // The feed position up to which events have been scheduled for this endpoint: it starts
  // at the feed's head when the endpoint is created (no backlog is sent).
  std::int64_t after_position = 0;
  // Since when every delivery failed (null after any success).
  std::optional<Instant> failing_since;
  // During a rotation, deliveries are signed with the previous secret too until then.
  std::optional<Instant> previous_secret_expires_at;
  Instant created_at{};
  Instant updated_at{};
  std::int64_t version = 0;  // bumped by every change; pass it back to update
};

// An endpoint with its secret ("whsec_" + base64 of 32 random bytes), returned once.
struct CreatedWebhookEndpoint {
  WebhookEndpoint endpoint;
  std::string secret;
};

enum class DeliveryStatus : int {
  pending = 0,    // waiting for its first or next attempt
  delivered = 1,  // a 2xx answer
  dead = 2,       // attempts exhausted (or the endpoint was deleted): replay to retry
};
const char* delivery_status_name(DeliveryStatus s) noexcept;

// One event on its way to one endpoint.
struct WebhookDelivery {
  WebhookDeliveryId id{};
  TenantId tenant{};
  WebhookEndpointId endpoint{};
  EventId event{};
  std::int64_t event_position = 0;
  std::string event_type;
  std::string subject;
  DeliveryStatus status = DeliveryStatus::pending;
  int attempts = 0;
  Instant next_attempt_at{};
  std::optional<int> last_status_code;          // the last answer's HTTP status
  std::optional<std::int64_t> last_latency_ms;  // how long the last attempt took
  std::string last_error;                       // why the last attempt failed ("" if it did not)
  bool replay = false;                          // made by a replay request
  // Set while a worker is attempting it: no other worker takes it before then (a worker
  // that dies mid-attempt only delays the delivery until the lease ends).
  std::optional<Instant> leased_until;
  Instant created_at{};
  std::optional<Instant> delivered_at;
};

// One attempt of a delivery.
struct DeliveryAttempt {
  WebhookDeliveryId delivery{};
  int attempt = 0;  // 1, 2, ...
  Instant at{};
  std::optional<int> status_code;  // null: no answer (refused, timed out)
  std::int64_t latency_ms = 0;
  std::string error;  // "" for a 2xx
};

// Which deliveries Webhooks::list_deliveries returns, newest first.
struct DeliveryFilter {
  std::optional<WebhookEndpointId> endpoint;
  std::optional<DeliveryStatus> status;
  std::optional<EventId> event;
  WebhookDeliveryId before_id{};  // keyset pagination: ids below this (0: from the newest)
  int limit = 100;                // 1..1000
};

// What one Webhooks::deliver round did.
struct DeliveryRound {
  int scheduled = 0;  // new deliveries made from the feed
  int attempted = 0;
  int delivered = 0;
  int failed = 0;    // attempts that will be retried
  int dead = 0;      // deliveries that ran out of attempts
  int disabled = 0;  // endpoints disabled for failing too long
};

// The webhooks of a tenant (engine.webhooks()). Managing endpoints and reading deliveries
// needs "webhooks:manage"; deliver is for the worker ("system:operations").
// Thread-safety: any number of threads may call it; deliver may run in several processes
// at once (each delivery is leased to one of them).
class Webhooks {
 public:
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Creates an endpoint (spec.url, event_types, description, active) with a new secret.
  // invalid_argument naming a bad field (a refused URL says why: "url: resolves to
  // 127.0.0.1, a loopback address").
  Result<CreatedWebhookEndpoint> create_endpoint(const Principal& who, TenantId tenant,
                                                 const WebhookEndpoint& spec);
  Result<WebhookEndpoint> get_endpoint(const Principal& who, TenantId tenant, WebhookEndpointId id);
  Result<std::vector<WebhookEndpoint>> list_endpoints(const Principal& who, TenantId tenant);
  // Replaces url, event_types, description and active (re-enabling clears
  // disabled_reason and failing_since); endpoint.version must equal the stored one.
  Result<WebhookEndpoint> update_endpoint(const Principal& who, TenantId tenant,
                                          const WebhookEndpoint& endpoint);
  // Deletes the endpoint; its pending deliveries become dead.
  Status delete_endpoint(const Principal& who, TenantId tenant, WebhookEndpointId id);
  // A new secret; the old one keeps signing too (two signatures per delivery) for
  // `overlap` (0 .. 7 days), so receivers can switch without dropping deliveries.
  Result<CreatedWebhookEndpoint> rotate_secret(const Principal& who, TenantId tenant,
                                               WebhookEndpointId id, Seconds overlap);

  Result<std::vector<WebhookDelivery>> list_deliveries(const Principal& who, TenantId tenant,
                                                       const DeliveryFilter& filter);
  Result<WebhookDelivery> get_delivery(const Principal& who, TenantId tenant, WebhookDeliveryId id);
  Result<std::vector<DeliveryAttempt>> list_attempts(const Principal& who, TenantId tenant,
                                                     WebhookDeliveryId id);
  // Sends `event` (any kept event, delivered or not) to the endpoint again, as a new
  // delivery with the same webhook-id. not_found if the event was pruned.
  Result<WebhookDelivery> replay(const Principal& who, TenantId tenant, WebhookEndpointId endpoint,
                                 EventId event);
  // Replays every dead delivery of the endpoint; returns how many.
  Result<int> replay_dead(const Principal& who, TenantId tenant, WebhookEndpointId endpoint);

  // One round of the worker: schedules new events for every active endpoint, then makes up
  // to `limit` due attempts (at most one in flight per endpoint and subject, in feed
  // order), each leased so that a worker killed mid-delivery only delays it. Blocks for the
  // HTTP calls. Needs "system:operations".
  Result<DeliveryRound> deliver(const Principal& who, int limit = 100);

 private:
  friend class Engine;
  explicit Webhooks(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
