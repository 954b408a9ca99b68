// The audit trail: canonical content and hashing, appending inside a change's transaction,
// recording refusals, queries, verification of the chains, and the security-event view.
#include <pthread.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "audit/audit_chain.hpp"
#include "codec/json_codec.hpp"
#include "core/sha256.hpp"
#include "engine/engine_impl.hpp"

namespace boka {

const char* audit_outcome_name(AuditOutcome outcome) noexcept {
  switch (outcome) {
    case AuditOutcome::success: return "success";
    case AuditOutcome::denied: return "denied";
    case AuditOutcome::conflict: return "conflict";
    case AuditOutcome::rejected: return "rejected";
    case AuditOutcome::failure: return "failure";
  }
  return "unknown";
}

namespace detail {

bool is_capacity_refusal(const Status& s) {
  return s.code() == Code::conflict && s.conflict() != nullptr && s.conflict()->rule.empty();
}

std::optional<AuditOutcome> refusal_outcome(Code code) {
  switch (code) {
    case Code::ok: return AuditOutcome::success;
    case Code::permission_denied:
    case Code::unauthenticated:
    case Code::rate_limited: return AuditOutcome::denied;
    case Code::conflict: return AuditOutcome::conflict;
    case Code::invalid_argument:
    case Code::not_found:
    case Code::already_exists:
    case Code::not_supported: return AuditOutcome::rejected;
    case Code::unavailable:
    case Code::storage:
    case Code::internal: return std::nullopt;
  }
  return std::nullopt;
}

AuditEntry refusal_entry(TenantId chain, std::string_view action, std::string_view target,
                         const Status& refusal, TenantId acted_in) {
  AuditEntry e;
  e.tenant = chain;
  e.action = std::string(action);
  e.target = std::string(target);
  e.outcome = refusal_outcome(refusal.code()).value_or(AuditOutcome::rejected);
  e.reason = refusal.message();
  JsonObject d;
  d.add("code", code_name(refusal.code()));
  if (acted_in != 0) d.add("tenant", static_cast<std::int64_t>(acted_in));
  e.detail_json = d.str();
  return e;
}

void JsonObject::key(std::string_view k) {
  body_ += body_.empty() ? '{' : ',';
  codec::detail::append_json_string(body_, k);
  body_ += ':';
}
JsonObject& JsonObject::add(std::string_view k, std::string_view value) {
  key(k);
  codec::detail::append_json_string(body_, value);
  return *this;
}
JsonObject& JsonObject::add(std::string_view k, std::int64_t value) {
  key(k);
  codec::detail::append_int(body_, value);
  return *this;
}
JsonObject& JsonObject::add(std::string_view k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}
JsonObject& JsonObject::add(std::string_view k, const nlohmann::ordered_json& value) {
  key(k);
  body_ += value.dump(-1, ' ', /*ensure_ascii=*/false,
                      nlohmann::ordered_json::error_handler_t::replace);
  return *this;
}
JsonObject& JsonObject::add_text(std::string_view k, std::string_view json_text) {
  key(k);
  body_ += json_text;
  return *this;
}

}  // namespace detail

using detail::Actor;
using detail::AuditEntry;

Status EngineImpl::audit_as(StorageTransaction& txn, std::string_view actor_name,
                            std::string_view source, AuditEntry entry) {
  AuditRecord r;
  r.tenant = entry.tenant;
  r.at = clock->now();
  r.actor = std::string(actor_name);
  r.action = std::move(entry.action);
  r.target = std::move(entry.target);
  r.outcome = entry.outcome;
  r.reason = std::move(entry.reason);
  r.source = std::string(source);
  r.detail_json = std::move(entry.detail_json);
  if (seal_after_commit) {
    BOKA_RETURN_IF_ERROR(txn.append_unsealed_audit(std::move(r)));
    if (sealer) sealer->wake();
    return Status::Ok();
  }
  BOKA_ASSIGN_OR_RETURN(auto head, txn.lock_audit_head(r.tenant));
  r.seq = head.seq + 1;
  r.prev_hash = std::move(head.hash);
  r.hash = detail::audit_hash(r);
  return txn.append_audit(std::move(r));
}

// ---- sealing after commit ----------------------------------------------------------------

namespace {
// Records one seal transaction links: bounds its length and what it holds in memory.
constexpr int kSealBatch = 1000;
}  // namespace

Status EngineImpl::seal_audit() {
  if (!seal_after_commit) return Status::Ok();
  if (read_only->on.load(std::memory_order_relaxed)) return Status::Ok();
  std::vector<TenantId> chains;
  BOKA_RETURN_IF_ERROR(storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) {
    BOKA_ASSIGN_OR_RETURN(chains, txn.unsealed_audit_chains());
    return Status::Ok();
  }));
  // One chain per transaction: a sealer holds one chain lock at a time, so sealers in
  // several processes can never wait for each other in a cycle.
  for (TenantId chain : chains) {
    for (;;) {
      std::size_t sealed = 0;
      BOKA_RETURN_IF_ERROR(storage->write(
          WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
            sealed = 0;
            // The lock first: the records read after it include every one an earlier
            // sealer of this chain left, and no other sealer links the same ones.
            BOKA_ASSIGN_OR_RETURN(auto head, txn.lock_audit_head(chain));
            BOKA_ASSIGN_OR_RETURN(auto waiting, txn.list_unsealed_audit(chain, kSealBatch));
            std::vector<std::int64_t> ids;
            ids.reserve(waiting.size());
            for (UnsealedAuditRecord& u : waiting) {
              AuditRecord r = std::move(u.record);
              r.tenant = chain;
              r.seq = head.seq + 1;
              r.prev_hash = std::move(head.hash);
              r.hash = detail::audit_hash(r);
              head = AuditHead{chain, r.seq, r.hash};
              BOKA_RETURN_IF_ERROR(txn.append_audit(std::move(r)));
              ids.push_back(u.id);
            }
            BOKA_RETURN_IF_ERROR(txn.delete_unsealed_audit(chain, ids));
            sealed = waiting.size();
            return Status::Ok();
          }));
      if (sealed < static_cast<std::size_t>(kSealBatch)) break;
    }
  }
  return Status::Ok();
}

