import { z } from 'zod';
import { campaignsRepo } from '../../db/repositories/campaigns';
import type { ApiDeps } from '../context';
import { notFound } from '../errors';
import { route } from '../routing';

/** Campaign short links (enable_link_shortening): public, no key. */
export function linkRoutes({ db }: ApiDeps) {
  const campaigns = campaignsRepo(db);
  return [
    route({
      method: 'get',
      path: '/l/:code',
      tag: 'Campaigns',
      summary: 'Follow a campaign short link (302 to the original URL; the first click per recipient counts as clicked)',
      params: z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/) }),
      status: 302,
      errors: [404],
      handler: async (ctx, { params }) => {
        const url = await campaigns.click(params.code);
        if (!url) throw notFound('Link');
        ctx.status = 302;
        ctx.redirect(url);
      },
    }),
  ];
}
