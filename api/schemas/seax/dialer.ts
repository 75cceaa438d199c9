import { z } from 'zod';
import { DIALER_TYPES } from '../../../domain/dialer';
import { csv, idParam, pagingQuery, timestamp, workspaceId } from './common';

/** SeaX auto-dialer campaigns (document 001, repeated in 000 §8) and AI agents, with our extensions. */

const AGENT_TYPES = ['SEAX_CALL', 'SEAX_SMS', 'SEAX_WABP'] as const;

/** `field:dir` pairs (comma-separated; direction defaults to asc, any case) over `fields`. */
export const orderByOf = <F extends string>(fields: readonly F[], fallback: string) =>
  z
    .string({ error: 'must be comma-separated field:direction pairs' })
    .optional()
    .transform((value, ctx) => {
      const out: { field: F; direction: 'asc' | 'desc' }[] = [];
      for (const part of (value ?? fallback).split(',').map((s) => s.trim()).filter(Boolean)) {
        const [field, direction = 'asc', ...extra] = part.split(':').map((s) => s.trim());
        const dir = direction.toLowerCase();
        if (!(fields as readonly string[]).includes(field)) ctx.addIssue({ code: 'custom', message: `unknown sort field "${field}" (valid: ${fields.join(', ')})` });
        else if ((dir !== 'asc' && dir !== 'desc') || extra.length) ctx.addIssue({ code: 'custom', message: `"${part}": the direction must be asc or desc` });
        else out.push({ field: field as F, direction: dir });
      }
      return out;
    })
    .meta({ description: `Comma-separated field:direction pairs over ${fields.join(', ')}. Default: ${fallback}`, example: fallback });

const upperCsv = <T extends string>(what: string, allowed: readonly T[]) =>
  csv(`Comma-separated ${what}: ${allowed.join(', ')} (any case).`).transform((values, ctx) => {
    const out: T[] = [];
    for (const v of values) {
      const u = v.toUpperCase() as T;
      if (allowed.includes(u)) out.push(u);
      else ctx.addIssue({ code: 'custom', message: `unknown value "${v}" (valid: ${allowed.join(', ')})` });
    }
    return out;
  });

// --- AI agents

export const aiAgentParams = z.object({ workspace_id: workspaceId, ai_agent_id: idParam('Unique identifier of the AI agent') });

export const aiAgentListQuery = (orderFields: readonly string[]) =>
  pagingQuery.extend({
    types: upperCsv('integration types', AGENT_TYPES).optional(),
    order_by: orderByOf(orderFields, 'created_time:desc'),
  });

const optionalText = (max: number) => z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` }).nullish();
const httpUrl = (schemes: RegExp, what: string) =>
  z
    .string({ error: `must be a ${what} URL` })
    .trim()
    .refine((u) => schemes.test(u) && URL.canParse(u), { error: `must be a ${what} URL` })
    .nullish();

export const aiAgentIntegration = z.object({
  type: z.enum(AGENT_TYPES, { error: `must be one of: ${AGENT_TYPES.join(', ')}` }),
  inbound_pick_up_message: optionalText(2000),
  outbound_starting_message: optionalText(2000).meta({ description: 'What the agent says first on an outbound call (used when the campaign has no message).' }),
  outbound_voice: optionalText(100).meta({ example: 'en-US-SteffanNeural' }),
  outbound_language: optionalText(35).meta({ example: 'en-US' }),
  inbound_voice: optionalText(100),
  inbound_language: optionalText(35),
  twiml_url: httpUrl(/^https?:\/\//i, 'http(s)').meta({ description: 'Extension: TwiML an answered call is redirected to (the agent runs there).' }),
  stream_url: httpUrl(/^wss?:\/\//i, 'ws(s)').meta({ description: 'Extension: a media-stream WebSocket (Twilio <Connect><Stream>) of the voice-AI service that runs the agent.' }),
});

export const aiAgentBody = z.object({
  name: z.string({ error: 'must be a string' }).max(255).optional(),
  integrations: z.array(aiAgentIntegration, { error: 'must be an array of integrations' }).max(3).optional(),
});

export const aiAgentView = z.object({
  id: z.string(),
  name: z.string(),
  conversation_config_id: z.string(),
  integrations: z.array(aiAgentIntegration.extend({ twiml_url: z.string().nullable().optional(), stream_url: z.string().nullable().optional() })),
  created_time: timestamp,
  updated_time: timestamp,
});
export const aiAgentList = z.object({ data: z.array(aiAgentView), total: z.number().int() });

// --- Campaigns

export const dialerParams = z.object({ workspace_id: workspaceId, auto_dialer_campaign_id: idParam('Unique identifier of the auto dialer campaign') });

const instant = z
  .string({ error: 'must be an ISO 8601 date-time, e.g. 2025-07-08T03:06:09+00:00' })
  .trim()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v) && !Number.isNaN(Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`)), {
    error: 'must be an ISO 8601 date-time, e.g. 2025-07-08T03:06:09+00:00',
  })
  .transform((v) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`))
  .meta({ description: 'ISO 8601; without an offset it is UTC.', example: '2025-07-08T03:06:09+00:00' });

const ids = (what: string) => z.array(z.uuid({ error: `must be an array of ${what} UUIDs` }), { error: `must be an array of ${what} UUIDs` }).max(10_000).nullish();
const labelRefs = z
  .array(z.string({ error: 'must be a label id or name' }).trim().min(1).max(255), { error: 'must be an array of label ids' })
  .max(100)
  .nullish()
  .meta({ description: 'Label UUIDs or names (case-insensitive); one that is not the workspace’s is a 422 naming the entry.' });
const whole = (min: number, max: number) =>
  z.number({ error: `must be a whole number from ${min} to ${max}` }).int({ error: `must be a whole number from ${min} to ${max}` }).min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` });
