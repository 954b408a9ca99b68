// Runs a test body once per store of the conformance suite (conformance_stores()), each in
// its own Catch2 section named after the store.
#pragma once

#include <catch2/catch.hpp>

#include <boka/conformance.hpp>

namespace boka::conformance {

template <typename F>
void for_each_store(F&& f) {
  for (const auto& factory : conformance_stores()) {
    DYNAMIC_SECTION("store " << factory.name) { f(factory.make()); }
  }
}

}  // namespace boka::conformance
