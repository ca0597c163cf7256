import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { TrustKeyStore } from './key-store.js';
import { SensitiveValueError } from './trust.errors.js';

/** Every sealed value starts with this; the key id follows. */
export const SEALED_PREFIX = 'enc:v1:';

/**
 * Encrypts sensitive values with AES-256-GCM under the newest data key of
 * the keys folder: `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url), the
 * JSON of the value inside. `context` (e.g. the event type and field) is
 * authenticated data: a sealed value cannot be moved to another field.
 * Older keys stay usable for as long as their file is in the folder.
 */
export class SensitiveCipher {
  constructor(private readonly keys: TrustKeyStore) {}

  seal(value: unknown, context: string): string {
    const { keyId, key } = this.keys.currentDataKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(value) ?? 'null', 'utf8'),
      cipher.final(),
    ]);
    return `${SEALED_PREFIX}${keyId}:${[iv, cipher.getAuthTag(), ciphertext]
      .map((part) => part.toString('base64url'))
      .join(':')}`;
  }

  /** The value inside; throws `SensitiveValueError` when it cannot be opened. */
  open(sealed: unknown, context: string): unknown {
    if (!isSealed(sealed)) throw new SensitiveValueError('not a sealed value');
    const [keyId, iv = '', tag = '', ciphertext = ''] = sealed
      .slice(SEALED_PREFIX.length)
      .split(':');
    // Strict base64url: Node's decoder stops at a stray character, which
    // would let a cut-short tag through.
    if (![iv, tag, ciphertext].every((part) => BASE64URL.test(part))) {
      throw new SensitiveValueError('malformed sealed value');
    }
    const dataKey = this.keys.dataKey(keyId);
    if (!dataKey) throw new SensitiveValueError(`unknown data key ${keyId}`);
    try {
      // The tag's length pinned: GCM would otherwise accept tags down to 4 bytes.
      const decipher = createDecipheriv(
        'aes-256-gcm',
        dataKey.key,
        Buffer.from(iv, 'base64url'),
        { authTagLength: GCM_TAG_BYTES },
      );
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const clear = Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]);
      return JSON.parse(clear.toString('utf8')) as unknown;
    } catch {
      throw new SensitiveValueError('tampered, or another context');
    }
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const GCM_TAG_BYTES = 16;

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}
