import { z } from 'zod';
import { parseEnv } from '../lib/env';
import { keyList } from '../lib/sealed-secrets';
import { createDb, migrateLatest, type Knex } from './connection';

export interface MigrationState {
  applied: string[];
  pending: string[];
}

/** Applied and pending migrations, by file name. */
export async function migrationState(db: Knex): Promise<MigrationState> {
  const [completed, pending] = (await db.migrate.list()) as [{ name: string }[], { file: string }[]];
  return { applied: completed.map((m) => m.name), pending: pending.map((m) => m.file) };
}

/** Bring the database to the latest schema; returns the migrations this run applied. */
export async function migrate(databaseUrl: string, credentialsKeys: string[] = []): Promise<string[]> {
  const db = createDb(databaseUrl, { pool: { min: 0, max: 1 } });
  // knex prints pool errors with their stack via console.log; the caller reports the error in one line.
  const logger = (db.client as { logger?: { warn: (m: unknown) => void } }).logger;
  if (logger) logger.warn = () => undefined;
  try {
    return await migrateLatest(db, { credentialsKeys });
  } finally {
    await db.destroy();
  }
}

/** The environment of `npm run migrate`. */
export const migrateConfigSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  /** Seals secrets that older versions stored in clear (db/migration-context.ts). */
  CREDENTIALS_ENCRYPTION_KEY: z.string().optional(),
});

// `npm run migrate`: migrations against DATABASE_URL.
if (require.main === module) {
  (async () => {
    const { DATABASE_URL, CREDENTIALS_ENCRYPTION_KEY } = parseEnv(migrateConfigSchema);
    const applied = await migrate(DATABASE_URL, keyList(CREDENTIALS_ENCRYPTION_KEY));
    process.stdout.write(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join('\n')}\n` : 'Database is up to date.\n');
  })().catch((err: unknown) => {
    process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
