import { z } from 'zod';
import type { AutoReplyPatch } from '../../../db/repositories/auto-replies';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import {
  automationCreateBody,
  automationListQuery,
  automationLogView,
  automationParams,
  automationUpdateBody,
  automationView,
} from '../../schemas/zagely/automations';
import { messageResponse, paginated, pageWindow } from '../../schemas/zagely/common';
import { page } from './views';
import type { AutoReplyLogRow, AutoReplyRow } from '../../../db/rows';

const TAG = 'Automations';

export function toAutomation(r: AutoReplyRow): z.infer<typeof automationView> {
  return {
    id: r.id,
    session_id: r.phone_id,
    name: r.name,
    channel: r.channel,
    trigger_type: r.trigger_type,
    trigger_value: r.trigger_value,
    match_mode: r.match_mode,
    response_content: r.response_content,
    response_media_url: r.response_media_url,
    response_buttons: r.response_buttons,
    conditions: r.conditions,
    priority: r.priority,
    is_active: r.is_active,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const toLog = (l: AutoReplyLogRow): z.infer<typeof automationLogView> => ({
  id: l.id,
  message_id: l.inbound_message_id,
  reply_message_id: l.reply_message_id,
  contact_id: l.contact_id,
  matched_text: l.matched_text,
  created_at: l.created_at.toISOString(),
});

function columnsOf(b: z.infer<typeof automationUpdateBody>): AutoReplyPatch {
  const { session_id, ...rest } = b;
  const out: AutoReplyPatch = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (session_id !== undefined) out.phone_id = session_id;
  return out;
}

/** Zagely automations (`/api/automations` and `/api/v1/automations`): keyword, welcome, away and fallback auto-replies. */
export function zagelyAutomationRoutes({ services }: RouteDeps): RouteSpec[] {
  const service = services.autoReplies;
  // The reply's media is fetched by carriers on our behalf: refuse private targets (SSRF) like message media.
  const assertPublicUrls = services.assertPublicUrls;
  const mediaOf = (url: string | null | undefined) => (url ? [{ field: 'response_media_url', url }] : []);
  const item = z.object({ data: automationView });

  return ['/api/automations', '/api/v1/automations'].flatMap((base) => [
    route({
      method: 'get',
      path: base,
      tag: TAG,
      summary: 'List automations (filters: session_id, is_active, trigger_type)',
      ability: 'campaigns.read',
      query: automationListQuery,
      response: paginated(automationView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await service.list(
          principalOf(ctx).workspaceId,
          { origin: 'zagely_automation', phoneId: query.session_id, isActive: query.is_active, triggerType: query.trigger_type },
          pageWindow(query),
        );
        return page(rows.map(toAutomation), total, query);
      },
    }),
    route({
      method: 'post',
      path: base,
      tag: TAG,
      summary: 'Create an automation',
      description:
        'trigger_value is required for keyword automations. response_content may use variables ({{ name }}, {first_name}, custom fields). Higher priority (0–100) wins; on equal priority keyword beats welcome beats away; fallback answers when nothing else does.',
      ability: 'campaigns.write',
      body: automationCreateBody,
      status: 201,
      response: item,
      handler: async (ctx, { body }) => {
        await assertPublicUrls(mediaOf(body.response_media_url));
        const { session_id, ...rest } = body;
        const row = await service.create({ workspace_id: principalOf(ctx).workspaceId, origin: 'zagely_automation', phone_id: session_id ?? null, ...rest });
        return { data: toAutomation(row) };
      },
    }),
    route({
      method: 'get',
      path: `${base}/:automation`,
      tag: TAG,
      summary: 'An automation with its last 50 trigger logs (newest first)',
      ability: 'campaigns.read',
      params: automationParams,
      response: z.object({ data: automationView.extend({ logs: z.array(automationLogView) }) }),
      handler: async (ctx, { params }) => {
        const { row, logs } = await service.show(principalOf(ctx).workspaceId, params.automation);
        return { data: { ...toAutomation(row), logs: logs.map(toLog) } };
      },
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: `${base}/:automation`,
        tag: TAG,
        summary: 'Update any field (only the fields sent change)',
        ability: 'campaigns.write',
        params: automationParams,
        body: automationUpdateBody,
        response: item,
        handler: async (ctx, { params, body }) => {
          await assertPublicUrls(mediaOf(body.response_media_url));
          return { data: toAutomation(await service.update(principalOf(ctx).workspaceId, params.automation, 'zagely_automation', columnsOf(body))) };
        },
      }),
    ),
    route({
      method: 'delete',
      path: `${base}/:automation`,
      tag: TAG,
      summary: 'Delete an automation (its trigger logs go with it)',
      ability: 'campaigns.write',
      params: automationParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await service.delete(principalOf(ctx).workspaceId, params.automation, 'zagely_automation');
        return { message: 'Automation deleted.' };
      },
    }),
    route({
      method: 'post',
      path: `${base}/:automation/toggle`,
      tag: TAG,
      summary: 'Toggle is_active on/off',
      ability: 'campaigns.write',
      params: automationParams,
      response: item,
      handler: async (ctx, { params }) => ({ data: toAutomation(await service.toggle(principalOf(ctx).workspaceId, params.automation)) }),
    }),
  ]);
}
