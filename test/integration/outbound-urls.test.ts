import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/** Every user-supplied URL that a carrier will fetch for us is refused when it points inside our network. */
let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace();
});
afterAll(() => h.close());

const PRIVATE = ['http://127.0.0.1/x.png', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/a.jpg', 'http://[::1]/a.jpg'];

describe('outbound URL guard', () => {
  it.each(PRIVATE)('refuses %s as template media, naming media_url', async (url) => {
    const res = await h.http.post('/api/templates').set(ws.zagely).send({ name: `t ${url}`, content: 'Hi', media_url: url });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details.errors)).toEqual(['media_url']);
  });

  it.each(PRIVATE)('refuses %s as automation reply media, naming response_media_url', async (url) => {
    const res = await h.http
      .post('/api/automations')
      .set(ws.zagely)
      .send({ name: 'a', trigger_type: 'keyword', trigger_value: 'price', response_content: 'x', response_media_url: url });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details.errors)).toEqual(['response_media_url']);
  });

  it('accepts an allow-listed public host', async () => {
    const res = await h.http.post('/api/templates').set(ws.zagely).send({ name: 'ok', content: 'Hi', media_url: 'https://example.com/promo.jpg' });
    expect(res.status).toBe(201);
  });
});
