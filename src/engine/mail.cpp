// Customer email (boka/mail.hpp): tenant settings and templates, rendering a message in the
// customer's language and zone with the booking attached as iCalendar, and the worker's
// round (write messages from the event feed and for due reminders, lease, submit over
// SMTP, record, back off). docs/mail.md is the guide; docs/architecture.md, "Mail", the
// decisions.
#include <algorithm>
#include <charconv>
#include <set>

#include "codec/json_codec.hpp"
#include "delivery/mail.hpp"
#include "engine/engine_impl.hpp"
#include "ical/ical.hpp"
#include "notify/notify.hpp"

namespace boka {

const char* mail_kind_name(MailKind kind) noexcept {
  switch (kind) {
    case MailKind::confirmation: return "confirmation";
    case MailKind::cancellation: return "cancellation";
    case MailKind::reschedule: return "reschedule";
    case MailKind::reminder: return "reminder";
  }
  return "unknown";
}

std::optional<MailKind> parse_mail_kind(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(MailKind::reminder); ++i) {
    if (name == mail_kind_name(static_cast<MailKind>(i))) return static_cast<MailKind>(i);
  }
  return std::nullopt;
}

const char* email_status_name(EmailStatus s) noexcept {
  switch (s) {
    case EmailStatus::pending: return "pending";
    case EmailStatus::sent: return "sent";
    case EmailStatus::dead: return "dead";
    case EmailStatus::skipped: return "skipped";
  }
  return "unknown";
}

namespace detail {

struct MailRuntime {
  MailOptions options;
  delivery::SmtpConfig smtp;
  std::string from_domain;  // for Message-IDs
};

namespace {

// "name@domain" with nothing a header could be broken with.
bool plain_address(std::string_view a) {
  const auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size() ||
      a.find('@', at + 1) != std::string_view::npos || a.size() > 254) {
    return false;
  }
  return std::none_of(a.begin(), a.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
           c == '(' || c == ')' || c == '\\';
  });
}

}  // namespace

Status configure_mail(EngineImpl& impl, const MailOptions& o) {
  auto rt = std::make_shared<MailRuntime>();
  rt->options = o;
  if (!o.smtp_url.empty()) {
    if (!plain_address(o.from_address)) {
      return InvalidArgument("mail.from_address: must be an address such as bookings@example.com");
    }
    rt->from_domain = o.from_address.substr(o.from_address.find('@') + 1);
  } else if (!o.from_address.empty() && !plain_address(o.from_address)) {
    return InvalidArgument("mail.from_address: must be an address such as bookings@example.com");
  }
  if (o.connect_timeout_ms < 1 || o.connect_timeout_ms > 60000) {
    return InvalidArgument("mail.connect_timeout_ms: must be 1..60000");
  }
  if (o.timeout_ms < 1 || o.timeout_ms > 300000) {
    return InvalidArgument("mail.timeout_ms: must be 1..300000");
  }
  if (o.retry_schedule.empty() || o.retry_schedule.size() > 50) {
    return InvalidArgument("mail.retry_schedule: 1..50 waits");
  }
  for (std::size_t i = 0; i < o.retry_schedule.size(); ++i) {
    if (o.retry_schedule[i] < Seconds(1) || o.retry_schedule[i] > Seconds(7 * 86400)) {
      return InvalidArgument("mail.retry_schedule[" + std::to_string(i) +
                             "]: must be 1 s .. 7 days");
    }
  }
  if (!o.public_url.empty()) {
    const bool scheme =
        o.public_url.rfind("https://", 0) == 0 || o.public_url.rfind("http://", 0) == 0;
    const std::size_t host = o.public_url.find("://") + 3;
    if (!scheme || o.public_url.size() > 200 || host >= o.public_url.size() ||
        o.public_url.find('/', host) != std::string::npos ||
        std::any_of(o.public_url.begin(), o.public_url.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '"' || c == '<' || c == '>';
        })) {
      return InvalidArgument(
          "mail.public_url: must be an origin such as https://book.example.com (no path)");
    }
  }
  if (o.lease.count() * 1000 <= o.timeout_ms || o.lease > Seconds(3600)) {
    return InvalidArgument("mail.lease: must be longer than timeout_ms and at most 1 hour");
  }
  rt->smtp.url = o.smtp_url;
  rt->smtp.tls = static_cast<delivery::SmtpConfig::Tls>(static_cast<int>(o.security));
  rt->smtp.username = o.username;
  rt->smtp.password = o.password;
  rt->smtp.ca_file = o.ca_file;
  rt->smtp.connect_timeout_ms = o.connect_timeout_ms;
  rt->smtp.timeout_ms = o.timeout_ms;
  if (!o.smtp_url.empty()) {
    // A configuration that cannot work is refused now, not at the first message.
    Status checked = delivery::check_smtp_config(rt->smtp);
    if (!checked.ok()) {
      std::string m = checked.message();
      if (m.rfind("smtp.", 0) == 0) m = "mail." + m.substr(5);
      return InvalidArgument(m);
    }
  }
  impl.mail = std::move(rt);
  return Status::Ok();
}

}  // namespace detail

