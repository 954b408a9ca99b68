// boka/pool.hpp: a named set of interchangeable resources ("any free table for 4").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boka/ids.hpp"
#include "boka/time.hpp"

namespace boka {

struct Pool {
  PoolId id{};  // assigned by the store
  TenantId tenant{};
  std::string name;                 // 1..200 bytes
  std::vector<ResourceId> members;  // 1..1000 distinct resources of the same tenant. Order
                                    // is preference: a pool booking takes the first member
                                    // (in this order) that is free.
  std::optional<Instant> archived_at;
  std::int64_t version = 0;
};

}  // namespace boka
