import type { Knex } from 'knex';
import { contactsRepo } from '../db/repositories/contacts';
import { conversationsRepo, type ConversationFilter, type ListedConversation } from '../db/repositories/conversations';
import { eventsRepo } from '../db/repositories/events';
import { conflict, notFound } from './errors';
import { conversationEndedEventData } from './events';

/** Conversations (one open per contact, channel and sender): list, show with recent messages, end. */
export function conversationService(db: Knex) {
  const conversations = conversationsRepo(db);
  const contacts = contactsRepo(db);
  const events = eventsRepo(db);
  const listed = async (workspaceId: string, id: string): Promise<ListedConversation> => {
    const c = await conversations.getListed(workspaceId, id);
    if (!c) throw notFound('Conversation');
    return c;
  };
  return {
    list: (workspaceId: string, filter: ConversationFilter, p: { limit: number; offset: number }) => conversations.list(workspaceId, filter, p),
    get: listed,
    recentMessages: (workspaceId: string, id: string, limit: number) => conversations.recentMessages(workspaceId, id, limit),

    /** End an open conversation and record conversation.ended in the same transaction; conflict naming its status otherwise. */
    async end(workspaceId: string, id: string, by: { type: 'api_key'; id: string }, at: Date): Promise<ListedConversation> {
      await db.transaction(async (trx) => {
        const ended = await conversations.end(workspaceId, id, at, trx);
        if (!ended) {
          const current = await conversations.get(workspaceId, id, trx);
          if (!current) throw notFound('Conversation');
          throw conflict(`The conversation is ${current.status} and can no longer be ended.`, { status: current.status }, 'invalid_status');
        }
        const contact = await contacts.get(workspaceId, ended.contact_id, trx);
        await events.record(
          { workspace_id: workspaceId, type: 'conversation.ended', subject_type: 'conversation', subject_id: ended.id, data: conversationEndedEventData(ended, contact, by) },
          trx,
        );
      });
      return listed(workspaceId, id);
    },
  };
}