namespace {

using detail::Actor;
using Json = nlohmann::ordered_json;

constexpr const char* kSettingsName = "mail";
constexpr const char* kCursorName = "mail.cursor";
constexpr const char* kRemindedName = "mail.reminded_until";
constexpr std::size_t kMaxTemplates = 50;
// Events one scheduling step reads for a tenant; a round takes up to kScheduleSteps.
constexpr int kSchedulePage = 200;
constexpr int kScheduleSteps = 10;
constexpr int kReminderPage = 500;

// ---- settings as stored (a JSON document per tenant) ------------------------------------

std::string settings_text(const MailSettings& s) {
  Json j;
  j["enabled"] = s.enabled;
  Json kinds = Json::array();
  for (MailKind k : s.kinds) kinds.push_back(mail_kind_name(k));
  j["kinds"] = std::move(kinds);
  j["from_name"] = s.from_name;
  j["reply_to"] = s.reply_to;
  j["locale"] = s.locale;
  j["time_zone"] = s.time_zone;
  j["reminder_lead"] = s.reminder_lead.count();
  Json templates = Json::array();
  for (const MailTemplate& t : s.templates) {
    templates.push_back({{"kind", mail_kind_name(t.kind)},
                         {"locale", t.locale},
                         {"subject", t.subject},
                         {"text", t.text},
                         {"html", t.html}});
  }
  j["templates"] = std::move(templates);
  j["updated_at"] = to_unix(s.updated_at);
  j["version"] = s.version;
  return j.dump();
}

Result<MailSettings> settings_from_text(const std::string& text, TenantId tenant) {
  MailSettings s;
  s.tenant = tenant;
  try {
    const Json j = Json::parse(text);
    s.enabled = j.at("enabled").get<bool>();
    s.kinds.clear();
    for (const auto& k : j.at("kinds")) {
      auto kind = parse_mail_kind(k.get<std::string>());
      if (!kind) return StorageError("stored mail settings name an unknown kind");
      s.kinds.push_back(*kind);
    }
    s.from_name = j.at("from_name").get<std::string>();
    s.reply_to = j.at("reply_to").get<std::string>();
    s.locale = j.at("locale").get<std::string>();
    s.time_zone = j.at("time_zone").get<std::string>();
    s.reminder_lead = Seconds(j.at("reminder_lead").get<std::int64_t>());
    for (const auto& t : j.at("templates")) {
      MailTemplate m;
      auto kind = parse_mail_kind(t.at("kind").get<std::string>());
      if (!kind) return StorageError("stored mail settings name an unknown kind");
      m.kind = *kind;
      m.locale = t.at("locale").get<std::string>();
      m.subject = t.at("subject").get<std::string>();
      m.text = t.at("text").get<std::string>();
      m.html = t.at("html").get<std::string>();
      s.templates.push_back(std::move(m));
    }
    s.updated_at = from_unix(j.at("updated_at").get<std::int64_t>());
    s.version = j.at("version").get<std::int64_t>();
  } catch (const std::exception& e) {
    return StorageError(std::string("stored mail settings are unreadable: ") + e.what());
  }
  return s;
}

Result<MailSettings> load_settings(StorageTransaction& txn, TenantId tenant) {
  BOKA_ASSIGN_OR_RETURN(auto text, txn.get_tenant_setting(tenant, kSettingsName));
  if (!text) {
    MailSettings defaults;
    defaults.tenant = tenant;
    return defaults;
  }
  return settings_from_text(*text, tenant);
}

Result<std::int64_t> load_number(StorageTransaction& txn, TenantId tenant, const char* name) {
  BOKA_ASSIGN_OR_RETURN(auto text, txn.get_tenant_setting(tenant, name));
  if (!text) return std::int64_t{0};
  try {
    return static_cast<std::int64_t>(std::stoll(*text));
  } catch (const std::exception&) {
    return StorageError(std::string("stored ") + name + " is not a number");
  }
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

// The language of a BCP 47 tag, lower-case ("pt-BR" -> "pt").
std::string language_of(std::string_view tag) {
  std::string out(tag.substr(0, tag.find_first_of("-_")));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Status check_settings(const MailSettings& s) {
  std::set<MailKind> kinds;
  for (std::size_t i = 0; i < s.kinds.size(); ++i) {
    if (static_cast<int>(s.kinds[i]) < 0 || static_cast<int>(s.kinds[i]) > 3) {
      return InvalidArgument("kinds[" + std::to_string(i) + "]: unknown kind");
    }
    if (!kinds.insert(s.kinds[i]).second) {
      return InvalidArgument("kinds[" + std::to_string(i) + "]: " + mail_kind_name(s.kinds[i]) +
                             " is listed twice");
    }
  }
  if (s.from_name.size() > 200 || has_line_break(s.from_name)) {
    return InvalidArgument("from_name: at most 200 bytes, on one line");
  }
  if (!s.reply_to.empty() && !detail::plain_address(s.reply_to)) {
    return InvalidArgument("reply_to: must be an address such as desk@example.com");
  }
  if (notify::find_locale(s.locale) == nullptr) {
    std::string supported;
    for (const std::string& l : notify::supported_locales()) {
      supported += (supported.empty() ? "" : ", ") + l;
    }
    return InvalidArgument("locale: boka cannot write \"" + s.locale + "\" (it writes " +
                           supported + ")");
  }
  if (!s.time_zone.empty()) {
    BOKA_RETURN_IF_ERROR(detail::Zone::locate(s.time_zone, "time_zone").status());
  }
  if (s.reminder_lead < Seconds(15 * 60) || s.reminder_lead > Seconds(30 * 86400)) {
    return InvalidArgument("reminder_lead: must be 15 minutes .. 30 days");
  }
  if (s.templates.size() > kMaxTemplates) return InvalidArgument("templates: at most 50");
  std::set<std::pair<MailKind, std::string>> seen;
  for (std::size_t i = 0; i < s.templates.size(); ++i) {
    const MailTemplate& t = s.templates[i];
    const std::string at = "templates[" + std::to_string(i) + "]";
    if (static_cast<int>(t.kind) < 0 || static_cast<int>(t.kind) > 3) {
      return InvalidArgument(at + ".kind: unknown kind");
    }
    if (!t.locale.empty() && notify::find_locale(t.locale) == nullptr) {
      return InvalidArgument(at + ".locale: boka cannot write \"" + t.locale + "\"");
    }
    if (!seen.insert({t.kind, language_of(t.locale)}).second) {
      return InvalidArgument(at + ": a second " + mail_kind_name(t.kind) + " template for \"" +
                             t.locale + "\"");
    }
    if (t.subject.empty()) return InvalidArgument(at + ".subject: must not be empty");
    if (t.text.empty()) return InvalidArgument(at + ".text: must not be empty");
    const auto& known = notify::message_variables();
    BOKA_RETURN_IF_ERROR(notify::Template::parse(t.subject, known, at + ".subject").status());
    BOKA_RETURN_IF_ERROR(notify::Template::parse(t.text, known, at + ".text").status());
    if (!t.html.empty()) {
      BOKA_RETURN_IF_ERROR(notify::Template::parse(t.html, known, at + ".html").status());
    }
  }
  return Status::Ok();
}

bool kind_on(const MailSettings& s, MailKind k) {
  return std::find(s.kinds.begin(), s.kinds.end(), k) != s.kinds.end();
}

notify::MessageKind message_kind(MailKind k) {
  return static_cast<notify::MessageKind>(static_cast<int>(k));
}

// ---- rendering ----------------------------------------------------------------------------

struct Rendered {
  EmailContent content;
  std::string locale;
  std::string zone;
  std::optional<CustomerId> customer;
};

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  if (s.size() > 900) {
    std::size_t cut = 900;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

// The message of `kind` about `r` for its customer; nullopt when it has no customer record
// with an email address. `previous_start` and `reason` fill those values.
Result<std::optional<Rendered>> render(EngineImpl& impl, StorageTransaction& txn,
                                       const MailSettings& settings, MailKind kind, Reservation r,
                                       std::optional<Instant> previous_start) {
  const TenantId tenant = r.tenant;
  if (!r.customer_id) return std::optional<Rendered>();
  BOKA_ASSIGN_OR_RETURN(auto customer, txn.find_customer(tenant, *r.customer_id));
  if (!customer || customer->email.empty() || customer->erased_at || customer->merged_into) {
    return std::optional<Rendered>();
  }
  BOKA_ASSIGN_OR_RETURN(auto tenant_row, txn.find_tenant(tenant));
  if (!tenant_row) return NotFound("tenant " + std::to_string(tenant) + " not found");
  if (r.zone.empty()) BOKA_RETURN_IF_ERROR(EngineImpl::fill_zone(txn, tenant, r));

  Rendered out;
  out.customer = customer->id;
  const notify::Locale* locale = notify::find_locale(customer->locale);
  if (locale == nullptr) locale = notify::find_locale(settings.locale);
  if (locale == nullptr) locale = notify::find_locale("en");
  out.locale = locale->tag;
  out.zone = !customer->time_zone.empty()  ? customer->time_zone
             : !settings.time_zone.empty() ? settings.time_zone
                                           : r.zone;

  std::string service_name;
  if (r.service) {
    BOKA_ASSIGN_OR_RETURN(auto service, txn.find_service(tenant, *r.service));
    if (service) service_name = service->name;
  }
  std::string resources;
  for (const Allocation& a : r.allocations) {
    BOKA_ASSIGN_OR_RETURN(auto res, txn.find_resource(tenant, a.resource));
    if (!res) continue;
    resources += (resources.empty() ? "" : ", ") + res->name;
  }

  BOKA_ASSIGN_OR_RETURN(auto start, notify::format_instant(r.start, out.zone, *locale));
  BOKA_ASSIGN_OR_RETURN(auto end, notify::format_instant(r.end, out.zone, *locale));
  std::map<std::string, std::string> values = {
      {"tenant.name", tenant_row->name},
      {"customer.name", customer->display_name},
      {"customer.email", customer->email},
      {"service.name", service_name},
      {"resources", resources},
      {"start.date", start.date},
      {"start.time", start.time},
      {"start.date_time", start.date_time},
      {"end.time", end.time},
      {"end.date_time", end.date_time},
      {"zone", out.zone},
      {"zone.abbrev", start.zone_abbrev},
      {"duration", notify::format_duration(r.end - r.start, *locale)},
      {"price", r.price_minor ? notify::format_money(*r.price_minor, r.currency, *locale) : ""},
      {"notes", r.notes},
      {"reservation.id", std::to_string(r.id)},
      {"status", status_name(r.status)},
      {"previous.date_time", ""},
      {"reason", ""},
      {"manage_url", ""},
  };
  if (!impl.mail->options.public_url.empty()) {
    BOKA_ASSIGN_OR_RETURN(auto token, detail::manage_token_in(impl, txn, tenant, r.id));
    if (token) values["manage_url"] = impl.mail->options.public_url + "/manage/" + *token;
  }
  if (previous_start) {
    BOKA_ASSIGN_OR_RETURN(auto before, notify::format_instant(*previous_start, out.zone, *locale));
    values["previous.date_time"] = before.date_time;
  }

  // The tenant's template in the customer's language, else its language-neutral one, else
  // boka's own in the customer's language.
  const MailTemplate* chosen = nullptr;
  const std::string language = language_of(locale->tag);
  for (const MailTemplate& t : settings.templates) {
    if (t.kind != kind) continue;
    if (!t.locale.empty() && language_of(t.locale) == language) {
      chosen = &t;
      break;
    }
    if (t.locale.empty() && chosen == nullptr) chosen = &t;
  }
  notify::TemplateTexts texts;
  if (chosen != nullptr) {
    texts = {chosen->subject, chosen->text, chosen->html};
  } else {
    texts = notify::default_templates(message_kind(kind), *locale);
  }
  const auto& known = notify::message_variables();
  BOKA_ASSIGN_OR_RETURN(auto subject, notify::Template::parse(texts.subject, known, "subject"));
  BOKA_ASSIGN_OR_RETURN(auto text, notify::Template::parse(texts.text, known, "text"));
  out.content.to = customer->email;
  out.content.subject = one_line(subject.render(values, notify::Template::Escape::none));
  if (out.content.subject.empty()) out.content.subject = mail_kind_name(kind);
  out.content.text = text.render(values, notify::Template::Escape::none);
  if (!texts.html.empty()) {
    BOKA_ASSIGN_OR_RETURN(auto html, notify::Template::parse(texts.html, known, "html"));
    out.content.html = html.render(values, notify::Template::Escape::html);
  }

  // The booking as a calendar entry, under the UID its calendar feeds give it, so a client
  // that has both keeps one entry.
  ical::Calendar cal;
  ical::Event e;
  // PUBLISH (RFC 5546) needs an ORGANIZER: the tenant, at the address replies go to. Without
  // one (a preview on an engine with no mail configured) the file is a plain calendar.
  const std::string organizer =
      !settings.reply_to.empty() ? settings.reply_to : impl.mail->options.from_address;
  if (!organizer.empty()) {
    cal.method = ical::Method::publish;
    e.organizer = ical::CalendarUser{organizer, tenant_row->name};
  }
  e.uid = detail::reservation_uid(r.id, tenant);
  e.dtstamp = impl.clock->now();
  e.created = r.created_at;
  e.last_modified = r.updated_at;
  e.start = r.start;
  e.end = r.end;
  e.zone = out.zone;
  e.sequence = static_cast<int>(std::max<std::int64_t>(0, r.version - 1));
  e.status = kind == MailKind::cancellation || r.status == ReservationStatus::cancelled ||
                     r.status == ReservationStatus::expired
                 ? ical::EventStatus::cancelled
                 : ical::EventStatus::confirmed;
  e.summary = service_name.empty() ? resources : service_name;
  if (e.summary.empty()) e.summary = tenant_row->name;
  e.location = resources;
  e.description = tenant_row->name;
  cal.events.push_back(std::move(e));
  BOKA_ASSIGN_OR_RETURN(out.content.ics, ical::write_calendar(cal));
  return std::optional<Rendered>(std::move(out));
}

std::string message_id_for(const detail::MailRuntime& rt, TenantId tenant, const std::string& key) {
  std::string left = "boka." + std::to_string(tenant) + "." + key;
  for (char& c : left) {
    if (c == ':') c = '.';
  }
  return "<" + left + "@" + (rt.from_domain.empty() ? "boka.invalid" : rt.from_domain) + ">";
}

// Writes the message (once: a second write of the same key is a no-op). Returns whether it
// was written.
Result<bool> write_message(EngineImpl& impl, StorageTransaction& txn, const MailSettings& settings,
                           MailKind kind, const Reservation& r, std::optional<Instant> previous,
                           std::optional<EventId> event, const std::string& key) {
  BOKA_ASSIGN_OR_RETURN(auto rendered, render(impl, txn, settings, kind, r, previous));
  if (!rendered) return false;
  StoredEmail row;
  Email& e = row.email;
  e.tenant = r.tenant;
  e.kind = kind;
  e.reservation = r.id;
  e.customer = rendered->customer;
  e.event = event;
  e.to = rendered->content.to;
  e.subject = rendered->content.subject;
  e.locale = rendered->locale;
  e.time_zone = rendered->zone;
  e.message_id = message_id_for(*impl.mail, r.tenant, key);
  e.status = EmailStatus::pending;
  e.next_attempt_at = e.created_at = impl.clock->now();
  row.dedupe_key = key;
  row.text = std::move(rendered->content.text);
  row.html = std::move(rendered->content.html);
  row.ics = std::move(rendered->content.ics);
  BOKA_ASSIGN_OR_RETURN(auto id, txn.insert_email(row));
  return id.has_value();
}

std::optional<Instant> payload_time(const std::string& payload, const char* object,
                                    const char* field) {
  try {
    const Json j = Json::parse(payload);
    if (!j.contains(object) || !j.at(object).contains(field)) return std::nullopt;
    return codec::parse_time(j.at(object).at(field).get<std::string>(), field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string payload_string(const std::string& payload, const char* object, const char* field) {
  try {
    const Json j = Json::parse(payload);
    if (!j.contains(object) || !j.at(object).contains(field)) return {};
    return j.at(object).at(field).get<std::string>();
  } catch (const std::exception&) {
    return {};
  }
}

// The id in an event's subject ("reservation:42"); nullopt for anything else.
std::optional<std::int64_t> subject_id(std::string_view subject) {
  const auto colon = subject.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::int64_t id = 0;
  const char* first = subject.data() + colon + 1;
  const char* last = subject.data() + subject.size();
  auto [end, ec] = std::from_chars(first, last, id);
  if (ec != std::errc() || end != last || id <= 0) return std::nullopt;
  return id;
}

// Writes the messages of the tenant's events after its cursor; returns how many.
Result<int> schedule_events(EngineImpl& impl, TenantId tenant) {
  int written = 0;
  for (int step = 0; step < kScheduleSteps; ++step) {
    bool more = false;
    WriteIntent intent(TxnScope::tenant(tenant));
    // Two workers never schedule one tenant at once.
    intent.lock_names = {"mail:" + std::to_string(tenant)};
    BOKA_RETURN_IF_ERROR(impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto settings, load_settings(txn, tenant));
      if (!settings.enabled) return Status::Ok();
      BOKA_ASSIGN_OR_RETURN(std::int64_t cursor, load_number(txn, tenant, kCursorName));
      EventQuery q;
      q.after = cursor;
      q.limit = kSchedulePage;
      q.types = {"reservation.created", "reservation.confirmed", "reservation.cancelled",
                 "reservation.rescheduled", "reservation.updated"};
      BOKA_ASSIGN_OR_RETURN(auto events, txn.list_events(tenant, q));
      std::int64_t next = cursor;
      if (static_cast<int>(events.size()) == q.limit) {
        more = true;
        next = events.back().position;
      } else {
        BOKA_ASSIGN_OR_RETURN(std::int64_t head, txn.event_head(tenant));
        next = std::max(next, head);
      }
      for (const Event& ev : events) {
        const auto id = subject_id(ev.subject);
        if (!id) continue;
        BOKA_ASSIGN_OR_RETURN(auto row, txn.find_reservation(tenant, ReservationId(*id)));
        if (!row || !row->customer_id) continue;
        // Occurrences of a series are not mailed one by one (docs/mail.md); their reminders
        // are.
        if (row->series) continue;
        Reservation r = *row;
        std::optional<Instant> previous;
        MailKind kind = MailKind::confirmation;
        if (ev.type == "reservation.cancelled") {
          kind = MailKind::cancellation;
          // Only a customer who was told of the booking hears of its end: a hold never
          // confirmed (a declined waitlist offer, an unpaid booking) gets no cancellation.
          EmailFilter told;
          told.reservation = r.id;
          told.kind = MailKind::confirmation;
          told.limit = 1;
          BOKA_ASSIGN_OR_RETURN(auto confirmations, txn.list_emails(tenant, told));
          if (confirmations.empty()) continue;
        } else if (ev.type == "reservation.rescheduled" || ev.type == "reservation.updated") {
          // An edit that moved it carries "previous"; other edits are not news.
          previous = payload_time(ev.payload_json, "previous", "start");
          if (!previous) continue;
          if (r.status != ReservationStatus::confirmed) continue;
          kind = MailKind::reschedule;
        } else if (ev.type == "reservation.created" &&
                   payload_string(ev.payload_json, "reservation", "status") != "confirmed") {
          continue;  // booked as a hold: mailed when confirmed
        }
        // The times of the event, not of a later change.
        if (auto s = payload_time(ev.payload_json, "reservation", "start")) r.start = *s;
        if (auto e = payload_time(ev.payload_json, "reservation", "end")) r.end = *e;
        if (kind == MailKind::confirmation) r.status = ReservationStatus::confirmed;
        if (!kind_on(settings, kind)) continue;
        BOKA_ASSIGN_OR_RETURN(bool made, write_message(impl, txn, settings, kind, r, previous,
                                                       ev.id, "event:" + std::to_string(ev.id)));
        if (made) ++written;
      }
      if (next == cursor) return Status::Ok();
      return txn.put_tenant_setting(tenant, kCursorName, std::to_string(next));
    }));
    if (!more) break;
  }
  return written;
}

// Writes the reminders of the tenant's confirmed bookings that start within the lead time
// and were not reminded of yet; returns how many.
Result<int> schedule_reminders(EngineImpl& impl, TenantId tenant) {
  int written = 0;
  WriteIntent intent(TxnScope::tenant(tenant));
  intent.lock_names = {"mail:" + std::to_string(tenant)};
  BOKA_RETURN_IF_ERROR(impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
    written = 0;
    BOKA_ASSIGN_OR_RETURN(auto settings, load_settings(txn, tenant));
    if (!settings.enabled || !kind_on(settings, MailKind::reminder)) return Status::Ok();
    const Instant now = impl.clock->now();
    BOKA_ASSIGN_OR_RETURN(std::int64_t reminded, load_number(txn, tenant, kRemindedName));
    // Bookings starting in (from, to]: from is where the last round stopped (never before
    // now: a booking already started gets no reminder).
    const Instant from = std::max(from_unix(reminded), now);
    const Instant to = now + settings.reminder_lead;
    if (!(from < to)) return Status::Ok();
    ReservationFilter f;
    f.statuses = {ReservationStatus::confirmed};
    f.from = from;
    f.to = to + Seconds(1);
    f.order = ReservationOrder::by_start;
    f.limit = kReminderPage;
    for (;;) {
      BOKA_ASSIGN_OR_RETURN(auto page, txn.list_reservations(tenant, f));
      for (const Reservation& r : page) {
        if (!(r.start > from) || r.start > to || !r.customer_id) continue;
        BOKA_ASSIGN_OR_RETURN(bool made, write_message(impl, txn, settings, MailKind::reminder, r,
                                                       std::nullopt, std::nullopt,
                                                       "reminder:" + std::to_string(r.id) + ":" +
                                                           std::to_string(to_unix(r.start))));
        if (made) ++written;
      }
      if (static_cast<int>(page.size()) < f.limit) break;
      f.after_id = page.back().id;
      f.after_start = page.back().start;
    }
    return txn.put_tenant_setting(tenant, kRemindedName, std::to_string(to_unix(to)));
  }));
  return written;
}

detail::AuditEntry settings_entry(TenantId tenant, const MailSettings& s, const char* action) {
  detail::AuditEntry a;
  a.tenant = tenant;
  a.action = action;
  a.target = "mail:" + std::to_string(tenant);
  Json kinds = Json::array();
  for (MailKind k : s.kinds) kinds.push_back(mail_kind_name(k));
  detail::JsonObject d;
  d.add("enabled", s.enabled)
      .add("kinds", std::move(kinds))
      .add("templates", static_cast<std::int64_t>(s.templates.size()))
      .add("version", s.version);
  a.detail_json = d.str();
  return a;
}

}  // namespace

// ---- settings ---------------------------------------------------------------------------------

Result<MailSettings> Mail::settings(const Principal& who, TenantId tenant) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::mail_manage).status());
  MailSettings out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, load_settings(txn, tenant));
        return Status::Ok();
      }));
  return out;
}

