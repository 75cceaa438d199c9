import { z } from 'zod';
import { outboundAllowedHostsEnv } from '../lib/outbound-url';
import { parseEnv } from '../domain/env';

/** The worker process's environment, parsed once. */
export const workerConfigSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('switchboard'),
  EXPORT_DIR: z.string().default('.data/exports'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The API's public base URL: carriers' status callbacks (`/callbacks/twilio/status`) and simulator receipts go there. */
  PUBLIC_URL: z.string().url().optional(),
  /** Provider base URLs come from here, never from stored credentials; tests point them at local fakes. */
  TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
  WHATSAPP_GRAPH_BASE_URL: z.string().url().default('https://graph.facebook.com'),
  /** Per-request deadline of a carrier call. */
  CARRIER_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** 32 bytes (64 hex or base64) decrypting phones.credentials_encrypted; a comma-separated list during a rotation. */
  CREDENTIALS_ENCRYPTION_KEY: z.string().optional(),
  /** Signs simulator receipts; unset: derived from DATABASE_URL, the same way the API derives it. */
  SIMULATOR_CALLBACK_SECRET: z.string().min(16).optional(),
  SIMULATOR_SENT_DELAY_MS: z.coerce.number().int().min(0).default(200),
  SIMULATOR_DELIVERED_DELAY_MS: z.coerce.number().int().min(0).default(800),
  /** Hosts (exact, case-insensitive), IPs or CIDRs, comma-separated, that user-supplied URLs may reach even when private (lib/outbound-url.ts). */
  OUTBOUND_ALLOWED_HOSTS: outboundAllowedHostsEnv,
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig => parseEnv(workerConfigSchema, env);
