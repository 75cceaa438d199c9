import type { NormalizedEvent, ProviderName } from './types';

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

/** What a callback route answers to a provider's handshake (WhatsApp's GET hub.challenge). */
export interface HandshakeResponse {
  status: number;
  body: string;
}

/**
 * How a provider's callbacks are authenticated and read: pure functions over the request (no I/O), built per
 * secret (a phone's auth token, the Meta app secret, the simulator's secret). Every callback route goes through one.
 */
export interface CallbackVerifier {
  readonly provider: ProviderName;
  /** True when the request provably comes from the provider (signature over the exact URL and bytes). */
  verify(req: CallbackRequest): boolean;
  /** Turns a verified callback into normalized events (possibly several, possibly none). */
  parse(req: CallbackRequest): NormalizedEvent[];
  /** Answers a subscription handshake if this request is one (undefined otherwise). */
  answerHandshake?(req: CallbackRequest): HandshakeResponse | undefined;
}
