import { z } from 'zod';

/** Request and response pieces shared by the Zagely routes: strings, Laravel-style pagination, the contact as documented. */

export const requiredString = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

export const optionalText = (max: number) =>
  z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` }).nullish();

export const messageResponse = z.object({ message: z.string() });

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` })
    .default(fallback);

/** The rows a Zagely page (`page`, `per_page`) covers, as limit/offset for a repository. */
export { pageWindow } from '../../../domain/paging';

/** `page` (from 1) and `per_page` (1–200, default 50), as Zagely's list endpoints take them. */
export const paginationQuery = z.object({
  page: wholeNumber(1, 1_000_000, 1).meta({ description: 'Page number, from 1.' }),
  per_page: wholeNumber(1, 200, 50).meta({ description: 'Items per page, 1–200. Default 50.' }),
});

export const paginated = <T extends z.ZodType>(item: T) =>
  z.object({
    current_page: z.number().int(),
    data: z.array(item),
    total: z.number().int(),
    per_page: z.number().int(),
    last_page: z.number().int().meta({ description: 'Laravel-style: the number of the last page (1 when empty).' }),
  });

/** A query boolean: true/false/1/0, case-insensitive. */
export const queryBoolean = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1');

export const groupRef = z.object({ id: z.string(), name: z.string() });

export const contactView = z.object({
  id: z.string(),
  name: z.string(),
  phone_number: z.string().nullable(),
  email: z.string().nullable(),
  tags: z.array(z.string()),
  is_blocked: z.boolean(),
  opted_out_at: z.string().nullable(),
  custom_fields: z.record(z.string(), z.unknown()),
  groups: z.array(groupRef),
  notes: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ZagelyContact = z.infer<typeof contactView>;
