import {
  ActivityFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, BatchResult } from './shared/activities';
import { presets } from './shared/activity-options';
import { workflowIds } from './shared/ids';
import { SEARCH_ATTRIBUTES } from './shared/search-attributes';

const { runCampaignBatch } = proxyActivities<Activities>(presets.campaignBatch);
const { prepareCampaign, finishCampaign } = proxyActivities<Activities>(presets.audienceSql);
const { failCampaignBatch, createCampaignRun } = proxyActivities<Activities>(presets.dbWrite);

export interface CampaignInput {
  workspaceId: string;
  campaignId: string;
  /** ISO instants: no sends before startAt; at endAt sending stops and the rest expire. */
  startAt?: string | null;
  endAt?: string | null;
  /** Recipients per batch activity, and batch activities in flight at once. */
  batchSize?: number;
  parallelBatches?: number;
  /** Carrier requests in flight within one batch. */
  concurrency?: number;
  /** Carried over continue-as-new. */
  carried?: CampaignProgress;
}

export interface CampaignProgress {
  prepared: boolean;
  batches: number;
  total: number;
  excluded: number;
  sent: number;
  failed: number;
  expired: number;
  paused: boolean;
  canceled: boolean;
}

export const campaignPauseSignal = defineSignal('pause');
export const campaignResumeSignal = defineSignal('resume');
export const campaignCancelSignal = defineSignal('cancel');
/** Move a waiting run's start (null: start now). */
export const campaignRescheduleSignal = defineSignal<[{ startAt: string | null }]>('reschedule');
export const campaignProgressQuery = defineQuery<CampaignProgress & { inFlight: number; status: string }>('progress');

/** Batches one run starts before it continues as new (about 6 history events per batch). */
const BATCHES_PER_RUN = 250;

