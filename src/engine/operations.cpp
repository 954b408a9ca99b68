// Operations: metrics registration, read-only mode, health, database statistics,
// heartbeats, and Operations::backup (the store copies itself, src/ops/backup.cpp names,
// verifies and prunes; this records it).
#include <sys/statvfs.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/engine_impl.hpp"
#include "ops/backup.hpp"

namespace boka {

const char* health_status_name(HealthStatus status) noexcept {
  switch (status) {
    case HealthStatus::ok: return "ok";
    case HealthStatus::degraded: return "degraded";
    case HealthStatus::failing: return "failing";
  }
  return "unknown";
}

namespace detail {
namespace {

// Refuses writes while the engine is read-only; everything else passes through.
class ReadOnlyGate final : public StorageWrapper {
 public:
  ReadOnlyGate(std::shared_ptr<Storage> target, std::shared_ptr<ReadOnlyState> state)
      : StorageWrapper(std::move(target)), state_(std::move(state)) {}

  Status write(const WriteIntent& intent, Work work) override {
    if (state_->on.load(std::memory_order_acquire)) {
      std::lock_guard lock(state_->mutex);
      return Unavailable("boka is in read-only mode (" + state_->reason +
                         "); writes are refused until it is switched off");
    }
    return StorageWrapper::write(intent, work);
  }

