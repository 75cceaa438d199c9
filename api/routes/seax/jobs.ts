import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route, uuid } from '../../routing';
import { seaxJobResponse } from '../../schemas/responses';
import { seaxJob } from '../../../services/jobs';

/** SeaX `GET /jobs/{job_id}`: poll an import or export until it is finished or failed. */
export function seaxJobRoutes({ services }: RouteDeps) {
  const { jobs } = services;
  return [
    route({
      method: 'get',
      path: '/api/v1/workspace/:workspace_id/jobs/:job_id',
      tag: 'SeaX Jobs',
      summary: 'An async job with its progress',
      params: z.object({ workspace_id: z.string(), job_id: uuid }),
      response: seaxJobResponse,
      handler: async (ctx, { params }) => seaxJob(await jobs.get(workspaceFromPath(ctx), params.job_id)),
    }),
  ];
}
