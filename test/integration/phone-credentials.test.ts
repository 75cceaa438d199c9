import crypto from 'node:crypto';
import { decryptPhoneCredentials } from '../../carriers/credentials';
import { MetaFake } from '../fakes/meta-fake';
import { TwilioFake } from '../fakes/twilio-fake';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { waitForStatus } from '../helpers/messages';

const KEY = crypto.randomBytes(32).toString('hex');
const OLD_KEY = crypto.randomBytes(32).toString('hex');
const ACCOUNT_SID = `AC${crypto.randomBytes(16).toString('hex')}`;
const AUTH_TOKEN = crypto.randomBytes(16).toString('hex');

let h: Harness;
let twilio: TwilioFake;
let meta: MetaFake;
let ws: TestWorkspace;



const phonesUrl = (w: TestWorkspace) => `/api/v1/workspace/${w.id}/phones`;
const createPhone = (body: Record<string, unknown>, w: TestWorkspace = ws, harness: Harness = h) => harness.http.post(phonesUrl(w)).set(w.seax).send(body);
const patchPhone = (id: string, body: Record<string, unknown>) => h.http.patch(`${phonesUrl(ws)}/${id}`).set(ws.seax).send(body);
const errorFields = (res: { body: { details?: { errors?: Record<string, string[]> } } }) => Object.keys(res.body.details?.errors ?? {}).sort();

beforeAll(async () => {
  twilio = await new TwilioFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }).start();
  meta = await new MetaFake().start();
  h = await createHarness({
    worker: true,
    // The current key first, an old one still listed during a rotation.
    env: { TWILIO_BASE_URL: twilio.url, WHATSAPP_GRAPH_BASE_URL: meta.url, CREDENTIALS_ENCRYPTION_KEY: `${KEY}, ${OLD_KEY}` },
  });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
});
afterAll(async () => {
  await h.close();
  await twilio.close();
  await meta.close();
});

