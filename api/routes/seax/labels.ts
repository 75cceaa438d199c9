import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { pageOf, workspaceParams } from '../../schemas/seax/common';
import { labelCreateBody, labelList, labelListQuery, labelParams, labelUpdateBody, labelView } from '../../schemas/seax/labels';
import { toSeaxLabel } from './mappers';

const TAG = 'SeaX Labels';
const BASE = '/api/v1/workspace/:workspace_id/labels';

/** SeaX contact labels: list, create, read, update (PATCH, PUT as an alias), delete; system labels are read-only. */
export function seaxLabelRoutes({ services }: RouteDeps): RouteSpec[] {
  const labels = services.labels;

  const update = (method: 'patch' | 'put') =>
    route({
      method,
      path: `${BASE}/:label_id`,
      tag: TAG,
      summary: method === 'patch' ? 'Update a label (only the fields sent change)' : 'Update a label (alias of PATCH)',
      description: 'System labels (is_system, e.g. DNC) are read-only: 403.',
      ability: 'contacts.write',
      params: labelParams,
      body: labelUpdateBody,
      response: labelView,
      handler: async (ctx, { params, body }) => toSeaxLabel(await labels.update(workspaceFromPath(ctx), params.label_id, body)),
    });

  return [
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List the workspace’s contact labels',
      description: 'System labels first, then by name.',
      ability: 'contacts.read',
      params: workspaceParams,
      query: labelListQuery,
      response: labelList,
      handler: async (ctx, { query }) => {
        const { rows, total } = await labels.page(workspaceFromPath(ctx), pageOf(query));
        return { data: rows.map(toSeaxLabel), total };
      },
    }),
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Create a contact label',
      description: 'Names are unique in the workspace, case-insensitively (422 naming `name`). Answers 200, as SeaX (FastAPI) does.',
      ability: 'contacts.write',
      params: workspaceParams,
      body: labelCreateBody,
      response: labelView,
      handler: async (ctx, { body }) => toSeaxLabel(await labels.create(workspaceFromPath(ctx), body)),
    }),
    route({
      method: 'get',
      path: `${BASE}/:label_id`,
      tag: TAG,
      summary: 'A contact label',
      ability: 'contacts.read',
      params: labelParams,
      response: labelView,
      handler: async (ctx, { params }) => toSeaxLabel(await labels.get(workspaceFromPath(ctx), params.label_id)),
    }),
    update('patch'),
    update('put'),
    route({
      method: 'delete',
      path: `${BASE}/:label_id`,
      tag: TAG,
      summary: 'Delete a contact label',
      description: 'The label is removed from every contact. System labels (is_system, e.g. DNC) are read-only: 403.',
      ability: 'contacts.write',
      params: labelParams,
      status: 204,
      handler: async (ctx, { params }) => {
        await labels.delete(workspaceFromPath(ctx), params.label_id);
      },
    }),
  ];
}
