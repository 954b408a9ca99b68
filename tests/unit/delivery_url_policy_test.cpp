// The delivery layer's URL parsing and SSRF policy (src/delivery/url_policy.hpp), with IP
// literals and "localhost" only: no network or outside DNS is needed.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "delivery/url_policy.hpp"

using namespace boka;
using namespace boka::delivery;

namespace {

IpAddress ip(const std::string& text) {
  const auto address = IpAddress::parse(text);
  REQUIRE(address.has_value());
  return *address;
}

std::string reason(const std::string& text) { return std::string(non_public_reason(ip(text))); }

AddressAllowList allow(const std::string& text) {
  Result<AddressAllowList> list = AddressAllowList::parse(text);
  REQUIRE(list.ok());
  return *list;
}

}  // namespace

TEST_CASE("parse_endpoint_url takes http(s) URLs apart", "[delivery]") {
  Result<ParsedUrl> url = parse_endpoint_url("HTTPS://Hooks.Example.COM/in/abc?x=1&y=2");
  REQUIRE(url.ok());
  CHECK(url->scheme == "https");
  CHECK(url->host == "hooks.example.com");
  CHECK(url->port == 443);
  CHECK(url->target == "/in/abc?x=1&y=2");
  CHECK_FALSE(url->host_is_ip);
  CHECK(url->to_string() == "https://hooks.example.com/in/abc?x=1&y=2");

  url = parse_endpoint_url("http://example.com.:8080?q");
  REQUIRE(url.ok());
  CHECK(url->host == "example.com");
  CHECK(url->port == 8080);
  CHECK(url->target == "/?q");
  CHECK(url->to_string() == "http://example.com:8080/?q");

  url = parse_endpoint_url("http://[2001:DB8::1]:81/x");
  REQUIRE(url.ok());
  CHECK(url->host == "2001:db8::1");
  CHECK(url->host_is_ip);
  CHECK(url->to_string() == "http://[2001:db8::1]:81/x");

  url = parse_endpoint_url("http://93.184.215.14");
  REQUIRE(url.ok());
  CHECK(url->host_is_ip);
  CHECK(url->port == 80);
  CHECK(url->target == "/");
}

TEST_CASE("parse_endpoint_url refuses what it cannot vouch for, naming the problem", "[delivery]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "must not be empty"},
      {"ftp://example.com/", "scheme must be http or https"},
      {"file:///etc/passwd", "scheme must be http or https"},
      {"gopher://example.com/", "scheme must be http or https"},
      {"example.com/hook", "must be absolute"},
      {"https://user:pass@example.com/", "userinfo (user:pass@) is not allowed"},
      {"https://example.com@169.254.169.254/", "userinfo"},
      {"https://example.com/#frag", "must not have a fragment"},
      {"https:///path", "has no host"},
      {"https://:443/", "has no host"},
      {"https://exa mple.com/", "spaces or control characters"},
      {"https://example.com/\r\nX-Injected: 1", "spaces or control characters"},
      {"https://ex\xc3\xa4mple.com/", "must be ASCII"},
      {"https://example.com\\@evil.com/", "backslash"},
      {"https://exa%6dple.com/", "host may hold only"},
      {"https://example.com:0/", "port must be a number 1..65535"},
      {"https://example.com:65536/", "port must be a number 1..65535"},
      {"https://example.com:/", "port must be a number 1..65535"},
      {"https://example.com:+80/", "port must be a number 1..65535"},
      {"https://[::1%25eth0]/", "zone identifiers"},
      {"https://[::1/", "unterminated IPv6 host"},
      {"https://[127.0.0.1]/", "not a valid IPv6 address"},
      {"https://127.1/", "numeric host must be a dotted quad"},
      {"https://2130706433/", "numeric host must be a dotted quad"},
      {"https://0x7f.0.0.1/", "numeric host must be a dotted quad"},
      {"https://0177.0.0.1/", "numeric host must be a dotted quad"},
      {"https://1.2.3.4.5/", "numeric host must be a dotted quad"},
      {"https://" + std::string(kMaxUrlLength, 'a') + ".com/", "longer than 2048"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    Result<ParsedUrl> url = parse_endpoint_url(text);
    REQUIRE_FALSE(url.ok());
    CHECK(url.status().code() == Code::invalid_argument);
    CHECK(url.status().message().rfind("url: ", 0) == 0);
    CHECK(url.status().message().find(expected) != std::string::npos);
  }
}

