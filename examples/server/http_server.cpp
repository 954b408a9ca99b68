#include "http_server.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace boka::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// The answer when a handler throws, which the API's own wrapper never lets happen.
Response internal_error() {
  Response r;
  r.status = 500;
  r.set_content(
      R"({"type":"https://boka.dev/problems/internal","title":"Internal Server Error",)"
      R"("status":500,"code":"internal","detail":"the server failed to handle the request"})",
      "application/problem+json");
  return r;
}

// The status and detail for a request the parser refused.
std::pair<int, std::string> refusal(const beast::error_code& ec, const HttpServerOptions& o,
                                    bool request_line_complete) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    if (!request_line_complete) {
      return {414,
              "the request line is longer than " + std::to_string(o.max_header_bytes) + " bytes"};
    }
    return {431,
            "the request header is larger than " + std::to_string(o.max_header_bytes) + " bytes"};
  }
  if (ec == http::error::body_limit) {
    return {413, "the request body is larger than " + std::to_string(o.max_body_bytes) + " bytes"};
  }
  if (ec == http::error::bad_content_length) {
    return {400,
            "Content-Length: not a single non-negative decimal integer, or conflicting with "
            "another Content-Length or Transfer-Encoding"};
  }
  if (ec == http::error::bad_transfer_encoding) {
    return {400, "Transfer-Encoding: repeated, or sent together with Content-Length"};
  }
  if (ec == http::error::bad_line_ending) {
    return {400, "a line of the request header does not end in CRLF (a bare CR or LF)"};
  }
  if (ec == http::error::bad_value) {
    return {400, "a header field value contains a control character (CR, LF, NUL, ...)"};
  }
  if (ec == http::error::bad_field) return {400, "a header field name is malformed"};
  if (ec == http::error::bad_method) return {400, "the request method is malformed"};
  if (ec == http::error::bad_target) return {400, "the request target is malformed"};
  if (ec == http::error::bad_version) return {400, "the HTTP version is malformed"};
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) {
    return {400, "the chunked request body is malformed"};
  }
  return {400, "the request was malformed"};
}

}  // namespace

// ---- the server's shared state ---------------------------------------------------------------

class Session;

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandlers h)
      : options(std::move(o)),
        handlers(std::move(h)),
        acceptor(net::make_strand(io)),
        retry_timer(acceptor.get_executor()),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))) {}

  void accept();
  void stop_on_strand();
  void run_io();
  void accept_failed(const beast::error_code& ec);
  void accept_succeeded();

  const HttpServerOptions options;
  const HttpHandlers handlers;
  net::io_context io;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;  // after an accept error such as EMFILE
  net::thread_pool workers;
  bool stopping = false;  // on the acceptor's strand
  // Accept failures in a row (EMFILE when out of descriptors), since when, and when last
  // logged; on the acceptor's strand.
  std::uint64_t accept_failures = 0;
  std::chrono::steady_clock::time_point accept_failing_since;
  std::chrono::steady_clock::time_point accept_failure_logged;
  // An exception out of a connection's handler on an I/O thread (an allocation failing
  // while a request is read, say).
  ThrottledLog io_errors{std::chrono::seconds(60)};
  // A handler's answer that could not even be allocated.
  ThrottledLog unanswered{std::chrono::seconds(60)};

  // Every open connection, so that stop() can close the idle ones.
  std::mutex sessions_mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// ---- one connection ------------------------------------------------------------------------

