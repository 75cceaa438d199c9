import { z } from 'zod';
import { ABILITIES } from '../../middleware/auth';
import { uuid } from '../../routing';
import { requiredString } from './common';

/** Zagely API-key management requests and responses (our extension: Zagely leaves keys to its dashboard). */

const limit = z
  .number({ error: 'must be a whole number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(2_000_000_000, { error: 'must be at most 2000000000' });

/** Unknown abilities are reported under `abilities` itself (not `abilities.3`), naming each of them. */
const abilities = z
  .array(z.string({ error: 'must be an array of ability names' }), { error: 'must be an array of ability names' })
  .min(1, { error: 'must name at least one ability' })
  .superRefine((list, ctx) => {
    const unknown = list.filter((a) => !(ABILITIES as readonly string[]).includes(a));
    if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown ability: ${unknown.join(', ')} (valid: ${ABILITIES.join(', ')})` });
  })
  .meta({ description: 'Zagely abilities; `*` grants all. A key cannot grant abilities it does not have.', example: ['contacts.read'] });

export const keyCreateBody = z.object({
  name: requiredString(255).meta({ example: 'Billing service' }),
  abilities,
  session_id: uuid.nullish().meta({ description: 'Bind the key to one session (sender phone) of the workspace.' }),
  rate_limit_per_minute: limit.nullish(),
  daily_quota: limit.nullish(),
  monthly_quota: limit.nullish(),
  expires_at: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z' })
    .refine((v) => Date.parse(v) > Date.now(), { error: 'must be in the future' })
    .nullish(),
});

export const keyView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['key_pair', 'api_key']).meta({ description: '`key_pair`: X-Public-Key + X-Secret-Key. `api_key`: the SeaX X-API-Key.' }),
  public_key: z.string().nullable(),
  abilities: z.array(z.string()),
  session_id: z.string().nullable(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  disabled: z.boolean(),
  disabled_at: z.string().nullable(),
  limits: z
    .object({ per_minute: z.number().int(), daily: z.number().int(), monthly: z.number().int() })
    .meta({ description: 'Effective limits: the key’s own, or the workspace default.' }),
  rate_limit_per_minute: z.number().int().nullable().meta({ description: 'The key’s own limit; null means the workspace default.' }),
  daily_quota: z.number().int().nullable(),
  monthly_quota: z.number().int().nullable(),
  created_at: z.string(),
});

export const keyParams = z.object({ id: uuid });
