import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  DEFAULT_CAPABILITY,
  phoneConflictOf,
  phonesRepo,
  type PhoneCapability,
  type PhoneChangeHook,
  type PhoneListFilter,
  type PhonePatch,
  type PhoneRow,
} from '../../db/repositories/phones';
import { eventsRepo } from '../../db/repositories/events';
import { sessionEventData } from '../../domain/events';
import { phoneCountry } from '../../domain/phone';
import { conflict, notFound, ValidationError } from '../errors';
import { phoneOrFail } from './contacts';

type Recipient = { type: string; receiver: string } | null;

/** What a client may set on a sender phone; absent fields keep their value (or the default on create). */
export interface PhoneInput {
  name?: string;
  phone?: string;
  country?: string;
  type?: PhoneRow['type'];
  source?: string;
  phone_capability?: Partial<PhoneCapability>;
  is_default?: boolean;
  enabled?: boolean;
  is_owned?: boolean;
  generic_reply_message?: string | null;
  dnc_reply_message?: string | null;
  enabled_generic_reply?: boolean;
  enabled_dnc_reply?: boolean;
  enabled_recipient?: boolean;
  call_recipient?: Recipient;
  sms_recipient?: Recipient;
  wabp_recipient?: Recipient;
  whatsapp_business_account_phone_id?: string | null;
  whatsapp_status?: string | null;
}

const RECIPIENTS = ['call_recipient', 'sms_recipient', 'wabp_recipient'] as const;

/** A stored recipient carries its own id, as SeaX shows it. */
const withId = (r: Recipient | undefined) => (r ? { id: randomUUID(), type: r.type, receiver: r.receiver } : r);

/** Sender phones (SeaX phones, Zagely sessions): numbers normalised to E.164, unique per workspace, one default. */
export function phoneService(db: Knex) {
  const repo = phonesRepo(db);

  /**
   * session.connected when a phone starts being usable (created enabled, or enabled), session.disconnected when it
   * stops (disabled, or deleted while enabled); recorded in the write's transaction, nothing when `enabled` did not change.
   */
  const sessionEvents: PhoneChangeHook = async ({ before, after }, trx) => {
    const was = before?.enabled ?? false;
    const is = after?.enabled ?? false;
    if (was === is) return;
    const row = (after ?? before) as PhoneRow;
    const reason = is ? (before ? 'enabled' : 'created') : after ? 'disabled' : 'deleted';
    await eventsRepo(db).record(
      { workspace_id: row.workspace_id, type: is ? 'session.connected' : 'session.disconnected', subject_type: 'session', subject_id: row.id, data: sessionEventData(row, reason) },
      trx,
    );
  };

  function rethrow(err: unknown, phone: string | undefined): never {
    const kind = phoneConflictOf(err);
    if (kind === 'number') throw ValidationError.field('phone', `The phone ${phone ?? ''} is already registered in this workspace.`);
    if (kind === 'default') throw conflict('Another request changed the default phone at the same time; retry.');
    throw err;
  }

  /** The columns the input sets, with the number normalised (`country`, else the workspace's, reads local numbers). */
  function patchOf(input: PhoneInput, defaultCountry: string, current?: PhoneRow): PhonePatch {
    const { phone: rawPhone, phone_capability: capability, ...rest } = input;
    const patch: PhonePatch = {};
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
    }
    for (const key of RECIPIENTS) if (input[key] !== undefined) patch[key] = withId(input[key]);
    if (rawPhone !== undefined) {
      patch.phone = phoneOrFail(rawPhone, 'phone', input.country ?? current?.country ?? defaultCountry);
      if (input.country === undefined) patch.country = phoneCountry(patch.phone) ?? current?.country ?? defaultCountry;
    }
    if (capability) patch.phone_capability = { ...(current?.phone_capability ?? DEFAULT_CAPABILITY), ...capability };
    return patch;
  }

  return {
    list: (workspaceId: string, filter: PhoneListFilter, opts: { limit?: number; offset: number }) => repo.list(workspaceId, filter, opts),

    async get(workspaceId: string, id: string): Promise<PhoneRow> {
      const row = await repo.get(workspaceId, id);
      if (!row) throw notFound('Phone');
      return row;
    },

    async create(workspaceId: string, input: PhoneInput & { phone: string }, defaultCountry: string): Promise<PhoneRow> {
      const patch = patchOf(input, defaultCountry);
      const phone = patch.phone as string;
      return repo
        .create({ ...patch, workspace_id: workspaceId, phone, name: patch.name ?? phone }, sessionEvents)
        .catch((err: unknown) => rethrow(err, phone));
    },

    /** Only the fields present change. */
    async update(workspaceId: string, id: string, input: PhoneInput, defaultCountry: string): Promise<PhoneRow> {
      const current = await repo.get(workspaceId, id);
      if (!current) throw notFound('Phone');
      const patch = patchOf(input, defaultCountry, current);
      const row = await repo.update(workspaceId, id, patch, sessionEvents).catch((err: unknown) => rethrow(err, patch.phone));
      if (!row) throw notFound('Phone');
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await repo.delete(workspaceId, id, sessionEvents))) throw notFound('Phone');
    },
  };
}