const hhmm = z.string({ error: 'must be HH:mm' }).regex(/^([01]?\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'must be HH:mm' });

/** The refactored wiki's inline contacts (000 §1): a phone and any fields for the message. */
const inlineContact = z.looseObject({ phone: z.string({ error: 'is required' }).trim().min(3).max(32), name: z.string().max(255).optional(), first_name: z.string().max(255).optional() });

export const dialerCreateBody = z
  .object({
    name: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).trim().min(1, { error: 'must not be empty' }).max(255),
    draft_name: z.string().max(255).nullish(),
    phone_ids: z
      .array(z.uuid({ error: 'must be an array of phone UUIDs' }), { error: 'must be an array of phone UUIDs' })
      .min(1, { error: 'must name at least one phone' })
      .max(50)
      .transform((v) => [...new Set(v.map((x) => x.toLowerCase()))])
      .optional()
      .meta({ description: 'Required (the refactored wiki shape alone may omit it: the workspace’s default voice phone).' }),
    attach_contact_label_ids: labelRefs,
    start_time: instant.optional().meta({ description: 'Required. Campaign start; with is_schedule true nothing is dialled before it.' }),
    end_time: instant.optional().meta({ description: 'Required. No call is placed after it; contacts not reached by then expire.' }),
    is_schedule: z.boolean({ error: 'must be true or false' }).nullish(),
    is_timezone_aware: z.boolean({ error: 'must be true or false' }).nullish(),
    mode: z.string({ error: 'must be a string' }).trim().min(1).max(50).optional().meta({ description: 'Required. Campaign execution mode (WEB).', example: 'WEB' }),
    stage: z.string({ error: 'must be a string' }).trim().min(1).max(50).optional().meta({ description: 'Required. Processing stage (INSTANCE).', example: 'INSTANCE' }),
    message: z.string({ error: 'must be a string' }).max(4000).nullish().meta({ description: 'Said by TTS (VOICE_DROP) or by the agent (AI_AGENT); personalised like SMS campaigns ({first_name}, {{ name }}, custom fields).' }),
    tts_language: z.string({ error: 'must be a string' }).max(35).nullish(),
    tts_voice: z.string({ error: 'must be a string' }).max(100).nullish(),
    audio_url: z.string({ error: 'must be a string' }).trim().max(2000).nullish().refine((u) => !u || (/^https?:\/\//i.test(u) && URL.canParse(u)), { error: 'must be an http(s) URL or empty' }),
    type: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : `must be one of: ${DIALER_TYPES.join(', ')}`) })
      .transform((v) => v.trim().toUpperCase())
      .pipe(z.enum(DIALER_TYPES, { error: `must be one of: ${DIALER_TYPES.join(', ')}` }))
      .optional(),
    capture_keypress: z.boolean({ error: 'must be true or false' }).nullish(),
    capture_stt: z.boolean({ error: 'must be true or false' }).nullish(),
    ai_agent_conversation_config_id: z.uuid({ error: 'must be a UUID' }).nullish(),
    overwrite_phone_recipient: z
      .object({ type: z.string({ error: 'is required' }).trim().toUpperCase().pipe(z.enum(['AI_AGENT', 'PHONE_NUMBER'], { error: 'must be AI_AGENT or PHONE_NUMBER' })), receiver: z.string({ error: 'is required' }).trim().min(1).max(255) }, { error: 'must be an object {type, receiver}' })
      .nullish(),
    exclude_contact_ids: ids('contact'),
    addition_contact_ids: ids('contact'),
    any_contact_label_ids: labelRefs,
    all_contact_label_ids: labelRefs,
    exclude_any_contact_label_ids: labelRefs,
    exclude_all_contact_label_ids: labelRefs,
    whatsapp_phone_only: z.boolean({ error: 'must be true or false' }).nullish(),
    max_attempts: whole(1, 10).nullish().meta({ description: 'Attempts per contact (default 1).' }),
    max_dialers: whole(1, 500).nullish().meta({ description: 'Calls up at once (default 20).' }),
    timezone: z.string({ error: 'must be an IANA time zone' }).trim().max(64).nullish().meta({ description: 'With is_timezone_aware: the zone start_time/end_time are read in (default UTC).' }),
    // Extensions.
    agent_lines: whole(1, 500).nullish().meta({ description: 'Extension, PROGRESSIVE_DIALER: calls the recipient can take at once (default max_dialers). Dialing above it is held to the 3 % abandonment budget.' }),
    retry_delays: z
      .object({ no_answer: whole(0, 604_800).optional(), busy: whole(0, 604_800).optional(), failed: whole(0, 604_800).optional(), machine: whole(0, 604_800).optional() }, { error: 'must be an object of seconds' })
      .nullish()
      .meta({ description: 'Extension: seconds before the next attempt, by outcome. Defaults: no_answer 1800, busy 1800, failed 600, machine 7200.' }),
    calling_window: z.object({ start: hhmm, end: hhmm }, { error: 'must be {start, end}' }).nullish().meta({ description: 'Extension: daily calling hours in each contact’s local time (default 08:00–21:00).' }),
    opt_out_digit: z.string({ error: 'must be one key: 0-9, * or #' }).regex(/^[0-9*#]$/, { error: 'must be one key: 0-9, * or #' }).nullable().optional().meta({ description: 'Extension: the key that opts a contact out (DNC). Default: the workspace’s (9); null: none.' }),
    ring_timeout_seconds: whole(15, 120).nullish().meta({ description: 'Extension: seconds a call rings before no-answer (default 30; never below 15).' }),
    time_limit_seconds: whole(10, 14_400).nullish().meta({ description: 'Extension: the longest a call may last (default 3600).' }),
    // The refactored wiki's shape (000 §1), accepted as aliases.
    script: z.string({ error: 'must be a string' }).max(4000).nullish().meta({ description: 'Alias of message.' }),
    contacts: z.array(inlineContact, { error: 'must be an array of {phone, …}' }).max(1000).nullish().meta({ description: 'Alias: contacts upserted by phone and called (their fields personalise the message).' }),
    schedule_time: instant.optional().meta({ description: 'Alias: start_time with is_schedule true.' }),
    retry_attempts: whole(0, 9).nullish().meta({ description: 'Alias: retries after the first attempt (max_attempts = retry_attempts + 1).' }),
    max_call_duration: whole(10, 14_400).nullish().meta({ description: 'Alias of time_limit_seconds.' }),
  })
  .superRefine((b, ctx) => {
    const legacy = b.script !== undefined || b.contacts !== undefined || b.schedule_time !== undefined;
    if (legacy) return;
    for (const f of ['phone_ids', 'start_time', 'end_time', 'mode', 'stage', 'type'] as const) {
      if (b[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `The ${f} field is required.` });
    }
  });
