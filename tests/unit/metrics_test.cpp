// Metrics: the registry, the text exposition (checked by Prometheus' own promtool), and the
// engine's counters moving as bookings and logins happen.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

// The value of one sample line ("name{labels} value") in an exposition, or NaN if absent.
double sample(const std::string& text, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      const auto end = text.find('\n', pos);
      return std::stod(text.substr(pos + series.size() + 1, end - pos - series.size() - 1));
    }
    pos += series.size();
  }
  return std::nan("");
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("boka-metrics-" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << text;
  }
  const std::string command = "promtool check metrics < " + path.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = ::pclose(pipe);
  std::filesystem::remove(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("metrics: counters, gauges and histograms in the text format", "[metrics]") {
  MetricsRegistry r;
  Counter* ok =
      r.counter("http_requests_total", "HTTP requests", {{"code", "200"}, {"method", "GET"}})
          .value();
  // Label order does not matter: the same series.
  CHECK(r.counter("http_requests_total", "HTTP requests", {{"method", "GET"}, {"code", "200"}})
            .value() == ok);
  Counter* bad =
      r.counter("http_requests_total", "HTTP requests", {{"method", "GET"}, {"code", "404"}})
          .value();
  ok->inc();
  ok->inc(2);
  bad->inc();
  Gauge* g = r.gauge("queue_depth", "Items waiting").value();
  g->set(7.5);
  g->add(-2);
  Histogram* h = r.histogram("job_seconds", "Job time", {0.1, 1, 10}).value();
  for (double v : {0.05, 0.1, 0.5, 2.0, 20.0}) h->observe(v);
  CHECK(r.gauge_callback("answer", "The answer", [] { return 42.0; }).ok());
  const std::string text = r.exposition();
  INFO(text);
  CHECK(sample(text, R"(http_requests_total{code="200",method="GET"})") == 3);
  CHECK(sample(text, R"(http_requests_total{code="404",method="GET"})") == 1);
  CHECK(sample(text, "queue_depth") == 5.5);
  CHECK(sample(text, R"(job_seconds_bucket{le="0.1"})") == 2);  // le is inclusive
  CHECK(sample(text, R"(job_seconds_bucket{le="1"})") == 3);
  CHECK(sample(text, R"(job_seconds_bucket{le="10"})") == 4);
  CHECK(sample(text, R"(job_seconds_bucket{le="+Inf"})") == 5);
  CHECK(sample(text, "job_seconds_count") == 5);
  CHECK(sample(text, "job_seconds_sum") == Approx(22.65));
  CHECK(sample(text, "answer") == 42);
  CHECK(text.find("# TYPE http_requests_total counter") != std::string::npos);
  CHECK(text.find("# TYPE job_seconds histogram") != std::string::npos);
  CHECK(text.find("# HELP queue_depth Items waiting") != std::string::npos);
  auto [status, output] = promtool_check(text);
  INFO(output);
  CHECK(status == 0);
}

TEST_CASE("metrics: bad names, clashing types and bad buckets are refused", "[metrics]") {
  MetricsRegistry r;
  CHECK(r.counter("2xx_total", "x").status().code() == Code::invalid_argument);
  CHECK(r.counter("a-b", "x").status().code() == Code::invalid_argument);
  CHECK(r.counter("ok_total", "x", {{"le", "1"}}).status().code() == Code::invalid_argument);
  CHECK(r.counter("ok_total", "x", {{"__x", "1"}}).status().code() == Code::invalid_argument);
  CHECK(r.counter("ok_total", "x", {{"a", "1"}, {"a", "2"}}).status().code() ==
        Code::invalid_argument);
  REQUIRE(r.counter("ok_total", "x", {{"a", "1"}}).ok());
  CHECK(r.gauge("ok_total", "x", {{"a", "1"}}).status().code() == Code::invalid_argument);
  CHECK(r.counter("ok_total", "x", {{"b", "1"}}).status().code() == Code::invalid_argument);
  CHECK(r.histogram("h_seconds", "x", {}).status().code() == Code::invalid_argument);
  CHECK(r.histogram("h_seconds", "x", {1, 1}).status().code() == Code::invalid_argument);
  CHECK(r.histogram("h_seconds", "x", {1, INFINITY}).status().code() == Code::invalid_argument);
  REQUIRE(r.histogram("h_seconds", "x", {1, 2}).ok());
  CHECK(r.histogram("h_seconds", "x", {1, 3}).status().code() == Code::invalid_argument);
  // Label values are escaped, never able to break the format.
  r.counter("esc_total", "help with \\ and\nnewline", {{"v", "a\"b\\c\nd"}}).value()->inc();
  const std::string text = r.exposition();
  CHECK(text.find(R"(esc_total{v="a\"b\\c\nd"} 1)") != std::string::npos);
  auto [status, output] = promtool_check(text);
  INFO(text << output);
  CHECK(status == 0);
}

TEST_CASE("metrics: concurrent increments are all counted", "[metrics]") {
  MetricsRegistry r;
  Counter* c = r.counter("hits_total", "x").value();
  Histogram* h = r.histogram("lat_seconds", "x", latency_buckets()).value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c->inc();
        h->observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c->value() == 40000);
  CHECK(h->count() == 40000);
  CHECK(h->sum() == Approx(40.0));
}

