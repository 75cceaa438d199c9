import { z } from 'zod';
import { decryptCredentials, encryptCredentials } from '../lib/secrets';
import type { ProviderName } from './types';

export { CredentialsDecryptError, decryptCredentials, encryptCredentials, parseEncryptionKey, redactCredentials } from '../lib/secrets';

/** The shape of the credentials stored (encrypted) for each provider; validate before encrypting and after decrypting. */
export const carrierCredentialsSchemas = {
  SIMULATOR: z.object({}).strict(),
  TWILIO: z.object({ accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/), authToken: z.string().min(16) }).strict(),
  WHATSAPP_CLOUD: z.object({ accessToken: z.string().min(1), appSecret: z.string().min(1), verifyToken: z.string().min(1).optional() }).strict(),
  SMTP: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      secure: z.boolean().optional(),
      requireTLS: z.boolean().optional(),
      auth: z.object({ user: z.string().min(1), pass: z.string() }).optional(),
    })
    .strict(),
} satisfies Record<ProviderName, z.ZodType>;

export type CarrierCredentials = { [P in ProviderName]: z.infer<(typeof carrierCredentialsSchemas)[P]> };

/** Stored credentials are bound to their phone row (AES-GCM associated data = phone id); writers use this. */
export const encryptPhoneCredentials = (phoneId: string, credentials: unknown, key: string): string => encryptCredentials(credentials, key, phoneId);

/**
 * Decrypts and validates one sender phone's stored credentials (phones.credentials_encrypted), bound to the phone's
 * id as AES-GCM associated data exactly as encryptPhoneCredentials writes them. Throws CredentialsDecryptError
 * (tampered, wrong key or row) or a ZodError.
 */
export function decryptPhoneCredentials<P extends ProviderName>(provider: P, phone: { id: string; credentials_encrypted: string }, keys: string | Buffer | (string | Buffer)[]): CarrierCredentials[P] {
  return carrierCredentialsSchemas[provider].parse(decryptCredentials(phone.credentials_encrypted, keys, phone.id)) as CarrierCredentials[P];
}
