import { z } from 'zod';
import { periodStarts, usageRepo } from '../../db/repositories/usage';
import type { ApiDeps } from '../context';
import { principalOf } from '../middleware/auth';
import { route } from '../routing';
import { meResponse } from '../schemas/responses';

/** `GET /api/v1/health`: unauthenticated liveness; 200 while the database answers, 503 otherwise. */
export function healthRoutes({ db }: ApiDeps) {
  return [
    route({
      method: 'get',
      path: '/api/v1/health',
      tag: 'System',
      summary: 'Liveness probe (no key needed)',
      response: z.object({ data: z.object({ status: z.enum(['ok', 'unavailable']), timestamp: z.string() }) }),
      errors: [503],
      handler: async (ctx) => {
        const timestamp = new Date().toISOString();
        try {
          await db.raw('SELECT 1');
          return { data: { status: 'ok', timestamp } };
        } catch {
          ctx.status = 503;
          ctx.body = { data: { status: 'unavailable', timestamp } };
        }
      },
    }),
  ];
}

/** `GET /api/v1/me`: the calling key, its abilities, limits and usage. */
export function meRoutes({ db }: ApiDeps) {
  const usage = usageRepo(db);
  return [
    route({
      method: 'get',
      path: '/api/v1/me',
      tag: 'System',
      summary: 'The current API key with abilities, limits and usage',
      response: meResponse,
      handler: async (ctx) => {
        const p = principalOf(ctx);
        const used = ctx.state.usage ?? (await usage.current(p.keyId, periodStarts(new Date())));
        return {
          data: {
            id: p.keyId,
            name: p.keyName,
            tenant_id: p.workspaceId,
            workspace_id: p.workspaceId,
            key_type: p.kind === 'pair' ? 'key_pair' : 'api_key',
            session_id: p.sessionId,
            abilities: p.abilities,
            expires_at: p.expiresAt?.toISOString() ?? null,
            last_used_at: p.lastUsedAt?.toISOString() ?? null,
            usage: { today: used.day, month: used.month },
            limits: { daily: p.limits.daily, monthly: p.limits.monthly, per_minute: p.limits.per_minute },
            remaining: { daily: Math.max(0, p.limits.daily - used.day), monthly: Math.max(0, p.limits.monthly - used.month) },
          },
        };
      },
    }),
  ];
}
