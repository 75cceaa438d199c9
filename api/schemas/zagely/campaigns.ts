import { z } from 'zod';
import { parseSegmentDate } from '../../../domain/segment';
import { uuid } from '../../routing';
import { paginationQuery, requiredString } from './common';
import { httpUrl, templateButtons } from './templates';

/** Zagely campaign requests and responses (`/api/v1/campaigns`, also under `/api/campaigns`). */

/** Every channel Zagely documents for campaigns, plus our sms and mms. */
export const CAMPAIGN_CHANNELS = ['whatsapp', 'telegram', 'messenger', 'viber', 'webpush', 'email', 'discord', 'sms', 'mms'] as const;
/** What this server sends. The other documented channels are refused with a 422 naming `channel`. */
export const SUPPORTED_CHANNELS = ['whatsapp', 'sms', 'mms'] as const;
export type SupportedChannel = (typeof SUPPORTED_CHANNELS)[number];

export const TARGET_TYPES = ['all', 'group', 'filter'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** Zagely's status names (the engine's; `failed` is never set by the Zagely lifecycle). */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'canceled', 'failed'] as const;
/** A recipient's status in the recipients listing: its message's once it was claimed, else pending, expired or canceled. */
export const RECIPIENT_STATUSES = ['pending', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'expired', 'canceled'] as const;

const MAX_CONTENT = 4096;
const MAX_SESSIONS = 50;

const channel = z
  .enum(CAMPAIGN_CHANNELS, { error: `must be one of ${CAMPAIGN_CHANNELS.join(', ')}` })
  .refine((v) => (SUPPORTED_CHANNELS as readonly string[]).includes(v), {
    error: (iss) => `${String(iss.input)} is not supported by this server (supported: ${SUPPORTED_CHANNELS.join(', ')})`,
  })
  .transform((v) => v as SupportedChannel)
  .meta({ description: `Default whatsapp. Zagely's telegram, messenger, viber, webpush, email and discord are refused (422); sms and mms are Switchboard additions.` });

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-04-25T09:00:00Z' });

const DATE_ERROR = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a zone, e.g. 2026-01-01T00:00:00Z';
const dateString = z.string({ error: DATE_ERROR }).refine((v) => parseSegmentDate(v, 'from') !== null, { error: DATE_ERROR });
const tagList = z.array(requiredString(255), { error: 'must be an array of tag names' }).max(100, { error: 'must have at most 100 tags' });

/**
 * The audience's filters. Documented keys plus a few of ours; unknown keys are refused, since a misspelt key would
 * otherwise widen a campaign to every contact.
 */
export const targetFilters = z
  .strictObject(
    {
      group_id: uuid.optional().meta({ description: 'Members of this contact group (a dynamic group’s filters apply). Required when target_type is group.' }),
      tags: tagList.optional().meta({ description: 'Contacts with ALL these tags (case-insensitive).' }),
      exclude_tags: tagList.optional().meta({ description: 'Extension: contacts with any of these tags are left out.' }),
      custom_fields: z
        .record(z.string().min(1).max(255), z.union([z.string(), z.number(), z.boolean()]), {
          error: 'must be an object of field names to string, number or boolean values',
        })
        .optional()
        .meta({ description: 'Each field must equal the value (compared as text).' }),
      created_from: dateString.optional().meta({ description: 'Contacts created on or after this date (or date-time).' }),
      created_to: dateString.optional().meta({ description: 'Contacts created on or before this date (a date includes the whole day).' }),
      search: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(255).optional().meta({ description: 'Part of the name, phone number or email (as GET /api/v1/contacts search).' }),
      keyword: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(255).optional().meta({ description: 'Alias of search.' }),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key(s): ${iss.keys.join(', ')}; use group_id, tags, exclude_tags, custom_fields, created_from, created_to, search`
          : 'must be an object such as {"group_id": "…"} or {"tags": ["vip"]}',
    },
  )
  .superRefine((f, ctx) => {
    const from = f.created_from ? parseSegmentDate(f.created_from, 'from') : null;
    const to = f.created_to ? parseSegmentDate(f.created_to, 'to') : null;
    if (from && to && from.getTime() >= to.getTime()) ctx.addIssue({ code: 'custom', path: ['created_to'], message: 'must not be before created_from' });
    if (f.search && f.keyword && f.search !== f.keyword) ctx.addIssue({ code: 'custom', path: ['keyword'], message: 'is an alias of search; send one of them' });
  });
export type TargetFilters = z.infer<typeof targetFilters>;

/** Extension: a recurring campaign. Each firing creates a run (a campaign of its own, with its own statistics). */
export const recurrence = z
  .strictObject(
    {
      cron: z.string({ error: 'must be a cron expression' }).trim().min(1, { error: 'must not be empty' }).max(255).optional().meta({ description: 'Five-field cron expression, read in `timezone`.', example: '0 9 * * 1' }),
      interval_seconds: z.number({ error: 'must be a whole number of seconds' }).int({ error: 'must be a whole number of seconds' }).min(1, { error: 'must be at least 1' }).max(31_622_400, { error: 'must be at most a year' }).optional(),
      timezone: z.string({ error: 'must be an IANA time zone' }).max(64).optional().meta({ description: 'Default UTC.', example: 'America/New_York' }),
      end_at: instant.optional().meta({ description: 'No runs after this instant.' }),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s): ${iss.keys.join(', ')}; use cron or interval_seconds, timezone, end_at` : 'must be an object') },
  )
  .meta({ description: 'Extension: exactly one of cron or interval_seconds. Starting the campaign starts the recurrence; pause/resume/cancel act on it.' });

