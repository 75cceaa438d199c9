import type { RouteDeps } from '../../context';
import { invalid } from '../../../services/errors';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { zagelyMessagePage, zagelyMessageResponse, zagelySendResponse } from '../../schemas/responses';
import { messageListQuery, messageParams, rescheduleBody, zagelySendBody } from '../../schemas/messages';
import { phoneOrFail } from '../../../services/contacts';
import { zagelyMessage } from '../messages-views';
import { page } from './views';
import { pageWindow } from '../../schemas/zagely/common';

const TAG = 'Messages';

/** Zagely messages: send (SMS as an extension beside WhatsApp), list, show, and scheduled-message management. */
export function zagelyMessageRoutes({ services }: RouteDeps) {
  const service = services.messages;
  const assertPublicUrls = services.assertPublicUrls;
  const listed = async (workspaceId: string, id: string) => zagelyMessage(await service.getListed(workspaceId, id));
  const cancel = (method: 'post' | 'delete', path: string) =>
    route({
      method,
      path,
      tag: TAG,
      summary: 'Cancel a message that has not been sent yet (409 naming the status otherwise)',
      ability: 'messages.send',
      params: messageParams,
      response: zagelyMessageResponse,
      errors: [409],
      handler: async (ctx, { params }) => {
        const ws = principalOf(ctx).workspaceId;
        await service.cancel(ws, params.message);
        return { data: await listed(ws, params.message) };
      },
    });
  return [
    route({
      method: 'post',
      path: '/api/v1/messages/send',
      tag: TAG,
      summary: 'Send a message (queued and dispatched asynchronously)',
      ability: 'messages.send',
      body: zagelySendBody,
      status: 201,
      response: zagelySendResponse,
      errors: [503],
      handler: async (ctx, { body }) => {
        const principal = principalOf(ctx);
        const sessionId = body.session_id ?? principal.sessionId;
        if (!sessionId) throw invalid('session_id', 'The session_id field is required unless the API key is bound to a session.');
        const sender = await service.senderById(principal.workspaceId, sessionId, 'session_id');
        const to = phoneOrFail(body.to, 'to', principal.defaultCountry);
        if (body.media_url) await assertPublicUrls([{ field: 'media_url', url: body.media_url }]);
        const m = await service.send(principal.workspaceId, {
          channel: body.channel,
          sender,
          to,
          content: body.message?.trim() ? body.message : null,
          mediaUrls: body.media_url ? [body.media_url] : [],
          contentType: body.type,
          ...(body.send_at ? { sendAt: new Date(body.send_at) } : {}),
          transactional: body.transactional,
          apiKeyId: principal.keyId,
        });
        return { status: m.status, message_id: m.id };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/messages',
      tag: TAG,
      summary: 'Messages, newest first, 50 per page',
      ability: 'messages.read',
      query: messageListQuery,
      response: zagelyMessagePage,
      handler: async (ctx, { query }) => {
        const channel = query.channel === 'sms' ? ['sms', 'mms'] : query.channel ? [query.channel] : undefined;
        const { rows, total } = await service.list(
          principalOf(ctx).workspaceId,
          { channel, phoneId: query.session_id, contactId: query.contact_id, direction: query.direction },
          pageWindow(query),
        );
        return page(rows.map(zagelyMessage), total, query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/scheduled-messages',
      tag: TAG,
      summary: 'Scheduled messages not sent yet, soonest first',
      ability: 'messages.read',
      query: messageListQuery,
      response: zagelyMessagePage,
      handler: async (ctx, { query }) => {
        const { rows, total } = await service.list(
          principalOf(ctx).workspaceId,
          { phoneId: query.session_id, contactId: query.contact_id, status: 'scheduled' },
          pageWindow(query),
        );
        return page(rows.map(zagelyMessage), total, query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/messages/:message',
      tag: TAG,
      summary: 'One message with its delivery status',
      ability: 'messages.read',
      params: messageParams,
      response: zagelyMessageResponse,
      handler: async (ctx, { params }) => ({ data: await listed(principalOf(ctx).workspaceId, params.message) }),
    }),
    route({
      method: 'patch',
      path: '/api/v1/messages/:message',
      tag: TAG,
      summary: 'Reschedule a scheduled message (send_at up to 7 days ahead)',
      ability: 'messages.send',
      params: messageParams,
      body: rescheduleBody,
      response: zagelyMessageResponse,
      errors: [409],
      handler: async (ctx, { params, body }) => {
        const ws = principalOf(ctx).workspaceId;
        await service.reschedule(ws, params.message, new Date(body.send_at));
        return { data: await listed(ws, params.message) };
      },
    }),
    cancel('post', '/api/v1/messages/:message/cancel'),
    cancel('delete', '/api/v1/messages/:message'),
  ];
}
