import type { Knex } from 'knex';
import type { DialerStatus } from '../../domain/dialer';
import type { SegmentFilter } from '../../domain/segment';
import { PERSON_ANSWERED } from './call-attempts';
import { segmentQuery } from './segments';
import type { ContactRow, DialerCampaignRow, DialerContactRow } from '../rows';

export type NewDialerCampaign = Omit<
  DialerCampaignRow,
  'id' | 'workflow_id' | 'target_contact_count' | 'excluded_count' | 'started_at' | 'paused_at' | 'completed_at' | 'canceled_at' | 'labels_attached_at' | 'created_at' | 'updated_at'
>;

/** A contact to call, with what the call needs (its zone, its fields for the message). */
export type DialerTarget = Pick<DialerContactRow, 'seq' | 'phone' | 'phone_id' | 'contact_id' | 'attempts' | 'status'> & { contact: ContactRow };

/** What the workflow decided for a contact after an attempt (recorded in bulk). */
export interface DialerDecisionRow {
  seq: number;
  kind: 'retry' | 'done' | 'expired';
  outcome?: string | null;
  reason: string;
  next_attempt_at?: string | null;
}

export interface DialerStats {
  human: number;
  machine: number;
  unknown: number;
  no_answer: number;
  total: number;
  busy: number;
  failed: number;
  in_progress: number;
  pending: number;
  canceled: number;
  expired: number;
  excluded: number;
  opted_out: number;
  calls: number;
  keypresses: Record<string, number>;
  abandoned: number;
  human_answered: number;
}

export interface DialerLogRow {
  seq: number;
  contact_id: string;
  contact_name: string | null;
  phone: string;
  phone_id: string;
  contact_status: string;
  attempts: number;
  outcome: string | null;
  finish_reason: string | null;
  next_attempt_at: Date | null;
  attempt_id: string | null;
  call_status: string | null;
  answered_by: string | null;
  digits: string | null;
  speech_result: string | null;
  speech_confidence: number | null;
  duration_seconds: number | null;
  placed_at: Date | null;
  dialing_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  recording_url: string | null;
  error_code: string | null;
  error_message: string | null;
  provider_call_id: string | null;
  abandoned: boolean | null;
}

const JSON_COLUMNS = ['overwrite_phone_recipient', 'audience', 'audience_refs', 'retry_delays', 'calling_window'] as const;
const toDb = (row: Partial<DialerCampaignRow>) => {
  const out: Record<string, unknown> = { ...row };
  for (const c of JSON_COLUMNS) if (out[c] !== undefined && out[c] !== null) out[c] = JSON.stringify(out[c]);
  return out;
};

/** A contact's call status in logs: its last attempt's, or its own while it has none. */
const LOG_STATUS = `COALESCE(a.status, CASE r.status WHEN 'active' THEN 'pending' ELSE r.status END)`;

const ORDER_COLUMNS = { created_time: 'created_at', updated_time: 'updated_at', start_time: 'start_time', end_time: 'end_time', name: 'name', id: 'id' } as const;
/** Fields a dialer campaign list may be ordered by. */
export type DialerOrderField = keyof typeof ORDER_COLUMNS;
export const DIALER_ORDER_FIELDS = Object.keys(ORDER_COLUMNS) as DialerOrderField[];

export interface DialerListFilter {
  types?: string[];
  statuses?: DialerStatus[];
  phoneNumbers?: string[];
  aiConfigId?: string;
  stage?: string;
  mode?: string;
  /** Campaigns whose run overlaps [from, to]. */
  from?: Date;
  to?: Date;
}

