/** Pure helpers for `switchboard … watch`: a rate over a sliding window, an ETA, and the progress bar. */

/** Items per second over the last `windowMs` of samples (undefined until two samples span some time). */
export class RateMeter {
  private samples: { at: number; done: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  add(at: number, done: number): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
  }

  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.at <= first.at) return undefined;
    return Math.max(0, (last.done - first.done) / ((last.at - first.at) / 1000));
  }
}

/** `45s`, `3m05s`, `2h07m`; `?` when it cannot be known (no progress yet). */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `[#####-----]` for `done` of `total`, `width` characters between the brackets. */
export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** `12.5/s`, or `-/s` before a rate is known. */
export const formatRate = (rate: number | undefined): string => (rate === undefined ? '-/s' : `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s`);

/** `sent 120/400 (30%)`: the percentage rounded down, so 100% means all of them. */
export function fraction(label: string, done: number, total: number): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  return `${label} ${done}/${total} (${percent}%)`;
}
