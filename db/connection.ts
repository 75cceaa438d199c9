import knex, { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../lib/logger';
import { withMigrationContext, type MigrationContext } from './migration-context';

// Return bigint counts (COUNT(*)) as numbers and timestamps as Date; numeric stays string.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** The only place a knex instance is built. */
export function createDb(
  databaseUrl: string,
  opts: { pool?: { min: number; max: number }; logger?: Pick<Logger, 'warn' | 'error' | 'debug'> } = {},
): Knex {
  // knex prints its own warnings with console.log; send them to our structured logger (or stderr) instead.
  const log = opts.logger;
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: opts.pool ?? { min: 0, max: 10 },
    log: {
      warn: (m: unknown) => (log ? log.warn({ knex: String(m) }, 'knex warning') : process.stderr.write(`knex: ${String(m)}\n`)),
      error: (m: unknown) => (log ? log.error({ knex: String(m) }, 'knex error') : process.stderr.write(`knex: ${String(m)}\n`)),
      deprecate: (m: unknown) => log?.warn({ knex: String(m) }, 'knex deprecation'),
      debug: (m: unknown) => log?.debug({ knex: m }, 'knex debug'),
    },
    migrations: { directory: `${__dirname}/migrations`, loadExtensions: ['.ts', '.js'], tableName: 'knex_migrations' },
  });
}

/** Apply pending migrations; `credentialsKeys` let data migrations seal secrets stored in clear before (db/migration-context.ts). */
export async function migrateLatest(db: Knex, context: Partial<MigrationContext> = {}): Promise<string[]> {
  const [, applied] = (await withMigrationContext({ credentialsKeys: context.credentialsKeys ?? [] }, () => db.migrate.latest())) as [number, string[]];
  return applied;
}

export type { Knex };

/** Whether the database answers (health probes, `switchboard status`). */
export async function databaseUp(db: Knex): Promise<boolean> {
  try {
    await db.raw('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
