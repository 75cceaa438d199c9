import { randomUUID } from 'node:crypto';
import { decryptCredentials, encryptCredentials } from './secrets';

/*
 * Secrets Switchboard must read back (webhook signing secrets, secrets in replayable idempotent responses) are
 * stored sealed with CREDENTIALS_ENCRYPTION_KEY, exactly as carrier credentials are (AES-256-GCM,
 * lib/secrets.ts): the first key of the list seals, any key of it opens (rotation), and associated
 * data binds each ciphertext to its row so it cannot be pasted into another.
 */

/** CREDENTIALS_ENCRYPTION_KEY as a list: one key, or a comma-separated list during a rotation (the first seals). */
export const keyList = (value: string | undefined): string[] => (value ?? '').split(',').map((k) => k.trim()).filter(Boolean);

/** Thrown when a secret must be sealed or opened and no CREDENTIALS_ENCRYPTION_KEY is configured. */
export class EncryptionKeyMissingError extends Error {
  constructor(what: string) {
    super(`CREDENTIALS_ENCRYPTION_KEY is not set, so ${what} cannot be stored or read (secrets are never kept in clear)`);
    this.name = 'EncryptionKeyMissingError';
  }
}

/** Seal any JSON value under `keys[0]`, bound to `binding`. */
export function seal(value: unknown, keys: string[], binding: string, what: string): string {
  if (!keys.length) throw new EncryptionKeyMissingError(what);
  return encryptCredentials(value, keys[0], binding);
}

/** Open what `seal` wrote with any of `keys`; throws when it does not authenticate (other key, other binding). */
export function open<T>(sealed: string, keys: string[], binding: string, what: string): T {
  if (!keys.length) throw new EncryptionKeyMissingError(what);
  return decryptCredentials<T>(sealed, keys, binding);
}

const webhookBinding = (subscriptionId: string) => `webhook_subscription:${subscriptionId}`;

/** A webhook subscription's signing secret as stored (webhook_subscriptions.secret_encrypted). */
export const sealWebhookSecret = (subscriptionId: string, secret: string, keys: string[]): string =>
  seal(secret, keys, webhookBinding(subscriptionId), 'webhook signing secrets');

/** The signing secret of a subscription, from its stored ciphertext. */
export const openWebhookSecret = (subscriptionId: string, sealed: string, keys: string[]): string =>
  open<string>(sealed, keys, webhookBinding(subscriptionId), 'webhook signing secrets');

/** A new subscription's id and signing secret (the given one, else a generated `whsec_`), sealed for storage. */
export function mintSealedWebhookSecret(keys: string[], generate: () => string, given?: string): { id: string; secret: string; secret_encrypted: string } {
  const id = randomUUID();
  const secret = given ?? generate();
  return { id, secret, secret_encrypted: sealWebhookSecret(id, secret, keys) };
}