const sessionIds = z
  .array(uuid, { error: 'must be an array of session UUIDs' })
  .min(1, { error: 'must name at least one session' })
  .max(MAX_SESSIONS, { error: `must have at most ${MAX_SESSIONS} sessions` })
  .meta({ description: 'Extension: several senders; recipients are spread over them (a contact keeps the sender that last wrote to it).' });

const messageContent = z
  .string({ error: 'must be a string' })
  .max(MAX_CONTENT, { error: `must be at most ${MAX_CONTENT} characters` })
  .meta({ description: 'Message body; {{ name }}, {{ first_name }}, custom fields and other {{variables}} are filled per contact.' });

const fields = {
  name: requiredString(255).meta({ example: 'April Flash Sale' }),
  session_id: uuid.meta({ description: 'The session (sender) to use. Optional when the API key is bound to a session, or with session_ids.' }),
  session_ids: sessionIds,
  target_type: z.enum(TARGET_TYPES, { error: `must be one of ${TARGET_TYPES.join(', ')}` }),
  media_url: httpUrl,
  buttons: templateButtons.meta({ description: 'Quick-reply (and call-to-action) buttons as templates take them; stored with the campaign.' }),
  scheduled_at: instant.meta({ description: 'A future instant: the campaign is `scheduled` and launches by itself then.' }),
  end_at: instant.meta({ description: 'Extension: sending stops at this instant; recipients not reached by then expire.' }),
  enable_link_shortening: z.boolean({ error: 'must be true or false' }).meta({ description: 'Extension: links in the message become per-recipient short links, and clicks are counted.' }),
};

export const campaignCreateBody = z.object({
  name: fields.name,
  channel: channel.default('whatsapp'),
  session_id: fields.session_id.optional(),
  session_ids: fields.session_ids.optional(),
  message_content: messageContent.optional(),
  target_type: fields.target_type.default('all').meta({ description: 'all (default): every contact; group: a contact group; filter: custom filters.' }),
  target_filters: targetFilters.nullish().meta({ description: 'Required when target_type is group (group_id) or filter (at least one condition).' }),
  media_url: fields.media_url.nullish(),
  buttons: fields.buttons.nullish(),
  scheduled_at: fields.scheduled_at.nullish(),
  end_at: fields.end_at.nullish(),
  enable_link_shortening: fields.enable_link_shortening.default(false),
  recurrence: recurrence.nullish(),
});

/** Only the fields sent change. */
export const campaignUpdateBody = z.object({
  name: fields.name.optional(),
  channel: channel.optional(),
  session_id: fields.session_id.optional(),
  session_ids: fields.session_ids.optional(),
  message_content: messageContent.optional(),
  target_type: fields.target_type.optional(),
  target_filters: targetFilters.nullish(),
  media_url: fields.media_url.nullish(),
  buttons: fields.buttons.nullish(),
  scheduled_at: fields.scheduled_at.optional().meta({ description: 'A new future launch time (a draft becomes scheduled).' }),
  end_at: fields.end_at.nullish(),
  enable_link_shortening: fields.enable_link_shortening.optional(),
  recurrence: recurrence.nullish().meta({ description: 'Drafts only.' }),
});

