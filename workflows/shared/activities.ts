/**
 * The activity contract: every activity the workflows call, with its input and result. Workflows proxy this
 * interface (never the implementations in activities/), and `createActivities` (activities/index.ts) satisfies
 * it, so the two sides meet here and nowhere else. Types only: nothing here runs.
 */
import type { CampaignStatus } from '../../domain/campaigns';
import type { CallOutcome, DialerStatus, DialerType, RetryDelays } from '../../domain/dialer';
import type { CallingPlan } from '../../domain/dialer-window';

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

/** A dialer campaign of a workspace. */
export interface DialerRef {
  workspaceId: string;
  campaignId: string;
}

/** What the dialer workflow needs to know about its campaign (read once, at the start). */
export interface DialerSettings {
  type: DialerType;
  name: string;
  maxAttempts: number;
  maxDialers: number;
  /** Calls that can always be bridged at once (progressive); max_dialers for the other types. */
  agentLines: number;
  retryDelays: Partial<RetryDelays>;
  plan: CallingPlan;
  /** How long a placed call may take before the workflow asks the carrier about it (ring + time limit + margin). */
  callDeadlineMs: number;
}

export interface PrepareDialerResult {
  status: DialerStatus;
  total: number;
  excluded: number;
  settings: DialerSettings;
  /** Each phone's person-answered and abandoned calls of the last 30 days in other campaigns. */
  phoneBaselines: { humanAnswered: number; abandoned: number }[];
}

/** The workflow's decision for a contact after an attempt. */
export interface DialerDecision {
  seq: number;
  kind: 'retry' | 'done' | 'expired';
  outcome?: CallOutcome | 'opted_out' | 'refused' | 'expired';
  reason: string;
  /** ISO; retries only. */
  nextAttemptAt?: string;
}

/** One call the dialer asks for: a contact's attempt number. */
export interface CallSlot {
  seq: number;
  attempt: number;
}

export interface PlaceCallsInput extends DialerRef {
  /** The placing batch's number: a retried activity claims the contacts this batch claimed before, not new ones. */
  batch: number;
  /** Contacts whose retry is due, with their next attempt number. */
  retries: CallSlot[];
  /** How many new contacts to claim and call. */
  fresh: number;
  /** Decisions to record first (piggybacked so that one activity does both). */
  decisions: DialerDecision[];
}

/** What became of one requested call. */
export interface PlacedCall extends CallSlot {
  attemptId: string | null;
  phone: string;
  timeZone: string | null;
  /**
   * placed: the carrier has it, its outcome comes by signal; ended: it ended before any signal could (the carrier
   * refused it, or reconciliation found it over); refused: compliance (DNC, opted out, blocked) since the audience
   * was resolved; deferred: outside the calling window until `deferUntil`; expired: no window left before the end.
   */
  result: 'placed' | 'ended' | 'refused' | 'deferred' | 'expired';
  /** result `ended`: how it ended. */
  ended?: CallEnded;
  deferUntil?: string;
}

export interface PlaceCallsResult {
  calls: PlacedCall[];
  status: DialerStatus;
  /** No new contact could be claimed now; `retryAt`: when one becomes claimable (calling window), null: none left. */
  exhausted: boolean;
  retryAt: string | null;
}

/** A call's end as the callback path reports it to the workflow (also the reconciliation's answer). */
export interface CallEnded {
  attemptId: string;
  seq: number;
  attempt: number;
  outcome: CallOutcome;
  abandoned: boolean;
  /** Answered by a person (bridged or abandoned): the abandonment rate's denominator. */
  humanAnswered: boolean;
  optedOut: boolean;
  permanent: boolean;
}

export type DialerOutcome = 'completed' | 'canceled' | 'expired';

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

  /** Resolve the dialer audience (once), mark the campaign started, answer its settings and phones' 30-day baselines. */
  prepareDialerCampaign(input: DialerRef): Promise<PrepareDialerResult>;
  /** Record decisions, then claim and place calls (paced per phone): attempt rows before the carrier, provider ids after. */
  placeDialerCalls(input: PlaceCallsInput): Promise<PlaceCallsResult>;
  /** Record decisions on their own (nothing left to place). */
  recordDialerDecisions(input: DialerRef & { decisions: DialerDecision[] }): Promise<void>;
  /** Calls past their deadline: read the row, ask the carrier, hang up what is still up; answers those that ended. */
  reconcileDialerCalls(input: DialerRef & { attemptIds: string[] }): Promise<{ ended: CallEnded[]; live: string[] }>;
  /** Hang up calls (a machine answered a call meant for a person). */
  endDialerCalls(input: DialerRef & { attemptIds: string[] }): Promise<void>;
  /** The end of a run: contacts left expire or are canceled, labels attached, the status final. */
  finishDialerCampaign(input: DialerRef & { outcome: DialerOutcome }): Promise<{ status: DialerStatus }>;
}
