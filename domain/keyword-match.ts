/**
 * Keyword auto-replies: which rule (SeaX phone keyword or Zagely keyword automation) answers an inbound message.
 * Compliance keywords (domain/opt-out.ts) are classified before this and are not auto-reply rules.
 *
 * Text is folded first (domain/text.ts: NFKC, invisible characters removed, whitespace collapsed, lower case) and
 * split into words (runs of letters, marks and digits; each Han/kana/Thai/… character is a word of its own).
 *
 * - exact: the message and the keyword have the same words ("Price?" = "price", "opt-out" = "opt out"). A keyword
 *   with no letters or digits at all (an emoji, "?") is compared as whole folded text instead.
 * - contains: the keyword's words appear in the message as consecutive whole words: "price" matches "what's the
 *   price?" but not "prices" or "priceless"; "remove me" matches "please remove me now". No stemming. A keyword with
 *   no letters or digits matches as a plain substring (so "👍" matches "ok 👍").
 * - fuzzy: typo-tolerant. Allowed edits grow with the keyword's length in characters (spaces not counted): under 4,
 *   none (too many short words are one edit apart); 4–7, one; 8 or more, two. Distance is optimal-string-alignment
 *   Damerau–Levenshtein (insert, delete, substitute, or swap two adjacent characters = 1 each, so "prcie" → "price" is
 *   1), computed on words joined by single spaces, against the whole message and against every run of consecutive
 *   message words whose length in words is within one of the keyword's (so "removeme" is one edit from "remove me").
 *   The smallest distance wins. Distances count UTF-16 code units (one per character outside emoji).
 *
 * A rule reports how it actually matched: a fuzzy rule whose keyword is the whole message matched `exact`, one whose
 * keyword is a word of the message matched `contains`; a contains rule can match `exact`; an exact rule only ever
 * matches `exact`.
 *
 * Winner: highest `priority` first (Zagely: "Integer 0–100. Higher priority evaluated first."; the SeaX docs show a
 * keyword `priority` of 10 without saying which way it sorts, so SeaX keywords use the same direction: higher
 * wins), then exact over contains over fuzzy, then the smaller edit distance, then the earliest `createdAt`, then the
 * smallest `id` (code-unit order), so the result never depends on the order rules were loaded in.
 * Disabled rules and blank keywords never match.
 */
import damerauLevenshtein from 'damerau-levenshtein';
import { foldText, words } from './text';

export type KeywordMatchMode = 'exact' | 'contains' | 'fuzzy';

export interface KeywordRule {
  id: string;
  keyword: string;
  mode: KeywordMatchMode;
  /** Higher wins. */
  priority: number;
  enabled: boolean;
  /** Tiebreak: earlier wins; rules without it sort after those with it. */
  createdAt?: Date | string | number | null;
}

export interface KeywordMatch<R extends KeywordRule = KeywordRule> {
  rule: R;
  /** How the message matched (can be stricter than the rule's mode). */
  kind: KeywordMatchMode;
  /** Edit distance for fuzzy matches; 0 for exact and contains. */
  distance: number;
  /** The folded message text that matched: the whole message or the words that matched. */
  matchedText: string;
}

const KIND_RANK: Record<KeywordMatchMode, number> = { exact: 0, contains: 1, fuzzy: 2 };

/** Allowed edits for a keyword of `length` characters (spaces not counted). */
export function fuzzyMaxDistance(length: number): 0 | 1 | 2 {
  if (length >= 8) return 2;
  if (length >= 4) return 1;
  return 0;
}

/** Optimal-string-alignment Damerau–Levenshtein distance (adjacent transposition = 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  return damerauLevenshtein(a, b).steps;
}

interface PreparedText {
  folded: string;
  words: string[];
  joined: string;
  /** Distinct runs of `size` consecutive words, joined by spaces; built on first use, shared by all rules. */
  windows: Map<number, string[]>;
}

function prepare(text: string): PreparedText {
  const folded = foldText(text);
  const w = words(folded);
  return { folded, words: w, joined: w.join(' '), windows: new Map() };
}

