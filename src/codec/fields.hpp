// The field lists of boka's documents: one Describe<T> per public struct names each field,
// the member it reads or writes, and how a reader treats it. Everything a shell does with a
// struct is driven by this one list: the JSON reader and writer (json_codec.cpp, for the C
// ABI and the HTTP host), the JSON Schemas of the host's OpenAPI document (schema.cpp), the
// Python conversions (bindings/python/src/convert.cpp, by keyword), and the test that
// checks boka.h, docs/http.md and the Python types name the same fields
// (tests/codec/field_lists_test.py). A field added here appears in all of them; a field is
// bound by name, so reordering one cannot bind the wrong value.
//
// A visitor is called as v(name, member, spec) for each field (member: a reference to the
// struct's member, const when reading from a const struct, or one of the proxies below),
// v.computed(name, value, spec) for a value derived from other fields (written, never read)
// and v.flatten(struct) for a struct whose fields appear at the same level.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "boka/boka.hpp"

namespace boka::codec {

// ---- ids -----------------------------------------------------------------------------------
// Every id the shells read or write passes through these: an id is a number in every
// document, and becomes its own type (TenantId, ResourceId, ...) only here.
template <typename T>
struct is_id : std::false_type {};
template <typename Tag>
struct is_id<Id<Tag>> : std::true_type {};
// An id, or a plain integer where a document holds one.
template <typename T>
inline constexpr bool is_id_or_int64 = is_id<T>::value || std::is_same_v<T, std::int64_t>;

template <typename IdType>
std::int64_t id_value(const IdType& id) {
  return static_cast<std::int64_t>(id);
}
template <typename IdType>
IdType make_id(std::int64_t value) {
  return IdType(value);
}

// ---- specs ---------------------------------------------------------------------------------

// How a reader treats a field.
enum class In : unsigned char {
  required,  // must be present (null allowed only where the member is optional)
  optional,  // absent or null keeps the struct's default
  output,    // written by the library; accepted and ignored on input
};

// Where a field appears. Most appear in every shell; a JSON-only field is derived for
// readers of documents (a local time), a native-only one has no JSON form (a principal).
enum class Only : unsigned char { none, json, native };

struct Spec {
  In create = In::optional;  // reading a document that creates (or any non-update input)
  In update = In::optional;  // reading a document that replaces a stored object
  const char* doc = "";      // one line for the schema's description
  Only only = Only::none;
};

// Required whenever read.
constexpr Spec req(const char* doc = "") { return {In::required, In::required, doc, Only::none}; }
// Optional whenever read.
constexpr Spec opt(const char* doc = "") { return {In::optional, In::optional, doc, Only::none}; }
// Written by the library, never read.
constexpr Spec out(const char* doc = "") { return {In::output, In::output, doc, Only::none}; }
// Assigned by the store: ignored on create, required on update (id, version).
constexpr Spec key(const char* doc = "") { return {In::output, In::required, doc, Only::none}; }
// Defaulted on create, required on update (an update replaces every field).
constexpr Spec replace(const char* doc = "") {
  return {In::optional, In::required, doc, Only::none};
}
constexpr Spec json_only(const char* doc = "") { return {In::output, In::output, doc, Only::json}; }
constexpr Spec native_only(const char* doc = "") {
  return {In::output, In::output, doc, Only::native};
}

// ---- proxies for members whose document form is not their C++ type -------------------------

// A std::string holding a JSON object (metadata_json): an object in documents, a dict in
// Python. An optional one (ReservationUpdate::metadata_json) is null when unset.
template <typename Str>
struct JsonText {
  Str* text;
};
template <typename Str>
JsonText<Str> json_text(Str& s) {
  return {&s};
}

// A PermissionSet: an array of permission names ("availability:read").
template <typename Set>
struct Permissions {
  Set* set;
};
template <typename Set>
Permissions<Set> permissions(Set& s) {
  return {&s};
}

// AuthOptions::previous_encryption_keys: [{"id", "key"}] in documents, ((id, key), ...) in
// Python.
template <typename Pairs>
struct KeyPairs {
  Pairs* pairs;
};
template <typename Pairs>
KeyPairs<Pairs> key_pairs(Pairs& p) {
  return {&p};
}

// A RecurrenceRule, or an optional one (SeriesReschedule::rule): its RRULE text in documents
// and in Python ("FREQ=WEEKLY;BYDAY=TU;COUNT=10"), written by format_rrule and read by
// parse_rrule, whose message names the part at fault ("RRULE: INTERVAL=0: must be ...").
template <typename Rule>
struct RRuleText {
  Rule* rule;
};
template <typename Rule>
RRuleText<Rule> rrule_text(Rule& r) {
  return {&r};
}

// ---- type traits of the members the lists name (shared by every reader and writer) ------
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};
template <typename T>
struct is_vector : std::false_type {};
template <typename T, typename A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <typename T>
struct is_json_text : std::false_type {};
template <typename S>
struct is_json_text<JsonText<S>> : std::true_type {};
// Whether a JsonText stands for an optional text (null allowed, written as null when unset).
template <typename T>
inline constexpr bool json_text_is_optional = false;
template <typename S>
inline constexpr bool json_text_is_optional<JsonText<S>> =
    is_optional<std::remove_const_t<S>>::value;
template <typename T>
struct is_permissions : std::false_type {};
template <typename S>
struct is_permissions<Permissions<S>> : std::true_type {};
template <typename T>
struct is_key_pairs : std::false_type {};
template <typename S>
struct is_key_pairs<KeyPairs<S>> : std::true_type {};
template <typename T>
struct is_rrule_text : std::false_type {};
template <typename R>
struct is_rrule_text<RRuleText<R>> : std::true_type {};
// Whether an RRuleText stands for an optional rule (null allowed, written as null when unset).
template <typename T>
inline constexpr bool rrule_is_optional = false;
template <typename R>
inline constexpr bool rrule_is_optional<RRuleText<R>> = is_optional<std::remove_const_t<R>>::value;

// An instant shown in a zone: "2026-12-05T10:00:00+01:00" (json_only, computed).
struct LocalTime {
  Instant at;
  const std::string* zone;
};

// ---- enums ---------------------------------------------------------------------------------
// Each enum the documents carry, by the names the library gives its values 0..count-1.

template <typename E>
struct EnumNames;  // static int count; static const char* name(E); static const char* type;

const char* weekday_name(Weekday day) noexcept;
const char* holiday_kind_name(HolidayRule::Kind kind) noexcept;
const char* reservation_order_name(ReservationOrder order) noexcept;  // "by_id", "by_start"
// "none", "starttls_if_offered", "starttls_required", "implicit" (src/engine/mail.cpp)
const char* smtp_security_name(MailOptions::Security s) noexcept;

#define BOKA_CODEC_ENUM(E, last, name_fn, type_name)             \
  template <>                                                    \
  struct EnumNames<E> {                                          \
    static constexpr int count = static_cast<int>(E::last) + 1;  \
    static const char* name(E e) noexcept { return name_fn(e); } \
    static constexpr const char* type = type_name;               \
  }
BOKA_CODEC_ENUM(Weekday, saturday, weekday_name, "Weekday");
BOKA_CODEC_ENUM(HolidayRule::Kind, last_weekday, holiday_kind_name, "HolidayKind");
BOKA_CODEC_ENUM(ReservationStatus, no_show, status_name, "ReservationStatus");
BOKA_CODEC_ENUM(Explanation::Reason, archived, reason_name, "Reason");
BOKA_CODEC_ENUM(AuditOutcome, failure, audit_outcome_name, "AuditOutcome");
BOKA_CODEC_ENUM(BackupKind, monthly, backup_kind_name, "BackupKind");
BOKA_CODEC_ENUM(HealthStatus, failing, health_status_name, "HealthStatus");
BOKA_CODEC_ENUM(Role, superadmin, role_name, "Role");
BOKA_CODEC_ENUM(UserState, disabled, user_state_name, "UserState");
BOKA_CODEC_ENUM(SeriesMode, skip_conflicts, series_mode_name, "SeriesMode");
BOKA_CODEC_ENUM(SeriesScope, whole_series, series_scope_name, "SeriesScope");
BOKA_CODEC_ENUM(Code, not_supported, code_name, "Code");
BOKA_CODEC_ENUM(WaitlistStatus, lapsed, waitlist_status_name, "WaitlistStatus");
BOKA_CODEC_ENUM(ReservationOrder, by_start, reservation_order_name, "ReservationOrder");
BOKA_CODEC_ENUM(DeliveryStatus, dead, delivery_status_name, "DeliveryStatus");
BOKA_CODEC_ENUM(FeedKind, user, feed_kind_name, "FeedKind");
BOKA_CODEC_ENUM(PaymentStatus, failed, payment_status_name, "PaymentStatus");
BOKA_CODEC_ENUM(MailKind, reminder, mail_kind_name, "MailKind");
BOKA_CODEC_ENUM(EmailStatus, skipped, email_status_name, "EmailStatus");
BOKA_CODEC_ENUM(MailOptions::Security, implicit, smtp_security_name, "SmtpSecurity");
BOKA_CODEC_ENUM(PaymentOutcome, duplicate, payment_outcome_name, "PaymentOutcome");
#undef BOKA_CODEC_ENUM

template <typename E>
concept DocumentEnum = std::is_enum_v<E> && requires {
  EnumNames<E>::count;
};

// ---- documents the shells add ------------------------------------------------------------

// The body of an explanation request (Engine::explain takes these as arguments).
struct ExplainRequest {
  std::vector<AllocationRequest> requests;
  Instant start{};
  Seconds duration{0};
};
// HTTP bodies of single calls.
struct RescheduleRequest {
  Instant start{};
  Instant end{};
  ChangeGuard guard;
};
struct VersionGuard {
  std::optional<std::int64_t> if_version;
};
struct MfaCode {
  std::string code;
};
struct PasswordChange {
  std::string current;
  std::string new_password;
};
// HTTP bodies of the changes of a series, counted from one of its reservations.
struct SeriesCancelRequest {
  SeriesScope scope = SeriesScope::this_occurrence;
  bool override_rules = false;
};
struct SeriesRescheduleRequest {
  SeriesScope scope = SeriesScope::this_occurrence;
  SeriesReschedule change;
  bool override_rules = false;
};
// HTTP body of a waitlist entry's new priority.
struct WaitlistPriorityRequest {
  int priority = 0;
};
// HTTP body of a tenant's new booking rules: the rules and the version they replace
// (Engine::update_tenant_rules takes it as an argument).
struct TenantRulesRequest {
  TenantRules rules;
  std::int64_t expected_version = 0;
};
// HTTP body of a merge: the customer absorbed into the one the path names.
struct CustomerMergeRequest {
  CustomerId absorbed{};
};
// HTTP bodies of a webhook endpoint's secret rotation and of a replay.
struct WebhookRotateRequest {
  Seconds overlap{86400};
};
struct WebhookReplayRequest {
  EventId event{};
};
// HTTP body of a new calendar feed (CalendarFeeds::create takes these as arguments).
struct FeedRequest {
  FeedKind kind = FeedKind::resource;
  std::int64_t subject = 0;
  std::string name;
};

// HTTP body of a mail preview: the kind, the reservation, and settings to try instead of the
// stored ones.
struct MailPreviewRequest {
  MailKind kind = MailKind::confirmation;
  ReservationId reservation{};
  std::optional<MailSettings> settings;
};
// HTTP body of a change of payment settings, with the provider's secret when it changes.
struct PaymentSettingsRequest {
  PaymentSettings settings;
  std::optional<std::string> signing_secret;
};
// HTTP body of a payment staff records by hand.
struct PaymentRecordRequest {
  PaymentStatus to = PaymentStatus::paid;
  std::string reference;
};

