import { FakeHttpServer, type FakeResponse, type RecordedRequest } from './http-base';

/*
 * A tiny HTTP endpoint that records every request (method, path, headers, raw body) and answers with a
 * programmable status: a default, a scripted sequence for the next requests, and optional delays. Use it as the
 * target of provider callbacks in carrier tests and as a customer's webhook endpoint in delivery tests.
 * Fault knobs (failNext, delayNext, dropNext) come from FakeHttpServer.
 */
export class WebhookReceiver extends FakeHttpServer {
  private defaultResponse: FakeResponse = { status: 200, body: 'ok' };
  private readonly script: FakeResponse[] = [];

  /** The URL for a path on this receiver, e.g. `urlFor('/callbacks/twilio?x=1')`. */
  urlFor(path: string): string {
    return `${this.url}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** The full URL a recorded request was made to (what a provider signed). */
  fullUrl(req: RecordedRequest): string {
    return `${this.url}${req.path}`;
  }

  /** Answer every request (not otherwise scripted) with this. */
  respondWith(status: number, body: unknown = '', headers?: Record<string, string>): this {
    this.defaultResponse = { status, body, headers };
    return this;
  }

  /** Answer the next requests with these responses, in order, then fall back to the default. */
  respondNext(...responses: FakeResponse[]): this {
    this.script.push(...responses);
    return this;
  }

  /** Resolves once at least `n` requests (optionally matching `filter`) have been recorded. */
  waitForRequests(n: number, filter: (r: RecordedRequest) => boolean = () => true, timeoutMs = 5000): Promise<RecordedRequest[]> {
    const matching = () => this.requests.filter(filter);
    return this.waitFor(() => matching().length >= n, timeoutMs).then(matching);
  }

  protected handle(_req: RecordedRequest): FakeResponse {
    return this.script.shift() ?? this.defaultResponse;
  }
}
