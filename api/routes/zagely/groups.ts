import { z } from 'zod';
import type { MembershipResult } from '../../../services/groups';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import type { ContactView } from '../../../services/contacts';
import { contactView, messageResponse, paginated } from '../../schemas/zagely/common';
import { groupCreateBody, groupListQuery, groupParams, groupUpdateBody, groupView, memberResult, membersBody } from '../../schemas/zagely/groups';
import { page, toContact, toGroup } from './views';

const TAG = 'Contact groups';

/** Zagely contact groups: static (managed by hand) and dynamic (selected by filters). */
export function zagelyGroupRoutes({ services }: RouteDeps) {
  const groups = services.groups;

  async function contactsWithGroups(workspaceId: string, contacts: ContactView[]) {
    const dynamic = await groups.dynamicGroupsOf(workspaceId, contacts.map((c) => c.id));
    return contacts.map((c) => toContact(c, dynamic.get(c.id)));
  }

  const members = (r: MembershipResult, verb: 'added' | 'removed') =>
    verb === 'added'
      ? { message: `${r.changed} contact(s) added.`, added: r.changed, already_members: r.unchanged, not_found: r.not_found, invalid_phone_numbers: r.invalid_phone_numbers, contacts_count: r.contacts_count }
      : { message: `${r.changed} contact(s) removed.`, removed: r.changed, not_members: r.unchanged, not_found: r.not_found, invalid_phone_numbers: r.invalid_phone_numbers, contacts_count: r.contacts_count };

  return [
    route({
      method: 'get',
      path: '/api/v1/contact-groups',
      tag: TAG,
      summary: 'List groups with contacts_count',
      ability: 'contacts.read',
      query: groupListQuery,
      response: paginated(groupView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await groups.list(principalOf(ctx).workspaceId, query);
        return page(rows.map(toGroup), total, query);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/contact-groups',
      tag: TAG,
      summary: 'Create a static or dynamic group',
      description: 'filters are required for dynamic groups and refused for static ones.',
      ability: 'contacts.write',
      body: groupCreateBody,
      status: 201,
      response: z.object({ data: groupView }),
      handler: async (ctx, { body }) => ({ data: toGroup(await groups.create(principalOf(ctx).workspaceId, body)) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/contact-groups/:group',
      tag: TAG,
      summary: 'A group with its first 100 contacts (newest first)',
      ability: 'contacts.read',
      params: groupParams,
      response: z.object({ data: groupView.extend({ contacts: z.array(contactView) }) }),
      handler: async (ctx, { params }) => {
        const { workspaceId } = principalOf(ctx);
        const { group, contacts } = await groups.show(workspaceId, params.group);
        return { data: { ...toGroup(group), contacts: await contactsWithGroups(workspaceId, contacts) } };
      },
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: '/api/v1/contact-groups/:group',
        tag: TAG,
        summary: 'Update name, description or filters (only sent fields change)',
        ability: 'contacts.write',
        params: groupParams,
        body: groupUpdateBody,
        response: z.object({ data: groupView }),
        handler: async (ctx, { params, body }) => ({ data: toGroup(await groups.update(principalOf(ctx).workspaceId, params.group, body)) }),
      }),
    ),
    route({
      method: 'delete',
      path: '/api/v1/contact-groups/:group',
      tag: TAG,
      summary: 'Delete a group (its contacts are kept)',
      ability: 'contacts.write',
      params: groupParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await groups.delete(principalOf(ctx).workspaceId, params.group);
        return { message: 'Contact group deleted.' };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/contact-groups/:group/contacts',
      tag: TAG,
      summary: 'Add members to a static group by contact_ids and/or phone_numbers',
      description: 'Ids and phones that match no contact are reported in not_found; nothing is dropped silently. Dynamic groups answer 422.',
      ability: 'contacts.write',
      params: groupParams,
      body: membersBody,
      response: memberResult.extend({ added: z.number().int(), already_members: z.number().int() }),
      handler: async (ctx, { params, body }) => {
        const p = principalOf(ctx);
        return members(await groups.addMembers(p.workspaceId, params.group, body, p.defaultCountry), 'added');
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/contact-groups/:group/contacts',
      tag: TAG,
      summary: 'Remove members from a static group by contact_ids and/or phone_numbers',
      description:
        'The JSON body is `{"contact_ids": [...], "phone_numbers": [...]}` (either or both), as for adding. Ids and phones that match no contact are reported in not_found. Dynamic groups answer 422.',
      ability: 'contacts.write',
      params: groupParams,
      body: membersBody,
      response: memberResult.extend({ removed: z.number().int(), not_members: z.number().int() }),
      handler: async (ctx, { params, body }) => {
        const p = principalOf(ctx);
        return members(await groups.removeMembers(p.workspaceId, params.group, body, p.defaultCountry), 'removed');
      },
    }),
  ];
}
