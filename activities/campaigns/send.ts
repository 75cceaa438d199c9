import type { Knex } from 'knex';
import { campaignsRepo } from '../../db/repositories/campaigns';
import { messagesRepo } from '../../db/repositories/messages';
import { eventsRepo, type NewEvent } from '../../db/repositories/events';
import type { CampaignRow, MessageRow } from '../../db/rows';
import { spacedSlots, type RateLimit } from '../../domain/pacing';
import { exhausted } from '../../domain/retries';
import type { CarrierRegistry } from '../../carriers/registry';
import { CarrierError, type SendResult } from '../../carriers/types';
import type { BatchResult } from '../../workflows/shared/activities';
import { callCarrier, messageStatusEventData } from '../messaging';
import type { PacedSender } from './senders';

/** A sender's messages are reserved and claimed in slices of about this much sending time (one transaction each). */
const SLICE_MS = 50;
/** A lane more than this late (or one send interval, if longer) on a slot takes new slots for the rest of its slice. */
const LATE_MS = 10;
/** Outcomes are written in bulk when this many are waiting, or every FLUSH_MS. */
const FLUSH_ROWS = 200;
const FLUSH_MS = 100;

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
/** What a message costs a sender's pacer: SMS segments (carriers count those), one for WhatsApp. */
const unitsOf = (m: MessageRow) => (m.channel === 'whatsapp' ? 1 : (m.segments ?? 1));

/** At most `n` holders at once. */
function gate(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire: (): Promise<void> => (free > 0 ? (free--, Promise.resolve()) : new Promise((r) => waiting.push(r))),
    release: () => (waiting.length ? waiting.shift()!() : free++),
  };
}
/**
 * The paced sender of a batch's claimed messages, shared by every campaign on a sender. EXACTLY-ONCE: each message
 * goes queued → sending (bulk compare-and-set, with its slot reserved on the sender's pacer) right before its
 * carrier request, with its id as the provider idempotency key; sent is recorded with a compare-and-set on
 * `sending`. A crash leaves rows `sending`, which the batch's retry reconciles (claim.ts / index.ts).
 */
