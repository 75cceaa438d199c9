/**
 * Voice dialer rules shared by the API, the activities and the dialer workflow: campaign types and statuses, how a
 * call's outcome is classified, the per-outcome retry table, and the abandonment budget that paces progressive
 * dialing under the FTC's 3 % rule. Pure (no I/O, no clock of its own), safe in the workflow sandbox.
 */

export const DIALER_TYPES = ['VOICE_DROP', 'PROGRESSIVE_DIALER', 'AI_AGENT'] as const;
export type DialerType = (typeof DIALER_TYPES)[number];

export type DialerStatus = 'scheduled' | 'running' | 'paused' | 'completed' | 'canceled' | 'failed';
export type DialerAction = 'pause' | 'resume' | 'cancel';

/** Which statuses each lifecycle action is allowed from (anything else: 409 naming the status). */
export const DIALER_ALLOWED_FROM: Readonly<Record<DialerAction, readonly DialerStatus[]>> = {
  pause: ['running', 'scheduled'],
  resume: ['paused'],
  cancel: ['scheduled', 'running', 'paused'],
};

/** SeaX's auto-dialer statuses are capitals (`FINISHED` in the documented object). */
export const SEAX_DIALER_STATUS: Readonly<Record<DialerStatus, string>> = {
  scheduled: 'SCHEDULED',
  running: 'RUNNING',
  paused: 'PAUSED',
  completed: 'FINISHED',
  canceled: 'CANCELED',
  failed: 'FAILED',
};

/** A SeaX status name (any case; CALLING and CANCELLED accepted) as ours, or undefined. */
export function dialerStatusOf(seax: string): DialerStatus | undefined {
  const s = seax.trim().toUpperCase();
  if (s === 'CALLING') return 'running';
  if (s === 'CANCELLED') return 'canceled';
  return (Object.keys(SEAX_DIALER_STATUS) as DialerStatus[]).find((k) => SEAX_DIALER_STATUS[k] === s);
}

/** Carrier call statuses (Twilio's vocabulary) and `dialing`: our row exists, the carrier has not answered yet. */
export type CallStatus = 'dialing' | 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
export const TERMINAL_CALL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
export const isTerminalCallStatus = (s: string): boolean => (TERMINAL_CALL_STATUSES as readonly string[]).includes(s);

const RANK: Record<CallStatus, number> = { dialing: 0, queued: 1, initiated: 2, ringing: 3, 'in-progress': 4, completed: 5, busy: 5, 'no-answer': 5, failed: 5, canceled: 5 };
/** Status only moves forward (callbacks arrive out of order; a terminal status is final). */
export const callStatusAdvances = (from: string, to: string): boolean => (RANK[to as CallStatus] ?? -1) > (RANK[from as CallStatus] ?? -1);

/** How an attempt ended, as statistics and the retry table see it. */
export type CallOutcome = 'human' | 'machine' | 'unknown' | 'no_answer' | 'busy' | 'failed' | 'canceled';

/** Twilio's AnsweredBy: human; machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax; unknown. */
export const isMachine = (answeredBy: string | null | undefined): boolean => !!answeredBy && (answeredBy.startsWith('machine') || answeredBy === 'fax');

/** The outcome of a finished attempt from its final status and answering-machine result. */
export function classifyCall(a: { status: string; answeredBy?: string | null; answered?: boolean }): CallOutcome {
  switch (a.status) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'failed':
      return 'failed';
    case 'canceled':
      return a.answered ? classifyAnswered(a.answeredBy) : 'canceled';
    default:
      return a.answered === false ? 'no_answer' : classifyAnswered(a.answeredBy);
  }
}

function classifyAnswered(answeredBy: string | null | undefined): CallOutcome {
  if (!answeredBy) return 'unknown';
  if (answeredBy === 'human') return 'human';
  if (isMachine(answeredBy)) return 'machine';
  return 'unknown';
}

/** Seconds to wait before the next attempt, by outcome (extension `retry_delays`). */
export interface RetryDelays {
  no_answer: number;
  busy: number;
  failed: number;
  /** A machine answered a campaign that is not a voice drop (a voice drop leaves its message and is done). */
  machine: number;
}

/** Defaults: no-answer and busy 30 min (VICIdial's attempt_delay), failed 10 min, machine 2 h. */
export const DEFAULT_RETRY_DELAYS: Readonly<RetryDelays> = Object.freeze({ no_answer: 1800, busy: 1800, failed: 600, machine: 7200 });

