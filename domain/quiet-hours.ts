/**
 * Quiet hours: marketing sends go out only inside an allowed window of the contact's local wall-clock time; outside
 * it they are deferred to the next allowed instant, never dropped. Pure: `now` is a parameter, time zones come from
 * the runtime's ICU data through `Intl.DateTimeFormat` (available in Node and in the Temporal workflow sandbox).
 *
 * Definitions (every function here follows them exactly):
 * - The window is `start`–`end` in "HH:mm" (24-hour) local time, start inclusive, end exclusive; "24:00" may end a
 *   window. When end < start the window crosses midnight (20:00–02:00 = from 20:00 until 02:00 the next morning).
 *   start = end means no quiet hours (always allowed).
 * - An instant is allowed when the local time of day at that instant, in the zone, lies in the window.
 * - `nextAllowedSendTime` returns null when `now` is allowed, otherwise the EARLIEST instant after `now` that is
 *   allowed. Across DST this is the honest answer rather than "start o'clock on the next day":
 *     - spring forward into a window that starts inside the skipped hour (start 02:30, clocks jump 02:00 → 03:00):
 *       the answer is the jump itself (03:00 local), the first instant whose local time is past 02:30;
 *     - fall back: a start time that happens twice is taken at its first occurrence; and if the clocks fall back
 *       into a window (e.g. 20:00–01:30, 02:00 EDT → 01:00 EST), the fall-back instant is itself the answer.
 * - Time zone: the contact's if it is a valid IANA name, else the fallback (workspace default) if valid, else UTC.
 *   An invalid name never throws.
 *
 * Offset changes are found by sampling every 6 hours and bisecting to the second, which assumes no zone changes its
 * offset twice within 6 hours (true of all tzdata rules in use). Cost: one Intl call when allowed; some tens when
 * deferring (samples up to the candidate instant only).
 */

export interface SendingWindow {
  /** "HH:mm", inclusive. */
  start: string;
  /** "HH:mm" or "24:00", exclusive. */
  end: string;
}

export const DEFAULT_SENDING_WINDOW: Readonly<SendingWindow> = Object.freeze({ start: '08:00', end: '21:00' });

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SAMPLE_STEP = 6 * 60 * MINUTE;
/** Far enough for any non-empty window: a local day is at most 25 h, and Samoa once skipped a whole day. */
const HORIZON = 3 * DAY;

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Minutes since midnight of "H:mm"/"HH:mm" (and "24:00" when `allow24`); throws RangeError otherwise. */
export function parseTimeOfDay(value: string, allow24 = false): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (m && h === 24 && min === 0 && allow24) return 24 * 60;
  if (!m || h > 23 || min > 59) throw new RangeError(`invalid time of day "${value}" (expected HH:mm)`);
  return h * 60 + min;
}

/** Validates a window; throws RangeError for a malformed time. */
export function parseSendingWindow(window: SendingWindow): { startMs: number; endMs: number } {
  const start = parseTimeOfDay(window.start);
  const end = parseTimeOfDay(window.end, true);
  return { startMs: start * MINUTE, endMs: (end % (24 * 60)) * MINUTE };
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
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
    } catch {
      f = null; // RangeError: not a time zone this runtime knows
    }
    if (formatters.size > 1000) formatters.clear(); // bounded: names come from user data
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` (IANA names like "America/New_York", or "UTC"). */
export function isValidTimeZone(timeZone: string | null | undefined): timeZone is string {
  return typeof timeZone === 'string' && timeZone.trim() !== '' && formatter(timeZone) !== null;
}

/** The zone to use: the contact's if valid, else the workspace default if valid, else "UTC". */
export function resolveTimeZone(contactTimeZone?: string | null, fallbackTimeZone?: string | null): string {
  if (isValidTimeZone(contactTimeZone)) return contactTimeZone;
  if (isValidTimeZone(fallbackTimeZone)) return fallbackTimeZone;
  return 'UTC';
}

/** Local wall-clock minus UTC at instant `t` (ms), in ms; whole seconds. */
function offsetAt(f: Intl.DateTimeFormat, t: number): number {
  const whole = t - mod(t, 1000);
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(whole)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return wall - whole;
}

/** Milliseconds since local midnight at instant `t` in `timeZone` (resolved as in `resolveTimeZone`). */
export function localTimeOfDayMs(t: Date | number, timeZone: string): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  const f = formatter(resolveTimeZone(timeZone)) as Intl.DateTimeFormat;
  return mod(ms + offsetAt(f, ms), DAY);
}

function inWindow(tod: number, startMs: number, endMs: number): boolean {
  if (startMs === endMs) return true;
  return startMs < endMs ? tod >= startMs && tod < endMs : tod >= startMs || tod < endMs;
}

/** The first instant in (from, limit] whose offset differs from `offset`, or `limit` when there is none. */
function nextOffsetChange(f: Intl.DateTimeFormat, from: number, offset: number, limit: number): number {
  let prev = from;
  for (let probe = from + SAMPLE_STEP; ; probe += SAMPLE_STEP) {
    const at = Math.min(probe, limit);
    if (offsetAt(f, at) !== offset) {
      // Bisect on whole seconds: offsets change on a second boundary.
      let lo = Math.floor(prev / 1000);
      let hi = Math.floor(at / 1000);
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (offsetAt(f, mid * 1000) === offset) lo = mid;
        else hi = mid;
      }
      return Math.max(hi * 1000, from + 1);
    }
    if (at >= limit) return limit;
    prev = at;
  }
}

export interface QuietHoursInput {
  now: Date;
  /** The contact's IANA zone; null/invalid → `fallbackTimeZone` → UTC. */
  timeZone?: string | null;
  /** The workspace default zone. */
  fallbackTimeZone?: string | null;
  /** Default 08:00–21:00. */
  window?: SendingWindow;
}

/** True when a marketing send is allowed at `now` in the resolved zone. */
export function isWithinSendingWindow(input: QuietHoursInput): boolean {
  return nextAllowedSendTime(input) === null;
}

/** null when sending is allowed at `now`; otherwise the earliest later instant when it is (see the module comment). */
export function nextAllowedSendTime(input: QuietHoursInput): Date | null {
  const { startMs, endMs } = parseSendingWindow(input.window ?? DEFAULT_SENDING_WINDOW);
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError('invalid now');
  if (startMs === endMs) return null;
  const f = formatter(resolveTimeZone(input.timeZone, input.fallbackTimeZone)) as Intl.DateTimeFormat;

  // Walk pieces of constant offset; inside one, local time advances with real time, so the next allowed instant
  // is either the piece's first instant (when already inside the window) or the next local `start`.
  const limit = now + HORIZON;
  let cur = now;
  while (cur < limit) {
    const offset = offsetAt(f, cur);
    const tod = mod(cur + offset, DAY);
    if (inWindow(tod, startMs, endMs)) return cur === now ? null : new Date(cur);
    const candidate = cur + mod(startMs - tod, DAY);
    const change = nextOffsetChange(f, cur, offset, candidate);
    if (change === candidate && offsetAt(f, candidate) === offset) return new Date(candidate);
    cur = change; // the offset changes before (or at) the candidate: continue from there
  }
  return new Date(limit); // unreachable for real zones; a conservative deferral rather than "allowed"
}