TEST_CASE("non_public_reason classifies special-purpose addresses", "[delivery]") {
  CHECK(reason("127.0.0.1") == "loopback");
  CHECK(reason("127.255.255.254") == "loopback");
  CHECK(reason("0.0.0.0") == "unspecified");
  CHECK(reason("0.1.2.3") == "unspecified");
  CHECK(reason("10.0.0.1") == "private");
  CHECK(reason("172.16.0.1") == "private");
  CHECK(reason("172.31.255.255") == "private");
  CHECK(reason("192.168.1.1") == "private");
  CHECK(reason("100.64.0.1") == "carrier-grade NAT");
  CHECK(reason("100.127.255.255") == "carrier-grade NAT");
  CHECK(reason("169.254.169.254") == "link-local");  // cloud metadata
  CHECK(reason("224.0.0.1") == "multicast");
  CHECK(reason("239.255.255.250") == "multicast");
  CHECK(reason("255.255.255.255") == "broadcast");
  CHECK(reason("240.0.0.1") == "reserved");
  CHECK(reason("192.0.2.1") == "documentation");
  CHECK(reason("198.18.0.1") == "benchmarking");
  // Public neighbours of those ranges.
  for (const char* text :
       {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
        "169.253.255.255", "11.0.0.1", "223.255.255.255", "93.184.215.14"}) {
    INFO(text);
    CHECK(reason(text).empty());
  }

  CHECK(reason("::1") == "loopback");
  CHECK(reason("::") == "unspecified");
  CHECK(reason("fc00::1") == "private");
  CHECK(reason("fd12:3456::1") == "private");
  CHECK(reason("fe80::1") == "link-local");
  CHECK(reason("febf::1") == "link-local");
  CHECK(reason("fec0::1") == "site-local (deprecated)");
  CHECK(reason("ff02::1") == "multicast");
  CHECK(reason("2001:db8::1") == "documentation");
  CHECK(reason("2001:0:4136:e378::1") == "Teredo");
  CHECK(reason("100::1") == "reserved");
  // IPv4 inside IPv6: judged by the IPv4 address.
  CHECK(reason("::ffff:127.0.0.1") == "loopback");
  CHECK(reason("::ffff:169.254.169.254") == "link-local");
  CHECK(reason("::ffff:10.1.2.3") == "private");
  CHECK(reason("::ffff:8.8.8.8").empty());
  CHECK(reason("64:ff9b::127.0.0.1") == "loopback");
  CHECK(reason("64:ff9b::a9fe:a9fe") == "link-local");  // 169.254.169.254
  CHECK(reason("64:ff9b::8.8.8.8").empty());
  CHECK(reason("64:ff9b:1::1") == "private");
  CHECK(reason("2002:7f00:1::1") == "loopback");  // 6to4 of 127.0.0.1
  CHECK(reason("2002:0808:0808::1").empty());
  CHECK(reason("::127.0.0.1") == "IPv4-compatible (deprecated)");
  CHECK(reason("::8.8.8.8") == "IPv4-compatible (deprecated)");
  for (const char* text : {"2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450::1"}) {
    INFO(text);
    CHECK(reason(text).empty());
  }
}

