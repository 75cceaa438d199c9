import type { Knex } from 'knex';
import { aiAgentsRepo, type AiAgentInput, type AiAgentOrderField } from '../db/repositories/ai-agents';
import { callAttemptsRepo } from '../db/repositories/call-attempts';
import { dialerCampaignsRepo, type DialerListFilter, type DialerOrderField, type DialerStats } from '../db/repositories/dialer-campaigns';
import { phonesRepo } from '../db/repositories/phones';
import { abandonmentRate, DIALER_ALLOWED_FROM, type DialerAction, type DialerStatus, type DialerType, type RetryDelays } from '../domain/dialer';
import { DEFAULT_CALLING_WINDOW } from '../domain/dialer-window';
import { isValidTimeZone, parseSendingWindow } from '../domain/quiet-hours';
import type { SegmentFilter } from '../domain/segment';
import type { WorkflowStarters } from '../temporal/starters';
import { contactsRepo } from '../db/repositories/contacts';
import { eventsRepo } from '../db/repositories/events';
import { normalizePhone } from '../domain/phone';
import { conflict, InvalidError, notFound, type FieldErrors } from './errors';
import { contactEventData } from './events';
import type { AiAgentRow, DialerAudienceRefs, DialerCampaignRow, PhoneRow } from '../db/rows';

/** The fields agent and campaign lists can be ordered by. */
export { AI_AGENT_ORDER_FIELDS } from '../db/repositories/ai-agents';
export { DIALER_ORDER_FIELDS } from '../db/repositories/dialer-campaigns';

/** What a create request becomes, whichever shape it came in (the documented one or the refactored wiki's). */
export interface DialerDraft {
  name: string;
  draftName?: string | null;
  type: DialerType;
  mode: string;
  stage: string;
  message: string;
  ttsLanguage: string;
  ttsVoice: string;
  audioUrl: string | null;
  captureKeypress: boolean;
  captureStt: boolean;
  aiConfigId: string | null;
  overwritePhoneRecipient: { type: string; receiver: string } | null;
  phoneIds: string[];
  audience: SegmentFilter;
  audienceRefs: DialerAudienceRefs;
  attachContactLabelIds: string[];
  maxAttempts: number;
  maxDialers: number;
  agentLines: number | null;
  isSchedule: boolean;
  isTimezoneAware: boolean;
  timezone: string | null;
  startTime: Date;
  endTime: Date;
  ringTimeoutSec: number;
  timeLimitSec: number;
  retryDelays: Partial<RetryDelays>;
  callingWindow: { start: string; end: string } | null;
  /** undefined: the workspace's default (9); null: no opt-out key. */
  optOutDigit?: string | null;
  legacyShape?: string | null;
}

/** A phone's abandonment over the last 30 days (all campaigns). */
export interface PhoneAbandonment {
  phone_id: string;
  human_answered: number;
  abandoned: number;
  abandonment_rate: number;
}

const DAY_MS = 24 * 3600 * 1000;
const illegal = (action: DialerAction, status: DialerStatus) => conflict(`Cannot ${action} a campaign that is ${status}.`, { status }, 'invalid_state');

/**
 * Auto-dialer campaigns and AI agents. Create writes the campaign row and starts its workflow (`dialer-campaign-<id>`);
 * lifecycle changes are compare-and-set on the row first (the row is the truth), then a signal.
 */
