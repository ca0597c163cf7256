import {
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { redisOptionsFromUrl } from '@app/common';
import { maxEventAgeSeconds } from '../event-bus-config.js';
import {
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_BUFFERED_EVENTS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import { EventHistory } from '../history/event-history.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { RedisEventPublisher } from './redis-event.publisher.js';
import { EventBusRedisServer } from './server-redis-event-bus.js';
import { ServerRedisStreams } from './streams/server-redis-streams.js';
import { EventTrust } from '../trust/event-trust.js';

/**
 * Owns the bus's Redis transports: the broadcast publisher (one per app) and
 * the broadcast servers that `connectEventBus` attaches to the app.
 */
@Injectable()
export class EventBusTransports implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventBusTransports.name);
  readonly publisher: RedisEventPublisher | null;
  private readonly servers: EventBusRedisServer[] = [];
  private readonly durableServers: ServerRedisStreams[] = [];

  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    private readonly stats: EventBusStats,
    private readonly history: EventHistory,
    private readonly trust: EventTrust,
  ) {
    this.publisher = this.usesRedis
      ? new RedisEventPublisher(
          redisOptionsFromUrl(this.redisUrl),
          {
            keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
            history: history.index,
          },
          stats,
          options.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS,
        )
      : null;
  }

  get usesRedis(): boolean {
    return this.options.mode !== 'local-only';
  }

  private get redisUrl(): string {
    if (!this.options.redisUrl) {
      throw new Error(
        `EventBusModule needs redisUrl in ${this.options.mode ?? 'hybrid'} mode`,
      );
    }
    return this.options.redisUrl;
  }

  onModuleInit(): void {
    if (!this.publisher) {
      this.logger.log('Event bus in local-only mode: no Redis');
      return;
    }
    this.publisher.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.close();
  }

  /** A new broadcast server (Nest Redis transport) for `connectMicroservice`. */
  createBroadcastServer(): EventBusRedisServer {
    const server = new EventBusRedisServer(
      redisOptionsFromUrl(this.redisUrl),
      this.stats,
      this.trust.forConsumers(),
    );
    this.servers.push(server);
    return server;
  }

  /**
   * A new durable server (Redis Streams, consumer group = the service) for
   * `connectMicroservice`.
   */
  createDurableServer(): ServerRedisStreams {
    const server = new ServerRedisStreams({
      redis: redisOptionsFromUrl(this.redisUrl),
      group: this.options.service,
      keyPrefix: this.options.keyPrefix ?? DEFAULT_KEY_PREFIX,
      stats: this.stats,
      trust: this.trust.forConsumers(),
      role: this.trust.role ?? undefined,
      inboxTtlSeconds: maxEventAgeSeconds(this.options),
      ...withoutUndefined(this.options.durable ?? {}),
    });
    this.durableServers.push(server);
    return server;
  }

  /** Event patterns the app's broadcast servers listen to. */
  subscribedPatterns(): string[] {
    return [
      ...new Set(this.servers.flatMap((server) => server.subscribedPatterns)),
    ];
  }

  /** Handlers of the durable servers stuck past their stall limit (unhealthy). */
  stalledHandlers(): number {
    return this.durableServers.reduce((n, s) => n + s.stalledHandlers, 0);
  }

  /** Event patterns the app's durable servers consume. */
  durablePatterns(): string[] {
    return [
      ...new Set(this.durableServers.flatMap((server) => server.patterns)),
    ];
  }
}

/** Options left unset keep the transport's defaults. */
function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
