import type { Knex } from 'knex';
import { labelsRepo } from '../db/repositories/labels';
import { forbidden, invalid, InvalidError, notFound, type FieldErrors } from './errors';
import type { LabelRow } from '../db/rows';

export interface LabelInput {
  name?: string;
  color?: string;
  description?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

const readOnly = (label: LabelRow) =>
  forbidden('system_label_read_only', `The label "${label.name}" is a system label and cannot be changed or deleted.`, {
    label_id: label.id,
  });

/** Contact labels: names unique per workspace (case-insensitive); system labels (DNC) are read-only. */
export function labelService(db: Knex) {
  const repo = labelsRepo(db);

  const duplicate = (err: unknown, name: string | undefined): never => {
    if (isUniqueViolation(err)) throw invalid('name', `A label named "${name}" already exists in this workspace (names are case-insensitive).`);
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

    /**
     * Label references (UUIDs or names, case-insensitive) of several fields as label ids of the workspace, in one
     * query. Anything that is not a label of the workspace is invalid, naming the entry (an unknown exclusion
     * would otherwise exclude nobody), and so is a system label in a field of `systemRefused`.
     */
    async resolveRefs(workspaceId: string, fields: Record<string, string[] | null | undefined>, systemRefused: string[]): Promise<Record<string, string[]>> {
      const refs = Object.values(fields).flatMap((v) => v ?? []);
      const out: Record<string, string[]> = Object.fromEntries(Object.keys(fields).map((f) => [f, []]));
      if (!refs.length) return out;
      const rows = await repo.byIdsOrNames(
        workspaceId,
        refs.filter((r) => UUID.test(r)).map((r) => r.toLowerCase()),
        [...new Set(refs.map((r) => r.toLowerCase()))],
      );
      const errors: FieldErrors = {};
      for (const [field, values] of Object.entries(fields)) {
        (values ?? []).forEach((ref, i) => {
          const lower = ref.toLowerCase();
          const label = rows.find((l) => l.id === lower) ?? rows.find((l) => l.name.toLowerCase() === lower);
          const key = `${field}.${i}`;
          if (!label) errors[key] = [`The ${key} field names no label of this workspace: ${ref}.`];
          else if (label.is_system && systemRefused.includes(field)) errors[key] = [`The ${key} field names the system label ${label.name}, which a campaign cannot attach.`];
          else if (!out[field].includes(label.id)) out[field].push(label.id);
        });
      }
      if (Object.keys(errors).length) throw new InvalidError(errors);
      return out;
    },

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
