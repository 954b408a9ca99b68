/* boka/boka.h: the C ABI of boka, for C and for any language with a C FFI.
 *
 * The library is libboka_c (a shared library that exports only the boka_ symbols declared
 * here; link with -lboka_c, or `pkg-config --cflags --libs boka-c`). This header compiles as
 * C99 and as C++.
 *
 * CONVENTIONS
 *
 *   Handles.  boka_engine, boka_principal and boka_clock are opaque. Each has a constructor
 *   that returns a code and a destructor that returns nothing; destroying NULL is harmless.
 *
 *   Codes.    Every fallible call returns an int: BOKA_OK (0) or one of the codes below. The
 *             numbers equal boka::Code in C++ (boka/status.hpp); they never change meaning
 *             and new ones are only ever appended, so treat an unknown code like
 *             BOKA_INTERNAL. boka_code_name() gives each a static lower-case name.
 *
 *   Messages. The last parameter of every fallible call is `char** errmsg`. On success
 *             *errmsg is set to NULL; on failure to a malloc'd, NUL-terminated UTF-8 message
 *             naming the offending field ("resource.capacity: must be 1..1000000, got 0"),
 *             which the caller releases with boka_free(). Pass NULL to ignore the message.
 *
 *   Outputs.  Every output pointer is set on return: to the result on success, to NULL / 0
 *             on failure. Strings returned through `char**` are malloc'd by the library and
 *             released by the caller with boka_free(). The document output of a call that
 *             changes something (create, update, archive, reserve, confirm, ...) and every
 *             output called "optional" below may be NULL when the caller does not want it;
 *             the output of a call that only reads (get, list, availability, ...) is
 *             required (NULL is BOKA_INVALID_ARGUMENT).
 *
 *   Time.     An instant is int64 Unix seconds (UTC) in the typed calls and RFC 3339 text in
 *             JSON documents (see below), within the years 0001..9999 (outside:
 *             BOKA_INVALID_ARGUMENT). A duration is int64 seconds, at most 10000 years.
 *             Local wall time appears only in schedules, as minutes after local midnight.
 *
 *   Ids.      Positive int64 values assigned by the store. An id from another tenant reads
 *             as BOKA_NOT_FOUND.
 *
 *   Versions. Calls that change a reservation take `int64_t if_version`: BOKA_ANY_VERSION (0)
 *             applies the change unconditionally; any other value must equal the stored
 *             version or the call fails with BOKA_CONFLICT.
 *
 *   Errors never escape as C++ exceptions: every call catches them at the boundary
 *   (out of memory inside the library is reported as BOKA_INTERNAL).
 *
 * THREAD-SAFETY
 *
 *   Every call that takes a boka_engine may run on any number of threads at once on the same
 *   engine, except boka_engine_destroy(), which must not race with any other call on that
 *   engine. Several engines, in one process or in several, may share one SQLite file or
 *   PostgreSQL database; no booking is ever accepted twice. Principals are immutable and may
 *   be shared by threads. Clock calls are atomic and may race with anything except
 *   boka_clock_destroy() on the same clock. boka_conflict values belong to the caller and to
 *   one thread at a time. boka_version, boka_code_name and boka_free may be called from any
 *   thread at any time.
 *
 * JSON DOCUMENTS
 *
 *   Descriptive inputs and outputs are JSON texts (UTF-8, NUL-terminated). Inputs are checked
 *   strictly: a field of the wrong type, a missing required field or an unknown field is
 *   BOKA_INVALID_ARGUMENT with a message naming it ("resource.policy.slot_step: expected an
 *   integer"). Every output document can be passed back as input (for the update calls).
 *   Optional fields hold null when unset. Each document is headed by its name (the C++
 *   struct's, and the component name in boka-server's OpenAPI document); its fields come in
 *   the order the library writes them.
 *
 *   Instants in documents are RFC 3339 text: written in UTC ("2026-12-05T09:00:00Z"), read
 *   with any offset ("2026-12-05T10:00:00+01:00" is the same instant), whole seconds (a
 *   fraction of zeros is accepted), years 0001..9999 in UTC. A time without an offset is
 *   refused naming the field ("reserve.start: expected an RFC 3339 time with an offset such
 *   as 2026-12-05T09:00:00Z"): it would be read in a zone nobody named. The typed calls keep
 *   int64 Unix seconds. Durations are integer seconds everywhere.
 *
 *   Tenant
 *     {"id": 1, "name": "Clinic", "created_at": "2026-01-01T00:00:00Z", "archived_at": null,
 *      "rules": {BookingRules}, "max_hold": 2592000, "version": 1}
 *     create: "name" required; id, created_at, archived_at, rules, max_hold and version are
 *     ignored. update: "id", "name" and "version" required (version must equal the stored
 *     one). rules and max_hold (seconds: the longest hold a booking may ask for) are set with
 *     boka_update_tenant_rules only.
 *
 *   BookingRules (in a Tenant, Resource and Service; every field optional, 0 = none;
 *   docs/rules.md is the guide)
 *     {"cancel_cutoff": 86400, "reschedule_cutoff": 86400, "max_active_per_customer": 3,
 *      "max_per_customer_per_day": 1}
 *     cancel_cutoff, reschedule_cutoff (seconds, up to 365 days): no cancelling / moving
 *     within this long before the start (nor moving to a start within it).
 *     max_active_per_customer (0..10000): active bookings per customer that have not ended;
 *     max_per_customer_per_day (0..1000): active bookings per customer starting on one local
 *     day. A booking is bound by the tenant's rules, those of every resource it takes and its
 *     service's: the strictest cutoff applies, and each limit counts in its own scope.
 *
 *   TenantRules (boka_update_tenant_rules; both fields required)
 *     {"rules": {BookingRules}, "max_hold": 2592000}
 *     max_hold: seconds, 60..2592000 (1 minute .. 30 days).
 *
 *   Policy (durations in seconds; every field optional, defaults shown; 0 = no limit)
 *     {"slot_step": 900, "min_notice": 0, "max_horizon": 0, "buffer_before": 0,
 *      "buffer_after": 0, "min_duration": 0, "max_duration": 0, "daily_limit": 0}
 *
 *   Resource
 *     {"id": 3, "tenant": 1, "name": "Room 1", "zone": "Europe/Berlin", "capacity": 1,
 *      "policy": {Policy}, "rules": {BookingRules}, "schedule": 2, "metadata": {},
 *      "created_at": "2026-01-01T00:00:00Z", "archived_at": null, "version": 1}
 *     create: "name" and "zone" (an IANA zone) required; capacity defaults to 1, policy to
 *       the defaults above, rules to none, schedule (a schedule id) to null = open around the
 *       clock, metadata (any JSON object, up to 64 KiB) to {}. id, tenant, created_at,
 *       archived_at and version are ignored. A cutoff may not exceed policy.max_horizon
 *       when that is set.
 *     update: also "id", "version", "capacity", "policy", "rules", "schedule" and "metadata"
 *       required: an update replaces every field, so send back the whole document you read.
 *
 *   Schedule (local wall time of the resource that uses it)
 *     {"id": 2, "tenant": 1, "name": "Weekdays", "weekly": [{WeeklyRule}, ...],
 *      "overrides": [{DateOverride}, ...], "holidays": [{HolidayRule}, ...],
 *      "archived_at": null, "version": 1}
 *     create: "name" required; weekly, overrides and holidays default to [].
 *     update: also "id", "version", "weekly", "overrides" and "holidays" required.
 *
 *   WeeklyRule (at most one per weekday; missing weekdays are closed)
 *     {"day": "monday", "intervals": [{"start_minute": 540, "end_minute": 720},
 *                                     {"start_minute": 780, "end_minute": 1020}]}
 *     day: "sunday" .. "saturday".
 *
 *   LocalInterval (minutes after local midnight; end_minute may be 1440)
 *     {"start_minute": 540, "end_minute": 720}
 *
 *   DateOverride (replaces the weekly rules on one date; no intervals: closed all day)
 *     {"date": "2026-12-24", "intervals": [{LocalInterval}, ...]}
 *
 *   HolidayRule (a yearly holiday that closes the whole local day)
 *     {"name": "Christmas", "kind": "fixed_date", "month": 12, "day_of_month": 25, "nth": 1,
 *      "weekday": "monday"}
 *     kinds: "fixed_date" (month, day_of_month), "nth_weekday" (nth 1..4, weekday, month),
 *     "last_weekday" (weekday, month); fields a kind does not use may be omitted.
 *
 *   Pool (members in preference order: a pool booking takes the first free member)
 *     {"id": 4, "tenant": 1, "name": "Tables for 4", "members": [3, 5, 6],
 *      "archived_at": null, "version": 1}
 *     create: "name" and "members" required. update: also "id" and "version".
 *
 *   AllocationRequest (inside queries and reservation requests)
 *     {"resource": 3, "pool": null, "quantity": 1}
 *     exactly one of resource and pool; quantity defaults to 1.
 *
 *   AvailabilityQuery (boka_availability; the result is an array of Slots)
 *     {"requests": [{AllocationRequest}], "service": null, "from": "2026-01-05T00:00:00Z",
 *      "to": "2026-01-12T00:00:00Z", "duration": 3600, "step": null, "limit": 10000}
 *     every start on the grid in [from, to) where a reservation of `duration` for all
 *     requests would be accepted now. service (a service id) instead of requests: its
 *     allocations are the requests, its buffers and notice apply, and a duration of 0 (or
 *     none) is its duration (else one it allows). step: the grid (seconds), null = the first
 *     resource's slot_step. limit (optional, 1..10000, default 10000): more slots than this is
 *     BOKA_INVALID_ARGUMENT, as are more than 200,000 grid points between from and to, or
 *     grid points times the resources considered above 20,000,000.
 *
 *   Slot
 *     {"start": "2026-01-06T08:00:00Z", "end": "2026-01-06T09:00:00Z",
 *      "zone": "Europe/Berlin", "local_start": "2026-01-06T09:00:00+01:00",
 *      "local_end": "2026-01-06T10:00:00+01:00", "resources": [3]}
 *     resources: per request in order, the resource a booking would use. zone: that of the
 *     first request's resource; local_start and local_end are start and end in it.
 *
 *   SlotPage (boka_availability_page: one page of an availability answer)
 *     {"slots": [{Slot}, ...], "truncated": true, "next_from": "2026-01-09T14:00:00Z"}
 *     at most the query's limit slots, by start. truncated: more slots follow; ask again
 *     with the query's "from" = next_from (null when not truncated).
 *
 *   ExplainRequest (boka_explain; the result is an Explanation)
 *     {"requests": [{AllocationRequest}], "start": "2026-01-06T08:00:00Z", "duration": 3600}
 *
 *   Explanation
 *     {"available": false, "findings": [{Finding}, ...], "blocking_reservation_ids": [7]}
 *
 *   Finding
 *     {"resource": 3, "reason": "capacity", "detail": "..."}
 *     reasons: "closed", "notice", "horizon", "duration", "off_grid", "daily_limit",
 *     "capacity", "archived".
 *
 *   ReserveRequest (boka_reserve_json)
 *     {"allocations": [{AllocationRequest}, ...], "service": null,
 *      "start": "2026-01-06T08:00:00Z", "end": "2026-01-06T09:00:00Z", "hold_for": null,
 *      "idempotency_key": "", "customer": "", "customer_id": null, "notes": "",
 *      "metadata": {}, "override_rules": false}
 *     start required; allocations (1..100) and end too, unless service names a Service to
 *     book instead: then allocations must be empty (the service's are taken), end may be
 *     left out for the service's duration (else end - start must be a duration it allows),
 *     its buffers and notice apply and the reservation records its price. hold_for
 *     (seconds): held until now + hold_for (at most the tenant's max_hold), must be
 *     confirmed before then. idempotency_key: a retry with the same key and the same content
 *     returns the original reservation. customer_id: the Customer it is for (a customer
 *     principal books as the record linked to them). notes: 0..4096 bytes. override_rules:
 *     pass over the per-customer limits (needs "rules:override": staff and above).
 *
 *   Reservation
 *     {"id": 7, "tenant": 1, "status": "confirmed", "start": "2026-01-06T08:00:00Z",
 *      "end": "2026-01-06T09:00:00Z", "zone": "Europe/Berlin",
 *      "local_start": "2026-01-06T09:00:00+01:00", "local_end": "2026-01-06T10:00:00+01:00",
 *      "hold_expires_at": null, "allocations": [{Allocation}], "idempotency_key": "",
 *      "customer": "patient-17", "customer_id": 12, "notes": "", "metadata": {},
 *      "service": 2, "price_minor": 3500, "currency": "EUR", "payment_status": "none",
 *      "payment_reference": "", "buffer_before": 0,
 *      "buffer_after": 600, "series": null, "occurrence_date": null,
 *      "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
 *      "version": 1}
 *     customer_id: the Customer it is for, or null. service: the Service it was booked as,
 *     or null, with the terms it was booked under: price_minor (null: no price) in currency,
 *     and the service's buffers (seconds), which go on applying where they are longer than
 *     the resource's own.
 *     status: "held", "confirmed", "cancelled", "expired", "completed", "no_show". zone: the
 *     zone of the first allocation's resource (allocations are sorted by resource id), so a
 *     reservation across resources in several zones shows the first one's; local_start and
 *     local_end are start and end in it. series: the id of the series it is an occurrence of
 *     (null for a single booking); occurrence_date ("2026-01-13"): with series, the local
 *     date the series' rule generated it for (its RECURRENCE-ID), kept when it alone moves.
 *
 *   Allocation
 *     {"resource": 3, "quantity": 1, "pool": null}
 *     a pool allocation names the member it took and the pool.
 *
 *   ReservationFilter (boka_list_reservations; every field optional, null = no condition)
 *     {"resource": 3, "pool": null, "from": "2026-01-05T00:00:00Z",
 *      "to": "2026-01-12T00:00:00Z", "statuses": ["confirmed"], "customer": "patient-17",
 *      "customer_id": null, "series": null, "service": null, "order": "by_id",
 *      "after_id": 0, "after_start": null, "limit": 100}
 *     pool: an allocation requested from this pool. from/to: reservations overlapping
 *     [from, to). customer: the free-text reference, exactly; customer_id: a Customer.
 *     series: the occurrences of one series; service: booked as this service.
 *     order "by_id" (default): page with after_id = the last id returned. "by_start" (start,
 *     then id): page with after_start and after_id = the last row's start and id (after_id
 *     without after_start is BOKA_INVALID_ARGUMENT). limit 1..10000.
 *
 *   Conflict (conflict_json of boka_reserve_with_conflict, boka_series_book,
 *   boka_series_reschedule, boka_cancel_guarded, boka_reschedule_guarded and
 *   boka_update_reservation: why a booking or change was refused; also the "conflict" of
 *   boka-server's problem documents)
 *     {"blocking": [7, 9], "next_free_start": null, "occurrences": [{RefusedOccurrence}],
 *      "rule": "", "deadline": null}
 *     blocking: the reservations in the way the caller may see (for a series, the union of
 *     its occurrences'). next_free_start: for a single booking, the earliest start at or
 *     after the requested one that fits, or null. occurrences: a refused series names
 *     every occurrence that does not fit (empty for a single booking). rule: set when a
 *     booking rule refused rather than capacity: "cancel_cutoff", "reschedule_cutoff",
 *     "max_active_per_customer" or "max_per_customer_per_day"; deadline: for a cutoff, the
 *     deadline that passed (null otherwise).
 *
 *   ChangeGuard (boka_cancel_guarded, boka_reschedule_guarded, boka_series_cancel_guarded,
 *   boka_series_reschedule_guarded; every field optional)
 *     {"if_version": 3, "override_rules": false}
 *     if_version: the version read (null: unconditional; a stale one is BOKA_CONFLICT).
 *     override_rules: pass over the cancel and reschedule cutoffs and the per-customer limits
 *     (needs "rules:override": staff and above; the audit record names each rule passed
 *     over).
 *
 *   ReservationUpdate (boka_update_reservation; every field optional: left out or null
 *   keeps the value, but at least one must be set)
 *     {"customer": null, "customer_id": 12, "notes": "window seat", "metadata": null,
 *      "start": "2026-01-06T09:00:00Z", "end": null, "allocations": null, "quantity": null,
 *      "if_version": 3, "override_rules": false}
 *     customer: the free-text reference; customer_id: link to this Customer (0 unlinks);
 *     notes, metadata: replaced. start alone keeps the length; end alone changes only the
 *     length. allocations: a new placement, as a ReserveRequest's (a pool request keeps the
 *     current member when it is free); quantity: shorthand for a reservation with one
 *     allocation. if_version and override_rules as in a ChangeGuard.
 *
 *   RefusedOccurrence
 *     {"start": "2026-01-13T09:00:00Z", "end": "2026-01-13T10:00:00Z", "code": "conflict",
 *      "reason": "resource 3 is fully booked ...", "blocking_reservation_ids": [7]}
 *     code: "conflict" (taken, closed, notice, horizon, daily limit) or "invalid_argument"
 *     (off the slot grid, duration bounds).
 *
 *   Recurring series (boka_series_*; docs/recurrence.md is the guide). A series is a first
 *   occurrence in local wall time (first_date at start_minute, read in the zone of the first
 *   allocation's resource) and a recurrence rule, written as its RRULE text (RFC 5545's
 *   subset: FREQ=DAILY, WEEKLY or MONTHLY with INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL,
 *   WKST). Dates are "YYYY-MM-DD" local dates. A rule the parser refuses is
 *   BOKA_INVALID_ARGUMENT naming the field and the part ("series.rule: RRULE: INTERVAL=0:
 *   must be 1..1000"); a part RFC 5545 defines but boka does not (FREQ=YEARLY, BYHOUR) is
 *   BOKA_NOT_SUPPORTED.
 *
 *   SeriesRequest (boka_series_book, boka_series_check)
 *     {"allocations": [{AllocationRequest}], "first_date": "2026-01-06", "start_minute": 540,
 *      "duration": 3600, "rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": ["2026-02-03"],
 *      "mode": "all_or_nothing", "hold_for": null, "idempotency_key": "", "customer": "",
 *      "customer_id": null, "metadata": {}, "override_rules": false}
 *     allocations, first_date, start_minute (0..1439), duration (seconds) and rule (with
 *     COUNT or UNTIL; at most 1000 occurrences) required. exdates: local dates left out.
 *     mode: "all_or_nothing" (default: any occurrence that does not fit refuses the whole
 *     series) or "skip_conflicts" (the free occurrences are booked, the others skipped).
 *     hold_for, idempotency_key, customer, customer_id, metadata and override_rules as in a
 *     ReserveRequest, for every occurrence (each is bound by the per-customer limits).
 *
 *   Series
 *     {"id": 2, "tenant": 1, "allocations": [{AllocationRequest}], "first_date": "2026-01-06",
 *      "start_minute": 540, "duration": 3600, "zone": "Europe/Berlin",
 *      "rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": [], "customer": "",
 *      "customer_id": null, "metadata": {}, "split_from": null,
 *      "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
 *      "version": 1}
 *     It always describes what is booked: an occurrence skipped at booking or cancelled
 *     alone is one of its exdates; a this_and_following change ends it with an UNTIL and
 *     starts a new series whose split_from names it.
 *
 *   SeriesBooking (boka_series_book)
 *     {"series": {Series}, "reservations": [{Reservation}, ...],
 *      "skipped": [{SkippedOccurrence}, ...]}
 *     reservations: the booked occurrences by date. skipped (skip_conflicts only): the
 *     occurrences left out, which the series lists as exdates.
 *
 *   Occurrence
 *     {"date": "2026-01-13", "start": "2026-01-13T08:00:00Z", "end": "2026-01-13T09:00:00Z"}
 *     date: the local date the rule generated (what an EXDATE names).
 *
 *   SkippedOccurrence (an Occurrence that was not booked or is not free, and why)
 *     {"date": "2026-01-13", "start": "2026-01-13T08:00:00Z", "end": "2026-01-13T09:00:00Z",
 *      "code": "conflict", "reason": "...", "blocking_reservation_ids": [7]}
 *
 *   SeriesAvailability (boka_series_check: which occurrences would be booked now)
 *     {"free": [{Occurrence}, ...], "taken": [{SkippedOccurrence}, ...]}
 *
 *   SeriesReschedule (boka_series_reschedule; every field optional: left out or null keeps
 *   the series' value)
 *     {"first_date": "2026-01-14", "start_minute": 600, "duration": 1800,
 *      "rule": "FREQ=WEEKLY;BYDAY=WE;COUNT=5"}
 *     first_date defaults to the changed occurrence's date; rule to the series' rule (its
 *     COUNT reduced by the occurrences before the change; ignored for this_occurrence).
 *
 *   SeriesChange (boka_series_cancel, boka_series_reschedule)
 *     {"series": {Series}, "split": {Series} or null, "changed": [{Reservation}, ...]}
 *     series: the series as it is now (for a split, the old part). split: the new series a
 *     this_and_following change started. changed: every reservation the change wrote, by
 *     start.
 *
 *   Waitlist (boka_waitlist_*; docs/waitlist.md is the guide). A request that does not fit
 *   joins the waitlist; when capacity frees, the engine offers it to the first waiting entry
 *   that fits, as a hold in the entry's customer's name, inside the transaction that freed
 *   it, for EngineOptions' waitlist_offer_window.
 *
 *   WaitlistRequest (boka_waitlist_join)
 *     {"allocations": [{AllocationRequest}], "earliest_start": "2026-01-06T10:00:00Z",
 *      "latest_start": "2026-01-06T10:00:00Z", "duration": 3600, "expires_at": null,
 *      "customer": "cust-42", "customer_id": null, "priority": 0, "metadata": {}}
 *     allocations (1..100), earliest_start, latest_start and duration (seconds) required:
 *     any start in [earliest_start, latest_start] (equal for an exact start). expires_at:
 *     when the entry stops waiting (default latest_start; after now, at most latest_start).
 *     customer: whom the offer is for (a customer principal joins as themselves);
 *     customer_id: the Customer record, carried onto the offered hold. priority
 *     (-1000..1000): only staff (reservations:all) may set it. metadata: copied onto the
 *     offered hold.
 *
 *   WaitlistEntry
 *     {"id": 4, "tenant": 1, "allocations": [{AllocationRequest}],
 *      "earliest_start": "2026-01-06T10:00:00Z", "latest_start": "2026-01-06T10:00:00Z",
 *      "duration": 3600, "customer": "cust-42", "customer_id": null, "priority": 0,
 *      "joined_at": "2026-01-05T08:00:00Z", "expires_at": "2026-01-06T10:00:00Z",
 *      "status": "offered", "offer": 9, "offer_expires_at": "2026-01-05T08:15:00Z",
 *      "metadata": {}, "updated_at": "2026-01-05T08:00:00Z", "version": 2}
 *     status: "waiting", "offered" (offer: the held reservation, until offer_expires_at),
 *     "accepted" (the offer was confirmed), "cancelled", "expired" (its expires_at passed
 *     while waiting), "lapsed" (the offer was not confirmed in time).
 *
 *   WaitlistPosition (boka_waitlist_get)
 *     {"entry": {WaitlistEntry}, "position": 2}
 *     position: 1 + the waiting entries ahead of it (priority, then joined_at, then id) that
 *     compete for any of the same resources or pools over an overlapping window; 0 when the
 *     entry is not waiting.
 *
 *   WaitlistFilter (boka_waitlist_list; every field optional, null = no condition)
 *     {"resource": 3, "pool": null, "customer": "cust-42", "customer_id": null,
 *      "statuses": ["waiting"], "limit": 100}
 *     resource, pool: entries naming it directly. limit 1..10000. In queue order.
 *
 *   Services and customers (boka_service_*, boka_customer_*; docs/services.md and
 *   docs/customers.md are the guides).
 *
 *   Service (an appointment type: what one booking takes, for how long, at what price)
 *     {"id": 2, "tenant": 1, "name": "Haircut", "description": "", "duration": 2700,
 *      "allowed_durations": [3600], "allocations": [{AllocationRequest}, ...],
 *      "buffer_before": 0, "buffer_after": 600, "min_notice": 3600, "price_minor": 3500,
 *      "currency": "EUR", "customer_bookable": true, "rules": {BookingRules},
 *      "metadata": {}, "created_at": "2026-01-01T00:00:00Z",
 *      "updated_at": "2026-01-01T00:00:00Z", "archived_at": null, "version": 1}
 *     create: "name", "duration" (seconds, > 0, at most 400 days) and "allocations" (1..20
 *       requests, resources and pools that exist and are not archived) required.
 *       allowed_durations: other lengths a booking may choose (at most 20). buffer_before,
 *       buffer_after (0..86400) and min_notice (0..31536000 seconds) tighten the resources'
 *       own: the larger applies. price_minor (0..10^12 minor units, null: no price) needs
 *       currency (ISO 4217, "EUR"). customer_bookable (default true): customers may book it
 *       and see it; staff may book every service. id, tenant, created_at, updated_at,
 *       archived_at and version are ignored.
 *     update: also "id", "version" and every other field but the output ones required (an
 *       update replaces every field). Existing reservations keep the terms they were
 *       booked with.
 *
 *   Customer (a customer record of a tenant)
 *     {"id": 12, "tenant": 1, "display_name": "Ann Lee", "email": "ann@example.com",
 *      "phone": "+49 30 1234567", "locale": "de", "time_zone": "Europe/Berlin", "notes": "",
 *      "external_ref": "crm-881", "user": null, "merged_into": null, "erased_at": null,
 *      "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
 *      "version": 1}
 *     create: "display_name" (1..200 bytes) required. email (stored lower-case),
 *       external_ref and user (a customer-role user who is this customer) are unique among
 *       the tenant's live customers (else BOKA_ALREADY_EXISTS). locale: "" or a BCP 47 tag;
 *       time_zone: "" or an IANA zone. id, tenant, merged_into, erased_at, created_at,
 *       updated_at and version are ignored.
 *     update: also "id", "version" and every personal field required. merged_into: set once
 *       merged into another customer (a tombstone with no personal data); erased_at: set
 *       once erased (every personal field empty). Neither can be updated (BOKA_CONFLICT).
 *
 *   CustomerFilter (boka_customer_list; every field optional)
 *     {"query": "ann", "include_inactive": false, "after_id": 0, "limit": 100}
 *     query: a case-insensitive prefix of the display name, of any word of it, or of the
 *     email ("" matches all; at most 200 bytes). include_inactive: also merged and erased
 *     records. By id; page with after_id = the last id returned. limit 1..1000.
 *
 *   StorageInfo
 *     {"dialect": "sqlite", "schema_version": 3, "location": "bookings.db"}
 *
 *   Event (boka_events_list, boka_events_get; docs/events.md lists the types and payloads)
 *     {"id": 17, "position": 17, "tenant": 1, "type": "reservation.created",
 *      "subject": "reservation:42", "occurred_at": "2026-12-05T09:00:00Z",
 *      "actor": "user:3", "source": "203.0.113.7", "customer_id": 12 or null,
 *      "data": {"reservation": {Reservation}}}
 *     id: unique, never reused (a webhook's webhook-id). position: its place in the feed.
 *     data: the subject after the change, under its kind's name ({"redacted": true} once
 *     the customer it names was erased).
 *
 *   EventQuery (boka_events_list; every field optional)
 *     {"after": 0, "limit": 100, "types": ["reservation.*"], "subject": "reservation:42"}
 *     after: a position (0: from the oldest kept). limit 1..1000. types: exact names, or
 *     "family.*" for a family.
 *
 *   EventPage
 *     {"events": [Event, ...], "next_after": 17, "more": false}
 *     next_after: pass it back as after; it moves past events the filters skipped. more:
 *     a full page, ask again at once.
 *
 *   WebhookEndpoint (boka_webhook_*; docs/webhooks.md)
 *     {"id": 3, "tenant": 1, "url": "https://crm.example/hooks/boka",
 *      "event_types": ["reservation.*"], "description": "CRM", "active": true,
 *      "disabled_reason": "", "after_position": 17, "failing_since": null,
 *      "previous_secret_expires_at": null, "created_at": "...", "updated_at": "...",
 *      "version": 1}
 *     event_types: names or "family.*"; empty: every type. active: false stops deliveries
 *     (boka sets it after failing for days, with disabled_reason). after_position: the feed
 *     position scheduled up to (it starts at the head: no backlog).
 *
 *   CreatedWebhookEndpoint
 *     {"endpoint": {WebhookEndpoint}, "secret": "whsec_..."}
 *
 *   WebhookDelivery
 *     {"id": 9, "tenant": 1, "endpoint": 3, "event": 17, "event_position": 17,
 *      "event_type": "reservation.created", "subject": "reservation:42",
 *      "status": "pending" | "delivered" | "dead", "attempts": 1,
 *      "next_attempt_at": "...", "last_status_code": 503 or null, "last_latency_ms": 12,
 *      "last_error": "answered 503", "replay": false, "leased_until": null,
 *      "created_at": "...", "delivered_at": null}
 *
 *   DeliveryAttempt
 *     {"delivery": 9, "attempt": 1, "at": "...", "status_code": 503 or null,
 *      "latency_ms": 12, "error": "answered 503"}
 *
 *   DeliveryFilter (boka_webhook_deliveries; every field optional)
 *     {"endpoint": 3, "status": "dead", "event": 17, "before_id": 0, "limit": 100}
 *
 *   DeliveryRound (boka_webhooks_deliver)
 *     {"scheduled": 2, "attempted": 2, "delivered": 2, "failed": 0, "dead": 0,
 *      "disabled": 0}
 *
 *   CalendarFeed (boka_feed_*; docs/feeds.md)
 *     {"id": 4, "tenant": 1, "kind": "resource" | "customer" | "user", "subject": 7,
 *      "name": "Room 1", "created_at": "...", "revoked_at": null}
 *
 *   CreatedFeed
 *     {"feed": {CalendarFeed}, "token": "bokf_4_..."}
 *
 *   ManageLink (boka/links.hpp, docs/web.md)
 *     {"tenant": 1, "reservation": 42, "generation": 0, "token": "bokm_..."}
 *     token: the capability to one reservation; keep it private (a URL path, never a log).
 *
 *   MailTemplate (docs/mail.md, "Templates")
 *     {"kind": "confirmation" | "cancellation" | "reschedule" | "reminder", "locale": "de",
 *      "subject": "Termin am {{start.date}}", "text": "Hallo {{customer.name}}, ...",
 *      "html": ""}
 *     locale: "" for every customer, else a language. A Mustache subset: {{name}},
 *     {{#name}}...{{/name}}, {{^name}}...{{/name}}, {{! comment}}.
 *
 *   MailSettings (boka_mail_settings, boka_mail_update_settings; docs/mail.md)
 *     {"tenant": 1, "enabled": true, "kinds": ["confirmation", "cancellation", "reschedule",
 *      "reminder"], "from_name": "", "reply_to": "desk@salon.example", "locale": "en",
 *      "time_zone": "", "reminder_lead": 86400, "templates": [MailTemplate, ...],
 *      "updated_at": "...", "version": 1}
 *     locale: for customers without one (en, en-GB, de, fr, es, it, nl, pt, sv). time_zone:
 *     for customers without one; "": the booking's resource's zone. reminder_lead: seconds,
 *     900..2592000. version: 0 until first saved; pass it back to update.
 *
 *   Email (boka_mail_list, boka_mail_get, boka_mail_retry)
 *     {"id": 5, "tenant": 1, "kind": "confirmation", "reservation": 42, "customer": 12,
 *      "event": 17, "to": "ana@example.com", "subject": "...", "locale": "de",
 *      "time_zone": "America/New_York", "message_id": "<boka.1.event.17@example.com>",
 *      "status": "pending" | "sent" | "dead" | "skipped", "attempts": 1,
 *      "next_attempt_at": "...", "last_smtp_code": 250 or null, "last_error": "",
 *      "leased_until": null, "created_at": "...", "sent_at": "..." or null}
 *
 *   EmailContent (boka_mail_content, boka_mail_preview)
 *     {"to": "ana@example.com", "subject": "...", "text": "...", "html": "...",
 *      "ics": "BEGIN:VCALENDAR..."}
 *
 *   EmailFilter (boka_mail_list; every field optional)
 *     {"status": "dead", "kind": "reminder", "reservation": 42, "customer": 12,
 *      "before_id": 0, "limit": 100}
 *
 *   MailRound (boka_mail_send)
 *     {"written": 2, "attempted": 2, "sent": 2, "failed": 0, "dead": 0, "skipped": 0,
 *      "failed_tenants": 0, "last_error": "", "server_refused": false}
 *     failed_tenants: tenants whose messages could not be written (tried again next round).
 *     server_refused: the SMTP server refused the configuration (auth, TLS); the round
 *     stopped without spending the other messages' attempts.
 *
 *   MailOptions (EngineOptions.mail; every field optional, defaults shown)
 *     {"smtp_url": "", "security": "starttls_required", "username": "", "password": "",
 *      "ca_file": "", "from_address": "", "connect_timeout_ms": 10000, "timeout_ms": 60000,
 *      "retry_schedule": [5, 300, 1800, 7200, 18000, 36000, 36000], "lease": 120,
 *      "public_url": ""}
 *     smtp_url: "smtp://host:587" or "smtps://host:465"; "" sends no mail. security: "none",
 *     "starttls_if_offered", "starttls_required" or "implicit". from_address: required with
 *     smtp_url.
 *
 *   PaymentSettings (boka_payments_settings, boka_payments_update_settings; docs/payments.md)
 *     {"tenant": 1, "enabled": true, "payment_window": 1800, "tolerance": 300,
 *      "has_secret": true, "updated_at": "...", "version": 1}
 *     payment_window: seconds a customer's booking is held for payment, 60..86400.
 *     tolerance: seconds a provider notification may be old, 60..3600.
 *
 *   PaymentNotice (boka_payments_notification)
 *     {"provider_event_id": "evt_1", "type": "payment_intent.succeeded",
 *      "outcome": "paid" | "failed" | "refunded" | "late" | "mismatch" | "ignored" |
 *      "duplicate", "reservation": 42, "payment_status": "paid",
 *      "reservation_status": "confirmed"}
 *
 *   WebhookOptions (EngineOptions.webhooks; every field optional, defaults shown)
 *     {"allow_addresses": "", "connect_timeout_ms": 5000, "timeout_ms": 10000,
 *      "max_response_bytes": 16384, "retry_schedule": [5, 300, 1800, 7200, 18000, 36000,
 *      36000], "disable_after": 432000, "lease": 120}
 *     allow_addresses: comma-separated CIDRs endpoints may reach although not public.
 *
 *   EngineOptions (boka_engine_open_with_options; every field optional, defaults shown)
 *     {"read_only": false, "read_only_reason": "", "auth": {AuthOptions},
 *      "waitlist_offer_window": 900, "event_retention": 2592000, "webhooks": {WebhookOptions},
 *      "mail": {MailOptions}}
 *     waitlist_offer_window: seconds a waitlist offer holds its capacity, 60..604800.
 *     event_retention: seconds events stay in the feed, 3600..315360000.
 *
 *   AuthOptions (every field optional, defaults shown; durations in seconds)
 *     {"argon2_memory_kib": 19456, "argon2_iterations": 2, "argon2_parallelism": 1,
 *      "lockout_threshold": 5, "lockout_initial_wait": 1, "lockout_max_wait": 900,
 *      "failure_reset_after": 43200, "max_failures_per_hour": 100, "session_idle": 1800,
 *      "session_absolute": 43200, "admin_session_idle": 900, "admin_session_absolute": 43200,
 *      "totp_issuer": "boka", "totp_max_failures": 5, "totp_lockout": 900,
 *      "encryption_key": "", "encryption_key_id": "k1",
 *      "previous_encryption_keys": [{"id": "k0", "key": "..."}], "emergency_key_lifetime": 3600,
 *      "credential_cache": 0}
 *     encryption_key: 32 bytes raw, as 64 hex digits or base64 (without one, MFA enrolment is
 *     BOKA_NOT_SUPPORTED). credential_cache: seconds (0..60) a verified session or key is used
 *     without reading the store; revocations through other engines take up to that long.
 *     boka/auth.hpp, AuthOptions, has the meaning of each.
 *
 *   AuditQuery (boka_ops_audit_records; every field optional; null = no condition)
 *     {"actor": "system", "target": "reservation:7", "action": "reservation.",
 *      "outcome": "conflict", "from": "2026-01-05T00:00:00Z", "to": "2026-01-12T00:00:00Z",
 *      "after_seq": 0, "limit": 1000}
 *     actor, target: exact. action: exact, or a prefix when it ends in '.' ("auth." for every
 *     security event). outcome: "success", "denied", "conflict", "rejected", "failure".
 *     from/to: records with from <= at < to. Ordered by seq; page with after_seq = the last
 *     seq returned. limit 1..10000.
 *
 *   AuditRecord (one link of a tenant's hash chain; never holds a secret)
 *     {"tenant": 1, "seq": 4, "at": "2026-01-06T08:00:00Z", "actor": "system",
 *      "action": "reservation.reserve", "target": "reservation:7", "outcome": "success",
 *      "reason": "", "source": "", "detail": {...}, "prev_hash": "9f2c...", "hash": "41ab..."}
 *     tenant 0 is the system chain. reason: why a refusal was refused, else "". detail: a
 *     JSON object with what changed. Hashes are hex SHA-256; prev_hash is "" for seq 1.
 *
 *   AuditHead (input of boka_ops_check_audit_heads: an array of them, e.g. a backup
 *   manifest's "audit_heads" or the "heads" of an earlier verification)
 *     {"tenant": 1, "seq": 4, "hash": "41ab..."}
 *
 *   AuditVerification
 *     {"ok": false, "chains": 2, "records": 57, "heads": [{AuditHead}, ...],
 *      "broken_tenant": 1, "broken_seq": 7,
 *      "problem": "hash does not match the record's content", "unsealed": 0}
 *     broken_tenant, broken_seq and problem name the first broken link (0, 0, "" when ok);
 *     unsealed counts records committed but not yet linked into their chain (PostgreSQL
 *     seals within about a second of the commit).
 *
 *   HealthOptions (boka_ops_health; every field optional, defaults shown; durations seconds)
 *     {"backup_max_age": 93600, "heartbeats": ["worker"], "heartbeat_max_age": 120,
 *      "min_free_disk_fraction": 0.05, "min_free_disk_bytes": 1073741824,
 *      "storage_slow_after": 1}
 *     backup_max_age 0: backups are not checked. heartbeats: the components expected to
 *     report (boka_ops_record_heartbeat).
 *
 *   HealthReport (boka_ops_health; what boka-server serves at /api/health?detailed)
 *     {"status": "degraded", "checked_at": "2026-12-07T09:00:00Z", "dialect": "sqlite",
 *      "location": "bookings.db", "schema_version": 3, "expected_schema_version": 3,
 *      "storage_reachable": true, "storage_latency_seconds": 0.0002, "read_only": false,
 *      "read_only_reason": "", "disk_free_bytes": 52428800000,
 *      "disk_total_bytes": 104857600000, "last_backup_at": null,
 *      "heartbeats": [{Heartbeat}, ...], "checks": [{HealthCheck}, ...]}
 *     status: "ok", "degraded", "failing" (the worst check). disk_free_bytes and
 *     disk_total_bytes: null but for SQLite files. location never holds a password.
 *
 *   HealthCheck
 *     {"name": "backup", "status": "degraded", "detail": "no backup recorded"}
 *     name: "storage", "schema", "read_only", "disk", "backup", "heartbeat:<component>".
 *
 *   Heartbeat (one per component HealthOptions.heartbeats expects)
 *     {"component": "worker", "last_seen": "2026-12-07T08:59:30Z"}   last_seen null: never
 *
 *   TableStats (boka_ops_database_stats: an array of them)
 *     {"table": "reservations", "rows": 1200, "bytes": 344064}
 *
 *   BackupOptions (boka_ops_backup)
 *     {"directory": "/var/backups/boka", "kind": "daily", "keep": 0, "verify": false}
 *     directory required. kind: "manual" (default), "daily", "weekly", "monthly"; the
 *     backup is <directory>/<kind>/boka-<kind>-<YYYYMMDD-HHMMSS>.db with its manifest
 *     beside it. keep: backups of this kind to keep (0: daily 7, weekly 4, monthly 12,
 *     manual all). verify: verify the new backup before returning.
 *
 *   BackupResult
 *     {"path": ".../daily/boka-daily-20261207-020000.db",
 *      "manifest_path": ".../daily/boka-daily-20261207-020000.db.manifest.json",
 *      "manifest": {BackupManifest}, "removed": ["...older backup.db"],
 *      "verification": {BackupVerification} or null}
 *     A backup that fails verification is kept and still returns BOKA_OK: check
 *     verification.ok.
 *
 *   BackupManifest (what the manifest file beside a backup holds; no secret. The file
 *   itself is the library's "boka-backup/1" format, docs/operations.md "SQLite backups")
 *     {"format": "boka-backup/1", "file": "boka-daily-20261207-020000.db", "kind": "daily",
 *      "created_at": "2026-12-07T02:00:00Z", "source": "/var/lib/boka/bookings.db",
 *      "schema_version": 3, "sha256": "...", "size_bytes": 4096000,
 *      "tables": [{TableStats}, ...], "audit_heads": [{AuditHead}, ...],
 *      "boka_version": "0.1.0"}
 *     tables: the row count of each table in the snapshot (bytes 0).
 *
 *   BackupVerification
 *     {"ok": true, "integrity": "ok", "checksum_matches": true, "counts_match": true,
 *      "audit": {AuditVerification}, "heads_match": true, "problems": []}
 *
 *   Authentication documents (boka_auth_*; docs/auth.md is the guide). None holds a
 *   secret, except what the library shows once: a grant's "token", an enrolment's "secret"
 *   and "provisioning_uri", the "recovery_codes" of MfaEnabled and the "key" of a
 *   CreatedApiKey.
 *
 *   NewUser
 *     {"email": "ann@example.com", "password": "...", "display_name": "Ann",
 *      "role": "customer"}
 *     email and password required. role: "customer" (default), "staff", "admin",
 *     "superadmin".
 *
 *   User
 *     {"id": 5, "tenant": 1, "email": "ann@example.com", "display_name": "Ann",
 *      "role": "admin", "state": "active", "mfa_enabled": true,
 *      "created_at": "2026-01-01T00:00:00Z", "last_login_at": null, "failed_logins": 0,
 *      "locked_until": null, "version": 1}
 *
 *   LoginRequest
 *     {"tenant": 1, "email": "ann@example.com", "password": "...", "mfa_code": "",
 *      "source": ""}
 *     tenant, email and password required. mfa_code skips the mfa_pending step.
 *
 *   Session
 *     {"id": 9, "tenant": 1, "user": 5, "created_at": "...", "last_seen_at": "...",
 *      "idle_expires_at": "...", "absolute_expires_at": "...", "mfa_passed": false,
 *      "mfa_pending": false, "source": ""}
 *
 *   SessionGrant
 *     {"token": "...", "session": {Session}, "mfa_pending": false}
 *
 *   TotpEnrollment
 *     {"secret": "JBSWY3DPEHPK3PXP...", "provisioning_uri": "otpauth://totp/..."}
 *
 *   MfaEnabled (a grant of the new MFA-passed session, plus the codes)
 *     {"token": "...", "session": {Session}, "mfa_pending": false,
 *      "recovery_codes": ["...", ...]}
 *
 *   NewApiKey
 *     {"name": "nightly import", "scopes": ["availability:read", ...], "expires_in": null}
 *     name and scopes required; expires_in in seconds, null: never expires.
 *
 *   ApiKey
 *     {"id": 2, "tenant": 1, "created_by": 5, "created_by_tenant": 1, "parent": 0,
 *      "name": "nightly import", "scopes": ["availability:read"], "role": "admin",
 *      "created_at": "...", "expires_at": null, "last_used_at": null, "revoked_at": null,
 *      "emergency": false}
 *
 *   CreatedApiKey (an ApiKey plus its secret, shown once)
 *     {"id": 2, "tenant": 1, "created_by": 5, "created_by_tenant": 1, "parent": 0,
 *      "name": "nightly import", "scopes": ["availability:read"], "role": "admin",
 *      "created_at": "...", "expires_at": null, "last_used_at": null, "revoked_at": null,
 *      "emergency": false, "key": "boka_2_..."}
 *
 *   MfaStats (boka_auth_mfa_stats: MFA adoption among active and locked users)
 *     {"with_mfa": 3, "without_mfa": 9, "by_role": [{MfaStatsByRole}, ...]}
 *     by_role: one entry per role, customer first.
 *
 *   MfaStatsByRole
 *     {"role": "admin", "with_mfa": 2, "without_mfa": 0}
 *
 *   SecurityEvent (boka_auth_security_events: an array of them, oldest first)
 *     {"id": 12, "tenant": 1, "at": "2026-01-06T08:00:00Z", "kind": "login_failed",
 *      "user": 5, "email": "ann@example.com", "actor": "", "source": "192.0.2.1",
 *      "detail": "wrong password", "outcome": "failure"}
 *     id: the seq of its record in the tenant's audit chain. kind: "login_failed",
 *     "lockout", "mfa_failed", ... (docs/auth.md lists them). user: 0 when unknown (a login
 *     for an unknown email). actor: who acted, "" for an anonymous attempt. outcome: as in
 *     an Audit record.
 *
 *   KeyRotation (boka_auth_rotate_encryption_key)
 *     {"key_id": "k2", "resealed": 40, "remaining": 0}
 *     key_id: the current key, which everything re-sealed is now under. remaining: users
 *     with a TOTP secret under an older key still (call again until 0).
 */