 private:
  std::shared_ptr<ReadOnlyState> state_;
};

const char* const kOperationNames[EngineMetrics::kOperations] = {
    "reserve", "confirm", "cancel", "reschedule", "complete", "no_show", "expire"};
const char* const kOutcomeNames[EngineMetrics::kOutcomes] = {"success",  "denied",  "conflict",
                                                             "rejected", "failure", "error"};

}  // namespace

std::shared_ptr<Storage> make_read_only_gate(std::shared_ptr<Storage> target,
                                             std::shared_ptr<ReadOnlyState> state) {
  return std::make_shared<ReadOnlyGate>(std::move(target), std::move(state));
}

void EngineMetrics::booking_outcome(int operation, const Status& st) {
  int outcome = 5;  // error: unavailable, storage, internal
  if (auto o = refusal_outcome(st.code())) outcome = static_cast<int>(*o);
  booking[operation][outcome]->inc();
}

Result<std::unique_ptr<EngineMetrics>> register_engine_metrics(MetricsRegistry& r) {
  auto m = std::make_unique<EngineMetrics>();
  for (int op = 0; op < EngineMetrics::kOperations; ++op) {
    for (int out = 0; out < EngineMetrics::kOutcomes; ++out) {
      BOKA_ASSIGN_OR_RETURN(
          m->booking[op][out],
          r.counter("booking_transactions_total",
                    "Booking transactions (reserve, confirm, cancel, reschedule, complete, "
                    "no_show, expire) by outcome",
                    {{"operation", kOperationNames[op]}, {"outcome", kOutcomeNames[out]}}));
    }
  }
  BOKA_ASSIGN_OR_RETURN(
      m->bookings_created,
      r.counter("bookings_created_total", "Reservations created (idempotent replays not counted)"));
  const std::pair<Counter**, const char*> logins[] = {{&m->logins.success, "success"},
                                                      {&m->logins.mfa_required, "mfa_required"},
                                                      {&m->logins.failure, "failure"},
                                                      {&m->logins.rate_limited, "rate_limited"}};
  for (const auto& [counter, result] : logins) {
    BOKA_ASSIGN_OR_RETURN(*counter, r.counter("auth_logins_total", "Password logins by result",
                                              {{"result", result}}));
  }
  const std::pair<Counter**, const char*> mfa_checks[] = {{&m->mfa_checks.success, "success"},
                                                          {&m->mfa_checks.failure, "failure"}};
  for (const auto& [counter, result] : mfa_checks) {
    BOKA_ASSIGN_OR_RETURN(
        *counter,
        r.counter("auth_mfa_verifications_total",
                  "MFA codes checked by verify_mfa (completing a login or stepping up) by result",
                  {{"result", result}}));
  }
  // Notifications by outcome (every PaymentOutcome, and refused ones); the transitions they
  // made (paid, failed, refunded, late) are payments_processed_total.
  for (int i = 0; i <= static_cast<int>(PaymentOutcome::duplicate); ++i) {
    const char* name = payment_outcome_name(static_cast<PaymentOutcome>(i));
    BOKA_ASSIGN_OR_RETURN(
        m->payment_notices[i],
        r.counter("payment_notifications_total", "Payment provider notifications taken, by outcome",
                  {{"outcome", name}}));
    const auto o = static_cast<PaymentOutcome>(i);
    if (o == PaymentOutcome::paid || o == PaymentOutcome::failed || o == PaymentOutcome::refunded ||
        o == PaymentOutcome::late) {
      BOKA_ASSIGN_OR_RETURN(m->payments[i],
                            r.counter("payments_processed_total",
                                      "Payment state transitions made by the provider's "
                                      "notifications or recorded by staff, by outcome",
                                      {{"outcome", name}}));
    }
  }
  BOKA_ASSIGN_OR_RETURN(
      m->payment_refused,
      r.counter("payment_notifications_total", "Payment provider notifications taken, by outcome",
                {{"outcome", "refused"}}));
  const std::pair<Counter**, const char*> mail_outcomes[] = {{&m->mail.sent, "sent"},
                                                             {&m->mail.failed, "failed"},
                                                             {&m->mail.dead, "dead"},
                                                             {&m->mail.skipped, "skipped"}};
  for (const auto& [counter, outcome] : mail_outcomes) {
    BOKA_ASSIGN_OR_RETURN(
        *counter,
        r.counter("emails_total", "Email submission attempts by outcome", {{"outcome", outcome}}));
  }
  BOKA_ASSIGN_OR_RETURN(m->conflict_check,
                        r.histogram("booking_conflict_check_seconds",
                                    "Time reserve takes to check a reservation against capacity "
                                    "and rules (under the resource lock)",
                                    latency_buckets()));
  BOKA_ASSIGN_OR_RETURN(m->availability,
                        r.histogram("availability_query_seconds",
                                    "Time to answer an availability query", latency_buckets()));
  BOKA_ASSIGN_OR_RETURN(m->read_only,
                        r.gauge("boka_read_only", "1 while the engine refuses writes"));
  const std::pair<Counter**, const char*> offers[] = {{&m->waitlist.made, "made"},
                                                      {&m->waitlist.accepted, "accepted"},
                                                      {&m->waitlist.lapsed, "lapsed"}};
  for (const auto& [counter, result] : offers) {
    BOKA_ASSIGN_OR_RETURN(*counter,
                          r.counter("waitlist_offers_total",
                                    "Waitlist offers (holds made for a waiting entry) by what "
                                    "became of them",
                                    {{"result", result}}));
  }
  const std::pair<Counter**, const char*> deliveries[] = {{&m->webhooks.delivered, "delivered"},
                                                          {&m->webhooks.failed, "failed"},
                                                          {&m->webhooks.dead, "dead"}};
  for (const auto& [counter, outcome] : deliveries) {
    BOKA_ASSIGN_OR_RETURN(*counter,
                          r.counter("webhook_deliveries_total",
                                    "Webhook delivery attempts by outcome: delivered (2xx), "
                                    "failed (to be retried), dead (out of attempts)",
                                    {{"outcome", outcome}}));
  }
  BOKA_ASSIGN_OR_RETURN(
      m->webhooks.latency,
      r.histogram("webhook_delivery_seconds", "Time a webhook delivery attempt took, answer or not",
                  latency_buckets()));
  return m;
}

}  // namespace detail

std::shared_ptr<MetricsRegistry> Operations::metrics() const { return impl_->metrics_registry; }

Status Operations::set_read_only(const Principal& who, bool on, std::string_view reason) {
  return impl_->refusal_audited(
      who, TenantId{}, on ? "ops.read_only_on" : "ops.read_only_off", "", [&]() -> Status {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize_global(who, Permission::system_operations));
        if (reason.size() > 500) return InvalidArgument("reason: at most 500 bytes");
        auto& state = *impl_->read_only;
        if (state.on.load() == on) return Status::Ok();
        detail::AuditEntry e;
        e.tenant = TenantId{};
        e.action = on ? "ops.read_only_on" : "ops.read_only_off";
        e.detail_json = detail::JsonObject().add("reason", reason).str();
        const auto record = [&]() {
          return impl_->storage->write(
              WriteIntent(TxnScope::all_tenants()),
              [&](StorageTransaction& txn) -> Status { return impl_->audit(txn, actor, e); });
        };
        if (on) {
          // Recorded while writes still go through, then switched.
          BOKA_RETURN_IF_ERROR(record());
          {
            std::lock_guard lock(state.mutex);
            state.reason =
                reason.empty() ? std::string("switched on by ") + actor.name : std::string(reason);
          }
          state.on.store(true, std::memory_order_release);
          impl_->metrics->read_only->set(1);
          return Status::Ok();
        }
        state.on.store(false, std::memory_order_release);
        impl_->metrics->read_only->set(0);
        return record();
      });
}

