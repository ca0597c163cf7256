import { ClientRedis } from '@nestjs/microservices';
import { busReconnectDelay } from './redis-retry.js';

/**
 * Nest's Redis client, reconnecting forever with exponential backoff instead
 * of giving up after `retryAttempts`: an outage must not end publishing.
 */
export class EventBusRedisClient extends ClientRedis {
  override createRetryStrategy(times: number): number | undefined {
    if (this.isManuallyClosed) return undefined;
    return busReconnectDelay(times);
  }
}
