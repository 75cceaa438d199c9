/**
 * SeaX notify-api wire rules: its event types, the envelope of every SeaX delivery, the mapping from our events
 * (domain/events.ts) to SeaX's types and `data`, and the documented sample payloads that POST …/test sends.
 */

export const SEAX_EVENT_TYPES = [
  'conversation.new',
  'conversation.updated',
  'message.new',
  'conversation.ended',
  'conversation.label.added',
  'conversation.label.deleted',
  'call.new',
  'call.ended',
  'call.updated',
] as const;
export type SeaxEventType = (typeof SEAX_EVENT_TYPES)[number];

/** GET /notify-api/v1/event_types, word for word. */
export const SEAX_EVENT_DESCRIPTIONS: Record<SeaxEventType, string> = {
  'conversation.new': 'Triggered when a new conversation is created',
  'conversation.updated': 'Triggered when a conversation is updated',
  'message.new': 'Triggered when a message is sent',
  'conversation.ended': 'Triggered when a conversation is ended',
  'conversation.label.added': 'Triggered when a label is added to a conversation',
  'conversation.label.deleted': 'Triggered when a label is removed from a conversation',
  'call.new': 'Triggered when a call starts',
  'call.ended': 'Triggered when a call ends',
  'call.updated': 'Triggered when a call summary is generated',
};

const AFFECT: Record<SeaxEventType, string> = {
  'conversation.new': 'add',
  'conversation.updated': 'change',
  'message.new': 'add',
  'conversation.ended': 'delete',
  'conversation.label.added': 'add',
  'conversation.label.deleted': 'delete',
  'call.new': 'add',
  'call.ended': 'delete',
  'call.updated': 'update',
};

/**
 * Our event types that SeaX subscribers receive, and the SeaX type each arrives as. SeaX's message.new is any new
 * message in a conversation, so our outbound-created message.new and inbound message.received both map to it.
 * Labels on conversations and calls have no source yet: subscribing to them is allowed, they just never fire.
 */
export const SEAX_TYPE_OF: Readonly<Record<string, SeaxEventType>> = {
  'message.new': 'message.new',
  'message.received': 'message.new',
  'conversation.new': 'conversation.new',
  'conversation.updated': 'conversation.updated',
  'conversation.ended': 'conversation.ended',
  'call.new': 'call.new',
  'call.updated': 'call.updated',
  'call.ended': 'call.ended',
};

export interface SeaxSource {
  id: string | null;
  type: string;
  identifier: string | null;
}

export interface SeaxEnvelope {
  id: string;
  event_type: string;
  affect: string;
  version: string;
  timestamp: string;
  workspace: { id: string; name: string };
  source: SeaxSource;
  data: Record<string, unknown>;
  subscription_created_by: string | null;
  subscription_updated_by: string | null;
}

/** The body of a SeaX delivery, keys in the documented order. `id` is the delivery id (stable across retries). */
export function seaxEnvelope(e: {
  id: string;
  eventType: string;
  occurredAt: Date;
  workspace: { id: string; name: string };
  source: SeaxSource;
  data: Record<string, unknown>;
  createdBy: string | null;
  updatedBy: string | null;
}): SeaxEnvelope {
  return {
    id: e.id,
    event_type: e.eventType,
    affect: AFFECT[e.eventType as SeaxEventType] ?? 'add',
    version: '0.0.1',
    timestamp: e.occurredAt.toISOString(),
    workspace: e.workspace,
    source: e.source,
    data: e.data,
    subscription_created_by: e.createdBy,
    subscription_updated_by: e.updatedBy,
  };
}

/* Our payloads as stored in events.data (jsonb): only the fields read here. */
interface MessagePayload {
  id: string;
  conversation_id: string | null;
  phone_id: string | null;
  channel: string;
  direction: 'inbound' | 'outbound';
  sender_type: string;
  content_type: string;
  content: string | null;
  media_urls: string[] | null;
  from: string;
  to: string;
  created_at: string | null;
  received_at: string | null;
}
interface ContactPayload {
  id: string;
  name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  email: string | null;
}
interface ConversationPayload {
  id: string;
  channel: string;
  phone_id: string | null;
  last_message_at: string | null;
}
interface OurPayload {
  message?: MessagePayload;
  contact?: ContactPayload | null;
  conversation?: ConversationPayload;
  latest_inbound_message?: MessagePayload | null;
  updated_fields?: string[];
  previous?: Record<string, unknown>;
  current?: Record<string, unknown>;
  updated_by?: { type: string; id: string | null; name?: string | null } | null;
  updated_at?: string | null;
}

