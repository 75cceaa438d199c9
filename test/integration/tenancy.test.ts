import { protectedRouteSpecs } from '../../api/routes';
import { insertCarrierPhone } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/**
 * Multi-tenancy over every authenticated route, including routes added later: a key from workspace B never reaches
 * workspace A's data. SeaX routes name the workspace in the path (403 before anything is read); Zagely routes
 * address resources by id (404 for ids of another workspace).
 */
let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness();
  a = await h.workspace('A');
  b = await h.workspace('B');
  const contact = await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550100', name: 'Only in A', tags: ['a-tag'] });
  const group = await h.http.post('/api/v1/contact-groups').set(a.zagely).send({ name: 'A group', type: 'static' });
  const label = await h.db('labels').where({ workspace_id: a.id, name: 'a-tag' }).first();
  const phone = await h.db('phones').insert({ workspace_id: a.id, name: 'A sender', phone: '+15005550006', phone_capability: '{}' }).returning('id');
  const key = await h.db('api_keys').where({ workspace_id: a.id, kind: 'pair' }).first();
  const job = await h.db('jobs').insert({ workspace_id: a.id, type: 'export_contacts', status: 'finished' }).returning('id');
  const message = await h.db('messages')
    .insert({ workspace_id: a.id, channel: 'sms', direction: 'outbound', from_address: '+15005550006', to_address: '+14155550100', content: 'secret of A', status: 'scheduled', send_at: new Date(Date.now() + 3_600_000) })
    .returning('id');
  const keyword = await h.http.post(`/api/v1/workspace/${a.id}/phones/${phone[0].id}/keywords`).set(a.seax).send({ name: 'price', reply: 'A secret of A' });
  const automation = await h.http.post('/api/automations').set(a.zagely).send({ name: 'A bot', trigger_type: 'keyword', trigger_value: 'hi', response_content: 'hello' });
  const template = await h.http.post('/api/templates').set(a.zagely).send({ name: 'A template', content: 'Hi {{ name }}' });
  const simA = await insertCarrierPhone(h.db, { workspaceId: a.id, phone: '+15005550160', source: 'SIMULATOR' });
  const webhook = await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/hooks/a', events: ['contact.created'] });
  const delivery = await h.db('webhook_deliveries')
    .insert({ workspace_id: a.id, subscription_id: webhook.body.data.id, event_id: '00000000-0000-4000-8000-000000000001', event_type: 'webhook.test', payload: '{}', status: 'failed' })
    .returning('id');
  const zagelyCampaign = await h.http.post('/api/v1/campaigns').set(a.zagely).send({ name: 'A campaign', session_id: simA.id, message_content: 'secret of A campaign' });
  const inbound = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: '+14155550161', to: simA.phone, body: 'secret of A inbound' });
  const subscription = await h.http.post(`/notify-api/v1/workspaces/${a.id}/subscription`).set(a.seax).send({ webhook_url: 'https://example.com/hooks/seax-a', event_types: ['message.new'], created_by: 'a@example.com' });
  const campaign = await h.db('campaigns').insert({ workspace_id: a.id, dialect: 'seax', name: 'A campaign', channel: 'sms', message: 'secret of A campaign', phone_ids: [phone[0].id], status: 'draft' }).returning('id');
  const agent = await h.db('ai_agents').insert({ workspace_id: a.id, name: 'A agent' }).returning('id');
  const dialer = await h.db('dialer_campaigns')
    .insert({ workspace_id: a.id, name: 'A dialer', type: 'VOICE_DROP', status: 'paused', message: 'secret of A dialer', tts_language: 'en-US', tts_voice: 'en-US-default', phone_ids: [phone[0].id], start_time: new Date(), end_time: new Date(Date.now() + 3_600_000) })
    .returning('id');
  Object.assign(ids, {
    ai_agent_id: agent[0].id,
    auto_dialer_campaign_id: dialer[0].id,
    campaign: zagelyCampaign.body.data.id,
    campaign_id: campaign[0].id,
    subscription_id: subscription.body.id,
    conversation: inbound.body.data.conversation_id,
    keyword_id: keyword.body.id,
    automation: automation.body.data.id,
    template: template.body.id,
    message: message[0].id,
    webhook: webhook.body.data.id,
    delivery: delivery[0].id,
    contact: contact.body.data.id, contact_id: contact.body.data.id, group: group.body.data.id, label_id: label.id,
    phone_id: phone[0].id, session: phone[0].id, id: key.id, job: job[0].id, job_id: job[0].id,
  });
});
afterAll(() => h.close());

const specs = protectedRouteSpecs({ services: {} as never, config: { TEMPORAL_TASK_QUEUE: 'x', EXPORT_DIR: '/tmp' } as never, logger: {} as never });

function fill(path: string): string {
  return path.replace(/:([a-z_]+)/g, (_, name: string) => {
    if (name === 'workspace_id') return a.id;
    if (!ids[name]) throw new Error(`tenancy test: no fixture for :${name} in ${path}; add one`);
    return ids[name];
  });
}

describe('a key from another workspace', () => {
  const seax = specs.filter((s) => s.path.includes(':workspace_id'));
  const zagelyById = specs.filter((s) => !s.path.includes(':workspace_id') && /:[a-z_]+/.test(s.path));

  it.each(seax.map((s) => [s.method.toUpperCase(), s.path, s] as const))('is refused on %s %s with 403', async (method, _path, spec) => {
    const res = await h.http[spec.method](fill(spec.path)).set(b.seax).send({});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  it.each(zagelyById.map((s) => [s.method.toUpperCase(), s.path, s] as const))('finds nothing at %s %s', async (method, _path, spec) => {
    // A well-formed body, so the answer is about the id and not about validation.
    const body = spec.path.endsWith('/contacts') ? { contact_ids: [ids.contact] } : spec.path.endsWith('/deliveries/replay') ? { from: '2020-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' } : spec.method === 'patch' && spec.path.includes('messages') ? { send_at: new Date(Date.now() + 7_200_000).toISOString() } : {};
    const res = await h.http[spec.method](fill(spec.path)).set(b.zagely).send(body);
    // Key management needs `*`, which B's default pair has; everything of A is simply not there for B.
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('sees none of A in any list', async () => {
    const lists = specs.filter((s) => s.method === 'get' && !/:[a-z_]+/.test(s.path.replace(':workspace_id', '')));
    expect(lists.length).toBeGreaterThan(3);
    for (const spec of lists) {
      const path = spec.path.replace(':workspace_id', b.id);
      const res = await h.http.get(path).set(b.seax);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of new Set(Object.values(ids))) expect(text).not.toContain(id);
      expect(text).not.toContain('Only in A');
      expect(text).not.toContain('secret of A');
    }
  });

  it('still works on its own workspace (the refusals above are about tenancy, not a broken key)', async () => {
    expect((await h.http.get(`/api/v1/workspace/${b.id}/contacts`).set(b.seax)).status).toBe(200);
    expect((await h.http.get('/api/v1/contacts').set(b.zagely)).status).toBe(200);
  });
});

describe('abilities on every route', () => {
  it('every authenticated route that changes or sends something names the ability it needs', () => {
    const unguarded = specs.filter((s) => s.method !== 'get' && !s.ability).map((s) => `${s.method.toUpperCase()} ${s.path}`);
    // Export is a read (contacts.read) and declares it; nothing that writes may be reachable by any key.
    expect(unguarded).toEqual([]);
  });
});
