#include <memory>

#include <boka/conformance.hpp>
#include "support.hpp"

namespace boka::conformance {

std::vector<StoreFactory> conformance_stores() {
  return {
      {"memory", [] { return open_storage("memory:").value(); }},
      {"sqlite",
       [] {
         // The file outlives the factory call; it is removed at exit.
         static std::vector<std::unique_ptr<test::TempDb>> files;
         files.push_back(std::make_unique<test::TempDb>());
         return open_storage(files.back()->uri()).value();
       }},
  };
}

}  // namespace boka::conformance