// One connection: reads a request, hands it to the workers, writes the answer, then reads
// the next. Everything but drain() runs on the connection's strand; pending operations hold
// a shared_ptr to it, so it lives until the last of them completes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
  }

  ~Session() {
    std::lock_guard lock(server_.sessions_mutex);
    server_.sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(server_.sessions_mutex);
      server_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_next(); });
  }

  // Asks the connection to close: at once when it waits for a request, else after the
  // answer to the request in progress. Thread-safe.
  void drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (self->idle_) self->stream_.close();  // the pending read ends with operation_aborted
    });
  }

 private:
  const HttpServerOptions& options() const { return server_.options; }

  void read_next() {
    if (draining_ || served_ >= options().max_requests_per_connection) return linger();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(options().max_body_bytes));
    header_checked_ = false;
    // A connection's first request, or the next one's whole header, must come within the
    // deadline: the read completes only once the header is complete.
    idle_ = buffer_.size() == 0;
    stream_.expires_after(served_ == 0 || !idle_ ? options().timeout : options().keep_alive_idle);
    read_some();
  }

  void read_some() {
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    idle_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout) {
      return close();  // the client finished, stop() closed an idle connection, or too slow
    }
    if (ec && ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
      if (ec == http::error::partial_message) return close();
      const auto [status, detail] = refusal(ec, options(), request_line_complete());
      return refuse(status, detail);
    }
    if (ec) return close();  // reset by the peer and the like
    if (parser_->is_header_done() && !header_checked_) {
      header_checked_ = true;
      body_deadline_ = std::chrono::steady_clock::now() + options().body_timeout;
      if (!check_header()) return;
    }
    if (!parser_->is_done()) {
      expire_for_body();
      return read_some();
    }
    dispatch();
  }

  // The body: a deadline per step of progress, and one for the whole body. Each byte renews
  // the first, so without the second a client trickling a byte every few seconds would hold
  // its connection (and descriptor) for ever: enough of them exhaust the server's descriptors.
  void expire_for_body() {
    stream_.expires_at(
        std::min(std::chrono::steady_clock::now() + options().timeout, body_deadline_));
  }

  // Limits the parser does not apply. False when the request was refused.
  bool check_header() {
    const auto& message = parser_->get();
    const auto count = static_cast<std::size_t>(std::distance(message.begin(), message.end()));
    if (count > static_cast<std::size_t>(options().max_header_count)) {
      refuse(431, "the request has " + std::to_string(count) + " header fields, more than " +
                      std::to_string(options().max_header_count));
      return false;
    }
    // A Transfer-Encoding other than chunked leaves the body's end unknown: refusing it
    // keeps a body from being read as the next request.
    if (message.count(http::field::transfer_encoding) > 0 && !parser_->chunked()) {
      refuse(400, "Transfer-Encoding: only chunked is supported");
      return false;
    }
    if (!parser_->is_done() && message.version() >= 11 &&
        beast::iequals(message[http::field::expect], "100-continue")) {
      // The client waits for this before it sends the body.
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(options().timeout);
      net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->close();
                         self->expire_for_body();
                         self->read_some();
                       });
      return false;
    }
    return true;
  }

  // Whether the request line has been read: the parser consumes it before the fields.
  bool request_line_read() const { return !parser_->get().method_string().empty(); }

  // Whether the request line is complete: read, or its CRLF within the header limit.
  bool request_line_complete() const {
    if (request_line_read()) return true;
    const auto data = buffer_.data();
    const std::string_view text(static_cast<const char*>(data.data()),
                                std::min(data.size(), options().max_header_bytes));
    return text.find("\r\n") != std::string_view::npos;
  }

  // What is known of a request refused before it was complete, for the log and metrics:
  // the request line and the fields before the one at fault.
  Request partial_request() const {
    Request r;
    r.remote_address = remote_;
    if (request_line_read()) {
      const auto& m = parser_->get();
      r.method = std::string(m.method_string());
      parse_target(std::string_view(m.target().data(), m.target().size()), r);
      for (const auto& f : m)
        r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    } else {
      // The request line, when it is still in the buffer: "METHOD target HTTP/1.1".
      const auto data = buffer_.data();
      std::string_view line(static_cast<const char*>(data.data()),
                            std::min<std::size_t>(data.size(), 2048));
      line = line.substr(0, line.find("\r\n"));
      const auto space = line.find(' ');
      if (space != std::string_view::npos && space <= 16) {
        r.method = std::string(line.substr(0, space));
        const auto rest = line.substr(space + 1);
        parse_target(rest.substr(0, rest.find(' ')), r);
      }
    }
    r.query.clear();  // never used for a refusal
    r.query_error.clear();
    return r;
  }

  void refuse(int status, const std::string& detail) {
    Response response;
    try {
      response = server_.handlers.refuse(partial_request(), status, detail);
    } catch (const std::exception&) {
      response = internal_error();
    }
    close_after_ = true;  // what follows in the stream cannot be trusted to be a request
    write(std::move(response));
  }

  void dispatch() {
    Request request;
    {
      auto message = parser_->release();
      version_ = message.version();
      keep_alive_ = message.keep_alive();
      head_ = message.method() == http::verb::head;
      request.method = std::string(message.method_string());
      parse_target(std::string_view(message.target().data(), message.target().size()), request);
      request.headers.reserve(
          static_cast<std::size_t>(std::distance(message.begin(), message.end())));
      for (const auto& f : message) {
        request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
      request.body = std::move(message.body());
      request.remote_address = remote_;
    }
    parser_.reset();
    // The work guard keeps the I/O threads running until the answer is posted back, even
    // when this connection has no other operation pending (during a drain).
    net::post(server_.workers, [self = shared_from_this(), request = std::move(request),
                                work = net::make_work_guard(server_.io)]() mutable {
      try {
        Response response = self->answer(std::move(request));
        net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->write(std::move(response));
        });
      } catch (...) {
        // Out of memory even for the answer. An exception out of this handler would end the
        // worker thread and the process (std::terminate); instead nothing is posted, the last
        // reference to the connection goes with this handler, and the connection closes
        // without an answer: the client sees it closed, never half an answer.
        self->server_.unanswered.write(
            "out of memory: a connection was closed without an answer to its request");
      }
    });
  }

  // The handler's answer. The API answers its own errors (out of memory included, as 503);
  // this catches what escapes it while it finishes. May throw std::bad_alloc.
  Response answer(Request request) {
    try {
      return server_.handlers.handle(std::move(request));
    } catch (const std::bad_alloc&) {
      Response r;
      r.status = 503;
      r.set_header("Retry-After", "1");
      r.set_content(
          R"({"type":"https://boka.dev/problems/unavailable","title":"Service Unavailable",)"
          R"("status":503,"code":"unavailable","detail":"the server is out of memory; retry shortly"})",
          "application/problem+json");
      return r;
    } catch (const std::exception&) {
      return internal_error();
    }
  }

  void write(Response response) {
    auto& message = response_.emplace();
    message.version(version_);
    message.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) message.insert(name, value);
    message.body() = std::move(response.body);
    ++served_;
    const bool keep = keep_alive_ && !close_after_ && !draining_ &&
                      served_ < options().max_requests_per_connection;
    message.keep_alive(keep);
    if (head_) {
      // The length of the body a GET would have had, and no body.
      message.content_length(message.body().size());
      message.body().clear();
    } else {
      message.prepare_payload();
    }
    serializer_.emplace(message);
    write_some();
  }

  void write_some() {
    stream_.expires_after(options().timeout);  // a deadline per step of progress
    http::async_write_some(
        stream_, *serializer_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return close();
    if (!serializer_->is_done()) return write_some();
    const bool keep = response_->keep_alive();
    const std::size_t size = response_->body().size();
    serializer_.reset();
    response_.reset();
    if (options().trim_after_bytes > 0 && size >= options().trim_after_bytes) {
      // A large answer leaves its memory (the body, and the handler's JSON tree) free in
      // the allocator's arenas; give it back to the system rather than keep the peak.
      net::post(server_.workers, [] { malloc_trim(0); });
    }
    if (!keep) return linger();
    version_ = 11;
    keep_alive_ = true;
    head_ = false;
    read_next();
  }

  // Closes after the last answer: stop sending, then read and discard what the client still
  // sends for a moment, so that closing with unread input does not reset the connection
  // (and destroy the answer) before the client has read it.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    discarded_ = 0;
    discard();
  }

  void discard() {
    if (!scratch_) scratch_ = std::make_unique<char[]>(kScratch);
    stream_.async_read_some(net::buffer(scratch_.get(), kScratch),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > (1u << 20)) return self->close();
                              self->discard();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  static constexpr std::size_t kScratch = 4096;

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  std::unique_ptr<char[]> scratch_;
  std::size_t discarded_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;  // the request being answered is a HEAD
  bool header_checked_ = false;
  std::chrono::steady_clock::time_point body_deadline_;  // the whole body by then
  bool idle_ = false;         // waiting for a request of which no byte is buffered
  bool draining_ = false;     // stop() was called
  bool close_after_ = false;  // the request was refused: close after the answer
  int served_ = 0;
};

