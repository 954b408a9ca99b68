#include "delivery/url_policy.hpp"
#include "delivery/text.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>

namespace boka::delivery {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint32_t v4_value(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

bool in4(std::uint32_t address, std::uint32_t network, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (address & mask) == (network & mask);
}

constexpr std::uint32_t ip4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string_view reason4(std::uint32_t a) {
  if (in4(a, ip4(0, 0, 0, 0), 8)) return "unspecified";
  if (in4(a, ip4(10, 0, 0, 0), 8)) return "private";
  if (in4(a, ip4(100, 64, 0, 0), 10)) return "carrier-grade NAT";
  if (in4(a, ip4(127, 0, 0, 0), 8)) return "loopback";
  if (in4(a, ip4(169, 254, 0, 0), 16)) return "link-local";  // cloud metadata services
  if (in4(a, ip4(172, 16, 0, 0), 12)) return "private";
  if (in4(a, ip4(192, 0, 0, 0), 24)) return "reserved";  // IETF protocol assignments
  if (in4(a, ip4(192, 0, 2, 0), 24)) return "documentation";
  if (in4(a, ip4(192, 88, 99, 0), 24)) return "reserved";  // 6to4 relay anycast
  if (in4(a, ip4(192, 168, 0, 0), 16)) return "private";
  if (in4(a, ip4(198, 18, 0, 0), 15)) return "benchmarking";
  if (in4(a, ip4(198, 51, 100, 0), 24)) return "documentation";
  if (in4(a, ip4(203, 0, 113, 0), 24)) return "documentation";
  if (in4(a, ip4(224, 0, 0, 0), 4)) return "multicast";
  if (a == ip4(255, 255, 255, 255)) return "broadcast";
  if (in4(a, ip4(240, 0, 0, 0), 4)) return "reserved";
  return {};
}

// True when the first `prefix` bits of `b` equal those of `network`.
bool in6(const std::array<std::uint8_t, 16>& b, std::initializer_list<std::uint8_t> network,
         int prefix) {
  std::array<std::uint8_t, 16> n{};
  std::copy(network.begin(), network.end(), n.begin());
  for (int bit = 0; bit < prefix; bit += 8) {
    const int bits = std::min(8, prefix - bit);
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    const auto i = static_cast<std::size_t>(bit / 8);
    if ((b[i] & mask) != (n[i] & mask)) return false;
  }
  return true;
}

std::string_view reason6(const std::array<std::uint8_t, 16>& b) {
  constexpr std::uint8_t z = 0;
  if (in6(b, {}, 128)) return "unspecified";
  if (in6(b, {z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, 1}, 128)) return "loopback";
  if (in6(b, {z, z, z, z, z, z, z, z, z, z, 0xff, 0xff}, 96)) {
    return reason4(v4_value(b.data() + 12));  // IPv4-mapped: the IPv4 address itself
  }
  if (in6(b, {}, 96)) return "IPv4-compatible (deprecated)";
  if (in6(b, {0x00, 0x64, 0xff, 0x9b}, 96)) return reason4(v4_value(b.data() + 12));  // NAT64
  if (in6(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) return "private";  // local-use NAT64
  if (in6(b, {0x20, 0x02}, 16)) return reason4(v4_value(b.data() + 2));    // 6to4
  if (in6(b, {0x20, 0x01, 0x00, 0x00}, 32)) return "Teredo";
  if (in6(b, {0x20, 0x01, 0x0d, 0xb8}, 32)) return "documentation";
  if (in6(b, {0xfc}, 7)) return "private";  // unique local
  if (in6(b, {0xfe, 0x80}, 10)) return "link-local";
  if (in6(b, {0xfe, 0xc0}, 10)) return "site-local (deprecated)";
  if (in6(b, {0xff}, 8)) return "multicast";
  if (!in6(b, {0x20}, 3)) return "reserved";  // not global unicast
  return {};
}

bool is_v4_mapped(const IpAddress& a) {
  return a.v6 && in6(a.bytes, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96);
}

// A host name as DNS has them: labels of letters, digits, '-' and '_', separated by dots,
// an optional trailing dot.
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 + 1) return false;
  std::string_view rest = host;
  if (rest.back() == '.') rest.remove_suffix(1);
  if (rest.empty()) return false;
  std::size_t label = 0;
  for (char c : rest) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

// Hosts a resolver would read as an IPv4 address in a legacy form (inet_aton: "127.1",
// "0x7f.1", "017700000001", "2130706433"): the last label is numeric (WHATWG's rule).
bool looks_numeric(std::string_view host) {
  const std::size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  return all_digits(last) || last.substr(0, 2) == "0x";
}

std::string not_allowed(const ParsedUrl& url, const IpAddress& address, std::string_view reason) {
  if (url.host_is_ip) {
    return "url: address " + address.to_string() + " is " + std::string(reason) +
           ", which is not allowed (see the address allow-list)";
  }
  return "url: host " + url.host + " resolves to " + address.to_string() + " (" +
         std::string(reason) + "), which is not allowed (see the address allow-list)";
}

}  // namespace

// ---- addresses -------------------------------------------------------------------------

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

Result<Cidr> Cidr::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  std::optional<IpAddress> address = IpAddress::parse(text.substr(0, slash));
  if (!address) return InvalidArgument("not an IPv4 or IPv6 address");
  const int bits = address->v6 ? 128 : 32;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (!all_digits(digits) || ec != std::errc() || end != digits.data() + digits.size() ||
        prefix > bits) {
      return InvalidArgument("prefix length must be 0.." + std::to_string(bits));
    }
  }
  for (int bit = prefix; bit < bits; ++bit) {
    const auto byte = address->bytes[static_cast<std::size_t>(bit / 8)];
    if (byte & (0x80 >> (bit % 8))) {
      return InvalidArgument("host bits are set beyond the /" + std::to_string(prefix) + " prefix");
    }
  }
  return Cidr{*address, prefix};
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.v6 != network.v6) return false;
  for (int bit = 0; bit < prefix; bit += 8) {
    const int bits = std::min(8, prefix - bit);
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    const auto i = static_cast<std::size_t>(bit / 8);
    if ((address.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
  }
  return true;
}

Result<AddressAllowList> AddressAllowList::parse(std::string_view comma_separated) {
  AddressAllowList list;
  if (trim(comma_separated).empty()) return list;
  std::string_view rest = comma_separated;
  for (std::size_t index = 0;; ++index) {
    const std::size_t comma = rest.find(',');
    const std::string_view entry = trim(rest.substr(0, comma));
    const std::string field = "allow_list[" + std::to_string(index) + "]";
    if (entry.empty()) return InvalidArgument(field + ": empty entry");
    Result<Cidr> cidr = Cidr::parse(entry);
    if (!cidr.ok()) {
      return InvalidArgument(field + " (\"" + std::string(entry) +
                             "\"): " + cidr.status().message());
    }
    list.ranges.push_back(*cidr);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return list;
}

bool AddressAllowList::contains(const IpAddress& address) const {
  std::optional<IpAddress> embedded;
  if (is_v4_mapped(address)) {
    embedded.emplace();
    std::copy(address.bytes.begin() + 12, address.bytes.end(), embedded->bytes.begin());
  }
  return std::any_of(ranges.begin(), ranges.end(), [&](const Cidr& range) {
    return range.contains(address) || (embedded && range.contains(*embedded));
  });
}

std::string_view non_public_reason(const IpAddress& address) {
  return address.v6 ? reason6(address.bytes) : reason4(v4_value(address.bytes.data()));
}

// ---- URLs ------------------------------------------------------------------------------

std::string ParsedUrl::to_string() const {
  std::string out = scheme + "://";
  out += host.find(':') == std::string::npos ? host : "[" + host + "]";
  if (port != (scheme == "https" ? 443 : 80)) out += ":" + std::to_string(port);
  return out + target;
}

Result<ParsedUrl> parse_endpoint_url(std::string_view url) {
  if (url.empty()) return InvalidArgument("url: must not be empty");
  if (url.size() > kMaxUrlLength) {
    return InvalidArgument("url: longer than " + std::to_string(kMaxUrlLength) + " characters");
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80)
      return InvalidArgument("url: must be ASCII (percent-encode the path, punycode the host)");
    if (u <= 0x20 || u == 0x7f)
      return InvalidArgument("url: must not contain spaces or control characters");
    if (c == '\\') return InvalidArgument("url: must not contain a backslash");
  }
  if (url.find('#') != std::string_view::npos)
    return InvalidArgument("url: must not have a fragment");

  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidArgument("url: must be absolute (http://host/... or https://host/...)");
  }
  ParsedUrl parsed;
  parsed.scheme = lower(url.substr(0, scheme_end));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return InvalidArgument("url: scheme must be http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("url: userinfo (user:pass@) is not allowed");
  }
  if (authority.empty()) return InvalidArgument("url: has no host");

  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url: unterminated IPv6 host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("url: unexpected text after the IPv6 host");
      port = after.substr(1);
      has_port = true;
    }
    if (host.find('%') != std::string_view::npos) {
      return InvalidArgument("url: IPv6 zone identifiers are not allowed");
    }
    std::optional<IpAddress> address = IpAddress::parse(host);
    if (!address || !address->v6) return InvalidArgument("url: host is not a valid IPv6 address");
    parsed.host = address->to_string();
    parsed.host_is_ip = true;
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return InvalidArgument("url: has no host");
    parsed.host = lower(host);
    if (!valid_host_name(parsed.host)) {
      return InvalidArgument("url: host may hold only letters, digits, '-', '_' and '.'");
    }
    // "example.com." is "example.com": one spelling, the one the client is pinned to.
    if (parsed.host.back() == '.') parsed.host.pop_back();
    if (looks_numeric(parsed.host)) {
      std::optional<IpAddress> address = IpAddress::parse(parsed.host);
      if (!address) {
        return InvalidArgument("url: a numeric host must be a dotted quad (a.b.c.d, decimal)");
      }
      parsed.host = address->to_string();
      parsed.host_is_ip = true;
    }
  }

  if (has_port) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!all_digits(port) || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
        value > 65535) {
      return InvalidArgument("url: port must be a number 1..65535");
    }
    parsed.port = static_cast<std::uint16_t>(value);
  } else {
    parsed.port = parsed.scheme == "https" ? 443 : 80;
  }
  if (target.empty()) {
    parsed.target = "/";
  } else if (target.front() == '?') {
    parsed.target = "/" + std::string(target);
  } else {
    parsed.target = std::string(target);
  }
  return parsed;
}

