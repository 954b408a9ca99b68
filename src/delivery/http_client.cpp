#include "delivery/http_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "boka/version.hpp"
#include "delivery/curl_support.hpp"

namespace boka::delivery {
namespace {

using detail::CurlEasy;
using detail::CurlList;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lx = static_cast<char>(x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x);
           const auto ly = static_cast<char>(y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
           return lx == ly;
         });
}

// The request's header lines for curl, validated, plus the lines that remove curl's defaults.
Result<CurlList> header_list(const HttpPost& request) {
  CurlList list;
  bool has_content_type = false;
  bool has_expect = false;
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    const auto& [name, value] = request.headers[i];
    const std::string field = "headers[" + std::to_string(i) + "]";
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
      return InvalidArgument(field + ": the name must be an HTTP token (letters, digits, -, ...)");
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return InvalidArgument(field + " (" + name + "): the value must not hold CR, LF or NUL");
      }
    }
    if (iequals(name, "Host") || iequals(name, "Content-Length") ||
        iequals(name, "Transfer-Encoding")) {
      return InvalidArgument(field + ": " + name + " is set by the client");
    }
    if (iequals(name, "Content-Type")) has_content_type = true;
    if (iequals(name, "Expect")) has_expect = true;
    // curl's syntax for a header with an empty value is "Name;".
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    if (!detail::append(list, line.c_str())) return InternalError("out of memory (headers)");
  }
  // "Name:" removes a header curl would add: its form Content-Type, its Expect on big bodies.
  if (!has_content_type && !detail::append(list, "Content-Type:")) {
    return InternalError("out of memory (headers)");
  }
  if (!has_expect && !detail::append(list, "Expect:")) {
    return InternalError("out of memory (headers)");
  }
  return list;
}

// The response body, kept up to a limit.
struct Sink {
  std::string* body;
  std::size_t max;
  bool truncated = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  const std::size_t room = sink->max - sink->body->size();
  if (n > room) {
    sink->body->append(data, room);
    sink->truncated = true;
    return 0;  // curl stops reading: CURLE_WRITE_ERROR, which post reports as truncation
  }
  sink->body->append(data, n);
  return n;
}

// Refuses to open a connection to any address but the checked ones: the pinning's second
// line of defence, should curl ever resolve the host by itself.
curl_socket_t open_pinned_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  const auto* pinned = static_cast<const std::vector<IpAddress>*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  IpAddress target;
  if (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address->addr);
    std::memcpy(target.bytes.data(), &in->sin_addr, 4);
  } else if (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    target.v6 = true;
    std::memcpy(target.bytes.data(), &in6->sin6_addr, 16);
  } else {
    return CURL_SOCKET_BAD;
  }
  if (std::find(pinned->begin(), pinned->end(), target) == pinned->end()) {
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// "host:port:addr1,[v6addr],...": curl's resolve cache entry that pins the host.
std::string resolve_entry(const CheckedUrl& checked) {
  std::string entry = checked.url.host + ":" + std::to_string(checked.url.port) + ":";
  for (std::size_t i = 0; i < checked.addresses.size(); ++i) {
    if (i > 0) entry += ',';
    const IpAddress& a = checked.addresses[i];
    entry += a.v6 ? "[" + a.to_string() + "]" : a.to_string();
  }
  return entry;
}

// Sets the options every post shares. false if curl refused one (out of memory, or an
// option this libcurl lacks).
bool set_fixed_options(CURL* curl) {
  bool ok = true;
  auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  set(curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
#else
  set(curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS}));
  set(curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS}));
#endif
  set(curl_easy_setopt(curl, CURLOPT_PROXY, ""));  // never http_proxy & co. from the environment
  set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L));
  set(curl_easy_setopt(curl, CURLOPT_POST, 1L));
  const std::string agent = std::string("boka/") + version_string();
  set(curl_easy_setopt(curl, CURLOPT_USERAGENT, agent.c_str()));  // curl copies strings
  return ok;
}

}  // namespace

Result<HttpOutcome> post(const HttpPost& request, const UrlPolicy& policy) {
  if (request.connect_timeout_ms <= 0) {
    return InvalidArgument("connect_timeout_ms: must be positive");
  }
  if (request.timeout_ms <= 0) return InvalidArgument("timeout_ms: must be positive");
  BOKA_ASSIGN_OR_RETURN(CurlList headers, header_list(request));
  BOKA_RETURN_IF_ERROR(detail::ensure_curl_initialized());

  HttpOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started)
        .count();
  };
  Result<CheckedUrl> checked = check_url(request.url, policy);
  if (!checked.ok()) {
    if (checked.status().code() != Code::unavailable) return checked.status();
    outcome.error = checked.status().message();  // DNS: an outcome, perhaps transient
    outcome.latency_ms = elapsed_ms();
    return outcome;
  }

  CurlEasy curl(curl_easy_init());
  if (!curl) return InternalError("libcurl could not create a handle");
  CurlList resolve;
  if (!checked->url.host_is_ip && !detail::append(resolve, resolve_entry(*checked).c_str())) {
    return InternalError("out of memory (resolve)");
  }
  const std::string url = checked->url.to_string();
  char error_text[CURL_ERROR_SIZE] = {};
  Sink sink{&outcome.body, request.max_response_bytes};

  bool ok = set_fixed_options(curl.get());
  auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str()));
  if (resolve) set(curl_easy_setopt(curl.get(), CURLOPT_RESOLVE, resolve.get()));
  set(curl_easy_setopt(curl.get(), CURLOPT_OPENSOCKETFUNCTION, &open_pinned_socket));
  set(curl_easy_setopt(curl.get(), CURLOPT_OPENSOCKETDATA, &checked->addresses));
  set(curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get()));
  set(curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size())));
  set(curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.body.data()));
  set(curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, long{request.connect_timeout_ms}));
  set(curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, long{request.timeout_ms}));
  set(curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &write_body));
  set(curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink));
  set(curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error_text));
  if (!ok) return InternalError("libcurl refused an option of the request");

  const CURLcode rc = curl_easy_perform(curl.get());
  outcome.latency_ms = elapsed_ms();
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  outcome.status = static_cast<int>(status);
  outcome.body_truncated = sink.truncated;
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && sink.truncated)) {
    outcome.error = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
  }
  return outcome;
}

}  // namespace boka::delivery
