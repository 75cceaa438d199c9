import type { Knex } from 'knex';
import type { AiAgentIntegration, AiAgentRow } from '../rows';

export type AiAgentInput = { name?: string; integrations?: AiAgentIntegration[] };

const ORDER_COLUMNS = { created_time: 'created_at', updated_time: 'updated_at', name: 'name', id: 'id' } as const;
/** Fields the SeaX agent list may be ordered by. */
export type AiAgentOrderField = keyof typeof ORDER_COLUMNS;
export const AI_AGENT_ORDER_FIELDS = Object.keys(ORDER_COLUMNS) as AiAgentOrderField[];

/** AI agents of a workspace (SeaX SeaChat agents); every query is scoped by workspace. */
export function aiAgentsRepo(db: Knex) {
  return {
    insert: async (workspaceId: string, input: AiAgentInput): Promise<AiAgentRow> =>
      (await db('ai_agents').insert({ workspace_id: workspaceId, name: input.name ?? '', integrations: JSON.stringify(input.integrations ?? []) }).returning('*'))[0],

    get: (workspaceId: string, id: string): Promise<AiAgentRow | undefined> => db('ai_agents').where({ workspace_id: workspaceId, id }).first(),

    /** By its conversation config id (what a campaign names), else by its own id. */
    byConfigId: (workspaceId: string, configId: string): Promise<AiAgentRow | undefined> =>
      db('ai_agents').where({ workspace_id: workspaceId }).andWhere((q) => q.where({ conversation_config_id: configId }).orWhere({ id: configId })).orderBy('created_at').first(),

    async list(workspaceId: string, f: { types?: string[] }, p: { limit?: number; offset: number; order: { field: AiAgentOrderField; direction: 'asc' | 'desc' }[] }) {
      const base = db('ai_agents')
        .where({ workspace_id: workspaceId })
        .modify((q) => {
          if (f.types?.length) q.whereRaw(`EXISTS (SELECT 1 FROM jsonb_array_elements(integrations) i WHERE i->>'type' = ANY(?::text[]))`, [f.types]);
        });
      const order = [...p.order.map((o) => ({ column: ORDER_COLUMNS[o.field], order: o.direction })), { column: 'id', order: 'asc' as const }];
      const [rows, [{ n }]] = await Promise.all([
        base.clone().orderBy(order).offset(p.offset).modify((q) => (p.limit === undefined ? q : q.limit(p.limit))) as Promise<AiAgentRow[]>,
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },

    update: async (workspaceId: string, id: string, input: AiAgentInput): Promise<AiAgentRow | undefined> =>
      (
        await db('ai_agents')
          .where({ workspace_id: workspaceId, id })
          .update({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.integrations !== undefined ? { integrations: JSON.stringify(input.integrations) } : {}),
            updated_at: db.fn.now(),
          })
          .returning('*')
      )[0],

    delete: async (workspaceId: string, id: string): Promise<boolean> => (await db('ai_agents').where({ workspace_id: workspaceId, id }).delete()) > 0,
  };
}
