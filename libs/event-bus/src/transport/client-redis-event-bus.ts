import { Logger } from '@nestjs/common';
import { ClientRedis } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { reportErrorsOncePerOutage } from './redis-error-reporter.js';
import { busReconnectDelay } from './redis-retry.js';

/**
 * Nest's Redis client, reconnecting forever with exponential backoff instead
 * of giving up after `retryAttempts` (an outage must not end publishing),
 * logging a lost connection once rather than on every attempt.
 */
export class EventBusRedisClient extends ClientRedis {
  private readonly busLogger = new Logger(EventBusRedisClient.name);

  override registerErrorListener(client: Redis): void {
    reportErrorsOncePerOutage(client, this.busLogger);
  }

  override createRetryStrategy(times: number): number | undefined {
    if (this.isManuallyClosed) return undefined;
    return busReconnectDelay(times) ?? undefined;
  }
}
