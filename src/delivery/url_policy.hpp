// Which URLs boka may deliver to: the parsing of an endpoint URL and the server-side request
// forgery (SSRF) policy. A webhook URL is chosen by a tenant, so without a policy a tenant
// could make boka's host POST to its own loopback services, the private network or the
// cloud metadata service (169.254.169.254). check_url resolves the host once, refuses the
// URL if ANY address it resolves to is not public (unless the operator allow-listed it),
// and returns the addresses it checked so the HTTP client connects to exactly those (no
// second resolution an attacker's DNS could answer differently: DNS rebinding).
//
// Refusals by the policy are Code::permission_denied (the URL is well-formed, boka may not
// reach it); a malformed URL or allow-list is Code::invalid_argument; a host that does not
// resolve is Code::unavailable (DNS failures may be transient). Messages name the problem
// and the host, never the whole URL (its path or query may carry a token).
//
// Thread-safety: the types are values; check_url is safe to call from any thread
// (getaddrinfo is thread-safe) and blocks while the host resolves.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/status.hpp"

namespace boka::delivery {

// An IPv4 or IPv6 address. IPv4 uses bytes[0..3] only.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  // Strict textual forms: dotted quad (four decimal parts) or any RFC 4291 IPv6 form,
  // without brackets or zone (inet_pton). nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;  // inet_ntop's form ("127.0.0.1", "::ffff:127.0.0.1")
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// An address range: a network address and a prefix length (0..32 or 0..128).
struct Cidr {
  IpAddress network;  // host bits are zero
  int prefix = 0;

  // "10.0.0.0/8", "fd00::/8", or a single address ("127.0.0.1" = /32, "::1" = /128). Host
  // bits set beyond the prefix are invalid_argument (the range would not mean what it says).
  static Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& address) const;  // never across families
};

// The addresses an operator lets boka reach although they are not public (an internal
// webhook consumer, a test server on loopback). Empty by default: only public addresses.
struct AddressAllowList {
  std::vector<Cidr> ranges;

  // A comma-separated list of CIDRs ("10.1.2.0/24, 127.0.0.1/32, fd00::/8"); spaces around
  // entries are ignored, an empty text is the empty list. invalid_argument naming the entry
  // ("allow_list[1]: ...") for the first that does not parse.
  static Result<AddressAllowList> parse(std::string_view comma_separated);
  // True when a range holds `address`; for an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
  // also when an IPv4 range holds a.b.c.d (the same destination).
  bool contains(const IpAddress& address) const;
};

// Why `address` is not a public unicast address ("loopback", "private", "link-local",
// "carrier-grade NAT", "multicast", "broadcast", "reserved", "unspecified",
// "documentation", ...), or an empty view if it is public. IPv4-mapped (::ffff:0:0/96),
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4 address they
// carry; IPv4-compatible (::/96), Teredo (2001::/32) and any IPv6 outside 2000::/3 are
// refused outright.
std::string_view non_public_reason(const IpAddress& address);

// An endpoint URL taken apart, normalised: the host lower-cased, without a trailing dot,
// an IP literal in inet_ntop's form (an IPv6 one without its brackets).
struct ParsedUrl {
  std::string scheme;       // "http" or "https"
  std::string host;         // a DNS name, a dotted quad or an IPv6 address
  std::uint16_t port = 0;   // explicit or the scheme's default (80, 443)
  std::string target;       // path and query, "/" when the URL has none
  bool host_is_ip = false;  // an IP literal: no DNS involved

  // scheme://host[:port]target from the parts above (the URL the client requests).
  std::string to_string() const;
};

inline constexpr std::size_t kMaxUrlLength = 2048;

// Parses an absolute http(s) URL. invalid_argument "url: ..." when it is longer than
// kMaxUrlLength, is not ASCII, holds spaces, control characters or a backslash, has a
// scheme other than http/https, userinfo ("user:pass@"), a fragment, no host, a host with
// characters a DNS name cannot have, an IPv6 zone, a numeric host that is not a dotted quad
// ("127.1", "0x7f.0.0.1", "2130706433": forms resolvers read as IPv4 and URL parsers
// disagree on), or a port outside 1..65535.
Result<ParsedUrl> parse_endpoint_url(std::string_view url);

// What the policy allows beyond public addresses.
struct UrlPolicy {
  AddressAllowList allow;
};

// A URL that passed the policy, with the addresses to connect to (at least one, no
// duplicates, in the resolver's order).
struct CheckedUrl {
  ParsedUrl url;
  std::vector<IpAddress> addresses;
};

// Parses `url` (as parse_endpoint_url), resolves its host (getaddrinfo; an IP literal is
// taken as is) and refuses it with permission_denied "url: host <host> resolves to <address>
// (<reason>), which is not allowed" if any address is not public and not in
// policy.allow. unavailable "url: host <host> does not resolve: ..." if resolution fails.
Result<CheckedUrl> check_url(std::string_view url, const UrlPolicy& policy);

}  // namespace boka::delivery
