// boka-server's request decoding (examples/server/http.cpp): targets, percent-escapes and
// UTF-8, without a server.
#include <catch2/catch.hpp>

#include "http.hpp"

using boka::server::Field;
using boka::server::parse_target;
using boka::server::Request;
using boka::server::valid_utf8;

namespace {

Request parsed(std::string_view target) {
  Request r;
  parse_target(target, r);
  return r;
}

}  // namespace

TEST_CASE("a target splits into the raw path and decoded parameters in order") {
  const Request r = parsed(
      "/api/tenants/1%2F2/reservations?limit=10&customer=a+b%20c&status=held,confirmed&flag");
  CHECK(r.path == "/api/tenants/1%2F2/reservations");  // the path is never decoded
  CHECK(r.query_error.empty());
  CHECK(r.query ==
        std::vector<Field>{
            {"limit", "10"}, {"customer", "a b c"}, {"status", "held,confirmed"}, {"flag", ""}});
  CHECK(*r.param("flag") == "");
  CHECK(r.param("missing") == nullptr);
}

TEST_CASE("a repeated parameter: the first one counts") {
  const Request r = parsed("/x?limit=1&limit=2");
  CHECK(*r.param("limit") == "1");
}

TEST_CASE("empty pairs and a bare question mark are no parameters") {
  CHECK(parsed("/x?").query.empty());
  CHECK(parsed("/x?&&").query.empty());
  CHECK(parsed("/x?&&").query_error.empty());
}

TEST_CASE("a query that does not decode to UTF-8 names the parameter") {
  CHECK(parsed("/x?limit=%FF").query_error == "query limit: not valid UTF-8");
  CHECK(parsed("/x?tenant=%C0%AF").query_error == "query tenant: not valid UTF-8");  // overlong '/'
  CHECK(parsed("/x?status=%ED%A0%80").query_error ==
        "query status: not valid UTF-8");  // a surrogate
  CHECK(parsed("/x?limit=%F").query_error == "query limit: malformed percent-encoding");
  CHECK(parsed("/x?limit=%G0").query_error == "query limit: malformed percent-encoding");
  CHECK(parsed("/x?customer=a%00b").query_error == "query customer: contains NUL");
  CHECK(parsed("/x?%FF=1").query_error.find("parameter name") != std::string::npos);
  // Nothing of a query with an error is kept.
  CHECK(parsed("/x?a=1&limit=%FF&b=2").query.size() == 1);
}

TEST_CASE("valid_utf8 takes well-formed UTF-8 only") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii"));
  CHECK(valid_utf8("K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x98\x80"));  // ö, €, an emoji
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
  CHECK_FALSE(valid_utf8("\xFF"));
  CHECK_FALSE(valid_utf8("\xC3"));              // truncated
  CHECK_FALSE(valid_utf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));              // a lone continuation byte
}

TEST_CASE("header lookup ignores case, and set_header replaces") {
  Request r;
  r.headers = {{"X-Real-IP", "203.0.113.9"}, {"x-real-ip", "198.51.100.1"}};
  CHECK(*r.header("x-REAL-ip") == "203.0.113.9");
  boka::server::Response res;
  res.set_header("Retry-After", "1");
  res.set_header("retry-after", "7");
  CHECK(res.headers == std::vector<Field>{{"retry-after", "7"}});
  CHECK(res.has_header("RETRY-AFTER"));
}