function windowsOf(msg: PreparedText, size: number): string[] {
  let list = msg.windows.get(size);
  if (!list) {
    const seen = new Set<string>();
    for (let i = 0; i + size <= msg.words.length; i++) seen.add(msg.words.slice(i, i + size).join(' '));
    list = [...seen];
    msg.windows.set(size, list);
  }
  return list;
}

function indexOfWords(haystack: string[], needle: string[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function matchPrepared<R extends KeywordRule>(rule: R, msg: PreparedText): KeywordMatch<R> | null {
  if (!rule.enabled) return null;
  const kw = prepare(rule.keyword ?? '');
  if (!kw.folded) return null;

  if (kw.words.length === 0) {
    // Keywords made only of symbols/emoji/punctuation: compare folded text.
    if (msg.folded === kw.folded) return { rule, kind: 'exact', distance: 0, matchedText: msg.folded };
    if (rule.mode !== 'exact' && msg.folded.includes(kw.folded)) {
      return { rule, kind: 'contains', distance: 0, matchedText: kw.folded };
    }
    return null;
  }

  if (msg.joined === kw.joined) return { rule, kind: 'exact', distance: 0, matchedText: msg.joined };
  if (rule.mode === 'exact') return null;

  if (indexOfWords(msg.words, kw.words) >= 0) return { rule, kind: 'contains', distance: 0, matchedText: kw.joined };
  if (rule.mode === 'contains') return null;

  const max = fuzzyMaxDistance(Array.from(kw.words.join('')).length);
  if (max === 0) return null;
  // Candidates: the whole message, then every run of consecutive words one shorter, as long, or one longer (in
  // words) than the keyword, so a dropped or added space is one edit like any other ("removeme" ~ "remove me").
  const n = kw.words.length;
  let bestDistance = max + 1;
  let bestText = '';
  const consider = (candidate: string) => {
    // The length difference alone costs that many edits: skip the matrix when it already exceeds the budget.
    if (Math.abs(candidate.length - kw.joined.length) >= bestDistance) return;
    const d = editDistance(candidate, kw.joined);
    if (d < bestDistance) {
      bestDistance = d;
      bestText = candidate;
    }
  };
  consider(msg.joined);
  for (let size = Math.max(1, n - 1); size <= n + 1; size++) for (const c of windowsOf(msg, size)) consider(c);
  if (bestDistance > max) return null;
  return { rule, kind: 'fuzzy', distance: bestDistance, matchedText: bestText };
}

/** How `rule` matches `message`, or null. */
export function matchRule<R extends KeywordRule>(rule: R, message: string): KeywordMatch<R> | null {
  return matchPrepared(rule, prepare(message));
}

function createdMs(v: KeywordRule['createdAt']): number {
  if (v === null || v === undefined) return Number.POSITIVE_INFINITY;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

const priorityOf = (r: KeywordRule) => (Number.isFinite(r.priority) ? r.priority : 0);

/** Sort order of matches, best first (see the module comment). */
export function compareMatches(a: KeywordMatch, b: KeywordMatch): number {
  return (
    priorityOf(b.rule) - priorityOf(a.rule) ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    a.distance - b.distance ||
    createdMs(a.rule.createdAt) - createdMs(b.rule.createdAt) ||
    (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0)
  );
}

/** Every rule that matches, best first. */
export function findMatches<R extends KeywordRule>(message: string, rules: readonly R[]): KeywordMatch<R>[] {
  const msg = prepare(message ?? '');
  const out: KeywordMatch<R>[] = [];
  for (const rule of rules) {
    const m = matchPrepared(rule, msg);
    if (m) out.push(m);
  }
  return out.sort(compareMatches);
}

/** The winning rule's match for `message`, or null when no enabled rule matches (then the generic reply applies). */
export function matchKeyword<R extends KeywordRule>(message: string, rules: readonly R[]): KeywordMatch<R> | null {
  return findMatches(message, rules)[0] ?? null;
}
