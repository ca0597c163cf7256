import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustKeyStore } from './key-store.js';
import { isSealed, SensitiveCipher } from './sensitive-cipher.js';

describe('SensitiveCipher', () => {
  let dir: string;
  let cipher: SensitiveCipher;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    cipher = new SensitiveCipher(new TrustKeyStore(dir));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('seals a value so that it is not in the text, and opens it again', () => {
    const sealed = cipher.seal('secret-token', 'event:user.registered:t');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('secret-token');
    expect(cipher.open(sealed, 'event:user.registered:t')).toBe('secret-token');
  });

  it('gives a new ciphertext each time', () => {
    expect(cipher.seal('x', 'c')).not.toBe(cipher.seal('x', 'c'));
  });

  it('refuses another context and a tampered ciphertext', () => {
    const sealed = cipher.seal('secret', 'a');
    expect(() => cipher.open(sealed, 'b')).toThrow(/tampered/);
    const parts = sealed.split(':');
    const ciphertext = Buffer.from(parts[5], 'base64url');
    ciphertext[0] ^= 1;
    parts[5] = ciphertext.toString('base64url');
    expect(() => cipher.open(parts.join(':'), 'a')).toThrow(/tampered/);
  });

  it('opens values sealed under an older key after a rotation', () => {
    const old = cipher.seal('before', 'c');
    writeFileSync(
      join(dir, 'data', 'newer.json'),
      JSON.stringify({
        keyId: 'newer',
        key: randomBytes(32).toString('base64'),
        createdAt: '2999-01-01T00:00:00.000Z',
      }),
    );
    const rotated = new SensitiveCipher(new TrustKeyStore(dir));
    const fresh = rotated.seal('after', 'c');

    expect(fresh).toMatch(/^enc:v1:newer:/);
    expect(rotated.open(old, 'c')).toBe('before');
    expect(rotated.open(fresh, 'c')).toBe('after');
  });

  it('refuses a value whose key is not in the folder', () => {
    expect(() => cipher.open('enc:v1:nokey:aa:bb:cc', 'c')).toThrow(
      /unknown data key nokey/,
    );
  });
});
