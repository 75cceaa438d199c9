import { z } from 'zod';
import { clearableText, idParam, listOf, pagingQuery, requiredText, timestamp, workspaceId } from './common';

export const labelParams = z.object({ workspace_id: workspaceId, label_id: idParam('Unique identifier of the contact label') });

export const labelListQuery = pagingQuery;

const color = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { error: 'must be a hex colour such as #19b9c3' })
  .meta({ example: '#19b9c3' });

const labelFields = {
  name: requiredText(100).meta({ description: 'Unique in the workspace, case-insensitively.', example: 'vip_customers' }),
  color: color.meta({ description: 'Default #19b9c3.' }),
  description: clearableText(1000).meta({ example: 'VIP customers with high lifetime value' }),
};

export const labelCreateBody = z.object(labelFields).partial().extend({ name: labelFields.name });
export const labelUpdateBody = z.object(labelFields).partial();
export type LabelCreateBody = z.output<typeof labelCreateBody>;
export type LabelUpdateBody = z.output<typeof labelUpdateBody>;

export const labelView = z.object({
  name: z.string(),
  color: z.string(),
  description: z.string().nullable(),
  id: z.string(),
  is_system: z.boolean().meta({ description: 'System labels (DNC) are read-only.' }),
  created_time: timestamp,
  updated_time: timestamp,
});
export type SeaxLabel = z.infer<typeof labelView>;

export const labelList = listOf(labelView);