// The public booking API of boka-server's web app (examples/server/web.cpp, docs/web.md):
// what an anonymous visitor sees and sends. HTTP only.
struct PublicService {
  ServiceId id{};
  std::string name;
  std::string description;
  Seconds duration{0};
  std::vector<Seconds> durations;
  std::optional<std::int64_t> price;
  std::string currency;
  bool payment_required = false;
};
struct PublicBusiness {
  std::string slug;
  std::string name;
  TenantId tenant{};
  std::string time_zone;
  std::vector<PublicService> services;
  Seconds hold{0};
};
struct PublicSlots {
  ServiceId service{};
  std::string time_zone;
  Instant from{};
  Instant to{};
  std::vector<Instant> starts;
};
struct PublicHoldRequest {
  ServiceId service{};
  Instant start{};
  Seconds duration{0};
};
struct PublicDetails {
  std::string name;
  std::string email;
  std::string phone;
  std::string notes;
  std::string time_zone;
  std::string locale;
};
struct PublicStart {
  Instant start{};
};
struct PublicBooking {
  std::string token;
  std::string manage_path;
  std::string state;
  std::string business_name;
  std::string business_slug;
  ServiceId service{};
  std::string service_name;
  Instant start{};
  Instant end{};
  std::string time_zone;
  std::optional<Instant> hold_expires_at;
  std::string customer_name;
  std::string notes;
  std::optional<std::int64_t> price;
  std::string currency;
  bool can_cancel = false;
  std::optional<Instant> cancel_deadline;
  bool can_reschedule = false;
  std::optional<Instant> reschedule_deadline;
};
struct PublicWaitlistRequest {
  ServiceId service{};
  Instant earliest_start{};
  Instant latest_start{};
  std::string name;
  std::string email;
};
struct PublicWaitlistEntry {
  WaitlistEntryId id{};
  std::string state;
  Instant earliest_start{};
  Instant latest_start{};
  Instant expires_at{};
  int position = 0;
};

// boka-server's security report (GET /api/admin/security/report), as boka-admin's
// security-report prints it.
struct SecurityReport {
  TenantId tenant{};
  Instant from{};
  Instant to{};
  int failed_logins = 0;
  int lockouts = 0;
  int emergency_keys_used = 0;
  std::vector<User> locked_accounts;
  MfaStats mfa;
  std::vector<User> admins;
  AuditVerification audit;
};

// HTTP bodies of an admin changing a user's role or state.
struct RoleChange {
  std::string role;
};
struct StateChange {
  std::string state;
};

// ---- the field lists -----------------------------------------------------------------------
// Describe<T>: name (the component and Python class), shells (where the document appears as
// a whole: boka.h, docs/http.md, the Python types), doc, and fields(v, s) for s of type T or
// const T.

enum Shell : unsigned { kC = 1, kHttp = 2, kPython = 4, kAll = kC | kHttp | kPython };

template <typename T>
struct Describe;

template <typename T>
concept Described = requires {
  Describe<std::remove_const_t<T>>::name;
};

template <typename S, typename T>
concept Of = std::is_same_v<std::remove_const_t<S>, T>;

template <>
struct Describe<Tenant> {
  static constexpr const char* name = "Tenant";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A tenant: an organisation whose data is kept apart";
  template <typename V, Of<Tenant> S>
  static void fields(V& v, S& t) {
    v("id", t.id, key("assigned by the store"));
    v("name", t.name, req("1..200 bytes, unique among tenants"));
    v("created_at", t.created_at, out());
    v("archived_at", t.archived_at, out("set once archived"));
    v("rules", t.rules, out("the tenant-wide booking rules (set with update_tenant_rules)"));
    v("max_hold", t.max_hold, out("seconds: the longest hold a booking may ask for"));
    v("version", t.version, key("the stored version; an update must send it back"));
  }
};

template <>
struct Describe<BookingRules> {
  static constexpr const char* name = "BookingRules";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "Change deadlines and per-customer limits; durations in seconds, 0 = none";
  template <typename V, Of<BookingRules> S>
  static void fields(V& v, S& r) {
    v("cancel_cutoff", r.cancel_cutoff, opt("no cancelling within this long before the start"));
    v("reschedule_cutoff", r.reschedule_cutoff,
      opt("no moving within this long before the start, nor to a start within it"));
    v("max_active_per_customer", r.max_active_per_customer,
      opt("active bookings per customer that have not ended, 0..10000"));
    v("max_per_customer_per_day", r.max_per_customer_per_day,
      opt("active bookings per customer starting on one local day, 0..1000"));
  }
};

template <>
struct Describe<TenantRules> {
  static constexpr const char* name = "TenantRules";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "A tenant's booking rules and longest hold, set together";
  template <typename V, Of<TenantRules> S>
  static void fields(V& v, S& r) {
    v("rules", r.rules, req());
    v("max_hold", r.max_hold, req("seconds, 60..2592000"));
  }
};

template <>
struct Describe<TenantRulesRequest> {
  static constexpr const char* name = "TenantRulesRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A tenant's new booking rules and the version they replace";
  template <typename V, Of<TenantRulesRequest> S>
  static void fields(V& v, S& r) {
    v.flatten(r.rules);
    v("expected_version", r.expected_version, req("the tenant's version read"));
  }
};

template <>
struct Describe<Policy> {
  static constexpr const char* name = "Policy";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "Booking rules of a resource; durations in seconds, 0 = no limit";
  template <typename V, Of<Policy> S>
  static void fields(V& v, S& p) {
    v("slot_step", p.slot_step, opt("the grid of starts, from local midnight"));
    v("min_notice", p.min_notice, opt());
    v("max_horizon", p.max_horizon, opt());
    v("buffer_before", p.buffer_before, opt());
    v("buffer_after", p.buffer_after, opt());
    v("min_duration", p.min_duration, opt("0: one slot_step"));
    v("max_duration", p.max_duration, opt());
    v("daily_limit", p.daily_limit, opt("most reservations starting on one local day"));
  }
};

template <>
struct Describe<Resource> {
  static constexpr const char* name = "Resource";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A bookable resource in one IANA zone";
  template <typename V, Of<Resource> S>
  static void fields(V& v, S& r) {
    v("id", r.id, key());
    v("tenant", r.tenant, out());
    v("name", r.name, req("1..200 bytes"));
    v("zone", r.zone, req("an IANA zone, \"Europe/Berlin\""));
    v("capacity", r.capacity, replace("units bookable at once; default 1"));
    v("policy", r.policy, replace());
    v("rules", r.rules, replace("cutoffs and per-customer limits of its bookings"));
    v("schedule", r.schedule, replace("a schedule id; null: open around the clock"));
    v("metadata", json_text(r.metadata_json), replace("any JSON object, up to 64 KiB"));
    v("created_at", r.created_at, out());
    v("archived_at", r.archived_at, out());
    v("version", r.version, key());
  }
};

template <>
struct Describe<LocalInterval> {
  static constexpr const char* name = "LocalInterval";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "[start_minute, end_minute) after local midnight";
  template <typename V, Of<LocalInterval> S>
  static void fields(V& v, S& i) {
    v("start_minute", i.start_minute, req());
    v("end_minute", i.end_minute, req("may be 1440"));
  }
};

template <>
struct Describe<WeeklyRule> {
  static constexpr const char* name = "WeeklyRule";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "The opening hours of one weekday";
  template <typename V, Of<WeeklyRule> S>
  static void fields(V& v, S& w) {
    v("day", w.day, req());
    v("intervals", w.intervals, req());
  }
};

template <>
struct Describe<DateOverride> {
  static constexpr const char* name = "DateOverride";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "Replaces the weekly rules on one date; no intervals: closed";
  template <typename V, Of<DateOverride> S>
  static void fields(V& v, S& d) {
    v("date", d.date, req("YYYY-MM-DD"));
    v("intervals", d.intervals, opt());
  }
};

template <>
struct Describe<HolidayRule> {
  static constexpr const char* name = "HolidayRule";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A yearly holiday that closes the whole local day";
  template <typename V, Of<HolidayRule> S>
  static void fields(V& v, S& h) {
    v("name", h.name, req());
    v("kind", h.kind, req());
    v("month", h.month, req("1..12"));
    v("day_of_month", h.day_of_month, opt("fixed_date"));
    v("nth", h.nth, opt("nth_weekday: 1..4"));
    v("weekday", h.weekday, opt("nth_weekday, last_weekday"));
  }
};

template <>
struct Describe<Schedule> {
  static constexpr const char* name = "Schedule";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "Opening hours in the local wall time of the resource using it";
  template <typename V, Of<Schedule> S>
  static void fields(V& v, S& s) {
    v("id", s.id, key());
    v("tenant", s.tenant, out());
    v("name", s.name, req("1..200 bytes"));
    v("weekly", s.weekly, replace());
    v("overrides", s.overrides, replace());
    v("holidays", s.holidays, replace());
    v("archived_at", s.archived_at, out());
    v("version", s.version, key());
  }
};

template <>
struct Describe<Pool> {
  static constexpr const char* name = "Pool";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "Resources in preference order; a booking takes the first free";
  template <typename V, Of<Pool> S>
  static void fields(V& v, S& p) {
    v("id", p.id, key());
    v("tenant", p.tenant, out());
    v("name", p.name, req("1..200 bytes"));
    v("members", p.members, req("resource ids in preference order"));
    v("archived_at", p.archived_at, out());
    v("version", p.version, key());
  }
};

template <>
struct Describe<AllocationRequest> {
  static constexpr const char* name = "AllocationRequest";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A resource, or any member of a pool: exactly one of the two";
  template <typename V, Of<AllocationRequest> S>
  static void fields(V& v, S& a) {
    v("resource", a.resource, opt());
    v("pool", a.pool, opt());
    v("quantity", a.quantity, opt("default 1"));
  }
};

template <>
struct Describe<AvailabilityQuery> {
  static constexpr const char* name = "AvailabilityQuery";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc =
      "Every start on the grid in [from, to) a booking would get now";
  template <typename V, Of<AvailabilityQuery> S>
  static void fields(V& v, S& q) {
    v("requests", q.requests, opt("1..100; empty with a service"));
    v("service", q.service, opt("a service id: its allocations, duration, buffers and notice"));
    v("from", q.from, req());
    v("to", q.to, req());
    v("duration", q.duration, opt("seconds; with a service, 0 or left out: its duration"));
    v("step", q.step, opt("seconds; null: the first resource's slot_step"));
    v("limit", q.limit, opt("1..10000"));
  }
};

// The zone of a slot or reservation as a document shows it: its local times.
inline LocalTime local(Instant at, const std::string& zone) { return {at, &zone}; }

template <>
struct Describe<Slot> {
  static constexpr const char* name = "Slot";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A start where the request would be accepted";
  template <typename V, Of<Slot> S>
  static void fields(V& v, S& s) {
    v("start", s.start, out());
    v("end", s.end, out());
    v("zone", s.zone, out("the zone of the first request's resource"));
    v.computed("local_start", local(s.start, s.zone), json_only("start in zone, with its offset"));
    v.computed("local_end", local(s.end, s.zone), json_only("end in zone, with its offset"));
    v("resources", s.resources, out("per request, the resource a booking would use"));
  }
};

template <>
struct Describe<SlotPage> {
  static constexpr const char* name = "SlotPage";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One page of an availability answer";
  template <typename V, Of<SlotPage> S>
  static void fields(V& v, S& p) {
    v("slots", p.slots, out());
    v("truncated", p.truncated, out("more slots follow from next_from"));
    v("next_from", p.next_from, out("the next page's from"));
  }
};

template <>
struct Describe<Explanation::Finding> {
  static constexpr const char* name = "Finding";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One rule a start fails on one resource";
  template <typename V, Of<Explanation::Finding> S>
  static void fields(V& v, S& f) {
    v("resource", f.resource, out());
    v("reason", f.reason, out());
    v("detail", f.detail, out());
  }
};

