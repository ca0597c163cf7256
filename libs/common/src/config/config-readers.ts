import type { ConfigService } from '@nestjs/config';
import type { ConnectionOptions } from 'bullmq';
import {
  redisOptionsFromUrl,
  resolveEventBusRedisUrl,
  type RedisUrlSource,
} from './redis-urls.js';
import { reconnectForever } from '../redis/backoff.js';

const REDIS_VARIABLES = [
  'EVENT_BUS_REDIS_URL',
  'CACHE_REDIS_URL',
  'REDIS_URL',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_PASSWORD',
] as const;

/** The Redis variables of a validated environment. */
export function redisUrlSource(config: ConfigService): RedisUrlSource {
  return Object.fromEntries(
    REDIS_VARIABLES.map((name) => [name, config.get<string>(name)]),
  );
}

/** The event-bus Redis URL of a validated environment. */
export function eventBusRedisUrl(config: ConfigService): string {
  return resolveEventBusRedisUrl(redisUrlSource(config));
}

/**
 * BullMQ connection on the event-bus Redis: `maxRetriesPerRequest: null`, as
 * BullMQ workers require, and reconnection forever with backoff.
 */
export function bullConnection(config: ConfigService): ConnectionOptions {
  const { retryStrategy: _ioredisDefault, ...redis } = redisOptionsFromUrl(
    eventBusRedisUrl(config),
  );
  return {
    ...redis,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectForever(),
  };
}
