import { createHash, timingSafeEqual } from 'node:crypto';
import type { Next } from 'koa';
import type { Knex } from 'knex';
import { apiKeysRepo, type AuthKeyRow } from '../../db/repositories/api-keys';
import type { Ctx, Principal } from '../context';
import { ApiError } from '../errors';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

const missing = () =>
  new ApiError(401, 'credentials_missing', 'No credentials were sent: use X-API-Key, or the X-Public-Key and X-Secret-Key pair.');
const invalid = () => new ApiError(401, 'invalid_credentials', 'Invalid API key.');
const inactive = () => new ApiError(401, 'key_inactive', 'The API key is disabled or expired.');

/**
 * Resolves the caller to a workspace-scoped principal. Accepts a SeaX key (`X-API-Key`, any case, or
 * `Authorization: Bearer`) and a Zagely key pair (`X-Public-Key` + `X-Secret-Key`) on every route: one model
 * serves both dialects. Secrets are compared by hash; the plain values are never stored.
 */
export function authenticate(db: Knex) {
  const keys = apiKeysRepo(db);
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const publicKey = ctx.get('x-public-key');
    const secretKey = ctx.get('x-secret-key');
    const bearer = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
    const apiKey = ctx.get('x-api-key') || bearer;

    let row: AuthKeyRow | undefined;
    if (publicKey || secretKey) {
      if (!publicKey || !secretKey) throw missing();
      row = await keys.findByPublicKey(publicKey);
      if (!row || !sameHash(sha256Hex(secretKey), row.secret_hash)) throw invalid();
    } else if (apiKey) {
      row = await keys.findBySecretHash(sha256Hex(apiKey));
      if (!row) throw invalid();
    } else {
      throw missing();
    }
    if (row.revoked_at) throw invalid();
    if (row.disabled_at || (row.expires_at && row.expires_at.getTime() <= Date.now()) || row.workspace_status !== 'active') {
      throw inactive();
    }
    ctx.state.principal = toPrincipal(row);
    await next();
  };
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function toPrincipal(row: AuthKeyRow): Principal {
  return {
    keyId: row.id,
    keyName: row.name,
    kind: row.kind,
    workspaceId: row.workspace_id,
    defaultCountry: row.ws_default_country,
    abilities: row.abilities,
    sessionId: row.session_id,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    limits: {
      per_minute: row.rate_limit_per_minute ?? row.ws_rate_limit_per_minute,
      daily: row.daily_quota ?? row.ws_daily_quota,
      monthly: row.monthly_quota ?? row.ws_monthly_quota,
    },
  };
}

/** The abilities of the Zagely key model; `*` grants all. SeaX keys carry `*`. */
export const ABILITIES = [
  '*',
  'sessions.read',
  'messages.send',
  'messages.read',
  'contacts.read',
  'contacts.write',
  'campaigns.read',
  'campaigns.write',
  'webhooks.read',
  'webhooks.write',
] as const;
export type Ability = (typeof ABILITIES)[number];

export const hasAbility = (principal: Principal, ability: Ability): boolean =>
  principal.abilities.includes('*') || principal.abilities.includes(ability);

/** Route guard: 403 insufficient_ability naming the missing scope. */
export function requireAbility(ability: Ability) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    if (!hasAbility(principalOf(ctx), ability)) {
      throw new ApiError(403, 'insufficient_ability', 'The API key does not have the required ability.', {
        required_ability: ability,
      });
    }
    await next();
  };
}

export function principalOf(ctx: Ctx): Principal {
  const p = ctx.state.principal;
  if (!p) throw new ApiError(401, 'credentials_missing', 'Authentication required.');
  return p;
}

/**
 * SeaX routes name the workspace in the path; a key may only reach its own. The answer is the same whether or not
 * the other workspace exists, so nothing leaks.
 */
export function workspaceFromPath(ctx: Ctx & { params: Record<string, string> }): string {
  const principal = principalOf(ctx);
  if (ctx.params.workspace_id !== principal.workspaceId) {
    throw new ApiError(403, 'forbidden', 'This API key does not belong to the workspace in the path.');
  }
  return principal.workspaceId;
}