#ifndef BOKA_BOKA_H
#define BOKA_BOKA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BOKA_API __attribute__((visibility("default")))
#else
#define BOKA_API
#endif

/* The version of this header. boka_version() gives the library's. */
#define BOKA_VERSION_MAJOR 0
#define BOKA_VERSION_MINOR 1
#define BOKA_VERSION_PATCH 0
#define BOKA_VERSION_STRING "0.1.0"

/* Result codes: equal to boka::Code. Append-only. */
enum {
  BOKA_OK = 0,
  BOKA_INVALID_ARGUMENT = 1,  /* the request is malformed; retrying cannot succeed */
  BOKA_NOT_FOUND = 2,         /* the named object does not exist in the tenant */
  BOKA_ALREADY_EXISTS = 3,    /* a unique name or idempotency key is taken */
  BOKA_CONFLICT = 4,          /* collides with current state: capacity taken, stale version, ... */
  BOKA_UNAUTHENTICATED = 5,   /* no valid credentials */
  BOKA_PERMISSION_DENIED = 6, /* the principal may not do this */
  BOKA_RATE_LIMITED = 7,      /* too many attempts; retry later */
  BOKA_UNAVAILABLE = 8,       /* transient (storage busy, connection lost); retryable */
  BOKA_STORAGE = 9,           /* the store failed in a way retrying will not fix */
  BOKA_INTERNAL = 10,         /* a bug in boka (or out of memory) */
  BOKA_NOT_SUPPORTED = 11     /* not available in this build or store */
};

