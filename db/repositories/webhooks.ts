import type { Knex } from 'knex';

export type WebhookDialect = 'zagely' | 'seax';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookSubscriptionRow {
  id: string;
  workspace_id: string;
  dialect: WebhookDialect;
  url: string;
  events: string[];
  secret: string;
  active: boolean;
  type: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  id: string;
  workspace_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  signature: string | null;
  duration_ms: number | null;
  dispatched_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttemptRow {
  id: string;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  response_body: string | null;
  duration_ms: number;
  error: string | null;
  signature: string | null;
  created_at: Date;
}

/**
 * Deliveries of the events of `eventIds` to every active subscription of their workspace that subscribes to their
 * type: one set-based INSERT … SELECT, idempotent through unique (subscription_id, event_id). Runs inside the
 * transaction that records the events (db/repositories/events.ts), so a delivery exists exactly when its event does.
 */
export async function fanOutDeliveries(trx: Knex, eventIds: string[]): Promise<void> {
  if (!eventIds.length) return;
  await trx.raw(
    `INSERT INTO webhook_deliveries (workspace_id, subscription_id, event_id, event_type, payload, occurred_at)
     SELECT e.workspace_id, s.id, e.id, e.type, e.data, e.occurred_at
       FROM events e
       JOIN webhook_subscriptions s ON s.workspace_id = e.workspace_id AND s.active AND e.type = ANY(s.events)
      WHERE e.id = ANY(?::uuid[])
     ON CONFLICT (subscription_id, event_id) DO NOTHING`,
    [eventIds],
  );
}

/** Webhook subscriptions, their deliveries and attempts. Every read and write is scoped by workspace. */
export function webhooksRepo(db: Knex) {
  return {
    listSubscriptions: async (workspaceId: string, dialect: WebhookDialect, p: { limit: number; offset: number }) => {
      const base = db('webhook_subscriptions').where({ workspace_id: workspaceId, dialect });
      const [{ count }] = await base.clone().count<{ count: string }[]>('* as count');
      const rows: WebhookSubscriptionRow[] = await base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(p.limit).offset(p.offset);
      return { rows, total: Number(count) };
    },
    getSubscription: (workspaceId: string, id: string): Promise<WebhookSubscriptionRow | undefined> =>
      db('webhook_subscriptions').where({ workspace_id: workspaceId, id }).first(),
    insertSubscription: async (row: Pick<WebhookSubscriptionRow, 'workspace_id' | 'dialect' | 'url' | 'events' | 'secret' | 'active'>): Promise<WebhookSubscriptionRow> =>
      (await db('webhook_subscriptions').insert(row).returning('*'))[0],
    updateSubscription: async (workspaceId: string, id: string, patch: Partial<Pick<WebhookSubscriptionRow, 'url' | 'events' | 'active'>>): Promise<WebhookSubscriptionRow | undefined> =>
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
     * Hand undispatched deliveries to `start` (which starts their workflows) and mark them dispatched, in one
     * transaction with FOR UPDATE SKIP LOCKED: concurrent dispatchers never take the same rows, and a crash before
     * commit leaves them undispatched for the next sweep (starting a workflow twice is harmless, see the workflow).
     * `start` answers the ids it started; the others stay undispatched and are tried again on the next sweep.
     */
    dispatchPending: (limit: number, start: (rows: Pick<WebhookDeliveryRow, 'id' | 'workspace_id'>[]) => Promise<string[]>): Promise<number> =>
      db.transaction(async (trx) => {
        const rows: Pick<WebhookDeliveryRow, 'id' | 'workspace_id'>[] = await trx('webhook_deliveries')
          .select('id', 'workspace_id')
          .whereNull('dispatched_at')
          .orderBy('created_at')
          .limit(limit)
          .forUpdate()
          .skipLocked();
        if (!rows.length) return 0;
        const started = await start(rows);
        if (started.length) await trx('webhook_deliveries').whereIn('id', started).update({ dispatched_at: trx.fn.now() });
        return started.length;
      }),

    /** The delivery with what sending needs from its subscription; undefined when either is gone. */
    forSending: (deliveryId: string): Promise<(WebhookDeliveryRow & { url: string; secret: string; active: boolean; dialect: WebhookDialect }) | undefined> =>
      db('webhook_deliveries as d')
        .join('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .select('d.*', 's.url', 's.secret', 's.active', 's.dialect')
        .where('d.id', deliveryId)
        .first(),

    /** Claim the next attempt number of a pending delivery; undefined when it is no longer pending. */
    beginAttempt: async (deliveryId: string): Promise<number | undefined> =>
      (await db('webhook_deliveries').where({ id: deliveryId, status: 'pending' }).increment('attempts', 1).returning('attempts'))[0]?.attempts,

    /** Log one attempt and move the delivery on (succeeded, failed, or pending until next_attempt_at), in one transaction. */
    recordAttempt: (a: Omit<WebhookAttemptRow, 'id' | 'created_at'>, outcome: { status: DeliveryStatus; nextAttemptAt: Date | null }) =>
      db.transaction(async (trx) => {
        await trx('webhook_attempts').insert(a);
        await trx('webhook_deliveries')
          .where({ id: a.delivery_id, status: 'pending' })
          .update({
            status: outcome.status,
            next_attempt_at: outcome.nextAttemptAt,
            last_status_code: a.status_code,
            last_error: a.error,
            signature: a.signature,
            duration_ms: a.duration_ms,
            updated_at: trx.fn.now(),
          });
      }),

    /** Pending → failed without an attempt (the subscription was disabled or deleted meanwhile). */
    abandon: (deliveryId: string, reason: string) =>
      db('webhook_deliveries').where({ id: deliveryId, status: 'pending' }).update({ status: 'failed', last_error: reason, next_attempt_at: null, updated_at: db.fn.now() }),
  };
}
