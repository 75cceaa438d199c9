import { z } from 'zod';
import { outboundAllowedHostsEnv } from '../lib/outbound-url';
import { parseEnv } from '../lib/env';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from '../domain/webhooks';

/** An explicit boolean parser (z.coerce.boolean would read "false" as true). */
const envBoolean = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

/** The worker process's environment, parsed once. */
export const workerConfigSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('switchboard'),
  EXPORT_DIR: z.string().default('.data/exports'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(50),
  /** Rows per contact-import chunk: one transaction each, and the granularity of progress, resume and cancel. */
  IMPORT_CHUNK_ROWS: z.coerce.number().int().min(1).max(50_000).default(5000),
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
  /** Signs simulator receipts; unset: derived from CREDENTIALS_ENCRYPTION_KEY, the same way the API derives it (lib/derived-secret.ts). */
  SIMULATOR_CALLBACK_SECRET: z.string().min(16).optional(),
  SIMULATOR_SENT_DELAY_MS: z.coerce.number().int().min(0).default(200),
  SIMULATOR_DELIVERED_DELAY_MS: z.coerce.number().int().min(0).default(800),
  /** Hosts (exact, case-insensitive), IPs or CIDRs, comma-separated, that user-supplied URLs may reach even when private (lib/outbound-url.ts). */
  OUTBOUND_ALLOWED_HOSTS: outboundAllowedHostsEnv,
  /** Run the webhook dispatcher (one workflow per task queue, started idempotently by every worker). */
  WEBHOOK_DISPATCHER_ENABLED: envBoolean.default(true),
  /** How often the dispatcher looks for new deliveries when idle: the worst-case fan-out latency. */
  WEBHOOK_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** Waits before each webhook retry, comma-separated ms (Zagely: 10 s, 60 s, 5 min, 30 min, 2 h). */
  WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return DEFAULT_RETRY_SCHEDULE_MS;
      const parsed = parseRetrySchedule(v);
      if (!parsed) ctx.addIssue({ code: 'custom', message: 'must be comma-separated whole milliseconds, e.g. 10000,60000,300000' });
      return parsed ?? [];
    }),
  /** The relay that sends export e-mails (SeaX log export links): smtp://[user:pass@]host[:port] (STARTTLS when offered) or smtps:// (implicit TLS). */
  SMTP_URL: z
    .string()
    .refine((v) => URL.canParse(v) && ['smtp:', 'smtps:'].includes(new URL(v).protocol) && !!new URL(v).hostname, { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  /** The From of those e-mails: an address the relay accepts. */
  SMTP_FROM: z.string().min(3).default('Switchboard <no-reply@switchboard.local>'),
  /** Signs e-mailed export download links (lib/export-link.ts); unset: derived from CREDENTIALS_ENCRYPTION_KEY, the same way the API derives it. */
  EXPORT_LINK_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** How long an e-mailed export download link works (default 7 days). */
  EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(1).default(7 * 24 * 3600),
  /** Failed attempts after which a delivery is marked failed (Zagely: 5). */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  /** Deadline of one webhook request (Zagely: 10 s). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig => parseEnv(workerConfigSchema, env);
