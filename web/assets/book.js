// The public booking page, /book/<business>: choose a service, pick a free start (held while
// the visitor fills the form), give a name and email, book. Talks only to the public booking
// API (docs/web.md). Element ids are the hooks tests/web/booking_test.py uses.
import { api, ApiError } from "./api.js";
import { addDays, dayKey, formatDate, formatDateTime, formatDuration, zonedMidnightToInstant } from "./format.js";
import { describeStart, fetchWeek, remaining, renderWeek, visitorZone } from "./slots.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.split("/")[2] || "");

const state = {
  business: null,
  service: null,
  weekStart: "",
  booking: null, // the held booking while the form is open
  timer: 0,
  announced: "", // what the hold's live region last said ("minute", "over")
  loads: 0, // weeks asked for: an answer that is no longer the latest is dropped
};

function showMessage(text, nextStart) {
  $("message-text").textContent = text;
  const next = $("next-free");
  if (nextStart) {
    const { text: at, yours } = describeStart(nextStart, state.business.time_zone);
    next.dataset.start = nextStart;
    next.textContent = `Take the next free time: ${formatDate(nextStart, state.business.time_zone)} ${at}${yours ? ` (${yours})` : ""}`;
    next.hidden = false;
  } else {
    next.hidden = true;
  }
  $("message").hidden = false;
}

function clearMessage() {
  $("message").hidden = true;
}

function price(service) {
  if (service.price == null) return "";
  const amount = new Intl.NumberFormat(undefined, { style: "currency", currency: service.currency || "EUR" });
  return amount.format(service.price / 100);
}

async function loadWeek() {
  const zone = state.business.time_zone;
  const week = $("week");
  // The week and service this answer is for: a quicker click may ask for another meanwhile.
  const load = ++state.loads;
  const weekStart = state.weekStart;
  const service = state.service;
  week.setAttribute("aria-busy", "true");
  $("week-label").textContent = `${formatDate(zonedMidnightToInstant(weekStart, zone), zone)} – ${formatDate(
    zonedMidnightToInstant(addDays(weekStart, 6), zone), zone)}`;
  const previous = $("prev-week");
  const first = weekStart <= dayKey(new Date(), zone);
  // A disabled button cannot hold focus: hand it to the label before disabling it.
  if (first && document.activeElement === previous) $("week-label").focus();
  previous.disabled = first;
  try {
    const starts = await fetchWeek(slug, service.id, weekStart, zone);
    if (load !== state.loads) return;
    renderWeek(week, starts, weekStart, zone, hold);
    if (starts.length === 0) {
      const none = document.createElement("p");
      none.textContent = "No free times this week. Try the next week, or join the waitlist.";
      week.prepend(none);
    }
  } catch (e) {
    if (load !== state.loads) return;
    week.replaceChildren();
    showMessage(e.message);
  } finally {
    if (load === state.loads) week.setAttribute("aria-busy", "false");
  }
}

// Lets go of a hold the visitor no longer wants, so it does not keep the time from others.
function releaseHold() {
  if (state.booking) api("POST", `/api/public/bookings/${state.booking.token}/cancel`).catch(() => {});
  state.booking = null;
  clearInterval(state.timer);
}

async function hold(start) {
  clearMessage();
  releaseHold();
  try {
    const booking = await api("POST", `/api/public/businesses/${slug}/holds`, { service: state.service.id, start });
    state.booking = booking;
    const zone = state.business.time_zone;
    const { yours } = describeStart(booking.start, zone);
    $("chosen").textContent = `${state.service.name}, ${formatDateTime(booking.start, zone)}${yours ? ` (${yours})` : ""}`;
    $("details").hidden = false;
    $("confirmation").hidden = true;
    state.announced = "";
    tick();
    clearInterval(state.timer);
    state.timer = setInterval(tick, 1000);
    $("details-heading").focus();
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      showMessage("Sorry, that time was just taken by someone else.", e.problem.next_start);
      await loadWeek();
      // The chosen button is gone with the old week: the way on is the offered start.
      ($("next-free").hidden ? $("message") : $("next-free")).focus();
    } else {
      showMessage(e.message);
    }
  }
}

function tick() {
  if (!state.booking || !state.booking.hold_expires_at) return;
  const left = remaining(state.booking.hold_expires_at);
  $("hold-timer").textContent = left.seconds > 0
    ? `We hold this time for you for ${left.text} more.`
    : "Your hold ran out: the time may be taken. You can still try to book it.";
  // The countdown itself is not announced (every second would drown everything else); its
  // last minute and its end are, once each.
  const moment = left.seconds === 0 ? "over" : left.seconds <= 60 ? "minute" : "";
  if (moment && moment !== state.announced) {
    state.announced = moment;
    $("hold-status").textContent = moment === "over"
      ? "Your hold on this time ran out."
      : "One minute left on your hold: book now to keep this time.";
  }
}

