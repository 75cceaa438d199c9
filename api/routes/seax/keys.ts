import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { workspaceParams } from '../../schemas/seax/common';
import { keyResetBody, keyResetResponse } from '../../schemas/seax/keys';

/** SeaX `POST /api_keys/reset`: a new workspace key; every previous SeaX key (the caller's included) stops working. */
export function seaxKeyRoutes({ services }: RouteDeps): RouteSpec[] {
  const keys = services.keys;
  return [
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/api_keys/reset',
      tag: 'SeaX API keys',
      summary: 'Issue a new API key and invalidate the existing ones',
      description:
        'The new key is in the response once and never again. Every earlier SeaX key of the workspace, including the ' +
        'one that made this call, answers 401 from now on. Zagely key pairs are not affected. Needs a key with every ability (`*`).',
      ability: '*',
      params: workspaceParams,
      body: keyResetBody,
      response: keyResetResponse,
      handler: async (ctx, { body }) => {
        const workspaceId = workspaceFromPath(ctx);
        const { row, apiKey } = await keys.resetSeaxKey(workspaceId, body.name ?? 'API Key');
        return { api_key: apiKey, id: row.id, name: row.name, workspace_id: row.workspace_id, created_time: row.created_at.toISOString() };
      },
    }),
  ];
}
