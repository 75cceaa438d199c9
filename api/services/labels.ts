import type { Knex } from 'knex';
import { labelsRepo, type LabelRow } from '../../db/repositories/labels';
import { ApiError, notFound, ValidationError } from '../errors';

export interface LabelInput {
  name?: string;
  color?: string;
  description?: string | null;
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

const readOnly = (label: LabelRow) =>
  new ApiError(403, 'system_label_read_only', `The label "${label.name}" is a system label and cannot be changed or deleted.`, {
    label_id: label.id,
  });

/** Contact labels: names unique per workspace (case-insensitive); system labels (DNC) are read-only. */
export function labelService(db: Knex) {
  const repo = labelsRepo(db);

  const duplicate = (err: unknown, name: string | undefined): never => {
    if (isUniqueViolation(err)) throw ValidationError.field('name', `A label named "${name}" already exists in this workspace (names are case-insensitive).`);
    throw err;
  };

  async function writable(workspaceId: string, id: string): Promise<LabelRow> {
    const label = await repo.get(workspaceId, id);
    if (!label) throw notFound('Label');
    if (label.is_system) throw readOnly(label);
    return label;
  }

  return {
    page: (workspaceId: string, opts: { limit?: number; offset: number }) => repo.page(workspaceId, opts),

    async get(workspaceId: string, id: string): Promise<LabelRow> {
      const label = await repo.get(workspaceId, id);
      if (!label) throw notFound('Label');
      return label;
    },

    create: (workspaceId: string, input: LabelInput & { name: string }): Promise<LabelRow> =>
      repo.create({ workspace_id: workspaceId, ...input }).catch((err: unknown) => duplicate(err, input.name)),

    /** Only the fields present change. */
    async update(workspaceId: string, id: string, input: LabelInput): Promise<LabelRow> {
      const label = await writable(workspaceId, id);
      if (!Object.keys(input).length) return label;
      const updated = await repo.update(workspaceId, id, input).catch((err: unknown) => duplicate(err, input.name));
      if (!updated) throw notFound('Label');
      return updated;
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      await writable(workspaceId, id);
      if (!(await repo.delete(workspaceId, id))) throw notFound('Label');
    },
  };
}
