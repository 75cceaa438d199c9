/**
 * Pacing for sender throughput limits: when may the next message go out. Pure and deterministic (times are integer
 * epoch milliseconds passed in; state is a small JSON value), so a campaign workflow can keep the state and sleep on
 * durable timers, and an activity can use the same math.
 *
 * THE INVARIANT. For a limit {limit: L, windowMs: W}, and sends placed at the times this module returns (each
 * with its cost in units, e.g. SMS segments, since carriers count segments):
 *     for every instant x, the units sent in the half-open window [x, x + W) are at most L,
 *     except that a single message costing more than L units is sent alone: no other send falls within W before
 *     or after it, and the sends after it wait as if its units went out L per window (the way carriers queue them).
 * Sending later than the returned time never breaks it (a window only loses sends as its content moves later).
 *
 * From a messages-per-second rate r (rateLimitFromPerSecond):
 *     r >= 1 → L = floor(r), W = 1 s: never more than r sends in any 1-second window. A fractional part above 1 is
 *              given up (2.5/s paces at 2/s, since 3 sends inside some 1-second window would exceed 2.5); pass
 *              {limit: 5, windowMs: 2000} yourself if "5 per 2 s" is what the carrier means.
 *     r < 1  → L = 1, W = ceil(1000 / r) ms: 0.5/s is at most one send in any 2-second window.
 *
 * Why not a plain token bucket: a bucket of capacity r that refills r tokens per second lets a full bucket's burst
 * at t = 0 be followed by refilled tokens before t = 1 s, i.e. almost 2r sends inside one sliding second. This is a
 * sliding-window log instead (exact, state = the sends of the last window), plus optional smoothing: with `smooth`
 * (default) consecutive sends are also spaced by units × W / L, so a steady stream goes out evenly (1000/s → one per
 * millisecond) rather than in bursts of L at the top of each window; the log still enforces the hard bound.
 *
 * Defaults by sender type (defaultMessagesPerSecond): US long code (LOCAL) 1/s, TOLL_FREE 3/s, SHORT_CODE 100/s
 * (Twilio's and AWS's documented per-number rates); WhatsApp Cloud API 80/s per business number by default, 1000/s
 * after Meta's automatic upgrade (HIGH), 20/s for numbers shared with the WhatsApp Business app (COEXISTENCE).
 */

export interface RateLimit {
  /** Units allowed in any window. Positive integer. */
  limit: number;
  /** Window length in milliseconds. Positive integer. */
  windowMs: number;
}

/** Recent sends, oldest first, as [atMs, units]; JSON-safe. Entries can lie in the future (an oversized message's
 * units accounted over the following windows). */
export interface PacerState {
  sends: [number, number][];
  /** The last real send: [atMs, units]. */
  last: [number, number] | null;
}

export interface PacingOptions {
  /** Space sends evenly (default true). */
  smooth?: boolean;
}

export const emptyPacerState = (): PacerState => ({ sends: [], last: null });

const EPS = 1e-9;

/** The limit meaning "r messages per second"; see the module comment. Throws RangeError for r <= 0 or NaN. */
export function rateLimitFromPerSecond(rate: number): RateLimit {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (rate >= 1 - EPS) return { limit: Math.max(1, Math.floor(rate + EPS)), windowMs: 1000 };
  return { limit: 1, windowMs: Math.ceil(1000 / rate - EPS) };
}

function check(limit: RateLimit, units: number): void {
  if (!Number.isInteger(limit.limit) || limit.limit < 1) throw new RangeError(`limit must be a positive integer`);
  if (!Number.isInteger(limit.windowMs) || limit.windowMs < 1) throw new RangeError(`windowMs must be a positive integer`);
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`units must be a positive integer, got ${units}`);
}

/** The earliest time >= nowMs at which a send of `units` may go out. */
export function nextSendTime(
  state: PacerState,
  limit: RateLimit,
  nowMs: number,
  units = 1,
  options: PacingOptions = {},
): number {
  check(limit, units);
  const { limit: L, windowMs: W } = limit;
  const sends = state.sends;
  let t = Math.ceil(nowMs);
  if (sends.length > 0) t = Math.max(t, sends[sends.length - 1][0]); // keep the log in time order
  if (options.smooth !== false && state.last) {
    t = Math.max(t, Math.floor(state.last[0] + (state.last[1] * W) / L));
  }
  // Units already in the window (t - W, t]; drop the oldest until this send fits (an oversized send needs it empty).
  const need = Math.min(units, L);
  let inWindow = 0;
  let first = sends.length;
  for (let i = sends.length - 1; i >= 0 && sends[i][0] > t - W; i--) {
    inWindow += sends[i][1];
    first = i;
  }
  for (let i = first; inWindow + need > L && i < sends.length; i++) {
    inWindow -= sends[i][1];
    t = Math.max(t, sends[i][0] + W);
  }
  return t;
}

/** Reserve a send of `units` at the earliest allowed time: returns that time and the new state (input untouched). */
export function reserve(
  state: PacerState,
  limit: RateLimit,
  nowMs: number,
  units = 1,
  options: PacingOptions = {},
): { at: number; state: PacerState } {
  const at = nextSendTime(state, limit, nowMs, units, options);
  const sends = state.sends.filter(([when]) => when > at - limit.windowMs);
  record(sends, limit, at, units);
  return { at, state: { sends, last: [at, units] } };
}

