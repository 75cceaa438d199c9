import { z } from 'zod';
import { paginationQuery, queryBoolean, requiredString } from './common';

/** Zagely automations (`/api/automations`): keyword / welcome / away / fallback auto-replies. */

export const AUTOMATION_CHANNELS = ['whatsapp', 'telegram', 'messenger', 'viber', 'webpush', 'email', 'discord', 'all', 'sms'] as const;
export const TRIGGER_TYPES = ['keyword', 'welcome', 'away', 'fallback'] as const;
export const MATCH_MODES = ['exact', 'contains', 'fuzzy'] as const;

const hhmm = z.string({ error: 'must be a time HH:MM' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time HH:MM (00:00–23:59)' });

const conditions = z
  .object({
    hours: z
      .object({ start: hhmm, end: hhmm, timezone: z.string({ error: 'must be an IANA time zone' }).max(64).optional() })
      .optional()
      .meta({ description: 'Business hours for `away` rules (default: the workspace window quiet_hours_start–quiet_hours_end).' }),
  })
  .catchall(z.unknown())
  .meta({ description: 'Extra conditions. `hours: {start, end, timezone?}` sets business hours for away rules.' });

const url = z
  .string({ error: 'must be a URL' })
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), { error: 'must be an http(s) URL' });

const button = z.union([
  z.string().min(1).max(64),
  z.object({ id: z.string().max(256).optional(), title: z.string().min(1).max(64) }).catchall(z.unknown()),
]);

const fields = {
  session_id: z.uuid({ error: 'must be a UUID' }).nullable().meta({ description: 'Session (sender) this automation listens on; null = every session.' }),
  name: requiredString(255),
  channel: z.enum(AUTOMATION_CHANNELS, { error: `must be one of ${AUTOMATION_CHANNELS.join(', ')}` }),
  trigger_type: z.enum(TRIGGER_TYPES, { error: `must be one of ${TRIGGER_TYPES.join(', ')}` }),
  trigger_value: z.string({ error: 'must be a string' }).trim().max(255, { error: 'must be at most 255 characters' }).nullable(),
  match_mode: z.enum(MATCH_MODES, { error: `must be one of ${MATCH_MODES.join(', ')}` }).meta({ description: 'Extension: keyword matching (default contains: whole words anywhere in the message).' }),
  response_content: z.string({ error: 'must be a string' }).max(4096, { error: 'must be at most 4096 characters' }).nullable(),
  response_media_url: url.nullable(),
  response_buttons: z.array(button, { error: 'must be an array' }).max(10, { error: 'must have at most 10 buttons' }),
  conditions,
  priority: z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be between 0 and 100' }).max(100, { error: 'must be between 0 and 100' }),
  is_active: z.boolean({ error: 'must be true or false' }),
};

const needsContent = (b: { response_content?: string | null; response_media_url?: string | null }) => !!(b.response_content?.trim() || b.response_media_url);

export const automationCreateBody = z
  .object({
    session_id: fields.session_id.optional(),
    name: fields.name,
    channel: fields.channel.default('whatsapp'),
    trigger_type: fields.trigger_type,
    trigger_value: fields.trigger_value.optional(),
    match_mode: fields.match_mode.default('contains'),
    response_content: fields.response_content.optional(),
    response_media_url: fields.response_media_url.optional(),
    response_buttons: fields.response_buttons.default([]),
    conditions: conditions.default({}),
    priority: fields.priority.default(0),
    is_active: fields.is_active.default(true),
  })
  .refine(needsContent, { message: 'The response_content field is required (or response_media_url).', path: ['response_content'] })
  .refine((b) => b.trigger_type !== 'keyword' || !!b.trigger_value?.trim(), { message: 'The trigger_value field is required when trigger_type is keyword.', path: ['trigger_value'] });

export const automationUpdateBody = z.object({
  session_id: fields.session_id.optional(),
  name: fields.name.optional(),
  channel: fields.channel.optional(),
  trigger_type: fields.trigger_type.optional(),
  trigger_value: fields.trigger_value.optional(),
  match_mode: fields.match_mode.optional(),
  response_content: fields.response_content.optional(),
  response_media_url: fields.response_media_url.optional(),
  response_buttons: fields.response_buttons.optional(),
  conditions: conditions.optional(),
  priority: fields.priority.optional(),
  is_active: fields.is_active.optional(),
});

export const automationListQuery = paginationQuery.extend({
  session_id: z.uuid({ error: 'must be a UUID' }).optional(),
  is_active: queryBoolean.optional(),
  trigger_type: z.enum(TRIGGER_TYPES, { error: `must be one of ${TRIGGER_TYPES.join(', ')}` }).optional(),
});

export const automationParams = z.object({ automation: z.uuid({ error: 'must be a UUID' }) });

export const automationView = z.object({
  id: z.string(),
  session_id: z.string().nullable(),
  name: z.string(),
  channel: z.string(),
  trigger_type: z.enum(TRIGGER_TYPES),
  trigger_value: z.string().nullable(),
  match_mode: z.enum(MATCH_MODES),
  response_content: z.string().nullable(),
  response_media_url: z.string().nullable(),
  response_buttons: z.array(z.unknown()),
  conditions: z.record(z.string(), z.unknown()),
  priority: z.number().int(),
  is_active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const automationLogView = z.object({
  id: z.string(),
  message_id: z.string().nullable().meta({ description: 'The inbound message that triggered the automation.' }),
  reply_message_id: z.string().nullable(),
  contact_id: z.string().nullable(),
  matched_text: z.string().nullable(),
  created_at: z.string(),
});
