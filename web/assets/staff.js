// The staff pages (/staff/<slug>): a day and week calendar across the business's resources,
// bookings made, opened and changed from it, holds counting down, the waitlist per resource
// and customers with their booking history. Everything goes through the JSON API
// (docs/http.md) as the signed-in user; the engine decides what staff may do.
//
// Element hooks (tests and styles rely on them):
//   nav#app-nav a[data-view]                       views: #/calendar, #/waitlist, #/customers
//   #calendar-view, #waitlist-view, #customers-view
//   #view-day, #view-week, #prev-range, #today, #next-range, #jump-date, #show-cancelled,
//   #refresh-calendar, #range-label
//   #calendar                                      the timeline; rows are resources
//     .timeline-row[data-resource]                 one resource
//     .cell[data-resource][data-day][data-minute]  an hour of the day view (button)
//     .add[data-resource][data-day]                a day of the week view (button)
//     .booking[data-id][data-status]               a reservation (button)
//     .hold-left[data-expires]                     "hold: 4 min left", updated every second
//   #booking-dialog, #booking-details, #booking-error,
//     #confirm-booking, #cancel-booking, #complete-booking, #no-show-booking,
//     #reschedule-form, #reschedule-date, #reschedule-time, #reschedule-booking,
//     #override-box, #override-action, #booking-close,
//     #show-manage-link, #revoke-manage-link, #manage-link-url (the customer's manage link)
//   #new-booking-dialog, #new-booking-form, #new-date, #new-time, #new-service,
//     #new-duration, #new-customer-name, #new-customer-email, #new-notes,
//     #new-booking-submit, #new-booking-error, #next-free, #use-next-free
//   #waitlist-resource, #waitlist-table, #waitlist-empty
//   #customer-search-form, #customer-query, #customer-results, .customer-open[data-id],
//   #customer-history, #customer-details, #customer-bookings, .history-open[data-id]

import { api, ApiError } from "./api.js";
import {
  $,
  announce,
  busy,
  el,
  errorText,
  openDialog,
  reportError,
  showOnly,
  startSession,
  viewFromHash as namedView,
} from "./login.js";
import {
  addDays,
  dayKey,
  formatDate,
  formatDateTime,
  formatDayShort,
  formatDuration,
  formatTime,
  minutesIntoDay,
  weekday,
  zonedMidnightToInstant,
  zonedTimeToInstant,
} from "./format.js";

// Statuses that hold capacity or already happened; the others are shown only on request.
const LIVE = new Set(["held", "confirmed", "completed"]);
const ALL_STATUSES = "held,confirmed,completed,no_show,cancelled,expired";
const STATUS_TEXT = {
  held: "hold",
  confirmed: "confirmed",
  completed: "completed",
  no_show: "no-show",
  cancelled: "cancelled",
  expired: "hold expired",
};
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const VIEWS = ["calendar", "waitlist", "customers"];
const PAGE = 500;

const state = {
  tenant: 0,
  zone: "UTC",
  mode: "day", // or "week"
  anchor: "", // the shown day (day view) or a day of the shown week, "YYYY-MM-DD"
  showAll: false,
  resources: [],
  resourceById: new Map(),
  serviceById: new Map(),
  schedules: new Map(),
  reservations: [],
  customers: new Map(), // id -> Customer, or null when it cannot be read
  current: null, // the reservation open in #booking-dialog
  historyCustomer: 0, // the customer whose history #customer-history shows
  draft: null, // what #new-booking-dialog books: {resource, idempotencyKey}
  calendarTicket: 0,
};

const tenantPath = (rest) => `/api/tenants/${state.tenant}${rest}`;

// RFC 3339 without milliseconds: what the API writes, and what reads best in a URL.
const iso = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

