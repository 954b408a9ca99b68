// Internals of boka-server's API shared by its route files (api.cpp, web.cpp): the
// per-request context and the helpers every route uses. Not part of any public interface.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "api.hpp"
#include "json_codec.hpp"
#include "schema.hpp"

namespace boka::server {

using codec::Form;
using codec::InputError;
using codec::Json;
using codec::Mode;

// ---- per-request context ---------------------------------------------------------------

// Thrown by a route's helpers to answer with `status` as a problem document.
struct StatusError : std::runtime_error {
  explicit StatusError(Status s) : std::runtime_error(s.message()), status(std::move(s)) {}
  Status status;
};

std::optional<std::int64_t> query_int(const Request& req, const char* name);

// An id read from the request path or query. A path segment does not say its kind; the
// route does, by the call it passes the number to, so this converts to whichever id type
// (TenantId, ReservationId, ...) that call takes.
struct PathId {
  std::int64_t value = 0;
  template <typename Tag>
  operator Id<Tag>() const {  // NOLINT: see above
    return Id<Tag>{value};
  }
};

// `s` with ASCII letters in lower case (emails, header values).
std::string lowercase(std::string s);

// The RFC 9457 problem document every error answer carries.
Json problem_document(int status, const std::string& code, const std::string& detail);

struct Api::Context {
  const Request& req;
  Response& res;
  Engine& engine;
  std::string client;  // the client's address (through trusted proxies)
  std::string token;   // the Bearer credential or session cookie, if any (never logged)
  std::optional<Principal> principal;
  bool via_cookie = false;  // authenticated by the browser's session cookie (docs/web.md)

  const Principal& who() const { return *principal; }

  PathId id(std::size_t i) const {
    const std::string& text = req.captures.at(i);
    try {
      return PathId{std::stoll(text)};
    } catch (const std::exception&) {
      throw InputError("path: \"" + text.substr(0, 30) + "\" is not an id");
    }
  }

  // The tenant an admin route acts in: ?tenant=, else the principal's own. Another tenant
  // must be a positive id the caller may see: the engine would otherwise answer an empty
  // report for a tenant that does not exist, which reads like "nothing to report".
  TenantId admin_tenant() const {
    const auto t = query_int(req, "tenant");
    if (!t || *t == who().tenant()) return who().tenant();
    if (*t <= 0)
      throw InputError("query tenant: must be a positive tenant id, got " + std::to_string(*t));
    auto found = engine.get_tenant(who(), TenantId{*t});  // 404 if unknown; 403 if not the caller's
    if (!found.ok()) throw StatusError(found.status());
    return TenantId{*t};
  }

  Json body() const {
    if (req.body.empty()) throw InputError("body: expected a JSON object");
    // The codec's parser: its shape limits (depth, fields per object, values) are checked in
    // one linear pass before the document is built.
    const Json j = codec::parse_text(req.body, "body");
    if (!j.is_object())
      throw InputError(std::string("body: expected a JSON object, got ") + j.type_name());
    return j;
  }
  Json body_or_empty() const { return req.body.empty() ? Json::object() : body(); }
  // The body as the document T (`path` names it in messages: "reschedule.start").
  template <typename T>
  T body_as(const std::string& path, Mode mode = Mode::create) const {
    return codec::from_json<T>(body(), path, mode);
  }

  void send(int status, const Json& j) {
    res.status = status;
    res.set_content(codec::dump(j), "application/json");
  }
  void no_content() {
    res.status = 204;
    res.body.clear();
  }
  // Sends `r`'s value as its document, or its error as a problem document.
  template <typename T>
  void reply(const Result<T>& r, int status = 200) {
    if (!r.ok()) return problem(r.status());
    res.status = status;
    // The text dump(to_json(...)) would give, written without building the document's tree:
    // the tree's allocations were most of an availability answer's cost (docs/architecture.md,
    // "Writing documents"). Written into a buffer the thread keeps, then copied once at its
    // final size, rather than grown by doubling per answer.
    thread_local std::string buffer;
    buffer.clear();
    codec::append_json_text(buffer, *r);
    res.set_content(std::string(buffer), "application/json");
    if (buffer.capacity() > kKeptBufferBytes) std::string().swap(buffer);  // a rare large one
  }
  static constexpr std::size_t kKeptBufferBytes = 256 * 1024;
  void reply(const Status& s) {
    if (!s.ok()) return problem(s);
    no_content();
  }

  void problem(const Status& s) {
    problem(http_status(s.code()), code_name(s.code()), s.message(), s.conflict());
  }
  void problem(int status, const std::string& code, const std::string& detail,
               const ConflictInfo* conflict = nullptr) {
    Json p = problem_document(status, code, detail);
    if (conflict != nullptr) p["conflict"] = codec::to_json(*conflict);
    res.status = status;
    res.set_content(codec::dump(p), "application/problem+json");
    if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
    if ((status == 503 || status == 429) && !res.has_header("Retry-After")) {
      res.set_header("Retry-After", "1");
    }
  }
};

// The largest page any list route answers: a client asking more is told so (400), rather
// than getting a silently shorter page or an answer as large as it likes.
constexpr std::int64_t kMaxPage = 1000;

// ?limit= (1..kMaxPage, default `fallback`) and ?after_id= (>= 0, default 0).
int page_limit(const Request& req, int fallback);
PathId page_after(const Request& req);

// Schemas for the OpenAPI document: a component reference, an array of them, no body.
template <typename T>
Json doc(Form form = Form::output) {
  return codec::schema_ref<T>(form);
}
template <typename T>
Json list_of() {
  return codec::schema_array_ref<T>();
}
inline const Json kNone = nullptr;

}  // namespace boka::server
