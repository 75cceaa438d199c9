/**
 * The workflow bundle, built in a child process: webpack's memory (well over 100 MB) is then returned to the system
 * when the child exits, instead of staying in the worker's heap for its whole life. Run directly, it writes the
 * bundle to the path given as its argument.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const WORKFLOWS = path.join(__dirname, '../workflows/index.ts');

/** Bundle in a child process; answers the bundle file's path (in a fresh temporary directory). */
export async function bundleWorkflowsInChild(): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-workflows-')), 'bundle.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bundling the workflows failed (exit ${code}): ${err.slice(-2000)}`))));
  });
  return file;
}

if (require.main === module) {
  const noop = () => undefined;
  bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop } })
    .then(({ code }) => fs.writeFileSync(process.argv[2], code))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
