import type { Knex } from 'knex';
import { consentRepo } from '../db/repositories/consent';
import { contactPagesRepo, type ContactOrder } from '../db/repositories/contact-pages';
import { contactsRepo, DuplicatePhoneError, type ContactFields } from '../db/repositories/contacts';
import { eventsRepo, type NewEvent } from '../db/repositories/events';
import { labelsRepo } from '../db/repositories/labels';
import { contactEventData, diffFields } from './events';
import { normalizePhone } from '../domain/phone';
import { segmentIds, type SegmentFilter } from '../domain/segment';
import { notFound, invalid } from './errors';
import type { ContactRow, LabelRow } from '../db/rows';

/** A contact with what both dialects show beside it. */
export interface ContactView extends ContactRow {
  labels: LabelRow[];
  groups: { id: string; name: string }[];
}

export interface ContactInput extends ContactFields {
  /** Replace the contact's (non-system) labels with these ids. */
  label_ids?: string[];
  /** Replace the contact's (non-system) labels with these names, creating missing labels (Zagely tags). */
  tag_names?: string[];
}

/** How the calling dialect names the fields, so errors name what the client sent. */
export interface FieldNames {
  phone: string;
  label_ids: string;
  whatsapp_phone?: string;
}

/** Normalise a phone field to E.164 or fail with a 422 naming it. */
export function phoneOrFail(value: string, field: string, country: string): string {
  const e164 = normalizePhone(value, country);
  if (!e164) throw invalid(field, `The ${field} field must be a valid phone number (E.164 recommended, e.g. +15551234567).`);
  return e164;
}

