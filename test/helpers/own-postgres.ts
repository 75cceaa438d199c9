import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './global-setup';

export interface OwnPostgres {
  /** The server's `postgres` database, as stack/postgres.ts hands it out. */
  url: string;
  /** Stop PostgreSQL for real (fast shutdown) and wait until it is gone. */
  stop(): Promise<void>;
}

/** Start a PostgreSQL server that only this test uses (test/helpers/postgres-process.ts), so it may stop it. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-own-pg-'));
  fs.chmodSync(tmp, 0o755); // PostgreSQL runs as its own user when we are root
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'postgres-process.ts'), path.join(tmp, 'pg'), String(await freePort())], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`PostgreSQL did not start: ${stderr}`)));
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop: () =>
      (stopped ??= (async () => {
        child.kill('SIGTERM');
        await exited;
        fs.rmSync(tmp, { recursive: true, force: true });
      })()),
  };
}
