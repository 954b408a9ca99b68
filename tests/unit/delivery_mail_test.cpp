// The delivery layer's email (src/delivery/mail.hpp): build_mime's message on its own,
// then send_mail against a real SMTP server (aiosmtpd, tests/support/smtp_sink.py) in plain
// SMTP, STARTTLS with AUTH and implicit TLS, each message checked as Python's `email`
// package parses it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "delivery/mail.hpp"
#include "support/smtp_sink.hpp"

using namespace boka;
using namespace boka::delivery;
using boka::test::SmtpSink;
using boka::test::TempDir;
using nlohmann::json;

namespace {

// A self-signed certificate for 127.0.0.1 (and localhost), made with the openssl tool.
struct TestCertificate {
  TempDir dir;
  std::string cert = (dir.path() / "cert.pem").string();
  std::string key = (dir.path() / "key.pem").string();
  TestCertificate() {
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
        key + " -out " + cert + " 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
  }
};

// "Booking confirmed: Zürich, 3 June" (non-ASCII) with an .ics and an HTML part.
MailMessage invitation() {
  MailMessage m;
  m.from = "Boka Bookings <bookings@boka.test>";
  m.to = {"Jörg Müller <joerg@example.test>", "frontdesk@example.test"};
  m.subject = "Booking confirmed: Z\xc3\xbcrich, 3 June \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x93\x85";
  m.text = "Hello J\xc3\xb6rg,\r\nyour table is booked.\r\n.\r\n.leading dot line\r\n";
  m.html = "<p>Hello J\xc3\xb6rg,</p><p>your table is booked.</p>";
  m.attachments.push_back(
      {"invite.ics", "text/calendar; method=REQUEST; charset=UTF-8",
       "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
       "UID:r-42@boka.test\r\nSUMMARY:Table at Caf\xc3\xa9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"});
  m.message_id = "<r-42.confirmation@boka.test>";
  m.extra_headers = {{"Auto-Submitted", "auto-generated"}};
  m.date = from_unix(1780000000);  // Thu, 28 May 2026 20:26:40 +0000
  return m;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

const json* part_of_type(const json& record, const std::string& type) {
  for (const json& part : record["message"]["parts"]) {
    if (part["content_type"] == type) return &part;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("build_mime writes an RFC 5322 / MIME message", "[delivery][mail]") {
  Result<std::string> built = build_mime(invitation());
  REQUIRE(built.ok());
  const std::string& mime = *built;
  CHECK(mime.find("Date: Thu, 28 May 2026 20:26:40 +0000\r\n") == 0);
  CHECK(mime.find("\r\nFrom: Boka Bookings <bookings@boka.test>\r\n") != std::string::npos);
  CHECK(mime.find("\r\nTo: =?UTF-8?B?") != std::string::npos);
  CHECK(mime.find("\r\nSubject: =?UTF-8?B?") != std::string::npos);
  CHECK(mime.find("\r\nMessage-ID: <r-42.confirmation@boka.test>\r\n") != std::string::npos);
  CHECK(mime.find("\r\nAuto-Submitted: auto-generated\r\n") != std::string::npos);
  CHECK(mime.find("\r\nMIME-Version: 1.0\r\n") != std::string::npos);
  CHECK(mime.find("Content-Type: multipart/mixed;") != std::string::npos);
  CHECK(mime.find("Content-Type: multipart/alternative;") != std::string::npos);
  CHECK(mime.find("Content-Type: text/calendar; method=REQUEST; charset=UTF-8") !=
        std::string::npos);
  // CRLF only, no line over 78 characters, nothing outside ASCII.
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') REQUIRE((i > 0 && mime[i - 1] == '\r'));
    if (mime[i] == '\r') REQUIRE((i + 1 < mime.size() && mime[i + 1] == '\n'));
    REQUIRE(static_cast<unsigned char>(mime[i]) < 0x80);
  }
  for (const std::string& line : lines_of(mime)) {
    INFO(line);
    CHECK(line.size() <= 78);
  }
  // Fresh random boundaries each time.
  Result<std::string> again = build_mime(invitation());
  REQUIRE(again.ok());
  CHECK(*again != mime);
}

TEST_CASE("build_mime: the simplest message is one text part, ids and dates are filled in",
          "[delivery][mail]") {
  MailMessage m;
  m.from = "noreply@boka.test";
  m.to = {"a@example.test"};
  m.subject = "Plain subject";
  m.text = "Just text.";
  Result<std::string> built = build_mime(m);
  REQUIRE(built.ok());
  CHECK(built->find("multipart") == std::string::npos);
  CHECK(built->find("\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\nSnVzdCB0ZXh0Lg==\r\n") !=
        std::string::npos);
  CHECK(built->find("\r\nSubject: Plain subject\r\n") != std::string::npos);
  const std::size_t id = built->find("\r\nMessage-ID: <");
  REQUIRE(id != std::string::npos);
  CHECK(built->find("@boka.test>\r\n", id) == id + 15 + 32);  // 16 random bytes in hex
  CHECK(built->rfind("Date: ", 0) == 0);

  // A long ASCII subject is folded at spaces; one that looks encoded is encoded.
  m.subject = std::string(30, 'a') + " " + std::string(30, 'b') + " " + std::string(30, 'c');
  built = build_mime(m);
  REQUIRE(built.ok());
  CHECK(built->find("Subject: " + std::string(30, 'a') + " " + std::string(30, 'b') + "\r\n " +
                    std::string(30, 'c') + "\r\n") != std::string::npos);
  m.subject = "=?UTF-8?B?aGk=?=";
  built = build_mime(m);
  REQUIRE(built.ok());
  CHECK(built->find("Subject: =?UTF-8?B?PT9VVEYtOD9CP2FHaz0/PQ==?=\r\n") != std::string::npos);
}

TEST_CASE("build_mime refuses header injection and malformed input, naming the field",
          "[delivery][mail]") {
  auto refused = [](MailMessage m, const std::string& prefix) {
    Result<std::string> built = build_mime(m);
    INFO(prefix);
    REQUIRE_FALSE(built.ok());
    CHECK(built.status().code() == Code::invalid_argument);
    CHECK(built.status().message().rfind(prefix, 0) == 0);
  };
  const MailMessage base = invitation();
  MailMessage m = base;
  m.subject = "Hi\r\nBcc: victim@example.test";
  refused(m, "subject: must not contain CR, LF or NUL");
  m = base;
  m.subject = "Hi\nBcc: victim@example.test";
  refused(m, "subject: ");
  m = base;
  m.to[1] = "a@example.test\r\nBcc: victim@example.test";
  refused(m, "to[1]: ");
  m = base;
  m.from = "Evil\r\n <x@example.test>";
  refused(m, "from: ");
  m = base;
  m.extra_headers = {{"X-Tag", "a\r\nBcc: victim@example.test"}};
  refused(m, "extra_headers[0] (X-Tag): ");
  m = base;
  m.extra_headers = {{"X-Tag\r\nBcc", "x"}};
  refused(m, "extra_headers[0]: ");
  m = base;
  m.extra_headers = {{"X-Fine", "1"}, {"bcc", "victim@example.test"}};
  refused(m, "extra_headers[1]: bcc is written by build_mime");
  m = base;
  m.attachments[0].filename = "invite.ics\r\nContent-Type: text/html";
  refused(m, "attachments[0].filename: ");
  m = base;
  m.attachments[0].filename = "../../etc/passwd";
  refused(m, "attachments[0].filename: ");
  m = base;
  m.attachments[0].content_type = "text/calendar\r\nX: y";
  refused(m, "attachments[0].content_type: ");
  m = base;
  m.message_id = "<a@b>\r\nBcc: victim@example.test";
  refused(m, "message_id: ");
  m = base;
  m.message_id = "no-at-sign";
  refused(m, "message_id: ");
  m = base;
  m.to.clear();
  refused(m, "to: needs at least one recipient");
  m = base;
  m.to = {"not an address"};
  refused(m, "to[0]: ");
  m = base;
  m.to = {"j\xc3\xb6rg@example.test"};  // SMTPUTF8 is not supported
  refused(m, "to[0]: ");
  m = base;
  m.subject = "bad \xff utf-8";
  refused(m, "subject: must be valid UTF-8");
  m = base;
  m.text = "bad \xc3";
  refused(m, "text: must be valid UTF-8");
}

TEST_CASE("send_mail delivers a message with an .ics to a real SMTP server", "[delivery][mail]") {
  SmtpSink sink;
  SmtpConfig config;
  config.url = sink.url();
  config.tls = SmtpConfig::Tls::none;
  const MailMessage message = invitation();
  Result<MailOutcome> outcome = send_mail(config, message);
  REQUIRE(outcome.ok());
  INFO(outcome->error);
  REQUIRE(outcome->accepted());
  CHECK(outcome->smtp_code == 250);
  CHECK(outcome->error.empty());
  REQUIRE(sink.accepted() == 1);

  const json record = sink.record(1);
  CHECK(record["mail_from"] == "bookings@boka.test");
  CHECK(record["rcpt_tos"] == json::array({"joerg@example.test", "frontdesk@example.test"}));
  CHECK(record["tls"] == false);
  const json& parsed = record["message"];
  CHECK(parsed["defects"].empty());
  CHECK(parsed["subject"] == message.subject);  // decoded back to the UTF-8 text
  CHECK(parsed["from"] == "Boka Bookings <bookings@boka.test>");
  CHECK(parsed["to"] == "Jörg Müller <joerg@example.test>, frontdesk@example.test");
  CHECK(parsed["date"] == "Thu, 28 May 2026 20:26:40 +0000");
  CHECK(parsed["message_id"] == "<r-42.confirmation@boka.test>");

  std::vector<std::string> types;
  for (const json& part : parsed["parts"]) {
    types.push_back(part["content_type"]);
    CHECK(part["defects"].empty());
  }
  CHECK(types == std::vector<std::string>{"multipart/mixed", "multipart/alternative", "text/plain",
                                          "text/html", "text/calendar"});
  const json* text = part_of_type(record, "text/plain");
  REQUIRE(text != nullptr);
  CHECK((*text)["charset"] == "utf-8");
  CHECK((*text)["text"] == message.text);
  const json* html = part_of_type(record, "text/html");
  REQUIRE(html != nullptr);
  CHECK((*html)["text"] == message.html);
  const json* ics = part_of_type(record, "text/calendar");
  REQUIRE(ics != nullptr);
  CHECK((*ics)["disposition"] == "attachment");
  CHECK((*ics)["filename"] == "invite.ics");
  CHECK((*ics)["method"] == "REQUEST");
  CHECK((*ics)["charset"] == "utf-8");
  CHECK((*ics)["transfer_encoding"] == "base64");
  CHECK((*ics)["text"] == message.attachments[0].data);

  // What went over the wire: CRLF lines of at most 78 characters.
  for (const std::string& line : lines_of(sink.raw(1))) {
    INFO(line);
    CHECK(line.size() <= 78);
  }
}

TEST_CASE("send_mail: a non-ASCII attachment name and binary data arrive intact",
          "[delivery][mail]") {
  SmtpSink sink;
  SmtpConfig config;
  config.url = sink.url();
  config.tls = SmtpConfig::Tls::starttls_if_offered;  // the sink offers none: plaintext
  MailMessage m;
  m.from = "\"Boka, the engine\" <bookings@boka.test>";
  m.to = {"a@example.test"};
  m.subject = "R\xc3\xa9servation";
  m.text = "see attachment";
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  m.attachments.push_back({"Quittung f\xc3\xbcr M\xc3\xa4rz.pdf", "application/pdf", binary});
  Result<MailOutcome> outcome = send_mail(config, m);
  REQUIRE(outcome.ok());
  INFO(outcome->error);
  REQUIRE(outcome->accepted());
  const json record = sink.record(1);
  CHECK(record["message"]["from"] == "\"Boka, the engine\" <bookings@boka.test>");
  CHECK(record["message"]["subject"] == m.subject);
  const json* pdf = part_of_type(record, "application/pdf");
  REQUIRE(pdf != nullptr);
  CHECK((*pdf)["filename"] == "Quittung f\xc3\xbcr M\xc3\xa4rz.pdf");
  CHECK((*pdf)["size"] == 256);
  CHECK((*pdf)["base64"] ==
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0"
        "BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+A"
        "gYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wM"
        "HCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==");
}

TEST_CASE("send_mail tells permanent from transient refusals", "[delivery][mail]") {
  SmtpSink sink;
  SmtpConfig config;
  config.url = sink.url();
  config.tls = SmtpConfig::Tls::none;
  MailMessage m = invitation();

  m.to = {"ok@example.test", "reject-permanent@example.test"};
  Result<MailOutcome> outcome = send_mail(config, m);
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::permanent);
  CHECK(outcome->smtp_code == 550);
  CHECK_FALSE(outcome->error.empty());

  m.to = {"reject-transient@example.test"};
  outcome = send_mail(config, m);
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::transient);
  CHECK(outcome->smtp_code == 451);
  CHECK(sink.accepted() == 0);  // all or nothing

  // Nobody listening: transient, no reply code.
  {
    SmtpSink gone;
    config.url = gone.url();
  }
  outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::transient);
  CHECK(outcome->smtp_code == 0);
  CHECK_FALSE(outcome->error.empty());
}

