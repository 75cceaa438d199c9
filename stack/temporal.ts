import { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/search-attributes';

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/**
 * Where the `temporal` CLI is: TEMPORAL_CLI_PATH, then PATH, then undefined (the caller falls back to the
 * SDK's cached download, which needs internet).
 */
export function findTemporalCli(explicit?: string): string | undefined {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH: no file at ${explicit}`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && fs.existsSync(candidate)) {
      try {
        execFileSync(candidate, ['--version'], { stdio: 'ignore', timeout: 20000 });
        return candidate;
      } catch {
        // a stale shim (e.g. pyenv without the package): keep looking
      }
    }
  }
  return undefined;
}

/** Start `temporal server start-dev` (the official dev server) with our search attributes registered. */
export async function startTemporalDevServer(opts: {
  cliPath?: string;
  dbFile?: string;
  port?: number;
  uiPort?: number;
  ui?: boolean;
  namespace?: string;
}): Promise<DevServer & { env: TestWorkflowEnvironment }> {
  const exe = findTemporalCli(opts.cliPath);
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
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
      log: { format: 'pretty', level: 'warn' },
    },
  });
  const address = env.connection.options.address;
  return {
    env,
    address,
    namespace,
    uiUrl: opts.ui ? `http://127.0.0.1:${opts.uiPort ?? (opts.port ?? 7233) + 1000}` : undefined,
    stop: () => env.teardown(),
  };
}