/* if_version value meaning "whatever the stored version is". */
#define BOKA_ANY_VERSION 0

typedef struct boka_engine boka_engine;
typedef struct boka_principal boka_principal;
typedef struct boka_clock boka_clock;

/* What a refused booking carries (code BOKA_CONFLICT for capacity, opening hours, notice,
 * horizon or daily limit). Calls that take a `boka_conflict*` (optional: NULL to ignore)
 * always initialize it: it is zeroed, and filled only when such a refusal has details. A
 * refusal by a booking rule (a cutoff, a per-customer limit) leaves it empty; the calls
 * with a conflict_json output name the rule and its deadline there (Conflict document).
 * Release it with boka_conflict_clear(), which is safe on a zeroed value; a call overwrites
 * it without releasing what it held, so clear it before passing it again. */
typedef struct boka_conflict {
  int has_next_free_start; /* 1 if next_free_start holds a value */
  int64_t next_free_start; /* the earliest start at or after the requested one that fits */
  size_t blocking_count;   /* number of entries in blocking_ids */
  int64_t* blocking_ids;   /* ids of the reservations in the way; owned, see clear */
} boka_conflict;

/* --- Library ----------------------------------------------------------------------- */
/* Thread-safe: any thread, any time. */

/* "0.1.0": the library's version. Static storage; never NULL. */
BOKA_API const char* boka_version(void);

