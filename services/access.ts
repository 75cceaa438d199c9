import { createHash, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { databaseUp } from '../db/connection';
import { apiKeysRepo } from '../db/repositories/api-keys';
import { idempotencyRepo } from '../db/repositories/idempotency';
import { nextPeriodStart, periodStarts, usageRepo, type UsagePeriod } from '../db/repositories/usage';
import type { AuthKeyRow, IdempotencyRow } from '../db/rows';

/** How key secrets are stored and compared: SHA-256, hex. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Who is calling: a live key of an active workspace. */
export interface Principal {
  keyId: string;
  keyName: string;
  kind: 'seax' | 'pair';
  workspaceId: string;
  /** ISO country used to read phone numbers written without a country code. */
  defaultCountry: string;
  abilities: string[];
  sessionId: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  limits: { per_minute: number; daily: number; monthly: number };
}

/** The credentials a request carried: a SeaX key, or a Zagely pair (either half may be missing). */
export interface Credentials {
  apiKey?: string;
  publicKey?: string;
  secretKey?: string;
}

/** Why credentials do not give a principal. */
export type Refusal = 'missing' | 'invalid' | 'inactive';

/** Requests counted in each window, and the window that is full when the request was refused. */
export interface UsageVerdict {
  used: Record<UsagePeriod, number>;
  exceeded?: UsagePeriod;
  /** When the full window reopens (only when exceeded). */
  reopensAt?: Date;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function toPrincipal(row: AuthKeyRow): Principal {
  return {
    keyId: row.id,
    keyName: row.name,
    kind: row.kind,
    workspaceId: row.workspace_id,
    defaultCountry: row.ws_default_country,
    abilities: row.abilities,
    sessionId: row.session_id,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    limits: {
      per_minute: row.rate_limit_per_minute ?? row.ws_rate_limit_per_minute,
      daily: row.daily_quota ?? row.ws_daily_quota,
      monthly: row.monthly_quota ?? row.ws_monthly_quota,
    },
  };
}

/**
 * Who may call, and how much: key authentication (secrets compared by hash; the plain values are never stored),
 * per-key request counting in PostgreSQL (every API process shares the counters; row locks make them exact), the
 * idempotency records of mutating requests, and the database check of the health probe.
 */
export function accessService(db: Knex, clock: () => Date = () => new Date()) {
  const keys = apiKeysRepo(db);
  const usage = usageRepo(db);
  const idempotency = idempotencyRepo(db);
  return {
    /** The principal of these credentials, or why there is none. One model serves both dialects. */
    async authenticate(c: Credentials): Promise<{ principal: Principal } | { refused: Refusal }> {
      let row: AuthKeyRow | undefined;
      if (c.publicKey || c.secretKey) {
        if (!c.publicKey || !c.secretKey) return { refused: 'missing' };
        row = await keys.findByPublicKey(c.publicKey);
        if (!row || !sameHash(sha256Hex(c.secretKey), row.secret_hash)) return { refused: 'invalid' };
      } else if (c.apiKey) {
        row = await keys.findBySecretHash(sha256Hex(c.apiKey));
        if (!row) return { refused: 'invalid' };
      } else {
        return { refused: 'missing' };
      }
      if (row.revoked_at) return { refused: 'invalid' };
      if (row.disabled_at || (row.expires_at && row.expires_at.getTime() <= Date.now()) || row.workspace_status !== 'active') return { refused: 'inactive' };
      return { principal: toPrincipal(row) };
    },

    /** Count one request of the key against its per-minute, daily and monthly limits (not counted when one is full). */
    async consume(p: Principal): Promise<UsageVerdict> {
      const now = clock();
      const starts = periodStarts(now);
      const r = await usage.consume(p.keyId, starts, { minute: p.limits.per_minute, day: p.limits.daily, month: p.limits.monthly });
      return r.exceeded ? { ...r, reopensAt: nextPeriodStart(r.exceeded, starts) } : r;
    },

    /** The key's requests in the current day and month windows. */
    usageOf: (keyId: string) => usage.current(keyId, periodStarts(clock())),

    /** Idempotency records (`Idempotency-Key`), keyed by API key, path and key. */
    idempotency: {
      claim: (row: Pick<IdempotencyRow, 'api_key_id' | 'path' | 'key' | 'method' | 'request_hash'>) => idempotency.claim(row),
      get: (apiKeyId: string, path: string, key: string) => idempotency.get(apiKeyId, path, key),
      complete: (apiKeyId: string, path: string, key: string, status: number, body: string, headers: Record<string, string>, secretsEncrypted: string | null = null) =>
        idempotency.complete(apiKeyId, path, key, status, body, headers, secretsEncrypted),
      release: (apiKeyId: string, path: string, key: string) => idempotency.release(apiKeyId, path, key),
    },

    /** Whether the database answers (the health probe). */
    databaseUp: (): Promise<boolean> => databaseUp(db),
  };
}
