import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** rawBody as UTF-8. */
  body: string;
  receivedAt: Date;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
}

/**
 * A programmed fault for the next request(s):
 * - `respond`: answer with this status/body instead of the normal handling (nothing is created);
 * - `delay`: wait, then handle normally (use with a client timeout to make "created but timed out");
 * - `drop`: destroy the socket without an answer, either before handling (nothing created) or after (created, but
 *   the client sees a connection reset — the ambiguous case).
 */
export type Fault =
  | { kind: 'respond'; response: FakeResponse }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop'; afterProcessing: boolean };

/** Base for HTTP fakes: listens on 127.0.0.1 port 0, records every request, applies programmed faults in order. */
export abstract class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: http.Server;
  private readonly faults: Fault[] = [];
  private baseUrl = '';
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  /** Delay applied to every response (on top of programmed faults). */
  responseDelayMs = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      void this.onRequest(req, res);
    });
  }

  /** http://127.0.0.1:PORT (no trailing slash); valid after start(). */
  get url(): string {
    if (!this.baseUrl) throw new Error('fake not started');
    return this.baseUrl;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` requests get this answer instead of normal handling. */
  failNext(n: number, response: FakeResponse): this {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'respond', response });
    return this;
  }

  /** The next `n` requests are handled normally but answered only after `ms`. */
  delayNext(n: number, ms: number): this {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'delay', ms });
    return this;
  }

  /** The next `n` requests get their connection destroyed, before or after the fake acted on them. */
  dropNext(n: number, { afterProcessing = false }: { afterProcessing?: boolean } = {}): this {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'drop', afterProcessing });
    return this;
  }

  clearFaults(): this {
    this.faults.length = 0;
    return this;
  }

  /** Resolves when `predicate` holds (checked after every request and recorded event), or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check: predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitFor timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Re-checks waiters; subclasses call it when they record something other than a request. */
  protected notify(): void {
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  protected abstract handle(req: RecordedRequest): Promise<FakeResponse> | FakeResponse;

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      rawBody,
      body: rawBody.toString('utf8'),
      receivedAt: new Date(),
    };
    this.requests.push(recorded);
    const fault = this.faults.shift();
    try {
      if (fault?.kind === 'drop' && !fault.afterProcessing) {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'respond') {
        await this.sleep(this.responseDelayMs);
        this.write(res, fault.response);
        return;
      }
      const response = await this.handle(recorded);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      await this.sleep(this.responseDelayMs + (fault?.kind === 'delay' ? fault.ms : 0));
      this.write(res, response);
    } catch (err) {
      this.write(res, { status: 500, body: { message: `fake crashed: ${(err as Error).message}` } });
    } finally {
      this.notify();
    }
  }

  private write(res: http.ServerResponse, response: FakeResponse): void {
    if (res.destroyed) return;
    const isText = typeof response.body === 'string' || response.body === undefined;
    const payload = response.body === undefined ? '' : isText ? String(response.body) : JSON.stringify(response.body);
    res.writeHead(response.status, { 'content-type': isText ? 'text/plain' : 'application/json', ...response.headers });
    res.end(payload);
  }

  private sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }
}

/** POSTs a callback the way a provider would and reports what the receiving side answered. */
export async function postCallback(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

export const parseBasicAuth = (value: string | undefined): { user: string; pass: string } | undefined => {
  const m = /^Basic\s+(.+)$/i.exec(value ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
};
