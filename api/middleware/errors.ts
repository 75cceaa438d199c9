import { randomUUID } from 'node:crypto';
import type { Next } from 'koa';
import { isDatabaseUnavailable } from '../../db/unavailable';
import type { Logger } from '../../lib/logger';
import { EncryptionKeyMissingError } from '../../lib/sealed-secrets';
import type { Ctx } from '../context';
import { ApiError, dialectOf, renderError } from '../errors';

/** Seconds a client is asked to wait when PostgreSQL is down (a restart or fail-over usually takes a few). */
const DATABASE_RETRY_AFTER_S = 5;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First in the chain: gives every request an id (echoed as X-Request-Id), turns thrown errors into the dialect's
 * error shape, logs unexpected ones with that id, and never sends a stack trace.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.dialect = dialectOf(ctx.path);
    ctx.set('X-Request-Id', ctx.state.requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (thrown) {
      const err = toApiError(thrown);
      if (err.status >= 500) {
        logger.error({ err: thrown, requestId: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = err.status;
      ctx.set(err.headers);
      ctx.body = renderError(ctx.state.dialect, err, ctx.state.requestId);
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}

function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const e = thrown as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e?.status ?? e?.statusCode;
  // Body-parser and other http-errors that are the client's fault.
  if (status && status >= 400 && status < 500 && e.expose !== false) {
    if (status === 400 && /forbidden prototype property/.test(e.message ?? '')) {
      // co-body parses with @hapi/bourne, which refuses a "__proto__" key (prototype poisoning): valid JSON, refused.
      return new ApiError(400, 'invalid_json', 'The request body has a "__proto__" key, which is not accepted (prototype pollution guard); rename the key.');
    }
    if (status === 400 || e.type === 'entity.parse.failed') {
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    if (status === 413) return new ApiError(413, 'payload_too_large', 'The request body is too large.');
    if (status === 415) return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    return new ApiError(status, 'bad_request', e.message ?? 'Bad request.');
  }
  if (thrown instanceof EncryptionKeyMissingError) {
    return new ApiError(503, 'encryption_key_missing', 'This server has no CREDENTIALS_ENCRYPTION_KEY, so it cannot store or use secrets; its operator must set one.');
  }
  if (isDatabaseUnavailable(thrown)) {
    return new ApiError(503, 'service_unavailable', 'The database is unavailable; retry shortly.', undefined, { 'Retry-After': String(DATABASE_RETRY_AFTER_S) });
  }
  return new ApiError(500, 'server_error', 'Internal server error. Quote the request_id when contacting support.');
}
