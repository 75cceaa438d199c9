import SwaggerParser from '@apidevtools/swagger-parser';
import { z } from 'zod';
import { buildOpenApiDocument } from '../../api/openapi';
import { route } from '../../api/routing';
import { createHarness, type Harness } from '../helpers/harness';

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
  tags: { name: string }[];
};
type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
  'x-schema-notes'?: string[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

let h: Harness;
let doc: Doc;
beforeAll(async () => {
  h = await createHarness();
  const res = await h.http.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});
afterAll(() => h.close());

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document served as JSON', async () => {
    const res = await h.http.get('/openapi.json');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it('lists the health and me routes with their methods, tags and security', () => {
    const health = doc.paths['/api/v1/health']?.get;
    const me = doc.paths['/api/v1/me']?.get;
    expect(health).toBeDefined();
    expect(me).toBeDefined();
    expect(health.tags).toEqual(['System']);
    expect(health.summary).toMatch(/Liveness/);
    expect(health.security).toEqual([]);
    expect(health.responses['200'].content?.['application/json'].schema).toMatchObject({ type: 'object', properties: { data: expect.any(Object) } });
    expect(health.responses['503']).toBeDefined();
    expect(me.security).toEqual([{ ApiKeyAuth: [] }, { BearerAuth: [] }, { PublicKey: [], SecretKey: [] }]);
    expect(Object.keys(me.responses)).toEqual(expect.arrayContaining(['200', '401', '429', '500']));
  });

  it('declares the security schemes', () => {
    const s = doc.components.securitySchemes;
    expect(s.ApiKeyAuth).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }));
    expect(s.BearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(s.PublicKey).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Public-Key' }));
    expect(s.SecretKey).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Secret-Key' }));
    expect(s.AdminToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('documents errors in the Zagely envelope outside the SeaX paths', () => {
    const unauthorized = doc.paths['/api/v1/me'].get.responses['401'];
    expect(unauthorized.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ZagelyError' });
    expect(doc.components.schemas.ZagelyError).toMatchObject({ type: 'object', properties: { error: expect.any(Object) } });
    expect(doc.components.schemas.SeaXError).toMatchObject({ type: 'object', properties: { status_code: expect.any(Object) } });
  });

  it('documents the admin API under its own tag and token, with path parameters and bodies', () => {
    const create = doc.paths['/admin/v1/workspaces']?.post;
    expect(create.tags).toEqual(['Admin']);
    expect(create.security).toEqual([{ AdminToken: [] }]);
    expect(create.requestBody?.content['application/json'].schema).toMatchObject({ required: ['name'] });
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['422']).toBeDefined();
    const one = doc.paths['/admin/v1/workspaces/{id}']?.get;
    expect(one.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(doc.paths['/admin/v1/workspaces/{id}'].patch).toBeDefined();
    expect(doc.paths['/admin/v1/workspaces/{id}/keys'].post.requestBody).toBeDefined();
    expect(doc.tags.map((t) => t.name)).toEqual(expect.arrayContaining(['Admin', 'System']));
  });

  it('gives every operation a unique id and declares every path parameter', () => {
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths)) {
      expect(p).not.toMatch(/:/);
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item)) {
        expect(METHODS).toContain(method);
        const op = item[method];
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        const declared = (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect(declared.sort()).toEqual([...names].sort());
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
  });

  it('declares every operation’s success body and every status it can answer', () => {
    const missing: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${p}`;
        const codes = Object.keys(op.responses);
        const success = codes.filter((c) => /^2\d\d$|^302$/.test(c));
        if (success.length !== 1) missing.push(`${name}: no single success response (${codes.join(',')})`);
        for (const code of success.filter((c) => c !== '204' && c !== '302')) {
          const content = op.responses[code].content;
          if (!content || !Object.values(content).every((c) => c.schema && Object.keys(c.schema).length)) missing.push(`${name}: ${code} has no body schema`);
        }
        if (op['x-schema-notes']) missing.push(`${name}: ${op['x-schema-notes'].join('; ')}`);
        // Every route: a 422 for input PostgreSQL cannot store, a 500, and a 503 while the database is down.
        for (const code of ['422', '500', '503']) if (!codes.includes(code)) missing.push(`${name}: ${code} not declared`);
        if (op.requestBody) for (const code of ['400', '413']) if (!codes.includes(code)) missing.push(`${name}: ${code} not declared`);
        const keyed = op.security.length > 0 && !op.security.some((s) => 'AdminToken' in s);
        if (keyed && method !== 'get' && !codes.includes('409')) missing.push(`${name}: 409 (Idempotency-Key in progress) not declared`);
        if (keyed) for (const code of ['401', '429']) if (!codes.includes(code)) missing.push(`${name}: ${code} not declared`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares the carrier callbacks’ 400s, the short link’s redirect and 404, and the non-JSON bodies', () => {
    for (const [p, method] of [['/callbacks/twilio/status', 'post'], ['/callbacks/twilio/inbound', 'post'], ['/callbacks/whatsapp', 'get'], ['/callbacks/whatsapp', 'post'], ['/callbacks/simulator', 'post']]) {
      expect(Object.keys(doc.paths[p][method].responses)).toEqual(expect.arrayContaining(['200', '400', '403']));
    }
    expect(Object.keys(doc.paths['/callbacks/twilio/inbound'].post.responses['200'].content ?? {})).toContain('text/xml');
    const link = doc.paths['/l/{code}'].get.responses;
    expect(Object.keys(link)).toEqual(expect.arrayContaining(['302', '404']));
    expect(link['200']).toBeUndefined();
    expect(Object.keys(doc.paths['/api/contacts/export/{job}/download'].get.responses['200'].content ?? {})).toEqual(['text/csv']);
    for (const p of ['/api/v1/workspace/{workspace_id}/send_message', '/api/v1/messages/send', '/api/v1/me']) {
      const op = Object.values(doc.paths[p])[0];
      const ok = Object.entries(op.responses).find(([c]) => c.startsWith('2'))![1];
      expect(ok.content?.['application/json'].schema).toMatchObject({ type: 'object' });
    }
  });

  it('is built once and served from cache', async () => {
    const a = await h.http.get('/openapi.json');
    const b = await h.http.get('/openapi.json');
    expect(a.text).toBe(b.text);
  });

  it('is a valid OpenAPI 3.1 document (swagger-parser validation)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('leaves the admin API out of the document when the admin API is off', async () => {
    const off = await createHarness({ env: { ADMIN_TOKEN: '' } });
    try {
      const res = await off.http.get('/openapi.json');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths).some((p) => p.startsWith('/admin/'))).toBe(false);
      expect(res.body.paths['/api/v1/health']).toBeDefined();
    } finally {
      await off.close();
    }
  });
});

describe('the generator with awkward schemas', () => {
  const handler = () => undefined;
  const built = () =>
    buildOpenApiDocument(
      [
        {
          access: 'key',
          specs: [
            route({
              method: 'get',
              path: '/api/v1/workspace/:workspace_id/things/:thing',
              tag: 'Things',
              summary: 'SeaX route with a transformed response and a union query',
              query: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]) as never,
              response: z.object({ count: z.string().transform((s) => s.length) }),
              handler,
            }),
            route({
              method: 'post',
              path: '/api/v1/things',
              tag: 'Things',
              summary: 'Unrepresentable body',
              ability: 'contacts.write',
              body: z.object({ when: z.custom<string>(() => true) }),
              query: z.object({ active: z.enum(['true', 'false']).transform((v) => v === 'true').optional() }),
              response: z.object({ at: z.date() }),
              handler,
            }),
            route({ method: 'get', path: '/api/v1/plain', tag: 'Things', summary: 'No schemas at all', handler }),
          ],
        },
      ],
      { version: '1.2.3' },
    ) as unknown as Doc;

  it('documents what it can instead of failing the whole document', () => {
    const d = built();
    const seax = d.paths['/api/v1/workspace/{workspace_id}/things/{thing}'].get;
    // The transform's input type stands in for the unrepresentable output.
    expect(seax.responses['200'].content?.['application/json'].schema).toMatchObject({ properties: { count: { type: 'string' } } });
    expect(seax.parameters?.filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(['thing', 'workspace_id']);
    expect(seax.responses['403'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/SeaXError' });
    expect(seax['x-schema-notes']?.join(' ')).toMatch(/query parameters/);

    const post = d.paths['/api/v1/things'].post;
    expect(post.parameters).toEqual([expect.objectContaining({ name: 'active', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } })]);
    expect(post.requestBody?.content['application/json'].schema).toBeDefined();
    expect(post['x-schema-notes']?.join(' ')).toMatch(/request body/);
    expect(post.responses['403'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ZagelyError' });

    expect(d.paths['/api/v1/plain'].get.responses['200']).toEqual({ description: 'OK' });
  });

  it('survives two routes whose schemas claim the same component id', () => {
    const a = z.object({ a: z.string() }).meta({ id: 'DocsTestThing' });
    const b = z.object({ b: z.number() }).meta({ id: 'DocsTestThing' });
    const doc = buildOpenApiDocument(
      [
        {
          access: 'public',
          specs: [
            route({ method: 'get', path: '/a', tag: 'X', summary: 'a', response: a, handler }),
            route({ method: 'get', path: '/b', tag: 'X', summary: 'b', response: b, handler }),
          ],
        },
      ],
      { version: '1.0.0' },
    ) as unknown as Doc;
    expect(Object.keys(doc.paths).sort()).toEqual(['/a', '/b']);
    expect(doc.components.schemas.DocsTestThing).toBeDefined();
    expect(doc.components.schemas.ZagelyError).toBeDefined();
  });

  it('renders dates as date-time strings', () => {
    const doc = buildOpenApiDocument(
      [{ access: 'public', specs: [route({ method: 'get', path: '/x', tag: 'X', summary: 'x', response: z.object({ at: z.date() }), handler })] }],
      { version: '1.0.0' },
    ) as unknown as Doc;
    expect(doc.paths['/x'].get.responses['200'].content?.['application/json'].schema).toMatchObject({
      properties: { at: { type: 'string', format: 'date-time' } },
    });
  });
});

describe('GET /docs', () => {
  it('serves a Swagger UI page that loads only local assets', async () => {
    const res = await h.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/docs-init.js']));
    for (const url of urls) expect(url).toMatch(/^\/docs\/assets\//);
    expect(res.text).not.toMatch(/https?:\/\//);

    for (const url of urls) {
      const asset = await h.http.get(url);
      expect({ url, status: asset.status }).toEqual({ url, status: 200 });
      expect(Number(asset.headers['content-length'] ?? asset.body?.length ?? asset.text.length)).toBeGreaterThan(0);
    }
  });

  it('serves the assets with their content types', async () => {
    const css = await h.http.get('/docs/assets/swagger-ui.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const js = await h.http.get('/docs/assets/swagger-ui-bundle.js');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toContain('SwaggerUIBundle');
    const init = await h.http.get('/docs/assets/docs-init.js');
    expect(init.text).toContain("url: '/openapi.json'");
    expect((await h.http.get('/docs/')).status).toBe(200);
  });

  it('serves nothing else from the swagger-ui-dist folder', async () => {
    for (const url of ['/docs/assets/package.json', '/docs/assets/index.html', '/docs/assets/..%2F..%2Fpackage.json', '/docs/assets/nope.js']) {
      const res = await h.http.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
