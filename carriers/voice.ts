import type { CallStatus, CarrierAdapter, SendResult } from './types';

export interface CallRequest {
  from: string;
  to: string;
  /** Inline TwiML for the call; exactly one of `twiml` and `url` is required. */
  twiml?: string;
  /** Where the provider fetches the call's instructions when it is answered (our voice answer callback). */
  url?: string;
  statusCallbackUrl?: string;
  /** Our call attempt id: the simulator keys its memory on it and echoes it in its events. */
  idempotencyKey: string;
  /** Answering-machine detection: `Enable` (report human/machine at once) or `DetectMessageEnd` (wait for the beep). */
  machineDetection?: 'Enable' | 'DetectMessageEnd';
  /** Asynchronous detection: the call is connected at once and the result POSTed here (Twilio AsyncAmd). */
  asyncAmdCallbackUrl?: string;
  /** Seconds to let the call ring before giving up (Twilio default 60; never below 15, the FTC's minimum). */
  timeoutSec?: number;
  /** Longest the call may last, seconds (Twilio TimeLimit). */
  timeLimitSec?: number;
}

/** A call as the provider knows it. */
export interface CallState {
  providerCallId: string;
  status: CallStatus;
  answeredBy?: string;
  durationSec?: number;
}

/** What reconciliation looks for: a call from `from` to `to` created since `since`, none of `excludeIds`. */
export interface FindCallRequest {
  idempotencyKey: string;
  from: string;
  to: string;
  since: Date;
  /** Calls already recorded on other attempts (an earlier attempt's call to the same number is not this one). */
  excludeIds: string[];
}

/** One instruction of an answered call, provider-neutral (carriers/twilio/twiml.ts renders them as TwiML). */
export type VoiceVerb =
  | { verb: 'say'; text: string; voice?: string; language?: string }
  | { verb: 'play'; url: string }
  | { verb: 'pause'; seconds: number }
  | { verb: 'gather'; input: ('dtmf' | 'speech')[]; action: string; numDigits?: number; timeoutSec?: number; language?: string; prompt: VoiceVerb[] }
  | { verb: 'dial'; number: string; callerId?: string; action?: string; timeoutSec?: number }
  | { verb: 'stream'; url: string; parameters?: Record<string, string> }
  | { verb: 'redirect'; url: string }
  | { verb: 'hangup' };

/**
 * Places outbound calls. Makes at most one provider request per call and never retries; the caller makes
 * exactly-once (activities/dialer.ts): its attempt row is written before placeCall and, after a crash, findCall
 * is asked before placing again.
 */
export interface VoiceCarrier extends CarrierAdapter {
  placeCall(req: CallRequest): Promise<SendResult>;
  /** Reconciliation: the call an earlier attempt may have placed, if the provider has it. */
  findCall(req: FindCallRequest): Promise<CallState | undefined>;
  /** The call's current state, or undefined when the provider does not know it. */
  getCall(providerCallId: string): Promise<CallState | undefined>;
  /** Hang up (or cancel, if not answered yet) a call. */
  endCall(providerCallId: string): Promise<void>;
}
