import type { Knex } from 'knex';
import { groupsRepo, type MembershipChange } from '../db/repositories/groups';
import { normalizePhone } from '../domain/phone';
import { groupFiltersToSegment, InvalidGroupFiltersError, type SegmentFilter } from '../domain/segment';
import { notFound, invalid } from './errors';
import { contactService, type ContactView } from './contacts';
import { pageWindow } from '../domain/paging';
import type { GroupFilters, GroupRow } from '../db/rows';

export interface GroupWithCount extends GroupRow {
  contacts_count: number;
}

export interface NewGroupInput {
  name: string;
  type: GroupRow['type'];
  description?: string | null;
  filters?: GroupFilters | null;
}

export interface GroupPatchInput {
  name?: string;
  type?: GroupRow['type'];
  description?: string | null;
  filters?: GroupFilters | null;
}

export interface MembersInput {
  contact_ids?: string[];
  phone_numbers?: string[];
}

/** What a membership change did, with every id and phone that named no contact reported back as sent. */
export interface MembershipResult {
  /** Contacts added (or removed). */
  changed: number;
  /** Contacts named that were already members (add) or were not members (remove). */
  unchanged: number;
  not_found: string[];
  invalid_phone_numbers: string[];
  contacts_count: number;
}

/** How many contacts a group's page-listing shows with the group. */
export const GROUP_PREVIEW_SIZE = 100;

/**
 * The segment a group selects: a static group's members, or a dynamic group's filters (compiled here so the SQL has
 * plain predicates). Stored filters that cannot be read fall back to the group id, which segments treat as selecting
 * nothing.
 */
export function groupSegment(group: GroupRow): SegmentFilter {
  if (group.type !== 'dynamic') return { groupId: group.id };
  try {
    return groupFiltersToSegment(group.filters ?? {});
  } catch (err) {
    if (err instanceof InvalidGroupFiltersError) return { groupId: group.id };
    throw err;
  }
}

/**
 * Contact groups. Static groups are managed by hand; dynamic groups select by their filters, so their members are
 * never written (adding to one is refused) and their counts are computed from the same SQL segments use.
 */
