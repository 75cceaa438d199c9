import { z } from 'zod';
import { LOG_ORDER_FIELDS, SUBSCRIPTION_ORDER_FIELDS, type OrderBy } from '../../../services/seax-notify';
import { SEAX_EVENT_TYPES } from '../../../domain/seax-events';
import { idParam, requiredText, timestamp, workspaceId } from './common';

/** SeaX notify-api: webhook subscriptions, event types, test sends and delivery logs. */

export const subscriptionParams = z.object({ workspace_id: workspaceId, subscription_id: idParam('Unique identifier of the subscription') });

const eventType = z.enum(SEAX_EVENT_TYPES, { error: (iss) => `unknown event type ${JSON.stringify(iss.input)} (valid: ${SEAX_EVENT_TYPES.join(', ')})` });
const EVENTS_ERROR = `must be a non-empty array of event types: ${SEAX_EVENT_TYPES.join(', ')}`;
const eventTypes = z
  .array(eventType, { error: EVENTS_ERROR })
  .min(1, { error: EVENTS_ERROR })
  .transform((list) => [...new Set(list)])
  .meta({ example: ['conversation.new', 'message.new'] });

const webhookUrl = requiredText(2048).meta({
  description: 'http(s) URL; private, loopback, link-local and metadata addresses are refused.',
  example: 'https://api.example.com/webhook',
});
const subscriptionType = z
  .string({ error: 'must be SEASALT or ZAPIER' })
  .transform((v) => v.trim().toUpperCase())
  .pipe(z.enum(['SEASALT', 'ZAPIER'], { error: 'must be SEASALT or ZAPIER' }));
const isEnabled = z.boolean({ error: 'must be true or false' });

export const subscriptionCreateBody = z.object({
  webhook_url: webhookUrl,
  event_types: eventTypes,
  created_by: requiredText(255).meta({ description: 'Identifier of the user creating the subscription; also the first updated_by.', example: 'user_12345' }),
  is_enabled: isEnabled.default(true),
  type: subscriptionType.default('SEASALT'),
});

export const subscriptionUpdateBody = z.object({
  webhook_url: webhookUrl.optional(),
  event_types: eventTypes.optional(),
  is_enabled: isEnabled.optional(),
  type: subscriptionType.optional(),
  updated_by: requiredText(255).meta({ description: 'Email or identifier of the user making the update.', example: 'user_12345' }),
});

/** `field:direction` (direction asc or desc, default asc, any case); several pairs may be comma-separated. */
const orderBy = <F extends string>(fields: readonly F[], fallback: string) =>
  z
    .string({ error: 'must be field:direction' })
    .transform((value, ctx): OrderBy<F> => {
      const out: OrderBy<F> = [];
      for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [field, direction = 'asc', ...extra] = part.split(':').map((s) => s.trim());
        const dir = direction.toLowerCase();
        if (!fields.includes(field as F)) ctx.addIssue({ code: 'custom', message: `unknown field "${field}" (valid: ${fields.join(', ')})` });
        else if ((dir !== 'asc' && dir !== 'desc') || extra.length) ctx.addIssue({ code: 'custom', message: `"${part}": the direction must be asc or desc` });
        else out.push({ column: field as F, direction: dir });
      }
      return out;
    })
    .optional()
    .transform((v): OrderBy<F> => (v?.length ? v : [{ column: 'created_at' as F, direction: 'desc' }]))
    .meta({ description: `field:direction over ${fields.join(', ')}. Default: ${fallback}`, example: fallback });

export const subscriptionListQuery = z.object({
  order_by: orderBy(SUBSCRIPTION_ORDER_FIELDS, 'created_at:desc'),
  type: subscriptionType.optional().meta({ description: 'SEASALT or ZAPIER' }),
});

export const subscriptionView = z.object({
  webhook_url: z.string(),
  event_types: z.array(z.string()),
  created_by: z.string().nullable(),
  is_enabled: z.boolean(),
  type: z.string(),
  id: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  updated_by: z.string().nullable(),
});
export type SeaxSubscription = z.infer<typeof subscriptionView>;
export const subscriptionList = z.object({ subscriptions: z.array(subscriptionView) });

export const subscriptionCreatedView = subscriptionView.extend({
  secret: z.string().meta({ description: 'Added (SeaX has none): signs every delivery (Standard Webhooks and X-Zagely-Signature headers). Shown only here.' }),
});

export const eventTypeList = z.array(z.object({ event_type: z.string(), description: z.string() }));

export const testBody = z.object({
  event_type: z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).pipe(eventType),
  webhook_url: webhookUrl,
});

export const envelopeView = z
  .object({
    id: z.string(),
    event_type: z.string(),
    affect: z.string(),
    version: z.string(),
    timestamp: z.string(),
    workspace: z.object({ id: z.string(), name: z.string() }),
    source: z.object({ id: z.string().nullable(), type: z.string(), identifier: z.string().nullable() }),
    data: z.record(z.string(), z.unknown()),
    subscription_created_by: z.string().nullable(),
    subscription_updated_by: z.string().nullable(),
  })
  .meta({ description: 'The payload that was sent, as the receiver got it.' });

/** ISO 8601 with an offset or Z (none = UTC); a bare date is that day's start, or for `end` its last moment. */
const dateBound = (end: boolean, description: string) =>
  z
    .string({ error: 'must be an ISO 8601 date-time' })
    .trim()
    .refine((v) => z.iso.datetime({ offset: true, local: true }).safeParse(v).success || z.iso.date().safeParse(v).success, {
      error: 'must be an ISO 8601 date-time such as 2024-06-01T23:59:59-07:00',
    })
    .transform((v) => {
      if (z.iso.date().safeParse(v).success) return new Date(`${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z`);
      return new Date(/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(v) ? v : `${v}Z`);
    })
    .optional()
    .meta({ description, example: end ? '2024-06-01T23:59:59-07:00' : '2024-06-01T00:00:00+08:00' });

const wholeNumber = (description: string) =>
  z
    .string({ error: 'must be a whole number' })
    .trim()
    .regex(/^\d{1,10}$/, { error: 'must be a whole number, 0 or more' })
    .transform(Number)
    .optional()
    .transform((v) => v ?? 0)
    .meta({ description, default: 0 });

export const logListQuery = z
  .object({
    event_type: eventType.optional(),
    delivery_status: z.enum(['success', 'failed'], { error: 'must be success or failed' }).optional(),
    start_date: dateBound(false, 'Logs created on or after this moment (ISO 8601, with offset).'),
    end_date: dateBound(true, 'Logs created on or before this moment (ISO 8601, with offset).'),
    order_by: orderBy(LOG_ORDER_FIELDS, 'created_at:desc'),
    limit: wholeNumber('Maximum number of logs; 0 (default) returns all.'),
    offset: wholeNumber('Number of logs to skip.'),
  })
  .superRefine((q, ctx) => {
    if (q.start_date && q.end_date && q.end_date < q.start_date) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be before start_date' });
  });

export const logView = z.object({
  id: z.string(),
  workspace_id: z.string(),
  event_id: z.string(),
  subscription_id: z.string(),
  event_type: z.string(),
  webhook_url: z.string(),
  delivery_status: z.enum(['success', 'failed']),
  status_code: z.string().nullable().meta({ description: 'The receiver’s HTTP status, as a string; null when it never answered.' }),
  response_body: z.string().nullable().meta({ description: 'First 2 KB of the response; when the receiver never answered, why (timeout, refused, connection error).' }),
  delivered_event_obj: z.object({
    id: z.string().meta({ description: 'The delivery id: the payload’s `id` and the webhook-id header.' }),
    workspace_id: z.string(),
    workspace_name: z.string(),
    value: z.object({
      event_type: z.string(),
      event_source: z.literal('seax'),
      event_triggered_by: z.string().nullable(),
      payload: z.record(z.string(), z.unknown()).meta({ description: 'The `data` of the payload sent.' }),
      occurred_at: timestamp,
      sent_at: timestamp,
      subscription_created_by: z.string().nullable(),
      subscription_updated_by: z.string().nullable(),
    }),
  }),
  created_at: timestamp,
});

export const logList = z.object({ total: z.number().int(), data: z.array(logView) });
