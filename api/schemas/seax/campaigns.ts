import { z } from 'zod';
import { SEAX_CAMPAIGN_TYPES, type CampaignStatus, type SeaxCampaignType } from '../../../domain/campaigns';
import { csv, idParam, listOf, pagingQuery, requiredText, timestamp, workspaceId } from './common';

/** SeaX bulk campaigns (SMS, MMS, WhatsApp Business Platform): create, list, read, logs, plus our lifecycle extensions. */

export const campaignParams = z.object({ workspace_id: workspaceId, campaign_id: idParam('Unique identifier of the campaign') });

const TYPES = ['SMS', 'MMS', 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE', 'AI_AGENT'] as const satisfies readonly (SeaxCampaignType | 'AI_AGENT')[];
const TYPE_ERROR = `must be one of: ${Object.keys(SEAX_CAMPAIGN_TYPES).join(', ')}`;

const campaignType = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : TYPE_ERROR) })
  .transform((v) => v.trim().toUpperCase())
  .pipe(z.enum(TYPES, { error: TYPE_ERROR }))
  .refine((v) => v !== 'AI_AGENT', {
    error: 'AI_AGENT (voice) campaigns are not created here: voice campaigns use the auto-dialer API. Use SMS, MMS or WHATSAPP_BUSINESS_PLATFORM_MESSAGE.',
  })
  .transform((v) => v as SeaxCampaignType)
  .meta({ description: 'SMS, MMS or WHATSAPP_BUSINESS_PLATFORM_MESSAGE (any case). AI_AGENT is refused: voice campaigns use the auto-dialer API.', example: 'SMS' });

const isoInstant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (Z or an offset), e.g. 2025-07-18T10:00:00+00:00' })
  .meta({ example: '2025-07-18T10:00:00+00:00' });

const mediaUrl = z
  .string({ error: 'must be an http(s) URL' })
  .trim()
  .refine((u) => /^https?:\/\/\S+$/i.test(u) && URL.canParse(u), { error: 'must be an http(s) URL' });

/** Label references: UUIDs, or (as the documented examples show) label names, case-insensitive. */
const labelRefs = (description: string) =>
  z
    .array(z.string({ error: 'must be a label id or name' }).trim().min(1, { error: 'must not be empty' }).max(255), { error: 'must be an array of label ids' })
    .max(100, { error: 'must have at most 100 labels' })
    .nullish()
    .meta({ description: `${description} Label UUIDs or label names (case-insensitive); a label that is not in the workspace is a 422 naming the entry.`, example: ['11111111-2222-4444-3333-555555555555'] });

export const recurrenceInput = z
  .strictObject(
    {
      cron: z.string({ error: 'must be a cron expression' }).trim().min(1).max(200).optional().meta({ description: 'Five-field cron expression, read in `timezone`.', example: '0 9 * * MON' }),
      interval_seconds: z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).min(1, { error: 'must be a positive integer' }).optional(),
      timezone: z.string({ error: 'must be an IANA time zone' }).trim().min(1).max(64).optional().meta({ description: 'IANA zone. Default UTC.', example: 'America/New_York' }),
      end_at: isoInstant.optional().meta({ description: 'No runs after this instant.' }),
    },
    { error: 'must be an object {cron | interval_seconds, timezone, end_at}' },
  )
  .nullish()
  .meta({
    description:
      'Extension: a recurring campaign. Exactly one of `cron` or `interval_seconds`. Each firing is a run of its own (a campaign with its own statistics and logs; see `/runs`); `start_time` delays the first firing.',
  });

