#include "audit/audit_chain.hpp"

#include <string>
#include <vector>

#include "core/sha256.hpp"

namespace boka::detail {

std::string audit_canonical(const AuditRecord& r) {
  // Length-prefixed fields in a fixed order: no field's content can be mistaken for a
  // separator, so two different records never share a canonical form.
  std::string out = "boka-audit-1\n";
  out.reserve(128 + r.actor.size() + r.action.size() + r.target.size() + r.reason.size() +
              r.source.size() + r.detail_json.size() + r.prev_hash.size());
  const auto field = [&out](std::string_view v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += '\n';
  };
  field(std::to_string(r.tenant));
  field(std::to_string(r.seq));
  field(std::to_string(to_unix(r.at)));
  field(r.actor);
  field(r.action);
  field(r.target);
  field(std::to_string(static_cast<int>(r.outcome)));
  field(r.reason);
  field(r.source);
  field(r.detail_json);
  field(r.prev_hash);
  return out;
}

std::string audit_hash(const AuditRecord& r) { return sha256_hex(audit_canonical(r)); }

AuditVerification verify_chains(Storage& storage, std::optional<TenantId> only, Status* error) {
  AuditVerification v;
  *error = Status::Ok();
  std::vector<AuditHead> heads;
  const TxnScope scope = only ? TxnScope::tenant(*only) : TxnScope::all_tenants();
  Status st = storage.read(scope, [&](StorageTransaction& txn) -> Status {
    BOKA_ASSIGN_OR_RETURN(heads, txn.audit_heads());
    return Status::Ok();
  });
  if (!st.ok()) {
    *error = st;
    return v;
  }
  if (only) {
    std::erase_if(heads, [&](const AuditHead& h) { return h.tenant != *only; });
  }
  const auto broken = [&v](TenantId tenant, std::int64_t seq, std::string problem) {
    v.ok = false;
    v.broken_tenant = tenant;
    v.broken_seq = seq;
    v.problem = std::move(problem);
  };
  for (const AuditHead& head : heads) {
    ++v.chains;
    std::int64_t expected = 1;
    std::string prev;
    bool chain_ok = true;
    while (chain_ok && expected <= head.seq) {
      AuditQuery q;
      q.tenant = head.tenant;
      q.after_seq = expected - 1;
      q.limit = 1000;
      std::vector<AuditRecord> page;
      st = storage.read(TxnScope::tenant(head.tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(page, txn.list_audit(q));
        return Status::Ok();
      });
      if (!st.ok()) {
        *error = st;
        return v;
      }
      if (page.empty()) {
        broken(head.tenant, expected,
               "record " + std::to_string(expected) + " is missing (the head is at " +
                   std::to_string(head.seq) + ")");
        chain_ok = false;
        break;
      }
      for (const AuditRecord& r : page) {
        if (r.seq > head.seq) break;
        if (r.seq != expected) {
          broken(head.tenant, expected,
                 "sequence gap: expected record " + std::to_string(expected) + ", found " +
                     std::to_string(r.seq));
          chain_ok = false;
          break;
        }
        if (r.prev_hash != prev) {
          broken(head.tenant, r.seq, "does not link to the record before it");
          chain_ok = false;
          break;
        }
        if (audit_hash(r) != r.hash) {
          broken(head.tenant, r.seq, "hash does not match the record's content");
          chain_ok = false;
          break;
        }
        ++v.records;
        prev = r.hash;
        ++expected;
      }
    }
    if (!chain_ok) break;
    if (prev != head.hash) {
      broken(head.tenant, head.seq, "the chain head does not match the last record");
      break;
    }
    v.heads.push_back(head);
  }
  return v;
}

}  // namespace boka::detail
