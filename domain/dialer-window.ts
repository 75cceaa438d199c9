/**
 * Calling windows of the voice dialer: when a contact may be called. Pure (times are epoch ms passed in), safe in
 * the workflow sandbox; built on domain/quiet-hours.ts (its window arithmetic and zone resolution, used as it is).
 *
 * - The daily window is the campaign's `calling_window` (default 08:00–21:00, the TCPA's hours) in the contact's
 *   local time: the contact's own zone, else the workspace's, else UTC.
 * - The campaign runs from start_time to end_time. With `is_timezone_aware` those are clock times: their wall-clock
 *   reading in the campaign's `timezone` (default UTC) applies in each contact's zone, so "09:00 to 17:00" means 09:00
 *   to 17:00 where each contact is.
 * - Outside the window a call is deferred to the next allowed instant, never dropped; past the contact's end it expires.
 */
import { nextAllowedSendTime, resolveTimeZone, type SendingWindow } from './quiet-hours';

export const DEFAULT_CALLING_WINDOW: Readonly<SendingWindow> = Object.freeze({ start: '08:00', end: '21:00' });

/** What a campaign says about when to call. */
export interface CallingPlan {
  window: SendingWindow;
  startAt: number;
  endAt: number;
  timezoneAware: boolean;
  /** The zone start/end are read in when timezone-aware (default UTC). */
  campaignTimeZone?: string | null;
  /** The workspace's zone: for contacts without one. */
  fallbackTimeZone?: string | null;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    if (formatters.size > 500) formatters.clear();
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock reading of instant `ms` in zone `tz`. */
export function wallClockOf(ms: number, tz: string): Wall {
  const p: Record<string, number> = {};
  for (const part of fmt(resolveTimeZone(tz)).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour % 24, mi: p.minute, s: p.second };
}

const wallMs = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);

/** The instant whose wall clock in `tz` reads `w` (a reading skipped by a DST jump resolves just after the jump). */
export function instantOf(w: Wall, tz: string): number {
  const target = wallMs(w);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const offset = wallMs(wallClockOf(guess, tz)) - guess;
    const next = target - offset;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** The contact's zone as the window uses it. */
export const contactZone = (plan: CallingPlan, contactTimeZone: string | null | undefined): string => resolveTimeZone(contactTimeZone, plan.fallbackTimeZone);

/** The contact's own start and end instants (moved to its zone when the campaign is timezone-aware). */
export function contactSpan(plan: CallingPlan, contactTimeZone: string | null | undefined): { startAt: number; endAt: number } {
  if (!plan.timezoneAware) return { startAt: plan.startAt, endAt: plan.endAt };
  const from = resolveTimeZone(plan.campaignTimeZone ?? 'UTC');
  const to = contactZone(plan, contactTimeZone);
  return { startAt: instantOf(wallClockOf(plan.startAt, from), to), endAt: instantOf(wallClockOf(plan.endAt, from), to) };
}

/**
 * The earliest instant at or after `at` when the contact may be called (inside its span and its daily window), or
 * null when there is none before its end.
 */
export function nextCallTime(plan: CallingPlan, contactTimeZone: string | null | undefined, at: number): number | null {
  const span = contactSpan(plan, contactTimeZone);
  const tz = contactZone(plan, contactTimeZone);
  const from = Math.max(at, span.startAt);
  if (from >= span.endAt) return null;
  const next = nextAllowedSendTime({ now: new Date(from), timeZone: tz, window: plan.window });
  const t = next ? next.getTime() : from;
  return t < span.endAt ? t : null;
}
