/**
 * Contact import: the API half (check the upload and the options, count the rows, start the job), cancel, the failed
 * rows as CSV; and the worker half, `contactImportWriter`, which applies one chunk of rows in one transaction with
 * its events, consent records, failures and the job's progress, so a retried chunk changes nothing twice.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import { consentRepo, type NewConsentEvent } from '../db/repositories/consent';
import { contactImportsRepo, type ImportExistingRow } from '../db/repositories/contact-imports';
import { eventsRepo, type NewEvent } from '../db/repositories/events';
import { groupsRepo } from '../db/repositories/groups';
import { jobsRepo } from '../db/repositories/jobs';
import { labelsRepo } from '../db/repositories/labels';
import type { ContactRow, ImportRowFailureRow, JobRow } from '../db/rows';
import {
  addTotals,
  emptyTotals,
  mapHeader,
  parseRow,
  planChunk,
  rowsCounted,
  type ContactCandidate,
  type DuplicateStrategy,
  type ExistingContact,
  type ImportedFields,
  type ImportTotals,
} from '../domain/contact-import';
import { segmentIds } from '../domain/segment';
import { csvStream } from '../lib/csv';
import { sniffTable, tableRows, TableError, type TableRow, type TableSource } from '../lib/tabular';
import { conflict, invalid, notFound, type InputLocation } from './errors';
import { contactEventData, diffFields } from './events';
import type { JobService } from './jobs';

export const IMPORT_JOB = 'import_contacts';

/** What an import job remembers (its `params`): the stored file, how to read it, and the options. */
export interface ImportParams {
  /** The upload, relative to the export directory. */
  file: string;
  file_name: string;
  source: TableSource;
  header: string[];
  duplicate_strategy: DuplicateStrategy;
  phone_country: string;
  label_ids: string[];
  tag_names: string[];
  group_id: string | null;
  /** The API key that started it (consent records and events name it). */
  actor: string;
}

/** The result an import job carries: its totals, and whether it was canceled. */
export interface ImportResult {
  totals: ImportTotals;
  canceled?: boolean;
}

/** An import as a client asked for it; the upload is already on disk. */
export interface ImportRequest {
  /** The spooled upload (absolute path); the import owns it from here and removes it when done. */
  upload: { path: string; fileName: string };
  duplicateStrategy: DuplicateStrategy;
  phoneCountry: string;
  /** Labels to attach to every imported contact: ids, or (as SeaX's quick start shows) names of existing labels. */
  labelRefs?: string[];
  /** Zagely tags: label names, created when missing. */
  tagNames?: string[];
  groupId?: string;
  actor: string;
}

/** How the calling dialect names the fields, so errors name what the client sent. */
export interface ImportFieldNames {
  file: string;
  labels: string;
  group: string;
  /** Where the label and group options were (SeaX: the form; Zagely: the form). */
  location: InputLocation;
}

