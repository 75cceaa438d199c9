import type { Knex } from 'knex';
import type { CampaignChannel, CampaignStatus } from '../../domain/campaigns';
import type { SegmentFilter } from '../../domain/segment';
import { segmentQuery } from './segments';
import type { CampaignLogRow, CampaignRow, ContactRow, MessageRow, MessageStatus } from '../rows';

export type NewCampaign = Pick<CampaignRow, 'workspace_id' | 'dialect' | 'name' | 'channel' | 'message' | 'phone_ids' | 'audience' | 'status'> &
  Partial<Pick<CampaignRow, 'media_urls' | 'buttons' | 'target_type' | 'target_filters' | 'start_time' | 'end_time' | 'enable_link_shortening' | 'attach_contact_label_ids' | 'recurrence' | 'parent_id' | 'run_number' | 'run_key'>>;

/** A recipient claimed for sending, with what rendering needs. */
export type ClaimedRecipient = { seq: number; phone: string; phone_id: string; message_id: string; contact: ContactRow };

export interface CampaignStats {
  total_contacts: number;
  pending: number;
  sent: number;
  failed: number;
  delivered: number;
  bounced: number;
  read: number;
  replied: number;
  clicked: number;
  expired: number;
  canceled: number;
  excluded: number;
}

const JSON_COLUMNS = ['media_urls', 'buttons', 'audience', 'target_filters', 'recurrence'] as const;
const toDb = (row: Partial<CampaignRow>) => {
  const out: Record<string, unknown> = { ...row };
  for (const c of JSON_COLUMNS) if (out[c] !== undefined && out[c] !== null) out[c] = JSON.stringify(out[c]);
  return out;
};

/** The stored audience as a SegmentFilter again: jsonb gives its created dates back as ISO strings. */
const storedAudience = (a: SegmentFilter): SegmentFilter => ({
  ...a,
  ...(a.createdFrom ? { createdFrom: new Date(a.createdFrom) } : {}),
  ...(a.createdTo ? { createdTo: new Date(a.createdTo) } : {}),
});

/** What a log row's status is: the message's once the recipient was claimed, else the recipient's own. */
const LOG_STATUS = 'COALESCE(m.status, r.status)';

/** A campaign's recipients with their messages, filtered by log status (the message's, or the recipient's when unclaimed). */
const campaignLogBase = (db: Knex, campaignId: string, f: { statuses?: string[] }) =>
  db('campaign_recipients as r')
    .leftJoin('messages as m', 'm.id', 'r.message_id')
    .where('r.campaign_id', campaignId)
    .modify((q) => {
      if (f.statuses?.length) q.whereRaw(`${LOG_STATUS} = ANY(?::text[])`, [f.statuses]);
    });

/** The per-recipient log rows (CampaignLogRow) of a campaign, unordered and unpaged: the list route pages it, the export streams it. */
export const campaignLogQuery = (db: Knex, campaignId: string, f: { statuses?: string[] }) =>
  campaignLogBase(db, campaignId, f)
    .leftJoin('contacts as c', 'c.id', 'r.contact_id')
    .select(
      'r.seq',
      'r.message_id',
      'r.contact_id',
      'r.phone',
      'r.phone_id',
      'c.name as contact_name',
      db.raw(`${LOG_STATUS} AS status`),
      'm.id as message_row_id',
      'm.content',
      'm.provider_message_id',
      'm.sent_at',
      'm.delivered_at',
      'm.read_at',
      'm.failed_at',
      'm.error_code',
      'm.error_message',
    );