/** SeaX names channels in capitals (WEBCHAT, WHATSAPP, SEAX_CALL…); MMS is an SMS conversation. */
const seaxChannel = (channel: string): string => (channel === 'mms' ? 'SMS' : channel.toUpperCase());

const customerOf = (c: ContactPayload | null | undefined, channel: string) =>
  c
    ? { id: c.id, name: c.name, email: c.email, phone: c.phone ?? c.whatsapp_phone, address: c.phone ?? c.whatsapp_phone, channel }
    : null;

const messageSummary = (m: MessagePayload | null | undefined) =>
  m ? { id: m.id, direction: m.direction.toUpperCase(), text: m.content, type: m.content_type, created_at: m.received_at ?? m.created_at } : null;

function messageBody(p: OurPayload): { source: SeaxSource; data: Record<string, unknown> } {
  const m = p.message!;
  const c = p.contact;
  const inbound = m.direction === 'inbound';
  const [ours, theirs] = inbound ? [m.to, m.from] : [m.from, m.to];
  const media = m.media_urls ?? [];
  return {
    source: { id: m.phone_id, type: seaxChannel(m.channel), identifier: ours },
    data: {
      conversation_id: m.conversation_id,
      conversation_title: c?.name ?? theirs,
      message_id: m.id,
      direction: inbound ? 'INBOUND' : 'OUTBOUND',
      created_at: (inbound ? m.received_at : null) ?? m.created_at,
      // Outbound senders are our number (the API key, campaign or automation behind it is not a SeaX user).
      sender: inbound ? { type: 'CUSTOMER', id: c?.id ?? m.from, name: c?.name ?? m.from } : { type: m.sender_type, id: m.phone_id ?? m.from, name: m.from },
      content: { type: m.content_type, text: m.content, data: media.length ? { media_urls: media } : null },
    },
  };
}

function conversationBody(type: SeaxEventType, p: OurPayload): { source: SeaxSource; data: Record<string, unknown> } {
  const conv = p.conversation!;
  const channel = seaxChannel(conv.channel);
  const c = p.contact;
  const latest = p.latest_inbound_message;
  const base = { conversation_id: conv.id, conversation_title: c?.name ?? c?.phone ?? null, channel, customer: customerOf(c, channel) };
  const source = { id: conv.phone_id, type: channel, identifier: latest?.to ?? conv.phone_id };
  if (type === 'conversation.new') {
    return { source, data: { ...base, latest_inbound_message: messageSummary(latest), latest_outbound_message: null } };
  }
  // conversation.updated comes from an inbound message (the customer moved it); conversation.ended names who ended it.
  const by = p.updated_by ?? (latest && c ? { type: 'CUSTOMER', id: c.id, name: c.name } : null);
  return {
    source,
    data: {
      ...base,
      updated_fields: p.updated_fields ?? [],
      previous: p.previous ?? {},
      current: p.current ?? {},
      updated_by: by ? { id: by.id, name: by.name ?? null, type: by.type } : null,
      updated_at: p.updated_at ?? conv.last_message_at,
    },
  };
}

interface CallPayload {
  id: string;
  campaign_id: string;
  campaign_type: string;
  attempt: number;
  phone_id: string | null;
  phone_name: string | null;
  from: string;
  to: string;
  status: string;
  answered_by: string | null;
  digits: string | null;
  speech_result: string | null;
  duration_seconds: number | null;
  finish_reason: string | null;
  finished_by: string | null;
  recording_url: string | null;
  provider_call_id: string | null;
  started_at: string | null;
  ended_at: string | null;
}

