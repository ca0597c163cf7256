export interface BackoffOptions {
  /** Delay of the first retry. */
  initialMs: number;
  /** The delay never grows past this. */
  maxMs: number;
  /** Share of the delay that is randomised (0 to 1), so instances spread out. */
  jitter?: number;
}

/**
 * Exponential backoff: `initialMs * 2^(attempt-1)`, capped at `maxMs`, with
 * optional jitter. `attempt` counts from 1.
 */
export function exponentialBackoff(
  attempt: number,
  { initialMs, maxMs, jitter = 0 }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const delay = Math.min(maxMs, initialMs * 2 ** Math.min(exponent, 30));
  const spread = delay * jitter;
  return Math.round(delay - spread + random() * spread);
}

/** ioredis `retryStrategy` that reconnects forever with exponential backoff. */
export const reconnectForever =
  (options: BackoffOptions = { initialMs: 100, maxMs: 5_000, jitter: 0.2 }) =>
  (times: number): number =>
    exponentialBackoff(times, options);
