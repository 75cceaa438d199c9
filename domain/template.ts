/**
 * The one template renderer for single sends, campaigns, automations and template previews. Pure: no I/O, no clock,
 * safe inside the Temporal workflow sandbox.
 *
 * Placeholder syntax (one left-to-right pass; whatever is not a placeholder is copied unchanged):
 *
 * - `{{ key }}` / `{{key}}` (Zagely). `key` is any run of characters other than `{`, `}` and line breaks, with the
 *   whitespace around it trimmed, so every custom-field key works (`{{ order id }}`, `{{plan-tier}}`,
 *   `{{a.b}}` looks up the key "a.b" literally; there are no dotted paths). `{{ }}` (empty) is literal text.
 * - `{{{ key }}}` (Mustache/Handlebars "triple-stash") is read as the same variable: we never HTML-escape, so the two
 *   forms mean the same here, and a template pasted from those tools renders instead of leaving stray braces.
 * - `{key}` (SeaX, e.g. `{first_name}`) only when `key` is an identifier, `[A-Za-z_][A-Za-z0-9_]*`, with nothing
 *   else inside the braces. So `{ not a var }`, `{ first_name }`, `{"a": 1}`, `{1}`, `{a b}`, `{}` and `{first-name}`
 *   stay literal, and so does JSON or code with spaces after its braces.
 * - Every form needs a balanced run of exactly 1, 2 or 3 braces: the opening run may not be preceded by `{` nor the
 *   closing run followed by `}`. So malformed `{{name}`, `{name}}`, `{{{name}}` and `{{{{name}}}}` stay literal
 *   instead of being half-rendered into stray braces.
 * - What stays ambiguous is prose that writes `{word}` meaning the braces literally: it is read as a variable,
 *   rendered empty when unknown and reported in `missing`, and `extractVariables` lists it, so it shows up in a
 *   template's `variables` and in preview before anything is sent. To send a literal `{word}`, pass it as a variable
 *   value: values are never expanded.
 *
 * Lookup: the exact key first, then a case-insensitive match (first in insertion order), so `{{City}}` finds the
 * custom field `city`. Only own properties are consulted (`{constructor}` is not Object.prototype's).
 * Values: strings as they are; numbers, booleans and bigints via String(); Dates as ISO-8601; other objects and
 * arrays as JSON. `null`/`undefined`/absent are missing: rendered as "" (or kept verbatim with `onMissing: 'keep'`)
 * and reported once each, in order of first appearance. An empty string is a value, not missing.
 * Values are inserted literally: braces inside a value are never re-expanded.
 */

