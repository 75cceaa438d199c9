import { request } from 'undici';
import { CarrierError, type ProviderName } from './types';

export type FetchLike = typeof fetch;

/** Network failures that prove the request never reached the provider, so nothing can have been created. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** undici's request (no WHATWG Response layer: a fraction of fetch's CPU per call, which campaigns feel), as fetch-like results. */
async function undiciOnce(url: string, init: RequestInit, signal: AbortSignal): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET' | 'POST',
    headers: init.headers as Record<string, string>,
    body: init.body as string | undefined,
    signal,
  });
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
  return { status: res.statusCode, headers, text: await res.body.text() };
}

/**
 * One HTTP attempt with a deadline, through `fetchImpl` when given (tests, custom agents), else undici. Network
 * failures and timeouts become transient CarrierErrors; whether the provider could have acted on the request is
 * recorded in `ambiguous`. Never retries (see types.ts).
 */
export async function requestOnce(
  provider: ProviderName,
  fetchImpl: FetchLike | undefined,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers; text: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (!fetchImpl) return await undiciOnce(url, init, signal);
    const res = await fetchImpl(url, { ...init, signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (signal.aborted || name === 'TimeoutError' || name === 'AbortError') {
      throw new CarrierError({ kind: 'transient', provider, code: 'ETIMEDOUT', message: `no response within ${timeoutMs} ms`, ambiguous: true, cause: err });
    }
    const code = causeCode(err) ?? 'ENETWORK';
    throw new CarrierError({
      kind: 'transient',
      provider,
      code,
      message: `network error: ${(err as Error).message}${code !== 'ENETWORK' ? ` (${code})` : ''}`,
      ambiguous: !NOT_SENT_CODES.has(code),
      cause: err,
    });
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Header lookup on a lower-cased Node header map; the first value when repeated. */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export const rawBodyString = (raw: Buffer | string): string => (typeof raw === 'string' ? raw : raw.toString('utf8'));
