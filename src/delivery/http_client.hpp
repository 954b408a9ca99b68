// The HTTP client of outbound webhooks: one POST over libcurl, to a URL the SSRF policy
// (url_policy.hpp) accepted, connected to exactly the addresses the policy checked.
//
// What a post does not do, by design: follow redirects (a 3xx is the outcome's status: a
// redirect could point anywhere, past the policy), use a proxy from the environment
// (http_proxy and friends are ignored), speak anything but HTTP and HTTPS, skip TLS
// verification, or read more of a response than max_response_bytes.
//
// Thread-safety: post may be called from any number of threads at once; each call uses its
// own curl handle, and libcurl's global initialisation runs once (std::call_once). A call
// blocks for at most the DNS resolution plus timeout_ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "boka/status.hpp"
#include "delivery/url_policy.hpp"

namespace boka::delivery {

// One request. The caller owns it; post only reads it.
struct HttpPost {
  std::string url;  // http(s), checked by the policy
  // Sent as given, in order. Names must be HTTP tokens and values free of CR, LF and NUL
  // (invalid_argument "headers[i]: ..."). Without a Content-Type header none is sent;
  // "Expect: 100-continue" is never sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int connect_timeout_ms = 5000;               // TCP and TLS handshake; > 0
  int timeout_ms = 15000;                      // the whole request, connection included; > 0
  std::size_t max_response_bytes = 64 * 1024;  // the body kept; the rest is not read
};

// What happened. A response of any status (2xx, 3xx, 4xx, 5xx) has status set; a failure
// to get one (refused connection, timeout, TLS failure, unresolvable host) has status 0 and
// error set. Deciding what is a success and what to retry is the caller's.
struct HttpOutcome {
  int status = 0;               // the HTTP status, 0: no response
  std::string body;             // at most max_response_bytes of the response body
  bool body_truncated = false;  // the response had more; reading stopped there
  std::int64_t latency_ms = 0;  // from the start of the request to its end
  // curl's error text when status is 0 (or when a response was cut short by a failure);
  // never the request's headers or body. Empty on success.
  std::string error;
};

// POSTs `request.body` to `request.url`. The URL goes through check_url(url, policy) first
// and the connection is pinned to the addresses it returned (CURLOPT_RESOLVE, and every
// socket's address is checked against them before connecting). Status errors only for a
// request that must not be sent: invalid_argument for a malformed URL, header or timeout,
// permission_denied for a URL the policy refuses. A host that does not resolve is an
// outcome (status 0), as DNS failures may be transient.
Result<HttpOutcome> post(const HttpPost& request, const UrlPolicy& policy);

}  // namespace boka::delivery
