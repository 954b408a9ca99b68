// Customer mail through the engine (boka/mail.hpp) against a real SMTP server (aiosmtpd,
// tests/support/smtp_sink.py, which parses every message with Python's `email` package):
// a confirmation arrives in the customer's language with dates in the customer's zone and
// the booking attached as iCalendar; nothing is sent twice, not even by a second engine on
// the same database (a restarted worker); reschedules, cancellations and reminders, with a
// reminder of a since-cancelled booking skipped; 4xx answers are retried on the schedule,
// 5xx answers end a message; bad settings are refused naming the field; an erased
// customer's messages lose their content. On a SQLite file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "support.hpp"
#include "support/smtp_sink.hpp"

using namespace boka;
using namespace boka::test;
using nlohmann::json;

namespace {

constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

struct Desk {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  TenantId tenant{};
  ResourceId chair{};
  ServiceId cut{};
  CustomerId ana{};

  Desk(const std::string& uri, const std::string& smtp_url,
       std::shared_ptr<ManualClock> shared_clock = nullptr, bool create = true) {
    clock = shared_clock ? shared_clock : std::make_shared<ManualClock>(utc(2026, 12, 1, 9));
    engine = Engine::open(uri, options(smtp_url)).value();
    if (!create) {
      tenant = TenantId{1};
      chair = ResourceId{1};
      cut = ServiceId{1};
      ana = CustomerId{1};
      return;
    }
    tenant = engine->create_tenant(sys(), Tenant{TenantId{}, "Salon Lindenhof"}).value().id;
    Resource r;
    r.name = "Chair 1";
    r.zone = "Europe/Berlin";
    chair = engine->create_resource(sys(), tenant, r).value().id;
    Service s;
    s.name = "Haarschnitt";
    s.duration = Seconds(3600);
    s.allocations = {AllocationRequest::of_resource(chair)};
    s.price_minor = 4250;
    s.currency = "EUR";
    cut = engine->services().create(sys(), tenant, s).value().id;
    Customer c;
    c.display_name = "Ana Lima";
    c.email = "ana@example.test";
    c.locale = "de-AT";
    c.time_zone = "America/New_York";
    ana = engine->customers().create(sys(), tenant, c).value().id;
  }

  EngineOptions options(const std::string& smtp_url) {
    EngineOptions o;
    o.clock = clock;
    o.auth.encryption_key = kKeyHex;
    o.mail.smtp_url = smtp_url;
    o.mail.security = MailOptions::Security::none;
    o.mail.from_address = "bookings@boka.test";
    o.mail.timeout_ms = 10000;
    o.mail.retry_schedule = {Seconds(60), Seconds(600)};
    return o;
  }

  MailSettings enable(Seconds lead = Seconds(86400)) {
    MailSettings s = engine->mail().settings(sys(), tenant).value();
    s.enabled = true;
    s.reminder_lead = lead;
    s.reply_to = "desk@lindenhof.test";
    return engine->mail().update_settings(sys(), tenant, s).value();
  }

  // Mail on for reminders only, `lead` ahead.
  MailSettings remind_only(Seconds lead) {
    MailSettings s = engine->mail().settings(sys(), tenant).value();
    s.enabled = true;
    s.kinds = {MailKind::reminder};
    s.reminder_lead = lead;
    return engine->mail().update_settings(sys(), tenant, s).value();
  }

  Reservation book(Instant start, std::optional<CustomerId> who = std::nullopt,
                   std::optional<Seconds> hold = std::nullopt) {
    ReserveRequest req;
    req.service = cut;
    req.start = start;
    req.customer_id = who ? who : std::optional<CustomerId>(ana);
    req.hold_for = hold;
    return engine->reserve(sys(), tenant, req).value();
  }

  MailRound send() {
    auto r = engine->mail().send(sys());
    INFO(r.status().to_string());
    REQUIRE(r.ok());
    return *r;
  }