export function groupService(db: Knex) {
  const repo = groupsRepo(db);
  const contacts = contactService(db);

  async function existing(workspaceId: string, id: string, trx: Knex = db): Promise<GroupRow> {
    const group = await repo.get(workspaceId, id, trx);
    if (!group) throw notFound('Contact group');
    return group;
  }

  /** contacts_count for many groups: one query for static member counts, one UNION ALL for the dynamic ones. */
  async function withCounts(workspaceId: string, groups: GroupRow[]): Promise<GroupWithCount[]> {
    const staticIds = groups.filter((g) => g.type === 'static').map((g) => g.id);
    const dynamic = groups.filter((g) => g.type === 'dynamic');
    const [staticCounts, dynamicCounts] = await Promise.all([repo.memberCounts(workspaceId, staticIds), dynamicCountsOf(workspaceId, dynamic)]);
    return groups.map((g) => ({ ...g, contacts_count: (g.type === 'static' ? staticCounts.get(g.id) : dynamicCounts.get(g.id)) ?? 0 }));
  }

  async function dynamicCountsOf(workspaceId: string, groups: GroupRow[]): Promise<Map<string, number>> {
    return repo.segmentCounts(workspaceId, groups.map((g) => ({ key: g.id, filter: groupSegment(g) })));
  }

  function staticOnly(group: GroupRow, verb: 'added to' | 'removed from'): void {
    if (group.type !== 'static') {
      throw invalid(
        'group',
        `Contacts can only be ${verb} a static group; "${group.name}" is dynamic and its members follow its filters.`,
        'path',
      );
    }
  }

  /** Split the request into contact ids and E.164 phones, remembering how the client wrote each phone. */
  function resolveInput(input: MembersInput, country: string) {
    const ids = [...new Set((input.contact_ids ?? []).map((id) => id.toLowerCase()))];
    const phonesAsSent = new Map<string, string[]>();
    const invalid: string[] = [];
    for (const raw of input.phone_numbers ?? []) {
      const e164 = normalizePhone(raw, country);
      if (!e164) invalid.push(raw);
      else phonesAsSent.set(e164, [...(phonesAsSent.get(e164) ?? []), raw]);
    }
    return { ids, phones: [...phonesAsSent.keys()], phonesAsSent, invalid };
  }

  async function changeMembers(
    workspaceId: string,
    groupId: string,
    input: MembersInput,
    country: string,
    verb: 'added to' | 'removed from',
  ): Promise<MembershipResult> {
    const { ids, phones, phonesAsSent, invalid } = resolveInput(input, country);
    return db.transaction(async (trx) => {
      const group = await repo.lock(workspaceId, groupId, trx);
      if (!group) throw notFound('Contact group');
      staticOnly(group, verb);
      const change: MembershipChange =
        verb === 'added to'
          ? await repo.addMembers(workspaceId, groupId, ids, phones, trx)
          : await repo.removeMembers(workspaceId, groupId, ids, phones, trx);
      const foundIds = new Set(change.found_ids);
      const foundPhones = new Set(change.found_phones);
      const count = (await repo.memberCounts(workspaceId, [groupId], trx)).get(groupId) ?? 0;
      return {
        changed: change.changed,
        unchanged: change.matched - change.changed,
        not_found: [
          ...new Set([
            ...(input.contact_ids ?? []).filter((id) => !foundIds.has(id.toLowerCase())),
            ...phones.filter((p) => !foundPhones.has(p)).flatMap((p) => phonesAsSent.get(p) ?? [p]),
          ]),
        ],
        invalid_phone_numbers: [...new Set(invalid)],
        contacts_count: count,
      };
    });
  }

  return {
    get: existing,
    /** Whether the workspace has this group. */
    exists: async (workspaceId: string, id: string): Promise<boolean> => !!(await repo.get(workspaceId, id)),
    withCounts,

    async create(workspaceId: string, input: NewGroupInput): Promise<GroupWithCount> {
      const filters = checkFilters(input.type, input.filters);
      const row = await repo.insert(workspaceId, { name: input.name, type: input.type, description: input.description ?? null, filters });
      return (await withCounts(workspaceId, [row]))[0];
    },

    async list(workspaceId: string, opts: { page: number; per_page: number; type?: GroupRow['type']; search?: string }) {
      const { rows, total } = await repo.list(workspaceId, { ...pageWindow(opts), type: opts.type, search: opts.search });
      return { rows: await withCounts(workspaceId, rows), total };
    },

    /** The group with its count and its first contacts (newest first), labels and groups loaded per page. */
    async show(workspaceId: string, id: string): Promise<{ group: GroupWithCount; contacts: ContactView[] }> {
      const group = await existing(workspaceId, id);
      const { data, total } = await contacts.page(workspaceId, groupSegment(group), {
        order: [{ column: 'created_at', direction: 'desc' }],
        limit: GROUP_PREVIEW_SIZE,
        offset: 0,
      });
      return { group: { ...group, contacts_count: total }, contacts: data };
    },

    async update(workspaceId: string, id: string, patch: GroupPatchInput): Promise<GroupWithCount> {
      const group = await existing(workspaceId, id);
      if (patch.type !== undefined && patch.type !== group.type) {
        throw invalid('type', `The type of a group cannot be changed (this group is ${group.type}); create a new group instead.`);
      }
      const values: { name?: string; description?: string | null; filters?: GroupFilters | null } = {};
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.description !== undefined) values.description = patch.description;
      if (patch.filters !== undefined) values.filters = checkFilters(group.type, patch.filters);
      const row = Object.keys(values).length ? await repo.update(workspaceId, id, values) : group;
      if (!row) throw notFound('Contact group');
      return (await withCounts(workspaceId, [row]))[0];
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await repo.delete(workspaceId, id))) throw notFound('Contact group');
    },

    addMembers: (workspaceId: string, groupId: string, input: MembersInput, country: string) =>
      changeMembers(workspaceId, groupId, input, country, 'added to'),

    removeMembers: (workspaceId: string, groupId: string, input: MembersInput, country: string) =>
      changeMembers(workspaceId, groupId, input, country, 'removed from'),

    /**
     * The dynamic groups each of the given contacts falls in, keyed by contact id: one query listing the dynamic
     * groups, one UNION ALL of their segments restricted to these contacts.
     */
    async dynamicGroupsOf(workspaceId: string, contactIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
      const out = new Map<string, { id: string; name: string }[]>();
      if (!contactIds.length) return out;
      const groups = await repo.dynamic(workspaceId);
      const names = new Map(groups.map((g) => [g.id, g.name]));
      const pairs = await repo.segmentMembers(workspaceId, groups.map((g) => ({ key: g.id, filter: groupSegment(g) })), contactIds);
      for (const { key, contact_id } of pairs) out.set(contact_id, [...(out.get(contact_id) ?? []), { id: key, name: names.get(key)! }]);
      return out;
    },

    /** The segment `group_id` selects in a contact list; an unknown group is a 422 naming the field. */
    async segmentOf(workspaceId: string, groupId: string, field = 'group_id'): Promise<SegmentFilter> {
      const group = await repo.get(workspaceId, groupId);
      if (!group) throw invalid(field, `The selected ${field} is not a contact group of this workspace.`, 'query');
      return { groupId: group.id };
    },
  };
}

/** Static groups carry no filters; dynamic ones must have them. */
function checkFilters(type: GroupRow['type'], filters: GroupFilters | null | undefined): GroupFilters | null {
  if (type === 'dynamic') {
    if (!filters) throw invalid('filters', 'The filters field is required when type is dynamic.');
    try {
      groupFiltersToSegment(filters);
    } catch (err) {
      if (err instanceof InvalidGroupFiltersError) throw invalid('filters', err.message);
      throw err;
    }
    return filters;
  }
  if (filters) throw invalid('filters', 'Static groups have no filters: their members are added and removed by hand.');
  return null;
}
