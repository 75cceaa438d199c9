import { condition, continueAsNew, log, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { dispatchWebhookDeliveries } = proxyActivities<Activities>(presets.webhookSweep);

export interface WebhookDispatcherInput {
  /** Pause between sweeps when there was nothing (more) to dispatch. */
  intervalMs: number;
  /** Deliveries claimed per sweep. */
  batchSize: number;
  /** Sweeps in flight at once, at most (default 4). */
  sweepsInFlight?: number;
}

/**
 * Rounds (each at most one timer and a few sweeps, about a dozen history events) before the run continues as new,
 * bounding its history to a few hundred events, so a worker that picks the run up after a restart replays it in
 * well under a second and the next sweep is not held up. Runs begun before SHORT_RUNS kept 500 rounds.
 */
const ROUNDS_PER_RUN = 40;
const ROUNDS_PER_RUN_BEFORE = 500;
const SHORT_RUNS = 'webhook-dispatcher-short-runs';
const DEFAULT_SWEEPS_IN_FLIGHT = 4;
/** Runs begun before sweeps overlapped replay the one-at-a-time loop they recorded (see below). */
const OVERLAPPING_SWEEPS = 'webhook-dispatcher-overlapping-sweeps';

/**
 * Sweeps new deliveries (fan-out rows, test events, replays) through `dispatchWebhookDeliveries`, which makes their
 * first attempts in bulk and starts a `webhookDeliveryWorkflow` only for those that need a retry
 * (activities/webhooks.ts). One dispatcher per task queue.
 *
 * Sweeps overlap, up to `sweepsInFlight`, each claiming a disjoint batch (FOR UPDATE SKIP LOCKED), so a sweep held
 * up by a hanging receiver (its 10 s deadline) does not hold up the deliveries after it: idle, one sweep starts per
 * `intervalMs`, whether or not the previous one has finished; with a backlog (a sweep claimed a full batch), new
 * sweeps start at once up to the limit. A sweep that fails is logged and not retried as such: the next one takes
 * what it left undispatched. Continues as new after ROUNDS_PER_RUN rounds, once its sweeps have returned.
 */
export async function webhookDispatcherWorkflow(input: WebhookDispatcherInput): Promise<void> {
  /** One sweep; answers how many deliveries it claimed (0 when it failed). */
  const sweepOnce = async (): Promise<number> => {
    try {
      return await dispatchWebhookDeliveries({ limit: input.batchSize });
    } catch (err) {
      log.warn('webhook sweep failed; the next sweep takes its deliveries', { error: err instanceof Error ? err.message : String(err) });
      return 0;
    }
  };
  if (!patched(OVERLAPPING_SWEEPS)) {
    // A run recorded by the previous version (one sweep at a time), replayed as it ran until it continues as new.
    for (let i = 0; i < ROUNDS_PER_RUN_BEFORE; i++) {
      if ((await sweepOnce()) < input.batchSize) await sleep(input.intervalMs);
    }
    await continueAsNew<typeof webhookDispatcherWorkflow>(input);
  }
  const most = Math.max(1, input.sweepsInFlight ?? DEFAULT_SWEEPS_IN_FLIGHT);
  let inFlight = 0;
  /** A sweep claimed a full batch since the last round: there may be more waiting. */
  let backlog = false;
  const sweep = async () => {
    inFlight++;
    if ((await sweepOnce()) >= input.batchSize) backlog = true;
    inFlight--;
  };
  const rounds = patched(SHORT_RUNS) ? ROUNDS_PER_RUN : ROUNDS_PER_RUN_BEFORE;
  for (let round = 0; round < rounds; round++) {
    if (backlog) {
      backlog = false;
      while (inFlight < most) void sweep();
    } else if (inFlight < most) {
      void sweep();
    }
    await condition(() => backlog, input.intervalMs);
  }
  await condition(() => inFlight === 0);
  await continueAsNew<typeof webhookDispatcherWorkflow>(input);
}
