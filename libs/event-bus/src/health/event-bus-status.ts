import { Inject, Injectable } from '@nestjs/common';
import { describeRedisUrl, withTimeout } from '@app/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import {
  deadLetterKey,
  streamKey,
} from '../transport/streams/redis-streams.constants.js';
import type {
  EventBusMode,
  EventBusModuleOptions,
} from '../interfaces/event-bus-options.interface.js';
import { LocalSubscribers } from '../local/local-subscribers.js';
import {
  DeadLetters,
  type DeadLetterSummary,
} from '../dead-letters/dead-letters.js';
import {
  StreamRetention,
  type StreamLag,
} from '../retention/stream-retention.js';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { EventBusTransports } from '../transport/event-bus-transports.js';

const PING_TIMEOUT_MS = 1_000;

export interface EventBusStatusReport {
  /** `up`; `degraded` when Redis is unreachable in hybrid mode; else `down`. */
  status: 'up' | 'degraded' | 'down';
  service: string;
  /** The mode in effect now: hybrid falls back to local-only without Redis. */
  mode: EventBusMode;
  configuredMode: EventBusMode;
  redis: {
    url?: string;
    connected: boolean;
    latencyMs?: number;
    error?: string;
  };
  /**
   * In-process subscribers per type; types of the broadcast handlers
   * (`redis`) and of the durable ones (`durable`).
   */
  subscriptions: {
    local: Record<string, number>;
    redis: string[];
    durable: string[];
  };
  /** Events waiting for Redis. */
  buffered: number;
  /** Durable handlers stuck long past their timeout: the instance is unhealthy. */
  stalledHandlers: number;
  /**
   * Per event type this service consumes durably: entries delivered but not
   * yet acknowledged (`pending`) and not yet delivered (`lag`); and the
   * entries in the dead-letter stream (all services).
   */
  durable?: {
    group: string;
    backlog: Record<string, { pending: number; lag: number | null }>;
    deadLetters: number;
    /**
     * Every stream's consumer groups (also those registered and not
     * running): the lag in entries and in seconds (age of the oldest entry
     * not handled).
     */
    streams: StreamLag;
    /** Entries the retention ceiling moved to dead letters, per type and group. */
    movedByCeiling: Record<string, Record<string, number>>;
    /** Dead letters per group: kept, oldest age, discarded past the bounds. */
    deadLetterGroups: DeadLetterSummary['groups'];
    /** Said before dead letters are discarded (80% of a bound). */
    warnings: string[];
  };
  stats: ReturnType<EventBusStats['snapshot']>;
}

/** What `GET /api/events/health` and the Terminus indicator report. */
@Injectable()
export class EventBusStatus {
  constructor(
    @InjectEventBusOptions() private readonly options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    private readonly transports: EventBusTransports,
    private readonly local: LocalSubscribers,
    private readonly stats: EventBusStats,
    private readonly retention: StreamRetention,
    private readonly deadLetters: DeadLetters,
  ) {}

  async report(): Promise<EventBusStatusReport> {
    const configuredMode = this.options.mode ?? 'hybrid';
    const redis = await this.pingRedis();
    const reachable = configuredMode === 'local-only' || redis.connected;
    return {
      status: reachable
        ? 'up'
        : configuredMode === 'hybrid'
          ? 'degraded'
          : 'down',
      service: this.options.service,
      mode: reachable ? configuredMode : 'local-only',
      configuredMode,
      redis,
      subscriptions: {
        local: this.local.counts(),
        redis: this.transports.subscribedPatterns(),
        durable: this.transports.durablePatterns(),
      },
      buffered: this.transports.publisher?.bufferedCount ?? 0,
      stalledHandlers: this.transports.stalledHandlers(),
      ...(redis.connected && { durable: await this.durableBacklog() }),
      stats: this.stats.snapshot(),
    };
  }

  private async durableBacklog(): Promise<EventBusStatusReport['durable']> {
    const keyPrefix = this.options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const group = this.options.service;
    const backlog: Record<string, { pending: number; lag: number | null }> = {};
    try {
      for (const type of this.transports.durablePatterns()) {
        const groups = (await this.redis!.xinfo(
          'GROUPS',
          streamKey(keyPrefix, type),
        )) as unknown[][];
        const info = groups.map(toRecord).find((entry) => entry.name === group);
        if (info) {
          backlog[type] = {
            pending: Number(info.pending ?? 0),
            lag:
              info.lag === null || info.lag === undefined
                ? null
                : Number(info.lag),
          };
        }
      }
      const deadLetters = await this.redis!.xlen(deadLetterKey(keyPrefix));
      const summary = await this.deadLetters.summary();
      return {
        group,
        backlog,
        deadLetters,
        streams: await this.retention.measure(),
        movedByCeiling: await this.retention.movedByCeiling(),
        deadLetterGroups: summary.groups,
        warnings: summary.warnings,
      };
    } catch {
      // Redis went away between the ping and here: report no backlog.
      return undefined;
    }
  }

  private async pingRedis(): Promise<EventBusStatusReport['redis']> {
    if (!this.redis || !this.options.redisUrl) return { connected: false };
    const url = describeRedisUrl(this.options.redisUrl);
    const started = performance.now();
    try {
      await withTimeout(this.redis.ping(), PING_TIMEOUT_MS);
      return {
        url,
        connected: true,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      return { url, connected: false, error: (error as Error).message };
    }
  }
}

/** XINFO answers flat [name, value, name, value, ...] lists. */
function toRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[String(flat[i])] = flat[i + 1];
  }
  return record;
}