export type DialerCreateBody = z.output<typeof dialerCreateBody>;

const STATUS_NAMES = ['SCHEDULED', 'RUNNING', 'CALLING', 'PAUSED', 'FINISHED', 'CANCELED', 'CANCELLED', 'FAILED'] as const;

export const dialerListQuery = (orderFields: readonly string[]) =>
  pagingQuery.extend({
    types: upperCsv('campaign types', DIALER_TYPES).optional(),
    phone_numbers: csv('Comma-separated phone numbers (E.164) the campaign calls from.').optional().meta({ example: '+15555550100,+15555550101' }),
    ai_agent_conversation_config_id: z.uuid({ error: 'must be a UUID' }).optional(),
    stage: z.string().max(50).optional(),
    mode: z.string().max(50).optional(),
    statuses: upperCsv('statuses', STATUS_NAMES).optional().meta({ description: 'Comma-separated statuses: SCHEDULED, RUNNING, PAUSED, FINISHED, CANCELED, FAILED (any case).' }),
    start_time: instant.optional().meta({ description: 'Campaigns still running at or after this instant.' }),
    end_time: instant.optional().meta({ description: 'Campaigns starting at or before this instant.' }),
    order_by: orderByOf(orderFields, 'created_time:desc'),
  });

export const CALL_LOG_STATUSES = ['pending', 'dialing', 'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'] as const;
export const dialerLogsQuery = pagingQuery.extend({
  call_statuses: upperCsv('call statuses', CALL_LOG_STATUSES.map((s) => s.toUpperCase()))
    .transform((v) => v.map((s) => s.toLowerCase()))
    .optional()
    .meta({ description: `Comma-separated: ${CALL_LOG_STATUSES.join(', ')}.` }),
});

