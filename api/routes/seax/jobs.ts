import { z } from 'zod';
import type { ApiDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route, uuid } from '../../routing';
import { seaxJobResponse } from '../../schemas/responses';
import { jobService, seaxJob } from '../../services/jobs';

/** SeaX `GET /jobs/{job_id}`: poll an import or export until it is finished or failed. */
export function seaxJobRoutes({ db, temporal, config }: ApiDeps) {
  const jobs = jobService(db, temporal, config.TEMPORAL_TASK_QUEUE);
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
