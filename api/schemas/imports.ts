import { z } from 'zod';
import { DUPLICATE_STRATEGIES, type DuplicateStrategy } from '../../domain/contact-import';
import { country } from './seax/common';

/** Contact import options, as both dialects take them. */

export const duplicateStrategy = z
  .enum(DUPLICATE_STRATEGIES as [DuplicateStrategy, ...DuplicateStrategy[]], { error: `must be one of: ${DUPLICATE_STRATEGIES.join(', ')}` })
  .default('mark')
  .meta({
    description:
      'A row whose number is already a contact’s (or an earlier row’s): skip leaves the contact untouched; update writes the row’s non-empty cells over it and adds labels; mark (default) only attaches the labels. An import never clears DNC or opt-out and never removes labels.',
  });

export const phoneCountry = country.optional().meta({ description: 'ISO 3166-1 alpha-2 country for numbers written without +; default: the workspace’s default country.', example: 'US' });

/**
 * Label references as a form field: a JSON array (`["id1","id2"]`, as SeaX's quick start sends), comma-separated
 * values, or the field repeated.
 */
export const labelRefs = z
  .union([z.string(), z.array(z.string())], { error: 'must be a JSON array of label ids' })
  .transform((v, ctx) => {
    const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => {
      const t = s.trim();
      if (!t.startsWith('[')) return t.split(',');
      try {
        const parsed: unknown = JSON.parse(t);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of label ids, e.g. ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]' });
      return [];
    });
    return parts.map((s) => s.trim()).filter(Boolean);
  })
  .pipe(z.array(z.string().max(255, { error: 'entries must be at most 255 characters' })).max(100, { error: 'must have at most 100 labels' }));

/** Zagely tags: names, repeated (`tags[]`) or comma-separated. */
export const tagNames = z
  .union([z.string(), z.array(z.string())], { error: 'must be tag names' })
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(255, { error: 'tags must be at most 255 characters' })).max(100, { error: 'must have at most 100 tags' }));