const labelRef = z.object({ id: z.string(), name: z.string(), color: z.string() });
const contactRef = z.object({ id: z.string(), name: z.string().nullable(), phone: z.string().nullable() });

export const dialerStatistics = z.object({
  human: z.number().int(),
  machine: z.number().int(),
  unknown: z.number().int(),
  no_answer: z.number().int(),
  total: z.number().int().meta({ description: 'Contacts targeted.' }),
  busy: z.number().int(),
  failed: z.number().int(),
  in_progress: z.number().int(),
  pending: z.number().int().meta({ description: 'Not called yet, or waiting for a retry.' }),
  canceled: z.number().int(),
  expired: z.number().int(),
  excluded: z.number().int(),
  opted_out: z.number().int(),
  calls: z.number().int().meta({ description: 'Calls placed (attempts).' }),
  keypresses: z.record(z.string(), z.number().int()).meta({ description: 'Keys pressed, by key.' }),
  abandoned: z.number().int(),
  abandonment_rate: z.number().meta({ description: 'Abandoned calls as a percentage of calls answered by a person.' }),
});

export const dialerView = z.object({
  start_time: timestamp,
  end_time: timestamp,
  name: z.string(),
  draft_name: z.string().nullable(),
  type: z.enum(DIALER_TYPES),
  message: z.string(),
  tts_language: z.string(),
  tts_voice: z.string(),
  ai_agent_id: z.string().nullable(),
  ai_agent_conversation_config_id: z.string().nullable(),
  max_attempts: z.number().int(),
  max_dialers: z.number().int(),
  capture_keypress: z.boolean(),
  capture_stt: z.boolean(),
  is_timezone_aware: z.boolean(),
  is_schedule: z.boolean(),
  contact_file_url: z.string().nullable(),
  timezone: z.string().nullable(),
  campaign_metadata: z.object({
    all_contact_labels: z.array(labelRef),
    any_contact_labels: z.array(labelRef),
    exclude_contacts: z.array(contactRef),
    addition_contacts: z.array(contactRef),
    exclude_any_contact_labels: z.array(labelRef),
    exclude_all_contact_labels: z.array(labelRef),
    whatsapp_phone_only: z.boolean(),
  }),
  status: z.string().meta({ description: 'SCHEDULED, RUNNING, PAUSED, FINISHED, CANCELED or FAILED.' }),
  created_time: timestamp,
  updated_time: timestamp,
  id: z.string(),
  mode: z.string(),
  stage: z.string(),
  audio: z.object({ url: z.string() }).nullable(),
  phones: z.array(z.record(z.string(), z.unknown())),
  statistics: dialerStatistics,
  contact_fields: z.array(z.unknown()),
  relative_time_config: z.null(),
  // Extensions.
  overwrite_phone_recipient: z.object({ type: z.string(), receiver: z.string() }).nullable(),
  attach_contact_label_ids: z.array(z.string()),
  agent_lines: z.number().int().nullable(),
  retry_delays: z.record(z.string(), z.number()),
  calling_window: z.object({ start: z.string(), end: z.string() }),
  opt_out_digit: z.string().nullable(),
  ring_timeout_seconds: z.number().int(),
  time_limit_seconds: z.number().int(),
  phone_abandonment_30d: z.array(z.object({ phone_id: z.string(), human_answered: z.number().int(), abandoned: z.number().int(), abandonment_rate: z.number() })),
});
export type SeaxDialerCampaign = z.infer<typeof dialerView>;

export const dialerList = z.object({ data: z.array(dialerView), total: z.number().int() });

export const dialerLog = z.object({
  id: z.string().meta({ description: 'The contact’s log id (stable).' }),
  contact_id: z.string(),
  contact_name: z.string().nullable(),
  contact_phone: z.string(),
  phone_id: z.string(),
  attempts: z.number().int(),
  call_status: z.string().meta({ description: `${CALL_LOG_STATUSES.join(', ')}.` }),
  outcome: z.string().nullable().meta({ description: 'Final: human, machine, unknown, no_answer, busy, failed, canceled, expired, refused, opted_out.' }),
  answered_by: z.string().nullable(),
  digits: z.string().nullable(),
  speech_result: z.string().nullable(),
  speech_confidence: z.number().nullable(),
  duration_seconds: z.number().int().nullable(),
  started_time: timestamp.nullable(),
  answered_time: timestamp.nullable(),
  ended_time: timestamp.nullable(),
  next_attempt_time: timestamp.nullable(),
  finish_reason: z.string().nullable(),
  abandoned: z.boolean(),
  recording_url: z.string().nullable(),
  error_message: z.string().nullable(),
  call_id: z.string().nullable().meta({ description: 'The carrier’s call id (Twilio CallSid).' }),
});
export const dialerLogList = z.object({ data: z.array(dialerLog), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });

