import {
  Inject,
  Logger,
  Module,
  RequestMethod,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { describeRedisUrl, redisOptionsFromUrl } from '@app/common';
import { Redis } from 'ioredis';
import { CorrelationIdMiddleware } from './correlation/correlation-id.middleware.js';
import { EventBus } from './event-bus.js';
import {
  EVENT_BUS_REDIS,
  REDIS_COMMAND_TIMEOUT_MS,
} from './event-bus.constants.js';
import { DeadLetters } from './dead-letters/dead-letters.js';
import { EventReplayer } from './replay/event-replayer.js';
import { BusTables } from './database/bus-tables.js';
import { EventInbox } from './inbox/event-inbox.js';
import { OutboxLeases } from './outbox/outbox.leases.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxStore } from './outbox/outbox.store.js';
import { DeadLettersController } from './dead-letters/dead-letters.controller.js';
import { EventBusController } from './event-bus.controller.js';
import {
  ConfigurableEventBusModule,
  EVENT_BUS_OPTIONS,
} from './event-bus.module-definition.js';
import { EventBusStatus } from './health/event-bus-status.js';
import { EventBusHealthIndicator } from './health/event-bus.health.js';
import { EventHistory } from './history/event-history.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import { LocalSubscribers } from './local/local-subscribers.js';
import { EventBusStats } from './stats/event-bus.stats.js';
import { EventBusTransports } from './transport/event-bus-transports.js';
import { EventTrust } from './trust/event-trust.js';
import { busReconnectDelay } from './transport/redis-retry.js';
import { EventHandlerErrorFilter } from './transport/streams/handler-error.filter.js';
import { ConsumerGroupsController } from './retention/consumer-groups.controller.js';
import { StreamRetention } from './retention/stream-retention.js';
import { StreamLagGauges } from './stats/stream-lag.gauges.js';

function createBusRedis(options: EventBusModuleOptions): Redis | null {
  if (options.mode === 'local-only' || !options.redisUrl) return null;
  const logger = new Logger('EventBusRedis');
  const redis = new Redis({
    ...redisOptionsFromUrl(options.redisUrl),
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: busReconnectDelay,
  });
  const url = describeRedisUrl(options.redisUrl);
  let ready = false;
  redis.on('ready', () => {
    ready = true;
    logger.log(`Connected to the event-bus Redis at ${url}`);
  });
  redis.on('close', () => {
    if (ready) logger.warn(`Event-bus Redis at ${url} unreachable; retrying`);
    ready = false;
  });
  // Errors repeat on every reconnect attempt; 'close' already said it once.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * The shared event bus: `EventBus` to publish and subscribe locally, Nest's
 * Redis transport for broadcast delivery (attach with `connectEventBus`),
 * correlation ids from HTTP requests, history, health and the
 * `/api/events/*` endpoints.
 */
@Module({
  imports: [TerminusModule],
  controllers: [
    EventBusController,
    DeadLettersController,
    ConsumerGroupsController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: EventHandlerErrorFilter },
    {
      provide: EVENT_BUS_REDIS,
      inject: [EVENT_BUS_OPTIONS],
      useFactory: createBusRedis,
    },
    EventBus,
    EventBusStats,
    LocalSubscribers,
    EventHistory,
    EventBusTransports,
    EventBusStatus,
    EventBusHealthIndicator,
    DeadLetters,
    EventReplayer,
    BusTables,
    OutboxStore,
    OutboxLeases,
    OutboxRelay,
    EventInbox,
    StreamRetention,
    StreamLagGauges,
    EventTrust,
  ],
  exports: [
    StreamRetention,
    EventTrust,
    DeadLetters,
    EventReplayer,
    EventInbox,
    EventBus,
    EventBusHealthIndicator,
    EventBusStatus,
    EventBusTransports,
  ],
})
export class EventBusModule
  extends ConfigurableEventBusModule
  implements NestModule, OnApplicationShutdown
{
  constructor(@Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(CorrelationIdMiddleware)
      .forRoutes({ path: '*path', method: RequestMethod.ALL });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    }
  }
}
