import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { Harness } from './harness';

const BIN = path.resolve(__dirname, '../../bin/switchboard.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment an operator's shell would give the CLI: this harness's database and Temporal server. */
function cliEnv(h: Harness, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    DATABASE_URL: h.config.DATABASE_URL,
    TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
    ...extra,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** The CLI as an operator runs it: a child process of `node bin/switchboard.js`, run to its end. */
export function runCli(h: Harness, args: string[], opts: { env?: Record<string, string | undefined>; cwd: string }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cliEnv(h, opts.env), timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running CLI call (`… watch`): its output so far, a wait for a line matching a pattern, and its end. */
export function startCli(h: Harness, args: string[], opts: { cwd: string }) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cliEnv(h), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stdout)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return {
    done,
    /** Resolves once stdout matches `pattern`; rejects if the process ends first. */
    printed(pattern: RegExp): Promise<void> {
      if (pattern.test(stdout)) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
        done.then((run) => {
          if (!pattern.test(run.stdout)) throw new Error(`the CLI ended (exit ${run.code}) without printing ${pattern}:\n${run.stdout}${run.stderr}`);
        }),
      ]);
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** A usage or runtime error: non-zero, nothing on stdout, exactly one line on stderr. */
export function expectOneLineError(run: CliRun, code: number, pattern: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^switchboard: /);
  expect(run.stderr).toMatch(pattern);
}
