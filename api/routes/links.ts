import { z } from 'zod';
import type { RouteDeps } from '../context';
import { route } from '../routing';

/** Campaign short links (enable_link_shortening): public, no key. */
export function linkRoutes({ services }: RouteDeps) {
  const { campaigns } = services;
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
        const url = await campaigns.followLink(params.code);
        ctx.status = 302;
        ctx.redirect(url);
      },
    }),
  ];
}