// An id that makes a retried booking safe (docs/http.md, Idempotency-Key). getRandomValues
// works on plain http too, where crypto.randomUUID does not.
function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `staff-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// ---- start ---------------------------------------------------------------------------------

function init() {
  $("#view-day").addEventListener("click", () => setMode("day"));
  $("#view-week").addEventListener("click", () => setMode("week"));
  $("#prev-range").addEventListener("click", () => move(-1));
  $("#next-range").addEventListener("click", () => move(1));
  $("#today").addEventListener("click", () => goTo(today()));
  $("#jump-date").addEventListener("change", (event) => event.target.value && goTo(event.target.value));
  $("#show-cancelled").addEventListener("change", (event) => {
    state.showAll = event.target.checked;
    renderCalendar();
  });
  $("#refresh-calendar").addEventListener("click", () => loadCalendar());
  $("#calendar").addEventListener("click", onCalendarClick);

  $("#booking-close").addEventListener("click", () => $("#booking-dialog").close());
  $("#show-manage-link").addEventListener("click", (e) => manageLink(e.currentTarget, ""));
  $("#revoke-manage-link").addEventListener("click", (e) => manageLink(e.currentTarget, "/revoke"));
  $("#confirm-booking").addEventListener("click", (e) => changeBooking(e.currentTarget, "confirm"));
  $("#complete-booking").addEventListener("click", (e) => changeBooking(e.currentTarget, "complete"));
  $("#no-show-booking").addEventListener("click", (e) => changeBooking(e.currentTarget, "no_show"));
  $("#cancel-booking").addEventListener("click", (e) => changeBooking(e.currentTarget, "cancel"));
  $("#reschedule-form").addEventListener("submit", onReschedule);

  $("#new-booking-form").addEventListener("submit", onCreateBooking);
  $("#new-booking-cancel").addEventListener("click", () => $("#new-booking-dialog").close());
  $("#new-service").addEventListener("change", syncServiceFields);
  $("#use-next-free").addEventListener("click", useNextFree);

  $("#waitlist-resource").addEventListener("change", loadWaitlist);
  $("#customer-search-form").addEventListener("submit", onCustomerSearch);
  $("#customer-results").addEventListener("click", (event) => {
    const button = event.target.closest(".customer-open");
    if (button) showCustomer(Number(button.dataset.id));
  });
  $("#customer-bookings").addEventListener("click", (event) => {
    const button = event.target.closest(".history-open");
    if (button) openBooking(Number(button.dataset.id));
  });

  window.addEventListener("hashchange", () => state.tenant && showView(viewFromHash(), true));
  // One clock for every countdown on the page; cheap, since it touches only hold labels.
  setInterval(tickHolds, 1000);
}

async function onReady({ business }) {
  state.tenant = business.tenant;
  state.zone = business.time_zone || "UTC";
  state.anchor ||= today();
  $("#zone-name").textContent = state.zone;
  try {
    const [resources, services, schedules] = await Promise.all([
      api("GET", tenantPath("/resources")),
      api("GET", tenantPath("/services")),
      // Opening hours only shape the calendar; without them it shows 08:00-18:00.
      api("GET", tenantPath("/schedules")).catch(() => []),
    ]);
    state.resources = resources;
    state.resourceById = new Map(resources.map((r) => [r.id, r]));
    state.serviceById = new Map(services.map((s) => [s.id, s]));
    state.schedules = new Map(schedules.map((s) => [s.id, s]));
  } catch (error) {
    reportError(error);
    return;
  }
  $("#waitlist-resource").replaceChildren(...state.resources.map((r) => el("option", { value: r.id }, r.name)));
  showView(viewFromHash(), false);
}

const viewFromHash = () => namedView(VIEWS, "calendar");

// Shows one view; a view's data is read each time it is shown.
function showView(name, moveFocus) {
  showOnly(VIEWS, name, moveFocus);
  if (name === "calendar") loadCalendar();
  else if (name === "waitlist") loadWaitlist();
}

// ---- the calendar --------------------------------------------------------------------------

const today = () => dayKey(new Date(), state.zone);

function shownDays() {
  if (state.mode === "day") return [state.anchor];
  const monday = addDays(state.anchor, -weekday(state.anchor));
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

function setMode(mode) {
  state.mode = mode;
  $("#view-day").setAttribute("aria-pressed", String(mode === "day"));
  $("#view-week").setAttribute("aria-pressed", String(mode === "week"));
  const unit = mode === "day" ? "day" : "week";
  $("#prev-label").textContent = `Previous ${unit}`;
  $("#next-label").textContent = `Next ${unit}`;
  loadCalendar();
}

function move(direction) {
  goTo(addDays(state.anchor, direction * (state.mode === "day" ? 1 : 7)));
}

function goTo(day) {
  state.anchor = day;
  loadCalendar();
}

// Reads every reservation that touches the shown days. Navigating quickly starts several
// loads; only the newest one may draw (the ticket).
async function loadCalendar(focusSelector) {
  const days = shownDays();
  const ticket = ++state.calendarTicket;
  showRangeLabel(days);
  try {
    const from = zonedMidnightToInstant(days[0], state.zone);
    const to = zonedMidnightToInstant(addDays(days.at(-1), 1), state.zone);
    const list = await fetchReservations({ from: iso(from), to: iso(to), status: ALL_STATUSES });
    await loadCustomers(list);
    if (ticket !== state.calendarTicket) return;
    state.reservations = list;
    renderCalendar(focusSelector);
  } catch (error) {
    reportError(error);
  }
}

// Pages through a reservation list in start order (keyset pages, docs/http.md).
async function fetchReservations(filter, path = "/reservations", maxPages = 10) {
  const all = [];
  let last = null;
  for (let page = 0; page < maxPages; page += 1) {
    const query = new URLSearchParams({ ...filter, order: "by_start", limit: String(PAGE) });
    if (last) {
      query.set("after_start", last.start);
      query.set("after_id", String(last.id));
    }
    const batch = await api("GET", tenantPath(`${path}?${query}`));
    all.push(...batch);
    if (batch.length < PAGE) break;
    last = batch.at(-1);
  }
  return all;
}

// Customer records for the names on the blocks, each read once per page load.
async function loadCustomers(items) {
  const missing = new Set();
  for (const item of items) {
    if (item.customer_id && !state.customers.has(item.customer_id)) missing.add(item.customer_id);
  }
  await Promise.all([...missing].map(async (id) => {
    try {
      state.customers.set(id, await api("GET", tenantPath(`/customers/${id}`)));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
      state.customers.set(id, null);
    }
  }));
}

function customerName(item) {
  const record = item.customer_id ? state.customers.get(item.customer_id) : null;
  if (record?.display_name) return record.display_name;
  if (record?.erased_at) return "Erased customer";
  if (item.customer) return item.customer.startsWith("user:") ? "Online customer" : item.customer;
  return "No customer";
}

function resourceName(id) {
  return state.resourceById.get(id)?.name ?? `Resource ${id}`;
}

function bookingWhat(reservation) {
  const service = reservation.service ? state.serviceById.get(reservation.service) : null;
  return service ? service.name : reservation.allocations.map((a) => resourceName(a.resource)).join(", ");
}

function showRangeLabel(days) {
  const first = zonedMidnightToInstant(days[0], state.zone);
  const last = zonedMidnightToInstant(days.at(-1), state.zone);
  let text = days.length === 1 ? formatDate(first, state.zone) : `${formatDate(first, state.zone)} – ${formatDate(last, state.zone)}`;
  if (days.includes(today())) text += days.length === 1 ? " (today)" : " (this week)";
  $("#range-label").textContent = text;
  $("#jump-date").value = state.anchor;
}

// The hours the day view shows: the union of the resources' opening hours that day (08-18
// when none say), widened to every booking shown.
function shownHours(day, items) {
  let first = 24;
  let last = 0;
  for (const resource of state.resources) {
    for (const [start, end] of openIntervals(resource, day) ?? []) {
      first = Math.min(first, Math.floor(start / 60));
      last = Math.max(last, Math.ceil(end / 60));
    }
  }
  if (first >= last) [first, last] = [8, 18];
  for (const item of items) {
    const [start, end] = clippedMinutes(item, day);
    first = Math.min(first, Math.floor(start / 60));
    last = Math.max(last, Math.ceil(end / 60));
  }
  return [first, Math.max(last, first + 1)];
}

// A resource's opening hours on a date as [startMinute, endMinute] pairs; null when it is
// open around the clock or its hours are not in the business's zone (then the calendar does
// not shade anything). Holiday rules are not applied here: the engine still refuses those.
function openIntervals(resource, day) {
  if (!resource.schedule || (resource.zone && resource.zone !== state.zone)) return null;
  const schedule = state.schedules.get(resource.schedule);
  if (!schedule) return null;
  const override = (schedule.overrides || []).find((o) => o.date === day);
  const rule = override ?? (schedule.weekly || []).find((w) => w.day === WEEKDAYS[weekday(day)]);
  return (rule?.intervals || []).map((i) => [i.start_minute, i.end_minute]);
}

// A reservation's start and end as wall-clock minutes of `day`, cut to that day.
function clippedMinutes(item, day) {
  const dayStart = zonedMidnightToInstant(day, state.zone).getTime();
  const dayEnd = zonedMidnightToInstant(addDays(day, 1), state.zone).getTime();
  const start = Date.parse(item.start) <= dayStart ? 0 : minutesIntoDay(item.start, state.zone);
  const end = Date.parse(item.end) >= dayEnd ? 24 * 60 : minutesIntoDay(item.end, state.zone);
  return [start, Math.max(end, start + 1)];
}

function overlapsDay(item, day) {
  const dayStart = zonedMidnightToInstant(day, state.zone).getTime();
  const dayEnd = zonedMidnightToInstant(addDays(day, 1), state.zone).getTime();
  return Date.parse(item.start) < dayEnd && Date.parse(item.end) > dayStart;
}

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: "UTC" });
const hourLabel = (hour) => hourFormat.format(Date.UTC(2000, 0, 1, hour));

function renderCalendar(focusSelector) {
  const calendar = $("#calendar");
  // Whatever had focus in the calendar gets it back after the redraw (a block or a cell).
  const active = document.activeElement;
  const keep = focusSelector ?? (calendar.contains(active) && active.dataset.key
    ? `[data-key="${active.dataset.key}"]` : null);
  const items = state.reservations.filter((r) => state.showAll || LIVE.has(r.status));
  calendar.className = `timeline ${state.mode}`;
  if (!state.resources.length) {
    calendar.replaceChildren(el("p", { class: "muted" }, "There are no resources yet: an administrator adds them."));
    return;
  }
  if (state.mode === "day") renderDay(calendar, state.anchor, items);
  else renderWeek(calendar, shownDays(), items);
  tickHolds();
  if (keep) {
    // A cancelled booking leaves the calendar: focus stays near it, on the shown range.
    (calendar.querySelector(keep) ?? $("#range-label")).focus();
  }
}

function renderDay(calendar, day, items) {
  const [first, last] = shownHours(day, items);
  const hours = Array.from({ length: last - first }, (_, i) => first + i);
  const span = (last - first) * 60;
  calendar.style.setProperty("--columns", String(hours.length));
  const head = el("div", { class: "timeline-head", "aria-hidden": "true" },
    el("div", { class: "corner" }, "Resource"),
    el("div", { class: "columns" }, hours.map((h) => el("div", { class: "column-label" }, hourLabel(h)))));
  const rows = state.resources.map((resource) => {
    const open = openIntervals(resource, day);
    const cells = hours.map((hour) => {
      const closed = open !== null && !open.some(([s, e]) => s < (hour + 1) * 60 && e > hour * 60);
      return el("button", {
        type: "button",
        class: closed ? "cell closed" : "cell",
        dataset: { resource: resource.id, day, minute: hour * 60, key: `cell-${resource.id}-${day}-${hour}` },
        "aria-label": `Book ${resource.name} at ${hourLabel(hour)}${closed ? " (outside opening hours)" : ""}`,
      });
    });
    const mine = items.filter((r) => r.allocations.some((a) => a.resource === resource.id));
    const lanes = assignLanes(mine);
    const blocks = mine.map((item) => {
      const [start, end] = clippedMinutes(item, day);
      const block = bookingBlock(item, resource.id);
      block.style.setProperty("--start", String((start - first * 60) / span));
      block.style.setProperty("--length", String((end - start) / span));
      block.style.setProperty("--lane", String(lanes.get(item.id)));
      return block;
    });
    const track = el("div", { class: "track" }, cells, blocks);
    track.style.setProperty("--lanes", String(lanes.size ? Math.max(...lanes.values()) + 1 : 1));
    return el("div", { class: "timeline-row", role: "group", "aria-label": resource.name, dataset: { resource: resource.id } },
      el("div", { class: "resource-name" }, resource.name), track);
  });
  calendar.replaceChildren(head, ...rows);
}

// Overlapping bookings on one resource (capacity above 1) go on separate lanes, the first
// free lane from the top, so no block hides another.
function assignLanes(items) {
  const laneEnds = [];
  const lanes = new Map();
  for (const item of [...items].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const start = Date.parse(item.start);
    let lane = laneEnds.findIndex((end) => end <= start);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = Date.parse(item.end);
    lanes.set(item.id, lane);
  }
  return lanes;
}

function renderWeek(calendar, days, items) {
  const now = today();
  calendar.style.setProperty("--columns", "7");
  const midnights = days.map((day) => zonedMidnightToInstant(day, state.zone));
  const labels = midnights.map((instant) => formatDate(instant, state.zone));
  const head = el("div", { class: "timeline-head", "aria-hidden": "true" },
    el("div", { class: "corner" }, "Resource"),
    el("div", { class: "columns" }, days.map((day, i) =>
      el("div", { class: day === now ? "column-label today" : "column-label" }, formatDayShort(midnights[i], state.zone)))));
  const rows = state.resources.map((resource) => {
    const mine = items.filter((r) => r.allocations.some((a) => a.resource === resource.id));
    const cells = days.map((day, i) => el("div", { class: day === now ? "day-cell today" : "day-cell" },
      mine.filter((item) => overlapsDay(item, day)).map((item) => bookingBlock(item, resource.id)),
      el("button", {
        type: "button",
        class: "add",
        dataset: { resource: resource.id, day, key: `add-${resource.id}-${day}` },
        "aria-label": `Book ${resource.name} on ${labels[i]}`,
      }, "+")));
    return el("div", { class: "timeline-row", role: "group", "aria-label": resource.name, dataset: { resource: resource.id } },
      el("div", { class: "resource-name" }, resource.name), el("div", { class: "track" }, cells));
  });
  calendar.replaceChildren(head, ...rows);
}

// A reservation as a button in the row of resource `row`: its accessible name reads the
// whole booking ("9:00 AM–10:00 AM, Ana Lima, Haircut, confirmed"). What was booked is left
// out when it would only repeat the row's resource.
function bookingBlock(item, row) {
  const what = item.service || item.allocations.some((a) => a.resource !== row) ? bookingWhat(item) : "";
  return el("button", {
    type: "button",
    class: `booking ${item.status}`,
    dataset: { id: item.id, status: item.status, key: `booking-${item.id}` },
    "aria-haspopup": "dialog",
  },
  el("span", { class: "b-time" }, `${formatTime(item.start, state.zone)}–${formatTime(item.end, state.zone)}`),
  el("span", { class: "visually-hidden" }, ", "),
  el("span", { class: "b-who" }, customerName(item)),
  el("span", { class: "visually-hidden" }, ", "),
  what ? el("span", { class: "b-what" }, what) : null,
  what ? el("span", { class: "visually-hidden" }, ", ") : null,
  item.status === "held" && item.hold_expires_at
    ? el("span", { class: "b-status hold-left", dataset: { expires: item.hold_expires_at } }, "hold")
    : el("span", { class: item.status === "confirmed" ? "visually-hidden" : "b-status" }, STATUS_TEXT[item.status]));
}

function holdText(expires) {
  const left = Math.round((Date.parse(expires) - Date.now()) / 1000);
  if (left <= 0) return "hold expired";
  return `hold: ${left >= 60 ? `${Math.ceil(left / 60)} min` : `${left} s`} left`;
}

function tickHolds() {
  for (const label of document.querySelectorAll(".hold-left[data-expires]")) {
    const text = holdText(label.dataset.expires);
    if (label.textContent !== text) label.textContent = text;
  }
}

function onCalendarClick(event) {
  const block = event.target.closest(".booking");
  if (block) {
    openBooking(Number(block.dataset.id));
    return;
  }
  const cell = event.target.closest(".cell, .add");
  if (!cell) return;
  let minute = Number(cell.dataset.minute ?? NaN);
  if (Number.isNaN(minute)) minute = firstOpenMinute(state.resourceById.get(Number(cell.dataset.resource)), cell.dataset.day);
  // A mouse click picks the quarter hour under the pointer; Enter or a tap, the hour.
  if (cell.classList.contains("cell") && event.detail > 0 && cell.offsetWidth > 0) {
    const fraction = (event.clientX - cell.getBoundingClientRect().left) / cell.offsetWidth;
    minute += Math.min(3, Math.max(0, Math.floor(fraction * 4))) * 15;
  }
  openNewBooking(Number(cell.dataset.resource), cell.dataset.day, minute);
}

function firstOpenMinute(resource, day) {
  const open = resource ? openIntervals(resource, day) : null;
  return open && open.length ? Math.min(...open.map(([s]) => s)) : 9 * 60;
}

// ---- one booking ---------------------------------------------------------------------------

async function openBooking(id) {
  let reservation;
  try {
    // Read afresh: the calendar may be minutes old, and the dialog acts on this version.
    reservation = await api("GET", tenantPath(`/reservations/${id}`));
    await loadCustomers([reservation]);
  } catch (error) {
    reportError(error);
    return;
  }
  fillBookingDialog(reservation);
  const dialog = $("#booking-dialog");
  // Focus goes to the title, not to a button that would change the booking on a stray Enter.
  if (!dialog.open) openDialog(dialog, $("#booking-title"));
}

function fillBookingDialog(reservation) {
  state.current = reservation;
  const { zone } = state;
  const status = reservation.status;
  const seconds = (Date.parse(reservation.end) - Date.parse(reservation.start)) / 1000;
  const customer = reservation.customer_id ? state.customers.get(reservation.customer_id) : null;
  $("#booking-title").textContent = `Booking ${reservation.id}: ${customerName(reservation)}`;
  $("#booking-error").hidden = true;
  $("#override-box").hidden = true;

  const rows = [
    ["When", `${formatDate(reservation.start, zone)}, ${formatTime(reservation.start, zone)}–${
      formatTime(reservation.end, zone)} (${formatDuration(seconds)})`],
    ["Status", status === "held" && reservation.hold_expires_at
      ? el("span", { class: "hold-left", dataset: { expires: reservation.hold_expires_at } }, holdText(reservation.hold_expires_at))
      : STATUS_TEXT[status]],
    ["Customer", customer
      ? [customer.display_name || "No name", customer.email ? el("span", { class: "muted" }, ` · ${customer.email}`) : "",
        customer.phone ? el("span", { class: "muted" }, ` · ${customer.phone}`) : "", " ",
        el("a", { href: "#/customers", class: "customer-link", dataset: { id: customer.id } },
          "Bookings", el("span", { class: "visually-hidden" }, ` of ${customer.display_name || "this customer"}`))]
      : customerName(reservation)],
    ["Service", reservation.service ? state.serviceById.get(reservation.service)?.name ?? `Service ${reservation.service}` : "None (a time on a resource)"],
    ["Resources", reservation.allocations.map((a) => `${resourceName(a.resource)}${a.quantity > 1 ? ` ×${a.quantity}` : ""}`).join(", ")],
    ["Notes", reservation.notes || el("span", { class: "muted" }, "None")],
    ["Booked", formatDateTime(reservation.created_at, zone)],
  ];
  $("#booking-details").replaceChildren(...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  $("#booking-details .customer-link")?.addEventListener("click", (event) => {
    event.preventDefault();
    $("#booking-dialog").close();
    showCustomer(customer.id);
  });

  const open = status === "held" || status === "confirmed";
  $("#confirm-booking").hidden = status !== "held";
  $("#complete-booking").hidden = status !== "confirmed";
  $("#no-show-booking").hidden = status !== "confirmed";
  $("#cancel-booking").hidden = !open;
  $("#cancel-booking").textContent = status === "held" ? "Release hold" : "Cancel booking";
  $("#reschedule-form").hidden = !open;
  $("#reschedule-date").value = dayKey(reservation.start, zone);
  $("#reschedule-time").value = formatClock(minutesIntoDay(reservation.start, zone));
  $("#reschedule-hint").textContent = `It keeps its length, ${formatDuration(seconds)}, and its resources.`;
  $("#manage-link-field").hidden = true;
  $("#manage-link-url").value = "";
}

// The booking's manage link (docs/web.md), to send the customer again; "/revoke" ends every
// earlier link first (one that leaked) and shows the new one.
async function manageLink(button, action) {
  const id = state.current.id;
  await busy(button, async () => {
    try {
      const link = await api("POST", tenantPath(`/reservations/${id}/manage-link${action}`));
      $("#manage-link-url").value = `${location.origin}/manage/${link.token}`;
      $("#manage-link-field").hidden = false;
      $("#manage-link-url").focus();
      $("#manage-link-url").select();
      if (action) announce(`Booking ${id}: every earlier manage link stopped working; this is the new one.`, "success");
    } catch (error) {
      reportError(error, $("#booking-error"));
    }
  });
}

const VERB_DONE = {
  confirm: "confirmed",
  complete: "marked completed",
  no_show: "marked as a no-show",
  cancel: "cancelled",
  reschedule: "moved",
};

// One state change of the open booking. A change the booking rules refuse (a cutoff, a
// per-customer limit) can be passed over by staff: the dialog says which rule and offers
// to, and the engine records the override in the audit trail.
async function changeBooking(button, verb, body = {}) {
  const reservation = state.current;
  const error = $("#booking-error");
  error.hidden = true;
  $("#override-box").hidden = true;
  await busy(button, async () => {
    try {
      const updated = await api("POST", tenantPath(`/reservations/${reservation.id}/${verb}`),
        { if_version: reservation.version, ...body });
      $("#booking-dialog").close();
      const what = verb === "reschedule"
        ? ` to ${formatDate(updated.start, state.zone)}, ${formatTime(updated.start, state.zone)}`
        : "";
      announce(`Booking ${updated.id} (${customerName(updated)}) ${VERB_DONE[verb]}${what}.`, "success");
      await afterChange(updated);
    } catch (failure) {
      const conflict = failure instanceof ApiError ? failure.problem.conflict : null;
      if (conflict?.rule && !body.override_rules && verb !== "confirm") {
        offerOverride(failure, conflict, () => changeBooking($("#override-action"), verb, { ...body, override_rules: true }));
        return;
      }
      reportError(failure, error);
      if (conflict?.next_free_start) {
        error.textContent += ` The next free start from then is ${formatDateTime(conflict.next_free_start, state.zone)}.`;
      }
      if (failure instanceof ApiError && failure.status === 409 && !conflict) await refreshOpenBooking();
    }
  });
}

function offerOverride(failure, conflict, retry) {
  const deadline = conflict.deadline ? ` The deadline was ${formatDateTime(conflict.deadline, state.zone)}.` : "";
  $("#override-text").textContent = `${errorText(failure)}${deadline} Staff may pass over this rule; the audit trail records it.`;
  $("#override-box").hidden = false;
  const action = $("#override-action");
  action.replaceWith(action.cloneNode(true)); // drop the previous retry's listener
  $("#override-action").addEventListener("click", retry, { once: true });
  $("#override-action").focus();
}

// A stale version (someone else changed it meanwhile): show the booking as it is now.
async function refreshOpenBooking() {
  try {
    fillBookingDialog(await api("GET", tenantPath(`/reservations/${state.current.id}`)));
  } catch {
    // The error already shown says enough.
  }
}

function onReschedule(event) {
  event.preventDefault();
  const reservation = state.current;
  const date = $("#reschedule-date").value;
  const minutes = parseClock($("#reschedule-time").value);
  if (!date || minutes === null) return;
  const start = zonedTimeToInstant(date, minutes, state.zone);
  const end = new Date(start.getTime() + (Date.parse(reservation.end) - Date.parse(reservation.start)));
  changeBooking($("#reschedule-booking"), "reschedule", { start: iso(start), end: iso(end) });
}

async function afterChange(reservation) {
  const day = dayKey(reservation.start, state.zone);
  if (!shownDays().includes(day)) state.anchor = day;
  if (!$("#calendar-view").hidden) await loadCalendar(`.booking[data-id="${reservation.id}"]`);
  if (!$("#customer-history").hidden && state.historyCustomer) await showCustomer(state.historyCustomer, false);
}

// ---- a new booking -------------------------------------------------------------------------

function openNewBooking(resourceId, day, minute) {
  const resource = state.resourceById.get(resourceId);
  if (!resource) return;
  state.draft = { resource: resourceId, idempotencyKey: newIdempotencyKey() };
  $("#new-booking-form").reset();
  $("#next-free").hidden = true;
  $("#new-resource").textContent = `On ${resource.name}`;
  $("#new-date").value = day;
  $("#new-time").value = formatClock(minute);
  // Services that take this resource (or a pool, which may hold it); the engine places a
  // service booking on its own resources.
  const services = [...state.serviceById.values()].filter((s) => !s.archived_at &&
    (s.allocations || []).some((a) => a.resource === resourceId || a.pool));
  $("#new-service").replaceChildren(
    el("option", { value: "" }, "A length of time (no service)"),
    ...services.map((s) => el("option", { value: s.id }, `${s.name} (${formatDuration(s.duration)})`)),
  );
  syncServiceFields();
  openDialog($("#new-booking-dialog"), $("#new-customer-name"));
}

function syncServiceFields() {
  const service = state.serviceById.get(Number($("#new-service").value));
  $("#new-duration-field").hidden = Boolean(service);
  $("#new-duration").required = !service;
}

async function onCreateBooking(event) {
  event.preventDefault();
  const error = $("#new-booking-error");
  error.hidden = true;
  $("#next-free").hidden = true;
  const minutes = parseClock($("#new-time").value);
  const date = $("#new-date").value;
  const name = $("#new-customer-name").value.trim();
  const email = $("#new-customer-email").value.trim();
  if (!date || minutes === null || !name) {
    error.textContent = "Fill in the date, the start time and the customer’s name.";
    error.hidden = false;
    return;
  }
  const start = zonedTimeToInstant(date, minutes, state.zone);
  const service = state.serviceById.get(Number($("#new-service").value));
  const request = { start: iso(start), idempotency_key: state.draft.idempotencyKey };
  if (service) {
    request.service = service.id;
  } else {
    const length = Number($("#new-duration").value);
    request.allocations = [{ resource: state.draft.resource, quantity: 1 }];
    request.end = iso(new Date(start.getTime() + length * 60000));
  }
  const notes = $("#new-notes").value.trim();
  if (notes) request.notes = notes;

  await busy($("#new-booking-submit"), async () => {
    try {
      const customer = await customerFor(name, email);
      request.customer_id = customer.id;
      const created = await api("POST", tenantPath("/reservations"), request);
      $("#new-booking-dialog").close();
      announce(`Booked ${bookingWhat(created)} on ${formatDate(created.start, state.zone)}, ${
        formatTime(created.start, state.zone)}–${formatTime(created.end, state.zone)} for ${customer.display_name}.`, "success");
      await afterChange(created);
    } catch (failure) {
      // Refused: nothing was stored, so the next attempt is a new request with a new key.
      state.draft.idempotencyKey = newIdempotencyKey();
      reportError(failure, error);
      const next = failure instanceof ApiError ? failure.problem.conflict?.next_free_start : null;
      if (next) {
        state.draft.nextFree = next;
        $("#next-free-text").textContent = `The earliest free start from then is ${formatDateTime(next, state.zone)}.`;
        $("#next-free").hidden = false;
      }
    }
  });
}

function useNextFree() {
  const next = state.draft?.nextFree;
  if (!next) return;
  $("#new-date").value = dayKey(next, state.zone);
  $("#new-time").value = formatClock(minutesIntoDay(next, state.zone));
  $("#next-free").hidden = true;
  $("#new-booking-submit").focus();
}

// The customer record a booking is for: the one with that email if there is one, else a new
// record, so the booking shows up in the customer's history.
async function customerFor(name, email) {
  if (email) {
    const found = await api("GET", tenantPath(`/customers?${new URLSearchParams({ query: email, limit: "20" })}`));
    const match = found.find((c) => (c.email || "").toLowerCase() === email.toLowerCase());
    if (match) return match;
  }
  const created = await api("POST", tenantPath("/customers"), email ? { display_name: name, email } : { display_name: name });
  state.customers.set(created.id, created);
  return created;
}

// ---- waitlist ------------------------------------------------------------------------------

async function loadWaitlist() {
  const resource = $("#waitlist-resource").value;
  const body = $("#waitlist-table tbody");
  if (!resource) {
    body.replaceChildren();
    $("#waitlist-empty").hidden = false;
    return;
  }
  try {
    const query = new URLSearchParams({ resource, status: "waiting,offered", limit: "200" });
    const entries = await api("GET", tenantPath(`/waitlist?${query}`));
    await loadCustomers(entries);
    const { zone } = state;
    body.replaceChildren(...entries.map((entry, i) => {
      const window = entry.earliest_start === entry.latest_start
        ? formatDateTime(entry.earliest_start, zone)
        : `${formatDateTime(entry.earliest_start, zone)} and ${formatDateTime(entry.latest_start, zone)}`;
      const status = entry.status === "offered" && entry.offer_expires_at
        ? `offered until ${formatTime(entry.offer_expires_at, zone)}`
        : entry.status;
      return el("tr", { dataset: { id: entry.id } },
        el("td", {}, String(i + 1)), el("td", {}, customerName(entry)), el("td", {}, window),
        el("td", {}, formatDuration(entry.duration)), el("td", {}, status),
        el("td", {}, formatDateTime(entry.joined_at, zone)));
    }));
    $("#waitlist-empty").hidden = entries.length > 0;
  } catch (error) {
    reportError(error);
  }
}

// ---- customers -----------------------------------------------------------------------------

async function onCustomerSearch(event) {
  event.preventDefault();
  const query = $("#customer-query").value.trim();
  await busy($("#customer-search"), async () => {
    try {
      const found = await api("GET", tenantPath(`/customers?${new URLSearchParams({ query, limit: "50" })}`));
      for (const customer of found) state.customers.set(customer.id, customer);
      $("#customer-results tbody").replaceChildren(...found.map((c) => el("tr", {},
        el("td", {}, c.display_name || "No name"), el("td", {}, c.email || ""), el("td", {}, c.phone || ""),
        el("td", {}, el("button", { type: "button", class: "secondary customer-open", dataset: { id: c.id } },
          "History", el("span", { class: "visually-hidden" }, ` of ${c.display_name || c.email}`))))));
      $("#customer-results").closest(".table-scroll").hidden = found.length === 0;
      $("#customer-none").hidden = found.length > 0;
      announce(`${found.length} ${found.length === 1 ? "customer" : "customers"} found.`);
    } catch (error) {
      reportError(error);
    }
  });
}

async function showCustomer(id, moveFocus = true) {
  if (location.hash !== "#/customers") location.hash = "#/customers";
  state.historyCustomer = id;
  try {
    const [customer, bookings] = await Promise.all([
      api("GET", tenantPath(`/customers/${id}`)),
      fetchReservations({}, `/customers/${id}/bookings`, 2),
    ]);
    state.customers.set(id, customer);
    const { zone } = state;
    $("#customer-history-heading").textContent = customer.display_name || "Customer";
    $("#customer-details").replaceChildren(...[
      ["Email", customer.email || "None"],
      ["Phone", customer.phone || "None"],
      ["Customer since", formatDate(customer.created_at, zone)],
      ["Notes", customer.notes || "None"],
    ].flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
    const newestFirst = [...bookings].reverse();
    $("#customer-bookings tbody").replaceChildren(...newestFirst.map((r) => el("tr", {},
      el("td", {}, `${formatDate(r.start, zone)}, ${formatTime(r.start, zone)}`),
      el("td", {}, bookingWhat(r)),
      el("td", {}, STATUS_TEXT[r.status] ?? r.status),
      el("td", {}, el("button", { type: "button", class: "secondary history-open", dataset: { id: r.id } },
        "Open", el("span", { class: "visually-hidden" }, ` booking ${r.id}`))))));
    $("#customer-bookings-empty").hidden = bookings.length > 0;
    $("#customer-history").hidden = false;
    if (moveFocus) {
      const heading = $("#customer-history-heading");
      heading.tabIndex = -1;
      heading.focus();
    }
  } catch (error) {
    reportError(error);
  }
}

// ---- small helpers -------------------------------------------------------------------------

function formatClock(minutes) {
  const whole = Math.round(minutes);
  return `${String(Math.floor(whole / 60) % 24).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
}

function parseClock(text) {
  const match = /^(\d{1,2}):(\d{2})/.exec(text || "");
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

init();
startSession({ area: "staff", minRole: "staff", requireMfa: false, onReady });
