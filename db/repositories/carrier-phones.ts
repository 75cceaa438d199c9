import type { Knex } from 'knex';
import type { CarrierPhoneRow } from '../rows';

/**
 * Cross-workspace phone lookups for carrier callbacks, which arrive without a workspace: the provider names our
 * number (Twilio `To`), our sender id (WhatsApp phone-number-id) or a message we sent. Callers must authenticate the
 * callback against the matched phone's credentials before writing anything.
 */
export function carrierPhonesRepo(db: Knex) {
  return {
    get: (id: string, trx: Knex = db): Promise<CarrierPhoneRow | undefined> => trx('phones').where({ id }).first(),
    byNumber: (source: string, phone: string, trx: Knex = db): Promise<CarrierPhoneRow[]> =>
      trx('phones').where({ source, phone }).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    byNumberAnySource: (phone: string, trx: Knex = db): Promise<CarrierPhoneRow[]> =>
      trx('phones').where({ phone }).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    bySenderIds: (source: string, ids: string[], trx: Knex = db): Promise<CarrierPhoneRow[]> =>
      ids.length ? trx('phones').where({ source }).whereIn('provider_sender_id', ids).orderBy([{ column: 'created_at' }, { column: 'id' }]) : Promise.resolve([]),
    withCredentials: (source: string, trx: Knex = db): Promise<CarrierPhoneRow[]> =>
      trx('phones').where({ source }).whereNotNull('credentials_encrypted'),
  };
}
