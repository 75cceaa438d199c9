import { z } from 'zod';
import { uuid } from '../routing';

/** Log export requests (campaign logs, message history), as both dialects take them. */

const MESSAGE_STATUSES = ['queued', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'received', 'canceled', 'expired'] as const;

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T09:00:00Z' });

/** An optional e-mailed link, as the notify-api log export sends one. */
export const exportEmail = {
  email: z.email({ error: 'must be a valid email address' }).optional().meta({ description: 'Also e-mail a signed download link here when the file is ready (needs SMTP_URL on the worker).' }),
  lang: z.enum(['en-US', 'zh-TW'], { error: 'must be en-US or zh-TW' }).default('en-US').meta({ description: 'Language of that e-mail.' }),
};

export const exportEmailBody = z.object(exportEmail).strict();

const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.enum(MESSAGE_STATUSES, { error: `must be among: ${MESSAGE_STATUSES.join(', ')}` })));

const messageExportFields = z.object({
  start_date: instant.optional().meta({ description: 'Messages created at or after this instant.' }),
  end_date: instant.optional().meta({ description: 'Messages created at or before this instant.' }),
  channel: z.enum(['sms', 'mms', 'whatsapp', 'email'], { error: 'must be sms, mms, whatsapp or email' }).optional().meta({ description: 'sms includes MMS.' }),
  direction: z.enum(['inbound', 'outbound'], { error: 'must be inbound or outbound' }).optional(),
  status: statusList.optional().meta({ description: 'One status, comma-separated statuses or an array.' }),
  contact_id: uuid.optional(),
  ...exportEmail,
});

const datesInOrder = (b: { start_date?: string; end_date?: string }) => !(b.start_date && b.end_date) || Date.parse(b.start_date) <= Date.parse(b.end_date);
const inOrder = { path: ['end_date'], error: 'must not be before start_date' };

/**
 * The message history export's filters: a date range on created_at (inclusive), channel, direction, statuses, the
 * sender (as each dialect names it: SeaX `phone_id`, Zagely `session_id`) and the contact.
 */
export const seaxMessageExportBody = messageExportFields.extend({ phone_id: uuid.optional() }).strict().refine(datesInOrder, inOrder);
export const zagelyMessageExportBody = messageExportFields.extend({ session_id: uuid.optional() }).strict().refine(datesInOrder, inOrder);