template <>
struct Describe<Explanation> {
  static constexpr const char* name = "Explanation";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "Why a start is or is not available";
  template <typename V, Of<Explanation> S>
  static void fields(V& v, S& e) {
    v("available", e.available, out());
    v("findings", e.findings, out());
    v("blocking_reservation_ids", e.blocking_reservation_ids, out());
  }
};

template <>
struct Describe<ExplainRequest> {
  static constexpr const char* name = "ExplainRequest";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "A start to explain";
  template <typename V, Of<ExplainRequest> S>
  static void fields(V& v, S& r) {
    v("requests", r.requests, req());
    v("start", r.start, req());
    v("duration", r.duration, req("seconds"));
  }
};

template <>
struct Describe<Allocation> {
  static constexpr const char* name = "Allocation";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "What a reservation holds on one resource";
  template <typename V, Of<Allocation> S>
  static void fields(V& v, S& a) {
    v("resource", a.resource, out("for a pool allocation: the member taken"));
    v("quantity", a.quantity, out());
    v("pool", a.pool, out("the pool it was requested from, or null"));
  }
};

template <>
struct Describe<Reservation> {
  static constexpr const char* name = "Reservation";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A booking of one or more resources for [start, end)";
  template <typename V, Of<Reservation> S>
  static void fields(V& v, S& r) {
    v("id", r.id, out());
    v("tenant", r.tenant, out());
    v("status", r.status, out());
    v("start", r.start, out());
    v("end", r.end, out());
    v("zone", r.zone, out("the zone of the first allocation's resource"));
    v.computed("local_start", local(r.start, r.zone), json_only("start in zone, with its offset"));
    v.computed("local_end", local(r.end, r.zone), json_only("end in zone, with its offset"));
    v("hold_expires_at", r.hold_expires_at, out("set while held"));
    v("allocations", r.allocations, out());
    v("idempotency_key", r.idempotency_key, out());
    v("customer", r.customer, out());
    v("customer_id", r.customer_id, out("the customer record it is for, or null"));
    v("notes", r.notes, out());
    v("metadata", json_text(r.metadata_json), out());
    v("service", r.service, out("the service it was booked as, or null"));
    v("price_minor", r.price_minor, out("the service's price when booked, in minor units"));
    v("currency", r.currency, out("ISO 4217, with a price"));
    v("payment_status", r.payment_status,
      out("none, pending, paid, refunded or failed (docs/payments.md)"));
    v("payment_reference", r.payment_reference, out("the provider's payment id or staff's note"));
    v("buffer_before", r.buffer_before, out("seconds: its service's buffer, kept with it"));
    v("buffer_after", r.buffer_after, out("seconds"));
    v("series", r.series, out("the series it is an occurrence of, or null"));
    v("occurrence_date", r.occurrence_date,
      out("with series: the local date the rule generated it for (RECURRENCE-ID)"));
    v("created_at", r.created_at, out());
    v("updated_at", r.updated_at, out());
    v("version", r.version, out("pass it back as if_version to guard a change"));
  }
};

template <>
struct Describe<RefusedOccurrence> {
  static constexpr const char* name = "RefusedOccurrence";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "An occurrence of a refused series that could not be booked";
  template <typename V, Of<RefusedOccurrence> S>
  static void fields(V& v, S& o) {
    v("start", o.start, out("the occurrence as the series generated it"));
    v("end", o.end, out());
    v("code", o.code, out("conflict, or invalid_argument (off the grid, duration bounds)"));
    v("reason", o.reason, out("why, naming the resource and the rule"));
    v("blocking_reservation_ids", o.blocking_reservation_ids,
      out("the reservations in the way the caller may see"));
  }
};

template <>
struct Describe<ConflictInfo> {
  static constexpr const char* name = "Conflict";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "Why a booking was refused, in its problem document";
  template <typename V, Of<ConflictInfo> S>
  static void fields(V& v, S& c) {
    v("blocking", c.blocking_reservation_ids,
      out("the reservations in the way the caller may see"));
    v("next_free_start", c.next_free_start, out("the earliest start where the request fits"));
    v("occurrences", c.occurrences, out("a refused series: every occurrence that does not fit"));
    v("rule", c.rule, out("the booking rule that refused (cancel_cutoff, ...); \"\" for capacity"));
    v("deadline", c.deadline, out("for a cutoff: the deadline that passed"));
  }
};

template <>
struct Describe<ReserveRequest> {
  static constexpr const char* name = "ReserveRequest";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "A reservation request";
  template <typename V, Of<ReserveRequest> S>
  static void fields(V& v, S& r) {
    v("allocations", r.allocations, opt("1..100; empty with a service"));
    v("service", r.service, opt("a service id: book it instead of allocations"));
    v("start", r.start, req());
    v("end", r.end, opt("required without a service; with one, left out: its duration"));
    v("hold_for", r.hold_for, opt("seconds: held until now + hold_for"));
    v("idempotency_key", r.idempotency_key, opt("a retry with the same key returns the original"));
    v("customer", r.customer, opt("0..200 bytes"));
    v("customer_id", r.customer_id, opt("the customer record it is for"));
    v("notes", r.notes, opt("0..4096 bytes"));
    v("metadata", json_text(r.metadata_json), opt("any JSON object, up to 64 KiB"));
    v("override_rules", r.override_rules,
      opt("pass over the per-customer limits (rules:override)"));
  }
};

template <>
struct Describe<ReservationFilter> {
  static constexpr const char* name = "ReservationFilter";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which reservations to list; every field optional";
  template <typename V, Of<ReservationFilter> S>
  static void fields(V& v, S& f) {
    v("resource", f.resource, opt());
    v("pool", f.pool, opt("an allocation requested from this pool"));
    v("from", f.from, opt("overlapping [from, to)"));
    v("to", f.to, opt());
    v("statuses", f.statuses, opt());
    v("customer", f.customer, opt());
    v("customer_id", f.customer_id, opt("for this customer record"));
    v("series", f.series, opt("the occurrences of this series"));
    v("service", f.service, opt("booked as this service"));
    v("order", f.order, opt("by_id (default) or by_start"));
    v("after_id", f.after_id, opt("the last id of the previous page"));
    v("after_start", f.after_start, opt("by_start: the last start of the previous page"));
    v("limit", f.limit, opt("1..10000"));
  }
};

template <>
struct Describe<RescheduleRequest> {
  static constexpr const char* name = "RescheduleRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A new range for a reservation";
  template <typename V, Of<RescheduleRequest> S>
  static void fields(V& v, S& r) {
    v("start", r.start, req());
    v("end", r.end, req());
    v.flatten(r.guard);
  }
};

template <>
struct Describe<ChangeGuard> {
  static constexpr const char* name = "ChangeGuard";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "The guards of a change to a reservation";
  template <typename V, Of<ChangeGuard> S>
  static void fields(V& v, S& g) {
    v("if_version", g.if_version, opt("the version read; null: unconditional"));
    v("override_rules", g.override_rules,
      opt("pass over the cutoffs and per-customer limits (rules:override)"));
  }
};

template <>
struct Describe<ReservationUpdate> {
  static constexpr const char* name = "ReservationUpdate";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc =
      "An edit of a reservation; a field left out or null keeps its value";
  template <typename V, Of<ReservationUpdate> S>
  static void fields(V& v, S& u) {
    v("customer", u.customer, opt("the free-text reference, 0..200 bytes"));
    v("customer_id", u.customer_id, opt("link to this customer; 0 unlinks"));
    v("notes", u.notes, opt("0..4096 bytes"));
    v("metadata", json_text(u.metadata_json), opt("any JSON object, up to 64 KiB"));
    v("start", u.start, opt("a new start (alone: the length is kept)"));
    v("end", u.end, opt("a new end (alone: only the length changes)"));
    v("allocations", u.allocations, opt("a new placement, 1..100 requests"));
    v("quantity", u.quantity, opt("with one allocation: its new quantity"));
    v.flatten(u.guard);
  }
};

template <>
struct Describe<VersionGuard> {
  static constexpr const char* name = "VersionGuard";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "The version a change of state expects";
  template <typename V, Of<VersionGuard> S>
  static void fields(V& v, S& g) {
    v("if_version", g.if_version, opt("the version read; null: unconditional"));
  }
};

template <>
struct Describe<StorageInfo> {
  static constexpr const char* name = "StorageInfo";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "The store an engine runs on";
  template <typename V, Of<StorageInfo> S>
  static void fields(V& v, S& i) {
    v("dialect", i.dialect, out("memory, sqlite, postgresql"));
    v("schema_version", i.schema_version, out());
    v("location", i.location, out("a file or host:port/db, never a password"));
  }
};

template <>
struct Describe<TableStats> {
  static constexpr const char* name = "TableStats";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "Rows and bytes of one table";
  template <typename V, Of<TableStats> S>
  static void fields(V& v, S& t) {
    v("table", t.table, out());
    v("rows", t.rows, out());
    v("bytes", t.bytes, out("0 where the store cannot tell"));
  }
};

template <>
struct Describe<AuditRecord> {
  static constexpr const char* name = "AuditRecord";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "One link of a tenant's hash chain";
  template <typename V, Of<AuditRecord> S>
  static void fields(V& v, S& r) {
    v("tenant", r.tenant, out("0: the system chain"));
    v("seq", r.seq, out());
    v("at", r.at, out());
    v("actor", r.actor, out());
    v("action", r.action, out());
    v("target", r.target, out());
    v("outcome", r.outcome, out());
    v("reason", r.reason, out());
    v("source", r.source, out());
    v("detail", json_text(r.detail_json), out());
    v("prev_hash", r.prev_hash, out());
    v("hash", r.hash, out());
  }
};

template <>
struct Describe<AuditHead> {
  static constexpr const char* name = "AuditHead";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "The newest link of a chain";
  template <typename V, Of<AuditHead> S>
  static void fields(V& v, S& h) {
    v("tenant", h.tenant, req());
    v("seq", h.seq, req());
    v("hash", h.hash, req());
  }
};

template <>
struct Describe<AuditQuery> {
  static constexpr const char* name = "AuditQuery";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which records of one chain to read; every field optional";
  template <typename V, Of<AuditQuery> S>
  static void fields(V& v, S& q) {
    v("actor", q.actor, opt());
    v("target", q.target, opt());
    v("action", q.action, opt("exact, or a prefix ending in '.'"));
    v("outcome", q.outcome, opt());
    v("from", q.from, opt());
    v("to", q.to, opt());
    v("after_seq", q.after_seq, opt());
    v("limit", q.limit, opt("1..10000"));
  }
};

template <>
struct Describe<AuditVerification> {
  static constexpr const char* name = "AuditVerification";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "The result of walking chains; the first broken link";
  template <typename V, Of<AuditVerification> S>
  static void fields(V& v, S& a) {
    v("ok", a.ok, out());
    v("chains", a.chains, out());
    v("records", a.records, out());
    v("heads", a.heads, out());
    v("broken_tenant", a.broken_tenant, out());
    v("broken_seq", a.broken_seq, out());
    v("problem", a.problem, out());
    v("unsealed", a.unsealed, out("records committed but not yet linked into their chain"));
  }
};

template <>
struct Describe<HealthOptions> {
  static constexpr const char* name = "HealthOptions";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "What a health report checks";
  template <typename V, Of<HealthOptions> S>
  static void fields(V& v, S& o) {
    v("backup_max_age", o.backup_max_age, opt("0: backups are not checked"));
    v("heartbeats", o.heartbeats, opt());
    v("heartbeat_max_age", o.heartbeat_max_age, opt());
    v("min_free_disk_fraction", o.min_free_disk_fraction, opt());
    v("min_free_disk_bytes", o.min_free_disk_bytes, opt());
    v("storage_slow_after", o.storage_slow_after, opt());
  }
};

