import { z } from 'zod';
import type { ContactOrder, ContactOrderColumn } from '../../../db/repositories/contact-pages';
import { clearableText, csv, idParam, listOf, pagingQuery, seaxBool, timestamp, uuidCsv, workspaceId } from './common';
import { labelView } from './labels';

export const contactParams = z.object({ workspace_id: workspaceId, contact_id: idParam('Unique identifier of the contact') });

/** SeaX sort fields and the columns they sort by. */
export const CONTACT_ORDER_FIELDS = {
  name: 'name',
  phone: 'phone',
  created_time: 'created_at',
  updated_time: 'updated_at',
  whatsapp_phone: 'whatsapp_phone',
} as const satisfies Record<string, ContactOrderColumn>;
const FIELDS = Object.keys(CONTACT_ORDER_FIELDS);

/** `phone:asc,created_time:desc`: comma-separated field:direction pairs (direction defaults to asc, any case). */
export const orderBy = z
  .string({ error: 'must be comma-separated field:direction pairs' })
  .transform((value, ctx): ContactOrder => {
    const out: ContactOrder = [];
    for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [field, direction = 'asc', ...extra] = part.split(':').map((s) => s.trim());
      const dir = direction.toLowerCase();
      if (!(field in CONTACT_ORDER_FIELDS)) {
        ctx.addIssue({ code: 'custom', message: `unknown sort field "${field}" (valid: ${FIELDS.join(', ')})` });
      } else if ((dir !== 'asc' && dir !== 'desc') || extra.length) {
        ctx.addIssue({ code: 'custom', message: `"${part}": the direction must be asc or desc` });
      } else {
        out.push({ column: CONTACT_ORDER_FIELDS[field as keyof typeof CONTACT_ORDER_FIELDS], direction: dir });
      }
    }
    return out;
  })
  .meta({
    description: `Comma-separated field:direction pairs over ${FIELDS.join(', ')}; ties are broken by id. Default: created_time:desc`,
    example: 'phone:asc,created_time:desc,name:asc',
  });

const search = (description: string) =>
  z
    .string({ error: 'must be a string' })
    .max(255, { error: 'must be at most 255 characters' })
    .transform((v) => v.trim() || undefined)
    .optional()
    .meta({ description, example: '+18111222333' });

export const contactListQuery = pagingQuery.extend({
  keyword: search('Search contact names and phones (case-insensitive substring).'),
  whatsapp_phone: search('Search contacts by WhatsApp phone (substring).'),
  all_contact_label_ids: uuidCsv('Contacts that have all of these labels. Comma-separated UUIDs').optional(),
  any_contact_label_ids: uuidCsv('Contacts that have any of these labels. Comma-separated UUIDs').optional(),
  exclude_contact_ids: uuidCsv('Leave these contacts out (wins over addition_contact_ids). Comma-separated UUIDs').optional(),
  exclude_any_contact_label_ids: uuidCsv('Leave out contacts with any of these labels. Comma-separated UUIDs').optional(),
  exclude_all_contact_label_ids: uuidCsv('Leave out contacts with all of these labels. Comma-separated UUIDs').optional(),
  addition_contact_ids: uuidCsv('Include these contacts in addition to the filtered ones. Comma-separated UUIDs').optional(),
  exclude_labels: csv(
    'Leave out contacts with any of these labels, by name (case-insensitive). A value that is the id of a label of the workspace is read as that label. Comma-separated',
  ).optional(),
  whatsapp_phone_only: seaxBool.optional().meta({ description: 'true: only contacts with a WhatsApp phone. Default: false' }),
  order_by: orderBy.optional(),
});
export type ContactListQuery = z.output<typeof contactListQuery>;

const phoneInput = (description: string) =>
  z
    .string({ error: 'must be a string' })
    .max(64, { error: 'must be at most 64 characters' })
    .nullish()
    .transform((v) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v))
    .meta({ description, example: '+12345678900' });

const contactFields = {
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .max(255, { error: 'must be at most 255 characters' })
    .nullish()
    .meta({ description: 'Defaults to the phone (or the WhatsApp phone) when omitted, null or empty.', example: 'John Doe' }),
  phone: phoneInput('Normalised to E.164; a number without + is read in the workspace’s default country.'),
  whatsapp_phone: phoneInput('Normalised like phone.'),
  note: clearableText(10_000).meta({ example: 'VIP customer' }),
  contact_field_data: z
    .record(z.string().min(1, { error: 'keys must not be empty' }).max(255, { error: 'keys must be at most 255 characters' }), z.unknown(), {
      error: 'must be an object of field names to values',
    })
    .nullish()
    .meta({ description: 'Custom field values; replaces the whole object, null empties it.', example: { customer_tier: 'gold' } }),
  contact_label_ids: z
    .array(z.uuid({ error: 'must be an array of label UUIDs' }), { error: 'must be an array of label UUIDs' })
    .max(100, { error: 'must have at most 100 labels' })
    .nullish()
    .meta({ description: 'Replaces the contact’s labels (system labels such as DNC are kept); [] or null removes them.' }),
};

export const contactCreateBody = z.object(contactFields);
export const contactUpdateBody = z.object(contactFields);
export type ContactBody = z.output<typeof contactCreateBody>;

export const contactView = z.object({
  name: z.string(),
  phone: z.string().nullable(),
  note: z.string().nullable(),
  whatsapp_phone: z.string().nullable(),
  contact_field_data: z.record(z.string(), z.unknown()),
  id: z.string(),
  workspace_id: z.string(),
  created_time: timestamp,
  updated_time: timestamp,
  contact_labels: z.array(labelView),
});
export type SeaxContact = z.infer<typeof contactView>;

export const contactList = listOf(contactView);
