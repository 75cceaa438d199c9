import type { Knex } from 'knex';
import type { CallAttemptRow } from '../rows';

/** Answered, and not by a machine: the abandonment rate's denominator (an abandoned call is answered by definition). */
export const PERSON_ANSWERED = `answered_at IS NOT NULL AND (answered_by IS NULL OR NOT (answered_by LIKE 'machine%' OR answered_by = 'fax'))`;

export type NewCallAttempt = Pick<CallAttemptRow, 'workspace_id' | 'campaign_id' | 'seq' | 'attempt' | 'contact_id' | 'phone_id' | 'from_address' | 'to_address'>;

/** Call attempts of dialer campaigns: one row per (campaign, contact, attempt number). */
export function callAttemptsRepo(db: Knex) {
  return {
    /**
     * The attempt's row, written `dialing` before the carrier is called; an existing row for the same
     * (campaign, seq, attempt) is returned as it is (a retried activity finds what the first one wrote).
     */
    async insertDialing(trx: Knex, rows: NewCallAttempt[]): Promise<{ rows: CallAttemptRow[]; created: Set<string> }> {
      if (!rows.length) return { rows: [], created: new Set() };
      const created: { id: string }[] = await trx('call_attempts').insert(rows).onConflict(['campaign_id', 'seq', 'attempt']).ignore().returning('id');
      const all: CallAttemptRow[] = await trx('call_attempts')
        .where({ campaign_id: rows[0].campaign_id })
        .whereIn(
          ['seq', 'attempt'],
          rows.map((r) => [r.seq, r.attempt]),
        );
      return { rows: all, created: new Set(created.map((r) => r.id)) };
    },

    /** Provider ids recorded on the other attempts of these contacts (reconciliation must not take an earlier attempt's call). */
    otherCallIds: async (campaignId: string, seqs: number[]): Promise<Map<number, string[]>> => {
      const rows: { seq: number; provider_call_id: string }[] = seqs.length
        ? await db('call_attempts').where({ campaign_id: campaignId }).whereIn('seq', seqs).whereNotNull('provider_call_id').select('seq', 'provider_call_id')
        : [];
      const out = new Map<number, string[]>();
      for (const r of rows) out.set(r.seq, [...(out.get(r.seq) ?? []), r.provider_call_id]);
      return out;
    },

    /** Compare-and-set: the provider call id, recorded once (a callback may have recorded it first). */
    recordPlaced: async (trx: Knex, id: string, provider: string, providerCallId: string): Promise<CallAttemptRow | undefined> =>
      (
        await trx('call_attempts')
          .where({ id })
          .whereNull('provider_call_id')
          .update({ provider, provider_call_id: providerCallId, placed_at: trx.fn.now(), status: trx.raw(`CASE WHEN status = 'dialing' THEN 'queued' ELSE status END`), updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    /** An attempt the carrier refused (or never reached): failed, unless it got further meanwhile. */
    markFailed: async (trx: Knex, id: string, error: { code: string; message: string; provider?: string }): Promise<CallAttemptRow | undefined> =>
      (
        await trx('call_attempts')
          .where({ id })
          .whereIn('status', ['dialing', 'queued'])
          .update({ status: 'failed', ended_at: trx.fn.now(), finish_reason: 'failed', error_code: error.code, error_message: error.message.slice(0, 1000), provider: error.provider ?? null, updated_at: trx.fn.now() })
          .returning('*')
      )[0],

    get: (id: string, trx: Knex = db): Promise<CallAttemptRow | undefined> => trx('call_attempts').where({ id }).first(),

    /** The row, locked for the caller's transaction (callbacks apply one at a time). */
    lock: (trx: Knex, id: string): Promise<CallAttemptRow | undefined> => trx('call_attempts').where({ id }).forUpdate().first(),

    byIds: (workspaceId: string, ids: string[]): Promise<CallAttemptRow[]> => (ids.length ? db('call_attempts').where({ workspace_id: workspaceId }).whereIn('id', ids) : Promise.resolve([])),

    findByProviderId: (provider: string, providerCallId: string): Promise<CallAttemptRow | undefined> => db('call_attempts').where({ provider, provider_call_id: providerCallId }).first(),

    update: async (trx: Knex, id: string, patch: Partial<CallAttemptRow>): Promise<CallAttemptRow> =>
      (await trx('call_attempts').where({ id }).update({ ...patch, updated_at: trx.fn.now() }).returning('*'))[0],

    /** Calls of a campaign bridged to its recipient and still up (progressive dialing's busy agent lines). */
    liveBridged: async (trx: Knex, campaignId: string): Promise<number> =>
      Number((await trx('call_attempts').where({ campaign_id: campaignId }).whereNotNull('bridged_at').whereNull('ended_at').count<{ n: string }[]>({ n: '*' }))[0].n),

    /** A phone's person-answered and abandoned calls since `since`, other campaigns than `campaignId` (the 30-day rule). */
    async abandonCounts(phoneIds: string[], since: Date, exceptCampaignId?: string): Promise<Map<string, { humanAnswered: number; abandoned: number }>> {
      if (!phoneIds.length) return new Map();
      const rows: { phone_id: string; human: string; abandoned: string }[] = await db('call_attempts')
        .whereIn('phone_id', phoneIds)
        .where('answered_at', '>=', since)
        .modify((q) => (exceptCampaignId ? q.whereNot({ campaign_id: exceptCampaignId }) : q))
        .groupBy('phone_id')
        .select('phone_id', db.raw(`count(*) FILTER (WHERE ${PERSON_ANSWERED}) AS human`), db.raw('count(*) FILTER (WHERE abandoned) AS abandoned'));
      return new Map(rows.map((r) => [r.phone_id, { humanAnswered: Number(r.human), abandoned: Number(r.abandoned) }]));
    },
  };
}