export function pacedSender(deps: { db: Knex; carriers: CarrierRegistry; clock?: () => Date }) {
  const { db, carriers } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const campaigns = campaignsRepo(db);
  const messages = messagesRepo(db);
  const events = eventsRepo(db);

  /**
   * Just before sending a slice of one sender's messages: reserve their send times on the sender's shared pacer
   * (row lock: every batch of every campaign on this sender takes its slots in turn, always from now on, so a batch
   * that fell behind never overlaps another's) and claim them for sending (queued → sending, compare-and-set), in
   * one transaction. Messages whose slot falls at or after end_time expire instead.
   */
  const reserveAndClaim = (c: CampaignRow, phoneId: string, rate: RateLimit, slice: MessageRow[]) =>
    db.transaction(async (trx) => {
      const next = (await campaigns.lockPacers(trx, c.workspace_id, [phoneId])).get(phoneId) ?? 0;
      const slots = spacedSlots(next, rate, now().getTime(), slice.map(unitsOf));
      const endMs = c.end_time?.getTime() ?? Infinity;
      const at = new Map(slice.map((m, i) => [m.id, slots.times[i]]));
      const due = slice.filter((m) => at.get(m.id)! < endMs).map((m) => m.id);
      const claimed = await campaigns.moveMessages(trx, c.workspace_id, due, ['queued'], 'sending');
      const expired = await campaigns.moveMessages(trx, c.workspace_id, slice.filter((m) => at.get(m.id)! >= endMs).map((m) => m.id), ['queued'], 'expired');
      await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      return { claimed: claimed.sort((a, b) => at.get(a.id)! - at.get(b.id)!), at, expired: expired.length };
    });

  /** New slots, from now on, for messages already claimed whose slots a late lane can no longer keep. */
  const reslot = (c: CampaignRow, phoneId: string, rate: RateLimit, msgs: MessageRow[]): Promise<Map<string, number>> =>
    db.transaction(async (trx) => {
      const next = (await campaigns.lockPacers(trx, c.workspace_id, [phoneId])).get(phoneId) ?? 0;
      const slots = spacedSlots(next, rate, now().getTime(), msgs.map(unitsOf));
      await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      return new Map(msgs.map((m, i) => [m.id, slots.times[i]]));
    });

  type Outcome = { m: MessageRow; result?: SendResult; provider?: string; error?: unknown };

  /** Write a chunk's outcomes in one transaction: sent (bulk CAS), permanent failures, and releases of clean transient errors. */
  const recordOutcomes = (workspaceId: string, outcomes: Outcome[]) =>
    db.transaction(async (trx) => {
      const sent = outcomes.filter((o) => o.result).map((o) => ({ id: o.m.id, provider: o.provider!, providerMessageId: o.result!.providerMessageId }));
      const sentRows = await campaigns.markSentBulk(trx, workspaceId, sent);
      const evts: NewEvent[] = sentRows.map((m) => ({ workspace_id: workspaceId, type: 'message.sent', subject_type: 'message', subject_id: m.id, data: messageStatusEventData(m) }));
      for (const o of outcomes) {
        if (!(o.error instanceof CarrierError)) continue;
        const e = o.error;
        const fail = async () => {
          const [row] = await campaigns.moveMessages(trx, workspaceId, [o.m.id], ['sending'], 'failed', { error_code: e.code, error_message: e.message.slice(0, 1000), provider: e.provider });
          if (row) evts.push({ workspace_id: workspaceId, type: 'message.failed', subject_type: 'message', subject_id: row.id, data: messageStatusEventData(row) });
        };
        if (e.kind === 'permanent') {
          await fail();
        } else if (!e.ambiguous) {
          // Provably nothing was created: back to queued, the batch's retry sends it again, unless the carrier has
          // refused it too often (domain/retries.ts: carrier verdicts fail a recipient, crashes never do).
          const transient = e.kind === 'transient';
          if (transient && exhausted(o.m.transient_failures + 1)) await fail();
          else await messages.release(workspaceId, o.m.id, { code: e.code, message: e.message, transient }, trx);
        } else if (e.kind === 'transient') {
          // Ambiguous: stays `sending`, reconciled by the batch's retry (which gives up once exhausted); counted now.
          await messages.countTransientFailure(workspaceId, o.m.id, trx);
        }
      }
      await events.record(evts, trx);
      return { sent: sentRows.length, failed: evts.length - sentRows.length };
    });

  /**
   * Send a batch's queued messages, one lane per sender running side by side: each lane reserves and claims a slice
   * (SLICE_MS of its rate) at a time, then sends each message at its slot, never closer to the lane's previous send
   * than the sender's spacing (a late timer does not turn into a burst), with at most `concurrency` requests in
   * flight for the whole batch. Outcomes are written in bulk while sending goes on. Answers the last error that
   * calls for a retry of the batch (transient or ambiguous), if any.
   */
  return async (c: CampaignRow, queued: MessageRow[], senders: Map<string, PacedSender>, concurrency: number, result: BatchResult): Promise<unknown> => {
    const inFlight = gate(concurrency);
    const buffer: Outcome[] = [];
    let writing: Promise<unknown> = Promise.resolve();
    let retryError: unknown;
    const flush = () => {
      const outcomes = buffer.splice(0);
      if (!outcomes.length) return;
      // A crash before this write leaves the rows `sending`: the batch's retry reconciles them.
      writing = writing.then(() => recordOutcomes(c.workspace_id, outcomes)).then((r) => {
        result.sent += r.sent;
        result.failed += r.failed;
      });
    };
    const timer = setInterval(flush, FLUSH_MS);
    const lane = async (phoneId: string, msgs: MessageRow[]) => {
      const sender = senders.get(phoneId)!;
      const step = sender.rate.windowMs / sender.rate.limit;
      const sliceSize = Math.max(1, Math.floor(SLICE_MS / step));
      const lateMs = Math.max(step, LATE_MS);
      const sends: Promise<void>[] = [];
      let last = -Infinity;
      for (let i = 0; i < msgs.length; i += sliceSize) {
        const { claimed, at, expired } = await reserveAndClaim(c, phoneId, sender.rate, msgs.slice(i, i + sliceSize));
        result.expired += expired;
        for (const [j, m] of claimed.entries()) {
          await inFlight.acquire();
          // Fallen behind its slots (busy event loop, full gate): the rest of the slice takes new slots after
          // everyone else's, rather than overlapping the next reservation on this sender.
          if (now().getTime() > at.get(m.id)! + lateMs) for (const [id, t] of await reslot(c, phoneId, sender.rate, claimed.slice(j))) at.set(id, t);
          const due = Math.max(at.get(m.id)!, last + step * unitsOf(m));
          await sleep(due - now().getTime());
          last = Math.max(due, now().getTime());
          sends.push(
            (async (): Promise<Outcome> => {
              try {
                const carrier = carriers.forSender(sender);
                return { m, result: await callCarrier(carriers, carrier, m, sender), provider: carrier.provider };
              } catch (error) {
                return { m, error };
              }
            })().then((o) => {
              inFlight.release();
              if (o.error && !(o.error instanceof CarrierError && o.error.kind === 'permanent')) retryError = o.error;
              buffer.push(o);
              if (buffer.length >= FLUSH_ROWS) flush();
            }),
          );
        }
        if (expired) {
          // Past end_time: the rest of this lane expires too.
          result.expired += (await campaigns.moveMessages(db, c.workspace_id, msgs.slice(i + sliceSize).map((m) => m.id), ['queued'], 'expired')).length;
          break;
        }
      }
      await Promise.all(sends);
    };
    try {
      const bySender = new Map<string, MessageRow[]>();
      for (const m of queued) {
        const list = bySender.get(m.phone_id!) ?? [];
        if (!list.length) bySender.set(m.phone_id!, list);
        list.push(m);
      }
      await Promise.all([...bySender].map(([phoneId, msgs]) => lane(phoneId, msgs)));
    } finally {
      clearInterval(timer);
      flush();
      await writing;
    }
    return retryError;
  };
}
