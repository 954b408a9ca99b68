// Fuzz target: HTTP requests through boka-server's router, in process (examples/server,
// Api::handle): method, path, query, headers and body, on an engine with the memory store,
// one tenant with a resource, a schedule and a superadmin API key.
//
// Input, as text (so the dictionary's route paths, header names and field names combine):
//   byte 0: flags (bit 0: Authorization: Bearer <the key>; bit 1: a session cookie of a
//           wrong token; bit 2: Content-Type: application/json; bit 3: from a trusted proxy
//           with X-Forwarded-For)
//   "METHOD target\n" then "Name: value\n" header lines, an empty line, then the body.
// Properties, beyond "no crash, no sanitizer report":
//  - no answer is 500: every input is either served or refused with a 4xx (or 503 for load
//    shedding), since the memory store never fails;
//  - every answer carries Cache-Control: no-store, and an error answer is a problem
//    document (application/problem+json) that parses;
//  - the API key's secret never appears in an answer to a request that did not carry it
//    (answers only ever show a key once, when it is created).
// The engine and the API persist across inputs (building the routes costs milliseconds)
// and are rebuilt every kInputsPerEngine inputs so that memory stays bounded.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api.hpp"
#include "boka/boka.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "http.hpp"

namespace {

using namespace boka;

constexpr int kInputsPerEngine = 2000;

struct World {
  std::unique_ptr<Engine> engine;
  server::Config config;
  std::unique_ptr<server::Api> api;
  std::string key;         // "boka_<id>_<secret><check>"
  std::string key_secret;  // the part that must never be echoed
  int inputs = 0;
};

World* world = nullptr;

void build(World& w) {
  w.api.reset();
  w.engine.reset();
  server::Config& c = w.config;
  c = server::Config{};
  c.database_url = "memory:";
  c.access_log = "/dev/null";
  c.web_dir = BOKA_FUZZ_WEB_DIR;
  c.argon2_memory_kib = 8;  // logins hash a password: keep each one cheap
  c.argon2_iterations = 1;
  // Limits stay on (their code runs) but never refuse at fuzzing speed.
  c.rate_per_client = c.rate_per_principal = 1e12;
  c.burst_per_client = c.burst_per_principal = 1e12;
  c.login_rate_per_account = c.login_rate_per_address = 1e12;
  c.login_burst_per_account = c.login_burst_per_address = 1e12;
  c.public_holds_per_hour = c.public_bookings_per_day = 1e12;
  c.credential_cache_seconds = 0;
  auto engine = Engine::open(c.database_url, server::engine_options(c));
  FUZZ_CHECK(engine.ok(), engine.status().message());
  w.engine = std::move(*engine);
  const auto sys = Principal::system();
  Tenant spec;
  spec.name = "fuzz";
  auto tenant = w.engine->create_tenant(sys, spec);
  FUZZ_CHECK(tenant.ok(), tenant.status().message());
  Schedule hours;
  hours.name = "hours";
  for (auto d : {Weekday::monday, Weekday::wednesday, Weekday::saturday}) {
    hours.weekly.push_back(WeeklyRule{d, {LocalInterval{9 * 60, 17 * 60}}});
  }
  auto schedule = w.engine->create_schedule(sys, tenant->id, hours);
  FUZZ_CHECK(schedule.ok(), schedule.status().message());
  Resource room;
  room.name = "room";
  room.capacity = 2;
  room.zone = "Europe/Berlin";
  room.schedule = schedule->id;
  FUZZ_CHECK(w.engine->create_resource(sys, tenant->id, room).ok(), "resource");
  auto key = w.engine->auth().generate_emergency_key(sys, tenant->id);
  FUZZ_CHECK(key.ok(), key.status().message());
  w.key = key->key;
  // "boka_<id>_" then the secret and its check.
  w.key_secret = w.key.substr(w.key.find('_', 5) + 1);
  w.api = std::make_unique<server::Api>(*w.engine, w.config);
  w.inputs = 0;
}

// Splits the text after the flags byte into a Request.
server::Request request_from(std::string_view text, std::uint8_t flags, const World& w) {
  server::Request r;
  const auto line_end = text.find('\n');
  std::string_view line = text.substr(0, line_end);
  text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
  const auto space = line.find(' ');
  r.method = std::string(line.substr(0, space));
  server::parse_target(space == std::string_view::npos ? "/" : line.substr(space + 1), r);
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view header = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (header.empty()) break;
    const auto colon = header.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
  }
  r.body = std::string(text);
  r.remote_address = "127.0.0.1";
  if (flags & 1) r.headers.emplace_back("Authorization", "Bearer " + w.key);
  if (flags & 2) r.headers.emplace_back("Cookie", "boka_session=not-a-session-token");
  if (flags & 4) r.headers.emplace_back("Content-Type", "application/json");
  if (flags & 8) r.headers.emplace_back("X-Forwarded-For", "203.0.113.7");
  return r;
}

const std::string* header(const server::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return &v;
    }
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (world == nullptr) world = new World;  // never destroyed: outlives every input
  if (world->api == nullptr || ++world->inputs > kInputsPerEngine) build(*world);
  server::Request request = request_from(boka::fuzz::as_text(data + 1, size - 1), data[0], *world);
  const std::string summary = request.method + " " + request.path;
  const server::Response response = world->api->handle(std::move(request));
  FUZZ_CHECK(response.status != 500, summary + ": " + response.body);
  FUZZ_CHECK(response.status >= 100 && response.status <= 599, summary);
  const std::string* cache = header(response, "Cache-Control");
  FUZZ_CHECK(cache != nullptr && cache->find("no-store") != std::string::npos, summary);
  if (response.status >= 400) {
    const std::string* type = header(response, "Content-Type");
    FUZZ_CHECK(type != nullptr && type->rfind("application/problem+json", 0) == 0,
               summary + " " + std::to_string(response.status) + " " + (type ? *type : ""));
    FUZZ_CHECK(nlohmann::json::accept(response.body), summary + ": " + response.body);
  }
  // Unless the request itself carried it (messages may quote a field name the client sent).
  if (boka::fuzz::as_text(data, size).find(world->key_secret) == std::string_view::npos) {
    FUZZ_CHECK(response.body.find(world->key_secret) == std::string::npos,
               summary + " answered with the API key's secret");
  }
  return 0;
}
