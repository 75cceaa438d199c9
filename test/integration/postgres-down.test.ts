import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import type { Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { apiConfigSchema } from '../../api/config';
import { workspaceService, type ProvisionedWorkspace } from '../../services/workspaces';
import { createDb, migrateLatest, type Knex } from '../../db/connection';
import { createLogger } from '../../lib/logger';
import { connectTemporal } from '../../temporal/client';
import { ensureDatabase } from '../../stack/databases';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres';

/*
 * A PostgreSQL of this file's own (the shared one must stay up for the other files), stopped for real mid-test:
 * every data route then answers 503 with Retry-After in its dialect's shape, as /health already does.
 */

let pg: OwnPostgres;
let db: Knex;
let connection: Connection;
let api: supertest.Agent;
let server: http.Server;
let ws: ProvisionedWorkspace;

beforeAll(async () => {
  pg = await startOwnPostgres();
  const databaseUrl = await ensureDatabase(pg.url, 'switchboard');
  db = createDb(databaseUrl);
  await migrateLatest(db);
  ws = await workspaceService(db).provision({ name: 'Down' });
  const config = apiConfigSchema.parse({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: 'pg-down', LOG_LEVEL: 'silent' });
  const temporal = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  connection = temporal.connection;
  const app = createApp({ db, temporal: temporal.client, config, logger: createLogger('test', 'silent') });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = supertest.agent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await connection.close();
  await db.destroy();
  await pg.stop();
});

const zagely = () => ({ 'X-Public-Key': ws.public_key, 'X-Secret-Key': ws.secret_key });
const seax = () => ({ 'X-API-Key': ws.api_key });

it('answers 503 with Retry-After on data routes of both dialects while PostgreSQL is down', async () => {
  expect((await api.get('/api/v1/contacts').set(zagely())).status).toBe(200);
  expect((await api.get(`/api/v1/workspace/${ws.workspace.id}/contacts`).set(seax())).status).toBe(200);

  await pg.stop();

  const list = await api.get('/api/v1/contacts').set(zagely());
  expect(list.status).toBe(503);
  expect(Number(list.headers['retry-after'])).toBeGreaterThan(0);
  expect(list.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/database/i) });

  const create = await api.post('/api/v1/contacts').set(zagely()).send({ phone_number: '+14155550101' });
  expect(create.status).toBe(503);
  expect(create.headers['retry-after']).toBeDefined();

  const seaxList = await api.get(`/api/v1/workspace/${ws.workspace.id}/contacts`).set(seax());
  expect(seaxList.status).toBe(503);
  expect(Number(seaxList.headers['retry-after'])).toBeGreaterThan(0);
  expect(seaxList.body).toMatchObject({ error: 'Service Unavailable', status_code: 503, message: expect.stringMatching(/database/i) });

  // With an Idempotency-Key too (the store is in the same database).
  const keyed = await api.post(`/api/v1/workspace/${ws.workspace.id}/labels`).set(seax()).set('Idempotency-Key', 'pg-down-1').send({ name: 'vip' });
  expect(keyed.status).toBe(503);

  const health = await api.get('/api/v1/health');
  expect(health.status).toBe(503);
});