export function dialerService(deps: { db: Knex; starters: WorkflowStarters; clock?: () => Date }) {
  const { db, starters } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const repo = dialerCampaignsRepo(db);
  const agents = aiAgentsRepo(db);
  const phones = phonesRepo(db);

  const mustGet = async (workspaceId: string, id: string): Promise<DialerCampaignRow> => {
    const c = await repo.get(workspaceId, id);
    if (!c) throw notFound('Auto dialer campaign');
    return c;
  };

  /** The campaign's recipient (who an answered call is connected to), and the 422s a mismatch gives. */
  async function checkRecipients(workspaceId: string, d: DialerDraft, found: PhoneRow[], errors: FieldErrors): Promise<AiAgentRow | undefined> {
    let agent: AiAgentRow | undefined;
    if (d.type === 'AI_AGENT') {
      if (!d.aiConfigId) {
        errors.ai_agent_conversation_config_id = ['The ai_agent_conversation_config_id field is required for AI_AGENT campaigns.'];
        return undefined;
      }
      agent = await agents.byConfigId(workspaceId, d.aiConfigId);
      if (!agent) {
        errors.ai_agent_conversation_config_id = [`The ai_agent_conversation_config_id field names no AI agent of this workspace: ${d.aiConfigId}.`];
        return undefined;
      }
    }
    const o = d.overwritePhoneRecipient;
    if (d.type === 'AI_AGENT' && agent) {
      const wanted = agent.conversation_config_id;
      if (o && (o.type !== 'AI_AGENT' || (o.receiver !== wanted && o.receiver !== agent.id))) {
        errors.overwrite_phone_recipient = [`The overwrite_phone_recipient field must name the campaign's agent: {"type": "AI_AGENT", "receiver": "${wanted}"}.`];
      } else if (!o) {
        const differ = found.filter((p) => {
          const r = p.call_recipient as { type?: string; receiver?: string } | null;
          return !(r?.type === 'AI_AGENT' && (r.receiver === wanted || r.receiver === agent!.id));
        });
        if (differ.length) {
          errors.overwrite_phone_recipient = [
            `The overwrite_phone_recipient field is required: the call recipient of ${differ.map((p) => p.phone).join(', ')} is not this campaign's agent ({"type": "AI_AGENT", "receiver": "${wanted}"}).`,
          ];
        }
      }
    }
    if (d.type === 'PROGRESSIVE_DIALER') {
      if (o && (o.type !== 'PHONE_NUMBER' || !/^\+[1-9]\d{6,14}$/.test(o.receiver))) {
        errors.overwrite_phone_recipient = ['The overwrite_phone_recipient field must be {"type": "PHONE_NUMBER", "receiver": "<E.164 number>"} for a progressive dialer.'];
      } else if (!o) {
        const differ = found.filter((p) => (p.call_recipient as { type?: string } | null)?.type !== 'PHONE_NUMBER');
        if (differ.length) {
          errors.overwrite_phone_recipient = [
            `The overwrite_phone_recipient field is required: ${differ.map((p) => p.phone).join(', ')} has no PHONE_NUMBER call recipient to bridge answered calls to.`,
          ];
        }
      }
    }
    return agent;
  }

  async function check(workspaceId: string, d: DialerDraft): Promise<{ agent?: AiAgentRow }> {
    const errors: FieldErrors = {};
    const found = await Promise.all(d.phoneIds.map((id) => phones.get(workspaceId, id)));
    const missing = d.phoneIds.filter((_, i) => !found[i]);
    const known = found.filter((p): p is PhoneRow => !!p);
    if (missing.length) errors.phone_ids = [`The phone_ids field names phones that do not exist in this workspace: ${missing.join(', ')}.`];
    else if (known.some((p) => !p.enabled)) errors.phone_ids = [`The phone_ids field names disabled phones: ${known.filter((p) => !p.enabled).map((p) => p.id).join(', ')}.`];
    else if (known.some((p) => p.phone_capability?.voice === false)) {
      errors.phone_ids = [`The phone_ids field names phones without voice capability: ${known.filter((p) => p.phone_capability?.voice === false).map((p) => p.id).join(', ')}.`];
    }
    const t = now().getTime();
    if (d.endTime.getTime() <= d.startTime.getTime()) errors.end_time = ['The end_time field must be after start_time.'];
    else if (d.endTime.getTime() <= t) errors.end_time = ['The end_time field must be in the future.'];
    if (d.isSchedule && d.startTime.getTime() <= t) errors.start_time = ['The start_time field must be in the future when is_schedule is true.'];
    if (d.type === 'VOICE_DROP' && !d.message.trim() && !d.audioUrl) errors.message = ['The message field (or audio_url) is required for VOICE_DROP campaigns.'];
    if (d.timezone && !isValidTimeZone(d.timezone)) errors.timezone = ['The timezone field must be an IANA time zone, e.g. America/New_York.'];
    if (d.callingWindow) {
      try {
        parseSendingWindow(d.callingWindow);
      } catch {
        errors.calling_window = ['The calling_window field must be {"start": "HH:mm", "end": "HH:mm"}.'];
      }
    }
    if (d.agentLines !== null && d.type !== 'PROGRESSIVE_DIALER') errors.agent_lines = ['The agent_lines field applies to PROGRESSIVE_DIALER campaigns only.'];
    const agent = missing.length ? undefined : await checkRecipients(workspaceId, d, known, errors);
    if (Object.keys(errors).length) throw new InvalidError(errors);
    return { agent };
  }

  const service = {
    get: mustGet,
    stats: (c: DialerCampaignRow): Promise<DialerStats> => repo.stats(c),
    logs: repo.logs,
    list: (workspaceId: string, f: DialerListFilter, p: { limit?: number; offset: number; order: { field: DialerOrderField; direction: 'asc' | 'desc' }[] }) => repo.list(workspaceId, f, p),
    /** Reachable contacts the audience gives right now. */
    countAudience: (workspaceId: string, audience: SegmentFilter) => repo.countAudience(workspaceId, audience),

    /** Each phone's person-answered and abandoned calls over the last 30 days, all campaigns together. */
    async phoneAbandonment(c: DialerCampaignRow): Promise<PhoneAbandonment[]> {
      const counts = await callAttemptsRepo(db).abandonCounts(c.phone_ids, new Date(now().getTime() - 30 * DAY_MS));
      return c.phone_ids.map((id) => {
        const k = counts.get(id) ?? { humanAnswered: 0, abandoned: 0 };
        return { phone_id: id, human_answered: k.humanAnswered, abandoned: k.abandoned, abandonment_rate: abandonmentRate(k) };
      });
    },

    /** Create a campaign and start its run (at once, or waiting for start_time when is_schedule). */
    async create(workspaceId: string, d: DialerDraft): Promise<DialerCampaignRow> {
      const { agent } = await check(workspaceId, d);
      const ws = await db('workspaces').where({ id: workspaceId }).first('call_opt_out_digit');
      const status: DialerStatus = d.isSchedule ? 'scheduled' : 'running';
      const row = await repo.insert(
          {
            workspace_id: workspaceId,
            name: d.name,
            draft_name: d.draftName ?? null,
            type: d.type,
            mode: d.mode,
            stage: d.stage,
            status,
            message: d.message,
            tts_language: d.ttsLanguage,
            tts_voice: d.ttsVoice,
            audio_url: d.audioUrl,
            capture_keypress: d.captureKeypress,
            capture_stt: d.captureStt,
            ai_agent_id: agent?.id ?? null,
            ai_agent_conversation_config_id: agent?.conversation_config_id ?? d.aiConfigId,
            overwrite_phone_recipient: d.overwritePhoneRecipient,
            phone_ids: d.phoneIds,
            audience: d.audience,
            audience_refs: d.audienceRefs,
            attach_contact_label_ids: d.attachContactLabelIds,
            max_attempts: d.maxAttempts,
            max_dialers: d.maxDialers,
            agent_lines: d.agentLines,
            is_schedule: d.isSchedule,
            is_timezone_aware: d.isTimezoneAware,
            timezone: d.timezone,
            start_time: d.startTime,
            end_time: d.endTime,
            ring_timeout_seconds: d.ringTimeoutSec,
            time_limit_seconds: d.timeLimitSec,
            retry_delays: d.retryDelays,
            calling_window: d.callingWindow ?? { ...DEFAULT_CALLING_WINDOW },
            opt_out_digit: d.optOutDigit === undefined ? (ws?.call_opt_out_digit ?? null) : d.optOutDigit,
            legacy_shape: d.legacyShape ?? null,
      });
      const workflowId = await starters.dialerCampaign(
        { workspaceId, campaignId: row.id, name: row.name, type: row.type },
        { startAt: d.isSchedule ? row.start_time.toISOString() : null, endAt: row.end_time.toISOString() },
      );
      await repo.setWorkflowId(workspaceId, row.id, workflowId);
      return mustGet(workspaceId, row.id);
    },

    /** pause / resume / cancel: compare-and-set on the row, then the signal; 409 naming the status otherwise. */
    async transition(workspaceId: string, id: string, action: DialerAction): Promise<DialerCampaignRow> {
      const c = await mustGet(workspaceId, id);
      if (!DIALER_ALLOWED_FROM[action].includes(c.status)) throw illegal(action, c.status);
      const patch: Partial<DialerCampaignRow> =
        action === 'pause' ? { status: 'paused', paused_at: now() } : action === 'resume' ? { status: c.started_at || !c.is_schedule ? 'running' : 'scheduled', paused_at: null } : { status: 'canceled', canceled_at: now() };
      const row = await repo.update(workspaceId, id, [c.status], patch);
      if (!row) throw illegal(action, (await mustGet(workspaceId, id)).status);
      await starters.signalDialer(id, action);
      return row;
    },

    /** What the campaign's filters and phones name, as objects (the SeaX view shows them resolved). */
    async describe(c: DialerCampaignRow) {
      const r = c.audience_refs;
      const labelIds = [...(r.any_contact_label_ids ?? []), ...(r.all_contact_label_ids ?? []), ...(r.exclude_any_contact_label_ids ?? []), ...(r.exclude_all_contact_label_ids ?? [])];
      const refs = await repo.refObjects(c.workspace_id, labelIds, [...(r.exclude_contact_ids ?? []), ...(r.addition_contact_ids ?? [])]);
      const found = await Promise.all(c.phone_ids.map((id) => phones.get(c.workspace_id, id)));
      return { ...refs, phones: found.filter((p): p is PhoneRow => !!p) };
    },

    /** The workspace's default voice phone (for the refactored wiki's shape, which names none). */
    defaultPhone: (workspaceId: string) => repo.defaultVoicePhone(workspaceId),

    /** The refactored wiki's inline contacts: found by phone or created (contact.created), answering their ids in order. */
    async upsertContacts(workspaceId: string, list: { phone: string; name?: string; first_name?: string; [k: string]: unknown }[], defaultCountry: string): Promise<string[]> {
      const errors: FieldErrors = {};
      const phonesOf = list.map((c, i) => {
        const phone = normalizePhone(c.phone, defaultCountry);
        if (!phone) errors[`contacts.${i}.phone`] = ['Not a valid phone number.'];
        return phone;
      });
      if (Object.keys(errors).length) throw new InvalidError(errors);
      return db.transaction(async (trx) => {
        const ids: string[] = [];
        for (const [i, c] of list.entries()) {
          const { phone: _p, name, first_name, ...fields } = c;
          const { contact, created } = await contactsRepo(trx).insertIfAbsent(workspaceId, { name: name ?? first_name ?? phonesOf[i]!, phone: phonesOf[i]!, custom_fields: fields as Record<string, unknown> }, trx);
          if (created) await eventsRepo(trx).record({ workspace_id: workspaceId, type: 'contact.created', subject_type: 'contact', subject_id: contact.id, data: contactEventData(contact, { source: 'auto_dialer' }) }, trx);
          ids.push(contact.id);
        }
        return ids;
      });
    },

    // --- AI agents

    listAgents: (workspaceId: string, f: { types?: string[] }, p: { limit?: number; offset: number; order: { field: AiAgentOrderField; direction: 'asc' | 'desc' }[] }) => agents.list(workspaceId, f, p),
    async getAgent(workspaceId: string, id: string): Promise<AiAgentRow> {
      const a = await agents.get(workspaceId, id);
      if (!a) throw notFound('AI agent');
      return a;
    },
    createAgent: (workspaceId: string, input: AiAgentInput) => agents.insert(workspaceId, input),
    async updateAgent(workspaceId: string, id: string, input: AiAgentInput): Promise<AiAgentRow> {
      const a = await agents.update(workspaceId, id, input);
      if (!a) throw notFound('AI agent');
      return a;
    },
    async deleteAgent(workspaceId: string, id: string): Promise<void> {
      if (!(await agents.delete(workspaceId, id))) throw notFound('AI agent');
    },
  };
  return service;
}

