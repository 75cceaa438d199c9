import type { Next } from 'koa';
import type { UsagePeriod } from '../../db/repositories/usage';
import type { Services } from '../../services';
import type { Ctx } from '../context';
import { ApiError } from '../errors';
import { principalOf } from './auth';

const BREACH: Record<UsagePeriod, { code: string; message: string; limit: 'per_minute' | 'daily' | 'monthly' }> = {
  minute: { code: 'rate_limit_exceeded', message: 'Per-minute rate limit exceeded.', limit: 'per_minute' },
  day: { code: 'daily_quota_exceeded', message: 'Daily request quota exceeded.', limit: 'daily' },
  month: { code: 'monthly_quota_exceeded', message: 'Monthly request quota exceeded.', limit: 'monthly' },
};

/**
 * Per-key burst limit and daily/monthly quotas, counted in PostgreSQL. Every authenticated response carries the
 * X-RateLimit-* headers; a breach is a 429 with Retry-After (seconds until the window that is full reopens).
 */
export function rateLimit(access: Services['access'], clock: () => Date = () => new Date()) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const principal = principalOf(ctx);
    const { limits } = principal;
    const result = await access.consume(principal);
    const headers = {
      'X-RateLimit-Limit': String(limits.per_minute),
      'X-RateLimit-Remaining': String(Math.max(0, limits.per_minute - result.used.minute)),
      'X-RateLimit-Daily-Limit': String(limits.daily),
      'X-RateLimit-Daily-Remaining': String(Math.max(0, limits.daily - result.used.day)),
    };
    ctx.set(headers);
    if (result.exceeded) {
      const breach = BREACH[result.exceeded];
      const retryAfter = Math.max(1, Math.ceil((result.reopensAt!.getTime() - clock().getTime()) / 1000));
      throw new ApiError(429, breach.code, breach.message, { limit: limits[breach.limit] }, { ...headers, 'Retry-After': String(retryAfter) });
    }
    ctx.state.usage = result.used;
    await next();
  };
}
