/**
 * Maintenance windows: "Mon-Fri 02:00-05:00", kured-style day lists ("mon,wed,fri", "sat-sun", "fri-mon"),
 * every day when no days are given, in an IANA time zone. Pure: every function takes the instant it asks
 * about, so callers inject their clock.
 *
 * Rules:
 *  - A window that ends at or before its start ("22:00-04:00") runs overnight and belongs to the day it
 *    STARTS on: "Fri 22:00-04:00" is open Friday 22:00 to Saturday 04:00, not Friday 00:00-04:00.
 *  - "24:00" is allowed as an end ("sat-sun 00:00-24:00" is the whole weekend, one open stretch).
 *  - Local wall times become instants the way Temporal's "compatible" disambiguation does: a time that a
 *    spring-forward skips is read that many minutes later (02:30 on the day 02:00 jumps to 03:00 is 03:30),
 *    and a time a fall-back repeats is its first occurrence. So a window never silently vanishes on a DST day.
 * Time zones come from Intl (the ICU data Node ships with); no dependency.
 */
import { UsageError } from '../errors.js';

export interface MaintenanceWindow {
  /** Weekdays the window starts on, 0 = Sunday … 6 = Saturday. */
  days: ReadonlySet<number>;
  /** Seconds after local midnight. */
  start: number;
  /** Seconds after local midnight of the start day; above 86400 for an overnight window. */
  end: number;
  timeZone: string;
  /** The window as the admin wrote it, for messages. */
  text: string;
}

export interface OpenStretch {
  /** Epoch ms the stretch opened (or opens). */
  opens: number;
  /** Epoch ms it closes; adjacent windows ("sat-sun 00:00-24:00") are one stretch. */
  closes: number;
}

const DAY = 86_400;
const DAY_NAMES: ReadonlyArray<readonly string[]> = [
  ['su', 'sun', 'sunday'],
  ['mo', 'mon', 'monday'],
  ['tu', 'tue', 'tues', 'tuesday'],
  ['we', 'wed', 'wednesday'],
  ['th', 'thu', 'thur', 'thurs', 'thursday'],
  ['fr', 'fri', 'friday'],
  ['sa', 'sat', 'saturday'],
];
const SHORT_DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const EVERY_DAY = new Set([0, 1, 2, 3, 4, 5, 6]);

function bad(text: string, why: string): UsageError {
  return new UsageError(`invalid maintenance window "${text}": ${why}`);
}

function dayNumber(name: string, text: string): number {
  const wanted = name.toLowerCase();
  const index = DAY_NAMES.findIndex((names) => names.includes(wanted));
  if (index < 0) throw bad(text, `unknown day "${name}" (days are mon, tue, wed, thu, fri, sat, sun; ranges like mon-fri; lists like mon,wed,fri)`);
  return index;
}

/** "mon-fri", "sat-sun", "fri-mon" (wraps), "mon,wed,fri", or a mix: "mon-wed,sat". */
export function parseDays(spec: string, text = spec): Set<number> {
  const days = new Set<number>();
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') throw bad(text, `empty day in "${spec}"`);
    const range = /^([A-Za-z]+)\s*-\s*([A-Za-z]+)$/.exec(item);
    if (range) {
      const from = dayNumber(range[1]!, text);
      const to = dayNumber(range[2]!, text);
      for (let d = from; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === to) break;
      }
    } else if (/^[A-Za-z]+$/.test(item)) {
      days.add(dayNumber(item, text));
    } else {
      throw bad(text, `cannot read the days "${item}" (write mon-fri, sat-sun or mon,wed,fri)`);
    }
  }
  return days;
}

/** "2:00", "02:00", "23:59:59", "24:00" (as an end only) → seconds after midnight. */
export function parseClock(spec: string, text: string, role: 'start' | 'end'): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(spec);
  if (!m) throw bad(text, `cannot read the ${role} time "${spec}" (write HH:MM, e.g. 02:00)`);
  const [hours, minutes, seconds] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const whole = hours * 3600 + minutes * 60 + seconds;
  if (hours === 24 && minutes === 0 && seconds === 0 && role === 'end') return DAY;
  if (hours > 23 || minutes > 59 || seconds > 59) {
    throw bad(text, `the ${role} time "${spec}" is not a time of day${role === 'end' && hours === 24 ? '' : ' (00:00 to 23:59; 24:00 only as an end)'}`);
  }
  return whole;
}

