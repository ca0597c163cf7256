import { createHash, randomBytes } from 'node:crypto';

/** A one-time verification token and the hash that is stored in its place. */
export interface VerificationToken {
  /** Sent in `user.registered` (and so in the e-mail); never stored or logged. */
  token: string;
  /** SHA-256 of the token, hex: what the database keeps. */
  hash: string;
}

/** 32 random bytes, base64url: unguessable and safe in a URL. */
export function createVerificationToken(): VerificationToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashVerificationToken(token) };
}

/**
 * SHA-256 suffices (no salt, no bcrypt): the token has 256 bits of entropy,
 * so there is nothing to brute-force, and the hash must be searchable.
 */
export function hashVerificationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
