import type { Next } from 'koa';
import type { Ctx } from '../context';
import { jsonDeeperThan, MAX_JSON_DEPTH, tooDeep } from '../input-safety';

/**
 * Right after the body parser: a JSON body nested deeper than MAX_JSON_DEPTH is a 400, judged from the raw text.
 * V8's JSON.parse is iterative and copes with any depth; what overflows the stack is everything recursive after it
 * (zod, JSON.stringify for the idempotency store and jsonb), and none of that has run yet.
 */
export async function jsonDepthLimit(ctx: Ctx, next: Next): Promise<void> {
  const raw = ctx.request.rawBody;
  if (typeof raw === 'string' && raw.length > MAX_JSON_DEPTH && ctx.request.is('json', '+json') && jsonDeeperThan(raw, MAX_JSON_DEPTH)) throw tooDeep();
  return next();
}
