// boka/mail.hpp: email to customers about their bookings. When a tenant turns mail on,
// the worker writes a confirmation, cancellation, reschedule or reminder message for each
// such change of a booking made for a customer record with an email address, renders it
// from the tenant's templates (or boka's own) in the customer's language and time zone
// with the booking as an .ics attachment, and submits it over SMTP, retrying like webhooks.
// docs/mail.md is the guide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/ids.hpp"
#include "boka/principal.hpp"
#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka {

namespace detail {
struct EngineImpl;
}

// The messages boka writes.
enum class MailKind : int {
  confirmation = 0,  // a booking was made confirmed, or a hold was confirmed
  cancellation = 1,  // a booking was cancelled
  reschedule = 2,    // a booking moved (the message gives the old and the new time)
  reminder = 3,      // MailSettings::reminder_lead before a confirmed booking starts
};
const char* mail_kind_name(MailKind kind) noexcept;  // "confirmation", ...
std::optional<MailKind> parse_mail_kind(std::string_view name) noexcept;

// A tenant's own text for one kind of message. Templates are a Mustache subset:
// "{{name}}" inserts a value (HTML-escaped in the html part), "{{#name}}...{{/name}}"
// keeps its content when the value is not empty, "{{^name}}...{{/name}}" when it is, and
// "{{! ...}}" is a comment. The names are listed in docs/mail.md ("Template values"):
// tenant.name, customer.name, customer.email, service.name, resources, start.date,
// start.time, start.date_time, end.time, end.date_time, zone, zone.abbrev, duration, price,
// notes, reservation.id, status, previous.date_time, reason, manage_url.
struct MailTemplate {
  MailKind kind = MailKind::confirmation;
  // "" : for every customer; else a BCP 47 language ("de", "pt-BR"): for customers whose
  // locale has that language. A customer gets the template of their language, else the
  // tenant's "" one, else boka's own in their language.
  std::string locale;
  std::string subject;  // rendered on one line (line breaks become spaces), cut at 900 bytes
  std::string text;     // the text/plain part (required)
  std::string html;     // the text/html part; "" : text only
};

// How a tenant's mail goes out. Changed with Mail::update_settings.
struct MailSettings {
  TenantId tenant{};
  bool enabled = false;  // nothing is written for the tenant while false
  // Which kinds are sent (each at most once); empty: none.
  std::vector<MailKind> kinds = {MailKind::confirmation, MailKind::cancellation,
                                 MailKind::reschedule, MailKind::reminder};
  // The From display name ("" : the tenant's name). The address is the operator's
  // (MailOptions::from_address): senders' domains must be set up for SPF and DKIM.
  std::string from_name;  // 0..200 bytes, no line breaks
  std::string reply_to;   // "" or an address customers' replies go to
  // For customers whose record has no locale or one boka cannot write: a locale boka
  // writes (docs/mail.md lists them: en, en-GB, de, fr, es, it, nl, pt, sv).
  std::string locale = "en";
  // For customers whose record has no time zone: an IANA zone, or "" for the zone of the
  // booking's first resource.
  std::string time_zone;
  // How long before a confirmed booking starts its reminder is written: 15 minutes .. 30
  // days. A booking made or moved to less than this before its start, while mail was on and
  // the worker running, gets no reminder (its confirmation or reschedule message said when).
  Seconds reminder_lead{86400};
  std::vector<MailTemplate> templates;  // at most one per kind and locale; at most 50
  Instant updated_at{};
  std::int64_t version = 0;  // 0 until first saved; pass it back to update
};

enum class EmailStatus : int {
  pending = 0,  // waiting for its first or next attempt
  sent = 1,     // the SMTP server accepted it
  dead = 2,     // refused for good (5xx) or out of attempts: Mail::retry sends it again
  skipped = 3,  // no longer true when its turn came (a reminder of a booking since
                // cancelled or moved), or mail was turned off: not sent
};
const char* email_status_name(EmailStatus s) noexcept;  // "pending", ...

