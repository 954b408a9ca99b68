// The delivery layer's HTTP client (src/delivery/http_client.hpp) against an in-process
// cpp-httplib server on 127.0.0.1: what arrives, what the client refuses to do (follow a
// redirect, read a huge response to the end, wait past its timeout, reach loopback without
// the allow-list, use a proxy from the environment), and how failures are reported.
#include <httplib.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "delivery/http_client.hpp"

using namespace boka;
using namespace boka::delivery;

namespace {

// A server on 127.0.0.1 with a few endpoints, on its own thread for the test's lifetime.
class TestServer {
 public:
  TestServer() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++hook_hits_;
      last_headers_ = req.headers;
      last_body_ = req.body;
      res.status = 200;
      res.set_content("received", "text/plain");
    });
    server_.Post("/redirect", [this](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", base_url() + "/hook");
      res.set_content("moved", "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      // Answers after 3 s, or as soon as the server stops.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      while (!stopping_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      res.set_content("late", "text/plain");
    });
    server_.Post("/huge", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content(std::string(1024 * 1024, 'x'), "text/plain");
    });
    server_.Post("/ten", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("0123456789", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() before the listening loop has started is lost (the loop then runs
    // forever): wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TestServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  int hook_hits() {
    std::lock_guard<std::mutex> lock(mutex_);
    return hook_hits_;
  }
  httplib::Headers last_headers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_headers_;
  }
  std::string last_body() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_body_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  int hook_hits_ = 0;
  httplib::Headers last_headers_;
  std::string last_body_;
};

UrlPolicy loopback_allowed() {
  UrlPolicy policy;
  Result<AddressAllowList> list = AddressAllowList::parse("127.0.0.1/32");
  REQUIRE(list.ok());
  policy.allow = *list;
  return policy;
}

std::string header(const httplib::Headers& headers, const std::string& name) {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string("<absent>") : it->second;
}

}  // namespace

TEST_CASE("post delivers the body and headers, and reports the response", "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = server.base_url() + "/hook";
  request.headers = {{"Content-Type", "application/json"},
                     {"webhook-id", "msg_1"},
                     {"webhook-signature", "v1,abc="}};
  request.body = R"({"type":"reservation.created"})";
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 200);
  CHECK(outcome->body == "received");
  CHECK_FALSE(outcome->body_truncated);
  CHECK(outcome->error.empty());
  CHECK(outcome->latency_ms >= 0);
  CHECK(server.hook_hits() == 1);
  CHECK(server.last_body() == request.body);
  const httplib::Headers seen = server.last_headers();
  CHECK(header(seen, "Content-Type") == "application/json");
  CHECK(header(seen, "webhook-id") == "msg_1");
  CHECK(header(seen, "webhook-signature") == "v1,abc=");
  CHECK(header(seen, "User-Agent").rfind("boka/", 0) == 0);
}

TEST_CASE("post sends no curl defaults: no form Content-Type, no Expect on a big body",
          "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = "http://localhost:" + std::to_string(server.port()) + "/hook";  // pinned name
  request.body = std::string(100 * 1024, 'b');
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 200);
  CHECK(server.last_body() == request.body);
  CHECK(header(server.last_headers(), "Content-Type") == "<absent>");
  CHECK(header(server.last_headers(), "Expect") == "<absent>");
}

TEST_CASE("post does not follow a redirect: the 3xx is the outcome", "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = server.base_url() + "/redirect";
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 302);
  CHECK(outcome->body == "moved");
  CHECK(outcome->error.empty());
  CHECK(server.hook_hits() == 0);
}

TEST_CASE("post gives up at its timeout with status 0 and an error", "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = server.base_url() + "/slow";
  request.timeout_ms = 1000;
  const auto started = std::chrono::steady_clock::now();
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE(outcome.ok());  // a transport failure is an outcome, not a Status
  CHECK(outcome->status == 0);
  CHECK(outcome->error.find("imed out") != std::string::npos);  // "Operation timed out ..."
  CHECK(waited < std::chrono::milliseconds(2500));
  CHECK(outcome->latency_ms >= 900);
}

