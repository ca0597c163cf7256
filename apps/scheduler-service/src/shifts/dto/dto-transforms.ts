// Non-strings pass through untouched so the validators report them as the
// wrong type instead of this code throwing.

/** `@Transform` that trims and lower-cases an e-mail. */
export const toNormalizedEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;
