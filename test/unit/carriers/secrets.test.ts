import crypto from 'node:crypto';
import fc from 'fast-check';
import { CredentialsDecryptError, decryptCredentials, encryptCredentials, parseEncryptionKey, redactCredentials } from '../../../carriers/credentials';

const keyBytes = crypto.createHash('sha256').update('test key').digest();
const hexKey = keyBytes.toString('hex');
const b64Key = keyBytes.toString('base64');
const creds = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 's3cr3t-token-value' };

describe('credentials encryption', () => {
  it('round-trips with a hex or base64 key', () => {
    const ct = encryptCredentials(creds, hexKey);
    expect(decryptCredentials(ct, hexKey)).toEqual(creds);
    expect(decryptCredentials(ct, b64Key)).toEqual(creds);
  });

  it('writes v1:iv:tag:data and never the plaintext', () => {
    const ct = encryptCredentials(creds, hexKey);
    const parts = ct.split(':');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1], 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(16);
    expect(ct).not.toContain('s3cr3t');
    expect(encryptCredentials(creds, hexKey)).not.toBe(ct); // fresh IV every time
  });

  it('detects tampering in any part', () => {
    const ct = encryptCredentials(creds, hexKey);
    const [v, iv, tag, data] = ct.split(':');
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0] ^= 1;
      return b.toString('base64url');
    };
    for (const bad of [[v, flip(iv), tag, data], [v, iv, flip(tag), data], [v, iv, tag, flip(data)]]) {
      expect(() => decryptCredentials(bad.join(':'), hexKey)).toThrow(CredentialsDecryptError);
    }
    expect(() => decryptCredentials(`v2:${iv}:${tag}:${data}`, hexKey)).toThrow(/version/);
    expect(() => decryptCredentials(`v1:${iv}:${tag}`, hexKey)).toThrow(/malformed/);
    expect(() => decryptCredentials(ct, crypto.randomBytes(32))).toThrow(CredentialsDecryptError);
  });

  it('binds a ciphertext to its associated data', () => {
    const ct = encryptCredentials(creds, hexKey, 'phone:1');
    expect(decryptCredentials(ct, hexKey, 'phone:1')).toEqual(creds);
    expect(() => decryptCredentials(ct, hexKey, 'phone:2')).toThrow(CredentialsDecryptError);
    expect(() => decryptCredentials(ct, hexKey)).toThrow(CredentialsDecryptError);
  });

  it('decrypts with a previous key during rotation', () => {
    const old = crypto.randomBytes(32);
    const ct = encryptCredentials(creds, old);
    expect(decryptCredentials(ct, [hexKey, old])).toEqual(creds);
  });

  it('round-trips any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        expect(decryptCredentials(encryptCredentials(obj, keyBytes), keyBytes)).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
      { numRuns: 50 },
    );
  });

  it('accepts only 32-byte keys', () => {
    expect(parseEncryptionKey(hexKey).equals(keyBytes)).toBe(true);
    expect(parseEncryptionKey(keyBytes.toString('base64url')).equals(keyBytes)).toBe(true);
    expect(() => parseEncryptionKey('abcd')).toThrow(/32 bytes/);
    expect(() => parseEncryptionKey(crypto.randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseEncryptionKey(crypto.randomBytes(31))).toThrow(/32 bytes/);
  });

  it('redacts every secret value entirely', () => {
    expect(redactCredentials(creds)).toEqual({ accountSid: creds.accountSid, authToken: '••••' });
  });
});
