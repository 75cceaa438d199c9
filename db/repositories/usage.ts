import type { Knex } from 'knex';

export type UsagePeriod = 'minute' | 'day' | 'month';

export interface PeriodStarts {
  minute: Date;
  day: Date;
  month: Date;
}

export interface Limits {
  minute: number;
  day: number;
  month: number;
}

/** UTC starts of the minute, day and month containing `now`. */
export function periodStarts(now: Date): PeriodStarts {
  const minute = new Date(now);
  minute.setUTCSeconds(0, 0);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { minute, day, month };
}

export function nextPeriodStart(period: UsagePeriod, starts: PeriodStarts): Date {
  const s = starts[period];
  if (period === 'minute') return new Date(s.getTime() + 60_000);
  if (period === 'day') return new Date(s.getTime() + 86_400_000);
  return new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1));
}

/**
 * Per-key request counters in PostgreSQL, so every API process shares them. `consume` counts the request only when
 * all three windows have room; the row locks make concurrent requests from several processes exact.
 */
export function usageRepo(db: Knex) {
  return {
    async consume(apiKeyId: string, starts: PeriodStarts, limits: Limits): Promise<{ used: Record<UsagePeriod, number>; exceeded?: UsagePeriod }> {
      return db.transaction(async (trx) => {
        const periods: UsagePeriod[] = ['minute', 'day', 'month'];
        await trx('api_key_usage')
          .insert(periods.map((p) => ({ api_key_id: apiKeyId, period: p, period_start: starts[p], count: 0 })))
          .onConflict(['api_key_id', 'period', 'period_start'])
          .ignore();
        const rows: { period: UsagePeriod; count: number }[] = await trx('api_key_usage')
          .select('period', 'count')
          .where({ api_key_id: apiKeyId })
          .andWhere((q) => {
            for (const p of periods) q.orWhere({ period: p, period_start: starts[p] });
          })
          .orderBy('period')
          .forUpdate();
        const used = Object.fromEntries(rows.map((r) => [r.period, r.count])) as Record<UsagePeriod, number>;
        // Quotas first: a spent monthly quota is the reason to report even when the minute is also full.
        const exceeded = (['month', 'day', 'minute'] as const).find((p) => used[p] >= limits[p]);
        if (exceeded) return { used, exceeded };
        await trx('api_key_usage')
          .where({ api_key_id: apiKeyId })
          .andWhere((q) => {
            for (const p of periods) q.orWhere({ period: p, period_start: starts[p] });
          })
          .increment('count', 1);
        await trx('api_keys')
          .where({ id: apiKeyId })
          .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', trx.raw("now() - interval '1 minute'")))
          .update({ last_used_at: trx.fn.now() });
        return { used: { minute: used.minute + 1, day: used.day + 1, month: used.month + 1 } };
      });
    },

    async current(apiKeyId: string, starts: PeriodStarts): Promise<Record<UsagePeriod, number>> {
      const rows: { period: UsagePeriod; count: number }[] = await db('api_key_usage')
        .select('period', 'count')
        .where({ api_key_id: apiKeyId })
        .andWhere((q) => {
          for (const p of ['minute', 'day', 'month'] as const) q.orWhere({ period: p, period_start: starts[p] });
        });
      const used = { minute: 0, day: 0, month: 0 };
      for (const r of rows) used[r.period] = r.count;
      return used;
    },

    /** Drop counters of windows that have closed (minute rows older than an hour, day rows older than 2 days). */
    prune: (now: Date): Promise<number> =>
      db('api_key_usage')
        .where((q) =>
          q
            .where({ period: 'minute' })
            .andWhere('period_start', '<', new Date(now.getTime() - 3_600_000))
            .orWhere((q2) => q2.where({ period: 'day' }).andWhere('period_start', '<', new Date(now.getTime() - 2 * 86_400_000))),
        )
        .delete(),
  };
}