TEST_CASE("send_mail over STARTTLS with AUTH, a wrong password never shows", "[delivery][mail]") {
  TestCertificate certificate;
  SmtpSink sink({"--starttls", certificate.cert, certificate.key, "--auth"});
  SmtpConfig config;
  config.url = sink.url();
  config.tls = SmtpConfig::Tls::starttls_required;
  config.ca_file = certificate.cert;
  config.username = "boka";
  config.password = "s3cret-pass";
  Result<MailOutcome> outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  INFO(outcome->error);
  REQUIRE(outcome->accepted());
  const json record = sink.record(1);
  CHECK(record["tls"] == true);
  CHECK(record["user"] == "boka");
  CHECK(record["message"]["subject"] == invitation().subject);

  config.password = "wrong-password-Xq7";
  outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::permanent);
  CHECK(outcome->smtp_code == 535);
  CHECK(outcome->error.find("wrong-password-Xq7") == std::string::npos);

  // Without the test CA the server's certificate does not verify: permanent, nothing sent.
  config.password = "s3cret-pass";
  config.ca_file.clear();
  outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::permanent);
  CHECK(sink.accepted() == 1);
}

TEST_CASE("send_mail: required STARTTLS is never skipped", "[delivery][mail]") {
  SmtpSink plain;  // offers no STARTTLS
  SmtpConfig config;
  config.url = plain.url();
  config.tls = SmtpConfig::Tls::starttls_required;
  Result<MailOutcome> outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  CHECK(outcome->kind == MailOutcome::Kind::permanent);
  CHECK(plain.accepted() == 0);
}

