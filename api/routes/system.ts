import { z } from 'zod';
import type { RouteDeps } from '../context';
import { principalOf } from '../middleware/auth';
import { route } from '../routing';
import { meResponse } from '../schemas/responses';

/** `GET /api/v1/health`: unauthenticated liveness; 200 while the database answers, 503 otherwise. */
export function healthRoutes({ services }: RouteDeps) {
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
        if (await services.access.databaseUp()) return { data: { status: 'ok', timestamp } };
        ctx.status = 503;
        ctx.body = { data: { status: 'unavailable', timestamp } };
      },
    }),
  ];
}

/** `GET /api/v1/me`: the calling key, its abilities, limits and usage. */
export function meRoutes({ services }: RouteDeps) {
  return [
    route({
      method: 'get',
      path: '/api/v1/me',
      tag: 'System',
      summary: 'The current API key with abilities, limits and usage',
      response: meResponse,
      handler: async (ctx) => {
        const p = principalOf(ctx);
        const used = ctx.state.usage ?? (await services.access.usageOf(p.keyId));
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