/** Throws UsageError naming the zone when Intl does not know it. */
export function checkTimeZone(timeZone: string): string {
  if (timeZone.trim() === '') throw new UsageError('empty time zone: give an IANA name such as Europe/Berlin or UTC');
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new UsageError(`unknown time zone "${timeZone}": give an IANA name such as Europe/Berlin, America/New_York or UTC`);
  }
}

/**
 * `[DAYS] [START-END]`: "Mon-Fri 02:00-05:00", "sat-sun", "22:00-04:00", "mon,wed,fri 01:00-03:30".
 * Days default to every day, times to the whole day. Throws UsageError naming the part it cannot read.
 */
export function parseWindow(text: string, timeZone = 'UTC'): MaintenanceWindow {
  const zone = checkTimeZone(timeZone);
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw bad(text, 'it is empty (write e.g. "Mon-Fri 02:00-05:00")');
  let daySpec: string | undefined;
  let timeSpec: string | undefined;
  const looksLikeTimes = (word: string): boolean => /\d/.test(word);
  if (words.length === 1) {
    if (looksLikeTimes(words[0]!)) timeSpec = words[0];
    else daySpec = words[0];
  } else {
    // Days may be written with spaces ("mon, wed"); the times are the last word.
    timeSpec = words.at(-1);
    daySpec = words.slice(0, -1).join('');
    if (!looksLikeTimes(timeSpec!)) throw bad(text, `expected START-END times after the days, found "${timeSpec}"`);
  }
  const days = daySpec !== undefined ? parseDays(daySpec, text) : new Set(EVERY_DAY);
  let start = 0;
  let end = DAY;
  if (timeSpec !== undefined) {
    const times = /^([^-]+)-([^-]+)$/.exec(timeSpec);
    if (!times) throw bad(text, `cannot read the times "${timeSpec}" (write START-END, e.g. 02:00-05:00)`);
    start = parseClock(times[1]!, text, 'start');
    end = parseClock(times[2]!, text, 'end');
    if (end === start) throw bad(text, `it starts and ends at ${times[1]}, so it is empty (for a whole day write 00:00-24:00)`);
    if (end < start) end += DAY;
  }
  return { days, start, end, timeZone: zone, text: text.trim() };
}

// ---- wall time in a zone --------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's wall clock at `instant`, expressed as if it were UTC (ms). */
function wallClock(instant: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
}