TEST_CASE("send_mail over implicit TLS (smtps)", "[delivery][mail]") {
  TestCertificate certificate;
  SmtpSink sink({"--implicit", certificate.cert, certificate.key});
  SmtpConfig config;
  config.url = sink.url("smtps");
  config.tls = SmtpConfig::Tls::implicit;
  config.ca_file = certificate.cert;
  Result<MailOutcome> outcome = send_mail(config, invitation());
  REQUIRE(outcome.ok());
  INFO(outcome->error);
  REQUIRE(outcome->accepted());
  CHECK(sink.record(1)["tls"] == true);
}

TEST_CASE("send_mail refuses unsafe or malformed configurations, never naming the password",
          "[delivery][mail]") {
  auto refused = [](const SmtpConfig& config, const std::string& prefix) {
    Result<MailOutcome> outcome = send_mail(config, invitation());
    INFO(prefix);
    REQUIRE_FALSE(outcome.ok());
    CHECK(outcome.status().code() == Code::invalid_argument);
    CHECK(outcome.status().message().rfind(prefix, 0) == 0);
    CHECK(outcome.status().message().find("hunter2-secret") == std::string::npos);
  };
  SmtpConfig config;
  config.url = "smtp://127.0.0.1:2525";
  config.username = "boka";
  config.password = "hunter2-secret";
  config.tls = SmtpConfig::Tls::none;
  refused(config, "smtp.username: credentials are sent only over TLS");
  config.tls = SmtpConfig::Tls::starttls_if_offered;
  refused(config, "smtp.username: credentials are sent only over TLS");
  config.tls = SmtpConfig::Tls::implicit;
  refused(config, "smtp.tls: ");
  config.tls = SmtpConfig::Tls::starttls_required;
  config.url = "smtps://127.0.0.1:2525";
  refused(config, "smtp.tls: ");
  config.url = "http://127.0.0.1:2525";
  refused(config, "smtp.url: ");
  config.url = "smtp://user:hunter2-secret@127.0.0.1:2525";
  refused(config, "smtp.url: ");
  config.url = "smtp://127.0.0.1:2525/helo";
  refused(config, "smtp.url: ");
  config.url = "smtp://127.0.0.1:2525";
  config.password = "hunter2-secret\r\nRSET";
  refused(config, "smtp.password: ");
  config.password = "hunter2-secret";
  config.timeout_ms = 0;
  refused(config, "smtp.timeout_ms: ");
}
