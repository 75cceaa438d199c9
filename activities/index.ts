import type { Knex } from 'knex';
import type { Logger } from '../lib/logger';
import type { CarrierRegistry } from './carriers/registry';
import { createExportActivities } from './exports';
import { createMessagingActivities } from './messaging';
import { createWebhookActivities, type WebhookDeps } from './webhooks';

/** What activities need from the outside; tests pass real PostgreSQL and local fake providers. */
export interface ActivityDeps {
  db: Knex;
  logger: Logger;
  exportDir: string;
  /** Carrier adapters by sender (activities/carriers/registry.ts). */
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** Webhook delivery settings; without them the webhook activities refuse to run. */
  webhooks?: WebhookDeps['webhooks'];
}

/** Every activity, grouped by side effect. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createExportActivities(deps),
    ...createMessagingActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
