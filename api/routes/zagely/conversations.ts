import type { ListedConversation } from '../../../db/repositories/conversations';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import {
  conversationList,
  conversationListQuery,
  conversationParams,
  conversationResponse,
  conversationWithMessages,
} from '../../schemas/zagely/conversations';
import { zagelyMessage } from '../messages-views';
import { iso, page } from './views';
import { pageWindow } from '../../schemas/zagely/common';

const TAG = 'Conversations';
const OURS = 'Our addition in Zagely style: neither the SeaX nor the Zagely reference lists conversation endpoints.';
const SHOWN_MESSAGES = 50;

export const toConversation = (c: ListedConversation) => ({
  id: c.id,
  status: c.status,
  channel: c.channel,
  contact: { id: c.contact_id, name: c.contact_name, phone_number: c.contact_phone },
  session: c.phone_id ? { id: c.phone_id, name: c.phone_name } : null,
  last_message_at: iso(c.last_message_at),
  created_at: c.created_at.toISOString(),
  ended_at: iso(c.ended_at),
});

/** Conversations (one open per contact, channel and sender): list, show with recent messages, end. */
export function zagelyConversationRoutes({ services, clock }: RouteDeps) {
  const { conversations } = services;
  const now = () => clock?.() ?? new Date();
  return [
    route({
      method: 'get',
      path: '/api/v1/conversations',
      tag: TAG,
      summary: 'Conversations, newest activity first, 50 per page',
      description: OURS,
      ability: 'messages.read',
      query: conversationListQuery,
      response: conversationList,
      handler: async (ctx, { query }) => {
        const { rows, total } = await conversations.list(
          principalOf(ctx).workspaceId,
          { status: query.status, contactId: query.contact_id, phoneId: query.session_id, channel: query.channel },
          pageWindow(query),
        );
        return page(rows.map(toConversation), total, query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/conversations/:conversation',
      tag: TAG,
      summary: 'One conversation with its latest 50 messages, oldest first',
      description: OURS,
      ability: 'messages.read',
      params: conversationParams,
      response: conversationWithMessages,
      handler: async (ctx, { params }) => {
        const ws = principalOf(ctx).workspaceId;
        const c = await conversations.get(ws, params.conversation);
        const messages = await conversations.recentMessages(ws, c.id, SHOWN_MESSAGES);
        return { data: { ...toConversation(c), messages: messages.map(zagelyMessage) } };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/conversations/:conversation/end',
      tag: TAG,
      summary: 'End an open conversation (409 naming the status otherwise); records conversation.ended',
      description: `${OURS} The next inbound message from the contact opens a new conversation.`,
      ability: 'messages.send',
      params: conversationParams,
      response: conversationResponse,
      errors: [409],
      handler: async (ctx, { params }) => {
        const principal = principalOf(ctx);
        return { data: toConversation(await conversations.end(principal.workspaceId, params.conversation, { type: 'api_key', id: principal.keyId }, now())) };
      },
    }),
  ];
}
