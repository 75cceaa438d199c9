import { carrierCredentialsSchemas, type CarrierCredentials } from './index';
import { decryptCredentials } from './secrets';
import type { ProviderName } from './types';

/**
 * Decrypts and validates one sender phone's stored credentials (phones.credentials_encrypted), bound to the phone's
 * id as AES-GCM associated data exactly as registry.ts's encryptPhoneCredentials writes them. Used by the API to
 * authenticate carrier callbacks. Throws CredentialsDecryptError (tampered, wrong key or row) or a ZodError.
 */
export function decryptPhoneCredentials<P extends ProviderName>(provider: P, phone: { id: string; credentials_encrypted: string }, keys: string | Buffer | (string | Buffer)[]): CarrierCredentials[P] {
  return carrierCredentialsSchemas[provider].parse(decryptCredentials(phone.credentials_encrypted, keys, phone.id)) as CarrierCredentials[P];
}
