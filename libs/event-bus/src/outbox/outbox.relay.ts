import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectEventBusOptions } from '../event-bus.constants.js';
import { EventHistory } from '../history/event-history.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { LocalSubscribers } from '../local/local-subscribers.js';
import { EventBusTransports } from '../transport/event-bus-transports.js';
import { OutboxStore } from './outbox.store.js';

const BATCH = 50;
const DEFAULT_POLL_MS = 200;

/**
 * Delivers outbox rows in order: to this instance's in-process subscribers
 * once, then to Redis (stream and broadcast); a row goes when delivered.
 * While Redis is unreachable the rows wait and are retried. Rows of an
 * instance that died before relaying them are taken over after a few
 * seconds and sent to Redis (its in-process subscribers died with it).
 */
@Injectable()
export class OutboxRelay
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(OutboxRelay.name);
  /** This instance's relay; the rows its instance writes name it. */
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastError?: string;

  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    private readonly store: OutboxStore,
    private readonly local: LocalSubscribers,
    private readonly transports: EventBusTransports,
    private readonly history: EventHistory,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.store.available) return;
    const pollMs = this.options.outboxPollMs ?? DEFAULT_POLL_MS;
    this.timer = setInterval(() => this.nudge(), pollMs);
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Relays now (a publish in a transaction just wrote a row). */
  nudge(): void {
    if (this.running || this.stopped) return;
    this.running = this.relay()
      .catch((error: Error) => this.report(error))
      .finally(() => (this.running = undefined));
  }

  private async relay(): Promise<void> {
    for (;;) {
      const rows = await this.store.claim(this.id, BATCH);
      if (rows.length === 0) return;
      // In-process subscribers first, for every row: they need no Redis.
      // Only this instance's rows: the subscribers of an instance that died
      // before relaying its rows died with it.
      for (const row of rows) {
        if (row.deliverLocal && !row.localDone && row.origin === this.id) {
          await this.local.deliver(row.event);
          await this.store.markLocalDone(row.seq);
        }
      }
      for (const [index, row] of rows.entries()) {
        try {
          if (row.deliverRedis) {
            await this.transports.publisher!.publishNow(row.event);
          }
          await this.store.remove(row.seq);
          this.history.recordLocal(row.event);
          this.lastError = undefined;
        } catch (error) {
          // Keep the order: this row and the ones after it wait together.
          await this.store.release(rows.slice(index).map((r) => r.seq));
          this.report(error as Error);
          return;
        }
      }
      if (rows.length < BATCH) return;
    }
  }

  private report(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn(`Outbox relay paused: ${error.message}; retrying`);
  }
}
