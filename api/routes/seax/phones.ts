import type { ApiDeps } from '../../context';
import { principalOf, workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { pageOf, workspaceParams } from '../../schemas/seax/common';
import { phoneCreateBody, phoneList, phoneListQuery, phoneParams, phoneUpdateBody, phoneView } from '../../schemas/seax/phones';
import { phoneService } from '../../services/phones';
import { seaxKeywordsOf } from './keywords';
import { toSeaxPhone } from './mappers';

const TAG = 'SeaX Phones';
const BASE = '/api/v1/workspace/:workspace_id/phones';

/** SeaX sender phones: list with filters, create, read, update (PATCH, PUT as an alias), delete. */
export function seaxPhoneRoutes({ db, config }: ApiDeps): RouteSpec[] {
  const phones = phoneService(db, { encryptionKey: config.CREDENTIALS_ENCRYPTION_KEY, simulatorEnabled: config.SIMULATOR_ENABLED });

  const update = (method: 'patch' | 'put') =>
    route({
      method,
      path: `${BASE}/:phone_id`,
      tag: TAG,
      summary: method === 'patch' ? 'Update a phone (only the fields sent change)' : 'Update a phone (alias of PATCH: only the fields sent change)',
      ability: '*',
      params: phoneParams,
      body: phoneUpdateBody,
      response: phoneView,
      handler: async (ctx, { params, body }) => {
        const workspaceId = workspaceFromPath(ctx);
        const phone = await phones.update(workspaceId, params.phone_id, body, principalOf(ctx).defaultCountry);
        return toSeaxPhone(phone, (await seaxKeywordsOf(db, workspaceId, [phone.id])).get(phone.id));
      },
    });

  return [
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List the workspace’s phone numbers',
      description: 'Oldest first. Without `enabled`, only enabled phones are listed (SeaX’s default); `enabled=false` lists the disabled ones.',
      ability: 'sessions.read',
      params: workspaceParams,
      query: phoneListQuery,
      response: phoneList,
      handler: async (ctx, { query }) => {
        const { rows, total } = await phones.list(
          workspaceFromPath(ctx),
          { isOwned: query.is_owned ? true : undefined, enabled: query.enabled, voiceAvailable: query.voice_available },
          pageOf(query),
        );
        const keywords = await seaxKeywordsOf(db, workspaceFromPath(ctx), rows.map((p) => p.id));
        return { data: rows.map((p) => toSeaxPhone(p, keywords.get(p.id))), total };
      },
    }),
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Add a phone number',
      description:
        'The number is normalised to E.164 and must be unique in the workspace. Answers 200 with the phone, as SeaX (FastAPI) does. `credentials` (write-only) are stored encrypted in the same transaction.',
      ability: '*',
      params: workspaceParams,
      body: phoneCreateBody,
      response: phoneView,
      handler: async (ctx, { body }) => toSeaxPhone(await phones.create(workspaceFromPath(ctx), body, principalOf(ctx).defaultCountry)),
    }),
    route({
      method: 'get',
      path: `${BASE}/:phone_id`,
      tag: TAG,
      summary: 'A phone number with every field',
      ability: 'sessions.read',
      params: phoneParams,
      response: phoneView,
      handler: async (ctx, { params }) => {
        const workspaceId = workspaceFromPath(ctx);
        const phone = await phones.get(workspaceId, params.phone_id);
        return toSeaxPhone(phone, (await seaxKeywordsOf(db, workspaceId, [phone.id])).get(phone.id));
      },
    }),
    update('patch'),
    update('put'),
    route({
      method: 'delete',
      path: `${BASE}/:phone_id`,
      tag: TAG,
      summary: 'Delete a phone number',
      description: 'Messages and conversations keep their history (their phone becomes null); the phone’s keywords go with it.',
      ability: '*',
      params: phoneParams,
      status: 204,
      handler: async (ctx, { params }) => {
        await phones.delete(workspaceFromPath(ctx), params.phone_id);
      },
    }),
  ];
}