/** Dialer campaigns and their contacts; every query is scoped by workspace, or by a campaign id read from a scoped row. */
export function dialerCampaignsRepo(db: Knex) {
  return {
    insert: async (row: NewDialerCampaign, trx: Knex = db): Promise<DialerCampaignRow> => (await trx('dialer_campaigns').insert(toDb(row)).returning('*'))[0],

    get: (workspaceId: string, id: string, trx: Knex = db): Promise<DialerCampaignRow | undefined> => trx('dialer_campaigns').where({ workspace_id: workspaceId, id }).first(),

    async list(workspaceId: string, f: DialerListFilter, p: { limit?: number; offset: number; order: { field: DialerOrderField; direction: 'asc' | 'desc' }[] }) {
      const base = db('dialer_campaigns as d')
        .where('d.workspace_id', workspaceId)
        .modify((q) => {
          if (f.types?.length) q.whereIn('d.type', f.types);
          if (f.statuses?.length) q.whereIn('d.status', f.statuses);
          if (f.stage) q.whereRaw('upper(d.stage) = upper(?)', [f.stage]);
          if (f.mode) q.whereRaw('upper(d.mode) = upper(?)', [f.mode]);
          if (f.aiConfigId) q.where('d.ai_agent_conversation_config_id', f.aiConfigId);
          if (f.phoneNumbers?.length) {
            q.whereRaw('d.phone_ids && ARRAY(SELECT p.id FROM phones p WHERE p.workspace_id = d.workspace_id AND p.phone = ANY(?::text[]))', [f.phoneNumbers]);
          }
          if (f.from) q.where('d.end_time', '>=', f.from);
          if (f.to) q.where('d.start_time', '<=', f.to);
        });
      const order = [...p.order.map((o) => ({ column: `d.${ORDER_COLUMNS[o.field]}`, order: o.direction })), { column: 'd.id', order: 'desc' as const }];
      const [rows, [{ n }]] = await Promise.all([
        base.clone().select('d.*').orderBy(order).offset(p.offset).modify((q) => (p.limit === undefined ? q : q.limit(p.limit))) as Promise<DialerCampaignRow[]>,
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },

    /** Compare-and-set: change the campaign only while its status is one of `from`. */
    update: async (workspaceId: string, id: string, from: DialerStatus[], patch: Partial<DialerCampaignRow>, trx: Knex = db): Promise<DialerCampaignRow | undefined> =>
      (await trx('dialer_campaigns').where({ workspace_id: workspaceId, id }).whereIn('status', from).update({ ...toDb(patch), updated_at: trx.fn.now() }).returning('*'))[0],

    setWorkflowId: (workspaceId: string, id: string, workflowId: string) => db('dialer_campaigns').where({ workspace_id: workspaceId, id }).update({ workflow_id: workflowId }),

    /** Reachable contacts with a phone number the audience gives right now (one per number). */
    async countAudience(workspaceId: string, audience: SegmentFilter): Promise<number> {
      const row = await segmentQuery(db, workspaceId, { ...audience, reachableOnly: true })
        .whereRaw(`COALESCE(c.phone, '') <> ''`)
        .first(db.raw('count(DISTINCT c.phone)::int AS n'));
      return Number(row?.n ?? 0);
    },

    /**
     * Resolve the audience into contacts to call, once (one INSERT … SELECT; a second call inserts nothing):
     * reachable contacts only (never blocked, opted out or DNC), one per number, spread over the phones in turn.
     */
    async resolveAudience(c: DialerCampaignRow): Promise<{ total: number; excluded: number }> {
      return db.transaction(async (trx) => {
        await trx('dialer_campaigns').where({ id: c.id }).forUpdate().first('id');
        const [{ n: existing }] = await trx('dialer_contacts').where({ campaign_id: c.id }).count<{ n: string }[]>({ n: '*' });
        const matched = Number((await segmentQuery(trx, c.workspace_id, c.audience).count({ n: '*' }).first())?.n ?? 0);
        if (Number(existing) === 0) {
          const audience = segmentQuery(trx, c.workspace_id, { ...c.audience, reachableOnly: true })
            .whereRaw(`COALESCE(c.phone, '') <> ''`)
            .distinctOn('c.phone')
            .select('c.id', 'c.created_at', 'c.phone')
            .orderBy([{ column: 'c.phone' }, { column: 'c.created_at' }, { column: 'c.id' }])
            .toSQL();
          await trx.raw(
            `INSERT INTO dialer_contacts (campaign_id, seq, workspace_id, contact_id, phone, phone_id)
             SELECT ?, o.seq, ?, o.id, o.phone, (?::uuid[])[1 + (o.seq - 1) % ?]
               FROM (SELECT a.id, a.phone, row_number() OVER (ORDER BY a.created_at, a.id)::int AS seq FROM (${audience.sql}) a) o`,
            [c.id, c.workspace_id, c.phone_ids, c.phone_ids.length, ...audience.bindings],
          );
        }
        const [{ n }] = await trx('dialer_contacts').where({ campaign_id: c.id }).count<{ n: string }[]>({ n: '*' });
        const total = Number(n);
        const excluded = Math.max(0, matched - total);
        await trx('dialer_campaigns').where({ id: c.id }).update({ target_contact_count: total, excluded_count: excluded });
        return { total, excluded };
      });
    },

    /** Up to `limit` pending contacts due now, in audience order, FOR UPDATE SKIP LOCKED (the caller's transaction). */
    claimPending: (trx: Knex, campaignId: string, limit: number): Promise<DialerTarget[]> =>
      trx
        .with('picked', (q) =>
          q
            .from('dialer_contacts')
            .select('seq')
            .where({ campaign_id: campaignId, status: 'pending' })
            // A contact another batch claimed is still pending until its attempt row is written: never claimed twice.
            .whereNull('batch')
            .andWhere((w) => w.whereNull('not_before').orWhere('not_before', '<=', trx.fn.now()))
            .orderBy('seq')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .from('dialer_contacts as r')
        .join('picked', 'picked.seq', 'r.seq')
        .join('contacts as c', 'c.id', 'r.contact_id')
        .where('r.campaign_id', campaignId)
        .select('r.seq', 'r.phone', 'r.phone_id', 'r.contact_id', 'r.attempts', 'r.status', trx.raw('to_jsonb(c.*) AS contact'))
        .orderBy('r.seq'),

    /** The contacts a placing batch claimed (a retried batch takes these again). */
    batchTargets: (trx: Knex, campaignId: string, batch: number): Promise<DialerTarget[]> =>
      trx('dialer_contacts as r')
        .join('contacts as c', 'c.id', 'r.contact_id')
        .where({ 'r.campaign_id': campaignId, 'r.batch': batch })
        .select('r.seq', 'r.phone', 'r.phone_id', 'r.contact_id', 'r.attempts', 'r.status', trx.raw('to_jsonb(c.*) AS contact'))
        .orderBy('r.seq'),

    /** Claimed by placing batch `batch`. */
    markBatch: (trx: Knex, campaignId: string, seqs: number[], batch: number) => trx('dialer_contacts').where({ campaign_id: campaignId }).whereIn('seq', seqs).update({ batch }),

    /** These contacts (retries the workflow asks for), with their contact rows. */
    targets: (trx: Knex, campaignId: string, seqs: number[]): Promise<DialerTarget[]> =>
      seqs.length
        ? trx('dialer_contacts as r')
            .join('contacts as c', 'c.id', 'r.contact_id')
            .where('r.campaign_id', campaignId)
            .whereIn('r.seq', seqs)
            .select('r.seq', 'r.phone', 'r.phone_id', 'r.contact_id', 'r.attempts', 'r.status', trx.raw('to_jsonb(c.*) AS contact'))
        : Promise.resolve([]),

    /** Calling window: these pending contacts are not claimable before `at`. */
    defer: (trx: Knex, campaignId: string, seqs: number[], at: Date) => trx('dialer_contacts').where({ campaign_id: campaignId }).whereIn('seq', seqs).update({ not_before: at }),

    /** The attempt each contact is on now (active, attempts, last_attempt_id), in one statement. */
    markDialing: (trx: Knex, campaignId: string, rows: { seq: number; attempt: number; attemptId: string }[]) =>
      rows.length
        ? trx.raw(
            `UPDATE dialer_contacts r SET status = 'active', attempts = GREATEST(r.attempts, v.attempt), last_attempt_id = v.id, next_attempt_at = NULL
               FROM unnest(?::int[], ?::int[], ?::uuid[]) AS v(seq, attempt, id)
              WHERE r.campaign_id = ? AND r.seq = v.seq AND r.status IN ('pending', 'active')`,
            [rows.map((r) => r.seq), rows.map((r) => r.attempt), rows.map((r) => r.attemptId), campaignId],
          )
        : Promise.resolve(),

    /** The workflow's decisions after attempts, in one statement: a retry's due time, or the contact's final outcome. */
    applyDecisions: (trx: Knex, campaignId: string, decisions: DialerDecisionRow[]) =>
      decisions.length
        ? trx.raw(
            `UPDATE dialer_contacts r
                SET status = CASE v.kind WHEN 'retry' THEN 'active' WHEN 'expired' THEN 'expired' ELSE 'done' END,
                    next_attempt_at = CASE v.kind WHEN 'retry' THEN v.next_attempt_at END,
                    outcome = COALESCE(v.outcome, r.outcome), finish_reason = CASE WHEN v.kind = 'retry' THEN NULL ELSE v.reason END
               FROM jsonb_to_recordset(?::jsonb) AS v(seq int, kind text, outcome text, reason text, next_attempt_at timestamptz)
              WHERE r.campaign_id = ? AND r.seq = v.seq AND r.status IN ('pending', 'active')`,
            [JSON.stringify(decisions), campaignId],
          )
        : Promise.resolve(),

    /** Whether pending contacts remain, and the earliest instant one of them becomes claimable (null: now). */
    async pendingState(campaignId: string): Promise<{ pending: boolean; dueAt: Date | null }> {
      const row = await db('dialer_contacts')
        .where({ campaign_id: campaignId, status: 'pending' })
        .whereNull('batch')
        .select(db.raw('count(*) > 0 AS pending'), db.raw(`min(CASE WHEN not_before > now() THEN not_before END) AS due_at`), db.raw(`bool_or(not_before IS NULL OR not_before <= now()) AS due_now`))
        .first();
      return { pending: Boolean(row?.pending), dueAt: row?.due_now ? null : (row?.due_at ?? null) };
    },

    /** Contacts not finished (pending, or waiting for a retry) → expired or canceled; answers how many. */
    closeRemaining: (campaignId: string, to: 'expired' | 'canceled'): Promise<number> =>
      db('dialer_contacts').where({ campaign_id: campaignId }).whereIn('status', ['pending', 'active']).update({ status: to, outcome: db.raw('COALESCE(outcome, ?)', [to]), finish_reason: to, next_attempt_at: null }),

    markStarted: async (trx: Knex, workspaceId: string, id: string): Promise<DialerCampaignRow | undefined> =>
      (
        await trx('dialer_campaigns')
          .where({ workspace_id: workspaceId, id })
          .whereNull('started_at')
          .whereIn('status', ['scheduled', 'running'])
          .update({ status: 'running', started_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    markCompleted: async (trx: Knex, workspaceId: string, id: string): Promise<DialerCampaignRow | undefined> =>
      (
        await trx('dialer_campaigns')
          .where({ workspace_id: workspaceId, id })
          .whereIn('status', ['running', 'paused', 'scheduled'])
          .update({ status: 'completed', completed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    /** Attach labels to every contact that answered, once (labels_attached_at guards re-runs). */
    attachLabels: (c: DialerCampaignRow) =>
      db.transaction(async (trx) => {
        const claimed = await trx('dialer_campaigns').where({ id: c.id }).whereNull('labels_attached_at').update({ labels_attached_at: trx.fn.now() });
        if (!claimed || !c.attach_contact_label_ids.length) return;
        await trx.raw(
          `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
           SELECT DISTINCT :ws::uuid, a.contact_id, l.id
             FROM call_attempts a JOIN labels l ON l.workspace_id = :ws AND l.id = ANY(:labels::uuid[])
            WHERE a.campaign_id = :cid AND a.answered_at IS NOT NULL AND a.contact_id IS NOT NULL
           ON CONFLICT DO NOTHING`,
          { ws: c.workspace_id, labels: c.attach_contact_label_ids, cid: c.id },
        );
      }),

    /** Exact statistics from the same rows as the logs (each contact by its final or current state). */
    async stats(c: DialerCampaignRow): Promise<DialerStats> {
      const [contacts, calls, keys] = await Promise.all([
        db('dialer_contacts as r')
          .leftJoin('call_attempts as a', 'a.id', 'r.last_attempt_id')
          .where('r.campaign_id', c.id)
          .first(
            db.raw('count(*)::int AS total'),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome IN ('human', 'opted_out'))::int AS human`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'machine')::int AS machine`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'unknown')::int AS unknown`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'no_answer')::int AS no_answer`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'busy')::int AS busy`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'failed')::int AS failed`),
            db.raw(`count(*) FILTER (WHERE r.status = 'done' AND r.outcome = 'refused')::int AS refused`),
            db.raw(`count(*) FILTER (WHERE r.outcome = 'opted_out')::int AS opted_out`),
            db.raw(`count(*) FILTER (WHERE r.status = 'active' AND a.id IS NOT NULL AND a.status NOT IN ('completed', 'busy', 'no-answer', 'failed', 'canceled'))::int AS in_progress`),
            db.raw(`count(*) FILTER (WHERE r.status = 'pending' OR (r.status = 'active' AND (a.id IS NULL OR a.status IN ('completed', 'busy', 'no-answer', 'failed', 'canceled'))))::int AS pending`),
            db.raw(`count(*) FILTER (WHERE r.status = 'canceled' OR (r.status = 'done' AND r.outcome = 'canceled'))::int AS canceled`),
            db.raw(`count(*) FILTER (WHERE r.status = 'expired')::int AS expired`),
          ),
        db('call_attempts')
          .where({ campaign_id: c.id })
          .first(
            db.raw(`count(*) FILTER (WHERE provider_call_id IS NOT NULL)::int AS calls`),
            db.raw(`count(*) FILTER (WHERE abandoned)::int AS abandoned`),
            db.raw(`count(*) FILTER (WHERE ${PERSON_ANSWERED})::int AS human_answered`),
          ),
        db('call_attempts').where({ campaign_id: c.id }).whereNotNull('digits').groupBy('digits').select('digits', db.raw('count(*)::int AS n')),
      ]);
      const k = contacts as Record<string, number>;
      const a = calls as Record<string, number>;
      return {
        human: k.human,
        machine: k.machine,
        unknown: k.unknown,
        no_answer: k.no_answer,
        total: k.total,
        busy: k.busy,
        failed: k.failed,
        in_progress: k.in_progress,
        pending: k.pending,
        canceled: k.canceled,
        expired: k.expired,
        excluded: (c.excluded_count ?? 0) + k.refused,
        opted_out: k.opted_out,
        calls: a.calls,
        keypresses: Object.fromEntries((keys as { digits: string; n: number }[]).map((r) => [r.digits, r.n])),
        abandoned: a.abandoned,
        human_answered: a.human_answered,
      };
    },

    /** One log row per contact, in audience order, with its last attempt; filtered by call status. */
    async logs(c: DialerCampaignRow, f: { statuses?: string[] }, p: { limit?: number; offset: number }) {
      const base = db('dialer_contacts as r')
        .leftJoin('call_attempts as a', 'a.id', 'r.last_attempt_id')
        .where('r.campaign_id', c.id)
        .modify((q) => {
          if (f.statuses?.length) q.whereRaw(`${LOG_STATUS} = ANY(?::text[])`, [f.statuses]);
        });
      const [rows, [{ n }]] = await Promise.all([
        base
          .clone()
          .leftJoin('contacts as c', 'c.id', 'r.contact_id')
          .select(
            'r.seq',
            'r.contact_id',
            'c.name as contact_name',
            'r.phone',
            'r.phone_id',
            'r.status as contact_status',
            'r.attempts',
            'r.outcome',
            db.raw('COALESCE(r.finish_reason, a.finish_reason) AS finish_reason'),
            'r.next_attempt_at',
            'a.id as attempt_id',
            db.raw(`${LOG_STATUS} AS call_status`),
            'a.answered_by',
            'a.digits',
            'a.speech_result',
            'a.speech_confidence',
            'a.duration_seconds',
            'a.placed_at',
            'a.dialing_at',
            'a.answered_at',
            'a.ended_at',
            'a.recording_url',
            'a.error_code',
            'a.error_message',
            'a.provider_call_id',
            'a.abandoned',
          )
          .orderBy('r.seq')
          .offset(p.offset)
          .modify((q) => (p.limit === undefined ? q : q.limit(p.limit))),
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as DialerLogRow[], total: Number(n) };
    },

    /** The labels and contacts a campaign's filters name, as objects (campaign_metadata), in two queries. */
    async refObjects(workspaceId: string, labelIds: string[], contactIds: string[]) {
      const [labels, contacts] = await Promise.all([
        labelIds.length ? db('labels').where({ workspace_id: workspaceId }).whereIn('id', labelIds).select('id', 'name', 'color') : [],
        contactIds.length ? db('contacts').where({ workspace_id: workspaceId }).whereIn('id', contactIds).select('id', 'name', 'phone') : [],
      ]);
      return { labels: new Map((labels as { id: string; name: string; color: string }[]).map((l) => [l.id, l])), contacts: new Map((contacts as { id: string; name: string; phone: string | null }[]).map((c) => [c.id, c])) };
    },

    /** The workspace's phone for a campaign that names none (the refactored wiki's shape): the default, else the oldest enabled voice phone. */
    defaultVoicePhone: async (workspaceId: string): Promise<string | undefined> =>
      (
        await db('phones')
          .where({ workspace_id: workspaceId, enabled: true })
          .whereRaw(`COALESCE((phone_capability->>'voice')::boolean, true)`)
          .orderBy([{ column: 'is_default', order: 'desc' }, { column: 'created_at' }])
          .first('id')
      )?.id,

    /** Lock the campaign row: serialises the bridging decisions of its calls (free agent lines). */
    lock: (trx: Knex, id: string) => trx('dialer_campaigns').where({ id }).forUpdate().first('id'),

    /** The next free instant of each phone's call pacer, locked for the caller's transaction (id order: no deadlock). */
    async lockCallPacers(trx: Knex, workspaceId: string, phoneIds: string[]): Promise<Map<string, number>> {
      const ids = [...new Set(phoneIds)].sort();
      if (!ids.length) return new Map();
      await trx('sender_pacers').insert(ids.map((id) => ({ phone_id: id, workspace_id: workspaceId }))).onConflict('phone_id').ignore();
      const rows: { phone_id: string; call_next_at_ms: number }[] = await trx('sender_pacers').whereIn('phone_id', ids).orderBy('phone_id').forUpdate().select('phone_id', 'call_next_at_ms');
      return new Map(rows.map((r) => [r.phone_id, Number(r.call_next_at_ms)]));
    },

    setCallPacer: (trx: Knex, phoneId: string, nextAtMs: number) => trx('sender_pacers').where({ phone_id: phoneId }).update({ call_next_at_ms: nextAtMs }),
  };
}
