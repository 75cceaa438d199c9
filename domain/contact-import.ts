/**
 * Contact import rules, pure: what a header row means, what one row of a file says about a contact (or why it
 * cannot be imported), and what a chunk of rows does to the contact book under a duplicate strategy. The service
 * (services/imports.ts) reads the file, looks the numbers up and writes what `planChunk` decides.
 */
import { normalizePhone } from './phone';
import { isValidTimeZone } from './quiet-hours';

/** What to do with a row whose number is already a contact's (or an earlier row's). */
export type DuplicateStrategy = 'mark' | 'skip' | 'update';
export const DUPLICATE_STRATEGIES: readonly DuplicateStrategy[] = ['mark', 'skip', 'update'];

/** Every row ends with exactly one of these. */
export type RowOutcome = 'created' | 'updated' | 'marked' | 'skipped' | 'failed';
export const ROW_OUTCOMES: readonly RowOutcome[] = ['created', 'updated', 'marked', 'skipped', 'failed'];

/** Why a row failed. */
export type FailureReason =
  | 'missing_phone'
  | 'invalid_phone'
  | 'invalid_whatsapp_phone'
  | 'invalid_email'
  | 'invalid_timezone'
  | 'invalid_label'
  | 'value_too_long';

/**
 * Why a row was a duplicate: `duplicate` (a contact that existed before this import has the number) or
 * `duplicate_in_file` (an earlier row of this file created or touched that contact).
 */
export type DuplicateReason = 'duplicate' | 'duplicate_in_file';

export type ColumnRole = 'phone' | 'whatsapp_phone' | 'name' | 'first_name' | 'last_name' | 'email' | 'note' | 'labels' | 'timezone' | 'custom' | 'ignore';

const ALIASES: Record<Exclude<ColumnRole, 'custom' | 'ignore'>, string[]> = {
  phone: ['phone', 'phone_number', 'phonenumber', 'mobile', 'mobile_phone', 'mobile_number', 'cell', 'cell_phone', 'number', 'telephone', 'tel', 'msisdn'],
  whatsapp_phone: ['whatsapp_phone', 'whatsapp', 'whatsapp_number', 'whatsapp_phone_number', 'wa_phone'],
  name: ['name', 'full_name', 'fullname', 'contact_name', 'display_name'],
  first_name: ['first_name', 'firstname', 'given_name'],
  last_name: ['last_name', 'lastname', 'surname', 'family_name'],
  email: ['email', 'e_mail', 'email_address', 'mail'],
  note: ['note', 'notes'],
  labels: ['labels', 'label', 'tags', 'tag', 'contact_labels'],
  timezone: ['timezone', 'time_zone', 'tz'],
};
const ROLE_OF = new Map(Object.entries(ALIASES).flatMap(([role, names]) => names.map((n) => [n, role as ColumnRole])));

/** Limits a row's values must respect (those of the contact API). */
export const LIMITS = { name: 255, email: 255, note: 10_000, label: 255, customKey: 255, customValue: 10_000 } as const;

/** `Phone Number`, `phone-number` and ` PHONE_NUMBER ` all read as `phone_number`. */
const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s\-.]+/g, '_');

/** What each column of a file means: a role, and for custom fields the key (the header as written). */
export interface ColumnMap {
  roles: ColumnRole[];
  keys: string[];
}

/**
 * The meaning of a header row, matched case-insensitively with the usual aliases; the first column of a role wins
 * and later ones become custom fields; columns without a header are ignored. Fails when no column holds a phone.
 */
export function mapHeader(header: string[]): { ok: true; map: ColumnMap } | { ok: false; problem: string } {
  const taken = new Set<ColumnRole>();
  const roles: ColumnRole[] = [];
  const keys: string[] = [];
  for (const raw of header) {
    const key = raw.trim();
    const role = ROLE_OF.get(headerKey(raw));
    if (!key) roles.push('ignore');
    else if (role && !taken.has(role)) {
      taken.add(role);
      roles.push(role);
    } else roles.push('custom');
    keys.push(key.slice(0, LIMITS.customKey));
  }
  if (!taken.has('phone') && !taken.has('whatsapp_phone')) {
    const shown = header.map((h) => h.trim()).filter(Boolean).slice(0, 10).join(', ');
    return {
      ok: false,
      problem: `The file has no phone column: name one column phone (or phone_number, mobile, whatsapp_phone). Its header row is: ${shown || '(empty)'}.`,
    };
  }
  return { ok: true, map: { roles, keys } };
}

/** A row that can be imported: the contact it describes, only from its non-empty cells. */
export interface ContactCandidate {
  row: number;
  phone: string | null;
  whatsapp_phone: string | null;
  name: string | null;
  email: string | null;
  note: string | null;
  timezone: string | null;
  custom_fields: Record<string, string>;
  labels: string[];
}

