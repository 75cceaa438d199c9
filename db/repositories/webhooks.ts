import type { Knex } from 'knex';
import { SEAX_TYPE_OF } from '../../domain/seax-events';
import { webhookLogsQuery, WEBHOOK_LOG_ORDER_COLUMNS, type WebhookLogFilter } from './webhook-logs';
import type { DeliveryStatus, WebhookAttemptRow, WebhookDeliveryRow, WebhookDialect, WebhookLogRow, WebhookSubscriptionRow } from '../rows';

/**
 * Deliveries of the events of `eventIds` to every active subscription of their workspace that subscribes to their
 * type: one set-based INSERT … SELECT, idempotent through unique (subscription_id, event_id). Runs inside the
 * transaction that records the events (db/repositories/events.ts), so a delivery exists exactly when its event does.
 * SeaX subscriptions list SeaX's types: an event reaches them under its SeaX type (SEAX_TYPE_OF, joined in as a
 * two-column table), which is also the delivery's event_type, so their logs filter by SeaX names.
 */
export async function fanOutDeliveries(trx: Knex, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  await trx.raw(
    `INSERT INTO webhook_deliveries (workspace_id, subscription_id, event_id, event_type, payload, occurred_at)
     SELECT e.workspace_id, s.id, e.id, t.type, e.data, e.occurred_at
       FROM events e
       LEFT JOIN unnest(?::text[], ?::text[]) AS m(ours, seax) ON m.ours = e.type
       JOIN webhook_subscriptions s ON s.workspace_id = e.workspace_id AND s.active
       CROSS JOIN LATERAL (SELECT CASE s.dialect WHEN 'seax' THEN m.seax ELSE e.type END AS type) t
      WHERE e.id = ANY(?::uuid[]) AND t.type = ANY(s.events)
     ON CONFLICT (subscription_id, event_id) DO NOTHING`,
    [SEAX_OURS, SEAX_THEIRS, eventIds],
  );
}

const SEAX_OURS = Object.keys(SEAX_TYPE_OF);
const SEAX_THEIRS = Object.values(SEAX_TYPE_OF);

/** SeaX subscription fields a list may be ordered by, and their columns. */
export const SEAX_SUBSCRIPTION_ORDER_COLUMNS = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  id: 'id',
  created_by: 'created_by',
  updated_by: 'updated_by',
  is_enabled: 'active',
  type: 'type',
} as const;
export type OrderBy<C extends string> = { column: C; direction: 'asc' | 'desc' }[];

/** A SeaX delivery log (webhook-logs.ts) with what its `delivered_event_obj` needs besides. */
export type SeaxLogRow = WebhookLogRow & { workspace_name: string; duration_ms: number };

/** A delivery with what sending it needs: its subscription's URL, secret, state and dialect, its workspace's name. */
export type SendableDelivery = WebhookDeliveryRow &
  Pick<WebhookSubscriptionRow, 'url' | 'secret_encrypted' | 'active' | 'dialect' | 'created_by' | 'updated_by'> & { workspace_name: string };

/** A delivery claimed by a sweep; `in_backoff`: another delivery of its subscription waits to be retried. */
export type ClaimedDelivery = SendableDelivery & { in_backoff: boolean };

