/**
 * The canonical form of an e-mail address: trimmed and lower-cased, so
 * `Ann@Example.com` and `ann@example.com` are one account (and one
 * rate-limit counter).
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
