import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { messageResponse, paginated } from '../../schemas/zagely/common';
import {
  previewBody,
  previewView,
  templateCreateBody,
  templateListQuery,
  templateParams,
  templateUpdateBody,
  templateView,
} from '../../schemas/zagely/templates';
import { page } from './views';
import type { TemplateRow } from '../../../db/rows';

const TAG = 'Templates';

/** The documented path, and the same routes under /api/v1 like every other Zagely resource. */
const PREFIXES = ['/api/templates', '/api/v1/templates'] as const;

export const toTemplate = (t: TemplateRow): z.infer<typeof templateView> => ({
  id: t.id,
  name: t.name,
  channel: t.channel,
  content: t.content,
  media_url: t.media_url,
  buttons: t.buttons,
  variables: t.variables,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

/** Zagely message templates: CRUD and preview (rendered by domain/template.ts). */
export function zagelyTemplateRoutes({ services }: RouteDeps): RouteSpec[] {
  const templates = services.templates;
  // Template media is sent by carriers on our behalf: refuse private targets (SSRF) like message media.
  const assertPublicUrls = services.assertPublicUrls;
  const mediaOf = (url: string | null | undefined) => (url ? [{ field: 'media_url', url }] : []);

  return PREFIXES.flatMap((base) => [
    route({
      method: 'get',
      path: base,
      tag: TAG,
      summary: 'List templates (filter by channel, search by name)',
      ability: 'campaigns.read',
      query: templateListQuery,
      response: paginated(templateView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await templates.list(principalOf(ctx).workspaceId, query);
        return page(rows.map(toTemplate), total, query);
      },
    }),
    route({
      method: 'post',
      path: base,
      tag: TAG,
      summary: 'Create a template',
      description: 'Names are unique per workspace (case-insensitive). variables are extracted from `{{ var }}` and `{var}` placeholders when omitted. The 201 body is the template itself, as documented.',
      ability: 'campaigns.write',
      body: templateCreateBody,
      status: 201,
      response: templateView,
      handler: async (ctx, { body }) => {
        await assertPublicUrls(mediaOf(body.media_url));
        return toTemplate(await templates.create(principalOf(ctx).workspaceId, body));
      },
    }),
    route({
      method: 'get',
      path: `${base}/:template`,
      tag: TAG,
      summary: 'Show a template',
      ability: 'campaigns.read',
      params: templateParams,
      response: z.object({ data: templateView }),
      handler: async (ctx, { params }) => ({ data: toTemplate(await templates.get(principalOf(ctx).workspaceId, params.template)) }),
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: `${base}/:template`,
        tag: TAG,
        summary: 'Update a template (only sent fields change)',
        description: 'Changing content without sending variables re-extracts them.',
        ability: 'campaigns.write',
        params: templateParams,
        body: templateUpdateBody,
        response: z.object({ data: templateView }),
        handler: async (ctx, { params, body }) => {
          await assertPublicUrls(mediaOf(body.media_url));
          return { data: toTemplate(await templates.update(principalOf(ctx).workspaceId, params.template, body)) };
        },
      }),
    ),
    route({
      method: 'delete',
      path: `${base}/:template`,
      tag: TAG,
      summary: 'Delete a template',
      ability: 'campaigns.write',
      params: templateParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await templates.delete(principalOf(ctx).workspaceId, params.template);
        return { message: 'Template deleted.' };
      },
    }),
    route({
      method: 'post',
      path: `${base}/:template/preview`,
      tag: TAG,
      summary: 'Render a template with a contact’s fields and/or explicit variables',
      description: 'Explicit variables override the contact’s values. A missing variable renders as empty and is listed in missing_variables.',
      ability: 'campaigns.read',
      params: templateParams,
      body: previewBody,
      response: z.object({ data: previewView }),
      handler: async (ctx, { params, body }) => ({ data: await templates.preview(principalOf(ctx).workspaceId, params.template, body) }),
    }),
  ]);
}
