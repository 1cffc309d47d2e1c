import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { VaultKey } from './key.ts';

/** AES-256-GCM ciphertext as stored on disk (all base64). */
export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/** Encrypts with AES-256-GCM, a random 96-bit IV, and `aad` bound to the ciphertext. */
export function seal(key: VaultKey, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes(), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Decrypts {@link seal}'s output; throws when the key, the `aad` or the data is wrong. */
export function open(key: VaultKey, sealed: Sealed, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key.bytes(), Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
}

/** True when `value` has the shape of {@link Sealed}. */
export function isSealed(value: unknown): value is Sealed {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['iv'] === 'string' && typeof v['tag'] === 'string' && typeof v['data'] === 'string';
}
