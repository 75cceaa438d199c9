/**
 * `npm run fuzz`: schemathesis (PyPI, installed into .tools/ by fuzz/install-schemathesis.sh) over /openapi.json,
 * against a stack of its own started as `npm start` starts it (bench/lib/stack.ts: embedded PostgreSQL, the
 * Temporal dev server, worker and API, fresh data directory and ports), with each dialect's credentials in turn:
 * the demo workspace's SeaX X-API-Key, its Zagely key pair, and the admin token for /admin/v1. Every pass is bounded
 * in time. Prints the requests sent and every 5xx found (operation, status, a curl to reproduce it); exits 1 on any.
 *
 *   npm run fuzz                      # 120 s per pass
 *   npm run fuzz -- --quick           # CI: 35 s per pass
 *   npm run fuzz -- --max-time 600 --seed 42
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type RunningStack } from '../bench/lib/stack';

interface Options {
  maxTime: number;
  seed?: number;
  workers: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { maxTime: 120, workers: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a whole number`);
      return v;
    };
    if (a === '--quick') opts.maxTime = 35;
    else if (a === '--max-time') opts.maxTime = value();
    else if (a === '--seed') opts.seed = value();
    else if (a === '--workers') opts.workers = value();
    else throw new Error(`unknown option ${a} (use --quick, --max-time S, --seed N, --workers N)`);
  }
  return opts;
}

interface Pass {
  name: string;
  /** The one security scheme of the document this pass uses (its credentials go in `headers`). */
  security: Record<string, string[]>;
  headers: Record<string, string>;
  filters: string[];
}

type OpenApiDoc = { paths: Record<string, Record<string, { security?: unknown[] }>>; components?: { securitySchemes?: Record<string, unknown> } };

/**
 * The document with one security scheme only: schemathesis fills in every scheme an operation lists, so a SeaX
 * key beside a generated X-Secret-Key would be refused as an incomplete key pair, and nothing past auth be tested.
 */
function documentFor(doc: OpenApiDoc, pass: Pass): OpenApiDoc {
  const copy = structuredClone(doc);
  for (const item of Object.values(copy.paths)) {
    for (const op of Object.values(item)) if (op.security?.length) op.security = [pass.security];
  }
  if (copy.components?.securitySchemes) {
    copy.components.securitySchemes = Object.fromEntries(Object.entries(copy.components.securitySchemes).filter(([name]) => name in pass.security));
  }
  return copy;
}

interface ServerError {
  pass: string;
  operation: string;
  status: number;
  curl?: string;
}

interface PassResult {
  requests: number;
  operations: number;
  errors: ServerError[];
  exitCode: number | null;
}

