// boka-server's HTTP/1.1 transport over Boost.Beast and Boost.Asio: accepts connections,
// parses requests within the configured limits, hands each complete request to the API on a
// worker pool and writes the answers back in order.
//
// Design: a few I/O threads run one io_context with every socket on it (asynchronous reads
// and writes, one strand per connection), and a fixed pool of `worker_threads` threads runs
// the handlers. The handlers call the engine synchronously (an Argon2id login takes tens of
// milliseconds, a PostgreSQL round trip blocks), so they must not run on the I/O threads: a
// slow handler would stall every connection sharing its thread. The pool bounds how many
// handlers run at once without bounding how many idle keep-alive connections are held.
// A connection reads one request, waits for its answer, writes it and only then parses the
// next, so pipelined requests are answered in the order sent.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "boka/status.hpp"
#include "http.hpp"

namespace boka::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
  int io_threads = 2;       // threads running the sockets
  int worker_threads = 64;  // threads running handlers (BOKA_THREADS)
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;  // request line and header fields together
  int max_header_count = 100;
  std::chrono::seconds timeout{10};  // reading a request, and each write without progress
  // A request body, however it trickles in, must arrive whole within this time of its header
  // (BOKA_BODY_TIMEOUT_SECONDS): `timeout` alone is renewed by every byte received.
  std::chrono::seconds body_timeout{60};
  std::chrono::seconds keep_alive_idle{5};  // between requests on one connection
  int max_requests_per_connection = 1000;
  // After a response body at least this large is freed, the allocator's free memory goes back
  // to the system (glibc malloc_trim); 0 never trims.
  std::size_t trim_after_bytes = 1 << 20;
};

// What the server calls. Both may be called from several threads at once.
struct HttpHandlers {
  // Answers a complete request. Runs on a worker thread; may block.
  std::function<Response(Request)> handle;
  // Answers a request the transport refused before it was complete (malformed, header or
  // body too large): `partial` holds what was read (method and path may be empty). Runs on
  // an I/O thread; must not block. `detail` says what is wrong, for the client.
  std::function<Response(const Request& partial, int status, const std::string& detail)> refuse;
};

// One listening HTTP server. Construct, listen(), then run() on one thread; stop() from any
// thread ends it. Not copyable.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; an error naming the address when it cannot.
  Status listen();
  // Serves until stop(), then until every connection is closed and every handler has
  // returned: requests being read or handled are answered, idle connections are closed.
  void run();
  // Stops accepting and starts the drain run() waits for. Thread-safe; idempotent.
  void stop();

  struct Impl;  // the implementation's state (http_server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace boka::server
