import { CronExpressionParser } from 'cron-parser';
import type { Knex } from 'knex';
import { campaignsRepo, type CampaignStats, type NewCampaign } from '../db/repositories/campaigns';
import { eventsRepo } from '../db/repositories/events';
import { phonesRepo } from '../db/repositories/phones';
import { ALLOWED_FROM, isAllowed, type CampaignAction, type CampaignChannel, type CampaignStatus } from '../domain/campaigns';
import { DEFAULT_MIN_RECURRENCE_SECONDS, shortestCronGapSeconds } from '../domain/recurrence';
import type { SegmentFilter } from '../domain/segment';
import type { Logger } from '../lib/logger';
import type { WorkflowStarters } from '../temporal/starters';
import { notFound, invalid, conflict } from './errors';
import type { CampaignRow, Recurrence } from '../db/rows';

/** What both dialects' create requests become. */
export interface CampaignDraft {
  name: string;
  channel: CampaignChannel;
  message: string;
  mediaUrls?: string[];
  buttons?: unknown[] | null;
  phoneIds: string[];
  audience: SegmentFilter;
  targetType?: string | null;
  targetFilters?: Record<string, unknown> | null;
  startTime?: Date | null;
  endTime?: Date | null;
  enableLinkShortening?: boolean;
  attachContactLabelIds?: string[];
  recurrence?: Recurrence | null;
}

/** Batch tuning passed to every run (configuration, so the benchmark and tests can change it). */
export interface CampaignTuning {
  batchSize?: number;
  parallelBatches?: number;
  concurrency?: number;
}

/** 409 naming the current status, as Zagely's lifecycle table implies. */
const illegal = (action: CampaignAction, status: CampaignStatus) =>
  conflict(`Cannot ${action} a campaign that is ${status}.`, { status }, 'invalid_state');

/**
 * Validate a recurrence: exactly one of cron / interval_seconds, a known time zone, end_at in the future, and no two
 * firings closer than `minSeconds` (CAMPAIGN_MIN_RECURRENCE_SECONDS); 422 naming the field.
 */
export function checkRecurrence(r: Recurrence, now: Date, field = 'recurrence', minSeconds = DEFAULT_MIN_RECURRENCE_SECONDS): void {
  if ((r.cron === undefined) === (r.interval_seconds === undefined)) throw invalid(field, `The ${field} field needs exactly one of cron or interval_seconds.`);
  const tz = r.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw invalid(`${field}.timezone`, `The ${field}.timezone field must be an IANA time zone.`);
  }
  if (r.cron !== undefined) {
    try {
      CronExpressionParser.parse(r.cron, { tz });
    } catch (err) {
      throw invalid(`${field}.cron`, `The ${field}.cron field is not a valid cron expression: ${(err as Error).message}`);
    }
  }
  if (r.interval_seconds !== undefined && !(Number.isInteger(r.interval_seconds) && r.interval_seconds >= 1)) {
    throw invalid(`${field}.interval_seconds`, `The ${field}.interval_seconds field must be a positive integer.`);
  }
  if (r.interval_seconds !== undefined && r.interval_seconds < minSeconds) {
    throw invalid(`${field}.interval_seconds`, `The ${field}.interval_seconds field must be at least ${minSeconds} seconds.`);
  }
  if (r.cron !== undefined && shortestCronGapSeconds(r.cron, tz, now, minSeconds) < minSeconds) {
    throw invalid(`${field}.cron`, `The ${field}.cron field fires more often than once every ${minSeconds} seconds, the shortest interval allowed.`);
  }
  if (r.end_at !== undefined && !(Date.parse(r.end_at) > now.getTime())) throw invalid(`${field}.end_at`, `The ${field}.end_at field must be a future date-time.`);
}

/**
 * Campaigns for both dialects. The API writes the row (the intent) and starts or signals the run's workflow
 * (`campaign-<id>`); lifecycle changes are compare-and-set on the row first (the database is the source of truth),
 * then a signal. A recurring campaign is a template: starting it creates a Temporal Schedule whose firings each
 * create and run a campaign of their own (parent_id = the template).
 */