/* Stable lower-case name of a code ("invalid_argument"); "unknown" for a number this
 * library does not know. Static storage; never NULL. */
BOKA_API const char* boka_code_name(int code);

/* Releases a string (or any buffer) returned by this library. NULL is harmless. */
BOKA_API void boka_free(void* p);

/* The Unix seconds of an RFC 3339 time with an offset ("2026-01-06T08:00:00Z",
 * "2026-01-06T09:00:00+01:00"), as the JSON documents write instants, for the typed calls
 * that take seconds. A missing offset, a fraction of a second or an impossible date is
 * BOKA_INVALID_ARGUMENT with a message naming the problem. Thread-safe; needs no engine. */
BOKA_API int boka_parse_time(const char* text, int64_t* unix_seconds, char** errmsg);

/* Releases conflict->blocking_ids and zeroes *conflict. NULL is harmless. */
BOKA_API void boka_conflict_clear(boka_conflict* conflict);

/* --- Principals: who acts ---------------------------------------------------------- */
/* Thread-safe: a principal is immutable; destroy it once no call uses it any more. */

/* The system principal: a trusted embedder that does its own authentication and may act
 * in every tenant. Users and API keys: boka_auth_login, boka_auth_authenticate_*. Destroy
 * with boka_principal_destroy(). */
