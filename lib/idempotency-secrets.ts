import { open, seal } from './sealed-secrets';

/*
 * Responses stored for Idempotency-Key replays never keep a secret in clear. A secret field (a new key pair's
 * secret_key, a SeaX api_key, a webhook's signing secret) is replaced by REDACTED in the stored body; the values are
 * kept beside it sealed with CREDENTIALS_ENCRYPTION_KEY, bound to the idempotency record (API key, path, key), so
 * a replay to the same API key within the 24 h window gets them back and no other record can open them. Without a
 * key only the redacted body is kept, and a replay says which fields it could not restore.
 */

/** Response fields whose string values are secrets. */
export const SECRET_FIELDS = new Set(['secret', 'secret_key', 'api_key']);
/** What a stored secret is replaced with. */
export const REDACTED = '[redacted]';

type Found = { path: (string | number)[]; value: string }[];

function walk(node: unknown, path: (string | number)[], found: Found): void {
  if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i], found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (SECRET_FIELDS.has(k) && typeof v === 'string') {
        found.push({ path: [...path, k], value: v });
        (node as Record<string, unknown>)[k] = REDACTED;
      } else walk(v, [...path, k], found);
    }
  }
}

/** A JSON body with its secrets replaced by REDACTED, and the secrets found (none for a body that is not JSON). */
export function redactSecrets(body: string): { body: string; secrets: Found } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, secrets: [] };
  }
  const secrets: Found = [];
  walk(parsed, [], secrets);
  return secrets.length ? { body: JSON.stringify(parsed), secrets } : { body, secrets };
}

/** `body` with the secrets put back where they were found. */
export function restoreSecrets(body: string, secrets: Found): string {
  const parsed = JSON.parse(body) as Record<string | number, unknown>;
  for (const { path, value } of secrets) {
    let node = parsed as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
    node[path[path.length - 1]] = value;
  }
  return JSON.stringify(parsed);
}

const binding = (apiKeyId: string, path: string, key: string) => `idempotency:${apiKeyId}:${path}:${key}`;
const WHAT = 'secrets of replayable responses';

/** The stored form of a response: its redacted body, and its secrets sealed (null when none, or no key). */
export function storableResponse(body: string, keys: string[], record: { apiKeyId: string; path: string; key: string }): { body: string; sealed: string | null } {
  const { body: redacted, secrets } = redactSecrets(body);
  return { body: redacted, sealed: secrets.length && keys.length ? seal(secrets, keys, binding(record.apiKeyId, record.path, record.key), WHAT) : null };
}

/**
 * The body to replay: the stored one with its sealed secrets restored when they open (same record, a key of the
 * list); `unrestored` names the secret fields left REDACTED (no key then, or it was rotated away).
 */
export function replayableBody(stored: string, sealed: string | null, keys: string[], record: { apiKeyId: string; path: string; key: string }): { body: string; unrestored: string[] } {
  if (sealed && keys.length) {
    try {
      return { body: restoreSecrets(stored, open<Found>(sealed, keys, binding(record.apiKeyId, record.path, record.key), WHAT)), unrestored: [] };
    } catch {
      // Sealed under a key no longer configured: replay what is stored.
    }
  }
  return { body: stored, unrestored: redactSecrets(stored).secrets.filter((s) => s.value === REDACTED).map((s) => s.path.join('.')) };
}
