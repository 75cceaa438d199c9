import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { toActivityFailure } from '../carriers/failure';
import { withCapability, type CarrierRegistry } from '../carriers/registry';
import { CarrierError } from '../carriers/types';
import { callAttemptsRepo } from '../db/repositories/call-attempts';
import { complianceRepo } from '../db/repositories/compliance';
import { dialerCampaignsRepo, type DialerDecisionRow, type DialerTarget } from '../db/repositories/dialer-campaigns';
import { phonesRepo } from '../db/repositories/phones';
import { isTerminalCallStatus, machineDetectionOf } from '../domain/dialer';
import { DEFAULT_CALLING_WINDOW, nextCallTime, type CallingPlan } from '../domain/dialer-window';
import { rateLimitFromPerSecond, spacedSlots } from '../domain/pacing';
import type { Logger } from '../lib/logger';
import { callEndedOf, dialerCallsService, voiceUrls, type DialerSignals } from '../services/dialer-calls';
import type { Activities, CallEnded, DialerDecision, DialerSettings, PlaceCallsResult, PlacedCall } from '../workflows/shared/activities';
import { startHeartbeat, type Sender } from './messaging';
import type { CallAttemptRow, DialerCampaignRow } from '../db/rows';

export interface DialerDeps {
  db: Knex;
  logger: Logger;
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** The API's public base URL: the voice callbacks of every call are addressed there. */
  publicUrl?: string;
  /** How the activities tell a dialer workflow about calls they find ended (injected: temporal/starters.ts). */
  dialerSignals?: DialerSignals;
}

const DAY_MS = 24 * 3600 * 1000;
/** Carrier requests of one placing batch in flight at once. */
const PLACE_CONCURRENCY = 16;
const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

const toRows = (decisions: DialerDecision[]): DialerDecisionRow[] =>
  decisions.map((d) => ({ seq: d.seq, kind: d.kind, outcome: d.outcome ?? null, reason: d.reason, next_attempt_at: d.nextAttemptAt ?? null }));

/** The campaign's calling plan (domain/dialer-window.ts) with the workspace's zone for contacts without one. */
export function callingPlanOf(c: DialerCampaignRow, workspaceTimeZone: string): CallingPlan {
  const startAt = c.is_schedule || c.is_timezone_aware ? c.start_time.getTime() : Math.min(c.start_time.getTime(), c.created_at.getTime());
  return {
    window: c.calling_window ?? DEFAULT_CALLING_WINDOW,
    startAt,
    endAt: c.end_time.getTime(),
    timezoneAware: c.is_timezone_aware,
    campaignTimeZone: c.timezone,
    fallbackTimeZone: workspaceTimeZone,
  };
}

/**
 * The dialer's activities: resolve the audience, place calls, record decisions, reconcile and hang up calls, finish.
 *
 * EXACTLY ONE CALL PER ATTEMPT is made here (placeDialerCalls):
 * - a contact's attempt is one row, unique on (campaign, seq, attempt), written `dialing` before the carrier is called;
 *   the workflow asks for attempt n + 1 only after attempt n ended, so a contact never has two calls up;
 * - the provider's call id is recorded on the row right after the carrier answers (compare-and-set, with call.new);
 * - a row found already written (a retried activity after a crash, a timeout or an ambiguous carrier error) with no
 *   call id is never dialled blindly: the carrier is asked first (VoiceCarrier.findCall: Twilio's Calls list from
 *   our number to theirs since the row was written, excluding calls of the contact's other attempts; the simulator
 *   by attempt id), and a call it has is recorded instead of placing a second one;
 * - fresh contacts are claimed by batch number (FOR UPDATE SKIP LOCKED), so a retried batch takes the same contacts.
 */