Result<MailSettings> Mail::update_settings(const Principal& who, TenantId tenant,
                                           const MailSettings& wanted) {
  return impl_->refusal_audited(
      who, tenant, "mail.settings", "mail:" + std::to_string(tenant),
      [&]() -> Result<MailSettings> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::mail_manage));
        BOKA_RETURN_IF_ERROR(check_settings(wanted));
        BOKA_RETURN_IF_ERROR(impl_->position_events());
        MailSettings out;
        WriteIntent intent(TxnScope::tenant(tenant));
        intent.lock_names = {"mail:" + std::to_string(tenant)};
        BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
          BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
          BOKA_ASSIGN_OR_RETURN(auto cur, load_settings(txn, tenant));
          if (cur.version != wanted.version) {
            return detail::stale("mail settings", static_cast<std::int64_t>(tenant), wanted.version,
                                 cur.version);
          }
          out = wanted;
          out.tenant = tenant;
          out.updated_at = impl_->clock->now();
          out.version = cur.version + 1;
          if (cur.enabled && out.enabled && out.reminder_lead < cur.reminder_lead) {
            // A shorter lead: reminders are written up to now + the new lead, so the
            // watermark comes back to it (bookings already reminded keep their key).
            BOKA_ASSIGN_OR_RETURN(std::int64_t reminded, load_number(txn, tenant, kRemindedName));
            const std::int64_t limit = to_unix(out.updated_at + out.reminder_lead);
            if (reminded > limit) {
              BOKA_RETURN_IF_ERROR(
                  txn.put_tenant_setting(tenant, kRemindedName, std::to_string(limit)));
            }
          }
          if (out.enabled && !cur.enabled) {
            // Mail starts now: changes made before are not mailed, and reminders start with
            // the bookings due within the lead from now.
            BOKA_ASSIGN_OR_RETURN(std::int64_t head, txn.event_head(tenant));
            BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kCursorName, std::to_string(head)));
            BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kRemindedName,
                                                        std::to_string(to_unix(out.updated_at))));
          }
          BOKA_RETURN_IF_ERROR(txn.put_tenant_setting(tenant, kSettingsName, settings_text(out)));
          return impl_->audit(txn, actor, settings_entry(tenant, out, "mail.settings"));
        }));
        return out;
      });
}

