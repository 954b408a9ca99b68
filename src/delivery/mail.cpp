#include "delivery/mail.hpp"
#include "delivery/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>

#include "auth/crypto.hpp"
#include "delivery/curl_support.hpp"

namespace boka::delivery {
namespace {

using detail::CurlEasy;
using detail::CurlList;

constexpr std::size_t kLineLimit = 78;       // RFC 5322's SHOULD, without CRLF
constexpr std::size_t kHardLineLimit = 998;  // RFC 5322's MUST
constexpr std::size_t kBase64LineLength = 76;
// Raw bytes per RFC 2047 encoded word: 39 bytes are 52 base64 characters, a 64-character
// word, which fits a line after a header name.
constexpr std::size_t kEncodedWordBytes = 39;

bool is_ascii_printable(char c) { return c >= 0x20 && c <= 0x7e; }

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

// CR, LF and NUL would end a header line early: the header injection every text checked
// here is refused for.
Status check_no_line_breaks(std::string_view value, const std::string& field) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return InvalidArgument(field + ": must not contain CR, LF or NUL");
  }
  return Status::Ok();
}

Status check_utf8(std::string_view value, const std::string& field) {
  if (!boka::detail::utf8_code_points(value)) {
    return InvalidArgument(field + ": must be valid UTF-8");
  }
  return Status::Ok();
}

bool is_plain_ascii(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return is_ascii_printable(c); });
}

// Splits valid UTF-8 into pieces of at most `max` bytes, never inside a character.
std::vector<std::string_view> utf8_chunks(std::string_view text, std::size_t max) {
  std::vector<std::string_view> chunks;
  while (!text.empty()) {
    std::size_t n = std::min(max, text.size());
    // Back up while the next byte would be a continuation byte (10xxxxxx).
    while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
    chunks.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return chunks;
}

// RFC 2047 B-encoded words for `text`, folded one word per line.
std::string encoded_words(std::string_view text) {
  std::string out;
  for (std::string_view chunk : utf8_chunks(text, kEncodedWordBytes)) {
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + boka::detail::base64_encode(chunk) + "?=";
  }
  return out;
}

// An unstructured header value (Subject, extra headers) ready to follow "<name>: ". Plain
// ASCII is folded at spaces to keep lines within 78 characters where it can; text that is
// not plain ASCII, that looks like an encoded word ("=?"), or that cannot be folded within
// 998 characters becomes encoded words. The value has no CR/LF (checked before).
std::string unstructured(std::string_view value, std::size_t name_length) {
  if (value.empty()) return {};
  if (!is_plain_ascii(value) || value.find("=?") != std::string_view::npos ||
      value.front() == ' ' || value.back() == ' ') {
    return encoded_words(value);
  }
  std::string out;
  std::size_t line = name_length + 2;  // "Name: "
  std::size_t start = 0;
  while (start < value.size()) {
    // The next word with the space before it (a fold goes before the space).
    std::size_t end = value.find(' ', start + 1);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view word = value.substr(start, end - start);
    if (line + word.size() > kLineLimit && !out.empty() && word.front() == ' ') {
      out += "\r\n";
      line = 0;
    }
    out += word;
    line += word.size();
    if (line > kHardLineLimit) return encoded_words(value);
    start = end;
  }
  return out;
}

// ---- addresses -------------------------------------------------------------------------

struct Mailbox {
  std::string display_name;  // UTF-8, may be empty
  std::string address;       // local@domain, ASCII
};

bool valid_address(std::string_view address) {
  if (address.size() > 254) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  if (!std::all_of(local.begin(), local.end(), [](char c) { return is_atext(c) || c == '.'; })) {
    return false;
  }
  if (domain.front() == '[') {  // an address literal: [192.0.2.1] or [IPv6:...]
    return domain.back() == ']' && std::all_of(domain.begin() + 1, domain.end() - 1, [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                    c == '.' || c == ':' || c == 'I' || c == 'P' || c == 'v';
           });
  }
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

Result<Mailbox> parse_mailbox(std::string_view text, const std::string& field) {
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(text, field));
  BOKA_RETURN_IF_ERROR(check_utf8(text, field));
  Mailbox mailbox;
  std::string_view value = trim(text);
  std::string_view address = value;
  if (!value.empty() && value.back() == '>') {
    const std::size_t open = value.rfind('<');
    if (open == std::string_view::npos) return InvalidArgument(field + ": unbalanced '<' '>'");
    address = value.substr(open + 1, value.size() - open - 2);
    std::string_view name = trim(value.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      std::string unescaped;
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        unescaped += name[i];
      }
      mailbox.display_name = std::move(unescaped);
    } else {
      mailbox.display_name = std::string(name);
    }
  }
  if (address.empty()) return InvalidArgument(field + ": has no address");
  if (!valid_address(address)) {
    return InvalidArgument(field + ": \"" + std::string(address) +
                           "\" is not an address of the form local@domain (ASCII)");
  }
  mailbox.address = std::string(address);
  return mailbox;
}