std::optional<std::string> Operations::read_only_reason() const {
  auto& state = *impl_->read_only;
  if (!state.on.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(state.mutex);
  return state.reason;
}

Status Operations::record_heartbeat(const Principal& who, std::string_view component) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  if (component.empty() || component.size() > 64 ||
      component.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
          std::string_view::npos) {
    return InvalidArgument("component: 1..64 characters of a-z, 0-9, '_' and '-'");
  }
  const std::string value = std::to_string(impl_->now());
  return impl_->storage->write(
      WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
        return txn.put_setting("heartbeat." + std::string(component), value);
      });
}

Result<std::vector<TableStats>> Operations::database_stats(const Principal& who) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  std::vector<TableStats> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(out, txn.table_stats());
        return Status::Ok();
      }));
  return out;
}

namespace {

std::optional<Instant> parse_instant_setting(const std::optional<std::string>& v) {
  if (!v || v->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long t = std::stoll(*v, &used);
    if (used != v->size()) return std::nullopt;
    return from_unix(t);
  } catch (...) {
    return std::nullopt;
  }
}

std::string age_text(Seconds age) {
  const auto s = age.count();
  if (s < 120) return std::to_string(s) + " s ago";
  if (s < 7200) return std::to_string(s / 60) + " min ago";
  if (s < 172800) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " days ago";
}

}  // namespace

Result<HealthReport> Operations::health(const Principal& who, const HealthOptions& options) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  HealthReport r;
  const Instant now = impl_->clock->now();
  r.checked_at = now;
  const StorageInfo info = impl_->storage->info();
  r.dialect = info.dialect;
  r.location = info.location;
  r.schema_version = info.schema_version;
  r.expected_schema_version = info.expected_schema_version;
  const auto add = [&r](std::string name, HealthStatus status, std::string detail) {
    if (static_cast<int>(status) > static_cast<int>(r.status)) r.status = status;
    r.checks.push_back(HealthCheck{std::move(name), status, std::move(detail)});
  };

  // Storage: one read transaction that also fetches the recorded heartbeats.
  std::vector<std::string> names = options.heartbeats;
  if (options.backup_max_age.count() > 0) names.push_back("backup");
  std::vector<std::optional<std::string>> values(names.size());
  const auto started = std::chrono::steady_clock::now();
  Status st = impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
    for (std::size_t i = 0; i < names.size(); ++i) {
      BOKA_ASSIGN_OR_RETURN(values[i], txn.get_setting("heartbeat." + names[i]));
    }
    return Status::Ok();
  });
  r.storage_latency_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  r.storage_reachable = st.ok();
  if (!st.ok()) {
    add("storage", HealthStatus::failing, "storage unreachable: " + st.message());
  } else if (r.storage_latency_seconds > static_cast<double>(options.storage_slow_after.count())) {
    add("storage", HealthStatus::degraded,
        "a read took " + std::to_string(r.storage_latency_seconds) + " s");
  } else {
    add("storage", HealthStatus::ok, "reachable (" + info.dialect + ")");
  }

  if (r.schema_version != r.expected_schema_version) {
    add("schema", HealthStatus::failing,
        "schema version " + std::to_string(r.schema_version) + ", this boka expects " +
            std::to_string(r.expected_schema_version));
  } else {
    add("schema", HealthStatus::ok, "version " + std::to_string(r.schema_version));
  }

  if (auto reason = read_only_reason()) {
    r.read_only = true;
    r.read_only_reason = *reason;
    add("read_only", HealthStatus::degraded, "writes refused: " + *reason);
  } else {
    add("read_only", HealthStatus::ok, "writable");
  }

  if (info.dialect == "sqlite" && !info.location.empty()) {
    std::filesystem::path dir = std::filesystem::absolute(info.location).parent_path();
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0) {
      const std::int64_t free =
          static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
      const std::int64_t total =
          static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize);
      r.disk_free_bytes = free;
      r.disk_total_bytes = total;
      const double fraction =
          total > 0 ? static_cast<double>(free) / static_cast<double>(total) : 0;
      const std::string text = std::to_string(free / (1024 * 1024)) + " MiB free of " +
                               std::to_string(total / (1024 * 1024)) + " MiB";
      if (free < options.min_free_disk_bytes || fraction < options.min_free_disk_fraction) {
        add("disk", HealthStatus::degraded, "low disk space: " + text);
      } else {
        add("disk", HealthStatus::ok, text);
      }
    } else {
      add("disk", HealthStatus::degraded, "cannot read free space of " + dir.string());
    }
  }

  if (st.ok()) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto at = parse_instant_setting(values[i]);
      const bool is_backup = options.backup_max_age.count() > 0 && i + 1 == names.size();
      if (is_backup) {
        r.last_backup_at = at;
        if (!at) {
          add("backup", HealthStatus::degraded, "no backup recorded");
        } else if (now - *at > options.backup_max_age) {
          add("backup", HealthStatus::degraded, "last backup " + age_text(now - *at));
        } else {
          add("backup", HealthStatus::ok, "last backup " + age_text(now - *at));
        }
        continue;
      }
      r.heartbeats.push_back(Heartbeat{names[i], at});
      const std::string check = "heartbeat:" + names[i];
      if (!at) {
        add(check, HealthStatus::degraded, "never reported");
      } else if (now - *at > options.heartbeat_max_age) {
        add(check, HealthStatus::degraded, "last seen " + age_text(now - *at));
      } else {
        add(check, HealthStatus::ok, "last seen " + age_text(now - *at));
      }
    }
  }
  return r;
}

