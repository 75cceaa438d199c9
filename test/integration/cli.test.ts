import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { ensureDatabase } from '../../stack/databases';
import { expectOneLineError, runCli, type CliRun } from '../helpers/cli';
import { createHarness, type Harness } from '../helpers/harness';

// Each CLI run is a fresh Node process (about a second on a busy machine), and some tests make several.
jest.setTimeout(60_000);

let h: Harness;
let cwd: string;
beforeAll(async () => {
  h = await createHarness();
  // Run from an unrelated directory: the launcher must find its own files.
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-'));
});
afterAll(async () => {
  fs.rmSync(cwd, { recursive: true, force: true });
  await h.close();
});

/** The CLI as an operator runs it, from an unrelated directory unless told otherwise. */
const cli = (args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliRun> =>
  runCli(h, args, { env: opts.env, cwd: opts.cwd ?? cwd });

const field = (out: string, name: string): string => {
  const m = new RegExp(`^${name}:\\s+(\\S+)\\s*$`, 'm').exec(out);
  if (!m) throw new Error(`no ${name} in:\n${out}`);
  return m[1];
};

describe('workspace create', () => {
  it('creates a workspace and prints secrets that work against the API', async () => {
    const run = await cli(['workspace', 'create', '--name', 'CLI Co', '--country', 'gb']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = field(run.stdout, 'id');
    const apiKey = field(run.stdout, 'api_key');
    const publicKey = field(run.stdout, 'public_key');
    const secretKey = field(run.stdout, 'secret_key');
    expect(field(run.stdout, 'country')).toBe('GB');
    expect(run.stdout).toMatch(/shown once/);

    const seax = await h.http.get('/api/v1/me').set('X-API-Key', apiKey);
    expect(seax.status).toBe(200);
    expect(seax.body.data.workspace_id).toBe(id);
    const bearer = await h.http.get('/api/v1/me').set('Authorization', `Bearer ${apiKey}`);
    expect(bearer.status).toBe(200);
    const pair = await h.http.get('/api/v1/me').set({ 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey });
    expect(pair.status).toBe(200);
    expect(pair.body.data).toMatchObject({ workspace_id: id, abilities: ['*'] });
  });

  it('prints JSON with --json', async () => {
    const run = await cli(['workspace', 'create', '--name', 'JSON Co', '--json']);
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout);
    expect(Object.keys(created).sort()).toEqual(['api_key', 'id', 'name', 'public_key', 'secret_key']);
    expect((await h.http.get('/api/v1/me').set('X-API-Key', created.api_key)).status).toBe(200);
  });

  it.each([
    [['workspace', 'create'], /--name is required/],
    [['workspace', 'create', '--name', '  '], /--name must not be empty/],
    [['workspace', 'create', '--name', 'X', '--country', 'Narnia'], /--country must be an ISO 3166-1 alpha-2 country code/],
    [['workspace', 'create', '--name'], /--name/],
    [['workspace', 'create', '--name', 'X', '--colour', 'red'], /Unknown option '--colour'/],
  ])('rejects %j with one line and exit 2', async (args, pattern) => {
    expectOneLineError(await cli(args), 2, pattern);
  });
});

describe('workspace list, disable and enable', () => {
  it('lists workspaces without secrets, as a table or JSON', async () => {
    const ws = await h.workspace('Listed by CLI');
    const run = await cli(['workspace', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+COUNTRY\s+CREATED\s+NAME$/);
    expect(run.stdout).toMatch(new RegExp(`^${ws.id}\\s+active\\s+US\\s+\\S+\\s+Listed by CLI$`, 'm'));
    expect(run.stdout).not.toContain(ws.api_key);

    const json = await cli(['workspace', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as { id: string; name: string; status: string }[];
    expect(rows.find((r) => r.id === ws.id)).toMatchObject({ name: 'Listed by CLI', status: 'active' });
    expect(json.stdout).not.toContain(ws.secret_key);
  });

  it('disables a workspace so its keys are refused, and enables it again', async () => {
    const ws = await h.workspace();
    const off = await cli(['workspace', 'disable', '--id', ws.id]);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/is disabled/);
    const refused = await h.http.get('/api/v1/me').set(ws.zagely);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('key_inactive');

    const on = await cli(['workspace', 'enable', '--id', ws.id]);
    expect(on.code).toBe(0);
    expect((await h.http.get('/api/v1/me').set(ws.zagely)).status).toBe(200);
  });

  it.each([
    [['workspace', 'disable'], 2, /--id is required/],
    [['workspace', 'disable', '--id', 'nope'], 2, /--id must be a workspace id/],
    [['workspace', 'disable', '--id', '00000000-0000-4000-8000-000000000000'], 1, /workspace 00000000-0000-4000-8000-000000000000 not found/],
    [['workspace', 'frobnicate'], 2, /unknown command 'workspace frobnicate'; try: workspace create/],
    [['workspace', 'list', 'extra'], 2, /unexpected argument 'extra'/],
    [['launch'], 2, /unknown command 'launch'/],
  ])('rejects %j', async (args, code, pattern) => {
    expectOneLineError(await cli(args as string[]), code as number, pattern as RegExp);
  });
});

describe('key create', () => {
  it('issues a key pair with the given abilities that works against the API', async () => {
    const ws = await h.workspace();
    const run = await cli(['key', 'create', '--workspace', ws.id, '--name', 'Reader', '--abilities', 'contacts.read, messages.read']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const me = await h.http.get('/api/v1/me').set({ 'X-Public-Key': field(run.stdout, 'public_key'), 'X-Secret-Key': field(run.stdout, 'secret_key') });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: field(run.stdout, 'id'), name: 'Reader', workspace_id: ws.id, abilities: ['contacts.read', 'messages.read'] });
  });

  it('issues a new SeaX key that replaces the old one', async () => {
    const ws = await h.workspace();
    const run = await cli(['key', 'create', '--workspace', ws.id, '--kind', 'seax', '--json']);
    expect(run.code).toBe(0);
    const key = JSON.parse(run.stdout);
    expect(key).toMatchObject({ workspace_id: ws.id, kind: 'seax', name: 'CLI key', abilities: ['*'] });
    expect((await h.http.get('/api/v1/me').set('X-API-Key', key.api_key)).status).toBe(200);
    expect((await h.http.get('/api/v1/me').set(ws.seax)).status).toBe(401);
  });

  it.each([
    [['--abilities', 'contacts.read,contacts.delete'], 2, /--abilities: unknown ability: contacts\.delete \(valid: \*, sessions\.read, .*webhooks\.write\)/],
    [['--abilities', ' , '], 2, /--abilities needs at least one ability/],
    [['--kind', 'oauth'], 2, /--kind must be pair or seax/],
    [['--kind', 'seax', '--abilities', 'contacts.read'], 2, /SeaX keys always carry every ability/],
    [['--name', ''], 2, /--name must not be empty/],
  ])('rejects %j', async (extra, code, pattern) => {
    const ws = await h.workspace();
    expectOneLineError(await cli(['key', 'create', '--workspace', ws.id, ...(extra as string[])]), code as number, pattern as RegExp);
  });

  it('rejects a missing or unknown workspace', async () => {
    expectOneLineError(await cli(['key', 'create']), 2, /--workspace is required/);
    expectOneLineError(await cli(['key', 'create', '--workspace', randomUUID()]), 1, /workspace .* not found/);
  });
});

describe('status and migrate', () => {
  it('reports a reachable, migrated database, a reachable Temporal and the workspace count', async () => {
    const count = Number((await h.db('workspaces').count({ n: '*' }))[0].n);
    const run = await cli(['status']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^database\s+ok\s+postgres:\/\//m);
    expect(run.stdout).toMatch(/^migrations\s+ok\s+current \(\d+ applied\)$/m);
    expect(run.stdout).toMatch(new RegExp(`^temporal\\s+ok\\s+${h.config.TEMPORAL_ADDRESS.replace(/\./g, '\\.')}`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^workspaces\\s+ok\\s+${count}$`, 'm'));
    const password = new URL(h.config.DATABASE_URL).password;
    expect(password).not.toBe('');
    expect(run.stdout).not.toContain(`:${password}@`);

    const json = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(json).toMatchObject({ ok: true, database: { ok: true }, migrations: { ok: true }, temporal: { ok: true }, workspaces: { ok: true, count } });
  });

  it('exits 1 and says what is down', async () => {
    const run = await cli(['status'], { env: { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^database\s+FAIL\s+unreachable \(postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none\)/m);
    expect(run.stdout).toMatch(/^temporal\s+FAIL\s+unreachable at 127\.0\.0\.1:1/m);
    expect(run.stdout).not.toContain('secret');
    expect(run.stderr).toBe('');
  });

  it('migrates an empty database, after which status is healthy', async () => {
    const server = process.env.TEST_PG_SERVER_URL as string;
    const name = `t_cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = await ensureDatabase(server, name);
    try {
      const before = await cli(['status'], { env: { DATABASE_URL: url } });
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(/^migrations\s+FAIL\s+none applied: run `switchboard migrate`$/m);

      const run = await cli(['migrate'], { env: { DATABASE_URL: url } });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Applied \d+ migration\(s\):/);

      const again = await cli(['migrate'], { env: { DATABASE_URL: url } });
      expect(again.stdout).toBe('Database is up to date.\n');
      const after = await cli(['status'], { env: { DATABASE_URL: url } });
      expect(after.stdout).toMatch(/^workspaces\s+ok\s+0$/m);
      expect(after.code).toBe(0);
    } finally {
      const pg = new PgClient({ connectionString: server });
      await pg.connect();
      await pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await pg.end();
    }
  });

  it('says to migrate when the tables are missing', async () => {
    const server = process.env.TEST_PG_SERVER_URL as string;
    const name = `t_cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = await ensureDatabase(server, name);
    try {
      expectOneLineError(await cli(['workspace', 'list'], { env: { DATABASE_URL: url } }), 1, /not migrated; run switchboard migrate/);
    } finally {
      const pg = new PgClient({ connectionString: server });
      await pg.connect();
      await pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await pg.end();
    }
  });
});

describe('configuration', () => {
  it('reads DATABASE_URL from .data/demo.env when the variable is unset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-demo-'));
    try {
      fs.mkdirSync(path.join(dir, '.data'));
      // As stack/demo.ts writes it: a comment, single-quoted values.
      fs.writeFileSync(
        path.join(dir, '.data', 'demo.env'),
        `# Written by \`npm start\`\nWORKSPACE_ID='x'\nDATABASE_URL='${h.config.DATABASE_URL}'\nADMIN_TOKEN='it'\\''s'\n`,
      );
      const ws = await h.workspace('Found via demo.env');
      const run = await cli(['workspace', 'list', '--json'], { cwd: dir, env: { DATABASE_URL: undefined } });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout).map((w: { id: string }) => w.id)).toContain(ws.id);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('status checks the Temporal server demo.env records, or TEMPORAL_ADDRESS / TEMPORAL_PORT when set', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-demo-'));
    try {
      fs.mkdirSync(path.join(dir, '.data'));
      fs.writeFileSync(path.join(dir, '.data', 'demo.env'), `DATABASE_URL='${h.config.DATABASE_URL}'\nTEMPORAL_ADDRESS='${h.config.TEMPORAL_ADDRESS}'\n`);
      const fromFile = await cli(['status', '--json'], { cwd: dir, env: { DATABASE_URL: undefined, TEMPORAL_ADDRESS: undefined } });
      expect(JSON.parse(fromFile.stdout).temporal).toEqual({ ok: true, detail: `${h.config.TEMPORAL_ADDRESS} (namespace default)` });

      // A port with nothing on it: the dev server `npm start` would have started there is not running.
      const port = await cli(['status'], { cwd: dir, env: { DATABASE_URL: undefined, TEMPORAL_ADDRESS: undefined, TEMPORAL_PORT: '1' } });
      expect(port.code).toBe(1);
      expect(port.stdout).toMatch(/^temporal\s+FAIL\s+unreachable at 127\.0\.0\.1:1 \(namespace default\)/m);

      const address = await cli(['status', '--json'], { cwd: dir, env: { DATABASE_URL: undefined, TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS, TEMPORAL_PORT: '1' } });
      expect(JSON.parse(address.stdout).temporal.ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to configure it when there is neither', async () => {
    expectOneLineError(await cli(['workspace', 'list'], { env: { DATABASE_URL: undefined } }), 1, /DATABASE_URL is not set and there is no \.data\/demo\.env/);
    expectOneLineError(await cli(['workspace', 'list'], { env: { DATABASE_URL: 'not a url' } }), 1, /DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it('prints help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['workspace create', 'workspace list', 'workspace disable', 'key create', 'campaign list', 'campaign show', 'campaign watch', 'job watch', 'status', 'migrate']) {
      expect(run.stdout).toContain(command);
    }
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: switchboard/);
    const one = await cli(['key', 'create', '--help']);
    expect(one.stdout).toMatch(/^Usage: switchboard key create --workspace ID/);
  });
});