  std::vector<Email> messages() {
    return engine->mail().list(sys(), tenant, EmailFilter{}).value();
  }
};

std::string header(const json& record, const std::string& name) {
  for (const json& h : record["message"]["headers"]) {
    if (h[0] == name) return h[1];
  }
  return "";
}

const json* part(const json& record, const std::string& type) {
  for (const json& p : record["message"]["parts"]) {
    if (p["content_type"] == type) return &p;
  }
  return nullptr;
}

std::string text_of(const json& record, const std::string& type) {
  const json* p = part(record, type);
  REQUIRE(p != nullptr);
  return (*p)["text"].get<std::string>();
}

}  // namespace

TEST_CASE("mail: a confirmation arrives in the customer's language and zone, with the .ics") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.enable();
  // Tuesday 8 December 2026, 14:00 in Berlin = 08:00 in New York (EST).
  const Reservation r = desk.book(utc(2026, 12, 8, 13));

  const MailRound round = desk.send();
  CHECK(round.written == 1);
  CHECK(round.sent == 1);
  REQUIRE(sink.accepted() == 1);
  const json rec = sink.record(1);
  CHECK(rec["mail_from"] == "bookings@boka.test");
  CHECK(rec["rcpt_tos"] == json::array({"ana@example.test"}));
  CHECK(header(rec, "From") == "Salon Lindenhof <bookings@boka.test>");
  CHECK(header(rec, "To") == "ana@example.test");
  CHECK(header(rec, "Reply-To") == "desk@lindenhof.test");
  CHECK(header(rec, "Auto-Submitted") == "auto-generated");
  const std::string subject = header(rec, "Subject");
  INFO("subject: " << subject);
  CHECK(subject.find("Haarschnitt") != std::string::npos);
  CHECK(subject.find("Dienstag, 8. Dezember 2026") != std::string::npos);

  const std::string text = text_of(rec, "text/plain");
  INFO(text);
  // The customer's zone, not the salon's: 08:00 EST.
  CHECK(text.find("08:00") != std::string::npos);
  CHECK(text.find("EST") != std::string::npos);
  CHECK(text.find("14:00") == std::string::npos);
  CHECK(text.find("Ana Lima") != std::string::npos);
  CHECK(text.find("42,50") != std::string::npos);  // the price, the German way
  CHECK(text_of(rec, "text/html").find("<html lang=\"de\"") != std::string::npos);

  const json* ics = part(rec, "text/calendar");
  REQUIRE(ics != nullptr);
  CHECK((*ics)["filename"] == "booking.ics");
  CHECK((*ics)["method"] == "PUBLISH");
  const std::string cal = (*ics)["text"];
  CHECK(cal.find("METHOD:PUBLISH") != std::string::npos);
  CHECK(cal.find("UID:boka-reservation-" + std::to_string(r.id) + "-t") != std::string::npos);
  CHECK(cal.find("DTSTART;TZID=America/New_York:20261208T080000") != std::string::npos);

  // The record: sent, its Message-ID the header's, the content kept.
  const auto list = desk.messages();
  REQUIRE(list.size() == 1);
  const Email& e = list.front();
  CHECK(e.kind == MailKind::confirmation);
  CHECK(e.status == EmailStatus::sent);
  CHECK(e.attempts == 1);
  CHECK(e.last_smtp_code == 250);
  CHECK(e.reservation == r.id);
  CHECK(e.customer == desk.ana);
  CHECK(e.locale == "de");
  CHECK(e.time_zone == "America/New_York");
  CHECK(header(rec, "Message-ID") == e.message_id);
  const EmailContent content = desk.engine->mail().content(sys(), desk.tenant, e.id).value();
  CHECK(content.text == text);
  CHECK(content.ics.find("BEGIN:VCALENDAR") == 0);
}

TEST_CASE("mail: nothing is sent twice, not by a second round nor by a restarted worker") {
  SmtpSink sink;
  TempDb db;
  auto clock = std::make_shared<ManualClock>(utc(2026, 12, 1, 9));
  {
    Desk desk(db.uri(), sink.url(), clock);
    desk.enable();
    desk.book(utc(2026, 12, 8, 13));
    desk.book(utc(2026, 12, 9, 13));
    CHECK(desk.send().sent == 2);
    CHECK(desk.send().attempted == 0);
  }
  // A new engine on the same file: the worker after a restart.
  Desk again(db.uri(), sink.url(), clock, false);
  const MailRound r = again.send();
  CHECK(r.written == 0);
  CHECK(r.attempted == 0);
  CHECK(sink.accepted() == 2);
  // The same message was not written twice either.
  CHECK(again.messages().size() == 2);
}

