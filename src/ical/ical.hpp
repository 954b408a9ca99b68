// An RFC 5545 iCalendar writer for boka's calendar feeds and email attachments (iTIP,
// RFC 5546 methods PUBLISH, REQUEST and CANCEL): reservations in, a VCALENDAR document out.
// The decisions (what is emitted, the span of each VTIMEZONE, escaping and folding) are in
// docs/architecture.md, "iCalendar writer".
//
// Thread-safety: every type here is a plain value and every function is pure (it reads only
// its arguments and the OS tzdb through date/tz, which is safe to share); call them from any
// thread. Ownership: the caller owns the Calendar; the writer keeps no reference to it and
// returns a new string.
// Errors: write_calendar returns invalid_argument (or not_supported, for an RRULE outside
// boka's subset) with a message that starts with the field at fault, e.g.
// `events[2].zone: unknown time zone "Mars/Olympus"` or `events[0].rrule: RRULE: ...`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/status.hpp"
#include "boka/time.hpp"

namespace boka::ical {

// METHOD of the calendar (RFC 5546): none for a plain file, publish for a subscribed feed,
// request and cancel for an invitation or a cancellation sent by email.
enum class Method : int { none = 0, publish = 1, request = 2, cancel = 3 };

// STATUS of an event (RFC 5545 section 3.8.1.11).
enum class EventStatus : int { confirmed = 0, tentative = 1, cancelled = 2 };

// A calendar user: the ORGANIZER or an ATTENDEE, written as
// `ATTENDEE;CN=Ana Lima;RSVP=FALSE:mailto:ana@example.com`.
struct CalendarUser {
  // The address, without "mailto:". Required: one '@' with text on both sides, printable
  // ASCII only, none of the characters a mailto URI would need encoded (space " ( ) , : ;
  // < > [ ] \ ? % # /). Anything else is refused rather than encoded.
  std::string email;
  // CN, the display name; empty: none. Any UTF-8; a double quote (which a parameter value
  // cannot hold, RFC 5545 section 3.2) becomes ', control characters become spaces.
  std::string name;
};

// One VEVENT: a reservation, a recurring series (rrule), or one overridden occurrence of a
// series (recurrence_id). Text fields are any UTF-8 (escaped on output, invalid bytes
// replaced by U+FFFD, control characters other than line breaks and tabs dropped); an empty
// optional text is not written.
struct Event {
  std::string uid;  // UID, required and stable across versions: "reservation-42@example.com"
  Instant dtstamp;  // DTSTAMP (UTC): when this version was made
  std::optional<Instant> created;        // CREATED (UTC)
  std::optional<Instant> last_modified;  // LAST-MODIFIED (UTC)
  Instant start;                         // DTSTART
  Instant end;                           // DTEND; must be after start
  // The IANA zone DTSTART, DTEND, EXDATE and RECURRENCE-ID are written in, as local times
  // with TZID (and the calendar gets one VTIMEZONE per zone). nullopt: UTC ("...Z").
  // A local time in a repeated hour (fall back) is one readers disagree on, so there DTSTART
  // and DTEND are written in UTC, except a series' DTSTART; EXDATE, RECURRENCE-ID and a
  // series' DTSTART stay local in the first pass (RFC 5545 section 3.3.5 reads a repeated
  // local time as its first pass) and are UTC in the second. A series may not start in the
  // second pass.
  std::optional<std::string> zone;
  int sequence = 0;  // SEQUENCE, >= 0; bump it on every change that matters to attendees
  EventStatus status = EventStatus::confirmed;
  std::string summary;      // SUMMARY
  std::string description;  // DESCRIPTION
  std::string location;     // LOCATION
  // URL; printable ASCII without spaces (percent-encode anything else), or empty.
  std::string url;
  // ORGANIZER; required by every METHOD (RFC 5546), optional in a calendar without one.
  std::optional<CalendarUser> organizer;
  // ATTENDEE;CN=..;RSVP=FALSE, in this order; at least one with REQUEST, none with PUBLISH
  // (RFC 5546 section 3.2.1).
  std::vector<CalendarUser> attendees;
  // RRULE value in boka's subset (boka/recurrence.hpp, e.g. format_rrule's output), without
  // "RRULE:"; empty: not recurring. It is parsed and written back canonically, with a local
  // UNTIL turned into the UTC form RFC 5545 requires when DTSTART has a zone (read in
  // `zone` with boka's gap/fold rule, as expand_occurrences reads it).
  std::string rrule;
  // EXDATE: start instants of removed occurrences, written in the form of DTSTART, one
  // property each. Only with rrule.
  std::vector<Instant> exdates;
  // RECURRENCE-ID: the original start of the occurrence this event overrides (the series
  // is another Event with the same uid and an rrule). Not with rrule.
  std::optional<Instant> recurrence_id;
};

// One VCALENDAR.
struct Calendar {
  Method method = Method::none;  // METHOD; none: not written
  // X-WR-CALNAME and NAME (RFC 7986), the name a client shows for a subscribed feed; empty:
  // neither is written.
  std::string name;
  // REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL: how often a client should poll the
  // feed; > 0 when set.
  std::optional<Seconds> refresh_interval;
  // Written in this order. (uid, recurrence_id) must be unique. An empty list gives a
  // calendar without components, which clients read as an empty feed.
  std::vector<Event> events;
};

// An open-ended series (an RRULE without COUNT or UNTIL) gets VTIMEZONE observances up to
// this many years after the later of its DTSTART and its DTSTAMP.
inline constexpr int kOpenSeriesYears = 10;

// The whole document: BEGIN:VCALENDAR, PRODID "-//boka//boka <version>//EN", VERSION:2.0,
// CALSCALE:GREGORIAN, the optional calendar properties, one VTIMEZONE per zone in order of
// first use, the events, END:VCALENDAR; CRLF line endings, every line folded to at most 75
// octets. Errors: see the top of this file.
Result<std::string> write_calendar(const Calendar& calendar);

// The building blocks write_calendar uses, for tests and other writers.

// A TEXT value (RFC 5545 section 3.3.11): '\' ';' ',' escaped with a backslash, each line
// break (CRLF, CR or LF) written as "\n", other control characters (U+0000..U+001F but tab,
// and U+007F) dropped, and invalid UTF-8 replaced by U+FFFD. The result holds no CR or LF.
std::string escape_text(std::string_view text);

// A parameter value (RFC 5545 section 3.2): made valid as for escape_text, then every
// control character (tab aside) becomes a space and a double quote becomes '; quoted when it
// holds ':', ';' or ','.
std::string param_value(std::string_view value);

// One content line folded (RFC 5545 section 3.1): every physical line at most 75 octets
// before its CRLF, continuations starting with one space, never splitting a UTF-8 sequence.
// Returns the lines, each ending in CRLF. `line` must not hold CR or LF.
std::string fold_line(std::string_view line);

}  // namespace boka::ical
