// The storage conformance suite: every store must pass it. To run it against a store of
// your own, compile suite.cpp together with a file that defines conformance_stores()
// returning a factory for your store (see builtin_stores.cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::conformance {

struct StoreFactory {
  std::string name;
  // A fresh, empty store each call.
  std::function<std::shared_ptr<Storage>()> make;
};

std::vector<StoreFactory> conformance_stores();

}  // namespace boka::conformance