TEST_CASE("AddressAllowList parses CIDR lists and names a bad entry", "[delivery]") {
  AddressAllowList list = allow(" 10.1.2.0/24, 127.0.0.1/32 ,fd00::/8,::1");
  REQUIRE(list.ranges.size() == 4);
  CHECK(list.contains(ip("10.1.2.200")));
  CHECK_FALSE(list.contains(ip("10.1.3.1")));
  CHECK(list.contains(ip("127.0.0.1")));
  CHECK_FALSE(list.contains(ip("127.0.0.2")));
  CHECK(list.contains(ip("fd00::5")));
  CHECK(list.contains(ip("::1")));
  CHECK_FALSE(list.contains(ip("fe80::1")));
  CHECK(list.contains(ip("::ffff:127.0.0.1")));  // the same destination as 127.0.0.1
  CHECK_FALSE(list.contains(ip("::ffff:127.0.0.2")));
  CHECK(allow("").ranges.empty());
  CHECK(allow("0.0.0.0/0").contains(ip("192.168.0.1")));
  CHECK_FALSE(allow("0.0.0.0/0").contains(ip("::1")));  // never across families

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"10.0.0.0/8,nonsense", "allow_list[1] (\"nonsense\"): not an IPv4 or IPv6 address"},
      {"10.0.0.0/33", "allow_list[0] (\"10.0.0.0/33\"): prefix length must be 0..32"},
      {"::/129", "prefix length must be 0..128"},
      {"10.0.0.1/8", "host bits are set beyond the /8 prefix"},
      {"10.0.0.0/", "prefix length"},
      {"10.0.0.0/-1", "prefix length"},
      {"10.0.0.0/8,,10.1.0.0/16", "allow_list[1]: empty entry"},
      {"10.0.0.0/8,", "allow_list[1]: empty entry"},
  };
  for (const auto& [text, expected] : bad) {
    INFO(text);
    Result<AddressAllowList> parsed = AddressAllowList::parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid_argument);
    CHECK(parsed.status().message().find(expected) != std::string::npos);
  }
}

TEST_CASE("check_url refuses non-public addresses unless allow-listed", "[delivery]") {
  const UrlPolicy open_policy;
  for (const char* url : {"http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data/",
                          "http://10.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
                          "http://[64:ff9b::a9fe:a9fe]/", "http://0.0.0.0/", "http://[fe80::1]/",
                          "http://100.64.1.1/", "http://224.0.0.1/", "http://255.255.255.255/",
                          "http://240.1.1.1/"}) {
    INFO(url);
    Result<CheckedUrl> checked = check_url(url, open_policy);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.status().code() == Code::permission_denied);
    CHECK(checked.status().message().find("which is not allowed") != std::string::npos);
  }
  Result<CheckedUrl> metadata = check_url("http://169.254.169.254/latest/meta-data/", open_policy);
  CHECK(metadata.status().message() ==
        "url: address 169.254.169.254 is link-local, which is not allowed (see the address "
        "allow-list)");

  // A public literal needs no DNS and passes.
  Result<CheckedUrl> ok = check_url("https://93.184.215.14/hook", open_policy);
  REQUIRE(ok.ok());
  REQUIRE(ok->addresses.size() == 1);
  CHECK(ok->addresses[0].to_string() == "93.184.215.14");

  // "localhost" resolves (through /etc/hosts) to loopback only: refused, naming the host.
  Result<CheckedUrl> local = check_url("http://localhost:9/hook", open_policy);
  REQUIRE_FALSE(local.ok());
  CHECK(local.status().code() == Code::permission_denied);
  CHECK(local.status().message().rfind("url: host localhost resolves to ", 0) == 0);
  CHECK(local.status().message().find("(loopback)") != std::string::npos);

  // Allow-listed: passes, with the addresses to pin.
  UrlPolicy loopback_ok;
  loopback_ok.allow = allow("127.0.0.0/8, ::1/128");
  Result<CheckedUrl> allowed = check_url("http://localhost:9/hook", loopback_ok);
  REQUIRE(allowed.ok());
  REQUIRE_FALSE(allowed->addresses.empty());
  for (const IpAddress& address : allowed->addresses) {
    CHECK(non_public_reason(address) == "loopback");
  }
  CHECK(check_url("http://127.0.0.1:8080/", loopback_ok).ok());
  CHECK(check_url("http://[::ffff:127.0.0.1]/", loopback_ok).ok());
  // Only what the list names.
  CHECK(check_url("http://10.0.0.1/", loopback_ok).status().code() == Code::permission_denied);

  // A malformed URL is invalid_argument, before any policy.
  CHECK(check_url("ftp://127.0.0.1/", loopback_ok).status().code() == Code::invalid_argument);
  // A name that cannot resolve: unavailable, naming the host. (".invalid" never resolves,
  // RFC 6761, and a resolver answers it locally.)
  Result<CheckedUrl> unknown = check_url("https://no-such-host.invalid/", open_policy);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::unavailable);
  CHECK(unknown.status().message().rfind("url: host no-such-host.invalid does not resolve", 0) ==
        0);
}
