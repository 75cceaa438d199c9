/**
 * Webhook wire rules shared by the API and the delivery activity: Zagely's event names, its payload envelope, the
 * signing headers (Zagely's and Standard Webhooks'), secrets and the retry schedule parser.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Event names a Zagely webhook may subscribe to (webhook.test is sent only by the /test endpoint). */
export const ZAGELY_WEBHOOK_EVENTS = [
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'campaign.started',
  'campaign.completed',
  'campaign.paused',
  'contact.created',
  'contact.updated',
  'contact.opted_out',
  'session.connected',
  'session.disconnected',
  'call.new',
  'call.updated',
  'call.ended',
] as const;

export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** The documented back-off: 10 s, 60 s, 5 min, 30 min, 2 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];

/** Parse `WEBHOOK_RETRY_SCHEDULE_MS` ("10000,60000,…"); undefined for a malformed value. */
export function parseRetrySchedule(raw: string): number[] | undefined {
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const ms = parts.map(Number);
  return ms.length && ms.every((n) => Number.isInteger(n) && n >= 0) ? ms : undefined;
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks format). */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Zagely's body: `{event, tenant_id, delivery_id, occurred_at, data}`. */
export function zagelyEnvelope(d: { eventType: string; workspaceId: string; deliveryId: string; occurredAt: Date; data: unknown }) {
  return { event: d.eventType, tenant_id: d.workspaceId, delivery_id: d.deliveryId, occurred_at: d.occurredAt.toISOString(), data: d.data };
}

/**
 * The HMAC key Standard Webhooks verifiers use for our secret: a `whsec_<base64>` secret (ours, auto-generated)
 * maps to its decoded bytes, exactly as the Standard Webhooks libraries read it; any other secret a client chose
 * is used as its UTF-8 bytes (give such a verifier `whsec_` + base64 of the secret).
 */
export function standardWebhooksKey(secret: string): Buffer {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  return m ? Buffer.from(m[1], 'base64') : Buffer.from(secret, 'utf8');
}

/** Zagely's signature: `sha256=` + hex HMAC-SHA256(secret as UTF-8, `${timestamp}.${body}`). */
export const zagelySignature = (secret: string, timestamp: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** Standard Webhooks' signature: `v1,` + base64 HMAC-SHA256(key, `${id}.${timestamp}.${body}`). */
export const standardWebhooksSignature = (secret: string, id: string, timestamp: number, body: string): string =>
  `v1,${createHmac('sha256', standardWebhooksKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

/** Every header of a signed delivery request. `timestamp` is Unix seconds at signing. */
export function signedHeaders(d: { secret: string; deliveryId: string; eventType: string; timestamp: number; body: string }): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhooks/1',
    'x-zagely-event': d.eventType,
    'x-zagely-delivery': d.deliveryId,
    'x-zagely-timestamp': String(d.timestamp),
    'x-zagely-signature': zagelySignature(d.secret, d.timestamp, d.body),
    'webhook-id': d.deliveryId,
    'webhook-timestamp': String(d.timestamp),
    'webhook-signature': standardWebhooksSignature(d.secret, d.deliveryId, d.timestamp, d.body),
  };
}
