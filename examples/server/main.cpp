// boka-server: the example HTTP host. Configuration from the environment (config.hpp,
// docs/http.md); SIGTERM or SIGINT stop accepting, let in-flight requests finish (up to
// BOKA_SHUTDOWN_GRACE_SECONDS), then exit 0.
#include <malloc.h>
#include <signal.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "api.hpp"
#include "boka/boka.hpp"
#include "config.hpp"
#include "http_server.hpp"

using namespace boka;

namespace {

const char* const kUsage =
    "usage: boka-server [--help]\n"
    "The example HTTP host. Configured by environment variables (docs/http.md lists them all):\n"
    "  DATABASE_URL     required: sqlite:/path/boka.db or postgresql://user:pw@host/db\n"
    "  ENCRYPTION_KEY   32 bytes (raw, hex or base64); without it MFA enrolment is unavailable\n"
    "  LISTEN_ADDRESS   host[:port] (default 127.0.0.1), PORT (default 3000)\n"
    "  BOKA_REDIS_URL   redis://[:password@]host[:port][/db]: share rate limits with other "
    "servers\n"
    "  BOKA_RATE_LIMIT_PER_CLIENT, BOKA_RATE_LIMIT_PER_KEY, BOKA_LOGIN_RATE_PER_ACCOUNT, ...\n"
    "Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failed, 2 configuration or usage error.\n";

// What the demo's booking page offers (docs/web.md): two chairs open Monday to Saturday in
// Berlin time, and three services a visitor may book.
Status demo_salon(Engine& engine, TenantId tenant) {
  const Principal& sys = Principal::system();
  Schedule hours;
  hours.name = "Opening hours";
  for (Weekday day : {Weekday::monday, Weekday::tuesday, Weekday::wednesday, Weekday::thursday,
                      Weekday::friday, Weekday::saturday}) {
    hours.weekly.push_back(WeeklyRule{day, {LocalInterval{9 * 60, 18 * 60}}});
  }
  BOKA_ASSIGN_OR_RETURN(auto schedule, engine.create_schedule(sys, tenant, hours));
  std::vector<ResourceId> chairs;
  for (const char* name : {"Chair 1", "Chair 2"}) {
    Resource chair;
    chair.name = name;
    chair.zone = "Europe/Berlin";
    chair.capacity = 1;
    chair.schedule = schedule.id;
    chair.policy.max_horizon = Seconds(90LL * 86400);
    BOKA_ASSIGN_OR_RETURN(auto made, engine.create_resource(sys, tenant, chair));
    chairs.push_back(made.id);
  }
  Pool pool;
  pool.name = "Chairs";
  pool.members = chairs;
  BOKA_ASSIGN_OR_RETURN(auto both, engine.create_pool(sys, tenant, pool));
  struct Offer {
    const char* name;
    const char* description;
    int minutes;
    std::int64_t price;
  };
  for (const Offer& o :
       {Offer{"Haircut", "Wash, cut and style.", 45, 3500},
        Offer{"Beard trim", "Shape and trim.", 15, 1500},
        Offer{"Colour consultation", "Talk through colours; free of charge.", 30, 0}}) {
    Service s;
    s.name = o.name;
    s.description = o.description;
    s.duration = Seconds(o.minutes * 60);
    s.allocations = {AllocationRequest{std::nullopt, both.id, 1}};
    if (o.price > 0) {
      s.price_minor = o.price;
      s.currency = "EUR";
    }
    BOKA_RETURN_IF_ERROR(engine.services().create(sys, tenant, s).status());
  }
  NewUser staff;
  staff.email = "demo-staff@example.com";
  staff.display_name = "Demo staff";
  staff.role = Role::staff;
  staff.password = "demo password 1";
  return engine.auth().create_user(sys, tenant, staff).status();
}

// The demo tenant, its admin and staff, a resource and a salon's booking page, created once;
// prints how to log in and where the pages are.
Status ensure_demo(Engine& engine, const server::Config& config) {
  const Principal& sys = Principal::system();
  BOKA_ASSIGN_OR_RETURN(auto tenants, engine.list_tenants(sys));
  TenantId tenant{};
  for (const Tenant& t : tenants) {
    if (t.name == "demo") tenant = t.id;
  }
  const bool fresh = tenant == 0;
  if (fresh) {
    Tenant spec;
    spec.name = "demo";
    BOKA_ASSIGN_OR_RETURN(auto t, engine.create_tenant(sys, spec));
    tenant = t.id;
    Resource room;
    room.name = "Meeting room";
    room.zone = "UTC";
    room.capacity = 1;
    BOKA_RETURN_IF_ERROR(engine.create_resource(sys, tenant, room).status());
    BOKA_RETURN_IF_ERROR(demo_salon(engine, tenant));
  }
  const char* email = "demo-admin@example.com";
  std::string password = "demo password 1";
  if (fresh) {
    NewUser admin;
    admin.email = email;
    admin.display_name = "Demo admin";
    admin.role = Role::admin;
    admin.password = password;
    BOKA_RETURN_IF_ERROR(engine.auth().create_user(sys, tenant, admin).status());
  }
  std::printf(
      "boka-server: demo tenant %lld; log in with\n"
      "  curl -s -X POST http://%s:%d/api/auth/login -H 'Content-Type: application/json' \\\n"
      "       -d '{\"tenant\": %lld, \"email\": \"%s\", \"password\": \"%s\"}'\n"
      "  (an admin: enrol MFA with POST /api/auth/mfa/enroll to use admin routes)\n"
      "boka-server: web app: booking page http://%s:%d/book/demo\n"
      "  staff http://%s:%d/staff/demo (demo-staff@example.com or the admin, same password)\n"
      "  admin http://%s:%d/admin/demo\n",
      static_cast<long long>(tenant), config.host.c_str(), config.port,
      static_cast<long long>(tenant), email,
      fresh ? password.c_str() : "<as printed the first time>", config.host.c_str(), config.port,
      config.host.c_str(), config.port, config.host.c_str(), config.port);
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (auto done = server::environment_only_arguments(argc, argv, "boka-server", kUsage))
    return *done;
  auto config = server::config_from_env([](const char* name) { return std::getenv(name); });
  const Status usable = config.ok() ? server::require_database(*config) : config.status();
  if (!usable.ok()) {
    std::fprintf(stderr, "boka-server: configuration: %s\n", usable.message().c_str());
    return 2;
  }
  if (config->access_log != "-") {  // fail now, not silently at the first request
    std::FILE* f = std::fopen(config->access_log.c_str(), "a");
    if (f == nullptr) {
      std::fprintf(stderr,
                   "boka-server: configuration: BOKA_ACCESS_LOG: cannot open %s for appending\n",
                   config->access_log.c_str());
      return 2;
    }
    std::fclose(f);
  }
  auto engine = Engine::open(config->database_url, server::engine_options(*config));
  if (!engine.ok()) {
    // Engine messages never quote a password; the URI is shown redacted.
    std::fprintf(stderr, "boka-server: cannot open %s: %s\n",
                 server::redacted_uri(config->database_url).c_str(),
                 engine.status().message().c_str());
    return engine.status().code() == Code::invalid_argument ? 2 : 1;
  }
  if (config->encryption_key.empty()) {
    std::fprintf(stderr,
                 "boka-server: warning: ENCRYPTION_KEY is not set, so MFA enrolment is "
                 "unavailable (and admin routes need MFA)\n");
  }
  if (config->demo) {
    Status st = ensure_demo(**engine, *config);
    if (!st.ok()) {
      std::fprintf(stderr, "boka-server: demo setup: %s\n", st.to_string().c_str());
      return 1;
    }
  }

  // Signals go to one thread that stops the server; every other thread blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Large answers (a long availability list) are built once and freed at once: with glibc's
  // default the mmap threshold ratchets up to 32 MiB after the first such free, so later
  // ones come from the heap arenas and stay mapped. A fixed threshold sends every block of
  // 256 KiB or more to mmap, returned on free; the transport trims the arenas after large
  // answers for the many small blocks of their JSON trees.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);

  server::Api api(**engine, *config);
  server::HttpServerOptions options;
  options.host = config->host;
  options.port = config->port;
  // Sockets need little CPU next to the handlers; two I/O threads keep one slow write
  // from delaying the others without competing with the workers for cores.
  options.io_threads =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 2u));
  options.worker_threads = config->threads;
  options.max_body_bytes = config->max_body_bytes;
  options.max_header_bytes = config->max_header_bytes;
  options.max_header_count = config->max_header_count;
  options.timeout = std::chrono::seconds(config->timeout_seconds);
  options.body_timeout = std::chrono::seconds(config->body_timeout_seconds);
  server::HttpHandlers handlers;
  handlers.handle = [&api](server::Request request) { return api.handle(std::move(request)); };
  handlers.refuse = [&api](const server::Request& partial, int status, const std::string& detail) {
    return api.refuse(partial, status, detail);
  };
  server::HttpServer http(options, handlers);
  if (Status listening = http.listen(); !listening.ok()) {
    std::fprintf(stderr, "boka-server: %s\n", listening.message().c_str());
    return 1;
  }
  std::atomic<bool> finished{false};
  const int grace = config->shutdown_grace_seconds;
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (finished) return;  // woken by main after the server ended on its own
    std::fprintf(stderr, "boka-server: %s: draining %d requests in progress\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", api.inflight());
    http.stop();  // stops accepting; requests in progress finish before run returns
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!finished) {
      std::fprintf(stderr, "boka-server: %d requests still running after %d s; exiting\n",
                   api.inflight(), grace);
      std::_Exit(1);
    }
  });
  std::fprintf(stderr, "boka-server: listening on %s:%d (%s)\n", config->host.c_str(), config->port,
               server::redacted_uri(config->database_url).c_str());
  http.run();
  // run returns once every connection is closed and every handler has returned, so every
  // request that was being served has been answered by now.
  finished = true;
  kill(getpid(), SIGTERM);  // wakes the stopper if run ended without a signal
  stopper.join();
  std::fprintf(stderr, "boka-server: stopped\n");
  return 0;
}