BOKA_API int boka_principal_system(boka_principal** out, char** errmsg);
BOKA_API void boka_principal_destroy(boka_principal* principal);

/* --- Clocks: the source of "now" --------------------------------------------------- */
/* Thread-safe: now/set/advance are atomic and may race with engine calls that read the
 * clock; only boka_clock_destroy must not race with calls on the same handle. */

/* A manual clock that only moves when told to, for tests and simulations. Engines opened
 * with it share it (the engine keeps it alive: the handle may be destroyed first). */
BOKA_API int boka_clock_create(int64_t now, boka_clock** out, char** errmsg);
BOKA_API void boka_clock_destroy(boka_clock* clock);
/* boka_clock_now returns 0 for NULL; set and advance ignore NULL, and keep the clock within
 * the years 0001..9999 (a value beyond is clamped to the nearest end). */
BOKA_API int64_t boka_clock_now(const boka_clock* clock);
BOKA_API void boka_clock_set(boka_clock* clock, int64_t now);
BOKA_API void boka_clock_advance(boka_clock* clock, int64_t seconds);

/* --- Engines ----------------------------------------------------------------------- */
/* open: thread-safe. destroy: must not race with any other call on that engine.
 * storage_info and every call below: thread-safe, any number at once on one engine. */

/* Opens the store at `uri` and an engine over it: "memory:", "sqlite:path/to/file.db"
 * (created and migrated on open; options as in the README), "postgresql://...". Uses the
 * system clock. Errors: BOKA_INVALID_ARGUMENT (malformed URI), BOKA_NOT_SUPPORTED (scheme
 * not built in), BOKA_STORAGE / BOKA_UNAVAILABLE (cannot open). */
BOKA_API int boka_engine_open(const char* uri, boka_engine** out, char** errmsg);
/* The same with a manual clock (NULL: the system clock). */
BOKA_API int boka_engine_open_with_clock(const char* uri, const boka_clock* clock,
                                         boka_engine** out, char** errmsg);
/* The same with engine options (Engine options document; NULL: the defaults), e.g. a
 * worker or a second host started read-only. clock may be NULL (the system clock). */
BOKA_API int boka_engine_open_with_options(const char* uri, const boka_clock* clock,
                                           const char* options_json, boka_engine** out,
                                           char** errmsg);
/* Closes the engine (and its store, unless another engine shares it). Must not race with
 * any other call on this engine. NULL is harmless. */
BOKA_API void boka_engine_destroy(boka_engine* engine);

/* Storage info document. */
BOKA_API int boka_ops_storage_info(boka_engine* engine, char** info_json, char** errmsg);

/* --- Tenants ----------------------------------------------------------------------- */
/* Each returns the Tenant document (or an array of them). Resources, schedules and pools
 * follow the same pattern, inside a tenant. Thread-safe. */

BOKA_API int boka_create_tenant(boka_engine* engine, const boka_principal* who,
                                const char* spec_json, char** tenant_json, char** errmsg);
BOKA_API int boka_get_tenant(boka_engine* engine, const boka_principal* who, int64_t id,
                             char** tenant_json, char** errmsg);
BOKA_API int boka_list_tenants(boka_engine* engine, const boka_principal* who, char** tenants_json,
                               char** errmsg);
/* Renames; the document's version must equal the stored one (else BOKA_CONFLICT). */
BOKA_API int boka_update_tenant(boka_engine* engine, const boka_principal* who,
                                const char* tenant_json_in, char** tenant_json, char** errmsg);
/* Archived tenants keep everything but take no new bookings. Idempotent. */
BOKA_API int boka_archive_tenant(boka_engine* engine, const boka_principal* who, int64_t id,
                                 char** tenant_json, char** errmsg);
/* Tenant rules in (the tenant-wide booking rules and the longest hold, both replaced), the
 * Tenant out (optional). Needs "catalog:write" in the tenant (its admins).
 * expected_version must equal the tenant's stored version (else BOKA_CONFLICT). Existing
 * bookings are not re-checked. A bad value is BOKA_INVALID_ARGUMENT naming the field
 * ("rules.cancel_cutoff: ..."). */
BOKA_API int boka_update_tenant_rules(boka_engine* engine, const boka_principal* who,
                                      int64_t tenant, const char* rules_json,
                                      int64_t expected_version, char** tenant_json, char** errmsg);

/* --- Resources --------------------------------------------------------------------- */
/* Thread-safe. */

BOKA_API int boka_create_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* spec_json, char** resource_json, char** errmsg);
BOKA_API int boka_get_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, char** resource_json, char** errmsg);
/* include_archived: nonzero to list archived resources too. */
BOKA_API int boka_list_resources(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int include_archived, char** resources_json, char** errmsg);
/* Replaces every field; lowering capacity below current usage is BOKA_CONFLICT. */
BOKA_API int boka_update_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* resource_json_in, char** resource_json,
                                  char** errmsg);
BOKA_API int boka_archive_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   int64_t id, char** resource_json, char** errmsg);

/* --- Schedules --------------------------------------------------------------------- */
/* Thread-safe. */

BOKA_API int boka_create_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* spec_json, char** schedule_json, char** errmsg);
BOKA_API int boka_get_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, char** schedule_json, char** errmsg);
BOKA_API int boka_list_schedules(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int include_archived, char** schedules_json, char** errmsg);
BOKA_API int boka_update_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* schedule_json_in, char** schedule_json,
                                  char** errmsg);
/* BOKA_CONFLICT while an active resource still uses the schedule. */
BOKA_API int boka_archive_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   int64_t id, char** schedule_json, char** errmsg);

/* --- Pools ------------------------------------------------------------------------- */
/* Thread-safe. */

BOKA_API int boka_create_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* spec_json, char** pool_json, char** errmsg);
BOKA_API int boka_get_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t id, char** pool_json, char** errmsg);
BOKA_API int boka_list_pools(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int include_archived, char** pools_json, char** errmsg);
BOKA_API int boka_update_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* pool_json_in, char** pool_json, char** errmsg);
BOKA_API int boka_archive_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, char** pool_json, char** errmsg);

/* --- Availability ------------------------------------------------------------------ */
/* Thread-safe; reads run in parallel with each other and with bookings. */

/* Availability query in, array of slots out. */
BOKA_API int boka_availability(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* query_json, char** slots_json, char** errmsg);
/* Availability query in, Slot page out: the same question a page at a time. The first
 * `limit` slots (the query's, default 10000), and when more follow "truncated": true and
 * "next_from", the "from" of the next page's query. Work bounds as for boka_availability. */
BOKA_API int boka_availability_page(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    const char* query_json, char** page_json, char** errmsg);
/* Explain request in, explanation out: why a start would or would not be taken. */
BOKA_API int boka_explain(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          const char* request_json, char** explanation_json, char** errmsg);
/* Typed: would `quantity` units of `resource` over [start, end) be accepted now? Sets
 * *available to 1 or 0 and returns BOKA_OK when the question could be answered (unknown
 * resource: BOKA_NOT_FOUND; end <= start: BOKA_INVALID_ARGUMENT). */
BOKA_API int boka_check_slot(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t resource, int64_t start, int64_t end, int quantity,
                             int* available, char** errmsg);

/* --- Reservations ------------------------------------------------------------------ */
/* Thread-safe: concurrent bookings of one resource (threads, engines, processes on one
 * database) are serialized by the store, so capacity is never exceeded. A boka_conflict
 * belongs to the calling thread. */

/* Typed hot path: books `quantity` units of one resource over [start, end), confirmed.
 * reservation_id: optional, the new reservation's id. conflict: optional, see
 * boka_conflict. Refusals: BOKA_CONFLICT (taken, closed, notice, horizon, daily limit),
 * BOKA_INVALID_ARGUMENT (off the slot grid, duration outside the policy, quantity above
 * capacity), BOKA_NOT_FOUND (unknown tenant or resource). */
BOKA_API int boka_reserve(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t resource, int64_t start, int64_t end, int quantity,
                          int64_t* reservation_id, boka_conflict* conflict, char** errmsg);
/* Reservation request in (several allocations, pools, a service, holds, idempotency, a
 * customer, notes, metadata), Reservation out (optional). Books all allocations or none. A
 * refusal by a per-customer limit is BOKA_CONFLICT with an empty *conflict (see
 * boka_reserve_with_conflict). */
BOKA_API int boka_reserve_json(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* request_json, char** reservation_json,
                               boka_conflict* conflict, char** errmsg);
/* The same, with the refusal's Conflict document in conflict_json (optional; NULL when the
 * refusal has none) instead of a boka_conflict: it also names a booking rule that refused
 * ("rule": "max_active_per_customer", "max_per_customer_per_day"). */
BOKA_API int boka_reserve_with_conflict(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, const char* request_json,
                                        char** reservation_json, char** conflict_json,
                                        char** errmsg);

/* State changes of one reservation; each returns the updated Reservation (optional).
 *   confirm:        held -> confirmed (an expired hold: BOKA_CONFLICT)
 *   cancel:         held|confirmed -> cancelled; frees the capacity at once
 *   mark_completed: confirmed -> completed, once it has started
 *   mark_no_show:   confirmed -> no_show, once it has started */
BOKA_API int boka_confirm(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t id, int64_t if_version, char** reservation_json, char** errmsg);
BOKA_API int boka_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                         int64_t if_version, char** reservation_json, char** errmsg);
BOKA_API int boka_mark_completed(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t id, int64_t if_version, char** reservation_json,
                                 char** errmsg);
BOKA_API int boka_mark_no_show(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, int64_t if_version, char** reservation_json,
                               char** errmsg);
/* Moves an active reservation to [new_start, new_end) atomically; its own old range never
 * blocks the new one. Refusals as for boka_reserve (conflict: optional). */
BOKA_API int boka_reschedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t id, int64_t new_start, int64_t new_end, int64_t if_version,
                             char** reservation_json, boka_conflict* conflict, char** errmsg);

/* Booking rules (docs/rules.md): within the cancel cutoff of a reservation's start
 * boka_cancel is refused, within the reschedule cutoff boka_reschedule (and a move to a
 * start inside it), and a booking past a per-customer limit boka_reserve_json. Each such
 * refusal is BOKA_CONFLICT with a message naming the rule and, for a cutoff, the deadline.
 * The calls below take a Change guard document (NULL: no guard) that can also pass over
 * the rules ("override_rules": true, for "rules:override": staff and above), and give the
 * refusal's Conflict document in conflict_json (optional; NULL when the refusal has none),
 * whose "rule" and "deadline" name what refused. */

