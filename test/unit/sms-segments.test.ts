import fc from 'fast-check';
import { countSegments, gsm7Septets, isGsm7, splitSegments } from '../../domain/sms-segments';

const a = (n: number) => 'a'.repeat(n);
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '\f^{}\\[~]|€';

describe('GSM-7 alphabet', () => {
  it('has the 127 basic characters at 1 septet and the 10 extension characters at 2', () => {
    expect(Array.from(GSM_BASIC)).toHaveLength(127);
    for (const ch of GSM_BASIC) expect(gsm7Septets(ch)).toBe(1);
    for (const ch of GSM_EXT) expect(gsm7Septets(ch)).toBe(2);
  });

  it.each(['ç', 'á', 'í', 'ó', 'ú', '’', '“', '\t', '\x1b', '`', 'ê', 'ł', '\u2126', 'Д', '中', '😀'])('%p is not GSM-7', (ch) => {
    expect(gsm7Septets(ch)).toBe(0);
    expect(isGsm7(`abc${ch}`)).toBe(false);
  });
});

describe('countSegments', () => {
  it.each([
    [0, 0],
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i GSM-7 characters → %i segments', (n, segments) => {
    const info = countSegments(a(n));
    expect(info).toMatchObject({ encoding: 'GSM-7', segments, characters: n, units: n });
    expect(info.unitsPerSegment).toBe(segments > 1 ? 153 : 160);
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('%i UCS-2 characters → %i segments', (n, segments) => {
    const info = countSegments('Ж'.repeat(n));
    expect(info).toMatchObject({ encoding: 'UCS-2', segments, characters: n, units: n });
    expect(info.unitsPerSegment).toBe(segments > 1 ? 67 : 70);
  });

  it('one non-GSM character switches the whole message to UCS-2', () => {
    expect(countSegments(a(159) + 'ç')).toMatchObject({ encoding: 'UCS-2', segments: 3, units: 160 });
    expect(countSegments('It’s here')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });

  it('extension characters cost two septets', () => {
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1, characters: 80 });
    expect(countSegments('€'.repeat(80) + 'a')).toMatchObject({ units: 161, segments: 2 });
    expect(countSegments(a(159) + '{')).toMatchObject({ units: 161, segments: 2 });
  });

  it('an extension character never straddles a segment boundary', () => {
    // 152 septets + "€" (2) would be 154 > 153: the € moves to segment 2, which then overflows by one.
    const text = a(152) + '€' + a(152);
    const info = countSegments(text);
    expect(info.units).toBe(306); // ceil(306 / 153) would say 2
    expect(info.segments).toBe(3);
    const parts = splitSegments(text);
    expect(parts.map((p) => p.length)).toEqual([152, 152, 1]);
    expect(parts[1].startsWith('€')).toBe(true);
    // Exactly at the boundary it fits.
    expect(countSegments(a(151) + '€' + a(153)).segments).toBe(2);
  });

  it('emoji are surrogate pairs: two UTF-16 units each', () => {
    expect(countSegments('😀')).toMatchObject({ encoding: 'UCS-2', units: 2, characters: 1, segments: 1 });
    expect(countSegments('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1, characters: 35 });
    expect(countSegments('😀'.repeat(35) + 'a')).toMatchObject({ units: 71, segments: 2 });
    expect(countSegments('🎉 Happy Birthday {first_name}! Use code BIRTHDAY20 for 20% off!')).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
    });
  });

  it('a surrogate pair never straddles a segment boundary', () => {
    // 66 units + 😀 (2) = 68 > 67: the emoji moves to segment 2.
    const text = 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(66);
    const info = countSegments(text);
    expect(info.units).toBe(134); // ceil(134 / 67) would say 2
    expect(info.segments).toBe(3);
    const parts = splitSegments(text);
    expect(parts[0]).toBe('Ж'.repeat(66));
    expect(parts[1].startsWith('😀')).toBe(true);
  });

  it('reports the space left in the last segment', () => {
    expect(countSegments(a(10)).remainingInSegment).toBe(150);
    expect(countSegments(a(161)).remainingInSegment).toBe(153 - 8);
    expect(countSegments('').remainingInSegment).toBe(160);
  });

  it('counts CRLF as two characters and a newline as GSM', () => {
    expect(countSegments('a\r\nb')).toMatchObject({ encoding: 'GSM-7', units: 4 });
  });
});

describe('properties', () => {
  const gsmChar = fc.constantFrom(...Array.from(GSM_BASIC + GSM_EXT));
  const anyChar = fc.oneof(gsmChar, fc.constantFrom('Ж', 'ç', '😀', '👍🏽', '中', '€', '{'));
  const text = fc.array(fc.oneof(gsmChar, anyChar), { maxLength: 700 }).map((cs) => cs.join(''));

  it('segments rejoin to the text, each within capacity, whole characters only', () => {
    fc.assert(
      fc.property(text, (t) => {
        const info = countSegments(t);
        const parts = splitSegments(t);
        expect(parts.join('')).toBe(t);
        expect(parts).toHaveLength(info.segments);
        const cost = (s: string) =>
          info.encoding === 'GSM-7' ? Array.from(s).reduce((n, c) => n + gsm7Septets(c), 0) : s.length;
        for (const p of parts) {
          expect(cost(p)).toBeLessThanOrEqual(info.unitsPerSegment);
          expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false); // no split surrogate pair
        }
        // Greedy packing: a segment is only closed when the next character would not fit.
        for (let i = 0; i + 1 < parts.length; i++) {
          expect(cost(parts[i]) + cost(Array.from(parts[i + 1])[0])).toBeGreaterThan(info.unitsPerSegment);
        }
      }),
    );
  });

  it('segment count is between ceil(units/per) and that plus the boundary slack, and monotone in appended text', () => {
    fc.assert(
      fc.property(text, gsmChar, (t, extra) => {
        const info = countSegments(t);
        if (info.segments > 1) {
          expect(info.segments).toBeGreaterThanOrEqual(Math.ceil(info.units / info.unitsPerSegment));
        }
        const more = countSegments(t + extra);
        expect(more.segments).toBeGreaterThanOrEqual(info.segments);
      }),
    );
  });

  it('GSM-7 exactly when every character is in the alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (t) => {
        const gsm = Array.from(t).every((c) => GSM_BASIC.includes(c) || GSM_EXT.includes(c));
        expect(countSegments(t).encoding).toBe(gsm ? 'GSM-7' : 'UCS-2');
      }),
    );
  });
});
