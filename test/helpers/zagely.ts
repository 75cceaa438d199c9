import type { Response } from 'supertest';

/** Assert a Zagely 422 validation_failed whose details.errors names exactly the given field(s), and return its messages. */
export function expectFieldError(res: Response, field: string): string[] {
  if (res.status !== 422) throw new Error(`expected 422 naming ${field}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.body.error.code).toBe('validation_failed');
  const errors = res.body.error.details.errors as Record<string, string[]>;
  expect(Object.keys(errors)).toContain(field);
  expect(errors[field].length).toBeGreaterThan(0);
  return errors[field];
}

/** Assert a Zagely error envelope with the given status and code. */
export function expectError(res: Response, status: number, code: string): void {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  expect(typeof res.body.error.message).toBe('string');
}

/** Lift a workspace's per-minute limit so a test file can make many requests with one key (quotas stay on). */
export async function roomyLimits(db: import('knex').Knex, workspaceId: string): Promise<void> {
  await db('workspaces').where({ id: workspaceId }).update({ rate_limit_per_minute: 100_000 });
}
