import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

/** Request and response pieces shared by the SeaX contact-book routes (phones, contacts, labels, keys). */

/** The workspace in the path. Any string: a key of another workspace gets 403 whether or not the id is well formed. */
export const workspaceId = z.string().meta({ description: 'Unique identifier of the workspace', example: '3fa85f64-5717-4562-b3fc-2c963f66afa6' });

export const workspaceParams = z.object({ workspace_id: workspaceId });

export const idParam = (description: string) =>
  z.uuid({ error: 'must be a UUID' }).meta({ description, example: '11111111-2222-4444-3333-555555555555' });

const wholeNumber = (fallback: number, description: string) =>
  z
    .string({ error: 'must be a whole number' })
    .trim()
    .regex(/^\d{1,10}$/, { error: 'must be a whole number, 0 or more' })
    .transform(Number)
    .optional()
    .transform((v) => v ?? fallback)
    .meta({ description, default: fallback });

/** SeaX paging: `offset` (default 0) and `limit` (default 10; 0 returns every row). */
export const pagingQuery = z.object({
  offset: wholeNumber(0, 'Number of rows to skip. Minimum: 0. Default: 0'),
  limit: wholeNumber(10, 'Number of rows to return after the offset; 0 returns all. Minimum: 0. Default: 10'),
});

/** `limit: 0` means no limit. */
export const pageOf = (q: { offset: number; limit: number }) => ({ offset: q.offset, limit: q.limit === 0 ? undefined : q.limit });

/** A query boolean as FastAPI reads one: true/false, 1/0, yes/no, on/off, any case. */
export const seaxBool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

export const requiredText = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

/** Optional free text; `null` or an empty string clears it. */
export const clearableText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, { error: `must be at most ${max} characters` })
    .nullish()
    .transform((v) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v));

export const bool = z.boolean({ error: 'must be true or false' });

/** An ISO 3166-1 alpha-2 country that libphonenumber knows, upper-cased. */
export const country = z
  .string({ error: 'must be a string' })
  .trim()
  .transform((v) => v.toUpperCase())
  .refine((v) => isSupportedCountry(v), { error: 'must be a two-letter ISO country code, e.g. US' })
  .meta({ example: 'US' });

/**
 * Comma-separated UUIDs (`a,b,c`, or the parameter repeated). A bad entry is reported under the parameter itself,
 * naming the value, so the client sees which parameter and which value.
 */
export const uuidCsv = (description: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: 'must be comma-separated UUIDs' })
    .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter(Boolean))
    .superRefine((ids, ctx) => {
      const bad = ids.filter((id) => !z.uuid().safeParse(id).success);
      if (bad.length) ctx.addIssue({ code: 'custom', message: `must be comma-separated UUIDs; not a UUID: ${bad.slice(0, 5).join(', ')}` });
    })
    .meta({ description, example: '11111111-2222-4444-3333-555555555555,11111111-2222-4444-3333-666666666666' });

/** Comma-separated values (the parameter may also be repeated); empty entries are dropped. */
export const csv = (description: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: 'must be comma-separated values' })
    .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter(Boolean))
    .meta({ description });

/** `{data, total}` as every SeaX list answers. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), total: z.number().int() });

export const timestamp = z.string().meta({ description: 'ISO 8601 date-time in UTC', example: '2025-07-07T18:12:58.351Z' });