async function book(event) {
  event.preventDefault();
  clearMessage();
  const name = $("name").value.trim();
  const email = $("email").value.trim();
  if (!name || !email || !$("email").checkValidity()) {
    showMessage("Please give your name and a valid email address.");
    (name ? $("email") : $("name")).focus();
    return;
  }
  $("book-button").disabled = true;
  try {
    const booking = await api("POST", `/api/public/bookings/${state.booking.token}/confirm`, {
      name,
      email,
      notes: $("notes").value,
      time_zone: visitorZone,
      locale: navigator.language || "",
    });
    if (booking.state !== "confirmed" && booking.state !== "awaiting_payment") {
      showMessage("The booking could not be finished. Please choose a time again.");
      $("details").hidden = true;
      releaseHold();
      await loadWeek();
      $("message").focus();
      return;
    }
    clearInterval(state.timer);
    const zone = state.business.time_zone;
    const { yours } = describeStart(booking.start, zone);
    const when = `${formatDateTime(booking.start, zone)}${yours ? ` (${yours})` : ""}`;
    $("confirmation-text").textContent = booking.state === "awaiting_payment"
      ? `${booking.service_name} on ${when} is held for you until ${formatDateTime(booking.hold_expires_at, zone)} ` +
        "and confirmed once it is paid."
      : `${booking.service_name} on ${when} is booked. A confirmation goes to ${email}.`;
    $("manage-link").href = booking.manage_path;
    $("details").hidden = true;
    $("confirmation").hidden = false;
    $("confirmation-heading").focus();
    state.booking = null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      showMessage(`${e.message} Please choose a time again.`);
      $("details").hidden = true;
      await loadWeek();
      $("message").focus();
    } else {
      showMessage(e.message);
    }
  } finally {
    $("book-button").disabled = false;
  }
}

function openWaitlist() {
  const section = $("waitlist");
  section.hidden = false;
  if (!$("wl-from").value) $("wl-from").value = state.weekStart;
  if (!$("wl-to").value) $("wl-to").value = addDays(state.weekStart, 6);
  $("waitlist-heading").focus();
}

async function joinWaitlist(event) {
  event.preventDefault();
  clearMessage();
  const zone = state.business.time_zone;
  const name = $("wl-name").value.trim();
  const email = $("wl-email").value.trim();
  const from = $("wl-from").value;
  const to = $("wl-to").value;
  if (!name || !email || !$("wl-email").checkValidity() || !from || !to || to < from) {
    showMessage("Please give your name, a valid email address and a date range.");
    return;
  }
  const latest = new Date(zonedMidnightToInstant(addDays(to, 1), zone).getTime() - state.service.duration * 1000);
  try {
    const entry = await api("POST", `/api/public/businesses/${slug}/waitlist`, {
      service: state.service.id,
      earliest_start: zonedMidnightToInstant(from, zone).toISOString(),
      latest_start: latest.toISOString(),
      name,
      email,
    });
    $("waitlist-result").textContent = `You are on the waitlist${entry.position ? ` (number ${entry.position})` : ""}. ` +
      `If a time between ${from} and ${to} frees up, it is offered to you first.`;
  } catch (e) {
    showMessage(e.message);
  }
}

async function start() {
  $("visitor-zone").textContent = visitorZone;
  try {
    state.business = await api("GET", `/api/public/businesses/${slug}`);
  } catch (e) {
    showMessage(e instanceof ApiError && e.status === 404 ? "There is no booking page at this address." : e.message);
    $("choose").hidden = true;
    $("pick").hidden = true;
    return;
  }
  document.title = `Book with ${state.business.name}`;
  $("business-name").textContent = `Book with ${state.business.name}`;
  $("business-zone").textContent = state.business.time_zone;
  const select = $("service");
  for (const service of state.business.services) {
    const option = document.createElement("option");
    option.value = String(service.id);
    option.textContent = `${service.name} (${formatDuration(service.duration)}${service.price != null ? `, ${price(service)}` : ""})`;
    select.append(option);
  }
  if (state.business.services.length === 0) {
    showMessage("This business takes no online bookings at the moment.");
    $("pick").hidden = true;
    return;
  }
  state.service = state.business.services[0];
  state.weekStart = dayKey(new Date(), state.business.time_zone);
  const describe = () => {
    $("service-info").textContent = state.service.description || "";
  };
  describe();
  select.addEventListener("change", () => {
    state.service = state.business.services.find((s) => String(s.id) === select.value);
    describe();
    loadWeek();
  });
  $("prev-week").addEventListener("click", () => {
    state.weekStart = addDays(state.weekStart, -7);
    loadWeek();
  });
  $("next-week").addEventListener("click", () => {
    state.weekStart = addDays(state.weekStart, 7);
    loadWeek();
  });
  $("next-free").addEventListener("click", () => hold($("next-free").dataset.start));
  $("details-form").addEventListener("submit", book);
  $("change-time").addEventListener("click", () => {
    $("details").hidden = true;
    releaseHold();
    $("week").querySelector("button.slot")?.focus();
  });
  $("waitlist-open").addEventListener("click", openWaitlist);
  $("waitlist-form").addEventListener("submit", joinWaitlist);
  await loadWeek();
}

start();
