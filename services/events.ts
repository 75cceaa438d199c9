import type { CallAttemptRow, ContactRow, ConversationRow, MessageRow, MessageStatus, PhoneRow } from '../db/rows';

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export interface ContactPayload {
  id: string;
  name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  email: string | null;
  opted_out_at: string | null;
  blocked: boolean;
}

export const contactPayload = (c: ContactRow): ContactPayload => ({
  id: c.id,
  name: c.name,
  phone: c.phone,
  whatsapp_phone: c.whatsapp_phone,
  email: c.email,
  opted_out_at: iso(c.opted_out_at),
  blocked: c.blocked,
});

export const conversationRef = (c: ConversationRow) => ({
  id: c.id,
  channel: c.channel,
  status: c.status,
  phone_id: c.phone_id,
  contact_id: c.contact_id,
  last_message_at: iso(c.last_message_at),
  created_at: iso(c.created_at),
});

export function messageRef(m: MessageRow) {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    contact_id: m.contact_id,
    phone_id: m.phone_id,
    campaign_id: m.campaign_id,
    channel: m.channel,
    direction: m.direction,
    sender_type: m.sender_type,
    content_type: m.content_type,
    content: m.content,
    media_urls: m.media_urls,
    from: m.from_address,
    to: m.to_address,
    status: m.status,
    provider: m.provider,
    provider_message_id: m.provider_message_id,
    error_code: m.error_code,
    error_message: m.error_message,
    created_at: iso(m.created_at),
    sent_at: iso(m.sent_at),
    delivered_at: iso(m.delivered_at),
    read_at: iso(m.read_at),
    failed_at: iso(m.failed_at ?? m.undelivered_at),
    received_at: iso(m.received_at),
  };
}

/** `data` of message.* events. */
export const messageEventData = (m: MessageRow, contact: ContactRow | null | undefined, extra: Record<string, unknown> = {}) => ({
  message: messageRef(m),
  contact: contact ? contactPayload(contact) : null,
  ...extra,
});

/** `data` of conversation.new / conversation.updated (SeaX's updated_fields / previous / current). */
export const conversationEventData = (
  conv: ConversationRow,
  contact: ContactRow,
  latestInbound: MessageRow | null,
  change?: { updated_fields: string[]; previous: Record<string, unknown>; current: Record<string, unknown> },
) => ({
  conversation: conversationRef(conv),
  contact: contactPayload(contact),
  latest_inbound_message: latestInbound ? messageRef(latestInbound) : null,
  ...(change ?? {}),
});

/** `data` of contact.* events. */
export const contactEventData = (c: ContactRow, extra: Record<string, unknown> = {}) => ({ contact: contactPayload(c), ...extra });

/** The event a carrier status report produces the first time it is recorded (none for queued/sending). */
export function statusEventType(status: MessageStatus): string | undefined {
  switch (status) {
    case 'sent':
      return 'message.sent';
    case 'delivered':
      return 'message.delivered';
    case 'read':
      return 'message.read';
    case 'failed':
    case 'undelivered':
      return 'message.failed';
    default:
      return undefined;
  }
}

/** What changed, SeaX-style (conversation.updated / contact.updated): field names with their previous and current values. */
export interface FieldChange {
  updated_fields: string[];
  previous: Record<string, unknown>;
  current: Record<string, unknown>;
}

/** JSON with object keys sorted (jsonb does not keep key order), dates as ISO strings. */
const comparable = (v: unknown): string =>
  JSON.stringify(v ?? null, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

/** The fields among `fields` whose values differ between `before` and `after` (undefined when none did). */
export function diffFields<T extends object>(before: T, after: T, fields: (keyof T & string)[], extra?: FieldChange): FieldChange | undefined {
  const change: FieldChange = { updated_fields: [], previous: {}, current: {} };
  for (const f of fields) {
    if (comparable(before[f]) === comparable(after[f])) continue;
    change.updated_fields.push(f);
    change.previous[f] = before[f] instanceof Date ? iso(before[f] as Date) : (before[f] ?? null);
    change.current[f] = after[f] instanceof Date ? iso(after[f] as Date) : (after[f] ?? null);
  }
  if (extra) {
    change.updated_fields.push(...extra.updated_fields);
    Object.assign(change.previous, extra.previous);
    Object.assign(change.current, extra.current);
  }
  return change.updated_fields.length ? change : undefined;
}

/** `data` of conversation.ended: the conversation as it ended, SeaX's updated_fields/previous/current and who ended it. */
export const conversationEndedEventData = (conv: ConversationRow, contact: ContactRow | null | undefined, endedBy: { type: string; id: string | null }) => ({
  conversation: conversationRef(conv),
  contact: contact ? contactPayload(contact) : null,
  updated_fields: ['status'],
  previous: { status: 'open' },
  current: { status: conv.status, ended_at: iso(conv.ended_at) },
  updated_by: endedBy,
  updated_at: iso(conv.ended_at),
});

/** A sender phone as a Zagely session (`session.connected` / `session.disconnected`). */
export const sessionPayload = (p: PhoneRow) => ({
  id: p.id,
  name: p.name,
  phone_number: p.phone,
  channels: Object.entries(p.phone_capability ?? {}).filter(([, on]) => on).map(([c]) => c),
  enabled: p.enabled,
  status: p.enabled ? 'connected' : 'disconnected',
});

/** `data` of session.* events; `reason`: created | enabled | disabled | deleted. */
export const sessionEventData = (p: PhoneRow, reason: 'created' | 'enabled' | 'disabled' | 'deleted') => ({
  session: { ...sessionPayload(p), ...(reason === 'deleted' ? { status: 'disconnected' } : {}) },
  reason,
});

/** What call.* events carry about the campaign, the phone and the contact around an attempt. */
export interface CallContext {
  campaign: { id: string; name: string; type: string };
  phone: { id: string; phone: string; name: string } | null;
  contact: ContactRow | null | undefined;
}

/** `data` of call.new / call.updated / call.ended (domain/seax-events.ts maps it to SeaX's call payloads). */
export const callEventData = (a: CallAttemptRow, ctx: CallContext, extra: Record<string, unknown> = {}) => ({
  call: {
    id: a.id,
    campaign_id: a.campaign_id,
    campaign_name: ctx.campaign.name,
    campaign_type: ctx.campaign.type,
    attempt: a.attempt,
    direction: 'outbound',
    phone_id: a.phone_id,
    phone_name: ctx.phone?.name ?? null,
    from: a.from_address,
    to: a.to_address,
    status: a.status,
    answered_by: a.answered_by,
    digits: a.digits,
    speech_result: a.speech_result,
    speech_confidence: a.speech_confidence,
    duration_seconds: a.duration_seconds,
    abandoned: a.abandoned,
    opted_out: a.opted_out,
    finish_reason: a.finish_reason,
    finished_by: a.finished_by,
    recording_url: a.recording_url,
    provider: a.provider,
    provider_call_id: a.provider_call_id,
    started_at: iso(a.placed_at ?? a.dialing_at),
    answered_at: iso(a.answered_at),
    ended_at: iso(a.ended_at),
  },
  contact: ctx.contact ? contactPayload(ctx.contact) : null,
  ...extra,
});
