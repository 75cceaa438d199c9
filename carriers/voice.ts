import type { CarrierAdapter, SendResult } from './types';

export interface CallRequest {
  from: string;
  to: string;
  /** Inline TwiML for the call; exactly one of `twiml` and `url` is required. */
  twiml?: string;
  url?: string;
  statusCallbackUrl?: string;
  idempotencyKey: string;
  /** Answering-machine detection: `Enable` (report human/machine) or `DetectMessageEnd`. */
  machineDetection?: 'Enable' | 'DetectMessageEnd';
  /** Seconds to let the call ring before giving up (Twilio default 60). */
  timeoutSec?: number;
}

/** Places outbound calls. Makes at most one provider request per call and never retries. */
export interface VoiceCarrier extends CarrierAdapter {
  placeCall(req: CallRequest): Promise<SendResult>;
}
