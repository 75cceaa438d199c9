import { z } from 'zod';
import type { AutoReplyPatch } from '../../../db/repositories/auto-replies';
import type { Services } from '../../../services';
import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { keywordCreateBody, keywordParams, keywordPhoneParams, keywordUpdateBody, keywordView, type SeaxKeyword } from '../../schemas/seax/keywords';
import { toSeaxKeyword } from './mappers';
import type { AutoReplyRow } from '../../../db/rows';

const TAG = 'SeaX Phone keywords';
const BASE = '/api/v1/workspace/:workspace_id/phones/:phone_id/keywords';

/** SeaX keywords of many phones, keyed by phone id (GET /phones shows them on each phone). */
export async function seaxKeywordsOf(autoReplies: Services['autoReplies'], workspaceId: string, phoneIds: string[]): Promise<Map<string, SeaxKeyword[]>> {
  const { byPhone, labels } = await autoReplies.keywordsWithLabels(workspaceId, phoneIds);
  return new Map([...byPhone].map(([phoneId, rows]) => [phoneId, rows.map((r) => toSeaxKeyword(r, labels))]));
}

/** The auto_replies columns a SeaX keyword body sets (the keyword is its name and its trigger). */
function columnsOf(b: z.infer<typeof keywordUpdateBody>): AutoReplyPatch {
  return {
    ...(b.name !== undefined ? { name: b.name, trigger_value: b.name } : {}),
    ...(b.reply !== undefined ? { response_content: b.reply } : {}),
    ...(b.enabled_auto_reply !== undefined ? { is_active: b.enabled_auto_reply } : {}),
    ...(b.enabled_contact_label !== undefined ? { enabled_contact_label: b.enabled_contact_label } : {}),
    ...(b.keep_dnc_label_only !== undefined ? { keep_dnc_label_only: b.keep_dnc_label_only } : {}),
    ...(b.priority !== undefined ? { priority: b.priority } : {}),
    ...(b.contact_label_ids !== undefined ? { contact_label_ids: b.contact_label_ids } : {}),
    ...(b.match_mode !== undefined ? { match_mode: b.match_mode } : {}),
  };
}

/** SeaX phone keywords: keyword auto-replies of one phone (stored in auto_replies with origin seax_keyword). */
export function seaxKeywordRoutes({ services }: RouteDeps): RouteSpec[] {
  const service = services.autoReplies;
  const view = async (workspaceId: string, row: AutoReplyRow) => toSeaxKeyword(row, await service.labelsNamedBy(workspaceId, [row]));

  return [
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List the phone’s keywords (oldest first)',
      ability: 'sessions.read',
      params: keywordPhoneParams,
      response: z.object({ data: z.array(keywordView), total: z.number().int() }),
      handler: async (ctx, { params }) => {
        const workspaceId = workspaceFromPath(ctx);
        await service.requirePhone(workspaceId, params.phone_id);
        const data = (await seaxKeywordsOf(service, workspaceId, [params.phone_id])).get(params.phone_id) ?? [];
        return { data, total: data.length };
      },
    }),
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Add a keyword auto-reply to the phone',
      description:
        'Matching: `match_mode` exact, contains (default: the keyword as whole words anywhere in the message) or fuzzy (typo-tolerant). Higher priority wins. Compliance keywords (STOP, HELP, …) are handled before keywords.',
      ability: '*',
      params: keywordPhoneParams,
      body: keywordCreateBody,
      response: keywordView,
      handler: async (ctx, { params, body }) => {
        const workspaceId = workspaceFromPath(ctx);
        await service.requirePhone(workspaceId, params.phone_id);
        const row = await service.create({ workspace_id: workspaceId, phone_id: params.phone_id, origin: 'seax_keyword', channel: 'all', trigger_type: 'keyword', ...columnsOf(body), name: body.name });
        return view(workspaceId, row);
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:keyword_id`,
      tag: TAG,
      summary: 'A keyword',
      ability: 'sessions.read',
      params: keywordParams,
      response: keywordView,
      handler: async (ctx, { params }) => {
        const workspaceId = workspaceFromPath(ctx);
        return view(workspaceId, await service.keywordOf(workspaceId, params.phone_id, params.keyword_id));
      },
    }),
    route({
      method: 'patch',
      path: `${BASE}/:keyword_id`,
      tag: TAG,
      summary: 'Update a keyword (only the fields sent change)',
      ability: '*',
      params: keywordParams,
      body: keywordUpdateBody,
      response: keywordView,
      handler: async (ctx, { params, body }) => {
        const workspaceId = workspaceFromPath(ctx);
        await service.keywordOf(workspaceId, params.phone_id, params.keyword_id);
        return view(workspaceId, await service.update(workspaceId, params.keyword_id, 'seax_keyword', columnsOf(body)));
      },
    }),
    route({
      method: 'delete',
      path: `${BASE}/:keyword_id`,
      tag: TAG,
      summary: 'Delete a keyword',
      ability: '*',
      params: keywordParams,
      status: 204,
      handler: async (ctx, { params }) => {
        const workspaceId = workspaceFromPath(ctx);
        await service.keywordOf(workspaceId, params.phone_id, params.keyword_id);
        await service.delete(workspaceId, params.keyword_id, 'seax_keyword');
      },
    }),
  ];
}
