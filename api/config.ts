import { z } from 'zod';
import { outboundAllowedHostsEnv } from '../lib/outbound-url';
import { envBoolean, parseEnv } from '../lib/env';
import { DEFAULT_MIN_RECURRENCE_SECONDS } from '../domain/recurrence';

/** The API process's environment, parsed once. */
export const apiConfigSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('switchboard'),
  /** How long starting a workflow may take before the request answers 503 (lib/temporal.ts); the SDK alone retries for ~20 s. */
  TEMPORAL_START_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  ADMIN_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: envBoolean.default(false),
  EXPORT_DIR: z.string().default('.data/exports'),
  /**
   * The built-in simulator carrier: SIMULATOR phones may be created and POST /simulator/inbound is mounted. Set it
   * false where only real carriers belong (SIMULATOR phones are then a 422 naming source).
   */
  SIMULATOR_ENABLED: envBoolean.default(true),
  /** The largest contact import file accepted (bytes; 413 beyond it). Uploads are spooled to EXPORT_DIR/uploads, which the worker reads. */
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).default(512 * 1024 * 1024),
  /** Signs simulator receipts (worker → /callbacks/simulator); unset: derived from CREDENTIALS_ENCRYPTION_KEY (lib/derived-secret.ts). */
  SIMULATOR_CALLBACK_SECRET: z.string().min(16).optional(),
  /** Verifies e-mailed export download links (lib/export-link.ts); unset: derived from CREDENTIALS_ENCRYPTION_KEY, as the worker derives it. */
  EXPORT_LINK_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** 32 bytes (64 hex or base64) decrypting phones.credentials_encrypted, as the worker reads it; a comma-separated list during a rotation. */
  CREDENTIALS_ENCRYPTION_KEY: z.string().optional(),
  /** Meta app secret for X-Hub-Signature-256 on /callbacks/whatsapp; a phone may also carry its own appSecret. */
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  /** Token Meta echoes in the GET /callbacks/whatsapp handshake; a phone may also carry its own verifyToken. */
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  /** Hosts (exact, case-insensitive), IPs or CIDRs, comma-separated, that user-supplied URLs may reach even when private (lib/outbound-url.ts). */
  OUTBOUND_ALLOWED_HOSTS: outboundAllowedHostsEnv,
  /** Campaign runs: recipients per batch activity, batch activities in flight per run, carrier requests in flight per batch. */
  CAMPAIGN_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  CAMPAIGN_PARALLEL_BATCHES: z.coerce.number().int().min(1).max(64).default(4),
  CAMPAIGN_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /** The shortest time between two firings of a recurring campaign (interval_seconds, cron); shorter is a 422. */
  CAMPAIGN_MIN_RECURRENCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_MIN_RECURRENCE_SECONDS),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => parseEnv(apiConfigSchema, env);
