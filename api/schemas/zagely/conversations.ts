import { z } from 'zod';
import { uuid } from '../../routing';
import { paginated, paginationQuery } from './common';

/**
 * Conversation requests and responses. Our addition in Zagely's style: neither the SeaX nor the Zagely reference
 * lists conversation endpoints (SeaX only names conversations in its webhook events).
 */

export const CONVERSATION_STATUSES = ['open', 'ended'] as const;
export const CONVERSATION_CHANNELS = ['sms', 'whatsapp', 'email'] as const;

export const conversationListQuery = paginationQuery.extend({
  status: z.enum(CONVERSATION_STATUSES, { error: `must be one of ${CONVERSATION_STATUSES.join(', ')}` }).optional(),
  contact_id: uuid.optional(),
  session_id: uuid.optional().meta({ description: 'The sender (session / phone) the conversation is with.' }),
  channel: z.enum(CONVERSATION_CHANNELS, { error: `must be one of ${CONVERSATION_CHANNELS.join(', ')}` }).optional(),
});

export const conversationParams = z.object({ conversation: uuid });

export const conversationView = z.object({
  id: z.string(),
  status: z.enum(CONVERSATION_STATUSES),
  channel: z.enum(CONVERSATION_CHANNELS),
  contact: z.object({ id: z.string(), name: z.string().nullable(), phone_number: z.string().nullable() }),
  session: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  last_message_at: z.string().nullable(),
  created_at: z.string(),
  ended_at: z.string().nullable(),
});

/** A message as Zagely shows it: in a conversation, and (with the send lifecycle fields) in /api/v1/messages. */
export const conversationMessage = z.object({
  id: z.string(),
  channel: z.string(),
  direction: z.string(),
  type: z.string(),
  content: z.string().nullable(),
  media_url: z.string().nullable(),
  status: z.string(),
  created_at: z.string(),
}).loose();

export const conversationList = paginated(conversationView);
export const conversationResponse = z.object({ data: conversationView });
export const conversationWithMessages = z.object({
  data: conversationView.extend({ messages: z.array(conversationMessage).meta({ description: 'The latest 50 messages, oldest first.' }) }),
});
