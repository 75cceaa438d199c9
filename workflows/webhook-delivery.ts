import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { presets } from './shared/activity-options';

const { attemptWebhookDelivery } = proxyActivities<Activities>(presets.webhookDelivery);

export interface WebhookDeliveryInput {
  deliveryId: string;
  workspaceId: string;
  /** Waits before each retry (ms); the delivery fails after `maxAttempts` failed attempts. */
  retryScheduleMs: number[];
  maxAttempts: number;
}

export interface WebhookDeliveryResult {
  status: 'succeeded' | 'failed' | 'skipped';
  attempts: number;
}

/** What one attempt answers: the outcome recorded on the delivery row. */
export interface AttemptResult {
  /** skipped: the delivery is no longer pending (already done, or its subscription is gone). */
  outcome: 'succeeded' | 'retry' | 'failed' | 'skipped';
  attempt: number;
}

/**
 * One webhook delivery: attempt, and after a failed attempt wait durably per the retry schedule (each wait is a
 * timer visible in the Temporal UI) before the next one. Each attempt is logged by the activity. The delivery id
 * (and workflow id) is stable across retries and replays; a run started for a delivery that is not pending does
 * nothing, so starting it twice is harmless.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  for (let n = 0; ; n++) {
    // Attempts are counted on the row (a replay continues the count); the schedule is indexed by this run's retries.
    const delayMs = input.retryScheduleMs.length ? input.retryScheduleMs[Math.min(n, input.retryScheduleMs.length - 1)] : 0;
    const r = await attemptWebhookDelivery({ deliveryId: input.deliveryId, isLast: n + 1 >= input.maxAttempts, nextDelayMs: delayMs });
    if (r.outcome === 'succeeded' || r.outcome === 'failed' || r.outcome === 'skipped') return { status: r.outcome, attempts: r.attempt };
    await sleep(delayMs);
  }
}