/** The upload of an import job, as a path under the export directory (undefined when it would leave it). */
export function importUploadPath(exportDir: string, params: Pick<ImportParams, 'file'>): string | undefined {
  const root = path.resolve(exportDir);
  const file = path.resolve(root, params.file);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** Read the whole file once: its header and how many rows it has, or a 422 naming `field` that says what is wrong. */
async function inspect(file: string, field: string): Promise<{ source: TableSource; header: string[]; rows: number }> {
  try {
    const source = sniffTable(file);
    let header: string[] | undefined;
    let rows = 0;
    for await (const r of tableRows(file, source)) {
      if (header) rows += 1;
      else {
        header = r.cells;
        const mapped = mapHeader(header);
        if (!mapped.ok) throw invalid(field, mapped.problem);
      }
    }
    if (!header) throw invalid(field, 'The file is empty.');
    if (rows === 0) throw invalid(field, 'The file has a header row but no contacts under it.');
    return { source, header, rows };
  } catch (err) {
    if (err instanceof TableError) throw invalid(field, err.message);
    throw err;
  }
}

/** The API half of contact imports. */
export function importService(deps: { db: Knex; jobs: JobService; exportDir: string }) {
  const { db, jobs } = deps;
  const jobRows = jobsRepo(db);

  /** Label ids from ids or names of the workspace's labels; 422 naming the field for any that names none. */
  async function resolveLabels(workspaceId: string, refs: string[], names: ImportFieldNames): Promise<string[]> {
    const unique = [...new Set(refs.map((r) => r.trim()).filter(Boolean))];
    if (!unique.length) return [];
    const ids = segmentIds(unique).ids;
    const found = await labelsRepo(db).byIdsOrNames(workspaceId, ids, unique.map((r) => r.toLowerCase()));
    const resolved = unique.map((r) => found.find((l) => l.id === r.toLowerCase() || l.name.toLowerCase() === r.toLowerCase()));
    const missing = unique.filter((_, i) => !resolved[i]);
    if (missing.length) throw invalid(names.labels, `Unknown label(s): ${missing.join(', ')} (give ids or names of the workspace's labels).`, names.location);
    return [...new Set(resolved.map((l) => l!.id))];
  }

  return {
    /**
     * Check the options (labels and group of the workspace, a static group) and the file (readable, a phone column,
     * at least one row), count its rows, then start `contact-import-<job>`. Anything refused removes the upload.
     */
    async start(workspaceId: string, req: ImportRequest, names: ImportFieldNames): Promise<JobRow> {
      try {
        const labelIds = await resolveLabels(workspaceId, req.labelRefs ?? [], names);
        if (req.groupId) {
          const group = await groupsRepo(db).get(workspaceId, req.groupId);
          if (!group) throw invalid(names.group, 'The group does not exist in this workspace.', names.location);
          if (group.type !== 'static') throw invalid(names.group, 'Contacts can only be added to a static group (a dynamic group’s members follow its filters).', names.location);
        }
        const { source, header, rows } = await inspect(req.upload.path, names.file);
        const params: ImportParams = {
          file: path.relative(path.resolve(deps.exportDir), req.upload.path),
          file_name: req.upload.fileName,
          source,
          header,
          duplicate_strategy: req.duplicateStrategy,
          phone_country: req.phoneCountry,
          label_ids: labelIds,
          tag_names: req.tagNames ?? [],
          group_id: req.groupId ?? null,
          actor: req.actor,
        };
        return await jobs.startContactImport(workspaceId, params as unknown as Record<string, unknown>, rows, req.upload.fileName);
      } catch (err) {
        fs.rmSync(req.upload.path, { force: true });
        throw err;
      }
    },

    /** Ask an import to stop after the chunk in hand; 409 naming the status when it is not running. */
    async cancel(workspaceId: string, jobId: string): Promise<JobRow> {
      const row = await jobRows.requestCancel(workspaceId, jobId, [IMPORT_JOB]);
      if (row) return row;
      const job = await jobs.get(workspaceId, jobId);
      if (job.type !== IMPORT_JOB) throw conflict('Only contact imports can be canceled.', { job_type: job.type }, 'not_cancelable');
      throw conflict(`The import is ${job.status}; only a pending or processing import can be canceled.`, { status: job.status }, 'invalid_state');
    },

    /** An import's failed rows as CSV (row number, reason, message, then the row's cells under the file's header). */
    async failedRows(workspaceId: string, jobId: string): Promise<{ fileName: string; csv: Readable }> {
      const job = await jobs.get(workspaceId, jobId);
      if (job.type !== IMPORT_JOB) throw notFound('Import job');
      const params = job.params as unknown as ImportParams;
      const columns = [
        { key: 'row', header: 'row' },
        { key: 'reason', header: 'reason' },
        { key: 'message', header: 'message' },
        ...params.header.map((h, i) => ({ key: `c${i}`, header: h })),
      ];
      async function* rows() {
        for await (const f of contactImportsRepo(db).failures(workspaceId, jobId)) {
          yield { row: f.row_number, reason: f.reason, message: f.message, ...Object.fromEntries(f.cells.map((c, i) => [`c${i}`, c])) };
        }
      }
      return { fileName: `import-${jobId}-failed-rows.csv`, csv: csvStream(columns, rows()) };
    },
  };
}

/** The contact fields an import writes, compared for contact.updated. */
const FIELDS = ['name', 'whatsapp_phone', 'email', 'note', 'timezone', 'custom_fields'] as const;

const fieldsOf = (c: ContactRow): ImportedFields => ({
  name: c.name,
  phone: c.phone,
  whatsapp_phone: c.whatsapp_phone,
  email: c.email,
  note: c.note,
  timezone: c.timezone,
  custom_fields: c.custom_fields ?? {},
});

/** Another attempt of the same import got to this chunk first, or a contact appeared meanwhile: retry from the job row. */
export class ImportChunkConflict extends Error {}

/** A chunk's rows as read: the contacts they describe and the rows that failed. */
export interface PreparedChunk {
  candidates: ContactCandidate[];
  failures: ImportRowFailureRow[];
}

/** What a chunk did: the job's totals after it and whether the client asked to stop. */
export interface ChunkResult {
  totals: ImportTotals;
  job: JobRow;
  cancelRequested: boolean;
}

/**
 * The worker half: applies chunks of rows of an import job. Each chunk is one transaction: the contacts its numbers
 * name are locked, new ones inserted and changed ones updated set-based, labels (a DNC label with its consent record
 * and contact.opted_out), group memberships, contact.created / contact.updated events, failed rows and the job's
 * progress all commit together. The progress write is a compare-and-set on the rows counted before the chunk, so a
 * stale attempt rolls back instead of counting a chunk twice.
 */
export function contactImportWriter(db: Knex) {
  const repo = contactImportsRepo(db);
  const jobsR = jobsRepo(db);

  return {
    /** Read a chunk's rows (no I/O): the contacts they describe and the rows that fail, with why. */
    prepare(job: JobRow, rows: TableRow[]): PreparedChunk {
      const p = job.params as unknown as ImportParams;
      const mapped = mapHeader(p.header);
      if (!mapped.ok) throw new Error(mapped.problem);
      const failures: ImportRowFailureRow[] = [];
      const candidates: ContactCandidate[] = [];
      for (const r of rows) {
        const parsed = parseRow(mapped.map, r.row, r.cells, p.phone_country);
        if (parsed.ok) candidates.push(parsed.candidate);
        else failures.push({ job_id: job.id, workspace_id: job.workspace_id, row_number: r.row, reason: parsed.reason, message: parsed.message, cells: r.cells });
      }
      return { candidates, failures };
    },

    /** Apply a prepared chunk in one transaction, after the rows counted in `before`. */
    async apply(job: JobRow, { candidates, failures }: PreparedChunk, before: ImportTotals): Promise<ChunkResult> {
      const p = job.params as unknown as ImportParams;
      const ws = job.workspace_id;
      return db.transaction(async (trx) => {
        const phones = [...new Set(candidates.flatMap((c) => (c.phone ? [c.phone] : [])))];
        const whatsappOnly = [...new Set(candidates.flatMap((c) => (!c.phone && c.whatsapp_phone ? [c.whatsapp_phone] : [])))];
        const found = await repo.lockExisting(trx, ws, phones, whatsappOnly);
        const byPhone = new Map<string, ImportExistingRow>();
        const byWhatsapp = new Map<string, ImportExistingRow>();
        for (const c of found) {
          if (c.phone && !byPhone.has(c.phone)) byPhone.set(c.phone, c);
          if (c.whatsapp_phone && !byWhatsapp.has(c.whatsapp_phone)) byWhatsapp.set(c.whatsapp_phone, c);
        }
        const asExisting = (c: ImportExistingRow): ExistingContact => ({ id: c.id, ...fieldsOf(c), createdByThisImport: c.import_job_id === job.id });
        const plan = planChunk(candidates, p.duplicate_strategy, (c) => {
          const hit = c.phone ? byPhone.get(c.phone) : (byPhone.get(c.whatsapp_phone!) ?? byWhatsapp.get(c.whatsapp_phone!));
          return hit ? asExisting(hit) : undefined;
        });
        const foundById = new Map(found.map((c) => [c.id, c]));

        // New contacts, with ids minted here; a number taken meanwhile by someone else means: start the chunk again.
        const fresh = plan.contacts.filter((c) => !c.id).map((c) => ({ ...c.fields, id: randomUUID() }));
        const inserted = await repo.insert(trx, ws, job.id, fresh);
        if (inserted !== fresh.length) throw new ImportChunkConflict('a contact with one of the chunk’s numbers was created meanwhile');
        const at = new Date();
        const insertedById = new Map(fresh.map((f): [string, ContactRow] => [f.id, { ...f, workspace_id: ws, blocked: false, opted_out_at: null, created_at: at, updated_at: at }]));
        let k = 0;
        const contactIdOf = plan.contacts.map((c) => c.id ?? fresh[k++].id);

        // Existing contacts whose fields really change.
        const touched = plan.contacts.map((c, i) => ({ c, id: contactIdOf[i] })).filter(({ c }) => c.id && c.rows.length);
        const changed = touched.filter(({ c }) => diffFields(c.before!, c.fields, [...FIELDS]));
        const updated = new Map((await repo.update(trx, ws, changed.map(({ c, id }) => ({ ...c.fields, id })))).map((r) => [r.id, r]));

        // Labels: the rows' names (created when missing; DNC is the system label) and the import's own.
        const labelNames = [...plan.contacts.flatMap((c) => (c.rows.length ? c.labelNames : [])), ...p.tag_names];
        const named = await labelsRepo(db).ensureNamed(ws, labelNames, trx);
        const importLabels = [...new Set([...(await labelsRepo(db).existingIds(ws, p.label_ids, trx)), ...p.tag_names.flatMap((n) => named.get(n.trim().toLowerCase())?.id ?? [])])];
        const systemIds = new Set([...named.values()].filter((l) => l.is_system).map((l) => l.id));
        const importSystem = importLabels.length ? await trx('labels').where({ workspace_id: ws, is_system: true }).whereIn('id', importLabels).pluck('id') : [];
        for (const id of importSystem as string[]) systemIds.add(id);
        const pairs = plan.contacts.flatMap((c, i) => {
          if (!c.rows.length) return [];
          const ids = new Set([...c.labelNames.map((n) => named.get(n.toLowerCase())!.id), ...(c.attachImportLabels ? importLabels : [])]);
          return [...ids].map((labelId) => ({ contactId: contactIdOf[i], labelId }));
        });
        const existingIds = touched.map(({ id }) => id);
        const labelsBefore = pairs.length ? await repo.labelIds(trx, ws, existingIds) : new Map<string, string[]>();
        const attached = await repo.attachLabels(trx, ws, pairs);
        const added = new Map<string, string[]>();
        for (const a of attached) added.set(a.contact_id, [...(added.get(a.contact_id) ?? []), a.label_id]);

        if (p.group_id && (await groupsRepo(db).lock(ws, p.group_id, trx))) {
          const members = plan.contacts.flatMap((c, i) => (c.rows.length ? [contactIdOf[i]] : []));
          if (members.length) await groupsRepo(db).addMembers(ws, p.group_id, members, [], trx);
        }

        // Events and the consent trail, in bulk with the chunk.
        const source = { source: 'import', actor: p.actor, job_id: job.id };
        const events: NewEvent[] = [];
        const consent: NewConsentEvent[] = [];
        const event = (type: string, c: ContactRow, extra: Record<string, unknown>): NewEvent => ({
          workspace_id: ws, type, subject_type: 'contact', subject_id: c.id, data: contactEventData(c, { ...source, ...extra }),
        });
        plan.contacts.forEach((planned, i) => {
          if (!planned.rows.length) return;
          const id = contactIdOf[i];
          const now = insertedById.get(id) ?? updated.get(id) ?? foundById.get(id)!;
          const newLabels = added.get(id) ?? [];
          if (!planned.id) {
            events.push(event('contact.created', now, { label_ids: [...newLabels].sort(), rows: planned.rows }));
          } else {
            const prev = labelsBefore.get(id) ?? [];
            const labelChange = newLabels.length
              ? { updated_fields: ['label_ids'], previous: { label_ids: prev }, current: { label_ids: [...prev, ...newLabels].sort() } }
              : undefined;
            const change = diffFields(fieldsOf(foundById.get(id)!), fieldsOf(now), [...FIELDS], labelChange);
            if (change) events.push(event('contact.updated', now, { ...change, rows: planned.rows }));
          }
          const dnc = newLabels.filter((l) => systemIds.has(l));
          if (dnc.length) {
            const labels = dnc.map((l) => [...named.values()].find((n) => n.id === l)?.name ?? 'DNC');
            events.push(event('contact.opted_out', now, { labels }));
            for (const label of labels) {
              consent.push({ workspace_id: ws, contact_id: id, phone: now.phone, action: 'opt_out', source: 'import', actor: p.actor, detail: { label, job_id: job.id, row: planned.rows[0] } });
            }
          }
        });
        await eventsRepo(db).record(events, trx);
        if (consent.length) await consentRepo(db).record(consent, trx);
        await repo.recordFailures(trx, failures);

        const chunk = emptyTotals();
        const reason = (r: string) => (chunk.reasons[r] = (chunk.reasons[r] ?? 0) + 1);
        for (const r of plan.rows) {
          chunk[r.outcome] += 1;
          if (r.reason) reason(r.reason);
        }
        for (const f of failures) {
          chunk.failed += 1;
          reason(f.reason);
        }
        const totals = addTotals(before, chunk);
        const processed = rowsCounted(totals);
        const result: ImportResult = { totals };
        const next = await jobsR.advance(
          ws,
          job.id,
          rowsCounted(before),
          {
            status: 'processing',
            processed_items: processed,
            failed_items: totals.failed,
            progress: Math.min(99, Math.floor((processed / Math.max(1, job.total_items)) * 100)),
            result: result as unknown as Record<string, unknown>,
          },
          trx,
        );
        if (!next) throw new ImportChunkConflict('the job moved on without this attempt');
        return { totals, job: next, cancelRequested: next.cancel_requested_at !== null };
      });
    },

    /** The end of an import: finished with its totals, or (canceled) failed with the reason; answers the row. */
    async finish(job: JobRow, totals: ImportTotals, canceled: boolean): Promise<void> {
      const processed = rowsCounted(totals);
      const result: ImportResult = canceled ? { totals, canceled: true } : { totals };
      await jobsR.update(job.workspace_id, job.id, {
        status: canceled ? 'failed' : 'finished',
        progress: canceled ? Math.floor((processed / Math.max(1, job.total_items)) * 100) : 100,
        processed_items: processed,
        failed_items: totals.failed,
        result: result as unknown as Record<string, unknown>,
        ...(canceled
          ? { error_report: { code: 'canceled', message: `The import was canceled after ${processed} of ${job.total_items} rows; those rows were imported, the rest were not.` } }
          : {}),
      });
    },
  };
}
