import { z } from 'zod';
import { parseSegmentDate } from '../../../domain/segment';
import { uuid } from '../../routing';
import { optionalText, paginationQuery, requiredString } from './common';

/** Zagely contact-group requests and responses. */

/** `YYYY-MM-DD` (a whole UTC day) or an ISO 8601 date-time with a zone, read as segments read them. */
const DATE_ERROR = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a zone, e.g. 2026-01-01T00:00:00Z';
const dateString = z.string({ error: DATE_ERROR }).refine((v) => parseSegmentDate(v, 'from') !== null, { error: DATE_ERROR });

/** Documented keys only: a misspelt key would otherwise widen the group to every contact. */
export const groupFilters = z
  .strictObject(
    {
      tags: z.array(requiredString(255), { error: 'must be an array of tag names' }).max(100, { error: 'must have at most 100 tags' }).optional(),
      custom_fields: z
        .record(z.string().min(1).max(255), z.union([z.string(), z.number(), z.boolean()]), {
          error: 'must be an object of field names to string, number or boolean values',
        })
        .optional(),
      created_from: dateString.optional(),
      created_to: dateString.optional(),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s): ${iss.keys.join(', ')}; use tags, custom_fields, created_from, created_to` : 'must be an object') },
  )
  .superRefine((f, ctx) => {
    const from = f.created_from ? parseSegmentDate(f.created_from, 'from') : null;
    const to = f.created_to ? parseSegmentDate(f.created_to, 'to') : null;
    if (from && to && from.getTime() >= to.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['created_to'], message: 'must not be before created_from' });
    }
  })
  .meta({ description: 'Dynamic groups only. created_from/created_to are inclusive dates (or date-times).', example: { tags: ['vip'], created_from: '2026-01-01' } });

export const groupType = z.enum(['static', 'dynamic'], { error: 'must be static or dynamic' });

export const groupCreateBody = z.object({
  name: requiredString(255).meta({ example: 'VIP Customers' }),
  type: groupType.default('static').meta({ description: 'static (default): managed by hand; dynamic: selected by filters.' }),
  description: optionalText(1000),
  filters: groupFilters.nullish(),
});

export const groupUpdateBody = z.object({
  name: requiredString(255).optional(),
  type: groupType.optional().meta({ description: 'Cannot change; accepted when equal to the current type.' }),
  description: optionalText(1000),
  filters: groupFilters.nullish(),
});

export const MAX_MEMBERS = 10_000;
export const membersBody = z
  .object({
    contact_ids: z.array(uuid, { error: 'must be an array of contact UUIDs' }).max(MAX_MEMBERS, { error: `must have at most ${MAX_MEMBERS} items` }).optional(),
    phone_numbers: z
      .array(z.string({ error: 'must be strings' }).max(64, { error: 'must be at most 64 characters' }), { error: 'must be an array of phone numbers' })
      .max(MAX_MEMBERS, { error: `must have at most ${MAX_MEMBERS} items` })
      .optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.contact_ids?.length && !b.phone_numbers?.length) {
      ctx.addIssue({ code: 'custom', path: ['contact_ids'], message: 'send contact_ids and/or phone_numbers (at least one entry)' });
    }
  });

export const groupListQuery = paginationQuery.extend({
  type: groupType.optional(),
  search: z.string().max(255, { error: 'must be at most 255 characters' }).optional(),
});

export const groupParams = z.object({ group: uuid });

export const groupView = z.object({
  id: z.string(),
  name: z.string(),
  type: groupType,
  description: z.string().nullable(),
  filters: z.record(z.string(), z.unknown()).nullable(),
  contacts_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const memberResult = z.object({
  message: z.string(),
  contacts_count: z.number().int().meta({ description: 'Members after the change.' }),
  not_found: z.array(z.string()).meta({ description: 'contact_ids and phone_numbers (as sent) that match no contact of the workspace.' }),
  invalid_phone_numbers: z.array(z.string()).meta({ description: 'phone_numbers that are not phone numbers.' }),
});
