// Shared by the stores: run a transaction callback so that no exception crosses the
// storage contract; a throwing callback fails its transaction with Code::internal.
#pragma once

#include <exception>
#include <string>

#include "boka/storage_spi.hpp"

namespace boka::detail {

inline Status run_guarded(Storage::Work work, StorageTransaction& txn) {
  try {
    return work(txn);
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected exception in a transaction: ") + e.what());
  }
}

}  // namespace boka::detail
