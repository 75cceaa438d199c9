import type { Knex } from 'knex';
import { CarrierError } from '../../carriers/types';

export type MessageRowLike = Record<string, unknown> & { status: string };

/** Poll a message row until its status is one of `statuses` (the worker and callbacks move it asynchronously). */
export async function waitForStatus(db: Knex, id: string, statuses: string[], timeoutMs = 20_000): Promise<MessageRowLike> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = (await db('messages').where({ id }).first()) as MessageRowLike;
    if (statuses.includes(row.status)) return row;
    if (Date.now() > until) throw new Error(`message ${id} is ${row.status}, expected ${statuses.join('|')}: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The CarrierError a carrier call rejects with (fails the test when it resolves or throws something else). */
export async function rejection(p: Promise<unknown>): Promise<CarrierError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CarrierError);
  return err as CarrierError;
}