Result<CheckedUrl> check_url(std::string_view url, const UrlPolicy& policy) {
  BOKA_ASSIGN_OR_RETURN(ParsedUrl parsed, parse_endpoint_url(url));
  CheckedUrl checked;
  if (parsed.host_is_ip) {
    checked.addresses.push_back(*IpAddress::parse(parsed.host));
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(parsed.host.c_str(), nullptr, &hints, &found);
    if (rc != 0) {
      return Unavailable("url: host " + parsed.host + " does not resolve: " + gai_strerror(rc));
    }
    const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      IpAddress address;
      if (ai->ai_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
        std::memcpy(address.bytes.data(), &in->sin_addr, 4);
      } else if (ai->ai_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
        address.v6 = true;
        std::memcpy(address.bytes.data(), &in6->sin6_addr, 16);
      } else {
        continue;
      }
      if (std::find(checked.addresses.begin(), checked.addresses.end(), address) ==
          checked.addresses.end()) {
        checked.addresses.push_back(address);
      }
    }
    if (checked.addresses.empty()) {
      return Unavailable("url: host " + parsed.host + " has no IPv4 or IPv6 address");
    }
  }
  for (const IpAddress& address : checked.addresses) {
    const std::string_view reason = non_public_reason(address);
    if (!reason.empty() && !policy.allow.contains(address)) {
      return PermissionDenied(not_allowed(parsed, address, reason));
    }
  }
  checked.url = std::move(parsed);
  return checked;
}

}  // namespace boka::delivery
