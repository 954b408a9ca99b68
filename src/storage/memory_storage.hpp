// The in-memory store: every table in maps, one writer at a time, readers in parallel.
// For unit tests and ephemeral use; nothing survives the process.
#pragma once

#include <memory>

#include "boka/storage_spi.hpp"

namespace boka::detail {

std::shared_ptr<Storage> make_memory_storage();

}  // namespace boka::detail
