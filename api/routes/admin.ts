import type Router from '@koa/router';
import type { RouterMiddleware } from '@koa/router';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Next } from 'koa';
import { z } from 'zod';
import type { RouteDeps, Ctx } from '../context';
import { ApiError } from '../errors';
import { mountRoutes, route, type RouteSpec } from '../routing';
import {
  createdKey,
  createdWorkspace,
  createKeyBody,
  createWorkspaceBody,
  keyView,
  patchWorkspaceBody,
  workspaceIdParams,
  workspaceView,
  type KeyView,
  type WorkspaceView,
} from '../schemas/admin';
import type { ApiKeyRow, WorkspaceRow } from '../../db/rows';

const PREFIX = '/admin/v1';
const TAG = 'Admin';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toWorkspaceView(w: WorkspaceRow): WorkspaceView {
  return {
    id: w.id,
    name: w.name,
    status: w.status,
    default_country: w.default_country,
    created_at: w.created_at.toISOString(),
    updated_at: w.updated_at.toISOString(),
    limits: { rate_limit_per_minute: w.rate_limit_per_minute, daily_quota: w.daily_quota, monthly_quota: w.monthly_quota },
  };
}

export function toKeyView(k: ApiKeyRow): KeyView {
  return {
    id: k.id,
    workspace_id: k.workspace_id,
    kind: k.kind,
    name: k.name,
    public_key: k.public_key,
    abilities: k.abilities,
    session_id: k.session_id,
    limits: { rate_limit_per_minute: k.rate_limit_per_minute, daily_quota: k.daily_quota, monthly_quota: k.monthly_quota },
    expires_at: iso(k.expires_at),
    disabled_at: iso(k.disabled_at),
    last_used_at: iso(k.last_used_at),
    created_at: k.created_at.toISOString(),
  };
}

// ---- authentication ----

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (both sides hashed to equal length first).
 * Without ADMIN_TOKEN the admin API answers exactly like a missing route.
 */
export function adminAuth(adminToken: string | undefined) {
  const expected = adminToken ? sha256(adminToken) : undefined;
  return async (ctx: Ctx, next: Next): Promise<void> => {
    if (!expected) throw new ApiError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
    const token = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
    const challenge = { 'WWW-Authenticate': 'Bearer realm="switchboard-admin"' };
    if (!token) throw new ApiError(401, 'credentials_missing', 'Send the admin token as Authorization: Bearer <ADMIN_TOKEN>.', undefined, challenge);
    if (!timingSafeEqual(sha256(token), expected)) throw new ApiError(401, 'invalid_credentials', 'Invalid admin token.', undefined, challenge);
    await next();
  };
}

// ---- routes ----

/** The operator API as route specs (documented under the Admin tag); they run behind `adminAuth`, never API keys. */
export function adminRouteSpecs({ services }: RouteDeps): RouteSpec[] {
  const { workspaces, keys } = services;
  const setStatus = async (id: string, status: WorkspaceRow['status']) => toWorkspaceView(await workspaces.setStatus(id, status));

  return [
    route({
      method: 'post',
      path: `${PREFIX}/workspaces`,
      tag: TAG,
      summary: 'Create a workspace with its first keys',
      description:
        'Creates the workspace with its system labels, a SeaX API key and a full-ability Zagely key pair. The secrets are in this response only.',
      body: createWorkspaceBody,
      status: 201,
      response: createdWorkspace,
      handler: async (_ctx, { body }) => {
        const p = await workspaces.provision(body);
        return { id: p.workspace.id, name: p.workspace.name, api_key: p.api_key, public_key: p.public_key, secret_key: p.secret_key };
      },
    }),
    route({
      method: 'get',
      path: `${PREFIX}/workspaces`,
      tag: TAG,
      summary: 'List workspaces (no secrets)',
      response: z.object({ data: z.array(workspaceView) }),
      handler: async () => ({ data: (await workspaces.list()).map(toWorkspaceView) }),
    }),
    route({
      method: 'get',
      path: `${PREFIX}/workspaces/:id`,
      tag: TAG,
      summary: 'A workspace with its live keys (no secrets)',
      params: workspaceIdParams,
      response: workspaceView.extend({ keys: z.array(keyView) }),
      handler: async (_ctx, { params }) => {
        const ws = await workspaces.get(params.id);
        return { ...toWorkspaceView(ws), keys: (await workspaces.keysOf(ws.id)).map(toKeyView) };
      },
    }),
    route({
      method: 'patch',
      path: `${PREFIX}/workspaces/:id`,
      tag: TAG,
      summary: "Set the workspace's default limits",
      description: 'Defaults for every key of the workspace that has no limit of its own.',
      params: workspaceIdParams,
      body: patchWorkspaceBody,
      response: workspaceView,
      handler: async (_ctx, { params, body }) => {
        return toWorkspaceView(await workspaces.setLimits(params.id, body));
      },
    }),
    route({
      method: 'post',
      path: `${PREFIX}/workspaces/:id/disable`,
      tag: TAG,
      summary: 'Disable a workspace',
      description: 'Every key of a disabled workspace is answered 401 `key_inactive` until it is enabled again.',
      params: workspaceIdParams,
      response: workspaceView,
      handler: (_ctx, { params }) => setStatus(params.id, 'disabled'),
    }),
    route({
      method: 'post',
      path: `${PREFIX}/workspaces/:id/enable`,
      tag: TAG,
      summary: 'Enable a workspace',
      params: workspaceIdParams,
      response: workspaceView,
      handler: (_ctx, { params }) => setStatus(params.id, 'active'),
    }),
    route({
      method: 'post',
      path: `${PREFIX}/workspaces/:id/keys`,
      tag: TAG,
      summary: 'Issue an API key',
      description:
        'A Zagely key pair (default) or the SeaX API key (which revokes the previous SeaX key). The secret is in this response only.',
      params: workspaceIdParams,
      body: createKeyBody,
      status: 201,
      response: createdKey,
      handler: async (_ctx, { params, body }) => {
        const ws = await workspaces.get(params.id);
        const own = {
          rate_limit_per_minute: body.rate_limit_per_minute ?? null,
          daily_quota: body.daily_quota ?? null,
          monthly_quota: body.monthly_quota ?? null,
          expires_at: body.expires_at ? new Date(body.expires_at) : null,
        };
        if (body.kind === 'pair') {
          const pair = await keys.createPair(ws.id, { name: body.name, abilities: body.abilities, ...own });
          return { ...toKeyView(pair.row), secret_key: pair.secretKey };
        }
        const seax = await keys.resetSeaxKey(ws.id, body.name, undefined, own);
        return { ...toKeyView(seax.row), api_key: seax.apiKey };
      },
    }),
  ];
}

/** Operator API under /admin/v1, guarded by ADMIN_TOKEN. */
export function adminRoutes(router: Router<unknown, Ctx>, deps: RouteDeps): void {
  // Router middleware on the prefix runs only for matched admin routes, before their input is parsed.
  router.use(PREFIX, adminAuth(deps.config.ADMIN_TOKEN) as unknown as RouterMiddleware<unknown, Ctx>);
  mountRoutes(router, adminRouteSpecs(deps));
}
