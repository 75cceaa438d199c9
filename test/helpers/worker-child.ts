import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Harness } from './harness';

/**
 * A worker in a child process (test/helpers/worker-process.ts) with this environment added, for crash tests that
 * SIGKILL it; resolves once it polls its task queue.
 */
export function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('worker ready')) resolve(proc);
    });
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${out.slice(-2000)}`)));
  });
}

/** The environment of a worker process for this harness's database, Temporal and task queue, plus `extra`. */
export const workerEnvOf = (h: Harness, extra: Record<string, string>): Record<string, string> => ({
  DATABASE_URL: h.config.DATABASE_URL,
  TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
  TEMPORAL_TASK_QUEUE: h.taskQueue,
  PUBLIC_URL: h.url,
  LOG_LEVEL: 'warn',
  // The API's secrets, so the worker opens what the API sealed and signs what the API verifies.
  ...Object.fromEntries(
    (['CREDENTIALS_ENCRYPTION_KEY', 'SIMULATOR_CALLBACK_SECRET', 'EXPORT_LINK_SECRET'] as const).flatMap((k) => (h.config[k] ? [[k, h.config[k]!]] : [])),
  ),
  ...extra,
});