detail::AuditSealer::AuditSealer(EngineImpl& impl) : impl_(impl) {
  // A library's thread takes no signals: the host's handling (a thread in sigwait for
  // SIGTERM, say) must not find this one, where the default action would end the process.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

detail::AuditSealer::~AuditSealer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // What this engine appended last: sealed now rather than by the next engine to open.
  (void)impl_.seal_audit();
}

void detail::AuditSealer::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (wanted_) return;
    wanted_ = true;
  }
  cv_.notify_one();
}

void detail::AuditSealer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    // At least once a second (records a crashed or closed engine left), sooner after an
    // append of this engine's.
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_ || wanted_; });
    if (stop_) break;
    const bool woken = wanted_;
    wanted_ = false;
    lock.unlock();
    // The append that woke us is still in its transaction: give it a moment to commit,
    // which also gathers a busy moment's records into one seal.
    if (woken) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Best effort: a failure (the store unreachable) is retried on the next round.
    (void)impl_.seal_audit();
    lock.lock();
  }
}

Status EngineImpl::audit(StorageTransaction& txn, const Actor& actor, AuditEntry entry) {
  return audit_as(txn, actor.name, actor.source, std::move(entry));
}

void EngineImpl::audit_refusal(const Principal& who, TenantId tenant, std::string_view action,
                               std::string_view target, const Status& refusal) {
  const auto outcome = detail::refusal_outcome(refusal.code());
  if (!outcome || *outcome == AuditOutcome::success) return;
  // Lack of capacity is a business outcome, counted in booking_transactions_total, not an
  // audit event (docs/architecture.md, "Audit trail").
  if (detail::is_capacity_refusal(refusal)) return;
  if (read_only->on.load(std::memory_order_relaxed)) return;  // nothing may be written
  const bool by_authorization = *outcome == AuditOutcome::denied;
  // System-wide scope: the chain is chosen inside the transaction.
  (void)storage->write(
      WriteIntent(TxnScope::all_tenants()), [&](StorageTransaction& txn) -> Status {
        TenantId chain = who.tenant();
        if (!by_authorization && tenant != 0) {
          BOKA_ASSIGN_OR_RETURN(auto found, txn.find_tenant(tenant));
          if (found) chain = tenant;
        }
        return audit_as(txn, who.name(), who.source(),
                        detail::refusal_entry(chain, action, target, refusal, tenant));
      });
}

