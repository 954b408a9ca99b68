// The week of free starts the booking and manage pages show: one column per day in the
// business's zone, each start a button that names its time in the business's zone and, when
// it differs, in the visitor's own.
import { api } from "./api.js";
import { addDays, dayKey, formatDayShort, formatTime, zonedMidnightToInstant } from "./format.js";

export const visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// The free starts of `service` in the 7 days from `weekStart` (a "YYYY-MM-DD" in `zone`).
export async function fetchWeek(slug, service, weekStart, zone) {
  const from = zonedMidnightToInstant(weekStart, zone).toISOString();
  const to = zonedMidnightToInstant(addDays(weekStart, 7), zone).toISOString();
  const query = new URLSearchParams({ service: String(service), from, to });
  const answer = await api("GET", `/api/public/businesses/${slug}/slots?${query}`);
  return answer.starts;
}

// "10:00" and, in another zone, "04:00 your time".
export function describeStart(iso, zone) {
  const here = formatTime(iso, zone);
  if (zone === visitorZone) return { text: here, yours: "" };
  return { text: here, yours: `${formatTime(iso, visitorZone)} your time` };
}

// Renders the week into `container`; `onPick(iso)` runs when a start is chosen.
export function renderWeek(container, starts, weekStart, zone, onPick) {
  container.replaceChildren();
  const byDay = new Map();
  for (const iso of starts) {
    const key = dayKey(iso, zone);
    if (!byDay.has(key)) byDay.set(key, []);
    byDay.get(key).push(iso);
  }
  const grid = document.createElement("div");
  grid.className = "week-grid";
  for (let i = 0; i < 7; i++) {
    const key = addDays(weekStart, i);
    const column = document.createElement("section");
    column.className = "day";
    const heading = document.createElement("h3");
    // Noon avoids a DST edge moving the label to the neighbouring day.
    const noon = new Date(zonedMidnightToInstant(key, zone).getTime() + 12 * 3600 * 1000);
    heading.textContent = formatDayShort(noon, zone);
    const headingId = `day-${key}`;
    heading.id = headingId;
    column.setAttribute("aria-labelledby", headingId);
    column.append(heading);
    const list = document.createElement("ul");
    list.className = "slots";
    const dayStarts = byDay.get(key) || [];
    for (const iso of dayStarts) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "slot";
      button.dataset.start = iso;
      const { text, yours } = describeStart(iso, zone);
      button.textContent = text;
      if (yours) {
        const small = document.createElement("span");
        small.className = "yours";
        small.textContent = ` ${yours}`;
        button.append(small);
      }
      // The day, for screen readers that read the button alone; the visible text stays the
      // start of the accessible name, as speech control users say what they see.
      const day = document.createElement("span");
      day.className = "visually-hidden";
      day.textContent = `, ${heading.textContent}`;
      button.append(day);
      button.addEventListener("click", () => onPick(iso));
      item.append(button);
      list.append(item);
    }
    if (dayStarts.length === 0) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = "No free times";
      column.append(none);
    } else {
      column.append(list);
    }
    grid.append(column);
  }
  container.append(grid);
}

// "9:41" left of a hold, from now until `until` (an instant).
export function remaining(until) {
  const left = Math.max(0, Math.round((new Date(until).getTime() - Date.now()) / 1000));
  return { seconds: left, text: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` };
}
