import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { readDemoEnv, writeEnvFile, DEMO_SENDER, type DemoEnv } from '../../stack/demo';
import { listProcesses } from '../../stack/processes';
import { freePort } from '../helpers/global-setup';

/**
 * `npm start` for real: `tsx stack/main.ts` as a child process with its own DATA_DIR and free ports, embedded
 * PostgreSQL and the Temporal dev server (the `temporal` CLI from TEMPORAL_CLI_PATH or PATH, as in the global
 * setup; an external TEMPORAL_ADDRESS given to the test run is passed through instead). Started twice: the second
 * start must reuse the demo workspace, so data survives a restart.
 */

const ROOT = path.resolve(__dirname, '../..');
const READY = /Switchboard is ready in/;

interface Stack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
let running: Stack | undefined;


/**
 * Start the stack as `npm start` runs it (node with tsx's loader: no tsx CLI in between, whose signal relay exits
 * 130 on its own when the stack answers a Ctrl-C late on a busy machine) and wait for its "ready" line. Its own
 * process group, so a failed test can kill all of it.
 */
async function startStack(timeoutMs = 150_000): Promise<Stack> {
  const start = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
  const args = start.split(/\s+/).slice(1); // "node --max-old-space-size=256 --import tsx stack/main.ts"
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stack: Stack = { child, output: () => out, exited };
  running = stack;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" line within ${timeoutMs} ms. Output:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (READY.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited (code ${code}, signal ${signal}) before it was ready. Output:\n${out}`));
    });
  });
  return stack;
}

/** Send `signal` (to the process, or to its whole group as a terminal's Ctrl-C does) and wait for the exit. */
async function stopStack(stack: Stack, signal: NodeJS.Signals, opts: { group?: boolean; timeoutMs?: number } = {}) {
  const started = Date.now();
  if (opts.group) process.kill(-(stack.child.pid as number), signal);
  else stack.child.kill(signal);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const result = await Promise.race([
    stack.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
  ]);
  if (result === 'timeout') throw new Error(`the stack did not exit within ${timeoutMs} ms of ${signal}. Output:\n${stack.output()}`);
  running = undefined;
  return { ...result, ms: Date.now() - started };
}

/** Servers still running on this test's data directory (PostgreSQL `-D`, Temporal `--db-filename`). */
function leftovers(): string[] {
  return listProcesses()
    .filter((p) => p.command.includes(dataDir) && p.pid !== process.pid)
    .map((p) => `${p.pid} ${p.command}`);
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as Record<string, unknown> };
}

/** One statement over a connection of its own. */
async function query(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-stack-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
  const [api, pg, temporal, ui] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // The stack's own variables are set here; whatever else the test run has (PATH, TEMPORAL_CLI_PATH) passes through.
  const { DATABASE_URL: _db, ADMIN_TOKEN: _admin, HOST: _host, EXPORT_DIR: _exports, CREDENTIALS_ENCRYPTION_KEY: _key, ...inherited } = process.env;
  env = {
    ...inherited,
    DATA_DIR: path.join(dataDir, 'data'),
    PORT: String(api),
    EMBEDDED_PG_PORT: String(pg),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    TEMPORAL_TASK_QUEUE: `stack-test-${process.pid}`,
    LOG_LEVEL: 'info',
    NO_COLOR: '1',
    // The webhook below names example.com, which does not resolve offline.
    OUTBOUND_ALLOWED_HOSTS: 'example.com',
  };
});