template <>
struct Describe<HealthCheck> {
  static constexpr const char* name = "HealthCheck";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One line of a health report";
  template <typename V, Of<HealthCheck> S>
  static void fields(V& v, S& c) {
    v("name", c.name, out("storage, schema, read_only, disk, backup, heartbeat:<component>"));
    v("status", c.status, out());
    v("detail", c.detail, out("human-readable; never a password"));
  }
};

template <>
struct Describe<Heartbeat> {
  static constexpr const char* name = "Heartbeat";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "The last heartbeat of a component";
  template <typename V, Of<Heartbeat> S>
  static void fields(V& v, S& h) {
    v("component", h.component, out());
    v("last_seen", h.last_seen, out("null: never reported"));
  }
};

template <>
struct Describe<HealthReport> {
  static constexpr const char* name = "HealthReport";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "The health of an engine and its store";
  template <typename V, Of<HealthReport> S>
  static void fields(V& v, S& r) {
    v("status", r.status, out("the worst check"));
    v("checked_at", r.checked_at, out());
    v("dialect", r.dialect, out("sqlite, postgresql, memory"));
    v("location", r.location, out("the file, or host:port/db; never a password"));
    v("schema_version", r.schema_version, out());
    v("expected_schema_version", r.expected_schema_version, out("what this build migrates to"));
    v("storage_reachable", r.storage_reachable, out());
    v("storage_latency_seconds", r.storage_latency_seconds, out("one read transaction"));
    v("read_only", r.read_only, out());
    v("read_only_reason", r.read_only_reason, out());
    v("disk_free_bytes", r.disk_free_bytes, out("file stores only"));
    v("disk_total_bytes", r.disk_total_bytes, out("file stores only"));
    v("last_backup_at", r.last_backup_at, out());
    v("heartbeats", r.heartbeats, out("the components HealthOptions expects"));
    v("checks", r.checks, out());
  }
};

template <>
struct Describe<BackupManifest> {
  static constexpr const char* name = "BackupManifest";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "What a backup holds, written beside it";
  template <typename V, Of<BackupManifest> S>
  static void fields(V& v, S& m) {
    v("format", m.format, out("boka-backup/1"));
    v("file", m.file, out("the backup's file name, in the manifest's directory"));
    v("kind", m.kind, out());
    v("created_at", m.created_at, out("when the snapshot was taken"));
    v("source", m.source, out("the database file backed up"));
    v("schema_version", m.schema_version, out());
    v("sha256", m.sha256, out("hex SHA-256 of the backup file"));
    v("size_bytes", m.size_bytes, out());
    v("tables", m.tables, out("row counts in the snapshot (bytes 0)"));
    v("audit_heads", m.audit_heads, out("every chain's head in the snapshot"));
    v("boka_version", m.boka_version, out());
  }
};

template <>
struct Describe<BackupOptions> {
  static constexpr const char* name = "BackupOptions";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Where and how to back up";
  template <typename V, Of<BackupOptions> S>
  static void fields(V& v, S& o) {
    v("directory", o.directory, req());
    v("kind", o.kind, opt());
    v("keep", o.keep, opt("backups of this kind to keep; 0: the kind's default"));
    v("verify", o.verify, opt());
  }
};

template <>
struct Describe<BackupVerification> {
  static constexpr const char* name = "BackupVerification";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "A backup checked against its manifest";
  template <typename V, Of<BackupVerification> S>
  static void fields(V& v, S& b) {
    v("ok", b.ok, out());
    v("integrity", b.integrity, out());
    v("checksum_matches", b.checksum_matches, out());
    v("counts_match", b.counts_match, out());
    v("audit", b.audit, out());
    v("heads_match", b.heads_match, out());
    v("problems", b.problems, out());
  }
};

template <>
struct Describe<BackupResult> {
  static constexpr const char* name = "BackupResult";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "A backup taken";
  template <typename V, Of<BackupResult> S>
  static void fields(V& v, S& r) {
    v("path", r.path, out());
    v("manifest_path", r.manifest_path, out());
    v("manifest", r.manifest, out("what the manifest file beside the backup holds"));
    v("removed", r.removed, out());
    v("verification", r.verification, out());
  }
};

// ---- authentication ------------------------------------------------------------------------

template <>
struct Describe<User> {
  static constexpr const char* name = "User";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A user account (never its password)";
  template <typename V, Of<User> S>
  static void fields(V& v, S& u) {
    v("id", u.id, out());
    v("tenant", u.tenant, out());
    v("email", u.email, out());
    v("display_name", u.display_name, out());
    v("role", u.role, out());
    v("state", u.state, out());
    v("mfa_enabled", u.mfa_enabled, out());
    v("created_at", u.created_at, out());
    v("last_login_at", u.last_login_at, out());
    v("failed_logins", u.failed_logins, out());
    v("locked_until", u.locked_until, out());
    v("version", u.version, out());
  }
};

template <>
struct Describe<NewUser> {
  static constexpr const char* name = "NewUser";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "A user to create";
  template <typename V, Of<NewUser> S>
  static void fields(V& v, S& u) {
    v("email", u.email, req("3..254 bytes"));
    v("password", u.password, req("12..128 characters"));
    v("display_name", u.display_name, opt());
    v("role", u.role, opt("default customer"));
  }
};

template <>
struct Describe<LoginRequest> {
  static constexpr const char* name = "LoginRequest";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "A login with a password, and a TOTP or recovery code";
  template <typename V, Of<LoginRequest> S>
  static void fields(V& v, S& l) {
    v("tenant", l.tenant, req());
    v("email", l.email, req());
    v("password", l.password, req());
    v("mfa_code", l.mfa_code, opt("skips the mfa_pending step"));
    v("source", l.source, opt("the client address (the HTTP host sets its own)"));
  }
};

template <>
struct Describe<Session> {
  static constexpr const char* name = "Session";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A login session (never its token)";
  template <typename V, Of<Session> S>
  static void fields(V& v, S& s) {
    v("id", s.id, out());
    v("tenant", s.tenant, out());
    v("user", s.user, out());
    v("created_at", s.created_at, out());
    v("last_seen_at", s.last_seen_at, out());
    v("idle_expires_at", s.idle_expires_at, out());
    v("absolute_expires_at", s.absolute_expires_at, out());
    v("mfa_passed", s.mfa_passed, out());
    v("mfa_pending", s.mfa_pending, out("can only verify MFA or log out"));
    v("source", s.source, out());
  }
};

template <>
struct Describe<SessionGrant> {
  static constexpr const char* name = "SessionGrant";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A new session and its token, shown once";
  template <typename V, Of<SessionGrant> S>
  static void fields(V& v, S& g) {
    v("token", g.token, out("the bearer token, shown once"));
    v("session", g.session, out());
    v.computed("mfa_pending", g.session.mfa_pending, out("the session's mfa_pending"));
    v("principal", g.principal, native_only("the session as a principal"));
  }
};

template <>
struct Describe<TotpEnrollment> {
  static constexpr const char* name = "TotpEnrollment";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A TOTP secret to confirm, shown once";
  template <typename V, Of<TotpEnrollment> S>
  static void fields(V& v, S& e) {
    v("secret", e.secret_base32, out("RFC 4648 base32"));
    v("provisioning_uri", e.provisioning_uri, out("otpauth://totp/..."));
  }
};

template <>
struct Describe<MfaEnabled> {
  static constexpr const char* name = "MfaEnabled";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A new MFA-passed session and the recovery codes, shown once";
  template <typename V, Of<MfaEnabled> S>
  static void fields(V& v, S& m) {
    v.flatten(m.session);
    v("recovery_codes", m.recovery_codes, out("10 single-use codes"));
  }
};

template <>
struct Describe<ApiKey> {
  static constexpr const char* name = "ApiKey";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "An API key (never its secret)";
  template <typename V, Of<ApiKey> S>
  static void fields(V& v, S& k) {
    v("id", k.id, out());
    v("tenant", k.tenant, out());
    v("created_by", k.created_by, out("0: the system"));
    v("created_by_tenant", k.created_by_tenant, out());
    v("parent", k.parent, out("the key this key was created with, or 0"));
    v("name", k.name, out());
    v("scopes", permissions(k.scopes), out());
    v("role", k.role, out("the ceiling: the creator's role"));
    v("created_at", k.created_at, out());
    v("expires_at", k.expires_at, out());
    v("last_used_at", k.last_used_at, out());
    v("revoked_at", k.revoked_at, out());
    v("emergency", k.emergency, out());
  }
};

template <>
struct Describe<NewApiKey> {
  static constexpr const char* name = "NewApiKey";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "An API key to create";
  template <typename V, Of<NewApiKey> S>
  static void fields(V& v, S& k) {
    v("name", k.name, req("1..200 bytes"));
    v("scopes", permissions(k.scopes), req("within the creator's permissions"));
    v("expires_in", k.expires_in, opt("seconds; null: never expires"));
  }
};

template <>
struct Describe<CreatedApiKey> {
  static constexpr const char* name = "CreatedApiKey";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A new API key and its secret, shown once";
  template <typename V, Of<CreatedApiKey> S>
  static void fields(V& v, S& k) {
    v.flatten(k.info);
    v("key", k.key, out("the secret, shown once"));
  }
};

template <>
struct Describe<MfaStats::PerRole> {
  static constexpr const char* name = "MfaStatsByRole";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "MFA adoption of one role";
  template <typename V, Of<MfaStats::PerRole> S>
  static void fields(V& v, S& r) {
    v("role", r.role, out());
    v("with_mfa", r.with_mfa, out());
    v("without_mfa", r.without_mfa, out());
  }
};

template <>
struct Describe<MfaStats> {
  static constexpr const char* name = "MfaStats";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "MFA adoption among active and locked users";
  template <typename V, Of<MfaStats> S>
  static void fields(V& v, S& m) {
    v("with_mfa", m.with_mfa, out());
    v("without_mfa", m.without_mfa, out());
    v("by_role", m.by_role, out());
  }
};

template <>
struct Describe<SecurityEvent> {
  static constexpr const char* name = "SecurityEvent";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "A security event: an auth.* audit record (never a secret)";
  template <typename V, Of<SecurityEvent> S>
  static void fields(V& v, S& e) {
    v("id", e.id, out("the audit record's seq in the tenant's chain"));
    v("tenant", e.tenant, out());
    v("at", e.at, out());
    v("kind", e.kind, out("login_failed, lockout, mfa_failed, ... (docs/auth.md)"));
    v("user", e.user, out("0 when unknown"));
    v("email", e.email, out("the login name involved, or empty"));
    v("actor", e.actor, out("who acted, or empty for an anonymous attempt"));
    v("source", e.source, out("the client address, or empty"));
    v("detail", e.detail, out("short human-readable detail"));
    v("outcome", e.outcome, out());
  }
};

template <>
struct Describe<KeyRotation> {
  static constexpr const char* name = "KeyRotation";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "What one call of rotate_encryption_key re-sealed";
  template <typename V, Of<KeyRotation> S>
  static void fields(V& v, S& r) {
    v("key_id", r.key_id, out("the current key, which everything re-sealed is now under"));
    v("resealed", r.resealed, out("users whose secrets this call re-sealed"));
    v("remaining", r.remaining, out("users with a secret under another key still"));
  }
};

template <>
struct Describe<MfaCode> {
  static constexpr const char* name = "MfaCode";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A TOTP or recovery code";
  template <typename V, Of<MfaCode> S>
  static void fields(V& v, S& c) {
    v("code", c.code, req());
  }
};

template <>
struct Describe<PasswordChange> {
  static constexpr const char* name = "PasswordChange";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "The current password and a new one";
  template <typename V, Of<PasswordChange> S>
  static void fields(V& v, S& p) {
    v("current", p.current, req());
    v("new", p.new_password, req());
  }
};

