import { z } from 'zod';
import { paginated } from './zagely/common';
import { conversationMessage } from './zagely/conversations';

/*
 * Success bodies of the routes whose answers are built by hand (message views, jobs, /me, the simulator), so every
 * operation of the OpenAPI document declares what it returns. Loose objects: extension fields may be added.
 */

const iso = z.string().meta({ description: 'ISO 8601 date-time (UTC)' });
const isoOrNull = iso.nullable();

/** SeaX `send_message` / `send_whatsapp_message` answer (api/routes/messages-views.ts seaxMessage). */
export const seaxMessageResponse = z.looseObject({
  id: z.string(),
  status: z.string().meta({ example: 'queued' }),
  from_phone: z.string().nullable(),
  to_phone: z.string().nullable(),
  content: z.string().nullable().optional().meta({ description: 'send_message: the text sent' }),
  message: z.string().nullable().optional().meta({ description: 'WhatsApp sends: the text sent' }),
  created_time: iso,
  sent_time: isoOrNull,
  send_at: isoOrNull,
});

/** A Zagely message item (zagelyMessage): the conversation's message with its send lifecycle. */
export const zagelyMessageView = conversationMessage.extend({
  contact: z.object({ id: z.string(), name: z.string().nullable(), phone_number: z.string().nullable() }).nullable(),
  session: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  send_at: isoOrNull,
  sent_at: isoOrNull,
  delivered_at: isoOrNull,
  failed_at: isoOrNull,
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  segments: z.number().int().nullable(),
  encoding: z.string().nullable(),
});
export const zagelyMessageResponse = z.object({ data: zagelyMessageView });
export const zagelyMessagePage = paginated(zagelyMessageView);
export const zagelySendResponse = z.looseObject({ status: z.string().meta({ example: 'queued' }), message_id: z.string() });

/** An async job as Zagely shows it. */
export const zagelyJobView = z.looseObject({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  progress: z.number(),
  total_items: z.number().int().nullable(),
  processed_items: z.number().int().nullable(),
  failed_items: z.number().int().nullable(),
  error: z.unknown().nullable(),
  download_url: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
});
export const zagelyJobResponse = z.object({ data: zagelyJobView });
export const exportStartedResponse = z.object({ job_id: z.string(), status: z.string(), message: z.string(), data: zagelyJobView });

/** The SeaX job shape (seaxJob). */
export const seaxJobResponse = z.looseObject({
  id: z.string(),
  status: z.string(),
  job_type: z.string(),
  created_time: iso,
  updated_time: iso,
  progress: z.number(),
  total_items: z.number().int().nullable(),
  processed_items: z.number().int().nullable(),
  failed_items: z.number().int().nullable(),
  error_report: z.unknown().nullable(),
});

/** `GET /api/v1/me`. */
export const meResponse = z.object({
  data: z.looseObject({
    id: z.string(),
    name: z.string(),
    tenant_id: z.string(),
    workspace_id: z.string(),
    key_type: z.enum(['key_pair', 'api_key']),
    session_id: z.string().nullable(),
    abilities: z.array(z.string()),
    expires_at: isoOrNull,
    last_used_at: isoOrNull,
    usage: z.object({ today: z.number().int(), month: z.number().int() }),
    limits: z.object({ daily: z.number().int(), monthly: z.number().int(), per_minute: z.number().int() }),
    remaining: z.object({ daily: z.number().int(), monthly: z.number().int() }),
  }),
});

/** `POST /simulator/inbound`. */
export const simulatorInboundResponse = z.object({
  data: z.object({
    message_id: z.string(),
    contact_id: z.string().nullable(),
    conversation_id: z.string().nullable(),
    contact_created: z.boolean(),
    conversation_created: z.boolean(),
    duplicate: z.boolean(),
    compliance: z.unknown().nullable(),
  }),
});

/** A file or text answer (CSV downloads, carrier callbacks' TwiML or plain text). */
export const textBody = z.string();
