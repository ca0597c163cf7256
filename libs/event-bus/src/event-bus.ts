import { Injectable, Optional } from '@nestjs/common';
import {
  EVENT_CATALOGUE,
  type EventPayload,
  type EventType,
} from '@app/contracts';
import { currentCorrelation } from './correlation/correlation.context.js';
import {
  createEventEnvelope,
  type EventEnvelope,
} from './envelope/event-envelope.js';
import { assertValidPayload } from './envelope/payload-validation.js';
import { InjectEventBusOptions } from './event-bus.constants.js';
import { InvalidPublishOptionsError } from './errors/event-validation.error.js';
import { EVENT_BUS_MESSAGES } from './event-bus.messages.js';
import { EventHistory } from './history/event-history.js';
import { OutboxFallback } from './outbox/outbox-fallback.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxStore } from './outbox/outbox.store.js';
import type {
  EventBusModuleOptions,
  PublishOptions,
} from './interfaces/event-bus-options.interface.js';
import {
  LocalSubscribers,
  type LocalEventHandler,
} from './local/local-subscribers.js';
import { EventBusTransports } from './transport/event-bus-transports.js';
import type { RedisEventPublisher } from './transport/redis-event.publisher.js';
import { EventTrust } from './trust/event-trust.js';

export interface PublishReceipt<TData = unknown> {
  /**
   * The event as sent; `stored` in a transaction, as stored: sensitive
   * fields encrypted, signed by the outbox relay when it sends the row.
   */
  event: EventEnvelope<TData>;
  /**
   * What happened on the Redis side: sent, skipped, `stored` in the outbox
   * (delivered by the relay after the commit, or once Redis takes events
   * again), or `buffered` in memory (apps without a database).
   */
  redis: 'published' | 'buffered' | 'skipped' | 'stored';
  /** Local subscribers called. */
  localSubscribers: number;
}

/**
 * Publishes events of the catalogue: validates the payload, wraps it in the
 * CloudEvents envelope and delivers it to local subscribers and over Redis.
 * Every publish of the system passes through `publish`, the one place where
 * delivery is decided.
 */
@Injectable()
export class EventBus {
  private readonly fallback: OutboxFallback;

  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    private readonly local: LocalSubscribers,
    private readonly transports: EventBusTransports,
    private readonly history: EventHistory,
    private readonly outbox: OutboxStore,
    private readonly relay: OutboxRelay,
    @Optional() private readonly trust?: EventTrust,
  ) {
    this.fallback = new OutboxFallback(outbox, relay);
  }

  /**
   * Publishes `data` as an event of `type`. Throws `EventValidationError`
   * (naming each failing field) or `UnknownEventTypeError`; nothing is sent
   * then. The correlation id comes from the current request or event unless
   * given.
   */
  async publish<TType extends EventType>(
    type: TType,
    data: EventPayload<TType>,
    options: PublishOptions = {},
  ): Promise<PublishReceipt<EventPayload<TType>>> {
    const mode = this.options.mode ?? 'hybrid';
    if (options.localOnly && options.redisOnly) {
      throw new InvalidPublishOptionsError(
        EVENT_BUS_MESSAGES.conflictingTargets,
      );
    }
    if (options.redisOnly && mode === 'local-only') {
      throw new InvalidPublishOptionsError(
        EVENT_BUS_MESSAGES.noRedisInLocalOnly,
      );
    }
    assertValidPayload(type, data);
    this.trust?.assertMayPublish(type);
    const context = currentCorrelation();
    const envelope = createEventEnvelope({
      type,
      source: this.options.service,
      data,
      dataversion: EVENT_CATALOGUE[type].version,
      correlationId: options.correlationId ?? context?.correlationId,
      causationId: options.causationId ?? context?.causationId,
    });
    const toLocal = !options.redisOnly && mode !== 'redis-only';
    const toRedis = !options.localOnly && mode !== 'local-only';

    const localSubscribers = toLocal ? this.local.count(type) : 0;
    if (options.transaction) {
      // Sensitive fields encrypted before the row is written; the relay
      // signs the rows it sends together.
      const stored = this.trust?.encrypt(envelope, options) ?? envelope;
      await this.outbox.add(
        options.transaction,
        stored,
        { local: toLocal, redis: toRedis },
        this.relay.id,
      );
      // The row is visible once the caller commits; the relay polls too.
      // The relay records it in the history: a rollback leaves no trace.
      setTimeout(() => this.relay.nudge(), 10).unref();
      return { event: stored, redis: 'stored', localSubscribers };
    }
    // Sealed (sensitive fields encrypted, signed) before it goes anywhere.
    const { envelope: event, text } = this.trust
      ? await this.trust.sealBatched(envelope, options)
      : { envelope, text: undefined };
    const [redis] = await Promise.all([
      toRedis && this.transports.publisher
        ? this.sendToRedis(this.transports.publisher, event, text)
        : Promise.resolve('skipped' as const),
      toLocal ? this.local.deliver(event) : Promise.resolve(),
    ]);
    // The relay records what it sends from the outbox.
    if (redis !== 'stored') this.history.recordLocal(event);
    return { event, redis, localSubscribers };
  }

  /**
   * Sends the event to Redis. When Redis does not take it, it goes where a
   * restart finds it: the outbox table; apps without a database keep it in
   * memory (see `RedisEventPublisher.publish`).
   */
  private async sendToRedis(
    publisher: RedisEventPublisher,
    event: EventEnvelope,
    text: string | undefined,
  ): Promise<PublishReceipt['redis']> {
    if (!this.fallback.available) return publisher.publish(event, text);
    if (
      publisher.isConnected &&
      (!this.fallback.holdsEarlierEvents ||
        (await this.fallback.drained(() => publisher.isConnected)))
    ) {
      try {
        await publisher.send(event, text);
        return 'published';
      } catch {
        // Redis did not take it: the outbox will.
      }
    }
    await this.fallback.keep(event);
    return 'stored';
  }

  /**
   * Subscribes an in-process handler to `type`; it gets this app's own events
   * without Redis. Returns the function that unsubscribes.
   */
  subscribe<TType extends EventType>(
    type: TType,
    handler: LocalEventHandler<TType>,
  ): () => void {
    return this.local.subscribe(type, handler);
  }
}
