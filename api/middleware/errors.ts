import { randomUUID } from 'node:crypto';
import type { Next } from 'koa';
import type { Logger } from '../../lib/logger';
import type { Ctx } from '../context';
import { ApiError, dialectOf, renderError, toApiError } from '../errors';

/** Seconds a client is asked to wait when PostgreSQL is down (a restart or fail-over usually takes a few). */

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
      // A body nobody read (an upload refused before it was read): drain it, so the client gets to read the answer.
      if (!ctx.req.readableEnded && ctx.req.readableFlowing !== true) ctx.req.resume();
      ctx.status = err.status;
      ctx.set(err.headers);
      ctx.body = renderError(ctx.state.dialect, err, ctx.state.requestId);
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}
