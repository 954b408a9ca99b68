// Outbound email: an RFC 5322 / MIME message built from its parts, and its submission over
// SMTP with libcurl.
//
// The SMTP server is the operator's configuration, not a tenant's, so it does not go
// through the SSRF policy of url_policy.hpp. Credentials are sent only over TLS that cannot
// be stripped (starttls_required or implicit); no message ever contains the password.
//
// Thread-safety: build_mime and send_mail may be called from any thread at once; each
// send uses its own connection and curl handle. send_mail blocks for at most
// connect_timeout_ms + timeout_ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka::delivery {

struct SmtpConfig {
  // "smtp://host[:port]" (port 25 by default; 587 is the usual submission port) or
  // "smtps://host[:port]" (465 by default) with tls = implicit. Nothing after the port.
  std::string url;

  enum class Tls {
    none,                 // plaintext throughout; no credentials allowed
    starttls_if_offered,  // STARTTLS when the server offers it, else plaintext (opportunistic:
                          // an active attacker can strip it, so no credentials allowed)
    starttls_required,    // STARTTLS or no mail (CURLUSESSL_ALL); the default
    implicit,             // TLS from the first byte (smtps://)
  };
  Tls tls = Tls::starttls_required;

  std::string username;  // empty: no AUTH
  std::string password;  // never logged, never in an error message
  // A PEM file of certificates to trust instead of the system's (a private CA, a test
  // server's self-signed certificate). The server's certificate and name are always verified.
  std::string ca_file;
  int connect_timeout_ms = 10000;  // > 0
  int timeout_ms = 60000;          // the whole session; > 0
};

struct MailMessage {
  // "addr@example.com", "Display Name <addr@example.com>" or "\"Name, Quoted\" <addr@...>".
  // Addresses are ASCII (no SMTPUTF8); display names may be any UTF-8.
  std::string from;
  std::vector<std::string> to;  // at least one; all appear in the To header
  std::string subject;          // UTF-8; encoded (RFC 2047) when not plain ASCII
  std::string text;             // UTF-8 text/plain part
  std::string html;             // UTF-8 text/html part; empty: none

  struct Attachment {
    std::string filename;      // UTF-8 (RFC 2231 encoded when not ASCII); no path separators
    std::string content_type;  // e.g. "text/calendar; method=REQUEST; charset=UTF-8";
                               // empty: application/octet-stream
    std::string data;          // any bytes; sent base64-encoded
  };
  std::vector<Attachment> attachments;

  std::string message_id;  // "<left@right>" or "left@right"; empty: generated from
                           // random bytes and the sender's domain
  // Further header fields (Reply-To, List-Unsubscribe, Auto-Submitted, ...). Names are
  // printable ASCII without ':'; the fields build_mime writes itself are refused. A value
  // that is not plain ASCII is encoded as unstructured text (RFC 2047).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::optional<Instant> date;  // the Date header; empty: now
};

// The message as it goes over the wire (CRLF line ends, every line at most 78 characters
// except where a long unbreakable ASCII header word forces up to 998): Date (RFC 5322
// form, +0000), From, To, Subject, Message-ID, the extra headers, MIME-Version and the
// content. The content is text/plain alone, or multipart/alternative of text/plain and
// text/html; with attachments, that inside a multipart/mixed with one base64 part per
// attachment (Content-Disposition: attachment). Text parts are base64 with charset=UTF-8.
// Boundaries are random. invalid_argument naming the field ("to[1]: ...", "subject: ...",
// "extra_headers[0]: ...", "attachments[2].filename: ...") for CR, LF or NUL in any
// header value, address or name (header injection), a malformed address, text that is not
// valid UTF-8, no recipient, or an extra header build_mime writes itself.
Result<std::string> build_mime(const MailMessage& message);

// What became of a message.
struct MailOutcome {
  enum class Kind {
    accepted,   // the server took it for delivery (250 after DATA)
    transient,  // 4xx, or no usable answer (connection refused, timeout, dropped): retry later
    permanent,  // 5xx, failed authentication, TLS that could not be set up or verified:
                // the same message and configuration will fail again
  };
  Kind kind = Kind::transient;
  int smtp_code = 0;  // the server's last reply code (250, 451, 550, ...), 0: none
  std::string error;  // curl's description of the failure; empty when accepted
  bool accepted() const { return kind == Kind::accepted; }
};

// Sends `message` (built by build_mime) to every address of message.to, from
// message.from's address. All or nothing: if the server refuses one recipient, nothing is
// sent. Status errors only for what must not be attempted: invalid_argument "smtp.<field>:
// ..." for a malformed configuration (url, tls not matching the scheme, credentials
// without safe TLS, timeouts) or as build_mime for the message.
Result<MailOutcome> send_mail(const SmtpConfig& config, const MailMessage& message);

// The configuration check send_mail makes first, for callers that want to refuse a bad
// configuration when it is set rather than at the first message: invalid_argument
// "smtp.<field>: ..." (never quoting the password).
Status check_smtp_config(const SmtpConfig& config);

}  // namespace boka::delivery
