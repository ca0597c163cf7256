import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';

export const HEALTH_CHECK_TIMEOUT_MS = 1_000;

/** Terminus check that a Redis answers PING, with its latency. */
@Injectable()
export class RedisHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  pingCheck(key: string, redis: Redis) {
    return this.health
      .check(key)
      .attempt(async () => {
        const started = performance.now();
        await redis.ping();
        return {
          connection: redis.status,
          latencyMs: Math.round(performance.now() - started),
        };
      })
      .withTimeout(HEALTH_CHECK_TIMEOUT_MS);
  }
}