TEST_CASE("mail: holds wait for confirmation, reschedule and cancellation follow") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.enable();
  Reservation held = desk.book(utc(2026, 12, 8, 13), std::nullopt, Seconds(900));
  CHECK(desk.send().written == 0);  // a hold is not a booking yet
  // A hold withdrawn before it was confirmed ends without mail: nobody was told of it.
  const Reservation withdrawn = desk.book(utc(2026, 12, 8, 15), std::nullopt, Seconds(900));
  REQUIRE(desk.engine->cancel(sys(), desk.tenant, withdrawn.id).ok());
  CHECK(desk.send().written == 0);

  held = desk.engine->confirm(sys(), desk.tenant, held.id).value();
  CHECK(desk.send().sent == 1);
  CHECK(header(sink.record(1), "Subject").find("Dienstag") != std::string::npos);

  auto moved = desk.engine->reschedule(sys(), desk.tenant, held.id, utc(2026, 12, 10, 13),
                                       utc(2026, 12, 10, 14));
  REQUIRE(moved.ok());
  CHECK(desk.send().sent == 1);
  REQUIRE(sink.accepted() == 2);
  const std::string moved_text = text_of(sink.record(2), "text/plain");
  INFO(moved_text);
  CHECK(moved_text.find("Donnerstag, 10. Dezember 2026") != std::string::npos);  // the new time
  CHECK(moved_text.find("Dienstag, 8. Dezember 2026") != std::string::npos);     // the old one
  CHECK(desk.messages().front().kind == MailKind::reschedule);

  // An edit that moves it is a reschedule too.
  ReservationUpdate edit;
  edit.start = utc(2026, 12, 11, 13);
  REQUIRE(desk.engine->update_reservation(sys(), desk.tenant, held.id, edit).ok());
  ReservationUpdate notes_only;
  notes_only.notes = "bring the photo";
  REQUIRE(desk.engine->update_reservation(sys(), desk.tenant, held.id, notes_only).ok());
  CHECK(desk.send().sent == 1);  // the move, not the notes
  REQUIRE(sink.accepted() == 3);
  const std::string edited = text_of(sink.record(3), "text/plain");
  CHECK(edited.find("Freitag, 11. Dezember 2026") != std::string::npos);
  CHECK(edited.find("Donnerstag, 10. Dezember 2026") != std::string::npos);

  REQUIRE(desk.engine->cancel(sys(), desk.tenant, held.id).ok());
  CHECK(desk.send().sent == 1);
  REQUIRE(sink.accepted() == 4);
  const std::string cal = (*part(sink.record(4), "text/calendar"))["text"];
  CHECK(cal.find("STATUS:CANCELLED") != std::string::npos);
  CHECK(desk.messages().front().kind == MailKind::cancellation);
}

TEST_CASE("mail: a reminder goes out the lead time before, a cancelled booking's is skipped") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.remind_only(Seconds(86400));

  const Reservation kept = desk.book(utc(2026, 12, 5, 10));
  const Reservation dropped = desk.book(utc(2026, 12, 5, 12));
  CHECK(desk.send().written == 0);  // four days ahead: not yet

  desk.clock->set(utc(2026, 12, 4, 11));  // 23 h before the first, 25 h before the second
  MailRound r = desk.send();
  CHECK(r.written == 1);
  CHECK(r.sent == 1);
  CHECK(desk.messages().front().reservation == kept.id);
  CHECK(desk.messages().front().kind == MailKind::reminder);

  // The second booking is cancelled before its reminder is due: it gets none.
  REQUIRE(desk.engine->cancel(sys(), desk.tenant, dropped.id).ok());
  desk.clock->set(utc(2026, 12, 4, 12, 30));
  r = desk.send();
  CHECK(r.written == 0);
  CHECK(sink.accepted() == 1);
  // A later round does not remind of the first again.
  desk.clock->set(utc(2026, 12, 5, 9));
  CHECK(desk.send().written == 0);
  CHECK(sink.accepted() == 1);
}

