import type { Knex } from 'knex';
import type { SegmentFilter } from '../../domain/segment';
import { segmentQuery } from './segments';
import type { GroupRow } from '../rows';

export type NewGroup = Pick<GroupRow, 'name' | 'type'> & Partial<Pick<GroupRow, 'description' | 'filters'>>;
export type GroupPatch = Partial<Pick<GroupRow, 'name' | 'description' | 'filters'>>;

/** What a set-based membership change did; `found_*` are the given ids and phones that named a contact. */
export interface MembershipChange {
  /** Contacts named by the request (each counted once, however many times it was named). */
  matched: number;
  /** Rows actually inserted or deleted. */
  changed: number;
  found_ids: string[];
  found_phones: string[];
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Contact groups and static memberships, always scoped by workspace. Who a group selects lives in segments.ts. */
export function groupsRepo(db: Knex) {
  const scoped = (workspaceId: string, trx: Knex = db) => trx('contact_groups').where({ workspace_id: workspaceId });

  /**
   * One statement: resolve the contacts named by id or phone (in the workspace), then apply `change` to them.
   * Returns the counts and which of the given ids and phones matched, so callers can report the unknown ones.
   */
  async function changeMembers(
    changeSql: string,
    workspaceId: string,
    groupId: string,
    contactIds: string[],
    phones: string[],
    trx: Knex,
  ): Promise<MembershipChange> {
    const { rows } = await trx.raw(
      `WITH wanted AS (
         SELECT c.id, c.phone FROM contacts c
         WHERE c.workspace_id = :ws AND (c.id = ANY(:ids::uuid[]) OR c.phone = ANY(:phones::text[]))
       ), changed AS (${changeSql})
       SELECT (SELECT count(*)::int FROM wanted) AS matched,
              (SELECT count(*)::int FROM changed) AS changed,
              coalesce((SELECT array_agg(id::text) FROM wanted WHERE id = ANY(:ids::uuid[])), '{}') AS found_ids,
              coalesce((SELECT array_agg(phone) FROM wanted WHERE phone = ANY(:phones::text[])), '{}') AS found_phones`,
      { ws: workspaceId, group: groupId, ids: contactIds, phones },
    );
    return rows[0] as MembershipChange;
  }

  return {
    get: (workspaceId: string, id: string, trx: Knex = db): Promise<GroupRow | undefined> => scoped(workspaceId, trx).andWhere({ id }).first(),

    /** The group, share-locked until the transaction ends so it cannot be deleted under a membership change. */
    lock: (workspaceId: string, id: string, trx: Knex): Promise<GroupRow | undefined> =>
      scoped(workspaceId, trx).andWhere({ id }).forShare().first(),

    async list(workspaceId: string, opts: { limit: number; offset: number; type?: GroupRow['type']; search?: string }): Promise<{ rows: GroupRow[]; total: number }> {
      const base = scoped(workspaceId).modify((q) => {
        if (opts.type) q.andWhere({ type: opts.type });
        if (opts.search) q.andWhereRaw(`name ILIKE '%' || ? || '%'`, [escapeLike(opts.search)]);
      });
      const [rows, [{ n }]] = await Promise.all([
        base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit).offset(opts.offset),
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as GroupRow[], total: Number(n) };
    },

    /** Dynamic groups of the workspace (for working out which of them a contact falls in). */
    dynamic: (workspaceId: string): Promise<GroupRow[]> => scoped(workspaceId).andWhere({ type: 'dynamic' }).orderBy('name'),

    async insert(workspaceId: string, group: NewGroup): Promise<GroupRow> {
      const [row] = await db('contact_groups')
        .insert({ ...group, filters: json(group.filters), workspace_id: workspaceId })
        .returning('*');
      return row as GroupRow;
    },

    async update(workspaceId: string, id: string, patch: GroupPatch): Promise<GroupRow | undefined> {
      const values: Record<string, unknown> = { ...patch, updated_at: db.fn.now() };
      if ('filters' in patch) values.filters = json(patch.filters);
      const [row] = await scoped(workspaceId).andWhere({ id }).update(values).returning('*');
      return row as GroupRow | undefined;
    },

    /** Deletes the group and its memberships (FK cascade); the contacts stay. */
    delete: (workspaceId: string, id: string): Promise<number> => scoped(workspaceId).andWhere({ id }).delete(),

    /** Static member counts of many groups in one query, keyed by group id (groups without members are absent). */
    async memberCounts(workspaceId: string, groupIds: string[], trx: Knex = db): Promise<Map<string, number>> {
      if (!groupIds.length) return new Map();
      const rows: { group_id: string; n: number }[] = await trx('contact_group_members')
        .where({ workspace_id: workspaceId })
        .whereIn('group_id', groupIds)
        .groupBy('group_id')
        .select('group_id', trx.raw('count(*)::int as n'));
      return new Map(rows.map((r) => [r.group_id, r.n]));
    },

    /**
     * How many contacts each segment selects, in one round trip (a UNION ALL of counts), keyed by `key`.
     * Used for dynamic groups' contacts_count on a page of groups.
     */
    async segmentCounts(workspaceId: string, segments: { key: string; filter: SegmentFilter }[]): Promise<Map<string, number>> {
      if (!segments.length) return new Map();
      const parts = segments.map((s) =>
        segmentQuery(db, workspaceId, s.filter).select(db.raw('?::text as key', [s.key]), db.raw('count(*)::int as n')),
      );
      const rows: { key: string; n: number }[] = await (parts.length === 1 ? parts[0] : parts[0].unionAll(parts.slice(1), true));
      return new Map(rows.map((r) => [r.key, r.n]));
    },

    /**
     * Which of the given contacts each segment selects, in one round trip: pairs of segment key and contact id.
     * Used to show the dynamic groups a page of contacts falls in.
     */
    async segmentMembers(workspaceId: string, segments: { key: string; filter: SegmentFilter }[], contactIds: string[]): Promise<{ key: string; contact_id: string }[]> {
      if (!segments.length || !contactIds.length) return [];
      const parts = segments.map((s) =>
        segmentQuery(db, workspaceId, s.filter).whereIn('c.id', contactIds).select(db.raw('?::text as key', [s.key]), 'c.id as contact_id'),
      );
      return parts.length === 1 ? parts[0] : parts[0].unionAll(parts.slice(1), true);
    },

    /** Add the contacts named by id or phone to a static group; existing memberships are kept (one statement). */
    addMembers: (workspaceId: string, groupId: string, contactIds: string[], phones: string[], trx: Knex = db) =>
      changeMembers(
        `INSERT INTO contact_group_members (workspace_id, group_id, contact_id)
         SELECT :ws, :group, id FROM wanted
         ON CONFLICT DO NOTHING RETURNING contact_id`,
        workspaceId,
        groupId,
        contactIds,
        phones,
        trx,
      ),

    /** Remove the contacts named by id or phone from a static group (one statement). */
    removeMembers: (workspaceId: string, groupId: string, contactIds: string[], phones: string[], trx: Knex = db) =>
      changeMembers(
        `DELETE FROM contact_group_members m USING wanted w
         WHERE m.workspace_id = :ws AND m.group_id = :group AND m.contact_id = w.id
         RETURNING m.contact_id`,
        workspaceId,
        groupId,
        contactIds,
        phones,
        trx,
      ),
  };
}

/** Escape LIKE wildcards so a search term matches literally. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
