import type { Knex } from 'knex';
import { z } from 'zod';
import { autoRepliesRepo, type AutoReplyPatch, type AutoReplyRow } from '../../../db/repositories/auto-replies';
import { labelsRepo, type LabelRow } from '../../../db/repositories/labels';
import type { ApiDeps } from '../../context';
import { notFound } from '../../errors';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { keywordCreateBody, keywordParams, keywordPhoneParams, keywordUpdateBody, keywordView, type SeaxKeyword } from '../../schemas/seax/keywords';
import { autoReplyService } from '../../services/auto-replies';
import { phonesRepo } from '../../../db/repositories/phones';
import { toSeaxKeyword } from './mappers';

const TAG = 'SeaX Phone keywords';
const BASE = '/api/v1/workspace/:workspace_id/phones/:phone_id/keywords';

/** The labels the keywords name, in one query. */
async function labelsOf(db: Knex, workspaceId: string, rows: AutoReplyRow[]): Promise<Map<string, LabelRow>> {
  const ids = [...new Set(rows.flatMap((r) => r.contact_label_ids))];
  if (!ids.length) return new Map();
  const labels = await labelsRepo(db).getMany(workspaceId, ids);
  return new Map(labels.map((l) => [l.id, l]));
}

/** SeaX keywords of many phones, keyed by phone id: two queries whatever the number of phones (GET /phones). */
export async function seaxKeywordsOf(db: Knex, workspaceId: string, phoneIds: string[]): Promise<Map<string, SeaxKeyword[]>> {
  const byPhone = await autoRepliesRepo(db).keywordsOfPhones(workspaceId, phoneIds);
  const labels = await labelsOf(db, workspaceId, [...byPhone.values()].flat());
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
export function seaxKeywordRoutes({ db, logger }: ApiDeps): RouteSpec[] {
  const service = autoReplyService({ db, logger });
  const phones = phonesRepo(db);

  async function phoneOf(workspaceId: string, phoneId: string): Promise<void> {
    if (!(await phones.get(workspaceId, phoneId))) throw notFound('Phone');
  }
  async function keywordOf(workspaceId: string, phoneId: string, id: string): Promise<AutoReplyRow> {
    const row = await service.get(workspaceId, id, 'seax_keyword');
    if (row.phone_id !== phoneId) throw notFound('Keyword');
    return row;
  }
  const view = async (workspaceId: string, row: AutoReplyRow) => toSeaxKeyword(row, await labelsOf(db, workspaceId, [row]));

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
        await phoneOf(workspaceId, params.phone_id);
        const data = (await seaxKeywordsOf(db, workspaceId, [params.phone_id])).get(params.phone_id) ?? [];
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
        await phoneOf(workspaceId, params.phone_id);
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
        return view(workspaceId, await keywordOf(workspaceId, params.phone_id, params.keyword_id));
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
        await keywordOf(workspaceId, params.phone_id, params.keyword_id);
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
        await keywordOf(workspaceId, params.phone_id, params.keyword_id);
        await service.delete(workspaceId, params.keyword_id, 'seax_keyword');
      },
    }),
  ];
}
