// Fuzz target: the C ABI (include/boka/boka.h) with hostile JSON documents, through the C
// functions a C or Python caller uses, on an engine with the memory store.
//
// Input: byte 0 picks the call (create a resource, schedule, pool, service, customer;
// tenant rules; availability, a page of it, explain; reserve; list reservations; update a
// reservation; book a series; join the waitlist; list customers), the rest is its JSON
// document. The C boundary's contract (boka.h, "Codes", "Messages", "Outputs") is the
// property:
//  - the code is BOKA_OK or one of the documented codes, and never BOKA_INTERNAL for a
//    caller's document (the memory store cannot fail);
//  - on success the output document is set, is valid JSON, and *errmsg is NULL;
//  - on failure every output is NULL, and *errmsg is a non-empty UTF-8 message;
//  - no exception crosses the boundary (one would end the process here).
// The engine lives across inputs (one tenant with a resource, so references resolve) and
// is replaced every kInputsPerEngine inputs.
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "boka/boka.h"
#include "fuzz_support.hpp"

namespace {

constexpr int kInputsPerEngine = 2000;

struct World {
  boka_engine* engine = nullptr;
  boka_principal* system = nullptr;
  std::int64_t tenant = 0;
  int inputs = 0;
};
World* world = nullptr;

void must(int code, char* err, const char* what) {
  FUZZ_CHECK(code == BOKA_OK, std::string(what) + ": " + (err ? err : ""));
  boka_free(err);
}

void build(World& w) {
  boka_engine_destroy(w.engine);
  w.engine = nullptr;
  char* err = nullptr;
  must(boka_engine_open("memory:", &w.engine, &err), err, "open");
  if (w.system == nullptr) must(boka_principal_system(&w.system, &err), err, "system");
  char* out = nullptr;
  must(boka_create_tenant(w.engine, w.system, R"({"name":"fuzz"})", &out, &err), err, "tenant");
  w.tenant = nlohmann::json::parse(out).at("id").get<std::int64_t>();
  boka_free(out);
  must(boka_create_resource(w.engine, w.system, w.tenant,
                            R"({"name":"room","zone":"Europe/Berlin","capacity":2})", nullptr, &err),
       err, "resource");
  w.inputs = 0;
}

using Call = int (*)(World&, const char* json, char** out, char** err);

#define DOC_CALL(fn) \
  [](World& w, const char* j, char** o, char** e) { return fn(w.engine, w.system, w.tenant, j, o, e); }

const Call kCalls[] = {
    DOC_CALL(boka_create_resource),
    DOC_CALL(boka_create_schedule),
    DOC_CALL(boka_create_pool),
    DOC_CALL(boka_service_create),
    DOC_CALL(boka_customer_create),
    [](World& w, const char* j, char** o, char** e) {
      return boka_update_tenant_rules(w.engine, w.system, w.tenant, j, BOKA_ANY_VERSION, o, e);
    },
    DOC_CALL(boka_availability),
    DOC_CALL(boka_availability_page),
    DOC_CALL(boka_explain),
    [](World& w, const char* j, char** o, char** e) {
      return boka_reserve_json(w.engine, w.system, w.tenant, j, o, nullptr, e);
    },
    DOC_CALL(boka_list_reservations),
    [](World& w, const char* j, char** o, char** e) {
      char* conflict = nullptr;
      const int code = boka_update_reservation(w.engine, w.system, w.tenant, 1, j, o, &conflict, e);
      boka_free(conflict);
      return code;
    },
    [](World& w, const char* j, char** o, char** e) {
      char* conflict = nullptr;
      const int code = boka_series_book(w.engine, w.system, w.tenant, j, o, &conflict, e);
      boka_free(conflict);
      return code;
    },
    DOC_CALL(boka_waitlist_join),
    DOC_CALL(boka_customer_list),
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (world == nullptr) world = new World;  // lives as long as the process
  if (world->engine == nullptr || ++world->inputs > kInputsPerEngine) build(*world);
  // A C string ends at its first NUL: the document is what comes before it.
  const std::string json(boka::fuzz::as_text(data + 1, size - 1));
  const Call call = kCalls[data[0] % (sizeof(kCalls) / sizeof(kCalls[0]))];
  char* out = reinterpret_cast<char*>(1);  // set by every call, whatever the outcome
  char* err = reinterpret_cast<char*>(1);
  const int code = call(*world, json.c_str(), &out, &err);
  FUZZ_CHECK(code >= BOKA_OK && code <= BOKA_NOT_SUPPORTED, "code " + std::to_string(code));
  if (code == BOKA_OK) {
    FUZZ_CHECK(err == nullptr, "errmsg set on success");
    FUZZ_CHECK(out != nullptr && nlohmann::json::accept(out), "the output is not a JSON document");
  } else {
    FUZZ_CHECK(out == nullptr, "an output set on failure");
    FUZZ_CHECK(err != nullptr && std::strlen(err) > 0, "no message on failure");
    FUZZ_CHECK(boka::detail::utf8_code_points(err).has_value(), "the message is not UTF-8");
    FUZZ_CHECK(code != BOKA_INTERNAL, std::string("internal for a caller's document: ") + err);
  }
  boka_free(out);
  boka_free(err);
  return 0;
}
