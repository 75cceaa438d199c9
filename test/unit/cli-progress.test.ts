import { bar, formatEta, formatRate, fraction, RateMeter } from '../../cli/progress';

describe('switchboard … watch: the progress line’s parts', () => {
  it('measures the rate over the last window of samples, not since the start', () => {
    const meter = new RateMeter(10_000);
    expect(meter.rate()).toBeUndefined();
    meter.add(0, 0);
    expect(meter.rate()).toBeUndefined(); // one sample spans no time
    meter.add(1_000, 5);
    expect(meter.rate()).toBe(5);
    // A slow start, then 100 a second: after the window has moved on, only the recent pace counts.
    for (let t = 2_000; t <= 30_000; t += 1_000) meter.add(t, 5 + (t - 1_000) / 10);
    expect(meter.rate()).toBeCloseTo(100, 5);
  });

  it('never reports a negative rate (a count that went down, e.g. a restarted job)', () => {
    const meter = new RateMeter();
    meter.add(0, 10);
    meter.add(1_000, 4);
    expect(meter.rate()).toBe(0);
  });

  it.each([
    [undefined, '?'],
    [Infinity, '?'],
    [0, '0s'],
    [0.2, '1s'],
    [59, '59s'],
    [60, '1m00s'],
    [185, '3m05s'],
    [3600, '1h00m'],
    [7 * 3600 + 7 * 60 + 30, '7h07m'],
  ])('ETA of %p s is %p', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  it('draws a bar and a fraction that reach 100% only when everything is done', () => {
    expect(bar(0, 0)).toBe(`[${'-'.repeat(20)}]`);
    expect(bar(199, 200)).toBe(`[${'#'.repeat(19)}-]`);
    expect(bar(200, 200, 10)).toBe('[##########]');
    expect(fraction('sent', 199, 200)).toBe('sent 199/200 (99%)');
    expect(fraction('sent', 200, 200)).toBe('sent 200/200 (100%)');
    expect(fraction('sent', 0, 0)).toBe('sent 0/0 (0%)');
    expect([formatRate(undefined), formatRate(2.25), formatRate(1234.4)]).toEqual(['-/s', '2.3/s', '1234/s']);
  });
});
