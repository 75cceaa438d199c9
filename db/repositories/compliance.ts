import type { Knex } from 'knex';
import type { RecipientFacts } from '../../domain/compliance';
import { DNC_LABEL_NAME } from '../../domain/segment';

/** The facts domain/compliance.ts decides on, for one recipient, in one query. */
export function complianceRepo(db: Knex) {
  return {
    /**
     * By contact id when the message has one, else by the recipient's number (a contact created later with the
     * same phone is still found). Undefined when no contact matches: an unknown number has no opt-out on record.
     */
    async recipientFacts(workspaceId: string, recipient: { contactId?: string | null; phone?: string | null }, trx: Knex = db): Promise<RecipientFacts | undefined> {
      if (!recipient.contactId && !recipient.phone) return undefined;
      const row = await trx('contacts as c')
        .where('c.workspace_id', workspaceId)
        .modify((q) => {
          if (recipient.contactId) q.andWhere('c.id', recipient.contactId);
          else q.andWhere((w) => w.where('c.phone', recipient.phone!).orWhere('c.whatsapp_phone', recipient.phone!));
        })
        .select(
          'c.blocked',
          'c.opted_out_at',
          trx.raw(
            `EXISTS (SELECT 1 FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
                     WHERE cl.contact_id = c.id AND l.is_system AND l.name = ?) AS dnc`,
            [DNC_LABEL_NAME],
          ),
        )
        .first();
      if (!row) return undefined;
      return { blocked: row.blocked, optedOut: row.opted_out_at !== null, dnc: row.dnc };
    },

    /** Which of these contacts carry the DNC system label (one query: a batch's compliance check). */
    async dncContactIds(workspaceId: string, contactIds: string[], trx: Knex = db): Promise<Set<string>> {
      if (!contactIds.length) return new Set();
      const rows: { contact_id: string }[] = await trx('contact_labels as cl')
        .join('labels as l', 'l.id', 'cl.label_id')
        .where({ 'cl.workspace_id': workspaceId, 'l.is_system': true, 'l.name': DNC_LABEL_NAME })
        .whereIn('cl.contact_id', contactIds)
        .select('cl.contact_id');
      return new Set(rows.map((r) => r.contact_id));
    },

    /** The workspace's sending window and default zone (quiet hours), for recipients who carry their own zone. */
    async workspaceWindow(workspaceId: string, trx: Knex = db): Promise<{ start: string; end: string; timeZone: string }> {
      const ws = await trx('workspaces').where({ id: workspaceId }).first('timezone', 'quiet_hours_start', 'quiet_hours_end');
      return { start: ws?.quiet_hours_start ?? '08:00', end: ws?.quiet_hours_end ?? '21:00', timeZone: ws?.timezone ?? 'UTC' };
    },

    /** The workspace's allowed window and default zone, and the contact's own zone (quiet hours). */
    async sendingWindow(workspaceId: string, contactId: string | null, trx: Knex = db): Promise<{ start: string; end: string; workspaceTimeZone: string; contactTimeZone: string | null }> {
      const ws = await trx('workspaces').where({ id: workspaceId }).first('timezone', 'quiet_hours_start', 'quiet_hours_end');
      const contact = contactId ? await trx('contacts').where({ workspace_id: workspaceId, id: contactId }).first('timezone') : undefined;
      return {
        start: ws?.quiet_hours_start ?? '08:00',
        end: ws?.quiet_hours_end ?? '21:00',
        workspaceTimeZone: ws?.timezone ?? 'UTC',
        contactTimeZone: contact?.timezone ?? null,
      };
    },
  };
}
