import { z } from 'zod';
import type { ContactOrderColumn } from '../../../db/repositories/contact-pages';
import { uuid } from '../../routing';
import { contactView, optionalText, paginationQuery, queryBoolean, requiredString } from './common';

/** Zagely contact requests and responses. */

const phoneNumber = requiredString(64).meta({ description: 'E.164 recommended; other characters are stripped.', example: '+15551234567' });
const email = z
  .email({ error: 'must be a valid email address' })
  .max(255, { error: 'must be at most 255 characters' })
  .meta({ example: 'jane@example.com' });
const tags = z
  .array(requiredString(255), { error: 'must be an array of tag names' })
  .max(100, { error: 'must have at most 100 tags' })
  .meta({ description: 'Tag names; missing tags are created.', example: ['vip', 'newsletter'] });
const customFields = z
  .record(z.string().min(1, { error: 'keys must not be empty' }).max(255), z.unknown(), { error: 'must be an object of key-value pairs' })
  .meta({ example: { city: 'New York', plan: 'gold' } });

export const contactCreateBody = z.object({
  phone_number: phoneNumber,
  name: optionalText(255).meta({ description: 'Defaults to the phone number.', example: 'Jane Doe' }),
  email: email.nullish(),
  tags: tags.nullish(),
  notes: optionalText(10_000),
  custom_fields: customFields.nullish(),
});

export const contactUpdateBody = z.object({
  phone_number: phoneNumber.optional(),
  name: requiredString(255).optional(),
  email: email.nullish(),
  tags: tags.nullish().meta({ description: 'Replaces the tag set; [] or null removes every tag.' }),
  notes: optionalText(10_000),
  custom_fields: customFields.nullish().meta({ description: 'Replaces the whole object; null empties it.' }),
});

export const CONTACT_SORTS = { name: 'name', phone_number: 'phone', email: 'email', created_at: 'created_at', updated_at: 'updated_at' } as const satisfies Record<string, ContactOrderColumn>;

export const contactListQuery = paginationQuery.extend({
  search: z.string().max(255, { error: 'must be at most 255 characters' }).optional().meta({ description: 'Partial match on name, phone_number or email.' }),
  tags: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(255, { error: 'must be at most 255 characters' })).max(50, { error: 'must have at most 50 tags' }))
    .optional()
    .meta({ description: 'Contacts that have ALL these tags: ?tags[]=vip&tags[]=active.' }),
  is_blocked: queryBoolean.optional().meta({ description: 'true: only blocked contacts; false: only unblocked ones.', enum: ['true', 'false'] }),
  opted_out: queryBoolean.optional().meta({ description: 'true: only opted-out contacts; false: only the others.', enum: ['true', 'false'] }),
  group_id: uuid.optional().meta({ description: 'Members of this group (a dynamic group’s filters apply).' }),
  sort_by: z.enum(Object.keys(CONTACT_SORTS) as [keyof typeof CONTACT_SORTS], { error: `must be one of: ${Object.keys(CONTACT_SORTS).join(', ')}` }).default('created_at'),
  sort_order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
});

export const contactParams = z.object({ contact: uuid });

export const messageView = z.object({
  id: z.string(),
  channel: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  type: z.string(),
  content: z.string().nullable(),
  status: z.string(),
  session_id: z.string().nullable(),
  created_at: z.string(),
});

export type ContactUpdateBody = z.output<typeof contactUpdateBody>;

export const contactShowResponse = z.object({ data: contactView.extend({ messages: z.array(messageView) }) });