// The mailbox as a header writes it: the address alone, or the display name (as atoms, a
// quoted string, or encoded words) and the address in angle brackets.
std::string format_mailbox(const Mailbox& mailbox) {
  const std::string_view name = mailbox.display_name;
  if (name.empty()) return mailbox.address;
  std::string phrase;
  if (!is_plain_ascii(name) || name.find("=?") != std::string_view::npos) {
    phrase = encoded_words(name);
  } else if (std::all_of(name.begin(), name.end(),
                         [](char c) { return is_atext(c) || c == ' '; })) {
    phrase = std::string(name);
  } else {
    phrase = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') phrase += '\\';
      phrase += c;
    }
    phrase += '"';
  }
  return phrase + " <" + mailbox.address + ">";
}

// "To: a, b, ..." folded before an address that would pass 78 characters.
std::string address_list(const std::vector<Mailbox>& mailboxes, std::size_t name_length) {
  std::string out;
  std::size_t line = name_length + 2;
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    const std::string one = format_mailbox(mailboxes[i]);
    if (i > 0) {
      out += ',';
      ++line;
      const std::size_t first_line = one.find("\r\n");
      const std::size_t width = first_line == std::string::npos ? one.size() : first_line;
      if (line + 1 + width > kLineLimit) {
        out += "\r\n";
        line = 0;
      }
      out += ' ';
      ++line;
    }
    out += one;
    const std::size_t last_break = one.rfind("\r\n");
    line = last_break == std::string::npos ? line + one.size() : one.size() - last_break - 2;
  }
  return out;
}

// ---- other header pieces ---------------------------------------------------------------

std::string rfc5322_date(Instant when) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(to_unix(when));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

Result<std::string> message_id(const MailMessage& message, const Mailbox& from) {
  if (message.message_id.empty()) {
    BOKA_ASSIGN_OR_RETURN(const std::string random, boka::detail::random_bytes(16));
    const std::string domain = from.address.substr(from.address.rfind('@') + 1);
    return "<" + boka::detail::hex_encode(random) + "@" + domain + ">";
  }
  std::string_view id = message.message_id;
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(id, "message_id"));
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  const std::size_t at = id.find('@');
  const bool printable = std::all_of(id.begin(), id.end(), [](char c) {
    return is_ascii_printable(c) && c != ' ' && c != '<' && c != '>' && c != '"' && c != '\\';
  });
  if (!printable || at == std::string_view::npos || at == 0 || at + 1 == id.size() ||
      id.find('@', at + 1) != std::string_view::npos || id.size() > 250) {
    return InvalidArgument("message_id: must be <left@right> (printable ASCII, no spaces)");
  }
  return "<" + std::string(id) + ">";
}

// Fields build_mime writes itself (lower case), which extra_headers may not repeat.
bool is_reserved_header(std::string_view name) {
  static constexpr std::string_view kReserved[] = {"date",
                                                   "from",
                                                   "to",
                                                   "cc",
                                                   "bcc",
                                                   "subject",
                                                   "message-id",
                                                   "sender",
                                                   "mime-version",
                                                   "content-type",
                                                   "content-transfer-encoding",
                                                   "content-disposition"};
  std::string lowered(name);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return std::find(std::begin(kReserved), std::end(kReserved), lowered) != std::end(kReserved);
}

