import { Logger } from '@nestjs/common';
import {
  ServerRedis,
  type ReadPacket,
  type RedisContext,
} from '@nestjs/microservices';
import type { Redis, RedisOptions } from 'ioredis';
import { isObservable, lastValueFrom } from 'rxjs';
import { runWithCorrelation } from '../correlation/correlation.context.js';
import { parseEnvelope } from '../envelope/envelope-parser.js';
import { EVENT_BUS_MESSAGES } from '../event-bus.messages.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import type { ConsumerTrust } from '../trust/event-trust.js';
import { describeError } from './describe-error.js';
import { toNestRedisOptions } from './nest-redis-options.js';
import { reportErrorsOncePerOutage } from './redis-error-reporter.js';
import { busReconnectDelay } from './redis-retry.js';

/**
 * Nest's Redis transport server (broadcast delivery) with what the bus adds:
 * it starts without waiting for Redis and reconnects forever with backoff,
 * logging an outage once;
 * a message that is not a valid envelope of a known type, with a payload that
 * validates, is logged, counted and dropped before any handler sees it; and
 * handlers run in the event's correlation, so what they publish or queue
 * carries it on.
 */
export class EventBusRedisServer extends ServerRedis {
  private readonly busLogger = new Logger(EventBusRedisServer.name);

  constructor(
    redis: RedisOptions,
    private readonly stats: EventBusStats,
    private readonly trust?: ConsumerTrust,
  ) {
    super(toNestRedisOptions(redis));
  }

  /** Patterns of the `@EventPattern` handlers bound to this server. */
  get subscribedPatterns(): string[] {
    return [...this.messageHandlers.keys()];
  }

  override registerErrorListener(client: Redis): void {
    reportErrorsOncePerOutage(client, this.busLogger);
  }

  override createRetryStrategy(times: number): number | undefined {
    if (this.isManuallyClosed) return undefined;
    return busReconnectDelay(times) ?? undefined;
  }

  /**
   * Subscribes at once; ioredis queues the SUBSCRIBEs until connected and
   * renews them after every reconnect, so the app starts while Redis is down.
   */
  override start(callback: (error?: unknown) => void): void {
    try {
      this.trust?.assertMayConsume(this.subscribedPatterns);
    } catch (error) {
      return callback(error);
    }
    const clients = [this.subClient, this.pubClient] as Redis[];
    Promise.all(clients.map((client) => client.connect())).catch(
      (error: Error) =>
        this.busLogger.warn(
          `Event-bus Redis not reachable yet (${error.message}); retrying`,
        ),
    );
    this.bindEvents(this.subClient, this.pubClient);
    callback();
  }

  override async handleEvent(
    pattern: string,
    packet: ReadPacket,
    context: RedisContext,
  ): Promise<void> {
    const parsed = parseEnvelope(pattern, packet.data, this.trust?.verify);
    if (!parsed.ok) {
      this.stats.count('rejected', pattern);
      this.busLogger.warn(
        EVENT_BUS_MESSAGES.droppedMessage(pattern, parsed.reason),
      );
      return;
    }
    const { envelope } = parsed;
    this.stats.count('received', envelope.type);
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) return;
    await runWithCorrelation(
      { correlationId: envelope.correlationid, causationId: envelope.id },
      async () => {
        try {
          // The checked envelope, its sensitive fields decrypted.
          const result: unknown = await handler(envelope, context);
          // The handlers' exceptions arrive as an erroring observable.
          if (isObservable(result)) {
            await lastValueFrom(result, { defaultValue: undefined });
          }
          this.stats.delivered(envelope);
        } catch (error) {
          // At most once: the event is not retried, so say it loud.
          this.stats.count('failed', envelope.type);
          this.busLogger.error(
            `Handler of ${envelope.type} failed on event ${envelope.id}: ${describeError(error)}`,
          );
        }
      },
    );
  }
}
