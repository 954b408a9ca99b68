// The HTTP messages boka-server's API works on, free of any I/O: the API is a function from a
// Request to a Response (api.hpp), and http_server.hpp moves them over the network. Keeping
// the two apart lets the API be read, and reasoned about, without sockets in the way.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boka::server {

// One header field or query parameter: name and value.
using Field = std::pair<std::string, std::string>;

// A complete request as the API sees it. A plain value: safe to move between threads, not to
// share while one of them writes to it.
struct Request {
  std::string method;        // as sent: "GET", "POST", ...
  std::string path;          // the target up to '?', NOT percent-decoded
  std::vector<Field> query;  // percent-decoded name and value, in the order sent
  // Why the query string could not be decoded (malformed %-escape, invalid UTF-8, NUL),
  // naming the parameter; empty when `query` holds every parameter. The API answers 400
  // with it, so a request never reaches a route with a parameter it could not read.
  std::string query_error;
  std::vector<Field> headers;  // as received, names in the sender's case
  std::string body;
  std::string remote_address;         // the TCP peer ("127.0.0.1", "::1")
  std::vector<std::string> captures;  // set by routing: [0] the whole path, [1..] its groups

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // The first query parameter named `name` (exact), or nullptr.
  const std::string* param(std::string_view name) const;
};

// The answer to a Request. A plain value, like Request.
struct Response {
  int status = 200;
  std::vector<Field> headers;  // Content-Length and Connection are the transport's business
  std::string body;

  // Replaces every header named `name` (case-insensitive) by one with `value`.
  void set_header(std::string_view name, std::string value);
  bool has_header(std::string_view name) const;
  // Sets the body and its Content-Type.
  void set_content(std::string content, std::string content_type);
};

// Splits a request target ("/path?a=1&b=%20") into `out.path`, `out.query` and
// `out.query_error`. '+' in the query is a space, as HTML forms send it.
void parse_target(std::string_view target, Request& out);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool valid_utf8(std::string_view text);

// A line on standard error for a condition that can recur on every request or connection
// (out of memory, say): the first at once, then at most one per `every`, each saying how
// many were left out. Thread-safe. Never allocates nor throws: it is called when memory or
// descriptors have run out.
class ThrottledLog {
 public:
  explicit ThrottledLog(std::chrono::seconds every) : every_ms_(every.count() * 1000) {}
  // "boka-server: <what>" (plus the count left out since the last line, if any).
  void write(const char* what) noexcept;

 private:
  const std::int64_t every_ms_;
  std::atomic<std::int64_t> last_ms_{std::numeric_limits<std::int64_t>::min()};
  std::atomic<std::uint64_t> left_out_{0};
};

}  // namespace boka::server
