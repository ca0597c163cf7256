import { createHash } from 'node:crypto';
import {
  createVerificationToken,
  hashVerificationToken,
} from './verification-token.js';

describe('verification tokens', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const first = createVerificationToken();
    const second = createVerificationToken();

    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(first.token).not.toBe(second.token);
  });

  it('are stored as their SHA-256 only', () => {
    const { token, hash } = createVerificationToken();

    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashVerificationToken(token)).toBe(hash);
    expect(hash).not.toContain(token);
  });
});
