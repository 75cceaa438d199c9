import type { Knex } from 'knex';
import type { Logger } from '../../lib/logger';
import type { AutoReplyService } from '../auto-replies';
import type { DialerCallsService } from '../dialer-calls';
import type { messageService } from '../messages';
import { carrierCallbacksService, type CallbackAnswer, type CarrierCallbacksDeps } from './callbacks';
import type { IngestOutcome, ReplyIntent } from './ingest';

export type { CallbackAnswer } from './callbacks';
export type { CallbackRequest } from '../../carriers/callbacks';

/**
 * Carrier callbacks and simulated inbound messages with the outbound reply path wired: compliance replies (STOP →
 * the phone's dnc_reply_message, HELP → its generic reply) go out as SYSTEM messages, which the compliance gate
 * lets through to a contact who just opted out; every other inbound message is then offered to the auto-reply
 * rules (services/auto-replies.ts), whose BOT replies the gate refuses to opted-out contacts. Both run after the
 * ingest transaction committed, and answering is idempotent, so a provider's retry changes nothing.
 */
export function inboundService(deps: {
  db: Knex;
  logger: Logger;
  settings: CarrierCallbacksDeps['settings'];
  messages: ReturnType<typeof messageService>;
  autoReplies: AutoReplyService;
  dialer?: DialerCallsService;
}) {
  const { messages, autoReplies, logger } = deps;
  const sendReply = async (intent: ReplyIntent): Promise<void> => {
    await messages.sendReply({
      workspaceId: intent.workspaceId,
      phoneId: intent.phoneId,
      contactId: intent.contactId,
      conversationId: intent.conversationId,
      channel: intent.channel,
      to: intent.to,
      from: intent.from,
      content: intent.content,
      senderType: 'SYSTEM',
      inReplyTo: intent.inboundMessageId,
    });
  };
  const callbacks = carrierCallbacksService({ db: deps.db, logger, settings: deps.settings, sendReply, dialer: deps.dialer });

  /** Auto-replies for the inbound messages of one callback (retries included: answering is idempotent). */
  async function autoReply(outcomes: IngestOutcome[]): Promise<void> {
    for (const o of outcomes) {
      if (o.type !== 'inbound' || o.compliance) continue;
      try {
        await autoReplies.onInbound(o.workspaceId, o.messageId, o.duplicate ? {} : { complianceHandled: false });
      } catch (err) {
        logger.error({ err, messageId: o.messageId }, 'auto-reply could not be evaluated or started');
      }
    }
  }
  const answered = async (a: Promise<CallbackAnswer>): Promise<CallbackAnswer> => {
    const out = await a;
    await autoReply(out.outcomes);
    return out;
  };

  return {
    twilioStatus: callbacks.twilioStatus,
    twilioVoice: callbacks.twilioVoice,
    twilioInbound: (req: Parameters<typeof callbacks.twilioInbound>[0]) => answered(callbacks.twilioInbound(req)),
    whatsappHandshake: callbacks.whatsappHandshake,
    whatsapp: (req: Parameters<typeof callbacks.whatsapp>[0]) => answered(callbacks.whatsapp(req)),
    simulator: (req: Parameters<typeof callbacks.simulator>[0]) => answered(callbacks.simulator(req)),
    /** A handset texting one of our simulator phones, through the same ingest and auto-replies. */
    async simulateInbound(input: Parameters<typeof callbacks.simulateInbound>[0]) {
      const outcome = await callbacks.simulateInbound(input);
      await autoReply([outcome]);
      return outcome;
    },
  };
}
