import type { Knex } from 'knex';
import type { CallEvent } from '../carriers/types';
import type { CallState, VoiceVerb } from '../carriers/voice';
import { aiAgentsRepo } from '../db/repositories/ai-agents';
import { callAttemptsRepo } from '../db/repositories/call-attempts';
import { consentRepo } from '../db/repositories/consent';
import { contactsRepo } from '../db/repositories/contacts';
import { dialerCampaignsRepo } from '../db/repositories/dialer-campaigns';
import { eventsRepo, type NewEvent } from '../db/repositories/events';
import { phonesRepo } from '../db/repositories/phones';
import { callStatusAdvances, classifyCall, isMachine, isTerminalCallStatus, resolveTts, type CallStatus } from '../domain/dialer';
import { DNC_LABEL_NAME } from '../domain/segment';
import { contactVariables, render } from '../domain/template';
import type { Logger } from '../lib/logger';
import type { CallEnded } from '../workflows/shared/activities';
import { callEventData, contactEventData, type CallContext } from './events';
import type { AiAgentIntegration, CallAttemptRow, ContactRow, DialerCampaignRow, PhoneRow } from '../db/rows';

/** What a carrier reported about a call: a progress callback, an AMD result, a <Gather> result, or a reconciliation. */
export type CallProgress = Omit<CallEvent, 'type' | 'providerCallId' | 'status'> & { providerCallId?: string; status?: CallStatus; provider?: string };

/** Where the workflow hears about calls (injected: temporal/starters.ts). */
export interface DialerSignals {
  callEnded(campaignId: string, e: CallEnded): Promise<void>;
  machineAnswered(campaignId: string, attemptId: string): Promise<void>;
}

export interface DialerCallsDeps {
  db: Knex;
  logger: Logger;
  signals: DialerSignals;
  /** The API's public base URL: the answer, gather, AMD and status callbacks of Twilio calls are addressed there. */
  publicUrl?: string;
}

const GOODBYE = 'Thank you. Goodbye.';

/** The voice callback URLs of an attempt (the attempt id in the query: signed with the rest of the URL). */
export const voiceUrls = (publicUrl: string, attemptId: string) => {
  const base = `${publicUrl.replace(/\/+$/, '')}/callbacks/twilio/voice`;
  const q = `attempt=${encodeURIComponent(attemptId)}`;
  return { answer: `${base}/answer?${q}`, status: `${base}/status?${q}`, amd: `${base}/amd?${q}`, gather: `${base}/gather?${q}`, dial: `${base}/dial?${q}`, answerWait: `${base}/answer?${q}&wait=1` };
};

/** How an attempt ended, for call.ended and the logs: the outcome, or what our instructions did. */
function finishReason(a: CallAttemptRow, c: DialerCampaignRow): string {
  if (a.opted_out) return 'opted_out';
  if (a.abandoned) return 'abandoned';
  const outcome = classifyCall({ status: a.status, answeredBy: a.answered_by, answered: a.answered_at !== null || a.status === 'completed' });
  if (outcome === 'machine') return c.type === 'VOICE_DROP' ? 'voicemail' : 'machine';
  if (outcome === 'human' || outcome === 'unknown') return 'completed';
  return outcome;
}

/** The signal a finished attempt sends its campaign's workflow. */
export function callEndedOf(a: CallAttemptRow): CallEnded {
  const answered = a.answered_at !== null || a.status === 'completed';
  return {
    attemptId: a.id,
    seq: a.seq,
    attempt: a.attempt,
    outcome: classifyCall({ status: a.status, answeredBy: a.answered_by, answered }),
    abandoned: a.abandoned,
    humanAnswered: answered && !isMachine(a.answered_by),
    optedOut: a.opted_out,
    permanent: a.status === 'failed' && a.error_code !== null && !a.provider_call_id,
  };
}

/**
 * Call progress of dialer campaigns, whichever carrier reports it: every change to an attempt and the call.* events
 * describing it are written in one transaction, under the attempt's row lock; status only moves forward (callbacks
 * arrive out of order and are retried), and an attempt's end is announced to its workflow once, after the commit.
 * Also what an answered call does: the instructions (voice verbs) its answer, gather and AMD callbacks return.
 */
