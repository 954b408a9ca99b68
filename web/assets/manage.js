// A booking's private page, /manage/<token>: its state, and cancel or reschedule within the
// business's cutoffs. The token in the address is the only credential (docs/web.md).
import { api, ApiError } from "./api.js";
import { addDays, dayKey, formatDate, formatDateTime, zonedMidnightToInstant } from "./format.js";
import { describeStart, fetchWeek, renderWeek, visitorZone } from "./slots.js";

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/")[2] || "");
const STATES = {
  held: "Held",
  awaiting_payment: "Awaiting payment",
  confirmed: "Confirmed",
  cancelled: "Cancelled",
  expired: "Expired",
  completed: "Completed",
  no_show: "Missed",
};

let booking = null;
let weekStart = "";
let chosen = "";

function showMessage(text) {
  $("message-text").textContent = text;
  $("message").hidden = false;
}

function when(iso) {
  const { yours } = describeStart(iso, booking.time_zone);
  return `${formatDateTime(iso, booking.time_zone)}${yours ? ` (${yours})` : ""}`;
}

function render() {
  document.title = `Your booking with ${booking.business_name}`;
  $("business-name").textContent = `Your booking with ${booking.business_name}`;
  $("booking-status").textContent = STATES[booking.state] || booking.state;
  $("booking-service").textContent = booking.service_name || "Appointment";
  $("booking-when").textContent = when(booking.start);
  $("booking-name").textContent = booking.customer_name || "";
  const rules = [];
  if (booking.cancel_deadline) rules.push(`Cancel until ${when(booking.cancel_deadline)}.`);
  if (booking.reschedule_deadline) rules.push(`Move until ${when(booking.reschedule_deadline)}.`);
  $("booking-rules").textContent = rules.join(" ");
  $("cancel-button").hidden = !booking.can_cancel;
  $("reschedule-button").hidden = !booking.can_reschedule;
  $("booking").hidden = false;
}

async function loadWeek() {
  const zone = booking.time_zone;
  $("week-label").textContent = `${formatDate(zonedMidnightToInstant(weekStart, zone), zone)} – ${formatDate(
    zonedMidnightToInstant(addDays(weekStart, 6), zone), zone)}`;
  const starts = await fetchWeek(booking.business_slug, booking.service, weekStart, zone);
  renderWeek($("week"), starts, weekStart, zone, (iso) => {
    chosen = iso;
    $("new-time").textContent = `New time: ${when(iso)}`;
    $("reschedule-confirm").disabled = false;
    $("reschedule-confirm").focus();
  });
}

// Says what happened where screen readers hear it (the region is shown before it is filled,
// or some would not announce it) and moves focus there from the control that went away.
function done(text) {
  $("done").hidden = false;
  $("done").textContent = text;
  $("done").focus();
}

async function cancel() {
  try {
    booking = await api("POST", `/api/public/bookings/${token}/cancel`);
    $("cancel-confirm").hidden = true;
    $("reschedule").hidden = true;
    render();
    done("Your booking is cancelled.");
  } catch (e) {
    showMessage(e.message);
    $("message").focus();
  }
}

async function reschedule() {
  try {
    booking = await api("POST", `/api/public/bookings/${token}/reschedule`, { start: chosen });
    $("reschedule").hidden = true;
    render();
    done(`Your booking is moved to ${when(booking.start)}.`);
  } catch (e) {
    showMessage(e instanceof ApiError && e.status === 409 ? `${e.message} Please choose another time.` : e.message);
    await loadWeek();
  }
}

async function start() {
  $("visitor-zone").textContent = visitorZone;
  try {
    booking = await api("GET", `/api/public/bookings/${token}`);
  } catch (e) {
    showMessage(e instanceof ApiError && e.status === 401
      ? "This link is not valid any more. Ask the business for a new one."
      : e.message);
    return;
  }
  render();
  $("business-zone").textContent = booking.time_zone;
  $("cancel-button").addEventListener("click", () => {
    $("cancel-confirm").hidden = false;
    $("cancel-yes").focus();
  });
  $("cancel-no").addEventListener("click", () => {
    $("cancel-confirm").hidden = true;
    $("cancel-button").focus();
  });
  $("cancel-yes").addEventListener("click", cancel);
  $("reschedule-button").addEventListener("click", async () => {
    $("reschedule").hidden = false;
    weekStart = dayKey(new Date(), booking.time_zone);
    $("reschedule-heading").focus();
    try {
      await loadWeek();
    } catch (e) {
      showMessage(e.message);
    }
  });
  $("prev-week").addEventListener("click", () => {
    weekStart = addDays(weekStart, -7);
    loadWeek().catch((e) => showMessage(e.message));
  });
  $("next-week").addEventListener("click", () => {
    weekStart = addDays(weekStart, 7);
    loadWeek().catch((e) => showMessage(e.message));
  });
  $("reschedule-confirm").addEventListener("click", reschedule);
}

start();
