// boka's built-in message texts. Each language gives its phrases once; the subject, text
// and HTML templates of every kind are assembled from them, so the four kinds share one
// layout and a translation cannot drift from the others' structure.
#include "notify/notify.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace boka::notify {
namespace {

constexpr std::size_t kKinds = 4;

struct KindPhrases {
  const char* subject;  // a template: may use sections and variables
  const char* heading;  // the HTML part's <h1>
  const char* intro;    // a template: the first sentence after the greeting
};

struct Phrases {
  const char* lang;         // the html lang attribute: the language of the text
  const char* colon;        // after a label in the text part: ": ", fr "\u00A0: "
  const char* hello_named;  // a template using customer.name
  const char* hello;        // when customer.name is empty
  const char* when;
  const char* time_zone;
  const char* service;
  const char* booked;  // the resources
  const char* price;
  const char* notes;
  const char* reference;
  const char* reason;
  const char* manage_text;  // before the link, in the text part
  const char* manage_link;  // the link text, in the HTML part
  const char* view_text;    // the same for a cancelled booking, which can only be viewed
  const char* view_link;
  const char* sign_off;
  std::array<KindPhrases, kKinds> kinds;  // indexed by MessageKind
};

// Formal address throughout (de "Sie", fr "vous", es "usted"): the sender is a business.
const Phrases kEnglish{
    "en",
    ": ",
    "Hello {{customer.name}},",
    "Hello,",
    "When",
    "Time zone",
    "Service",
    "Booked",
    "Price",
    "Notes",
    "Reference",
    "Reason",
    "To view, change or cancel your booking, visit:",
    "Manage your booking",
    "To view this booking, visit:",
    "View booking",
    "Kind regards,",
    {{
        {"{{#service.name}}Booking confirmed: {{service.name}} on {{start.date}}{{/service.name}}"
         "{{^service.name}}Your booking on {{start.date}} is confirmed{{/service.name}}",
         "Your booking is confirmed", "Thank you for your booking. Here are the details."},
        {"{{#service.name}}Booking cancelled: {{service.name}} on {{start.date}}{{/service.name}}"
         "{{^service.name}}Your booking on {{start.date}} has been cancelled{{/service.name}}",
         "Your booking has been cancelled", "The following booking has been cancelled."},
        {"{{#service.name}}Booking rescheduled: {{service.name}}, now on {{start.date}}"
         "{{/service.name}}{{^service.name}}Your booking has been moved to {{start.date}}"
         "{{/service.name}}",
         "Your booking has been moved",
         "{{#previous.date_time}}Your booking has been moved from {{previous.date_time}} to "
         "{{start.date_time}}.{{/previous.date_time}}{{^previous.date_time}}Your booking has "
         "been moved to {{start.date_time}}.{{/previous.date_time}}"},
        {"Reminder: {{#service.name}}{{service.name}} on {{start.date_time}}{{/service.name}}"
         "{{^service.name}}your booking on {{start.date_time}}{{/service.name}}",
         "Your upcoming booking", "This is a reminder of your upcoming booking."},
    }},
};

const Phrases kGerman{
    "de",
    ": ",
    "Guten Tag {{customer.name}},",
    "Guten Tag,",
    "Termin",
    "Zeitzone",
    "Leistung",
    "Gebucht",
    "Preis",
    "Anmerkungen",
    "Buchungsnummer",
    "Grund",
    "Um Ihre Buchung anzusehen, zu ändern oder zu stornieren, besuchen Sie:",
    "Buchung verwalten",
    "Details zu dieser Buchung finden Sie hier:",
    "Buchung ansehen",
    "Mit freundlichen Grüßen",
    {{
        {"{{#service.name}}Buchung bestätigt: {{service.name}} am {{start.date}}"
         "{{/service.name}}{{^service.name}}Ihre Buchung am {{start.date}} ist bestätigt"
         "{{/service.name}}",
         "Ihre Buchung ist bestätigt", "Vielen Dank für Ihre Buchung. Hier sind die Details."},
        {"{{#service.name}}Buchung storniert: {{service.name}} am {{start.date}}"
         "{{/service.name}}{{^service.name}}Ihre Buchung am {{start.date}} wurde storniert"
         "{{/service.name}}",
         "Ihre Buchung wurde storniert", "Die folgende Buchung wurde storniert."},
        {"{{#service.name}}Buchung verschoben: {{service.name}}, jetzt am {{start.date}}"
         "{{/service.name}}{{^service.name}}Ihre Buchung wurde auf {{start.date}} verschoben"
         "{{/service.name}}",
         "Ihre Buchung wurde verschoben",
         "{{#previous.date_time}}Ihre Buchung wurde von {{previous.date_time}} auf "
         "{{start.date_time}} verschoben.{{/previous.date_time}}{{^previous.date_time}}Ihre "
         "Buchung wurde auf {{start.date_time}} verschoben.{{/previous.date_time}}"},
        {"Erinnerung: {{#service.name}}{{service.name}} am {{start.date_time}}{{/service.name}}"
         "{{^service.name}}Ihre Buchung am {{start.date_time}}{{/service.name}}",
         "Ihre bevorstehende Buchung", "Wir möchten Sie an Ihre bevorstehende Buchung erinnern."},
    }},
};

// French puts a no-break space before ":" (U+00A0 here, as in format_money).
const Phrases kFrench{
    "fr",
    "\u00A0: ",
    "Bonjour {{customer.name}},",
    "Bonjour,",
    "Date",
    "Fuseau horaire",
    "Prestation",
    "Réservé",
    "Prix",
    "Remarques",
    "Référence",
    "Motif",
    "Pour consulter, modifier ou annuler votre réservation, rendez-vous sur\u00A0:",
    "Gérer ma réservation",
    "Pour consulter cette réservation, rendez-vous sur\u00A0:",
    "Voir la réservation",
    "Cordialement,",
    {{
        {"{{#service.name}}Réservation confirmée\u00A0: {{service.name}} le {{start.date}}"
         "{{/service.name}}{{^service.name}}Votre réservation du {{start.date}} est confirmée"
         "{{/service.name}}",
         "Votre réservation est confirmée", "Merci pour votre réservation. En voici le détail."},
        {"{{#service.name}}Réservation annulée\u00A0: {{service.name}} le {{start.date}}"
         "{{/service.name}}{{^service.name}}Votre réservation du {{start.date}} a été annulée"
         "{{/service.name}}",
         "Votre réservation a été annulée", "La réservation suivante a été annulée."},
        {"{{#service.name}}Réservation déplacée\u00A0: {{service.name}}, désormais le "
         "{{start.date}}{{/service.name}}{{^service.name}}Votre réservation a été déplacée au "
         "{{start.date}}{{/service.name}}",
         "Votre réservation a été déplacée",
         "{{#previous.date_time}}Votre réservation a été déplacée du {{previous.date_time}} au "
         "{{start.date_time}}.{{/previous.date_time}}{{^previous.date_time}}Votre réservation "
         "a été déplacée au {{start.date_time}}.{{/previous.date_time}}"},
        {"Rappel\u00A0: {{#service.name}}{{service.name}} le {{start.date_time}}{{/service.name}}"
         "{{^service.name}}votre réservation du {{start.date_time}}{{/service.name}}",
         "Votre réservation à venir", "Nous vous rappelons votre réservation à venir."},
    }},
};

const Phrases kSpanish{
    "es",
    ": ",
    "Hola, {{customer.name}}:",
    "Hola:",
    "Fecha",
    "Zona horaria",
    "Servicio",
    "Reservado",
    "Precio",
    "Notas",
    "Referencia",
    "Motivo",
    "Para ver, modificar o cancelar su reserva, visite:",
    "Gestionar mi reserva",
    "Para ver esta reserva, visite:",
    "Ver la reserva",
    "Saludos cordiales,",
    {{
        {"{{#service.name}}Reserva confirmada: {{service.name}} el {{start.date}}"
         "{{/service.name}}{{^service.name}}Su reserva del {{start.date}} está confirmada"
         "{{/service.name}}",
         "Su reserva está confirmada", "Gracias por su reserva. Estos son los detalles."},
        {"{{#service.name}}Reserva cancelada: {{service.name}} el {{start.date}}"
         "{{/service.name}}{{^service.name}}Su reserva del {{start.date}} ha sido cancelada"
         "{{/service.name}}",
         "Su reserva ha sido cancelada", "La siguiente reserva ha sido cancelada."},
        {"{{#service.name}}Reserva modificada: {{service.name}}, ahora el {{start.date}}"
         "{{/service.name}}{{^service.name}}Su reserva se ha trasladado al {{start.date}}"
         "{{/service.name}}",
         "Su reserva ha sido modificada",
         "{{#previous.date_time}}Su reserva se ha trasladado del {{previous.date_time}} al "
         "{{start.date_time}}.{{/previous.date_time}}{{^previous.date_time}}Su reserva se ha "
         "trasladado al {{start.date_time}}.{{/previous.date_time}}"},
        {"Recordatorio: {{#service.name}}{{service.name}} el {{start.date_time}}"
         "{{/service.name}}{{^service.name}}su reserva del {{start.date_time}}"
         "{{/service.name}}",
         "Su próxima reserva", "Le recordamos su próxima reserva."},
    }},
};

// The detail lines both parts show: a label and the template of its value, with the
// variable that must be non-empty for the line to appear (nullptr: always shown).
struct Detail {
  const char* label;
  const char* value;
  const char* when_set;
};

std::vector<Detail> details(const Phrases& p, MessageKind kind) {
  // A cancelled booking's price and notes no longer matter to the customer; what identifies
  // the booking does.
  const bool cancelled = kind == MessageKind::cancellation;
  std::vector<Detail> out = {
      {p.when, "{{start.date_time}} – {{end.time}} ({{duration}})", nullptr},
      {p.time_zone, "{{zone}}", "zone"},
      {p.service, "{{service.name}}", "service.name"},
      {p.booked, "{{resources}}", "resources"},
  };
  if (!cancelled) {
    out.push_back({p.price, "{{price}}", "price"});
    out.push_back({p.notes, "{{notes}}", "notes"});
  }
  out.push_back({p.reference, "{{reservation.id}}", "reservation.id"});
  return out;
}

// "{{#name}}\n" + body + "{{/name}}\n": a block that disappears whole when name is empty.
std::string block(const char* name, const std::string& body) {
  if (name == nullptr) return body;
  return std::string("{{#") + name + "}}\n" + body + "{{/" + name + "}}\n";
}

std::string text_part(const Phrases& p, MessageKind kind) {
  const auto& k = p.kinds[static_cast<std::size_t>(kind)];
  std::string out;
  out += block("customer.name", std::string(p.hello_named) + "\n");
  out += "{{^customer.name}}\n" + std::string(p.hello) + "\n{{/customer.name}}\n";
  out += "\n" + std::string(k.intro) + "\n";
  if (kind == MessageKind::cancellation) {
    out += block("reason", std::string(p.reason) + p.colon + "{{reason}}\n");
  }
  out += "\n";
  for (const Detail& d : details(p, kind)) {
    out += block(d.when_set, std::string(d.label) + p.colon + d.value + "\n");
  }
  const bool cancelled = kind == MessageKind::cancellation;
  out += block("manage_url",
               "\n" + std::string(cancelled ? p.view_text : p.manage_text) + "\n{{manage_url}}\n");
  out += "\n" + std::string(p.sign_off) + "\n";
  out += block("tenant.name", "{{tenant.name}}\n");
  return out;
}

std::string html_part(const Phrases& p, MessageKind kind) {
  const auto& k = p.kinds[static_cast<std::size_t>(kind)];
  const bool cancelled = kind == MessageKind::cancellation;
  const std::string para = "<p style=\"margin:0 0 16px;\">";
  std::string out;
  out += std::string("<!DOCTYPE html>\n<html lang=\"") + p.lang + "\">\n";
  out +=
      "<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += std::string("<title>") + k.subject + "</title>\n</head>\n";
  out += "<body style=\"margin:0;padding:0;background-color:#f4f4f5;\">\n";
  out += "<div style=\"max-width:600px;margin:0 auto;padding:24px 16px;\">\n";
  out +=
      "<div style=\"background-color:#ffffff;border-radius:8px;padding:24px;"
      "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;"
      "color:#1f2937;\">\n";
  out += std::string(
             "<h1 style=\"margin:0 0 16px;font-size:22px;line-height:1.3;"
             "color:#111827;\">") +
         k.heading + "</h1>\n";
  out += para + "{{#customer.name}}" + p.hello_named + "{{/customer.name}}{{^customer.name}}" +
         p.hello + "{{/customer.name}}</p>\n";
  out += para + k.intro + "</p>\n";
  if (cancelled) {
    out +=
        block("reason", para + "<strong>" + p.reason + "</strong>" + p.colon + "{{reason}}</p>\n");
  }
  out += "<table style=\"border-collapse:collapse;margin:0 0 16px;\">\n";
  for (const Detail& d : details(p, kind)) {
    // Notes are the customer's own lines; pre-line keeps their line breaks.
    const bool notes = std::string(d.value) == "{{notes}}";
    out += block(d.when_set,
                 std::string("<tr><th scope=\"row\" style=\"text-align:left;vertical-align:top;"
                             "padding:4px 16px 4px 0;font-weight:bold;\">") +
                     d.label + "</th><td style=\"padding:4px 0;" +
                     (notes ? "white-space:pre-line;" : "") + "\">" + d.value + "</td></tr>\n");
  }
  out += "</table>\n";
  out += block("manage_url", para + "<a href=\"{{manage_url}}\" style=\"color:#1d4ed8;\">" +
                                 (cancelled ? p.view_link : p.manage_link) + "</a></p>\n");
  out += "<p style=\"margin:0;\">" + std::string(p.sign_off) +
         "{{#tenant.name}}<br>{{tenant.name}}{{/tenant.name}}</p>\n";
  out += "</div>\n</div>\n</body>\n</html>\n";
  return out;
}

using KindTexts = std::array<TemplateTexts, kKinds>;

KindTexts build(const Phrases& p) {
  KindTexts out;
  for (std::size_t i = 0; i < kKinds; ++i) {
    const auto kind = static_cast<MessageKind>(i);
    out[i] = TemplateTexts{p.kinds[i].subject, text_part(p, kind), html_part(p, kind)};
  }
  return out;
}

}  // namespace

const char* message_kind_name(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::confirmation: return "confirmation";
    case MessageKind::cancellation: return "cancellation";
    case MessageKind::reschedule: return "reschedule";
    case MessageKind::reminder: return "reminder";
  }
  return "unknown";
}

const std::vector<std::string>& message_variables() {
  static const std::vector<std::string> names = {
      "tenant.name",    "customer.name", "customer.email",     "service.name", "resources",
      "start.date",     "start.time",    "start.date_time",    "end.time",     "end.date_time",
      "zone",           "zone.abbrev",   "duration",           "price",        "notes",
      "reservation.id", "status",        "previous.date_time", "reason",       "manage_url",
  };
  return names;
}

const TemplateTexts& default_templates(MessageKind kind, const Locale& locale) {
  static const KindTexts en = build(kEnglish);
  static const KindTexts de = build(kGerman);
  static const KindTexts fr = build(kFrench);
  static const KindTexts es = build(kSpanish);
  const auto i = static_cast<std::size_t>(kind);
  const std::size_t index = i < kKinds ? i : 0;
  if (locale.language == "de") return de[index];
  if (locale.language == "fr") return fr[index];
  if (locale.language == "es") return es[index];
  return en[index];
}

}  // namespace boka::notify