std::string base64_lines(std::string_view data) {
  const std::string encoded = boka::detail::base64_encode(data);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / kBase64LineLength * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += kBase64LineLength) {
    out.append(encoded, i, kBase64LineLength).append("\r\n");
  }
  return out;
}

// RFC 2231 percent-encoding of a parameter value (attr-char kept).
std::string rfc2231_value(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::strchr("!#$&+-.^_`|~", c) != nullptr;
    if (keep && c != '\0') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0f];
    }
  }
  return out;
}

// A MIME entity: its header lines (each without CRLF) and its body (CRLF-terminated lines).
struct Entity {
  std::vector<std::string> headers;
  std::string body;
};

Entity text_part(std::string_view subtype, std::string_view text) {
  return Entity{{"Content-Type: text/" + std::string(subtype) + "; charset=UTF-8",
                 "Content-Transfer-Encoding: base64"},
                base64_lines(text)};
}

Result<Entity> multipart(std::string_view subtype, const std::vector<Entity>& parts) {
  BOKA_ASSIGN_OR_RETURN(const std::string random, boka::detail::random_bytes(12));
  // "=_" cannot occur in base64 text, and the rest is random: no part can contain it.
  const std::string boundary = "=_boka_" + boka::detail::hex_encode(random);
  Entity entity;
  entity.headers.push_back("Content-Type: multipart/" + std::string(subtype) + ";\r\n boundary=\"" +
                           boundary + "\"");
  for (const Entity& part : parts) {
    entity.body += "--" + boundary + "\r\n";
    for (const std::string& header : part.headers) entity.body += header + "\r\n";
    entity.body += "\r\n" + part.body;
  }
  entity.body += "--" + boundary + "--\r\n";
  return entity;
}

Result<Entity> attachment_part(const MailMessage::Attachment& attachment, std::size_t index) {
  const std::string field = "attachments[" + std::to_string(index) + "]";
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(attachment.filename, field + ".filename"));
  BOKA_RETURN_IF_ERROR(check_utf8(attachment.filename, field + ".filename"));
  if (attachment.filename.empty()) return InvalidArgument(field + ".filename: must not be empty");
  if (attachment.filename.find_first_of("/\\") != std::string::npos) {
    return InvalidArgument(field + ".filename: must not contain '/' or '\\'");
  }
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(attachment.content_type, field + ".content_type"));
  std::string content_type =
      attachment.content_type.empty() ? "application/octet-stream" : attachment.content_type;
  const std::size_t slash = content_type.find('/');
  if (!is_plain_ascii(content_type) || slash == std::string::npos || slash == 0 ||
      content_type.size() > 900) {
    return InvalidArgument(field + ".content_type: must be ASCII type/subtype[; parameters]");
  }
  std::string disposition = "Content-Disposition: attachment;\r\n filename";
  if (is_plain_ascii(attachment.filename)) {
    disposition += "=\"";
    for (char c : attachment.filename) {
      if (c == '"' || c == '\\') disposition += '\\';
      disposition += c;
    }
    disposition += '"';
  } else {
    disposition += "*=" + rfc2231_value(attachment.filename);
  }
  return Entity{{"Content-Type: " + content_type, "Content-Transfer-Encoding: base64",
                 std::move(disposition)},
                base64_lines(attachment.data)};
}

// ---- SMTP ------------------------------------------------------------------------------

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