/**
 * One campaign run (`campaign-<id>`): wait for start_time, resolve the audience, then keep `parallelBatches` batch
 * activities in flight until every recipient is claimed and sent, then finish. Each batch is one activity for up to
 * `batchSize` recipients, never one per recipient, and the run continues as new every BATCHES_PER_RUN batches, so
 * history stays bounded for any audience. Pause/resume/cancel are signals; the API changes the row first (the
 * database is the source of truth, and a batch reports the status it saw), so a lost signal is noticed at the next
 * batch. In-flight batches finish their claimed recipients (at most a few seconds of sends), so a pause takes effect
 * within one batch.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignProgress> {
  const p: CampaignProgress = input.carried ?? { prepared: false, batches: 0, total: 0, excluded: 0, sent: 0, failed: 0, expired: 0, paused: false, canceled: false };
  const batchSize = input.batchSize ?? 1000;
  const parallel = input.parallelBatches ?? 4;
  const concurrency = input.concurrency ?? 32;
  const endAt = input.endAt ? Date.parse(input.endAt) : undefined;
  const inFlight = new Map<number, Promise<void>>();
  let status = p.prepared ? 'running' : 'scheduled';
  setHandler(campaignPauseSignal, () => void (p.paused = true));
  setHandler(campaignResumeSignal, () => void (p.paused = false));
  setHandler(campaignCancelSignal, () => void (p.canceled = true));
  let startAt = input.startAt ? Date.parse(input.startAt) : undefined;
  setHandler(campaignRescheduleSignal, ({ startAt: next }) => void (startAt = next ? Date.parse(next) : undefined));
  setHandler(campaignProgressQuery, () => ({ ...p, inFlight: inFlight.size, status: p.canceled ? 'canceled' : p.paused ? 'paused' : status }));

  const ids = { workspaceId: input.workspaceId, campaignId: input.campaignId };
  const ended = () => endAt !== undefined && Date.now() >= endAt;

  if (!p.prepared) {
    // A durable timer until start_time, moved by `reschedule` and ended by `cancel`.
    for (let target = startAt; !p.canceled && target !== undefined && target > Date.now(); target = startAt) {
      await condition(() => p.canceled || startAt !== target, target - Date.now());
    }
    if (p.canceled) return finish('canceled');
    const prepared = await prepareCampaign(ids);
    Object.assign(p, { prepared: true, total: prepared.total, excluded: prepared.excluded });
    status = prepared.status;
    if (status === 'canceled' || status === 'completed') return p;
    if (status === 'paused') p.paused = true;
  }

  // One durable timer for end_time per run (not one per loop turn).
  const endReached: Promise<void> = endAt !== undefined ? sleep(Math.max(0, endAt - Date.now())) : new Promise(() => undefined);
  let exhausted = false;
  let retryAt: number | undefined;
  let launched = 0;
  const launch = () => {
    const batch = ++p.batches;
    launched++;
    const run = runCampaignBatch({ ...ids, batch, batchSize, concurrency, parallelBatches: parallel })
      .then((r: BatchResult) => {
        p.sent += r.sent;
        p.failed += r.failed;
        p.expired += r.expired;
        if (r.status === 'paused') p.paused = true;
        if (r.status === 'canceled') p.canceled = true;
        if (r.claimed === 0 && r.status === 'running') {
          exhausted = true;
          retryAt = r.pending && r.retryAt ? Date.parse(r.retryAt) : r.pending ? Date.now() + 1000 : undefined;
        }
      })
      .catch(async (err: unknown) => {
        // Retries exhausted: this batch's unsent messages fail with the cause; the campaign goes on.
        const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        p.failed += await failCampaignBatch({ ...ids, batch, message: cause });
      })
      .finally(() => inFlight.delete(batch));
    inFlight.set(batch, run);
  };

  for (;;) {
    if (p.canceled || ended()) break;
    if (p.paused) {
      await Promise.race([condition(() => !p.paused || p.canceled), endReached]);
      continue;
    }
    if (exhausted && inFlight.size === 0) {
      if (retryAt === undefined) break; // everything claimed and sent
      // Nothing claimable yet (recipients in their quiet hours): a durable timer, woken by pause/cancel.
      const until = Math.min(retryAt, endAt ?? Infinity);
      if (until > Date.now()) await condition(() => p.paused || p.canceled, until - Date.now());
      exhausted = false;
      retryAt = undefined;
      continue;
    }
    while (!exhausted && !p.paused && !p.canceled && inFlight.size < parallel && launched < BATCHES_PER_RUN) launch();
    if (inFlight.size === 0) {
      // The run's batch budget is spent: continue as new with the progress so far (history stays bounded).
      if (launched >= BATCHES_PER_RUN) await continueAsNew<typeof campaignWorkflow>({ ...input, carried: p });
      continue;
    }
    // Wake when a batch ends, or at end_time (sending stops then; in-flight batches expire their late slots).
    await Promise.race([...inFlight.values(), endReached]);
  }
  await Promise.all(inFlight.values());
  return finish(p.canceled ? 'canceled' : ended() ? 'expired' : 'completed');

  async function finish(outcome: 'completed' | 'canceled' | 'expired'): Promise<CampaignProgress> {
    const r = await finishCampaign({ ...ids, outcome });
    status = r.status;
    return p;
  }
}

export interface CampaignRecurrenceInput {
  workspaceId: string;
  parentId: string;
  /** sms | mms | whatsapp (the CampaignType search attribute). */
  channel?: string;
  /** Passed on to each run. */
  run: Pick<CampaignInput, 'batchSize' | 'parallelBatches' | 'concurrency'>;
}

/**
 * What a recurring campaign's Temporal Schedule starts on every firing: create this firing's run (idempotent per
 * firing: the schedule gives each firing its own workflow id) and start its campaign workflow, which outlives this
 * one (ABANDON), so a long run never blocks the next firing.
 */
export async function campaignRecurrenceWorkflow(input: CampaignRecurrenceInput): Promise<string | null> {
  const { campaignId } = await createCampaignRun({ workspaceId: input.workspaceId, parentId: input.parentId, runKey: workflowInfo().workflowId });
  if (!campaignId) return null;
  await startChild(campaignWorkflow, {
    workflowId: workflowIds.campaign(campaignId),
    args: [{ workspaceId: input.workspaceId, campaignId, ...input.run }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.workspaceId, value: input.workspaceId },
      { key: SEARCH_ATTRIBUTES.workflowKind, value: 'campaign' },
      ...(input.channel ? [{ key: SEARCH_ATTRIBUTES.campaignType, value: input.channel }] : []),
    ],
  }).catch((err: unknown) => {
    // A retried firing whose run already started: nothing to do.
    if (!(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
  });
  return campaignId;
}
