// boka/audit.hpp: the tamper-evident audit trail.
//
// Every change the engine makes (tenants, resources, schedules, pools, reservations, users,
// sessions, MFA, API keys) and every security event (logins, lockouts, MFA checks, key use)
// appends one AuditRecord in the same transaction as the change, so a change without its
// record (or a record without its change) cannot be committed. A refused call appends one
// record with that outcome: a booking conflict (reserve, confirm, cancel, reschedule,
// complete, no_show) inside the refused call's own transaction, which then commits just the
// record; any other refusal (permission denied, invalid input, ...) in a transaction of its
// own after the refused one rolled back (best effort: if that write fails, the refusal goes
// unrecorded and the caller still gets the refusal). A call that changes nothing (an
// idempotent replay, confirming a confirmed reservation) records nothing.
//
// Records form one hash chain per tenant (tenant 0, the system chain: system-wide work such
// as cleaning up sessions, read-only switches, backups, and refusals by the system
// principal; a tenant's own chain starts with its creation). Each record's hash is SHA-256
// over its canonical content and the previous record's hash, so editing, deleting or
// reordering a record breaks every later link; Operations::verify_audit finds the first broken
// one. The stores refuse UPDATE and DELETE on audit rows (triggers on SQLite and
// PostgreSQL). Cutting the newest records off a chain's end is the one edit a chain alone
// cannot show: keep its heads somewhere else too (every backup manifest records them) and
// compare with Operations::check_audit_heads (docs/operations.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

enum class AuditOutcome : int {
  success = 0,   // the change was made
  denied = 1,    // refused by authorization (permission_denied, unauthenticated, rate_limited)
  conflict = 2,  // refused by a booking rule or a stale version (Code::conflict)
  rejected = 3,  // refused as invalid: bad input, unknown id, taken name, wrong state
  failure = 4,   // a security check failed: wrong password or code, lockout
};
const char* audit_outcome_name(AuditOutcome outcome) noexcept;  // "success", "denied", ...

// One link of a tenant's chain. Never holds a secret: passwords, tokens, key secrets, TOTP
// secrets and codes are never written here (the tests scan for them).
struct AuditRecord {
  TenantId tenant{};     // the chain: the tenant acted in, 0 for system-wide work
  std::int64_t seq = 0;  // 1, 2, 3, ... within the chain
  Instant at{};          // UTC
  std::string actor;     // Principal::name(): "system", "user:12", "api_key:3", or ""
                         // for an anonymous attempt (a failed login)
  std::string action;    // "<object>.<verb>": "reservation.reserve", "auth.login_failed"
  std::string target;    // "<object>:<id>" ("reservation:41", "user:3"), or ""
  AuditOutcome outcome = AuditOutcome::success;
  std::string reason;       // why a refusal was refused (the error message), else ""
  std::string source;       // the client address, where known (Principal::source())
  std::string detail_json;  // a JSON object with what changed
  std::string prev_hash;    // hex SHA-256 of the previous record ("" for seq 1)
  std::string hash;         // hex SHA-256 of this record's canonical content + prev_hash
};

// The newest link of a chain.
struct AuditHead {
  TenantId tenant{};
  std::int64_t seq = 0;  // 0 for an empty chain
  std::string hash;      // "" for an empty chain
};

// Which records Operations::audit_records returns: one tenant's chain, ordered by seq.
// Every set field must match.
struct AuditQuery {
  TenantId tenant{};
  std::optional<std::string> actor;   // exact
  std::optional<std::string> target;  // exact
  std::optional<std::string> action;  // exact, or a prefix when it ends in '.'
                                      // ("auth." for every security event)
  std::optional<AuditOutcome> outcome;
  std::optional<Instant> from;  // at >= from
  std::optional<Instant> to;    // at < to
  std::int64_t after_seq = 0;   // keyset pagination
  int limit = 1000;             // 1..10000
};

// The result of walking every chain.
struct AuditVerification {
  bool ok = true;
  std::int64_t chains = 0;
  std::int64_t records = 0;      // records checked
  std::vector<AuditHead> heads;  // every chain's head as verified
  // The first broken link when !ok: its chain, its seq (or the seq expected there) and what
  // is wrong ("hash does not match the record's content", "does not link to the record
  // before it", "sequence gap: expected record 7, found 9", ...).
  TenantId broken_tenant{};
  std::int64_t broken_seq = 0;
  std::string problem;
  // Records committed but not yet linked into their chain when verification ended: on a
  // store that seals after commit (PostgreSQL), a change's record waits up to about a
  // second for its seal (docs/architecture.md, "Audit sealing"); 0 elsewhere. Not a fault;
  // a tail that keeps growing means no engine is sealing (all read-only, say).
  std::int64_t unsealed = 0;
};

}  // namespace boka
