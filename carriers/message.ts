import type { CarrierAdapter, SendResult } from './types';

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

/** What a reconciliation lookup asks the provider: "do you already have this message?" (see {@link Reconcilable.findSent}). */
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

/** Sends SMS and MMS. Makes at most one provider request per call and never retries. */
export interface SmsCarrier extends CarrierAdapter {
  sendSms(req: SmsRequest): Promise<SendResult>;
}

/** Sends WhatsApp text, media and template messages. Makes at most one provider request per call and never retries. */
export interface WhatsAppCarrier extends CarrierAdapter {
  sendWhatsApp(req: WhatsAppRequest): Promise<SendResult>;
}

/** A provider that can be asked whether it already has a message (reconciliation after a crash or an ambiguous failure). */
export interface Reconcilable {
  /**
   * The provider's record of a message sent earlier for this idempotency key, or undefined when it has none.
   * Providers that cannot be searched (WhatsApp Cloud) do not implement it; callers then rely on
   * CarrierError.ambiguous. May make a few read-only requests.
   */
  findSent(req: FindSentRequest): Promise<SendResult | undefined>;
}
