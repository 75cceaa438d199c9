import type { SegmentFilter } from '../../../domain/segment';
import { contactService, phoneOrFail, type ContactInput, type FieldNames } from '../../../services/contacts';
import type { RouteDeps } from '../../context';
import { invalid } from '../../../services/errors';
import { principalOf, workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { pageOf, workspaceParams } from '../../schemas/seax/common';
import {
  contactCreateBody,
  contactList,
  contactListQuery,
  contactParams,
  contactUpdateBody,
  contactView,
  type ContactBody,
  type ContactListQuery,
} from '../../schemas/seax/contacts';
import { toSeaxContact } from './mappers';

const TAG = 'SeaX Contacts';
const BASE = '/api/v1/workspace/:workspace_id/contacts';
const NAMES: FieldNames = { phone: 'phone', label_ids: 'contact_label_ids', whatsapp_phone: 'whatsapp_phone' };

const phoneField = (value: string | null | undefined, field: 'phone' | 'whatsapp_phone', country: string) =>
  value === undefined || value === null ? value : phoneOrFail(value, field, country);

/** The request body as service input: phones normalised, SeaX names mapped to ours; absent fields stay absent. */
function toInput(body: ContactBody, country: string): ContactInput {
  const input: ContactInput = {};
  const phone = phoneField(body.phone, 'phone', country);
  const whatsapp = phoneField(body.whatsapp_phone, 'whatsapp_phone', country);
  if (phone !== undefined) input.phone = phone;
  if (whatsapp !== undefined) input.whatsapp_phone = whatsapp;
  if (body.name) input.name = body.name;
  if (body.note !== undefined) input.note = body.note;
  if (body.contact_field_data !== undefined) input.custom_fields = body.contact_field_data ?? {};
  if (body.contact_label_ids !== undefined) input.label_ids = body.contact_label_ids ?? [];
  return input;
}

const noPhone = () => invalid('phone', 'A contact needs a phone or a whatsapp_phone: the phone field is required.');

async function filterOf(contacts: ReturnType<typeof contactService>, workspaceId: string, q: ContactListQuery): Promise<SegmentFilter> {
  const refs = q.exclude_labels?.length ? await contacts.splitLabelRefs(workspaceId, q.exclude_labels) : { ids: [], names: [] };
  return {
    keyword: q.keyword,
    whatsappPhone: q.whatsapp_phone,
    whatsappPhoneOnly: q.whatsapp_phone_only,
    anyLabelIds: q.any_contact_label_ids,
    allLabelIds: q.all_contact_label_ids,
    excludeAnyLabelIds: [...(q.exclude_any_contact_label_ids ?? []), ...refs.ids],
    excludeAllLabelIds: q.exclude_all_contact_label_ids,
    excludeLabelNames: refs.names,
    excludeContactIds: q.exclude_contact_ids,
    additionContactIds: q.addition_contact_ids,
  };
}

/** SeaX contact book: list with the full filter set, create, read, update (PATCH, PUT as an alias), delete. */
export function seaxContactRoutes({ services }: RouteDeps): RouteSpec[] {
  const contacts = services.contacts;

  const update = (method: 'patch' | 'put') =>
    route({
      method,
      path: `${BASE}/:contact_id`,
      tag: TAG,
      summary: method === 'patch' ? 'Update a contact (only the fields sent change)' : 'Update a contact (alias of PATCH: only the fields sent change)',
      ability: 'contacts.write',
      params: contactParams,
      body: contactUpdateBody,
      response: contactView,
      handler: async (ctx, { params, body }) => {
        const workspaceId = workspaceFromPath(ctx);
        if (body.name !== undefined && !body.name) throw invalid('name', 'The name field must not be empty.');
        const input = toInput(body, principalOf(ctx).defaultCountry);
        if (input.phone === null || input.whatsapp_phone === null) {
          const current = await contacts.get(workspaceId, params.contact_id);
          const phone = input.phone === undefined ? current.phone : input.phone;
          const whatsapp = input.whatsapp_phone === undefined ? current.whatsapp_phone : input.whatsapp_phone;
          if (!phone && !whatsapp) throw noPhone();
        }
        return toSeaxContact(await contacts.update(workspaceId, params.contact_id, input, NAMES, principalOf(ctx).keyId));
      },
    });

  return [
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List and filter contacts',
      description:
        'Positive filters combine with AND; `addition_contact_ids` adds contacts whatever the other filters say, and ' +
        '`exclude_contact_ids` wins over everything. `exclude_labels` takes label names; a value that is the id of a ' +
        'label of the workspace is read as that label.',
      ability: 'contacts.read',
      params: workspaceParams,
      query: contactListQuery,
      response: contactList,
      handler: async (ctx, { query }) => {
        const workspaceId = workspaceFromPath(ctx);
        const order = query.order_by?.length ? query.order_by : [{ column: 'created_at' as const, direction: 'desc' as const }];
        const { data, total } = await contacts.page(workspaceId, await filterOf(contacts, workspaceId, query), { order, ...pageOf(query) });
        return { data: data.map(toSeaxContact), total };
      },
    }),
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Create a contact',
      description:
        'Needs a phone or a whatsapp_phone (normalised to E.164, read in the workspace’s default country without +); ' +
        'the name defaults to the phone. Answers 200, as SeaX (FastAPI) does.',
      ability: 'contacts.write',
      params: workspaceParams,
      body: contactCreateBody,
      response: contactView,
      handler: async (ctx, { body }) => {
        const workspaceId = workspaceFromPath(ctx);
        const input = toInput(body, principalOf(ctx).defaultCountry);
        const phone = input.phone ?? input.whatsapp_phone;
        if (!phone) throw noPhone();
        return toSeaxContact(await contacts.create(workspaceId, { ...input, name: input.name ?? phone }, NAMES, principalOf(ctx).keyId));
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:contact_id`,
      tag: TAG,
      summary: 'A contact with its labels',
      ability: 'contacts.read',
      params: contactParams,
      response: contactView,
      handler: async (ctx, { params }) => toSeaxContact(await contacts.get(workspaceFromPath(ctx), params.contact_id)),
    }),
    update('patch'),
    update('put'),
    route({
      method: 'delete',
      path: `${BASE}/:contact_id`,
      tag: TAG,
      summary: 'Delete a contact',
      description: 'Its labels and group memberships go with it; the consent audit trail is kept.',
      ability: 'contacts.write',
      params: contactParams,
      status: 204,
      handler: async (ctx, { params }) => {
        await contacts.delete(workspaceFromPath(ctx), params.contact_id);
      },
    }),
  ];
}
