import type { z } from 'zod';
import type { ZagelyContact } from '../../schemas/zagely/common';
import type { messageView } from '../../schemas/zagely/contacts';
import type { groupView } from '../../schemas/zagely/groups';
import type { keyView } from '../../schemas/zagely/keys';
import type { sessionView } from '../../schemas/zagely/sessions';
import type { ContactView } from '../../../services/contacts';
import type { GroupWithCount } from '../../../services/groups';
import { jobResult } from '../../../services/jobs';
import type { ApiKeyRow, ContactMessageRow, JobRow, PhoneRow, WorkspaceRow } from '../../../db/rows';

/** Rows as Zagely shows them. */

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function page<T>(data: T[], total: number, p: { page: number; per_page: number }) {
  return { current_page: p.page, data, total, per_page: p.per_page, last_page: Math.max(1, Math.ceil(total / p.per_page)) };
}

/** `extraGroups`: dynamic groups the contact falls in, beside its static memberships. */
export function toContact(c: ContactView, extraGroups: { id: string; name: string }[] = []): ZagelyContact {
  const groups = [...c.groups, ...extraGroups.filter((g) => !c.groups.some((s) => s.id === g.id))].sort(
    (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
  );
  return {
    id: c.id,
    name: c.name,
    phone_number: c.phone,
    email: c.email,
    tags: c.labels.map((l) => l.name),
    is_blocked: c.blocked,
    opted_out_at: iso(c.opted_out_at),
    custom_fields: c.custom_fields ?? {},
    groups,
    notes: c.note,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export const toMessage = (m: ContactMessageRow): z.infer<typeof messageView> => ({
  id: m.id,
  channel: m.channel,
  direction: m.direction,
  type: m.content_type,
  content: m.content,
  status: m.status,
  session_id: m.phone_id,
  created_at: m.created_at.toISOString(),
});

export const toGroup = (g: GroupWithCount): z.infer<typeof groupView> => ({
  id: g.id,
  name: g.name,
  type: g.type,
  description: g.description,
  filters: g.type === 'dynamic' ? ((g.filters ?? {}) as Record<string, unknown>) : null,
  contacts_count: g.contacts_count,
  created_at: g.created_at.toISOString(),
  updated_at: g.updated_at.toISOString(),
});

export function toKeyView(k: ApiKeyRow, ws: WorkspaceRow): z.infer<typeof keyView> {
  return {
    id: k.id,
    name: k.name,
    type: k.kind === 'pair' ? 'key_pair' : 'api_key',
    public_key: k.public_key,
    abilities: k.abilities,
    session_id: k.session_id,
    expires_at: iso(k.expires_at),
    last_used_at: iso(k.last_used_at),
    disabled: k.disabled_at !== null,
    disabled_at: iso(k.disabled_at),
    limits: {
      per_minute: k.rate_limit_per_minute ?? ws.rate_limit_per_minute,
      daily: k.daily_quota ?? ws.daily_quota,
      monthly: k.monthly_quota ?? ws.monthly_quota,
    },
    rate_limit_per_minute: k.rate_limit_per_minute,
    daily_quota: k.daily_quota,
    monthly_quota: k.monthly_quota,
    created_at: k.created_at.toISOString(),
  };
}

export const toSession = (p: PhoneRow): z.infer<typeof sessionView> => ({
  id: p.id,
  name: p.name,
  phone_number: p.phone,
  status: p.status,
  daily_limit: p.daily_limit,
  warmup_enabled: p.warmup_enabled,
  created_at: p.created_at.toISOString(),
});

/**
 * A job (import or export) as the Zagely routes show it, with where to fetch its file: an export's download once
 * finished, an import's failed rows once any failed.
 */
export function zagelyJob(job: JobRow) {
  const downloadable = job.status === 'finished' && ['export_contacts', 'export_campaign_logs', 'export_messages'].includes(job.type);
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    total_items: job.total_items,
    processed_items: job.processed_items,
    failed_items: job.failed_items,
    result: jobResult(job),
    error: job.error_report,
    download_url: downloadable ? (job.type === 'export_contacts' ? `/api/contacts/export/${job.id}/download` : `/api/v1/jobs/${job.id}/download`) : null,
    ...(job.type === 'import_contacts' ? { failed_rows_url: job.failed_items > 0 ? `/api/v1/jobs/${job.id}/failed-rows` : null } : {}),
    created_at: job.created_at.toISOString(),
    updated_at: job.updated_at.toISOString(),
  };
}