describe('carrier credentials on SeaX phones', () => {
  it('creates a Twilio phone with credentials, never shows them, and sends through that account', async () => {
    const res = await createPhone({ phone: '+14155550300', source: 'TWILIO', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'TWILIO', has_credentials: true });
    expect(res.body).not.toHaveProperty('credentials');

    const one = await h.http.get(`${phonesUrl(ws)}/${res.body.id}`).set(ws.seax);
    const list = await h.http.get(phonesUrl(ws)).set(ws.seax);
    for (const text of [JSON.stringify(res.body), one.text, list.text]) {
      expect(text).not.toContain(AUTH_TOKEN);
      expect(text).not.toContain(ACCOUNT_SID);
      expect(text).not.toContain('credentials_encrypted');
    }
    expect(one.body.has_credentials).toBe(true);

    // Encrypted with the first key, bound to the row's id.
    const row = await h.db('phones').where({ id: res.body.id }).first();
    expect(row.credentials_encrypted).toMatch(/^v1:/);
    expect(decryptPhoneCredentials('TWILIO', row, [KEY])).toEqual({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });

    const before = twilio.requests.length;
    const sent = await h.http
      .post(`/api/v1/workspace/${ws.id}/send_message`)
      .set(ws.seax)
      .send({ phone_number: '+14155550300', to_phone_number: '+14155550311', content: 'Through my own account' });
    expect(sent.status).toBe(200);
    await waitForStatus(h.db, sent.body.id, ['sent']);
    const posts = twilio.requests.slice(before).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(posts[0].headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
  });

  it('answers 422 naming each bad credentials field against the provider’s schema', async () => {
    const res = await createPhone({ phone: '+14155550301', source: 'TWILIO', credentials: { accountSid: 'nope', authToken: 'short', region: 'us1' } });
    expect(res.status).toBe(422);
    expect(errorFields(res)).toEqual(['credentials.accountSid', 'credentials.authToken', 'credentials.region']);
    expect(await h.db('phones').where({ workspace_id: ws.id, phone: '+14155550301' }).first()).toBeUndefined();

    const missing = await createPhone({ phone: '+14155550301', source: 'WHATSAPP_CLOUD', credentials: { accessToken: 'x' } });
    expect(missing.status).toBe(422);
    expect(errorFields(missing)).toEqual(['credentials.appSecret']);

    const notObject = await createPhone({ phone: '+14155550301', source: 'TWILIO', credentials: 'AC123:secret' });
    expect(notObject.status).toBe(422);
    expect(errorFields(notObject)).toEqual(['credentials']);
  });

  it('needs credentials when the source changes to a carrier; SIMULATOR clears them', async () => {
    const sim = await createPhone({ phone: '+14155550302' });
    expect(sim.body).toMatchObject({ source: 'SIMULATOR', has_credentials: false });

    const refused = await patchPhone(sim.body.id, { source: 'TWILIO' });
    expect(refused.status).toBe(422);
    expect(errorFields(refused)).toEqual(['credentials']);
    expect((await h.db('phones').where({ id: sim.body.id }).first()).source).toBe('SIMULATOR');

    const moved = await patchPhone(sim.body.id, { source: 'TWILIO', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ source: 'TWILIO', has_credentials: true });

    // PUT is the alias; credentials alone are validated against the current source.
    const bad = await h.http.put(`${phonesUrl(ws)}/${sim.body.id}`).set(ws.seax).send({ credentials: { accessToken: 'x', appSecret: 'y' } });
    expect(bad.status).toBe(422);
    expect(errorFields(bad)).toEqual(expect.arrayContaining(['credentials.accountSid', 'credentials.accessToken']));

    const back = await patchPhone(sim.body.id, { source: 'SIMULATOR' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ source: 'SIMULATOR', has_credentials: false });
    expect((await h.db('phones').where({ id: sim.body.id }).first()).credentials_encrypted).toBeNull();
  });
});

describe('WhatsApp templates through send_message/wabp_template_message', () => {
  let wa: { id: string; phone: string };
  beforeAll(async () => {
    const res = await createPhone({
      phone: '+14155550400',
      source: 'WHATSAPP_CLOUD',
      phone_capability: { whatsapp_business_platform: true },
      whatsapp_business_account_phone_id: meta.phoneNumberId,
      credentials: { accessToken: meta.accessToken, appSecret: meta.appSecret },
    });
    expect(res.status).toBe(200);
    wa = res.body;
  });
  const send = (body: Record<string, unknown>) =>
    h.http.post(`/api/v1/workspace/${ws.id}/send_message/wabp_template_message`).set(ws.seax).send({ phone_number: wa.phone, ...body });

  it('stores the WhatsApp phone-number-id as the provider sender id', async () => {
    expect((await h.db('phones').where({ id: wa.id }).first()).provider_sender_id).toBe(meta.phoneNumberId);
  });

  it('sends a template with its name, language and components', async () => {
    const components = [{ type: 'body', parameters: [{ type: 'text', text: 'John Doe' }, { type: 'text', text: 'ORD-12345' }] }];
    const before = meta.requests.length;
    const res = await send({ to_phone_number: '+14155550411', template_name: 'order_confirmation', template_language: 'en_GB', components });
    expect(res.status).toBe(200);
    const row = await waitForStatus(h.db, res.body.id, ['sent']);
    expect(row).toMatchObject({ content_type: 'template', template: { name: 'order_confirmation', language: 'en_GB', components }, provider: 'WHATSAPP_CLOUD' });
    const posts = meta.requests.slice(before).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toMatch(new RegExp(`/${meta.phoneNumberId}/messages$`));
    expect(posts[0].headers.authorization).toBe(`Bearer ${meta.accessToken}`);
    const graph = JSON.parse(posts[0].body);
    expect(graph).toMatchObject({ type: 'template', to: expect.stringContaining('14155550411'), template: { name: 'order_confirmation', language: { code: 'en_GB' }, components } });
  });

  it('defaults the template language to en_US', async () => {
    const before = meta.requests.length;
    const res = await send({ to_phone_number: '+14155550412', template_name: 'hello_world' });
    expect(res.status).toBe(200);
    await waitForStatus(h.db, res.body.id, ['sent']);
    const [post] = meta.requests.slice(before).filter((r) => r.method === 'POST');
    expect(JSON.parse(post.body).template).toMatchObject({ name: 'hello_world', language: { code: 'en_US' } });
  });

  it('still needs `message` without template_name', async () => {
    const res = await send({ to_phone_number: '+14155550413' });
    expect(res.status).toBe(422);
    expect(errorFields(res)).toEqual(['message']);
    const lang = await send({ to_phone_number: '+14155550413', message: 'hi', template_language: 'en_US' });
    expect(lang.status).toBe(422);
    expect(errorFields(lang)).toEqual(['template_language']);
  });
});

describe('without CREDENTIALS_ENCRYPTION_KEY', () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await createHarness({ env: { CREDENTIALS_ENCRYPTION_KEY: '' } });
  });
  afterAll(() => bare.close());

  it('refuses credentials with 422 naming credentials and the missing key; the phone is not created', async () => {
    const w = await bare.workspace();
    const res = await createPhone({ phone: '+14155550500', source: 'TWILIO', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }, w, bare);
    expect(res.status).toBe(422);
    expect(errorFields(res)).toEqual(['credentials']);
    expect(res.body.details.errors.credentials[0]).toMatch(/CREDENTIALS_ENCRYPTION_KEY/);
    expect(await bare.db('phones').where({ workspace_id: w.id }).first()).toBeUndefined();
  });
});
