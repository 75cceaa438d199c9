import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readDemoEnv, writeEnvFile } from './demo';

/**
 * Secrets `npm start` generates once per data directory and keeps in `$DATA_DIR/secrets.env` (readable by its owner
 * only), so nothing the stack uses is a constant or derived from something guessable:
 * - POSTGRES_PASSWORD: the embedded PostgreSQL superuser's password (stack/postgres.ts; a cluster created with the
 *   old constant password is switched to this one on its next start);
 * - CREDENTIALS_ENCRYPTION_KEY: encrypts carrier credentials and webhook signing secrets at rest;
 * - SIMULATOR_CALLBACK_SECRET, EXPORT_LINK_SECRET: sign simulator receipts and e-mailed export links.
 * A variable set in the environment wins over the file (and is not written to it).
 */
export const STACK_SECRET_KEYS = ['POSTGRES_PASSWORD', 'CREDENTIALS_ENCRYPTION_KEY', 'SIMULATOR_CALLBACK_SECRET', 'EXPORT_LINK_SECRET'] as const;
export type StackSecrets = Record<(typeof STACK_SECRET_KEYS)[number], string>;

const generate: Record<(typeof STACK_SECRET_KEYS)[number], () => string> = {
  POSTGRES_PASSWORD: () => randomBytes(24).toString('base64url'),
  CREDENTIALS_ENCRYPTION_KEY: () => randomBytes(32).toString('hex'),
  SIMULATOR_CALLBACK_SECRET: () => randomBytes(32).toString('base64url'),
  EXPORT_LINK_SECRET: () => randomBytes(32).toString('base64url'),
};

/** The file the stack keeps its generated secrets in. */
export const secretsFile = (dataDir: string): string => path.join(dataDir, 'secrets.env');

/** The data directory's secrets: the file's, plus new ones for what it lacks (written back); `env` wins over both. */
export function ensureStackSecrets(dataDir: string, env: Partial<Record<string, string>>): StackSecrets {
  const file = secretsFile(dataDir);
  const kept = readDemoEnv(file) as Partial<Record<string, string>>;
  let changed = false;
  const stored = {} as StackSecrets;
  for (const key of STACK_SECRET_KEYS) {
    const value = kept[key];
    if (value) stored[key] = value;
    else if (!env[key]) {
      stored[key] = generate[key]();
      changed = true;
    }
  }
  if (changed) {
    writeEnvFile(
      file,
      STACK_SECRET_KEYS.filter((k) => stored[k]).map((k) => [k, stored[k]]),
      'Generated once by `npm start` (stack/secrets.ts) for this data directory. Losing CREDENTIALS_ENCRYPTION_KEY loses the carrier credentials and webhook secrets stored with it.',
    );
  }
  return Object.fromEntries(STACK_SECRET_KEYS.map((k) => [k, env[k] || stored[k]])) as StackSecrets;
}
