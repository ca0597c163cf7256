import type { RedisOptions as NestRedisTransport } from '@nestjs/microservices';
import type { RedisOptions } from 'ioredis';

/** The `options` of Nest's Redis transport. */
export type NestRedisOptions = NonNullable<NestRedisTransport['options']>;

/**
 * Nest types the transport's ioredis options with its own copy of the
 * interface, which differs from ioredis's only in `retryStrategy`, which the
 * bus's transports always replace.
 */
export const toNestRedisOptions = (redis: RedisOptions): NestRedisOptions => ({
  ...redis,
  retryStrategy: undefined,
});
