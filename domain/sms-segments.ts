/**
 * SMS segment counting per 3GPP TS 23.038 (GSM 03.38). Pure; computed and stored for every outbound SMS.
 *
 * Encoding: GSM-7 when every character is in the default alphabet or its default extension table, else UCS-2 (no
 * national language shift tables, no "smart" replacement of curly quotes: a ’ makes the message UCS-2, which is what
 * a carrier bills).
 *
 * Units: GSM-7 counts septets (basic characters 1, extension characters `^ { } \ [ ~ ] | €` and form feed 2, being
 * ESC + char); UCS-2 counts UTF-16 code units (a character outside the BMP, e.g. most emoji, is a surrogate pair = 2).
 * One segment holds 160 septets / 70 units; a concatenated message carries a 6-byte user-data header, leaving 153 / 67
 * per segment. A segment never splits an extension character's escape from its character, nor a surrogate pair: a
 * character that does not fit whole moves to the next segment (as handsets and carriers split), so the count is not
 * simply ceil(units / 153).
 *
 * `characters` is the number of Unicode code points (what a person would count, give or take combining marks and
 * emoji sequences); `units` is what the limits above apply to. The empty string is 0 segments (an MMS with media only
 * has no SMS body).
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Unicode code points. */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  /** Capacity of each segment: 160/70 for a single segment, 153/67 for a concatenated message. */
  unitsPerSegment: number;
  /** Units still free in the last segment before another one is needed. */
  remainingInSegment: number;
}

export const GSM7_SINGLE = 160;
export const GSM7_MULTI = 153;
export const UCS2_SINGLE = 70;
export const UCS2_MULTI = 67;

/** GSM 03.38 default alphabet (0x00–0x7F), in code order; 0x1B (ESC) is left out: it cannot appear in text. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Default extension table: each costs ESC + char = 2 septets. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Septets a character costs in GSM-7, or 0 when it cannot be encoded in GSM-7. */
export function gsm7Septets(char: string): 0 | 1 | 2 {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return 0;
}

/** True when the whole text can be sent as GSM-7. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsm7Septets(ch) === 0) return false;
  return true;
}

function unitCost(ch: string, encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? gsm7Septets(ch) : ch.length; // ch is one code point: 1 or 2 UTF-16 units
}

/** Greedy packing of whole characters into segments of `capacity` units: returns the units in each segment. */
function pack(chars: string[], encoding: SmsEncoding, capacity: number): number[] {
  const sizes: number[] = [];
  let used = 0;
  for (const ch of chars) {
    const cost = unitCost(ch, encoding);
    if (used + cost > capacity) {
      sizes.push(used);
      used = 0;
    }
    used += cost;
  }
  sizes.push(used);
  return sizes;
}

/** Encoding, segment count and sizes of an SMS body. */
export function countSegments(text: string): SmsSegmentInfo {
  const chars = Array.from(text);
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const single = encoding === 'GSM-7' ? GSM7_SINGLE : UCS2_SINGLE;
  const multi = encoding === 'GSM-7' ? GSM7_MULTI : UCS2_MULTI;
  let units = 0;
  for (const ch of chars) units += unitCost(ch, encoding);

  if (units <= single) {
    return {
      encoding,
      segments: units === 0 ? 0 : 1,
      characters: chars.length,
      units,
      unitsPerSegment: single,
      remainingInSegment: single - units,
    };
  }
  const sizes = pack(chars, encoding, multi);
  return {
    encoding,
    segments: sizes.length,
    characters: chars.length,
    units,
    unitsPerSegment: multi,
    remainingInSegment: multi - sizes[sizes.length - 1],
  };
}

/**
 * The text of each segment as a handset would receive it (concatenated: 153/67 units each, whole characters only).
 * Joining the result gives back the text; the empty string gives [].
 */
export function splitSegments(text: string): string[] {
  const info = countSegments(text);
  if (info.segments <= 1) return info.segments === 0 ? [] : [text];
  const out: string[] = [];
  let current = '';
  let used = 0;
  for (const ch of text) {
    const cost = unitCost(ch, info.encoding);
    if (used + cost > info.unitsPerSegment) {
      out.push(current);
      current = '';
      used = 0;
    }
    current += ch;
    used += cost;
  }
  out.push(current);
  return out;
}
