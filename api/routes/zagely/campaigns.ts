import { z } from 'zod';
import type { CampaignStats } from '../../../db/repositories/campaigns';
import { campaignRates, isAllowed, type CampaignAction, type CampaignStatus } from '../../../domain/campaigns';
import { parseSegmentDate, type SegmentFilter } from '../../../domain/segment';
import type { RouteDeps } from '../../context';
import { conflict, invalid } from '../../../services/errors';
import { principalOf } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import {
  campaignCreateBody,
  campaignListQuery,
  campaignParams,
  campaignRunView,
  campaignStatsView,
  campaignUpdateBody,
  campaignView,
  recipientListQuery,
  recipientView,
  type TargetFilters,
  type TargetType,
} from '../../schemas/zagely/campaigns';
import { messageResponse, paginated, pageWindow } from '../../schemas/zagely/common';
import type { CampaignDraft } from '../../../services/campaigns';
import { iso, page } from './views';
import type { CampaignLogRow, CampaignRow } from '../../../db/rows';

const TAG = 'Campaigns';

/** Zagely documents some campaign paths under /api/v1 and others under /api: every route answers under both. */
const PREFIXES = ['/api/v1/campaigns', '/api/campaigns'] as const;

/** The draft fields the engine names in its own 422s. */
const FIELDS = { phones: 'session_id', media: 'media_url', start: 'scheduled_at', end: 'end_at' };

