/**
 * Webhook delivery. New deliveries (fan-out rows, test events, replays) are swept by the dispatcher workflow
 * (workflows/webhook-dispatcher.ts), whose activity `dispatchWebhookDeliveries` makes each FIRST attempt itself, in
 * bulk: it claims a batch in one transaction, POSTs with bounded concurrency, records every attempt and starts a
 * `webhookDeliveryWorkflow` only for the deliveries that need a retry (workflows/webhook-delivery.ts), which then
 * waits out the back-off durably and makes the later attempts through `attemptWebhookDelivery`. Both paths send
 * through the same code (`sendAttempt`): dialect envelope, signed headers, the 10 s deadline, body truncation.
 */
import type { Knex } from 'knex';
import { webhooksRepo, type AttemptToWrite, type ClaimedDelivery, type SendableDelivery, type SweepWrites } from '../db/repositories/webhooks';
import { seaxEnvelope, seaxEventBody } from '../domain/seax-events';
import { signedHeaders, WEBHOOK_TEST_EVENT, zagelyEnvelope } from '../domain/webhooks';
import type { Logger } from '../lib/logger';
import { openWebhookSecret } from '../lib/sealed-secrets';
import type { GuardedFetch } from '../lib/outbound-url';
import { postWebhook } from '../lib/webhook-post';
import type { Activities, AttemptResult } from '../workflows/shared/activities';
import { startHeartbeat } from './messaging';

/** First attempts one sweep has in flight at once. */
export const SWEEP_CONCURRENCY = 32;
/** Delivery workflows one sweep starts at once (Temporal round trips). */
const START_CONCURRENCY = 16;

/**
 * Starts the retry workflow of a delivery (`webhook-delivery-<id>`): from its first attempt (`attemptsMade` 0), or,
 * after the sweep's failed first attempt (1), from the wait before the second. A run of the same id that is still
 * open is replaced (see temporal/starters.ts). Injected by the worker: activities never start workflows themselves.
 */
export type StartWebhookRetry = (delivery: { deliveryId: string; workspaceId: string; attemptsMade: 0 | 1 }) => Promise<void>;

export interface WebhookDeps {
  db: Knex;
  logger: Logger;
  clock?: () => Date;
  webhooks?: {
    /** Starts delivery workflows (the dispatcher's sweep). */
    startRetry: StartWebhookRetry;
    retryScheduleMs: number[];
    maxAttempts: number;
    /** Per-request deadline (Zagely: 10 s). */
    timeoutMs: number;
    /** fetch with the connect-time SSRF guard (lib/outbound-url.ts). */
    fetch: GuardedFetch;
    /** CREDENTIALS_ENCRYPTION_KEY as a list: opens the subscriptions' sealed signing secrets. */
    credentialsKeys: string[];
  };
}

/** Run `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** What to do with a delivery about to be attempted: send it, or not (no longer pending), or fail it unsent. */
function verdictOf(d: SendableDelivery): 'send' | 'skip' | 'abandon' {
  if (d.status !== 'pending') return 'skip';
  // An inactive webhook receives nothing but explicit test events.
  if (!d.active && d.event_type !== WEBHOOK_TEST_EVENT) return 'abandon';
  return 'send';
}
const ABANDONED_DISABLED = 'subscription_disabled';

