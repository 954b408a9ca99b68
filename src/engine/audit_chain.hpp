// Walking audit chains, shared by Engine::verify_audit and backup verification.
#pragma once

#include <optional>

#include "boka/audit.hpp"
#include "boka/storage_spi.hpp"

namespace boka::detail {

// Walks the chain of `only` (or every chain the store has) in pages of 1,000 records and
// returns the first broken link, if any. A store failure is returned in *error (and the
// verification is then incomplete).
AuditVerification verify_chains(Storage& storage, std::optional<TenantId> only, Status* error);

}  // namespace boka::detail