export function toCampaign(c: CampaignRow): z.infer<typeof campaignView> {
  const r = c.recurrence;
  return {
    id: c.id,
    name: c.name,
    channel: c.channel,
    session_id: c.phone_ids[0] ?? null,
    session_ids: c.phone_ids,
    message_content: c.message,
    target_type: c.target_type,
    target_filters: c.target_filters,
    media_url: c.media_urls[0] ?? null,
    buttons: c.buttons ?? [],
    status: c.status,
    scheduled_at: iso(c.start_time),
    end_at: iso(c.end_time),
    enable_link_shortening: c.enable_link_shortening,
    started_at: iso(c.started_at),
    paused_at: iso(c.paused_at),
    completed_at: iso(c.completed_at),
    canceled_at: iso(c.canceled_at),
    total_recipients: c.target_contact_count,
    recurrence: r
      ? { ...(r.cron !== undefined ? { cron: r.cron } : {}), ...(r.interval_seconds !== undefined ? { interval_seconds: r.interval_seconds } : {}), timezone: r.timezone ?? 'UTC', end_at: r.end_at ?? null }
      : null,
    parent_id: c.parent_id,
    run_number: c.run_number,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

/** Zagely's documented statistics, then ours. */
export function toStats(s: CampaignStats): z.infer<typeof campaignStatsView> {
  return {
    total_recipients: s.total_contacts,
    sent_count: s.sent,
    delivered_count: s.delivered,
    read_count: s.read,
    failed_count: s.failed,
    pending_count: s.pending,
    ...campaignRates(s),
    clicked_count: s.clicked,
    replied_count: s.replied,
    undelivered_count: s.bounced,
    expired_count: s.expired,
    canceled_count: s.canceled,
    excluded_count: s.excluded,
  };
}

const toRecipient = (l: CampaignLogRow): z.infer<typeof recipientView> => ({
  contact_id: l.contact_id,
  contact_name: l.contact_name,
  phone_number: l.phone,
  session_id: l.phone_id,
  status: l.status as z.infer<typeof recipientView>['status'],
  message_id: l.message_row_id,
  content: l.content,
  error_code: l.error_code,
  error_message: l.error_message,
  sent_at: iso(l.sent_at),
  delivered_at: iso(l.delivered_at),
  read_at: iso(l.read_at),
  failed_at: iso(l.failed_at),
});

/** The same 409 the service answers, for checks the route makes before its own validation. */
const invalidState = (action: CampaignAction, status: CampaignStatus) =>
  conflict(`Cannot ${action} a campaign that is ${status}.`, { status }, 'invalid_state');

const hasConditions = (f: TargetFilters | null | undefined): f is TargetFilters => !!f && Object.values(f).some((v) => v !== undefined);

/** Zagely campaigns on the campaign engine (api/services/campaigns.ts): drafts, lifecycle, statistics, recipients, recurring runs. */
export function zagelyCampaignRoutes(deps: RouteDeps): RouteSpec[] {
  const { services } = deps;
  const service = services.campaigns;
  const { assertPublicUrls } = services;
  const now = () => deps.clock?.() ?? new Date();

  /** session_id and session_ids (ours) as the campaign's senders: phones of the workspace, enabled; 422 naming the field. */
  async function senders(workspaceId: string, b: { session_id?: string; session_ids?: string[] }, bound: string | null): Promise<string[] | undefined> {
    const named: { field: string; id: string }[] = [
      ...(b.session_id ? [{ field: 'session_id', id: b.session_id }] : []),
      ...(b.session_ids ?? []).map((id, i) => ({ field: `session_ids.${i}`, id })),
    ];
    if (!named.length) return bound ? [bound] : undefined;
    return services.phones.enabledSenders(workspaceId, named, 'session');
  }

  /** target_type + target_filters as the engine's segment filter; 422 naming the field when they do not fit together. */
  async function audienceOf(workspaceId: string, type: TargetType, filters: TargetFilters | null | undefined): Promise<SegmentFilter> {
    if (type === 'all') {
      if (hasConditions(filters)) throw invalid('target_filters', 'The target_filters field only applies when target_type is group or filter.');
      return {};
    }
    if (!hasConditions(filters)) {
      throw invalid('target_filters', type === 'group' ? 'The target_filters field is required when target_type is group: {"group_id": "…"}.' : 'The target_filters field needs at least one condition when target_type is filter (target_type all selects every contact).');
    }
    if (type === 'group' && !filters.group_id) throw invalid('target_filters.group_id', 'The target_filters.group_id field is required when target_type is group.');
    if (filters.group_id && !(await services.groups.exists(workspaceId, filters.group_id))) {
      throw invalid('target_filters.group_id', "The target_filters.group_id field must name one of the workspace's contact groups.");
    }
    const out: SegmentFilter = {};
    if (filters.group_id) out.groupId = filters.group_id.toLowerCase();
    if (filters.tags?.length) out.allLabelNames = filters.tags;
    if (filters.exclude_tags?.length) out.excludeLabelNames = filters.exclude_tags;
    if (filters.custom_fields && Object.keys(filters.custom_fields).length) out.customFields = filters.custom_fields;
    if (filters.created_from) out.createdFrom = parseSegmentDate(filters.created_from, 'from')!;
    if (filters.created_to) out.createdTo = parseSegmentDate(filters.created_to, 'to')!;
    const keyword = filters.search ?? filters.keyword;
    if (keyword) out.keyword = keyword;
    return out;
  }

  const future = (field: string, at: string): Date => {
    const d = new Date(at);
    if (d.getTime() <= now().getTime()) throw invalid(field, `The ${field} field must be a date-time in the future.`);
    return d;
  };
  const mediaCheck = (url: string | null | undefined) => (url ? assertPublicUrls([{ field: 'media_url', url }]) : Promise.resolve());

  const statsOf = (c: CampaignRow): Promise<CampaignStats> => service.statsWithRuns(c);

  const item = z.object({ data: campaignView });
  const lifecycle = (base: string, action: 'start' | 'pause' | 'resume' | 'cancel', summary: string) =>
    route({
      method: 'post',
      path: `${base}/:campaign/${action}`,
      tag: TAG,
      summary,
      description: 'Answers 409 invalid_state with details.status (the current status) when the campaign is not in a status this action is allowed from.',
      ability: 'campaigns.write',
      params: campaignParams,
      response: item,
      errors: [409],
      handler: async (ctx, { params }) => ({ data: toCampaign(await service[action](principalOf(ctx).workspaceId, params.campaign)) }),
    });

  return PREFIXES.flatMap((base) => [
    route({
      method: 'get',
      path: base,
      tag: TAG,
      summary: 'List campaigns, newest first (filters: status, channel, search); runs of recurring campaigns are listed under …/runs',
      ability: 'campaigns.read',
      query: campaignListQuery,
      response: paginated(campaignView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await service.list(
          principalOf(ctx).workspaceId,
          { status: query.status as CampaignStatus[] | undefined, channel: query.channel, name: query.search, parentId: null },
          pageWindow(query),
        );
        return page(rows.map(toCampaign), total, query);
      },
    }),
    route({
      method: 'post',
      path: base,
      tag: TAG,
      summary: 'Create a campaign (a draft; scheduled when scheduled_at is in the future)',
      description:
        'Start a draft with …/start. With scheduled_at the campaign is `scheduled` and launches by itself. Extensions: session_ids (several senders), end_at, enable_link_shortening, recurrence, channels sms and mms.',
      ability: 'campaigns.write',
      body: campaignCreateBody,
      status: 201,
      response: item,
      handler: async (ctx, { body }) => {
        const principal = principalOf(ctx);
        const ws = principal.workspaceId;
        const phoneIds = await senders(ws, body, principal.sessionId);
        if (!phoneIds) throw invalid('session_id', 'The session_id field is required unless the API key is bound to a session.');
        if (!body.message_content?.trim() && !body.media_url) throw invalid('message_content', 'The message_content field is required (or media_url).');
        const startTime = body.scheduled_at ? future('scheduled_at', body.scheduled_at) : null;
        if (body.recurrence && body.end_at) throw invalid('end_at', 'The end_at field does not apply to recurring campaigns: use recurrence.end_at.');
        await mediaCheck(body.media_url);
        const draft: CampaignDraft = {
          name: body.name,
          channel: body.channel,
          message: body.message_content ?? '',
          mediaUrls: body.media_url ? [body.media_url] : [],
          buttons: body.buttons ?? null,
          phoneIds,
          audience: await audienceOf(ws, body.target_type, body.target_filters),
          targetType: body.target_type,
          targetFilters: hasConditions(body.target_filters) ? body.target_filters : null,
          startTime,
          endTime: body.end_at ? new Date(body.end_at) : null,
          enableLinkShortening: body.enable_link_shortening,
          recurrence: body.recurrence ?? null,
        };
        return { data: toCampaign(await service.create(ws, 'zagely', draft, { launchNow: false, fields: { ...FIELDS, phones: body.session_id || !body.session_ids ? 'session_id' : 'session_ids' } })) };
      },
    }),
    route({
      method: 'get',
      path: `${base}/:campaign`,
      tag: TAG,
      summary: 'Show a campaign',
      ability: 'campaigns.read',
      params: campaignParams,
      response: item,
      handler: async (ctx, { params }) => ({ data: toCampaign(await service.get(principalOf(ctx).workspaceId, params.campaign)) }),
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: `${base}/:campaign`,
        tag: TAG,
        summary: 'Update a draft or scheduled campaign (only the fields sent change)',
        description: 'Any other status is 409 invalid_state naming it. A new scheduled_at moves the launch; on a draft it schedules the campaign.',
        ability: 'campaigns.write',
        params: campaignParams,
        body: campaignUpdateBody,
        response: item,
        errors: [409],
        handler: async (ctx, { params, body }) => {
          const principal = principalOf(ctx);
          const ws = principal.workspaceId;
          const c = await service.get(ws, params.campaign);
          if (!isAllowed('update', c.status)) throw invalidState('update', c.status);
          if (body.recurrence !== undefined && c.status !== 'draft') throw invalid('recurrence', 'The recurrence field can only change while the campaign is a draft.');
          const d: Partial<CampaignDraft> = {};
          if (body.name !== undefined) d.name = body.name;
          if (body.channel !== undefined) d.channel = body.channel;
          if (body.message_content !== undefined) d.message = body.message_content;
          const phoneIds = await senders(ws, body, null);
          if (phoneIds) d.phoneIds = phoneIds;
          if (body.target_type !== undefined || body.target_filters !== undefined) {
            const type = body.target_type ?? ((c.target_type as TargetType | null) ?? 'all');
            const filters = body.target_filters !== undefined ? body.target_filters : type === 'all' ? null : (c.target_filters as TargetFilters | null);
            d.audience = await audienceOf(ws, type, filters);
            d.targetType = type;
            d.targetFilters = hasConditions(filters) ? filters : null;
          }
          if (body.media_url !== undefined) {
            await mediaCheck(body.media_url);
            d.mediaUrls = body.media_url ? [body.media_url] : [];
          }
          const message = d.message ?? c.message;
          const media = d.mediaUrls ?? c.media_urls;
          if (!message.trim() && !media.length) throw invalid('message_content', 'The message_content field is required (or media_url).');
          if (body.buttons !== undefined) d.buttons = body.buttons;
          if (body.scheduled_at !== undefined) d.startTime = future('scheduled_at', body.scheduled_at);
          if (body.end_at !== undefined) d.endTime = body.end_at ? new Date(body.end_at) : null;
          if (body.enable_link_shortening !== undefined) d.enableLinkShortening = body.enable_link_shortening;
          if (body.recurrence !== undefined) d.recurrence = body.recurrence;
          const recurring = d.recurrence !== undefined ? d.recurrence : c.recurrence;
          if (recurring && (d.endTime !== undefined ? d.endTime : c.end_time)) throw invalid('end_at', 'The end_at field does not apply to recurring campaigns: use recurrence.end_at.');
          const fields = { ...FIELDS, phones: body.session_ids && !body.session_id ? 'session_ids' : 'session_id' };
          return { data: toCampaign(await service.update(ws, params.campaign, d, fields)) };
        },
      }),
    ),
    route({
      method: 'delete',
      path: `${base}/:campaign`,
      tag: TAG,
      summary: 'Delete a draft, scheduled or canceled campaign',
      description: 'Any other status is 409 invalid_state naming it (cancel a running campaign first). A recurring campaign’s runs go with it.',
      ability: 'campaigns.write',
      params: campaignParams,
      response: messageResponse,
      errors: [409],
      handler: async (ctx, { params }) => {
        await service.delete(principalOf(ctx).workspaceId, params.campaign);
        return { message: 'Campaign deleted.' };
      },
    }),
    lifecycle(base, 'start', 'Start a campaign now: draft, scheduled or paused → running (a recurring campaign starts its recurrence)'),
    lifecycle(base, 'pause', 'Pause: running → paused (sends in flight finish; a recurring campaign stops firing)'),
    lifecycle(base, 'resume', 'Resume: paused → running'),
    lifecycle(base, 'cancel', 'Cancel: scheduled, running or paused → canceled (recipients not yet sent to are never sent to)'),
    route({
      method: 'get',
      path: `${base}/:campaign/stats`,
      tag: TAG,
      summary: 'Campaign statistics, as documented (plus clicked, replied, undelivered, expired, canceled and excluded counts)',
      description: 'delivery_rate = delivered / sent and read_rate = read / delivered, in percent with two decimals (Zagely’s example: 1380 of 1450 → 95.17). A recurring campaign answers the sum of its runs.',
      ability: 'campaigns.read',
      params: campaignParams,
      response: campaignStatsView,
      handler: async (ctx, { params }) => toStats(await statsOf(await service.get(principalOf(ctx).workspaceId, params.campaign))),
    }),
    route({
      method: 'get',
      path: `${base}/:campaign/recipients`,
      tag: TAG,
      summary: 'The campaign’s recipients in audience order, with each one’s message status (filter: status)',
      ability: 'campaigns.read',
      params: campaignParams,
      query: recipientListQuery,
      response: paginated(recipientView),
      handler: async (ctx, { params, query }) => {
        const c = await service.get(principalOf(ctx).workspaceId, params.campaign);
        const { rows, total } = await service.logs(c, { statuses: query.status }, pageWindow(query));
        return page(rows.map(toRecipient), total, query);
      },
    }),
    route({
      method: 'get',
      path: `${base}/:campaign/runs`,
      tag: TAG,
      summary: 'A recurring campaign’s runs (newest first, each with its statistics) and its next firing times',
      description: 'Extension. `upcoming` lists the next firing times (ISO 8601); it is empty while the recurrence is paused, canceled or over.',
      ability: 'campaigns.read',
      params: campaignParams,
      query: z.object({ page: campaignListQuery.shape.page, per_page: campaignListQuery.shape.per_page }),
      response: paginated(campaignRunView).extend({ upcoming: z.array(z.string()) }),
      handler: async (ctx, { params, query }) => {
        const { rows, total, upcoming } = await service.runs(principalOf(ctx).workspaceId, params.campaign, pageWindow(query));
        const data = await Promise.all(rows.map(async (r) => ({ ...toCampaign(r), stats: toStats(await service.stats(r)) })));
        return { ...page(data, total, query), upcoming: upcoming.map((d) => d.toISOString()) };
      },
    }),
  ]);
}
