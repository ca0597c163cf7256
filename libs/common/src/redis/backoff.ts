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

let reconnectsStopped = false;

/**
 * Ends every reconnect loop of `reconnectForever` (called once the process
 * shuts down): a client that is not connected gives up at its next attempt,
 * which rejects the commands it queued (a `quit()` waiting for Redis among
 * them) instead of waiting for a Redis that may never return.
 */
export function stopReconnecting(): void {
  reconnectsStopped = true;
}

/** Whether the process is shutting down (see {@link stopReconnecting}). */
export function reconnectingStopped(): boolean {
  return reconnectsStopped;
}

/**
 * ioredis `retryStrategy` that reconnects with exponential backoff until the
 * process shuts down ({@link stopReconnecting}), then returns `null`, which
 * makes ioredis close the connection for good.
 */
export const reconnectForever =
  (options: BackoffOptions = { initialMs: 100, maxMs: 5_000, jitter: 0.2 }) =>
  (times: number): number | null =>
    reconnectsStopped ? null : exponentialBackoff(times, options);