// One regex, alternatives tried left to right at each position: triple, double, single. Every form is delimited by a
// balanced run of exactly 1, 2 or 3 braces (the lookarounds reject longer runs). Keys of the double and triple forms
// may not contain braces or line breaks; they are trimmed in code (a blank key leaves the text literal). Each
// alternative is a single character class between fixed delimiters, so matching is linear (no ReDoS on user input).
const PLACEHOLDER =
  /(?<!\{)\{\{\{([^{}\r\n]*)\}\}\}(?!\})|(?<!\{)\{\{([^{}\r\n]*)\}\}(?!\})|(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g;

export type TemplateVariables = Readonly<Record<string, unknown>>;

export interface RenderOptions {
  /** What a missing variable becomes: '' (default) or the placeholder text unchanged. Either way it is reported. */
  onMissing?: 'empty' | 'keep';
}

export interface RenderResult {
  text: string;
  /** Variables the content uses that had no value (absent, null or undefined), unique, in order of first use. */
  missing: string[];
}

interface Placeholder {
  key: string;
  raw: string;
  index: number;
}

function* placeholders(content: string): Generator<Placeholder> {
  for (const m of content.matchAll(PLACEHOLDER)) {
    const key = (m[1] ?? m[2] ?? m[3]).trim();
    if (key) yield { key, raw: m[0], index: m.index };
  }
}

/** Variable names used by `content`, unique, in order of first appearance (fills a template's `variables`). */
export function extractVariables(content: string): string[] {
  const seen = new Set<string>();
  for (const p of placeholders(content)) seen.add(p.key);
  return [...seen];
}

/** True when `content` contains at least one placeholder. */
export function hasVariables(content: string): boolean {
  return extractVariables(content).length > 0;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function lookup(vars: TemplateVariables, key: string): unknown {
  if (hasOwn(vars, key)) return vars[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(vars)) if (k.toLowerCase() === lower) return vars[k];
  return undefined;
}

/** The text a variable value renders as; null/undefined mean "missing". */
export function stringifyValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Render `content` with `vars`; see the module comment for the syntax and rules. */
export function render(content: string, vars: TemplateVariables = {}, options: RenderOptions = {}): RenderResult {
  const missing = new Set<string>();
  let out = '';
  let last = 0;
  for (const p of placeholders(content)) {
    const value = stringifyValue(lookup(vars, p.key));
    out += content.slice(last, p.index);
    if (value === undefined) {
      missing.add(p.key);
      if (options.onMissing === 'keep') out += p.raw;
    } else {
      out += value;
    }
    last = p.index + p.raw.length;
  }
  out += content.slice(last);
  return { text: out, missing: [...missing] };
}

/** The contact fields a template can use. Accepts the db row (snake_case) and API shapes alike. */
export interface TemplateContact {
  id?: string | null;
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  phone_number?: string | null;
  whatsapp_phone?: string | null;
  email?: string | null;
  custom_fields?: Readonly<Record<string, unknown>> | null;
}

// A "name" that is really a phone number (Zagely defaults the name to the phone): never split it into first/last.
const PHONE_LIKE = /^\+?[\d\s().-]{5,}$/;

/**
 * Split a display name into first and last: "Jane Doe" → Jane / Doe; "Mary Ann van der Berg" → Mary / Ann van der
 * Berg; "Doe, Jane" (one comma) → Jane / Doe; "Cher" → Cher / (none); a phone-number-like name → (none) / (none).
 */
export function splitName(name: string | null | undefined): { first?: string; last?: string } {
  const clean = (name ?? '').replace(/\s+/g, ' ').trim();
  if (!clean || PHONE_LIKE.test(clean)) return {};
  const comma = clean.split(',');
  if (comma.length === 2 && comma[0].trim() && comma[1].trim()) {
    return { first: comma[1].trim(), last: comma[0].trim() };
  }
  const space = clean.indexOf(' ');
  if (space < 0) return { first: clean };
  return { first: clean.slice(0, space), last: clean.slice(space + 1) };
}

const blankToUndefined = (v: string | null | undefined) => (v === null || v === undefined || v.trim() === '' ? undefined : v);

/**
 * Variables for rendering to one contact: every custom field key, plus name, first_name, last_name, phone,
 * phone_number (alias of phone), whatsapp_phone, email and contact_id.
 *
 * Precedence, lowest first: first/last derived by splitting `name` < custom fields < the contact's own columns. So a
 * custom field `first_name` beats the guess from splitting the name, but cannot shadow the real phone or email.
 * Blank or null columns are left out (they would be reported missing rather than render as "").
 */
export function contactVariables(contact: TemplateContact): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  const split = splitName(contact.name);
  if (split.first !== undefined) vars.first_name = split.first;
  if (split.last !== undefined) vars.last_name = split.last;

  for (const [k, v] of Object.entries(contact.custom_fields ?? {})) {
    if (v !== null && v !== undefined) vars[k] = v;
  }

  const phone = blankToUndefined(contact.phone) ?? blankToUndefined(contact.phone_number);
  const own: Record<string, string | undefined> = {
    contact_id: blankToUndefined(contact.id),
    name: blankToUndefined(contact.name)?.trim(),
    first_name: blankToUndefined(contact.first_name)?.trim(),
    last_name: blankToUndefined(contact.last_name)?.trim(),
    phone,
    phone_number: phone,
    whatsapp_phone: blankToUndefined(contact.whatsapp_phone),
    email: blankToUndefined(contact.email),
  };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) vars[k] = v;
  return vars;
}
