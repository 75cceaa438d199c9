import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { phoneOrFail, type ContactInput, type ContactView, type FieldNames } from '../../../services/contacts';
import { contactView, messageResponse, paginated, pageWindow } from '../../schemas/zagely/common';
import {
  CONTACT_SORTS,
  contactCreateBody,
  contactListQuery,
  contactParams,
  contactShowResponse,
  contactUpdateBody,
  type ContactUpdateBody,
} from '../../schemas/zagely/contacts';
import { zagelyContactSegment } from './contact-filter';
import { page, toContact, toMessage } from './views';

const TAG = 'Contacts';
const NAMES: FieldNames = { phone: 'phone_number', label_ids: 'tags' };

/** Zagely's contact book: list with filters, create, show, update, delete, block and unblock. */
export function zagelyContactRoutes({ services }: RouteDeps) {
  const { contacts, groups } = services;

  /** Contacts as documented, with the dynamic groups each falls in beside its static ones. */
  async function present(workspaceId: string, views: ContactView[]) {
    const dynamic = await groups.dynamicGroupsOf(workspaceId, views.map((c) => c.id));
    return views.map((c) => toContact(c, dynamic.get(c.id)));
  }
  const one = async (workspaceId: string, view: ContactView) => (await present(workspaceId, [view]))[0];

  const toInput = (body: ContactUpdateBody, country: string): ContactInput => {
    const input: ContactInput = {};
    if (body.phone_number !== undefined) input.phone = phoneOrFail(body.phone_number, 'phone_number', country);
    if (body.name !== undefined) input.name = body.name;
    if (body.email !== undefined) input.email = body.email;
    if (body.notes !== undefined) input.note = body.notes;
    if (body.custom_fields !== undefined) input.custom_fields = body.custom_fields ?? {};
    if (body.tags !== undefined) input.tag_names = body.tags ?? [];
    return input;
  };

  const block = (prefix: '/api' | '/api/v1', blocked: boolean) =>
    route({
      method: 'post',
      path: `${prefix}/contacts/:contact/${blocked ? 'block' : 'unblock'}`,
      tag: TAG,
      summary: blocked ? 'Block a contact: it stops receiving campaign messages' : 'Unblock a previously blocked contact',
      description: 'Idempotent; a consent audit record is written when the state changes.',
      ability: 'contacts.write',
      params: contactParams,
      response: z.object({ message: z.string(), data: contactView }),
      handler: async (ctx, { params }) => {
        const p = principalOf(ctx);
        const view = await contacts.setBlocked(p.workspaceId, params.contact, blocked, p.keyId);
        return { message: blocked ? 'Contact blocked.' : 'Contact unblocked.', data: await one(p.workspaceId, view) };
      },
    });

  const update = (method: 'put' | 'patch') =>
    route({
      method,
      path: '/api/v1/contacts/:contact',
      tag: TAG,
      summary: 'Update a contact (only sent fields change)',
      ability: 'contacts.write',
      params: contactParams,
      body: contactUpdateBody,
      response: z.object({ data: contactView }),
      handler: async (ctx, { params, body }) => {
        const p = principalOf(ctx);
        const view = await contacts.update(p.workspaceId, params.contact, toInput(body, p.defaultCountry), NAMES, p.keyId);
        return { data: await one(p.workspaceId, view) };
      },
    });

  return [
    route({
      method: 'get',
      path: '/api/v1/contacts',
      tag: TAG,
      summary: 'Paginated, filterable list of contacts',
      ability: 'contacts.read',
      query: contactListQuery,
      response: paginated(contactView),
      handler: async (ctx, { query }) => {
        const { workspaceId } = principalOf(ctx);
        const filter = await zagelyContactSegment(groups, workspaceId, query);
        const { data, total } = await contacts.page(workspaceId, filter, {
          order: [{ column: CONTACT_SORTS[query.sort_by], direction: query.sort_order }],
          ...pageWindow(query),
        });
        return page(await present(workspaceId, data), total, query);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/contacts',
      tag: TAG,
      summary: 'Create a contact',
      description: 'A phone number already used by a contact of the workspace is a 422 naming phone_number.',
      ability: 'contacts.write',
      body: contactCreateBody,
      status: 201,
      response: z.object({ data: contactView }),
      handler: async (ctx, { body }) => {
        const p = principalOf(ctx);
        const input = toInput({ ...body, name: undefined }, p.defaultCountry);
        const name = body.name?.trim() || input.phone!;
        const view = await contacts.create(p.workspaceId, { ...input, name }, NAMES, p.keyId);
        return { data: await one(p.workspaceId, view) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/contacts/:contact',
      tag: TAG,
      summary: 'A contact with all its groups and its last 10 messages',
      ability: 'contacts.read',
      params: contactParams,
      response: contactShowResponse,
      handler: async (ctx, { params }) => {
        const { workspaceId } = principalOf(ctx);
        const view = await contacts.get(workspaceId, params.contact);
        const [contact, messages] = await Promise.all([one(workspaceId, view), contacts.recentMessages(workspaceId, view.id, 10)]);
        return { data: { ...contact, messages: messages.map(toMessage) } };
      },
    }),
    update('put'),
    update('patch'),
    route({
      method: 'delete',
      path: '/api/v1/contacts/:contact',
      tag: TAG,
      summary: 'Delete a contact permanently (its consent audit records are kept)',
      ability: 'contacts.write',
      params: contactParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await contacts.delete(principalOf(ctx).workspaceId, params.contact);
        return { message: 'Contact deleted.' };
      },
    }),
    block('/api', true),
    block('/api', false),
    block('/api/v1', true),
    block('/api/v1', false),
  ];
}