export function createDialerActivities(deps: DialerDeps): Pick<Activities, 'prepareDialerCampaign' | 'placeDialerCalls' | 'recordDialerDecisions' | 'reconcileDialerCalls' | 'endDialerCalls' | 'finishDialerCampaign'> {
  const { db, carriers, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const campaigns = dialerCampaignsRepo(db);
  const attempts = callAttemptsRepo(db);
  const phones = phonesRepo(db);
  const compliance = complianceRepo(db);
  const calls = dialerCallsService({
    db,
    logger,
    publicUrl: deps.publicUrl,
    signals: deps.dialerSignals ?? { callEnded: async () => undefined, machineAnswered: async () => undefined },
  });

  const mustGet = async (workspaceId: string, id: string): Promise<DialerCampaignRow> => {
    const c = await campaigns.get(workspaceId, id);
    if (!c) throw ApplicationFailure.nonRetryable(`dialer campaign ${id} not found`, 'CampaignNotFound');
    return c;
  };
  const workspaceZone = async (workspaceId: string) => (await compliance.workspaceWindow(workspaceId)).timeZone;
  const record = (c: DialerCampaignRow, decisions: DialerDecision[]) => (decisions.length ? db.transaction((trx) => campaigns.applyDecisions(trx, c.id, toRows(decisions))) : Promise.resolve());
  const voiceOf = (sender: Sender) => withCapability(carriers.forSender(sender), 'voice');

  /** Place the new attempts' calls, paced per phone (calls per second), at most PLACE_CONCURRENCY requests at once. */
  async function dial(c: DialerCampaignRow, rows: CallAttemptRow[], out: Map<string, PlacedCall>): Promise<unknown> {
    if (!deps.publicUrl) throw ApplicationFailure.nonRetryable('PUBLIC_URL is not configured: calls need it for their voice callbacks', 'DialerMisconfigured');
    const senders = new Map<string, Sender & { calls_per_second: string | null }>();
    for (const id of new Set(rows.map((r) => r.phone_id!))) {
      const p = (await phones.get(c.workspace_id, id)) as (Sender & { calls_per_second: string | null }) | undefined;
      if (p) senders.set(id, p);
    }
    const slots = await db.transaction(async (trx) => {
      const next = await campaigns.lockCallPacers(trx, c.workspace_id, [...senders.keys()]);
      const at = new Map<string, number>();
      for (const [phoneId, sender] of senders) {
        const mine = rows.filter((r) => r.phone_id === phoneId);
        const s = spacedSlots(next.get(phoneId) ?? 0, rateLimitFromPerSecond(Number(sender.calls_per_second) || 1), now().getTime(), mine.map(() => 1));
        mine.forEach((r, i) => at.set(r.id, s.times[i]));
        await campaigns.setCallPacer(trx, phoneId, s.nextAtMs);
      }
      return at;
    });
    const md = machineDetectionOf(c.type);
    let retryError: unknown;
    const inFlight = new Set<Promise<void>>();
    for (const row of [...rows].sort((a, b) => slots.get(a.id)! - slots.get(b.id)!)) {
      while (inFlight.size >= PLACE_CONCURRENCY) await Promise.race(inFlight);
      await sleep((slots.get(row.id) ?? 0) - now().getTime());
      const sender = senders.get(row.phone_id!);
      const placed = out.get(row.id)!;
      const task = (async () => {
        if (!sender) {
          await db.transaction((trx) => attempts.markFailed(trx, row.id, { code: 'sender_missing', message: 'The phone no longer exists.' }));
          placed.result = 'ended';
          placed.ended = { ...callEndedOf({ ...row, status: 'failed', error_code: 'sender_missing' }), permanent: true };
          return;
        }
        const urls = voiceUrls(deps.publicUrl!, row.id);
        try {
          const voice = voiceOf(sender);
          const result = await voice.placeCall({
            from: sender.phone,
            to: row.to_address,
            url: urls.answer,
            statusCallbackUrl: urls.status,
            idempotencyKey: row.id,
            machineDetection: md.mode,
            ...(md.async ? { asyncAmdCallbackUrl: urls.amd } : {}),
            timeoutSec: Math.max(15, c.ring_timeout_seconds),
            timeLimitSec: c.time_limit_seconds,
          });
          await calls.recordPlaced(row.id, voice.provider, result.providerMessageId);
          placed.result = 'placed';
        } catch (err) {
          if (err instanceof CarrierError && err.kind === 'permanent') {
            const failed = await db.transaction((trx) => attempts.markFailed(trx, row.id, { code: err.code, message: err.message, provider: err.provider }));
            placed.result = 'ended';
            placed.ended = { ...callEndedOf(failed ?? { ...row, status: 'failed' }), outcome: 'failed', permanent: true };
          } else {
            // Transient or ambiguous: the row stays `dialing`; the retried activity asks the carrier before dialling again.
            retryError = err;
          }
        }
      })();
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    await Promise.all(inFlight);
    return retryError;
  }

  return {
    async prepareDialerCampaign(input) {
      const c = await mustGet(input.workspaceId, input.campaignId);
      const tz = await workspaceZone(c.workspace_id);
      const settings: DialerSettings = {
        type: c.type,
        name: c.name,
        maxAttempts: c.max_attempts,
        maxDialers: c.max_dialers,
        agentLines: c.type === 'PROGRESSIVE_DIALER' ? (c.agent_lines ?? c.max_dialers) : c.max_dialers,
        retryDelays: c.retry_delays,
        plan: callingPlanOf(c, tz),
        callDeadlineMs: (Math.max(15, c.ring_timeout_seconds) + c.time_limit_seconds + 120) * 1000,
      };
      const baselines = await attempts.abandonCounts(c.phone_ids, new Date(now().getTime() - 30 * DAY_MS), c.id);
      const phoneBaselines = c.phone_ids.map((id) => baselines.get(id) ?? { humanAnswered: 0, abandoned: 0 });
      if (c.status === 'canceled' || c.status === 'completed') return { status: c.status, total: c.target_contact_count ?? 0, excluded: c.excluded_count ?? 0, settings, phoneBaselines };
      const counts = await campaigns.resolveAudience(c);
      const started = await db.transaction((trx) => campaigns.markStarted(trx, c.workspace_id, c.id));
      const status = started?.status ?? (await mustGet(c.workspace_id, c.id)).status;
      return { status, ...counts, settings, phoneBaselines };
    },

    async placeDialerCalls(input): Promise<PlaceCallsResult> {
      const stopHeartbeat = startHeartbeat();
      try {
        const c = await mustGet(input.workspaceId, input.campaignId);
        await record(c, input.decisions);
        if (c.status !== 'running') return { calls: [], status: c.status, exhausted: false, retryAt: null };
        const plan = callingPlanOf(c, await workspaceZone(c.workspace_id));
        const t = now().getTime();
        const out = new Map<string, PlacedCall>();
        const result: PlacedCall[] = [];
        const slot = (r: DialerTarget, attempt: number): PlacedCall => ({ seq: r.seq, attempt, attemptId: null, phone: r.phone, timeZone: r.contact.timezone, result: 'placed' });

        // Fresh contacts: this batch's own (a retry), else claimed now; outside their window they wait (not_before).
        let fresh: DialerTarget[] = [];
        let claimedFresh = 0;
        if (input.fresh > 0) {
          fresh = await campaigns.batchTargets(db, c.id, input.batch);
          claimedFresh = fresh.length;
          if (!fresh.length) {
            fresh = await db.transaction(async (trx) => {
              const rows = await campaigns.claimPending(trx, c.id, input.fresh);
              claimedFresh = rows.length;
              const due: DialerTarget[] = [];
              const deferred = new Map<number, number[]>();
              const expired: number[] = [];
              for (const r of rows) {
                const at = nextCallTime(plan, r.contact.timezone, t);
                if (at === null) expired.push(r.seq);
                else if (at > t) deferred.set(at, [...(deferred.get(at) ?? []), r.seq]);
                else due.push(r);
              }
              for (const [at, seqs] of deferred) await campaigns.defer(trx, c.id, seqs, new Date(at));
              if (expired.length) await campaigns.applyDecisions(trx, c.id, expired.map((seq) => ({ seq, kind: 'expired', outcome: 'expired', reason: 'no calling window left before end_time' })));
              await campaigns.markBatch(trx, c.id, due.map((r) => r.seq), input.batch);
              claimedFresh = due.length;
              return due;
            });
          }
        }
        const targets: { r: DialerTarget; attempt: number }[] = fresh.map((r) => ({ r, attempt: 1 }));

        // Retries the workflow says are due: checked against the window again (time has passed since it decided).
        const retryRows = await campaigns.targets(db, c.id, input.retries.map((s) => s.seq));
        const decisions: DialerDecisionRow[] = [];
        for (const s of input.retries) {
          const r = retryRows.find((x) => x.seq === s.seq);
          if (!r || r.status !== 'active') continue;
          const at = nextCallTime(plan, r.contact.timezone, t);
          if (at === null) {
            decisions.push({ seq: r.seq, kind: 'expired', outcome: 'expired', reason: 'no calling window left before end_time' });
            result.push({ ...slot(r, s.attempt), result: 'expired' });
          } else if (at > t + 1000) result.push({ ...slot(r, s.attempt), result: 'deferred', deferUntil: new Date(at).toISOString() });
          else targets.push({ r, attempt: s.attempt });
        }

        // Compliance at dial time: never a call to a blocked, opted-out or DNC contact (since the audience was resolved).
        const dnc = await compliance.dncContactIds(c.workspace_id, targets.map((x) => x.r.contact_id));
        const allowed = targets.filter(({ r, attempt }) => {
          if (!r.contact.blocked && !r.contact.opted_out_at && !dnc.has(r.contact_id)) return true;
          decisions.push({ seq: r.seq, kind: 'done', outcome: 'refused', reason: r.contact.blocked ? 'recipient_blocked' : r.contact.opted_out_at ? 'recipient_opted_out' : 'recipient_dnc' });
          result.push({ ...slot(r, attempt), result: 'refused' });
          return false;
        });
        if (decisions.length) await db.transaction((trx) => campaigns.applyDecisions(trx, c.id, decisions));

        // The attempt rows, before any carrier request.
        const senderOf = new Map<string, string>();
        for (const id of new Set(allowed.map((x) => x.r.phone_id))) senderOf.set(id, (await phones.get(c.workspace_id, id))?.phone ?? '');
        const { rows, created } = await db.transaction(async (trx) => {
          const written = await attempts.insertDialing(
            trx,
            allowed.map(({ r, attempt }) => ({ workspace_id: c.workspace_id, campaign_id: c.id, seq: r.seq, attempt, contact_id: r.contact_id, phone_id: r.phone_id, from_address: senderOf.get(r.phone_id) ?? '', to_address: r.phone })),
          );
          await campaigns.markDialing(trx, c.id, written.rows.map((a) => ({ seq: a.seq, attempt: a.attempt, attemptId: a.id })));
          return written;
        });

        // Rows an earlier try wrote: done already, placed already, or asked about before any new request.
        const others = await attempts.otherCallIds(c.id, rows.filter((a) => !created.has(a.id)).map((a) => a.seq));
        const toDial: CallAttemptRow[] = [];
        for (const a of rows) {
          const target = allowed.find((x) => x.r.seq === a.seq)!;
          const placed: PlacedCall = { ...slot(target.r, a.attempt), attemptId: a.id };
          out.set(a.id, placed);
          result.push(placed);
          if (created.has(a.id)) {
            toDial.push(a);
          } else if (isTerminalCallStatus(a.status)) {
            placed.result = 'ended';
            placed.ended = callEndedOf(a);
          } else if (a.provider_call_id || a.status !== 'dialing') {
            placed.result = 'placed';
          } else {
            const sender = (await phones.get(c.workspace_id, a.phone_id!)) as Sender | undefined;
            const found = sender
              ? await voiceOf(sender).findCall({ idempotencyKey: a.id, from: a.from_address, to: a.to_address, since: a.dialing_at, excludeIds: (others.get(a.seq) ?? []).filter((id) => id !== a.provider_call_id) })
              : undefined;
            if (found) {
              logger.info({ attemptId: a.id, providerCallId: found.providerCallId }, 'reconciled: the carrier already had this call');
              const applied = await calls.applyCarrierState(a.id, found, sender!.source);
              if (applied && isTerminalCallStatus(applied.row.status)) {
                placed.result = 'ended';
                placed.ended = callEndedOf(applied.row);
              }
            } else toDial.push(a);
          }
        }
        const retryError = await dial(c, toDial, out);
        if (retryError) {
          logger.warn({ campaignId: c.id, batch: input.batch, err: retryError }, 'dialer batch: some calls will be retried');
          throw toActivityFailure(retryError);
        }

        let exhausted = false;
        let retryAt: string | null = null;
        if (input.fresh > 0 && claimedFresh < input.fresh) {
          const p = await campaigns.pendingState(c.id);
          exhausted = true;
          retryAt = p.pending ? (p.dueAt ?? new Date(now().getTime() + 1000)).toISOString() : null;
        }
        return { calls: result, status: (await mustGet(c.workspace_id, c.id)).status, exhausted, retryAt };
      } finally {
        stopHeartbeat();
      }
    },

    async recordDialerDecisions(input) {
      await record(await mustGet(input.workspaceId, input.campaignId), input.decisions);
    },

    async reconcileDialerCalls(input) {
      const ended: CallEnded[] = [];
      const live: string[] = [];
      for (const a of await attempts.byIds(input.workspaceId, input.attemptIds)) {
        if (isTerminalCallStatus(a.status)) {
          ended.push(callEndedOf(a));
          continue;
        }
        const sender = a.phone_id ? ((await phones.get(a.workspace_id, a.phone_id)) as Sender | undefined) : undefined;
        const voice = sender ? voiceOf(sender) : undefined;
        const state = voice && a.provider_call_id ? await voice.getCall(a.provider_call_id) : undefined;
        if (voice && state && isTerminalCallStatus(state.status)) {
          const applied = await calls.applyCarrierState(a.id, state, voice.provider);
          if (applied) ended.push(callEndedOf(applied.row));
        } else if (voice && state) {
          // Still up past its deadline (a lost hang-up): end it; its status callback (or the next check) settles it.
          await voice.endCall(state.providerCallId);
          live.push(a.id);
        } else {
          const failed = await db.transaction((trx) => attempts.markFailed(trx, a.id, { code: 'call_unconfirmed', message: 'The carrier does not know this call.' }));
          if (failed) ended.push(callEndedOf(failed));
          else live.push(a.id);
        }
      }
      return { ended, live };
    },

    async endDialerCalls(input) {
      for (const a of await attempts.byIds(input.workspaceId, input.attemptIds)) {
        if (isTerminalCallStatus(a.status) || !a.provider_call_id || !a.phone_id) continue;
        const sender = (await phones.get(a.workspace_id, a.phone_id)) as Sender | undefined;
        if (!sender) continue;
        await db.transaction((trx) => attempts.update(trx, a.id, { finished_by: 'SYSTEM' }));
        await voiceOf(sender).endCall(a.provider_call_id);
      }
    },

    async finishDialerCampaign(input) {
      const c = await mustGet(input.workspaceId, input.campaignId);
      await campaigns.closeRemaining(c.id, input.outcome === 'canceled' ? 'canceled' : 'expired');
      await campaigns.attachLabels(c);
      const done = await db.transaction((trx) => campaigns.markCompleted(trx, c.workspace_id, c.id));
      return { status: done?.status ?? (await mustGet(c.workspace_id, c.id)).status };
    },
  };
}
