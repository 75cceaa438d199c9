import type { Knex } from 'knex';
import type { Logger } from '../lib/logger';
import { keyList } from '../lib/sealed-secrets';
import type { WorkflowStarters } from '../temporal/starters';
import { accessService } from './access';
import { apiKeyService } from './api-keys';
import { autoReplyService } from './auto-replies';
import { campaignService, type CampaignTuning } from './campaigns';
import { contactService } from './contacts';
import { dialerService } from './dialer';
import { dialerCallsService } from './dialer-calls';
import { conversationService } from './conversations';
import { groupService } from './groups';
import { inboundService } from './inbound';
import { importService } from './imports';
import { jobService } from './jobs';
import { keyService } from './keys';
import { labelService } from './labels';
import { logExportService } from './log-exports';
import { messageService } from './messages';
import { outboundUrlGuard } from './outbound-urls';
import { phoneService } from './phones';
import { seaxNotifyService } from './seax-notify';
import { templateService } from './templates';
import { webhookLogExportService } from './webhook-log-exports';
import { webhookService } from './webhooks';
import { workspaceService } from './workspaces';

/** Settings the use cases need from their process's configuration (parsed once there). */
export interface ServiceSettings {
  /** Campaign runs' batch tuning. */
  campaignTuning?: CampaignTuning;
  /** The shortest interval between a recurring campaign's firings (CAMPAIGN_MIN_RECURRENCE_SECONDS). */
  minRecurrenceSeconds?: number;
  /** Where export files are (the worker writes them). */
  exportDir: string;
  /** Verifies e-mailed export links. */
  exportLinkSecret: string;
  /** CREDENTIALS_ENCRYPTION_KEY: one key, or a comma-separated list during a rotation (the first encrypts). */
  credentialsKey?: string;
  /** Verifies the simulator's receipts. */
  simulatorSecret: string;
  whatsappAppSecret?: string;
  whatsappVerifyToken?: string;
  /** Whether SIMULATOR phones may be created (SIMULATOR_ENABLED). */
  simulatorEnabled?: boolean;
  /** Hosts or CIDRs exempt from the outbound URL guard. */
  outboundAllowedHosts?: string;
  /** The API's public base URL (voice callbacks of dialer calls are addressed there). */
  publicUrl?: string;
}

/** What the use cases are built from: the database, the workflow starters, a logger, the clock and settings. */
export interface ServiceDeps {
  db: Knex;
  starters: WorkflowStarters;
  logger: Logger;
  clock?: () => Date;
  settings: ServiceSettings;
}

/** Every use case, built once per process (the API, the CLI) over the same dependencies. */
export function createServices(deps: ServiceDeps) {
  const { db, starters, logger, clock, settings } = deps;
  const messages = messageService({ db, starters, logger, clock });
  const autoReplies = autoReplyService({ db, logger, replies: messages, clock });
  const jobs = jobService(db, starters, settings.exportDir);
  const credentialsKeys = keyList(settings.credentialsKey);
  const dialerCalls = dialerCallsService({ db, logger, publicUrl: settings.publicUrl, signals: { callEnded: starters.dialerCallEnded, machineAnswered: starters.dialerMachineAnswered } });
  return {
    access: accessService(db, clock),
    apiKeys: apiKeyService(db),
    autoReplies,
    campaigns: campaignService({ db, starters, logger, clock, tuning: settings.campaignTuning, minRecurrenceSeconds: settings.minRecurrenceSeconds }),
    contacts: contactService(db),
    dialer: dialerService({ db, starters, clock }),
    dialerCalls,
    conversations: conversationService(db),
    groups: groupService(db),
    imports: importService({ db, jobs, exportDir: settings.exportDir }),
    inbound: inboundService({ db, logger, settings, messages, autoReplies, dialer: dialerCalls }),
    jobs,
    keys: keyService(db),
    labels: labelService(db),
    logExports: logExportService({ db, jobs }),
    messages,
    /** Refuses user-supplied URLs (media, templates) that resolve to private addresses; 422 naming each field. */
    assertPublicUrls: outboundUrlGuard(settings.outboundAllowedHosts),
    phones: phoneService(db, { encryptionKey: settings.credentialsKey, simulatorEnabled: settings.simulatorEnabled }),
    seaxNotify: seaxNotifyService({ db, outboundAllowedHosts: settings.outboundAllowedHosts, credentialsKeys, clock }),
    templates: templateService(db),
    webhookLogExports: webhookLogExportService({ db, jobs, exportDir: settings.exportDir, linkSecret: settings.exportLinkSecret }),
    webhooks: webhookService({ db, outboundAllowedHosts: settings.outboundAllowedHosts, credentialsKeys }),
    workspaces: workspaceService(db),
  };
}

/** The use cases, as the API's routes and the CLI receive them. */
export type Services = ReturnType<typeof createServices>;
