import { exponentialBackoff, type BackoffOptions } from '@app/common';

export interface RetryScheduleOptions {
  /**
   * Deliveries in quick succession: the first one and the fast retries
   * (`EVENT_BUS_MAX_DELIVERIES`). With no horizon they are all there is.
   */
  fastDeliveries: number;
  /** Delays between the fast deliveries. */
  fastBackoff: BackoffOptions;
  /**
   * How long the delayed redeliveries that follow the fast ones go on
   * (`EVENT_BUS_RETRY_HORIZON_SECONDS`); 0 dead-letters after the fast ones.
   */
  horizonMs: number;
  /**
   * Delays between the delayed redeliveries: doubling from `initialMs` up
   * to `maxMs` (the ceiling of one wait), the last one cut so that their sum
   * is exactly the horizon.
   */
  delayedBackoff: BackoffOptions;
}

/** What to do with an entry whose handler failed at its `deliveries`th delivery. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number; phase: 'fast' | 'delayed' }
  | { action: 'dead-letter' };

export const DEFAULT_RETRY_SCHEDULE: RetryScheduleOptions = {
  fastDeliveries: 5,
  fastBackoff: { initialMs: 200, maxMs: 5_000, jitter: 0.2 },
  horizonMs: 3_600_000,
  delayedBackoff: { initialMs: 10_000, maxMs: 600_000, jitter: 0.2 },
};

/**
 * When a failed durable delivery is tried again: a few fast retries with
 * exponential backoff and jitter (a conflict, a blip), then redeliveries
 * spread over the horizon (a database or a service that is away for a
 * while), then the dead letters. The decision depends only on the delivery
 * count, which Redis keeps with the entry, so it holds across restarts and
 * instances. Jitter only ever shortens a wait, so the nominal sums are upper
 * bounds.
 */
export class RetrySchedule {
  /** The nominal delayed waits, in order; their sum is the horizon. */
  private readonly delayed: number[];

  constructor(readonly options: RetryScheduleOptions = DEFAULT_RETRY_SCHEDULE) {
    this.delayed = delayedWaits(options.horizonMs, options.delayedBackoff);
  }

  /** Deliveries an entry gets before it goes to the dead letters. */
  get maxDeliveries(): number {
    return this.options.fastDeliveries + this.delayed.length;
  }

  next(deliveries: number, random: () => number = Math.random): RetryDecision {
    const { fastDeliveries, fastBackoff, delayedBackoff } = this.options;
    if (deliveries < fastDeliveries) {
      const delayMs = exponentialBackoff(deliveries, fastBackoff, random);
      return { action: 'retry', delayMs, phase: 'fast' };
    }
    const nominal = this.delayed[deliveries - fastDeliveries];
    if (nominal === undefined) return { action: 'dead-letter' };
    const spread = nominal * (delayedBackoff.jitter ?? 0);
    const delayMs = Math.round(nominal - spread + random() * spread);
    return { action: 'retry', delayMs, phase: 'delayed' };
  }

  /**
   * The longest an event waits between its first delivery and the dead
   * letters, when every attempt takes `attemptMs` (the handler timeout):
   * the fast waits, the horizon, and the attempts themselves.
   */
  longestWaitMs(attemptMs: number): number {
    let waits = 0;
    for (let n = 1; n < this.options.fastDeliveries; n++) {
      waits += exponentialBackoff(n, {
        ...this.options.fastBackoff,
        jitter: 0,
      });
    }
    return (
      waits +
      this.options.horizonMs +
      this.maxDeliveries * Math.max(0, attemptMs)
    );
  }
}

function delayedWaits(horizonMs: number, backoff: BackoffOptions): number[] {
  const waits: number[] = [];
  let total = 0;
  while (total < horizonMs) {
    const wait = exponentialBackoff(waits.length + 1, {
      ...backoff,
      jitter: 0,
    });
    const cut = Math.min(Math.max(1, wait), horizonMs - total);
    waits.push(cut);
    total += cut;
  }
  return waits;
}
