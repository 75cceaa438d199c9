import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { insertCarrierPhone } from '../helpers/carrier-phones';
import { waitForStatus } from '../helpers/messages';

/** The compliance loop end to end: a customer texts STOP, a later send to them is refused and recorded; START restores. */
let h: Harness;
let ws: TestWorkspace;
let sim: { id: string; phone: string };
const CUSTOMER = '+14155550180';

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '20', SIMULATOR_DELIVERED_DELAY_MS: '20' } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  sim = await insertCarrierPhone(h.db, { workspaceId: ws.id, phone: '+15005550106', source: 'SIMULATOR' });
});
afterAll(() => h.close());


const send = (content: string) =>
  h.http.post(`/api/v1/workspace/${ws.id}/send_message`).set(ws.seax).send({ phone_number: sim.phone, to_phone_number: CUSTOMER, content });

describe('STOP, then a send, then START', () => {
  it('refuses and records sends after STOP, and sends again after START', async () => {
    expect((await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: sim.phone, body: '  stop ' })).status).toBe(200);
    const contact = await h.db('contacts').where({ workspace_id: ws.id, phone: CUSTOMER }).first();
    expect(contact.opted_out_at).toBeTruthy();

    const refused = await send('Flash sale!');
    expect(refused.status).toBe(200);
    const row = await waitForStatus(h.db, refused.body.id, ['failed', 'sent', 'delivered']);
    expect(row).toMatchObject({ status: 'failed', error_code: 'recipient_opted_out', provider_message_id: null });
    expect(await h.db('events').where({ subject_id: refused.body.id, type: 'message.failed' })).toHaveLength(1);

    expect((await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: sim.phone, body: 'START' })).status).toBe(200);
    const allowed = await send('Welcome back');
    expect(await waitForStatus(h.db, allowed.body.id, ['failed', 'sent', 'delivered'])).toMatchObject({ status: expect.stringMatching(/^(sent|delivered)$/), provider: 'SIMULATOR' });

    const audit = await h.db('consent_events').where({ workspace_id: ws.id, contact_id: contact.id }).orderBy('created_at');
    expect(audit.map((r) => [r.action, r.source])).toEqual([['opt_out', 'keyword'], ['opt_in', 'keyword']]);
  });
});