Result<EmailContent> Mail::preview(const Principal& who, TenantId tenant, MailKind kind,
                                   ReservationId reservation,
                                   const std::optional<MailSettings>& settings) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::mail_manage).status());
  if (settings) BOKA_RETURN_IF_ERROR(check_settings(*settings));
  EmailContent out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(auto row, txn.find_reservation(tenant, reservation));
        if (!row) return NotFound("reservation " + std::to_string(reservation) + " not found");
        MailSettings s;
        if (settings) {
          s = *settings;
        } else {
          BOKA_ASSIGN_OR_RETURN(s, load_settings(txn, tenant));
        }
        Reservation r = EngineImpl::with_derived_status(*row, impl_->now());
        BOKA_ASSIGN_OR_RETURN(
            auto rendered,
            render(*impl_, txn, s, kind, r,
                   kind == MailKind::reschedule ? std::optional<Instant>(r.start) : std::nullopt));
        if (!rendered) {
          return ConflictError("reservation " + std::to_string(reservation) +
                               " has no customer record with an email address");
        }
        out = std::move(rendered->content);
        return Status::Ok();
      }));
  return out;
}

Result<std::vector<Email>> Mail::list(const Principal& who, TenantId tenant,
                                      const EmailFilter& filter) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::mail_manage).status());
  if (filter.limit < 1 || filter.limit > 1000) return InvalidArgument("limit: must be 1..1000");
  std::vector<Email> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        BOKA_ASSIGN_OR_RETURN(out, txn.list_emails(tenant, filter));
        return Status::Ok();
      }));
  return out;
}

