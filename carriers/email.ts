import type { CarrierAdapter, SendResult } from './types';

export interface EmailRequest {
  from: string;
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  replyTo?: string;
  idempotencyKey: string;
}

/** Sends e-mail. Makes at most one provider request per call and never retries. */
export interface EmailCarrier extends CarrierAdapter {
  sendEmail(req: EmailRequest): Promise<SendResult>;
}