template <>
struct Describe<AuthOptions> {
  static constexpr const char* name = "AuthOptions";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc =
      "Password hashing, lockout, sessions and MFA; durations in seconds";
  template <typename V, Of<AuthOptions> S>
  static void fields(V& v, S& o) {
    v("argon2_memory_kib", o.argon2_memory_kib, opt());
    v("argon2_iterations", o.argon2_iterations, opt());
    v("argon2_parallelism", o.argon2_parallelism, opt());
    v("lockout_threshold", o.lockout_threshold, opt());
    v("lockout_initial_wait", o.lockout_initial_wait, opt());
    v("lockout_max_wait", o.lockout_max_wait, opt());
    v("failure_reset_after", o.failure_reset_after, opt());
    v("max_failures_per_hour", o.max_failures_per_hour, opt());
    v("session_idle", o.session_idle, opt());
    v("session_absolute", o.session_absolute, opt());
    v("admin_session_idle", o.admin_session_idle, opt());
    v("admin_session_absolute", o.admin_session_absolute, opt());
    v("totp_issuer", o.totp_issuer, opt());
    v("totp_max_failures", o.totp_max_failures, opt());
    v("totp_lockout", o.totp_lockout, opt());
    v("encryption_key", o.encryption_key, opt("32 bytes: raw, 64 hex digits or base64"));
    v("encryption_key_id", o.encryption_key_id, opt());
    v("previous_encryption_keys", key_pairs(o.previous_encryption_keys), opt("[{id, key}]"));
    v("emergency_key_lifetime", o.emergency_key_lifetime, opt());
    v("credential_cache", o.credential_cache,
      opt("seconds a verified session or API key is used without reading the store (0..60)"));
  }
};

template <>
struct Describe<EngineOptions> {
  static constexpr const char* name = "EngineOptions";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Options of an engine";
  template <typename V, Of<EngineOptions> S>
  static void fields(V& v, S& o) {
    v("read_only", o.read_only, opt());
    v("read_only_reason", o.read_only_reason, opt());
    v("auth", o.auth, opt());
    v("waitlist_offer_window", o.waitlist_offer_window,
      opt("seconds a waitlist offer holds its capacity, 60..604800; default 900"));
    v("event_retention", o.event_retention,
      opt("seconds events stay in the feed, 3600..315360000; default 2592000 (30 days)"));
    v("webhooks", o.webhooks, opt());
    v("mail", o.mail, opt());
  }
};

// ---- recurring series (boka/series.hpp) ----------------------------------------------------

template <>
struct Describe<Occurrence> {
  static constexpr const char* name = "Occurrence";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One occurrence of a series";
  template <typename V, Of<Occurrence> S>
  static void fields(V& v, S& o) {
    v("date", o.date, out("the local date the rule generated (what an EXDATE names)"));
    v("start", o.start, out());
    v("end", o.end, out());
  }
};

template <>
struct Describe<SkippedOccurrence> {
  static constexpr const char* name = "SkippedOccurrence";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "An occurrence that was not booked (or is not free), and why";
  template <typename V, Of<SkippedOccurrence> S>
  static void fields(V& v, S& s) {
    v.flatten(s.occurrence);
    v("code", s.code, out("conflict, or invalid_argument (off the grid, duration bounds)"));
    v("reason", s.reason, out("why, naming the resource and the rule"));
    v("blocking_reservation_ids", s.blocking_reservation_ids,
      out("the reservations in the way the caller may see"));
  }
};

template <>
struct Describe<SeriesRequest> {
  static constexpr const char* name = "SeriesRequest";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc =
      "A series to book or check: a first occurrence in local wall time and an RRULE";
  template <typename V, Of<SeriesRequest> S>
  static void fields(V& v, S& r) {
    v("allocations", r.allocations, req("1..100"));
    v("first_date", r.first_date, req("YYYY-MM-DD: the first occurrence (DTSTART)"));
    v("start_minute", r.start_minute,
      req("local wall time of each occurrence, minutes after midnight, 0..1439"));
    v("duration", r.duration, req("seconds: each occurrence's length"));
    v("rule", rrule_text(r.rule),
      req("an RRULE with COUNT or UNTIL, \"FREQ=WEEKLY;BYDAY=TU;COUNT=10\""));
    v("exdates", r.exdates, opt("local dates left out (EXDATE)"));
    v("mode", r.mode, opt("default all_or_nothing"));
    v("hold_for", r.hold_for, opt("seconds: every occurrence held until now + hold_for"));
    v("idempotency_key", r.idempotency_key, opt("a retry with the same key returns the original"));
    v("customer", r.customer, opt("0..200 bytes, on every occurrence"));
    v("customer_id", r.customer_id, opt("the customer record, on every occurrence"));
    v("metadata", json_text(r.metadata_json), opt("any JSON object, on every occurrence"));
    v("override_rules", r.override_rules,
      opt("pass over the per-customer limits (rules:override; audited)"));
  }
};

template <>
struct Describe<Series> {
  static constexpr const char* name = "Series";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A stored series: what its reservations were booked from";
  template <typename V, Of<Series> S>
  static void fields(V& v, S& s) {
    v("id", s.id, out());
    v("tenant", s.tenant, out());
    v("allocations", s.allocations, out());
    v("first_date", s.first_date, out("the first occurrence (DTSTART)"));
    v("start_minute", s.start_minute, out("local wall time, minutes after midnight"));
    v("duration", s.duration, out("seconds"));
    v("zone", s.zone, out("the zone its local times are read in"));
    v("rule", rrule_text(s.rule), out("its RRULE, with the UNTIL a split or cancel gave it"));
    v("exdates", s.exdates, out("dates skipped at booking or cancelled alone"));
    v("customer", s.customer, out());
    v("customer_id", s.customer_id, out("the customer record, or null"));
    v("metadata", json_text(s.metadata_json), out());
    v("split_from", s.split_from, out("the series a this_and_following change split this from"));
    v("created_at", s.created_at, out());
    v("updated_at", s.updated_at, out());
    v("version", s.version, out());
  }
};

template <>
struct Describe<SeriesBooking> {
  static constexpr const char* name = "SeriesBooking";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A booked series, its reservations and what was skipped";
  template <typename V, Of<SeriesBooking> S>
  static void fields(V& v, S& b) {
    v("series", b.series, out());
    v("reservations", b.reservations, out("the booked occurrences, by date"));
    v("skipped", b.skipped, out("skip_conflicts: the occurrences left out (its EXDATEs)"));
  }
};

template <>
struct Describe<SeriesAvailability> {
  static constexpr const char* name = "SeriesAvailability";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "Which occurrences of a series request could be booked now";
  template <typename V, Of<SeriesAvailability> S>
  static void fields(V& v, S& a) {
    v("free", a.free, out());
    v("taken", a.taken, out("with why each is not free"));
  }
};

template <>
struct Describe<SeriesReschedule> {
  static constexpr const char* name = "SeriesReschedule";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc =
      "What a reschedule of a series sets; a field left out keeps the series' value";
  template <typename V, Of<SeriesReschedule> S>
  static void fields(V& v, S& c) {
    v("first_date", c.first_date, opt("default: the changed occurrence's date"));
    v("start_minute", c.start_minute, opt("0..1439"));
    v("duration", c.duration, opt("seconds"));
    v("rule", rrule_text(c.rule), opt("an RRULE; default: the series' (COUNT reduced)"));
  }
};

template <>
struct Describe<SeriesChange> {
  static constexpr const char* name = "SeriesChange";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "What a cancel or reschedule of a series did";
  template <typename V, Of<SeriesChange> S>
  static void fields(V& v, S& c) {
    v("series", c.series, out("the series now (for a split, the old part)"));
    v("split", c.split, out("the new series a this_and_following change started, or null"));
    v("changed", c.changed, out("every reservation the change wrote, by start"));
  }
};

template <>
struct Describe<SeriesCancelRequest> {
  static constexpr const char* name = "SeriesCancelRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "Which occurrences to cancel, counted from this one";
  template <typename V, Of<SeriesCancelRequest> S>
  static void fields(V& v, S& r) {
    v("scope", r.scope, req());
    v("override_rules", r.override_rules,
      opt("pass over the cancel cutoffs (rules:override; audited)"));
  }
};

template <>
struct Describe<SeriesRescheduleRequest> {
  static constexpr const char* name = "SeriesRescheduleRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc =
      "Which occurrences to move, counted from this one, and the fields of SeriesReschedule";
  template <typename V, Of<SeriesRescheduleRequest> S>
  static void fields(V& v, S& r) {
    v("scope", r.scope, req());
    v.flatten(r.change);
    v("override_rules", r.override_rules,
      opt("pass over the reschedule cutoffs (rules:override; audited)"));
  }
};

// ---- the waitlist (boka/waitlist.hpp) -----------------------------------------------------

template <>
struct Describe<WaitlistEntry> {
  static constexpr const char* name = "WaitlistEntry";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "An entry of a tenant's waitlist";
  template <typename V, Of<WaitlistEntry> S>
  static void fields(V& v, S& e) {
    v("id", e.id, out());
    v("tenant", e.tenant, out());
    v("allocations", e.allocations, out("what a booking for it takes"));
    v("earliest_start", e.earliest_start, out("the starts it accepts: [earliest, latest]"));
    v("latest_start", e.latest_start, out());
    v("duration", e.duration, out("seconds"));
    v("customer", e.customer, out("whom the offer is for"));
    v("customer_id", e.customer_id, out("the customer record, carried onto the offer"));
    v("priority", e.priority, out("higher first, then joined_at, then id"));
    v("joined_at", e.joined_at, out());
    v("expires_at", e.expires_at, out("the entry stops waiting at this instant"));
    v("status", e.status, out());
    v("offer", e.offer, out("the held reservation offered (offered, accepted), or null"));
    v("offer_expires_at", e.offer_expires_at, out("while offered: the offer's deadline"));
    v("metadata", json_text(e.metadata_json), out("copied onto the offered hold"));
    v("updated_at", e.updated_at, out());
    v("version", e.version, out());
  }
};

template <>
struct Describe<WaitlistRequest> {
  static constexpr const char* name = "WaitlistRequest";
  static constexpr unsigned shells = kC | kHttp;
  static constexpr const char* doc = "A request to join the waitlist";
  template <typename V, Of<WaitlistRequest> S>
  static void fields(V& v, S& r) {
    v("allocations", r.allocations, req("1..100"));
    v("earliest_start", r.earliest_start, req("the first start it accepts"));
    v("latest_start", r.latest_start, req("the last start it accepts (= earliest: exact)"));
    v("duration", r.duration, req("seconds"));
    v("expires_at", r.expires_at, opt("when it stops waiting; default latest_start"));
    v("customer", r.customer, opt("whom it is for; a customer joins as themselves"));
    v("customer_id", r.customer_id, opt("the customer record it is for"));
    v("priority", r.priority, opt("-1000..1000; staff (reservations:all) only"));
    v("metadata", json_text(r.metadata_json), opt("any JSON object, copied onto the offer"));
  }
};

template <>
struct Describe<WaitlistPosition> {
  static constexpr const char* name = "WaitlistPosition";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A waitlist entry and where it stands in its queue";
  template <typename V, Of<WaitlistPosition> S>
  static void fields(V& v, S& p) {
    v("entry", p.entry, out());
    v("position", p.position,
      out("1 + the waiting entries ahead that compete with it; 0 when not waiting"));
  }
};

template <>
struct Describe<WaitlistFilter> {
  static constexpr const char* name = "WaitlistFilter";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which waitlist entries to list; every field optional";
  template <typename V, Of<WaitlistFilter> S>
  static void fields(V& v, S& f) {
    v("resource", f.resource, opt("entries naming this resource directly"));
    v("pool", f.pool, opt("entries naming this pool"));
    v("customer", f.customer, opt("exact match"));
    v("customer_id", f.customer_id, opt("entries for this customer record"));
    v("statuses", f.statuses, opt("empty: any"));
    v("limit", f.limit, opt("1..10000"));
  }
};