TEST_CASE("mail: a shorter reminder lead takes effect at once") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  MailSettings s = desk.remind_only(Seconds(7 * 86400));
  CHECK(desk.send().written == 0);  // nothing booked: the week ahead is scanned
  s.reminder_lead = Seconds(86400);
  s = desk.engine->mail().update_settings(sys(), desk.tenant, s).value();
  // Booked after the change, three days ahead: reminded a day before, not never.
  const Reservation r = desk.book(utc(2026, 12, 4, 10));
  desk.clock->set(utc(2026, 12, 3, 11));
  const MailRound round = desk.send();
  CHECK(round.written == 1);
  CHECK(round.sent == 1);
  CHECK(desk.messages().front().reservation == r.id);
}

TEST_CASE("mail: a confirmation overtaken by its cancellation is not sent after it") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.enable();
  const Reservation r = desk.book(utc(2026, 12, 8, 13));
  {
    // The SMTP server is down for the confirmation's first attempt.
    Desk down(db.uri(), "smtp://127.0.0.1:1", desk.clock, false);
    CHECK(down.send().failed == 1);
  }
  REQUIRE(desk.engine->cancel(sys(), desk.tenant, r.id).ok());
  desk.clock->set(desk.clock->now() + Seconds(100));
  const MailRound round = desk.send();
  CHECK(round.sent == 1);     // the cancellation
  CHECK(round.skipped == 1);  // the confirmation, no longer true
  REQUIRE(sink.accepted() == 1);
  CHECK(header(sink.record(1), "Subject").find("Haarschnitt") != std::string::npos);
  EmailFilter f;
  f.kind = MailKind::confirmation;
  const auto confirmation = desk.engine->mail().list(sys(), desk.tenant, f).value();
  REQUIRE(confirmation.size() == 1);
  CHECK(confirmation.front().status == EmailStatus::skipped);
  CHECK(confirmation.front().last_error.find("cancelled") != std::string::npos);
}

TEST_CASE("mail: a reminder written for a booking that then moves is skipped") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.remind_only(Seconds(86400));
  const Reservation r = desk.book(utc(2026, 12, 2, 8));  // within the lead already

  // The round writes the reminder; the SMTP server is down for this first attempt (4xx is
  // retried), so it is still pending when the booking moves.
  {
    Desk down(db.uri(), "smtp://127.0.0.1:1", desk.clock, false);
    const MailRound first = down.send();
    CHECK(first.written == 1);
    CHECK(first.failed == 1);
  }
  REQUIRE(
      desk.engine->reschedule(sys(), desk.tenant, r.id, utc(2026, 12, 2, 15), utc(2026, 12, 2, 16))
          .ok());
  desk.clock->set(desk.clock->now() + Seconds(200));
  const MailRound second = desk.send();
  CHECK(second.skipped == 1);
  CHECK(second.sent == 0);
  CHECK(sink.accepted() == 0);
  REQUIRE(desk.messages().size() == 1);
  const Email e = desk.messages().back();
  CHECK(e.status == EmailStatus::skipped);
  CHECK(e.last_error.find("cancelled or moved") != std::string::npos);
}