Status check_config(const SmtpConfig& config) {
  const std::string_view url = config.url;
  const bool smtps = url.substr(0, 8) == "smtps://";
  if (!smtps && url.substr(0, 7) != "smtp://") {
    return InvalidArgument("smtp.url: must start with smtp:// or smtps://");
  }
  const std::string_view authority = url.substr(smtps ? 8 : 7);
  if (authority.empty()) return InvalidArgument("smtp.url: has no host");
  for (char c : authority) {
    if (!is_ascii_printable(c) || c == ' ' || c == '/' || c == '?' || c == '#' || c == '@' ||
        c == '\\') {
      return InvalidArgument("smtp.url: only host[:port] may follow the scheme");
    }
  }
  if (smtps != (config.tls == SmtpConfig::Tls::implicit)) {
    return InvalidArgument("smtp.tls: implicit TLS goes with smtps:// and only with it");
  }
  if (!config.username.empty() && config.tls != SmtpConfig::Tls::starttls_required &&
      config.tls != SmtpConfig::Tls::implicit) {
    return InvalidArgument(
        "smtp.username: credentials are sent only over TLS (tls = starttls_required or "
        "implicit)");
  }
  if (config.username.empty() && !config.password.empty()) {
    return InvalidArgument("smtp.username: a password needs a username");
  }
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(config.username, "smtp.username"));
  if (config.password.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return InvalidArgument("smtp.password: must not contain CR, LF or NUL");
  }
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(config.ca_file, "smtp.ca_file"));
  if (config.connect_timeout_ms <= 0) {
    return InvalidArgument("smtp.connect_timeout_ms: must be positive");
  }
  if (config.timeout_ms <= 0) return InvalidArgument("smtp.timeout_ms: must be positive");
  return Status::Ok();
}

long use_ssl(SmtpConfig::Tls tls) {
  switch (tls) {
    case SmtpConfig::Tls::none: return CURLUSESSL_NONE;
    case SmtpConfig::Tls::starttls_if_offered: return CURLUSESSL_TRY;
    case SmtpConfig::Tls::starttls_required: return CURLUSESSL_ALL;
    case SmtpConfig::Tls::implicit: return CURLUSESSL_ALL;
  }
  return CURLUSESSL_ALL;
}

// Failures that the same configuration will meet again, whatever the server's reply code.
bool is_permanent(CURLcode rc) {
  switch (rc) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_AUTH_ERROR: return true;
    default: return false;
  }
}

// `text` with every occurrence of `secret` blanked: belt and braces, as curl's messages
// should never hold the password in the first place.
std::string without_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

Result<std::string> build_mime(const MailMessage& message) {
  BOKA_ASSIGN_OR_RETURN(const Mailbox from, parse_mailbox(message.from, "from"));
  if (message.to.empty()) return InvalidArgument("to: needs at least one recipient");
  std::vector<Mailbox> to;
  for (std::size_t i = 0; i < message.to.size(); ++i) {
    BOKA_ASSIGN_OR_RETURN(Mailbox mailbox,
                          parse_mailbox(message.to[i], "to[" + std::to_string(i) + "]"));
    to.push_back(std::move(mailbox));
  }
  BOKA_RETURN_IF_ERROR(check_no_line_breaks(message.subject, "subject"));
  BOKA_RETURN_IF_ERROR(check_utf8(message.subject, "subject"));
  BOKA_RETURN_IF_ERROR(check_utf8(message.text, "text"));
  BOKA_RETURN_IF_ERROR(check_utf8(message.html, "html"));
  BOKA_ASSIGN_OR_RETURN(const std::string id, message_id(message, from));

  std::string out;
  const Instant date =
      message.date ? *message.date : std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  out += "Date: " + rfc5322_date(date) + "\r\n";
  out += "From: " + address_list({from}, 4) + "\r\n";
  out += "To: " + address_list(to, 2) + "\r\n";
  out += "Subject: " + unstructured(message.subject, 7) + "\r\n";
  out += "Message-ID: " + id + "\r\n";
  for (std::size_t i = 0; i < message.extra_headers.size(); ++i) {
    const auto& [name, value] = message.extra_headers[i];
    const std::string field = "extra_headers[" + std::to_string(i) + "]";
    if (name.empty() || name.size() > 76 || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_ascii_printable(c) && c != ' ' && c != ':';
        })) {
      return InvalidArgument(field + ": the name must be printable ASCII without ':' or spaces");
    }
    if (is_reserved_header(name)) {
      return InvalidArgument(field + ": " + name + " is written by build_mime");
    }
    BOKA_RETURN_IF_ERROR(check_no_line_breaks(value, field + " (" + name + ")"));
    BOKA_RETURN_IF_ERROR(check_utf8(value, field + " (" + name + ")"));
    out += name + ": " + unstructured(value, name.size()) + "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";

  Entity content;
  if (message.html.empty()) {
    content = text_part("plain", message.text);
  } else {
    BOKA_ASSIGN_OR_RETURN(content, multipart("alternative", {text_part("plain", message.text),
                                                             text_part("html", message.html)}));
  }
  if (!message.attachments.empty()) {
    std::vector<Entity> parts{std::move(content)};
    for (std::size_t i = 0; i < message.attachments.size(); ++i) {
      BOKA_ASSIGN_OR_RETURN(Entity part, attachment_part(message.attachments[i], i));
      parts.push_back(std::move(part));
    }
    BOKA_ASSIGN_OR_RETURN(content, multipart("mixed", parts));
  }
  for (const std::string& header : content.headers) out += header + "\r\n";
  out += "\r\n" + content.body;
  return out;
}

