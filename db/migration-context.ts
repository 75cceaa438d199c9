/**
 * What data migrations need from the process running them: migrateLatest (db/connection.ts) sets it for the
 * duration of a run. The keys let a migration seal secrets that earlier versions stored in clear.
 */
export interface MigrationContext {
  /** CREDENTIALS_ENCRYPTION_KEY as a list (lib/sealed-secrets.ts keyList); empty when not configured. */
  credentialsKeys: string[];
}

let current: MigrationContext = { credentialsKeys: [] };

/** The context of the migration run in progress. */
export const migrationContext = (): MigrationContext => current;

/** Run `fn` (a knex migration run) with `context`. */
export async function withMigrationContext<T>(context: MigrationContext, fn: () => Promise<T>): Promise<T> {
  const previous = current;
  current = context;
  try {
    return await fn();
  } finally {
    current = previous;
  }
}
