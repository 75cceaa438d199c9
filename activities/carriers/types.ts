/**
 * The carrier boundary: one interface every provider adapter implements, the normalized shapes that cross it, and
 * the one typed error adapters throw.
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

/** Status of an accepted send as the provider reported it in the synchronous response. */
export type SendStatus = 'queued' | 'sending' | 'sent' | 'delivered';

export interface SendResult {
  providerMessageId: string;
  status: SendStatus;
  /** The provider's response body, for logging/debugging; never needed downstream. */
  raw?: unknown;
}

export interface SmsRequest {
  from: string;
  to: string;
  body: string;
  /** Present and non-empty → MMS. */
  mediaUrls?: string[];
  idempotencyKey: string;
  statusCallbackUrl?: string;
}

export type WhatsAppMediaType = 'image' | 'video' | 'audio' | 'document';

export interface WhatsAppTemplate {
  name: string;
  /** BCP-47-ish code as registered with Meta, e.g. `en_US`. */
  language: string;
  /** Passed through as Meta's `components` array (header/body/button parameters). */
  components?: unknown[];
}

export interface WhatsAppRequest {
  /** Sender id: the WhatsApp Cloud phone-number-id, or the sender's E.164 number for Twilio/simulator. */
  from: string;
  to: string;
  kind: 'text' | 'media' | 'template';
  text?: string;
  mediaUrl?: string;
  mediaType?: WhatsAppMediaType;
  caption?: string;
  /** Only for `document` media: the file name shown to the recipient. */
  filename?: string;
  template?: WhatsAppTemplate;
  /** Whether WhatsApp should render a link preview for a URL in `text`. */
  previewUrl?: boolean;
  idempotencyKey: string;
  statusCallbackUrl?: string;
}

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

export interface EmailRequest {
  from: string;
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  replyTo?: string;
  idempotencyKey: string;
}

/** A provider's HTTP request to one of our callback URLs, as the API route received it. */
export interface CallbackRequest {
  /** The full public URL the provider called (scheme, host, port as configured at the provider, path and query). */
  url: string;
  method?: string;
  /** Header names lower-cased, as Node delivers them. */
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received; signatures are computed over them, so never a re-serialized body. */
  rawBody: Buffer | string;
  /** Query parameters, when the route has them parsed (WhatsApp's GET verification). */
  params?: Record<string, string | undefined>;
  /** When the request arrived; used as `occurredAt` when the payload has no timestamp (Twilio messages). */
  receivedAt?: Date;
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
}

export type NormalizedEvent = StatusEvent | InboundEvent | CallEvent;

/** What a callback route answers to a provider's handshake (WhatsApp's GET hub.challenge). */
export interface HandshakeResponse {
  status: number;
  body: string;
}

/** What a reconciliation lookup asks the provider: "do you already have this message?" (see {@link Carrier.findSent}). */
export interface FindSentRequest {
  idempotencyKey: string;
  channel: 'sms' | 'whatsapp';
  from: string;
  to: string;
  /** The text sent ('' for media-only); providers without a key to search by match on it. */
  body: string;
  /** The earliest moment the earlier attempt can have reached the provider (when the row went `sending`). */
  since: Date;
}

/** One provider behind one interface. Every method makes at most one provider request and never retries. */
export interface Carrier {
  readonly provider: ProviderName;
  sendSms(req: SmsRequest): Promise<SendResult>;
  sendWhatsApp(req: WhatsAppRequest): Promise<SendResult>;
  placeCall(req: CallRequest): Promise<SendResult>;
  sendEmail(req: EmailRequest): Promise<SendResult>;
  /** True when the request provably comes from the provider (signature over the exact URL and bytes). */
  verifyCallback(req: CallbackRequest): boolean;
  /** Pure: turns a verified callback into normalized events (possibly several, possibly none). */
  parseCallback(req: CallbackRequest): NormalizedEvent[];
  /** Answers a subscription handshake if this request is one (undefined otherwise). */
  answerHandshake?(req: CallbackRequest): HandshakeResponse | undefined;
  /**
   * Reconciliation after a crash or an ambiguous failure: the provider's record of a message sent earlier for this
   * idempotency key, or undefined when it has none. Adapters whose provider cannot be searched (WhatsApp Cloud)
   * leave it out; callers then rely on {@link CarrierError.ambiguous}. May make a few read-only requests.
   */
  findSent?(req: FindSentRequest): Promise<SendResult | undefined>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

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

  static unsupported(provider: ProviderName, what: string): CarrierError {
    return new CarrierError({ kind: 'permanent', provider, code: 'unsupported', message: `${provider} does not support ${what}` });
  }
}

export const isCarrierError = (err: unknown): err is CarrierError => err instanceof CarrierError;
