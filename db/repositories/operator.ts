import type { Knex } from 'knex';
import type { CampaignRow } from '../rows';

/**
 * Look-ups across workspaces, for the operator CLI only: a tenant's request always goes through the
 * workspace-scoped repositories. Each finds which workspace owns an id, after which the caller uses those.
 */
export function operatorRepo(db: Knex) {
  const ownerOf = async (table: 'campaigns' | 'jobs', id: string): Promise<string | undefined> =>
    (await db(table).where({ id }).first<{ workspace_id: string } | undefined>('workspace_id'))?.workspace_id;
  return {
    /** The workspace of campaign `id`, if it exists. */
    campaignWorkspace: (id: string) => ownerOf('campaigns', id),
    /** The workspace of job `id`, if it exists. */
    jobWorkspace: (id: string) => ownerOf('jobs', id),
    /** Every workspace's campaigns, newest first. */
    async campaigns(p: { limit: number; offset: number }): Promise<{ rows: CampaignRow[]; total: number }> {
      const [rows, [{ n }]] = await Promise.all([
        db('campaigns').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(p.limit).offset(p.offset) as Promise<CampaignRow[]>,
        db('campaigns').count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },
  };
}
