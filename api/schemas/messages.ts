import { z } from 'zod';

/** Request shapes of the send endpoints of both dialects (SeaX send_message family, Zagely messages). */

const mediaUrl = z.string().trim().url({ message: 'must be an http(s) URL' }).refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' });
const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T09:00:00Z' });
const requiredString = (field: string) => z.string({ error: `The ${field} field is required.` }).trim().min(1, { message: `The ${field} field is required.` });

export const transactional = z.boolean().optional().meta({
  description: 'Extension: true marks the send transactional (no quiet-hours deferral). Default false: marketing. Blocked, opted-out and DNC recipients are refused either way.',
});

export const seaxSendMessageBody = z.object({
  phone_number: requiredString('phone_number').meta({ description: "Sender: one of the workspace's phone numbers" }),
  to_phone_number: requiredString('to_phone_number'),
  content: requiredString('content').pipe(z.string().max(1600)),
  media_urls: z.array(mediaUrl).max(10).optional().meta({ description: 'Media URLs: makes the message an MMS' }),
  send_at: isoInstant.optional().meta({ description: 'Extension: schedule up to 7 days ahead' }),
  transactional,
});

export const seaxSendWhatsAppBody = z.object({
  phone_number: requiredString('phone_number'),
  to_phone_number: requiredString('to_phone_number'),
  message: requiredString('message').pipe(z.string().max(4096)),
  media_urls: z.array(mediaUrl).max(1).optional(),
  send_at: isoInstant.optional(),
  transactional,
});

/**
 * `send_message/wabp_template_message`: the WhatsApp body plus the template fields of SeaX's multi-channel overview
 * (`template_name`, `template_language`, `components`). With `template_name` the message is an approved template and
 * `message` is optional; without it `message` is required as for send_whatsapp_message.
 */
export const seaxSendWabpTemplateBody = seaxSendWhatsAppBody
  .extend({
    message: z.string().trim().max(4096).optional(),
    template_name: z.string().trim().min(1, { message: 'must not be empty' }).max(512).optional().meta({ description: 'An approved WhatsApp template; makes the message a template send.', example: 'order_confirmation' }),
    template_language: z
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$/, { message: 'must be a WhatsApp language code such as en_US' })
      .optional()
      .meta({ description: 'Default en_US.', example: 'en_US' }),
    components: z
      .array(z.record(z.string(), z.unknown(), { error: 'must be an object such as {type, parameters}' }), { error: 'must be an array of template components' })
      .max(20)
      .optional()
      .meta({ description: 'Template components (header/body/button parameters) as the WhatsApp Cloud API takes them.' }),
  })
  .superRefine((b, ctx) => {
    if (!b.template_name && !b.message) ctx.addIssue({ code: 'custom', path: ['message'], message: 'The message field is required.' });
    if (b.template_name && b.media_urls?.length) ctx.addIssue({ code: 'custom', path: ['media_urls'], message: 'A template send takes its media from components, not media_urls.' });
    for (const field of ['template_language', 'components'] as const) {
      if (b[field] !== undefined && !b.template_name) ctx.addIssue({ code: 'custom', path: [field], message: `The ${field} field needs template_name.` });
    }
  });

export const ZAGELY_TYPES = ['text', 'image', 'video', 'audio', 'document'] as const;

export const zagelySendBody = z
  .object({
    channel: z.enum(['whatsapp', 'sms'], { error: 'must be whatsapp or sms' }),
    to: requiredString('to'),
    message: z.string().max(4096).optional(),
    type: z.enum(ZAGELY_TYPES, { error: `must be one of: ${ZAGELY_TYPES.join(', ')}` }).default('text'),
    session_id: z.uuid({ message: 'must be a UUID' }).optional(),
    media_url: mediaUrl.optional(),
    send_at: isoInstant.optional().meta({ description: 'Extension: schedule up to 7 days ahead' }),
    transactional,
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.type === 'text' && !b.message?.trim()) ctx.addIssue({ code: 'custom', path: ['message'], message: 'The message field is required when type is text.' });
    if (b.type !== 'text' && !b.media_url) ctx.addIssue({ code: 'custom', path: ['media_url'], message: 'The media_url field is required when type is not text.' });
  });

export const messageListQuery = z.object({
  channel: z.enum(['whatsapp', 'sms', 'mms']).optional(),
  session_id: z.uuid({ message: 'must be a UUID' }).optional(),
  contact_id: z.uuid({ message: 'must be a UUID' }).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(200).default(50),
});

export const rescheduleBody = z.object({ send_at: isoInstant }).strict();

export const messageParams = z.object({ message: z.uuid({ message: 'must be a UUID' }) });