/**
 * SeaX's call.* payloads for our outbound dialer calls. The documented samples are read for intent: direction
 * OUTBOUND; call_from is our phone (type AGENT for AI agents and progressive calls, BOT for voice drops), call_to the
 * contact (CUSTOMER); one `id` per participant; `started_at` once; `finished_by` names who ended the call (CUSTOMER or
 * SYSTEM) rather than a timestamp; the conversation is the call attempt. Additions: campaign_id, attempt, answered_by,
 * user_response (the keys pressed), speech_result.
 */
function callBody(type: string, p: OurPayload & { call?: CallPayload; update_reason?: string }): { source: SeaxSource; data: Record<string, unknown> } {
  const call = p.call!;
  const c = p.contact;
  const source = { id: call.phone_id, type: 'SEAX_CALL', identifier: call.phone_name ?? call.from };
  const base = { conversation_id: call.id, conversation_title: c?.name ?? call.to };
  const from = { id: call.phone_id ?? call.from, name: call.phone_name ?? call.from, type: call.campaign_type === 'VOICE_DROP' ? 'BOT' : 'AGENT', address: call.from, conversation_id: call.id, conversation_title: base.conversation_title };
  const to = { id: c?.id ?? call.to, name: c?.name ?? call.to, type: 'CUSTOMER', address: call.to, conversation_id: call.id, conversation_title: base.conversation_title };
  const extra = { campaign_id: call.campaign_id, attempt: call.attempt, call_id: call.provider_call_id, answered_by: call.answered_by, user_response: call.digits, speech_result: call.speech_result };
  if (type === 'call.new') {
    return { source, data: { ...base, channel: 'SEAX_CALL', direction: 'OUTBOUND', call_from: from, call_to: to, started_at: call.started_at, metadata: { recording_enabled: false, ...extra } } };
  }
  if (type === 'call.ended') {
    return {
      source,
      data: {
        ...base, channel: 'SEAX_CALL', direction: 'OUTBOUND', duration_seconds: call.duration_seconds ?? 0, finish_reason: call.finish_reason, call_from: from, call_to: to,
        finished_at: call.ended_at, finished_by: call.finished_by, recording_available: !!call.recording_url, recording_url: call.recording_url, ...extra,
      },
    };
  }
  return {
    source,
    data: { ...base, ...extra, call_id: call.provider_call_id ?? call.id, update_reason: p.update_reason ?? null, previous: p.previous ?? {}, current: p.current ?? {}, updated_at: p.updated_at ?? call.ended_at ?? call.started_at, resources: { session_id: call.id, channel_type: 'SEAX_CALL', conversation_id: call.id } },
  };
}

/** `source` and `data` of a SeaX delivery of `type`, from our event's payload (domain/events.ts). */
export function seaxEventBody(type: string, payload: unknown): { source: SeaxSource; data: Record<string, unknown> } {
  const p = (payload ?? {}) as OurPayload;
  if (type === 'message.new' && p.message) return messageBody(p);
  if (type.startsWith('conversation.') && p.conversation) return conversationBody(type as SeaxEventType, p);
  if (type.startsWith('call.') && (p as { call?: unknown }).call) return callBody(type, p as OurPayload & { call: CallPayload });
  return { source: { id: null, type: 'SYSTEM', identifier: null }, data: p as Record<string, unknown> };
}

/** Who caused an event, for a delivery log's `event_triggered_by`: the sender, whoever updated, else the customer. */
export function seaxTriggeredBy(data: Record<string, unknown>): string | null {
  const named = (x: unknown) => {
    const o = x as { name?: string | null; id?: string | null } | null | undefined;
    return o ? (o.name ?? o.id ?? null) : null;
  };
  return named(data.sender) ?? named(data.updated_by) ?? named(data.customer);
}