// One message to one customer. Its content is kept (Mail::content) until the customer's
// record is erased, which blanks it.
struct Email {
  EmailId id{};
  TenantId tenant{};
  MailKind kind = MailKind::confirmation;
  ReservationId reservation{};
  std::optional<CustomerId> customer;
  std::optional<EventId> event;  // the event it was written for; none for reminders
  std::string to;                // the address
  std::string subject;
  std::string locale;     // the locale it was written in
  std::string time_zone;  // the zone its dates are in
  // The Message-ID header, the same in every attempt: a message sent twice (a worker killed
  // between the server's acceptance and the record of it) carries one Message-ID.
  std::string message_id;
  EmailStatus status = EmailStatus::pending;
  int attempts = 0;
  Instant next_attempt_at{};
  std::optional<int> last_smtp_code;  // the server's last reply code
  std::string last_error;             // why the last attempt failed ("" if it did not)
  // Set while a worker is sending it: no other worker takes it before then.
  std::optional<Instant> leased_until;
  Instant created_at{};
  std::optional<Instant> sent_at;
};

// A message as it is (or would be) sent.
struct EmailContent {
  std::string to;
  std::string subject;
  std::string text;
  std::string html;  // "" : no HTML part
  std::string ics;   // the attached booking (text/calendar); "" : none
};

// Which messages Mail::list returns, newest first.
struct EmailFilter {
  std::optional<EmailStatus> status;
  std::optional<MailKind> kind;
  std::optional<ReservationId> reservation;
  std::optional<CustomerId> customer;
  EmailId before_id{};  // keyset pagination: ids below this (0: from the newest)
  int limit = 100;      // 1..1000
};

// What one Mail::send round did.
struct MailRound {
  int written = 0;    // new messages from events and due reminders
  int attempted = 0;  // SMTP submissions tried
  int sent = 0;
  int failed = 0;   // attempts that will be retried
  int dead = 0;     // messages refused for good or out of attempts
  int skipped = 0;  // messages no longer true when their turn came
  // Tenants whose messages could not be written this round (a store error, data that
  // cannot be rendered); they are tried again next round, the others go on.
  int failed_tenants = 0;
  std::string last_error;  // the last such error ("tenant 3: ..."), "" if none
  // True when the SMTP server refused the configuration itself (authentication, TLS): the
  // round stopped without spending the other messages' attempts.
  bool server_refused = false;
};

// The mail of a tenant (engine.mail()). Settings, previews and the message list need
// "mail:manage"; send is for the worker ("system:operations").
// Thread-safety: any number of threads may call it; send may run in several processes at
// once (each message is leased to one of them).
class Mail {
 public:
  Mail(const Mail&) = delete;
  Mail& operator=(const Mail&) = delete;

  // The tenant's settings (the defaults, version 0, until first saved).
  Result<MailSettings> settings(const Principal& who, TenantId tenant);
  // Replaces the settings; settings.version must equal the stored one (0 the first time).
  // invalid_argument naming the field: a locale boka cannot write, an unknown zone, a lead
  // out of range, a repeated kind, a template that does not parse ("templates[1].text:
  // unknown variable \"strat.date\" at line 2, column 9"), a malformed reply_to. Turning mail
  // on starts from now: earlier changes are not mailed (bookings due within the lead get their
  // reminders). A shorter lead takes effect at once.
  Result<MailSettings> update_settings(const Principal& who, TenantId tenant,
                                       const MailSettings& settings);
  // The message of `kind` that the reservation's customer would get now (with `settings`
  // instead of the stored ones when given, to try templates before saving them).
  // conflict when the reservation has no customer record with an email.
  Result<EmailContent> preview(const Principal& who, TenantId tenant, MailKind kind,
                               ReservationId reservation,
                               const std::optional<MailSettings>& settings = std::nullopt);
  Result<std::vector<Email>> list(const Principal& who, TenantId tenant, const EmailFilter& filter);
  Result<Email> get(const Principal& who, TenantId tenant, EmailId id);
  Result<EmailContent> content(const Principal& who, TenantId tenant, EmailId id);
  // Makes a dead or skipped message pending again (sent at the next round); audited.
  // conflict for a pending or sent one.
  Result<Email> retry(const Principal& who, TenantId tenant, EmailId id);

  // One round of the worker: writes the messages of new events and due reminders for every
  // tenant with mail on, then submits up to `limit` due messages, each leased so that a
  // worker killed mid-send only delays it. Blocks for the SMTP sessions. Needs
  // "system:operations"; not_supported when MailOptions::smtp_url is not set.
  Result<MailRound> send(const Principal& who, int limit = 100);

 private:
  friend class Engine;
  explicit Mail(detail::EngineImpl* impl) : impl_(impl) {}
  detail::EngineImpl* impl_;
};

}  // namespace boka