export function campaignService(deps: { db: Knex; starters: WorkflowStarters; logger: Logger; clock?: () => Date; tuning?: CampaignTuning; minRecurrenceSeconds?: number }) {
  const { db, starters } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const repo = campaignsRepo(db);
  const events = eventsRepo(db);
  const phones = phonesRepo(db);

  const mustGet = async (workspaceId: string, id: string): Promise<CampaignRow> => {
    const c = await repo.get(workspaceId, id);
    if (!c) throw notFound('Campaign');
    return c;
  };

  async function checkDraft(workspaceId: string, d: CampaignDraft, field: { phones: string; media: string; start: string; end: string }) {
    const found = await phones.states(workspaceId, d.phoneIds);
    const missing = d.phoneIds.filter((id) => !found.some((p) => p.id === id));
    if (missing.length) throw invalid(field.phones, `The ${field.phones} field names phones that do not exist in this workspace: ${missing.join(', ')}.`);
    const disabled = found.filter((p) => !p.enabled).map((p) => p.id);
    if (disabled.length) throw invalid(field.phones, `The ${field.phones} field names disabled phones: ${disabled.join(', ')}.`);
    if (d.channel === 'mms' && !d.mediaUrls?.length) throw invalid(field.media, `The ${field.media} field is required for MMS campaigns.`);
    if (d.startTime && d.endTime && d.endTime.getTime() <= d.startTime.getTime()) throw invalid(field.end, `The ${field.end} field must be after ${field.start}.`);
    if (d.endTime && d.endTime.getTime() <= now().getTime()) throw invalid(field.end, `The ${field.end} field must be in the future.`);
    if (d.recurrence) checkRecurrence(d.recurrence, now(), 'recurrence', deps.minRecurrenceSeconds);
  }

  const ref = (c: CampaignRow) => ({ workspaceId: c.workspace_id, campaignId: c.id, name: c.name, channel: c.channel });

  /** Start the run's workflow (idempotent: an existing run of this id is kept), or the recurring template's Schedule. */
  async function launch(c: CampaignRow): Promise<void> {
    let workflowId: string;
    if (c.recurrence) {
      const r = c.recurrence;
      workflowId = await starters.campaignSchedule(ref(c), {
        cron: r.cron,
        intervalSeconds: r.interval_seconds,
        timezone: r.timezone ?? 'UTC',
        startAt: c.start_time,
        endAt: r.end_at ? new Date(r.end_at) : null,
        paused: c.recurrence_paused,
        run: { ...deps.tuning },
      });
    } else {
      workflowId = await starters.campaign(ref(c), { startAt: c.start_time?.toISOString() ?? null, endAt: c.end_time?.toISOString() ?? null, ...deps.tuning });
    }
    await repo.setWorkflowId(c.workspace_id, c.id, workflowId);
  }

  /** Compare-and-set for a lifecycle action; 409 naming the current status when the action is not allowed. */
  async function transition(workspaceId: string, id: string, action: CampaignAction, patch: Partial<CampaignRow>, event?: string): Promise<CampaignRow> {
    const c = await mustGet(workspaceId, id);
    if (!isAllowed(action, c.status)) throw illegal(action, c.status);
    const row = await db.transaction(async (trx) => {
      const updated = await campaignsRepo(trx).update(workspaceId, id, [c.status], patch, trx);
      if (updated && event) await events.record({ workspace_id: workspaceId, type: event, subject_type: 'campaign', subject_id: id, data: { campaign_id: id, name: updated.name } }, trx);
      return updated;
    });
    if (!row) {
      const current = await mustGet(workspaceId, id);
      throw illegal(action, current.status);
    }
    return row;
  }

  const service = {
    get: mustGet,
    list: repo.list,
    stats: repo.stats,

    /** A recurring campaign's statistics are its runs' together (runs are campaigns of their own); a run's are its own. */
    async statsWithRuns(c: CampaignRow): Promise<CampaignStats> {
      const sum = await repo.stats(c);
      if (!c.recurrence) return sum;
      for (let offset = 0; ; offset += 200) {
        const { rows } = await repo.list(c.workspace_id, { parentId: c.id }, { limit: 200, offset });
        for (const s of await Promise.all(rows.map((r) => repo.stats(r)))) {
          for (const k of Object.keys(sum) as (keyof CampaignStats)[]) sum[k] += s[k];
        }
        if (rows.length < 200) return sum;
      }
    },
    logs: repo.logs,

    /** Live numbers of a run from its workflow (query), or null when it is not running. */
    progress: (c: CampaignRow) => starters.campaignProgress(c.id),

    /** How many recipients the audience gives right now (reachable, one per address): SeaX answers it on create. */
    countAudience: (workspaceId: string, channel: CampaignChannel, audience: SegmentFilter): Promise<number> => repo.countAudience(workspaceId, channel, audience),

    /** A click on a campaign short link: the URL it stands for (the first click per recipient counts), or not found. */
    async followLink(code: string): Promise<string> {
      const url = await repo.click(code);
      if (!url) throw notFound('Link');
      return url;
    },

    /**
     * Create a campaign. `launchNow`: start it (SeaX's create sends at once; with a future start it waits as
     * `scheduled`). Otherwise it is a draft, or `scheduled` when it has a start time (Zagely's scheduled_at launches
     * it automatically).
     */
    async create(workspaceId: string, dialect: 'seax' | 'zagely', d: CampaignDraft, opts: { launchNow: boolean; fields: { phones: string; media: string; start: string; end: string } }): Promise<CampaignRow> {
      await checkDraft(workspaceId, d, opts.fields);
      const future = d.startTime !== undefined && d.startTime !== null && d.startTime.getTime() > now().getTime();
      const status: CampaignStatus = d.recurrence ? (opts.launchNow || future ? 'running' : 'draft') : future ? 'scheduled' : opts.launchNow ? 'running' : 'draft';
      const row: NewCampaign = {
        workspace_id: workspaceId,
        dialect,
        name: d.name,
        channel: d.channel,
        message: d.message,
        media_urls: d.mediaUrls ?? [],
        buttons: d.buttons ?? null,
        phone_ids: d.phoneIds,
        audience: d.audience,
        target_type: d.targetType ?? null,
        target_filters: d.targetFilters ?? null,
        start_time: d.startTime ?? null,
        end_time: d.endTime ?? null,
        enable_link_shortening: d.enableLinkShortening ?? false,
        attach_contact_label_ids: d.attachContactLabelIds ?? [],
        recurrence: d.recurrence ?? null,
        status,
      };
      const c = await repo.insert(row);
      if (status !== 'draft') await launch(c);
      return mustGet(workspaceId, c.id);
    },

    /** Zagely start: draft or scheduled → running now; paused → running (same as resume). */
    async start(workspaceId: string, id: string): Promise<CampaignRow> {
      const c = await mustGet(workspaceId, id);
      if (c.status === 'paused') return service.resume(workspaceId, id);
      const row = await transition(workspaceId, id, 'start', { status: 'running', start_time: c.recurrence ? c.start_time : null });
      if (c.status === 'scheduled' && !c.recurrence) {
        await starters.rescheduleCampaign(c.id, null);
      } else {
        await launch(row);
      }
      return row;
    },

    async pause(workspaceId: string, id: string): Promise<CampaignRow> {
      const row = await transition(workspaceId, id, 'pause', { status: 'paused', paused_at: now() }, 'campaign.paused');
      if (row.recurrence) await starters.pauseCampaignSchedule(row.id);
      else await starters.pauseCampaign(row.id);
      return row;
    },

    async resume(workspaceId: string, id: string): Promise<CampaignRow> {
      const row = await transition(workspaceId, id, 'resume', { status: 'running', paused_at: null });
      if (row.recurrence) await starters.resumeCampaignSchedule(row.id);
      else await starters.resumeCampaign(row.id);
      return row;
    },

    async cancel(workspaceId: string, id: string): Promise<CampaignRow> {
      const row = await transition(workspaceId, id, 'cancel', { status: 'canceled', canceled_at: now() });
      if (row.recurrence) await starters.deleteCampaignSchedule(row.id);
      else await starters.cancelCampaign(row.id);
      return row;
    },

    /** Change a draft or scheduled campaign (only the fields given); a new start time moves the waiting run. */
    async update(workspaceId: string, id: string, d: Partial<CampaignDraft>, fields: { phones: string; media: string; start: string; end: string }): Promise<CampaignRow> {
      const c = await mustGet(workspaceId, id);
      if (!isAllowed('update', c.status)) throw illegal('update', c.status);
      const merged: CampaignDraft = {
        name: d.name ?? c.name,
        channel: d.channel ?? c.channel,
        message: d.message ?? c.message,
        mediaUrls: d.mediaUrls ?? c.media_urls,
        buttons: d.buttons !== undefined ? d.buttons : c.buttons,
        phoneIds: d.phoneIds ?? c.phone_ids,
        audience: d.audience ?? c.audience,
        targetType: d.targetType !== undefined ? d.targetType : c.target_type,
        targetFilters: d.targetFilters !== undefined ? d.targetFilters : c.target_filters,
        startTime: d.startTime !== undefined ? d.startTime : c.start_time,
        endTime: d.endTime !== undefined ? d.endTime : c.end_time,
        enableLinkShortening: d.enableLinkShortening ?? c.enable_link_shortening,
        attachContactLabelIds: d.attachContactLabelIds ?? c.attach_contact_label_ids,
        recurrence: d.recurrence !== undefined ? d.recurrence : c.recurrence,
      };
      await checkDraft(workspaceId, merged, fields);
      const row = await repo.update(workspaceId, id, [c.status], {
        name: merged.name,
        channel: merged.channel,
        message: merged.message,
        media_urls: merged.mediaUrls,
        buttons: merged.buttons ?? null,
        phone_ids: merged.phoneIds,
        audience: merged.audience,
        target_type: merged.targetType ?? null,
        target_filters: merged.targetFilters ?? null,
        start_time: merged.startTime ?? null,
        end_time: merged.endTime ?? null,
        enable_link_shortening: merged.enableLinkShortening,
        attach_contact_label_ids: merged.attachContactLabelIds,
        recurrence: merged.recurrence ?? null,
      });
      if (!row) throw illegal('update', (await mustGet(workspaceId, id)).status);
      if (row.status === 'scheduled' && !row.recurrence && d.startTime !== undefined) {
        await starters.rescheduleCampaign(row.id, row.start_time);
      }
      // A draft given a future start time is scheduled and launches by itself, as when created with one.
      if (row.status === 'draft' && !row.recurrence && d.startTime && row.start_time && row.start_time.getTime() > now().getTime()) {
        const scheduled = await repo.update(workspaceId, id, ['draft'], { status: 'scheduled' });
        if (scheduled) await launch(scheduled);
        return mustGet(workspaceId, id);
      }
      return row;
    },

    /** Delete a draft, scheduled or canceled campaign; a waiting run or a Schedule goes with it. */
    async delete(workspaceId: string, id: string): Promise<void> {
      const c = await mustGet(workspaceId, id);
      if (!isAllowed('delete', c.status)) throw illegal('delete', c.status);
      if (c.recurrence) await starters.deleteCampaignSchedule(c.id);
      else if (c.status === 'scheduled') await starters.terminateCampaign(c.id, 'campaign deleted');
      if (!(await repo.delete(workspaceId, id, [...ALLOWED_FROM.delete]))) throw illegal('delete', (await mustGet(workspaceId, id)).status);
    },

    /** A recurring campaign's runs (each a campaign with its own statistics) and its next firing times. */
    async runs(workspaceId: string, id: string, p: { limit: number; offset: number }) {
      const c = await mustGet(workspaceId, id);
      const { rows, total } = await repo.list(workspaceId, { parentId: c.id }, p);
      const upcoming = c.recurrence && c.status !== 'canceled' ? await starters.campaignScheduleUpcoming(c.id) : [];
      return { rows, total, upcoming };
    },
  };
  return service;
}
