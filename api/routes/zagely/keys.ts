import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { messageResponse } from '../../schemas/zagely/common';
import { keyCreateBody, keyParams, keyView } from '../../schemas/zagely/keys';
import { toKeyView } from './views';

const TAG = 'API keys';

/**
 * Key management: Zagely's document leaves keys to the dashboard; these endpoints are ours. Only a key with `*`
 * may manage keys, so a narrow key cannot widen itself; secrets appear once, in the create response.
 */
export function zagelyKeyRoutes({ services }: RouteDeps) {
  const service = services.apiKeys;
  const workspaceOf = (id: string) => services.workspaces.get(id);
  const toggle = (action: 'disable' | 'enable') =>
    route({
      method: 'post',
      path: `/api/v1/api-keys/:id/${action}`,
      tag: TAG,
      summary: action === 'disable' ? 'Disable a key (401 key_inactive until enabled)' : 'Enable a disabled key',
      ability: '*',
      params: keyParams,
      response: z.object({ data: keyView }),
      errors: action === 'disable' ? [409] : [],
      handler: async (ctx, { params }) => {
        const p = principalOf(ctx);
        const row = await service.setDisabled(p, params.id, action === 'disable');
        return { data: toKeyView(row, await workspaceOf(p.workspaceId)) };
      },
    });

  return [
    route({
      method: 'get',
      path: '/api/v1/api-keys',
      tag: TAG,
      summary: 'List the workspace’s live keys (no secrets)',
      ability: '*',
      response: z.object({ data: z.array(keyView), total: z.number().int() }),
      handler: async (ctx) => {
        const { workspaceId } = principalOf(ctx);
        const [rows, ws] = await Promise.all([service.list(workspaceId), workspaceOf(workspaceId)]);
        return { data: rows.map((k) => toKeyView(k, ws)), total: rows.length };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/api-keys/:id',
      tag: TAG,
      summary: 'A live key (no secret)',
      ability: '*',
      params: keyParams,
      response: z.object({ data: keyView }),
      handler: async (ctx, { params }) => {
        const { workspaceId } = principalOf(ctx);
        return { data: toKeyView(await service.get(workspaceId, params.id), await workspaceOf(workspaceId)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/api-keys',
      tag: TAG,
      summary: 'Create a key pair; the secret key is shown once',
      ability: '*',
      body: keyCreateBody,
      status: 201,
      response: z.object({ data: keyView.extend({ secret_key: z.string().meta({ description: 'Shown once; store it in a secret manager.' }) }) }),
      handler: async (ctx, { body }) => {
        const p = principalOf(ctx);
        const created = await service.create(p, { ...body, expires_at: body.expires_at ? new Date(body.expires_at) : null });
        return { data: { ...toKeyView(created.row, await workspaceOf(p.workspaceId)), secret_key: created.secretKey } };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/api-keys/:id',
      tag: TAG,
      summary: 'Revoke a key for good (it is answered 401 invalid_credentials afterwards)',
      ability: '*',
      params: keyParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await service.revoke(principalOf(ctx).workspaceId, params.id);
        return { message: 'API key revoked.' };
      },
    }),
    toggle('disable'),
    toggle('enable'),
  ];
}
