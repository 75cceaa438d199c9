import { outboundUrlErrorOf, type GuardedFetch } from './outbound-url';

/** Response bodies are logged up to this many bytes. */
export const RESPONSE_BODY_LIMIT = 2048;

/** Read at most `limit` bytes of a response body, then stop reading. */
async function readLimited(res: Response | Awaited<ReturnType<GuardedFetch>>, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export interface PostOutcome {
  statusCode: number | null;
  /** The first RESPONSE_BODY_LIMIT bytes of the response body. */
  responseBody: string | null;
  /** null for a 2xx; else `HTTP <status>`, `timeout after … ms`, `refused: …` or the connection error. */
  error: string | null;
  durationMs: number;
}

/**
 * One webhook POST. Any 2xx succeeds; anything else (3xx included: redirects are not followed), a timeout or a
 * refused/failed connection is an error. Also used by the SeaX test endpoint, which sends synchronously.
 */
export async function postWebhook(fetch: GuardedFetch, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
  const started = Date.now();
  let statusCode: number | null = null;
  let responseBody: string | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    statusCode = res.status;
    responseBody = await readLimited(res, RESPONSE_BODY_LIMIT).catch(() => null);
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    const refused = outboundUrlErrorOf(err);
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    error = refused
      ? `refused: ${refused.reason}`
      : e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `timeout after ${timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
  }
  return { statusCode, responseBody, error, durationMs: Date.now() - started };
}

