import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { carrierCredentialsSchemas, encryptPhoneCredentials, parseEncryptionKey } from '../carriers/credentials';
import {
  DEFAULT_CAPABILITY,
  phoneConflictOf,
  phonesRepo,
  type PhoneChangeHook,
  type PhoneListFilter,
  type PhonePatch
} from '../db/repositories/phones';
import { eventsRepo } from '../db/repositories/events';
import { sessionEventData } from './events';
import { phoneCountry } from '../domain/phone';
import { InvalidError, notFound, invalid, conflict } from './errors';
import { phoneOrFail } from './contacts';
import type { PhoneCapability, PhoneRow } from '../db/rows';

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
  /** Write-only carrier credentials, validated against the provider's schema and stored encrypted; null clears them. */
  credentials?: Record<string, unknown> | null;
}

export interface PhoneServiceOptions {
  /** CREDENTIALS_ENCRYPTION_KEY: one key, or a comma-separated list during a rotation (the first encrypts). */
  encryptionKey?: string;
  /** SIMULATOR_ENABLED: false refuses SIMULATOR phones (422 naming source). */
  simulatorEnabled?: boolean;
}

const NEEDS_CREDENTIALS = (source: string) => source !== 'SIMULATOR';

/** The provider schema's issues as `credentials.<field>` errors. */
function credentialsError(error: z.ZodError): InvalidError {
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(`The ${field} field: ${message}`);
  for (const issue of error.issues) {
    const field = ['credentials', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add(`${field}.${key}`, 'is not a credential of this provider');
    else add(field, issue.message);
  }
  return new InvalidError(errors);
}

const RECIPIENTS = ['call_recipient', 'sms_recipient', 'wabp_recipient'] as const;

/** A stored recipient carries its own id, as SeaX shows it. */
const withId = (r: Recipient | undefined) => (r ? { id: randomUUID(), type: r.type, receiver: r.receiver } : r);

export { DEFAULT_CAPABILITY };

/** Sender phones (SeaX phones, Zagely sessions): numbers normalised to E.164, unique per workspace, one default. */
export function phoneService(db: Knex, opts: PhoneServiceOptions = {}) {
  const repo = phonesRepo(db);
  const encryptionKey = opts.encryptionKey
    ?.split(',')
    .map((k) => k.trim())
    .find(Boolean);

  /**
   * Validates credentials for `source` and answers how to encrypt them for a phone id (null: nothing to store,
   * SIMULATOR needs none). Without a usable CREDENTIALS_ENCRYPTION_KEY they cannot be stored: 422 naming credentials.
   */
  function credentialsCipher(source: string, credentials: Record<string, unknown>): ((phoneId: string) => string) | null {
    const schema = carrierCredentialsSchemas[source as keyof typeof carrierCredentialsSchemas];
    if (!schema) throw invalid('credentials', `The source ${source} takes no credentials.`);
    const parsed = schema.safeParse(credentials);
    if (!parsed.success) throw credentialsError(parsed.error);
    if (!NEEDS_CREDENTIALS(source)) return null;
    if (!encryptionKey) throw invalid('credentials', 'The server lacks CREDENTIALS_ENCRYPTION_KEY, so credentials cannot be stored.');
    try {
      parseEncryptionKey(encryptionKey);
    } catch {
      throw invalid('credentials', 'The server’s CREDENTIALS_ENCRYPTION_KEY is not a valid key, so credentials cannot be stored.');
    }
    const value = parsed.data;
    return (phoneId) => encryptPhoneCredentials(phoneId, value, encryptionKey);
  }

  /** The WhatsApp Cloud phone-number-id (SeaX's whatsapp_business_account_phone_id) is the provider's sender id. */
  const providerSenderIdOf = (source: string, waPhoneId: string | null | undefined) => (source === 'WHATSAPP_CLOUD' ? (waPhoneId ?? null) : null);

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
    if (kind === 'number') throw invalid('phone', `The phone ${phone ?? ''} is already registered in this workspace.`);
    if (kind === 'default') throw conflict('Another request changed the default phone at the same time; retry.');
    throw err;
  }

  /** The columns the input sets, with the number normalised (`country`, else the workspace's, reads local numbers). */
  function patchOf(input: PhoneInput, defaultCountry: string, current?: PhoneRow): PhonePatch {
    const { phone: rawPhone, phone_capability: capability, credentials: _credentials, ...rest } = input;
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

  /** The simulator carrier is switched off on this server: no new SIMULATOR phones. */
  const checkSource = (source: string) => {
    if (source === 'SIMULATOR' && opts.simulatorEnabled === false) {
      throw invalid('source', 'The simulator provider is disabled on this server (SIMULATOR_ENABLED=false); choose TWILIO or WHATSAPP_CLOUD.');
    }
  };

  return {
    list: (workspaceId: string, filter: PhoneListFilter, opts: { limit?: number; offset: number }) => repo.list(workspaceId, filter, opts),

    /** Which of these ids are the workspace's phones, with number, name and enabled (one query). */
    states: (workspaceId: string, ids: string[]) => repo.states(workspaceId, ids),

    /**
     * The named senders (each `{field, id}`) as ids of enabled phones of the workspace, deduplicated; invalid
     * naming the field of one that is not a phone of the workspace (`what`: the dialect's word), or disabled.
     */
    async enabledSenders(workspaceId: string, named: { field: string; id: string }[], what = 'phone'): Promise<string[]> {
      const ids = [...new Set(named.map((n) => n.id.toLowerCase()))];
      const found = await repo.states(workspaceId, ids);
      for (const n of named) {
        const phone = found.find((p) => p.id === n.id.toLowerCase());
        if (!phone) throw invalid(n.field, `The ${n.field} field must name one of the workspace's ${what}s.`);
        if (!phone.enabled) throw invalid(n.field, `The ${what} ${n.id} is disabled.`);
      }
      return ids;
    },

    /** The phone, or not found (under the dialect's name for it: Phone, Session). */
    async get(workspaceId: string, id: string, what = 'Phone'): Promise<PhoneRow> {
      const row = await repo.get(workspaceId, id);
      if (!row) throw notFound(what);
      return row;
    },

    async create(workspaceId: string, input: PhoneInput & { phone: string }, defaultCountry: string): Promise<PhoneRow> {
      const patch = patchOf(input, defaultCountry);
      const phone = patch.phone as string;
      const source = patch.source ?? 'SIMULATOR';
      checkSource(source);
      const cipher = input.credentials ? credentialsCipher(source, input.credentials) : null;
      const providerSenderId = providerSenderIdOf(source, patch.whatsapp_business_account_phone_id);
      return repo
        .create(
          { ...patch, workspace_id: workspaceId, phone, name: patch.name ?? phone, ...(providerSenderId ? { provider_sender_id: providerSenderId } : {}) },
          sessionEvents,
          cipher ?? undefined,
        )
        .catch((err: unknown) => rethrow(err, phone));
    },

    /** Only the fields present change. */
    async update(workspaceId: string, id: string, input: PhoneInput, defaultCountry: string): Promise<PhoneRow> {
      const current = await repo.get(workspaceId, id);
      if (!current) throw notFound('Phone');
      const patch = patchOf(input, defaultCountry, current);
      const source = patch.source ?? current.source;
      const sourceChanged = source !== current.source;
      if (sourceChanged) checkSource(source);
      if (input.credentials) {
        const cipher = credentialsCipher(source, input.credentials);
        patch.credentials_encrypted = cipher ? cipher(id) : null;
      } else if (input.credentials === null || (sourceChanged && !NEEDS_CREDENTIALS(source))) {
        patch.credentials_encrypted = null;
      } else if (sourceChanged) {
        throw invalid('credentials', `Changing the source to ${source} needs the provider’s credentials.`);
      }
      if (sourceChanged || patch.whatsapp_business_account_phone_id !== undefined) {
        patch.provider_sender_id = providerSenderIdOf(source, patch.whatsapp_business_account_phone_id !== undefined ? patch.whatsapp_business_account_phone_id : current.whatsapp_business_account_phone_id);
      }
      const row = await repo.update(workspaceId, id, patch, sessionEvents).catch((err: unknown) => rethrow(err, patch.phone));
      if (!row) throw notFound('Phone');
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      if (!(await repo.delete(workspaceId, id, sessionEvents))) throw notFound('Phone');
    },
  };
}