/** UTC offset of the zone at `instant`, in ms (wall clock minus UTC). */
export function zoneOffset(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/**
 * The instant a local wall time (given as if UTC, ms) happens in the zone, with "compatible" disambiguation:
 * the earlier of two occurrences; for a skipped time, the offset from before the gap (so it lands after it).
 */
export function wallToInstant(wall: number, timeZone: string): number {
  // Zone transitions are months apart, so the offsets a day either side are the only candidates.
  const before = zoneOffset(wall - DAY * 1000, timeZone);
  const after = zoneOffset(wall + DAY * 1000, timeZone);
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  const exact = candidates.filter((instant) => zoneOffset(instant, timeZone) === wall - instant);
  if (exact.length > 0) return exact[0]!;
  return wall - before;
}

/** Local midnight of the day `instant` falls on, as a wall time (UTC-based ms), and that day's weekday. */
function localDay(instant: number, timeZone: string): { midnight: number; weekday: number } {
  const wall = wallClock(Math.floor(instant / 1000) * 1000, timeZone);
  const midnight = wall - (((wall % (DAY * 1000)) + DAY * 1000) % (DAY * 1000));
  return { midnight, weekday: new Date(midnight).getUTCDay() };
}

/** The window that starts on the local day whose midnight (wall, ms) is given. */
function windowOfDay(window: MaintenanceWindow, midnight: number): OpenStretch {
  return {
    opens: wallToInstant(midnight + window.start * 1000, window.timeZone),
    closes: wallToInstant(midnight + window.end * 1000, window.timeZone),
  };
}

/** Each day's window from the day before `instant`'s local day on, in order, for `count` days. */
function windowsFrom(window: MaintenanceWindow, instant: number, count: number): OpenStretch[] {
  const today = localDay(instant, window.timeZone);
  const out: OpenStretch[] = [];
  for (let offset = -1; offset < count - 1; offset++) {
    const midnight = today.midnight + offset * DAY * 1000;
    const weekday = (((today.weekday + offset) % 7) + 7) % 7;
    if (!window.days.has(weekday)) continue;
    const stretch = windowOfDay(window, midnight);
    if (stretch.closes > stretch.opens) out.push(stretch);
  }
  return out;
}

/** Joins windows that touch or overlap into one stretch ("sat-sun 00:00-24:00" closes Monday 00:00). */
function merged(stretches: OpenStretch[]): OpenStretch[] {
  const out: OpenStretch[] = [];
  for (const s of stretches) {
    const last = out.at(-1);
    if (last && s.opens <= last.closes) last.closes = Math.max(last.closes, s.closes);
    else out.push({ ...s });
  }
  return out;
}

/** 7 days of windows cover every weekday; 2 more cover a stretch that runs on across days. */
const LOOKAHEAD_DAYS = 16;

/**
 * The open stretch `instant` falls in (opens ≤ instant < closes), or undefined when the window is closed.
 * A window open every day all day never closes: `closes` is Infinity.
 */
export function openStretchAt(window: MaintenanceWindow, instant: number): OpenStretch | undefined {
  const windows = windowsFrom(window, instant, LOOKAHEAD_DAYS);
  const stretches = merged(windows);
  const found = stretches.find((s) => s.opens <= instant && instant < s.closes);
  if (found && found === stretches.at(-1) && found.closes === windows.at(-1)!.closes) return { ...found, closes: Number.POSITIVE_INFINITY };
  return found;
}

export function isOpen(window: MaintenanceWindow, instant: number): boolean {
  return openStretchAt(window, instant) !== undefined;
}

/** When the window closes again, if it is open at `instant` (Infinity: never); undefined when it is closed. */
export function closingTime(window: MaintenanceWindow, instant: number): number | undefined {
  return openStretchAt(window, instant)?.closes;
}

/** The first instant at or after `instant` at which the window is open (`instant` itself when open now). */
export function nextOpening(window: MaintenanceWindow, instant: number): number {
  const stretches = merged(windowsFrom(window, instant, LOOKAHEAD_DAYS));
  const current = stretches.find((s) => s.opens <= instant && instant < s.closes);
  if (current) return instant;
  const next = stretches.find((s) => s.opens > instant);
  if (!next) throw new Error(`maintenance window "${window.text}" has no opening in ${LOOKAHEAD_DAYS} days`);
  return next.opens;
}

// ---- words for messages ---------------------------------------------------------------------------

const pad = (n: number): string => String(n).padStart(2, '0');

/** "Thu 2026-11-26 02:00 CET": the zone's wall time with its abbreviation (or offset). */
export function formatLocal(instant: number, timeZone: string): string {
  const wall = new Date(wallClock(Math.floor(instant / 1000) * 1000, timeZone));
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ??
    timeZone;
  const seconds = wall.getUTCSeconds() !== 0 ? `:${pad(wall.getUTCSeconds())}` : '';
  return `${SHORT_DAY[wall.getUTCDay()]} ${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}${seconds} ${name}`;
}

/** "2026-11-26 01:00 UTC". */
export function formatUtc(instant: number): string {
  const d = new Date(instant);
  const seconds = d.getUTCSeconds() !== 0 ? `:${pad(d.getUTCSeconds())}` : '';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds} UTC`;
}

/** "3h12m", "2d4h", "45m", "20s": whole minutes (rounded up) from one minute on, so "in 0m" never appears. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.ceil(seconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', rest > 0 ? `${rest}m` : ''];
  return parts.join('');
}

/** "Mon-Fri 02:00-05:00 (Europe/Berlin)". */
export function describeWindow(window: MaintenanceWindow): string {
  return `${window.text} (${window.timeZone})`;
}

/** "Thu 2026-11-26 02:00 GMT+1 (2026-11-26 01:00 UTC)"; in UTC just the UTC time. */
export function describeAt(instant: number, timeZone: string): string {
  return timeZone === 'UTC' ? formatUtc(instant) : `${formatLocal(instant, timeZone)} (${formatUtc(instant)})`;
}

/** "Thu 2026-11-26 02:00 GMT+1 (2026-11-26 01:00 UTC, in 3h12m)". */
export function describeInstant(instant: number, timeZone: string, now: number): string {
  const relative = instant >= now ? `in ${formatDuration(instant - now)}` : `${formatDuration(now - instant)} ago`;
  return timeZone === 'UTC' ? `${formatUtc(instant)} (${relative})` : `${formatLocal(instant, timeZone)} (${formatUtc(instant)}, ${relative})`;
}
