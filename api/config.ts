import { z } from 'zod';
import { outboundAllowedHostsEnv } from '../lib/outbound-url';
import { envBoolean, parseEnv } from '../domain/env';

/** The API process's environment, parsed once. */
export const apiConfigSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('switchboard'),
  ADMIN_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: envBoolean.default(false),
  EXPORT_DIR: z.string().default('.data/exports'),
  /** Signs simulator receipts (worker → /callbacks/simulator); unset: derived from DATABASE_URL (lib/simulator-secret.ts). */
  SIMULATOR_CALLBACK_SECRET: z.string().min(16).optional(),
  /** 32 bytes (64 hex or base64) decrypting phones.credentials_encrypted, as the worker reads it; a comma-separated list during a rotation. */
  CREDENTIALS_ENCRYPTION_KEY: z.string().optional(),
  /** Meta app secret for X-Hub-Signature-256 on /callbacks/whatsapp; a phone may also carry its own appSecret. */
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  /** Token Meta echoes in the GET /callbacks/whatsapp handshake; a phone may also carry its own verifyToken. */
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  /** Hosts (exact, case-insensitive), IPs or CIDRs, comma-separated, that user-supplied URLs may reach even when private (lib/outbound-url.ts). */
  OUTBOUND_ALLOWED_HOSTS: outboundAllowedHostsEnv,
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => parseEnv(apiConfigSchema, env);
