import type { Knex } from 'knex';
import { escapeLike } from './groups';
import type { TemplateRow } from '../rows';

export type NewTemplate = Pick<TemplateRow, 'name' | 'channel' | 'content' | 'media_url' | 'buttons' | 'variables'>;
export type TemplatePatch = Partial<NewTemplate>;

/** Thrown when a name is already used by another template of the workspace (names are case-insensitive). */
export class DuplicateTemplateNameError extends Error {
  constructor(readonly templateName: string) {
    super(`A template named "${templateName}" already exists.`);
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

function rethrow(err: unknown, name: string | undefined): never {
  if (isUniqueViolation(err) && name !== undefined) throw new DuplicateTemplateNameError(name);
  throw err;
}

/** Message templates, always scoped by workspace. */
export function templatesRepo(db: Knex) {
  const scoped = (workspaceId: string) => db('message_templates').where({ workspace_id: workspaceId });
  const toDb = (v: TemplatePatch) => ({ ...v, ...(v.buttons !== undefined ? { buttons: JSON.stringify(v.buttons) } : {}) });

  return {
    get: (workspaceId: string, id: string): Promise<TemplateRow | undefined> => scoped(workspaceId).andWhere({ id }).first(),

    async list(workspaceId: string, opts: { limit: number; offset: number; channel?: string; search?: string }): Promise<{ rows: TemplateRow[]; total: number }> {
      const base = scoped(workspaceId).modify((q) => {
        if (opts.channel) q.andWhere({ channel: opts.channel });
        if (opts.search) q.andWhereRaw(`name ILIKE '%' || ? || '%'`, [escapeLike(opts.search)]);
      });
      const [rows, [{ n }]] = await Promise.all([
        base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit).offset(opts.offset),
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as TemplateRow[], total: Number(n) };
    },

    async insert(workspaceId: string, t: NewTemplate): Promise<TemplateRow> {
      try {
        const [row] = await db('message_templates').insert({ ...toDb(t), workspace_id: workspaceId }).returning('*');
        return row as TemplateRow;
      } catch (err) {
        return rethrow(err, t.name);
      }
    },

    async update(workspaceId: string, id: string, patch: TemplatePatch): Promise<TemplateRow | undefined> {
      try {
        const [row] = await scoped(workspaceId).andWhere({ id }).update({ ...toDb(patch), updated_at: db.fn.now() }).returning('*');
        return row as TemplateRow | undefined;
      } catch (err) {
        return rethrow(err, patch.name);
      }
    },

    delete: (workspaceId: string, id: string): Promise<number> => scoped(workspaceId).andWhere({ id }).delete(),
  };
}