const statusList = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { error: `must be one of ${values.join(', ')}` })));

export const campaignListQuery = paginationQuery.extend({
  status: statusList(CAMPAIGN_STATUSES).optional().meta({ description: 'One status or several (comma-separated, or status[]=…).' }),
  channel: z.enum(SUPPORTED_CHANNELS, { error: `must be one of ${SUPPORTED_CHANNELS.join(', ')}` }).optional(),
  search: z.string().max(255, { error: 'must be at most 255 characters' }).optional().meta({ description: 'Part of the name (case-insensitive).' }),
});

export const recipientListQuery = paginationQuery.extend({
  status: statusList(RECIPIENT_STATUSES).optional().meta({ description: 'One status or several (comma-separated, or status[]=…).' }),
});

export const campaignParams = z.object({ campaign: uuid });

export const campaignView = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  session_id: z.string().nullable().meta({ description: 'The first (or only) sender.' }),
  session_ids: z.array(z.string()).meta({ description: 'Extension: every sender.' }),
  message_content: z.string(),
  target_type: z.string().nullable(),
  target_filters: z.record(z.string(), z.unknown()).nullable(),
  media_url: z.string().nullable(),
  buttons: z.array(z.unknown()),
  status: z.enum(CAMPAIGN_STATUSES),
  scheduled_at: z.string().nullable(),
  end_at: z.string().nullable(),
  enable_link_shortening: z.boolean(),
  started_at: z.string().nullable(),
  paused_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
  total_recipients: z.number().int().nullable().meta({ description: 'Resolved when the campaign launches; null before.' }),
  recurrence: z
    .object({ cron: z.string().optional(), interval_seconds: z.number().int().optional(), timezone: z.string(), end_at: z.string().nullable() })
    .nullable()
    .meta({ description: 'Extension: set on recurring campaigns.' }),
  parent_id: z.string().nullable().meta({ description: 'Extension: for a run of a recurring campaign, that campaign.' }),
  run_number: z.number().int().nullable().meta({ description: 'Extension: 1 for the first run of a recurring campaign, and so on.' }),
  created_at: z.string(),
  updated_at: z.string(),
});

export const campaignStatsView = z.object({
  total_recipients: z.number().int(),
  sent_count: z.number().int(),
  delivered_count: z.number().int(),
  read_count: z.number().int(),
  failed_count: z.number().int().meta({ description: 'Never sent (refused by the carrier or by compliance).' }),
  pending_count: z.number().int(),
  delivery_rate: z.number().meta({ description: 'delivered_count / sent_count, in percent with two decimals.' }),
  read_rate: z.number().meta({ description: 'read_count / delivered_count, in percent with two decimals.' }),
  clicked_count: z.number().int().meta({ description: 'Extension: recipients who clicked a short link.' }),
  replied_count: z.number().int().meta({ description: 'Extension: recipients who wrote back after the send.' }),
  undelivered_count: z.number().int().meta({ description: 'Extension: sent, then reported undelivered.' }),
  expired_count: z.number().int().meta({ description: 'Extension: not reached before end_at.' }),
  canceled_count: z.number().int().meta({ description: 'Extension: not sent because the campaign was canceled.' }),
  excluded_count: z.number().int().meta({ description: 'Extension: matched but left out (blocked, opted out, DNC, duplicate or missing number).' }),
});

export const campaignRunView = campaignView.extend({ stats: campaignStatsView });

export const recipientView = z.object({
  contact_id: z.string(),
  contact_name: z.string().nullable(),
  phone_number: z.string(),
  session_id: z.string(),
  status: z.enum(RECIPIENT_STATUSES),
  message_id: z.string().nullable().meta({ description: 'The message sent to this recipient, once claimed for sending.' }),
  content: z.string().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  sent_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  read_at: z.string().nullable(),
  failed_at: z.string().nullable(),
});