// ---- accepting and stopping ------------------------------------------------------------------

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, most likely (EMFILE, ENFILE): the connection stays in the listen
      // backlog, so the listening socket stays readable and an accept retried at once would
      // fail again at once, spinning a core. Try again shortly instead; the connections
      // already open are served meanwhile, and closing them frees descriptors.
      accept_failed(ec);
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([this](beast::error_code wait_error) {
        if (!wait_error && !stopping) accept();
      });
      return;
    }
    accept_succeeded();
    beast::error_code ignored;
    // Without TCP_NODELAY, Nagle plus the client's delayed ACK can hold a response's last
    // segment back by about 40 ms.
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this)->start();
    accept();
  });
}

// Logged when accepting starts failing, once a minute while it goes on (it is retried ten
// times a second), and when it works again; on the acceptor's strand.
void HttpServer::Impl::accept_failed(const beast::error_code& ec) {
  const auto now = std::chrono::steady_clock::now();
  if (accept_failures++ > 0 && now - accept_failure_logged < std::chrono::minutes(1)) return;
  if (accept_failures == 1) accept_failing_since = now;
  accept_failure_logged = now;
  std::size_t open = 0;
  {
    std::lock_guard lock(sessions_mutex);
    open = sessions.size();
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - accept_failing_since);
  std::fprintf(stderr,
               "boka-server: cannot accept connections: %s (%zu connections open; failed attempts: "
               "%llu over %lld s); retrying every 100 ms. Out of file descriptors? Raise the "
               "limit (ulimit -n, systemd LimitNOFILE) or lower the load\n",
               ec.message().c_str(), open, static_cast<unsigned long long>(accept_failures),
               static_cast<long long>(seconds.count()));
}

