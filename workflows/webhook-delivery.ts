import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { attemptWebhookDelivery } = proxyActivities<Activities>(presets.webhookDelivery);

export interface WebhookDeliveryInput {
  deliveryId: string;
  workspaceId: string;
  /** Waits before each retry (ms); the delivery fails after `maxAttempts` failed attempts. */
  retryScheduleMs: number[];
  maxAttempts: number;
  /**
   * Attempts of this round already made before the workflow started: 1 when the dispatcher's sweep made the first
   * attempt and it failed (the run then waits retryScheduleMs[0] and goes on with the second); absent (0) when the
   * sweep handed the delivery over unattempted (its subscription has a delivery in back-off).
   */
  attemptsMade?: number;
}

export interface WebhookDeliveryResult {
  status: 'succeeded' | 'failed' | 'skipped';
  attempts: number;
}

/**
 * The retries of one webhook delivery. The dispatcher's sweep makes every delivery's first attempt itself, in bulk
 * (activities/webhooks.ts dispatchWebhookDeliveries), and starts this workflow only for a delivery that needs
 * more: after its failed first attempt (`attemptsMade` 1), or unattempted when its subscription already has a
 * delivery in back-off (so a dead endpoint does not hold up the sweep). It waits durably per the retry schedule
 * (each wait is a timer visible in the Temporal UI) before each further attempt; each attempt is logged by the
 * activity. The delivery id (and workflow id) is stable across retries and replays; a run started for a delivery
 * that is not pending does nothing, so starting it twice is harmless.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  // Attempts are counted on the row (a replay continues the count); the schedule is indexed by this round's attempts.
  const waitAfter = (n: number) => (input.retryScheduleMs.length ? input.retryScheduleMs[Math.min(n, input.retryScheduleMs.length - 1)] : 0);
  let n = input.attemptsMade ?? 0;
  if (n > 0) await sleep(waitAfter(n - 1));
  for (; ; n++) {
    const delayMs = waitAfter(n);
    const r = await attemptWebhookDelivery({ deliveryId: input.deliveryId, isLast: n + 1 >= input.maxAttempts, nextDelayMs: delayMs });
    if (r.outcome === 'succeeded' || r.outcome === 'failed' || r.outcome === 'skipped') return { status: r.outcome, attempts: r.attempt };
    await sleep(delayMs);
  }
}
