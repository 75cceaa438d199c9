import type { MessageRow } from '../../db/rows';

type ListedMessage = MessageRow & { contact_name?: string | null; contact_phone?: string | null; phone_name?: string | null };

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** The Zagely message item (GET /api/v1/messages), with the send lifecycle fields as extensions. */
export function zagelyMessage(m: ListedMessage) {
  return {
    id: m.id,
    channel: m.channel,
    direction: m.direction,
    type: m.content_type,
    content: m.content,
    media_url: m.media_urls[0] ?? null,
    status: m.status,
    created_at: m.created_at.toISOString(),
    contact: m.contact_id ? { id: m.contact_id, name: m.contact_name ?? null, phone_number: m.contact_phone ?? m.to_address } : null,
    session: m.phone_id ? { id: m.phone_id, name: m.phone_name ?? null } : null,
    send_at: iso(m.send_at),
    sent_at: iso(m.sent_at),
    delivered_at: iso(m.delivered_at),
    failed_at: iso(m.failed_at),
    error_code: m.error_code,
    error_message: m.error_message,
    segments: m.segments,
    encoding: m.encoding,
  };
}

/** SeaX send_message answer: `{id, status, from_phone, to_phone, content, created_time, sent_time}`. */
export function seaxMessage(m: MessageRow, contentField: 'content' | 'message' = 'content') {
  return {
    id: m.id,
    status: m.status,
    from_phone: m.from_address,
    to_phone: m.to_address,
    [contentField]: m.content,
    created_time: m.created_at.toISOString(),
    sent_time: iso(m.sent_at),
    send_at: iso(m.send_at),
  };
}
