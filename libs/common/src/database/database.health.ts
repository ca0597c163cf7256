import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'drizzle-orm';
import { HEALTH_CHECK_TIMEOUT_MS } from '../redis/redis.health.js';
import { DATABASE } from './database.constants.js';
import type { Database } from './database.types.js';
import { Inject } from '@nestjs/common';

/** Terminus check that the service's database answers a query. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  pingCheck(key = 'database') {
    return this.health
      .check(key)
      .attempt(async () => {
        await this.db.execute(sql`select 1`);
      })
      .withTimeout(HEALTH_CHECK_TIMEOUT_MS * 2);
  }
}
