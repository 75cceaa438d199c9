import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import type { EmailCarrier, EmailRequest } from '../email';
import { CarrierError, type SendResult } from '../types';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465). With false, STARTTLS is used when the server offers it. */
  secure?: boolean;
  /** Fail unless the connection is upgraded with STARTTLS. */
  requireTLS?: boolean;
  /** Do not try STARTTLS even if offered (local sinks). */
  ignoreTLS?: boolean;
  /** Accept self-signed server certificates (test relays only). */
  allowSelfSigned?: boolean;
  auth?: { user: string; pass: string };
  /** Domain for generated Message-IDs; defaults to the sender's domain. */
  messageIdDomain?: string;
  /** Reuse connections across sends (one carrier instance per sender). */
  pool?: boolean;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** Socket-level codes proving the message was never handed over. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * SMTP failure → CarrierError. A reply code decides first: 5xx permanent (550 mailbox unavailable, 553 bad address,
 * 535 authentication failed) except 503 (bad sequence: a new session may succeed); 4xx transient (421 service
 * unavailable, 450/451/452 try again later). Without a reply code: connection, DNS, TLS and timeout errors are
 * transient; configuration and missing-credential errors are permanent.
 */
export function classifySmtpError(err: unknown): CarrierError {
  const e = (err ?? {}) as NodemailerError;
  const message = e.response ?? e.message ?? String(err);
  if (typeof e.responseCode === 'number') {
    const permanent = e.permanent ?? (e.responseCode >= 500 && e.responseCode !== 503);
    return new CarrierError({
      kind: permanent ? 'permanent' : 'transient',
      provider: 'SMTP',
      code: String(e.responseCode),
      message,
      cause: err,
    });
  }
  const code = typeof e.code === 'string' ? e.code : 'ESMTP';
  if (code === 'ECONFIG' || code === 'ENOAUTH' || code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EREQUIRETLS') {
    return new CarrierError({ kind: 'permanent', provider: 'SMTP', code, message, cause: err });
  }
  const original = e.originalCode ?? code;
  const neverConnected =
    NOT_SENT_CODES.has(original) || code === 'EDNS' || e.timeoutType === 'CONNECT_TIMEOUT' || e.timeoutType === 'GREETING_TIMEOUT';
  return new CarrierError({ kind: 'transient', provider: 'SMTP', code, message, ambiguous: !neverConnected, cause: err });
}

/**
 * The Message-ID is derived from the idempotency key, so a retried send carries the same id (receiving systems
 * can collapse duplicates) and the provider id is known even if the connection drops after DATA.
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const local = /^[A-Za-z0-9._-]{1,128}$/.test(idempotencyKey) ? idempotencyKey : crypto.createHash('sha256').update(idempotencyKey).digest('hex');
  return `<${local}@${domain}>`;
}

const domainOf = (address: string): string => {
  const m = /@([^>\s]+)>?\s*$/.exec(address);
  return m ? m[1] : 'switchboard.local';
};

/** E-mail over SMTP with nodemailer; the Message-ID is the provider id. SMTP has no callbacks (bounces arrive as mail). */
export class SmtpCarrier implements EmailCarrier {
  readonly provider = 'SMTP' as const;
  private readonly transporter: ReturnType<typeof nodemailer.createTransport>;

  constructor(private readonly config: SmtpConfig) {
    this.transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? false,
      requireTLS: config.requireTLS,
      ignoreTLS: config.ignoreTLS,
      auth: config.auth ? { user: config.auth.user, pass: config.auth.pass } : undefined,
      tls: config.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: config.connectionTimeoutMs ?? 15_000,
      greetingTimeout: config.greetingTimeoutMs ?? 15_000,
      socketTimeout: config.socketTimeoutMs ?? 60_000,
      ...(config.pool ? { pool: true as const } : {}),
    });
  }

  async sendEmail(req: EmailRequest): Promise<SendResult> {
    if (!req.text && !req.html) {
      throw new CarrierError({ kind: 'permanent', provider: 'SMTP', code: 'invalid_request', message: 'text or html is required' });
    }
    const messageId = messageIdFor(req.idempotencyKey, this.config.messageIdDomain ?? domainOf(req.from));
    try {
      const info = await this.transporter.sendMail({
        from: req.from,
        to: req.to,
        subject: req.subject,
        text: req.text,
        html: req.html,
        replyTo: req.replyTo,
        messageId,
      });
      // The relay has taken responsibility for the message ("250 OK queued"); delivery is its business now.
      return {
        providerMessageId: info.messageId || messageId,
        status: 'sent',
        raw: { response: info.response, accepted: info.accepted, rejected: info.rejected },
      };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
