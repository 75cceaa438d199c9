import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { dialLimit, nextStep, OUTCOME_LABEL, type CallOutcome } from '../domain/dialer';
import { nextCallTime } from '../domain/dialer-window';
import type { Activities, CallEnded, CallSlot, DialerDecision, DialerSettings, PlacedCall, PrepareDialerResult } from './shared/activities';
import { presets } from './shared/activity-options';

const { placeDialerCalls } = proxyActivities<Activities>(presets.dialerPlace);
const { prepareDialerCampaign, finishDialerCampaign } = proxyActivities<Activities>(presets.audienceSql);
const { recordDialerDecisions } = proxyActivities<Activities>(presets.dbWrite);
const { reconcileDialerCalls, endDialerCalls } = proxyActivities<Activities>(presets.carrierCall);

export interface DialerInput {
  workspaceId: string;
  campaignId: string;
  /** ISO: the run waits until then (a scheduled campaign). */
  startAt?: string | null;
  /** ISO: no call is placed after it; what is left expires. */
  endAt: string;
  /** History events after which the run continues as new (default 10,000). */
  maxHistory?: number;
  /** Carried over continue-as-new. */
  carried?: DialerCarried;
}

/** The run's live numbers (the progress query). */
export interface DialerProgress {
  total: number;
  excluded: number;
  placed: number;
  ended: number;
  human: number;
  machine: number;
  unknown: number;
  noAnswer: number;
  busy: number;
  failed: number;
  refused: number;
  abandoned: number;
  humanAnswered: number;
  optedOut: number;
  retriesScheduled: number;
  live: number;
  waiting: number;
  dialLimit: number;
  paused: boolean;
  canceled: boolean;
}

interface Target extends CallSlot {
  phone: string;
  timeZone: string | null;
}
interface LiveCall extends Target {
  attemptId: string;
  deadline: number;
}
interface Waiting extends Target {
  dueAt: number;
  reason: string;
}

/** What a run hands to the next one when it continues as new (in-flight activities are drained first). */
export interface DialerCarried {
  prepared: PrepareDialerResult;
  progress: DialerProgress;
  live: LiveCall[];
  waiting: Waiting[];
  due: Target[];
  exhausted: boolean;
  newAt: number | null;
  batches: number;
}

export const dialerPauseSignal = defineSignal('pause');
export const dialerResumeSignal = defineSignal('resume');
export const dialerCancelSignal = defineSignal('cancel');
/** A call ended (from the status callback that recorded it). */
export const dialerCallEndedSignal = defineSignal<[CallEnded]>('callEnded');
/** A machine answered a call meant for a person: hang it up. */
export const dialerMachineSignal = defineSignal<[{ attemptId: string }]>('machineAnswered');
export const dialerProgressQuery = defineQuery<DialerProgress>('progress');

/** Calls a run may be placing at once (each placing batch is one activity). */
const PLACING_BATCHES = 2;
/** After a reconciliation finds a call still up, ask again this much later. */
const RECHECK_MS = 60_000;

/**
 * One auto-dialer campaign (`dialer-campaign-<id>`). A sliding window of at most max_dialers live calls (fewer for a
 * progressive dialer whose abandonment budget is spent, domain/dialer.ts dialLimit), fed by placing batches that claim
 * new contacts and take the retries that are due. Each contact has an attempt loop: a call is placed, its outcome
 * arrives as a signal from the status callback (or, past its deadline, from asking the carrier), then the contact is
 * done or waits for its next attempt on a durable timer labelled with the reason, only inside its calling window,
 * up to max_attempts. end_time expires whatever is left; cancel stops dialing; pause stops placing calls (live ones
 * finish). The rows are the truth (a lost signal is caught by the deadline); the run continues as new before its
 * history grows past maxHistory, carrying only the live calls and the waiting retries.
 */
