import type { Knex } from 'knex';
import type { SeaxDeliveryStatus } from '../rows';

export interface WebhookLogFilter {
  subscriptionId?: string;
  eventType?: string;
  deliveryStatus?: SeaxDeliveryStatus;
  /** Inclusive bounds on the attempt's created_at. */
  startDate?: Date;
  endDate?: Date;
}

/** Columns a log list may be ordered by (SeaX order_by fields), mapped to SQL. */
export const WEBHOOK_LOG_ORDER_COLUMNS = {
  created_at: 'a.created_at',
  event_type: 'd.event_type',
  delivery_status: 'delivery_status',
  status_code: 'a.status_code',
} as const;

/** The filtered logs of SeaX subscriptions of a workspace, unordered and unpaged (callers add both). */
export function webhookLogsQuery(db: Knex, workspaceId: string, f: WebhookLogFilter): Knex.QueryBuilder {
  return db('webhook_attempts as a')
    .join('webhook_deliveries as d', 'd.id', 'a.delivery_id')
    .join('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .where('d.workspace_id', workspaceId)
    .andWhere('s.dialect', 'seax')
    .select(
      'a.id',
      'd.workspace_id',
      'd.event_id',
      'd.id as delivery_id',
      'd.subscription_id',
      'd.event_type',
      's.url as webhook_url',
      db.raw(`CASE WHEN a.error IS NULL THEN 'success' ELSE 'failed' END AS delivery_status`),
      'a.status_code',
      'a.response_body',
      'a.error',
      'a.attempt',
      'd.payload',
      'd.occurred_at',
      'a.created_at',
      's.created_by as subscription_created_by',
      's.updated_by as subscription_updated_by',
    )
    .modify((q) => {
      if (f.subscriptionId) q.andWhere('d.subscription_id', f.subscriptionId);
      if (f.eventType) q.andWhere('d.event_type', f.eventType);
      if (f.deliveryStatus === 'success') q.whereNull('a.error');
      if (f.deliveryStatus === 'failed') q.whereNotNull('a.error');
      if (f.startDate) q.andWhere('a.created_at', '>=', f.startDate);
      if (f.endDate) q.andWhere('a.created_at', '<=', f.endDate);
    });
}
