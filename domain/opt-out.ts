/**
 * Compliance keywords in an inbound message: opt-out, opt-in and help. Classify before keyword auto-replies; the
 * result is acted on in one place (the inbound path), and the send paths only consult the contact's state.
 *
 * Matching is on the WHOLE message, after folding (NFKC, invisible format characters removed, whitespace collapsed
 * and trimmed, case-insensitive) and after stripping punctuation, symbols and emoji from both ends; inside the
 * message, hyphens, underscores, dots and spaces between words are the same (OPT-OUT = OPT OUT, REMOVE-ME =
 * REMOVE ME). "Stop please" or "don't stop" are not keywords: like Twilio, Telnyx and Braze we act on the keyword
 * alone, and leave other wording to the agent.
 *
 * Why trailing punctuation counts ("STOP.", "Stop!", "'stop'", "STOP 🛑"): carriers (CTIA) and the FCC's 2024
 * revocation rule (47 CFR 64.1200(a)(10)) say a reply of "stop", "quit", "end", "revoke", "opt out", "cancel" or
 * "unsubscribe" revokes consent, and any reasonable expression must be honoured; "Stop." is the same word with a
 * phone's auto-punctuation. The costs are lopsided: texting someone who said "Stop." is a TCPA violation, while a
 * wrongly applied opt-out is undone by the contact replying START. Phone keyboards also add the final period or
 * capitalise on their own.
 *
 * Beyond the list (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REMOVE ME, OPTOUT) we also honour REVOKE
 * and OPT OUT (named by the FCC rule), STOP ALL (Telnyx's spelling of STOPALL) and REMOVE (AWS's required list).
 *
 * Opt-in words: START, UNSTOP, YES. "YES" is an everyday word, so the caller applies opt_in only to a contact that is
 * currently opted out (a "yes" from anyone else is ordinary conversation).
 */
import { foldText, stripEdges } from './text';

export type ComplianceKeywordClass = 'opt_out' | 'opt_in' | 'help';

export const OPT_OUT_KEYWORDS: readonly string[] = Object.freeze([
  'STOP',
  'STOPALL',
  'STOP ALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REMOVE ME',
  'REMOVE',
  'OPTOUT',
  'OPT OUT',
  'REVOKE',
]);
export const OPT_IN_KEYWORDS: readonly string[] = Object.freeze(['START', 'UNSTOP', 'YES']);
export const HELP_KEYWORDS: readonly string[] = Object.freeze(['HELP', 'INFO']);

/** Extra keywords a workspace or phone adds (SeaX "custom opt-out keywords"); the defaults always apply. */
export interface ComplianceKeywordOptions {
  extraOptOut?: readonly string[];
  extraOptIn?: readonly string[];
  extraHelp?: readonly string[];
}

/**
 * The canonical form compared against the keyword lists: folded, edges stripped, and runs of spaces, hyphens,
 * underscores and dots between words turned into one space. Exported so callers can log what was matched.
 */
export function canonicalKeywordText(body: string): string {
  return stripEdges(foldText(body)).replace(/[\s\-_.‐-―]+/gu, ' ');
}

function toSet(defaults: readonly string[], extra: readonly string[] | undefined): Set<string> {
  return new Set([...defaults, ...(extra ?? [])].map(canonicalKeywordText).filter(Boolean));
}

const DEFAULT_SETS = {
  opt_out: toSet(OPT_OUT_KEYWORDS, undefined),
  opt_in: toSet(OPT_IN_KEYWORDS, undefined),
  help: toSet(HELP_KEYWORDS, undefined),
};

/** The matched keyword and its class, or null. Opt-out wins if a custom keyword appears in more than one list. */
export function matchComplianceKeyword(
  body: string | null | undefined,
  options: ComplianceKeywordOptions = {},
): { class: ComplianceKeywordClass; keyword: string } | null {
  if (!body) return null;
  const text = canonicalKeywordText(body);
  if (!text) return null;
  const custom = options.extraOptOut || options.extraOptIn || options.extraHelp;
  const sets = custom
    ? {
        opt_out: toSet(OPT_OUT_KEYWORDS, options.extraOptOut),
        opt_in: toSet(OPT_IN_KEYWORDS, options.extraOptIn),
        help: toSet(HELP_KEYWORDS, options.extraHelp),
      }
    : DEFAULT_SETS;
  for (const cls of ['opt_out', 'opt_in', 'help'] as const) {
    if (sets[cls].has(text)) return { class: cls, keyword: text.toUpperCase() };
  }
  return null;
}

/** 'opt_out' | 'opt_in' | 'help' for a compliance keyword message, otherwise null. */
export function classifyInboundMessage(
  body: string | null | undefined,
  options: ComplianceKeywordOptions = {},
): ComplianceKeywordClass | null {
  return matchComplianceKeyword(body, options)?.class ?? null;
}
