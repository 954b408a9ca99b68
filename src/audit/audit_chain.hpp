// The audit trail's hash chain: how a record is hashed, and walking chains to check them.
// Shared by the engine (appending, Operations::verify_audit) and backup verification.
#pragma once

#include <optional>
#include <string>

#include "boka/audit.hpp"
#include "boka/storage_spi.hpp"

namespace boka::detail {

// The canonical content a record's hash covers (every field but the hash, prev_hash
// included), and the hash itself. Versioned, so a later format can coexist.
std::string audit_canonical(const AuditRecord& record);
std::string audit_hash(const AuditRecord& record);

// Walks the chain of `only` (or every chain the store has) in pages of 1,000 records and
// returns the first broken link, if any. A store failure is returned in *error (and the
// verification is then incomplete).
AuditVerification verify_chains(Storage& storage, std::optional<TenantId> only, Status* error);

}  // namespace boka::detail
