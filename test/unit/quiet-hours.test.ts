import fc from 'fast-check';
import {
  DEFAULT_SENDING_WINDOW,
  isValidTimeZone,
  isWithinSendingWindow,
  localTimeOfDayMs,
  nextAllowedSendTime,
  parseSendingWindow,
  parseTimeOfDay,
  resolveTimeZone,
  type SendingWindow,
} from '../../domain/quiet-hours';

const next = (now: string, timeZone: string | null, window?: SendingWindow, fallbackTimeZone?: string | null) =>
  nextAllowedSendTime({ now: new Date(now), timeZone, window, fallbackTimeZone })?.toISOString() ?? null;

describe('nextAllowedSendTime', () => {
  it('defaults to 08:00–21:00, start inclusive, end exclusive', () => {
    expect(DEFAULT_SENDING_WINDOW).toEqual({ start: '08:00', end: '21:00' });
    const ny = 'America/New_York';
    expect(next('2026-06-15T12:00:00Z', ny)).toBeNull(); // 08:00 EDT
    expect(next('2026-06-15T11:59:59.999Z', ny)).toBe('2026-06-15T12:00:00.000Z');
    expect(next('2026-06-16T00:59:59Z', ny)).toBeNull(); // 20:59:59 EDT
    expect(next('2026-06-16T01:00:00Z', ny)).toBe('2026-06-16T12:00:00.000Z'); // 21:00 EDT → 08:00 next day
    expect(next('2026-06-16T03:00:00Z', ny)).toBe('2026-06-16T12:00:00.000Z'); // 23:00 EDT
  });

  describe('US spring forward (America/New_York, 2026-03-08 02:00 EST → 03:00 EDT)', () => {
    const ny = 'America/New_York';
    it('the next morning starts at 08:00 EDT, not 08:00 EST', () => {
      expect(next('2026-03-08T02:00:00Z', ny)).toBe('2026-03-08T12:00:00.000Z'); // Sat 21:00 EST
      expect(next('2026-03-08T11:59:00Z', ny)).toBe('2026-03-08T12:00:00.000Z'); // 07:59 EDT
      expect(next('2026-03-08T12:00:00Z', ny)).toBeNull();
    });
    it('a window starting inside the skipped hour opens at the jump', () => {
      const w = { start: '02:30', end: '05:00' };
      expect(next('2026-03-08T06:59:00Z', ny, w)).toBe('2026-03-08T07:00:00.000Z'); // 01:59 EST → 03:00 EDT
      expect(next('2026-03-08T07:00:00Z', ny, w)).toBeNull();
      expect(next('2026-03-09T05:00:00Z', ny, w)).toBe('2026-03-09T06:30:00.000Z'); // next day: 02:30 EDT
    });
    it('a window ending inside the skipped hour closes at the jump', () => {
      const w = { start: '20:00', end: '02:30' };
      expect(next('2026-03-08T06:59:00Z', ny, w)).toBeNull(); // 01:59 EST
      expect(next('2026-03-08T07:00:00Z', ny, w)).toBe('2026-03-09T00:00:00.000Z'); // 03:00 EDT → 20:00 EDT
    });
  });

  describe('US fall back (America/New_York, 2026-11-01 02:00 EDT → 01:00 EST)', () => {
    const ny = 'America/New_York';
    it('the next morning starts at 08:00 EST', () => {
      expect(next('2026-11-01T02:00:00Z', ny)).toBe('2026-11-01T13:00:00.000Z'); // Sat 22:00 EDT
      expect(next('2026-11-01T12:30:00Z', ny)).toBe('2026-11-01T13:00:00.000Z'); // 07:30 EST
      expect(next('2026-10-31T01:30:00Z', ny)).toBe('2026-10-31T12:00:00.000Z'); // the day before, still EDT
    });
    it('a start time that happens twice is taken the first time', () => {
      const w = { start: '01:30', end: '05:00' };
      expect(next('2026-11-01T04:00:00Z', ny, w)).toBe('2026-11-01T05:30:00.000Z'); // 00:00 EDT → 01:30 EDT
      // Clocks fall back to 01:00 EST at 06:00Z: outside the window again until 01:30 EST.
      expect(next('2026-11-01T06:10:00Z', ny, w)).toBe('2026-11-01T06:30:00.000Z');
    });
    it('falling back into the window opens it at the fall-back instant', () => {
      const w = { start: '20:00', end: '01:30' };
      expect(next('2026-11-01T05:45:00Z', ny, w)).toBe('2026-11-01T06:00:00.000Z'); // 01:45 EDT → 01:00 EST
    });
  });

  it('handles windows that cross midnight', () => {
    const w = { start: '20:00', end: '02:00' };
    expect(next('2026-06-15T23:00:00Z', 'UTC', w)).toBeNull();
    expect(next('2026-06-16T01:59:00Z', 'UTC', w)).toBeNull();
    expect(next('2026-06-16T02:00:00Z', 'UTC', w)).toBe('2026-06-16T20:00:00.000Z');
    expect(next('2026-06-16T19:59:59Z', 'UTC', w)).toBe('2026-06-16T20:00:00.000Z');
    expect(next('2026-06-16T20:00:00Z', 'UTC', { start: '20:00', end: '24:00' })).toBeNull();
    expect(next('2026-06-16T19:00:00Z', 'UTC', { start: '20:00', end: '24:00' })).toBe('2026-06-16T20:00:00.000Z');
  });

  it('handles 30- and 45-minute offsets', () => {
    expect(next('2026-06-15T02:00:00Z', 'Asia/Kolkata')).toBe('2026-06-15T02:30:00.000Z'); // 07:30 IST
    expect(next('2026-06-15T02:30:00Z', 'Asia/Kolkata')).toBeNull();
    expect(next('2026-06-15T02:00:00Z', 'Asia/Kathmandu')).toBe('2026-06-15T02:15:00.000Z'); // 07:45 NPT
    expect(next('2026-06-15T10:00:00Z', 'America/St_Johns')).toBe('2026-06-15T10:30:00.000Z'); // 07:30 NDT
  });

  it('handles DST in 30-minute-offset zones, including a 30-minute DST shift', () => {
    // Adelaide: +9:30 → +10:30 on 2026-10-04 at 02:00.
    expect(next('2026-10-03T12:00:00Z', 'Australia/Adelaide')).toBe('2026-10-03T21:30:00.000Z'); // 08:00 ACDT
    // Lord Howe: +10:30 → +11:00 on 2026-10-04 at 02:00 (clocks go to 02:30).
    expect(next('2026-10-03T11:00:00Z', 'Australia/Lord_Howe')).toBe('2026-10-03T21:00:00.000Z'); // 08:00 +11
    expect(next('2026-10-03T15:00:00Z', 'Australia/Lord_Howe', { start: '02:15', end: '05:00' })).toBe(
      '2026-10-03T15:30:00.000Z',
    ); // 01:30 → the jump to 02:30
  });

  it('falls back to the workspace zone, then UTC, for a missing or invalid zone', () => {
    expect(next('2026-06-15T22:30:00Z', null, undefined, 'Asia/Tokyo')).toBe('2026-06-15T23:00:00.000Z');
    expect(next('2026-06-15T22:30:00Z', 'Mars/Olympus_Mons', undefined, 'Asia/Tokyo')).toBe('2026-06-15T23:00:00.000Z');
    expect(next('2026-06-15T22:30:00Z', '', undefined, 'not a zone')).toBe('2026-06-16T08:00:00.000Z');
    expect(next('2026-06-15T22:30:00Z', undefined as unknown as null)).toBe('2026-06-16T08:00:00.000Z');
    expect(resolveTimeZone('Europe/Paris', 'Asia/Tokyo')).toBe('Europe/Paris');
    expect(resolveTimeZone('Europe/Pariss', 'Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(resolveTimeZone(null, null)).toBe('UTC');
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('+05:30')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('start = end means no quiet hours', () => {
    expect(next('2026-06-15T03:00:00Z', 'UTC', { start: '00:00', end: '00:00' })).toBeNull();
    expect(next('2026-06-15T03:00:00Z', 'UTC', { start: '09:00', end: '09:00' })).toBeNull();
  });

  it('rejects malformed windows', () => {
    expect(() => parseTimeOfDay('8')).toThrow(RangeError);
    expect(() => parseTimeOfDay('24:00')).toThrow(RangeError);
    expect(() => parseTimeOfDay('12:60')).toThrow(RangeError);
    expect(parseTimeOfDay('8:05')).toBe(485);
    expect(parseSendingWindow({ start: '08:00', end: '24:00' })).toEqual({ startMs: 8 * 3_600_000, endMs: 0 });
    expect(() => next('2026-06-15T03:00:00Z', 'UTC', { start: '25:00', end: '08:00' })).toThrow(RangeError);
    expect(() => nextAllowedSendTime({ now: new Date('nope') })).toThrow(RangeError);
  });

  it('isWithinSendingWindow and localTimeOfDayMs agree', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    expect(isWithinSendingWindow({ now, timeZone: 'America/New_York' })).toBe(true);
    expect(isWithinSendingWindow({ now, timeZone: 'Asia/Tokyo' })).toBe(false); // 21:00 JST
    expect(localTimeOfDayMs(now, 'Asia/Kolkata')).toBe((17 * 60 + 30) * 60_000);
  });
});

describe('property: the answer is the earliest allowed instant (brute force on a 15-minute grid)', () => {
  // Every zone below has offsets that are multiples of 15 minutes and changes them on 15-minute UTC boundaries; with
  // windows on the same grid, "allowed" is constant on each 15-minute interval, so the earliest allowed instant after
  // `now` is the first allowed grid point after it.
  const zones = [
    'America/New_York',
    'America/Santiago',
    'America/St_Johns',
    'Europe/London',
    'Africa/Casablanca',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'UTC',
  ];
  const Q = 15 * 60_000;
  const parts = new Map<string, Intl.DateTimeFormat>();
  const localMinutes = (t: number, zone: string) => {
    let f = parts.get(zone);
    if (!f) parts.set(zone, (f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
    return Number(p.hour) * 60 + Number(p.minute);
  };
  const allowed = (t: number, zone: string, start: number, end: number) => {
    const m = localMinutes(t, zone);
    return start === end || (start < end ? m >= start && m < end : m >= start || m < end);
  };
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  // Bias `now` towards DST transitions (US, EU, Chile, Lord Howe, Chatham, Morocco's Ramadan changes) and random days.
  const anchors = ['2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25', '2026-04-05', '2026-09-06', '2026-09-27', '2026-10-04', '2026-02-15', '2026-03-22'].map(
    (d) => Date.parse(`${d}T00:00:00Z`),
  );
  const now = fc.oneof(
    fc.tuple(fc.constantFrom(...anchors), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([a, d]) => a + d),
    fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
  );
  const quarter = fc.integer({ min: 0, max: 95 }).map((q) => q * 15);

  it('matches brute force', () => {
    fc.assert(
      fc.property(now, fc.constantFrom(...zones), quarter, quarter, (t, zone, start, end) => {
        const got = nextAllowedSendTime({ now: new Date(t), timeZone: zone, window: { start: hhmm(start), end: hhmm(end) } });
        let expected: number | null = null;
        if (!allowed(t, zone, start, end)) {
          for (let g = Math.floor(t / Q) * Q + Q; ; g += Q) {
            if (allowed(g, zone, start, end)) {
              expected = g;
              break;
            }
          }
        }
        expect(got?.getTime() ?? null).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });
});
