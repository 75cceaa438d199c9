import type { Knex } from 'knex';
import type { Logger } from '../lib/logger';
import type { CarrierRegistry } from '../carriers/registry';
import { createCampaignActivities } from './campaigns';
import { createExportActivities } from './exports';
import { createMessagingActivities } from './messaging';
import { createWebhookExportActivities, type WebhookExportDeps } from './webhook-exports';
import { createWebhookActivities, type WebhookDeps } from './webhooks';

/** What activities need from the outside; tests pass real PostgreSQL and local fake providers. */
export interface ActivityDeps {
  db: Knex;
  logger: Logger;
  exportDir: string;
  /** Carrier adapters by sender (carriers/registry.ts). */
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** Base of campaign short links (`<publicUrl>/l/<code>`). */
  publicUrl?: string;
  /** Webhook delivery settings; without them the webhook activities refuse to run. */
  webhooks?: WebhookDeps['webhooks'];
  /** SeaX log export e-mail settings (activities/webhook-exports.ts). */
  logExports?: WebhookExportDeps['logExports'];
}

/** Every activity, grouped by side effect. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCampaignActivities(deps),
    ...createExportActivities(deps),
    ...createMessagingActivities(deps),
    ...createWebhookActivities(deps),
    ...createWebhookExportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
