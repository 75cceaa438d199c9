import { invalid, type InvalidError } from '../services/errors';
import { ApiError } from './errors';

/*
 * Input PostgreSQL cannot store, refused before any route sees it. PostgreSQL rejects a NUL character in text and
 * in jsonb, and a lone UTF-16 surrogate (`"\ud800"` is valid JSON) inside jsonb; a lone surrogate in a text column
 * would be stored as U+FFFD, silently changing the client's data. Both become a 422 naming the field. Very deep
 * JSON (V8's JSON.parse copes, but JSON.stringify, zod and our own walks recurse) is refused from the raw text.
 */

/** How deeply a JSON request body may nest objects and arrays (no documented request comes near it). */
export const MAX_JSON_DEPTH = 64;

/** True when `text` (JSON) nests objects/arrays deeper than `max`; a linear scan that skips string contents. */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The 400 for a body nested deeper than MAX_JSON_DEPTH. */
export const tooDeep = (): ApiError =>
  new ApiError(400, 'invalid_json', `The request body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep.`, { max_depth: MAX_JSON_DEPTH });

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(s: string): string | undefined {
  if (s.includes(NUL)) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode text (it contains an unpaired UTF-16 surrogate)';
  return undefined;
}

/**
 * The first string (or object key) in `value` that PostgreSQL cannot store faithfully, as a 422 naming its dotted
 * path (`custom_fields.city`, `tags.2`); undefined when everything is storable. Depth is bounded by MAX_JSON_DEPTH.
 */
export function unstorableInput(value: unknown, location: InvalidError['location'], path: string[] = []): InvalidError | undefined {
  const field = () => (path.length ? path.join('.') : location);
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? invalid(field(), `The ${field()} field ${problem}.`, location) : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableInput(value[i], location, [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const keyProblem = problemOf(key);
      if (keyProblem) return invalid(field(), `The ${field()} field's keys ${keyProblem}.`, location);
      const found = unstorableInput(child, location, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
