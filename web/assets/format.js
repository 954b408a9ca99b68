// Date, time and duration formatting shared by every page.
//
// The server speaks RFC 3339 UTC instants and durations in seconds (docs/http.md); people think
// in the business's wall-clock time. Everything here converts between the two with the
// browser's Intl API only (no date library, no hand-written time-zone rules), so it follows
// the IANA database the browser ships, DST included.
//
// Exports:
//   formatDateTime(iso, zone, locale?)  "12 Mar 2025, 14:30"-style text in `zone`
//   formatTime(iso, zone)               "14:30"
//   formatDate(iso, zone)               "Wed, 12 Mar 2025"
//   formatDayShort(iso, zone)           "Wed, 12 Mar" (calendar column heads)
//   dayKey(iso, zone)                   "2025-03-12": the calendar date of the instant in `zone`
//   zonedMidnightToInstant(key, zone)   Date of the first instant of that date in `zone`
//   zonedTimeToInstant(key, minutes, zone)  Date of the wall time key + minutes-since-midnight
//   minutesIntoDay(iso, zone)           wall-clock minutes since local midnight (0..1439)
//   addDays(key, n)                     "2025-03-12" + n days, pure calendar arithmetic
//   weekday(key)                        0 = Monday .. 6 = Sunday
//   formatDuration(seconds)             "1 h 30 min"

// Building an Intl.DateTimeFormat is far slower than using one; calendars format hundreds of
// instants per render, so formatters are kept per (locale, zone, style).
const formatterCache = new Map();

function formatter(locale, zone, options) {
  const key = `${locale ?? ""}|${zone}|${JSON.stringify(options)}`;
  let found = formatterCache.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    formatterCache.set(key, found);
  }
  return found;
}

function toDate(iso) {
  return iso instanceof Date ? iso : new Date(iso);
}

export function formatDateTime(iso, zone, locale) {
  return formatter(locale, zone, { dateStyle: "medium", timeStyle: "short" }).format(toDate(iso));
}

export function formatTime(iso, zone) {
  return formatter(undefined, zone, { hour: "numeric", minute: "2-digit" }).format(toDate(iso));
}

export function formatDate(iso, zone) {
  return formatter(undefined, zone, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(toDate(iso));
}

export function formatDayShort(iso, zone) {
  return formatter(undefined, zone, { weekday: "short", day: "numeric", month: "short" }).format(toDate(iso));
}

// The wall-clock fields of an instant in a zone, as numbers. hourCycle "h23" keeps midnight
// at 0 (some engines print "24" with hour12: false).
function wallFields(ms, zone) {
  const parts = formatter("en-US", zone, {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    hourCycle: "h23",
    era: "short",
  }).formatToParts(new Date(ms));
  const fields = {};
  for (const part of parts) fields[part.type] = part.value;
  let year = Number(fields.year);
  if (fields.era === "BC" || fields.era === "B") year = 1 - year;
  return {
    year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour) % 24,
    minute: Number(fields.minute),
    second: Number(fields.second),
  };
}

// The wall-clock time of `ms` in `zone`, read back as if it were UTC: the difference to `ms`
// is the zone's UTC offset at that instant.
function wallAsUtc(ms, zone) {
  const f = wallFields(ms, zone);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
}

function offsetAt(ms, zone) {
  const whole = Math.floor(ms / 1000) * 1000; // Intl drops milliseconds
  return wallAsUtc(whole, zone) - whole;
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

function keyOf(year, month, day) {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

function parseKey(key) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${key}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

export function dayKey(iso, zone) {
  const f = wallFields(toDate(iso).getTime(), zone);
  return keyOf(f.year, f.month, f.day);
}

// Minutes since local midnight; the calendar positions blocks with it.
export function minutesIntoDay(iso, zone) {
  const f = wallFields(toDate(iso).getTime(), zone);
  return f.hour * 60 + f.minute + f.second / 60;
}

// The instant a wall-clock time happens in `zone`. A wall time can occur twice (the hour
// repeated when clocks go back: the earlier one wins) or never (the hour skipped when clocks
// go forward: it is read with the offset from before the jump, so 02:30 in a gap from 02:00
// to 03:00 becomes 03:30, where a clock that was not yet put forward would point). The
// offsets a day before and after cover any single transition around the wanted time.
export function zonedTimeToInstant(key, minutes, zone) {
  const { year, month, day } = parseKey(key);
  const wanted = Date.UTC(year, month - 1, day, 0, 0, 0) + Math.round(minutes * 60) * 1000;
  const before = offsetAt(wanted - 86400000, zone);
  const after = offsetAt(wanted + 86400000, zone);
  const candidates = [wanted - before, wanted - after].sort((a, b) => a - b);
  for (const candidate of candidates) {
    if (wallAsUtc(candidate, zone) === wanted) return new Date(candidate);
  }
  // In a gap: the offset from before the jump lands just as far past it as the gap is long.
  return new Date(wanted - before);
}

export function zonedMidnightToInstant(key, zone) {
  return zonedTimeToInstant(key, 0, zone);
}

// Calendar arithmetic on date keys; UTC has no DST, so whole days are exact here.
export function addDays(key, n) {
  const { year, month, day } = parseKey(key);
  const d = new Date(Date.UTC(year, month - 1, day + n));
  return keyOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function weekday(key) {
  const { year, month, day } = parseKey(key);
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

// Durations as people say them: "45 min", "1 h 30 min", "2 d 3 h", "20 s".
export function formatDuration(seconds) {
  let rest = Math.max(0, Math.round(Number(seconds) || 0));
  if (rest < 60) return `${rest} s`;
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && !days) parts.push(`${minutes} min`);
  return parts.join(" ") || "0 min";
}
