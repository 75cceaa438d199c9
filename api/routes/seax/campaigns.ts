import type { CampaignStats } from '../../../db/repositories/campaigns';
import { SEAX_CAMPAIGN_TYPES, seaxCampaignType, seaxStatus, type CampaignStatus } from '../../../domain/campaigns';
import type { SegmentFilter } from '../../../domain/segment';
import type { RouteDeps } from '../../context';
import { AppError, conflict, InvalidError, type FieldErrors } from '../../../services/errors';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import {
  campaignCreateBody,
  campaignDetail,
  campaignList,
  campaignListQuery,
  campaignLogList,
  campaignLogsQuery,
  campaignParams,
  campaignRunList,
  campaignView,
  type CampaignCreateBody,
  type SeaxCampaign,
  type SeaxCampaignDetail,
} from '../../schemas/seax/campaigns';
import { pagingQuery, workspaceParams } from '../../schemas/seax/common';
import type { CampaignLogRow, CampaignRow } from '../../../db/rows';

const TAG = 'SeaX Campaigns';
const BASE = '/api/v1/workspace/:workspace_id/campaigns';
const FIELDS = { phones: 'phone_ids', media: 'media_urls', start: 'start_time', end: 'end_time' };
/** SeaX paging: limit 0 returns every row. */
const ALL = 2_147_483_647;

type PhoneRef = { id: string; phone: string; name: string };

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** The refused transition with the status as SeaX names it (sending, finished, …). */
function seaxConflict(err: unknown): unknown {
  if (!(err instanceof AppError) || err.code !== 'invalid_state') return err;
  const status = seaxStatus(err.details?.status as CampaignStatus);
  const action = /^Cannot (\w+)/.exec(err.message)?.[1] ?? 'change';
  return conflict(`Cannot ${action} a campaign that is ${status}.`, { status }, 'invalid_state');
}

