import type { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import type { Knex } from 'knex';
import { createApp } from '../../api/app';
import { apiConfigSchema, type ApiConfig } from '../../api/config';
import { workspaceService, type ProvisionedWorkspace } from '../../services/workspaces';
import { startWorker, type RunningWorker } from '../../worker/main';
import { workerConfigSchema } from '../../worker/config';
import { createDb } from '../../db/connection';
import { createLogger } from '../../lib/logger';
import { simulatorCallbackSecret } from '../../lib/simulator-secret';
import { connectTemporal } from '../../temporal/client';
import { ensureDatabase } from '../../stack/databases';
import { TEST_CREDENTIALS_KEY } from './carrier-phones';

const TEMPLATE_DB = 'switchboard_test_template';

export interface Harness {
  db: Knex;
  temporal: Client;
  config: ApiConfig;
  taskQueue: string;
  /** supertest agent over real HTTP against the Koa app (an ephemeral server per request). */
  http: supertest.Agent;
  /** The same app listening on a real loopback port (also the configured PUBLIC_URL). */
  url: string;
  worker?: RunningWorker;
  /** Headers that let a test deliver through POST /simulator/inbound into any workspace (the simulator secret). */
  simulator: Record<string, string>;
  workspace(name?: string): Promise<TestWorkspace>;
  close(): Promise<void>;
}

export interface TestWorkspace extends ProvisionedWorkspace {
  id: string;
  /** Headers for the SeaX key. */
  seax: Record<string, string>;
  /** Headers for the Zagely key pair. */
  zagely: Record<string, string>;
}

/**
 * A test file's world: its own database (copied from the migrated template), its own Temporal task queue and,
 * when asked, a real worker on it. Everything is real; nothing of ours is mocked.
 */
export async function createHarness(opts: { worker?: boolean; env?: Record<string, string>; clock?: () => Date } = {}): Promise<Harness> {
  const serverUrl = required('TEST_PG_SERVER_URL');
  const dbName = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const databaseUrl = await ensureDatabase(serverUrl, dbName, TEMPLATE_DB);
  const taskQueue = `test-${dbName}`;
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-exports-'));
  // An empty value unsets a default, as `VAR=` does in a shell (e.g. `{ ADMIN_TOKEN: '' }` turns the admin API off).
  const env = Object.fromEntries(
    Object.entries({
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: required('TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      EXPORT_DIR: exportDir,
      LOG_LEVEL: 'warn',
      // Media URLs in tests name example.com, which does not resolve offline; loopback stays refused (lib/outbound-url.ts).
      OUTBOUND_ALLOWED_HOSTS: 'example.com',
      // No webhook dispatcher polling in files that do not test webhooks (webhooks.test.ts turns it on).
      WEBHOOK_DISPATCHER_ENABLED: 'false',
      // The suite shares 2 busy cores with PostgreSQL and Temporal: a start may be slow without Temporal being down.
      TEMPORAL_START_TIMEOUT_MS: '15000',
      // As the stack always has one (stack/secrets.ts): webhook secrets and carrier credentials are stored encrypted.
      CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY,
      ...opts.env,
    }).filter(([, value]) => value !== ''),
  );
  // The API also listens on a real port, so carriers' callbacks (fakes, the simulator) reach it over HTTP.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env.PUBLIC_URL ??= url;
  const config = apiConfigSchema.parse(env);
  const db = createDb(databaseUrl);
  const { client, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, { startTimeoutMs: config.TEMPORAL_START_TIMEOUT_MS });
  const logger = createLogger('test', 'warn');
  const app = createApp({ db, temporal: client, config, logger, clock: opts.clock });
  server.on('request', app.callback());
  const worker = opts.worker
    ? await startWorker(workerConfigSchema.parse(env), { logger, workflowBundlePath: required('TEST_WORKFLOW_BUNDLE') })
    : undefined;

  const harness: Harness = {
    db,
    temporal: client,
    config,
    taskQueue,
    http: supertest.agent(app.callback()),
    url,
    worker,
    simulator: { 'X-Simulator-Secret': simulatorCallbackSecret(config) },
    async workspace(name = 'Test workspace') {
      const ws = await workspaceService(db).provision({ name });
      return {
        ...ws,
        id: ws.workspace.id,
        seax: { 'X-API-Key': ws.api_key },
        zagely: { 'X-Public-Key': ws.public_key, 'X-Secret-Key': ws.secret_key },
      };
    },
    async close() {
      if (worker && env.WEBHOOK_DISPATCHER_ENABLED === 'true') {
        // The dispatcher outlives workers by design; in tests it goes with the file's task queue.
        await client.workflow.getHandle(`webhook-dispatcher-${taskQueue}`).terminate('test finished').catch(() => undefined);
      }
      await worker?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await (connection as Connection).close();
      await db.destroy();
      fs.rmSync(exportDir, { recursive: true, force: true });
      await dropDatabase(serverUrl, dbName);
    },
  };
  return harness;
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const { Client: PgClient } = await import('pg');
  const client = new PgClient({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through jest (test/helpers/global-setup.ts)`);
  return v;
}