template <>
struct Describe<WaitlistPriorityRequest> {
  static constexpr const char* name = "WaitlistPriorityRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A waitlist entry's new priority";
  template <typename V, Of<WaitlistPriorityRequest> S>
  static void fields(V& v, S& r) {
    v("priority", r.priority, req("-1000..1000"));
  }
};

// ---- services and customers (boka/service.hpp, boka/customer.hpp) ---------------------------

template <>
struct Describe<Service> {
  static constexpr const char* name = "Service";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "An appointment type: what one booking takes, for how long, at what price";
  template <typename V, Of<Service> S>
  static void fields(V& v, S& s) {
    v("id", s.id, key());
    v("tenant", s.tenant, out());
    v("name", s.name, req("1..200 bytes"));
    v("description", s.description, replace("0..4096 bytes"));
    v("duration", s.duration, req("seconds: a booking's length when it names none"));
    v("allowed_durations", s.allowed_durations,
      replace("seconds: other lengths a booking may choose, at most 20"));
    v("allocations", s.allocations, req("1..20: what one booking takes"));
    v("buffer_before", s.buffer_before, replace("seconds, 0..86400; the larger with a resource's"));
    v("buffer_after", s.buffer_after, replace("seconds, 0..86400"));
    v("min_notice", s.min_notice, replace("seconds, 0..31536000"));
    v("price_minor", s.price_minor, replace("minor units of currency (cents); null: no price"));
    v("currency", s.currency, replace("ISO 4217 (\"EUR\"); required with a price"));
    v("customer_bookable", s.customer_bookable,
      replace("whether customers may book it; default true"));
    v("rules", s.rules, replace("cutoffs and per-customer limits of its bookings"));
    v("metadata", json_text(s.metadata_json), replace("any JSON object, up to 64 KiB"));
    v("created_at", s.created_at, out());
    v("updated_at", s.updated_at, out());
    v("archived_at", s.archived_at, out("archived services take no new bookings"));
    v("version", s.version, key());
  }
};

template <>
struct Describe<Customer> {
  static constexpr const char* name = "Customer";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A customer record of a tenant";
  template <typename V, Of<Customer> S>
  static void fields(V& v, S& c) {
    v("id", c.id, key());
    v("tenant", c.tenant, out());
    v("display_name", c.display_name, req("1..200 bytes (\"\" only once erased)"));
    v("email", c.email, replace("0..254 bytes, stored lower-case; unique among live customers"));
    v("phone", c.phone, replace("0..50 bytes, free-form"));
    v("locale", c.locale, replace("\"\" or a BCP 47 tag (\"de\", \"pt-BR\")"));
    v("time_zone", c.time_zone, replace("\"\" or an IANA zone"));
    v("notes", c.notes, replace("0..4096 bytes, staff notes"));
    v("external_ref", c.external_ref,
      replace("the business's own id, 0..200 bytes; unique among live customers"));
    v("user", c.user, replace("the customer-role user who is this customer, or null"));
    v("merged_into", c.merged_into, out("set once merged: the customer that absorbed it"));
    v("erased_at", c.erased_at, out("set once erased: every personal field is empty"));
    v("created_at", c.created_at, out());
    v("updated_at", c.updated_at, out());
    v("version", c.version, key());
  }
};

template <>
struct Describe<CustomerFilter> {
  static constexpr const char* name = "CustomerFilter";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which customers to list, by id; every field optional";
  template <typename V, Of<CustomerFilter> S>
  static void fields(V& v, S& f) {
    v("query", f.query, opt("a prefix of the name, of a word of it, or of the email"));
    v("include_inactive", f.include_inactive, opt("also merged and erased records"));
    v("after_id", f.after_id, opt("the last id of the previous page"));
    v("limit", f.limit, opt("1..1000"));
  }
};

template <>
struct Describe<CustomerMergeRequest> {
  static constexpr const char* name = "CustomerMergeRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "The customer to absorb into the one the path names";
  template <typename V, Of<CustomerMergeRequest> S>
  static void fields(V& v, S& r) {
    v("absorbed", r.absorbed, req("a customer id; left as a tombstone"));
  }
};

template <>
struct Describe<Event> {
  static constexpr const char* name = "Event";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One change, as other systems see it (docs/events.md)";
  template <typename V, Of<Event> S>
  static void fields(V& v, S& e) {
    v("id", e.id, out("unique, never reused: the webhook-id of its deliveries"));
    v("position", e.position, out("its place in the feed: pass the last one back as after"));
    v("tenant", e.tenant, out());
    v("type", e.type, out("reservation.created, reservation.cancelled, ... (docs/events.md)"));
    v("subject", e.subject, out("what it is about: reservation:42, series:7, customer:12"));
    v("occurred_at", e.occurred_at, out());
    v("actor", e.actor, out("the principal that made the change"));
    v("source", e.source, out("where it acted from"));
    v("customer_id", e.customer_id, out("the customer record the subject belongs to, or null"));
    v("data", json_text(e.payload_json),
      out("the subject after the change: {\"reservation\": {...}}, {\"customer\": {...}}, ..."));
  }
};

template <>
struct Describe<EventQuery> {
  static constexpr const char* name = "EventQuery";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which events to read: after a position, oldest first";
  template <typename V, Of<EventQuery> S>
  static void fields(V& v, S& q) {
    v("after", q.after, opt("a position; 0 reads from the oldest kept"));
    v("limit", q.limit, opt("1..1000"));
    v("types", q.types, opt("event types; \"reservation.*\" matches a family"));
    v("subject", q.subject, opt("only this subject (\"reservation:42\")"));
  }
};

template <>
struct Describe<EventPage> {
  static constexpr const char* name = "EventPage";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A page of the event feed";
  template <typename V, Of<EventPage> S>
  static void fields(V& v, S& p) {
    v("events", p.events, out());
    v("next_after", p.next_after, out("pass it back as after for the next page"));
    v("more", p.more, out("a full page: ask again at once"));
  }
};

template <>
struct Describe<WebhookEndpoint> {
  static constexpr const char* name = "WebhookEndpoint";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "Where a tenant's events go (docs/webhooks.md)";
  template <typename V, Of<WebhookEndpoint> S>
  static void fields(V& v, S& e) {
    v("id", e.id, key());
    v("tenant", e.tenant, out());
    v("url", e.url, req("http(s); must not reach private addresses unless allow-listed"));
    v("event_types", e.event_types, replace("names or \"family.*\"; empty: every type"));
    v("description", e.description, replace("0..500 bytes"));
    v("active", e.active, replace("false: no deliveries (set by boka after failing for days)"));
    v("disabled_reason", e.disabled_reason, out());
    v("after_position", e.after_position, out("the feed position scheduled up to"));
    v("failing_since", e.failing_since, out("since when every delivery failed, or null"));
    v("previous_secret_expires_at", e.previous_secret_expires_at,
      out("during a rotation: the old secret signs too until then"));
    v("created_at", e.created_at, out());
    v("updated_at", e.updated_at, out());
    v("version", e.version, key());
  }
};

template <>
struct Describe<CreatedWebhookEndpoint> {
  static constexpr const char* name = "CreatedWebhookEndpoint";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "An endpoint with its secret, shown once";
  template <typename V, Of<CreatedWebhookEndpoint> S>
  static void fields(V& v, S& c) {
    v("endpoint", c.endpoint, out());
    v("secret", c.secret, out("whsec_...: verify deliveries with it; shown only now"));
  }
};

template <>
struct Describe<WebhookDelivery> {
  static constexpr const char* name = "WebhookDelivery";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One event on its way to one endpoint";
  template <typename V, Of<WebhookDelivery> S>
  static void fields(V& v, S& d) {
    v("id", d.id, out());
    v("tenant", d.tenant, out());
    v("endpoint", d.endpoint, out());
    v("event", d.event, out("the event id (webhook-id evt_<id>)"));
    v("event_position", d.event_position, out());
    v("event_type", d.event_type, out());
    v("subject", d.subject, out());
    v("status", d.status, out());
    v("attempts", d.attempts, out());
    v("next_attempt_at", d.next_attempt_at, out());
    v("last_status_code", d.last_status_code, out("the last answer's HTTP status, or null"));
    v("last_latency_ms", d.last_latency_ms, out());
    v("last_error", d.last_error, out());
    v("replay", d.replay, out("made by a replay request"));
    v("leased_until", d.leased_until, out("set while a worker attempts it"));
    v("created_at", d.created_at, out());
    v("delivered_at", d.delivered_at, out());
  }
};

template <>
struct Describe<DeliveryAttempt> {
  static constexpr const char* name = "DeliveryAttempt";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One attempt of a webhook delivery";
  template <typename V, Of<DeliveryAttempt> S>
  static void fields(V& v, S& a) {
    v("delivery", a.delivery, out());
    v("attempt", a.attempt, out("1, 2, ..."));
    v("at", a.at, out());
    v("status_code", a.status_code, out("null: no answer"));
    v("latency_ms", a.latency_ms, out());
    v("error", a.error, out("\"\" for a 2xx"));
  }
};

template <>
struct Describe<WebhookRotateRequest> {
  static constexpr const char* name = "WebhookRotateRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "How long the old secret keeps signing";
  template <typename V, Of<WebhookRotateRequest> S>
  static void fields(V& v, S& r) {
    v("overlap", r.overlap, opt("seconds, 0..604800; default 86400"));
  }
};

template <>
struct Describe<WebhookReplayRequest> {
  static constexpr const char* name = "WebhookReplayRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "The event to send to the endpoint again";
  template <typename V, Of<WebhookReplayRequest> S>
  static void fields(V& v, S& r) {
    v("event", r.event, req("an event id"));
  }
};

template <>
struct Describe<DeliveryFilter> {
  static constexpr const char* name = "DeliveryFilter";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which webhook deliveries to list, newest first";
  template <typename V, Of<DeliveryFilter> S>
  static void fields(V& v, S& f) {
    v("endpoint", f.endpoint, opt("an endpoint id, or null for every endpoint"));
    v("status", f.status, opt("pending, delivered or dead"));
    v("event", f.event, opt("an event id"));
    v("before_id", f.before_id, opt("keyset: ids below this (0: from the newest)"));
    v("limit", f.limit, opt("1..1000"));
  }
};

template <>
struct Describe<DeliveryRound> {
  static constexpr const char* name = "DeliveryRound";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "What one delivery round of the worker did";
  template <typename V, Of<DeliveryRound> S>
  static void fields(V& v, S& r) {
    v("scheduled", r.scheduled, out("deliveries made from new events"));
    v("attempted", r.attempted, out());
    v("delivered", r.delivered, out());
    v("failed", r.failed, out("attempts to be retried"));
    v("dead", r.dead, out("deliveries out of attempts"));
    v("disabled", r.disabled, out("endpoints disabled for failing too long"));
  }
};

template <>
struct Describe<WebhookOptions> {
  static constexpr const char* name = "WebhookOptions";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "How webhooks are delivered; durations in seconds";
  template <typename V, Of<WebhookOptions> S>
  static void fields(V& v, S& o) {
    v("allow_addresses", o.allow_addresses,
      opt("CIDRs endpoints may reach although not public, comma-separated"));
    v("connect_timeout_ms", o.connect_timeout_ms, opt("1..60000"));
    v("timeout_ms", o.timeout_ms, opt("one attempt, 1..120000"));
    v("max_response_bytes", o.max_response_bytes, opt("0..1048576"));
    v("retry_schedule", o.retry_schedule, opt("waits after each failed attempt"));
    v("disable_after", o.disable_after, opt("3600..2592000"));
    v("lease", o.lease, opt("a worker's hold on an attempt; longer than timeout_ms"));
  }
};

