/**
 * The carrier boundary's shared shapes: providers, send results, the normalized events callbacks turn into, and the
 * one typed error adapters throw. Each capability has its own interface beside it (message.ts, voice.ts, email.ts,
 * callbacks.ts); an adapter implements the ones its provider has, and nothing else.
 *
 * Exactly-once towards the provider is made by the caller, not here:
 *   1. the calling activity writes the message row (status `sending`) before calling the adapter;
 *   2. the adapter makes exactly one HTTP/SMTP attempt per call and either returns the provider's id or throws a
 *      classified {@link CarrierError};
 *   3. the caller records the provider id on the row (compare-and-set) right after the call returns.
 * Twilio's Messages API has no idempotency key, so a second POST is a second SMS. Adapters therefore never retry
 * internally: the only retries are Temporal's activity retries, and on a retry the caller reads its row first — a
 * row that already has a provider id is done and must not be sent again; a row still in `sending` after an
 * ambiguous failure (see {@link CarrierError.ambiguous}) is the one case where a duplicate is possible, and the
 * caller decides (retry anyway, or mark for reconciliation). `idempotencyKey` is still passed to every send and used
 * where the provider has a place for it (WhatsApp's `biz_opaque_callback_data`, the e-mail Message-ID, the simulator).
 */

/** Providers a sender (phone / session) can name; matches `phones.source`. */
export type ProviderName = 'SIMULATOR' | 'TWILIO' | 'WHATSAPP_CLOUD' | 'SMTP';

export type Channel = 'sms' | 'whatsapp' | 'voice' | 'email';

/** What every adapter is: a provider, and sockets or timers to release. */
export interface CarrierAdapter {
  readonly provider: ProviderName;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

/** Status of an accepted send as the provider reported it in the synchronous response. */
export type SendStatus = 'queued' | 'sending' | 'sent' | 'delivered';

export interface SendResult {
  providerMessageId: string;
  status: SendStatus;
  /** The provider's response body, for logging/debugging; never needed downstream. */
  raw?: unknown;
}

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

export interface StatusEvent {
  type: 'status';
  channel: Channel;
  providerMessageId: string;
  status: MessageStatus;
  errorCode?: string;
  errorMessage?: string;
  occurredAt: Date;
  /** Echo of what we attached to the send (WhatsApp `biz_opaque_callback_data`), when the provider returns it. */
  clientReference?: string;
  /** The provider's id of our sender when the payload names it (WhatsApp phone-number-id). */
  providerSenderId?: string;
}

export type InboundContentType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'other';

export interface InboundEvent {
  type: 'inbound';
  channel: 'sms' | 'mms' | 'whatsapp';
  from: string;
  to: string;
  text: string;
  /** Fetchable media URLs (Twilio MediaUrlN). */
  mediaUrls: string[];
  /** Provider media ids that must be resolved through the provider's API first (WhatsApp Cloud). */
  mediaIds?: string[];
  contentType: InboundContentType;
  providerMessageId: string;
  /** The sender's profile name when the provider shares it (WhatsApp). */
  profileName?: string;
  /** The provider's id of our receiving sender when it is not the `to` number (WhatsApp phone-number-id). */
  providerSenderId?: string;
  occurredAt: Date;
}

export type CallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface CallEvent {
  type: 'call';
  providerCallId: string;
  status: CallStatus;
  /** Twilio's AnsweredBy: human, machine_start, machine_end_beep, fax, unknown, … */
  answeredBy?: string;
  durationSec?: number;
  errorCode?: string;
  errorMessage?: string;
  occurredAt: Date;
  /** The provider's order of the call's progress callbacks (Twilio SequenceNumber). */
  sequenceNumber?: number;
  /** Keys pressed (Twilio Gather `Digits`). */
  digits?: string;
  /** What the callee said (Twilio Gather `SpeechResult`) and the recogniser's confidence (0..1). */
  speechResult?: string;
  confidence?: number;
  recordingUrl?: string;
  /** Echo of our call attempt id (the simulator sends it back). */
  clientReference?: string;
}

export type NormalizedEvent = StatusEvent | InboundEvent | CallEvent;

export type CarrierErrorKind = 'permanent' | 'transient' | 'rate_limited';

export interface CarrierErrorOptions {
  kind: CarrierErrorKind;
  provider: ProviderName;
  /** The provider's own error code as a string (Twilio `21211`, Graph `131026`, SMTP `550`, or `ETIMEDOUT`). */
  code: string;
  message: string;
  retryAfterMs?: number;
  httpStatus?: number;
  ambiguous?: boolean;
  cause?: unknown;
}

/**
 * The one error adapters throw. `kind` is decided at the edge, where the provider's codes are understood:
 * permanent (never retry: invalid number, unsubscribed, bad credentials, unsupported), transient (retry with the
 * policy's back-off: 5xx, network, timeout) or rate_limited (retry after `retryAfterMs`).
 */
export class CarrierError extends Error {
  readonly kind: CarrierErrorKind;
  readonly provider: ProviderName;
  readonly code: string;
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  /**
   * True when the provider may have accepted the request although we saw a failure (timeout after the request was
   * written, connection reset, a 5xx from the API): a retry could produce a second message. False when the request
   * certainly did not create anything (connection refused, DNS failure, 4xx, 429).
   */
  readonly ambiguous: boolean;

  constructor(opts: CarrierErrorOptions) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CarrierError';
    this.kind = opts.kind;
    this.provider = opts.provider;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
    this.httpStatus = opts.httpStatus;
    this.ambiguous = opts.ambiguous ?? false;
  }
}

export const isCarrierError = (err: unknown): err is CarrierError => err instanceof CarrierError;