/** Run one schemathesis pass; the NDJSON event stream gives the requests made and the 5xx responses. */
async function runPass(st: string, stack: RunningStack, doc: OpenApiDoc, pass: Pass, opts: Options, reportDir: string): Promise<PassResult> {
  const ndjson = path.join(reportDir, `${pass.name}.ndjson`);
  const schema = path.join(reportDir, `${pass.name}.openapi.json`);
  fs.writeFileSync(schema, JSON.stringify(documentFor(doc, pass)));
  const args = [
    '--config-file', path.join(__dirname, 'schemathesis.toml'),
    'run', schema,
    '--url', stack.apiUrl,
    '--checks', 'not_a_server_error',
    '--max-time', String(opts.maxTime),
    '--workers', String(opts.workers),
    '--request-timeout', '30',
    '--continue-on-failure',
    '--suppress-health-check', 'all',
    '--report', 'ndjson', '--report-ndjson-path', ndjson,
    '--no-color',
    ...(opts.seed !== undefined ? ['--seed', String(opts.seed)] : []),
    ...Object.entries(pass.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    ...pass.filters,
  ];
  const env = { ...process.env, FUZZ_WORKSPACE_ID: stack.demo.WORKSPACE_ID };
  const exitCode = await new Promise<number | null>((resolve) => {
    // Its cache (.schemathesis/) goes to the report directory, not the work tree.
    const child = spawn(st, args, { cwd: reportDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = fs.createWriteStream(path.join(reportDir, `${pass.name}.log`));
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', (code) => resolve(code));
  });
  return { ...summarize(ndjson, pass.name), exitCode };
}

/** Count requests and collect 5xx answers from schemathesis' NDJSON events. */
function summarize(file: string, pass: string): Omit<PassResult, 'exitCode'> {
  let requests = 0;
  const operations = new Set<string>();
  const errors = new Map<string, ServerError>();
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const event = JSON.parse(line) as Record<string, unknown>;
    walk(event, (node) => {
      const response = node.response as { status_code?: number } | undefined;
      const request = node.request as { method?: string; uri?: string } | undefined;
      if (!request?.uri || !response || typeof response.status_code !== 'number') return;
      requests += 1;
      const url = new URL(request.uri);
      const operation = `${request.method} ${url.pathname}`;
      operations.add(operation);
      if (response.status_code >= 500) {
        const key = `${operation} ${response.status_code}`;
        if (!errors.has(key)) errors.set(key, { pass, operation, status: response.status_code, curl: curlOf(node) });
      }
    });
  }
  return { requests, operations: operations.size, errors: [...errors.values()] };
}

function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

function curlOf(node: Record<string, unknown>): string | undefined {
  const request = node.request as { method?: string; uri?: string; body?: { string?: string; $base64?: string } | string | null; headers?: Record<string, string[]> } | undefined;
  if (!request?.uri) return undefined;
  const raw = request.body;
  const body = typeof raw === 'string' ? raw : raw?.$base64 !== undefined ? Buffer.from(raw.$base64, 'base64').toString('utf8') : raw?.string;
  const type = request.headers?.['Content-Type']?.[0] ?? request.headers?.['content-type']?.[0];
  return [`curl -X ${request.method} '${request.uri}'`, type ? `-H 'Content-Type: ${type}'` : '', body ? `--data-raw '${body.replace(/'/g, "'\\''").slice(0, 2000)}'` : '']
    .filter(Boolean)
    .join(' ');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const st = execFileSync('bash', [path.join(__dirname, 'install-schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  process.stdout.write(`fuzz: ${execFileSync(st, ['--version'], { encoding: 'utf8' }).trim()}; starting a stack of its own\n`);
  // The API's failed requests (its 5xx, with their stacks) are kept; the rest of the stack's chatter is not shown.
  const apiFailures: string[] = [];
  const stack = await startStack({ env: { OUTBOUND_ALLOWED_HOSTS: 'example.com' }, onLine: (line) => /request failed/.test(line) && apiFailures.push(line) });
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-fuzz-'));
  let failed = false;
  try {
    // The fuzzer sends thousands of requests: lift the demo workspace's per-minute limit and quotas.
    const limits = await fetch(`${stack.apiUrl}/admin/v1/workspaces/${stack.demo.WORKSPACE_ID}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${stack.demo.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rate_limit_per_minute: 1_000_000, daily_quota: 100_000_000, monthly_quota: 1_000_000_000 }),
    });
    if (!limits.ok) throw new Error(`could not lift the demo workspace's limits: ${limits.status} ${await limits.text()}`);

    // Revoking keys (the fuzzer finds their ids in GET /api/v1/api-keys) would lock a pass out of its workspace:
    // those two operations get a pass of their own with a throwaway key pair, after the dialects' passes; the admin
    // pass (which may disable the workspace) comes last.
    const revoking = ['/api/v1/api-keys/{id}', '/api/v1/workspace/{workspace_id}/api_keys/reset'];
    const keyed = ['--exclude-path-regex', '^/admin/', ...revoking.flatMap((p) => ['--exclude-path', p])];
    const throwaway = async (): Promise<Record<string, string>> => {
      const res = await fetch(`${stack.apiUrl}/admin/v1/workspaces/${stack.demo.WORKSPACE_ID}/keys`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${stack.demo.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'fuzz: revocations', abilities: ['*'] }),
      });
      const key = (await res.json()) as { public_key: string; secret_key: string };
      if (res.status !== 201) throw new Error(`could not issue a throwaway key pair: ${res.status} ${JSON.stringify(key)}`);
      return { 'X-Public-Key': key.public_key, 'X-Secret-Key': key.secret_key };
    };
    const pair = { PublicKey: [], SecretKey: [] };
    const passes: (Pass | (() => Promise<Pass>))[] = [
      { name: 'seax', security: { ApiKeyAuth: [] }, headers: { 'X-API-Key': stack.demo.API_KEY }, filters: keyed },
      { name: 'zagely', security: pair, headers: { 'X-Public-Key': stack.demo.PUBLIC_KEY, 'X-Secret-Key': stack.demo.SECRET_KEY }, filters: keyed },
      async () => ({ name: 'revocations', security: pair, headers: await throwaway(), filters: revoking.flatMap((p) => ['--include-path', p]) }),
      { name: 'admin', security: { AdminToken: [] }, headers: { Authorization: `Bearer ${stack.demo.ADMIN_TOKEN}` }, filters: ['--include-path-regex', '^/admin/'] },
    ];
    const doc = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as OpenApiDoc;
    const all: ServerError[] = [];
    for (const next of passes) {
      const pass = typeof next === 'function' ? await next() : next;
      const t = Date.now();
      // The admin API and the two revocations are a handful of operations: a quarter of the time is plenty.
      const maxTime = pass.name === 'seax' || pass.name === 'zagely' ? opts.maxTime : Math.max(10, Math.round(opts.maxTime / 4));
      const result = await runPass(st, stack, doc, pass, { ...opts, maxTime }, reportDir);
      process.stdout.write(
        `fuzz ${pass.name}: ${result.requests} requests to ${result.operations} distinct URLs in ${((Date.now() - t) / 1000).toFixed(0)} s, ` +
          `${result.errors.length} distinct 5xx (schemathesis exit ${result.exitCode})\n`,
      );
      if (result.requests === 0) {
        failed = true;
        process.stdout.write(`fuzz ${pass.name}: no request was sent; see ${path.join(reportDir, `${pass.name}.log`)}\n`);
      }
      all.push(...result.errors);
    }
    for (const e of all) process.stdout.write(`  5xx [${e.pass}] ${e.status} ${e.operation}\n    ${e.curl ?? ''}\n`);
    if (apiFailures.length) process.stdout.write(`the API logged ${apiFailures.length} failed request(s); the last:\n${apiFailures.slice(-5).join('\n')}\n`);
    process.stdout.write(`fuzz: ${all.length} server error(s) found; reports in ${reportDir}\n`);
    if (all.length) failed = true;
  } finally {
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
