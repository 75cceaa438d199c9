import crypto from 'node:crypto';
import type { CallbackRequest } from '../../../carriers/callbacks';
import { CarrierError } from '../../../carriers/types';
import { buildWhatsAppBody, classifyGraphError } from '../../../carriers/whatsapp-cloud/adapter';
import { answerMetaHandshake, parseWhatsAppWebhook, verifyMetaSignature } from '../../../carriers/whatsapp-cloud/callbacks';

const base = { from: '106540352242922', to: '+1 (650) 555-1234', idempotencyKey: 'msg_01J' };

describe('buildWhatsAppBody', () => {
  it('builds a text message', () => {
    expect(buildWhatsAppBody({ ...base, kind: 'text', text: 'Hi https://x.test', previewUrl: true })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      biz_opaque_callback_data: 'msg_01J',
      type: 'text',
      text: { body: 'Hi https://x.test', preview_url: true },
    });
  });

  it('builds media messages, dropping captions where Meta forbids them', () => {
    expect(buildWhatsAppBody({ ...base, kind: 'media', mediaType: 'image', mediaUrl: 'https://m.test/a.jpg', caption: 'look' })).toMatchObject({
      type: 'image',
      image: { link: 'https://m.test/a.jpg', caption: 'look' },
    });
    expect(buildWhatsAppBody({ ...base, kind: 'media', mediaType: 'audio', mediaUrl: 'https://m.test/a.ogg', caption: 'x' })).toMatchObject({
      type: 'audio',
      audio: { link: 'https://m.test/a.ogg' },
    });
    expect((buildWhatsAppBody({ ...base, kind: 'media', mediaType: 'audio', mediaUrl: 'https://m.test/a.ogg', caption: 'x' }).audio as object)).not.toHaveProperty('caption');
    expect(buildWhatsAppBody({ ...base, kind: 'media', mediaType: 'document', mediaUrl: 'https://m.test/a.pdf', filename: 'a.pdf' })).toMatchObject({
      type: 'document',
      document: { link: 'https://m.test/a.pdf', filename: 'a.pdf' },
    });
  });

  it('builds a template message', () => {
    const components = [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }];
    expect(buildWhatsAppBody({ ...base, kind: 'template', template: { name: 'order_update', language: 'en_US', components } })).toMatchObject({
      type: 'template',
      template: { name: 'order_update', language: { code: 'en_US' }, components },
    });
  });

  it('refuses incomplete requests as permanent', () => {
    expect(() => buildWhatsAppBody({ ...base, kind: 'text' })).toThrow(CarrierError);
    expect(() => buildWhatsAppBody({ ...base, kind: 'media', mediaUrl: 'https://m.test/a.jpg' })).toThrow(/mediaType/);
    expect(() => buildWhatsAppBody({ ...base, kind: 'template' })).toThrow(/template/);
  });
});