/* held|confirmed -> cancelled, as boka_cancel, guarded by a Change guard; the Reservation
 * out (optional). */
BOKA_API int boka_cancel_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t id, const char* guard_json, char** reservation_json,
                                 char** conflict_json, char** errmsg);
/* Moves an active reservation as boka_reschedule, guarded by a Change guard; the
 * Reservation out (optional). */
BOKA_API int boka_reschedule_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t id, int64_t new_start, int64_t new_end,
                                     const char* guard_json, char** reservation_json,
                                     char** conflict_json, char** errmsg);
/* Reservation update in, the Reservation out (optional): edits an active reservation in one
 * transaction (versioned and audited). A change of time, placement or quantity goes through
 * every check of a booking (its own old placement never blocks the new one), the reschedule
 * cutoff and the per-customer limits; an edit of customer, notes or metadata alone is
 * allowed at any time, also on a finished reservation. Customers may not change the
 * customer fields (BOKA_PERMISSION_DENIED). An update that sets nothing is
 * BOKA_INVALID_ARGUMENT. conflict_json: as above. */
BOKA_API int boka_update_reservation(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t id, const char* update_json, char** reservation_json,
                                     char** conflict_json, char** errmsg);

/* A held reservation past its expiry reads as "expired" even before a sweep. */
BOKA_API int boka_get_reservation(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t id, char** reservation_json, char** errmsg);
/* Reservation filter in (NULL: no conditions), array of Reservations out. */
BOKA_API int boka_list_reservations(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    const char* filter_json, char** reservations_json,
                                    char** errmsg);
/* Marks up to `limit` lapsed holds (all tenants) expired; *expired (optional) gets how
 * many. For a background worker. */
BOKA_API int boka_expire_holds(boka_engine* engine, const boka_principal* who, int limit,
                               int* expired, char** errmsg);

/* --- Recurring series (boka_series_*) ------------------------------------------------ */
/* Thread-safe. A series is booked as ordinary reservations, one per occurrence, each naming
 * it in "series"; they block, list and change like any reservation. The documents are in
 * JSON DOCUMENTS above ("Recurring series"). Authorized like the single-reservation calls.
 * A scope names the occurrences a change applies to, counted from one reservation of the
 * series: "this_occurrence", "this_and_following" (splits the series) or "whole_series"
 * (every occurrence that has not started). conflict_json (optional): on a refusal that
 * names occurrences, the Conflict document (every occurrence that does not fit, each with
 * its reason and blocking reservations), released with boka_free; NULL otherwise. */

/* Series request in, Series booking out (optional). Books every occurrence in one
 * transaction, each checked as boka_reserve_json checks one booking. Refusals:
 * BOKA_INVALID_ARGUMENT (a bad field or rule, more than 1000 occurrences, neither COUNT
 * nor UNTIL), BOKA_CONFLICT (an occurrence beyond the booking horizon; in all_or_nothing
 * mode any occurrence that does not fit; in skip_conflicts mode, none free at all),
 * BOKA_ALREADY_EXISTS (the idempotency key was used for a different request). Nothing is
 * stored on any error; a retry with the same idempotency key returns the original. */
BOKA_API int boka_series_book(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* request_json, char** booking_json, char** conflict_json,
                              char** errmsg);
/* Series request in, Series availability out: which occurrences would be booked now, and
 * why the others would not. Stores nothing; ignores mode, hold_for and idempotency_key. */
BOKA_API int boka_series_check(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* request_json, char** availability_json, char** errmsg);
/* The Series with this id. */
BOKA_API int boka_series_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t series, char** series_json, char** errmsg);
/* Every reservation of the series (all statuses), by start: an array of Reservations. */
BOKA_API int boka_series_occurrences(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t series, char** reservations_json, char** errmsg);
/* Confirms every held occurrence in one transaction; the array of Reservations of the series
 * out (optional). An occurrence whose hold lapsed refuses the call (BOKA_CONFLICT naming
 * it); confirmed ones stay as they are. */
BOKA_API int boka_series_confirm(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t series, char** reservations_json, char** errmsg);
/* Cancels occurrences counted from `reservation` (an occurrence of a series) by `scope`;
 * Series change out (optional). this_occurrence makes its date an EXDATE; this_and_following
 * ends the series with an UNTIL the day before it. Occurrences already cancelled, expired or
 * past stay as they are (nothing left to cancel: BOKA_CONFLICT). */
BOKA_API int boka_series_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                int64_t reservation, const char* scope, char** change_json,
                                char** errmsg);
/* Moves occurrences counted from `reservation` by `scope` to what the Series reschedule
 * document sets, all or nothing, in one transaction; Series change out (optional). The
 * moved occurrences' old placements never block their new ones. A refusal is BOKA_CONFLICT
 * naming every occurrence that does not fit (conflict_json). */
BOKA_API int boka_series_reschedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    int64_t reservation, const char* scope,
                                    const char* reschedule_json, char** change_json,
                                    char** conflict_json, char** errmsg);
/* boka_series_cancel and boka_series_reschedule with a Change guard document (NULL: no
 * guard): if_version guards the named occurrence's version, and override_rules passes over
 * the cutoffs of the occurrences cancelled or moved (docs/rules.md). A refusal by a cutoff is
 * BOKA_CONFLICT whose Conflict document (conflict_json) names the rule and deadline. */
BOKA_API int boka_series_cancel_guarded(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, int64_t reservation, const char* scope,
                                        const char* guard_json, char** change_json,
                                        char** conflict_json, char** errmsg);
BOKA_API int boka_series_reschedule_guarded(boka_engine* engine, const boka_principal* who,
                                            int64_t tenant, int64_t reservation, const char* scope,
                                            const char* reschedule_json, const char* guard_json,
                                            char** change_json, char** conflict_json,
                                            char** errmsg);

/* --- Waitlist (boka_waitlist_*) ------------------------------------------------------ */
/* Thread-safe. The documents are in JSON DOCUMENTS above ("Waitlist"). Authorized like the
 * reservation calls: a customer joins, sees and cancels only their own entries. Offers are
 * made by the engine itself (a cancel, reschedule, no-show, hold expiry, capacity raise or
 * schedule change that frees capacity offers it in the same transaction); an offer is a
 * held reservation, confirmed with boka_waitlist_accept or boka_confirm. */

/* Waitlist request in, WaitlistEntry out (optional). If the request fits right now it is
 * offered at once (status "offered" with its hold). BOKA_INVALID_ARGUMENT names the field
 * at fault (a window with latest_start before earliest_start, expires_at, priority). */
BOKA_API int boka_waitlist_join(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                const char* request_json, char** entry_json, char** errmsg);
/* The entry with its place in the queue: a WaitlistPosition. */
BOKA_API int boka_waitlist_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t entry, char** position_json, char** errmsg);
/* Waitlist filter in (NULL: no conditions), array of WaitlistEntries out, in queue order. */
BOKA_API int boka_waitlist_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                const char* filter_json, char** entries_json, char** errmsg);
/* Leaves the queue (waiting or offered: the offered hold is cancelled and its capacity
 * offered to the next entry in the same transaction); the WaitlistEntry out (optional).
 * Any other status: BOKA_CONFLICT. */
BOKA_API int boka_waitlist_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t entry, char** entry_json, char** errmsg);
/* Confirms the entry's offer (as boka_confirm on the offered hold); the confirmed
 * Reservation out (optional). Not offered, or the offer lapsed: BOKA_CONFLICT. */
BOKA_API int boka_waitlist_accept(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t entry, char** reservation_json, char** errmsg);
/* Staff (reservations:all): moves an entry up or down its queue (priority -1000..1000); the
 * WaitlistEntry out (optional). Nothing is offered until capacity frees again. */
BOKA_API int boka_waitlist_set_priority(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, int64_t entry, int priority,
                                        char** entry_json, char** errmsg);
/* For a worker: marks waiting entries past their expiry expired and lapses offers past their
 * window (their capacity passes to the next entry), up to `limit` (all tenants); *changed
 * (optional) gets how many entries changed. boka_expire_holds lapses offers too. */
BOKA_API int boka_waitlist_sweep(boka_engine* engine, const boka_principal* who, int limit,
                                 int* changed, char** errmsg);

/* --- Services (boka_service_*) ------------------------------------------------------- */
/* Thread-safe. A service is an appointment type that a booking names instead of resources
 * and a length (ReserveRequest "service", AvailabilityQuery "service"); the document is in
 * JSON DOCUMENTS above ("Services and customers"). Creating, updating and archiving need
 * "catalog:write" (admins); reading "resources:read", and a customer sees only services
 * that are customer_bookable and not archived (others: BOKA_NOT_FOUND). */

/* Service in (create rules), the Service out (optional). Every field is checked
 * (BOKA_INVALID_ARGUMENT naming it: an unknown or archived resource or pool, a price
 * without a currency, a cutoff longer than a resource's booking horizon, ...); nothing is
 * stored on any error. */
BOKA_API int boka_service_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 const char* spec_json, char** service_json, char** errmsg);
/* The Service with this id (archived ones too). */
BOKA_API int boka_service_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t id, char** service_json, char** errmsg);
/* The tenant's services by id, as an array; include_archived: nonzero for archived ones too. */
BOKA_API int boka_service_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int include_archived, char** services_json, char** errmsg);
/* Service in (update rules: the whole document with its version), the Service out
 * (optional). A stale version is BOKA_CONFLICT. */
BOKA_API int boka_service_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 const char* service_json_in, char** service_json, char** errmsg);
/* Archived services take no new bookings; their reservations keep naming them. Idempotent;
 * the Service out (optional). */
BOKA_API int boka_service_archive(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t id, char** service_json, char** errmsg);

/* --- Customers (boka_customer_*) ----------------------------------------------------- */
/* Thread-safe. Customer records of a tenant; reservations, series and waitlist entries
 * name one by "customer_id". "customers:manage" (staff and above) reads and changes every
 * customer of the tenant; a customer-role user reads and updates only the record linked to
 * them (and exports it); "customers:privacy" (admins) exports and erases any. Every change
 * is audited without personal values (docs/customers.md). */

/* Customer in (create rules), the Customer out (optional). BOKA_ALREADY_EXISTS for an email,
 * external_ref or user another live customer of the tenant has. */
BOKA_API int boka_customer_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* spec_json, char** customer_json, char** errmsg);
/* The Customer with this id (merged and erased records too). */
BOKA_API int boka_customer_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, char** customer_json, char** errmsg);
/* The Customer linked to `user` (BOKA_NOT_FOUND if none). */
BOKA_API int boka_customer_get_by_user(boka_engine* engine, const boka_principal* who,
                                       int64_t tenant, int64_t user, char** customer_json,
                                       char** errmsg);
/* The live Customer with this email, compared in lower case (BOKA_NOT_FOUND if none). */
BOKA_API int boka_customer_get_by_email(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, const char* email, char** customer_json,
                                        char** errmsg);
/* Customer filter in (NULL: the first 100 live customers), array of Customers out, by id. */
BOKA_API int boka_customer_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                const char* filter_json, char** customers_json, char** errmsg);
/* Customer in (update rules: the whole document with its version), the Customer out
 * (optional). A stale version, or a merged or erased record, is BOKA_CONFLICT. */
BOKA_API int boka_customer_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* customer_json_in, char** customer_json,
                                  char** errmsg);
/* The customer's reservations: Reservation filter in (NULL: no further condition; its
 * customer_id is set to `id`), array of Reservations out, in the filter's order. */
BOKA_API int boka_customer_bookings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    int64_t id, const char* filter_json, char** reservations_json,
                                    char** errmsg);
/* Moves every reservation, series and waitlist entry of `absorbed` to `kept` in one
 * transaction, fills kept's empty fields from absorbed's, and leaves absorbed as a
 * tombstone ("merged_into": kept). The Customer `kept` out (optional). The per-customer
 * limits are not re-checked. */
BOKA_API int boka_customer_merge(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t kept, int64_t absorbed, char** customer_json,
                                 char** errmsg);
