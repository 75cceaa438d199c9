import type { Knex } from 'knex';
import type { CarrierRegistry } from '../carriers/registry';
import type { Logger } from '../lib/logger';
import type { Activities } from '../workflows/shared/activities';
import { createCampaignActivities } from './campaigns';
import { createDialerActivities, type DialerDeps } from './dialer';
import { createExportActivities } from './exports';
import { createImportActivities } from './imports';
import { createLogExportActivities } from './log-exports';
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
  /** Webhook delivery settings (with the injected workflow starter); without them the webhook activities refuse to run. */
  webhooks?: WebhookDeps['webhooks'];
  /** SeaX log export e-mail settings (activities/webhook-exports.ts). */
  logExports?: WebhookExportDeps['logExports'];
  /** Rows per contact-import chunk (one transaction each). */
  importChunkRows?: number;
  /** How the dialer's activities tell its workflows about calls they find ended (injected starters). */
  dialerSignals?: DialerDeps['dialerSignals'];
}

/** Every activity of the contract (workflows/shared/activities.ts), grouped by side effect. */
export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createCampaignActivities(deps),
    ...createDialerActivities(deps),
    ...createExportActivities(deps),
    ...createImportActivities(deps),
    ...createLogExportActivities(deps),
    ...createMessagingActivities(deps),
    ...createWebhookActivities(deps),
    ...createWebhookExportActivities(deps),
  };
}
