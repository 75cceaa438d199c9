import { parseJson, parseRetryAfter, requestOnce, type FetchLike } from '../http';
import type { WhatsAppCarrier, WhatsAppRequest } from '../message';
import { CarrierError, type SendResult } from '../types';

export interface WhatsAppCloudConfig {
  /** System-user or app access token (Bearer). */
  accessToken: string;
  /** App secret: signs webhook POSTs (X-Hub-Signature-256). */
  appSecret: string;
  /** The token we registered for the webhook GET verification. */
  verifyToken?: string;
  /** Default https://graph.facebook.com; tests use the local fake's URL. */
  baseUrl?: string;
  apiVersion?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

export const WHATSAPP_DEFAULT_API_VERSION = 'v23.0';

interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

/** Rate-limit codes with the wait Meta's documentation implies when no Retry-After is given. */
const GRAPH_RATE_LIMITS: Record<number, number> = {
  4: 60_000, // application request limit reached
  80007: 60_000, // WhatsApp Business Account rate limit
  130429: 1_000, // Cloud API throughput (messages per second) reached
  131048: 60_000, // spam rate limit: too many messages were blocked recently
  131056: 6_000, // pair rate limit: too many messages to the same recipient in a short time
};

/** Server-side failures worth another attempt. */
const GRAPH_TRANSIENT = new Set([
  1, // API unknown
  2, // API service (temporary downtime)
  131000, // something went wrong
  131016, // service unavailable
  131057, // account in maintenance mode
  133004, // server temporarily unavailable
]);

/**
 * Graph error `{error:{message, type, code, error_subcode, fbtrace_id}}` → CarrierError. Rate-limit codes → rate_limited;
 * codes 1/2/131000/131016/133004 and any 5xx → transient; everything else permanent (100 invalid parameter,
 * 190 expired token, 131026 undeliverable, 131047 outside the 24 h window, 131051 unsupported type,
 * 132000 template parameter mismatch, 132001 template missing, 133010 number not registered, …).
 */
export function classifyGraphError(httpStatus: number, bodyText: string, headers?: Headers, now?: number): CarrierError {
  const err = (parseJson(bodyText) as { error?: GraphError } | undefined)?.error;
  const numeric = typeof err?.code === 'number' ? err.code : undefined;
  const code = numeric !== undefined ? String(numeric) : `http_${httpStatus}`;
  const detail = err?.error_data?.details;
  const message = [err?.message ?? (bodyText.slice(0, 200) || `HTTP ${httpStatus}`), detail].filter(Boolean).join(' — ');
  const retryAfter = parseRetryAfter(headers?.get('retry-after'), now);
  if (numeric !== undefined && numeric in GRAPH_RATE_LIMITS) {
    return new CarrierError({ kind: 'rate_limited', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, retryAfterMs: retryAfter ?? GRAPH_RATE_LIMITS[numeric] });
  }
  if (httpStatus === 429) {
    return new CarrierError({ kind: 'rate_limited', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, retryAfterMs: retryAfter ?? 60_000 });
  }
  if ((numeric !== undefined && GRAPH_TRANSIENT.has(numeric)) || httpStatus >= 500) {
    // An unknown server-side failure may still have queued the message.
    return new CarrierError({ kind: 'transient', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, ambiguous: httpStatus >= 500 || numeric === 1 || numeric === 131000 });
  }
  return new CarrierError({ kind: 'permanent', provider: 'WHATSAPP_CLOUD', code, message, httpStatus });
}

const digits = (phone: string): string => phone.replace(/\D/g, '');

/** The Cloud API `messages` request body for one send. */
export function buildWhatsAppBody(req: WhatsAppRequest): Record<string, unknown> {
  const base: Record<string, unknown> = { messaging_product: 'whatsapp', recipient_type: 'individual', to: digits(req.to) };
  // Echoed back in every status webhook for this message, which ties a callback to our row even before the wamid is stored.
  if (req.idempotencyKey) base.biz_opaque_callback_data = req.idempotencyKey.slice(0, 512);
  const invalid = (message: string) => new CarrierError({ kind: 'permanent', provider: 'WHATSAPP_CLOUD', code: 'invalid_request', message });
  switch (req.kind) {
    case 'text':
      if (!req.text) throw invalid('text is required for a text message');
      return { ...base, type: 'text', text: { body: req.text, preview_url: req.previewUrl ?? false } };
    case 'media': {
      if (!req.mediaUrl || !req.mediaType) throw invalid('mediaUrl and mediaType are required for a media message');
      const media: Record<string, unknown> = { link: req.mediaUrl };
      if (req.caption && req.mediaType !== 'audio') media.caption = req.caption;
      if (req.mediaType === 'document' && req.filename) media.filename = req.filename;
      return { ...base, type: req.mediaType, [req.mediaType]: media };
    }
    case 'template': {
      if (!req.template?.name || !req.template.language) throw invalid('template name and language are required');
      const template: Record<string, unknown> = { name: req.template.name, language: { code: req.template.language } };
      if (req.template.components?.length) template.components = req.template.components;
      return { ...base, type: 'template', template };
    }
  }
}

/** Meta WhatsApp Cloud API: text, media and template messages through the Graph API (webhooks: ./callbacks.ts). */
export class WhatsAppCloudCarrier implements WhatsAppCarrier {
  readonly provider = 'WHATSAPP_CLOUD' as const;
  private readonly baseUrl: string;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike | undefined;

  constructor(private readonly config: WhatsAppCloudConfig) {
    this.baseUrl = (config.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    this.apiVersion = config.apiVersion ?? WHATSAPP_DEFAULT_API_VERSION;
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.fetchImpl = config.fetch;
  }

  async sendWhatsApp(req: WhatsAppRequest): Promise<SendResult> {
    const body = buildWhatsAppBody(req);
    const url = `${this.baseUrl}/${this.apiVersion}/${encodeURIComponent(req.from)}/messages`;
    const res = await requestOnce(
      'WHATSAPP_CLOUD',
      this.fetchImpl,
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.config.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      this.timeoutMs,
    );
    if (res.status < 200 || res.status >= 300) throw classifyGraphError(res.status, res.text, res.headers);
    const parsed = parseJson(res.text) as { messages?: { id?: unknown }[] } | undefined;
    const id = parsed?.messages?.[0]?.id;
    if (typeof id !== 'string') {
      throw new CarrierError({
        kind: 'transient',
        provider: 'WHATSAPP_CLOUD',
        code: 'bad_response',
        message: `HTTP ${res.status} without messages[0].id`,
        httpStatus: res.status,
        ambiguous: true,
      });
    }
    // Meta answers once it has accepted the message; "sent" arrives later as a webhook.
    return { providerMessageId: id, status: 'queued', raw: parsed };
  }
}