void HttpServer::Impl::accept_succeeded() {
  if (accept_failures == 0) return;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - accept_failing_since);
  std::fprintf(
      stderr, "boka-server: accepting connections again (failed attempts: %llu over %lld s)\n",
      static_cast<unsigned long long>(accept_failures), static_cast<long long>(seconds.count()));
  accept_failures = 0;
}

// One I/O thread. An exception out of a connection's handler (std::bad_alloc while a request
// is read: the parser reserves a body of up to BOKA_MAX_BODY_BYTES) would leave run() and,
// uncaught, end the process. The handler's state, and with it that one connection, is gone
// by then (closed without an answer); the io_context is not stopped, so run() goes on with
// every other connection.
void HttpServer::Impl::run_io() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::bad_alloc&) {
      io_errors.write("out of memory while reading or writing: a connection was closed");
    } catch (const std::exception&) {
      io_errors.write("an error while reading or writing: a connection was closed");
    }
  }
}

void HttpServer::Impl::stop_on_strand() {
  if (stopping) return;
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [raw, weak] : sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->drain();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandlers handlers)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers))) {}

HttpServer::~HttpServer() { impl_->workers.join(); }

Status HttpServer::listen() {
  const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  beast::error_code ec;
  // A name (localhost) resolves like an address; the first result is the one listened on.
  tcp::resolver resolver(impl_->io);
  const auto results =
      resolver.resolve(impl_->options.host, std::to_string(impl_->options.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    return Unavailable("cannot listen on " + where + ": cannot resolve the host");
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
  return Status::Ok();
}

void HttpServer::run() {
  net::post(impl_->acceptor.get_executor(), [this] { impl_->accept(); });
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.io_threads; ++i)
    threads.emplace_back([this] { impl_->run_io(); });
  impl_->run_io();
  for (auto& t : threads) t.join();
  impl_->workers.join();
}

void HttpServer::stop() {
  net::post(impl_->acceptor.get_executor(), [this] { impl_->stop_on_strand(); });
}

}  // namespace boka::server
