import { CronExpressionParser } from 'cron-parser';

/** The default shortest time between two firings of a recurring campaign (CAMPAIGN_MIN_RECURRENCE_SECONDS). */
export const DEFAULT_MIN_RECURRENCE_SECONDS = 60;

/** How many upcoming firings of a cron expression are compared, at most, and over how long a span. */
const MAX_FIRINGS = 400;
const MAX_SPAN_MS = 400 * 86_400_000;

/**
 * The shortest gap, in seconds, between consecutive firings of `cron` (read in `tz`) after `from`, looking at its
 * next 400 firings within 400 days (enough for any expression to show its densest run: a six-field `* * * * * *`
 * shows 1 s at once) and stopping early once a gap below `stopBelow` is seen. Infinity when it fires at most once.
 * Throws cron-parser's error for an invalid expression.
 */
export function shortestCronGapSeconds(cron: string, tz: string, from: Date, stopBelow = 0): number {
  const it = CronExpressionParser.parse(cron, { tz, currentDate: from });
  let previous: number | undefined;
  let shortest = Infinity;
  for (let i = 0; i < MAX_FIRINGS && it.hasNext(); i++) {
    const at = it.next().getTime();
    if (previous !== undefined) shortest = Math.min(shortest, (at - previous) / 1000);
    if (shortest < stopBelow || at - from.getTime() > MAX_SPAN_MS) break;
    previous = at;
  }
  return shortest;
}