Status check_smtp_config(const SmtpConfig& config) { return check_config(config); }

Result<MailOutcome> send_mail(const SmtpConfig& config, const MailMessage& message) {
  BOKA_RETURN_IF_ERROR(check_config(config));
  BOKA_ASSIGN_OR_RETURN(const std::string mime, build_mime(message));
  BOKA_ASSIGN_OR_RETURN(const Mailbox from, parse_mailbox(message.from, "from"));
  CurlList recipients;
  for (std::size_t i = 0; i < message.to.size(); ++i) {
    BOKA_ASSIGN_OR_RETURN(const Mailbox to,
                          parse_mailbox(message.to[i], "to[" + std::to_string(i) + "]"));
    if (!detail::append(recipients, ("<" + to.address + ">").c_str())) {
      return InternalError("out of memory (recipients)");
    }
  }
  BOKA_RETURN_IF_ERROR(detail::ensure_curl_initialized());
  CurlEasy curl(curl_easy_init());
  if (!curl) return InternalError("libcurl could not create a handle");

  const std::string envelope_from = "<" + from.address + ">";
  char error_text[CURL_ERROR_SIZE] = {};
  Upload upload{&mime};
  bool ok = true;
  auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  CURL* h = curl.get();
  set(curl_easy_setopt(h, CURLOPT_URL, config.url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
#else
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS, long{CURLPROTO_SMTP | CURLPROTO_SMTPS}));
#endif
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_PROXY, ""));
  set(curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl(config.tls)));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!config.ca_file.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, config.ca_file.c_str()));
  if (!config.username.empty()) {
    set(curl_easy_setopt(h, CURLOPT_USERNAME, config.username.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PASSWORD, config.password.c_str()));
  }
  set(curl_easy_setopt(h, CURLOPT_MAIL_FROM, envelope_from.c_str()));
  set(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get()));
  set(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
  set(curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload));
  set(curl_easy_setopt(h, CURLOPT_READDATA, &upload));
  set(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size())));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, long{config.connect_timeout_ms}));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, long{config.timeout_ms}));
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text));
  if (!ok) return InternalError("libcurl refused an option of the mail");

  const CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  MailOutcome outcome;
  outcome.smtp_code = static_cast<int>(code);
  if (rc == CURLE_OK) {
    outcome.kind = MailOutcome::Kind::accepted;
    return outcome;
  }
  if (code >= 500 && code < 600) {
    outcome.kind = MailOutcome::Kind::permanent;
  } else if (code >= 400 && code < 500) {
    outcome.kind = MailOutcome::Kind::transient;
  } else {
    outcome.kind = is_permanent(rc) ? MailOutcome::Kind::permanent : MailOutcome::Kind::transient;
  }
  outcome.error =
      without_secret(error_text[0] != '\0' ? error_text : curl_easy_strerror(rc), config.password);
  return outcome;
}

}  // namespace boka::delivery