/** Activities that dispatch and send webhook deliveries. */
export function createWebhookActivities(deps: WebhookDeps): Pick<Activities, 'dispatchWebhookDeliveries' | 'attemptWebhookDelivery'> {
  const { db, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const repo = webhooksRepo(db);
  const cfg = () => {
    if (!deps.webhooks) throw new Error('webhook delivery is not configured on this worker');
    return deps.webhooks;
  };

  /**
   * One signed POST of a delivery (the SeaX envelope for SeaX subscriptions, Zagely's otherwise) as attempt number
   * `attempt`: answers the attempt row to log (status code, truncated response body, duration, error) and where it
   * leaves the delivery. A failed attempt (see postWebhook) leaves it pending until `nextDelayMs` from now, or
   * failed when `isLast`. Writes nothing: the callers record it (one by one, or a sweep's batch at once).
   */
  async function sendAttempt(d: SendableDelivery, attempt: number, step: { isLast: boolean; nextDelayMs: number }): Promise<AttemptToWrite & { outcome: AttemptResult['outcome'] }> {
    const c = cfg();
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
    const headers = signedHeaders({ secret: openWebhookSecret(d.subscription_id, d.secret_encrypted, c.credentialsKeys), deliveryId: d.id, eventType: d.event_type, timestamp, body });
    const { statusCode, responseBody, error, durationMs } = await postWebhook(c.fetch, d.url, headers, body, c.timeoutMs);
    const outcome: 'succeeded' | 'retry' | 'failed' = error === null ? 'succeeded' : step.isLast ? 'failed' : 'retry';
    if (error !== null) logger.debug({ deliveryId: d.id, attempt, statusCode, error }, 'webhook attempt failed');
    return {
      outcome,
      attempt: { delivery_id: d.id, attempt, status_code: statusCode, response_body: responseBody, duration_ms: durationMs, error, signature: headers['x-zagely-signature'] },
      status: outcome === 'retry' ? 'pending' : outcome,
      nextAttemptAt: outcome === 'retry' ? new Date(now().getTime() + step.nextDelayMs) : null,
    };
  }

  return {
    /**
     * The dispatcher's sweep: up to `limit` undispatched deliveries, claimed in one transaction (see
     * webhooksRepo.sweepUndispatched), each given its FIRST attempt here, `SWEEP_CONCURRENCY` at a time, then
     * recorded in bulk and marked dispatched. A delivery whose first attempt failed, with attempts left, gets its
     * `webhookDeliveryWorkflow` for the retries, started before the commit. Isolation: a delivery whose subscription
     * already has one in back-off (or failed earlier in this sweep) is not attempted here but handed to its own
     * workflow, first attempt included, so a dead endpoint costs a sweep its timeout once, not once per delivery.
     *
     * At least once: should the worker die (or anything fail) before the commit, the transaction rolls back and a
     * later sweep sends the same deliveries again; a receiver may then see a delivery id twice, and dedupes on it.
     * Answers how many deliveries were claimed (a full batch means there may be more).
     */
    async dispatchWebhookDeliveries({ limit }: { limit: number }): Promise<number> {
      const c = cfg();
      let stopHeartbeat: () => void = () => undefined;
      try {
        return await repo.sweepUndispatched(limit, async (rows: ClaimedDelivery[]): Promise<SweepWrites> => {
          // Only a sweep that found work heartbeats (an idle one is over in milliseconds).
          stopHeartbeat = startHeartbeat();
          const writes: SweepWrites = { attempts: [], abandoned: [], unsent: [] };
          const backingOff = new Set(rows.filter((d) => d.in_backoff).map((d) => d.subscription_id));
          const toStart: [ClaimedDelivery, 0 | 1][] = [];
          const toSend = rows.filter((d) => verdictOf(d) === 'send' && !backingOff.has(d.subscription_id));
          // The log never counts fewer requests than the receiver saw: each attempt is logged (committed) before it
          // goes out, and completed with its outcome when the sweep commits. A worker that dies in between leaves it
          // `interrupted`; the next sweep sends the delivery again as the next attempt.
          const recorded = await repo.preRecord(toSend.map((d) => ({ id: d.id, attempts: d.attempts })));
          await forEachLimited(rows, SWEEP_CONCURRENCY, async (d) => {
            const verdict = verdictOf(d);
            if (verdict === 'abandon') writes.abandoned.push({ id: d.id, reason: ABANDONED_DISABLED });
            if (verdict !== 'send') return;
            const logged = recorded.get(d.id);
            if (backingOff.has(d.subscription_id) || !logged) {
              if (logged) writes.unsent!.push(logged.id);
              return void toStart.push([d, 0]);
            }
            let r: Awaited<ReturnType<typeof sendAttempt>>;
            try {
              // The row is locked by this sweep: its attempt count cannot move meanwhile.
              r = await sendAttempt(d, logged.attempt, { isLast: c.maxAttempts <= 1, nextDelayMs: c.retryScheduleMs[0] ?? 0 });
            } catch (err) {
              // Not an HTTP failure (those are results) but a delivery we cannot even build: its own workflow deals
              // with it (retried, then failed, as before), rather than every sweep that claims it failing whole.
              logger.warn({ err, deliveryId: d.id }, 'webhook first attempt raised; handing the delivery to its workflow');
              writes.unsent!.push(logged.id);
              return void toStart.push([d, 0]);
            }
            writes.attempts.push({ ...r, attempt: { ...r.attempt, id: logged.id } });
            if (r.outcome === 'retry') {
              toStart.push([d, 1]);
              backingOff.add(d.subscription_id);
            }
          });
          // Started while the sweep still holds the rows, before it commits: a crash never leaves a pending delivery
          // without its workflow.
          await forEachLimited(toStart, START_CONCURRENCY, ([d, attemptsMade]) => c.startRetry({ deliveryId: d.id, workspaceId: d.workspace_id, attemptsMade }));
          return writes;
        });
      } finally {
        stopHeartbeat();
      }
    },

    /**
     * One later attempt of a delivery, for its workflow (the first too, when the sweep handed it over): claims the
     * next attempt number, sends (sendAttempt) and records it. Answers `retry`, `failed` after a failed attempt
     * when `isLast`, or `skipped` when the delivery is no longer pending.
     */
    async attemptWebhookDelivery(input: { deliveryId: string; isLast: boolean; nextDelayMs: number }): Promise<AttemptResult> {
      const d = await repo.forSending(input.deliveryId);
      if (!d) return { outcome: 'skipped', attempt: 0 };
      const verdict = verdictOf(d);
      if (verdict === 'abandon') await repo.abandon(d.id, ABANDONED_DISABLED);
      if (verdict !== 'send') return { outcome: 'skipped', attempt: d.attempts };
      // Logged before the request (see dispatchWebhookDeliveries); a retried activity logs its own next attempt.
      const logged = await repo.beginAttempt(d.id);
      if (logged === undefined) return { outcome: 'skipped', attempt: d.attempts };
      const { outcome, attempt: row, status, nextAttemptAt } = await sendAttempt(d, logged.attempt, input);
      await repo.recordAttempt({ ...row, id: logged.id }, { status, nextAttemptAt });
      return { outcome, attempt: logged.attempt };
    },
  };
}