export const campaignCreateBody = z
  .object({
    name: requiredText(255).meta({ example: 'Spring Sale 2025' }),
    type: campaignType,
    message: requiredText(4096).meta({
      description: 'Personalised per recipient: `{first_name}`, `{name}`, `{{ name }}`, custom fields. SMS/MMS at most 1600 characters.',
      example: 'Hi {first_name}! Spring Sale: 25% off with code SPRING25. Shop now: https://example.com/sale',
    }),
    phone_ids: z
      .array(z.uuid({ error: 'must be an array of phone UUIDs' }), { error: (iss) => (iss.input === undefined ? 'is required' : 'must be an array of phone UUIDs') })
      .min(1, { error: 'must name at least one phone' })
      .max(50, { error: 'must have at most 50 phones' })
      .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))])
      .meta({
        description: 'Sender phones. Recipients are spread across them in turn; a contact a phone of the list last wrote to gets the campaign from that phone (sticky sender).',
        example: ['020086f5-fb0e-4a0c-920a-bbdd04f4381c'],
      }),
    any_contact_label_ids: labelRefs('Include contacts with any of these labels.'),
    all_contact_label_ids: labelRefs('Include contacts with all of these labels.'),
    exclude_contact_ids: z
      .array(z.uuid({ error: 'must be an array of contact UUIDs' }), { error: 'must be an array of contact UUIDs' })
      .max(10_000)
      .nullish()
      .meta({ description: 'Leave these contacts out.' }),
    exclude_any_contact_label_ids: labelRefs('Leave out contacts with any of these labels.'),
    media_urls: z
      .array(mediaUrl, { error: 'must be an array of http(s) URLs' })
      .max(10, { error: 'must have at most 10 URLs' })
      .nullish()
      .meta({ description: 'Required for MMS (makes an SMS campaign MMS too); WhatsApp takes one.', example: ['https://example.com/image.jpg'] }),
    start_time: isoInstant.nullish().meta({ description: 'With is_schedule true: when sending starts (must be in the future).' }),
    end_time: isoInstant.nullish().meta({ description: 'Sending stops; recipients not reached by then are expired. Must be in the future and after start_time.' }),
    is_schedule: z.boolean({ error: 'must be true or false' }).nullish().meta({
      description:
        'true: wait for start_time (required, in the future). false: send now (start_time is ignored). Omitted: scheduled when start_time is in the future, else now.',
    }),
    enable_link_shortening: z.boolean({ error: 'must be true or false' }).nullish().meta({
      description: 'Replace each http(s) URL of the message with a per-recipient short link (`<PUBLIC_URL>/l/<code>`) that counts clicks. Default false.',
    }),
    attach_contact_label_ids: labelRefs('Labels attached, when the campaign ends, to every contact it was sent to. System labels (DNC) are refused.'),
    recurrence: recurrenceInput,
  })
  .superRefine((b, ctx) => {
    if (b.type !== 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE' && typeof b.message === 'string' && b.message.length > 1600) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: 'The message field must be at most 1600 characters for SMS and MMS campaigns.' });
    }
    if (b.type === 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE' && (b.media_urls?.length ?? 0) > 1) {
      ctx.addIssue({ code: 'custom', path: ['media_urls'], message: 'The media_urls field takes at most one URL for WhatsApp campaigns.' });
    }
  });
export type CampaignCreateBody = z.output<typeof campaignCreateBody>;

/** SeaX status names and ours (running is "sending", completed "finished"). */
export const SEAX_STATUS_FILTER: Record<string, CampaignStatus> = {
  draft: 'draft',
  scheduled: 'scheduled',
  sending: 'running',
  running: 'running',
  paused: 'paused',
  finished: 'completed',
  completed: 'completed',
  canceled: 'canceled',
  cancelled: 'canceled',
  failed: 'failed',
};

const mappedCsv = <T extends string>(description: string, map: Record<string, T>, normalise: (v: string) => string) =>
  csv(description).transform((values, ctx) => {
    const out = new Set<T>();
    for (const v of values) {
      const key = normalise(v);
      if (key in map) out.add(map[key]);
      else ctx.addIssue({ code: 'custom', message: `unknown value "${v}" (valid: ${Object.keys(map).join(', ')})` });
    }
    return [...out];
  });

export const campaignListQuery = pagingQuery.extend({
  status: mappedCsv('Comma-separated statuses: draft, scheduled, sending, paused, finished, canceled, failed.', SEAX_STATUS_FILTER, (v) => v.toLowerCase())
    .optional()
    .meta({ example: 'sending,scheduled' }),
  type: mappedCsv('Comma-separated types: SMS, MMS, WHATSAPP_BUSINESS_PLATFORM_MESSAGE.', SEAX_CAMPAIGN_TYPES, (v) => v.toUpperCase())
    .optional()
    .meta({ example: 'SMS,MMS' }),
  name: z
    .string({ error: 'must be a string' })
    .max(255)
    .transform((v) => v.trim() || undefined)
    .optional()
    .meta({ description: 'Case-insensitive substring of the name.', example: 'Spring' }),
});

