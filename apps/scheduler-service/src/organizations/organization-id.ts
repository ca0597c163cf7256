/**
 * Organization ids are short slugs (`default`, `acme-eu`): they appear in
 * URLs and cache keys, so only letters, digits, `.`, `_` and `-`.
 */
export const ORGANIZATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** ISO 4217 currency codes: three upper-case letters. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
