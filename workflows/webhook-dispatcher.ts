import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { presets } from './shared/activity-options';

const { dispatchWebhookDeliveries } = proxyActivities<Activities>(presets.dbWrite);

export interface WebhookDispatcherInput {
  /** Pause between sweeps when there was nothing (more) to dispatch. */
  intervalMs: number;
  /** Deliveries started per sweep. */
  batchSize: number;
}

const SWEEPS_PER_RUN = 500;

/**
 * Starts a `webhookDeliveryWorkflow` for every delivery that has none yet (new fan-out rows, test events, replays):
 * sweeps through an activity, sleeps when idle, continues-as-new before history grows. One per task queue.
 */
export async function webhookDispatcherWorkflow(input: WebhookDispatcherInput): Promise<void> {
  for (let i = 0; i < SWEEPS_PER_RUN; i++) {
    const started = await dispatchWebhookDeliveries({ limit: input.batchSize });
    if (started < input.batchSize) await sleep(input.intervalMs);
  }
  await continueAsNew<typeof webhookDispatcherWorkflow>(input);
}