namespace {
Result<StoredEmail> read_email(EngineImpl& impl, TenantId tenant, EmailId id) {
  std::optional<StoredEmail> found;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(found, txn.find_email(tenant, id));
        return Status::Ok();
      }));
  if (!found) return NotFound("email " + std::to_string(id) + " not found");
  return std::move(*found);
}
}  // namespace

Result<Email> Mail::get(const Principal& who, TenantId tenant, EmailId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::mail_manage).status());
  BOKA_ASSIGN_OR_RETURN(auto row, read_email(*impl_, tenant, id));
  return row.email;
}

Result<EmailContent> Mail::content(const Principal& who, TenantId tenant, EmailId id) {
  BOKA_RETURN_IF_ERROR(impl_->authorize(who, tenant, Permission::mail_manage).status());
  BOKA_ASSIGN_OR_RETURN(auto row, read_email(*impl_, tenant, id));
  return EmailContent{row.email.to, row.email.subject, row.text, row.html, row.ics};
}

Result<Email> Mail::retry(const Principal& who, TenantId tenant, EmailId id) {
  return impl_->refusal_audited(
      who, tenant, "mail.retry", "email:" + std::to_string(id), [&]() -> Result<Email> {
        BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::mail_manage));
        Email out;
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_email(tenant, id));
              if (!cur) return NotFound("email " + std::to_string(id) + " not found");
              Email e = cur->email;
              if (e.status != EmailStatus::dead && e.status != EmailStatus::skipped) {
                return ConflictError("email " + std::to_string(id) + " is " +
                                     email_status_name(e.status) +
                                     ": only a dead or skipped one is retried");
              }
              if (e.to.empty()) {
                return ConflictError("email " + std::to_string(id) +
                                     " was erased with its customer");
              }
              e.status = EmailStatus::pending;
              e.attempts = 0;
              e.next_attempt_at = impl_->clock->now();
              e.leased_until.reset();
              e.last_error.clear();
              BOKA_RETURN_IF_ERROR(txn.update_email(e));
              detail::AuditEntry a;
              a.tenant = tenant;
              a.action = "mail.retry";
              a.target = "email:" + std::to_string(id);
              a.detail_json = detail::JsonObject().add("kind", mail_kind_name(e.kind)).str();
              BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor, std::move(a)));
              out = e;
              return Status::Ok();
            }));
        return out;
      });
}