function record(sends: [number, number][], limit: RateLimit, at: number, units: number): void {
  // An oversized message is accounted L units per window from `at` on, so later sends wait as the carrier would.
  let left = units;
  for (let when = at; left > 0; when += limit.windowMs) {
    const chunk = Math.min(left, limit.limit);
    sends.push([when, chunk]);
    left -= chunk;
  }
}

/**
 * Reserve a batch in order: `units[i]` is the cost of the i-th message (or pass a count for single-unit sends).
 * Returns each message's send time and the state after the batch.
 */
export function scheduleBatch(
  state: PacerState,
  limit: RateLimit,
  nowMs: number,
  units: readonly number[] | number,
  options: PacingOptions = {},
): { times: number[]; state: PacerState } {
  const costs = typeof units === 'number' ? new Array<number>(units).fill(1) : units;
  let current: PacerState = { sends: [...state.sends], last: state.last };
  const times: number[] = [];
  for (const cost of costs) {
    const at = nextSendTime(current, limit, nowMs, cost, options);
    // Prune in place occasionally rather than copying per send: O(batch) overall.
    let drop = 0;
    while (drop < current.sends.length && current.sends[drop][0] <= at - limit.windowMs) drop++;
    if (drop > 0) current.sends.splice(0, drop);
    record(current.sends, limit, at, cost);
    current = { sends: current.sends, last: [at, cost] };
    times.push(at);
  }
  return { times, state: current };
}

export type SenderType = 'LOCAL' | 'TOLL_FREE' | 'SHORT_CODE' | 'WHATSAPP';
export type WhatsAppThroughput = 'STANDARD' | 'HIGH' | 'COEXISTENCE';

export const DEFAULT_MESSAGES_PER_SECOND: Readonly<Record<Exclude<SenderType, 'WHATSAPP'>, number>> = Object.freeze({
  LOCAL: 1,
  TOLL_FREE: 3,
  SHORT_CODE: 100,
});

export const WHATSAPP_MESSAGES_PER_SECOND: Readonly<Record<WhatsAppThroughput, number>> = Object.freeze({
  STANDARD: 80,
  HIGH: 1000,
  COEXISTENCE: 20,
});

/**
 * Default messages (segments) per second for a sender, used when the phone has no explicit `messages_per_second`.
 * Unknown types get the most conservative rate, 1/s.
 */
export function defaultMessagesPerSecond(type: string, options: { whatsappThroughput?: WhatsAppThroughput } = {}): number {
  const key = type.trim().toUpperCase().replace(/[\s-]+/g, '_');
  if (key === 'WHATSAPP' || key === 'WABP' || key === 'WHATSAPP_BUSINESS_PLATFORM') {
    return WHATSAPP_MESSAGES_PER_SECOND[options.whatsappThroughput ?? 'STANDARD'] ?? WHATSAPP_MESSAGES_PER_SECOND.STANDARD;
  }
  return (DEFAULT_MESSAGES_PER_SECOND as Record<string, number>)[key] ?? 1;
}

/** The rate in force: the phone's own `messages_per_second` when set and positive, else the type's default. */
export function effectiveRateLimit(
  type: string,
  messagesPerSecond?: number | string | null,
  options: { whatsappThroughput?: WhatsAppThroughput } = {},
): RateLimit {
  const own = messagesPerSecond === null || messagesPerSecond === undefined ? NaN : Number(messagesPerSecond);
  return rateLimitFromPerSecond(own > 0 ? own : defaultMessagesPerSecond(type, options));
}

/**
 * Shared-sender pacing (campaigns): strict spacing with one number of state, the sender's next free instant
 * `nextAtMs` (GCRA with no burst). Message i may go out at ceil(max(now, next)) and moves `next` on by
 * units × windowMs / limit. Consecutive sends are then at least that far apart, so any L + 1 sends of one unit span
 * at least W: never more than L in any window of W (the invariant above, without keeping a log), whichever
 * campaigns and workers share the sender, as long as each reservation is made under the sender's row lock.
 * A reservation that is not used (a crashed batch) only leaves a gap. The arithmetic is in whole ticks of
 * 1/limit ms, so no rounding error can bring two sends closer than their spacing (at epoch milliseconds a double
 * cannot hold a third of a millisecond exactly); reading `nextAtMs` back can only round it later, never earlier.
 */
export function spacedSlots(nextAtMs: number, limit: RateLimit, nowMs: number, units: readonly number[]): { times: number[]; nextAtMs: number } {
  const L = limit.limit;
  let ticks = Math.max(Math.ceil(nextAtMs * L - TICK_SLACK), Math.ceil(nowMs * L - TICK_SLACK));
  const times = units.map((u) => {
    const at = Math.ceil(ticks / L) || 0; // never -0
    ticks += Math.max(1, u) * limit.windowMs;
    return at;
  });
  return { times, nextAtMs: ticks / L };
}

/** A tick count within this of a whole number is that number (the double holding it was rounded). */
const TICK_SLACK = 1e-6;
