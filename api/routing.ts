import Router from '@koa/router';
import type { Next } from 'koa';
import { z } from 'zod';
import type { Ctx } from './context';
import { InvalidError } from '../services/errors';
import { unstorableInput } from './input-safety';
import { requireAbility, workspaceFromPath, type Ability } from './middleware/auth';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * One route: its request schemas (the only place request shapes are defined), its documented responses and its
 * handler. The same specs register Koa routes and build the OpenAPI document, so the two cannot drift.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Koa path syntax, e.g. `/api/v1/contacts/:contact`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Omitted for unauthenticated routes (they live in the public router). */
  ability?: Ability;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A multipart/form-data upload, for the OpenAPI document: the file's field and the other form fields (the handler reads them). */
  upload?: { file: string; fields: z.ZodObject };
  status?: number;
  response?: z.ZodType;
  /** The success body's media type(s) when it is not JSON (CSV downloads, carriers' TwiML or text). */
  responseType?: string | string[];
  /** Extra documented statuses besides the standard errors. */
  errors?: number[];
  handler: (ctx: Ctx & { params: Record<string, string> }, input: RouteInput<P, Q, B>) => Promise<unknown> | unknown;
}

export const route = <P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec => spec as unknown as RouteSpec;

export function parseWith<T>(schema: z.ZodType<T>, data: unknown, location: InvalidError['location']): T {
  const result = schema.safeParse(data);
  if (!result.success) throw InvalidError.fromZod(result.error, location);
  return result.data;
}

/**
 * `tags[]=a&tags[]=b`, `tags[0]=a&tags[1]=b` (PHP's http_build_query, Guzzle) and `tags=a&tags=b` all become
 * `{tags: ['a', 'b']}`.
 */
export function normalizeQuery(query: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const bracket = /^(.+)\[\d*\]$/.exec(rawKey);
    const isArray = bracket !== null;
    const key = bracket ? bracket[1] : rawKey;
    const values = Array.isArray(value) ? value : [value];
    if (isArray || Array.isArray(value)) out[key] = [...((out[key] as string[] | undefined) ?? []), ...values];
    else out[key] = value;
  }
  return out;
}

export function mountRoutes(router: Router<unknown, Ctx>, specs: RouteSpec[]): void {
  for (const spec of specs) {
    const guards = spec.ability ? [requireAbility(spec.ability)] : [];
    const scopedToPathWorkspace = spec.path.includes(':workspace_id');
    const handler = async (ctx: Ctx & { params: Record<string, string> }, _next: Next) => {
      // A key from another workspace is refused before its input is looked at, so the answer never depends on it.
      if (scopedToPathWorkspace) workspaceFromPath(ctx);
      const query = normalizeQuery(ctx.query);
      // NULs and lone surrogates anywhere in the request, whatever the route's schemas say (api/input-safety.ts).
      const unstorable = unstorableInput(ctx.params, 'path') ?? unstorableInput(query, 'query') ?? unstorableInput(ctx.request.body, 'body');
      if (unstorable) throw unstorable;
      const input = {
        params: spec.params ? parseWith(spec.params, ctx.params, 'path') : ctx.params,
        query: spec.query ? parseWith(spec.query, query, 'query') : {},
        body: spec.body ? parseWith(spec.body, ctx.request.body ?? {}, 'body') : undefined,
      };
      const result = await spec.handler(ctx, input);
      if (ctx.body === undefined) {
        ctx.status = spec.status ?? 200;
        if (result !== undefined) ctx.body = result;
      }
    };
    (router[spec.method] as (path: string, ...mw: unknown[]) => unknown).call(router, spec.path, ...guards, handler);
  }
}

/** Common query pieces. */
export const queryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const uuid = z.uuid({ message: 'must be a UUID' });

/** Comma-separated UUIDs as SeaX sends them (`a,b,c`); empty means none. */
export const uuidList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(uuid));

export const stringList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter(Boolean));

export type AnyObjectSchema = AnyObject;