TEST_CASE("mail: 4xx answers are retried on the schedule, 5xx ends a message, retry revives it") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.enable();
  Customer later;
  later.display_name = "Later";
  later.email = "reject-transient@example.test";
  const CustomerId transient =
      desk.engine->customers().create(sys(), desk.tenant, later).value().id;
  Customer never;
  never.display_name = "Never";
  never.email = "reject-permanent@example.test";
  const CustomerId permanent =
      desk.engine->customers().create(sys(), desk.tenant, never).value().id;
  desk.book(utc(2026, 12, 8, 9), transient);
  desk.book(utc(2026, 12, 8, 11), permanent);

  MailRound r = desk.send();
  CHECK(r.written == 2);
  CHECK(r.failed == 1);
  CHECK(r.dead == 1);
  EmailFilter dead;
  dead.status = EmailStatus::dead;
  auto dead_list = desk.engine->mail().list(sys(), desk.tenant, dead).value();
  REQUIRE(dead_list.size() == 1);
  CHECK(dead_list.front().last_smtp_code == 550);
  EmailFilter pending;
  pending.status = EmailStatus::pending;
  auto waiting = desk.engine->mail().list(sys(), desk.tenant, pending).value();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting.front().last_smtp_code == 451);
  CHECK(waiting.front().next_attempt_at >= desk.clock->now() + Seconds(60));
  CHECK(waiting.front().next_attempt_at <= desk.clock->now() + Seconds(72));

  CHECK(desk.send().attempted == 0);  // not due yet
  desk.clock->set(desk.clock->now() + Seconds(80));
  r = desk.send();
  CHECK(r.failed == 1);  // second attempt, the last wait is 600 s
  desk.clock->set(desk.clock->now() + Seconds(800));
  r = desk.send();
  CHECK(r.dead == 1);  // out of attempts
  CHECK(desk.engine->mail().list(sys(), desk.tenant, dead).value().size() == 2);

  // A retry makes it pending again; a sent one cannot be retried.
  const Email revived = desk.engine->mail().retry(sys(), desk.tenant, dead_list.front().id).value();
  CHECK(revived.status == EmailStatus::pending);
  CHECK(revived.attempts == 0);
  auto audit = desk.engine->operations().audit_records(sys(), AuditQuery{desk.tenant}).value();
  CHECK(std::any_of(audit.begin(), audit.end(),
                    [](const AuditRecord& a) { return a.action == "mail.retry"; }));
  auto again = desk.engine->mail().retry(sys(), desk.tenant, revived.id);
  CHECK(again.status().code() == Code::conflict);
}

TEST_CASE("mail: bad settings are refused naming the field, and nothing changes") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  auto& mail = desk.engine->mail();
  MailSettings s = mail.settings(sys(), desk.tenant).value();
  CHECK(s.version == 0);
  CHECK_FALSE(s.enabled);

  const auto refused = [&](MailSettings bad, const std::string& starts) {
    auto r = mail.update_settings(sys(), desk.tenant, bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::invalid_argument);
    INFO(r.status().message());
    CHECK(r.status().message().rfind(starts, 0) == 0);
  };
  MailSettings bad = s;
  bad.locale = "tlh";
  refused(bad, "locale: boka cannot write \"tlh\"");
  bad = s;
  bad.time_zone = "Mars/Olympus";
  refused(bad, "time_zone:");
  bad = s;
  bad.reminder_lead = Seconds(60);
  refused(bad, "reminder_lead:");
  bad = s;
  bad.kinds = {MailKind::reminder, MailKind::reminder};
  refused(bad, "kinds[1]:");
  bad = s;
  bad.reply_to = "desk@x.test\r\nBcc: victim@x.test";
  refused(bad, "reply_to:");
  bad = s;
  bad.templates = {MailTemplate{MailKind::confirmation, "", "Hi {{customer.name}}",
                                "Your booking on\n  {{strat.date}}", ""}};
  refused(bad, "templates[0].text: unknown variable \"strat.date\" at line 2");
  bad = s;
  bad.templates = {MailTemplate{MailKind::confirmation, "", "Hi", "Text {{#notes}}", ""}};
  refused(bad, "templates[0].text:");
  CHECK(mail.settings(sys(), desk.tenant).value().version == 0);

  // A stale version is a conflict.
  MailSettings good = s;
  good.enabled = true;
  REQUIRE(mail.update_settings(sys(), desk.tenant, good).ok());
  auto stale = mail.update_settings(sys(), desk.tenant, good);
  CHECK(stale.status().code() == Code::conflict);
}