/* Everything boka holds about the customer as one JSON document (required output): the
 * record, every reservation (with notes and metadata), series and waitlist entry naming it,
 * and the audit records about it ({"format": "boka.customer-export/1", "exported_at",
 * "tenant", "customer", "reservations", "series", "waitlist_entries", "audit"}). The
 * export is audited: it discloses personal data. */
BOKA_API int boka_customer_export(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t id, char** export_json, char** errmsg);
/* Removes the customer's personal data for good, in one transaction: the record's personal
 * fields and user link are emptied ("erased_at" set); their reservations, series and
 * waitlist entries lose their free-text customer reference, notes and metadata but keep
 * their times, resources, status, service and price. Idempotent; the Customer out
 * (optional). A linked user account is a login and is not touched (see boka_auth_*). */
BOKA_API int boka_customer_erase(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t id, char** customer_json, char** errmsg);

/* --- The event feed (boka_events_*; boka/events.hpp, docs/events.md) -------------------- */
/* Every change that matters to other systems writes an Event in its own transaction; read
 * them in order with a cursor: pass the page's next_after back as the query's after.
 * Reading needs "events:read" (admins; grant it to an API key for an integration). */

/* EventQuery in (NULL: the first 100 events), an EventPage out. */
BOKA_API int boka_events_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* query_json, char** page_json, char** errmsg);
/* One Event by id (BOKA_NOT_FOUND if it is not the tenant's or was pruned). */
BOKA_API int boka_events_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t id, char** event_json, char** errmsg);
/* The highest position of the tenant's feed (0 if none): where a consumer that wants only
 * what happens from now on starts. */
BOKA_API int boka_events_head(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t* position, char** errmsg);
/* Deletes up to `limit` events (all tenants) older than the engine's event_retention;
 * *pruned (optional) gets how many. For the worker ("system:operations"). */
BOKA_API int boka_events_prune(boka_engine* engine, const boka_principal* who, int limit,
                               int64_t* pruned, char** errmsg);

/* --- Webhooks (boka_webhook_*; boka/webhooks.hpp, docs/webhooks.md) --------------------- */
/* Endpoints of a tenant receive its events, signed (Standard Webhooks); the worker delivers
 * them (boka_webhooks_deliver). Managing needs "webhooks:manage" (admins) and an engine
 * with an encryption key (AuthOptions.encryption_key), which seals the secrets. */

/* WebhookEndpoint in (create rules: url required), a CreatedWebhookEndpoint out: the
 * endpoint and its secret, shown only here. A URL that reaches a loopback, private,
 * link-local or metadata address (unless allow-listed) is BOKA_INVALID_ARGUMENT. */
BOKA_API int boka_webhook_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 const char* endpoint_json, char** created_json, char** errmsg);
BOKA_API int boka_webhook_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t id, char** endpoint_json, char** errmsg);
/* An array of WebhookEndpoints, by id (never a secret). */
BOKA_API int boka_webhook_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               char** endpoints_json, char** errmsg);
/* WebhookEndpoint in (update rules: the whole document with its version), out (optional). */
BOKA_API int boka_webhook_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 const char* endpoint_json_in, char** endpoint_json, char** errmsg);
/* Deletes the endpoint; its pending deliveries become dead. */
BOKA_API int boka_webhook_delete(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t id, char** errmsg);
/* A new secret (CreatedWebhookEndpoint out); the old one signs too for `overlap_seconds`
 * (0..604800). */
BOKA_API int boka_webhook_rotate_secret(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, int64_t id, int64_t overlap_seconds,
                                        char** created_json, char** errmsg);
/* DeliveryFilter in (NULL: the newest 100), an array of WebhookDeliveries out. */
BOKA_API int boka_webhook_deliveries(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     const char* filter_json, char** deliveries_json,
                                     char** errmsg);
BOKA_API int boka_webhook_delivery_get(boka_engine* engine, const boka_principal* who,
                                       int64_t tenant, int64_t id, char** delivery_json,
                                       char** errmsg);
/* An array of DeliveryAttempts of the delivery, in order. */
BOKA_API int boka_webhook_attempts(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   int64_t delivery, char** attempts_json, char** errmsg);
/* Sends event `event` to the endpoint again (a new WebhookDelivery out, same webhook-id). */
BOKA_API int boka_webhook_replay(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 int64_t endpoint, int64_t event, char** delivery_json,
                                 char** errmsg);
/* Replays every dead delivery of the endpoint; *count (optional) gets how many. */
BOKA_API int boka_webhook_replay_dead(boka_engine* engine, const boka_principal* who,
                                      int64_t tenant, int64_t endpoint, int* count, char** errmsg);
/* One round of the worker ("system:operations"): schedules new events, then makes up to
 * `limit` due attempts; a DeliveryRound out (optional). Blocks for the HTTP calls. */
BOKA_API int boka_webhooks_deliver(boka_engine* engine, const boka_principal* who, int limit,
                                   char** round_json, char** errmsg);

/* --- Customer mail (boka_mail_*; boka/mail.hpp, docs/mail.md) --------------------------- */
/* Settings, previews and messages need "mail:manage" (admins); boka_mail_send is the
 * worker's ("system:operations"). */

/* The tenant's MailSettings (the defaults, version 0, until first saved). */
BOKA_API int boka_mail_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                char** settings_json, char** errmsg);
/* MailSettings in (the whole document with its version), out (optional). A template that
 * does not parse is BOKA_INVALID_ARGUMENT naming it ("templates[0].text: ..."). */
BOKA_API int boka_mail_update_settings(boka_engine* engine, const boka_principal* who,
                                       int64_t tenant, const char* settings_json_in,
                                       char** settings_json, char** errmsg);
/* The message of `kind` ("confirmation", ...) the reservation's customer would get, with
 * `settings_json` (MailSettings; NULL: the stored ones): an EmailContent out. A reservation
 * without a customer record with an email is BOKA_CONFLICT. */
BOKA_API int boka_mail_preview(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* kind, int64_t reservation, const char* settings_json,
                               char** content_json, char** errmsg);
/* EmailFilter in (NULL: the newest 100), an array of Emails out, newest first. */
BOKA_API int boka_mail_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            const char* filter_json, char** emails_json, char** errmsg);
BOKA_API int boka_mail_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t id, char** email_json, char** errmsg);
/* What the message holds (EmailContent), as sent. */
BOKA_API int boka_mail_content(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, char** content_json, char** errmsg);
/* Makes a dead or skipped message pending again; the Email out (optional). */
BOKA_API int boka_mail_retry(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t id, char** email_json, char** errmsg);
/* One round of the worker: writes the messages of new events and due reminders, then submits
 * up to `limit` due ones; a MailRound out (optional). Blocks for the SMTP sessions.
 * BOKA_NOT_SUPPORTED when EngineOptions.mail.smtp_url is not set. */
BOKA_API int boka_mail_send(boka_engine* engine, const boka_principal* who, int limit,
                            char** round_json, char** errmsg);

/* --- Payments (boka_payments_*; boka/payments.hpp, docs/payments.md) ------------------- */

/* The tenant's PaymentSettings ("payments:manage"). */
BOKA_API int boka_payments_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    char** settings_json, char** errmsg);
/* PaymentSettings in (its version), out (optional). signing_secret: NULL keeps the stored
 * one; else the provider's endpoint secret (16..256 bytes), stored sealed. */
BOKA_API int boka_payments_update_settings(boka_engine* engine, const boka_principal* who,
                                           int64_t tenant, const char* settings_json_in,
                                           const char* signing_secret, char** settings_json,
                                           char** errmsg);
/* A provider notification as received: its Stripe-Signature header and raw body (body_len
 * bytes). No principal: the signature is the authority. A PaymentNotice out. A missing,
 * wrong or stale signature is BOKA_PERMISSION_DENIED. */
BOKA_API int boka_payments_notification(boka_engine* engine, int64_t tenant,
                                        const char* signature_header, const char* body,
                                        size_t body_len, char** notice_json, char** errmsg);
/* Staff ("reservations:all") record a payment made outside the provider: to is "paid",
 * "refunded" or "failed"; reference: NULL or 0..200 bytes. The Reservation out. */
BOKA_API int boka_payments_record(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t reservation, const char* to, const char* reference,
                                  char** reservation_json, char** errmsg);

/* --- Manage links (boka_manage_link_*; boka/links.hpp, docs/web.md) ------------------- */
/* A signed, revocable capability to one reservation, for customers without an account (the
 * web app's /manage/<token>). Needs EngineOptions.auth.encryption_key (BOKA_NOT_SUPPORTED
 * otherwise). */

/* The reservation's link ("reservations:all"); the same token until revoked. A ManageLink
 * out. */
BOKA_API int boka_manage_link_issue(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    int64_t reservation, char** link_json, char** errmsg);
/* Which reservation `token` names. No principal: the token is the credential. Every invalid
 * token (malformed, forged, revoked, unknown) is the same BOKA_UNAUTHENTICATED. A ManageLink
 * out. */
BOKA_API int boka_manage_link_resolve(boka_engine* engine, const char* token, char** link_json,
                                      char** errmsg);
/* Revokes every link of the reservation issued so far ("reservations:all"; audited); the new
 * ManageLink out (optional). */
BOKA_API int boka_manage_link_revoke(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t reservation, char** link_json, char** errmsg);

/* --- Calendar feeds (boka_feed_*; boka/feeds.hpp, docs/feeds.md) ----------------------- */
/* iCalendar feeds of bookings behind a secret URL: the token is the capability. */

/* kind: "resource", "customer" or "user"; subject: its id; name: NULL or 0..200 bytes.
 * A CreatedFeed out: the feed and its token, shown only here. */
BOKA_API int boka_feed_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* kind, int64_t subject, const char* name,
                              char** created_json, char** errmsg);
/* An array of the CalendarFeeds the principal may manage, by id. */
BOKA_API int boka_feed_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            char** feeds_json, char** errmsg);
/* Revokes a feed (idempotent); the CalendarFeed out (optional). */
BOKA_API int boka_feed_revoke(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t id, char** feed_json, char** errmsg);
/* The feed's iCalendar text (RFC 5545, CRLF lines) into *ics. No principal: the token is
 * the capability; an unknown or revoked token is BOKA_NOT_FOUND. */
BOKA_API int boka_feed_render(boka_engine* engine, const char* token, char** ics, char** errmsg);

/* --- Authentication: users, sessions, TOTP MFA, API keys (boka_auth_*) ---------------- */
/* Thread-safe. docs/auth.md is the guide; the documents are in JSON DOCUMENTS above.
 * Calls that yield a principal (login, verify MFA, confirm enrolment, the two authenticate
 * calls) return a new boka_principal the caller destroys with boka_principal_destroy(); it
 * is checked again (session live, key unrevoked, user enabled) by every call it is passed
 * to. A wrong password, unknown email, locked or disabled account all give the same
 * BOKA_UNAUTHENTICATED "invalid email or password". */

/* Users (users:manage in the tenant; admin users: a superadmin). */
BOKA_API int boka_auth_create_user(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   const char* new_user_json, char** user_json, char** errmsg);
BOKA_API int boka_auth_get_user(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                int64_t user, char** user_json, char** errmsg);
/* Users with id > after_id, by id, at most limit (1..10000). */
BOKA_API int boka_auth_list_users(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  int64_t after_id, int limit, char** users_json, char** errmsg);
/* role: "customer", "staff", "admin", "superadmin"; state: "active", "locked", "disabled". */
BOKA_API int boka_auth_set_user_role(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t user, const char* role, char** user_json,
                                     char** errmsg);
BOKA_API int boka_auth_set_user_state(boka_engine* engine, const boka_principal* who,
                                      int64_t tenant, int64_t user, const char* state,
                                      char** user_json, char** errmsg);

/* Login: a Grant, and the session's principal in *principal (optional: NULL to skip). A user
 * with MFA who gives no code gets an mfa_pending session that can only verify MFA or log
 * out. */
BOKA_API int boka_auth_login(boka_engine* engine, const char* login_json, char** grant_json,
                             boka_principal** principal, char** errmsg);
