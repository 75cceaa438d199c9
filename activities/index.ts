import type { Knex } from 'knex';
import type { Logger } from '../lib/logger';
import { createExportActivities } from './exports';

/** What activities need from the outside; tests pass real PostgreSQL and local fake providers. */
export interface ActivityDeps {
  db: Knex;
  logger: Logger;
  exportDir: string;
}

/** Every activity, grouped by side effect. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createExportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
