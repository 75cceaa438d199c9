import crypto from 'node:crypto';
import { FakeHttpServer, postCallback, type FakeResponse, type RecordedRequest } from './http-base';

/*
 * A local stand-in for graph.facebook.com's WhatsApp Cloud API: `POST /{version}/{phone-number-id}/messages` with a
 * Bearer token and a JSON body validated per message type, Graph-shaped success and error bodies, and webhooks
 * (statuses and inbound messages) signed with X-Hub-Signature-256 over the exact bytes sent. Signing is written
 * independently of carriers/whatsapp-cloud/callbacks.ts on purpose.
 */

export interface MetaFakeOptions {
  accessToken?: string;
  appSecret?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  /** Where webhooks go (the app's callback URL). */
  webhookUrl?: string;
  verifyToken?: string;
  /** Approved templates: name → number of body parameters. Unlisted names fail with 132001 when this is set. */
  templates?: Record<string, { bodyParams: number; languages?: string[] }>;
  /** Send these statuses automatically after each accepted message, `delayMs` apart. */
  autoStatus?: { statuses: string[]; delayMs: number };
}

export interface MetaFakeMessage {
  id: string;
  phoneNumberId: string;
  to: string;
  type: string;
  body: Record<string, unknown>;
  bizOpaque?: string;
  createdAt: Date;
}

export interface GraphErrorSpec {
  code: number;
  message: string;
  type?: string;
  subcode?: number;
  details?: string;
  status?: number;
}

export interface SentWebhook {
  url: string;
  body: string;
  signature: string;
  responseStatus: number;
}

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'];
const TYPES = ['text', 'template', 'interactive', 'location', 'contacts', 'reaction', ...MEDIA_TYPES];

export const signMeta = (appSecret: string, body: string | Buffer): string => 'sha256=' + crypto.createHmac('sha256', appSecret).update(body).digest('hex');

const wamid = () => `wamid.${Buffer.from(`HBgL${crypto.randomBytes(24).toString('hex')}`).toString('base64')}`;
const unix = (d = new Date()) => String(Math.floor(d.getTime() / 1000));

