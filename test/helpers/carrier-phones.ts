import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { encryptPhoneCredentials } from '../../carriers/credentials';

/** A fixed 32-byte key for tests that store encrypted carrier credentials (pass it as CREDENTIALS_ENCRYPTION_KEY). */
export const TEST_CREDENTIALS_KEY = crypto.createHash('sha256').update('switchboard-test-credentials').digest('hex');

/** Inserts a sender phone with the given provider and (encrypted) credentials, as the phones API would store it. */
export async function insertCarrierPhone(
  db: Knex,
  input: { workspaceId: string; phone: string; source: string; credentials?: unknown; providerSenderId?: string; patch?: Record<string, unknown> },
): Promise<{ id: string; phone: string; workspace_id: string }> {
  const [row] = await db('phones')
    .insert({
      workspace_id: input.workspaceId,
      name: `${input.source} ${input.phone}`,
      phone: input.phone,
      source: input.source,
      provider_sender_id: input.providerSenderId ?? null,
      phone_capability: JSON.stringify({ sms: true, mms: true, voice: true, fax: false, whatsapp: input.source === 'WHATSAPP_CLOUD', whatsapp_business_platform: input.source === 'WHATSAPP_CLOUD' }),
      ...(input.patch ?? {}),
    })
    .returning(['id', 'phone', 'workspace_id']);
  if (input.credentials) {
    await db('phones').where({ id: row.id }).update({ credentials_encrypted: encryptPhoneCredentials(row.id, input.credentials, TEST_CREDENTIALS_KEY) });
  }
  return row;
}

/** Events of a workspace by type, oldest first. */
export const eventsOf = (db: Knex, workspaceId: string, type?: string, subjectId?: string) =>
  db('events')
    .where({ workspace_id: workspaceId })
    .modify((q) => {
      if (type) q.andWhere({ type });
      if (subjectId) q.andWhere({ subject_id: subjectId });
    })
    .orderBy([{ column: 'occurred_at' }, { column: 'id' }]);
