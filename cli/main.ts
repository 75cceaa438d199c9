import type { Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { Knex } from '../db/connection';
import type { WorkspaceRow } from '../db/rows';
import type { CliConfig } from './config';
import { CliError, table, uuidArg, type CliIo, type Command, type Context, type Values } from './shared';

/**
 * A command's modules are loaded when it runs, so that `--help` and a database command load only what they use
 * (the admin schemas pull in libphonenumber's full metadata, the database knex and pg, `status` the Temporal client).
 * `require`, not `import()`: bin/switchboard.js registers tsx's CommonJS hook, which does not serve `import()` of
 * TypeScript files, and the ESM hook would add a loader thread to every start.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(id: string): T => require(id) as T;
const lazy = {
  workspaces: () => load<typeof import('../services/workspaces')>('../services/workspaces'),
  keys: () => load<typeof import('../services/keys')>('../services/keys'),
  admin: () => load<typeof import('../api/schemas/admin')>('../api/schemas/admin'),
  auth: () => load<typeof import('../api/middleware/auth')>('../api/middleware/auth'),
  workspacesRepo: () => load<typeof import('../db/repositories/workspaces')>('../db/repositories/workspaces').workspacesRepo,
  connection: () => load<typeof import('../db/connection')>('../db/connection'),
  migrate: () => load<typeof import('../db/migrate')>('../db/migrate'),
  campaigns: () => load<typeof import('./campaigns')>('./campaigns'),
  redact: () => load<typeof import('../lib/redact')>('../lib/redact').redactUrl,
  keyList: () => load<typeof import('../lib/sealed-secrets')>('../lib/sealed-secrets').keyList,
};

export type { CliIo };

const COMMANDS: Record<string, Command> = {
  'workspace create': {
    usage: 'workspace create --name NAME [--country US] [--json]',
    summary: 'Create a workspace with a SeaX key and a Zagely key pair; prints the secrets once',
    options: { name: { type: 'string' }, country: { type: 'string' } },
    async run(ctx) {
      const body = check(lazy.admin().createWorkspaceBody, { name: ctx.values.name, default_country: ctx.values.country }, { default_country: '--country' });
      const p = await lazy.workspaces().workspaceService(ctx.db()).provision(body);
      const created = { id: p.workspace.id, name: p.workspace.name, api_key: p.api_key, public_key: p.public_key, secret_key: p.secret_key };
      if (ctx.json) return ctx.io.out(`${JSON.stringify(created, null, 2)}\n`);
      ctx.io.out(
        [
          'Workspace created. The secrets below are shown once: store them now.',
          ...table([
            ['id:', created.id],
            ['name:', created.name],
            ['country:', p.workspace.default_country],
            ['api_key:', created.api_key],
            ['public_key:', created.public_key],
            ['secret_key:', created.secret_key],
          ]),
          '',
          'SeaX:   X-API-Key: <api_key>   (or Authorization: Bearer <api_key>)',
          'Zagely: X-Public-Key: <public_key> and X-Secret-Key: <secret_key>',
          '',
        ].join('\n'),
      );
    },
  },

  'workspace list': {
    usage: 'workspace list [--json]',
    summary: 'List workspaces (no secrets)',
    options: {},
    async run(ctx) {
      const rows = await lazy.workspacesRepo()(ctx.db()).list();
      if (ctx.json) {
        return ctx.io.out(`${JSON.stringify(rows.map(listItem), null, 2)}\n`);
      }
      if (!rows.length) return ctx.io.out('No workspaces.\n');
      const lines = table([['ID', 'STATUS', 'COUNTRY', 'CREATED', 'NAME'], ...rows.map((w) => [w.id, w.status, w.default_country, w.created_at.toISOString(), w.name])]);
      ctx.io.out(`${lines.join('\n')}\n`);
    },
  },

  'workspace disable': {
    usage: 'workspace disable --id ID [--json]',
    summary: "Disable a workspace: its keys are refused (401 key_inactive) until it is enabled",
    options: { id: { type: 'string' } },
    run: (ctx) => setStatus(ctx, 'disabled'),
  },

  'workspace enable': {
    usage: 'workspace enable --id ID [--json]',
    summary: 'Enable a disabled workspace again',
    options: { id: { type: 'string' } },
    run: (ctx) => setStatus(ctx, 'active'),
  },

  'key create': {
    usage: 'key create --workspace ID [--name NAME] [--abilities a,b] [--kind pair|seax] [--json]',
    summary: 'Issue a key pair (default) or a new SeaX key (which revokes the previous one); prints the secret once',
    options: { workspace: { type: 'string' }, name: { type: 'string' }, abilities: { type: 'string' }, kind: { type: 'string' } },
    async run(ctx) {
      const workspaceId = uuidArg(ctx.values.workspace, '--workspace', 'workspace');
      const { ABILITIES } = lazy.auth();
      const { createKeyBody, unknownAbilities, unknownAbilityMessage } = lazy.admin();
      let abilities: string[] | undefined;
      if (ctx.values.abilities !== undefined) {
        abilities = String(ctx.values.abilities).split(',').map((a) => a.trim()).filter(Boolean);
        if (!abilities.length) throw new CliError(`--abilities needs at least one ability (valid: ${ABILITIES.join(', ')})`, true);
        const unknown = unknownAbilities(abilities);
        if (unknown) throw new CliError(`--abilities: ${unknownAbilityMessage(unknown)}`, true);
      }
      const body = check(createKeyBody, { name: ctx.values.name ?? 'CLI key', abilities, kind: ctx.values.kind }, {});
      const db = ctx.db();
      const ws = await lazy.workspacesRepo()(db).get(workspaceId);
      if (!ws) throw new CliError(`workspace ${workspaceId} not found`);
      const keys = lazy.keys().keyService(db);
      const created =
        body.kind === 'seax'
          ? await keys.resetSeaxKey(ws.id, body.name).then((k) => ({ row: k.row, secrets: { api_key: k.apiKey } }))
          : await keys
              .createPair(ws.id, { name: body.name, abilities: body.abilities })
              .then((k) => ({ row: k.row, secrets: { public_key: k.publicKey, secret_key: k.secretKey } }));
      const out = { id: created.row.id, workspace_id: ws.id, kind: created.row.kind, name: created.row.name, abilities: created.row.abilities, ...created.secrets };
      if (ctx.json) return ctx.io.out(`${JSON.stringify(out, null, 2)}\n`);
      ctx.io.out(
        [
          `Key created${body.kind === 'seax' ? ' (the previous SeaX key of this workspace no longer works)' : ''}. The secret below is shown once: store it now.`,
          ...table([
            ['id:', out.id],
            ['workspace:', out.workspace_id],
            ['kind:', out.kind],
            ['name:', out.name],
            ['abilities:', out.abilities.join(',')],
            ...Object.entries(created.secrets).map(([k, v]) => [`${k}:`, v]),
          ]),
          '',
        ].join('\n'),
      );
    },
  },

  'campaign list': {
    usage: 'campaign list [--workspace ID] [--limit 50] [--json]',
    summary: "Campaigns, newest first: every workspace's, or one workspace's",
    options: { workspace: { type: 'string' }, limit: { type: 'string' } },
    run: (ctx) => lazy.campaigns().campaignList(ctx),
  },

  'campaign show': {
    usage: 'campaign show <id> [--workspace ID] [--json]',
    summary: 'A campaign with its exact statistics',
    options: { workspace: { type: 'string' } },
    args: ['id'],
    run: (ctx) => lazy.campaigns().campaignShow(ctx),
  },

  'campaign watch': {
    usage: 'campaign watch <id> [--workspace ID] [--interval 1] [--json]',
    summary: 'Live progress (sent/total, rate, ETA, failed, deferred) until the campaign ends; exit 1 if it failed or was canceled',
    options: { workspace: { type: 'string' }, interval: { type: 'string' } },
    args: ['id'],
    run: (ctx) => lazy.campaigns().campaignWatch(ctx),
  },

  'job watch': {
    usage: 'job watch <id> [--workspace ID] [--interval 1] [--json]',
    summary: 'Live progress of an export or import job until it is finished; exit 1 if it failed',
    options: { workspace: { type: 'string' }, interval: { type: 'string' } },
    args: ['id'],
    run: (ctx) => lazy.campaigns().jobWatch(ctx),
  },

  status: {
    usage: 'status [--json]',
    summary: 'Is the database reachable and migrated, is Temporal reachable, how many workspaces',
    options: {},
    run: status,
  },

  migrate: {
    usage: 'migrate',
    summary: 'Apply pending database migrations',
    options: {},
    async run(ctx) {
      const applied = await lazy.connection().migrateLatest(ctx.db(), { credentialsKeys: lazy.keyList()(ctx.config().CREDENTIALS_ENCRYPTION_KEY) });
      ctx.io.out(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join('\n')}\n` : 'Database is up to date.\n');
    },
  },
};

const GROUPS = [...new Set(Object.keys(COMMANDS).filter((k) => k.includes(' ')).map((k) => k.split(' ')[0]))];

function help(): string {
  return [
    'Usage: switchboard <command> [options]',
    '',
    'Commands:',
    ...table(Object.values(COMMANDS).map((c) => [`  ${c.usage}`, c.summary])),
    '',
    'Environment: DATABASE_URL (default: DATABASE_URL from .data/demo.env, written by `npm start`),',
    '             TEMPORAL_ADDRESS (or TEMPORAL_PORT on 127.0.0.1) and TEMPORAL_NAMESPACE for `status`',
    '             (default: TEMPORAL_ADDRESS from .data/demo.env, else 127.0.0.1:7233).',
    '',
  ].join('\n');
}

/** Run one command; resolves to the exit code. Errors are printed as one line. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let db: Knex | undefined;
  try {
    const split = argv.findIndex((a) => a.startsWith('-'));
    const words = split === -1 ? argv : argv.slice(0, split);
    if (!words.length || words[0] === 'help') {
      if (!words.length && !argv.some((a) => a === '--help' || a === '-h')) {
        io.err(help());
        return 2;
      }
      io.out(help());
      return 0;
    }
    const name = COMMANDS[words.slice(0, 2).join(' ')] && words.length >= 2 ? words.slice(0, 2).join(' ') : words[0];
    const command = COMMANDS[name];
    if (!command) {
      const group = GROUPS.find((g) => g === words[0]);
      const hint = group ? `; try: ${Object.keys(COMMANDS).filter((k) => k.startsWith(`${group} `)).join(' | ')}` : '; run switchboard --help';
      throw new CliError(`unknown command '${words.join(' ')}'${hint}`, true);
    }
    let values: Values;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: argv.slice(words.length),
        options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: Boolean(command.args),
      }) as { values: Values; positionals: string[] });
    } catch (err) {
      throw new CliError(`${firstLine(err).replace(/\. To specify a positional.*$/, '')} (usage: switchboard ${command.usage})`, true);
    }
    if (values.help) {
      io.out(`Usage: switchboard ${command.usage}\n${command.summary}.\n`);
      return 0;
    }
    const args = [...words.slice(name.split(' ').length), ...positionals];
    const wanted = command.args ?? [];
    if (args.length > wanted.length) throw new CliError(`unexpected argument '${args[wanted.length]}' (usage: switchboard ${command.usage})`, true);
    if (args.length < wanted.length) throw new CliError(`<${wanted[args.length]}> is required (usage: switchboard ${command.usage})`, true);

    const { loadCliConfig } = load<typeof import('./config')>('./config');
    let config: CliConfig | undefined;
    const ctx: Context = {
      values,
      args,
      io,
      json: Boolean(values.json),
      config: () => (config ??= loadCliConfig(io.env, io.cwd)),
      db: () => (db ??= quiet(lazy.connection().createDb(ctx.config().DATABASE_URL, { pool: { min: 0, max: 2 } }))),
    };
    const code = await command.run(ctx);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    io.err(`switchboard: ${describeError(err)}\n`);
    return err instanceof CliError && err.usage ? 2 : 1;
  } finally {
    await db?.destroy();
  }
}

/** knex prints pool warnings ("Acquire connection error: <stack>") with console.log; the CLI reports errors itself. */
function quiet(db: Knex): Knex {
  const logger = (db.client as { logger?: { warn: (m: unknown) => void } }).logger;
  if (logger) logger.warn = () => undefined;
  return db;
}

async function setStatus(ctx: Context, status: WorkspaceRow['status']): Promise<void> {
  const id = uuidArg(ctx.values.id, '--id', 'workspace');
  const ws = await lazy.workspacesRepo()(ctx.db()).setStatus(id, status);
  if (!ws) throw new CliError(`workspace ${id} not found`);
  if (ctx.json) return ctx.io.out(`${JSON.stringify(listItem(ws), null, 2)}\n`);
  ctx.io.out(`Workspace ${ws.id} (${ws.name}) is ${ws.status}.\n`);
}

interface Check {
  ok: boolean;
  detail: string;
}

async function status(ctx: Context): Promise<number> {
  const config = ctx.config();
  const redactUrl = lazy.redact();
  const report: { database: Check; migrations: Check; temporal: Check; workspaces: Check & { count: number | null } } = {
    database: { ok: false, detail: redactUrl(config.DATABASE_URL) },
    migrations: { ok: false, detail: 'unknown: the database is unreachable' },
    temporal: { ok: false, detail: '' },
    workspaces: { ok: false, detail: 'unknown', count: null },
  };
  const db = ctx.db();
  try {
    await db.raw('SELECT 1');
    report.database = { ok: true, detail: redactUrl(config.DATABASE_URL) };
  } catch (err) {
    report.database.detail = `unreachable (${redactUrl(config.DATABASE_URL)}): ${describeError(err)}`;
  }
  if (report.database.ok) {
    try {
      if (!(await db.schema.hasTable('knex_migrations'))) {
        report.migrations = { ok: false, detail: 'none applied: run `switchboard migrate`' };
      } else {
        const state = await lazy.migrate().migrationState(db);
        report.migrations = state.pending.length
          ? { ok: false, detail: `${state.pending.length} pending (${state.pending.join(', ')}): run \`switchboard migrate\`` }
          : { ok: true, detail: `current (${state.applied.length} applied)` };
      }
    } catch (err) {
      report.migrations = { ok: false, detail: describeError(err) };
    }
    try {
      const count = await lazy.workspacesRepo()(db).count();
      report.workspaces = { ok: true, detail: String(count), count };
    } catch (err) {
      report.workspaces = { ok: false, detail: describeError(err), count: null };
    }
  }
  report.temporal = await temporalCheck(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);

  const healthy = Object.values(report).every((c) => c.ok);
  if (ctx.json) {
    ctx.io.out(`${JSON.stringify({ ok: healthy, config_source: config.source, ...report }, null, 2)}\n`);
  } else {
    const mark = (c: Check) => (c.ok ? 'ok' : 'FAIL');
    ctx.io.out(
      `${table([
        ['database', mark(report.database), report.database.detail],
        ['migrations', mark(report.migrations), report.migrations.detail],
        ['temporal', mark(report.temporal), report.temporal.detail],
        ['workspaces', mark(report.workspaces), report.workspaces.detail],
      ]).join('\n')}\n`,
    );
  }
  return healthy ? 0 : 1;
}

async function temporalCheck(address: string, namespace: string): Promise<Check> {
  let connection: Connection | undefined;
  try {
    // Loaded here: the Temporal client takes longer to load than any other command takes to run.
    const { Connection: TemporalConnection } = await import('@temporalio/client');
    connection = await TemporalConnection.connect({ address, connectTimeout: '3s' });
    await connection.workflowService.describeNamespace({ namespace });
    return { ok: true, detail: `${address} (namespace ${namespace})` };
  } catch (err) {
    return { ok: false, detail: `unreachable at ${address} (namespace ${namespace}): ${describeError(err)}` };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Validate with a request schema; the first problem becomes one line naming the flag. */
function check<T extends z.ZodType>(schema: T, input: unknown, flags: Record<string, string>): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.');
  const flag = flags[field.split('.')[0]] ?? `--${field.split('.')[0].replace(/_/g, '-')}`;
  throw new CliError(`${flag} ${issue.message}`, true);
}

const listItem = (w: WorkspaceRow) => ({
  id: w.id,
  name: w.name,
  status: w.status,
  default_country: w.default_country,
  created_at: w.created_at.toISOString(),
  limits: { rate_limit_per_minute: w.rate_limit_per_minute, daily_quota: w.daily_quota, monthly_quota: w.monthly_quota },
});

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n').find((l) => l.trim()) ?? 'unknown error').trim();
}

/** One line a person can act on. */
function describeError(err: unknown): string {
  if (err instanceof CliError || (err instanceof Error && err.name === 'CliConfigError')) return err.message;
  const e = err as { code?: string; message?: string; errors?: { message?: string }[] };
  // pg reports a refused connection to every address of localhost as an AggregateError with no message.
  const message = e?.message || e?.errors?.map((x) => x.message).filter(Boolean).join('; ') || e?.code || String(err);
  if (e?.code === '42P01') return `${firstLine(message)}: the database is not migrated; run switchboard migrate`;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === '3D000' || e?.code === '28P01') {
    return `cannot reach the database: ${firstLine(message)}`;
  }
  return firstLine(message);
}

function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    columns: process.stdout.isTTY ? process.stdout.columns || 80 : undefined,
  };
}