export type ParsedRow = { ok: true; candidate: ContactCandidate } | { ok: false; row: number; reason: FailureReason; message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `a; b | c` → ['a', 'b', 'c']. */
export const splitLabels = (cell: string): string[] => cell.split(/[;|]/).map((s) => s.trim()).filter(Boolean);

/** One data row: normalised numbers (in `country` when written without +), trimmed values, or the first reason it fails. */
export function parseRow(map: ColumnMap, row: number, cells: string[], country: string): ParsedRow {
  const c: ContactCandidate = { row, phone: null, whatsapp_phone: null, name: null, email: null, note: null, timezone: null, custom_fields: {}, labels: [] };
  let first = '';
  let last = '';
  const fail = (reason: FailureReason, message: string): ParsedRow => ({ ok: false, row, reason, message });
  for (let i = 0; i < map.roles.length; i++) {
    const value = (cells[i] ?? '').trim();
    if (!value) continue;
    const role = map.roles[i];
    const column = map.keys[i];
    switch (role) {
      case 'phone':
      case 'whatsapp_phone': {
        const e164 = normalizePhone(value, country);
        if (!e164) return fail(role === 'phone' ? 'invalid_phone' : 'invalid_whatsapp_phone', `The ${column} "${value}" is not a valid phone number (E.164 recommended, e.g. +15551234567).`);
        c[role] = e164;
        break;
      }
      case 'name':
        if (value.length > LIMITS.name) return fail('value_too_long', `The ${column} is longer than ${LIMITS.name} characters.`);
        c.name = value;
        break;
      case 'first_name':
      case 'last_name':
        if (value.length > LIMITS.name) return fail('value_too_long', `The ${column} is longer than ${LIMITS.name} characters.`);
        if (role === 'first_name') first = value;
        else last = value;
        c.custom_fields[role] = value;
        break;
      case 'email':
        if (value.length > LIMITS.email || !EMAIL.test(value)) return fail('invalid_email', `The ${column} "${value.slice(0, 100)}" is not a valid e-mail address.`);
        c.email = value;
        break;
      case 'note':
        if (value.length > LIMITS.note) return fail('value_too_long', `The ${column} is longer than ${LIMITS.note} characters.`);
        c.note = value;
        break;
      case 'timezone':
        if (!isValidTimeZone(value)) return fail('invalid_timezone', `The ${column} "${cells[i].trim().slice(0, 100)}" is not a time zone (IANA names such as America/New_York).`);
        c.timezone = value;
        break;
      case 'labels':
        for (const label of splitLabels(value)) {
          if (label.length > LIMITS.label) return fail('invalid_label', `A label in ${column} is longer than ${LIMITS.label} characters.`);
          if (!c.labels.some((l) => l.toLowerCase() === label.toLowerCase())) c.labels.push(label);
        }
        break;
      case 'custom':
        if (value.length > LIMITS.customValue) return fail('value_too_long', `The ${column} is longer than ${LIMITS.customValue} characters.`);
        c.custom_fields[column] = value;
        break;
      case 'ignore':
        break;
    }
  }
  if (!c.phone && !c.whatsapp_phone) return fail('missing_phone', 'The row has no phone number.');
  if (!c.name && (first || last)) c.name = [first, last].filter(Boolean).join(' ').slice(0, LIMITS.name);
  return { ok: true, candidate: c };
}

/** The contact fields an import compares and writes. */
export interface ImportedFields {
  name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  email: string | null;
  note: string | null;
  timezone: string | null;
  custom_fields: Record<string, unknown>;
}

/** An existing contact as a chunk's plan needs it. */
export interface ExistingContact extends ImportedFields {
  id: string;
  /** Created by this import (an earlier chunk): a row with its number repeats an earlier row. */
  createdByThisImport: boolean;
}

/** The fields a new contact gets from its first row (the name defaults to the number, as in the contact API). */
export const newContactFields = (c: ContactCandidate): ImportedFields => ({
  name: c.name ?? (c.phone ?? c.whatsapp_phone)!,
  phone: c.phone,
  whatsapp_phone: c.whatsapp_phone,
  email: c.email,
  note: c.note,
  timezone: c.timezone,
  custom_fields: { ...c.custom_fields },
});

/** `update`: the row's non-empty cells written over the fields (custom fields merged key by key; the phone stays). */
export function overlay(fields: ImportedFields, c: ContactCandidate): ImportedFields {
  return {
    name: c.name ?? fields.name,
    phone: fields.phone,
    whatsapp_phone: c.whatsapp_phone ?? fields.whatsapp_phone,
    email: c.email ?? fields.email,
    note: c.note ?? fields.note,
    timezone: c.timezone ?? fields.timezone,
    custom_fields: Object.keys(c.custom_fields).length ? { ...fields.custom_fields, ...c.custom_fields } : fields.custom_fields,
  };
}

/** A contact a chunk touches: a new one (no id yet) or an existing one, with what the chunk does to it. */
export interface PlannedContact {
  /** Set for existing contacts. */
  id?: string;
  /** The fields before the chunk (existing contacts only). */
  before?: ImportedFields;
  /** The fields after the chunk. */
  fields: ImportedFields;
  /** Label names (case kept, compared case-insensitively) and import label ids to attach; never removed. */
  labelNames: string[];
  attachImportLabels: boolean;
  /** The rows that made it. */
  rows: number[];
}

export interface PlannedRow {
  row: number;
  outcome: Exclude<RowOutcome, 'failed'>;
  reason?: DuplicateReason;
  /** Index into `contacts`, except for skipped rows. */
  contact?: number;
}

export interface ChunkPlan {
  contacts: PlannedContact[];
  rows: PlannedRow[];
}

/**
 * What a chunk of valid rows does, in file order. A row with a phone is the contact with that phone; a row with only
 * a WhatsApp number is the contact whose phone or WhatsApp number it is. The first row of a number that no contact
 * has creates one; any later row with it (in this chunk, or whose contact an earlier chunk created) and any row
 * whose number a contact already has is a duplicate, handled by `strategy`: skip leaves it untouched, update writes
 * the row's non-empty cells over it and adds labels, mark only adds labels. `existing(row)` finds the contact a
 * row's number already belongs to in the database (as it was before this chunk).
 */
export function planChunk(rows: ContactCandidate[], strategy: DuplicateStrategy, existing: (c: ContactCandidate) => ExistingContact | undefined): ChunkPlan {
  const contacts: PlannedContact[] = [];
  const out: PlannedRow[] = [];
  const byPhone = new Map<string, number>();
  const byWhatsapp = new Map<string, number>();
  const byExistingId = new Map<string, number>();
  const index = (i: number) => {
    const f = contacts[i].fields;
    if (f.phone && !byPhone.has(f.phone)) byPhone.set(f.phone, i);
    if (f.whatsapp_phone && !byWhatsapp.has(f.whatsapp_phone)) byWhatsapp.set(f.whatsapp_phone, i);
  };
  const addLabels = (p: PlannedContact, names: string[]) => {
    for (const n of names) if (!p.labelNames.some((l) => l.toLowerCase() === n.toLowerCase())) p.labelNames.push(n);
  };

  for (const c of rows) {
    // Earlier rows of this chunk first (they are newer than the database's view), then the database.
    let i = c.phone ? byPhone.get(c.phone) : (byPhone.get(c.whatsapp_phone!) ?? byWhatsapp.get(c.whatsapp_phone!));
    let reason: DuplicateReason = 'duplicate_in_file';
    if (i === undefined) {
      const e = existing(c);
      if (e) {
        i = byExistingId.get(e.id);
        if (i === undefined) {
          const { id, createdByThisImport, ...before } = e;
          i = contacts.push({ id, before, fields: before, labelNames: [], attachImportLabels: false, rows: [] }) - 1;
          byExistingId.set(id, i);
          index(i);
          reason = createdByThisImport ? 'duplicate_in_file' : 'duplicate';
        }
      }
    }
    if (i === undefined) {
      i = contacts.push({ fields: newContactFields(c), labelNames: [...c.labels], attachImportLabels: true, rows: [c.row] }) - 1;
      index(i);
      out.push({ row: c.row, outcome: 'created', contact: i });
      continue;
    }
    const p = contacts[i];
    if (strategy === 'skip') {
      out.push({ row: c.row, outcome: 'skipped', reason });
      continue;
    }
    if (strategy === 'update') {
      p.fields = overlay(p.fields, c);
      index(i);
    }
    addLabels(p, c.labels);
    p.attachImportLabels = true;
    p.rows.push(c.row);
    out.push({ row: c.row, outcome: strategy === 'update' ? 'updated' : 'marked', reason, contact: i });
  }
  return { contacts, rows: out };
}

/** The counts a job's result carries, each outcome and each reason. */
export interface ImportTotals {
  created: number;
  updated: number;
  marked: number;
  skipped: number;
  failed: number;
  /** Failure and duplicate reasons, with how many rows each. */
  reasons: Record<string, number>;
}

export const emptyTotals = (): ImportTotals => ({ created: 0, updated: 0, marked: 0, skipped: 0, failed: 0, reasons: {} });

/** `a + b`, outcome by outcome and reason by reason. */
export function addTotals(a: ImportTotals, b: ImportTotals): ImportTotals {
  const reasons = { ...a.reasons };
  for (const [k, n] of Object.entries(b.reasons)) reasons[k] = (reasons[k] ?? 0) + n;
  return { created: a.created + b.created, updated: a.updated + b.updated, marked: a.marked + b.marked, skipped: a.skipped + b.skipped, failed: a.failed + b.failed, reasons };
}

/** Rows counted so far (every outcome). */
export const rowsCounted = (t: ImportTotals): number => t.created + t.updated + t.marked + t.skipped + t.failed;