/** Contact use cases shared by the SeaX and Zagely routes. Every read and write is scoped by workspace. */
export function contactService(db: Knex) {
  const contacts = contactsRepo(db);
  const labels = labelsRepo(db);

  async function withRelations(workspaceId: string, rows: ContactRow[]): Promise<ContactView[]> {
    const ids = rows.map((r) => r.id);
    const [labelMap, groupMap] = await Promise.all([labels.forContacts(workspaceId, ids), contacts.groupsFor(workspaceId, ids)]);
    return rows.map((r) => ({ ...r, labels: labelMap.get(r.id) ?? [], groups: groupMap.get(r.id) ?? [] }));
  }

  async function labelIdsFor(workspaceId: string, input: ContactInput, names: FieldNames, trx: Knex): Promise<string[] | undefined> {
    if (input.tag_names) return labels.ensureByNames(workspaceId, input.tag_names, trx);
    if (!input.label_ids) return undefined;
    const unique = [...new Set(input.label_ids)];
    const existing = await labels.existingIds(workspaceId, unique, trx);
    const missing = unique.filter((id) => !existing.has(id));
    if (missing.length) throw invalid(names.label_ids, `Unknown label id(s): ${missing.join(', ')}.`);
    return unique;
  }

  /**
   * Attaching a system label (DNC) by label id or tag name is a consent change: record it in the audit trail, in
   * the same transaction, once per label the contact did not have yet. Returns the names of the labels added.
   */
  async function auditSystemLabels(workspaceId: string, contact: ContactRow, labelIds: string[], actor: string, trx: Knex): Promise<string[]> {
    if (!labelIds.length) return [];
    const added = await labels.systemLabelsNotOn(workspaceId, contact.id, labelIds, trx);
    for (const { name } of added) {
      await consentRepo(trx).record(
        { workspace_id: workspaceId, contact_id: contact.id, phone: contact.phone, action: 'opt_out', source: 'api', actor, detail: { label: name } },
        trx,
      );
    }
    return added.map((a) => a.name);
  }

  const labelIdsOf = (contactId: string, trx: Knex): Promise<string[]> => labels.idsOfContact(contactId, trx);

  const contactEvent = (type: string, c: ContactRow, extra: Record<string, unknown> = {}): NewEvent => ({
    workspace_id: c.workspace_id, type, subject_type: 'contact', subject_id: c.id, data: contactEventData(c, extra),
  });

  /** contact.opted_out when attaching labels put a system (DNC) label on the contact. */
  const optedOutEvents = (c: ContactRow, dncLabels: string[], actor: string): NewEvent[] =>
    dncLabels.length ? [contactEvent('contact.opted_out', c, { source: 'api', actor, labels: dncLabels })] : [];

  const fieldsOf = ({ label_ids: _l, tag_names: _t, ...fields }: ContactInput): ContactFields => fields;

  function duplicate(err: unknown, names: FieldNames): never {
    if (err instanceof DuplicatePhoneError) {
      throw invalid(names.phone, `A contact with the phone number ${err.phone} already exists in this workspace.`);
    }
    throw err;
  }

  return {
    withRelations,
    /** The contact's latest messages, newest first. */
    recentMessages: (workspaceId: string, contactId: string, limit: number) => contacts.recentMessages(workspaceId, contactId, limit),

    /** A page of the contacts a segment selects, sorted by several keys, with their labels and groups. */
    async page(
      workspaceId: string,
      filter: SegmentFilter,
      opts: { order: ContactOrder; limit?: number; offset: number },
    ): Promise<{ data: ContactView[]; total: number }> {
      const { rows, total } = await contactPagesRepo(db).page(workspaceId, filter, opts);
      return { data: await withRelations(workspaceId, rows), total };
    },

    /**
     * Label references that may be ids or names (SeaX `exclude_labels`): a value that is the id of a label of the
     * workspace counts as that id, anything else as a name.
     */
    async splitLabelRefs(workspaceId: string, refs: string[]): Promise<{ ids: string[]; names: string[] }> {
      const existing = await labels.existingIds(workspaceId, segmentIds(refs).ids);
      const isId = (ref: string) => existing.has(ref.toLowerCase());
      return { ids: refs.filter(isId).map((r) => r.toLowerCase()), names: refs.filter((r) => !isId(r)) };
    },

    async get(workspaceId: string, id: string): Promise<ContactView> {
      const row = await contacts.get(workspaceId, id);
      if (!row) throw notFound('Contact');
      return (await withRelations(workspaceId, [row]))[0];
    },

    async create(workspaceId: string, input: ContactInput & { name: string }, names: FieldNames, actor = 'api'): Promise<ContactView> {
      const row = await db
        .transaction(async (trx) => {
          const labelIds = await labelIdsFor(workspaceId, input, names, trx);
          const created = await contacts.insert(workspaceId, { ...fieldsOf(input), name: input.name }, trx);
          let dnc: string[] = [];
          if (labelIds?.length) {
            dnc = await auditSystemLabels(workspaceId, created, labelIds, actor, trx);
            await labels.attach(workspaceId, [created.id], labelIds, trx);
          }
          const labelIdsNow = labelIds?.length ? await labelIdsOf(created.id, trx) : [];
          await eventsRepo(db).record(
            [contactEvent('contact.created', created, { source: 'api', actor, label_ids: labelIdsNow }), ...optedOutEvents(created, dnc, actor)],
            trx,
          );
          return created;
        })
        .catch((err) => duplicate(err, names));
      return (await withRelations(workspaceId, [row]))[0];
    },

    /** Only the fields present in `input` change. */
    async update(workspaceId: string, id: string, input: ContactInput, names: FieldNames, actor = 'api'): Promise<ContactView> {
      const row = await db
        .transaction(async (trx) => {
          const existing = await contacts.get(workspaceId, id, trx);
          if (!existing) throw notFound('Contact');
          const labelIds = await labelIdsFor(workspaceId, input, names, trx);
          const fields = fieldsOf(input);
          const labelsBefore = labelIds ? await labelIdsOf(id, trx) : [];
          const updated = Object.keys(fields).length || labelIds ? await contacts.update(workspaceId, id, fields, trx) : existing;
          let dnc: string[] = [];
          if (labelIds) {
            dnc = await auditSystemLabels(workspaceId, existing, labelIds, actor, trx);
            await labels.replaceForContact(workspaceId, id, labelIds, trx);
          }
          const current = updated ?? existing;
          // contact.updated only when a value actually changed (a no-op update records nothing).
          const labelsAfter = labelIds ? await labelIdsOf(id, trx) : [];
          const labelChange =
            labelIds && labelsBefore.join() !== labelsAfter.join()
              ? { updated_fields: ['label_ids'], previous: { label_ids: labelsBefore }, current: { label_ids: labelsAfter } }
              : undefined;
          const change = diffFields(existing, current, Object.keys(fields) as (keyof ContactRow & string)[], labelChange);
          await eventsRepo(db).record(
            [...(change ? [contactEvent('contact.updated', current, { source: 'api', actor, ...change })] : []), ...optedOutEvents(current, dnc, actor)],
            trx,
          );
          return current;
        })
        .catch((err) => duplicate(err, names));
      return (await withRelations(workspaceId, [row]))[0];
    },

    /**
     * Deleting records no event: neither dialect documents contact.deleted, and a contact.updated pointing at a row
     * that no longer exists would mislead subscribers. Its messages keep their contact's phone in from/to.
     */
    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await contacts.delete(workspaceId, id))) throw notFound('Contact');
    },

    /** Block or unblock, with an audit record when the state actually changes. Idempotent. */
    async setBlocked(workspaceId: string, id: string, blocked: boolean, actor: string): Promise<ContactView> {
      const row = await db.transaction(async (trx) => {
        const changed = await contacts.setBlocked(workspaceId, id, blocked, trx);
        if (changed) {
          await consentRepo(trx).record(
            { workspace_id: workspaceId, contact_id: id, phone: changed.phone, action: blocked ? 'block' : 'unblock', source: 'api', actor },
            trx,
          );
          await eventsRepo(db).record(
            contactEvent('contact.updated', changed, {
              source: 'api', actor, updated_fields: ['blocked'], previous: { blocked: !blocked }, current: { blocked },
            }),
            trx,
          );
          return changed;
        }
        const current = await contacts.get(workspaceId, id, trx);
        if (!current) throw notFound('Contact');
        return current;
      });
      return (await withRelations(workspaceId, [row]))[0];
    },
  };
}
