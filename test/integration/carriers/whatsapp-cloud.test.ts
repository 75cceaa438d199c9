import type { CallbackRequest } from '../../../carriers/callbacks';
import { WhatsAppCloudCarrier } from '../../../carriers/whatsapp-cloud/adapter';
import { metaCallbacks } from '../../../carriers/whatsapp-cloud/callbacks';
import type { RecordedRequest } from '../../fakes/http-base';
import { MetaFake } from '../../fakes/meta-fake';
import { WebhookReceiver } from '../../fakes/webhook-receiver';
import { rejection } from '../../helpers/messages';

let fake: MetaFake;
let hooks: WebhookReceiver;
let carrier: WhatsAppCloudCarrier;
let n = 0;
const key = () => `msg_${++n}`;
const TO = '+16505551234';

beforeAll(async () => {
  hooks = await new WebhookReceiver().start();
  fake = await new MetaFake({ webhookUrl: `${hooks.url}/callbacks/whatsapp`, templates: { order_update: { bodyParams: 2, languages: ['en_US'] } } }).start();
  carrier = new WhatsAppCloudCarrier({ accessToken: fake.accessToken, appSecret: fake.appSecret, verifyToken: fake.verifyToken, baseUrl: fake.url, apiVersion: 'v23.0', timeoutMs: 2000 });
});

afterAll(async () => {
  await fake.close();
  await hooks.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.requests.length = 0;
  hooks.requests.length = 0;
});

const json = (r: RecordedRequest) => JSON.parse(r.body) as Record<string, unknown>;
const asCallback = (r: RecordedRequest): CallbackRequest => ({ url: hooks.fullUrl(r), method: r.method, headers: r.headers, rawBody: r.rawBody });


