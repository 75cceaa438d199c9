import { createHmac, randomBytes } from 'node:crypto';

const perProcess = new Map<string, string>();

/**
 * A signing secret that the API and the worker must share: `explicit` when configured (the stack always passes one
 * it generated and keeps in $DATA_DIR/secrets.env); else derived, under `label`, from the first
 * CREDENTIALS_ENCRYPTION_KEY, which both processes hold and nobody can guess; with neither, a random value for this
 * process only (the other process then refuses what it signs). Never derived from anything guessable.
 */
export function sharedSecret(label: string, explicit: string | undefined, credentialsKey: string | undefined): string {
  if (explicit) return explicit;
  const key = credentialsKey?.split(',').map((k) => k.trim()).find(Boolean);
  if (key) return createHmac('sha256', key).update(`switchboard:${label}`).digest('hex');
  let value = perProcess.get(label);
  if (!value) perProcess.set(label, (value = randomBytes(32).toString('hex')));
  return value;
}