template <>
struct Describe<ManageLink> {
  static constexpr const char* name = "ManageLink";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A reservation's manage link (boka/links.hpp)";
  template <typename V, Of<ManageLink> S>
  static void fields(V& v, S& x) {
    v("tenant", x.tenant, out());
    v("reservation", x.reservation, out());
    v("generation", x.generation, out("bumped by revoke"));
    v("token", x.token, out("bokm_...: the capability; keep it private"));
  }
};

template <>
struct Describe<CalendarFeed> {
  static constexpr const char* name = "CalendarFeed";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc =
      "An iCalendar feed of bookings (docs/feeds.md), without its token";
  template <typename V, Of<CalendarFeed> S>
  static void fields(V& v, S& f) {
    v("id", f.id, out());
    v("tenant", f.tenant, out());
    v("kind", f.kind, out());
    v("subject", f.subject, out("the resource, customer or user id"));
    v("name", f.name, out());
    v("created_at", f.created_at, out());
    v("revoked_at", f.revoked_at, out("set once revoked"));
  }
};

template <>
struct Describe<CreatedFeed> {
  static constexpr const char* name = "CreatedFeed";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A new feed and its token, shown once";
  template <typename V, Of<CreatedFeed> S>
  static void fields(V& v, S& c) {
    v("feed", c.feed, out());
    v("token", c.token, out("bokf_...: the feed is GET /api/feeds/<token>.ics"));
  }
};

template <>
struct Describe<FeedRequest> {
  static constexpr const char* name = "FeedRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "Whose bookings a new feed holds";
  template <typename V, Of<FeedRequest> S>
  static void fields(V& v, S& r) {
    v("kind", r.kind, req("resource, customer or user"));
    v("subject", r.subject, req("the resource, customer or user id"));
    v("name", r.name, opt("0..200 bytes, the calendar's name"));
  }
};

// ---- mail (boka/mail.hpp) and payments (boka/payments.hpp) ---------------------------------

template <>
struct Describe<MailOptions> {
  static constexpr const char* name = "MailOptions";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "How customer mail is submitted; durations in seconds";
  template <typename V, Of<MailOptions> S>
  static void fields(V& v, S& o) {
    v("smtp_url", o.smtp_url, opt("smtp://host[:port] or smtps://host[:port]; \"\": no mail"));
    v("security", o.security,
      opt("none, starttls_if_offered, starttls_required (default) or implicit"));
    v("username", o.username, opt("\"\": no AUTH"));
    v("password", o.password, opt("never logged"));
    v("ca_file", o.ca_file, opt("PEM certificates to trust instead of the system's"));
    v("from_address", o.from_address, opt("the sender address; required with smtp_url"));
    v("connect_timeout_ms", o.connect_timeout_ms, opt("1..60000"));
    v("timeout_ms", o.timeout_ms, opt("one submission, 1..300000"));
    v("retry_schedule", o.retry_schedule, opt("waits after each failed attempt"));
    v("lease", o.lease, opt("a worker's hold on a message; longer than timeout_ms"));
    v("public_url", o.public_url, opt("the web app's origin: messages carry manage links"));
  }
};

template <>
struct Describe<MailTemplate> {
  static constexpr const char* name = "MailTemplate";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A tenant's own text for one kind of message (docs/mail.md)";
  template <typename V, Of<MailTemplate> S>
  static void fields(V& v, S& t) {
    v("kind", t.kind, req("confirmation, cancellation, reschedule or reminder"));
    v("locale", t.locale, opt("\"\": every customer; else a language such as \"de\""));
    v("subject", t.subject, req("a template; one line once rendered"));
    v("text", t.text, req("a template: the text/plain part"));
    v("html", t.html, opt("a template: the text/html part; \"\": none"));
  }
};

template <>
struct Describe<MailSettings> {
  static constexpr const char* name = "MailSettings";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "How a tenant's customer mail goes out (docs/mail.md)";
  template <typename V, Of<MailSettings> S>
  static void fields(V& v, S& s) {
    v("tenant", s.tenant, out());
    v("enabled", s.enabled, replace("false: nothing is written"));
    v("kinds", s.kinds, replace("the kinds sent; default all four"));
    v("from_name", s.from_name, replace("the From display name; \"\": the tenant's name"));
    v("reply_to", s.reply_to, replace("\"\" or an address"));
    v("locale", s.locale,
      replace("for customers without one: en, en-GB, de, fr, es, it, nl, pt, sv"));
    v("time_zone", s.time_zone,
      replace("for customers without one; \"\": the booking's resource's zone"));
    v("reminder_lead", s.reminder_lead, replace("seconds before the start, 900..2592000"));
    v("templates", s.templates, replace("the tenant's own texts; at most 50"));
    v("updated_at", s.updated_at, out());
    v("version", s.version, key());
  }
};

template <>
struct Describe<Email> {
  static constexpr const char* name = "Email";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "One message to one customer";
  template <typename V, Of<Email> S>
  static void fields(V& v, S& e) {
    v("id", e.id, out());
    v("tenant", e.tenant, out());
    v("kind", e.kind, out());
    v("reservation", e.reservation, out());
    v("customer", e.customer, out());
    v("event", e.event, out("the event it was written for; null for reminders"));
    v("to", e.to, out("\"\" once its customer was erased"));
    v("subject", e.subject, out());
    v("locale", e.locale, out());
    v("time_zone", e.time_zone, out("the zone its dates are in"));
    v("message_id", e.message_id, out("the Message-ID header, the same in every attempt"));
    v("status", e.status, out());
    v("attempts", e.attempts, out());
    v("next_attempt_at", e.next_attempt_at, out());
    v("last_smtp_code", e.last_smtp_code, out("the server's last reply code, or null"));
    v("last_error", e.last_error, out());
    v("leased_until", e.leased_until, out("set while a worker sends it"));
    v("created_at", e.created_at, out());
    v("sent_at", e.sent_at, out());
  }
};

template <>
struct Describe<EmailContent> {
  static constexpr const char* name = "EmailContent";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A message as it is (or would be) sent";
  template <typename V, Of<EmailContent> S>
  static void fields(V& v, S& c) {
    v("to", c.to, out());
    v("subject", c.subject, out());
    v("text", c.text, out());
    v("html", c.html, out("\"\": no HTML part"));
    v("ics", c.ics, out("the attached booking (text/calendar)"));
  }
};

template <>
struct Describe<EmailFilter> {
  static constexpr const char* name = "EmailFilter";
  static constexpr unsigned shells = kC;
  static constexpr const char* doc = "Which messages to list, newest first";
  template <typename V, Of<EmailFilter> S>
  static void fields(V& v, S& f) {
    v("status", f.status, opt("pending, sent, dead or skipped"));
    v("kind", f.kind, opt());
    v("reservation", f.reservation, opt());
    v("customer", f.customer, opt());
    v("before_id", f.before_id, opt("keyset: ids below this (0: from the newest)"));
    v("limit", f.limit, opt("1..1000"));
  }
};

template <>
struct Describe<MailRound> {
  static constexpr const char* name = "MailRound";
  static constexpr unsigned shells = kC | kPython;
  static constexpr const char* doc = "What one mail round of the worker did";
  template <typename V, Of<MailRound> S>
  static void fields(V& v, S& r) {
    v("written", r.written, out("messages written from events and reminders"));
    v("attempted", r.attempted, out("SMTP submissions tried"));
    v("sent", r.sent, out());
    v("failed", r.failed, out("attempts to be retried"));
    v("dead", r.dead, out());
    v("skipped", r.skipped, out("messages no longer true when their turn came"));
    v("failed_tenants", r.failed_tenants, out("tenants whose messages could not be written"));
    v("last_error", r.last_error, out("the last such error, \"\" if none"));
    v("server_refused", r.server_refused,
      out("the SMTP server refused the configuration (auth, TLS): the round stopped"));
  }
};

template <>
struct Describe<MailPreviewRequest> {
  static constexpr const char* name = "MailPreviewRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "The message to render for a reservation";
  template <typename V, Of<MailPreviewRequest> S>
  static void fields(V& v, S& r) {
    v("kind", r.kind, req());
    v("reservation", r.reservation, req());
    v("settings", r.settings, opt("settings to try instead of the stored ones"));
  }
};

template <>
struct Describe<PaymentSettings> {
  static constexpr const char* name = "PaymentSettings";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "A tenant's payment setup (docs/payments.md)";
  template <typename V, Of<PaymentSettings> S>
  static void fields(V& v, S& s) {
    v("tenant", s.tenant, out());
    v("enabled", s.enabled, replace("true: bookings of priced services wait for payment"));
    v("payment_window", s.payment_window,
      replace("seconds a customer's booking is held, 60..86400"));
    v("tolerance", s.tolerance, replace("seconds a notification may be old, 60..3600"));
    v("has_secret", s.has_secret, out("whether the provider's signing secret is set"));
    v("updated_at", s.updated_at, out());
    v("version", s.version, key());
  }
};

template <>
struct Describe<PaymentSettingsRequest> {
  static constexpr const char* name = "PaymentSettingsRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc =
      "New payment settings, with the signing secret when it changes";
  template <typename V, Of<PaymentSettingsRequest> S>
  static void fields(V& v, S& r) {
    v("settings", r.settings, req());
    v("signing_secret", r.signing_secret, opt("the provider's endpoint secret (whsec_...)"));
  }
};

template <>
struct Describe<PaymentNotice> {
  static constexpr const char* name = "PaymentNotice";
  static constexpr unsigned shells = kAll;
  static constexpr const char* doc = "What became of a payment provider's notification";
  template <typename V, Of<PaymentNotice> S>
  static void fields(V& v, S& n) {
    v("provider_event_id", n.provider_event_id, out());
    v("type", n.type, out());
    v("outcome", n.outcome, out());
    v("reservation", n.reservation, out());
    v("payment_status", n.payment_status, out("the reservation's, after"));
    v("reservation_status", n.reservation_status, out());
  }
};

template <>
struct Describe<PaymentRecordRequest> {
  static constexpr const char* name = "PaymentRecordRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A payment or refund staff records by hand";
  template <typename V, Of<PaymentRecordRequest> S>
  static void fields(V& v, S& r) {
    v("to", r.to, req("paid, refunded or failed"));
    v("reference", r.reference, opt("0..200 bytes: a receipt number, a transfer id"));
  }
};

template <>
struct Describe<PublicService> {
  static constexpr const char* name = "PublicService";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A service a visitor may book on the public page";
  template <typename V, Of<PublicService> S>
  static void fields(V& v, S& x) {
    v("id", x.id, out());
    v("name", x.name, out());
    v("description", x.description, out());
    v("duration", x.duration, out("seconds: the default length"));
    v("durations", x.durations, out("seconds: every length it may be booked for"));
    v("price", x.price, out("minor units (cents); null: no price"));
    v("currency", x.currency, out("ISO 4217"));
    v("payment_required", x.payment_required, out("confirmed once paid, not on submit"));
  }
};

template <>
struct Describe<PublicBusiness> {
  static constexpr const char* name = "PublicBusiness";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A business's public booking page";
  template <typename V, Of<PublicBusiness> S>
  static void fields(V& v, S& x) {
    v("slug", x.slug, out("the tenant name in lower case, runs of other characters as -"));
    v("name", x.name, out());
    v("tenant", x.tenant, out("the tenant id (staff log in to it)"));
    v("time_zone", x.time_zone, out("the business's zone (its first resource's)"));
    v("services", x.services, out("the customer-bookable services"));
    v("hold", x.hold, out("seconds a chosen start is held while the visitor fills the form"));
  }
};

template <>
struct Describe<PublicSlots> {
  static constexpr const char* name = "PublicSlots";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "Free starts of a service";
  template <typename V, Of<PublicSlots> S>
  static void fields(V& v, S& x) {
    v("service", x.service, out());
    v("time_zone", x.time_zone, out());
    v("from", x.from, out());
    v("to", x.to, out());
    v("starts", x.starts, out("every start a booking would be accepted at now"));
  }
};