/** What a log row's message_status can be (the message's status, or the recipient's while it has none). */
export const LOG_STATUSES = ['pending', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'read', 'undelivered', 'failed', 'expired', 'canceled'] as const;
const LOG_STATUS_MAP = Object.fromEntries([...LOG_STATUSES.map((s) => [s, s]), ['cancelled', 'canceled']]) as Record<string, string>;

export const campaignLogsQuery = pagingQuery.extend({
  message_statuses: mappedCsv(`Comma-separated message statuses: ${LOG_STATUSES.join(', ')}.`, LOG_STATUS_MAP, (v) => v.toLowerCase())
    .optional()
    .meta({ example: 'sent,delivered,failed' }),
});

const phoneRef = z.object({ id: z.string(), phone: z.string(), name: z.string() });

export const campaignView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['SMS', 'MMS', 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE'] as const satisfies readonly SeaxCampaignType[]),
  message: z.string(),
  status: z.string().meta({ description: 'draft, scheduled, sending, paused, finished, canceled or failed.', example: 'sending' }),
  created_time: timestamp,
  updated_time: timestamp,
  start_time: timestamp.nullable().meta({ description: 'The scheduled start, else when sending started.' }),
  end_time: timestamp.nullable().meta({ description: 'The end_time given, else when the campaign finished or was canceled.' }),
  phones: z.array(phoneRef),
  target_contact_count: z.number().int().meta({ description: 'Recipients: reachable contacts of the audience, one per phone number (live count until sending starts).' }),
  job_id: z.string(),
  recurrence: recurrenceInput.optional().meta({ description: 'Extension: present on recurring campaigns.' }),
  parent_id: z.string().optional().meta({ description: 'Extension: present on a run of a recurring campaign.' }),
  run_number: z.number().int().optional(),
});
export type SeaxCampaign = z.infer<typeof campaignView>;

export const campaignStatistics = z.object({
  total_contacts: z.number().int(),
  sent: z.number().int().meta({ description: 'Accepted by the carrier (delivered, read and bounced included).' }),
  failed: z.number().int().meta({ description: 'Never sent (refused by the carrier, or by compliance checks).' }),
  delivered: z.number().int(),
  bounced: z.number().int().meta({ description: 'Sent but not delivered (undelivered receipts).' }),
  opened: z.number().int().meta({ description: 'Read receipts (same as read; SMS has none).' }),
  clicked: z.number().int().meta({ description: 'Recipients who clicked a short link at least once.' }),
  read: z.number().int(),
  replied: z.number().int().meta({ description: 'Recipients who wrote back after the campaign message.' }),
  pending: z.number().int().meta({ description: 'Extension: not sent yet.' }),
  expired: z.number().int().meta({ description: 'Extension: not sent before end_time.' }),
  canceled: z.number().int().meta({ description: 'Extension: not sent because the campaign was canceled.' }),
  excluded: z.number().int().meta({ description: 'Extension: matched the filters but left out (opted out, blocked, DNC, duplicate or no phone number).' }),
});

export const campaignDetail = campaignView.extend({ statistics: campaignStatistics });
export type SeaxCampaignDetail = z.infer<typeof campaignDetail>;

export const campaignList = listOf(campaignView);

export const campaignLog = z.object({
  id: z.string().meta({ description: 'The recipient’s log id (stable; equal to message_id once the message exists).' }),
  contact_id: z.string(),
  contact_name: z.string().nullable(),
  contact_phone: z.string(),
  message_status: z.string().meta({ example: 'delivered' }),
  sent_time: timestamp.nullable(),
  delivered_time: timestamp.nullable(),
  read_time: timestamp.nullable(),
  error_message: z.string().nullable(),
  message_id: z.string().nullable().meta({ description: 'The message (see the messages API); null while none was created (pending, expired, canceled).' }),
});

export const campaignLogList = z.object({ data: z.array(campaignLog), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });

export const campaignRunList = z.object({
  data: z.array(campaignDetail),
  total: z.number().int(),
  upcoming: z.array(timestamp).meta({ description: 'The next firing times (empty when paused, canceled or not recurring).' }),
});
