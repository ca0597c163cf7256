import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { HEALTH_CHECK_TIMEOUT_MS } from '../redis/redis.health.js';

/** Terminus check of a BullMQ queue: its job counts, read from its Redis. */
@Injectable()
export class QueueHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  check(queue: Queue, key = `queue:${queue.name}`) {
    return this.health
      .check(key)
      .attempt(async () => {
        // Answers only when the queue's Redis does; the timeout bounds a hang.
        return { jobs: await queue.getJobCounts() };
      })
      .withTimeout(HEALTH_CHECK_TIMEOUT_MS * 2);
  }
}
