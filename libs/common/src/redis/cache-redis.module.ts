import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import {
  describeRedisUrl,
  redisOptionsFromUrl,
  resolveCacheRedisUrl,
} from '../config/redis-urls.js';
import { redisUrlSource } from '../config/config-readers.js';
import { reconnectForever } from './backoff.js';
import { CACHE_REDIS } from './redis.constants.js';
import { RedisHealthIndicator } from './redis.health.js';

/** Injects the cache Redis client. */
export const InjectCacheRedis = () => Inject(CACHE_REDIS);

@Injectable()
class CacheRedisLifecycle implements OnApplicationShutdown {
  constructor(@InjectCacheRedis() private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }
}

/**
 * The cache Redis (`CACHE_REDIS_URL`, defaulting to the event-bus Redis).
 * Commands fail at once while it is unreachable instead of queueing, so a
 * caller can answer 503 rather than hang; the client reconnects by itself.
 */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: CACHE_REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const url = resolveCacheRedisUrl(redisUrlSource(config));
        const logger = new Logger('CacheRedis');
        const redis = new Redis({
          ...redisOptionsFromUrl(url),
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          retryStrategy: reconnectForever(),
        });
        let connected = false;
        redis.on('ready', () => {
          connected = true;
          logger.log(`Connected to cache Redis at ${describeRedisUrl(url)}`);
        });
        redis.on('error', (error: Error) => {
          if (connected) logger.warn(`Cache Redis error: ${error.message}`);
        });
        redis.on('end', () => (connected = false));
        redis.on('reconnecting', () => {
          if (connected)
            logger.warn('Cache Redis connection lost; reconnecting');
          connected = false;
        });
        return redis;
      },
    },
    CacheRedisLifecycle,
    RedisHealthIndicator,
  ],
  exports: [CACHE_REDIS, RedisHealthIndicator],
})
export class CacheRedisModule {}