/** What happens to a contact after an attempt. */
export type NextStep = { kind: 'done'; outcome: CallOutcome | 'opted_out'; reason: string } | { kind: 'retry'; delayMs: number; reason: string };

/**
 * After an attempt: finish (answered by a person; a voice drop's voicemail; opted out; attempts used up) or retry
 * after the outcome's delay. A permanent carrier refusal (an invalid number) is never retried.
 */
export function nextStep(input: {
  type: DialerType;
  outcome: CallOutcome;
  attempt: number;
  maxAttempts: number;
  delays?: Partial<RetryDelays>;
  optedOut?: boolean;
  permanent?: boolean;
}): NextStep {
  const delays = { ...DEFAULT_RETRY_DELAYS, ...input.delays };
  if (input.optedOut) return { kind: 'done', outcome: 'opted_out', reason: 'opted_out' };
  const o = input.outcome;
  if (o === 'human' || o === 'unknown') return { kind: 'done', outcome: o, reason: 'completed' };
  if (o === 'canceled') return { kind: 'done', outcome: o, reason: 'canceled' };
  if (o === 'machine' && input.type === 'VOICE_DROP') return { kind: 'done', outcome: o, reason: 'voicemail' };
  if (input.permanent) return { kind: 'done', outcome: o, reason: 'failed' };
  const reason = o === 'no_answer' ? 'no_answer' : o;
  if (input.attempt >= input.maxAttempts) return { kind: 'done', outcome: o, reason: 'max_attempts' };
  const seconds = o === 'machine' ? delays.machine : o === 'busy' ? delays.busy : o === 'failed' ? delays.failed : delays.no_answer;
  return { kind: 'retry', delayMs: Math.max(0, seconds) * 1000, reason };
}

/** Human-readable outcome for timer summaries and logs. */
export const OUTCOME_LABEL: Readonly<Record<string, string>> = {
  no_answer: 'no answer',
  busy: 'busy',
  failed: 'failed',
  machine: 'answering machine',
};

/** The FTC safe harbour: at most 3 % of calls answered by a person may be abandoned (16 CFR 310.4(b)(4)(i)). */
export const MAX_ABANDON_RATE = 0.03;

/** Abandoned and person-answered calls over a period (a campaign, or a phone's last 30 days). */
export interface AbandonCounts {
  humanAnswered: number;
  abandoned: number;
}

/** Abandoned calls as a percentage of calls answered by a person, two decimals (0 when none was answered). */
export const abandonmentRate = (c: AbandonCounts): number => (c.humanAnswered > 0 ? Math.round((c.abandoned / c.humanAnswered) * 10000) / 100 : 0);

/**
 * How many calls a progressive campaign may have up at once. `agentLines` calls can always be bridged (each answered
 * person reaches a free line), so they never abandon; every call beyond them might, if all of them are answered by
 * people at once while the lines are busy. So the extra calls are limited to the abandonment budget left in every
 * period that counts (the campaign and each phone's 30 days): floor(3 % × answered) − abandoned. Held to this, the
 * rate never exceeds 3 % even in the worst case (each extra call answered and abandoned adds one to both counts).
 */
export function dialLimit(input: { maxDialers: number; agentLines: number; periods: AbandonCounts[] }): number {
  const lines = Math.max(1, Math.min(input.maxDialers, input.agentLines));
  let budget = Infinity;
  for (const p of input.periods) budget = Math.min(budget, Math.floor(MAX_ABANDON_RATE * p.humanAnswered + 1e-9) - p.abandoned);
  const extra = Math.max(0, Number.isFinite(budget) ? budget : input.maxDialers);
  return Math.min(input.maxDialers, lines + extra);
}

/** The answering-machine detection a type needs: a drop waits for the greeting's end (to leave the whole message after the beep); the others detect at once, asynchronously, so a person is greeted without delay. */
export function machineDetectionOf(type: DialerType): { mode: 'DetectMessageEnd' | 'Enable'; async: boolean } {
  return type === 'VOICE_DROP' ? { mode: 'DetectMessageEnd', async: false } : { mode: 'Enable', async: true };
}

/** `tts_voice` / `tts_language` as the answer shows them: an empty language is en-US, `default` (or empty) is `<language>-default`. */
export function resolveTts(language: string | null | undefined, voice: string | null | undefined): { language: string; voice: string } {
  const lang = language?.trim() || 'en-US';
  const v = voice?.trim();
  return { language: lang, voice: !v || v.toLowerCase() === 'default' ? `${lang}-default` : v };
}
