import type { Knex } from 'knex';

export interface PhoneCapability {
  sms: boolean;
  mms: boolean;
  voice: boolean;
  fax: boolean;
  whatsapp: boolean;
  whatsapp_business_platform: boolean;
}

export interface PhoneRow {
  id: string;
  workspace_id: string;
  name: string;
  phone: string;
  country: string;
  type: 'LOCAL' | 'TOLL_FREE' | 'SHORT_CODE';
  source: string;
  phone_capability: PhoneCapability;
  is_default: boolean;
  enabled: boolean;
  is_owned: boolean;
  generic_reply_message: string | null;
  dnc_reply_message: string | null;
  enabled_generic_reply: boolean;
  enabled_dnc_reply: boolean;
  enabled_recipient: boolean;
  call_recipient: Record<string, unknown> | null;
  sms_recipient: Record<string, unknown> | null;
  wabp_recipient: Record<string, unknown> | null;
  whatsapp_business_account_phone_id: string | null;
  whatsapp_status: string | null;
  status: string;
  daily_limit: number | null;
  warmup_enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export type NewPhone = Pick<PhoneRow, 'workspace_id' | 'name' | 'phone'> & Partial<Omit<PhoneRow, 'id' | 'created_at' | 'updated_at'>>;

export const DEFAULT_CAPABILITY: PhoneCapability = { sms: true, mms: true, voice: true, fax: false, whatsapp: false, whatsapp_business_platform: false };

/** Sender phones (a Zagely "session"), always scoped by workspace. */
export function phonesRepo(db: Knex) {
  return {
    /** Insert a phone; when it is the default, the previous default stops being one in the same transaction. */
    async create(row: NewPhone): Promise<PhoneRow> {
      return db.transaction(async (trx) => {
        if (row.is_default) await trx('phones').where({ workspace_id: row.workspace_id, is_default: true }).update({ is_default: false });
        const [phone] = await trx('phones')
          .insert({ ...row, phone_capability: JSON.stringify(row.phone_capability ?? DEFAULT_CAPABILITY) })
          .returning('*');
        return phone as PhoneRow;
      });
    },
    get: (workspaceId: string, id: string): Promise<PhoneRow | undefined> => db('phones').where({ workspace_id: workspaceId, id }).first(),
    findByNumber: (workspaceId: string, phone: string): Promise<PhoneRow | undefined> =>
      db('phones').where({ workspace_id: workspaceId, phone }).first(),
  };
}
