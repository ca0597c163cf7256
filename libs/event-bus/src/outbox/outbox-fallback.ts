import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventNotSentError } from '../transport/redis-event.publisher.js';
import type { OutboxRelay } from './outbox.relay.js';
import type { OutboxStore } from './outbox.store.js';

/**
 * Where a publish outside a transaction goes when Redis does not take it:
 * the outbox table, where a restart finds it, rather than memory. While
 * events this instance kept there still wait, later publishes join them, so
 * events reach Redis in the order they were published.
 */
export class OutboxFallback {
  private readonly logger = new Logger(OutboxFallback.name);
  /** Events this instance kept in the outbox may still wait there. */
  private engaged = false;
  /** `seq` of the last row kept. */
  private lastSeq = 0;
  /** Rows being written now. */
  private storing = 0;
  /** Counts rows kept, so a check can tell whether one was added meanwhile. */
  private kept = 0;
  private checking = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly relay: OutboxRelay,
  ) {}

  /** The app has a database to keep events in. */
  get available(): boolean {
    return this.store.available;
  }

  /**
   * True while events this instance kept in the outbox wait there: a new
   * event must then join them. Starts a check of whether they left.
   */
  get holdsEarlierEvents(): boolean {
    if (this.engaged) this.checkDrained();
    return this.engaged;
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
    this.kept++;
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

  private checkDrained(): void {
    if (this.checking || this.storing > 0) return;
    this.checking = true;
    const kept = this.kept;
    this.store
      .pendingOf(this.relay.id, this.lastSeq)
      .then((count) => {
        if (count > 0 || kept !== this.kept || this.storing > 0) return;
        this.engaged = false;
        this.logger.log(
          'Events kept in the outbox are in Redis; publishing directly',
        );
      })
      .catch(() => undefined)
      .finally(() => (this.checking = false));
  }
}
