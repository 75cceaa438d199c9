import path from 'node:path';
import { z } from 'zod';
import { apiConfigSchema, type ApiConfig } from '../api/config';
import { workerConfigSchema, type WorkerConfig } from '../worker/config';
import { ConfigError, parseEnv } from '../lib/env';
import { readDemoEnv } from './demo';

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be between 1 and 65535' })
  .max(65535, { error: 'must be between 1 and 65535' });

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v) && URL.canParse(v), { error: 'must be a postgres:// URL' });

/**
 * The environment of `npm start` (stack/main.ts). DATABASE_URL and TEMPORAL_ADDRESS switch from the embedded
 * servers to external ones; everything else has a default that works on a fresh machine. The API and the worker
 * read their own variables from the same environment (api/config.ts, worker/config.ts).
 */
export const stackConfigSchema = z
  .object({
    /** Where embedded PostgreSQL, the Temporal SQLite file, exports and demo.env live. */
    DATA_DIR: z.string().min(1).default('.data'),
    /** An external PostgreSQL database; when set, no embedded PostgreSQL is started. */
    DATABASE_URL: postgresUrl.optional(),
    /** Embedded PostgreSQL's port: 15432 stays clear of a system PostgreSQL (5432, and 5433+ for extra clusters). */
    EMBEDDED_PG_PORT: port.default(15432),
    /** An external Temporal frontend (host:port); when set, no dev server is started. */
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    /** The `temporal` CLI to run; else the first one on PATH; else the one `npm install` provisioned in .tools/. */
    TEMPORAL_CLI_PATH: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** The API's port and bind address (api/config.ts reads the same variables). */
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    /** Enables the admin API; when unset the stack generates one and keeps it in $DATA_DIR/demo.env. */
    ADMIN_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    // Only the ports the stack will actually open must differ.
    const used: [string, number][] = [['PORT', c.PORT]];
    if (!c.DATABASE_URL) used.push(['EMBEDDED_PG_PORT', c.EMBEDDED_PG_PORT]);
    if (!c.TEMPORAL_ADDRESS) used.push(['TEMPORAL_PORT', c.TEMPORAL_PORT], ['TEMPORAL_UI_PORT', c.TEMPORAL_UI_PORT]);
    for (const [i, [name, value]] of used.entries()) {
      const other = used.slice(0, i).find(([, v]) => v === value);
      if (other) ctx.addIssue({ code: 'custom', path: [name], message: `must differ from ${other[0]} (both are ${value})` });
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** `VAR=` unsets a variable, as in a shell, instead of failing validation as an empty string. */
export function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * The quick start has people load $DATA_DIR/demo.env into their shell, which exports the embedded PostgreSQL's
 * URL as DATABASE_URL; `npm start` from that shell must still start the embedded server rather than treat that URL
 * as an external database. So a DATABASE_URL equal to the embedded one recorded in demo.env is dropped.
 */
export function withoutOwnDatabaseUrl(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; dropped: boolean } {
  if (!env.DATABASE_URL) return { env, dropped: false };
  const recorded = readDemoEnv(path.join(env.DATA_DIR || '.data', 'demo.env')).DATABASE_URL;
  if (recorded !== env.DATABASE_URL || !isEmbeddedUrl(recorded)) return { env, dropped: false };
  const { DATABASE_URL: _own, ...rest } = env;
  return { env: rest, dropped: true };
}

/** The shape of the URL stack/postgres.ts hands out for the embedded server. */
function isEmbeddedUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.hostname === '127.0.0.1' && u.username === 'postgres';
  } catch {
    return false;
  }
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const clean = withoutEmpty(env);
  const config = parseEnv(stackConfigSchema, clean);
  // Check the API's and the worker's own variables now, before anything starts; the URLs are placeholders until
  // the servers are up.
  serviceConfigs(clean, {
    databaseUrl: config.DATABASE_URL ?? 'postgres://127.0.0.1/switchboard',
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
    adminToken: config.ADMIN_TOKEN,
    exportDir: `${config.DATA_DIR}/exports`,
  });
  return config;
}

/**
 * The API's and the worker's configs, parsed by their own schemas from the environment merged with what the
 * stack decided (URLs of the servers it started, the admin token); process.env is left alone.
 */
export function serviceConfigs(
  env: NodeJS.ProcessEnv,
  resolved: { databaseUrl: string; temporalAddress: string; adminToken?: string; exportDir: string; secrets?: Record<string, string> },
): { api: ApiConfig; worker: WorkerConfig } {
  const merged: NodeJS.ProcessEnv = {
    EXPORT_DIR: resolved.exportDir,
    // Generated once per data directory (stack/secrets.ts); a value set in the environment wins.
    ...resolved.secrets,
    // Where carriers' callbacks (and the simulator's receipts) reach this API; set PUBLIC_URL behind a proxy.
    PUBLIC_URL: `http://127.0.0.1:${env.PORT || 3000}`,
    ...withoutEmpty(env),
    DATABASE_URL: resolved.databaseUrl,
    TEMPORAL_ADDRESS: resolved.temporalAddress,
    ...(resolved.adminToken ? { ADMIN_TOKEN: resolved.adminToken } : {}),
  };
  const api = parseEnv(apiConfigSchema, merged);
  const worker = parseEnv(workerConfigSchema, merged);
  return { api, worker };
}

export { ConfigError };
