/** What `if (value)` lets through. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Pause between two attempts (default 100). */
  intervalMs?: number;
  /** What was awaited, for the timeout error ("user.verified reached booking"). */
  message?: string;
}

/**
 * Polls `fn` until it returns a truthy value and resolves with that value.
 * A throw counts as "not yet"; the last error is quoted if time runs out.
 * Use this instead of fixed sleeps: tests wait exactly as long as needed.
 *
 * @example
 * const mail = await waitFor(async () =>
 *   (await notifications()).find((n) => n.template === 'welcome'),
 *   { timeoutMs: 30_000, message: 'welcome e-mail recorded' });
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100, message }: WaitForOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as Truthy<T>;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const last =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
      : `last value: ${JSON.stringify(lastValue)}`;
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${message ?? 'condition'} (${last})`,
  );
}
