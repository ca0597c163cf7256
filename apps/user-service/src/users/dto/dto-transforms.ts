import { normalizeEmail } from '../email.js';

// Non-strings pass through untouched so the validators report them as the
// wrong type instead of this code throwing.

/** `@Transform` that normalises an e-mail (trim, lower-case). */
export const toNormalizedEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? normalizeEmail(value) : value;

/** `@Transform` that trims a string. */
export const toTrimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;