export function dialerCallsService(deps: DialerCallsDeps) {
  const { db, logger, signals } = deps;
  const attempts = callAttemptsRepo(db);
  const campaigns = dialerCampaignsRepo(db);
  const phones = phonesRepo(db);
  const agents = aiAgentsRepo(db);
  const events = eventsRepo(db);

  async function context(trx: Knex, a: CallAttemptRow): Promise<{ c: DialerCampaignRow; phone: PhoneRow | undefined; contact: ContactRow | undefined; ctx: CallContext }> {
    const c = (await campaigns.get(a.workspace_id, a.campaign_id, trx))!;
    const phone = a.phone_id ? await phonesRepo(trx).get(a.workspace_id, a.phone_id) : undefined;
    const contact = a.contact_id ? await contactsRepo(trx).get(a.workspace_id, a.contact_id, trx) : undefined;
    return { c, phone, contact, ctx: { campaign: { id: c.id, name: c.name, type: c.type }, phone: phone ? { id: phone.id, phone: phone.phone, name: phone.name } : null, contact } };
  }

  /** Apply one report under the row lock; answers the row after it and whether it ended the attempt now. */
  async function apply(attemptId: string, e: CallProgress, extra: (trx: Knex, a: CallAttemptRow, c: DialerCampaignRow) => Promise<Partial<CallAttemptRow>> = async () => ({})) {
    const result = await db.transaction(async (trx) => {
      const a = await attempts.lock(trx, attemptId);
      if (!a) return undefined;
      const { c, ctx } = await context(trx, a);
      const patch: Partial<CallAttemptRow> = {};
      const changed: string[] = [];
      const out: NewEvent[] = [];
      // A signed callback names the call: record its id if the placing activity could not (it crashed mid-request).
      if (e.providerCallId && !a.provider_call_id && e.provider) {
        const placed = await attempts.recordPlaced(trx, a.id, e.provider, e.providerCallId);
        if (placed) {
          Object.assign(a, placed);
          out.push({ workspace_id: a.workspace_id, type: 'call.new', subject_type: 'call', subject_id: a.id, data: callEventData(placed, ctx) });
        }
      }
      if (e.status && callStatusAdvances(a.status, e.status)) {
        patch.status = e.status;
        if (e.status === 'ringing') patch.ringing_at = e.occurredAt;
        if (e.status === 'in-progress' && !a.answered_at) patch.answered_at = e.occurredAt;
        if (e.status === 'completed' && !a.answered_at) patch.answered_at = e.occurredAt;
        if (isTerminalCallStatus(e.status)) {
          patch.ended_at = e.occurredAt;
          patch.duration_seconds = e.durationSec ?? a.duration_seconds ?? 0;
          if (e.errorCode) Object.assign(patch, { error_code: e.errorCode, error_message: e.errorMessage ?? null });
        }
      }
      if (e.sequenceNumber !== undefined && e.sequenceNumber > a.sequence_number) patch.sequence_number = e.sequenceNumber;
      if (e.answeredBy && !a.answered_by) {
        patch.answered_by = e.answeredBy;
        changed.push('answered_by');
        if (isMachine(e.answeredBy) && a.abandoned) patch.abandoned = false;
      }
      if (e.digits && e.digits !== a.digits) {
        patch.digits = e.digits;
        changed.push('digits');
      }
      if (e.speechResult && e.speechResult !== a.speech_result) {
        Object.assign(patch, { speech_result: e.speechResult, speech_confidence: e.confidence ?? null });
        changed.push('speech_result');
      }
      if (e.recordingUrl && !a.recording_url) {
        patch.recording_url = e.recordingUrl;
        changed.push('recording_url');
      }
      // A keypress the campaign names as its opt-out key: DNC with a consent record, in this transaction.
      if (patch.digits && c.opt_out_digit && patch.digits.includes(c.opt_out_digit) && !a.opted_out && a.contact_id) {
        patch.opted_out = true;
        const opted = await contactsRepo(trx).setOptedOut(a.workspace_id, a.contact_id, true, DNC_LABEL_NAME, trx);
        if (opted) {
          const detail = { keypress: c.opt_out_digit, call_attempt_id: a.id, campaign_id: c.id, phone_id: a.phone_id, channel: 'voice' };
          await consentRepo(trx).record({ workspace_id: a.workspace_id, contact_id: a.contact_id, phone: a.to_address, action: 'opt_out', source: 'keypress', actor: 'contact', detail }, trx);
          out.push({ workspace_id: a.workspace_id, type: 'contact.opted_out', subject_type: 'contact', subject_id: a.contact_id, data: contactEventData(opted, { source: 'keypress', ...detail }) });
        }
      }
      Object.assign(patch, await extra(trx, { ...a, ...patch }, c));
      if (!Object.keys(patch).length) return { row: a, c, endedNow: false, machineNow: false };
      let row = await attempts.update(trx, a.id, patch);
      const endedNow = !isTerminalCallStatus(a.status) && isTerminalCallStatus(row.status);
      if (endedNow) row = await attempts.update(trx, a.id, { finish_reason: finishReason(row, c), finished_by: row.finished_by ?? (row.answered_at ? 'CUSTOMER' : 'SYSTEM') });
      if (changed.length) {
        const previous = Object.fromEntries(changed.map((f) => [f, a[f as keyof CallAttemptRow] ?? null]));
        const current = Object.fromEntries(changed.map((f) => [f, row[f as keyof CallAttemptRow] ?? null]));
        out.push({ workspace_id: a.workspace_id, type: 'call.updated', subject_type: 'call', subject_id: a.id, data: callEventData(row, ctx, { update_reason: changed.join(','), updated_fields: changed, previous, current }) });
      }
      if (endedNow) out.push({ workspace_id: a.workspace_id, type: 'call.ended', subject_type: 'call', subject_id: a.id, data: callEventData(row, ctx) });
      await events.record(out, trx);
      const machineNow = changed.includes('answered_by') && isMachine(row.answered_by) && c.type !== 'VOICE_DROP' && !isTerminalCallStatus(row.status);
      return { row, c, endedNow, machineNow };
    });
    if (!result) return undefined;
    // After the commit: the workflow hears of the end once (a lost signal is caught by the call's deadline).
    if (result.endedNow) await signals.callEnded(result.c.id, callEndedOf(result.row)).catch((err: unknown) => logger.warn({ err, attemptId }, 'dialer workflow not told of a call end; its deadline will catch it'));
    if (result.machineNow) await signals.machineAnswered(result.c.id, attemptId).catch((err: unknown) => logger.warn({ err, attemptId }, 'dialer workflow not told of a machine'));
    return result;
  }

  const sayOrPlay = (c: DialerCampaignRow, contact: ContactRow | undefined): VoiceVerb => {
    if (c.audio_url) return { verb: 'play', url: c.audio_url };
    const tts = resolveTts(c.tts_language, c.tts_voice);
    return { verb: 'say', text: render(c.message, contact ? contactVariables(contact) : {}).text, voice: tts.voice, language: tts.language };
  };
  const inputsOf = (c: DialerCampaignRow): ('dtmf' | 'speech')[] => [...(c.capture_keypress || c.opt_out_digit ? (['dtmf'] as const) : []), ...(c.capture_stt ? (['speech'] as const) : [])];
  const optOutPrompt = (c: DialerCampaignRow, lang: string): VoiceVerb[] =>
    c.opt_out_digit ? [{ verb: 'say', text: `To stop receiving these calls, press ${c.opt_out_digit}.`, language: lang }] : [];

  /** What an AI agent does with an answered call: its media stream, its TwiML, or (neither) a scripted stub that listens. */
  function agentContinuation(c: DialerCampaignRow, a: CallAttemptRow, integ: AiAgentIntegration | undefined, urls: ReturnType<typeof voiceUrls>): VoiceVerb[] {
    if (integ?.stream_url) {
      return [{ verb: 'stream', url: integ.stream_url, parameters: { call_attempt_id: a.id, campaign_id: c.id, contact_id: a.contact_id ?? '', conversation_config_id: c.ai_agent_conversation_config_id ?? '' } }];
    }
    if (integ?.twiml_url) return [{ verb: 'redirect', url: integ.twiml_url }];
    return [{ verb: 'gather', input: ['speech'], action: urls.gather, timeoutSec: 5, language: integ?.outbound_language ?? undefined, prompt: [] }, { verb: 'hangup' }];
  }

  async function callIntegration(c: DialerCampaignRow): Promise<AiAgentIntegration | undefined> {
    const agent = c.ai_agent_id ? await agents.get(c.workspace_id, c.ai_agent_id) : undefined;
    return agent?.integrations.find((i) => i.type === 'SEAX_CALL');
  }

  const urlsOf = (a: CallAttemptRow) => {
    if (!deps.publicUrl) throw new Error('PUBLIC_URL is required for voice callbacks');
    return voiceUrls(deps.publicUrl, a.id);
  };

  /**
   * The provider's call id, recorded once (compare-and-set) with its call.new event: after placeCall answered, or
   * when reconciliation found the call an earlier, crashed attempt placed.
   */
  async function recordPlaced(attemptId: string, provider: string, providerCallId: string): Promise<CallAttemptRow | undefined> {
    return db.transaction(async (trx) => {
      const row = await attempts.recordPlaced(trx, attemptId, provider, providerCallId);
      if (!row) return undefined;
      const { ctx } = await context(trx, row);
      await events.record({ workspace_id: row.workspace_id, type: 'call.new', subject_type: 'call', subject_id: row.id, data: callEventData(row, ctx) }, trx);
      return row;
    });
  }

  return {
    apply,
    recordPlaced,

    /** A simulator call event (the attempt id comes back as clientReference, signed by the simulator). */
    async simulatorEvent(e: CallEvent): Promise<boolean> {
      const id = e.clientReference ?? (await attempts.findByProviderId('SIMULATOR', e.providerCallId))?.id;
      if (!id) return false;
      return !!(await apply(id, { ...e, provider: 'SIMULATOR' }));
    },

    /** A reconciliation's answer from the carrier (activities/dialer.ts). */
    async applyCarrierState(attemptId: string, s: CallState, provider: string) {
      await recordPlaced(attemptId, provider, s.providerCallId);
      return apply(attemptId, { provider, status: s.status, answeredBy: s.answeredBy, durationSec: s.durationSec, occurredAt: new Date() });
    },

    /**
     * The answer callback: the instructions for an answered call. A voice drop (its AMD waited for the greeting's
     * end) leaves the whole message on a machine and plays it, with the opt-out key, to a person. A progressive call
     * is bridged to the recipient when a line is free within about a second; otherwise it plays the identification
     * and opt-out message and counts as abandoned. An AI agent's call gets its opening line, then the agent.
     */
    async answer(attemptId: string, e: CallProgress, opts: { wait: boolean }): Promise<VoiceVerb[]> {
      let verbs: VoiceVerb[] = [{ verb: 'hangup' }];
      await apply(attemptId, { ...e, status: e.status ?? 'in-progress' }, async (trx, a, c) => {
        const urls = urlsOf(a);
        const { phone, contact } = await context(trx, a);
        const tts = resolveTts(c.tts_language, c.tts_voice);
        if (c.type === 'VOICE_DROP') {
          if (a.answered_by === 'fax') {
            verbs = [{ verb: 'hangup' }];
            return { finished_by: 'SYSTEM' };
          }
          if (isMachine(a.answered_by)) {
            verbs = [sayOrPlay(c, contact), ...(phone ? [{ verb: 'say' as const, text: `To opt out, call ${phone.phone}.`, language: tts.language }] : []), { verb: 'hangup' }];
            return { finished_by: 'SYSTEM' };
          }
          const input = inputsOf(c);
          verbs = input.length
            ? [{ verb: 'gather', input, numDigits: 1, timeoutSec: 5, action: urls.gather, language: tts.language, prompt: [sayOrPlay(c, contact), ...optOutPrompt(c, tts.language)] }, { verb: 'say', text: GOODBYE, language: tts.language }, { verb: 'hangup' }]
            : [sayOrPlay(c, contact), { verb: 'hangup' }];
          return {};
        }
        if (c.type === 'AI_AGENT') {
          const integ = await callIntegration(c);
          const opening = render(c.message || integ?.outbound_starting_message || '', contact ? contactVariables(contact) : {}).text;
          const say: VoiceVerb[] = opening ? [{ verb: 'say', text: opening, voice: integ?.outbound_voice ?? tts.voice, language: integ?.outbound_language ?? tts.language }] : [];
          const input = [...(c.capture_keypress ? (['dtmf'] as const) : []), ...(c.capture_stt ? (['speech'] as const) : [])];
          verbs = input.length ? [{ verb: 'gather', input, numDigits: c.capture_stt ? undefined : 1, timeoutSec: 4, action: urls.gather, prompt: say }, ...agentContinuation(c, a, integ, urls)] : [...say, ...agentContinuation(c, a, integ, urls)];
          return {};
        }
        // Progressive: bridge to the recipient while lines are free (decided under the campaign's row lock).
        if (a.bridged_at) return {};
        await campaigns.lock(trx, c.id);
        const lines = c.agent_lines ?? c.max_dialers;
        const receiver = c.overwrite_phone_recipient?.receiver ?? (phone?.call_recipient as { receiver?: string } | null)?.receiver ?? '';
        if ((await attempts.liveBridged(trx, c.id)) < lines) {
          verbs = [{ verb: 'dial', number: receiver, callerId: phone?.phone, action: urls.dial }, { verb: 'hangup' }];
          return { bridged_at: new Date() };
        }
        if (!opts.wait) {
          verbs = [{ verb: 'pause', seconds: 1 }, { verb: 'redirect', url: urls.answerWait }];
          return {};
        }
        const who = phone ? `This is ${phone.name} calling from ${phone.phone}.` : 'Hello.';
        const prompt = `${who} We are sorry, nobody is available to take your call right now.${c.opt_out_digit ? ` To be removed from our list, press ${c.opt_out_digit}.` : ''}`;
        verbs = [{ verb: 'gather', input: ['dtmf'], numDigits: 1, timeoutSec: 3, action: urls.gather, language: tts.language, prompt: [{ verb: 'say', text: prompt, language: tts.language }] }, { verb: 'hangup' }];
        return isMachine(a.answered_by) ? { finished_by: 'SYSTEM' } : { abandoned: true, finished_by: 'SYSTEM' };
      });
      return verbs;
    },

    /** A <Gather> result: keypress and speech recorded (the opt-out key opts out); then goodbye, or back to the agent. */
    async gather(attemptId: string, e: CallProgress): Promise<VoiceVerb[]> {
      const r = await apply(attemptId, e);
      if (!r) return [{ verb: 'hangup' }];
      const { row, c } = r;
      if (row.opted_out) return [{ verb: 'say', text: 'You will not be called again. Goodbye.' }, { verb: 'hangup' }];
      if (c.type === 'AI_AGENT' && (e.digits || e.speechResult)) {
        const integ = await callIntegration(c);
        if (integ?.stream_url || integ?.twiml_url) return agentContinuation(c, row, integ, urlsOf(row));
      }
      return [{ verb: 'say', text: GOODBYE }, { verb: 'hangup' }];
    },

    /** The attempt, as the callback route needs it to find the phone whose credentials verify the request. */
    attempt: (attemptId: string) => attempts.get(attemptId),
    phoneOf: (a: CallAttemptRow) => (a.phone_id ? phones.get(a.workspace_id, a.phone_id) : Promise.resolve(undefined)),
  };
}

export type DialerCallsService = ReturnType<typeof dialerCallsService>;