export class MetaFake extends FakeHttpServer {
  readonly accessToken: string;
  readonly appSecret: string;
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string;
  readonly wabaId: string;
  readonly verifyToken: string;
  readonly messages = new Map<string, MetaFakeMessage>();
  readonly webhooks: SentWebhook[] = [];
  /** Errors to answer for specific recipients (digits only, as Meta's wa_id). */
  readonly rejectTo = new Map<string, GraphErrorSpec>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: MetaFakeOptions = {}) {
    super();
    this.accessToken = options.accessToken ?? 'EAAfaketoken0001';
    this.appSecret = options.appSecret ?? 'fake-app-secret-0001';
    this.phoneNumberId = options.phoneNumberId ?? '106540352242922';
    this.displayPhoneNumber = options.displayPhoneNumber ?? '15550783881';
    this.wabaId = options.wabaId ?? '102290129340398';
    this.verifyToken = options.verifyToken ?? 'fake-verify-token';
  }

  get messageList(): MetaFakeMessage[] {
    return [...this.messages.values()];
  }

  /** Answer the next `n` requests with a Graph error (HTTP 400 unless `status` given). */
  graphErrorNext(n: number, spec: GraphErrorSpec): this {
    return this.failNext(n, this.error(spec));
  }

  override async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await super.close();
  }

  /** Sends a signed status webhook for a message we accepted. */
  async sendStatus(id: string, status: 'sent' | 'delivered' | 'read' | 'failed', extra: { error?: { code: number; title: string; details?: string }; url?: string } = {}): Promise<SentWebhook> {
    const m = this.messages.get(id);
    if (!m) throw new Error(`no message ${id}`);
    const s: Record<string, unknown> = { id, status, timestamp: unix(), recipient_id: m.to };
    if (m.bizOpaque) s.biz_opaque_callback_data = m.bizOpaque;
    if (status !== 'failed' && status !== 'read') {
      s.conversation = { id: crypto.randomBytes(16).toString('hex'), origin: { type: m.type === 'template' ? 'marketing' : 'service' } };
      s.pricing = { billable: true, pricing_model: 'PMP', category: m.type === 'template' ? 'marketing' : 'service', type: 'regular' };
    }
    if (status === 'failed') {
      const e = extra.error ?? { code: 131026, title: 'Message undeliverable' };
      s.errors = [{ code: e.code, title: e.title, message: e.title, error_data: { details: e.details ?? e.title }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }];
    }
    return this.postWebhook({ messaging_product: 'whatsapp', metadata: this.metadata(), statuses: [s] }, extra.url);
  }

  /** Sends a signed webhook for a message a WhatsApp user sent to our number. */
  async sendInbound(input: {
    from: string;
    name?: string;
    text?: string;
    image?: { id: string; mimeType?: string; caption?: string };
    url?: string;
  }): Promise<SentWebhook & { id: string }> {
    const waId = input.from.replace(/\D/g, '');
    const id = wamid();
    const message: Record<string, unknown> = { from: waId, id, timestamp: unix() };
    if (input.image) {
      message.type = 'image';
      message.image = { caption: input.image.caption, mime_type: input.image.mimeType ?? 'image/jpeg', sha256: crypto.randomBytes(32).toString('base64'), id: input.image.id };
    } else {
      message.type = 'text';
      message.text = { body: input.text ?? '' };
    }
    const sent = await this.postWebhook(
      { messaging_product: 'whatsapp', metadata: this.metadata(), contacts: [{ profile: { name: input.name ?? 'Test User' }, wa_id: waId }], messages: [message] },
      input.url,
    );
    return { id, ...sent };
  }

  /** Performs the webhook subscription handshake against `url` the way Meta does when the app registers it. */
  async verifySubscription(url: string, verifyToken = this.verifyToken): Promise<{ status: number; body: string; challenge: string }> {
    const challenge = String(crypto.randomInt(1_000_000_000));
    const u = new URL(url);
    u.searchParams.set('hub.mode', 'subscribe');
    u.searchParams.set('hub.verify_token', verifyToken);
    u.searchParams.set('hub.challenge', challenge);
    const res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text(), challenge };
  }

  /** The webhook envelope Meta posts; exposed so tests can sign their own variants. */
  envelope(value: Record<string, unknown>): string {
    return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: this.wabaId, changes: [{ value, field: 'messages' }] }] });
  }

  protected handle(req: RecordedRequest): FakeResponse {
    const m = /^\/(v\d+\.\d+)\/([^/?]+)\/messages(?:\?.*)?$/.exec(req.path);
    if (!m) return this.error({ code: 2500, type: 'OAuthException', message: `Unknown path components: ${req.path}` });
    const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!auth || auth[1] !== this.accessToken) {
      return this.error({ code: 190, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token', status: 401 });
    }
    if (req.method !== 'POST') return this.error({ code: 100, message: 'Unsupported get request.', subcode: 33 });
    const phoneNumberId = m[2];
    if (phoneNumberId !== this.phoneNumberId) {
      return this.error({
        code: 100,
        subcode: 33,
        message: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    }
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return this.param('messaging_product', 'The parameter messaging_product is required.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return this.param('body', 'Invalid JSON');
    }
    const invalid = this.validate(body);
    if (invalid) return invalid;
    const to = String(body.to).replace(/\D/g, '');
    const reject = this.rejectTo.get(to);
    if (reject) return this.error(reject);
    const id = wamid();
    const message: MetaFakeMessage = {
      id,
      phoneNumberId,
      to,
      type: String(body.type),
      body,
      bizOpaque: typeof body.biz_opaque_callback_data === 'string' ? body.biz_opaque_callback_data : undefined,
      createdAt: new Date(),
    };
    this.messages.set(id, message);
    this.notify();
    if (this.options.autoStatus) this.scheduleStatuses(id, this.options.autoStatus.statuses, this.options.autoStatus.delayMs);
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: String(body.to), wa_id: to }],
        messages: [message.type === 'template' ? { id, message_status: 'accepted' } : { id }],
      },
    };
  }

  private validate(body: Record<string, unknown>): FakeResponse | undefined {
    if (body.messaging_product !== 'whatsapp') return this.param('messaging_product', 'The parameter messaging_product is required.');
    if (body.recipient_type !== undefined && body.recipient_type !== 'individual' && body.recipient_type !== 'group') return this.param('recipient_type', 'Invalid parameter recipient_type');
    if (typeof body.to !== 'string' || !/^\+?\d{7,15}$/.test(body.to)) return this.param('to', 'The parameter to is required.');
    const type = body.type ?? 'text';
    if (typeof type !== 'string' || !TYPES.includes(type)) return this.param('type', `Param type must be one of {${TYPES.join(', ')}} - got "${String(type)}".`);
    if (body.biz_opaque_callback_data !== undefined && (typeof body.biz_opaque_callback_data !== 'string' || body.biz_opaque_callback_data.length > 512)) {
      return this.param('biz_opaque_callback_data', 'Param biz_opaque_callback_data must be at most 512 characters long.');
    }
    const payload = body[type] as Record<string, unknown> | undefined;
    if (!payload || typeof payload !== 'object') return this.param(type, `The parameter ${type} is required.`);
    if (type === 'text') {
      if (typeof payload.body !== 'string' || payload.body.length === 0) return this.param("text['body']", "The parameter text['body'] is required.");
      if (payload.body.length > 4096) return this.param("text['body']", "Param text['body'] must be at most 4096 characters long.");
      if (payload.preview_url !== undefined && typeof payload.preview_url !== 'boolean') return this.param("text['preview_url']", "Param text['preview_url'] must be a boolean.");
    }
    if (MEDIA_TYPES.includes(type)) {
      if (typeof payload.link !== 'string' && typeof payload.id !== 'string') return this.param(`${type}['link']`, `Param ${type} must contain either 'id' or 'link'.`);
      if (typeof payload.link === 'string' && !/^https?:\/\//.test(payload.link)) return this.param(`${type}['link']`, `Param ${type}['link'] must be a valid URL`);
      if (payload.caption !== undefined && (type === 'audio' || type === 'sticker')) return this.param(`${type}['caption']`, `Param ${type}['caption'] is not allowed for ${type}.`);
    }
    if (type === 'template') {
      const language = payload.language as { code?: unknown } | undefined;
      if (typeof payload.name !== 'string' || !payload.name) return this.param("template['name']", "The parameter template['name'] is required.");
      if (!language || typeof language.code !== 'string') return this.param("template['language']['code']", "The parameter template['language']['code'] is required.");
      if (payload.components !== undefined && !Array.isArray(payload.components)) return this.param("template['components']", "Param template['components'] must be an array.");
      const known = this.options.templates;
      if (known) {
        const t = known[payload.name];
        if (!t || (t.languages && !t.languages.includes(language.code))) {
          return this.error({ code: 132001, message: '(#132001) Template name does not exist in the translation', details: `template name (${payload.name}) does not exist in ${language.code}` });
        }
        const components = (payload.components ?? []) as { type?: string; parameters?: unknown[] }[];
        const bodyParams = components.filter((c) => c.type === 'body').reduce((n, c) => n + (c.parameters?.length ?? 0), 0);
        if (bodyParams !== t.bodyParams) {
          return this.error({ code: 132000, message: '(#132000) Number of parameters does not match the expected number of params', details: `body: number of localizable_params (${bodyParams}) does not match the expected number of params (${t.bodyParams})` });
        }
      }
    }
    return undefined;
  }

  private scheduleStatuses(id: string, statuses: string[], delayMs: number): void {
    const [next, ...rest] = statuses;
    if (!next) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.sendStatus(id, next as 'sent')
        .catch(() => undefined)
        .finally(() => this.scheduleStatuses(id, rest, delayMs));
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private metadata() {
    return { display_phone_number: this.displayPhoneNumber, phone_number_id: this.phoneNumberId };
  }

  private async postWebhook(value: Record<string, unknown>, url = this.options.webhookUrl): Promise<SentWebhook> {
    if (!url) throw new Error('no webhook URL configured');
    const body = this.envelope(value);
    const signature = signMeta(this.appSecret, body);
    const res = await postCallback(url, body, { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' });
    const sent = { url, body, signature, responseStatus: res.status };
    this.webhooks.push(sent);
    this.notify();
    return sent;
  }

  private param(_name: string, message: string): FakeResponse {
    return this.error({ code: 100, message: `(#100) ${message}` });
  }

  private error(spec: GraphErrorSpec): FakeResponse {
    const error: Record<string, unknown> = {
      message: spec.message,
      type: spec.type ?? 'OAuthException',
      code: spec.code,
    };
    if (spec.subcode !== undefined) error.error_subcode = spec.subcode;
    if (spec.details) error.error_data = { messaging_product: 'whatsapp', details: spec.details };
    error.fbtrace_id = crypto.randomBytes(8).toString('base64url');
    const headers: Record<string, string> = spec.code === 190 ? { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } : {};
    return { status: spec.status ?? 400, headers, body: { error } };
  }
}
