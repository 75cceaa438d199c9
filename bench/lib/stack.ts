import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readDemoEnv, type DemoEnv } from '../../stack/demo';
import { listProcesses } from '../../stack/processes';
import { secretsFile, type StackSecrets } from '../../stack/secrets';

/**
 * The platform for benchmarks, started exactly as `npm start` starts it (its `node …` command line) as one
 * child process (embedded PostgreSQL and the Temporal dev server are its own children; the worker and the API run
 * inside it, so the child's PID is the worker's and its RSS is the worker's plus the API's). Every run gets a fresh
 * DATA_DIR in a temp directory and free ports; the directory is removed on stop.
 *
 * Reusable by every bench script (bench/campaign.ts, bench/webhooks.ts): pass extra environment in `env`.
 */

export const ROOT = path.resolve(__dirname, '../..');

/** `npm start`'s node arguments (package.json: `node <args…>`), so the bench runs the stack with the same flags. */
const NPM_START_ARGS: string[] = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/).slice(1);

export interface StackOptions {
  /** Extra environment for the stack (API and worker variables: TWILIO_BASE_URL, CAMPAIGN_*, …). */
  env?: Record<string, string | undefined>;
  /** LOG_LEVEL of the stack (default warn). */
  logLevel?: string;
  /** How long start-up may take until /api/v1/health answers 200 (default 180 s). */
  startTimeoutMs?: number;
  /** RSS sampling period (default 200 ms). */
  rssIntervalMs?: number;
  /** Every line the stack prints (default: lines at WARN and above go to stderr prefixed with "[stack] "). */
  onLine?: (line: string) => void;
  /** Keep the data directory after stop (for post-mortems). */
  keepDataDir?: boolean;
  /** Extra node flags for the stack process (e.g. --max-old-space-size=256, --trace-gc). */
  nodeArgs?: string[];
}

export interface StackPorts {
  api: number;
  postgres: number;
  temporal: number;
  temporalUi: number;
}

export interface StackCpu {
  stack: number;
  postgres: number;
  temporal: number;
}

export interface RunningStack {
  /** The stack process: API and worker in one Node process. */
  pid: number;
  dataDir: string;
  apiUrl: string;
  temporalAddress: string;
  taskQueue: string;
  ports: StackPorts;
  /** $DATA_DIR/demo.env: WORKSPACE_ID, API_KEY (SeaX X-API-Key), PUBLIC_KEY, SECRET_KEY, ADMIN_TOKEN, DATABASE_URL, API_URL. */
  demo: DemoEnv;
  /** $DATA_DIR/secrets.env (stack/secrets.ts): the keys the stack generated, CREDENTIALS_ENCRYPTION_KEY among them. */
  secrets: Partial<StackSecrets>;
  /** Milliseconds from spawn to the first healthy answer. */
  startupMs: number;
  rss: RssMonitor;
  /**
   * CPU seconds used so far by the parts of the stack: the stack process itself (worker + API), embedded PostgreSQL
   * (postmaster and backends) and the Temporal dev server. Differences between two calls profile a phase.
   */
  cpu(): StackCpu;
  /** The last lines the stack printed (for error reports). */
  tail(lines?: number): string;
  /** SIGINT (as Ctrl-C), wait for the exit (SIGKILL to its process group after `timeoutMs`), remove the data dir. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (held open together while choosing, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const srv = net.createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** /proc/<pid>/status fields in kB (VmRSS, VmHWM, …); undefined when the process is gone. */
export function procStatusKb(pid: number): Record<string, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(Vm\w+|Rss\w+):\s+(\d+)\s+kB$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

let clockTicks: number | undefined;
/** Kernel clock ticks per second (USER_HZ), for /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process used so far; with `children`, also what its reaped children used. */
export function procCpuSeconds(pid: number, children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / ticksPerSecond();
  } catch {
    return 0;
  }
}