/** SeaX bulk campaigns: create (sends at once or at start_time), list, read with statistics, logs; pause/resume/cancel and runs are extensions. */
export function seaxCampaignRoutes(deps: RouteDeps): RouteSpec[] {
  const { services } = deps;
  const service = services.campaigns;
  const { assertPublicUrls } = services;
  const now = () => deps.clock?.() ?? new Date();

  const phonesOf = async (workspaceId: string, rows: CampaignRow[]): Promise<Map<string, PhoneRef>> => {
    const phones = await services.phones.states(workspaceId, [...new Set(rows.flatMap((c) => c.phone_ids))]);
    return new Map(phones.map((p) => [p.id, { id: p.id, phone: p.phone, name: p.name }]));
  };

  /** Recipients once the audience is resolved; until then (draft, scheduled, a recurring template) the live count. */
  const targetCount = (c: CampaignRow): Promise<number> | number =>
    c.target_contact_count ?? (['canceled', 'completed', 'failed'].includes(c.status) ? 0 : service.countAudience(c.workspace_id, c.channel, c.audience));

  const toView = async (c: CampaignRow, phones: Map<string, PhoneRef>): Promise<SeaxCampaign> => ({
    id: c.id,
    name: c.name,
    type: seaxCampaignType(c.channel),
    message: c.message,
    status: seaxStatus(c.status),
    created_time: c.created_at.toISOString(),
    updated_time: c.updated_at.toISOString(),
    // SeaX shows when sending started (the create answer's start_time is its created_time) and, once over, when it ended.
    start_time: iso(c.start_time ?? c.started_at ?? (c.status === 'draft' || c.recurrence ? null : c.created_at)),
    end_time: iso(c.end_time ?? c.completed_at ?? c.canceled_at),
    phones: c.phone_ids.map((id) => phones.get(id)).filter((p): p is PhoneRef => p !== undefined),
    target_contact_count: await targetCount(c),
    job_id: c.job_id,
    ...(c.recurrence ? { recurrence: c.recurrence } : {}),
    ...(c.parent_id ? { parent_id: c.parent_id, run_number: c.run_number ?? undefined } : {}),
  });

  const toStatistics = (s: CampaignStats): SeaxCampaignDetail['statistics'] => ({
    total_contacts: s.total_contacts,
    sent: s.sent,
    failed: s.failed,
    delivered: s.delivered,
    bounced: s.bounced,
    opened: s.read,
    clicked: s.clicked,
    read: s.read,
    replied: s.replied,
    pending: s.pending,
    expired: s.expired,
    canceled: s.canceled,
    excluded: s.excluded,
  });

  const toDetail = async (c: CampaignRow, phones?: Map<string, PhoneRef>): Promise<SeaxCampaignDetail> => {
    const [view, stats] = await Promise.all([toView(c, phones ?? (await phonesOf(c.workspace_id, [c]))), service.stats(c)]);
    return { ...view, statistics: toStatistics(stats) };
  };

  const toLog = (r: CampaignLogRow) => ({
    id: r.message_id,
    contact_id: r.contact_id,
    contact_name: r.contact_name,
    contact_phone: r.phone,
    message_status: r.status,
    sent_time: iso(r.sent_at),
    delivered_time: iso(r.delivered_at),
    read_time: iso(r.read_at),
    error_message: r.error_message,
    message_id: r.message_row_id,
  });

  /** The request as a campaign draft: schedule rules, label references resolved, media URLs guarded. */
  async function draftOf(workspaceId: string, body: CampaignCreateBody) {
    const errors: FieldErrors = {};
    let startTime: Date | null = null;
    if (body.is_schedule === true) {
      if (!body.start_time) errors.start_time = ['The start_time field is required when is_schedule is true.'];
      else if (Date.parse(body.start_time) <= now().getTime()) errors.start_time = ['The start_time field must be in the future when is_schedule is true.'];
      else startTime = new Date(body.start_time);
    } else if (body.is_schedule === undefined || body.is_schedule === null) {
      // Not said: a future start_time schedules, a past one (or none) sends now.
      startTime = body.start_time ? new Date(body.start_time) : null;
    }
    const endTime = body.end_time ? new Date(body.end_time) : null;
    if (endTime && body.start_time && body.is_schedule !== false && endTime.getTime() <= Date.parse(body.start_time)) {
      errors.end_time = ['The end_time field must be after start_time.'];
    }
    if (Object.keys(errors).length) throw new InvalidError(errors);

    await assertPublicUrls((body.media_urls ?? []).map((url, i) => ({ field: `media_urls.${i}`, url })));
    const labels = await services.labels.resolveRefs(
      workspaceId,
      {
        any_contact_label_ids: body.any_contact_label_ids,
        all_contact_label_ids: body.all_contact_label_ids,
        exclude_any_contact_label_ids: body.exclude_any_contact_label_ids,
        attach_contact_label_ids: body.attach_contact_label_ids,
      },
      ['attach_contact_label_ids'],
    );
    const audience: SegmentFilter = {};
    if (labels.any_contact_label_ids.length) audience.anyLabelIds = labels.any_contact_label_ids;
    if (labels.all_contact_label_ids.length) audience.allLabelIds = labels.all_contact_label_ids;
    if (labels.exclude_any_contact_label_ids.length) audience.excludeAnyLabelIds = labels.exclude_any_contact_label_ids;
    if (body.exclude_contact_ids?.length) audience.excludeContactIds = [...new Set(body.exclude_contact_ids.map((id) => id.toLowerCase()))];
    const channel = SEAX_CAMPAIGN_TYPES[body.type];
    return {
      name: body.name,
      channel,
      message: body.message,
      mediaUrls: body.media_urls ?? [],
      phoneIds: body.phone_ids,
      audience,
      // The documented request fields, as sent, for display.
      targetType: 'labels',
      targetFilters: {
        any_contact_label_ids: body.any_contact_label_ids ?? [],
        all_contact_label_ids: body.all_contact_label_ids ?? [],
        exclude_contact_ids: body.exclude_contact_ids ?? [],
        exclude_any_contact_label_ids: body.exclude_any_contact_label_ids ?? [],
      },
      startTime,
      endTime,
      enableLinkShortening: body.enable_link_shortening ?? false,
      attachContactLabelIds: labels.attach_contact_label_ids,
      recurrence: body.recurrence ?? null,
    };
  }

  const lifecycle = (action: 'pause' | 'resume' | 'cancel', summary: string, description: string) =>
    route({
      method: 'post',
      path: `${BASE}/:campaign_id/${action}`,
      tag: TAG,
      summary,
      description: `Extension (SeaX documents no lifecycle endpoints). ${description} An action the current status does not allow is a 409 naming the status (\`details.status\`).`,
      ability: 'campaigns.write',
      params: campaignParams,
      response: campaignDetail,
      errors: [409],
      handler: async (ctx, { params }) => {
        const workspaceId = workspaceFromPath(ctx);
        try {
          await service[action](workspaceId, params.campaign_id);
        } catch (err) {
          throw seaxConflict(err);
        }
        return toDetail(await service.get(workspaceId, params.campaign_id));
      },
    });

  return [
    route({
      method: 'post',
      path: BASE,
      tag: TAG,
      summary: 'Create a bulk SMS, MMS or WhatsApp campaign (sends at once, or at start_time)',
      description:
        'The audience is every reachable contact (never opted-out, blocked or DNC) matching the label filters, one message per ' +
        'phone number; no label filter means the whole contact book. `is_schedule: false` sends now; `is_schedule: true` ' +
        'waits for `start_time` (required, in the future). Answers 200, as SeaX (FastAPI) does, with `status` "sending" ' +
        'or "scheduled" and `target_contact_count`. Extension: `recurrence`.',
      ability: 'campaigns.write',
      params: workspaceParams,
      body: campaignCreateBody,
      response: campaignView,
      handler: async (ctx, { body }) => {
        const workspaceId = workspaceFromPath(ctx);
        const draft = await draftOf(workspaceId, body);
        const c = await service.create(workspaceId, 'seax', draft, { launchNow: true, fields: FIELDS });
        const view = await toView(c, await phonesOf(workspaceId, [c]));
        // What the audience gives right now (the run resolves it again when it starts).
        return { ...view, target_contact_count: c.target_contact_count ?? (await service.countAudience(workspaceId, c.channel, c.audience)) };
      },
    }),
    route({
      method: 'get',
      path: BASE,
      tag: TAG,
      summary: 'List campaigns (newest first)',
      description: 'Filters: `status` and `type` (comma-separated), `name` (substring). A recurring campaign’s runs are listed under `/runs`, not here.',
      ability: 'campaigns.read',
      params: workspaceParams,
      query: campaignListQuery,
      response: campaignList,
      handler: async (ctx, { query }) => {
        const workspaceId = workspaceFromPath(ctx);
        const filter = { status: query.status, name: query.name, parentId: null };
        const types = query.type ?? [];
        if (types.length > 1) {
          // The repository filters one channel at a time; several types are filtered and paged here (campaigns are few).
          const all = (await service.list(workspaceId, filter, { offset: 0, limit: ALL })).rows.filter((c) => types.includes(c.channel));
          const page = all.slice(query.offset, query.limit === 0 ? undefined : query.offset + query.limit);
          const phones = await phonesOf(workspaceId, page);
          return { data: await Promise.all(page.map((c) => toView(c, phones))), total: all.length };
        }
        const { rows, total } = await service.list(workspaceId, { ...filter, channel: types[0] }, { offset: query.offset, limit: query.limit === 0 ? ALL : query.limit });
        const phones = await phonesOf(workspaceId, rows);
        return { data: await Promise.all(rows.map((c) => toView(c, phones))), total };
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:campaign_id`,
      tag: TAG,
      summary: 'A campaign with its statistics',
      description:
        '`statistics` are exact, counted from the same rows as the logs: total_contacts, sent, failed, delivered, bounced, opened (= read), clicked, read, replied, and (extensions) pending, expired, canceled, excluded.',
      ability: 'campaigns.read',
      params: campaignParams,
      response: campaignDetail,
      handler: async (ctx, { params }) => toDetail(await service.get(workspaceFromPath(ctx), params.campaign_id)),
    }),
    route({
      method: 'get',
      path: `${BASE}/:campaign_id/logs`,
      tag: TAG,
      summary: 'Per-recipient delivery logs',
      description: 'In audience order. `message_statuses` filters (comma-separated); `offset` default 0, `limit` default 10 (0 returns all).',
      ability: 'campaigns.read',
      params: campaignParams,
      query: campaignLogsQuery,
      response: campaignLogList,
      handler: async (ctx, { params, query }) => {
        const c = await service.get(workspaceFromPath(ctx), params.campaign_id);
        const { rows, total } = await service.logs(c, { statuses: query.message_statuses }, { offset: query.offset, limit: query.limit === 0 ? ALL : query.limit });
        return { data: rows.map(toLog), total, offset: query.offset, limit: query.limit };
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:campaign_id/runs`,
      tag: TAG,
      summary: 'A recurring campaign’s runs and next firing times',
      description: 'Extension. Each run is a campaign of its own (newest first, with statistics); `upcoming` lists the next firing times. Empty for a campaign without recurrence.',
      ability: 'campaigns.read',
      params: campaignParams,
      query: pagingQuery,
      response: campaignRunList,
      handler: async (ctx, { params, query }) => {
        const workspaceId = workspaceFromPath(ctx);
        const { rows, total, upcoming } = await service.runs(workspaceId, params.campaign_id, { offset: query.offset, limit: query.limit === 0 ? ALL : query.limit });
        const phones = await phonesOf(workspaceId, rows);
        return { data: await Promise.all(rows.map((c) => toDetail(c, phones))), total, upcoming: upcoming.map((d) => d.toISOString()) };
      },
    }),
    lifecycle('pause', 'Pause a sending campaign', 'Sending stops within one batch (a few seconds); a recurring campaign stops firing.'),
    lifecycle('resume', 'Resume a paused campaign', 'Sending continues where it stopped.'),
    lifecycle('cancel', 'Cancel a scheduled, sending or paused campaign', 'Recipients not sent to yet are canceled; a recurring campaign fires no more.'),
  ];
}
