import { createHash } from 'node:crypto';
import type { Next } from 'koa';
import type { IdempotencyRow } from '../../db/rows';
import type { Services } from '../../services';
import type { Ctx } from '../context';
import { ApiError, renderError, toApiError } from '../errors';
import { principalOf } from './auth';
import { replayableBody, storableResponse } from '../../lib/idempotency-secrets';

const KEY_FORMAT = /^[A-Za-z0-9_-]{1,255}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REPLAYED_HEADERS = ['content-type', 'location'];

/**
 * `Idempotency-Key` on POST/PUT/PATCH/DELETE: the first request with a key claims it (a row keyed by API key,
 * path and key); its response is stored and replayed verbatim, with `Idempotent-Replay: true`, for 24 hours.
 * A duplicate that arrives while the first still runs waits for it (up to `waitMs`) and then answers 409, so the
 * handler never runs twice; the same key with another body is a 422. Secrets in a stored response are redacted
 * and sealed (./idempotency-secrets.ts).
 */
export function idempotency(repo: Services['access']['idempotency'], opts: { waitMs?: number; pollMs?: number; credentialsKeys?: string[] } = {}) {
  const waitMs = opts.waitMs ?? 10_000;
  const pollMs = opts.pollMs ?? 100;
  const keys = opts.credentialsKeys ?? [];
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const key = ctx.get('idempotency-key');
    if (!MUTATING.has(ctx.method) || !ctx.request.headers['idempotency-key']) return next();
    if (!KEY_FORMAT.test(key)) {
      throw new ApiError(400, 'invalid_idempotency_key', 'The Idempotency-Key header must be 1-255 characters of A-Z, a-z, 0-9, hyphen and underscore.');
    }
    const principal = principalOf(ctx);
    const path = ctx.path;
    const requestHash = createHash('sha256').update(`${ctx.method}\n${ctx.querystring}\n${ctx.request.rawBody ?? ''}`).digest('hex');

    let existing = await repo.claim({ api_key_id: principal.keyId, path, key, method: ctx.method, request_hash: requestHash });
    if (existing) {
      if (existing.request_hash !== requestHash) {
        throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request.', { idempotency_key: key });
      }
      const deadline = Date.now() + waitMs;
      while (existing && existing.state === 'in_progress' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, pollMs));
        existing = (await repo.get(principal.keyId, path, key)) ?? null;
      }
      if (!existing) {
        throw new ApiError(409, 'idempotency_request_failed', 'The original request with this Idempotency-Key failed; retry it.');
      }
      if (existing.state === 'in_progress') {
        throw new ApiError(409, 'idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed.', {}, { 'Retry-After': '1' });
      }
      return replay(ctx, existing, keys);
    }

    try {
      await next();
    } catch (thrown) {
      // Our own failures (5xx, unexpected errors) release the key so the client's retry runs again; a client
      // error is the answer to this request, so it is rendered here and stored like a success.
      const err = toApiError(thrown);
      if (err.status >= 500) {
        await repo.release(principal.keyId, path, key);
        throw thrown;
      }
      ctx.status = err.status;
      ctx.set(err.headers);
      ctx.body = renderError(ctx.state.dialect, err, ctx.state.requestId);
    }
    const body = ctx.body === undefined || ctx.body === null ? '' : typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body);
    if (ctx.status >= 500) {
      await repo.release(principal.keyId, path, key);
      return;
    }
    const headers = pickHeaders(ctx);
    // Secrets in the answer are stored redacted, and sealed beside it for replays (./idempotency-secrets.ts).
    const stored = storableResponse(body, keys, { apiKeyId: principal.keyId, path, key });
    await repo.complete(principal.keyId, path, key, ctx.status, stored.body, headers, stored.sealed);
    if (typeof ctx.body !== 'string' && body) {
      ctx.body = body;
      ctx.type = 'application/json';
    }
  };
}

function pickHeaders(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = ctx.response.get(h);
    if (v) out[h] = String(v);
  }
  return out;
}

function replay(ctx: Ctx, row: IdempotencyRow, keys: string[]): void {
  ctx.status = row.response_status ?? 200;
  for (const [h, v] of Object.entries(row.response_headers ?? {})) ctx.set(h, v);
  ctx.set('Idempotent-Replay', 'true');
  const { body, unrestored } = replayableBody(row.response_body ?? '', row.response_secrets_encrypted, keys, { apiKeyId: row.api_key_id, path: row.path, key: row.key });
  if (unrestored.length) ctx.set('Idempotent-Replay-Redacted', unrestored.join(', '));
  ctx.body = body;
  if (row.response_headers?.['content-type']) ctx.type = row.response_headers['content-type'];
}
