import crypto from 'node:crypto';

/*
 * Secrets at rest (carrier credentials, webhook signing secrets, sealed idempotent replies): AES-256-GCM over the JSON credentials object, stored as
 * `v1:<iv>:<tag>:<ciphertext>` (base64url parts, 12-byte random IV, 16-byte tag). The version prefix leaves room
 * for a new scheme or key without a migration. Optional associated data (e.g. the phone's id) binds a ciphertext to
 * its row, so one row's credentials pasted into another row fail to decrypt. Decrypted credentials never leave the
 * worker: the API stores them and answers with a redacted view only.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialsDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsDecryptError';
  }
}

/** A 32-byte key from config: 64 hex characters or base64/base64url of 32 bytes. */
export function parseEncryptionKey(key: string | Buffer): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length !== 32) throw new Error(`encryption key must be 32 bytes, got ${key.length}`);
    return key;
  }
  const trimmed = key.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) {
    const buf = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === 32) return buf;
  }
  throw new Error('encryption key must be 32 bytes given as 64 hex characters or base64');
}

const b64u = (b: Buffer): string => b.toString('base64url');

export function encryptCredentials(credentials: unknown, key: string | Buffer, associatedData?: string): string {
  const k = parseEncryptionKey(key);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
  if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
  return [VERSION, b64u(iv), b64u(cipher.getAuthTag()), b64u(data)].join(':');
}

/**
 * Decrypts with the current key or, during a rotation, any of the previous keys (first that authenticates wins).
 * Any tampering (IV, tag, data, associated data, wrong key) throws CredentialsDecryptError.
 */
export function decryptCredentials<T = Record<string, unknown>>(ciphertext: string, keys: string | Buffer | (string | Buffer)[], associatedData?: string): T {
  const parts = ciphertext.split(':');
  if (parts.length !== 4) throw new CredentialsDecryptError('malformed credentials ciphertext');
  const [version, ivPart, tagPart, dataPart] = parts;
  if (version !== VERSION) throw new CredentialsDecryptError(`unsupported credentials ciphertext version ${version}`);
  const iv = Buffer.from(ivPart, 'base64url');
  const tag = Buffer.from(tagPart, 'base64url');
  const data = Buffer.from(dataPart, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CredentialsDecryptError('malformed credentials ciphertext');
  for (const key of Array.isArray(keys) ? keys : [keys]) {
    const decipher = crypto.createDecipheriv('aes-256-gcm', parseEncryptionKey(key), iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      continue;
    }
    return JSON.parse(plain.toString('utf8')) as T;
  }
  throw new CredentialsDecryptError('credentials failed authentication (tampered, or encrypted with another key)');
}

/** What the API may show of stored credentials: identifiers as they are, every other value masked entirely. */
export function redactCredentials(credentials: Record<string, unknown>, visible: string[] = ['accountSid', 'phoneNumberId', 'host', 'port', 'user']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(credentials).map(([k, v]) => [k, visible.includes(k) ? v : '••••']),
  );
}
