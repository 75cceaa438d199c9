import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { paginated, paginationQuery, pageWindow } from '../../schemas/zagely/common';
import { sessionParams, sessionView } from '../../schemas/zagely/sessions';
import { page, toSession } from './views';

const TAG = 'Sessions';

/** Zagely sessions: the workspace's sender phones under Zagely's name. */
export function zagelySessionRoutes({ services }: RouteDeps) {
  const { phones } = services;
  return [
    route({
      method: 'get',
      path: '/api/v1/sessions',
      tag: TAG,
      summary: 'List the workspace’s sessions with their status',
      ability: 'sessions.read',
      query: paginationQuery,
      response: paginated(sessionView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await phones.list(principalOf(ctx).workspaceId, {}, pageWindow(query));
        return page(rows.map(toSession), total, query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sessions/:session',
      tag: TAG,
      summary: 'A session with its live status',
      ability: 'sessions.read',
      params: sessionParams,
      response: z.object({ data: sessionView }),
      handler: async (ctx, { params }) => {
        return { data: toSession(await phones.get(principalOf(ctx).workspaceId, params.session, 'Session')) };
      },
    }),
  ];
}