Result<BackupResult> Operations::backup(const Principal& who, const BackupOptions& options) {
  return impl_->refusal_audited(who, TenantId{}, "ops.backup", "", [&]() -> Result<BackupResult> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_global(who, Permission::system_operations));
    if (options.keep < 0) return InvalidArgument("keep: must be >= 0");
    BOKA_ASSIGN_OR_RETURN(auto result,
                          detail::take_backup(*impl_->storage, options, impl_->clock->now()));
    // The backup is recorded (audit, and the heartbeat health reads) after it is taken, so
    // the record is not in the backup itself. In read-only mode nothing can be recorded.
    if (!impl_->read_only->on.load()) {
      detail::AuditEntry e;
      e.tenant = TenantId{};
      e.action = "ops.backup";
      e.target = "backup:" + result.manifest.file;
      e.detail_json = detail::JsonObject()
                          .add("kind", backup_kind_name(options.kind))
                          .add("sha256", result.manifest.sha256)
                          .add("size_bytes", result.manifest.size_bytes)
                          .str();
      const std::string at = std::to_string(to_unix(result.manifest.created_at));
      const Status recorded = impl_->storage->write(
          WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
            BOKA_RETURN_IF_ERROR(txn.put_setting("heartbeat.backup", at));
            return impl_->audit(txn, actor, e);
          });
      if (!recorded.ok()) {
        // A call that fails leaves nothing behind, and the trail must name every copy of
        // the data boka made: a backup that cannot be recorded (the disk failed or filled
        // up under the commit) is removed with its manifest. Found by the fault sweep
        // (tests/fault/sqlite_faults_test.cpp); before, the caller got the error and a
        // backup no audit record or health check knew of.
        std::error_code ec;
        std::filesystem::remove(result.manifest_path, ec);
        std::filesystem::remove(result.path, ec);
        return recorded;
      }
    }
    // Verified first: a backup that fails verification must not push a good one out.
    if (options.verify) {
      BOKA_ASSIGN_OR_RETURN(auto v, verify_backup(result.path));
      result.verification = std::move(v);
      if (!result.verification->ok) return result;  // retention skipped; the caller sees why
    }
    const int keep = options.keep > 0 ? options.keep : detail::default_keep(options.kind);
    if (keep > 0) {
      BOKA_ASSIGN_OR_RETURN(result.removed, apply_retention(options.directory, options.kind, keep));
    }
    return result;
  });
}

}  // namespace boka
