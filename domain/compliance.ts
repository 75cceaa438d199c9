/**
 * Send compliance: the one rule every outbound path (single sends now; campaigns, dialers and automations later)
 * applies before a carrier is called. Pure: the facts come from db/repositories/compliance.ts, the verdict from here,
 * and activities/messaging.ts `dispatchMessage` is the single place that acts on it.
 *
 * Traffic kinds:
 * - marketing: API single sends by default (SeaX send_message, Zagely messages/send) and every campaign message.
 *   A caller may mark a single send `transactional: true` (an extension field of both dialects).
 * - transactional: sends the caller marked so, and agent/bot replies inside a conversation.
 * - system: the opt-out confirmation and HELP reply the platform itself sends (required by carriers and the CTIA).
 *
 * Rules:
 * - A blocked, opted-out or DNC-labelled contact receives no marketing and no transactional traffic: STOP is
 *   honoured for everything an agent or campaign could send (carriers would refuse it anyway: Twilio 21610).
 *   Only system replies pass. The attempt is recorded as a failed message with the reason below.
 * - Quiet hours (domain/quiet-hours.ts) apply to marketing only, and defer rather than drop.
 */

export type TrafficKind = 'marketing' | 'transactional' | 'system';

export interface RecipientFacts {
  blocked: boolean;
  optedOut: boolean;
  /** Carries the workspace's system DNC label. */
  dnc: boolean;
}

export type ComplianceRefusal = {
  allowed: false;
  /** Stored as the message's error_code. */
  code: 'recipient_blocked' | 'recipient_opted_out' | 'recipient_dnc';
  message: string;
};

export type ComplianceVerdict = { allowed: true } | ComplianceRefusal;

/** Decide whether a send of `kind` may go to a recipient with these facts (unknown recipient: no facts, allowed). */
export function complianceVerdict(kind: TrafficKind, facts: RecipientFacts | undefined): ComplianceVerdict {
  if (kind === 'system' || !facts) return { allowed: true };
  if (facts.blocked) return { allowed: false, code: 'recipient_blocked', message: 'The contact is blocked; nothing is sent to it.' };
  if (facts.optedOut) return { allowed: false, code: 'recipient_opted_out', message: 'The contact opted out (STOP); it is not sent messages until it opts back in.' };
  if (facts.dnc) return { allowed: false, code: 'recipient_dnc', message: 'The contact carries the DNC (do not contact) label.' };
  return { allowed: true };
}

/** The traffic kind of a stored message. */
export function trafficKindOf(message: { sender_type: string; is_marketing: boolean }): TrafficKind {
  if (message.sender_type === 'SYSTEM') return 'system';
  return message.is_marketing ? 'marketing' : 'transactional';
}
