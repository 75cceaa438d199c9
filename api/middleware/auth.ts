import type { Next } from 'koa';
import type { Services } from '../../services';
import type { Refusal } from '../../services/access';
import type { Ctx, Principal } from '../context';
import { ApiError } from '../errors';

const REFUSED: Record<Refusal, () => ApiError> = {
  missing: () => new ApiError(401, 'credentials_missing', 'No credentials were sent: use X-API-Key, or the X-Public-Key and X-Secret-Key pair.'),
  invalid: () => new ApiError(401, 'invalid_credentials', 'Invalid API key.'),
  inactive: () => new ApiError(401, 'key_inactive', 'The API key is disabled or expired.'),
};

/**
 * Resolves the caller to a workspace-scoped principal. Accepts a SeaX key (`X-API-Key`, any case, or
 * `Authorization: Bearer`) and a Zagely key pair (`X-Public-Key` + `X-Secret-Key`) on every route: one model
 * serves both dialects (services/access.ts).
 */
export function authenticate(access: Services['access']) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const bearer = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim();
    const result = await access.authenticate({ publicKey: ctx.get('x-public-key'), secretKey: ctx.get('x-secret-key'), apiKey: ctx.get('x-api-key') || bearer });
    if ('refused' in result) throw REFUSED[result.refused]();
    ctx.state.principal = result.principal;
    await next();
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

/** 403 insufficient_ability naming the missing scope, unless the request's key has it. */
export function assertAbility(ctx: Ctx, ability: Ability): void {
  if (!hasAbility(principalOf(ctx), ability)) {
    throw new ApiError(403, 'insufficient_ability', 'The API key does not have the required ability.', {
      required_ability: ability,
    });
  }
}

/** Route guard: 403 insufficient_ability naming the missing scope. */
export function requireAbility(ability: Ability) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    assertAbility(ctx, ability);
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
