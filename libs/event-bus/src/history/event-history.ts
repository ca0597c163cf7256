import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { redactSensitive } from '../envelope/redact.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';

export interface HistoryQuery {
  eventType?: string;
  correlationId?: string;
  /** Default 50. */
  limit?: number;
}

/** Events kept in memory per instance for `source=local`. */
const LOCAL_HISTORY_SIZE = 1_000;

/**
 * Published events (sensitive payload fields redacted), newest first, for the retention window: in Redis (shared
 * by every instance, indexed by type and correlation id in sorted sets scored
 * by time) and in a small in-memory ring per instance.
 */
@Injectable()
export class EventHistory {
  private readonly logger = new Logger(EventHistory.name);
  private readonly local: EventEnvelope[] = [];
  private readonly ttlSeconds: number;
  private readonly prefix: string;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
  ) {
    this.ttlSeconds = options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS;
    this.prefix = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}history:`;
  }

  recordLocal(event: EventEnvelope): void {
    this.local.push(redactSensitive(event));
    if (this.local.length > LOCAL_HISTORY_SIZE) this.local.shift();
  }

  /** Stores the event in Redis; a failure is logged, never thrown. */
  async recordInRedis(event: EventEnvelope): Promise<void> {
    if (!this.redis) return;
    const score = Date.parse(event.time);
    const expiredBefore = Date.now() - this.ttlSeconds * 1_000;
    const indexes = [
      this.indexKey(),
      this.indexKey({ eventType: event.type }),
      this.indexKey({ correlationId: event.correlationid }),
    ];
    const pipeline = this.redis
      .multi()
      .set(
        this.eventKey(event.id),
        JSON.stringify(event),
        'EX',
        this.ttlSeconds,
      );
    for (const key of indexes) {
      pipeline
        .zadd(key, score, event.id)
        .zremrangebyscore(key, '-inf', expiredBefore)
        .expire(key, this.ttlSeconds);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      this.logger.warn(
        `Could not record ${event.type} ${event.id} in the history: ${(error as Error).message}`,
      );
    }
  }

  queryLocal(query: HistoryQuery): EventEnvelope[] {
    return this.local
      .filter((event) => matches(event, query))
      .reverse()
      .slice(0, query.limit ?? 50);
  }

  async queryRedis(query: HistoryQuery): Promise<EventEnvelope[]> {
    if (!this.redis) return [];
    const limit = query.limit ?? 50;
    const since = Date.now() - this.ttlSeconds * 1_000;
    // The narrower index first; the other filter is applied to what it gives.
    const ids = await this.redis.zrevrangebyscore(
      this.indexKey(
        query.correlationId
          ? { correlationId: query.correlationId }
          : { eventType: query.eventType },
      ),
      '+inf',
      since,
      'LIMIT',
      0,
      query.correlationId && query.eventType ? limit * 10 : limit,
    );
    if (ids.length === 0) return [];
    const stored = await this.redis.mget(ids.map((id) => this.eventKey(id)));
    return stored
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as EventEnvelope)
      .filter((event) => matches(event, query))
      .slice(0, limit);
  }

  private eventKey(id: string): string {
    return `${this.prefix}event:${id}`;
  }

  private indexKey(filter: HistoryQuery = {}): string {
    if (filter.correlationId) {
      return `${this.prefix}correlation:${filter.correlationId}`;
    }
    if (filter.eventType) return `${this.prefix}type:${filter.eventType}`;
    return `${this.prefix}all`;
  }
}

function matches(event: EventEnvelope, query: HistoryQuery): boolean {
  return (
    (!query.eventType || event.type === query.eventType) &&
    (!query.correlationId || event.correlationid === query.correlationId)
  );
}