// ---- the worker's round -------------------------------------------------------------------------

Result<MailRound> Mail::send(const Principal& who, int limit) {
  BOKA_RETURN_IF_ERROR(impl_->authorize_global(who, Permission::system_operations).status());
  if (limit < 1 || limit > 10000) return InvalidArgument("limit: must be 1..10000");
  const detail::MailRuntime& rt = *impl_->mail;
  if (rt.options.smtp_url.empty()) {
    return NotSupported("mail is not configured: set MailOptions::smtp_url");
  }
  MailRound round;
  if (impl_->read_only->on.load(std::memory_order_relaxed)) return round;
  BOKA_RETURN_IF_ERROR(impl_->position_events());

  // 1. Write: every tenant with mail on gets the messages of its new events and its due
  // reminders.
  std::vector<TenantId> tenants;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(tenants, txn.tenants_with_setting(kSettingsName));
        return Status::Ok();
      }));
  for (TenantId t : tenants) {
    // One tenant's trouble (a store error, data boka cannot render) must not hold up the
    // others' mail: it is counted, and the tenant is tried again next round.
    for (auto* step : {&schedule_events, &schedule_reminders}) {
      auto made = (*step)(*impl_, t);
      if (made.ok()) {
        round.written += *made;
      } else {
        ++round.failed_tenants;
        round.last_error = "tenant " + std::to_string(t) + ": " + made.status().message();
        break;
      }
    }
  }

  // 2. Submit the due messages, each leased first.
  std::vector<Email> due;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::all_tenants(), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(due, txn.due_emails(impl_->clock->now(), limit));
        return Status::Ok();
      }));
  for (const Email& candidate : due) {
    const Instant leased_at = impl_->clock->now();
    const Instant lease_until = leased_at + rt.options.lease;
    bool mine = false;
    std::optional<StoredEmail> row;
    std::string skip_reason;
    std::string from_name;
    std::string reply_to;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(candidate.tenant)), [&](StorageTransaction& txn) -> Status {
          skip_reason.clear();
          BOKA_ASSIGN_OR_RETURN(mine, txn.lease_email(candidate.id, leased_at, lease_until));
          if (!mine) return Status::Ok();
          BOKA_ASSIGN_OR_RETURN(row, txn.find_email(candidate.tenant, candidate.id));
          if (!row) return Status::Ok();
          BOKA_ASSIGN_OR_RETURN(auto settings, load_settings(txn, candidate.tenant));
          BOKA_ASSIGN_OR_RETURN(auto tenant_row, txn.find_tenant(candidate.tenant));
          from_name = !settings.from_name.empty() ? settings.from_name
                      : tenant_row                ? tenant_row->name
                                                  : std::string();
          reply_to = settings.reply_to;
          if (!settings.enabled || !kind_on(settings, row->email.kind)) {
            skip_reason = "mail was turned off for this kind";
          } else if (row->email.to.empty()) {
            skip_reason = "erased with its customer";
          } else if (row->email.kind == MailKind::reminder) {
            // A reminder is true only while the booking stands as it was.
            BOKA_ASSIGN_OR_RETURN(auto r,
                                  txn.find_reservation(candidate.tenant, row->email.reservation));
            const std::string key = "reminder:" + std::to_string(row->email.reservation) + ":";
            if (!r || r->status != ReservationStatus::confirmed ||
                row->dedupe_key != key + std::to_string(to_unix(r->start))) {
              skip_reason = "the booking was cancelled or moved";
            }
          } else if (row->email.kind != MailKind::cancellation) {
            // A confirmation or reschedule that waited (a retry) must not arrive after news
            // that overtook it: not once the booking is cancelled, nor after a later
            // message about it went out.
            BOKA_ASSIGN_OR_RETURN(auto r,
                                  txn.find_reservation(candidate.tenant, row->email.reservation));
            if (!r || r->status == ReservationStatus::cancelled ||
                r->status == ReservationStatus::expired) {
              skip_reason = "the booking was cancelled since";
            } else {
              EmailFilter later;
              later.reservation = row->email.reservation;
              later.status = EmailStatus::sent;
              later.limit = 1;
              BOKA_ASSIGN_OR_RETURN(auto newest, txn.list_emails(candidate.tenant, later));
              if (!newest.empty() && newest.front().id > row->email.id) {
                skip_reason = "a later message about the booking went out first";
              }
            }
          }
          return Status::Ok();
        }));
    if (!mine || !row) continue;

    delivery::MailOutcome outcome;
    std::string error;
    bool message_fault = false;
    if (skip_reason.empty()) {
      delivery::MailMessage m;
      // A display name is quoted so any character may appear in it.
      std::string name;
      for (char c : from_name) {
        if (c == '"' || c == '\\') name += '\\';
        name += c;
      }
      m.from = name.empty() ? rt.options.from_address
                            : "\"" + name + "\" <" + rt.options.from_address + ">";
      m.to = {row->email.to};
      m.subject = row->email.subject;
      m.text = row->text;
      m.html = row->html;
      m.message_id = row->email.message_id;
      if (!row->ics.empty()) {
        const bool publish = row->ics.find("\r\nMETHOD:PUBLISH\r\n") != std::string::npos;
        m.attachments.push_back({"booking.ics",
                                 publish ? "text/calendar; method=PUBLISH; charset=UTF-8"
                                         : "text/calendar; charset=UTF-8",
                                 row->ics});
      }
      if (!reply_to.empty()) m.extra_headers.emplace_back("Reply-To", reply_to);
      // RFC 3834: an automatic message; auto-responders should not answer it.
      m.extra_headers.emplace_back("Auto-Submitted", "auto-generated");
      auto sent = delivery::send_mail(rt.smtp, m);
      if (!sent.ok()) {
        // A message that cannot be built (the configuration was checked at open): it will
        // not get better.
        outcome.kind = delivery::MailOutcome::Kind::permanent;
        message_fault = true;
        error = sent.status().message();
      } else {
        outcome = *sent;
        error = outcome.error;
      }
    }
    if (skip_reason.empty()) ++round.attempted;
    // Refused for the configuration (authentication, TLS; curl gives no SMTP code then, or
    // an authentication code): every other message would meet the same answer, so this one
    // is retried on its schedule and the round stops, spending nobody else's attempts.
    const bool server_level =
        skip_reason.empty() && !message_fault &&
        outcome.kind == delivery::MailOutcome::Kind::permanent &&
        (outcome.smtp_code == 0 || outcome.smtp_code == 530 || outcome.smtp_code == 534 ||
         outcome.smtp_code == 535 || outcome.smtp_code == 538);

    std::optional<EmailStatus> became;
    BOKA_RETURN_IF_ERROR(impl_->storage->write(
        WriteIntent(TxnScope::tenant(candidate.tenant)), [&](StorageTransaction& txn) -> Status {
          became.reset();
          BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_email(candidate.tenant, candidate.id));
          // Only while it is still ours: if the lease lapsed (a slow store, a clock ahead)
          // and another worker took it, that worker's record stands.
          if (!cur || cur->email.status != EmailStatus::pending ||
              cur->email.leased_until != std::optional<Instant>(lease_until)) {
            return Status::Ok();
          }
          Email e = cur->email;
          const Instant now = impl_->clock->now();
          e.leased_until.reset();
          if (!skip_reason.empty()) {
            e.status = EmailStatus::skipped;
            e.last_error = skip_reason;
          } else {
            e.attempts += 1;
            e.last_smtp_code =
                outcome.smtp_code != 0 ? std::optional<int>(outcome.smtp_code) : std::nullopt;
            e.last_error = error;
            if (outcome.accepted()) {
              e.status = EmailStatus::sent;
              e.sent_at = now;
              e.last_error.clear();
            } else if ((outcome.kind == delivery::MailOutcome::Kind::permanent && !server_level) ||
                       e.attempts > static_cast<int>(rt.options.retry_schedule.size())) {
              e.status = EmailStatus::dead;
            } else {
              e.next_attempt_at =
                  now + detail::with_jitter(
                            rt.options.retry_schedule[static_cast<std::size_t>(e.attempts - 1)]);
            }
          }
          became = e.status;
          return txn.update_email(e);
        }));
    if (!became) continue;  // another worker's now
    switch (*became) {
      case EmailStatus::sent:
        ++round.sent;
        impl_->metrics->mail.sent->inc();
        break;
      case EmailStatus::dead:
        ++round.dead;
        impl_->metrics->mail.dead->inc();
        break;
      case EmailStatus::skipped:
        ++round.skipped;
        impl_->metrics->mail.skipped->inc();
        break;
      case EmailStatus::pending:
        ++round.failed;
        impl_->metrics->mail.failed->inc();
        break;
    }
    if (server_level) {
      round.server_refused = true;
      round.last_error = error;
      break;
    }
  }
  return round;
}

}  // namespace boka
