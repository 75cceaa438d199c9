import type { Response } from 'supertest';
import { routeDeps } from '../../api/app';
import type { RouteDeps } from '../../api/context';
import type { RouteSpec } from '../../api/routing';
import { keyService } from '../../services/keys';
import type { Harness, TestWorkspace } from './harness';

/**
 * Assert a SeaX 422 whose body names the field in every documented place (`details.field` or `details.errors`, and
 * FastAPI's `detail[].loc`), and return its messages.
 */
export function expectSeaxFieldError(res: Response, field: string): string[] {
  if (res.status !== 422) throw new Error(`expected 422 naming ${field}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.body).toMatchObject({ error: 'Validation Error', status_code: 422 });
  const errors = res.body.details.errors as Record<string, string[]>;
  if (!Object.keys(errors).includes(field)) throw new Error(`expected 422 naming ${field}, got ${JSON.stringify(errors)}`);
  expect(errors[field].length).toBeGreaterThan(0);
  expect((res.body.detail as { loc: string[] }[]).some((d) => d.loc.includes(field.split('.')[0]))).toBe(true);
  return errors[field];
}

/** Assert a SeaX error body with the given status. */
export function expectSeaxError(res: Response, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.body).toMatchObject({ status_code: status, message: expect.any(String), detail: expect.anything() });
}

/** The route specs a factory builds, for tests that must cover every route of a router. */
export function specsOf(h: Harness, factory: (deps: RouteDeps) => RouteSpec[]): RouteSpec[] {
  return factory(routeDeps({ db: h.db, temporal: h.temporal, config: h.config, logger: { error() {}, warn() {}, info() {}, debug() {} } as never }));
}

/** Headers of a Zagely key pair with only these abilities. */
export async function pairWith(h: Harness, ws: TestWorkspace, abilities: string[]): Promise<Record<string, string>> {
  const pair = await keyService(h.db).createPair(ws.id, { name: `only ${abilities.join(',')}`, abilities });
  return { 'X-Public-Key': pair.publicKey, 'X-Secret-Key': pair.secretKey };
}

/** A Koa path with its parameters filled in. */
export const fill = (path: string, values: Record<string, string>): string =>
  path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`no value for :${name} in ${path}`);
    return values[name];
  });