Status EngineImpl::record_conflict(StorageTransaction& txn, const Actor& actor, TenantId tenant,
                                   std::string_view action, std::string_view target,
                                   const Status& decided, bool wrote, Status& refused) {
  if (decided.code() != Code::conflict || wrote) return decided;
  refused = decided;
  // Lack of capacity: nothing to record, so nothing to commit; returning the refusal rolls
  // the transaction back, which on PostgreSQL also spares the WAL flush a commit of its row
  // locks would cost.
  if (detail::is_capacity_refusal(decided)) return decided;
  return audit(txn, actor, detail::refusal_entry(tenant, action, target, decided, tenant));
}

Result<std::vector<AuditRecord>> Operations::audit_records(const Principal& who,
                                                           const AuditQuery& query) {
  if (query.limit < 1 || query.limit > 10000) return InvalidArgument("limit: must be 1..10000");
  if (query.after_seq < 0) return InvalidArgument("after_seq: must be >= 0");
  if (query.tenant == 0) {
    BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::audit_read).status());
  } else {
    BOKA_RETURN_IF_ERROR(impl_->authorize(who, query.tenant, Permission::audit_read).status());
  }
  // Every committed change is in the trail a reader sees.
  BOKA_RETURN_IF_ERROR(impl_->seal_audit());
  std::vector<AuditRecord> out;
  const TxnScope scope =
      query.tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(query.tenant);
  BOKA_RETURN_IF_ERROR(impl_->storage->read(scope, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(out, txn.list_audit(query));
    return Status::Ok();
  }));
  return out;
}

Result<AuditVerification> Operations::verify_audit(const Principal& who,
                                                   std::optional<TenantId> tenant) {
  if (tenant && *tenant != 0) {
    BOKA_RETURN_IF_ERROR(impl_->authorize(who, *tenant, Permission::audit_read).status());
  } else {
    BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::audit_read).status());
  }
  // Seal what waits first; whatever still waits (committed since, or read-only mode) is
  // reported as the unsealed tail.
  BOKA_RETURN_IF_ERROR(impl_->seal_audit());
  Status error;
  AuditVerification v = detail::verify_chains(*impl_->storage, tenant, &error);
  BOKA_RETURN_IF_ERROR(error);
  if (!impl_->seal_after_commit) return v;  // sealed inline: nothing can wait
  const TxnScope scope =
      tenant && *tenant != 0 ? TxnScope::tenant(*tenant) : TxnScope::all_tenants();
  BOKA_RETURN_IF_ERROR(impl_->storage->read(scope, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(v.unsealed, txn.count_unsealed_audit(tenant));
    return Status::Ok();
  }));
  return v;
}

Result<AuditVerification> Operations::check_audit_heads(const Principal& who,
                                                        const std::vector<AuditHead>& known) {
  // Even an empty list needs audit:read (where the principal acts).
  if (who.tenant() == 0) {
    BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::audit_read).status());
  } else {
    BOKA_RETURN_IF_ERROR(impl_->authorize(who, who.tenant(), Permission::audit_read).status());
  }
  for (const AuditHead& h : known) {
    if (h.tenant == 0) {
      BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::audit_read).status());
    } else {
      BOKA_RETURN_IF_ERROR(impl_->authorize(who, h.tenant, Permission::audit_read).status());
    }
  }
  BOKA_RETURN_IF_ERROR(impl_->seal_audit());
  AuditVerification v;
  for (const AuditHead& h : known) {
    ++v.chains;
    if (h.seq <= 0) continue;  // an empty chain then: anything since is fine
    std::vector<AuditRecord> found;
    AuditQuery q;
    q.tenant = h.tenant;
    q.after_seq = h.seq - 1;
    q.limit = 1;
    const TxnScope scope = h.tenant == 0 ? TxnScope::all_tenants() : TxnScope::tenant(h.tenant);
    BOKA_RETURN_IF_ERROR(impl_->storage->read(scope, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(found, txn.list_audit(q));
      return Status::Ok();
    }));
    ++v.records;
    std::string problem;
    if (found.empty() || found[0].seq != h.seq) {
      problem = "record " + std::to_string(h.seq) + " is gone: the chain was cut off before it";
    } else if (found[0].hash != h.hash) {
      problem = "record " + std::to_string(h.seq) + " differs from the one recorded earlier";
    }
    if (!problem.empty()) {
      v.ok = false;
      v.broken_tenant = h.tenant;
      v.broken_seq = h.seq;
      v.problem = std::move(problem);
      return v;
    }
    v.heads.push_back(h);
  }
  return v;
}

}  // namespace boka
