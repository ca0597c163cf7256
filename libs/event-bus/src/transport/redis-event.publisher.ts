import { Logger } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { lastValueFrom, Subject, type Subscription } from 'rxjs';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { EventBusRedisClient } from './client-redis-event-bus.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../event-bus.constants.js';
import { toNestRedisOptions } from './nest-redis-options.js';
import { ClientRedisStreams } from './streams/client-redis-streams.js';

/** Wait after a reconnect before sending what was buffered. */
const FLUSH_SETTLE_MS = 1_000;
/** Wait before trying a failed flush again. */
const FLUSH_RETRY_MS = 1_000;

interface PendingEvent {
  event: EventEnvelope;
  /** Already in its stream: a retry must not append it a second time. */
  appended: boolean;
}

/**
 * Makes each event reachable both ways: appended to its Redis Stream for
 * durable consumers (`XADD`), then emitted over Nest's Redis transport for
 * broadcast subscribers (wire message `{ pattern, data }` on the channel
 * named by the event type). While Redis is unreachable the events wait in a
 * bounded in-memory buffer and go out in order when it returns.
 */
export class RedisEventPublisher {
  private readonly logger = new Logger(RedisEventPublisher.name);
  private readonly client: EventBusRedisClient;
  private readonly streams: ClientRedisStreams;
  private readonly buffer: PendingEvent[] = [];
  private readonly published = new Subject<EventEnvelope>();
  private statusSubscription?: Subscription;
  private connected = false;
  private flushing = false;
  private flushTimer?: NodeJS.Timeout;

  /** Emits every event once Redis has taken it. */
  readonly published$ = this.published.asObservable();

  constructor(
    redis: RedisOptions,
    streams: { keyPrefix: string; retentionSeconds: number },
    private readonly stats: EventBusStats,
    private readonly maxBuffered: number,
  ) {
    this.streams = new ClientRedisStreams({
      redis: { ...redis, commandTimeout: REDIS_COMMAND_TIMEOUT_MS },
      ...streams,
    });
    this.client = new EventBusRedisClient({
      ...toNestRedisOptions(redis),
      // Fail fast instead of queueing inside ioredis, so an event is either
      // sent or in our buffer, never in limbo.
      enableOfflineQueue: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  connect(): void {
    this.statusSubscription = this.client.status.subscribe((status) => {
      const wasConnected = this.connected;
      // Nest's RedisStatus is a const enum, out of reach with isolatedModules.
      this.connected = (status as string) === 'connected';
      if (this.connected && !wasConnected) {
        this.logger.log('Connected to the event-bus Redis');
        // Pub/sub reaches only who is subscribed: after an outage, give the
        // subscribers that reconnect at the same time a moment to resubscribe.
        this.scheduleFlush(this.buffer.length > 0 ? FLUSH_SETTLE_MS : 0);
      } else if (!this.connected && wasConnected) {
        this.logger.warn(
          'Lost the event-bus Redis; buffering events until it returns',
        );
      }
    });
    this.client
      .connect()
      .catch((error: Error) =>
        this.logger.warn(
          `Event-bus Redis not reachable yet (${error.message}); retrying`,
        ),
      );
  }

  async close(): Promise<void> {
    this.statusSubscription?.unsubscribe();
    clearTimeout(this.flushTimer);
    if (this.buffer.length > 0) {
      this.logger.warn(
        `Closing with ${this.buffer.length} events still buffered; they are lost`,
      );
    }
    await this.client.close().catch(() => undefined);
    await this.streams.close();
  }

  /** Sends the event, or buffers it when Redis is unreachable. */
  async publish(event: EventEnvelope): Promise<'published' | 'buffered'> {
    const pending: PendingEvent = { event, appended: false };
    if (!this.connected || this.buffer.length > 0 || this.flushing) {
      this.enqueue(pending);
      return 'buffered';
    }
    try {
      await this.send(pending);
      return 'published';
    } catch (error) {
      this.logger.warn(
        `Publishing ${event.type} ${event.id} failed (${(error as Error).message}); buffered`,
      );
      this.enqueue(pending);
      return 'buffered';
    }
  }

  /**
   * Sends the event now or throws: for the outbox relay, which keeps the
   * event in its table until this succeeds.
   */
  async publishNow(event: EventEnvelope): Promise<void> {
    if (!this.connected)
      throw new Error('the event-bus Redis is not connected');
    await this.send({ event, appended: false });
  }

  private async send(pending: PendingEvent): Promise<void> {
    const { event } = pending;
    if (!pending.appended) {
      await lastValueFrom(this.streams.emit(event.type, event), {
        defaultValue: undefined,
      });
      pending.appended = true;
    }
    await lastValueFrom(this.client.emit(event.type, event), {
      defaultValue: undefined,
    });
    this.stats.count('published', event.type);
    this.published.next(event);
  }

  private enqueue(pending: PendingEvent): void {
    this.buffer.push(pending);
    this.stats.count('buffered', pending.event.type);
    if (this.buffer.length > this.maxBuffered) {
      const { event: dropped } = this.buffer.shift()!;
      this.stats.count('dropped', dropped.type);
      this.logger.error(
        `Event buffer full (${this.maxBuffered}); dropped ${dropped.type} ${dropped.id}`,
      );
    }
    if (this.connected && !this.flushTimer) void this.flush();
  }

  private scheduleFlush(delayMs: number): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, delayMs).unref();
  }

  /** Sends buffered events in order; stops at the first failure. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.connected && this.buffer.length > 0) {
        await this.send(this.buffer[0]);
        this.buffer.shift();
      }
    } catch (error) {
      this.logger.warn(
        `Flushing buffered events paused: ${(error as Error).message}`,
      );
      this.scheduleFlush(FLUSH_RETRY_MS);
    } finally {
      this.flushing = false;
    }
    if (this.buffer.length === 0) return;
    this.logger.log(`${this.buffer.length} buffered events wait for Redis`);
  }
}
