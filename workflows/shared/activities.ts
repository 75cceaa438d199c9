/**
 * The activity contract: every activity the workflows call, with its input and result. Workflows proxy this
 * interface (never the implementations in activities/), and `createActivities` (activities/index.ts) satisfies
 * it, so the two sides meet here and nowhere else. Types only: nothing here runs.
 */
import type { CampaignStatus } from '../../domain/campaigns';

/** A message of a workspace. */
export interface MessageRef {
  workspaceId: string;
  messageId: string;
}

/** What `dispatchMessage` answers: done (with the row's status) or "come back at deferUntil" (quiet hours, reschedule). */
export type DispatchResult = { status: string; errorCode?: string; deferUntil?: undefined } | { deferUntil: string; status?: undefined };

/** A campaign of a workspace. */
export interface CampaignRef {
  workspaceId: string;
  campaignId: string;
}

export interface PrepareCampaignResult {
  status: CampaignStatus;
  total: number;
  excluded: number;
}

export interface BatchInput extends CampaignRef {
  /** The batch number; a retried batch works on the recipients it claimed before. */
  batch: number;
  batchSize: number;
  /** Carrier requests in flight at once within the batch. */
  concurrency: number;
  /** Batches of the run in flight at once (they share the horizon). */
  parallelBatches: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  failed: number;
  expired: number;
  /** The campaign's status as the batch saw it (a lost pause/cancel signal is noticed here). */
  status: CampaignStatus;
  /**
   * Only when nothing was claimed: whether pending recipients remain, and when the next claim can take some
   * (quiet hours). A batch that claimed something answers pending: true without looking (a full scan per batch).
   */
  pending: boolean;
  retryAt: string | null;
}

export type CampaignOutcome = 'completed' | 'canceled' | 'expired';

/** A job (export, import) of a workspace. */
export interface JobRef {
  workspaceId: string;
  jobId: string;
}

/** What one webhook attempt answers: the outcome recorded on the delivery row. */
export interface AttemptResult {
  /** skipped: the delivery is no longer pending (already done, or its subscription is gone). */
  outcome: 'succeeded' | 'retry' | 'failed' | 'skipped';
  attempt: number;
}

export interface Activities {
  /** Send one message if it is due, allowed and not sent yet; safe to run any number of times. */
  dispatchMessage(input: MessageRef): Promise<DispatchResult>;
  /** After the dispatch activity gave up: a message not yet sent is marked failed with the last error. */
  failUnsentMessage(input: MessageRef & { code: string; message: string }): Promise<{ status: string }>;

  /** Resolve the audience (once) and mark the campaign started. */
  prepareCampaign(input: CampaignRef): Promise<PrepareCampaignResult>;
  /** One batch: claim (or take back, on retry), reserve sender slots, send with bounded concurrency, record in bulk. */
  runCampaignBatch(input: BatchInput): Promise<BatchResult>;
  /** After a batch gave up: its unsent messages are failed with the last error; answers how many. */
  failCampaignBatch(input: CampaignRef & { batch: number; message: string }): Promise<number>;
  /** The end of a run: pending recipients expire or are canceled, labels are attached, the status is final. */
  finishCampaign(input: CampaignRef & { outcome: CampaignOutcome }): Promise<{ status: CampaignStatus }>;
  /** A recurring campaign's Schedule fired: create this firing's run, once per firing (null: the template is canceled). */
  createCampaignRun(input: { workspaceId: string; parentId: string; runKey: string }): Promise<{ campaignId: string | null }>;

  /** Write the contacts CSV of an export job and record the result on the job. */
  runContactExport(input: JobRef): Promise<{ rows: number }>;
  /** Write the SeaX webhook log CSV of a log export job. */
  runWebhookLogExport(input: JobRef): Promise<{ rows: number }>;
  /** E-mail the signed link to a finished log export (once, however often it is retried). */
  emailWebhookLogExport(input: JobRef): Promise<{ sent: boolean }>;
  /** Mark a job failed with the reason. */
  failJob(input: JobRef & { message: string }): Promise<void>;

  /**
   * Import a job's stored upload into contacts, chunk by chunk, resuming after the last committed chunk; stops after
   * the chunk in hand when a cancel was requested. Removes the upload when it ends.
   */
  runContactImport(input: JobRef): Promise<{ rows: number; canceled: boolean }>;
  /** Remove a failed import's upload (it will not be read again). */
  discardImportUpload(input: JobRef): Promise<void>;
  /** Write the CSV of a campaign log or message history export job (its params say which and the filters). */
  runLogExport(input: JobRef): Promise<{ rows: number }>;
  /** E-mail the signed link to a finished export when the job asked for it (once, however often it is retried). */
  emailExportLink(input: JobRef): Promise<{ sent: boolean }>;

  /** The webhook dispatcher's sweep: first attempts of up to `limit` new deliveries; answers how many it claimed. */
  dispatchWebhookDeliveries(input: { limit: number }): Promise<number>;
  /** One later attempt of a delivery, for its retry workflow. */
  attemptWebhookDelivery(input: { deliveryId: string; isLast: boolean; nextDelayMs: number }): Promise<AttemptResult>;
}
