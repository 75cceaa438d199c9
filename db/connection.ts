import knex, { Knex } from 'knex';
import pg from 'pg';

// Return bigint counts (COUNT(*)) as numbers and timestamps as Date; numeric stays string.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** The only place a knex instance is built. */
export function createDb(databaseUrl: string, opts: { pool?: { min: number; max: number } } = {}): Knex {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: opts.pool ?? { min: 0, max: 10 },
    migrations: { directory: `${__dirname}/migrations`, loadExtensions: ['.ts', '.js'], tableName: 'knex_migrations' },
  });
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

export type { Knex };