/** CPU seconds of a process tree: the root (with its reaped children) plus every live descendant. */
export function treeCpuSeconds(rootPid: number): number {
  const procs = listProcesses();
  const kids = new Map<number, number[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
  let total = procCpuSeconds(rootPid, true);
  const stack = [...(kids.get(rootPid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    total += procCpuSeconds(pid);
    stack.push(...(kids.get(pid) ?? []));
  }
  return total;
}

/**
 * Samples a process's resident set (VmRSS) every `intervalMs` and reads the kernel's own peak (VmHWM). The peak
 * can be reset (`resetPeak`), e.g. after start-up, so that it covers one phase: the sampled maximum restarts and
 * the kernel's VmHWM is reset through /proc/<pid>/clear_refs (value 5) when allowed.
 */
export class RssMonitor {
  private timer: NodeJS.Timeout | undefined;
  private maxKb = 0;
  private lastKb = 0;
  private hwmResetOk = false;
  /** [ms since epoch, kB] for every sample since the last reset (200 ms apart: 18,000 per hour). */
  readonly samples: [number, number][] = [];

  constructor(
    readonly pid: number,
    intervalMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const s = procStatusKb(this.pid);
    if (!s?.VmRSS) return;
    this.lastKb = s.VmRSS;
    if (s.VmRSS > this.maxKb) this.maxKb = s.VmRSS;
    this.samples.push([Date.now(), s.VmRSS]);
  }

  /** The kernel's peak since start (or since the last successful reset), kB. */
  hwmKb(): number | undefined {
    return procStatusKb(this.pid)?.VmHWM;
  }

  /** Forget the peak so far; answers whether the kernel's VmHWM was reset too (otherwise only the sampled max is). */
  resetPeak(): boolean {
    this.sample();
    this.maxKb = this.lastKb;
    this.samples.length = 0;
    try {
      fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      this.hwmResetOk = true;
    } catch {
      this.hwmResetOk = false;
    }
    return this.hwmResetOk;
  }

  /**
   * Peak RSS in MB since the last reset: the larger of the sampled maximum and, when the kernel's counter was reset
   * (or never needed to be), VmHWM, which also catches spikes between samples.
   */
  peakMb(): number {
    this.sample();
    const hwm = this.hwmResetOk || this.samples.length === 0 ? (this.hwmKb() ?? 0) : 0;
    return Math.max(this.maxKb, hwm) / 1024;
  }

  sampledPeakMb(): number {
    return this.maxKb / 1024;
  }

  currentMb(): number {
    return this.lastKb / 1024;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

const WARN_LINE = /\b(WARN|ERROR|FATAL)\b/;

/** Start the whole platform as `npm start` does and wait until the API is healthy. */
export async function startStack(opts: StackOptions = {}): Promise<RunningStack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
  fs.chmodSync(tmp, 0o755); // embedded PostgreSQL runs as its own user when we are root
  const dataDir = path.join(tmp, 'data');
  const [api, postgres, temporal, temporalUi] = await freePorts(4);
  const ports: StackPorts = { api, postgres, temporal, temporalUi };
  // The stack's own variables are set here; an outer DATABASE_URL / TEMPORAL_ADDRESS would switch it to external
  // servers, so they are not passed through. Everything else (PATH, TEMPORAL_CLI_PATH) is.
  const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _ta, ADMIN_TOKEN: _admin, EXPORT_DIR: _exports, PUBLIC_URL: _pub, ...inherited } = process.env;
  const taskQueue = opts.env?.TEMPORAL_TASK_QUEUE ?? inherited.TEMPORAL_TASK_QUEUE ?? 'switchboard';
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    DATA_DIR: dataDir,
    PORT: String(api),
    HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: String(postgres),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(temporalUi),
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    NO_COLOR: '1',
    ...opts.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];

  const started = Date.now();
  // Its own process group: a terminal's Ctrl-C on the bench reaches the bench only; the bench stops the stack.
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...NPM_START_ARGS], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error('could not spawn the stack');
  const pid = child.pid;
  const lines: string[] = [];
  let ready = false;
  /** Set once stop() began: the servers' shutdown chatter is not forwarded. */
  let stopping = false;
  const onLine =
    opts.onLine ??
    ((line: string) => {
      if (ready && !stopping && WARN_LINE.test(line)) process.stderr.write(`[stack] ${line}\n`);
    });
  const attach = (stream: NodeJS.ReadableStream | null) => {
    let buf = '';
    stream?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (lines.length > 400) lines.splice(0, lines.length - 400);
        onLine(line);
      }
    });
  };
  attach(child.stdout);
  attach(child.stderr);
  const tail = (n = 60) => lines.slice(-n).join('\n');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exitInfo = e));

  const rss = new RssMonitor(pid, opts.rssIntervalMs ?? 200);
  const apiUrl = `http://127.0.0.1:${api}`;

  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    // PostgreSQL and Temporal started on our data directory, should they have left the group.
    for (const p of listProcesses()) {
      if (p.pid !== process.pid && p.command.includes(dataDir)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  };
  let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> | undefined;
  const stop = (timeoutMs = 60_000) =>
    (stopped ??= (async () => {
      const t = Date.now();
      stopping = true;
      rss.stop();
      if (!exitInfo) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // gone
        }
      }
      const result = await Promise.race([exited, sleep(timeoutMs).then(() => undefined)]);
      if (!result) {
        process.stderr.write(`[bench] the stack did not stop within ${timeoutMs / 1000} s of SIGINT: killing its process group\n`);
        killGroup();
        await Promise.race([exited, sleep(5000)]);
      }
      if (!opts.keepDataDir) fs.rmSync(tmp, { recursive: true, force: true });
      return { ...(exitInfo ?? { code: null, signal: null }), ms: Date.now() - t };
    })());

  try {
    const deadline = started + (opts.startTimeoutMs ?? 180_000);
    for (;;) {
      if (exitInfo) throw new Error(`the stack exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before it was healthy:\n${tail()}`);
      if (Date.now() > deadline) throw new Error(`the stack was not healthy within ${(opts.startTimeoutMs ?? 180_000) / 1000} s:\n${tail()}`);
      try {
        const res = await fetch(`${apiUrl}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    const demo = readDemoEnv(path.join(dataDir, 'demo.env'));
    for (const k of ['WORKSPACE_ID', 'API_KEY', 'DATABASE_URL'] as const) {
      if (!demo[k]) throw new Error(`${path.join(dataDir, 'demo.env')} has no ${k}`);
    }
    ready = true;
    const serverPid = (marker: string) => listProcesses().find((p) => p.pid !== pid && p.command.includes(marker) && !/^postgres:/.test(p.command))?.pid;
    const pgPid = serverPid(path.join(dataDir, 'postgres'));
    const temporalPid = serverPid(path.join(dataDir, 'temporal.db'));
    const cpu = (): StackCpu => ({
      stack: procCpuSeconds(pid),
      postgres: pgPid ? treeCpuSeconds(pgPid) : NaN,
      temporal: temporalPid ? treeCpuSeconds(temporalPid) : NaN,
    });
    return {
      cpu,
      pid,
      dataDir,
      apiUrl,
      temporalAddress: `127.0.0.1:${temporal}`,
      taskQueue,
      ports,
      demo: demo as DemoEnv,
      // An outer CREDENTIALS_ENCRYPTION_KEY reaches the stack and wins over the generated one.
      secrets: { ...(readDemoEnv(secretsFile(dataDir)) as Partial<StackSecrets>), ...(inherited.CREDENTIALS_ENCRYPTION_KEY ? { CREDENTIALS_ENCRYPTION_KEY: inherited.CREDENTIALS_ENCRYPTION_KEY } : {}) },
      startupMs: Date.now() - started,
      rss,
      tail,
      stop,
    };
  } catch (err) {
    await stop(20_000);
    throw err;
  }
}