template <>
struct Describe<PublicHoldRequest> {
  static constexpr const char* name = "PublicHoldRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A visitor's chosen start, held while they fill the form";
  template <typename V, Of<PublicHoldRequest> S>
  static void fields(V& v, S& x) {
    v("service", x.service, req());
    v("start", x.start, req());
    v("duration", x.duration, opt("seconds; 0: the service's default"));
  }
};

template <>
struct Describe<PublicDetails> {
  static constexpr const char* name = "PublicDetails";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "Who a public booking is for";
  template <typename V, Of<PublicDetails> S>
  static void fields(V& v, S& x) {
    v("name", x.name, req("1..200 bytes"));
    v("email", x.email, req("the address the confirmation goes to"));
    v("phone", x.phone, opt("0..50 bytes"));
    v("notes", x.notes, opt("0..2000 bytes"));
    v("time_zone", x.time_zone, opt("the visitor's IANA zone, for their messages"));
    v("locale", x.locale, opt("the visitor's language tag, for their messages"));
  }
};

template <>
struct Describe<PublicStart> {
  static constexpr const char* name = "PublicStart";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A new start for a booking";
  template <typename V, Of<PublicStart> S>
  static void fields(V& v, S& x) {
    v("start", x.start, req());
  }
};

template <>
struct Describe<PublicBooking> {
  static constexpr const char* name = "PublicBooking";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A booking as its manage link shows it";
  template <typename V, Of<PublicBooking> S>
  static void fields(V& v, S& x) {
    v("token", x.token, out("the manage link's capability token: keep it private"));
    v("manage_path", x.manage_path, out("/manage/<token>"));
    v("state", x.state,
      out("held, awaiting_payment, confirmed, cancelled, expired, completed or no_show"));
    v("business_name", x.business_name, out());
    v("business_slug", x.business_slug, out());
    v("service", x.service, out());
    v("service_name", x.service_name, out());
    v("start", x.start, out());
    v("end", x.end, out());
    v("time_zone", x.time_zone, out("the business's zone"));
    v("hold_expires_at", x.hold_expires_at, out("while held"));
    v("customer_name", x.customer_name, out());
    v("notes", x.notes, out());
    v("price", x.price, out("minor units"));
    v("currency", x.currency, out());
    v("can_cancel", x.can_cancel, out("the visitor may cancel now"));
    v("cancel_deadline", x.cancel_deadline, out("no cancelling after this instant"));
    v("can_reschedule", x.can_reschedule, out("the visitor may move it now"));
    v("reschedule_deadline", x.reschedule_deadline, out("no moving after this instant"));
  }
};

template <>
struct Describe<PublicWaitlistRequest> {
  static constexpr const char* name = "PublicWaitlistRequest";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A visitor's wish to be offered a start that frees up";
  template <typename V, Of<PublicWaitlistRequest> S>
  static void fields(V& v, S& x) {
    v("service", x.service, req());
    v("earliest_start", x.earliest_start, req());
    v("latest_start", x.latest_start, req());
    v("name", x.name, req("1..200 bytes"));
    v("email", x.email, req("where the offer goes"));
  }
};

template <>
struct Describe<PublicWaitlistEntry> {
  static constexpr const char* name = "PublicWaitlistEntry";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A visitor's place on the waitlist";
  template <typename V, Of<PublicWaitlistEntry> S>
  static void fields(V& v, S& x) {
    v("id", x.id, out());
    v("state", x.state, out("waiting, offered, accepted, cancelled or expired"));
    v("earliest_start", x.earliest_start, out());
    v("latest_start", x.latest_start, out());
    v("expires_at", x.expires_at, out());
    v("position", x.position, out("1 = next in line"));
  }
};

template <>
struct Describe<SecurityReport> {
  static constexpr const char* name = "SecurityReport";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A tenant's security over a period";
  template <typename V, Of<SecurityReport> S>
  static void fields(V& v, S& x) {
    v("tenant", x.tenant, out());
    v("from", x.from, out());
    v("to", x.to, out());
    v("failed_logins", x.failed_logins, out());
    v("lockouts", x.lockouts, out());
    v("emergency_keys_used", x.emergency_keys_used, out());
    v("locked_accounts", x.locked_accounts, out("locked now"));
    v("mfa", x.mfa, out());
    v("admins", x.admins, out());
    v("audit", x.audit, out("the tenant's chain, verified now"));
  }
};

template <>
struct Describe<RoleChange> {
  static constexpr const char* name = "RoleChange";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A user's new role";
  template <typename V, Of<RoleChange> S>
  static void fields(V& v, S& x) {
    v("role", x.role, req("customer, staff, admin or superadmin"));
  }
};

template <>
struct Describe<StateChange> {
  static constexpr const char* name = "StateChange";
  static constexpr unsigned shells = kHttp;
  static constexpr const char* doc = "A user's new state";
  template <typename V, Of<StateChange> S>
  static void fields(V& v, S& x) {
    v("state", x.state, req("active (also unlocks) or disabled"));
  }
};

// Calls fn(type_tag<T>) for every described struct: the field-list test and the OpenAPI
// components enumerate them through this one list.
template <typename T>
struct Tag {
  using type = T;
};
template <typename Fn>
void for_each_document(Fn&& fn) {
  fn(Tag<Tenant>{});
  fn(Tag<BookingRules>{});
  fn(Tag<TenantRules>{});
  fn(Tag<TenantRulesRequest>{});
  fn(Tag<Policy>{});
  fn(Tag<Resource>{});
  fn(Tag<LocalInterval>{});
  fn(Tag<WeeklyRule>{});
  fn(Tag<DateOverride>{});
  fn(Tag<HolidayRule>{});
  fn(Tag<Schedule>{});
  fn(Tag<Pool>{});
  fn(Tag<AllocationRequest>{});
  fn(Tag<AvailabilityQuery>{});
  fn(Tag<Slot>{});
  fn(Tag<SlotPage>{});
  fn(Tag<Explanation::Finding>{});
  fn(Tag<Explanation>{});
  fn(Tag<ExplainRequest>{});
  fn(Tag<Allocation>{});
  fn(Tag<Reservation>{});
  fn(Tag<RefusedOccurrence>{});
  fn(Tag<ConflictInfo>{});
  fn(Tag<ReserveRequest>{});
  fn(Tag<ReservationFilter>{});
  fn(Tag<RescheduleRequest>{});
  fn(Tag<ChangeGuard>{});
  fn(Tag<ReservationUpdate>{});
  fn(Tag<VersionGuard>{});
  fn(Tag<StorageInfo>{});
  fn(Tag<TableStats>{});
  fn(Tag<AuditRecord>{});
  fn(Tag<AuditHead>{});
  fn(Tag<AuditQuery>{});
  fn(Tag<AuditVerification>{});
  fn(Tag<HealthOptions>{});
  fn(Tag<HealthCheck>{});
  fn(Tag<Heartbeat>{});
  fn(Tag<HealthReport>{});
  fn(Tag<BackupManifest>{});
  fn(Tag<BackupOptions>{});
  fn(Tag<BackupVerification>{});
  fn(Tag<BackupResult>{});
  fn(Tag<User>{});
  fn(Tag<NewUser>{});
  fn(Tag<LoginRequest>{});
  fn(Tag<Session>{});
  fn(Tag<SessionGrant>{});
  fn(Tag<TotpEnrollment>{});
  fn(Tag<MfaEnabled>{});
  fn(Tag<ApiKey>{});
  fn(Tag<NewApiKey>{});
  fn(Tag<CreatedApiKey>{});
  fn(Tag<MfaStats::PerRole>{});
  fn(Tag<MfaStats>{});
  fn(Tag<SecurityEvent>{});
  fn(Tag<KeyRotation>{});
  fn(Tag<MfaCode>{});
  fn(Tag<PasswordChange>{});
  fn(Tag<AuthOptions>{});
  fn(Tag<EngineOptions>{});
  fn(Tag<Occurrence>{});
  fn(Tag<SkippedOccurrence>{});
  fn(Tag<SeriesRequest>{});
  fn(Tag<Series>{});
  fn(Tag<SeriesBooking>{});
  fn(Tag<SeriesAvailability>{});
  fn(Tag<SeriesReschedule>{});
  fn(Tag<SeriesChange>{});
  fn(Tag<SeriesCancelRequest>{});
  fn(Tag<SeriesRescheduleRequest>{});
  fn(Tag<WaitlistEntry>{});
  fn(Tag<WaitlistRequest>{});
  fn(Tag<WaitlistPosition>{});
  fn(Tag<WaitlistFilter>{});
  fn(Tag<WaitlistPriorityRequest>{});
  fn(Tag<Service>{});
  fn(Tag<Customer>{});
  fn(Tag<CustomerFilter>{});
  fn(Tag<CustomerMergeRequest>{});
  fn(Tag<Event>{});
  fn(Tag<EventQuery>{});
  fn(Tag<EventPage>{});
  fn(Tag<WebhookEndpoint>{});
  fn(Tag<CreatedWebhookEndpoint>{});
  fn(Tag<WebhookDelivery>{});
  fn(Tag<DeliveryAttempt>{});
  fn(Tag<WebhookRotateRequest>{});
  fn(Tag<DeliveryFilter>{});
  fn(Tag<DeliveryRound>{});
  fn(Tag<WebhookOptions>{});
  fn(Tag<CalendarFeed>{});
  fn(Tag<CreatedFeed>{});
  fn(Tag<ManageLink>{});
  fn(Tag<FeedRequest>{});
  fn(Tag<WebhookReplayRequest>{});
  fn(Tag<MailOptions>{});
  fn(Tag<MailTemplate>{});
  fn(Tag<MailSettings>{});
  fn(Tag<Email>{});
  fn(Tag<EmailContent>{});
  fn(Tag<EmailFilter>{});
  fn(Tag<MailRound>{});
  fn(Tag<MailPreviewRequest>{});
  fn(Tag<PaymentSettings>{});
  fn(Tag<PaymentSettingsRequest>{});
  fn(Tag<PaymentNotice>{});
  fn(Tag<PaymentRecordRequest>{});
  fn(Tag<PublicService>{});
  fn(Tag<PublicBusiness>{});
  fn(Tag<PublicSlots>{});
  fn(Tag<PublicHoldRequest>{});
  fn(Tag<PublicDetails>{});
  fn(Tag<PublicStart>{});
  fn(Tag<PublicBooking>{});
  fn(Tag<PublicWaitlistRequest>{});
  fn(Tag<PublicWaitlistEntry>{});
  fn(Tag<SecurityReport>{});
  fn(Tag<RoleChange>{});
  fn(Tag<StateChange>{});
}

// The names of T's fields as they appear in a shell: every field but native-only ones in
// JSON, every field but JSON-only ones in Python; flattened structs contribute theirs.
struct NameCollector {
  Only skip;
  std::vector<std::string> names;
  template <typename M>
  void operator()(const char* name, M&&, const Spec& spec) {
    if (spec.only != skip) names.emplace_back(name);
  }
  template <typename M>
  void computed(const char* name, M&&, const Spec& spec) {
    if (spec.only != skip) names.emplace_back(name);
  }
  template <typename T>
  void flatten(T& inner) {
    Describe<std::remove_const_t<T>>::fields(*this, inner);
  }
};
template <typename T>
std::vector<std::string> json_field_names() {
  NameCollector c{Only::native, {}};
  T value{};
  Describe<T>::fields(c, value);
  return c.names;
}
template <typename T>
std::vector<std::string> python_field_names() {
  NameCollector c{Only::json, {}};
  T value{};
  Describe<T>::fields(c, value);
  return c.names;
}

}  // namespace boka::codec
