// The conformance suite on memory, SQLite and PostgreSQL in one binary, so the transcript
// test compares all three.
#include <memory>

#include <boka/conformance.hpp>
#include "pg_support.hpp"
#include "support.hpp"

namespace boka::conformance {

std::vector<StoreFactory> conformance_stores() {
  return {
      {"memory", [] { return open_storage("memory:").value(); }},
      {"sqlite",
       [] {
         static std::vector<std::unique_ptr<test::TempDb>> files;
         files.push_back(std::make_unique<test::TempDb>());
         return open_storage(files.back()->uri()).value();
       }},
      {"postgresql", [] { return open_storage(pgtest::fresh_database().app_uri).value(); }},
  };
}

}  // namespace boka::conformance
