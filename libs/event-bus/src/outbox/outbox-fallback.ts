import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventNotSentError } from '../transport/redis-event.publisher.js';
import type { OutboxRelay } from './outbox.relay.js';
import type { OutboxStore } from './outbox.store.js';

/** How long a publish waits for the events kept earlier to reach Redis. */
const DRAIN_WAIT_MS = 5_000;
const DRAIN_POLL_MS = 50;

/**
 * Where a publish outside a transaction goes when Redis does not take it:
 * the outbox table, where a restart finds it, rather than memory. Once
 * Redis is back, new publishes wait until the events kept earlier are out
 * (the relay sends them), so events reach Redis in the order they were
 * published.
 */
export class OutboxFallback {
  private readonly logger = new Logger(OutboxFallback.name);
  /** Events this instance kept in the outbox may still wait there. */
  private engaged = false;
  /** `seq` of the last row kept. */
  private lastSeq = 0;
  /** Rows being written now. */
  private storing = 0;
  private draining?: Promise<boolean>;

  constructor(
    private readonly store: OutboxStore,
    private readonly relay: OutboxRelay,
  ) {}

  /** The app has a database to keep events in. */
  get available(): boolean {
    return this.store.available;
  }

  /** Events this instance kept in the outbox may still wait there. */
  get holdsEarlierEvents(): boolean {
    return this.engaged;
  }

  /**
   * Resolves `true` once the events kept earlier are in Redis (a new event
   * may then go directly), `false` when Redis goes away again or they take
   * longer than a few seconds (the new event then joins them).
   */
  drained(redisUp: () => boolean): Promise<boolean> {
    this.draining ??= this.waitUntilDrained(redisUp).finally(
      () => (this.draining = undefined),
    );
    return this.draining;
  }

  /**
   * Keeps the event in the outbox for the relay to send to Redis; throws
   * `EventNotSentError` when the database does not take it either.
   */
  async keep(event: EventEnvelope): Promise<void> {
    if (!this.engaged) {
      this.logger.warn(
        'Redis does not take events; keeping them in the outbox until it returns',
      );
    }
    this.engaged = true;
    this.storing++;
    try {
      this.lastSeq = Math.max(
        this.lastSeq,
        await this.store.addUnsent(event, this.relay.id),
      );
    } catch (error) {
      throw new EventNotSentError(
        `Redis did not take it and the outbox could not keep it (${(error as Error).message})`,
      );
    } finally {
      this.storing--;
    }
    this.relay.nudge();
  }

  private async waitUntilDrained(redisUp: () => boolean): Promise<boolean> {
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (redisUp() && Date.now() < deadline) {
      if (this.storing === 0) {
        const lastSeq = this.lastSeq;
        const pending = await this.store
          .pendingOf(this.relay.id, lastSeq)
          .catch(() => -1);
        if (pending === 0 && this.storing === 0 && lastSeq === this.lastSeq) {
          this.engaged = false;
          this.logger.log(
            'Events kept in the outbox are in Redis; publishing directly again',
          );
          return true;
        }
        this.relay.nudge();
      }
      await sleep(DRAIN_POLL_MS);
    }
    return false;
  }
}
