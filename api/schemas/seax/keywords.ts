import { z } from 'zod';
import { idParam, workspaceId } from './common';
import { labelView } from './labels';

/** SeaX phone keywords (the `keywords` items of a phone): keyword auto-replies with labels. */

const MATCH_MODES = ['exact', 'contains', 'fuzzy'] as const;

const fields = {
  name: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(255, { error: 'must be at most 255 characters' }),
  reply: z.string({ error: 'must be a string' }).max(1600, { error: 'must be at most 1600 characters' }),
  enabled_auto_reply: z.boolean({ error: 'must be true or false' }),
  enabled_contact_label: z.boolean({ error: 'must be true or false' }),
  keep_dnc_label_only: z.boolean({ error: 'must be true or false' }),
  priority: z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be between 0 and 100' }).max(100, { error: 'must be between 0 and 100' }),
  contact_label_ids: z.array(z.uuid({ error: 'must be a UUID' }), { error: 'must be an array of label ids' }).max(50),
  match_mode: z.enum(MATCH_MODES, { error: `must be one of ${MATCH_MODES.join(', ')}` }).meta({ description: 'Extension: how the keyword matches (default contains).' }),
};

export const keywordCreateBody = z.object({
  name: fields.name.meta({ description: 'The keyword.' }),
  reply: fields.reply.default(''),
  enabled_auto_reply: fields.enabled_auto_reply.default(true),
  enabled_contact_label: fields.enabled_contact_label.default(false),
  keep_dnc_label_only: fields.keep_dnc_label_only.default(false),
  priority: fields.priority.default(0),
  contact_label_ids: fields.contact_label_ids.default([]),
  match_mode: fields.match_mode.default('contains'),
});

export const keywordUpdateBody = z.object({
  name: fields.name.optional(),
  reply: fields.reply.optional(),
  enabled_auto_reply: fields.enabled_auto_reply.optional(),
  enabled_contact_label: fields.enabled_contact_label.optional(),
  keep_dnc_label_only: fields.keep_dnc_label_only.optional(),
  priority: fields.priority.optional(),
  contact_label_ids: fields.contact_label_ids.optional(),
  match_mode: fields.match_mode.optional(),
});

export const keywordPhoneParams = z.object({ workspace_id: workspaceId, phone_id: idParam('Unique identifier of the phone') });
export const keywordParams = keywordPhoneParams.extend({ keyword_id: idParam('Unique identifier of the keyword') });

export const keywordView = z.object({
  name: z.string(),
  reply: z.string(),
  enabled_auto_reply: z.boolean(),
  enabled_contact_label: z.boolean(),
  keep_dnc_label_only: z.boolean(),
  id: z.string(),
  phone_id: z.string(),
  priority: z.number().int(),
  match_mode: z.enum(MATCH_MODES),
  contact_labels: z.array(labelView),
  created_time: z.string(),
  updated_time: z.string(),
});
export type SeaxKeyword = z.infer<typeof keywordView>;
