import { createHmac, timingSafeEqual } from 'node:crypto';
import { sharedSecret } from './derived-secret';

/**
 * Signed, expiring download links for export files sent by e-mail (SeaX log export). The token names the workspace
 * and the job and carries its expiry; an HMAC-SHA256 over it with a server secret makes it unforgeable, so the
 * download route needs no API key. The worker signs (when it e-mails the link) and the API verifies: both read
 * EXPORT_LINK_SECRET (the stack generates one per data directory); unset, see sharedSecret (lib/derived-secret.ts),
 * under a label of its own so it never equals the simulator's secret.
 */
export function exportLinkSecret(config: { EXPORT_LINK_SECRET?: string; CREDENTIALS_ENCRYPTION_KEY?: string }): string {
  return sharedSecret('export-link', config.EXPORT_LINK_SECRET, config.CREDENTIALS_ENCRYPTION_KEY);
}

export interface ExportLink {
  workspaceId: string;
  jobId: string;
  expiresAt: Date;
}

const mac = (secret: string, payload: string): Buffer => createHmac('sha256', secret).update(payload).digest();

/** `<base64url JSON {w, j, e}>.<base64url HMAC>`: URL-safe, no padding. */
export function signExportLink(secret: string, link: ExportLink): string {
  const payload = Buffer.from(JSON.stringify({ w: link.workspaceId, j: link.jobId, e: Math.floor(link.expiresAt.getTime() / 1000) })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The link a token names: `invalid` when it was not signed with `secret` (tampered, truncated), `expired` after its expiry. */
export function verifyExportLink(secret: string, token: string, now: Date = new Date()): { ok: true; link: ExportLink } | { ok: false; reason: 'invalid' | 'expired' } {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let claims: { w?: unknown; j?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof claims.w !== 'string' || typeof claims.j !== 'string' || typeof claims.e !== 'number') return { ok: false, reason: 'invalid' };
  const link = { workspaceId: claims.w, jobId: claims.j, expiresAt: new Date(claims.e * 1000) };
  return link.expiresAt.getTime() <= now.getTime() ? { ok: false, reason: 'expired' } : { ok: true, link };
}
