/** PostgreSQL SQLSTATE of a unique constraint violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * True when `error` (or one of its causes: Drizzle wraps driver errors in
 * `DrizzleQueryError`) is a unique violation, optionally of one constraint.
 * Works for both `pg` and PGlite, which report the same SQLSTATE.
 */
export function isUniqueViolation(
  error: unknown,
  constraint?: string,
): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && typeof current === 'object' && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const { code, constraint: name } = current as {
      code?: unknown;
      constraint?: unknown;
    };
    if (code === UNIQUE_VIOLATION) {
      return (
        constraint === undefined || name === undefined || name === constraint
      );
    }
  }
  return false;
}
