/**
 * Text folding shared by the inbound classifiers (opt-out keywords, keyword auto-replies). Pure and deterministic:
 * no locale-sensitive calls, so the api, activities and workflows fold the same text the same way.
 */

// Zero-width and other format characters (ZWSP, ZWNJ, ZWJ, BOM, bidi marks, soft hyphen …) that phones and
// copy-paste slip into messages; they are invisible, so they must not change a match.
const FORMAT_CHARS = /\p{Cf}/gu;

/**
 * NFKC (full-width "ＳＴＯＰ" → "STOP", ligatures, compatibility forms), format characters removed, every run of
 * whitespace collapsed to one space, trimmed, lower-cased (locale-independent `toLowerCase`).
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').replace(FORMAT_CHARS, '').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** Strip everything that is not a letter, mark or digit from both ends: punctuation, symbols, emoji, spaces. */
export function stripEdges(folded: string): string {
  return folded.replace(/^[^\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+$/gu, '');
}

// Scripts written without spaces between words: each character (with its combining marks) is a token of its own, so
// whole-word matching degrades to substring matching there instead of never matching.
const UNSPACED = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}`;
const TOKEN = new RegExp(String.raw`[${UNSPACED}]\p{M}*|(?:(?![${UNSPACED}])[\p{L}\p{M}\p{N}])+`, 'gu');

/**
 * Words of a folded text: maximal runs of letters, marks and digits; every other character separates words
 * ("what's the price?" → what, s, the, price). In unspaced scripts (Han, kana, Thai, Lao, Khmer, Myanmar) each
 * character is a word.
 */
export function words(folded: string): string[] {
  return folded.match(TOKEN) ?? [];
}
