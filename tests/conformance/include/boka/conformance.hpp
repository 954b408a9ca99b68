// boka/conformance.hpp: the storage conformance suite, which every store must pass: row
// round trips, tenant scoping, filters, uniqueness, rollback, locking, and the engine's
// observable behaviour on top of the store. Installed with the boka::conformance CMake
// target (built when BOKA_BUILD_CONFORMANCE is on).
//
// To run it against a store of your own, link a test executable with boka::conformance and
// Catch2::Catch2WithMain, and define conformance_stores() in one of its files, returning a
// factory for your store (README.md, "Writing a store"; tests/conformance/builtin_stores.cpp
// does it for memory and SQLite). Every test case then runs once per factory, in a section
// named after it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::conformance {

struct StoreFactory {
  std::string name;  // names the store in the test sections ("store memory")
  // A fresh, empty store each call (the suite calls it once per test, on the test's thread).
  std::function<std::shared_ptr<Storage>()> make;
};

// Defined by the test executable: the stores to run the suite against.
std::vector<StoreFactory> conformance_stores();

}  // namespace boka::conformance
