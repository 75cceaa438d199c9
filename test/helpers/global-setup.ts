import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest } from '../../db/connection';
import { ensureDatabase } from '../../stack/databases';
import { startEmbeddedPostgres } from '../../stack/postgres';
import { startTemporalDevServer } from '../../stack/temporal';

export const TEMPLATE_DB = 'switchboard_test_template';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/**
 * One real PostgreSQL server and one real Temporal dev server for the whole run (or DATABASE_URL /
 * TEMPORAL_ADDRESS when given). A migrated template database makes each test file's own database cheap, and the
 * workflow bundle is built once here instead of once per worker.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stops: (() => Promise<void>)[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-'));
  fs.chmodSync(tmp, 0o755); // PostgreSQL runs as its own user when we are root

  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), persistent: false });
    stops.push(pg.stop);
    serverUrl = pg.url;
  }
  const templateUrl = await ensureDatabase(serverUrl, TEMPLATE_DB);
  const db = createDb(templateUrl);
  await migrateLatest(db);
  await db.destroy();

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, port: await freePort() });
    stops.push(temporal.stop);
    temporalAddress = temporal.address;
  }

  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/index.ts'), logger: quietLogger });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);

  process.env.TEST_PG_SERVER_URL = serverUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __switchboardStops?: (() => Promise<void>)[] }).__switchboardStops = stops;
  process.stdout.write(`\n[test setup] PostgreSQL, Temporal and the workflow bundle ready in ${Date.now() - started} ms\n`);
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
