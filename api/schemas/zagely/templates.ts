import { z } from 'zod';
import { uuid } from '../../routing';
import { paginationQuery, requiredString } from './common';

/** Zagely message-template requests and responses. */

/** Zagely's channels plus `sms` (ours: SeaX numbers send SMS); `all` means any channel. */
export const TEMPLATE_CHANNELS = ['whatsapp', 'telegram', 'messenger', 'viber', 'webpush', 'email', 'discord', 'sms', 'all'] as const;
export const templateChannel = z.enum(TEMPLATE_CHANNELS, { error: `must be one of ${TEMPLATE_CHANNELS.join(', ')}` });

export const MAX_CONTENT = 65_536;
export const MAX_QUICK_REPLIES = 3;
export const MAX_BUTTONS = 10;

const HTTP_URL_ERROR = 'must be an http or https URL';
export const httpUrl = z
  .string({ error: HTTP_URL_ERROR })
  .trim()
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
    } catch {
      return false;
    }
  }, { error: HTTP_URL_ERROR });

const PHONE_ERROR = 'must be a phone number in international format, e.g. +15551234567';
const ctaPhone = z
  .string({ error: PHONE_ERROR })
  .transform((v) => v.replace(/[\s().-]/g, ''))
  .refine((v) => /^\+[1-9]\d{6,14}$/.test(v), { error: PHONE_ERROR });

const buttonText = requiredString(80);

/** Unknown keys are refused (a `url` on a quick reply would be silently dropped otherwise). */
const button = <T extends z.core.$ZodLooseShape>(shape: T, keys: string) =>
  z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s): ${iss.keys.join(', ')}; this button type takes ${keys}` : undefined) });
const quickReply = button({ type: z.literal('quick_reply'), text: buttonText }, 'type and text');
const urlButton = button({ type: z.literal('url'), text: buttonText, url: httpUrl }, 'type, text and url');
const phoneButton = button({ type: z.literal('phone'), text: buttonText, phone: ctaPhone }, 'type, text and phone');

const BUTTON_ERROR = 'must be a button object: {type: "quick_reply", text}, {type: "url", text, url} or {type: "phone", text, phone}';
export const templateButton = z
  .discriminatedUnion('type', [quickReply, urlButton, phoneButton], {
    error: (iss) => (iss.code === 'invalid_union' ? 'must be quick_reply, url or phone' : iss.code === 'invalid_type' ? BUTTON_ERROR : undefined),
  })
  .meta({ description: 'Quick reply `{type: "quick_reply", text}` or call to action `{type: "url", text, url}` / `{type: "phone", text, phone}`.' });

export const templateButtons = z
  .array(templateButton, { error: 'must be an array of button objects' })
  .max(MAX_BUTTONS, { error: `must have at most ${MAX_BUTTONS} buttons` })
  .superRefine((buttons, ctx) => {
    if (buttons.filter((b) => b.type === 'quick_reply').length > MAX_QUICK_REPLIES) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_QUICK_REPLIES} quick_reply buttons` });
    }
  });

const variableName = z
  .string({ error: 'must be strings' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' })
  .refine((v) => !/[{}\r\n]/.test(v), { error: 'must not contain braces or line breaks' });

export const templateVariables = z
  .array(variableName, { error: 'must be an array of variable names' })
  .max(200, { error: 'must have at most 200 names' })
  .transform((names) => [...new Set(names)]);

const content = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
  .refine((v) => v.trim() !== '', { error: 'must not be empty' })
  .refine((v) => v.length <= MAX_CONTENT, { error: `must be at most ${MAX_CONTENT} characters` });

export const templateCreateBody = z.object({
  name: requiredString(255).meta({ example: 'Order Confirmation' }),
  channel: templateChannel.default('all').meta({ description: 'Default all. `sms` is a Switchboard addition.' }),
  content: content.meta({ example: 'Hi {{ name }}! Your order #{{ order_id }} is confirmed.' }),
  media_url: httpUrl.nullish(),
  buttons: templateButtons.nullish(),
  variables: templateVariables.nullish().meta({ description: 'Omitted or null: extracted from `{{ var }}` and `{var}` placeholders in content.' }),
});

export const templateUpdateBody = z.object({
  name: requiredString(255).optional(),
  channel: templateChannel.optional(),
  content: content.optional().meta({ description: 'Changing content without sending variables re-extracts them.' }),
  media_url: httpUrl.nullish(),
  buttons: templateButtons.nullish(),
  variables: templateVariables.nullish(),
});

export const templateListQuery = paginationQuery.extend({
  channel: templateChannel.optional(),
  search: z.string().max(255, { error: 'must be at most 255 characters' }).optional().meta({ description: 'Part of the name (case-insensitive).' }),
});

export const templateParams = z.object({ template: uuid });

export const previewBody = z
  .object({
    contact_id: uuid.optional().meta({ description: "Fills the contact's name, first_name, last_name, phone, email and custom fields." }),
    variables: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]), { error: 'must be an object of variable names to string, number or boolean values' })
      .optional()
      .meta({ description: "Explicit values; they override the contact's." }),
  })
  .meta({ example: { variables: { name: 'Jane', order_id: 'ORD-001' } } });

export const templateButtonView = z.union([
  z.object({ type: z.literal('quick_reply'), text: z.string() }),
  z.object({ type: z.literal('url'), text: z.string(), url: z.string() }),
  z.object({ type: z.literal('phone'), text: z.string(), phone: z.string() }),
]);

export const templateView = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  content: z.string(),
  media_url: z.string().nullable(),
  buttons: z.array(templateButtonView),
  variables: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const previewView = z.object({
  content: z.string().meta({ description: 'The rendered text; missing variables render as empty.' }),
  missing_variables: z.array(z.string()),
  variables_used: z.record(z.string(), z.string()),
  media_url: z.string().nullable(),
  buttons: z.array(templateButtonView),
});