const CUSTOMER = {
  id: 'fb0b4af0-ad6a-48a3-ad3c-d10b237b432c',
  name: 'Test User',
  email: 'Test@example.com',
  phone: '+123456789',
  address: 'Test AI Agent',
  channel: 'WEBCHAT',
};
const CHAT_SOURCE = { id: 'source-456', type: 'WEBCHAT', identifier: 'Test AI Agent' };
const CALL_SOURCE = { id: 'source-999', type: 'SEAX_CALL', identifier: 'Test Callbot' };
const CHAT = { conversation_id: 'conv-789', conversation_title: 'Test Example Conversation', channel: 'WEBCHAT', customer: CUSTOMER };
const NEW_USER_LABEL = {
  id: '8d99e9b041f04447858cde7506cee4d5',
  color: '#565e9c',
  label: 'newUser',
  created_at: '2025-04-08T02:48:25.059243',
  updated_at: '2025-04-08T02:48:25.059243',
  description: 'this is a new user',
  workspace_id: 'workspace-123',
};
const SOLVED_LABEL = {
  id: '90c51757408941e2834f76392249b10f',
  color: '#a7927f',
  label: 'solved',
  created_at: '2025-05-10T00:20:38.834259',
  updated_at: '2025-05-10T00:20:38.834259',
  description: '',
  workspace_id: 'workspace-123',
};
const SOLVED = { id: '90c51757408941e2834f76392249b10f', name: 'solved', type: 'CONVERSATION', color: '#a7927f', is_system: false, description: '' };
// The documented call samples repeat `id` in call_from (a Python dict literal): the last value is the one sent.
const CALL_FROM = { id: '+123456789', name: 'Zapier AI Agent', type: 'AGENT', address: '+123456789', conversation_id: '123', conversation_title: '+123456789' };
const CALL_TO = { id: 'agent-001', name: '+123456789', type: 'CUSTOMER', address: '+123456789', conversation_id: '123', conversation_title: '+123456789' };

const sample = (id: string, type: SeaxEventType, timestamp: string, workspace: { id: string; name: string }, source: SeaxSource, data: Record<string, unknown>): SeaxEnvelope => ({
  id,
  event_type: type,
  affect: AFFECT[type],
  version: '0.0.1',
  timestamp,
  workspace,
  source,
  data,
  subscription_created_by: 'Test_user',
  subscription_updated_by: 'Test_user',
});
const TEST_WS = { id: 'workspace-123', name: 'Test Workspace' };
const CALL_WS = { id: 'workspace-456', name: 'Test Workspace' };

/**
 * The "Sample Event Payload" of each type in the notify-api reference, as valid JSON (the documents' samples carry
 * trailing commas, Python's False and a `Zapier.get_base_sample_data()[0]` placeholder, here the sample workspace id;
 * a repeated key keeps its last value, as the Python dict behind the sample would).
 */