export async function dialerCampaignWorkflow(input: DialerInput): Promise<DialerProgress> {
  const carried = input.carried;
  const ids = { workspaceId: input.workspaceId, campaignId: input.campaignId };
  const endAt = Date.parse(input.endAt);
  let paused = false;
  let canceled = false;
  let dirty = false;
  const wake = () => void (dirty = true);
  const live = new Map<string, LiveCall>();
  const waiting = new Map<number, Waiting>();
  const due: Target[] = [...(carried?.due ?? [])];
  const endedEarly = new Map<string, CallEnded>();
  const toHangUp = new Set<string>();
  let decisions: DialerDecision[] = [];
  let placing = 0;
  let launching = 0;
  let recording = false;
  let reconciling = false;
  let hangingUp = false;
  let exhausted = carried?.exhausted ?? false;
  let newAt: number | null = carried?.newAt ?? null;
  let batches = carried?.batches ?? 0;
  let stopping: 'canceled' | 'expired' | null = null;
  const p: DialerProgress = carried?.progress ?? {
    total: 0, excluded: 0, placed: 0, ended: 0, human: 0, machine: 0, unknown: 0, noAnswer: 0, busy: 0, failed: 0, refused: 0,
    abandoned: 0, humanAnswered: 0, optedOut: 0, retriesScheduled: 0, live: 0, waiting: 0, dialLimit: 0, paused: false, canceled: false,
  };

  let prepared = carried?.prepared;
  let settings: DialerSettings | undefined = prepared?.settings;

  setHandler(dialerPauseSignal, () => void ((paused = true), wake()));
  setHandler(dialerResumeSignal, () => void ((paused = false), wake()));
  setHandler(dialerCancelSignal, () => void ((canceled = true), wake()));
  setHandler(dialerCallEndedSignal, (e) => onEnded(e));
  setHandler(dialerMachineSignal, ({ attemptId }) => {
    if (live.has(attemptId)) toHangUp.add(attemptId);
    wake();
  });
  setHandler(dialerProgressQuery, () => ({ ...p, live: live.size, waiting: waiting.size, dialLimit: limit(), paused, canceled }));

  if (!prepared) {
    const startAt = input.startAt ? Date.parse(input.startAt) : undefined;
    if (startAt !== undefined && startAt > Date.now()) await condition(() => canceled, startAt - Date.now(), { summary: `waiting for start_time ${input.startAt}` });
    if (canceled) return finish('canceled');
    prepared = await prepareDialerCampaign(ids);
    p.total = prepared.total;
    p.excluded = prepared.excluded;
    if (prepared.status === 'canceled' || prepared.status === 'completed') return p;
    if (prepared.status === 'paused') paused = true;
  }
  const run: PrepareDialerResult = prepared;
  const cfg: DialerSettings = run.settings;
  settings = cfg;
  for (const l of carried?.live ?? []) live.set(l.attemptId, l);
  for (const w of carried?.waiting ?? []) arm(w);

  /** Calls allowed up at once now (the abandonment budget of the campaign and of each phone's 30 days). */
  function limit(): number {
    if (!settings) return 0;
    if (settings.type !== 'PROGRESSIVE_DIALER') return settings.maxDialers;
    const campaign = { humanAnswered: p.humanAnswered, abandoned: p.abandoned };
    const phones = run.phoneBaselines.map((b) => ({ humanAnswered: b.humanAnswered + p.humanAnswered, abandoned: b.abandoned + p.abandoned }));
    return dialLimit({ maxDialers: settings.maxDialers, agentLines: settings.agentLines, periods: [campaign, ...phones] });
  }

  /** A durable timer per waiting retry, labelled with the contact and the reason, visible in the Temporal UI. */
  function arm(w: Waiting): void {
    waiting.set(w.seq, w);
    const why = w.reason === 'window' ? 'outside the calling window' : `after ${OUTCOME_LABEL[w.reason] ?? w.reason}`;
    void sleep(Math.max(0, w.dueAt - Date.now()), { summary: `retry ${w.phone} (contact #${w.seq}): attempt ${w.attempt} of ${cfg.maxAttempts}, ${why}` }).then(() => {
      if (waiting.get(w.seq) !== w) return;
      waiting.delete(w.seq);
      due.push({ seq: w.seq, attempt: w.attempt, phone: w.phone, timeZone: w.timeZone });
      wake();
    });
  }

  function count(outcome: CallOutcome): void {
    const key = ({ human: 'human', machine: 'machine', unknown: 'unknown', no_answer: 'noAnswer', busy: 'busy', failed: 'failed', canceled: 'failed' } as const)[outcome];
    p[key]++;
  }

  /** After an attempt: record the contact's next step (done, or a retry inside its window, or expired). */
  function settle(t: Target, e: Pick<CallEnded, 'outcome' | 'abandoned' | 'humanAnswered' | 'optedOut' | 'permanent'>): void {
    p.ended++;
    count(e.outcome);
    if (e.abandoned) p.abandoned++;
    if (e.humanAnswered) p.humanAnswered++;
    if (e.optedOut) p.optedOut++;
    const step = nextStep({ type: cfg.type, outcome: e.outcome, attempt: t.attempt, maxAttempts: cfg.maxAttempts, delays: cfg.retryDelays, optedOut: e.optedOut, permanent: e.permanent });
    if (step.kind === 'done') {
      decisions.push({ seq: t.seq, kind: 'done', outcome: step.outcome, reason: step.reason });
    } else if (stopping) {
      decisions.push({ seq: t.seq, kind: stopping === 'canceled' ? 'done' : 'expired', outcome: e.outcome, reason: stopping });
    } else {
      const at = nextCallTime(cfg.plan, t.timeZone, Date.now() + step.delayMs);
      if (at === null) {
        decisions.push({ seq: t.seq, kind: 'expired', outcome: e.outcome, reason: 'no calling window left before end_time' });
      } else {
        decisions.push({ seq: t.seq, kind: 'retry', outcome: e.outcome, reason: step.reason, nextAttemptAt: new Date(at).toISOString() });
        p.retriesScheduled++;
        arm({ seq: t.seq, attempt: t.attempt + 1, phone: t.phone, timeZone: t.timeZone, dueAt: at, reason: step.reason });
      }
    }
    wake();
  }

  function onEnded(e: CallEnded): void {
    const l = live.get(e.attemptId);
    if (!l) {
      // The call ended before its placing batch reported it placed: settled when the batch returns.
      if (placing > 0) endedEarly.set(e.attemptId, e);
      return;
    }
    live.delete(e.attemptId);
    toHangUp.delete(e.attemptId);
    settle(l, e);
  }

  function placed(c: PlacedCall): void {
    const t: Target = { seq: c.seq, attempt: c.attempt, phone: c.phone, timeZone: c.timeZone };
    if (c.attemptId && live.has(c.attemptId)) return; // reported twice (a retried batch): counted once
    if (c.result === 'placed' && c.attemptId) {
      p.placed++;
      const early = endedEarly.get(c.attemptId);
      if (early) {
        endedEarly.delete(c.attemptId);
        settle(t, early);
      } else live.set(c.attemptId, { ...t, attemptId: c.attemptId, deadline: Date.now() + cfg.callDeadlineMs });
    } else if (c.result === 'ended') {
      p.placed++;
      settle(t, c.ended ?? { outcome: 'failed', abandoned: false, humanAnswered: false, optedOut: false, permanent: false });
    } else if (c.result === 'refused') {
      p.refused++;
    } else if (c.result === 'deferred' && c.deferUntil) {
      arm({ ...t, dueAt: Date.parse(c.deferUntil), reason: 'window' });
    }
  }

  function launch(free: number): void {
    const retries = due.splice(0, free);
    const fresh = exhausted || stopping ? 0 : free - retries.length;
    const batch = ++batches;
    const flushing = decisions;
    decisions = [];
    placing++;
    launching += retries.length + fresh;
    void placeDialerCalls({ ...ids, batch, retries: retries.map(({ seq, attempt }) => ({ seq, attempt })), fresh, decisions: flushing })
      .then((r) => {
        for (const c of r.calls) placed(c);
        if (fresh > 0 && r.exhausted) {
          exhausted = true;
          newAt = r.retryAt ? Date.parse(r.retryAt) : null;
        }
        if (r.status === 'paused') paused = true;
        if (r.status === 'canceled') canceled = true;
      })
      .finally(() => {
        placing--;
        launching -= retries.length + fresh;
        if (placing === 0) endedEarly.clear();
        wake();
      });
  }

  function flush(): void {
    const flushing = decisions;
    decisions = [];
    recording = true;
    void recordDialerDecisions({ ...ids, decisions: flushing }).finally(() => {
      recording = false;
      wake();
    });
  }

  function reconcile(now: number): void {
    const overdue = [...live.values()].filter((l) => l.deadline <= now);
    if (!overdue.length || reconciling) return;
    reconciling = true;
    for (const l of overdue) l.deadline = Infinity;
    void reconcileDialerCalls({ ...ids, attemptIds: overdue.map((l) => l.attemptId) })
      .then((r) => {
        for (const e of r.ended) onEnded(e);
        for (const id of r.live) {
          const l = live.get(id);
          if (l) l.deadline = Date.now() + RECHECK_MS;
        }
      })
      .finally(() => {
        reconciling = false;
        wake();
      });
  }

  function hangUp(): void {
    if (!toHangUp.size || hangingUp) return;
    const attemptIds = [...toHangUp];
    toHangUp.clear();
    hangingUp = true;
    void endDialerCalls({ ...ids, attemptIds }).finally(() => {
      hangingUp = false;
      wake();
    });
  }

  const busy = () => placing > 0 || recording || reconciling || hangingUp;
  for (;;) {
    dirty = false;
    const now = Date.now();
    if (!stopping && (canceled || now >= endAt)) stopping = canceled ? 'canceled' : 'expired';
    if (exhausted && newAt !== null && newAt <= now) {
      exhausted = false;
      newAt = null;
    }
    hangUp();
    reconcile(now);
    const free = limit() - live.size - launching;
    const draining = workflowInfo().historyLength > (input.maxHistory ?? 10_000);
    const wanted = !stopping && !paused && !draining && (due.length > 0 || !exhausted);
    if (wanted && free > 0 && placing < PLACING_BATCHES) launch(free);
    else if (decisions.length && !recording && placing === 0) flush();

    const idle = !live.size && !busy() && !decisions.length;
    if (idle && stopping) break;
    if (idle && exhausted && newAt === null && !due.length && !waiting.size) break;
    if (draining && !busy() && !decisions.length && !toHangUp.size) {
      await continueAsNew<typeof dialerCampaignWorkflow>({
        ...input,
        carried: { prepared: run, progress: p, live: [...live.values()], waiting: [...waiting.values()], due, exhausted, newAt, batches },
      });
    }
    // Wake on a signal, an activity, a timer; at the nearest call deadline, end_time, or when new contacts become due.
    let until = stopping ? Infinity : endAt;
    for (const l of live.values()) until = Math.min(until, l.deadline);
    if (exhausted && newAt !== null && !stopping) until = Math.min(until, newAt);
    const reason = paused ? 'paused' : exhausted && newAt !== null && !live.size && !due.length ? `contacts outside their calling window until ${new Date(newAt).toISOString()}` : 'calls in progress';
    if (until === Infinity) await condition(() => dirty);
    else await condition(() => dirty, Math.max(1, until - Date.now()), { summary: reason });
  }
  return finish(stopping === 'canceled' ? 'canceled' : stopping === 'expired' ? 'expired' : 'completed');

  async function finish(outcome: 'completed' | 'canceled' | 'expired'): Promise<DialerProgress> {
    await finishDialerCampaign({ ...ids, outcome });
    return { ...p, live: live.size, waiting: waiting.size, dialLimit: 0, paused, canceled };
  }
}
