import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ABILITIES } from '../middleware/auth';

/** Operator API (/admin/v1) requests and responses; the CLI validates its flags with the same schemas. */

export const requiredString = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

export const countryCode = z
  .string({ error: 'must be a string' })
  .trim()
  .toUpperCase()
  .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), { error: 'must be an ISO 3166-1 alpha-2 country code, e.g. US' })
  .meta({ description: 'ISO country used to read phone numbers written without a country code.', example: 'US' });

const limit = z
  .number({ error: 'must be a whole number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(2_000_000_000, { error: 'must be at most 2000000000' });

/** Names that are not abilities, or null when all are. */
export function unknownAbilities(list: readonly string[]): string[] | null {
  const unknown = list.filter((a) => !(ABILITIES as readonly string[]).includes(a));
  return unknown.length ? unknown : null;
}

export const unknownAbilityMessage = (unknown: string[]): string =>
  `unknown ability: ${unknown.join(', ')} (valid: ${ABILITIES.join(', ')})`;

/** Unknown abilities are reported under `abilities` itself, naming each of them and the valid ones. */
const abilities = z
  .array(z.string({ error: 'must be an array of ability names' }), { error: 'must be an array of ability names' })
  .min(1, { error: 'must name at least one ability' })
  .superRefine((list, ctx) => {
    const unknown = unknownAbilities(list);
    if (unknown) ctx.addIssue({ code: 'custom', message: unknownAbilityMessage(unknown) });
  })
  .meta({ description: 'Zagely abilities; `*` (the default) grants all. SeaX keys always carry `*`.', example: ['contacts.read'] });

export const keyKind = z
  .enum(['pair', 'seax'], { error: 'must be pair or seax' })
  .meta({ description: '`pair`: a Zagely pk_/sk_ pair. `seax`: the workspace X-API-Key; issuing one revokes the previous SeaX key.' });

export const createWorkspaceBody = z.object({
  name: requiredString(200).meta({ example: 'Acme Inc.' }),
  default_country: countryCode.optional(),
});

export const createKeyBody = z
  .object({
    name: requiredString(200).meta({ example: 'Billing service' }),
    abilities: abilities.optional(),
    kind: keyKind.default('pair'),
    rate_limit_per_minute: limit.optional(),
    daily_quota: limit.optional(),
    monthly_quota: limit.optional(),
    expires_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z' }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'seax' && body.abilities && !(body.abilities.length === 1 && body.abilities[0] === '*')) {
      ctx.addIssue({ code: 'custom', path: ['abilities'], message: 'SeaX keys always carry every ability; omit abilities or send ["*"]' });
    }
    if (body.expires_at && Date.parse(body.expires_at) <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'must be in the future' });
    }
  });

export const patchWorkspaceBody = z
  .object({
    rate_limit_per_minute: limit.optional(),
    daily_quota: limit.optional(),
    monthly_quota: limit.optional(),
  })
  .refine((b) => b.rate_limit_per_minute !== undefined || b.daily_quota !== undefined || b.monthly_quota !== undefined, {
    error: 'send at least one of rate_limit_per_minute, daily_quota, monthly_quota',
  });

// ValidationError keeps a message that already contains the field name, and "must be a UUID" contains "id": so the
// message names the field itself.
export const workspaceIdParams = z.object({ id: z.uuid({ error: 'The id in the path must be a workspace id (a UUID)' }) });

const workspaceLimits = z.object({ rate_limit_per_minute: z.number().int(), daily_quota: z.number().int(), monthly_quota: z.number().int() });
const keyLimits = z.object({
  rate_limit_per_minute: z.number().int().nullable(),
  daily_quota: z.number().int().nullable(),
  monthly_quota: z.number().int().nullable(),
});

export const workspaceView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  default_country: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  limits: workspaceLimits,
});

export const keyView = z.object({
  id: z.string(),
  workspace_id: z.string(),
  kind: z.enum(['pair', 'seax']),
  name: z.string(),
  public_key: z.string().nullable(),
  abilities: z.array(z.string()),
  session_id: z.string().nullable(),
  limits: keyLimits.meta({ description: 'Per-key overrides; null means the workspace default.' }),
  expires_at: z.string().nullable(),
  disabled_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  created_at: z.string(),
});

export const createdWorkspace = z.object({
  id: z.string(),
  name: z.string(),
  api_key: z.string().meta({ description: 'SeaX key (X-API-Key); shown once.' }),
  public_key: z.string().meta({ description: 'Zagely public key (X-Public-Key).' }),
  secret_key: z.string().meta({ description: 'Zagely secret key (X-Secret-Key); shown once.' }),
});

export const createdKey = keyView.extend({
  api_key: z.string().optional().meta({ description: 'SeaX keys only; shown once.' }),
  secret_key: z.string().optional().meta({ description: 'Key pairs only; shown once.' }),
});

export type WorkspaceView = z.infer<typeof workspaceView>;
export type KeyView = z.infer<typeof keyView>;
