import { DEFAULT_CAPABILITY } from '../../../services/phones';
import type { SeaxContact } from '../../schemas/seax/contacts';
import type { SeaxKeyword } from '../../schemas/seax/keywords';
import type { SeaxLabel } from '../../schemas/seax/labels';
import type { SeaxPhone } from '../../schemas/seax/phones';
import type { ContactView } from '../../../services/contacts';
import type { AutoReplyRow, LabelRow, PhoneRow } from '../../../db/rows';

/** Rows to the shapes SeaX documents: `created_time`/`updated_time` as ISO strings, nothing internal leaks. */

type Recipient = SeaxPhone['call_recipient'];

const recipient = (value: Record<string, unknown> | null): Recipient =>
  value && typeof value.type === 'string' && typeof value.receiver === 'string'
    ? { id: typeof value.id === 'string' ? value.id : '', type: value.type, receiver: value.receiver }
    : null;

/** `keywords`: the phone's keywords, already mapped (toSeaxKeyword). */
export function toSeaxPhone(p: PhoneRow, keywords: SeaxKeyword[] = []): SeaxPhone {
  return {
    name: p.name,
    enabled: p.enabled,
    phone: p.phone,
    country: p.country,
    whatsapp_device_id: null,
    whatsapp_status: p.whatsapp_status,
    generic_reply_message: p.generic_reply_message,
    dnc_reply_message: p.dnc_reply_message,
    enabled_generic_reply: p.enabled_generic_reply,
    enabled_dnc_reply: p.enabled_dnc_reply,
    type: p.type,
    source: p.source,
    phone_capability: { ...DEFAULT_CAPABILITY, ...p.phone_capability },
    is_default: p.is_default,
    enabled_recipient: p.enabled_recipient,
    whatsapp_business_account_phone_id: p.whatsapp_business_account_phone_id,
    dialpad_available: false,
    created_time: p.created_at.toISOString(),
    updated_time: p.updated_at.toISOString(),
    id: p.id,
    call_recipient: recipient(p.call_recipient),
    sms_recipient: recipient(p.sms_recipient),
    wabp_recipient: recipient(p.wabp_recipient),
    verified_caller: null,
    byoc_trunk: null,
    users: [],
    keywords,
    unread_count: 0,
    has_credentials: !!p.credentials_encrypted,
  };
}

export function toSeaxLabel(l: LabelRow): SeaxLabel {
  return {
    name: l.name,
    color: l.color,
    description: l.description,
    id: l.id,
    is_system: l.is_system,
    created_time: l.created_at.toISOString(),
    updated_time: l.updated_at.toISOString(),
  };
}

export function toSeaxContact(c: ContactView): SeaxContact {
  return {
    name: c.name,
    phone: c.phone,
    note: c.note,
    whatsapp_phone: c.whatsapp_phone,
    contact_field_data: c.custom_fields ?? {},
    id: c.id,
    workspace_id: c.workspace_id,
    created_time: c.created_at.toISOString(),
    updated_time: c.updated_at.toISOString(),
    contact_labels: c.labels.map(toSeaxLabel),
  };
}

/** A SeaX keyword from its auto_replies row; `labels` holds at least the labels its contact_label_ids name. */
export function toSeaxKeyword(k: AutoReplyRow, labels: ReadonlyMap<string, LabelRow>): SeaxKeyword {
  return {
    name: k.trigger_value ?? k.name,
    reply: k.response_content ?? '',
    enabled_auto_reply: k.is_active,
    enabled_contact_label: k.enabled_contact_label,
    keep_dnc_label_only: k.keep_dnc_label_only,
    id: k.id,
    phone_id: k.phone_id ?? '',
    priority: k.priority,
    match_mode: k.match_mode,
    contact_labels: k.contact_label_ids.flatMap((id) => {
      const l = labels.get(id);
      return l ? [toSeaxLabel(l)] : [];
    }),
    created_time: k.created_at.toISOString(),
    updated_time: k.updated_at.toISOString(),
  };
}