describe('classifyGraphError', () => {
  const graph = (code: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ error: { message: `(#${code}) something`, type: 'OAuthException', code, fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam', ...extra } });

  it.each([100, 190, 131026, 131047, 131051, 132000, 132001, 133010])('%i is permanent', (code) => {
    expect(classifyGraphError(400, graph(code))).toMatchObject({ kind: 'permanent', code: String(code), provider: 'WHATSAPP_CLOUD' });
  });

  it.each([
    [130429, 1000],
    [131056, 6000],
    [80007, 60_000],
    [4, 60_000],
  ])('%i is rate limited (default wait %i ms)', (code, wait) => {
    expect(classifyGraphError(400, graph(code))).toMatchObject({ kind: 'rate_limited', code: String(code), retryAfterMs: wait });
  });

  it('prefers Retry-After when Meta sends one', () => {
    expect(classifyGraphError(429, graph(130429), new Headers({ 'retry-after': '3' }))).toMatchObject({ retryAfterMs: 3000 });
  });

  it('1, 2, 131000 and 5xx are transient', () => {
    expect(classifyGraphError(500, graph(1))).toMatchObject({ kind: 'transient', code: '1', ambiguous: true });
    expect(classifyGraphError(503, graph(2))).toMatchObject({ kind: 'transient', code: '2' });
    expect(classifyGraphError(500, graph(131000))).toMatchObject({ kind: 'transient', code: '131000' });
    expect(classifyGraphError(502, 'Bad Gateway')).toMatchObject({ kind: 'transient', code: 'http_502' });
  });

  it('keeps the details in the message', () => {
    const e = classifyGraphError(400, graph(132000, { error_data: { messaging_product: 'whatsapp', details: 'body: number of localizable_params (1) does not match' } }));
    expect(e.message).toContain('localizable_params');
  });
});

describe('webhook signature', () => {
  const secret = 'app-secret';
  const body = '{"object":"whatsapp_business_account","entry":[]}';
  const sig = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
  const req = (raw: string, signature?: string): CallbackRequest => ({ url: 'https://h.test/wa', headers: signature ? { 'x-hub-signature-256': signature } : {}, rawBody: Buffer.from(raw) });

  it('accepts the genuine signature and rejects tampering', () => {
    expect(verifyMetaSignature(secret, req(body, sig))).toBe(true);
    expect(verifyMetaSignature(secret, req(body.replace('[]', '[{}]'), sig))).toBe(false);
    expect(verifyMetaSignature(secret, req(body, sig.replace(/.$/, (c) => (c === '0' ? '1' : '0'))))).toBe(false);
    expect(verifyMetaSignature('other', req(body, sig))).toBe(false);
    expect(verifyMetaSignature(secret, req(body))).toBe(false);
    expect(verifyMetaSignature(secret, req(body, 'sha256=short'))).toBe(false);
  });
});

describe('answerMetaHandshake', () => {
  const get = (query: string): CallbackRequest => ({ url: `https://h.test/wa?${query}`, method: 'GET', headers: {}, rawBody: '' });

  it('echoes the challenge when the verify token matches', () => {
    expect(answerMetaHandshake('tok', get('hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444'))).toEqual({ status: 200, body: '1158201444' });
  });

  it('refuses a wrong token or mode, and ignores requests that are not handshakes', () => {
    expect(answerMetaHandshake('tok', get('hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'))).toEqual({ status: 403, body: 'Forbidden' });
    expect(answerMetaHandshake('tok', get('hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1'))).toEqual({ status: 403, body: 'Forbidden' });
    expect(answerMetaHandshake(undefined, get('hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1'))).toEqual({ status: 403, body: 'Forbidden' });
    expect(answerMetaHandshake('tok', get('other=1'))).toBeUndefined();
    expect(answerMetaHandshake('tok', { ...get('hub.mode=subscribe'), method: 'POST' })).toBeUndefined();
  });

  it('uses parsed params when the route provides them', () => {
    expect(answerMetaHandshake('tok', { url: 'https://h.test/wa', method: 'GET', headers: {}, rawBody: '', params: { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': 'c' } })).toEqual({ status: 200, body: 'c' });
  });
});

describe('parseWhatsAppWebhook', () => {
  const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
  const envelope = (value: unknown) => ({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ value, field: 'messages' }] }] });
  const parse = (payload: unknown) => parseWhatsAppWebhook({ url: 'https://h.test/wa', headers: {}, rawBody: JSON.stringify(payload), receivedAt: new Date('2026-01-01T00:00:00Z') });

  it('reads delivered and read statuses (recorded shape)', () => {
    const events = parse(
      envelope({
        messaging_product: 'whatsapp',
        metadata,
        statuses: [
          {
            id: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
            status: 'delivered',
            timestamp: '1750263773',
            recipient_id: '16505551234',
            biz_opaque_callback_data: 'msg_01J',
            conversation: { id: '6ceb9d929c1f4ab7b3e1ab1b5d6c5a0c', origin: { type: 'marketing' } },
            pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' },
          },
          { id: 'wamid.2', status: 'read', timestamp: '1750263800', recipient_id: '16505551234' },
        ],
      }),
    );
    expect(events).toEqual([
      {
        type: 'status',
        channel: 'whatsapp',
        providerMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        status: 'delivered',
        clientReference: 'msg_01J',
        providerSenderId: '106540352242922',
        occurredAt: new Date(1750263773 * 1000),
      },
      { type: 'status', channel: 'whatsapp', providerMessageId: 'wamid.2', status: 'read', providerSenderId: '106540352242922', occurredAt: new Date(1750263800 * 1000) },
    ]);
  });

  it('reads a failed status with its error', () => {
    const [e] = parse(
      envelope({
        messaging_product: 'whatsapp',
        metadata,
        statuses: [
          {
            id: 'wamid.3',
            status: 'failed',
            timestamp: '1750263900',
            recipient_id: '16505551234',
            errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }],
          },
        ],
      }),
    );
    expect(e).toMatchObject({ type: 'status', status: 'failed', errorCode: '131047' });
    expect((e as { errorMessage: string }).errorMessage).toContain('24 hours');
  });

  it('reads inbound text and image messages with the profile name', () => {
    const events = parse(
      envelope({
        messaging_product: 'whatsapp',
        metadata,
        contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
        messages: [
          { from: '16505551234', id: 'wamid.in1', timestamp: '1749416383', type: 'text', text: { body: 'Does it come in another color?' } },
          { from: '16505551234', id: 'wamid.in2', timestamp: '1749416390', type: 'image', image: { caption: 'this one', mime_type: 'image/jpeg', sha256: 'abc', id: '1003383421387256' } },
        ],
      }),
    );
    expect(events).toEqual([
      {
        type: 'inbound',
        channel: 'whatsapp',
        from: '+16505551234',
        to: '+15550783881',
        text: 'Does it come in another color?',
        mediaUrls: [],
        contentType: 'text',
        providerMessageId: 'wamid.in1',
        profileName: 'Sheena Nelson',
        providerSenderId: '106540352242922',
        occurredAt: new Date(1749416383 * 1000),
      },
      expect.objectContaining({ providerMessageId: 'wamid.in2', contentType: 'image', text: 'this one', mediaIds: ['1003383421387256'] }),
    ]);
  });

  it('reads button replies as text', () => {
    const [e] = parse(envelope({ metadata, messages: [{ from: '1650', id: 'w', timestamp: '1', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'STOP' } } }] }));
    expect(e).toMatchObject({ contentType: 'text', text: 'STOP' });
  });

  it('returns nothing for other objects, other fields, or garbage', () => {
    expect(parse({ object: 'page', entry: [] })).toEqual([]);
    expect(parse({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'account_update', value: {} }] }] })).toEqual([]);
    expect(parseWhatsAppWebhook({ url: 'x', headers: {}, rawBody: 'not json' })).toEqual([]);
  });
});