/** One attempt to log, and where it leaves its delivery (succeeded, failed, or pending until next_attempt_at). */
export interface AttemptToWrite {
  /** With `id`: the attempt row recorded before the request (preRecord), completed now; without: inserted now. */
  attempt: Omit<WebhookAttemptRow, 'id' | 'created_at' | 'completed'> & { id?: string };
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/** What a sweep writes for its claimed deliveries before it commits (they are all marked dispatched besides). */
export interface SweepWrites {
  attempts: AttemptToWrite[];
  /** Failed without an attempt (their subscription was disabled meanwhile). */
  abandoned: { id: string; reason: string }[];
  /** Attempts logged before the sweep's requests (preRecord) whose request was not made after all. */
  unsent?: string[];
}

const sendable = (q: Knex) =>
  q('webhook_deliveries as d')
    .join('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .join('workspaces as w', 'w.id', 'd.workspace_id')
    .select('d.*', 's.url', 's.secret_encrypted', 's.active', 's.dialect', 's.created_by', 's.updated_by', 'w.name as workspace_name');

/**
 * Log attempts and move their deliveries on, in the caller's transaction: one INSERT and one UPDATE whatever the
 * number (a sweep's batch, or the one attempt of a delivery workflow). Only a pending delivery moves.
 */
async function writeAttempts(trx: Knex.Transaction, attempts: AttemptToWrite[]): Promise<void> {
  if (!attempts.length) return;
  const fresh = attempts.filter((a) => !a.attempt.id).map((a) => a.attempt);
  if (fresh.length) await trx('webhook_attempts').insert(fresh);
  const recorded = attempts.filter((a) => a.attempt.id).map((a) => a.attempt);
  if (recorded.length) {
    await trx.raw(
      `UPDATE webhook_attempts a
          SET status_code = v.status_code, response_body = v.response_body, duration_ms = v.duration_ms, error = v.error,
              signature = v.signature, completed = true
         FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, status_code int, response_body text, duration_ms int, error text, signature text)
        WHERE a.id = v.id`,
      [JSON.stringify(recorded)],
    );
  }
  await trx.raw(
    `UPDATE webhook_deliveries d
        SET status = v.status, attempts = GREATEST(d.attempts, v.attempt), next_attempt_at = v.next_attempt_at,
            last_status_code = v.status_code, last_error = v.error, signature = v.signature,
            duration_ms = v.duration_ms, updated_at = now()
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, attempt int, next_attempt_at timestamptz,
                                               status_code int, error text, signature text, duration_ms int)
      WHERE d.id = v.id AND d.status = 'pending'`,
    [
      JSON.stringify(
        attempts.map(({ attempt: a, status, nextAttemptAt }) => ({
          id: a.delivery_id,
          status,
          attempt: a.attempt,
          next_attempt_at: nextAttemptAt?.toISOString() ?? null,
          status_code: a.status_code,
          error: a.error,
          signature: a.signature,
          duration_ms: a.duration_ms,
        })),
      ),
    ],
  );
}

/** What an attempt logged before its request says until its outcome replaces it (and keeps saying if the worker died). */
export const INTERRUPTED_ATTEMPT = 'interrupted: the worker stopped during this attempt, which may have reached the receiver';

/**
 * Log attempts before their requests go out (autocommit, outside any sweep transaction), numbered after every
 * attempt the delivery already has, interrupted ones included. Answers each delivery's attempt row id and number.
 */
async function preRecord(q: Knex, deliveries: { id: string; attempts: number }[]): Promise<Map<string, { id: string; attempt: number }>> {
  if (!deliveries.length) return new Map();
  const { rows } = await q.raw<{ rows: { id: string; delivery_id: string; attempt: number }[] }>(
    `INSERT INTO webhook_attempts (delivery_id, attempt, duration_ms, error, completed)
     SELECT v.id, GREATEST(v.attempts, COALESCE((SELECT max(a.attempt) FROM webhook_attempts a WHERE a.delivery_id = v.id), 0)) + 1, 0, ?, false
       FROM unnest(?::uuid[], ?::int[]) AS v(id, attempts)
     RETURNING id, delivery_id, attempt`,
    [INTERRUPTED_ATTEMPT, deliveries.map((d) => d.id), deliveries.map((d) => d.attempts)],
  );
  return new Map(rows.map((r) => [r.delivery_id, { id: String(r.id), attempt: r.attempt }]));
}

/** Pending → failed without an attempt. */
const abandon = (q: Knex, deliveryId: string, reason: string) =>
  q('webhook_deliveries').where({ id: deliveryId, status: 'pending' }).update({ status: 'failed', last_error: reason, next_attempt_at: null, updated_at: q.fn.now() });

/** Webhook subscriptions, their deliveries and attempts. Every read and write is scoped by workspace. */
export function webhooksRepo(db: Knex) {
  return {
    listSubscriptions: async (workspaceId: string, dialect: WebhookDialect, p: { limit: number; offset: number }) => {
      const base = db('webhook_subscriptions').where({ workspace_id: workspaceId, dialect });
      const [{ count }] = await base.clone().count<{ count: string }[]>('* as count');
      const rows: WebhookSubscriptionRow[] = await base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(p.limit).offset(p.offset);
      return { rows, total: Number(count) };
    },
    /** Every SeaX subscription of a workspace (SeaX lists are not paged), optionally of one `type`; ties break by id. */
    listSeaxSubscriptions: (workspaceId: string, p: { type?: string; order: OrderBy<keyof typeof SEAX_SUBSCRIPTION_ORDER_COLUMNS> }): Promise<WebhookSubscriptionRow[]> =>
      db('webhook_subscriptions')
        .where({ workspace_id: workspaceId, dialect: 'seax' })
        .modify((q) => {
          if (p.type) q.andWhere({ type: p.type });
          for (const o of p.order) q.orderBy(SEAX_SUBSCRIPTION_ORDER_COLUMNS[o.column], o.direction, 'last');
        })
        .orderBy('id', p.order[0]?.direction ?? 'desc'),
    getSubscription: (workspaceId: string, id: string): Promise<WebhookSubscriptionRow | undefined> =>
      db('webhook_subscriptions').where({ workspace_id: workspaceId, id }).first(),
    /** The (sealed) secret of the newest subscription of this dialect with this URL, to sign a test send to it. */
    secretForUrl: async (
      workspaceId: string,
      dialect: WebhookDialect,
      url: string,
    ): Promise<Pick<WebhookSubscriptionRow, 'id' | 'secret_encrypted' | 'created_by' | 'updated_by'> | undefined> =>
      db('webhook_subscriptions').where({ workspace_id: workspaceId, dialect, url }).orderBy('created_at', 'desc').first('id', 'secret_encrypted', 'created_by', 'updated_by'),
    /** `id` is minted by the caller: the sealed secret is bound to it. */
    insertSubscription: async (
      row: Pick<WebhookSubscriptionRow, 'id' | 'workspace_id' | 'dialect' | 'url' | 'events' | 'secret_encrypted' | 'active'> &
        Partial<Pick<WebhookSubscriptionRow, 'type' | 'created_by' | 'updated_by'>>,
    ): Promise<WebhookSubscriptionRow> => (await db('webhook_subscriptions').insert(row).returning('*'))[0],
    updateSubscription: async (workspaceId: string, id: string, patch: Partial<Pick<WebhookSubscriptionRow, 'url' | 'events' | 'active' | 'type' | 'updated_by'>>): Promise<WebhookSubscriptionRow | undefined> =>
      (await db('webhook_subscriptions').where({ workspace_id: workspaceId, id }).update({ ...patch, updated_at: db.fn.now() }).returning('*'))[0],
    deleteSubscription: async (workspaceId: string, id: string): Promise<boolean> =>
      (await db('webhook_subscriptions').where({ workspace_id: workspaceId, id }).delete()) > 0,

    /** A delivery outside any event (webhook.test): picked up by the dispatcher like any other. */
    insertDelivery: async (row: Pick<WebhookDeliveryRow, 'workspace_id' | 'subscription_id' | 'event_id' | 'event_type' | 'payload'>): Promise<WebhookDeliveryRow> =>
      (await db('webhook_deliveries').insert({ ...row, payload: JSON.stringify(row.payload) }).returning('*'))[0],

    listDeliveries: async (workspaceId: string, subscriptionId: string, p: { limit: number; offset: number; status?: DeliveryStatus }) => {
      const base = db('webhook_deliveries')
        .where({ workspace_id: workspaceId, subscription_id: subscriptionId })
        .modify((q) => {
          if (p.status) q.andWhere({ status: p.status });
        });
      const [{ count }] = await base.clone().count<{ count: string }[]>('* as count');
      const rows: WebhookDeliveryRow[] = await base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(p.limit).offset(p.offset);
      const attempts: WebhookAttemptRow[] = rows.length ? await db('webhook_attempts').whereIn('delivery_id', rows.map((r) => r.id)).orderBy(['delivery_id', 'attempt', 'id']) : [];
      return { rows, attempts, total: Number(count) };
    },

    /** SeaX delivery logs, one per attempt, filtered, ordered (ties by attempt id), and paged when `limit` is set. */
    seaxLogs: async (workspaceId: string, f: WebhookLogFilter, p: { order: OrderBy<keyof typeof WEBHOOK_LOG_ORDER_COLUMNS>; limit?: number; offset: number }) => {
      const base = webhookLogsQuery(db, workspaceId, f);
      const [{ count }] = await base.clone().clearSelect().count<{ count: string }[]>('* as count');
      const rows: SeaxLogRow[] = await base
        .clone()
        .join('workspaces as w', 'w.id', 'd.workspace_id')
        .select('w.name as workspace_name', 'a.duration_ms')
        .modify((q) => {
          for (const o of p.order) q.orderBy(WEBHOOK_LOG_ORDER_COLUMNS[o.column], o.direction, 'last');
          q.orderBy('a.id', p.order[0]?.direction ?? 'desc');
          if (p.limit !== undefined) q.limit(p.limit);
        })
        .offset(p.offset);
      return { rows, total: Number(count) };
    },

    /** Compare-and-set failed → pending and back to the dispatcher (same delivery id); undefined when it was not failed. */
    requeueFailed: async (workspaceId: string, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> =>
      (
        await db('webhook_deliveries')
          .where({ workspace_id: workspaceId, subscription_id: subscriptionId, id: deliveryId, status: 'failed' })
          .update({ status: 'pending', dispatched_at: null, next_attempt_at: null, updated_at: db.fn.now() })
          .returning('*')
      )[0],
    getDelivery: (workspaceId: string, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> =>
      db('webhook_deliveries').where({ workspace_id: workspaceId, subscription_id: subscriptionId, id: deliveryId }).first(),

    /**
     * The dispatcher's sweep (activities/webhooks.ts dispatchWebhookDeliveries), in one transaction: claim up to
     * `limit` undispatched deliveries (new fan-out rows, test events, replays), oldest first, FOR UPDATE SKIP LOCKED
     * (sweeps in flight at once never take the same rows), with what sending needs and whether their subscription
     * already has a delivery in back-off; hand them to `work` (which makes the first attempts and starts the
     * workflows of the deliveries that need one); write what it answers; mark every claimed delivery dispatched;
     * commit. Anything that fails before the commit (a dead worker included) rolls the whole sweep back: the
     * deliveries stay undispatched and a later sweep takes them again. Answers how many deliveries were claimed.
     */
    sweepUndispatched: (limit: number, work: (rows: ClaimedDelivery[]) => Promise<SweepWrites>): Promise<number> =>
      db.transaction(async (trx) => {
        // NO KEY UPDATE: the sweep's attempts are logged from another connection before they go out (preRecord), and
        // their foreign key's KEY SHARE lock must not wait for this transaction.
        const rows: SendableDelivery[] = await sendable(trx).whereNull('d.dispatched_at').orderBy('d.created_at').limit(limit).forNoKeyUpdate('d').skipLocked();
        if (!rows.length) return 0;
        // Once per subscription of the batch. In back-off = a workflow waits to retry it: pending, attempted and
        // dispatched (a replayed delivery is pending and attempted too, but undispatched until swept).
        const backingOff = new Set(
          (
            await trx.raw<{ rows: { id: string }[] }>(
              `SELECT s.id FROM unnest(?::uuid[]) AS s(id)
                WHERE EXISTS (SELECT 1 FROM webhook_deliveries b
                               WHERE b.subscription_id = s.id AND b.status = 'pending' AND b.attempts > 0 AND b.dispatched_at IS NOT NULL)`,
              [[...new Set(rows.map((r) => r.subscription_id))]],
            )
          ).rows.map((r) => r.id),
        );
        const { attempts, abandoned, unsent = [] } = await work(rows.map((r) => ({ ...r, in_backoff: backingOff.has(r.subscription_id) })));
        await writeAttempts(trx, attempts);
        if (unsent.length) await trx('webhook_attempts').whereIn('id', unsent).andWhere({ completed: false }).delete();
        for (const { id, reason } of abandoned) await abandon(trx, id, reason);
        await trx('webhook_deliveries').whereIn('id', rows.map((r) => r.id)).update({ dispatched_at: trx.fn.now() });
        return rows.length;
      }),

    /** Log attempts of claimed deliveries before their requests go out (see preRecord). */
    preRecord: (deliveries: { id: string; attempts: number }[]) => preRecord(db, deliveries),

    /** The delivery with what sending needs from its subscription; undefined when either is gone. */
    forSending: (deliveryId: string): Promise<SendableDelivery | undefined> => sendable(db).where('d.id', deliveryId).first(),

    /**
     * Claim the next attempt number of a pending delivery; undefined when it is no longer pending. Also marks it
     * dispatched, should it not be yet (a sweep that started its workflow and then rolled back): from now on its
     * workflow owns it, and no sweep attempts it besides.
     */
    beginAttempt: (deliveryId: string): Promise<{ id: string; attempt: number } | undefined> =>
      db.transaction(async (trx) => {
        const [row] = await trx('webhook_deliveries')
          .where({ id: deliveryId, status: 'pending' })
          .update({ dispatched_at: db.raw('COALESCE(dispatched_at, now())') })
          .returning('attempts');
        if (!row) return undefined;
        // Logged before the request, in the claim's transaction: a worker that dies mid-request leaves it interrupted.
        const recorded = (await preRecord(trx, [{ id: deliveryId, attempts: row.attempts }])).get(deliveryId)!;
        await trx('webhook_deliveries').where({ id: deliveryId }).update({ attempts: recorded.attempt });
        return recorded;
      }),

    /** Log one attempt and move the delivery on (succeeded, failed, or pending until next_attempt_at), in one transaction. */
    recordAttempt: (attempt: AttemptToWrite['attempt'], outcome: Omit<AttemptToWrite, 'attempt'>) =>
      db.transaction((trx) => writeAttempts(trx, [{ attempt, ...outcome }])),

    /** Pending → failed without an attempt (the subscription was disabled or deleted meanwhile). */
    abandon: (deliveryId: string, reason: string) => abandon(db, deliveryId, reason),

    /**
     * Bulk replay: every delivery of a subscription in `status` created in [from, to] back to pending and
     * undispatched, in one compare-and-set UPDATE (same delivery ids; the dispatcher starts them). A delivery that
     * changed status meanwhile is not matched, so replaying twice cannot run one delivery twice. Answers the count.
     */
    requeueRange: (workspaceId: string, subscriptionId: string, r: { from: Date; to: Date; status: Exclude<DeliveryStatus, 'pending'> }): Promise<number> =>
      db('webhook_deliveries')
        .where({ workspace_id: workspaceId, subscription_id: subscriptionId, status: r.status })
        .andWhere('created_at', '>=', r.from)
        .andWhere('created_at', '<=', r.to)
        .update({ status: 'pending', dispatched_at: null, next_attempt_at: null, updated_at: db.fn.now() }),
  };
}
