import { randomBytes } from 'node:crypto';
import { createDb, type Knex } from '../../db/connection';
import { ensureDatabase } from '../../stack/databases';

/** A fresh database of its own, migrated up to (not including) `file`, for tests of a data migration. */
export async function databaseBefore(file: string): Promise<{ db: Knex; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_PG_SERVER_URL as string;
  const name = `t_mig_${randomBytes(6).toString('hex')}`;
  const db = createDb(await ensureDatabase(serverUrl, name));
  for (;;) {
    const [, pending] = (await db.migrate.list()) as [unknown, { file: string }[]];
    if (!pending.length) throw new Error(`no pending migration ${file}`);
    if (pending[0].file === file) break;
    await db.migrate.up();
  }
  return {
    db,
    async drop() {
      await db.destroy();
      const admin = createDb(serverUrl);
      await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