afterAll(async () => {
  if (running?.child.pid) {
    try {
      process.kill(-running.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Anything a failed run left on our data directory: stop it so no orphan outlives the test.
  for (const p of listProcesses().filter((x) => x.command.includes(dataDir) && x.pid !== process.pid)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('npm start brings everything up, stops cleanly on SIGINT, and keeps its data across a restart', async () => {
  // ---- first start: creates the cluster, the database, the demo workspace and demo.env ----
  const first = await startStack();
  expect(first.output()).toMatch(/created "Demo workspace"/);
  const demoFile = path.join(env.DATA_DIR as string, 'demo.env');
  const demo = readDemoEnv(demoFile) as DemoEnv;
  expect(demo.WORKSPACE_ID).toMatch(/^[0-9a-f-]{36}$/);
  expect(demo.API_URL).toBe(`http://127.0.0.1:${env.PORT}`);
  expect(demo.DATABASE_URL).toMatch(new RegExp(`:${env.EMBEDDED_PG_PORT}/switchboard$`));
  expect(demo.TEMPORAL_ADDRESS).toBe(`127.0.0.1:${env.TEMPORAL_PORT}`); // what `switchboard status` checks
  expect(demo.ADMIN_TOKEN.length).toBeGreaterThanOrEqual(16);
  expect(fs.statSync(demoFile).mode & 0o077).toBe(0); // it holds secrets
  // Secrets are generated for this data directory and kept, owner-only, in secrets.env: no constant, nothing derived.
  const secretsFile = path.join(env.DATA_DIR as string, 'secrets.env');
  expect(fs.statSync(secretsFile).mode & 0o077).toBe(0);
  const secrets = readDemoEnv(secretsFile) as Record<string, string>;
  const pgPassword = decodeURIComponent(new URL(demo.DATABASE_URL).password);
  expect(pgPassword).not.toBe('switchboard');
  expect(pgPassword.length).toBeGreaterThanOrEqual(24);
  expect(secrets.POSTGRES_PASSWORD).toBe(pgPassword);
  expect(secrets.CREDENTIALS_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
  for (const key of ['SIMULATOR_CALLBACK_SECRET', 'EXPORT_LINK_SECRET']) expect(secrets[key].length).toBeGreaterThanOrEqual(32);
  expect(new Set(Object.values(secrets)).size).toBe(4);
  // The quick start printed on every start names the documented SeaX paths.
  expect(first.output()).toContain('"$API_URL/api/v1/workspace/$WORKSPACE_ID/phones" -H "X-API-Key: $API_KEY"');
  expect(first.output()).toContain('"$API_URL/api/v1/workspace/$WORKSPACE_ID/contacts"');

  const health = await get(`${demo.API_URL}/api/v1/health`);
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ data: { status: 'ok' } });

  // The demo keys authenticate and belong to the demo workspace.
  const me = await get(`${demo.API_URL}/api/v1/me`, { 'X-API-Key': demo.API_KEY });
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ data: { workspace_id: demo.WORKSPACE_ID, key_type: 'api_key' } });
  const pair = await get(`${demo.API_URL}/api/v1/me`, { 'X-Public-Key': demo.PUBLIC_KEY, 'X-Secret-Key': demo.SECRET_KEY });
  expect(pair.status).toBe(200);
  expect(pair.body).toMatchObject({ data: { workspace_id: demo.WORKSPACE_ID, key_type: 'key_pair' } });

  // ADMIN_TOKEN was generated (none in the environment) and enables the admin API.
  const admin = await get(`${demo.API_URL}/admin/v1/workspaces`, { Authorization: `Bearer ${demo.ADMIN_TOKEN}` });
  expect(admin.status).toBe(200);
  expect(admin.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: demo.WORKSPACE_ID, name: 'Demo workspace' })]));

  // The two calls of the printed quick start, as printed.
  const phones = await get(`${demo.API_URL}/api/v1/workspace/${demo.WORKSPACE_ID}/phones`, { 'X-API-Key': demo.API_KEY });
  expect(phones.status).toBe(200);
  expect(phones.body).toMatchObject({ total: 1 });
  expect(phones.body.data).toEqual([expect.objectContaining({ phone: DEMO_SENDER, is_default: true, source: 'SIMULATOR', enabled: true })]);
  const contact = await fetch(`${demo.API_URL}/api/v1/workspace/${demo.WORKSPACE_ID}/contacts`, {
    method: 'POST',
    headers: { 'X-API-Key': demo.API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Ada Lovelace', phone: '+14155550123' }),
  });
  expect(contact.status).toBe(200); // SeaX answers 200 on create
  expect(await contact.json()).toMatchObject({ name: 'Ada Lovelace', phone: '+14155550123' });

  // Webhook signing secrets need CREDENTIALS_ENCRYPTION_KEY: the stack generated one, so webhooks just work.
  const hook = await fetch(`${demo.API_URL}/api/v1/webhooks`, {
    method: 'POST',
    headers: { 'X-Public-Key': demo.PUBLIC_KEY, 'X-Secret-Key': demo.SECRET_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/hook', events: ['message.received'] }),
  });
  expect(hook.status).toBe(201);
  expect(((await hook.json()) as { data: { secret: string } }).data.secret).toMatch(/^whsec_/);

  // Make this data directory look like one from before generated passwords (see the second start).
  await query(demo.DATABASE_URL, "ALTER ROLE postgres PASSWORD 'switchboard'");
  writeEnvFile(secretsFile, Object.entries(secrets).filter(([k]) => k !== 'POSTGRES_PASSWORD'), 'as an older version left it');

  // ---- SIGINT to the process (as `kill -INT` or SIGTERM from a supervisor would) ----
  const stop1 = await stopStack(first, 'SIGINT');
  expect({ code: stop1.code, signal: stop1.signal }).toEqual({ code: 0, signal: null });
  expect(first.output()).toMatch(/API stopped[\s\S]*worker stopped[\s\S]*Temporal stopped[\s\S]*PostgreSQL stopped/);
  expect(leftovers()).toEqual([]);
  expect(fs.existsSync(path.join(env.DATA_DIR as string, 'postgres', 'postmaster.pid'))).toBe(false);

  // ---- second start: same data, same demo workspace and keys ----
  const second = await startStack();
  expect(second.output()).toMatch(/reusing "Demo workspace"/);
  const again = readDemoEnv(demoFile) as DemoEnv;
  expect(again.WORKSPACE_ID).toBe(demo.WORKSPACE_ID);
  expect(again.API_KEY).toBe(demo.API_KEY);
  expect(again.ADMIN_TOKEN).toBe(demo.ADMIN_TOKEN);
  // A data directory from before passwords were generated: its cluster has the old constant password and its
  // secrets.env none. The stack switches the cluster to a new random password and records it.
  const upgraded = readDemoEnv(secretsFile) as Record<string, string>;
  expect(upgraded.POSTGRES_PASSWORD).not.toBe(secrets.POSTGRES_PASSWORD);
  expect(upgraded.POSTGRES_PASSWORD).not.toBe('switchboard');
  expect({ ...upgraded, POSTGRES_PASSWORD: undefined }).toEqual({ ...secrets, POSTGRES_PASSWORD: undefined });
  expect(decodeURIComponent(new URL(again.DATABASE_URL).password)).toBe(upgraded.POSTGRES_PASSWORD);
  const legacy = new URL(again.DATABASE_URL);
  legacy.password = 'switchboard';
  await expect(query(legacy.toString(), 'SELECT 1')).rejects.toThrow(/password/);
  const contacts = await get(`${again.API_URL}/api/v1/workspace/${again.WORKSPACE_ID}/contacts`, { 'X-API-Key': again.API_KEY });
  expect(contacts.status).toBe(200);
  expect(contacts.body.data).toEqual([expect.objectContaining({ name: 'Ada Lovelace', phone: '+14155550123' })]);

  // ---- Ctrl-C in a terminal: SIGINT reaches the whole process group, PostgreSQL and Temporal included ----
  const stop2 = await stopStack(second, 'SIGINT', { group: true });
  expect({ code: stop2.code, signal: stop2.signal }).toEqual({ code: 0, signal: null });
  expect(leftovers()).toEqual([]);
}, 420_000);
