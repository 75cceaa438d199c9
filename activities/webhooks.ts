import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { webhooksRepo } from '../db/repositories/webhooks';
import { seaxEnvelope, seaxEventBody } from '../domain/seax-events';
import { signedHeaders, WEBHOOK_TEST_EVENT, zagelyEnvelope } from '../domain/webhooks';
import type { Logger } from '../lib/logger';
import { outboundUrlErrorOf, type GuardedFetch } from '../lib/outbound-url';
import type { AttemptResult } from '../workflows/webhook-delivery';
import { webhookDeliveryWorkflow } from '../workflows/webhook-delivery';
import { workflowIds } from '../workflows/shared/ids';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/search-attributes';

/** Response bodies are logged up to this many bytes. */
export const RESPONSE_BODY_LIMIT = 2048;

export interface WebhookDeps {
  db: Knex;
  logger: Logger;
  clock?: () => Date;
  webhooks?: {
    /** Starts delivery workflows (the dispatcher). */
    temporal: Client;
    taskQueue: string;
    retryScheduleMs: number[];
    maxAttempts: number;
    /** Per-request deadline (Zagely: 10 s). */
    timeoutMs: number;
    /** fetch with the connect-time SSRF guard (lib/outbound-url.ts). */
    fetch: GuardedFetch;
  };
}

/** Read at most `limit` bytes of a response body, then stop reading. */
async function readLimited(res: Response | Awaited<ReturnType<GuardedFetch>>, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export interface PostOutcome {
  statusCode: number | null;
  /** The first RESPONSE_BODY_LIMIT bytes of the response body. */
  responseBody: string | null;
  /** null for a 2xx; else `HTTP <status>`, `timeout after … ms`, `refused: …` or the connection error. */
  error: string | null;
  durationMs: number;
}

/**
 * One webhook POST. Any 2xx succeeds; anything else (3xx included: redirects are not followed), a timeout or a
 * refused/failed connection is an error. Also used by the SeaX test endpoint, which sends synchronously.
 */
export async function postWebhook(fetch: GuardedFetch, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
  const started = Date.now();
  let statusCode: number | null = null;
  let responseBody: string | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    statusCode = res.status;
    responseBody = await readLimited(res, RESPONSE_BODY_LIMIT).catch(() => null);
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    const refused = outboundUrlErrorOf(err);
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    error = refused
      ? `refused: ${refused.reason}`
      : e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `timeout after ${timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
  }
  return { statusCode, responseBody, error, durationMs: Date.now() - started };
}

/** Activities that dispatch and send webhook deliveries. */
export function createWebhookActivities(deps: WebhookDeps) {
  const { db, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const repo = webhooksRepo(db);
  const cfg = () => {
    if (!deps.webhooks) throw new Error('webhook delivery is not configured on this worker');
    return deps.webhooks;
  };

  return {
    /** Start delivery workflows for up to `limit` undispatched deliveries; answers how many were started. */
    async dispatchWebhookDeliveries({ limit }: { limit: number }): Promise<number> {
      const c = cfg();
      return repo.dispatchPending(limit, async (rows) => {
        const started = await Promise.all(
          rows.map(async (row) => {
            try {
              await c.temporal.workflow.start(webhookDeliveryWorkflow, {
                taskQueue: c.taskQueue,
                workflowId: workflowIds.webhookDelivery(row.id),
                // A replay runs the same id again once the previous run has closed.
                workflowIdReusePolicy: 'ALLOW_DUPLICATE',
                args: [{ deliveryId: row.id, workspaceId: row.workspace_id, retryScheduleMs: c.retryScheduleMs, maxAttempts: c.maxAttempts }],
                typedSearchAttributes: [
                  { key: SEARCH_ATTRIBUTES.workspaceId, value: row.workspace_id },
                  { key: SEARCH_ATTRIBUTES.workflowKind, value: 'webhook-delivery' },
                ],
              });
              return row.id;
            } catch (err) {
              // The previous run of this delivery is still closing (a replay raced its end): leave the row
              // undispatched, so the next sweep starts it once that run has closed.
              if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
              return undefined;
            }
          }),
        );
        return started.filter((id): id is string => id !== undefined);
      });
    },

    /**
     * One signed POST of a delivery (the SeaX envelope for SeaX subscriptions, Zagely's otherwise), logged as an
     * attempt row with status code, truncated response body, duration and error. A failed attempt (see postWebhook)
     * answers `retry`, or `failed` when `isLast`.
     */
    async attemptWebhookDelivery(input: { deliveryId: string; isLast: boolean; nextDelayMs: number }): Promise<AttemptResult> {
      const c = cfg();
      const d = await repo.forSending(input.deliveryId);
      if (!d || d.status !== 'pending') return { outcome: 'skipped', attempt: d?.attempts ?? 0 };
      // An inactive webhook receives nothing but explicit test events.
      if (!d.active && d.event_type !== WEBHOOK_TEST_EVENT) {
        await repo.abandon(d.id, 'subscription_disabled');
        return { outcome: 'skipped', attempt: d.attempts };
      }
      const attempt = await repo.beginAttempt(d.id);
      if (attempt === undefined) return { outcome: 'skipped', attempt: d.attempts };

      const occurredAt = new Date(d.occurred_at);
      const body = JSON.stringify(
        d.dialect === 'seax'
          ? seaxEnvelope({
              id: d.id,
              eventType: d.event_type,
              occurredAt,
              workspace: { id: d.workspace_id, name: d.workspace_name },
              ...seaxEventBody(d.event_type, d.payload),
              createdBy: d.created_by,
              updatedBy: d.updated_by,
            })
          : zagelyEnvelope({ eventType: d.event_type, workspaceId: d.workspace_id, deliveryId: d.id, occurredAt, data: d.payload }),
      );
      const timestamp = Math.floor(now().getTime() / 1000);
      const headers = signedHeaders({ secret: d.secret, deliveryId: d.id, eventType: d.event_type, timestamp, body });
      const { statusCode, responseBody, error, durationMs } = await postWebhook(c.fetch, d.url, headers, body, c.timeoutMs);
      const ok = error === null;
      const outcome: AttemptResult['outcome'] = ok ? 'succeeded' : input.isLast ? 'failed' : 'retry';
      await repo.recordAttempt(
        { delivery_id: d.id, attempt, status_code: statusCode, response_body: responseBody, duration_ms: durationMs, error, signature: headers['x-zagely-signature'] },
        { status: outcome === 'retry' ? 'pending' : outcome, nextAttemptAt: outcome === 'retry' ? new Date(now().getTime() + input.nextDelayMs) : null },
      );
      if (!ok) logger.debug({ deliveryId: d.id, attempt, statusCode, error }, 'webhook attempt failed');
      return { outcome, attempt };
    },
  };
}