/** Campaigns, their recipients, links and sender pacers. Every query is scoped by workspace (or by a campaign id taken from a workspace-scoped row). */
export function campaignsRepo(db: Knex) {
  return {
    insert: async (row: NewCampaign, trx: Knex = db): Promise<CampaignRow> => (await trx('campaigns').insert(toDb(row)).returning('*'))[0],

    get: (workspaceId: string, id: string, trx: Knex = db): Promise<CampaignRow | undefined> => trx('campaigns').where({ workspace_id: workspaceId, id }).first(),

    async list(workspaceId: string, f: { dialect?: string; status?: CampaignStatus[]; channel?: string; parentId?: string | null; name?: string }, p: { limit: number; offset: number }) {
      const base = db('campaigns')
        .where({ workspace_id: workspaceId })
        .modify((q) => {
          if (f.status?.length) q.whereIn('status', f.status);
          if (f.channel) q.andWhere({ channel: f.channel });
          if (f.name) q.andWhereILike('name', `%${f.name.replace(/[\\%_]/g, '\\$&')}%`);
          if (f.parentId === null) q.whereNull('parent_id');
          else if (f.parentId) q.andWhere({ parent_id: f.parentId });
        });
      const [rows, [{ n }]] = await Promise.all([
        base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(p.limit).offset(p.offset) as Promise<CampaignRow[]>,
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },

    /** Compare-and-set: change the campaign only while its status is one of `from`; undefined otherwise. */
    update: async (workspaceId: string, id: string, from: CampaignStatus[], patch: Partial<CampaignRow>, trx: Knex = db): Promise<CampaignRow | undefined> =>
      (await trx('campaigns').where({ workspace_id: workspaceId, id }).whereIn('status', from).update({ ...toDb(patch), updated_at: trx.fn.now() }).returning('*'))[0],

    setWorkflowId: (workspaceId: string, id: string, workflowId: string) => db('campaigns').where({ workspace_id: workspaceId, id }).update({ workflow_id: workflowId }),

    /** How many recipients an audience gives right now (reachable, one per address of the channel). */
    async countAudience(workspaceId: string, channel: CampaignChannel, audience: SegmentFilter): Promise<number> {
      const address = channel === 'whatsapp' ? "COALESCE(NULLIF(c.whatsapp_phone, ''), c.phone)" : 'c.phone';
      const row = await segmentQuery(db, workspaceId, { ...audience, reachableOnly: true })
        .whereRaw(`COALESCE(${address}, '') <> ''`)
        .first(db.raw(`count(DISTINCT ${address})::int AS n`));
      return Number(row?.n ?? 0);
    },

    delete: async (workspaceId: string, id: string, from: CampaignStatus[]): Promise<boolean> =>
      (await db('campaigns').where({ workspace_id: workspaceId, id }).whereIn('status', from).delete()) > 0,

    /** The run a Schedule firing created, if any (runs are unique per (parent, run_key)). */
    runByKey: (workspaceId: string, parentId: string, runKey: string): Promise<CampaignRow | undefined> =>
      db('campaigns').where({ workspace_id: workspaceId, parent_id: parentId, run_key: runKey }).first(),

    nextRunNumber: async (workspaceId: string, parentId: string, trx: Knex = db): Promise<number> => {
      const row = await trx('campaigns').where({ workspace_id: workspaceId, parent_id: parentId }).max<{ n: number | null }[]>({ n: 'run_number' }).first();
      return (row?.n ?? 0) + 1;
    },

    /**
     * Resolve the audience into recipients, once (set-based: one INSERT … SELECT; a second call finds them and
     * inserts nothing). Reachable contacts only (never blocked, opted-out or DNC), one per address, each with a
     * sender: the campaign phone that last wrote to the contact (sticky), else the phones in turn.
     */
    async resolveAudience(c: CampaignRow): Promise<{ total: number; excluded: number }> {
      return db.transaction(async (trx) => {
        // Serialises concurrent resolutions of the same campaign (activity retries racing a slow first attempt).
        await trx('campaigns').where({ id: c.id }).forUpdate().first('id');
        const existing = await trx('campaign_recipients').where({ campaign_id: c.id }).count<{ n: string }[]>({ n: '*' });
        const matched = Number((await segmentQuery(trx, c.workspace_id, storedAudience(c.audience)).count({ n: '*' }).first())?.n ?? 0);
        if (Number(existing[0].n) === 0) {
          const address = c.channel === 'whatsapp' ? "COALESCE(NULLIF(c.whatsapp_phone, ''), c.phone)" : 'c.phone';
          const audience = segmentQuery(trx, c.workspace_id, { ...storedAudience(c.audience), reachableOnly: true })
            .whereRaw(`COALESCE(${address}, '') <> ''`)
            .select('c.id', 'c.created_at', trx.raw(`${address} AS address`))
            .toSQL();
          const sticky =
            c.phone_ids.length > 1
              ? `(SELECT m.phone_id FROM messages m WHERE m.workspace_id = :ws AND m.contact_id = o.id AND m.direction = 'outbound'
                   AND m.phone_id = ANY(:phones::uuid[]) ORDER BY m.created_at DESC LIMIT 1)`
              : 'NULL::uuid';
          const sql = `INSERT INTO campaign_recipients (campaign_id, seq, workspace_id, contact_id, phone, phone_id)
            SELECT :cid, o.seq, :ws, o.id, o.address, COALESCE(${sticky}, (:phones::uuid[])[1 + (o.seq - 1) % :n])
              FROM (SELECT a.id, a.address, row_number() OVER (ORDER BY a.created_at, a.id)::int AS seq
                      FROM (SELECT DISTINCT ON (s.address) s.id, s.created_at, s.address FROM (${audience.sql}) s
                             ORDER BY s.address, s.created_at, s.id) a) o`;
          // knex.raw cannot mix positional and named bindings: inline the audience's positional ones as named.
          let i = 0;
          const named: Record<string, unknown> = { cid: c.id, ws: c.workspace_id, phones: c.phone_ids, n: c.phone_ids.length };
          const text = sql.replace(/\?/g, () => {
            const key = `b${i}`;
            named[key] = audience.bindings[i++];
            return `:${key}`;
          });
          await trx.raw(text, named as Record<string, Knex.Value>);
        }
        const [{ n }] = await trx('campaign_recipients').where({ campaign_id: c.id }).count<{ n: string }[]>({ n: '*' });
        const total = Number(n);
        const excluded = Math.max(0, matched - total);
        await trx('campaigns').where({ id: c.id }).update({ target_contact_count: total, excluded_count: excluded });
        return { total, excluded };
      });
    },

    /** Recipients a batch claimed earlier (a retried batch works on exactly these), with their message's status. */
    batchMessages: (campaignId: string, batch: number): Promise<MessageRow[]> =>
      db('campaign_recipients as r')
        .join('messages as m', 'm.id', 'r.message_id')
        .where({ 'r.campaign_id': campaignId, 'r.batch': batch })
        .select('m.*')
        .orderBy('m.send_at'),

    /**
     * Claim up to `limit` pending, due recipients of one sender, in audience order, FOR UPDATE SKIP LOCKED so
     * concurrent batches never take the same rows. Runs in the caller's transaction (with the message inserts).
     */
    claimPending: (trx: Knex, campaignId: string, phoneId: string, limit: number): Promise<(ClaimedRecipient & { contact: ContactRow })[]> =>
      trx
        .with('picked', (q) =>
          q
            .from('campaign_recipients')
            .select('seq')
            .where({ campaign_id: campaignId, phone_id: phoneId, status: 'pending' })
            .andWhere((w) => w.whereNull('not_before').orWhere('not_before', '<=', trx.fn.now()))
            .orderBy('seq')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .from('campaign_recipients as r')
        .join('picked', 'picked.seq', 'r.seq')
        .join('contacts as c', 'c.id', 'r.contact_id')
        .where('r.campaign_id', campaignId)
        .select('r.seq', 'r.phone', 'r.phone_id', 'r.message_id', trx.raw('to_jsonb(c.*) AS contact'))
        .orderBy('r.seq'),

    markClaimed: (trx: Knex, campaignId: string, seqs: number[], batch: number) =>
      trx('campaign_recipients').where({ campaign_id: campaignId }).whereIn('seq', seqs).update({ status: 'claimed', batch }),

    /** Quiet hours: these recipients are not claimable before `at`. */
    deferRecipients: (trx: Knex, campaignId: string, seqs: number[], at: Date) =>
      trx('campaign_recipients').where({ campaign_id: campaignId }).whereIn('seq', seqs).update({ not_before: at }),

    /** Whether pending recipients remain, and the earliest instant one of them becomes claimable (null: now). */
    async pendingState(campaignId: string): Promise<{ pending: boolean; dueAt: Date | null }> {
      const row = await db('campaign_recipients')
        .where({ campaign_id: campaignId, status: 'pending' })
        .select(db.raw('count(*) > 0 AS pending'), db.raw(`min(CASE WHEN not_before > now() THEN not_before END) AS due_at`), db.raw(`bool_or(not_before IS NULL OR not_before <= now()) AS due_now`))
        .first();
      return { pending: Boolean(row?.pending), dueAt: row?.due_now ? null : (row?.due_at ?? null) };
    },

    /** Pending recipients → expired (end_time) or canceled; answers how many. */
    closePending: async (campaignId: string, to: 'expired' | 'canceled'): Promise<number> =>
      db('campaign_recipients').where({ campaign_id: campaignId, status: 'pending' }).update({ status: to }),

    /** Bulk status move of a campaign's messages (CAS on `from`), answering the rows moved. */
    moveMessages: (trx: Knex, workspaceId: string, ids: string[], from: MessageStatus[], to: MessageStatus, patch: Record<string, unknown> = {}): Promise<MessageRow[]> =>
      ids.length
        ? trx('messages')
            .where({ workspace_id: workspaceId })
            .whereIn('id', ids)
            .whereIn('status', from)
            .update({ ...patch, status: to, [`${to}_at`]: trx.fn.now(), updated_at: trx.fn.now() })
            .returning('*')
        : Promise.resolve([]),

    /** Insert a batch's message rows (ids fixed in the recipient rows: a retried insert adds nothing), 1,000 per statement. */
    async insertMessages(trx: Knex, rows: Record<string, unknown>[]): Promise<MessageRow[]> {
      const inserted: MessageRow[] = [];
      for (let i = 0; i < rows.length; i += 1000) inserted.push(...((await trx('messages').insert(rows.slice(i, i + 1000)).onConflict('id').ignore().returning('*')) as MessageRow[]));
      return inserted;
    },

    /** Compare-and-set: the run starts (running, started_at) once; undefined when it had started or ended already. */
    markStarted: async (trx: Knex, workspaceId: string, id: string): Promise<CampaignRow | undefined> =>
      (
        await trx('campaigns')
          .where({ workspace_id: workspaceId, id })
          .whereNull('started_at')
          .whereIn('status', ['draft', 'scheduled', 'running'])
          .update({ status: 'running', started_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    /** Compare-and-set: the run completes once (from running, paused or scheduled); undefined otherwise. */
    markCompleted: async (trx: Knex, workspaceId: string, id: string): Promise<CampaignRow | undefined> =>
      (
        await trx('campaigns')
          .where({ workspace_id: workspaceId, id })
          .whereIn('status', ['running', 'paused', 'scheduled'])
          .update({ status: 'completed', completed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    /** Lock a recurring campaign's template row (serialises the creation of its runs). */
    lockTemplate: (trx: Knex, id: string) => trx('campaigns').where({ id }).forUpdate().first('id'),

    /** The campaign's not-yet-sent messages (queued), e.g. to cancel or expire them. */
    unsentMessageIds: async (campaignId: string): Promise<string[]> =>
      (await db('messages').where({ campaign_id: campaignId, status: 'queued' }).select('id')).map((r: { id: string }) => r.id),

    /** sending → sent for many messages, with their provider ids, in one statement (CAS: only rows still `sending`). */
    markSentBulk: (trx: Knex, workspaceId: string, sent: { id: string; provider: string; providerMessageId: string }[]): Promise<MessageRow[]> =>
      sent.length
        ? trx
            .raw(
              `UPDATE messages m SET status = 'sent', sent_at = now(), updated_at = now(), provider = v.provider,
                      provider_message_id = v.pid, error_code = NULL, error_message = NULL
                 FROM unnest(?::uuid[], ?::text[], ?::text[]) AS v(id, provider, pid)
                WHERE m.id = v.id AND m.workspace_id = ? AND m.status = 'sending'
               RETURNING m.*`,
              [sent.map((s) => s.id), sent.map((s) => s.provider), sent.map((s) => s.providerMessageId), workspaceId],
            )
            .then((r: { rows: MessageRow[] }) => r.rows)
        : Promise.resolve([]),

    /** Attach labels to every contact the campaign sent to, once (labels_attached_at guards re-runs). */
    attachLabels: (c: CampaignRow) =>
      db.transaction(async (trx) => {
        const claimed = await trx('campaigns').where({ id: c.id }).whereNull('labels_attached_at').update({ labels_attached_at: trx.fn.now() });
        if (!claimed || !c.attach_contact_label_ids.length) return;
        await trx.raw(
          `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
           SELECT DISTINCT :ws::uuid, m.contact_id, l.id
             FROM messages m JOIN labels l ON l.workspace_id = :ws AND l.id = ANY(:labels::uuid[])
            WHERE m.campaign_id = :cid AND m.workspace_id = :ws AND m.sent_at IS NOT NULL AND m.contact_id IS NOT NULL
           ON CONFLICT DO NOTHING`,
          { ws: c.workspace_id, labels: c.attach_contact_label_ids, cid: c.id },
        );
      }),

    /** Exact statistics, from the same rows the logs list (recipient, else its message). */
    async stats(c: CampaignRow): Promise<CampaignStats> {
      const row = await db('campaign_recipients as r')
        .leftJoin('messages as m', 'm.id', 'r.message_id')
        .where('r.campaign_id', c.id)
        .select(
          db.raw('count(*)::int AS total_contacts'),
          db.raw(`count(*) FILTER (WHERE ${LOG_STATUS} IN ('pending', 'queued', 'sending', 'scheduled'))::int AS pending`),
          db.raw('count(m.sent_at)::int AS sent'),
          db.raw(`count(*) FILTER (WHERE m.status = 'failed' AND m.sent_at IS NULL)::int AS failed`),
          db.raw(`count(*) FILTER (WHERE m.status IN ('delivered', 'read') OR m.delivered_at IS NOT NULL)::int AS delivered`),
          db.raw(`count(*) FILTER (WHERE m.status = 'undelivered' OR (m.status = 'failed' AND m.sent_at IS NOT NULL))::int AS bounced`),
          db.raw('count(m.read_at)::int AS read'),
          db.raw(`count(*) FILTER (WHERE ${LOG_STATUS} = 'expired')::int AS expired`),
          db.raw(`count(*) FILTER (WHERE ${LOG_STATUS} = 'canceled')::int AS canceled`),
          db.raw(
            `count(*) FILTER (WHERE m.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM messages i WHERE i.workspace_id = r.workspace_id
               AND i.contact_id = r.contact_id AND i.direction = 'inbound' AND i.created_at > m.sent_at))::int AS replied`,
          ),
          db.raw('(SELECT count(DISTINCT k.message_id) FROM campaign_links k WHERE k.campaign_id = r.campaign_id AND k.first_clicked_at IS NOT NULL)::int AS clicked'),
        )
        .groupBy('r.campaign_id')
        .first();
      const zero = { total_contacts: 0, pending: 0, sent: 0, failed: 0, delivered: 0, bounced: 0, read: 0, replied: 0, clicked: 0, expired: 0, canceled: 0 };
      return { ...zero, ...(row ?? {}), excluded: c.excluded_count ?? 0 };
    },

    /** Per-recipient log rows in audience order, filtered by status (the message's, or the recipient's when unclaimed). */
    async logs(c: CampaignRow, f: { statuses?: string[] }, p: { limit: number; offset: number }) {
      const [rows, [{ n }]] = await Promise.all([
        campaignLogQuery(db, c.id, f).orderBy('r.seq').limit(p.limit).offset(p.offset),
        campaignLogBase(db, c.id, f).count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as CampaignLogRow[], total: Number(n) };
    },

    insertLinks: (trx: Knex, rows: { code: string; workspace_id: string; campaign_id: string; message_id: string; contact_id: string; url: string }[]) =>
      rows.length ? trx('campaign_links').insert(rows) : Promise.resolve(),

    /** A click on a short link: its target URL; the first click per link (= per recipient and URL) is dated. */
    click: async (code: string): Promise<string | undefined> =>
      (
        await db('campaign_links')
          .where({ code })
          .update({ clicks: db.raw('clicks + 1'), first_clicked_at: db.raw('COALESCE(first_clicked_at, now())') })
          .returning('url')
      )[0]?.url,

    /** Lock (creating if needed) the pacers of these senders, in id order so concurrent batches cannot deadlock. */
    async lockPacers(trx: Knex, workspaceId: string, phoneIds: string[]): Promise<Map<string, number>> {
      const ids = [...new Set(phoneIds)].sort();
      if (!ids.length) return new Map();
      await trx('sender_pacers').insert(ids.map((id) => ({ phone_id: id, workspace_id: workspaceId }))).onConflict('phone_id').ignore();
      const rows: { phone_id: string; next_at_ms: number }[] = await trx('sender_pacers').whereIn('phone_id', ids).orderBy('phone_id').forUpdate().select('phone_id', 'next_at_ms');
      return new Map(rows.map((r) => [r.phone_id, Number(r.next_at_ms)]));
    },

    setPacer: (trx: Knex, phoneId: string, nextAtMs: number) => trx('sender_pacers').where({ phone_id: phoneId }).update({ next_at_ms: nextAtMs }),
  };
}
