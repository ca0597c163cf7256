// Non-strings pass through untouched so the validators report them as the
// wrong type instead of this code throwing.

/** `@Transform` that trims a string. */
export const toTrimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/**
 * `@Transform` for query parameters: `?customerId=` means "not given". It
 * reads the raw value, since `@Type(() => Number)` has already made `''` a 0.
 */
export const emptyAsUnset = ({
  value,
  obj,
  key,
}: {
  value: unknown;
  obj: Record<string, unknown>;
  key: string;
}): unknown => (obj[key] === '' ? undefined : value);
