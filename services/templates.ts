import type { Knex } from 'knex';
import { DuplicateTemplateNameError, templatesRepo, type NewTemplate, type TemplatePatch } from '../db/repositories/templates';
import { contactVariables, extractVariables, render } from '../domain/template';
import { notFound, invalid } from './errors';
import { contactService } from './contacts';
import { pageWindow } from '../domain/paging';
import type { TemplateButton, TemplateRow } from '../db/rows';

export interface TemplateInput {
  name: string;
  channel: string;
  content: string;
  media_url?: string | null;
  buttons?: TemplateButton[] | null;
  /** Omitted or null: extracted from content. */
  variables?: string[] | null;
}

export type TemplatePatchInput = Partial<TemplateInput>;

export interface PreviewInput {
  contact_id?: string;
  variables?: Record<string, string | number | boolean | null>;
}

export interface PreviewResult {
  content: string;
  missing_variables: string[];
  variables_used: Record<string, string>;
  media_url: string | null;
  buttons: TemplateButton[];
}

const duplicateName = (name: string) =>
  invalid('name', `A template named "${name}" already exists in this workspace (names are case-insensitive).`);

/**
 * Message templates (Zagely `/api/templates`). Rendering is domain/template.ts, the same renderer messages, campaigns
 * and automations use, so a preview shows exactly what a send would.
 */
export function templateService(db: Knex) {
  const repo = templatesRepo(db);
  const contacts = contactService(db);

  async function existing(workspaceId: string, id: string): Promise<TemplateRow> {
    const row = await repo.get(workspaceId, id);
    if (!row) throw notFound('Template');
    return row;
  }

  async function guardName<T>(name: string | undefined, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof DuplicateTemplateNameError) throw duplicateName(name ?? err.templateName);
      throw err;
    }
  }

  return {
    get: existing,

    list: async (workspaceId: string, opts: { page: number; per_page: number; channel?: string; search?: string }) =>
      repo.list(workspaceId, { ...pageWindow(opts), channel: opts.channel, search: opts.search }),

    async create(workspaceId: string, input: TemplateInput): Promise<TemplateRow> {
      const row: NewTemplate = {
        name: input.name,
        channel: input.channel,
        content: input.content,
        media_url: input.media_url ?? null,
        buttons: input.buttons ?? [],
        variables: input.variables ?? extractVariables(input.content),
      };
      return guardName(input.name, () => repo.insert(workspaceId, row));
    },

    /** Only sent fields change; new content without `variables` re-extracts them. */
    async update(workspaceId: string, id: string, patch: TemplatePatchInput): Promise<TemplateRow> {
      const current = await existing(workspaceId, id);
      const values: TemplatePatch = {};
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.channel !== undefined) values.channel = patch.channel;
      if (patch.content !== undefined) values.content = patch.content;
      if (patch.media_url !== undefined) values.media_url = patch.media_url;
      if (patch.buttons !== undefined) values.buttons = patch.buttons ?? [];
      if (patch.variables) values.variables = patch.variables;
      else if (patch.variables === null || (patch.content !== undefined && patch.content !== current.content)) {
        values.variables = extractVariables(values.content ?? current.content);
      }
      if (!Object.keys(values).length) return current;
      const row = await guardName(patch.name, () => repo.update(workspaceId, id, values));
      if (!row) throw notFound('Template');
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await repo.delete(workspaceId, id))) throw notFound('Template');
    },

    /**
     * Render with the contact's fields (name, first/last name, phone, email, custom fields) overlaid by explicit
     * `variables` (an explicit key replaces the contact's value whatever its case). Missing variables render as ""
     * and are reported; `variables_used` shows the text each filled variable rendered as.
     */
    async preview(workspaceId: string, id: string, input: PreviewInput): Promise<PreviewResult> {
      const template = await existing(workspaceId, id);
      const vars: Record<string, unknown> = input.contact_id ? contactVariables(await contacts.get(workspaceId, input.contact_id)) : {};
      for (const [key, value] of Object.entries(input.variables ?? {})) {
        if (value === null) continue;
        for (const k of Object.keys(vars)) if (k.toLowerCase() === key.toLowerCase()) delete vars[k];
        vars[key] = value;
      }
      const { text, missing } = render(template.content, vars);
      const used: Record<string, string> = {};
      // Each variable rendered alone through the same renderer, so its lookup rules (case-insensitive fallback) apply.
      for (const key of extractVariables(template.content)) {
        if (!missing.includes(key)) used[key] = render(`{{${key}}}`, vars).text;
      }
      return { content: text, missing_variables: missing, variables_used: used, media_url: template.media_url, buttons: template.buttons };
    },
  };
}