TEST_CASE("mail: a tenant's template in the customer's language, previews, who may") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  MailSettings s = desk.engine->mail().settings(sys(), desk.tenant).value();
  s.enabled = true;
  s.templates = {
      MailTemplate{MailKind::confirmation, "de", "Termin {{reservation.id}}: {{start.date}}",
                   "Hallo {{customer.name}}, bis {{start.time}}!", "<p>{{customer.name}}</p>"},
      MailTemplate{MailKind::confirmation, "", "Booking {{reservation.id}}", "Hello", ""}};
  s = desk.engine->mail().update_settings(sys(), desk.tenant, s).value();
  const Reservation r = desk.book(utc(2026, 12, 8, 13));

  const EmailContent preview =
      desk.engine->mail().preview(sys(), desk.tenant, MailKind::confirmation, r.id).value();
  CHECK(preview.subject == "Termin " + std::to_string(r.id) + ": Dienstag, 8. Dezember 2026");
  CHECK(preview.text == "Hallo Ana Lima, bis 08:00!");
  CHECK(preview.html == "<p>Ana Lima</p>");

  // A booking without a customer record has nobody to write to.
  ReserveRequest anonymous;
  anonymous.service = desk.cut;
  anonymous.start = utc(2026, 12, 9, 13);
  const Reservation walk_in = desk.engine->reserve(sys(), desk.tenant, anonymous).value();
  auto nobody = desk.engine->mail().preview(sys(), desk.tenant, MailKind::confirmation, walk_in.id);
  CHECK(nobody.status().code() == Code::conflict);

  CHECK(desk.send().sent == 1);  // the walk-in writes nothing
  CHECK(header(sink.record(1), "Subject") ==
        "Termin " + std::to_string(r.id) + ": Dienstag, 8. Dezember 2026");

  // Staff may not read or change mail settings; only the worker sends.
  const std::string password = "correct horse battery";
  desk.engine->auth()
      .create_user(sys(), desk.tenant, NewUser{"staff@x.test", "", Role::staff, password})
      .value();
  const Principal staff = desk.engine->auth()
                              .login(LoginRequest{desk.tenant, "staff@x.test", password})
                              .value()
                              .principal;
  CHECK(desk.engine->mail().settings(staff, desk.tenant).status().code() ==
        Code::permission_denied);
  CHECK(desk.engine->mail().send(staff).status().code() == Code::permission_denied);
}

TEST_CASE("mail: a customer's export holds their mail, erasing them blanks it") {
  SmtpSink sink;
  TempDb db;
  Desk desk(db.uri(), sink.url());
  desk.enable();
  desk.book(utc(2026, 12, 8, 13));
  CHECK(desk.send().sent == 1);
  // The customer's export holds the message and what it said.
  const json exported =
      json::parse(desk.engine->customers().export_data(sys(), desk.tenant, desk.ana).value());
  REQUIRE(exported["emails"].size() == 1);
  CHECK(exported["emails"][0]["kind"] == "confirmation");
  CHECK(exported["emails"][0]["status"] == "sent");
  CHECK(exported["emails"][0]["to"] == "ana@example.test");
  CHECK(exported["emails"][0]["text"].get<std::string>().find("Ana Lima") != std::string::npos);
  REQUIRE(desk.engine->customers().erase(sys(), desk.tenant, desk.ana).ok());
  const Email e = desk.messages().front();
  CHECK(e.to.empty());
  CHECK(e.subject.empty());
  CHECK(e.status == EmailStatus::sent);  // the record of what happened stays
  const EmailContent c = desk.engine->mail().content(sys(), desk.tenant, e.id).value();
  CHECK(c.text.empty());
  CHECK(c.html.empty());
  CHECK(c.ics.empty());
}

TEST_CASE("mail: send is refused without an SMTP server, bad options are refused at open") {
  auto clock = std::make_shared<ManualClock>(utc(2026, 12, 1, 9));
  EngineOptions o;
  o.clock = clock;
  auto engine = Engine::open("memory:", o).value();
  CHECK(engine->mail().send(sys()).status().code() == Code::not_supported);

  o.mail.smtp_url = "smtp://127.0.0.1:2525";
  auto no_from = Engine::open("memory:", o);
  REQUIRE_FALSE(no_from.ok());
  CHECK(no_from.status().message().rfind("mail.from_address:", 0) == 0);
  o.mail.from_address = "bookings@boka.test";
  o.mail.lease = Seconds(10);  // shorter than the 60 s timeout
  auto short_lease = Engine::open("memory:", o);
  REQUIRE_FALSE(short_lease.ok());
  CHECK(short_lease.status().message().rfind("mail.lease:", 0) == 0);
  o.mail.lease = Seconds(120);
  o.mail.username = "boka";  // credentials over plaintext: refused at open, not per message
  o.mail.security = MailOptions::Security::none;
  auto plaintext = Engine::open("memory:", o);
  REQUIRE_FALSE(plaintext.ok());
  CHECK(plaintext.status().message().rfind("mail.username:", 0) == 0);
}
