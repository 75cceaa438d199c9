import { Pool } from 'undici';

/**
 * A plain client loop: `concurrency` workers each POSTing one request after another until `count` requests have
 * been answered, nothing else in between. Two clients:
 * - `undici` (default): undici's Pool.request with one keep-alive connection per worker, the cheapest client Node
 *   has, so the figure is as close to the server's own capacity as this machine allows;
 * - `fetch`: the global fetch (WHATWG streams on top of undici), the client the carrier adapters use: what that
 *   client can get out of the server.
 */
export interface LoadOptions {
  client?: 'undici' | 'fetch';
  url: string;
  method?: string;
  headers: Record<string, string>;
  /** The i-th request's body. */
  body: (i: number) => string;
  count: number;
  concurrency: number;
  /** Requests sent (and not timed) before the measured ones, to open connections and warm up JITs (default min(count/10, 1000)). */
  warmup?: number;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Answered requests per second (any status). */
  rate: number;
  /** Answers by status; network errors under "error". */
  statuses: Record<string, number>;
  /** Latency percentiles (ms) of the measured requests. */
  p50Ms: number;
  p99Ms: number;
}

type Send = (body: string) => Promise<number>;

function sender(o: LoadOptions): { send: Send; close(): Promise<void> } {
  const method = o.method ?? 'POST';
  const timeoutMs = o.timeoutMs ?? 15_000;
  if (o.client === 'fetch') {
    return {
      send: async (body) => {
        const res = await fetch(o.url, { method, headers: o.headers, body, signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return res.status;
      },
      close: async () => undefined,
    };
  }
  const url = new URL(o.url);
  const pool = new Pool(url.origin, { connections: o.concurrency, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const path = url.pathname + url.search;
  return {
    send: async (body) => {
      const res = await pool.request({ path, method: method as 'POST', headers: o.headers, body });
      await res.body.dump();
      return res.statusCode;
    },
    close: () => pool.close(),
  };
}

async function run(o: LoadOptions, send: Send, from: number, count: number, latencies?: number[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = from;
  const end = from + count;
  const worker = async () => {
    while (next < end) {
      const i = next++;
      const t = performance.now();
      let key: string;
      try {
        key = String(await send(o.body(i)));
      } catch {
        key = 'error';
      }
      latencies?.push(performance.now() - t);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, count) }, worker));
  return statuses;
}

export async function measureHttpRate(o: LoadOptions): Promise<LoadResult> {
  const warmup = o.warmup ?? Math.min(Math.floor(o.count / 10), 1000);
  const client = sender(o);
  let statuses: Record<string, number>;
  let seconds: number;
  const latencies: number[] = [];
  try {
    if (warmup > 0) await run(o, client.send, 0, warmup);
    const t0 = performance.now();
    statuses = await run(o, client.send, warmup, o.count, latencies);
    seconds = (performance.now() - t0) / 1000;
  } finally {
    await client.close();
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { requests: o.count, seconds, rate: o.count / seconds, statuses, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}