describe('WhatsApp Cloud adapter against the fake Graph API', () => {
  it('sends a text message as JSON with a Bearer token to /{version}/{phone-number-id}/messages', async () => {
    const r = await carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'Your order shipped', idempotencyKey: 'msg_text_1' });
    expect(r.providerMessageId).toMatch(/^wamid\./);
    expect(r.status).toBe('queued');
    const [req] = fake.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v23.0/${fake.phoneNumberId}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(json(req)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      biz_opaque_callback_data: 'msg_text_1',
      type: 'text',
      text: { body: 'Your order shipped', preview_url: false },
    });
    expect(fake.messages.get(r.providerMessageId)).toMatchObject({ to: '16505551234', type: 'text', bizOpaque: 'msg_text_1' });
  });

  it('sends media by link with caption', async () => {
    const r = await carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'media', mediaType: 'image', mediaUrl: 'https://cdn.test/a.jpg', caption: 'new colours', idempotencyKey: key() });
    expect(json(fake.requests[0])).toMatchObject({ type: 'image', image: { link: 'https://cdn.test/a.jpg', caption: 'new colours' } });
    expect(fake.messages.get(r.providerMessageId)?.type).toBe('image');
  });

  it('sends an approved template with its parameters', async () => {
    const components = [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '#1042' }] }];
    const r = await carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'template', template: { name: 'order_update', language: 'en_US', components }, idempotencyKey: key() });
    expect(json(fake.requests[0])).toMatchObject({ type: 'template', template: { name: 'order_update', language: { code: 'en_US' }, components } });
    expect(r.raw).toMatchObject({ messages: [{ id: r.providerMessageId, message_status: 'accepted' }] });
  });

  it('maps template errors: missing template 132001, parameter mismatch 132000 (both permanent)', async () => {
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'template', template: { name: 'nope', language: 'en_US' }, idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '132001' });
    const e = await rejection(
      carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'template', template: { name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] }, idempotencyKey: key() }),
    );
    expect(e).toMatchObject({ kind: 'permanent', code: '132000', httpStatus: 400 });
    expect(e.message).toContain('number of localizable_params (1)');
  });

  it('a wrong token is a permanent 190; an unknown phone-number-id a permanent 100', async () => {
    const bad = new WhatsAppCloudCarrier({ accessToken: 'wrong', appSecret: 's', baseUrl: fake.url });
    expect(await rejection(bad.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '190', httpStatus: 401 });
    expect(await rejection(carrier.sendWhatsApp({ from: '999', to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '100' });
  });

  it('recipient-level errors are permanent (131026 undeliverable, 131047 outside the 24 h window)', async () => {
    fake.rejectTo.set('16505550000', { code: 131026, message: 'Message Undeliverable.' });
    fake.rejectTo.set('16505550001', { code: 131047, message: 'Re-engagement message' });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: '+16505550000', kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '131026' });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: '+16505550001', kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '131047' });
  });

  it('rate limits are rate_limited with a delay; no retry inside the adapter', async () => {
    const before = fake.messages.size;
    fake.graphErrorNext(1, { code: 130429, message: '(#130429) Rate limit hit', status: 400 });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'rate_limited', code: '130429', retryAfterMs: 1000 });
    fake.graphErrorNext(1, { code: 131056, message: '(#131056) (Business Account, Consumer Account) pair rate limit hit' });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'rate_limited', code: '131056', retryAfterMs: 6000 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.messages.size).toBe(before);
  });

  it('server errors are transient', async () => {
    fake.graphErrorNext(1, { code: 2, message: 'Service temporarily unavailable', type: 'OAuthException', status: 503 });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: '2' });
    expect(fake.requests).toHaveLength(1);
  });

  it('a dropped connection after Meta accepted the message is transient and ambiguous', async () => {
    const before = fake.messages.size;
    fake.dropNext(1, { afterProcessing: true });
    expect(await rejection(carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', ambiguous: true });
    expect(fake.messages.size).toBe(before + 1);
  });

  it('the fake refuses malformed bodies, so a wrong request fails', async () => {
    const raw = (body: unknown) =>
      fetch(`${fake.url}/v23.0/${fake.phoneNumberId}/messages`, { method: 'POST', headers: { authorization: `Bearer ${fake.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await raw({ messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: {} });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: { code: number } }).error.code).toBe(100);
    const audio = await raw({ messaging_product: 'whatsapp', to: '16505551234', type: 'audio', audio: { link: 'https://x.test/a.ogg', caption: 'no' } });
    expect(audio.status).toBe(400);
  });
});

describe('WhatsApp webhooks signed by the fake', () => {
  it('verifies and parses a genuine status webhook, and rejects tampered ones', async () => {
    const { providerMessageId } = await carrier.sendWhatsApp({ from: fake.phoneNumberId, to: TO, kind: 'text', text: 'x', idempotencyKey: 'msg_ref_9' });
    await fake.sendStatus(providerMessageId, 'failed', { error: { code: 131026, title: 'Message undeliverable' } });
    const [req] = await hooks.waitForRequests(1);
    const cb = asCallback(req);
    expect(metaCallbacks(fake.appSecret).verify(cb)).toBe(true);
    expect(metaCallbacks(fake.appSecret).parse(cb)).toEqual([
      expect.objectContaining({ type: 'status', providerMessageId, status: 'failed', errorCode: '131026', clientReference: 'msg_ref_9', providerSenderId: fake.phoneNumberId }),
    ]);
    expect(metaCallbacks(fake.appSecret).verify({ ...cb, rawBody: Buffer.from(req.body.replace('"failed"', '"read"')) })).toBe(false);
    const sig = String(req.headers['x-hub-signature-256']);
    expect(metaCallbacks(fake.appSecret).verify({ ...cb, headers: { ...cb.headers, 'x-hub-signature-256': sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0') } })).toBe(false);
    expect(metaCallbacks('another-app').verify(cb)).toBe(false);
  });

  it('verifies and parses an inbound text message', async () => {
    const sent = await fake.sendInbound({ from: '+16505551234', name: 'Sheena Nelson', text: 'STOP' });
    const [req] = await hooks.waitForRequests(1);
    const cb = asCallback(req);
    expect(metaCallbacks(fake.appSecret).verify(cb)).toBe(true);
    expect(metaCallbacks(fake.appSecret).parse(cb)).toEqual([
      expect.objectContaining({ type: 'inbound', channel: 'whatsapp', from: '+16505551234', to: `+${fake.displayPhoneNumber}`, text: 'STOP', providerMessageId: sent.id, profileName: 'Sheena Nelson', providerSenderId: fake.phoneNumberId }),
    ]);
  });

  it('answers the subscription handshake only with the right verify token', async () => {
    const server = await new (class extends WebhookReceiver {
      protected override handle(r: RecordedRequest) {
        const answer = metaCallbacks(fake.appSecret, fake.verifyToken).answerHandshake!({ url: this.fullUrl(r), method: r.method, headers: r.headers, rawBody: r.rawBody });
        return answer ?? { status: 404 };
      }
    })().start();
    try {
      const ok = await fake.verifySubscription(`${server.url}/callbacks/whatsapp`);
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(ok.challenge);
      const bad = await fake.verifySubscription(`${server.url}/callbacks/whatsapp`, 'wrong-token');
      expect(bad.status).toBe(403);
      expect(bad.body).not.toBe(bad.challenge);
    } finally {
      await server.close();
    }
  });
});
