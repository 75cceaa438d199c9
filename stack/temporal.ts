import { TestWorkflowEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli } from '../scripts/provision-temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/search-attributes';
import { listProcesses, owningNodeProcess, StackError, stopProcess } from './processes';

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Where the `temporal` CLI is (TEMPORAL_CLI_PATH, PATH, then what `npm install` provisioned under .tools/). */
export { findTemporalCli } from '../scripts/provision-temporal';

/** Start `temporal server start-dev` (the official dev server) with our search attributes registered. */
export async function startTemporalDevServer(opts: {
  cliPath?: string;
  dbFile?: string;
  port?: number;
  uiPort?: number;
  ui?: boolean;
  namespace?: string;
  onLog?: (line: string) => void;
  /** The server's own log level (it writes to our stdout); its graceful stop warns about its internal pollers. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}): Promise<DevServer & { env: TestWorkflowEnvironment }> {
  const exe = findTemporalCli(opts.cliPath);
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    await stopOrphanedDevServer(path.resolve(opts.dbFile), opts.onLog);
  }
  const namespace = opts.namespace ?? 'default';
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: exe ? { type: 'existing-path', path: exe } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: opts.port,
      ui: opts.ui ?? false,
      uiPort: opts.ui ? opts.uiPort : undefined,
      dbFilename: opts.dbFile,
      namespace,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
    },
  });
  const address = env.connection.options.address;
  // The SDK's teardown SIGKILLs the server. One that persists to a file gets SIGTERM first, so that it stops
  // cleanly; the SDK then only reaps it.
  const port = address.slice(address.lastIndexOf(':') + 1);
  const serverPid = opts.dbFile
    ? listProcesses().find((p) => p.ppid === process.pid && /\bstart-dev\b/.test(p.command) && p.command.includes(`--port ${port} `))?.pid
    : undefined;
  return {
    env,
    address,
    namespace,
    uiUrl: opts.ui ? `http://127.0.0.1:${opts.uiPort ?? (opts.port ?? 7233) + 1000}` : undefined,
    async stop() {
      if (serverPid) await stopProcess(serverPid, 'SIGTERM', 15_000);
      await env.teardown();
    },
  };
}

/**
 * A dev server on `dbFile` left running by a run that was killed (it outlives its parent and keeps the port and the
 * SQLite file) is stopped; one still owned by a live Node process is another stack's, so start-up stops instead.
 */
export async function stopOrphanedDevServer(dbFile: string, log: (line: string) => void = () => undefined): Promise<void> {
  const servers = listProcesses().filter((p) => /\bstart-dev\b/.test(p.command) && p.command.includes(`--db-filename ${dbFile}`));
  for (const server of servers) {
    const owner = owningNodeProcess(server);
    if (owner) {
      throw new StackError(
        `A Temporal dev server (pid ${server.pid}) is already using ${dbFile}, started by process ${owner.pid} ` +
          `(${owner.command.slice(0, 80)}). Stop that \`npm start\` first, or give this one its own DATA_DIR.`,
      );
    }
    log(`stopping the Temporal dev server (pid ${server.pid}) left running by a previous run that crashed`);
    if (!(await stopProcess(server.pid, 'SIGTERM', 20_000))) {
      throw new StackError(`The Temporal dev server (pid ${server.pid}) did not stop within 20 s; stop it with \`kill ${server.pid}\` and start again.`);
    }
  }
}
