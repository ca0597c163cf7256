import { exponentialBackoff } from '@app/common';

/** Reconnect delays of the bus's Redis connections: 100 ms doubling to 5 s. */
export const BUS_RECONNECT_BACKOFF = {
  initialMs: 100,
  maxMs: 5_000,
  jitter: 0.2,
};

export const busReconnectDelay = (attempt: number): number =>
  exponentialBackoff(attempt, BUS_RECONNECT_BACKOFF);