TEST_CASE("metrics: the engine's counters move with bookings and logins - promtool accepts them",
          "[metrics]") {
  TempDb db;
  auto clock = std::make_shared<ManualClock>(utc(2026, 1, 5, 8));
  AuthOptions auth;
  auth.argon2_memory_kib = 64;
  auth.argon2_iterations = 1;
  auto registry = std::make_shared<MetricsRegistry>();
  EngineOptions options;
  options.clock = clock;
  options.auth = auth;
  options.metrics = registry;
  auto engine = Engine::open(db.uri(), options).value();
  CHECK(engine->operations().metrics() == registry);
  const TenantId t = engine->create_tenant(sys(), Tenant{TenantId{}, "acme"})->id;
  Resource spec;
  spec.name = "Room";
  spec.zone = "UTC";
  const ResourceId room = engine->create_resource(sys(), t, spec)->id;
  auto book = [&](int hour) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = utc(2026, 1, 6, hour);
    req.end = req.start + hours(1);
    return engine->reserve(sys(), t, req);
  };
  auto first = book(9);
  REQUIRE(first.ok());
  REQUIRE(book(10).ok());
  CHECK(book(9).status().code() == Code::conflict);
  REQUIRE(engine->cancel(sys(), t, first->id).ok());
  CHECK(engine->cancel(sys(), t, ReservationId{999}).status().code() == Code::not_found);
  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(room)};
  q.from = utc(2026, 1, 6);
  q.to = utc(2026, 1, 7);
  q.duration = hours(1);
  REQUIRE(engine->availability(sys(), t, q).ok());
  REQUIRE(engine->auth()
              .create_user(sys(), t, NewUser{"a@x.io", "", Role::staff, "metrics password"})
              .ok());
  REQUIRE(engine->auth().login(LoginRequest{t, "a@x.io", "metrics password", "", ""}).ok());
  CHECK(
      engine->auth().login(LoginRequest{t, "a@x.io", "wrong password!", "", ""}).status().code() ==
      Code::unauthenticated);
  // A host's own metric in the same registry.
  registry->counter("http_requests_total", "HTTP requests", {{"code", "200"}}).value()->inc();

  const std::string text = registry->exposition();
  INFO(text);
  CHECK(sample(text, R"(booking_transactions_total{operation="reserve",outcome="success"})") == 2);
  CHECK(sample(text, R"(booking_transactions_total{operation="reserve",outcome="conflict"})") == 1);
  CHECK(sample(text, R"(booking_transactions_total{operation="cancel",outcome="success"})") == 1);
  CHECK(sample(text, R"(booking_transactions_total{operation="cancel",outcome="rejected"})") == 1);
  CHECK(sample(text, R"(booking_transactions_total{operation="confirm",outcome="success"})") == 0);
  CHECK(sample(text, "bookings_created_total") == 2);
  CHECK(sample(text, R"(auth_logins_total{result="success"})") == 1);
  CHECK(sample(text, R"(auth_logins_total{result="failure"})") == 1);
  CHECK(sample(text, "user_sessions_active") == 1);
  CHECK(sample(text, R"(payments_processed_total{outcome="paid"})") == 0);
  CHECK(sample(text, R"(payment_notifications_total{outcome="refused"})") == 0);
  CHECK(sample(text, R"(emails_total{outcome="sent"})") == 0);
  CHECK(sample(text, "booking_conflict_check_seconds_count") == 3);
  CHECK(sample(text, "availability_query_seconds_count") == 1);
  CHECK(sample(text, "boka_read_only") == 0);
  CHECK(sample(text, R"(http_requests_total{code="200"})") == 1);
  auto [status, output] = promtool_check(text);
  INFO(output);
  CHECK(status == 0);

  // An idempotent replay books nothing new.
  ReserveRequest again;
  again.allocations = {AllocationRequest::of_resource(room)};
  again.start = utc(2026, 1, 6, 12);
  again.end = again.start + hours(1);
  again.idempotency_key = "k1";
  REQUIRE(engine->reserve(sys(), t, again).ok());
  REQUIRE(engine->reserve(sys(), t, again).ok());
  const std::string after = registry->exposition();
  CHECK(sample(after, "bookings_created_total") == 3);
  CHECK(sample(after, R"(booking_transactions_total{operation="reserve",outcome="success"})") == 4);
}
