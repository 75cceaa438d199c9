import type { DialerLogRow, DialerStats } from '../../../db/repositories/dialer-campaigns';
import { AI_AGENT_ORDER_FIELDS, DIALER_ORDER_FIELDS } from '../../../services/dialer';
import { abandonmentRate, dialerStatusOf, resolveTts, SEAX_DIALER_STATUS, type DialerAction, type DialerStatus } from '../../../domain/dialer';
import type { SegmentFilter } from '../../../domain/segment';
import { AppError, conflict, InvalidError, type FieldErrors } from '../../../services/errors';
import type { DialerDraft } from '../../../services/dialer';
import type { AiAgentRow, DialerCampaignRow } from '../../../db/rows';
import type { RouteDeps } from '../../context';
import { principalOf, workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import {
  aiAgentBody,
  aiAgentList,
  aiAgentListQuery,
  aiAgentParams,
  aiAgentView,
  dialerCreateBody,
  dialerList,
  dialerListQuery,
  dialerLogList,
  dialerLogsQuery,
  dialerParams,
  dialerView,
  type DialerCreateBody,
  type SeaxDialerCampaign,
} from '../../schemas/seax/dialer';
import { pageOf, workspaceParams } from '../../schemas/seax/common';
import { toSeaxPhone } from './mappers';

const TAG = 'SeaX Auto-Dialer';
const BASE = '/api/v1/workspace/:workspace_id/auto_dialer_campaigns';
const AGENTS = '/api/v1/workspace/:workspace_id/ai_agents';
const DAY_MS = 24 * 3600 * 1000;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** The refused transition with the status as SeaX names it (FINISHED, CANCELED, …). */
function seaxConflict(err: unknown): unknown {
  if (!(err instanceof AppError) || err.code !== 'invalid_state') return err;
  const status = SEAX_DIALER_STATUS[err.details?.status as DialerStatus] ?? String(err.details?.status);
  const action = /^Cannot (\w+)/.exec(err.message)?.[1] ?? 'change';
  return conflict(`Cannot ${action} a campaign that is ${status}.`, { status }, 'invalid_state');
}

const toAgent = (a: AiAgentRow) => ({
  id: a.id,
  name: a.name,
  conversation_config_id: a.conversation_config_id,
  integrations: a.integrations,
  created_time: a.created_at.toISOString(),
  updated_time: a.updated_at.toISOString(),
});

const statisticsOf = (s: DialerStats): SeaxDialerCampaign['statistics'] => ({
  human: s.human,
  machine: s.machine,
  unknown: s.unknown,
  no_answer: s.no_answer,
  total: s.total,
  busy: s.busy,
  failed: s.failed,
  in_progress: s.in_progress,
  pending: s.pending,
  canceled: s.canceled,
  expired: s.expired,
  excluded: s.excluded,
  opted_out: s.opted_out,
  calls: s.calls,
  keypresses: s.keypresses,
  abandoned: s.abandoned,
  abandonment_rate: abandonmentRate({ humanAnswered: s.human_answered, abandoned: s.abandoned }),
});

const toLog = (r: DialerLogRow) => ({
  id: `${r.seq}`,
  contact_id: r.contact_id,
  contact_name: r.contact_name,
  contact_phone: r.phone,
  phone_id: r.phone_id,
  attempts: r.attempts,
  call_status: r.call_status ?? 'pending',
  outcome: r.contact_status === 'done' || r.contact_status === 'expired' || r.contact_status === 'canceled' ? r.outcome : null,
  answered_by: r.answered_by,
  digits: r.digits,
  speech_result: r.speech_result,
  speech_confidence: r.speech_confidence,
  duration_seconds: r.duration_seconds,
  started_time: iso(r.placed_at ?? r.dialing_at),
  answered_time: iso(r.answered_at),
  ended_time: iso(r.ended_at),
  next_attempt_time: iso(r.next_attempt_at),
  finish_reason: r.finish_reason,
  abandoned: r.abandoned ?? false,
  recording_url: r.recording_url,
  error_message: r.error_message,
  call_id: r.provider_call_id,
});

/**
 * SeaX auto-dialer campaigns (VOICE_DROP, PROGRESSIVE_DIALER, AI_AGENT) and AI agents: the documented create, list and
 * read, and (extensions) logs, pause/resume/cancel and the agents' write API.
 */
export function seaxDialerRoutes(deps: RouteDeps): RouteSpec[] {
  const { services } = deps;
  const dialer = services.dialer;
  const now = () => deps.clock?.() ?? new Date();

  const toView = async (c: DialerCampaignRow): Promise<SeaxDialerCampaign> => {
    const [{ labels, contacts, phones }, stats, phone30] = await Promise.all([dialer.describe(c), dialer.stats(c), dialer.phoneAbandonment(c)]);
    const r = c.audience_refs;
    const labelsOf = (ids?: string[]) => (ids ?? []).flatMap((id) => (labels.get(id) ? [labels.get(id)!] : []));
    const contactsOf = (ids?: string[]) => (ids ?? []).map((id) => contacts.get(id) ?? { id, name: null, phone: null });
    const tts = resolveTts(c.tts_language, c.tts_voice);
    return {
      start_time: c.start_time.toISOString(),
      end_time: c.end_time.toISOString(),
      name: c.name,
      draft_name: c.draft_name,
      type: c.type,
      message: c.message,
      tts_language: tts.language,
      tts_voice: tts.voice,
      ai_agent_id: c.ai_agent_id,
      ai_agent_conversation_config_id: c.ai_agent_conversation_config_id,
      max_attempts: c.max_attempts,
      max_dialers: c.max_dialers,
      capture_keypress: c.capture_keypress,
      capture_stt: c.capture_stt,
      is_timezone_aware: c.is_timezone_aware,
      is_schedule: c.is_schedule,
      contact_file_url: null,
      timezone: c.timezone,
      campaign_metadata: {
        all_contact_labels: labelsOf(r.all_contact_label_ids),
        any_contact_labels: labelsOf(r.any_contact_label_ids),
        exclude_contacts: contactsOf(r.exclude_contact_ids),
        addition_contacts: contactsOf(r.addition_contact_ids),
        exclude_any_contact_labels: labelsOf(r.exclude_any_contact_label_ids),
        exclude_all_contact_labels: labelsOf(r.exclude_all_contact_label_ids),
        whatsapp_phone_only: r.whatsapp_phone_only ?? false,
      },
      status: SEAX_DIALER_STATUS[c.status],
      created_time: c.created_at.toISOString(),
      updated_time: c.updated_at.toISOString(),
      id: c.id,
      mode: c.mode,
      stage: c.stage,
      audio: c.audio_url ? { url: c.audio_url } : null,
      phones: phones.map((p) => toSeaxPhone(p) as unknown as Record<string, unknown>),
      statistics: statisticsOf(stats),
      contact_fields: [],
      relative_time_config: null,
      overwrite_phone_recipient: c.overwrite_phone_recipient,
      attach_contact_label_ids: c.attach_contact_label_ids,
      agent_lines: c.agent_lines,
      retry_delays: c.retry_delays as Record<string, number>,
      calling_window: c.calling_window,
      opt_out_digit: c.opt_out_digit,
      ring_timeout_seconds: c.ring_timeout_seconds,
      time_limit_seconds: c.time_limit_seconds,
      phone_abandonment_30d: phone30,
    };
  };

  /** The request (either documented shape) as a draft: label references resolved, audio guarded, inline contacts upserted. */
  async function draftOf(workspaceId: string, b: DialerCreateBody, defaultCountry: string): Promise<DialerDraft> {
    const legacy = b.script !== undefined || b.contacts !== undefined || b.schedule_time !== undefined;
    const errors: FieldErrors = {};
    const start = b.schedule_time ?? b.start_time ?? now();
    const end = b.end_time ?? new Date(start.getTime() + DAY_MS);
    const fallback = b.phone_ids ? undefined : await dialer.defaultPhone(workspaceId);
    const phoneIds: string[] = b.phone_ids ?? (fallback ? [fallback] : []);
    if (!phoneIds.length) errors.phone_ids = ['The phone_ids field is required: the workspace has no enabled voice phone to default to.'];
    if (Object.keys(errors).length) throw new InvalidError(errors);
    if (b.audio_url) await services.assertPublicUrls([{ field: 'audio_url', url: b.audio_url }]);
    const labels = await services.labels.resolveRefs(
      workspaceId,
      {
        any_contact_label_ids: b.any_contact_label_ids,
        all_contact_label_ids: b.all_contact_label_ids,
        exclude_any_contact_label_ids: b.exclude_any_contact_label_ids,
        exclude_all_contact_label_ids: b.exclude_all_contact_label_ids,
        attach_contact_label_ids: b.attach_contact_label_ids,
      },
      ['attach_contact_label_ids'],
    );
    const inline = b.contacts?.length ? await dialer.upsertContacts(workspaceId, b.contacts, defaultCountry) : [];
    const additions = [...new Set([...(b.addition_contact_ids ?? []).map((id) => id.toLowerCase()), ...inline])];
    const excluded = [...new Set((b.exclude_contact_ids ?? []).map((id) => id.toLowerCase()))];
    const audience: SegmentFilter = {};
    if (labels.any_contact_label_ids.length) audience.anyLabelIds = labels.any_contact_label_ids;
    if (labels.all_contact_label_ids.length) audience.allLabelIds = labels.all_contact_label_ids;
    if (labels.exclude_any_contact_label_ids.length) audience.excludeAnyLabelIds = labels.exclude_any_contact_label_ids;
    if (labels.exclude_all_contact_label_ids.length) audience.excludeAllLabelIds = labels.exclude_all_contact_label_ids;
    if (excluded.length) audience.excludeContactIds = excluded;
    if (b.whatsapp_phone_only) audience.whatsappPhoneOnly = true;
    if (additions.length) {
      audience.additionContactIds = additions;
      // Inline contacts alone are the audience (the refactored wiki's shape), not the whole book plus them.
      if (inline.length && !Object.keys(labels).some((k) => k !== 'attach_contact_label_ids' && labels[k].length)) audience.customFields = { __inline_only__: true };
    }
    return {
      name: b.name,
      draftName: b.draft_name ?? null,
      type: b.type ?? 'VOICE_DROP',
      mode: (b.mode ?? 'WEB').toUpperCase(),
      stage: (b.stage ?? 'INSTANCE').toUpperCase(),
      message: b.message ?? b.script ?? '',
      ttsLanguage: b.tts_language ?? '',
      ttsVoice: b.tts_voice ?? 'default',
      audioUrl: b.audio_url || null,
      captureKeypress: b.capture_keypress ?? (legacy && /press \d/i.test(b.script ?? '')),
      captureStt: b.capture_stt ?? false,
      aiConfigId: b.ai_agent_conversation_config_id ?? null,
      overwritePhoneRecipient: b.overwrite_phone_recipient ?? null,
      phoneIds,
      audience,
      audienceRefs: {
        any_contact_label_ids: labels.any_contact_label_ids,
        all_contact_label_ids: labels.all_contact_label_ids,
        exclude_any_contact_label_ids: labels.exclude_any_contact_label_ids,
        exclude_all_contact_label_ids: labels.exclude_all_contact_label_ids,
        exclude_contact_ids: excluded,
        addition_contact_ids: additions,
        whatsapp_phone_only: b.whatsapp_phone_only ?? false,
      },
      attachContactLabelIds: labels.attach_contact_label_ids,
      maxAttempts: b.max_attempts ?? (b.retry_attempts != null ? b.retry_attempts + 1 : 1),
      maxDialers: b.max_dialers ?? 20,
      agentLines: b.agent_lines ?? null,
      isSchedule: b.schedule_time !== undefined ? true : (b.is_schedule ?? false),
      isTimezoneAware: b.is_timezone_aware ?? false,
      timezone: b.timezone ?? null,
      startTime: start,
      endTime: end,
      ringTimeoutSec: b.ring_timeout_seconds ?? 30,
      timeLimitSec: b.time_limit_seconds ?? b.max_call_duration ?? 3600,
      retryDelays: b.retry_delays ?? {},
      callingWindow: b.calling_window ?? null,
      ...(b.opt_out_digit !== undefined ? { optOutDigit: b.opt_out_digit } : {}),
      legacyShape: legacy ? 'script' : null,
    };
  }

  const lifecycle = (action: DialerAction, summary: string, description: string) =>
    route({
      method: 'post',
      path: `${BASE}/:auto_dialer_campaign_id/${action}`,
      tag: TAG,
      summary,
      description: `Extension (SeaX documents no lifecycle endpoints). ${description} An action the current status does not allow is a 409 naming the status (\`details.status\`).`,
      ability: 'campaigns.write',
      params: dialerParams,
      response: dialerView,
      errors: [409],
      handler: async (ctx, { params }) => {
        try {
          return await toView(await dialer.transition(workspaceFromPath(ctx), params.auto_dialer_campaign_id, action));
        } catch (err) {
          throw seaxConflict(err);
        }
      },
    });

  return [
    route({
      method: 'get',
      path: AGENTS,
      tag: TAG,
      summary: 'List AI agents',
      description: '`types` (SEAX_CALL, SEAX_SMS, SEAX_WABP, comma-separated) keeps agents with an integration of one of them; `limit` 10 (0 = all), `offset`, `order_by` (default created_time:desc).',
      ability: 'campaigns.read',
      params: workspaceParams,
      query: aiAgentListQuery(AI_AGENT_ORDER_FIELDS),
      response: aiAgentList,
      handler: async (ctx, { query }) => {
        const q = query as { types?: string[]; order_by: { field: (typeof AI_AGENT_ORDER_FIELDS)[number]; direction: 'asc' | 'desc' }[]; offset: number; limit: number };
        const { rows, total } = await dialer.listAgents(workspaceFromPath(ctx), { types: q.types }, { ...pageOf(q), order: q.order_by });
        return { data: rows.map(toAgent), total };
      },
    }),
    route({
      method: 'post',
      path: AGENTS,
      tag: TAG,
      summary: 'Create an AI agent',
      description: 'Extension (SeaX configures agents in SeaChat). The SEAX_CALL integration says where an answered call goes: `stream_url` (a media-stream WebSocket) or `twiml_url`; neither: a scripted agent that says the opening line and listens.',
      ability: 'campaigns.write',
      params: workspaceParams,
      body: aiAgentBody,
      response: aiAgentView,
      handler: async (ctx, { body }) => toAgent(await dialer.createAgent(workspaceFromPath(ctx), body as never)),
    }),
    route({
      method: 'get',
      path: `${AGENTS}/:ai_agent_id`,
      tag: TAG,
      summary: 'An AI agent',
      ability: 'campaigns.read',
      params: aiAgentParams,
      response: aiAgentView,
      handler: async (ctx, { params }) => toAgent(await dialer.getAgent(workspaceFromPath(ctx), params.ai_agent_id)),
    }),
    route({
      method: 'patch',
      path: `${AGENTS}/:ai_agent_id`,
      tag: TAG,
      summary: 'Update an AI agent (only the fields sent change)',
      description: 'Extension.',
      ability: 'campaigns.write',
      params: aiAgentParams,
      body: aiAgentBody,
      response: aiAgentView,
      handler: async (ctx, { params, body }) => toAgent(await dialer.updateAgent(workspaceFromPath(ctx), params.ai_agent_id, body as never)),
    }),
    route({
      method: 'delete',
      path: `${AGENTS}/:ai_agent_id`,
      tag: TAG,
      summary: 'Delete an AI agent',
      description: 'Extension. Campaigns that named it keep its conversation config id.',
      ability: 'campaigns.write',
      params: aiAgentParams,
      status: 204,
      handler: async (ctx, { params }) => {
        await dialer.deleteAgent(workspaceFromPath(ctx), params.ai_agent_id);
      },
    }),
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Create an auto-dialer campaign (VOICE_DROP, PROGRESSIVE_DIALER or AI_AGENT)',
      description:
        'Every documented field. Calls every reachable contact (never opted-out, blocked or DNC) matching the filters, one call per number, ' +
        'inside the calling window of each contact, with answering-machine detection, per-outcome retries up to `max_attempts` and at most ' +
        '`max_dialers` calls up at once. `is_schedule: true` waits for `start_time` (in the future). Answers 200 with the campaign. ' +
        'The refactored wiki’s shape (`script`, inline `contacts`, `schedule_time`, `retry_attempts`, `max_call_duration`) is accepted as aliases.',
      ability: 'campaigns.write',
      params: workspaceParams,
      body: dialerCreateBody,
      response: dialerView,
      handler: async (ctx, { body }) => {
        const workspaceId = workspaceFromPath(ctx);
        return toView(await dialer.create(workspaceId, await draftOf(workspaceId, body, principalOf(ctx).defaultCountry)));
      },
    }),
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List auto-dialer campaigns',
      description: 'Filters `types`, `phone_numbers`, `ai_agent_conversation_config_id`, `stage`, `mode`, `statuses`, and a date range (`start_time`, `end_time`: campaigns overlapping it); `limit` 10 (0 = all), `offset`, `order_by` (default created_time:desc). Adds `total`.',
      ability: 'campaigns.read',
      params: workspaceParams,
      query: dialerListQuery(DIALER_ORDER_FIELDS),
      response: dialerList,
      handler: async (ctx, { query }) => {
        const q = query as {
          types?: string[]; phone_numbers?: string[]; ai_agent_conversation_config_id?: string; stage?: string; mode?: string; statuses?: string[];
          start_time?: Date; end_time?: Date; order_by: { field: (typeof DIALER_ORDER_FIELDS)[number]; direction: 'asc' | 'desc' }[]; offset: number; limit: number;
        };
        const { rows, total } = await dialer.list(
          workspaceFromPath(ctx),
          {
            types: q.types,
            phoneNumbers: q.phone_numbers,
            aiConfigId: q.ai_agent_conversation_config_id,
            stage: q.stage,
            mode: q.mode,
            statuses: q.statuses?.map((s) => dialerStatusOf(s)!).filter(Boolean),
            from: q.start_time,
            to: q.end_time,
          },
          { ...pageOf(q), order: q.order_by },
        );
        return { data: await Promise.all(rows.map(toView)), total };
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:auto_dialer_campaign_id`,
      tag: TAG,
      summary: 'An auto-dialer campaign with its statistics',
      description: '`statistics`: the documented human, machine, unknown, no_answer, total (contacts), plus busy, failed, in_progress, pending, canceled, expired, excluded, opted_out, calls, keypresses (per key), abandoned and abandonment_rate.',
      ability: 'campaigns.read',
      params: dialerParams,
      response: dialerView,
      handler: async (ctx, { params }) => toView(await dialer.get(workspaceFromPath(ctx), params.auto_dialer_campaign_id)),
    }),
    route({
      method: 'get',
      path: `${BASE}/:auto_dialer_campaign_id/logs`,
      tag: TAG,
      summary: 'Per-contact call logs',
      description: 'Extension. One row per contact in audience order with its last attempt: attempts, call status, answered_by, digits, speech result, duration, times, finish reason, recording URL, error. `call_statuses` filters; `offset` 0, `limit` 10 (0 = all).',
      ability: 'campaigns.read',
      params: dialerParams,
      query: dialerLogsQuery,
      response: dialerLogList,
      handler: async (ctx, { params, query }) => {
        const c = await dialer.get(workspaceFromPath(ctx), params.auto_dialer_campaign_id);
        const { rows, total } = await dialer.logs(c, { statuses: query.call_statuses }, pageOf(query));
        return { data: rows.map(toLog), total, offset: query.offset, limit: query.limit };
      },
    }),
    lifecycle('pause', 'Pause an auto-dialer campaign', 'No new call is placed; calls up finish; retries wait.'),
    lifecycle('resume', 'Resume a paused auto-dialer campaign', 'Dialing continues where it stopped.'),
    lifecycle('cancel', 'Cancel an auto-dialer campaign', 'No new call is placed; contacts not finished are canceled.'),
  ];
}
