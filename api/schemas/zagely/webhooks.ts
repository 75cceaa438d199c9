import { z } from 'zod';
import { ZAGELY_WEBHOOK_EVENTS } from '../../../domain/webhooks';
import { uuid } from '../../routing';
import { paginationQuery, queryBoolean } from './common';

/** Zagely webhooks: subscriptions, their delivery log, test events and replays. */

const EVENTS_ERROR = `must be a non-empty array of event names: ${ZAGELY_WEBHOOK_EVENTS.join(', ')}`;
const eventName = z.enum(ZAGELY_WEBHOOK_EVENTS, { error: (iss) => `unknown event ${JSON.stringify(iss.input)} (valid: ${ZAGELY_WEBHOOK_EVENTS.join(', ')})` });
const events = z
  .array(eventName, { error: EVENTS_ERROR })
  .min(1, { error: EVENTS_ERROR })
  .transform((list) => [...new Set(list)])
  .meta({ example: ['message.received', 'contact.created'] });
const url = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .max(2048, { error: 'must be at most 2048 characters' })
  .meta({ description: 'http(s) URL; private, loopback, link-local and metadata addresses are refused.', example: 'https://example.com/webhooks/zagely' });

export const webhookCreateBody = z.object({
  url,
  events,
  secret: z
    .string({ error: 'must be a string' })
    .min(16, { error: 'must be at least 16 characters' })
    .max(255, { error: 'must be at most 255 characters' })
    .optional()
    .meta({ description: 'Signing secret; generated (`whsec_` + base64 of 32 bytes) when omitted. Shown only in this response.' }),
  active: z.boolean({ error: 'must be true or false' }).default(true),
});

export const webhookUpdateBody = z.object({
  url: url.optional(),
  events: events.optional(),
  active: z.boolean({ error: 'must be true or false' }).optional(),
});

export const webhookParams = z.object({ webhook: uuid });
export const deliveryParams = z.object({ webhook: uuid, delivery: uuid });

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const webhookCreatedView = webhookView.extend({ secret: z.string().meta({ description: 'Shown only here; store it to verify signatures.' }) });

export const deliveryListQuery = paginationQuery.extend({
  status: z.enum(['pending', 'succeeded', 'failed'], { error: 'must be pending, succeeded or failed' }).optional(),
  include_attempts: queryBoolean.optional().meta({ description: 'Default true: each delivery carries its attempt log.' }),
});

export const attemptView = z.object({
  attempt: z.number().int(),
  status_code: z.number().int().nullable(),
  duration_ms: z.number().int(),
  error: z.string().nullable(),
  response_body: z.string().nullable().meta({ description: 'First 2 KB of the response body.' }),
  signature: z.string().nullable(),
  created_at: z.string(),
});

export const deliveryView = z.object({
  id: z.string().meta({ description: 'The delivery id (X-Zagely-Delivery, webhook-id): stable across retries and replays.' }),
  webhook_id: z.string(),
  event: z.string(),
  event_id: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  signature: z.string().nullable().meta({ description: 'X-Zagely-Signature of the last attempt.' }),
  duration_ms: z.number().int().nullable().meta({ description: 'Duration of the last attempt.' }),
  next_attempt_at: z.string().nullable(),
  occurred_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  attempt_log: z.array(attemptView).optional(),
});