TEST_CASE("post keeps at most max_response_bytes of a response", "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = server.base_url() + "/huge";
  request.max_response_bytes = 1000;
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 500);
  CHECK(outcome->body == std::string(1000, 'x'));
  CHECK(outcome->body_truncated);
  CHECK(outcome->error.empty());  // truncation is not a failure

  request.url = server.base_url() + "/ten";
  request.max_response_bytes = 10;  // exactly the body: whole, not truncated
  outcome = post(request, loopback_allowed());
  REQUIRE(outcome.ok());
  CHECK(outcome->body == "0123456789");
  CHECK_FALSE(outcome->body_truncated);
}

TEST_CASE("post refuses loopback without the allow-list and never connects", "[delivery][http]") {
  TestServer server;
  HttpPost request;
  request.url = server.base_url() + "/hook";
  Result<HttpOutcome> refused = post(request, UrlPolicy{});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::permission_denied);
  CHECK(refused.status().message().find("127.0.0.1 is loopback") != std::string::npos);
  request.url = "http://localhost:" + std::to_string(server.port()) + "/hook";
  refused = post(request, UrlPolicy{});
  CHECK(refused.status().code() == Code::permission_denied);
  CHECK(server.hook_hits() == 0);

  request.url = server.base_url() + "/hook";
  Result<HttpOutcome> allowed = post(request, loopback_allowed());
  REQUIRE(allowed.ok());
  CHECK(allowed->status == 200);
  CHECK(server.hook_hits() == 1);
}

TEST_CASE("post ignores proxies from the environment", "[delivery][http]") {
  TestServer server;
  // A proxy that does not exist: a client that used it would fail to connect.
  ::setenv("http_proxy", "http://127.0.0.1:9", 1);
  ::setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
  ::setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
  HttpPost request;
  request.url = server.base_url() + "/hook";
  Result<HttpOutcome> outcome = post(request, loopback_allowed());
  ::unsetenv("http_proxy");
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("ALL_PROXY");
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 200);
  CHECK(server.hook_hits() == 1);
}

TEST_CASE("post reports transport failures as outcomes and bad requests as errors",
          "[delivery][http]") {
  HttpPost request;
  // A port nothing listens on (the server is gone by the time we post).
  int closed_port = 0;
  {
    TestServer server;
    closed_port = server.port();
  }
  request.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/hook";
  Result<HttpOutcome> refused = post(request, loopback_allowed());
  REQUIRE(refused.ok());
  CHECK(refused->status == 0);
  CHECK_FALSE(refused->error.empty());

  request.url = "http://no-such-host.invalid/hook";
  Result<HttpOutcome> unresolved = post(request, UrlPolicy{});
  REQUIRE(unresolved.ok());
  CHECK(unresolved->status == 0);
  CHECK(unresolved->error.find("does not resolve") != std::string::npos);

  request.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/hook";
  request.headers = {{"X-Ok", "fine"}, {"X-Evil", "a\r\nInjected: 1"}};
  Result<HttpOutcome> injected = post(request, loopback_allowed());
  REQUIRE_FALSE(injected.ok());
  CHECK(injected.status().code() == Code::invalid_argument);
  CHECK(injected.status().message().rfind("headers[1] (X-Evil): ", 0) == 0);
  request.headers = {{"Bad Name", "x"}};
  CHECK(post(request, loopback_allowed()).status().code() == Code::invalid_argument);
  request.headers = {{"Host", "internal.example"}};
  CHECK(post(request, loopback_allowed()).status().message() ==
        "headers[0]: Host is set by the client");
  request.headers.clear();
  request.timeout_ms = 0;
  CHECK(post(request, loopback_allowed()).status().message() == "timeout_ms: must be positive");
  request.timeout_ms = 1000;
  request.url = "file:///etc/passwd";
  CHECK(post(request, loopback_allowed()).status().code() == Code::invalid_argument);
}

TEST_CASE("post is safe to call from several threads at once", "[delivery][http]") {
  TestServer server;
  const UrlPolicy policy = loopback_allowed();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        HttpPost request;
        request.url =
            (t % 2 == 0 ? server.base_url() : "http://localhost:" + std::to_string(server.port())) +
            "/hook";
        request.body = "thread " + std::to_string(t);
        Result<HttpOutcome> outcome = post(request, policy);
        if (outcome.ok() && outcome->status == 200) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(ok == 20);
  CHECK(server.hook_hits() == 20);
}