/* Passes MFA for a pending session's token with a TOTP or recovery code: a new Grant (the
 * pending session ends). source: the client address, or NULL. */
BOKA_API int boka_auth_verify_mfa(boka_engine* engine, const char* token, const char* code,
                                  const char* source, char** grant_json, boka_principal** principal,
                                  char** errmsg);
/* The principal a session token or an API key stands for (BOKA_UNAUTHENTICATED when it is
 * not valid). source: the client address (recorded for emergency keys), or NULL. */
BOKA_API int boka_auth_authenticate_session(boka_engine* engine, const char* token,
                                            boka_principal** principal, char** errmsg);
BOKA_API int boka_auth_authenticate_api_key(boka_engine* engine, const char* key,
                                            const char* source, boka_principal** principal,
                                            char** errmsg);
/* The caller's own session ends / password changes (other sessions end). */
BOKA_API int boka_auth_logout(boka_engine* engine, const boka_principal* who, char** errmsg);
BOKA_API int boka_auth_change_password(boka_engine* engine, const boka_principal* who,
                                       const char* current_password, const char* new_password,
                                       char** errmsg);
/* Sessions of `user` (0: every user the caller may manage) that are live, as an array. */
BOKA_API int boka_auth_list_sessions(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t user, char** sessions_json, char** errmsg);
BOKA_API int boka_auth_end_session(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   int64_t session, char** errmsg);

/* TOTP enrolment of the caller (needs an encryption key in the engine options' "auth"):
 * begin returns an Enrolment; confirm with a current code returns MFA enabled (a new
 * MFA-passed session, whose principal goes to *principal; every other session ends). */
BOKA_API int boka_auth_begin_totp_enrollment(boka_engine* engine, const boka_principal* who,
                                             char** enrollment_json, char** errmsg);
BOKA_API int boka_auth_confirm_totp_enrollment(boka_engine* engine, const boka_principal* who,
                                               const char* code, char** mfa_enabled_json,
                                               boka_principal** principal, char** errmsg);
BOKA_API int boka_auth_disable_totp(boka_engine* engine, const boka_principal* who,
                                    const char* password, char** errmsg);

/* API keys (keys:manage in the tenant). Keys a key creates are revoked with it. */
BOKA_API int boka_auth_create_api_key(boka_engine* engine, const boka_principal* who,
                                      int64_t tenant, const char* new_key_json, char** created_json,
                                      char** errmsg);
BOKA_API int boka_auth_list_api_keys(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t after_id, int limit, char** keys_json, char** errmsg);
BOKA_API int boka_auth_revoke_api_key(boka_engine* engine, const boka_principal* who,
                                      int64_t tenant, int64_t key, char** key_json, char** errmsg);

/* Users, sessions and keys across the tenant, and the security reports. Tenant-wide calls
 * need users:manage (reports: security:read) in the tenant; calls marked "system-wide" need
 * system:operations (the system principal, a superadmin with MFA). A tenant argument of
 * BOKA_ALL_TENANTS (below) means every tenant where it is allowed (a superadmin or the
 * system). Counts go to an int64_t output, optional where the call changes something. */

/* The user with this email in the tenant (matched lower-cased, as stored): a User.
 * users:manage. BOKA_NOT_FOUND when there is none. */
BOKA_API int boka_auth_find_user_by_email(boka_engine* engine, const boka_principal* who,
                                          int64_t tenant, const char* email, char** user_json,
                                          char** errmsg);
/* Ends every session of `user` (a user may end their own; others: users:manage over the
 * user's role); *ended (optional) gets how many. Their tokens stop working at once. */
BOKA_API int boka_auth_end_user_sessions(boka_engine* engine, const boka_principal* who,
                                         int64_t tenant, int64_t user, int64_t* ended,
                                         char** errmsg);
/* Ends every session of `tenant` (BOKA_ALL_TENANTS: of every tenant, a superadmin or the
 * system), except the caller's own; *ended (optional) gets how many. Below a superadmin,
 * only the sessions of users the caller may manage. Recorded as a security event. */
BOKA_API int boka_auth_force_logout_all(boka_engine* engine, const boka_principal* who,
                                        int64_t tenant, int64_t* ended, char** errmsg);
/* Deletes up to `limit` (1..1000000) expired or revoked sessions of every tenant;
 * *deleted (optional) gets how many. System-wide; for a worker. */
BOKA_API int boka_auth_cleanup_sessions(boka_engine* engine, const boka_principal* who, int limit,
                                        int64_t* deleted, char** errmsg);
/* *count: the sessions live now in every tenant. System-wide. */
BOKA_API int boka_auth_count_active_sessions(boka_engine* engine, const boka_principal* who,
                                             int64_t* count, char** errmsg);
/* A superadmin key in `tenant` with every permission, expiring after `lifetime` seconds
 * (0: the engine's emergency_key_lifetime, default 3600; at most 86400), as a Created API
 * key ("emergency": true; the "key" is shown only here, so created_json is required).
 * Its creation and every use are recorded as security events. The system principal or a
 * superadmin with MFA. */
BOKA_API int boka_auth_generate_emergency_key(boka_engine* engine, const boka_principal* who,
                                              int64_t tenant, int64_t lifetime, char** created_json,
                                              char** errmsg);
/* Re-seals under the current encryption key (the engine options' "encryption_key") the
 * TOTP secrets an older key sealed ("previous_encryption_keys"), at most `limit` users
 * (1..100000) per call: a Key rotation out (optional). Call again until "remaining" is 0;
 * then the old key may leave the options. BOKA_NOT_SUPPORTED without an encryption key;
 * a secret under a key that is not configured is BOKA_UNAVAILABLE naming its key id.
 * System-wide. */
BOKA_API int boka_auth_rotate_encryption_key(boka_engine* engine, const boka_principal* who,
                                             int limit, char** rotation_json, char** errmsg);

/* Security reports (security:read in the tenant). Security events of `tenant` with
 * from <= at < to, oldest first, at most `limit` (1..100000): an array of Security events.
 * kind: one kind ("login_failed"), or NULL / "" for every kind. */
BOKA_API int boka_auth_security_events(boka_engine* engine, const boka_principal* who,
                                       int64_t tenant, int64_t from, int64_t to, const char* kind,
                                       int limit, char** events_json, char** errmsg);
/* The tenant's users locked now by failed logins, as an array of Users. */
BOKA_API int boka_auth_locked_accounts(boka_engine* engine, const boka_principal* who,
                                       int64_t tenant, char** users_json, char** errmsg);
/* MFA stats: how many active and locked users have MFA, in total and per role. */
BOKA_API int boka_auth_mfa_stats(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 char** stats_json, char** errmsg);
/* Admins and superadmins of `tenant` (BOKA_ALL_TENANTS: of every tenant, a superadmin or
 * the system), as an array of Users. users:manage. */
BOKA_API int boka_auth_list_admins(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   char** users_json, char** errmsg);
/* Demotes an admin or superadmin to staff and ends their sessions; the User out
 * (optional). A superadmin or the system. BOKA_CONFLICT if the user is not an admin. */
BOKA_API int boka_auth_revoke_admin(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    int64_t user, char** user_json, char** errmsg);

/* --- Audit trail ------------------------------------------------------------------- */
/* Thread-safe; reads run beside live traffic. Every change the engine makes and every
 * refusal appends one record to its tenant's hash chain (tenant 0: the system chain). */

/* The tenant value meaning "every tenant": every chain for boka_ops_verify_audit, every
 * tenant for boka_auth_force_logout_all and boka_auth_list_admins. */
#define BOKA_ALL_TENANTS (-1)

/* Audit query in (NULL: no conditions), array of Audit records of `tenant`'s chain out,
 * ordered by seq. Needs audit:read in the tenant (tenant 0: system-wide). */
BOKA_API int boka_ops_audit_records(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                    const char* query_json, char** records_json, char** errmsg);
/* Walks one chain (`tenant`) or every chain (BOKA_ALL_TENANTS) and returns an Audit
 * verification naming the first broken link. A broken chain is BOKA_OK with "ok": false. */
BOKA_API int boka_ops_verify_audit(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   char** verification_json, char** errmsg);
/* Array of Audit heads in (recorded earlier and kept elsewhere, such as a backup manifest's
 * "audit_heads"), Audit verification out: each chain must still hold that record with that
 * hash, which finds records cut off a chain's end. */
BOKA_API int boka_ops_check_audit_heads(boka_engine* engine, const boka_principal* who,
                                        const char* heads_json, char** verification_json,
                                        char** errmsg);

/* --- Operations -------------------------------------------------------------------- */
/* Thread-safe. The calls that take a principal need system:operations (the system
 * principal). verify, restore and retention work on files alone, without an engine: run
 * them with every process using the target stopped. */

/* The engine's metrics in the Prometheus text exposition format 0.0.4 (what a host serves
 * at /metrics): booking_transactions_total, availability_query_seconds, boka_read_only, ... */
BOKA_API int boka_ops_metrics_text(boka_engine* engine, char** text, char** errmsg);
/* Health options in (NULL: the defaults), Health report out. A store that cannot be
 * reached is "failing" in the report, not an error code. */
BOKA_API int boka_ops_health(boka_engine* engine, const boka_principal* who,
                             const char* options_json, char** health_json, char** errmsg);
/* Array of Table stats: row counts and sizes of every table. */
BOKA_API int boka_ops_database_stats(boka_engine* engine, const boka_principal* who,
                                     char** stats_json, char** errmsg);
/* Read-only mode on (nonzero) or off. While on, every call that would write fails with
 * BOKA_UNAVAILABLE naming the reason ("boka is in read-only mode (<reason>); writes are
 * refused until it is switched off"); reads go on. reason: at most 500 bytes, NULL or ""
 * for "switched on by <principal>". Per engine: switch every engine (process) that shares
 * the store. Recorded in the audit trail. */
BOKA_API int boka_ops_set_read_only(boka_engine* engine, const boka_principal* who, int on,
                                    const char* reason, char** errmsg);
/* *read_only: 1 while read-only, else 0. reason (optional): the reason while read-only,
 * NULL while writable. */
BOKA_API int boka_ops_read_only_reason(boka_engine* engine, int* read_only, char** reason,
                                       char** errmsg);
/* Records that `component` ("worker"; 1..64 of a-z, 0-9, '_', '-') is alive now; the
 * health report shows its age. Not audited. */
BOKA_API int boka_ops_record_heartbeat(boka_engine* engine, const boka_principal* who,
                                       const char* component, char** errmsg);
/* Backup options in, Backup result out (optional). An online, consistent backup of the
 * SQLite store (traffic goes on) with its manifest; applies retention; verifies when asked.
 * BOKA_NOT_SUPPORTED on other stores (PostgreSQL: pg_dump). */
BOKA_API int boka_ops_backup(boka_engine* engine, const boka_principal* who,
                             const char* options_json, char** result_json, char** errmsg);
/* Checks a backup file against its manifest (checksum, integrity_check, schema, row counts,
 * audit chains and heads) and returns a Backup verification. Reads only. BOKA_NOT_FOUND if
 * the file or its manifest is missing; a damaged backup is BOKA_OK with "ok": false and its
 * problems. No engine needed. */
BOKA_API int boka_ops_verify_backup(const char* backup_path, char** verification_json,
                                    char** errmsg);
/* Restores a backup into target_path: verifies it first (a failing one: BOKA_STORAGE naming
 * the problems), copies it beside the target and renames it into place, so the target is
 * either the old file or the whole backup. An existing target is BOKA_ALREADY_EXISTS unless
 * overwrite is nonzero; then its -wal and -shm files are removed too. Stop every process
 * using the target first. No engine needed. */
BOKA_API int boka_ops_restore_backup(const char* backup_path, const char* target_path,
                                     int overwrite, char** errmsg);
/* Deletes the oldest backups of `kind` ("daily", ...) in `directory` (with their manifests)
 * beyond the newest `keep` (>= 1). removed_json (optional): the array of deleted paths.
 * boka_ops_backup applies retention itself. No engine needed. */
BOKA_API int boka_ops_apply_retention(const char* directory, const char* kind, int keep,
                                      char** removed_json, char** errmsg);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BOKA_BOKA_H */