export const SEAX_SAMPLE_PAYLOADS: Record<SeaxEventType, SeaxEnvelope> = {
  'conversation.new': sample('6e74c661-4c66-4d1e-81b0-64b2f4dcac98', 'conversation.new', '2025-06-20T23:45:00.000000', TEST_WS, CHAT_SOURCE, {
    ...CHAT,
    latest_inbound_message: { id: 'msg-in-123456', direction: 'INBOUND', text: 'Hello, I need help!', type: 'text', created_at: '2025-06-20T23:44:00.000000' },
    latest_outbound_message: { id: 'msg-out-123456', direction: 'OUTBOUND', text: 'Sure, how can I assist?', type: 'text', created_at: '2025-06-20T23:44:30.000000' },
  }),
  'conversation.updated': sample('cb1537d3-712e-44cf-8709-11b3fe55177a', 'conversation.updated', '2025-06-20T23:45:00.000000', TEST_WS, CHAT_SOURCE, {
    ...CHAT,
    customer: { ...CUSTOMER, email: 'zapier@example.com' },
    updated_fields: ['is_unread'],
    previous: { is_unread: 'false' },
    current: { is_unread: 'true' },
    updated_by: { id: 'user_123', name: 'Admin', type: 'agent' },
    updated_at: '2025-06-20T23:44:59.000000',
  }),
  'message.new': sample('3a3b8bc0-dc3d-43b4-a957-17c2fe1ad153', 'message.new', '2025-06-20T23:46:00.000000', TEST_WS, CHAT_SOURCE, {
    conversation_id: 'conv-789',
    conversation_title: 'Test Example Conversation',
    message_id: 'msg-789',
    direction: 'INBOUND',
    created_at: '2025-06-20T23:45:59.000000',
    sender: { type: 'CUSTOMER', id: 'fb0b4af0-ad6a-48a3-ad3c-d10b237b432c', name: 'Test User' },
    content: { type: 'text', text: 'Hello, I need help!', data: null },
  }),
  'conversation.ended': sample('cb1537d3-712e-44cf-8709-11b3fe55177a', 'conversation.ended', '2025-06-20T23:45:00.000000', TEST_WS, CHAT_SOURCE, {
    ...CHAT,
    updated_fields: ['CSAT_SUBMISSION'],
    previous: 'null',
    current: { rating: 5, comment: 'Quick and accurate response. Nice experience!' },
    updated_by: { type: 'USER', id: 'user-abc-123', name: 'Test User' },
    updated_at: '2025-06-20T23:44:59.000000',
  }),
  'conversation.label.added': sample('ba01d246-3a8c-4e63-a191-28215797388b', 'conversation.label.added', '2025-06-20T23:50:00.000000', TEST_WS, CHAT_SOURCE, {
    ...CHAT,
    updated_fields: ['labels'],
    previous: {},
    current: { labels: [SOLVED_LABEL] },
    added_by: { id: 'user-001', type: 'agent', name: 'Support Agent' },
    added_at: '2025-06-20T23:50:00.000000',
    labels: [SOLVED],
  }),
  'conversation.label.deleted': sample('ab1f7a9b-3a7e-4894-9b35-ef3eaa0e2174', 'conversation.label.deleted', '2025-06-21T00:00:00.000000', { id: 'workspace-123', name: 'Zapier Workspace' }, CHAT_SOURCE, {
    ...CHAT,
    updated_fields: ['labels'],
    previous: { labels: [NEW_USER_LABEL, SOLVED_LABEL] },
    current: { labels: [NEW_USER_LABEL] },
    removed_by: { id: 'user-002', type: 'agent', name: 'Support Agent' },
    removed_at: '2025-06-21T00:00:00.000000',
    labels: [SOLVED],
  }),
  'call.new': sample('e1b57c9f-dcd9-4bc1-bdc8-cfc9960c011e', 'call.new', '2025-06-21T09:00:00.000000', CALL_WS, CALL_SOURCE, {
    conversation_id: 'conv-call-001',
    conversation_title: '+11234567890',
    channel: 'SEAX_CALL',
    direction: 'INBOUND',
    started_at: '2025-06-21T09:00:00.000000',
    call_from: CALL_FROM,
    call_to: CALL_TO,
    metadata: { sip_session_id: 'abc123', recording_enabled: true },
  }),
  'call.ended': sample('2c72e50e-68ae-4a97-8f20-cdffedexample', 'call.ended', '2025-06-21T09:15:00.000000', CALL_WS, CALL_SOURCE, {
    conversation_id: 'conv-call-001',
    conversation_title: '+11234567890',
    channel: 'SEAX_CALL',
    direction: 'INBOUND',
    duration_seconds: 300,
    finish_reason: 'completed',
    call_from: CALL_FROM,
    call_to: CALL_TO,
    finished_at: '2025-06-21T09:15:00.000000',
    finished_by: '2025-06-21T09:15:00.000000',
    recording_available: true,
    recording_url: 'https://recordings.example.com/recording1234.mp3',
  }),
  'call.updated': sample('fcfe4bfa-8e04-4710-a10a-9f20c5e83ee3', 'call.updated', '2025-06-22T10:10:00.000000', CALL_WS, CALL_SOURCE, {
    conversation_id: 'conv-call-001',
    conversation_title: '+11234567890',
    call_id: 'call-abc-123',
    update_reason: 'recording_ready',
    previous: { recording_url: null },
    current: { recording_url: 'https://recordings.example.com/recording1234.mp3' },
    updated_at: '2025-06-22T10:10:00.000000',
    resources: { session_id: '789456123', channel_type: 'SEAX_CALL', conversation_id: '123456' },
  }),
};
